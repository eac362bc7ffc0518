//! Refunds: request (policy check and reservation in one write transaction), finance's
//! decision with the password re-entered, submission with the idempotency key stored first,
//! and the resolver: status queries at a per-row back-off, resends only under the original ids
//! after the provider's processing window, `needs_review` when the provider cannot say.

use ovo_domain::{
    Environment, Idr, Lang, PaymentId, Reference, RefundId, RefundMode, RefundStatus, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::payments::{self, PaymentDetail};
use ovo_ledger::refunds::{self, NewRefund, RefundCursor, RefundRequest as Requested, RefundRow};
use ovo_ledger::{operators, LedgerError};
use ovo_providers::model::{RefundOutcome, RefundRequest, RefundState};
use ovo_providers::{capabilities, ProviderError, UnknownCause};
use serde_json::json;

use crate::background::Work;
use crate::backoffice::Backoffice;
use crate::desk::problems::changed_nothing;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::operator_names::OperatorNames;
use crate::permissions::Permission;
use crate::validate;

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
        crate::validate::text_lengths(&input)?;
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
            refusal: decision
                .refusal
                .map(|_| both(|lang| decision.refusal_text(lang).unwrap_or_default())),
            reason: decision.reason().map(str::to_owned),
        })
    }

    /// Checks the policy and reserves the amount in one write transaction: two concurrent
    /// requests can never both take the same money.
    pub async fn request_refund(&self, input: RequestRefundInput) -> AppResult<RefundView> {
        let actor = self.authorize(Permission::RequestRefunds, "request a refund").await?;
        crate::validate::text_lengths(&input)?;
        let amount = parse_amount(&input.amount)?;
        let reason = validate::required_text(
            &input.reason,
            ("refund_reason_missing", "say why the customer gets the money back"),
            ("refund_reason_too_long", "a reason", REASON_MAX_CHARS),
        )?;
        let payment = self.payment(input.payment_id).await?;
        self.ensure_current_environment(&payment, "refund it").await?;
        let reference = Reference::generate(&mut rand::thread_rng());
        let mut tx = self.ledger.begin_write().await?;
        let requested = refunds::request_refund(
            &mut tx,
            &NewRefund {
                payment_id: payment.id,
                amount,
                reason,
                requested_by: actor.operator.id,
                reference: &reference,
                at: self.now(),
            },
        )
        .await?;
        let subject = format!("payment:{}", payment.reference.as_str());
        match requested {
            Requested::Reserved { refund, decision } => {
                self.audit_act(&mut tx, &actor, "refund.request", &subject, json!({ "refund": refund.reference.as_str(), "amount": amount.rupiah(), "mode": decision.mode.key(), "rule": decision.rule_text(Lang::En) })).await?;
                ovo_ledger::commit(tx).await?;
                self.refund_view(refund.id, false).await
            }
            Requested::Refused { decision } => {
                let message = decision
                    .refusal_text(Lang::En)
                    .unwrap_or_else(|| "refused by the refund rule".into());
                self.audit(
                    &mut tx,
                    Some(&actor.operator),
                    "refund.request",
                    &subject,
                    AuditOutcome::Denied,
                    json!({ "amount": amount.rupiah(), "refusal": message }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("{message} ({})", decision.rule_text(Lang::En)),
                )
                .with_reason(decision.reason().unwrap_or("refund_refused")))
            }
        }
    }

    /// Finance approves (then the refund is submitted, or settled offline) or rejects, after
    /// entering their password again. The requester can never decide their own request.
    pub async fn decide_refund(&self, input: DecideRefundInput) -> AppResult<RefundView> {
        let actor = self.authorize(Permission::ApproveRefunds, "approve refunds").await?;
        crate::validate::text_lengths(&input)?;
        let id = RefundId::new(input.refund_id);
        let refund = self.refund_row(id).await?;
        let subject = format!("refund:{}", refund.reference.as_str());
        self.check_password(&actor.operator, &input.password, "refund.decide", &subject).await?;
        let note = input.note.trim();
        if !input.approve && note.is_empty() {
            return Err(AppError::invalid("refund_note_missing", "say why the refund is rejected"));
        }
        if refund.requested_by == actor.operator.id {
            self.deny(&actor.operator, "refund.decide", &subject, "own_request").await?;
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you requested this refund; another finance operator must decide it",
            )
            .with_reason("refund_own_request"));
        }
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let decided = if input.approve {
            refunds::approve(
                &mut tx,
                id,
                actor.operator.id,
                (!note.is_empty()).then_some(note),
                now,
            )
            .await
        } else {
            refunds::reject(&mut tx, id, actor.operator.id, note, now).await
        };
        let decided = decided.map_err(refund_error)?;
        let action = if input.approve { "refund.approve" } else { "refund.reject" };
        self.audit_act(
            &mut tx,
            &actor,
            action,
            &subject,
            json!({ "amount": decided.amount.rupiah(), "note": note }),
        )
        .await?;
        if input.approve && decided.mode == RefundMode::Offline {
            // No refund API: approval alone never says the money went back (HD 1). It waits
            // for finance to record the merchant's own transfer.
            refunds::await_transfer(&mut tx, id, now).await.map_err(refund_error)?;
        }
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("refund.after_approve_commit");
        if input.approve && decided.mode == RefundMode::Api {
            self.submit_refund(id, Some(&actor.operator)).await?;
        }
        self.refund_view(id, true).await
    }

    /// Sends an approved refund, with its idempotency key and its first check stored before
    /// the call. `approver`: whose decision sent it; none when the resolver picks up an approved
    /// refund that was never sent. A refund no longer `approved` (someone else sent it) is left
    /// alone.
    async fn submit_refund(
        &self,
        id: RefundId,
        approver: Option<&ovo_ledger::operators::OperatorRow>,
    ) -> AppResult<()> {
        let refund = self.refund_row(id).await?;
        let payment = self.payment(refund.payment_id.get()).await?;
        let key = format!("RF{}", refund.reference.as_str());
        let pace = self.refund_pace(payment.environment);
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        match refunds::mark_submitting(&mut tx, id, &key, now).await {
            Ok(_) => {}
            Err(LedgerError::IllegalRefundTransition { .. }) => return Ok(()),
            Err(e) => return Err(refund_error(e)),
        }
        // The first status query waits until the answer is in or lost: this row is not
        // looked at while its request is on its way, by this process or after a restart.
        refunds::schedule_check(&mut tx, id, 0, Some(now.plus_millis(pace.backoff(0))), None, now)
            .await
            .map_err(refund_error)?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("refund.after_submitting_commit");
        let outcome = self.send_refund(&refund, &payment, key).await;
        self.record_send_answer(&refund, outcome, Send::First, approver).await?;
        fail::fail_point!("refund.after_outcome_commit");
        Ok(())
    }

    async fn send_refund(
        &self,
        refund: &RefundRow,
        payment: &PaymentDetail,
        key: String,
    ) -> Result<RefundOutcome, ProviderError> {
        match self.provider_refund_request(refund, payment, key).await {
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
            Err(e) => {
                Err(ProviderError::InvalidInput { product: payment.product, detail: e.message })
            }
        }
    }

    /// The refund resolver (the shell runs it in `run_background`; tests call it). For the
    /// current environment's refunds that are due: sends an approved API refund that was never
    /// sent, moves an approved offline refund to `awaiting_transfer`, and asks the provider
    /// about refunds whose outcome is open, each at its own back-off. Never "failed" on a
    /// guess: see [`Backoffice::resolve_refund`]. Answers how many reached a final state.
    pub async fn resolve_refunds(&self) -> AppResult<u32> {
        let environment = self.environment().await;
        let pace = self.refund_pace(environment);
        let now = self.now();
        let due = {
            let mut conn = self.ledger.read().await?;
            refunds::due_for_resolver(
                &mut conn,
                environment,
                now,
                Timestamp::from_unix_millis(now.unix_millis() - pace.approved_grace_ms()),
                100,
            )
            .await?
        };
        let mut settled = 0;
        for refund in due {
            let work = async {
                // Another desk may have moved it on since the list was read.
                let fresh = self.refund_row(refund.id).await?;
                let unchanged = fresh.status == refund.status
                    && fresh.next_check_at.is_none_or(|t| t <= self.now());
                if !unchanged {
                    return Ok(());
                }
                let refund = fresh;
                match (refund.status, refund.mode) {
                    (RefundStatus::Approved, RefundMode::Api) => {
                        self.submit_refund(refund.id, None).await
                    }
                    (RefundStatus::Approved, RefundMode::Offline) => {
                        self.await_offline_transfer(&refund).await
                    }
                    _ => self.resolve_refund(&refund, pace).await,
                }
            };
            match self.claimed(Work::Refund, refund.id.get(), work).await {
                Ok(None) => {}
                Ok(Some(())) => {
                    if self.refund_row(refund.id).await?.status.is_final() {
                        settled += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(refund = refund.reference.as_str(), error = %e, "refund not resolved")
                }
            }
        }
        Ok(settled)
    }

    /// An approved offline refund left `approved` (its approval predates the transfer step):
    /// it awaits the merchant's transfer.
    async fn await_offline_transfer(&self, refund: &RefundRow) -> AppResult<()> {
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        refunds::await_transfer(&mut tx, refund.id, now).await.map_err(refund_error)?;
        let subject = format!("refund:{}", refund.reference.as_str());
        self.audit(
            &mut tx,
            None,
            "refund.await_transfer",
            &subject,
            AuditOutcome::Ok,
            json!({ "amount": refund.amount.rupiah() }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// One status query about an open refund, and what follows from its answer:
    /// - a final answer (succeeded, or a failure the provider stated) settles it; only the
    ///   latter releases the reservation;
    /// - "pending" moves it to `processing`;
    /// - "not found" within the product's processing window (counted from the last send)
    ///   changes nothing; after it, where the product allows, the same request is sent again
    ///   under its original ids (at most `max_resends` times, never after the provider said the
    ///   original reached it); otherwise it goes to `needs_review`;
    /// - whatever is still open at the give-up time goes to `needs_review`.
    ///
    /// A query that changes nothing writes no audit row; it stores the try count, the next
    /// check (doubling back-off, capped) and the provider's last problem.
    async fn resolve_refund(&self, refund: &RefundRow, pace: RefundPace) -> AppResult<()> {
        let payment = self.payment(refund.payment_id.get()).await?;
        let Some(key) = refund.idempotency_key.clone() else { return Ok(()) };
        let answer = match self.provider_refund_request(refund, &payment, key.clone()).await {
            Ok(request) => match self.provider(payment.environment, payment.product).await {
                Ok(provider) => provider.refund_status(&request).await,
                Err(e) => Err(e),
            },
            Err(e) => {
                Err(ProviderError::InvalidInput { product: payment.product, detail: e.message })
            }
        };
        let now = self.now();
        let checks = refund.checks.saturating_add(1);
        let submitted_at = refund.submitted_at.unwrap_or(refund.updated_at);
        let give_up_at = submitted_at.plus_millis(pace.give_up_ms());
        let next_check = Timestamp::from_unix_millis(
            (now.unix_millis() + pace.backoff(checks))
                .min(give_up_at.unix_millis().max(now.unix_millis())),
        );
        let subject = format!("refund:{}", refund.reference.as_str());
        let tries = json!({ "checks": checks, "resends": refund.resends });
        let rule = capabilities(payment.product).unknown_outcome;

        let mut tx = self.ledger.begin_write().await?;
        let Some(current) = refunds::get(&mut tx, refund.id).await? else { return Ok(()) };
        if !is_open(current.status) || current.updated_at != refund.updated_at {
            // Someone else moved it meanwhile (its own answer came in): theirs stands.
            return Ok(());
        }
        let outcome = match answer {
            Ok(o) => o,
            Err(e) => {
                let problem = problem_of(&e);
                if now >= give_up_at {
                    self.needs_review(&mut tx, refund, &problem, checks, &subject).await?;
                } else {
                    schedule(&mut tx, refund.id, checks, Some(next_check), Some(&problem), now)
                        .await?;
                }
                ovo_ledger::commit(tx).await?;
                return Ok(());
            }
        };
        let reference = outcome.provider_ref.as_deref();
        let step = match &outcome.state {
            RefundState::Succeeded => Step::settle(None, Mark::Succeeded),
            RefundState::Failed { code, message } => {
                Step::settle(Some(stated_problem(code, message)), Mark::Failed)
            }
            RefundState::Pending | RefundState::Unrecognised(_) => {
                // The provider knows it and says it is still being paid out (Tazapay's can take
                // days): not an unknown outcome, so no give-up; asked again at the capped back-off.
                let next = now.plus_millis(pace.backoff(checks));
                let to = (current.status != RefundStatus::Processing).then_some(Mark::Processing);
                Step::wait(Some(next), None, to)
            }
            RefundState::NotFound { code, message } => {
                let found_nothing = stated_problem(code, message);
                // After the provider said the original reached it, that problem is the one to keep.
                let conflict = current.problem.as_deref().is_some_and(original_received);
                let problem = if conflict {
                    current.problem.clone().unwrap_or_default()
                } else {
                    found_nothing
                };
                let last_sent =
                    refunds::last_sent_at(&mut tx, refund.id).await?.unwrap_or(submitted_at);
                let window_over = now.unix_millis() - last_sent.unix_millis()
                    >= pace.window_ms(rule.processing_window_s);
                let may_resend = rule.resend_same_ids
                    && refund.resends < rule.max_resends
                    && !conflict
                    && current.status != RefundStatus::Processing
                    && now < give_up_at;
                if !window_over && now < give_up_at {
                    // Inside the window "not found" proves nothing.
                    Step::wait(Some(next_check), Some(problem), None)
                } else if may_resend {
                    let next = now.plus_millis(pace.backoff(0));
                    schedule(&mut tx, refund.id, checks, Some(next), Some(&problem), now).await?;
                    let resent = refunds::mark_resent(&mut tx, refund.id, now)
                        .await
                        .map_err(refund_error)?;
                    self.audit(
                        &mut tx,
                        None,
                        "refund.resend",
                        &subject,
                        AuditOutcome::Ok,
                        json!({ "idempotency_key": key, "tries": { "checks": checks, "resends": resent.resends }, "problem": serde_json::from_str::<serde_json::Value>(&problem).ok() }),
                    )
                    .await?;
                    ovo_ledger::commit(tx).await?;
                    let again = self.send_refund(&resent, &payment, key).await;
                    return self.record_send_answer(&resent, again, Send::Again, None).await;
                } else {
                    self.needs_review(&mut tx, refund, &problem, checks, &subject).await?;
                    Step::NOTHING
                }
            }
        };
        if apply(&mut tx, refund.id, checks, step, reference, now).await? {
            let detail = json!({ "state": format!("{:?}", outcome.state), "provider_status": outcome.provider_status, "provider_ref": outcome.provider_ref, "tries": tries });
            self.audit(&mut tx, None, "refund.status", &subject, AuditOutcome::Ok, detail).await?;
        }
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    async fn needs_review(
        &self,
        tx: &mut ovo_ledger::Connection,
        refund: &RefundRow,
        problem: &str,
        checks: u32,
        subject: &str,
    ) -> AppResult<()> {
        schedule(tx, refund.id, checks, None, Some(problem), self.now()).await?;
        refunds::mark_needs_review(tx, refund.id, Some(problem), self.now())
            .await
            .map_err(refund_error)?;
        let detail = json!({ "problem": serde_json::from_str::<serde_json::Value>(problem).ok(), "tries": { "checks": checks, "resends": refund.resends } });
        self.audit(tx, None, "refund.needs_review", subject, AuditOutcome::Ok, detail).await
    }

    /// Records the answer to a send (the first, or a resend under the same ids) with one audit
    /// row for the state change it makes. `by`: the approver whose decision sent it.
    async fn record_send_answer(
        &self,
        refund: &RefundRow,
        outcome: Result<RefundOutcome, ProviderError>,
        send: Send,
        by: Option<&ovo_ledger::operators::OperatorRow>,
    ) -> AppResult<()> {
        let now = self.now();
        let subject = format!("refund:{}", refund.reference.as_str());
        let pace = match self.payment(refund.payment_id.get()).await {
            Ok(payment) => self.refund_pace(payment.environment),
            Err(_) => RefundPace::REAL,
        };
        let mut tx = self.ledger.begin_write().await?;
        let Some(current) = refunds::get(&mut tx, refund.id).await? else { return Ok(()) };
        if !is_open(current.status) {
            // Already settled by a status query while this answer was on its way.
            return Ok(());
        }
        let tries = json!({ "checks": current.checks, "resends": current.resends });
        let next_check = Some(now.plus_millis(pace.backoff(current.checks)));
        let action = match send {
            Send::First => "refund.submit",
            Send::Again => "refund.resend_answer",
        };
        let (step, reference, detail, audit_outcome) = match &outcome {
            Ok(o) => {
                let step = match &o.state {
                    RefundState::Succeeded => Step::to(Mark::Succeeded),
                    RefundState::Failed { code, message } => {
                        Step::settle(Some(stated_problem(code, message)), Mark::Failed)
                    }
                    RefundState::Pending | RefundState::Unrecognised(_) => Step::wait(
                        next_check,
                        None,
                        (current.status != RefundStatus::Processing).then_some(Mark::Processing),
                    ),
                    // Not an answer a send gives; nothing is concluded from it.
                    RefundState::NotFound { .. } => Step::wait(
                        next_check,
                        None,
                        (current.status == RefundStatus::Submitting).then_some(Mark::Unknown),
                    ),
                };
                (
                    step,
                    o.provider_ref.as_deref(),
                    json!({ "state": format!("{:?}", o.state), "provider_status": o.provider_status, "provider_ref": o.provider_ref, "tries": tries }),
                    AuditOutcome::Ok,
                )
            }
            Err(e) => {
                let problem = problem_of(e);
                let stated = match send {
                    Send::First => changed_nothing(e),
                    // A resend that never reached the provider says nothing about the first.
                    Send::Again => matches!(
                        e,
                        ProviderError::Declined { .. } | ProviderError::InvalidRequest { .. }
                    ),
                };
                let step = if stated {
                    Step::settle(Some(problem), Mark::Failed)
                } else {
                    Step::wait(
                        next_check,
                        Some(problem),
                        (current.status == RefundStatus::Submitting).then_some(Mark::Unknown),
                    )
                };
                (
                    step,
                    None,
                    json!({ "error": e.to_string(), "provider_code": e.provider_code(), "tries": tries }),
                    AuditOutcome::Failed,
                )
            }
        };
        if apply(&mut tx, refund.id, current.checks, step, reference, now).await? {
            self.audit(&mut tx, by, action, &subject, audit_outcome, detail).await?;
        }
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// How the resolver paces one refund, on the environment's clock: the built-in sandbox
    /// runs its waits at its time scale, so these do too (never below 10 s, which keeps them
    /// above a scaled request timeout).
    pub(crate) fn refund_pace(&self, environment: Environment) -> RefundPace {
        RefundPace { ppm: self.time_scale_ppm(environment) }
    }

    async fn provider_refund_request(
        &self,
        refund: &RefundRow,
        payment: &PaymentDetail,
        idempotency_key: String,
    ) -> AppResult<RefundRequest> {
        let account = self.payment_account(payment.binding_id).await?;
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
        crate::validate::text_lengths(&input)?;
        let status = RefundStatus::parse(&input.status)
            .map_err(|e| AppError::invalid("refund_status_unknown", e.to_string()))?;
        if input.limit == 0 || input.limit > 200 {
            return Err(AppError::invalid("page_limit_invalid", "limit must be 1 to 200"));
        }
        let mut conn = self.ledger.read().await?;
        let after = match input.after_id {
            Some(id) => refunds::get(&mut conn, RefundId::new(id))
                .await?
                .map(|r| RefundCursor { requested_at: r.requested_at, id: r.id }),
            None => None,
        };
        let environment = self.environment().await;
        let rows =
            refunds::queue_in(&mut conn, Some(environment), status, after, input.limit).await?;
        drop(conn);
        let next =
            (rows.len() == input.limit as usize).then(|| rows.last().map(|r| r.id.get())).flatten();
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.refund_view(row.id, false).await?);
        }
        Ok(RefundQueuePage { items: views, next })
    }

    pub(crate) async fn refund_view(
        &self,
        id: RefundId,
        with_timeline: bool,
    ) -> AppResult<RefundView> {
        let mut conn = self.ledger.read().await?;
        let r = refunds::get(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "refund not found"))?;
        let payment = payments::get(&mut conn, r.payment_id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        let name = |op: Option<operators::OperatorRow>| {
            op.map(|o| o.username).unwrap_or_else(|| "?".into())
        };
        let requested_by = name(operators::by_id(&mut conn, r.requested_by).await?);
        let decided_by = match r.decided_by {
            Some(op) => Some(name(operators::by_id(&mut conn, op).await?)),
            None => None,
        };
        let transfer = match &r.transfer {
            Some(t) => Some(TransferView {
                reference: t.reference.clone(),
                date: t.date.to_string(),
                evidence: t.evidence.clone(),
                evidence_sha256: t.evidence_sha256.clone(),
                recorded_by: name(operators::by_id(&mut conn, t.recorded_by).await?),
                recorded_at: t.recorded_at.to_rfc3339(),
            }),
            None => None,
        };
        let resolution = match &r.resolution {
            Some(res) => Some(ResolutionView {
                by: name(operators::by_id(&mut conn, res.by).await?),
                at: res.at.to_rfc3339(),
                note: res.note.clone(),
            }),
            None => None,
        };
        let timeline = if with_timeline {
            let names = OperatorNames::load(&mut conn).await?;
            names.timeline(refunds::timeline(&mut conn, id).await?)
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
            problem: shown_problem(r.status, r.problem.as_deref()),
            timeline,
        })
    }

    pub(crate) async fn refund_row(&self, id: RefundId) -> AppResult<RefundRow> {
        let mut conn = self.ledger.read().await?;
        refunds::get(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "refund not found"))
    }

    async fn payment(&self, id: i64) -> AppResult<PaymentDetail> {
        let mut conn = self.ledger.read().await?;
        payments::get(&mut conn, PaymentId::new(id))
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))
    }
}

