//! What a provider said about a payment, recorded: from the payment call, a status query, a
//! verified notification, a cancel or a resend.

use ovo_domain::{Idr, PaymentId, PaymentStatus, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self};
use ovo_ledger::notifications;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::payments::{self, PaymentDetail, PaymentUpdate};
use ovo_providers::model::{PaymentOutcome, PaymentState, StatusRequest};
use ovo_providers::ProviderError;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::problems::{changed_nothing, StoredProblem};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::opener::PagePurpose;

use super::*;

impl Backoffice {
    /// Records what a provider said about a payment: from the payment call, a status query or
    /// a verified notification. A final payment never changes again, but for a success the
    /// provider confirms after the ledger recorded it failed, expired or cancelled.
    pub(crate) async fn apply_answer(
        &self,
        id: PaymentId,
        answer: Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        operator: Option<&OperatorRow>,
    ) -> AppResult<PaymentStatus> {
        self.apply_answer_marking(id, answer, origin, operator, None).await
    }

    /// `apply_answer`, marking the inbox notification `inbox` applied in the same write
    /// transaction (nothing at all happens when another try applied it first).
    pub(crate) async fn apply_answer_marking(
        &self,
        id: PaymentId,
        answer: Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        operator: Option<&OperatorRow>,
        inbox: Option<&InboxMark>,
    ) -> AppResult<PaymentStatus> {
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let current = payments::get(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        if let Some(mark) = inbox {
            if notifications::is_processed(&mut tx, mark.id).await? {
                return Ok(current.status);
            }
        }
        let confirmed_success = matches!(origin, Origin::Status | Origin::Notification)
            && matches!(&answer, Ok(o) if matches!(o.state, PaymentState::Succeeded | PaymentState::Refunded));
        if current.status.is_final()
            && current.status != PaymentStatus::Succeeded
            && confirmed_success
        {
            if let Ok(outcome) = &answer {
                self.record_late_success(&mut tx, &current, outcome, origin, operator, inbox)
                    .await?;
            }
            ovo_ledger::commit(tx).await?;
            return Ok(PaymentStatus::Succeeded);
        }
        if current.status.is_final() {
            if let Some(mark) = inbox {
                notifications::mark_processed(
                    &mut tx,
                    mark.id,
                    now,
                    &format!("applied:{}", current.status.key()),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
            }
            return Ok(current.status);
        }
        let poll = self.poll(current.product, current.environment);
        let expires_at = answer.as_ref().ok().and_then(|o| o.attempt_expires_at);
        let give_up = poll.give_up_of(&current, expires_at);
        let next_check = poll.next_check(current.attempt_start(), now, give_up);
        let mut reading = Reading::of(&answer, origin, &current, now);
        reading.give_up_if_due(&current, give_up, now);
        let status = reading.status;
        let still_open = is_open(status);
        // A push still held by the provider is checked after its deadline.
        let next = if !still_open {
            None
        } else if origin != Origin::Pay
            || current.push_deadline.is_none()
            || status == PaymentStatus::Unknown
        {
            Some(next_check)
        } else {
            Some(next_check.max(current.push_deadline.map_or(next_check, |d| d.plus_millis(5_000))))
        };
        let problem_json = reading.problem.as_ref().map(StoredProblem::to_json);
        let clear_problem = status == PaymentStatus::Succeeded
            || (answer.is_ok() && still_open && reading.problem.is_none());
        payments::update(
            &mut tx,
            id,
            &PaymentUpdate {
                status: Some(status),
                provider_ref: reading.provider_ref.as_deref(),
                split: reading.split,
                succeeded_at: (status == PaymentStatus::Succeeded).then_some(now),
                provider_status: reading.provider_status.as_deref(),
                redirect_url: reading.redirect.as_ref().map(|r| r.as_deref()),
                problem: match (&problem_json, clear_problem) {
                    (Some(p), _) => Some(Some(p.as_str())),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
                next_check_at: Some(next),
                count_check: origin == Origin::Status,
                give_up_at: Some(give_up),
            },
            now,
        )
        .await?;
        self.mark_needs_relink(&mut tx, &current, &reading, operator, now).await?;
        if reading.changes(&current, origin) {
            let mut detail = reading.detail(origin);
            if let Some(mark) = inbox {
                detail["notification"] = json!(mark.dedup_key);
            }
            payments::add_event(&mut tx, id, now, reading.event_kind(origin), &detail).await?;
            self.audit(
                &mut tx,
                operator,
                origin.action(),
                &payment_subject(&current.reference),
                reading.audit_outcome,
                detail,
            )
            .await?;
        }
        if let Some(mark) = inbox {
            notifications::mark_processed(
                &mut tx,
                mark.id,
                now,
                &format!("applied:{}", status.key()),
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        if origin == Origin::Pay {
            self.open_pages_of(&current, &reading, operator).await;
        }
        Ok(status)
    }

    /// Where the provider asks for the payment's linked account to be linked again first,
    /// the account becomes `needs_relink` with the provider's page, audited.
    async fn mark_needs_relink(
        &self,
        tx: &mut ovo_ledger::Connection,
        current: &PaymentDetail,
        reading: &Reading,
        operator: Option<&OperatorRow>,
        now: Timestamp,
    ) -> AppResult<()> {
        let (Some(url), Some(binding)) = (&reading.relink, current.binding_id) else {
            return Ok(());
        };
        let problem_json = reading.problem.as_ref().map(StoredProblem::to_json);
        match bindings::set_needs_relink(tx, binding, url, problem_json.as_deref(), now).await {
            Ok(()) => {
                self.audit(
                    tx,
                    operator,
                    "account.needs_relink",
                    &format!("account:{}", binding.get()),
                    AuditOutcome::Ok,
                    json!({ "payment": current.reference.as_str(), "relink_url": url }),
                )
                .await?;
            }
            // Its guard matched no row: the account is no longer active. Any other error ends
            // the transaction (PostgreSQL aborts it), so it is not passed over.
            Err(ovo_ledger::LedgerError::NotFound { .. }) => {
                tracing::warn!("the linked account asked to be linked again is no longer active")
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// After the payment call: the re-link page opens as linking pages do (the payment page
    /// and the account offer it too), and so does the payment page the provider named.
    async fn open_pages_of(
        &self,
        current: &PaymentDetail,
        reading: &Reading,
        operator: Option<&OperatorRow>,
    ) {
        let pages = [
            (reading.relink.as_deref(), PagePurpose::Relink),
            (reading.redirect.as_ref().and_then(|r| r.as_deref()), PagePurpose::Payment),
        ];
        for (url, purpose) in pages {
            let Some(url) = url else { continue };
            // A refused page stays unopened (audited); the payment page offers it, checked again.
            let opened =
                self.open_page(current.product, current.environment, url, operator, purpose).await;
            if let Err(e) = opened {
                tracing::warn!(error = %e, "a payment's page was not opened in the system browser");
            }
        }
    }

    /// The ledger follows a success the provider confirmed after the ledger recorded the
    /// payment failed, expired or cancelled (it processed late): timeline and audit say so.
    pub(super) async fn record_late_success(
        &self,
        tx: &mut ovo_ledger::Connection,
        current: &PaymentDetail,
        outcome: &PaymentOutcome,
        origin: Origin,
        operator: Option<&OperatorRow>,
        inbox: Option<&InboxMark>,
    ) -> AppResult<()> {
        let now = self.now();
        let split = outcome
            .paid
            .filter(|s| s.cash.checked_add(s.points) == Some(current.amount))
            .map(|s| (s.cash, s.points));
        let update = PaymentUpdate {
            provider_ref: outcome.provider_ref.as_deref(),
            provider_status: Some(outcome.provider_status.as_str()),
            split,
            succeeded_at: Some(now),
            ..PaymentUpdate::default()
        };
        if payments::record_late_success(tx, current.id, &update, now).await? {
            let detail = json!({
                "origin": origin.key(),
                "status": PaymentStatus::Succeeded.key(),
                "was": current.status.key(),
                "provider_status": outcome.provider_status,
                "provider_ref": outcome.provider_ref,
                "cash": split.map(|(c, _)| c.rupiah()),
                "points": split.map(|(_, p)| p.rupiah()),
                "notification": inbox.map(|m| m.dedup_key.clone()),
                "note": format!("the provider reported a late success: the ledger had recorded this payment {}", current.status.key()),
            });
            payments::add_event(tx, current.id, now, "payment_late_success", &detail).await?;
            self.audit(
                tx,
                operator,
                "payment.late_success",
                &payment_subject(&current.reference),
                AuditOutcome::Ok,
                detail,
            )
            .await?;
            tracing::warn!(
                payment = current.reference.as_str(),
                was = current.status.key(),
                "the provider reported a late success"
            );
        }
        if let Some(mark) = inbox {
            notifications::mark_processed(tx, mark.id, now, "applied:succeeded").await?;
        }
        Ok(())
    }

    /// The provider's answer to a status query of `payment` (`None`: its kind is not one
    /// this version knows, so nothing can be asked).
    pub(crate) async fn status_answer(
        &self,
        payment: &PaymentDetail,
    ) -> AppResult<Option<Result<PaymentOutcome, ProviderError>>> {
        let account = self.payment_account(payment.binding_id).await?;
        let Some(kind) = parse_kind(&payment.kind) else {
            return Ok(None);
        };
        let request = StatusRequest {
            reference: payment.reference.clone(),
            provider_ref: payment.provider_ref.clone(),
            kind,
            amount: payment.amount,
            account,
            created_at: payment.created_at,
        };
        Ok(Some(match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.status(&request).await,
            Err(e) => Err(e),
        }))
    }
}

fn is_open(status: PaymentStatus) -> bool {
    matches!(status, PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown)
}

/// What one answer about a payment says, before it is recorded.
struct Reading {
    status: PaymentStatus,
    /// The provider's page where the account is linked again.
    relink: Option<String>,
    problem: Option<StoredProblem>,
    /// `Some(None)` clears the payment page, `Some(Some(url))` sets it.
    redirect: Option<Option<String>>,
    split: Option<(Idr, Idr)>,
    provider_ref: Option<String>,
    provider_status: Option<String>,
    audit_outcome: AuditOutcome,
    error_text: Option<String>,
}

impl Reading {
    fn of(
        answer: &Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        current: &PaymentDetail,
        now: Timestamp,
    ) -> Reading {
        let mut reading = Reading {
            status: current.status,
            relink: None,
            problem: None,
            redirect: None,
            split: None,
            provider_ref: None,
            provider_status: None,
            audit_outcome: AuditOutcome::Ok,
            error_text: None,
        };
        reading.status = match answer {
            Ok(outcome) => reading.outcome(outcome, current, now),
            Err(error) => reading.error(error, origin, current, now),
        };
        reading
    }

    /// The provider answered: its state, as a payment status.
    fn outcome(
        &mut self,
        outcome: &PaymentOutcome,
        current: &PaymentDetail,
        now: Timestamp,
    ) -> PaymentStatus {
        self.provider_ref = outcome.provider_ref.clone();
        self.provider_status = Some(outcome.provider_status.clone());
        match &outcome.state {
            PaymentState::Succeeded | PaymentState::Refunded => {
                self.split = outcome
                    .paid
                    .filter(|s| s.cash.checked_add(s.points) == Some(current.amount))
                    .map(|s| (s.cash, s.points));
                self.redirect = Some(None);
                PaymentStatus::Succeeded
            }
            PaymentState::Failed { code, message } => {
                self.problem = Some(StoredProblem::new(
                    ProviderProblemKind::Declined,
                    Some(code.clone()),
                    message.clone(),
                    now,
                ));
                self.redirect = Some(None);
                PaymentStatus::Failed
            }
            PaymentState::Expired => {
                self.problem = Some(StoredProblem::new(
                    ProviderProblemKind::Expired,
                    None,
                    "the customer did not complete the payment in time",
                    now,
                ));
                self.redirect = Some(None);
                PaymentStatus::Expired
            }
            PaymentState::Cancelled => {
                self.redirect = Some(None);
                PaymentStatus::Cancelled
            }
            PaymentState::RelinkRequired { code, message, url } => {
                self.problem = Some(StoredProblem::new(
                    ProviderProblemKind::Declined,
                    Some(code.clone()),
                    format!("nothing was charged: the provider asks for the customer's OVO account to be linked again first ({message})"),
                    now,
                ));
                self.relink = Some(url.clone());
                self.redirect = Some(None);
                PaymentStatus::Failed
            }
            PaymentState::RedirectRequired { url } => {
                self.redirect = Some(Some(url.clone()));
                PaymentStatus::Pending
            }
            PaymentState::Pending | PaymentState::Unrecognised(_) => PaymentStatus::Pending,
            // No record at the provider (yet): nothing is concluded from it.
            PaymentState::NotFound { code, message } => {
                self.problem = Some(StoredProblem::new(
                    ProviderProblemKind::UnknownOutcome,
                    Some(code.clone()),
                    format!("the provider has no record of it yet ({message}); it may still be processing it"),
                    now,
                ));
                current.status
            }
        }
    }

    /// The call failed: what that proves depends on which call it was.
    fn error(
        &mut self,
        error: &ProviderError,
        origin: Origin,
        current: &PaymentDetail,
        now: Timestamp,
    ) -> PaymentStatus {
        self.error_text = Some(error.to_string());
        self.audit_outcome = AuditOutcome::Failed;
        self.problem = Some(StoredProblem::from_error(error, now));
        match origin {
            Origin::Pay if error.is_unknown_outcome() => PaymentStatus::Unknown,
            // Refused, or never reached the provider: nothing happened there.
            Origin::Pay if changed_nothing(error) => PaymentStatus::Failed,
            // An answer that does not match what we sent: a person must look.
            Origin::Pay => PaymentStatus::NeedsReview,
            // A status query, a cancel or a resend that failed changes nothing (the
            // original may still be processed); ask again later.
            Origin::Status | Origin::Notification | Origin::Cancel | Origin::Resend => {
                current.status
            }
        }
    }

    /// An open payment at its give-up time goes to an operator, with the last answer.
    fn give_up_if_due(&mut self, current: &PaymentDetail, give_up: Timestamp, now: Timestamp) {
        if !is_open(self.status) || now < give_up {
            return;
        }
        self.status = PaymentStatus::NeedsReview;
        let last = self.problem.take();
        let mut detail = format!(
            "no final answer by {}, when {}'s status checks end; check it with the provider",
            give_up.to_rfc3339(),
            current.product.display_name()
        );
        if let Some(last) = &last {
            detail.push_str(&format!(" (last answer: {})", last.detail));
        }
        self.problem = Some(StoredProblem::new(
            ProviderProblemKind::UnknownOutcome,
            last.and_then(|l| l.provider_code),
            detail,
            now,
        ));
    }

    /// The answer is worth a timeline event and an audit entry.
    fn changes(&self, current: &PaymentDetail, origin: Origin) -> bool {
        self.status != current.status
            || self.provider_ref.is_some() && self.provider_ref != current.provider_ref
            || self
                .redirect
                .as_ref()
                .is_some_and(|r| r.as_deref() != current.redirect_url.as_deref())
            || origin == Origin::Pay
            || origin == Origin::Cancel
            || origin == Origin::Resend
    }

    fn event_kind(&self, origin: Origin) -> &'static str {
        match (self.status, origin) {
            _ if self.relink.is_some() => "payment_relink_required",
            (PaymentStatus::Pending, Origin::Pay)
                if self.redirect.as_ref().is_some_and(Option::is_some) =>
            {
                "payment_redirect"
            }
            (PaymentStatus::Pending, Origin::Pay) => "payment_sent",
            _ => match self.status {
                PaymentStatus::Created => "payment_created",
                PaymentStatus::Pending => "payment_pending",
                PaymentStatus::Succeeded => "payment_succeeded",
                PaymentStatus::Failed => "payment_failed",
                PaymentStatus::Unknown => "payment_unknown",
                PaymentStatus::Expired => "payment_expired",
                PaymentStatus::Cancelled => "payment_cancelled",
                PaymentStatus::NeedsReview => "payment_needs_review",
            },
        }
    }

    /// The timeline event's and the audit entry's detail.
    fn detail(&self, origin: Origin) -> serde_json::Value {
        json!({
            "origin": origin.key(),
            "status": self.status.key(),
            "provider_status": self.provider_status,
            "provider_ref": self.provider_ref,
            "cash": self.split.map(|(c, _): (Idr, Idr)| c.rupiah()),
            "points": self.split.map(|(_, p): (Idr, Idr)| p.rupiah()),
            "problem": self.problem.as_ref().map(|p| p.detail.clone()),
            "error": self.error_text,
        })
    }
}
