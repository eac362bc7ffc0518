//! Inbound notifications: verified (constant time), parsed into a typed event, or rejected
//! with a typed reason. An unverified notification is only a reason to query the status.

use ovo_domain::{Idr, Product, Reference, Timestamp};
use ovo_secrets::Sensitive;
use serde_json::{json, Value};

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

    /// A header the request must carry; `MissingField(name)` without it.
    pub fn required_header(&self, name: &'static str) -> Result<&str, NotificationRejection> {
        self.header(name).ok_or(NotificationRejection::MissingField(name))
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

/// A payment event's merchant reference, provider reference, state and amount.
pub type PaymentEventParts<'a> = (Option<&'a str>, Option<&'a str>, &'a PaymentState, Option<Idr>);

impl NotificationEvent {
    /// A payment event's merchant reference, provider reference, state and amount.
    pub fn as_payment(&self) -> Option<PaymentEventParts<'_>> {
        match self {
            NotificationEvent::Payment { merchant_ref, provider_ref, state, amount } => {
                Some((merchant_ref.as_deref(), provider_ref.as_deref(), state, *amount))
            }
            _ => None,
        }
    }
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

impl NotificationRejection {
    /// The HTTP status a rejected notification is answered with, where the product's own
    /// answer sets no other.
    pub fn http_status(&self) -> u16 {
        match self {
            NotificationRejection::BadSignature
            | NotificationRejection::UnknownMerchant
            | NotificationRejection::UnknownToken => 401,
            NotificationRejection::Unsupported => 404,
            NotificationRejection::MissingField(_) | NotificationRejection::Malformed(_) => 400,
        }
    }
}

/// The HTTP answer the merchant's listener sends to an inbound request.
#[derive(Debug, Clone)]
pub struct InboundResponse {
    pub status: u16,
    pub content_type: &'static str,
    /// May carry a token issued to the provider: never log it.
    pub body: Sensitive<String>,
}

impl InboundResponse {
    pub fn json(status: u16, body: &Value) -> InboundResponse {
        InboundResponse {
            status,
            content_type: "application/json",
            body: Sensitive::new(body.to_string()),
        }
    }
}

/// What the listener knows about a notification when it answers it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub request: &'a InboundRequest,
    pub verified: &'a Result<Notification, NotificationRejection>,
    /// The notification names a payment of ours.
    pub names_our_payment: bool,
    pub now: Timestamp,
}

/// How a product answers what it sends the merchant (as Hyperswitch's `IncomingWebhook`): the
/// provider's own HTTP answer to a notification, verified or not, and to any request it sends
/// before one. Every product client has it; the defaults answer as a plain webhook receiver.
pub trait IncomingWebhook {
    /// An inbound request that is not a notification and that the client answers itself
    /// (DOKU SNAP's notification token request); `None` for a notification.
    fn answer_inbound_request(&self, _request: &InboundRequest) -> Option<InboundResponse> {
        None
    }

    /// The answer to a notification, verified or not.
    fn acknowledge_notification(&self, received: Received<'_>) -> InboundResponse {
        match received.verified {
            Ok(_) => InboundResponse::json(200, &json!({ "received": true })),
            Err(e) => InboundResponse::json(e.http_status(), &json!({ "error": e.to_string() })),
        }
    }

    /// Our reference, where a value a notification names stands for one (Faspay's numeric
    /// `bill_no`); an unverified notification is looked up by what it names.
    fn reference_named(&self, _value: &str) -> Option<Reference> {
        None
    }
}

/// Where a product's notifications carry secrets (tokens, authCodes, signatures): the listener
/// stores them only as keyed hashes. Names are matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationSecrets {
    /// Body fields: dotted paths in a JSON body (arrays add no segment); in a form or XML body
    /// the path's last segment names the field.
    pub body_fields: &'static [&'static str],
    /// Headers.
    pub headers: &'static [&'static str],
}

/// The secret-holding fields of `product`'s notifications.
pub fn notification_secrets(product: Product) -> NotificationSecrets {
    match product {
        // N1/N2 are signed with X-SIGNATURE under an N0 bearer token; N2 carries the
        // reusable binding authCode (§5.4).
        Product::DokuSnapOvo => NotificationSecrets {
            body_fields: &["additionalInfo.authCode"],
            headers: &["Authorization", "X-SIGNATURE"],
        },
        Product::OvoSnap => {
            NotificationSecrets { body_fields: &[], headers: &["Authorization", "X-SIGNATURE"] }
        }
        Product::DokuJokulOvoPush => {
            NotificationSecrets { body_fields: &[], headers: &["Signature"] }
        }
        Product::TazapayOvoIdr => NotificationSecrets { body_fields: &[], headers: &["signature"] },
        // The payment notification's form, XML or JSON carries its signature as a field.
        Product::FaspayOvoTokenize => {
            NotificationSecrets { body_fields: &["signature"], headers: &[] }
        }
    }
}

/// Asserts that `n` is a succeeded payment of `rupiah` under these (merchant, provider)
/// references and this de-duplication key.
#[cfg(test)]
pub(crate) fn assert_paid(n: &Notification, dedup_key: &str, refs: (&str, &str), rupiah: i64) {
    assert_eq!(n.dedup_key, dedup_key);
    let (merchant_ref, provider_ref) = refs;
    let amount = Some(Idr::new(rupiah).unwrap());
    let expected = (Some(merchant_ref), Some(provider_ref), &PaymentState::Succeeded, amount);
    assert_eq!(n.event.as_payment(), Some(expected));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value at `path` (dotted) in `body`.
    fn at<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
        path.split('.').try_fold(body, |value, name| value.get(name))
    }

    #[test]
    fn the_declared_auth_code_is_the_one_doku_snaps_binding_notification_carries() {
        let body = json!({
            "originalExternalId": "123456789",
            "additionalInfo": { "status": "SUCCESS", "authCode": "auth_code_test_1", "custIdMerchant": "m" },
        });
        let parsed = crate::products::doku_snap::parse_notification(&body.to_string()).unwrap();
        let NotificationEvent::Binding { auth_code: Some(code), .. } = parsed.event else {
            panic!("not a binding with a code: {parsed:?}");
        };
        let declared = notification_secrets(Product::DokuSnapOvo);
        let held: Vec<_> = declared.body_fields.iter().filter_map(|p| at(&body, p)).collect();
        assert_eq!(held, [&Value::String(code.expose().clone())]);
        for product in Product::ALL {
            let declared = notification_secrets(product);
            assert!(
                !(declared.body_fields.is_empty() && declared.headers.is_empty()),
                "{product:?}: its signature at least"
            );
        }
    }
}
