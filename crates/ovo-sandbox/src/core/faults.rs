//! Faults armed through the control API for the next N calls of a product's endpoint.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The endpoint name notifications are armed under.
pub const NOTIFICATION: &str = "notification";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer after this many (real) milliseconds.
    Delay { ms: u64 },
    /// Answer this status without processing the request.
    HttpStatus { status: u16 },
    /// Process the request, then answer a truncated, unparsable body.
    MalformedBody,
    /// Close the connection without processing or answering.
    DropConnection,
    /// Process the request, then close the connection without answering.
    LoseResponse,
    /// Deliver the next notification twice.
    DuplicateNotification,
    /// Deliver the next notification with a wrong signature.
    WrongSignatureNotification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmedFault {
    pub product: String,
    /// The endpoint's documented path (e.g. `/v1/debit/payment-host-to-host`) or
    /// `notification`; absent = every endpoint of the product.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub fault: Fault,
    /// How many calls it applies to.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Default)]
pub struct FaultPlan {
    armed: Mutex<Vec<ArmedFault>>,
}

impl FaultPlan {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ArmedFault>> {
        self.armed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn arm(&self, fault: ArmedFault) {
        if fault.count > 0 {
            self.lock().push(fault);
        }
    }

    pub fn list(&self) -> Vec<ArmedFault> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Uses up one call of the first fault armed for this endpoint.
    pub fn take(&self, product: &str, endpoint: &str) -> Option<Fault> {
        let mut armed = self.lock();
        let index = armed.iter().position(|a| {
            a.product == product
                && match &a.endpoint {
                    Some(e) => e == endpoint,
                    None => endpoint != NOTIFICATION,
                }
        })?;
        let fault = armed[index].fault;
        armed[index].count -= 1;
        if armed[index].count == 0 {
            armed.remove(index);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_to_the_next_n_calls_of_their_endpoint() {
        let plan = FaultPlan::default();
        plan.arm(ArmedFault { product: "ovo_snap".into(), endpoint: Some("/pay".into()), fault: Fault::LoseResponse, count: 2 });
        plan.arm(ArmedFault { product: "ovo_snap".into(), endpoint: None, fault: Fault::HttpStatus { status: 503 }, count: 1 });
        assert_eq!(plan.take("ovo_snap", "/pay"), Some(Fault::LoseResponse));
        assert_eq!(plan.take("tazapay_ovo_idr", "/pay"), None);
        assert_eq!(plan.take("ovo_snap", NOTIFICATION), None, "an endpoint-less fault is not a notification fault");
        assert_eq!(plan.take("ovo_snap", "/pay"), Some(Fault::LoseResponse));
        assert_eq!(plan.take("ovo_snap", "/pay"), Some(Fault::HttpStatus { status: 503 }));
        assert_eq!(plan.take("ovo_snap", "/pay"), None);
    }
}
