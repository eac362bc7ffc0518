//! Inbound notifications: verified (constant time), parsed into a typed event, or rejected
//! with a typed reason. An unverified notification is only a reason to query the status.

use ovo_domain::{Idr, Product};
use ovo_secrets::Sensitive;

use crate::model::{PaymentState, RefundState};

/// What the app's listener received.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub method: String,
    /// Path with the query string.
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl InboundRequest {
    /// Header lookup, case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub enum NotificationEvent {
    Payment {
        /// Our reference as the provider echoes it (may need mapping, e.g. Faspay bill_no).
        merchant_ref: Option<String>,
        provider_ref: Option<String>,
        state: PaymentState,
        amount: Option<Idr>,
    },
    Binding {
        provider_ref: Option<String>,
        merchant_ref: Option<String>,
        linked: bool,
        auth_code: Option<Sensitive<String>>,
    },
    Refund {
        merchant_ref: Option<String>,
        provider_ref: Option<String>,
        state: RefundState,
    },
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub product: Product,
    pub event: NotificationEvent,
    /// Identical for a duplicate delivery of the same notification.
    pub dedup_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationRejection {
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the notification lacks {0}")]
    MissingField(&'static str),
    #[error("the notification cannot be read: {0}")]
    Malformed(String),
    #[error("the notification names a merchant that is not ours")]
    UnknownMerchant,
    #[error("the notification's access token is not one we issued")]
    UnknownToken,
    #[error("this product sends no notifications")]
    Unsupported,
}
