//! Withdrawing an open payment at the provider.

use ovo_ledger::payments::{self, PaymentDetail};
use ovo_providers::model::StatusRequest;
use ovo_providers::{capabilities, Operation};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;

use super::*;

pub(super) fn can_cancel(p: &PaymentDetail) -> bool {
    !p.status.is_final()
        && capabilities(p.product).supports(Operation::Cancel)
        && p.provider_ref.is_some()
}

impl Backoffice {
    /// Withdraws an open payment at the provider (Tazapay cancel payin, Faspay Cancel
    /// Transaction). The request is recorded before the one provider call; a cancelled answer
    /// closes the payment, a refusal (already paid or final) is settled by a status query, and
    /// a lost answer leaves it open for the status checks.
    pub async fn cancel_payment(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        let (actor, payment) = self.payment_to_act_on(&input, "cancel it").await?;
        let id = payment.id;
        if !can_cancel(&payment) {
            let why = if !capabilities(payment.product).supports(Operation::Cancel) {
                format!("{} has no way to cancel a payment", payment.product.display_name())
            } else if payment.status.is_final() {
                format!(
                    "only an open payment can be cancelled; this one is {}",
                    payment.status.key()
                )
            } else {
                "the provider never created this payment; nothing to cancel there".to_owned()
            };
            return Err(
                AppError::new(ErrorCode::Conflict, why).with_reason("payment_not_cancellable")
            );
        }
        let kind = known_kind(&payment)?;
        let now = self.now();
        let detail = json!({ "by": actor.operator.username, "provider_ref": payment.provider_ref, "status": payment.status.key() });
        let mut tx = self.ledger.begin_write().await?;
        payments::add_event(&mut tx, id, now, "payment_cancel_requested", &detail).await?;
        self.audit_act(
            &mut tx,
            &actor,
            "payment.cancel",
            &payment_subject(&payment.reference),
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("cancel.after_commit");

        let request = StatusRequest {
            reference: payment.reference.clone(),
            provider_ref: payment.provider_ref.clone(),
            kind,
            amount: payment.amount,
            account: None,
            created_at: payment.created_at,
        };
        fail::fail_point!("cancel.before_call");
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.cancel(&request).await,
            Err(e) => Err(e),
        };
        fail::fail_point!("cancel.after_call");
        let refused = answer.as_ref().err().is_some_and(|e| !e.is_unknown_outcome());
        self.apply_answer(id, answer, Origin::Cancel, Some(&actor.operator)).await?;
        if refused {
            // Already paid or final at the provider: its status says which, never a guess.
            let payment = self.payment_row(id).await?;
            self.check_payment(&payment).await?;
        }
        self.payment_detail(id).await
    }
}
