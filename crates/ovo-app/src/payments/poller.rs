//! The status poller: each product's schedule on the environment's clock, "not found"
//! inside and after the processing window, and the hand-over to an operator.

use ovo_domain::{Environment, PaymentStatus, Product, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::payments::{self, PaymentDetail, PaymentUpdate};
use ovo_providers::model::{PaymentOutcome, PaymentState};
use ovo_providers::{capabilities, ProviderError};
use serde_json::json;

use crate::background::Work;
use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::error::AppResult;
use crate::ipc::*;

use super::*;

/// The shortest processing window at a built-in time scale.
pub(super) const SCALED_WINDOW_FLOOR_MS: i64 = 20_000;

/// A product's poll schedule on the environment's clock: the built-in sandbox runs its waits
/// at its time scale (`ppm` millionths of real time), so its schedule does too.
#[derive(Debug, Clone, Copy)]
pub(super) struct Poll {
    schedule: ovo_providers::capability::PollSchedule,
    ppm: i64,
}

impl Poll {
    pub(super) fn scaled(&self, millis: i64) -> i64 {
        i64::try_from(i128::from(millis) * i128::from(self.ppm) / 1_000_000).unwrap_or(i64::MAX)
    }

    pub(super) fn unscaled(&self, millis: i64) -> i64 {
        i64::try_from(i128::from(millis) * 1_000_000 / i128::from(self.ppm.max(1)))
            .unwrap_or(i64::MAX)
    }

    /// When an attempt that began at `started` is handed to an operator, before the provider
    /// states an expiry.
    pub(super) fn give_up_from(&self, started: Timestamp) -> Timestamp {
        let real = self.schedule.give_up_at(Timestamp::from_unix_millis(0), None).unix_millis();
        started.plus_millis(self.scaled(real))
    }

    /// The next check after `now`, never later than `give_up` (the check that gives up).
    pub(super) fn next_check(
        &self,
        started: Timestamp,
        now: Timestamp,
        give_up: Timestamp,
    ) -> Timestamp {
        let elapsed = now.unix_millis() - started.unix_millis();
        let latest = give_up.max(now);
        match self.schedule.next_offset_ms(self.unscaled(elapsed)) {
            Some(offset) => started.plus_millis(self.scaled(offset).max(elapsed + 1)).min(latest),
            None => latest,
        }
    }

    /// The stored give-up time, moved to the attempt's `expires_at` where the product gives up
    /// then and the provider stated it.
    pub(super) fn give_up_of(
        &self,
        payment: &PaymentDetail,
        expires_at: Option<Timestamp>,
    ) -> Timestamp {
        match (self.schedule.give_up, expires_at, payment.give_up_at) {
            (ovo_providers::capability::GiveUp::AtAttemptExpiry { .. }, Some(at), _) => at,
            (_, _, Some(stored)) => stored,
            _ => self.give_up_from(payment.attempt_start()),
        }
    }
}

impl Backoffice {
    /// Queries the payments of the current environment whose outcome is open and whose next
    /// check is due (each product's poll schedule) until they are final or given up. Returns
    /// how many became final. The shell runs it in `run_background`; tests call it directly.
    pub async fn poll_payments(&self) -> AppResult<u32> {
        let environment = self.environment().await;
        let due = {
            let mut conn = self.ledger.read().await?;
            payments::due_checks(&mut conn, environment, self.now(), 50).await?
        };
        let mut settled = 0;
        for payment in due {
            let check = async {
                // Another desk may have checked it since the list was read.
                let fresh = self.payment_row(payment.id).await?;
                let still_due = fresh.next_check_at.is_some_and(|t| t <= self.now());
                let open = matches!(
                    fresh.status,
                    PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
                );
                if !still_due || !open {
                    return Ok(fresh.status);
                }
                self.check_payment(&fresh).await
            };
            match self.claimed(Work::PaymentCheck, payment.id.get(), check).await {
                Ok(Some(status)) if status.is_final() => settled += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, payment = payment.reference.as_str(), "payment status not recorded")
                }
            }
        }
        Ok(settled)
    }

    /// Asks the provider for a payment's status (same reference, never a new payment) and
    /// records the answer.
    pub(crate) async fn check_payment(&self, payment: &PaymentDetail) -> AppResult<PaymentStatus> {
        let Some(answer) = self.status_answer(payment).await? else {
            return Ok(payment.status);
        };
        if let Err(e) = &answer {
            tracing::info!(error = %e, payment = payment.reference.as_str(), "status query failed; asking again later");
        }
        if matches!(&answer, Ok(PaymentOutcome { state: PaymentState::NotFound { .. }, .. })) {
            return self.on_not_found(payment, answer).await;
        }
        self.apply_answer(payment.id, answer, Origin::Status, None).await
    }

    /// The provider has no record of an open payment. Inside the product's processing window
    /// (from the last send) that proves nothing: it stays as it is. After it, the attempt is
    /// sent again under its original ids where the product's spec allows (at most
    /// `max_resends` times), else it goes to an operator (`needs_review`). Never `failed`.
    pub(super) async fn on_not_found(
        &self,
        payment: &PaymentDetail,
        answer: Result<PaymentOutcome, ProviderError>,
    ) -> AppResult<PaymentStatus> {
        let rule = capabilities(payment.product).unknown_outcome;
        let poll = self.poll(payment.product, payment.environment);
        // At a built-in time scale the window never shrinks below what a request still on its
        // way may take (the clients' scaled timeouts stop at a floor; refunds use the same 20 s).
        let window_ends = payment.last_sent().plus_millis(
            poll.scaled(rule.processing_window_s.saturating_mul(1_000)).max(SCALED_WINDOW_FLOOR_MS),
        );
        let open = matches!(
            payment.status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        if !open || self.now() < window_ends {
            return self.apply_answer(payment.id, answer, Origin::Status, None).await;
        }
        if rule.resend_same_ids && payment.resends < i64::from(rule.max_resends) {
            if let Some(key) = payment.idempotency_key.clone() {
                return self.resend_payment(payment, key).await;
            }
        }
        let why = if rule.resend_same_ids {
            format!(
                "{} has no record of this payment {} s after it was last sent, and it was sent again {} times under its original ids; check it with the provider",
                payment.product.display_name(),
                rule.processing_window_s,
                payment.resends
            )
        } else {
            format!(
                "{} has no record of this payment {} s after it was sent, and its rules do not allow sending it again; check it with the provider",
                payment.product.display_name(),
                rule.processing_window_s
            )
        };
        self.hand_to_review(payment, answer.ok().map(|o| o.provider_status), why).await
    }

    /// An open payment no provider answer can settle goes to an operator (`needs_review`).
    pub(super) async fn hand_to_review(
        &self,
        payment: &PaymentDetail,
        provider_status: Option<String>,
        why: String,
    ) -> AppResult<PaymentStatus> {
        let now = self.now();
        let problem = StoredProblem::new(
            ProviderProblemKind::UnknownOutcome,
            provider_status.clone(),
            why.clone(),
            now,
        );
        let mut tx = self.ledger.begin_write().await?;
        let changed = payments::update(
            &mut tx,
            payment.id,
            &PaymentUpdate {
                status: Some(PaymentStatus::NeedsReview),
                provider_status: provider_status.as_deref(),
                problem: Some(Some(&problem.to_json())),
                next_check_at: Some(None),
                count_check: true,
                ..PaymentUpdate::default()
            },
            now,
        )
        .await?;
        if changed {
            let detail = json!({ "origin": Origin::Status.key(), "status": PaymentStatus::NeedsReview.key(), "provider_status": provider_status, "problem": why, "resends": payment.resends });
            payments::add_event(&mut tx, payment.id, now, "payment_needs_review", &detail).await?;
            self.audit(
                &mut tx,
                None,
                Origin::Status.action(),
                &payment_subject(&payment.reference),
                AuditOutcome::Failed,
                detail,
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        Ok(PaymentStatus::NeedsReview)
    }

    /// The product's poll schedule, at the built-in sandbox's time scale there.
    pub(super) fn poll(&self, product: Product, environment: Environment) -> Poll {
        Poll { schedule: capabilities(product).poll, ppm: self.time_scale_ppm(environment) }
    }

    /// How long the provider holds a push: 70 s, times the built-in sandbox's time scale there.
    pub(super) fn push_hold_millis(&self, environment: Environment) -> i64 {
        self.scaled_millis(environment, PUSH_HOLD_SECONDS * 1_000, 1_000)
    }
}
