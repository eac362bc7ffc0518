//! Faults armed through the control API for the next N calls of a product's endpoint, the next N
//! notifications, or the next N payments that succeed.

use std::sync::Mutex;

use super::lock;
use serde::{Deserialize, Serialize};

/// The endpoint name notifications are armed under.
pub const NOTIFICATION: &str = "notification";

/// What a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultClass {
    /// A request to one of the product's endpoints (armed with its path, or with none = any).
    Request,
    /// An outgoing notification (armed with `notification`, or with no endpoint).
    Notification,
    /// The outcome of the product's next payment that succeeds (the endpoint is ignored).
    PaymentOutcome,
}

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
    /// Close the connection without answering, and process the request `after_ms` (scaled)
    /// later: until then the provider has no record of it.
    LateProcessing { after_ms: u64 },
    /// Process the request, then answer this 5xx status with a body in the product's error shape.
    ServerErrorAfterProcessing { status: u16 },
    /// Deliver the next notification, then the identical bytes (body and signature headers)
    /// again `after_ms` (scaled) after the first delivery ended.
    ReplayNotification { after_ms: u64 },
    /// The product's next payment that succeeds ends failed (status query and notification say
    /// so); `after_ms` (scaled) later its record turns successful and a signed success
    /// notification goes out.
    SuccessAfterFailure { after_ms: u64 },
}

impl Fault {
    pub fn class(self) -> FaultClass {
        match self {
            Fault::DuplicateNotification
            | Fault::WrongSignatureNotification
            | Fault::ReplayNotification { .. } => FaultClass::Notification,
            Fault::SuccessAfterFailure { .. } => FaultClass::PaymentOutcome,
            Fault::Delay { .. }
            | Fault::HttpStatus { .. }
            | Fault::MalformedBody
            | Fault::DropConnection
            | Fault::LoseResponse
            | Fault::LateProcessing { .. }
            | Fault::ServerErrorAfterProcessing { .. } => FaultClass::Request,
        }
    }
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
        lock(&self.armed)
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

    /// Uses up one call of the first fault armed for this endpoint (`NOTIFICATION` for a
    /// notification). An endpoint-less fault applies to every request or every notification,
    /// as its class says.
    pub fn take(&self, product: &str, endpoint: &str) -> Option<Fault> {
        let class =
            if endpoint == NOTIFICATION { FaultClass::Notification } else { FaultClass::Request };
        self.take_where(product, |a| match &a.endpoint {
            Some(e) => {
                e == endpoint
                    && (endpoint == NOTIFICATION || a.fault.class() == FaultClass::Request)
            }
            None => a.fault.class() == class,
        })
    }

    /// Uses up one `success_after_failure` armed for the product: called when one of its
    /// payments is about to succeed.
    pub fn take_payment_outcome(&self, product: &str) -> Option<Fault> {
        self.take_where(product, |a| a.fault.class() == FaultClass::PaymentOutcome)
    }

    /// The wait of a `success_after_failure` armed for the product, used up; the product calls
    /// it when one of its payments is about to succeed, and then records the payment failed,
    /// turning it successful after the wait (scaled).
    pub fn take_success_after_failure(&self, product: &str) -> Option<std::time::Duration> {
        match self.take_payment_outcome(product)? {
            Fault::SuccessAfterFailure { after_ms } => {
                Some(std::time::Duration::from_millis(after_ms))
            }
            _ => None,
        }
    }

    fn take_where(&self, product: &str, applies: impl Fn(&ArmedFault) -> bool) -> Option<Fault> {
        let mut armed = self.lock();
        let index = armed.iter().position(|a| a.product == product && applies(a))?;
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
        plan.arm(ArmedFault {
            product: "product_a".into(),
            endpoint: Some("/pay".into()),
            fault: Fault::LoseResponse,
            count: 2,
        });
        plan.arm(ArmedFault {
            product: "product_a".into(),
            endpoint: None,
            fault: Fault::HttpStatus { status: 503 },
            count: 1,
        });
        assert_eq!(plan.take("product_a", "/pay"), Some(Fault::LoseResponse));
        assert_eq!(plan.take("product_b", "/pay"), None);
        assert_eq!(
            plan.take("product_a", NOTIFICATION),
            None,
            "an endpoint-less fault is not a notification fault"
        );
        assert_eq!(plan.take("product_a", "/pay"), Some(Fault::LoseResponse));
        assert_eq!(plan.take("product_a", "/pay"), Some(Fault::HttpStatus { status: 503 }));
        assert_eq!(plan.take("product_a", "/pay"), None);
    }

    #[test]
    fn each_fault_is_taken_only_by_what_it_applies_to() {
        let plan = FaultPlan::default();
        plan.arm(ArmedFault {
            product: "p".into(),
            endpoint: None,
            fault: Fault::SuccessAfterFailure { after_ms: 5 },
            count: 1,
        });
        plan.arm(ArmedFault {
            product: "p".into(),
            endpoint: None,
            fault: Fault::ReplayNotification { after_ms: 5 },
            count: 1,
        });
        assert_eq!(plan.take("p", "/pay"), None, "neither applies to a request");
        assert_eq!(plan.take("p", NOTIFICATION), Some(Fault::ReplayNotification { after_ms: 5 }));
        assert_eq!(plan.take_payment_outcome("q"), None);
        assert_eq!(
            plan.take_payment_outcome("p"),
            Some(Fault::SuccessAfterFailure { after_ms: 5 })
        );
        assert!(plan.list().is_empty());
        let armed: ArmedFault = serde_json::from_str(
            r#"{"product":"p","fault":{"kind":"late_processing","after_ms":100}}"#,
        )
        .unwrap();
        assert_eq!(armed.fault, Fault::LateProcessing { after_ms: 100 });
        let armed: ArmedFault = serde_json::from_str(
            r#"{"product":"p","fault":{"kind":"server_error_after_processing","status":503}}"#,
        )
        .unwrap();
        assert_eq!(armed.fault, Fault::ServerErrorAfterProcessing { status: 503 });
    }
}
