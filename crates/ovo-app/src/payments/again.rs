//! A new attempt on the same provider payment after a failed or expired one.

use ovo_domain::PaymentStatus;
use ovo_ledger::customers;
use ovo_ledger::payments::{self, PaymentDetail};
use ovo_providers::model::{PaySource, PaymentRequest};
use ovo_providers::{capabilities, Operation};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;

use super::*;

/// A failed or expired attempt the product can ask again on the same provider payment.
pub(super) fn can_request_again(p: &PaymentDetail) -> bool {
    matches!(p.status, PaymentStatus::Failed | PaymentStatus::Expired)
        && capabilities(p.product).supports(Operation::RequestAgain)
        && p.provider_ref.is_some()
}

impl Backoffice {
    /// Asks the customer again on the same provider payment after its attempt failed or
    /// expired (Tazapay: a new confirm on the same payin, never a new payin): the new attempt
    /// and its key are committed first, then sent once; its outcome is followed as any.
    pub async fn request_payment_again(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        let (actor, payment) = self.payment_to_act_on(&input, "ask again").await?;
        let id = payment.id;
        if !can_request_again(&payment) {
            let why = if !capabilities(payment.product).supports(Operation::RequestAgain) {
                format!(
                    "{} cannot ask again on the same payment; take a new payment",
                    payment.product.display_name()
                )
            } else if payment.provider_ref.is_none() {
                "the provider never created this payment; take a new payment".to_owned()
            } else {
                format!(
                    "only a failed or expired payment can be asked again; this one is {}",
                    payment.status.key()
                )
            };
            return Err(AppError::new(ErrorCode::Conflict, why)
                .with_reason("payment_not_requestable_again"));
        }
        let Some(provider_ref) = payment.provider_ref.clone() else {
            return Err(AppError::new(ErrorCode::Conflict, "no provider payment")
                .with_reason("payment_not_requestable_again"));
        };
        let kind = known_kind(&payment)?;
        let Some(phone) = payer_phone(&payment) else {
            return Err(AppError::new(ErrorCode::Conflict, "this payment has no phone to ask")
                .with_reason("payment_not_requestable_again"));
        };
        let now = self.now();
        let attempt = payment.attempt + 1;
        let key = idempotency_key(payment.product, &payment.reference, attempt);
        let give_up = self.poll(payment.product, payment.environment).give_up_from(now);
        let subject = payment_subject(&payment.reference);
        let detail = json!({
            "by": actor.operator.username,
            "attempt": attempt,
            "idempotency_key": key,
            "provider_ref": provider_ref,
            "phone": phone.masked(),
            "give_up_at": give_up.to_rfc3339(),
        });
        let mut tx = self.ledger.begin_write().await?;
        payments::begin_attempt(
            &mut tx,
            id,
            attempt,
            &key,
            now.plus_millis(FIRST_CHECK_AFTER_MS),
            give_up,
            now,
        )
        .await
        .map_err(|e| match e {
            ovo_ledger::LedgerError::NotFound { .. } => AppError::new(
                ErrorCode::Conflict,
                "this payment was asked again or changed meanwhile; reload it",
            )
            .with_reason("payment_not_requestable_again"),
            other => other.into(),
        })?;
        payments::add_event(&mut tx, id, now, "payment_requested_again", &detail).await?;
        self.audit_act(&mut tx, &actor, "payment.request_again", &subject, detail).await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("payment_again.after_commit");

        let customer = match payment.customer_id {
            Some(c) => {
                let mut conn = self.ledger.read().await?;
                customers::by_id(&mut conn, c).await?
            }
            None => None,
        };
        let request = PaymentRequest {
            reference: payment.reference.clone(),
            idempotency_key: key,
            kind,
            amount: payment.amount,
            phone,
            account: None,
            source: payment.source.as_deref().and_then(PaySource::parse).unwrap_or_default(),
            description: payment.description.clone().unwrap_or_default(),
            return_url: None,
            customer_name: customer.as_ref().map(|c| c.full_name.clone()),
            customer_email: customer.as_ref().and_then(|c| c.email.clone()),
        };
        fail::fail_point!("payment_again.before_call");
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.request_again(&request, &provider_ref).await,
            Err(e) => Err(e),
        };
        fail::fail_point!("payment_again.after_call");
        self.apply_answer(id, answer, Origin::Pay, Some(&actor.operator)).await?;
        fail::fail_point!("payment_again.after_answer_commit");
        self.payment_detail(id).await
    }
}