/// Which send an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Send {
    First,
    /// The same request again under its original ids.
    Again,
}

/// The resolver's timing for one refund, in real seconds scaled by the environment's clock
/// (`ppm` millionths of real time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefundPace {
    ppm: i64,
}

/// The first status query after a send (SNAP §10 step 3: "wait 60 s").
const FIRST_CHECK_S: i64 = 60;
/// The back-off doubles from the first check up to this.
const MAX_BACKOFF_S: i64 = 60 * 60;
/// After this long from the first send an open refund goes to `needs_review` (the SNAP
/// products' give-up time, and Tazapay's idempotency-key lifetime, §3).
const GIVE_UP_S: i64 = 24 * 60 * 60;
/// An approval this old that was never sent on is picked up by the resolver.
const APPROVED_GRACE_S: i64 = 60;
const MIN_WAIT_MS: i64 = 10_000;

impl RefundPace {
    const REAL: RefundPace = RefundPace { ppm: 1_000_000 };

    fn scaled(self, seconds: i64) -> i64 {
        let millis = i128::from(seconds) * 1_000 * i128::from(self.ppm) / 1_000_000;
        i64::try_from(millis).unwrap_or(i64::MAX).max(MIN_WAIT_MS)
    }

    /// The wait before the status query that follows `checks` earlier ones: 60 s, doubling,
    /// at most an hour.
    fn backoff(self, checks: u32) -> i64 {
        let seconds = FIRST_CHECK_S.saturating_mul(1_i64 << checks.min(16)).min(MAX_BACKOFF_S);
        self.scaled(seconds)
    }

