//! Taking payments and following them to a final state.
//!
//! Every payment is recorded (reference, idempotency key, timeline event, audit entry) and
//! committed before its provider call; the answer then updates the row, its timeline and the
//! audit log. A lost answer (`UnknownOutcome`) makes the payment `unknown`, which only a status
//! query resolves: the payment is never sent again under a new key. A push payment (DOKU Jokul)
//! is held by the provider for about 70 s: `start_payment` answers at once with the deadline and
//! the call goes on in a task of its own.
//!
//! Open payments are polled on their product's schedule (`Capabilities::poll`, from each
//! product file) and handed to an operator (`needs_review`) at its give-up time. A product
//! whose failed or expired attempt can be requested again (Tazapay) gets a new attempt on the
//! same provider payment, under the attempt's own key.

mod again;
mod answers;
mod cancel;
mod list;
mod poller;
mod resend;
mod start;

use ovo_domain::{Idr, PayerPhone, PaymentId, Product, Reference};
use ovo_ledger::payments::PaymentDetail;
use ovo_providers::{capabilities, PaymentKind};

use crate::backoffice::{Actor, Backoffice};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::PaymentRef;
use crate::permissions::Permission;

/// The inbox notification an answer applies (a status query confirming it).
#[derive(Debug, Clone)]
pub(crate) struct InboxMark {
    pub id: i64,
    pub dedup_key: String,
}

/// DOKU Jokul holds the push call until the customer answers or about 70 s pass (HD 3).
pub const PUSH_HOLD_SECONDS: i64 = 70;
/// The first status check of a payment whose call is still out (the longest provider timeout
/// is Jokul's 100 s): a query cannot race the payment call's own answer.
const FIRST_CHECK_AFTER_MS: i64 = 130_000;

/// Where an answer about a payment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Pay,
    Status,
    Notification,
    /// The provider's answer to a cancel.
    Cancel,
    /// The answer to sending the attempt again under its original ids (the provider had no
    /// record of it after its processing window).
    Resend,
}

impl Origin {
    fn action(self) -> &'static str {
        match self {
            Origin::Pay => "payment.pay",
            Origin::Status => "payment.status",
            Origin::Notification => "payment.notification",
            Origin::Cancel => "payment.cancel_answer",
            Origin::Resend => "payment.resend_answer",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Origin::Pay => "pay",
            Origin::Status => "status",
            Origin::Notification => "notification",
            Origin::Cancel => "cancel",
            Origin::Resend => "resend",
        }
    }
}

pub(crate) fn kind_key(kind: PaymentKind) -> &'static str {
    match kind {
        PaymentKind::Push => "push",
        PaymentKind::SaleRedirect => "sale_redirect",
        PaymentKind::Recurring => "recurring",
        PaymentKind::Payin => "payin",
        PaymentKind::Tokenized => "tokenized",
        PaymentKind::DirectDebit => "direct_debit",
    }
}

const KINDS: [PaymentKind; 6] = [
    PaymentKind::Push,
    PaymentKind::SaleRedirect,
    PaymentKind::Recurring,
    PaymentKind::Payin,
    PaymentKind::Tokenized,
    PaymentKind::DirectDebit,
];

fn parse_kind(key: &str) -> Option<PaymentKind> {
    KINDS.into_iter().find(|k| kind_key(*k) == key)
}

/// The kind is paid from a linked account of its product.
fn on_linked_account(kind: PaymentKind) -> bool {
    matches!(
        kind,
        PaymentKind::SaleRedirect
            | PaymentKind::Recurring
            | PaymentKind::Tokenized
            | PaymentKind::DirectDebit
    )
}

/// The key an attempt's call is sent under (the product's scheme in the capability table).
fn idempotency_key(product: Product, reference: &Reference, attempt: i64) -> String {
    capabilities(product).attempt_keys.key(reference, attempt)
}

/// The payment's phone: its mobile number, or the test-mode number it was sent to.
fn payer_phone(payment: &PaymentDetail) -> Option<PayerPhone> {
    match (&payment.phone, payment.test_phone) {
        (Some(phone), _) => Some(PayerPhone::Mobile(phone.clone())),
        (None, Some(test)) => Some(PayerPhone::Test(test)),
        (None, None) => None,
    }
}

fn parse_amount(text: &str, what: &str) -> AppResult<Idr> {
    Idr::parse(text).map_err(|e| AppError::invalid(e.reason(), format!("{what}: {e}")))
}

/// The payment's kind, which a payment this version recorded always has.
fn known_kind(payment: &PaymentDetail) -> AppResult<PaymentKind> {
    parse_kind(&payment.kind).ok_or_else(|| {
        AppError::new(ErrorCode::Internal, format!("unknown payment kind {:?}", payment.kind))
    })
}

fn payment_subject(reference: &Reference) -> String {
    format!("payment:{}", reference.as_str())
}

impl Backoffice {
    /// An operator who may take payments, and the payment of this environment they act on
    /// (`to` says what they asked to do with it).
    async fn payment_to_act_on(
        &self,
        input: &PaymentRef,
        to: &str,
    ) -> AppResult<(Actor, PaymentDetail)> {
        let actor = self.authorize(Permission::TakePayments, "take payments").await?;
        let payment = self.payment_row(PaymentId::new(input.payment_id)).await?;
        self.ensure_current_environment(&payment, to).await?;
        Ok((actor, payment))
    }

    /// Refuses a payment of another environment than the current one; `to` says what the
    /// operator asked to do with it.
    pub(crate) async fn ensure_current_environment(
        &self,
        payment: &PaymentDetail,
        to: &str,
    ) -> AppResult<()> {
        if payment.environment != self.environment().await {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("this payment belongs to another environment; switch to it to {to}"),
            )
            .with_reason("payment_other_environment"));
        }
        Ok(())
    }
}
