//! Refunds: request (policy check and reservation in one write transaction), finance's
//! decision with the password re-entered, submission with the idempotency key stored first,
//! and resolution of unknown or processing refunds by status query, never by resubmitting.

use ovo_domain::{Idr, Lang, PaymentId, Reference, RefundId, RefundMode, RefundStatus, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::payments::{self, PaymentDetail};
use ovo_ledger::refunds::{self, NewRefund, RefundCursor, RefundRequest as Requested, RefundRow};
use ovo_ledger::{bindings, operators, LedgerError};
use ovo_providers::model::{RefundRequest, RefundState};
use ovo_providers::ProviderError;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::tokens;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::passwords;
use crate::permissions::Permission;

const REASON_MAX_CHARS: usize = 500;

fn both(f: impl Fn(Lang) -> String) -> Bilingual {
    Bilingual { id: f(Lang::Id), en: f(Lang::En) }
}

fn parse_amount(text: &str) -> AppResult<Idr> {
    Idr::parse(text).map_err(|e| AppError::invalid(e.reason(), e.to_string()))
}

impl Backoffice {
    /// What a refund of `amount` (empty: all that is refundable) would meet: the rule in plain
    /// words, the refundable amount and, if refused, why.
    pub async fn preview_refund(&self, input: RefundPreviewInput) -> AppResult<RefundPreview> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        let payment = self.payment(input.payment_id).await?;
        let mut conn = self.ledger.read().await?;
        let now = self.now();
        let (amount, decision) = if input.amount.trim().is_empty() {
            // Everything still refundable; when nothing is, the full amount's refusal says why
            // (window closed, already refunded…) rather than "more than Rp 0".
            let probe = refunds::preview(&mut conn, payment.id, payment.amount, now).await?;
            if probe.refundable.is_zero() {
                (payment.amount, probe)
            } else {
                let amount = probe.refundable;
                (amount, refunds::preview(&mut conn, payment.id, amount, now).await?)
            }
        } else {
            let amount = parse_amount(&input.amount)?;
            (amount, refunds::preview(&mut conn, payment.id, amount, now).await?)
        };
        Ok(RefundPreview {
            payment_id: payment.id.get(),
            payment_reference: payment.reference.as_str().to_owned(),
            product: payment.product,
            paid: payment.amount.rupiah(),
            refundable: decision.refundable.rupiah(),
            requested: amount.rupiah(),
            mode: decision.mode.key().to_owned(),
            partial_allowed: decision.policy.partial_allowed,
            deadline: decision.deadline.map(|d| d.to_string()),
            rule: both(|lang| decision.rule_text(lang)),
            allowed: decision.allowed,
            refusal: decision.refusal.map(|_| both(|lang| decision.refusal_text(lang).unwrap_or_default())),
            reason: decision.reason().map(str::to_owned),
        })
    }

    /// Checks the policy and reserves the amount in one write transaction: two concurrent
    /// requests can never both take the same money.
    pub async fn request_refund(&self, input: RequestRefundInput) -> AppResult<RefundView> {
        let actor = self.authorize(Permission::RequestRefunds, "request a refund").await?;
        let amount = parse_amount(&input.amount)?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("refund_reason_missing", "say why the customer gets the money back"));
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(AppError::invalid("refund_reason_too_long", format!("a reason is at most {REASON_MAX_CHARS} characters")));
        }
        let payment = self.payment(input.payment_id).await?;
        if payment.environment != self.environment().await {
            return Err(AppError::new(ErrorCode::Conflict, "this payment belongs to another environment; switch to it to refund it")
                .with_reason("payment_other_environment"));
        }
        let reference = Reference::generate(&mut rand::thread_rng());
        let mut tx = self.ledger.begin_write().await?;
        let requested = refunds::request_refund(
            &mut tx,
            &NewRefund { payment_id: payment.id, amount, reason, requested_by: actor.operator.id, reference: &reference, at: self.now() },
        )
        .await?;
        let subject = format!("payment:{}", payment.reference.as_str());
        match requested {
            Requested::Reserved { refund, decision } => {
                self.audit(
                    &mut tx,
                    Some(&actor.operator),
                    "refund.request",
                    &subject,
                    AuditOutcome::Ok,
                    json!({ "refund": refund.reference.as_str(), "amount": amount.rupiah(), "mode": decision.mode.key(), "rule": decision.rule_text(Lang::En) }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                self.refund_view(refund.id, false).await
            }
            Requested::Refused { decision } => {
                let message = decision.refusal_text(Lang::En).unwrap_or_else(|| "refused by the refund rule".into());
                self.audit(&mut tx, Some(&actor.operator), "refund.request", &subject, AuditOutcome::Denied, json!({ "amount": amount.rupiah(), "refusal": message }))
                    .await?;
                ovo_ledger::commit(tx).await?;
                Err(AppError::new(ErrorCode::Conflict, format!("{message} ({})", decision.rule_text(Lang::En))).with_reason(decision.reason().unwrap_or("refund_refused")))
            }
        }
    }

    /// Finance approves (then the refund is submitted, or settled offline) or rejects, after
    /// entering their password again. The requester can never decide their own request.
    pub async fn decide_refund(&self, input: DecideRefundInput) -> AppResult<RefundView> {
        let actor = self.authorize(Permission::ApproveRefunds, "approve refunds").await?;
        let id = RefundId::new(input.refund_id);
        let refund = self.refund_row(id).await?;
        let subject = format!("refund:{}", refund.reference.as_str());
        if !passwords::verify(&input.password.0, Some(actor.operator.password_hash.clone())).await? {
            let mut tx = self.ledger.begin_write().await?;
            self.audit(&mut tx, Some(&actor.operator), "refund.decide", &subject, AuditOutcome::Denied, json!({ "cause": "wrong_password" })).await?;
            ovo_ledger::commit(tx).await?;
            return Err(AppError::new(ErrorCode::WrongPassword, "wrong password").with_reason("wrong_password"));
        }
        let note = input.note.trim();
        if !input.approve && note.is_empty() {
            return Err(AppError::invalid("refund_note_missing", "say why the refund is rejected"));
        }
        if refund.requested_by == actor.operator.id {
            let mut tx = self.ledger.begin_write().await?;
            self.audit(&mut tx, Some(&actor.operator), "refund.decide", &subject, AuditOutcome::Denied, json!({ "cause": "own_request" })).await?;
            ovo_ledger::commit(tx).await?;
            return Err(AppError::new(ErrorCode::Forbidden, "you requested this refund; another finance operator must decide it").with_reason("refund_own_request"));
        }
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let decided = if input.approve {
            refunds::approve(&mut tx, id, actor.operator.id, (!note.is_empty()).then_some(note), now).await
        } else {
            refunds::reject(&mut tx, id, actor.operator.id, note, now).await
        };
        let decided = decided.map_err(refund_error)?;
        let action = if input.approve { "refund.approve" } else { "refund.reject" };
        self.audit(&mut tx, Some(&actor.operator), action, &subject, AuditOutcome::Ok, json!({ "amount": decided.amount.rupiah(), "note": note })).await?;
        if input.approve && decided.mode == RefundMode::Offline {
            // No refund API: approval alone never says the money went back (HD 1). It waits
            // for finance to record the merchant's own transfer.
            refunds::await_transfer(&mut tx, id, now).await.map_err(refund_error)?;
        }
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("refund.after_approve_commit");
        if input.approve && decided.mode == RefundMode::Api {
            self.submit_refund(id, &actor.operator).await?;
        }
        self.refund_view(id, true).await
    }

    /// Sends an approved refund once, with its idempotency key stored before the call.
    async fn submit_refund(&self, id: RefundId, approver: &ovo_ledger::operators::OperatorRow) -> AppResult<()> {
        let refund = self.refund_row(id).await?;
        let payment = self.payment(refund.payment_id.get()).await?;
        let key = format!("RF{}", refund.reference.as_str());
        // Held until the answer is recorded, so that a status query running meanwhile
        // (resolve_refunds) leaves this refund alone.
        let _in_flight = InFlight::enter(self, id);
        let mut tx = self.ledger.begin_write().await?;
        refunds::mark_submitting(&mut tx, id, &key, self.now()).await.map_err(refund_error)?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("refund.after_submitting_commit");
        let outcome = match self.provider_refund_request(&refund, &payment, key).await {
            Ok(request) => match self.provider(payment.environment, payment.product).await {
                Ok(provider) => {
                    fail::fail_point!("refund.before_call");
                    let outcome = provider.refund(&request).await;
                    fail::fail_point!("refund.after_call");
                    outcome
                }
                Err(e) => Err(e),
            },
            // Nothing was sent: the linked account could not be read.
            Err(e) => Err(ProviderError::InvalidInput { product: payment.product, detail: e.message }),
        };
        self.record_refund_outcome(&refund, outcome, "refund.submit", Some(approver)).await?;
        fail::fail_point!("refund.after_outcome_commit");
        Ok(())
    }

    /// Resolves refunds whose outcome is open (submitting after a crash, processing, unknown)
    /// by asking the provider for their status under the same key; never resubmits. Answers
    /// how many reached a final state. One refund's trouble does not stop the others.
    pub async fn resolve_refunds(&self) -> AppResult<u32> {
        let mut open = Vec::new();
        {
            let mut conn = self.ledger.read().await?;
            for status in [RefundStatus::Submitting, RefundStatus::Processing, RefundStatus::Unknown] {
                open.extend(refunds::queue(&mut conn, status, None, 200).await?);
            }
        }
        let mut settled = 0;
        for refund in open {
            if self.refund_in_flight(refund.id) {
                continue;
            }
            match self.resolve_refund(&refund).await {
                Ok(true) => settled += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(refund = refund.reference.as_str(), error = %e, "refund status not resolved"),
            }
        }
        Ok(settled)
    }

    /// One status query; true when the refund is now final.
    async fn resolve_refund(&self, refund: &RefundRow) -> AppResult<bool> {
        let payment = self.payment(refund.payment_id.get()).await?;
        let Some(key) = refund.idempotency_key.clone() else { return Ok(false) };
        let outcome = match self.provider_refund_request(refund, &payment, key).await {
            Ok(request) => match self.provider(payment.environment, payment.product).await {
                Ok(provider) => provider.refund_status(&request).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(ProviderError::InvalidInput { product: payment.product, detail: e.message }),
        };
        self.record_refund_outcome(refund, outcome, "refund.status", None).await?;
        let now = self.refund_row(refund.id).await?.status;
        Ok(matches!(now, RefundStatus::Succeeded | RefundStatus::Failed))
    }

    fn refund_in_flight(&self, id: RefundId) -> bool {
        self.refunds_in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&id)
    }

    /// `by`: the approver whose decision sent it; none for the background's status queries.
    async fn record_refund_outcome(
        &self,
        refund: &RefundRow,
        outcome: Result<ovo_providers::model::RefundOutcome, ProviderError>,
        action: &str,
        by: Option<&ovo_ledger::operators::OperatorRow>,
    ) -> AppResult<()> {
        let now = self.now();
        let subject = format!("refund:{}", refund.reference.as_str());
        let mut tx = self.ledger.begin_write().await?;
        let current = refunds::get(&mut tx, refund.id).await?.map(|r| r.status);
        let (detail, audit_outcome) = match &outcome {
            Ok(o) => {
                let reference = o.provider_ref.as_deref();
                match &o.state {
                    RefundState::Succeeded => refunds::mark_succeeded(&mut tx, refund.id, reference, now).await.map(drop),
                    RefundState::Failed { .. } => refunds::mark_failed(&mut tx, refund.id, reference, now).await.map(drop),
                    RefundState::Pending | RefundState::Unrecognised(_) if current != Some(RefundStatus::Processing) => {
                        refunds::mark_processing(&mut tx, refund.id, reference, now).await.map(drop)
                    }
                    _ => Ok(()),
                }
                .map_err(refund_error)?;
                (json!({ "state": format!("{:?}", o.state), "provider_status": o.provider_status, "provider_ref": o.provider_ref }), AuditOutcome::Ok)
            }
            Err(e) => {
                if action == "refund.submit" && not_sent(e) {
                    refunds::mark_failed(&mut tx, refund.id, None, now).await.map_err(refund_error)?;
                } else if current == Some(RefundStatus::Submitting) {
                    refunds::mark_unknown(&mut tx, refund.id, None, now).await.map_err(refund_error)?;
                }
                (json!({ "error": e.to_string(), "provider_code": e.provider_code() }), AuditOutcome::Failed)
            }
        };
        self.audit(&mut tx, by, action, &subject, audit_outcome, detail).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    async fn provider_refund_request(&self, refund: &RefundRow, payment: &PaymentDetail, idempotency_key: String) -> AppResult<RefundRequest> {
        let account = match payment.binding_id {
            Some(binding) => {
                let mut conn = self.ledger.read().await?;
                match bindings::get(&mut conn, binding).await? {
                    Some(row) => Some(tokens::linked_account(self.secrets.as_ref(), &self.config.app_identifier, &row)?),
                    None => None,
                }
            }
            None => None,
        };
        Ok(RefundRequest {
            refund_reference: refund.reference.clone(),
            idempotency_key,
            payment_reference: payment.reference.clone(),
            payment_provider_ref: payment.provider_ref.clone(),
            amount: refund.amount,
            payment_amount: payment.amount,
            reason: refund.reason.clone(),
            account,
            provider_ref: refund.provider_ref.clone(),
        })
    }

    pub async fn refund_page(&self, input: RefundRef) -> AppResult<RefundView> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        self.refund_view(RefundId::new(input.refund_id), true).await
    }

    pub async fn refund_queue(&self, input: RefundQueueQuery) -> AppResult<RefundQueuePage> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        let status = RefundStatus::parse(&input.status).map_err(|e| AppError::invalid("refund_status_unknown", e.to_string()))?;
        if input.limit == 0 || input.limit > 200 {
            return Err(AppError::invalid("page_limit_invalid", "limit must be 1 to 200"));
        }
        let mut conn = self.ledger.read().await?;
        let after = match input.after_id {
            Some(id) => refunds::get(&mut conn, RefundId::new(id)).await?.map(|r| RefundCursor { requested_at: r.requested_at, id: r.id }),
            None => None,
        };
        let environment = self.environment().await;
        let rows = refunds::queue_in(&mut conn, Some(environment), status, after, input.limit).await?;
        drop(conn);
        let next_after_id = (rows.len() == input.limit as usize).then(|| rows.last().map(|r| r.id.get())).flatten();
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.refund_view(row.id, false).await?);
        }
        Ok(RefundQueuePage { refunds: views, next_after_id })
    }

    pub(crate) async fn refund_view(&self, id: RefundId, with_timeline: bool) -> AppResult<RefundView> {
        let mut conn = self.ledger.read().await?;
        let r = refunds::get(&mut conn, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound, "refund not found"))?;
        let payment = payments::get(&mut conn, r.payment_id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        let name = |op: Option<operators::OperatorRow>| op.map(|o| o.username).unwrap_or_else(|| "?".into());
        let requested_by = name(operators::by_id(&mut conn, r.requested_by).await?);
        let decided_by = match r.decided_by {
            Some(op) => Some(name(operators::by_id(&mut conn, op).await?)),
            None => None,
        };
        let transfer = match &r.transfer {
            Some(t) => Some(TransferView {
                reference: t.reference.clone(),
                date: t.date.clone(),
                evidence: t.evidence.clone(),
                evidence_sha256: t.evidence_sha256.clone(),
                recorded_by: name(operators::by_id(&mut conn, t.recorded_by).await?),
                recorded_at: t.recorded_at.to_rfc3339(),
            }),
            None => None,
        };
        let resolution = match &r.resolution {
            Some(res) => Some(ResolutionView { by: name(operators::by_id(&mut conn, res.by).await?), at: res.at.to_rfc3339(), note: res.note.clone() }),
            None => None,
        };
        let timeline = if with_timeline {
            refunds::timeline(&mut conn, id).await?.into_iter().map(|t| TimelineEventView { at: t.at.to_rfc3339(), kind: t.kind, detail: t.detail }).collect()
        } else {
            Vec::new()
        };
        let ts = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        Ok(RefundView {
            id: r.id.get(),
            reference: r.reference.as_str().to_owned(),
            payment_id: payment.id.get(),
            payment_reference: payment.reference.as_str().to_owned(),
            product: payment.product,
            amount: r.amount.rupiah(),
            mode: r.mode.key().to_owned(),
            status: r.status.key().to_owned(),
            reason: r.reason,
            requested_by,
            requested_at: r.requested_at.to_rfc3339(),
            decided_by,
            decided_at: ts(r.decided_at),
            decision_note: r.decision_note,
            idempotency_key: r.idempotency_key,
            provider_ref: r.provider_ref,
            submitted_at: ts(r.submitted_at),
            completed_at: ts(r.completed_at),
            transfer,
            resolution,
            timeline,
        })
    }

    async fn refund_row(&self, id: RefundId) -> AppResult<RefundRow> {
        let mut conn = self.ledger.read().await?;
        refunds::get(&mut conn, id).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound, "refund not found"))
    }

    async fn payment(&self, id: i64) -> AppResult<PaymentDetail> {
        let mut conn = self.ledger.read().await?;
        payments::get(&mut conn, PaymentId::new(id)).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))
    }
}