    /// The processing window, never shorter than two waits: a check always comes inside it.
    fn window_ms(self, processing_window_s: i64) -> i64 {
        self.scaled(processing_window_s).max(2 * MIN_WAIT_MS)
    }

    fn give_up_ms(self) -> i64 {
        self.scaled(GIVE_UP_S)
    }

    fn approved_grace_ms(self) -> i64 {
        self.scaled(APPROVED_GRACE_S)
    }
}

/// Sent, and not decided yet: the resolver's to ask about.
fn is_open(status: RefundStatus) -> bool {
    matches!(status, RefundStatus::Submitting | RefundStatus::Processing | RefundStatus::Unknown)
}

/// The provider's problem as stored on the refund: `{code, message}`, and `original_received`
/// when the provider said the original request reached it.
fn problem_of(e: &ProviderError) -> String {
    let code = match e {
        ProviderError::UnknownOutcome { cause: UnknownCause::ServerError { status }, .. } => {
            status.to_string()
        }
        _ => e
            .provider_code()
            .filter(|c| !c.is_empty())
            .map_or_else(|| "error".to_owned(), str::to_owned),
    };
    // The provider's own words when it stated a refusal; otherwise what the app saw.
    let message =
        e.provider_message().filter(|m| !m.is_empty()).map_or_else(|| e.to_string(), str::to_owned);
    let mut problem = json!({ "code": code, "message": message });
    if e.original_received() {
        problem["original_received"] = json!(true);
    }
    problem.to_string()
}

