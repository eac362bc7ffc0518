//! What a provider said about a payment, recorded: from the payment call, a status query, a
//! verified notification, a cancel or a resend.

use ovo_domain::{Idr, PaymentId, PaymentStatus};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self};
use ovo_ledger::notifications;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::payments::{self, PaymentDetail, PaymentUpdate};
use ovo_providers::model::{PaymentOutcome, PaymentState, StatusRequest};
use ovo_providers::ProviderError;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::desk::tokens;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;

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
        let mut relink: Option<String> = None;
        let mut problem: Option<StoredProblem> = None;
        let mut redirect: Option<Option<String>> = None;
        let mut split = None;
        let mut provider_ref = None;
        let mut provider_status = None;
        let mut audit_outcome = AuditOutcome::Ok;
        let mut error_text = None;
        let status = match &answer {
            Ok(outcome) => {
                provider_ref = outcome.provider_ref.clone();
                provider_status = Some(outcome.provider_status.clone());
                match &outcome.state {
                    PaymentState::Succeeded | PaymentState::Refunded => {
                        split = outcome
                            .paid
                            .filter(|s| s.cash.checked_add(s.points) == Some(current.amount))
                            .map(|s| (s.cash, s.points));
                        redirect = Some(None);
                        PaymentStatus::Succeeded
                    }
                    PaymentState::Failed { code, message } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Declined,
                            Some(code.clone()),
                            message.clone(),
                            now,
                        ));
                        redirect = Some(None);
                        PaymentStatus::Failed
                    }
                    PaymentState::Expired => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Expired,
                            None,
                            "the customer did not complete the payment in time",
                            now,
                        ));
                        redirect = Some(None);
                        PaymentStatus::Expired
                    }
                    PaymentState::Cancelled => {
                        redirect = Some(None);
                        PaymentStatus::Cancelled
                    }
                    PaymentState::RelinkRequired { code, message, url } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Declined,
                            Some(code.clone()),
                            format!("nothing was charged: the provider asks for the customer's OVO account to be linked again first ({message})"),
                            now,
                        ));
                        relink = Some(url.clone());
                        redirect = Some(None);
                        PaymentStatus::Failed
                    }
                    PaymentState::RedirectRequired { url } => {
                        redirect = Some(Some(url.clone()));
                        PaymentStatus::Pending
                    }
                    PaymentState::Pending | PaymentState::Unrecognised(_) => PaymentStatus::Pending,
                    // No record at the provider (yet): nothing is concluded from it.
                    PaymentState::NotFound { code, message } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::UnknownOutcome,
                            Some(code.clone()),
                            format!("the provider has no record of it yet ({message}); it may still be processing it"),
                            now,
                        ));
                        current.status
                    }
                }
            }
            Err(error) => {
                error_text = Some(error.to_string());
                audit_outcome = AuditOutcome::Failed;
                let stored = StoredProblem::from_error(error, now);
                let status = match origin {
                    Origin::Pay if error.is_unknown_outcome() => PaymentStatus::Unknown,
                    // Refused, or never reached the provider: nothing happened there.
                    Origin::Pay
                        if matches!(
                            error,
                            ProviderError::Declined { .. }
                                | ProviderError::InvalidRequest { .. }
                                | ProviderError::Authentication { .. }
                                | ProviderError::InvalidInput { .. }
                                | ProviderError::Unsupported { .. }
                                | ProviderError::MissingCredential { .. }
                                | ProviderError::Connection { .. }
                                | ProviderError::Certificate { .. }
                        ) =>
                    {
                        PaymentStatus::Failed
                    }
                    // An answer that does not match what we sent: a person must look.
                    Origin::Pay => PaymentStatus::NeedsReview,
                    // A status query, a cancel or a resend that failed changes nothing (the
                    // original may still be processed); ask again later.
                    Origin::Status | Origin::Notification | Origin::Cancel | Origin::Resend => {
                        current.status
                    }
                };
                problem = Some(stored);
                status
            }
        };
        let mut status = status;
        let open = matches!(
            status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        if open && now >= give_up {
            status = PaymentStatus::NeedsReview;
            let last = problem.take();
            let mut detail = format!(
                "no final answer by {}, when {}'s status checks end; check it with the provider",
                give_up.to_rfc3339(),
                current.product.display_name()
            );
            if let Some(last) = &last {
                detail.push_str(&format!(" (last answer: {})", last.detail));
            }
            problem = Some(StoredProblem::new(
                ProviderProblemKind::UnknownOutcome,
                last.and_then(|l| l.provider_code),
                detail,
                now,
            ));
        }
        let still_open = matches!(
            status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
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
        let changed = status != current.status
            || provider_ref.is_some() && provider_ref != current.provider_ref
            || redirect.as_ref().is_some_and(|r| r.as_deref() != current.redirect_url.as_deref())
            || origin == Origin::Pay
            || origin == Origin::Cancel
            || origin == Origin::Resend;
        let problem_json = problem.as_ref().map(StoredProblem::to_json);
        let clear_problem = status == PaymentStatus::Succeeded
            || (answer.is_ok() && still_open && problem.is_none());
        payments::update(
            &mut tx,
            id,
            &PaymentUpdate {
                status: Some(status),
                provider_ref: provider_ref.as_deref(),
                split,
                succeeded_at: (status == PaymentStatus::Succeeded).then_some(now),
                provider_status: provider_status.as_deref(),
                redirect_url: redirect.as_ref().map(|r| r.as_deref()),
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
        if let (Some(url), Some(binding)) = (&relink, current.binding_id) {
            let problem_json = problem.as_ref().map(StoredProblem::to_json);
            match bindings::set_needs_relink(&mut tx, binding, url, problem_json.as_deref(), now)
                .await
            {
                Ok(()) => {
                    self.audit(
                        &mut tx,
                        operator,
                        "account.needs_relink",
                        &format!("account:{}", binding.get()),
                        AuditOutcome::Ok,
                        json!({ "payment": current.reference.as_str(), "relink_url": url }),
                    )
                    .await?;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the linked account asked to be linked again is no longer active")
                }
            }
        }
        if changed {
            let kind = match (status, origin) {
                _ if relink.is_some() => "payment_relink_required",
                (PaymentStatus::Pending, Origin::Pay)
                    if redirect.as_ref().is_some_and(Option::is_some) =>
                {
                    "payment_redirect"
                }
                (PaymentStatus::Pending, Origin::Pay) => "payment_sent",
                _ => match status {
                    PaymentStatus::Created => "payment_created",
                    PaymentStatus::Pending => "payment_pending",
                    PaymentStatus::Succeeded => "payment_succeeded",
                    PaymentStatus::Failed => "payment_failed",
                    PaymentStatus::Unknown => "payment_unknown",
                    PaymentStatus::Expired => "payment_expired",
                    PaymentStatus::Cancelled => "payment_cancelled",
                    PaymentStatus::NeedsReview => "payment_needs_review",
                },
            };
            let detail = json!({
                "origin": origin.key(),
                "status": status.key(),
                "provider_status": provider_status,
                "provider_ref": provider_ref,
                "cash": split.map(|(c, _): (Idr, Idr)| c.rupiah()),
                "points": split.map(|(_, p): (Idr, Idr)| p.rupiah()),
                "problem": problem.as_ref().map(|p| p.detail.clone()),
                "error": error_text,
            });
            let mut detail = detail;
            if let Some(mark) = inbox {
                detail["notification"] = json!(mark.dedup_key);
            }
            payments::add_event(&mut tx, id, now, kind, &detail).await?;
            self.audit(
                &mut tx,
                operator,
                origin.action(),
                &payment_subject(&current.reference),
                audit_outcome,
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
            // The re-link page opens as linking pages do; the payment page and the account offer it too.
            if let Some(url) = &relink {
                if let Err(e) = self.opener.open(url) {
                    tracing::warn!(error = %e, "could not open the re-link page in the system browser");
                }
            }
            if let Some(Some(url)) = &redirect {
                if let Err(e) = self.opener.open(url) {
                    tracing::warn!(error = %e, "could not open the payment page in the system browser");
                }
            }
        }
        Ok(status)
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
        let account = match payment.binding_id {
            Some(binding) => {
                let mut conn = self.ledger.read().await?;
                match bindings::get(&mut conn, binding).await? {
                    Some(row) => Some(tokens::linked_account(
                        self.secrets.as_ref(),
                        &self.config.app_identifier,
                        &row,
                    )?),
                    None => None,
                }
            }
            None => None,
        };
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