/// A refund submission that certainly changed nothing at the provider: refused, or never sent.
/// Everything else (a lost, late, 5xx or unreadable answer, an echo that does not match) may
/// have moved money and stays open until a status query decides.
fn not_sent(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::Declined { .. }
            | ProviderError::InvalidRequest { .. }
            | ProviderError::Authentication { .. }
            | ProviderError::Connection { .. }
            | ProviderError::Certificate { .. }
            | ProviderError::InvalidInput { .. }
            | ProviderError::MissingCredential { .. }
            | ProviderError::Unsupported { .. }
    )
}

/// Marks a refund as being submitted by this process until dropped (also when the submitting
/// future is cancelled).
struct InFlight<'a> {
    backoffice: &'a Backoffice,
    id: RefundId,
}

impl<'a> InFlight<'a> {
    fn enter(backoffice: &'a Backoffice, id: RefundId) -> InFlight<'a> {
        backoffice.refunds_in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id);
        InFlight { backoffice, id }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.backoffice.refunds_in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.id);
    }
}

fn refund_error(err: LedgerError) -> AppError {
    match err {
        LedgerError::IllegalRefundTransition { from, to, .. } => {
            AppError::new(ErrorCode::Conflict, format!("a {} refund cannot become {}", from.key(), to.key())).with_reason("refund_state_changed")
        }
        LedgerError::SelfDecision { .. } => {
            AppError::new(ErrorCode::Forbidden, "the requester cannot decide their own refund").with_reason("refund_own_request")
        }
        other => other.into(),
    }
}