/// A stored problem that says the original request reached the provider, so sending it again
/// cannot help; status queries decide, then finance.
fn original_received(problem: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(problem)
        .is_ok_and(|p| p["original_received"].as_bool() == Some(true))
}

/// The stored problem of a refund still open or failed: why, for its row and page.
fn shown_problem(status: RefundStatus, stored: Option<&str>) -> Option<RefundProblemView> {
    use RefundStatus as S;
    // A problem an earlier answer left is not shown once the provider took the refund on.
    let open_or_failed = matches!(status, S::Unknown | S::NeedsReview | S::Failed);
    open_or_failed.then(|| stored.and_then(|p| serde_json::from_str(p).ok())).flatten()
}

/// A failure the provider stated, as stored on the refund.
fn stated_problem(code: &str, message: &str) -> String {
    json!({ "code": code, "message": message }).to_string()
}

/// The status an answer moves an open refund to.
#[derive(Debug, Clone, Copy)]
enum Mark {
    Succeeded,
    Failed,
    Processing,
    Unknown,
}

/// What an answer does to an open refund: the next check and the problem it stores (when it
/// stores them), and the status it moves the refund to.
struct Step {
    schedule: Option<(Option<Timestamp>, Option<String>)>,
    to: Option<Mark>,
}

impl Step {
    const NOTHING: Step = Step { schedule: None, to: None };

