//! Tazapay wire types (§5-§11; unknown enum values kept, extra fields ignored, a missing
//! field named), their mapping onto our states, and the webhook parser.

#[allow(clippy::wildcard_imports)]
use super::*;

// ---------------------------------------------------------------------------------------------
// Wire types: requests (§6, §7, §11)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePhone {
    pub calling_code: String,
    pub number: String,
}

impl WirePhone {
    /// `calling_code "62"` and the number without the leading 0 (§7).
    pub fn from_msisdn(phone: &Msisdn) -> WirePhone {
        let (calling_code, number) = tazapay_phone(phone);
        WirePhone { calling_code, number }
    }

    /// A payer phone: a mobile number as above, or Tazapay's own test-mode number (§15) as
    /// documented; another product's test number is refused.
    pub fn from_payer(phone: &PayerPhone) -> ProviderResult<WirePhone> {
        match phone {
            PayerPhone::Mobile(m) => Ok(WirePhone::from_msisdn(m)),
            PayerPhone::Test(t) if t.product() == PRODUCT => {
                Ok(WirePhone { calling_code: t.calling_code().into(), number: t.number().into() })
            }
            PayerPhone::Test(t) => Err(ProviderError::InvalidInput {
                product: PRODUCT,
                detail: format!(
                    "{} is {}'s test-mode number, not Tazapay's",
                    t.number(),
                    t.product().display_name()
                ),
            }),
        }
    }

