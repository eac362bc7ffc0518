//! The requests and answers every product speaks in domain types. References and
//! idempotency keys come from the caller, which persists them before the call.

use ovo_domain::{Idr, Msisdn, PayerPhone, Reference, Timestamp};
use ovo_secrets::Sensitive;

use crate::capability::PaymentKind;

/// Where a payment takes its money from (where the product lets the merchant choose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaySource {
    #[default]
    Cash,
    Points,
    /// Points first, the rest from cash (Faspay pay_type 2).
    PointsFirst,
}

/// A linked OVO account as the provider knows it. Tokens are secrets: the app keeps them in
/// the keychain and hands them in here.
#[derive(Debug, Clone)]
pub struct LinkedAccount {
    pub phone: Msisdn,
    /// The provider's id of the binding, where it has one.
    pub provider_ref: Option<String>,
    /// The customer token (SNAP B2B2C access token, Faspay token...).
    pub token: Option<Sensitive<String>>,
    pub refresh_token: Option<Sensitive<String>>,
    pub token_expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct BindRequest {
    pub reference: Reference,
    pub phone: Msisdn,
    pub merchant_customer_id: String,
    /// Where the provider sends the customer's browser afterwards.
    pub return_url: String,
}

/// Binding has begun: the customer completes it on `redirect_url` (system browser).
#[derive(Debug, Clone)]
pub struct BindStarted {
    pub redirect_url: String,
    pub provider_ref: Option<String>,
    /// A token the completion needs (e.g. OVO SNAP's linkageToken).
    pub pending_token: Option<Sensitive<String>>,
}

/// What the app learnt from the return URL, the notification or the callback.
#[derive(Debug, Clone)]
pub struct CompleteBinding {
    pub reference: Reference,
    pub phone: Msisdn,
    pub provider_ref: Option<String>,
    pub auth_code: Option<Sensitive<String>>,
    pub pending_token: Option<Sensitive<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub cash: Idr,
    /// OVO Points, 1 point = 1 rupiah.
    pub points: Idr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub cash: Idr,
    pub points: Idr,
}

#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub reference: Reference,
    pub idempotency_key: String,
    pub kind: PaymentKind,
    pub amount: Idr,
    /// A mobile number, or a provider's test-mode number (only its own client accepts it).
    pub phone: PayerPhone,
    /// For payments on a linked account.
    pub account: Option<LinkedAccount>,
    pub source: PaySource,
    pub description: String,
    pub return_url: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
}

impl PaymentRequest {
    /// The customer's mobile number: a test-mode number belongs to one product's test mode
    /// and is refused by every other client.
    pub fn mobile(&self, product: ovo_domain::Product) -> crate::error::ProviderResult<&Msisdn> {
        match &self.phone {
            PayerPhone::Mobile(phone) => Ok(phone),
            PayerPhone::Test(test) => Err(crate::error::ProviderError::InvalidInput {
                product,
                detail: format!(
                    "{} is {}'s test-mode number; {} needs the customer's OVO mobile number",
                    test.number(),
                    test.product().display_name(),
                    product.display_name()
                ),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    Pending,
    /// The customer must act on this page first.
    RedirectRequired {
        url: String,
    },
    Succeeded,
    Failed {
        code: String,
        message: String,
    },
    Expired,
    Cancelled,
    Refunded,
    /// A status this client does not know: kept verbatim, treated as not final.
    Unrecognised(String),
    /// Nothing was charged: the linked account must be linked again at `url` first
    /// (Faspay `02`, "regenerate payment token").
    RelinkRequired {
        code: String,
        message: String,
        url: String,
    },
    /// The provider has no record of it (yet). Not final: a write may still be processed
    /// within the product's `UnknownOutcomeRule::processing_window_s`, so this is never
    /// "failed" on its own.
    NotFound {
        code: String,
        message: String,
    },
}

impl PaymentState {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentState::Succeeded
                | PaymentState::Failed { .. }
                | PaymentState::Expired
                | PaymentState::Cancelled
                | PaymentState::Refunded
                | PaymentState::RelinkRequired { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub state: PaymentState,
    pub provider_ref: Option<String>,
    pub paid: Option<Split>,
    /// The provider's own status or response code, for support.
    pub provider_status: String,
    /// When the current attempt expires, as the provider states it (Tazapay's `expires_at`).
    pub attempt_expires_at: Option<Timestamp>,
}

impl PaymentOutcome {
    /// The provider has no record of the payment (yet): not final on its own.
    pub fn not_found(
        code: impl Into<String>,
        message: impl Into<String>,
        provider_ref: Option<String>,
    ) -> PaymentOutcome {
        let code = code.into();
        PaymentOutcome {
            state: PaymentState::NotFound { code: code.clone(), message: message.into() },
            provider_ref,
            paid: None,
            provider_status: code,
            attempt_expires_at: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub reference: Reference,
    pub provider_ref: Option<String>,
    pub kind: PaymentKind,
    pub amount: Idr,
    pub account: Option<LinkedAccount>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct RefundRequest {
    pub refund_reference: Reference,
    pub idempotency_key: String,
    pub payment_reference: Reference,
    pub payment_provider_ref: Option<String>,
    pub amount: Idr,
    pub payment_amount: Idr,
    pub reason: String,
    pub account: Option<LinkedAccount>,
    /// The refund's provider id from an earlier answer, for a status query.
    pub provider_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    Pending,
    Succeeded,
    Failed {
        code: String,
        message: String,
    },
    Unrecognised(String),
    /// The provider has no record of it (yet): not final, see [`PaymentState::NotFound`].
    NotFound {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    pub state: RefundState,
    pub provider_ref: Option<String>,
    pub provider_status: String,
}

impl RefundOutcome {
    /// The provider has no record of the refund (yet): never `Failed` on its own.
    pub fn not_found(
        code: impl Into<String>,
        message: impl Into<String>,
        provider_status: impl Into<String>,
    ) -> RefundOutcome {
        RefundOutcome {
            state: RefundState::NotFound { code: code.into(), message: message.into() },
            provider_ref: None,
            provider_status: provider_status.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnbindOutcome {
    Unlinked,
    /// The provider accepted; it completes later (e.g. a second call or a callback).
    Pending,
    /// The provider no longer honours the link (its customer token is refused after renewal,
    /// as the spec says of a disabled link): nothing is left to unbind. Only products whose
    /// spec says so answer this; an unbind sent again after a lost answer ends here.
    AlreadyUnlinked,
}

impl UnbindOutcome {
    /// `Pending` when the provider still has to complete the unbind, else `Unlinked`.
    pub fn pending_if(pending: bool) -> UnbindOutcome {
        if pending {
            UnbindOutcome::Pending
        } else {
            UnbindOutcome::Unlinked
        }
    }
}

#[derive(Debug, Clone)]
pub struct HistoryQuery {
    pub account: LinkedAccount,
    /// Asia/Jakarta dates, inclusive.
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub page: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Debit,
    Credit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// Stable per entry, for de-duplication.
    pub provider_id: String,
    pub at: Timestamp,
    pub amount: Idr,
    pub direction: Direction,
    pub description: String,
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub next_page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpOption {
    pub title: String,
    pub steps: Vec<String>,
    pub icon_url: Option<String>,
    pub link: Option<String>,
}

/// What a connection test read, and what the provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionProof {
    /// The read that was made, e.g. `SNAP B2B access token`.
    pub read: &'static str,
    /// The provider's answer in a few words (its code where it gives one).
    pub answer: String,
}