    fn to(mark: Mark) -> Step {
        Step { schedule: None, to: Some(mark) }
    }

    /// A final answer: no further check.
    fn settle(problem: Option<String>, mark: Mark) -> Step {
        Step { schedule: Some((None, problem)), to: Some(mark) }
    }

    /// Asked again at `next`.
    fn wait(next: Option<Timestamp>, problem: Option<String>, to: Option<Mark>) -> Step {
        Step { schedule: Some((next, problem)), to }
    }
}

async fn schedule(
    tx: &mut ovo_ledger::Connection,
    refund: RefundId,
    checks: u32,
    next: Option<Timestamp>,
    problem: Option<&str>,
    now: Timestamp,
) -> AppResult<()> {
    refunds::schedule_check(tx, refund, checks, next, problem, now)
        .await
        .map(drop)
        .map_err(refund_error)
}

/// Stores `step` on the refund; true when it moved the refund to another status.
async fn apply(
    tx: &mut ovo_ledger::Connection,
    refund: RefundId,
    checks: u32,
    step: Step,
    provider_ref: Option<&str>,
    now: Timestamp,
) -> AppResult<bool> {
    if let Some((next, problem)) = &step.schedule {
        schedule(tx, refund, checks, *next, problem.as_deref(), now).await?;
    }
    let Some(to) = step.to else { return Ok(false) };
    match to {
        Mark::Succeeded => refunds::mark_succeeded(tx, refund, provider_ref, now).await.map(drop),
        Mark::Failed => refunds::mark_failed(tx, refund, provider_ref, now).await.map(drop),
        Mark::Processing => refunds::mark_processing(tx, refund, provider_ref, now).await.map(drop),
        Mark::Unknown => refunds::mark_unknown(tx, refund, provider_ref, now).await.map(drop),
    }
    .map_err(refund_error)?;
    Ok(true)
}

fn refund_error(err: LedgerError) -> AppError {
    match err {
        LedgerError::IllegalRefundTransition { from, to, .. } => AppError::new(
            ErrorCode::Conflict,
            format!("a {} refund cannot become {}", from.key(), to.key()),
        )
        .with_reason("refund_state_changed"),
        LedgerError::SelfDecision { .. } => {
            AppError::new(ErrorCode::Forbidden, "the requester cannot decide their own refund")
                .with_reason("refund_own_request")
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use ovo_domain::Product;
    use ovo_providers::Operation;

    use super::*;

    #[test]
    fn a_stored_problem_keeps_whether_the_original_reached_the_provider() {
        let answered = |status| ProviderError::UnknownOutcome {
            product: Product::OvoSnap,
            operation: Operation::Refund,
            cause: UnknownCause::ServerError { status },
        };
        assert!(original_received(&problem_of(&answered(409))));
        assert!(!original_received(&problem_of(&answered(500))));
        assert!(!original_received(&stated_problem("4045801", "not found")));
        assert!(!original_received("not json"));
    }
}