    /// Back to a phone; `None` for a number that is not an Indonesian mobile.
    pub fn to_msisdn(&self) -> Option<Msisdn> {
        Msisdn::parse(&format!("+{}{}", self.calling_code.trim_start_matches('+'), self.number))
            .ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub country: String,
    pub phone: WirePhone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatePayin {
    pub amount: i64,
    pub invoice_currency: String,
    pub transaction_description: String,
    pub reference_id: String,
    pub payment_methods: Vec<String>,
    pub customer_details: CustomerDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    /// `true` with `payment_method_details`: create and confirm in one call (§1, §6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method_details: Option<PaymentMethodDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OvoIdrDetails {
    pub phone: WirePhone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentMethodDetails {
    #[serde(rename = "type")]
    pub kind: String,
    pub ovo_idr: OvoIdrDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfirmPayin {
    pub customer_details: CustomerDetails,
    pub payment_method_details: PaymentMethodDetails,
    pub reference_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateRefund {
    pub payin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_attempt: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    pub reference_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Wire types: answers (§5, §8, §10)
// ---------------------------------------------------------------------------------------------

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(from = "String")]
        pub enum $name {
            $($variant,)*
            /// A value this client does not know, kept verbatim.
            Unknown(String),
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.to_ascii_lowercase().as_str() {
                    $($wire => $name::$variant,)*
                    _ => $name::Unknown(value),
                }
            }
        }

        impl $name {
            pub fn as_wire(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(value) => value,
                }
            }
        }
    };
}

wire_enum!(
    /// Payin states (§9).
    PayinStatus {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresAction = "requires_action",
        Processing = "processing",
        Succeeded = "succeeded",
        Cancelled = "cancelled",
    }
);

wire_enum!(
    /// Payment-attempt states (§9).
    AttemptStatus {
        RequiresAction = "requires_action",
        Processing = "processing",
        Succeeded = "succeeded",
        Failed = "failed",
    }
);

wire_enum!(
    /// Refund states (§9; `requested`/`initiated`/`rejected` from the object documentation).
    RefundStatus {
        Pending = "pending",
        Requested = "requested",
        Initiated = "initiated",
        Succeeded = "succeeded",
        Failed = "failed",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttemptData {
    #[serde(default)]
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentAttempt {
    pub id: String,
    pub status: AttemptStatus,
    #[serde(default)]
    pub status_description: Option<String>,
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub payin: Option<String>,
    #[serde(default)]
    pub reference_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Payin {
    pub id: String,
    pub amount: i64,
    pub invoice_currency: String,
    pub status: PayinStatus,
    #[serde(default)]
    pub status_description: Option<String>,
    #[serde(default)]
    pub amount_paid: Option<i64>,
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub latest_payment_attempt: Option<String>,
    #[serde(default)]
    pub latest_payment_attempt_data: Option<AttemptData>,
    #[serde(default)]
    pub payment_attempts: Option<Vec<PaymentAttempt>>,
}

impl Payin {
    pub(super) fn attempts(&self) -> &[PaymentAttempt] {
        self.payment_attempts.as_deref().unwrap_or(&[])
    }

    pub(super) fn latest_attempt_id(&self) -> Option<&str> {
        self.latest_payment_attempt.as_deref().filter(|id| !id.is_empty())
    }

    pub(super) fn latest_attempt(&self) -> Option<&PaymentAttempt> {
        match self.latest_attempt_id() {
            Some(id) => self.attempts().iter().find(|a| a.id == id),
            None => self.attempts().last(),
        }
    }

    /// The succeeded attempt (the one a refund names, §12 note on 30008).
    pub fn succeeded_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempts().iter().rev().find(|a| a.status == AttemptStatus::Succeeded)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: RefundStatus,
    #[serde(default)]
    pub status_description: Option<String>,
    #[serde(default)]
    pub payin: Option<String>,
    #[serde(default)]
    pub reference_id: Option<String>,
}

/// One entry of `errors[]` (§5).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: serde_json::Value,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub remarks: Option<String>,
}

impl ApiError {
    pub fn code_text(&self) -> String {
        match &self.code {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// `{"status","message","data"}` or `{"status","message","errors"}` (§5).
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    #[serde(default)]
    pub errors: Option<Vec<ApiError>>,
}

/// The webhook envelope (§10).
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, `"2023-12-25 21:59:59"` or a Unix integer: kept as sent (§10).
    pub created_at: serde_json::Value,
    pub data: serde_json::Value,
}

impl Event {
    /// `created_at` exactly as it appears in the signed message.
    pub fn created_at_text(&self) -> String {
        match &self.created_at {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions to domain types
// ---------------------------------------------------------------------------------------------

/// The code a failed attempt carries (Tazapay has no code for it; the reason is in
/// `status_description`).
pub const ATTEMPT_FAILED: &str = "payment_attempt.failed";

/// A payin as our payment state (§9 mapping). `now` decides `expires_at`.
pub fn payment_state(payin: &Payin, now: Timestamp) -> PaymentState {
    match &payin.status {
        PayinStatus::RequiresAction | PayinStatus::Processing => {
            let expired = payin
                .latest_payment_attempt_data
                .as_ref()
                .and_then(|d| d.expires_at.as_deref())
                .and_then(|at| Timestamp::parse_rfc3339(at).ok())
                .is_some_and(|at| at < now);
            if expired {
                PaymentState::Expired
            } else {
                PaymentState::Pending
            }
        }
        PayinStatus::Succeeded => PaymentState::Succeeded,
        PayinStatus::Cancelled => PaymentState::Cancelled,
        PayinStatus::RequiresPaymentMethod => {
            match (payin.latest_attempt(), payin.latest_attempt_id()) {
                // Back in requires_payment_method after an attempt: that attempt failed (§9).
                (Some(attempt), _) if attempt.status == AttemptStatus::Failed => {
                    PaymentState::Failed {
                        code: ATTEMPT_FAILED.into(),
                        message: attempt.status_description.clone().unwrap_or_default(),
                    }
                }
                (_, Some(_)) => PaymentState::Failed {
                    code: ATTEMPT_FAILED.into(),
                    message: payin.status_description.clone().unwrap_or_default(),
                },
                _ => PaymentState::Pending,
            }
        }
        PayinStatus::Unknown(value) => PaymentState::Unrecognised(value.clone()),
    }
}

pub fn refund_state(refund: &Refund) -> RefundState {
    let failed = |code: &str| RefundState::Failed {
        code: code.into(),
        message: refund.status_description.clone().unwrap_or_default(),
    };
    match &refund.status {
        RefundStatus::Pending | RefundStatus::Requested | RefundStatus::Initiated => {
            RefundState::Pending
        }
        RefundStatus::Succeeded => RefundState::Succeeded,
        RefundStatus::Failed => failed("failed"),
        RefundStatus::Rejected => failed("rejected"),
        RefundStatus::Cancelled => failed("cancelled"),
        RefundStatus::Unknown(value) => {
            tracing::warn!(product = PRODUCT.key(), status = %value, "unknown refund status");
            RefundState::Unrecognised(value.clone())
        }
    }
}

/// Verifies (constant time) and parses one webhook (§10).
pub fn parse_notification(
    secret: &[u8],
    signature: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<Notification, NotificationRejection> {
    let signature = signature.ok_or(NotificationRejection::MissingField("signature"))?;
    let event: Event =
        serde_json::from_slice(body).map_err(|e| match missing_field(&e.to_string()) {
            Some(field) => NotificationRejection::MissingField(field),
            None => NotificationRejection::Malformed(e.to_string()),
        })?;
    if !verify_webhook_signature(secret, &event.id, body, &event.created_at_text(), signature) {
        return Err(NotificationRejection::BadSignature);
    }
    let event_kind = event.kind.clone();
    let (object, _) = event_kind.split_once('.').unwrap_or((event_kind.as_str(), ""));
    let malformed =
        |what: &str, e: serde_json::Error| NotificationRejection::Malformed(format!("{what}: {e}"));
    let event_out = match object {
        "payin" => {
            let payin: Payin =
                serde_json::from_value(event.data.clone()).map_err(|e| malformed("payin", e))?;
            NotificationEvent::Payment {
                merchant_ref: payin.reference_id.clone().filter(|r| !r.is_empty()),
                provider_ref: Some(payin.id.clone()),
                state: payment_state(&payin, now),
                amount: from_minor_units(payin.amount).ok(),
            }
        }
        "payment_attempt" => {
            let attempt: PaymentAttempt = serde_json::from_value(event.data.clone())
                .map_err(|e| malformed("payment_attempt", e))?;
            let state = match &attempt.status {
                AttemptStatus::Succeeded => PaymentState::Succeeded,
                AttemptStatus::Failed => PaymentState::Failed {
                    code: ATTEMPT_FAILED.into(),
                    message: attempt.status_description.clone().unwrap_or_default(),
                },
                AttemptStatus::RequiresAction | AttemptStatus::Processing => PaymentState::Pending,
                AttemptStatus::Unknown(value) => PaymentState::Unrecognised(value.clone()),
            };
            NotificationEvent::Payment {
                merchant_ref: attempt.reference_id.clone().filter(|r| !r.is_empty()),
                provider_ref: attempt.payin.clone(),
                state,
                amount: attempt.amount.and_then(|a| from_minor_units(a).ok()),
            }
        }
        "refund" => {
            let refund: Refund =
                serde_json::from_value(event.data.clone()).map_err(|e| malformed("refund", e))?;
            NotificationEvent::Refund {
                merchant_ref: refund.reference_id.clone().filter(|r| !r.is_empty()),
                provider_ref: Some(refund.id.clone()),
                state: refund_state(&refund),
            }
        }
        other => {
            return Err(NotificationRejection::Malformed(format!(
                "event type {other:?} is not handled"
            )))
        }
    };
    Ok(Notification {
        product: PRODUCT,
        event: event_out,
        dedup_key: format!("{}:{}", PRODUCT.key(), event.id),
    })
}

/// The field a serde "missing field `x`" error names (for the typed rejection).
fn missing_field(message: &str) -> Option<&'static str> {
    const FIELDS: [&str; 4] = ["id", "type", "created_at", "data"];
    FIELDS.into_iter().find(|f| message.contains(&format!("missing field `{f}`")))
}
