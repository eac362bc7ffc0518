//! Sending an attempt again under its original ids, rebuilt from the ledger alone.

use ovo_domain::PaymentStatus;
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::customers;
use ovo_ledger::payments::{self, PaymentDetail};
use ovo_providers::model::{PaySource, PaymentRequest};
use ovo_providers::PaymentKind;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};

use super::*;

impl Backoffice {
    /// Sends the current attempt again under its original ids (reference, idempotency key;
    /// Tazapay: `<ref>-create` replays the original payin if it was created). The resend is
    /// recorded and committed first, then sent once; only the provider's answer changes it.
    pub(super) async fn resend_payment(
        &self,
        payment: &PaymentDetail,
        key: String,
    ) -> AppResult<PaymentStatus> {
        let request = self.payment_request_of(payment, key.clone()).await?;
        let now = self.now();
        let resend = payment.resends + 1;
        let detail = json!({
            "resend": resend,
            "attempt": payment.attempt,
            "idempotency_key": key,
            "reason": "the provider has no record of it after its processing window",
        });
        let mut tx = self.ledger.begin_write().await?;
        match payments::record_resend(
            &mut tx,
            payment.id,
            payment.resends,
            now.plus_millis(FIRST_CHECK_AFTER_MS),
            now,
        )
        .await
        {
            Ok(()) => {}
            // Another resend, or an answer, got there first.
            Err(ovo_ledger::LedgerError::NotFound { .. }) => return Ok(payment.status),
            Err(e) => return Err(e.into()),
        }
        payments::add_event(&mut tx, payment.id, now, "payment_resent", &detail).await?;
        self.audit(
            &mut tx,
            None,
            "payment.resend",
            &payment_subject(&payment.reference),
            AuditOutcome::Ok,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => match (&payment.provider_ref, payment.attempt > 1) {
                (Some(provider_ref), true) => client.request_again(&request, provider_ref).await,
                _ => client.pay(&request).await,
            },
            Err(e) => Err(e),
        };
        self.apply_answer(payment.id, answer, Origin::Resend, None).await
    }

    /// The request of a payment's current attempt as first sent, rebuilt from the ledger.
    pub(super) async fn payment_request_of(
        &self,
        payment: &PaymentDetail,
        idempotency_key: String,
    ) -> AppResult<PaymentRequest> {
        let kind = known_kind(payment)?;
        let phone = payer_phone(payment).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "this payment has no phone recorded")
        })?;
        let (account, customer) = {
            let account = self.payment_account(payment.binding_id).await?;
            let mut conn = self.ledger.read().await?;
            let customer = match payment.customer_id {
                Some(c) => customers::by_id(&mut conn, c).await?,
                None => None,
            };
            (account, customer)
        };
        let return_url = if matches!(
            kind,
            PaymentKind::SaleRedirect | PaymentKind::Tokenized | PaymentKind::DirectDebit
        ) {
            self.returns.listener().await.ok().map(|l| l.url_for(payment.reference.as_str()))
        } else {
            None
        };
        Ok(PaymentRequest {
            reference: payment.reference.clone(),
            idempotency_key,
            kind,
            amount: payment.amount,
            phone,
            account,
            source: payment.source.as_deref().and_then(PaySource::parse).unwrap_or_default(),
            description: payment.description.clone().unwrap_or_default(),
            return_url,
            customer_name: customer.as_ref().map(|c| c.full_name.clone()),
            customer_email: customer.as_ref().and_then(|c| c.email.clone()),
        })
    }
}
