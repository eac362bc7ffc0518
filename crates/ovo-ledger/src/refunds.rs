//! Refunds: the checked reservation, the state machine with guarded transitions, the refund
//! timeline and the per-product policy overrides.
//!
//! **Reservation.** A refund reserves its amount against the payment in every status except
//! `rejected` and `failed` ([`RefundStatus::holds_reservation`]): requested, approved,
//! submitting, processing, unknown (the money may have moved), succeeded and settled_offline.
//! [`request_refund`] reads the payment, the reserved sum and (when the policy has a daily limit)
//! the product's reserved sum for today's WIB date, runs [`ovo_domain::evaluate`] and inserts the
//! refund only if allowed, all on the caller's connection. Call it inside
//! [`Ledger::begin_write`](crate::Ledger::begin_write) (`BEGIN IMMEDIATE`): the write lock is held
//! from the first read, so two requests can never both pass on the same remaining amount, even from
//! different processes. Migration 0003 adds triggers that enforce the same sum for any writer.
//!
//! **Transitions.** Each is one `UPDATE … WHERE id = $n AND status IN (…)`; when no row changes the
//! current row is read back and the error says why ([`LedgerError::IllegalRefundTransition`],
//! [`LedgerError::WrongRefundMode`], [`LedgerError::SelfDecision`], [`LedgerError::NotFound`]).
//!
//! ```text
//! requested ─approve─▶ approved ─mark_submitting─▶ submitting ─▶ processing ─▶ succeeded | failed
//!     │                   │ (api)                       │  ╲            │
//!   reject            await_transfer (offline)          │   ▶ unknown ◀─┘ ─▶ processing | succeeded | failed
//!     ▼                   ▼                             ▼         │
//!  rejected        awaiting_transfer                succeeded     ▼
//!                         │ settle_offline          | failed   needs_review ─▶ processing | succeeded | failed
//!                         ▼ (finance's transfer record)           (a late answer, or finance's `resolve_by_hand`)
//!                  settled_offline
//! ```
//!
//! `submitting`, `processing` and `unknown` go to `needs_review` when the provider cannot say
//! within its give-up time ([`mark_needs_review`]). Only a failure the provider stated, or
//! finance's decision by hand, releases the reservation.
//!
//! **The resolver's bookkeeping** changes no status: [`schedule_check`] stores the tries
//! (`checks`), the next check (`next_check_at`) and the provider's last `problem`;
//! [`mark_resent`] counts a resend under the original ids (`resends`, a `refund_resent`
//! timeline entry) before it is sent; [`due_for_resolver`] lists what is due, including
//! `approved` refunds never sent on; [`last_sent_at`] is the first send or the last resend.
//!
//! Every transition appends a `timeline_events` row (`refund_<status>`) in the same transaction.
//! The audit entry is the use case's to write, in the same transaction.

use chrono::NaiveDate;
use ovo_domain::{
    evaluate, wib_date, wib_day_bounds, Environment, Idr, OperatorId, PaymentId, PaymentStatus,
    Product, Reference, RefundDecision, RefundFacts, RefundId, RefundMode, RefundPolicy,
    RefundStatus, Timestamp,
};
use sqlx::{AnyConnection, Row};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{
    affected, execute, fetch_all, find_by, push_page, read_row, timeline_of, Column, RowExt,
    SqlBuilder, TimelineEvent,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    pub id: RefundId,
    pub reference: Reference,
    pub payment_id: PaymentId,
    pub amount: Idr,
    pub mode: RefundMode,
    pub status: RefundStatus,
    pub reason: String,
    pub requested_by: OperatorId,
    pub requested_at: Timestamp,
    pub decided_by: Option<OperatorId>,
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
    pub idempotency_key: Option<String>,
    /// The provider's refund id; for an offline refund, the settlement reference.
    pub provider_ref: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Status queries so far and when the next is due.
    pub checks: u32,
    pub next_check_at: Option<Timestamp>,
    /// Resends under the original ids after the provider said "not found".
    pub resends: u32,
    /// The provider's last problem, JSON `{code, message}`.
    pub problem: Option<String>,
    /// The merchant's own transfer of an offline refund.
    pub transfer: Option<OfflineTransfer>,
    /// Finance's decision by hand when the provider could not say.
    pub resolution: Option<Resolution>,
}

/// The merchant's own transfer that settles an offline refund, as finance recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineTransfer {
    pub reference: String,
    /// The WIB calendar date of the transfer.
    pub date: NaiveDate,
    /// The evidence file's name as stored, and its SHA-256 (hex).
    pub evidence: Option<String>,
    pub evidence_sha256: Option<String>,
    pub recorded_by: OperatorId,
    pub recorded_at: Timestamp,
}

/// Finance's decision on a refund or payment the provider could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub by: OperatorId,
    pub at: Timestamp,
    pub note: String,
}

/// A refund request as the operator made it.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    pub payment_id: PaymentId,
    pub amount: Idr,
    pub reason: &'a str,
    pub requested_by: OperatorId,
    /// Our 16-character refund reference, sent to the provider.
    pub reference: &'a Reference,
    pub at: Timestamp,
}

/// What [`request_refund`] did: reserved (the refund row exists, status `requested`) or refused
/// (nothing written). Both carry the decision that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundRequest {
    Reserved { refund: Box<RefundRow>, decision: RefundDecision },
    Refused { decision: RefundDecision },
}

impl RefundRequest {
    pub fn decision(&self) -> &RefundDecision {
        match self {
            RefundRequest::Reserved { decision, .. } | RefundRequest::Refused { decision } => {
                decision
            }
        }
    }

    pub fn refund(&self) -> Option<&RefundRow> {
        match self {
            RefundRequest::Reserved { refund, .. } => Some(refund.as_ref()),
            RefundRequest::Refused { .. } => None,
        }
    }
}

/// Where the previous queue page ended: the last row's (requested_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundCursor {
    pub requested_at: Timestamp,
    pub id: RefundId,
}

/// One entry of a refund's timeline.
pub type TimelineEntry = TimelineEvent;

/// A stored per-product override of the refund rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOverride {
    pub product: Product,
    pub policy: RefundPolicy,
    pub updated_at: Timestamp,
    pub updated_by: OperatorId,
}

/// The statuses that release their reservation, as SQL text (constant keys only).
const RELEASED_SQL: &str = "('rejected', 'failed')";

const COLUMNS: &str = "id, reference, payment_id, amount, mode, status, reason, requested_by, requested_at, decided_by, \
     decided_at, decision_note, idempotency_key, provider_ref, submitted_at, completed_at, updated_at, checks, next_check_at, \
     resends, problem, transfer_reference, transfer_date, transfer_evidence, transfer_evidence_sha256, transfer_recorded_by, \
     transfer_recorded_at, resolved_by, resolved_at, resolution_note";

// ---------------------------------------------------------------------------------------------
// Request (check + reserve)

/// Checks a refund against the product's effective policy (override or house default, read in
/// this transaction) and reserves it if allowed. Run it inside `begin_write`.
pub async fn request_refund(
    conn: &mut AnyConnection,
    new: &NewRefund<'_>,
) -> LedgerResult<RefundRequest> {
    // One read for the payment, what its refunds hold and the product's override.
    let row = sqlx::query(&format!(
        "SELECT p.product, p.status, p.amount, p.succeeded_at,
                (SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM refunds r WHERE r.payment_id = p.id AND r.status NOT IN {RELEASED_SQL}) AS reserved,
                o.mode, o.partial_allowed, o.window_days, o.daily_limit
         FROM payments p LEFT JOIN refund_policy_overrides o ON o.product = p.product WHERE p.id = $1"
    ))
    .bind(new.payment_id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LedgerError::NotFound { what: "payment" })?;
    let payment = facts_from_row(new.payment_id, &row)?;
    let reserved = row.idr("reserved")?;
    let policy = policy_from_row(&row, payment.product.key())?
        .unwrap_or(RefundPolicy::default_for(payment.product));
    reserve(conn, new, &payment, &policy, Some(reserved)).await
}

/// [`request_refund`] with a given policy instead of the stored one.
pub async fn request_refund_with_policy(
    conn: &mut AnyConnection,
    new: &NewRefund<'_>,
    policy: &RefundPolicy,
) -> LedgerResult<RefundRequest> {
    let payment = payment_facts(conn, new.payment_id).await?;
    reserve(conn, new, &payment, policy, None).await
}

/// What a request for `amount` would get now, without writing: the "Request refund" dialog
/// shows its `refundable` and `rule_text`. Only a request inside `begin_write` reserves.
pub async fn preview(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
    amount: Idr,
    now: Timestamp,
) -> LedgerResult<RefundDecision> {
    let payment = payment_facts(conn, payment_id).await?;
    let policy = effective_policy(conn, payment.product).await?;
    decide(conn, &payment, &policy, amount, now, None).await
}

#[derive(Debug, Clone, Copy)]
struct PaymentFacts {
    id: PaymentId,
    product: Product,
    status: PaymentStatus,
    amount: Idr,
    succeeded_at: Option<Timestamp>,
}

async fn payment_facts(conn: &mut AnyConnection, id: PaymentId) -> LedgerResult<PaymentFacts> {
    let row =
        sqlx::query("SELECT product, status, amount, succeeded_at FROM payments WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(LedgerError::NotFound { what: "payment" })?;
    facts_from_row(id, &row)
}

fn facts_from_row(payment_id: PaymentId, row: &sqlx::any::AnyRow) -> LedgerResult<PaymentFacts> {
    read_row!(row, PaymentFacts { id = payment_id, product, status, amount, succeeded_at })
}

async fn decide(
    conn: &mut AnyConnection,
    payment: &PaymentFacts,
    policy: &RefundPolicy,
    requested: Idr,
    now: Timestamp,
    reserved: Option<Idr>,
) -> LedgerResult<RefundDecision> {
    let already = match reserved {
        Some(sum) => sum,
        None => reserved_for_payment(conn, payment.id).await?,
    };
    // The daily sum is only read when a limit applies.
    let today = match policy.daily_limit {
        Some(_) => reserved_today(conn, payment.product, now).await?,
        None => Idr::ZERO,
    };
    let facts = RefundFacts {
        payment_status: payment.status,
        paid_amount: payment.amount,
        succeeded_at: payment.succeeded_at,
        already_reserved_or_refunded: already,
        refunded_today_wib: today,
        requested,
        now,
    };
    Ok(evaluate(policy, payment.product, &facts))
}

async fn reserve(
    conn: &mut AnyConnection,
    new: &NewRefund<'_>,
    payment: &PaymentFacts,
    policy: &RefundPolicy,
    reserved: Option<Idr>,
) -> LedgerResult<RefundRequest> {
    let decision = decide(conn, payment, policy, new.amount, new.at, reserved).await?;
    if !decision.allowed {
        return Ok(RefundRequest::Refused { decision });
    }
    let row = sqlx::query(&format!(
        "INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at, updated_at)
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(new.reference.as_str())
    .bind(new.payment_id.get())
    .bind(new.amount.rupiah())
    .bind(decision.mode.key())
    .bind(new.reason)
    .bind(new.requested_by.get())
    .bind(new.at.unix_millis())
    .bind(new.at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    let refund = from_row(&row)?;
    let id = refund.id;
    let detail = serde_json::json!({
        "amount": new.amount.rupiah(),
        "mode": decision.mode.key(),
        "by": new.requested_by.get(),
        "reason": new.reason,
        "refundable_before": decision.refundable.rupiah(),
        "deadline": decision.deadline.map(|d| d.to_string()),
    });
    add_event(conn, new.payment_id, id, new.at, "refund_requested", &detail).await?;
    Ok(RefundRequest::Reserved { refund: Box::new(refund), decision })
}

/// Sum of the payment's refunds that hold a reservation.
pub async fn reserved_for_payment(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
) -> LedgerResult<Idr> {
    let sum: i64 = sqlx::query_scalar(&format!(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE payment_id = $1 AND status NOT IN {RELEASED_SQL}"
    ))
    .bind(payment_id.get())
    .fetch_one(&mut *conn)
    .await?;
    Idr::new(sum)
        .map_err(|_| LedgerError::Corrupt(format!("refunds of payment {payment_id} sum to {sum}")))
}

/// Sum of the product's reserving refunds requested on the WIB date of `now` (the daily limit's
/// unit: per merchant, i.e. per ledger, and provider product).
pub async fn reserved_today(
    conn: &mut AnyConnection,
    product: Product,
    now: Timestamp,
) -> LedgerResult<Idr> {
    let (start, end) = wib_day_bounds(wib_date(now));
    let sum: i64 = sqlx::query_scalar(&format!(
        "SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.requested_at >= $1 AND r.requested_at < $2 AND p.product = $3 AND r.status NOT IN {RELEASED_SQL}"
    ))
    .bind(start.unix_millis())
    .bind(end.unix_millis())
    .bind(product.key())
    .fetch_one(&mut *conn)
    .await?;
    // A day's sum over many payments may pass Idr::MAX; saturate, the limit is far below.
    Ok(Idr::new(sum).unwrap_or(Idr::MAX))
}

// ---------------------------------------------------------------------------------------------
// Reads

pub async fn get(conn: &mut AnyConnection, id: RefundId) -> LedgerResult<Option<RefundRow>> {
    find_by(conn, &format!("SELECT {COLUMNS} FROM refunds WHERE id = $1"), id.get(), from_row).await
}

pub async fn by_reference(
    conn: &mut AnyConnection,
    reference: &Reference,
) -> LedgerResult<Option<RefundRow>> {
    find_by(
        conn,
        &format!("SELECT {COLUMNS} FROM refunds WHERE reference = $1"),
        reference.as_str(),
        from_row,
    )
    .await
}

/// Every refund of the payments of `environment`, oldest first.
pub async fn all_in(
    conn: &mut AnyConnection,
    environment: Environment,
) -> LedgerResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE payment_id IN (SELECT id FROM payments WHERE environment = $1) ORDER BY id"
    );
    fetch_all(conn, sqlx::query(&sql).bind(environment.key()), from_row).await
}

/// A payment's refunds, oldest first.
pub async fn list_by_payment(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
) -> LedgerResult<Vec<RefundRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM refunds WHERE payment_id = $1 ORDER BY requested_at, id");
    fetch_all(conn, sqlx::query(&sql).bind(payment_id.get()), from_row).await
}

/// The queue of one status, newest request first, keyset-paged: each page starts strictly after `after`.
pub async fn queue(
    conn: &mut AnyConnection,
    status: RefundStatus,
    after: Option<RefundCursor>,
    limit: u32,
) -> LedgerResult<Vec<RefundRow>> {
    queue_in(conn, None, status, after, limit).await
}

/// [`queue`] limited to the refunds of payments in `environment` (when given).
pub async fn queue_in(
    conn: &mut AnyConnection,
    environment: Option<Environment>,
    status: RefundStatus,
    after: Option<RefundCursor>,
    limit: u32,
) -> LedgerResult<Vec<RefundRow>> {
    let mut q = in_queue(format!("SELECT {COLUMNS} FROM refunds"), environment, status);
    push_page(&mut q, "requested_at", after.map(|c| (c.requested_at, c.id.get())), limit);
    fetch_all(conn, q.build(), from_row).await
}

/// How many refunds [`queue_in`] pages through.
pub async fn queue_count(
    conn: &mut AnyConnection,
    environment: Option<Environment>,
    status: RefundStatus,
) -> LedgerResult<u64> {
    in_queue("SELECT COUNT(*) FROM refunds".into(), environment, status).count(conn).await
}

fn in_queue(
    select: String,
    environment: Option<Environment>,
    status: RefundStatus,
) -> SqlBuilder<'static> {
    let mut q: SqlBuilder = SqlBuilder::new(select + " WHERE status = ");
    q.push_bind(status.key());
    if let Some(environment) = environment {
        q.push(" AND payment_id IN (SELECT id FROM payments WHERE environment = ")
            .push_bind(environment.key())
            .push(")");
    }
    q
}

/// What the refund resolver has to do now in `environment`, oldest due first: API refunds
/// whose outcome is open (`submitting`, `processing`, `unknown`) and whose next check is due
/// (`next_check_at` at or before `now`; none scheduled counts as due), and refunds finance
/// approved at or before `approved_before` that were never sent on (the process stopped
/// between the approval and the next step).
pub async fn due_for_resolver(
    conn: &mut AnyConnection,
    environment: Environment,
    now: Timestamp,
    approved_before: Timestamp,
    limit: u32,
) -> LedgerResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds
         WHERE payment_id IN (SELECT id FROM payments WHERE environment = $1)
           AND ((status IN ('submitting', 'processing', 'unknown') AND mode = 'api' AND COALESCE(next_check_at, 0) <= $2)
             OR (status = 'approved' AND decided_at <= $3))
         ORDER BY COALESCE(next_check_at, decided_at, 0), id LIMIT $4"
    );
    let query = sqlx::query(&sql).bind(environment.key()).bind(now.unix_millis());
    fetch_all(conn, query.bind(approved_before.unix_millis()).bind(i64::from(limit)), from_row)
        .await
}

/// The resolver's back-off on an open refund, without a status change: how many status
/// queries were made, when the next is due, and the provider's last problem (kept when
/// `None`). Refused (`IllegalRefundTransition`) once the refund is no longer open.
pub async fn schedule_check(
    conn: &mut AnyConnection,
    id: RefundId,
    checks: u32,
    next_check_at: Option<Timestamp>,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let sql = format!(
        "UPDATE refunds SET checks = $1, next_check_at = $2, problem = COALESCE($3, problem), updated_at = $4
         WHERE id = $5 AND mode = 'api' AND status IN {}",
        status_list(FROM_OPEN)
    );
    let query = sqlx::query(&sql)
        .bind(i64::from(checks))
        .bind(next_check_at.map(Timestamp::unix_millis))
        .bind(problem)
        .bind(at.unix_millis())
        .bind(id.get());
    let changed = affected(conn, query).await?;
    let row = get(conn, id).await?.ok_or(LedgerError::NotFound { what: "refund" })?;
    if changed == 0 {
        return Err(LedgerError::IllegalRefundTransition { id, from: row.status, to: row.status });
    }
    Ok(row)
}

/// `submitting | unknown`, status unchanged: the same request is about to be sent again under
/// its original ids after the provider said it has no record of it (SNAP §10 step 2, Tazapay
/// §3). Counts `resends` and adds a `refund_resent` timeline entry; commit before sending.
pub async fn mark_resent(
    conn: &mut AnyConnection,
    id: RefundId,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let payment: Option<i64> = sqlx::query_scalar(
        "UPDATE refunds SET resends = resends + 1, updated_at = $1 WHERE id = $2 AND mode = 'api' AND status IN ('submitting', 'unknown')
         RETURNING payment_id",
    )
    .bind(at.unix_millis())
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    let row = get(conn, id).await?.ok_or(LedgerError::NotFound { what: "refund" })?;
    let Some(payment) = payment else {
        return Err(LedgerError::IllegalRefundTransition { id, from: row.status, to: row.status });
    };
    add_event(
        conn,
        PaymentId::new(payment),
        id,
        at,
        "refund_resent",
        &serde_json::json!({ "resends": row.resends }),
    )
    .await?;
    Ok(row)
}

/// When the request was last sent to the provider: the first submission or the last resend.
pub async fn last_sent_at(
    conn: &mut AnyConnection,
    id: RefundId,
) -> LedgerResult<Option<Timestamp>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(at) FROM timeline_events WHERE refund_id = $1 AND kind IN ('refund_submitting', 'refund_resent')",
    )
    .bind(id.get())
    .fetch_one(&mut *conn)
    .await?;
    Ok(at.map(Timestamp::from_unix_millis))
}

/// The refund's timeline, in order.
pub async fn timeline(conn: &mut AnyConnection, id: RefundId) -> LedgerResult<Vec<TimelineEntry>> {
    timeline_of(conn, "refund_id", id.get()).await
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<RefundRow> {
    read_row!(
        row,
        RefundRow {
            id,
            reference,
            payment_id,
            amount,
            mode,
            status,
            reason,
            requested_by,
            requested_at,
            decided_by,
            decided_at,
            decision_note,
            idempotency_key,
            provider_ref,
            submitted_at,
            completed_at,
            updated_at,
            checks,
            next_check_at,
            resends,
            problem,
            transfer = transfer_from_row(row)?,
            resolution = resolution_from_row(row)?,
        }
    )
}

fn missing(column: &str) -> LedgerError {
    LedgerError::Corrupt(format!("refund {column} missing"))
}

/// The merchant's transfer, when one is recorded.
fn transfer_from_row(row: &sqlx::any::AnyRow) -> LedgerResult<Option<OfflineTransfer>> {
    let Some(reference) = row.try_get::<Option<String>, _>("transfer_reference")? else {
        return Ok(None);
    };
    Ok(Some(OfflineTransfer {
        reference,
        date: row
            .parsed_opt("transfer_date", |text| NaiveDate::parse_from_str(text, "%Y-%m-%d"))?
            .ok_or_else(|| missing("transfer_date"))?,
        evidence: row.try_get("transfer_evidence")?,
        evidence_sha256: row.try_get("transfer_evidence_sha256")?,
        recorded_by: Option::<OperatorId>::read(row, "transfer_recorded_by")?
            .ok_or_else(|| missing("transfer_recorded_by"))?,
        recorded_at: row
            .instant_opt("transfer_recorded_at")?
            .ok_or_else(|| missing("transfer_recorded_at"))?,
    }))
}

/// Finance's decision by hand, when there is one.
fn resolution_from_row(row: &sqlx::any::AnyRow) -> LedgerResult<Option<Resolution>> {
    let Some(by) = Option::<OperatorId>::read(row, "resolved_by")? else {
        return Ok(None);
    };
    Ok(Some(Resolution {
        by,
        at: row.instant_opt("resolved_at")?.ok_or_else(|| missing("resolved_at"))?,
        note: row.try_get::<Option<String>, _>("resolution_note")?.unwrap_or_default(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Transitions

/// One guarded step of the state machine.
#[derive(Debug)]
struct Step<'a> {
    to: RefundStatus,
    from: &'static [RefundStatus],
    /// The mode the step needs, if any.
    mode: Option<RefundMode>,
    /// The operator deciding (approve/reject): must not be the requester.
    decider: Option<OperatorId>,
    /// Extra `column = $n` assignments and their values.
    set: &'a [(&'static str, Value<'a>)],
    detail: serde_json::Value,
}

impl<'a> Step<'a> {
    fn new(
        to: RefundStatus,
        from: &'static [RefundStatus],
        mode: Option<RefundMode>,
        set: &'a [(&'static str, Value<'a>)],
        detail: serde_json::Value,
    ) -> Self {
        Step { to, from, mode, decider: None, set, detail }
    }

    /// The step is `decider`'s decision: never the requester's.
    fn by(self, decider: OperatorId) -> Self {
        Step { decider: Some(decider), ..self }
    }
}

#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    /// `COALESCE($n, column)`: keeps the stored value when `None`.
    KeepText(Option<&'a str>),
    /// `YYYY-MM-DD`, through sqlx's chrono support.
    Date(NaiveDate),
}

const FROM_REQUESTED: &[RefundStatus] = &[RefundStatus::Requested];
const FROM_APPROVED: &[RefundStatus] = &[RefundStatus::Approved];
const FROM_AWAITING_TRANSFER: &[RefundStatus] = &[RefundStatus::AwaitingTransfer];
const FROM_IN_FLIGHT: &[RefundStatus] = &[
    RefundStatus::Submitting,
    RefundStatus::Processing,
    RefundStatus::Unknown,
    RefundStatus::NeedsReview,
];
const FROM_SENT: &[RefundStatus] = &[RefundStatus::Submitting, RefundStatus::Processing];
const FROM_SENT_OR_UNKNOWN: &[RefundStatus] =
    &[RefundStatus::Submitting, RefundStatus::Unknown, RefundStatus::NeedsReview];
const FROM_OPEN: &[RefundStatus] =
    &[RefundStatus::Submitting, RefundStatus::Processing, RefundStatus::Unknown];
const FROM_NEEDS_REVIEW: &[RefundStatus] = &[RefundStatus::NeedsReview];

/// `requested → approved`. The decider must not be the requester (four eyes).
pub async fn approve(
    conn: &mut AnyConnection,
    id: RefundId,
    decided_by: OperatorId,
    note: Option<&str>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    decide_request(conn, id, RefundStatus::Approved, decided_by, note, at).await
}

/// `requested → rejected`, releasing the reservation. The decider must not be the requester.
pub async fn reject(
    conn: &mut AnyConnection,
    id: RefundId,
    decided_by: OperatorId,
    note: &str,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    decide_request(conn, id, RefundStatus::Rejected, decided_by, Some(note), at).await
}

/// `requested → to` by `decided_by`, with their note.
async fn decide_request(
    conn: &mut AnyConnection,
    id: RefundId,
    to: RefundStatus,
    decided_by: OperatorId,
    note: Option<&str>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let set = [
        ("decided_by", Value::Int(Some(decided_by.get()))),
        ("decided_at", Value::Int(Some(at.unix_millis()))),
        ("decision_note", Value::Text(note)),
    ];
    let detail = serde_json::json!({ "by": decided_by.get(), "note": note });
    transition(conn, id, at, Step::new(to, FROM_REQUESTED, None, &set, detail).by(decided_by)).await
}

/// `approved → submitting` (API refunds): stores the idempotency key before any provider call;
/// every retry of this refund reuses it. Commit before calling the provider.
pub async fn mark_submitting(
    conn: &mut AnyConnection,
    id: RefundId,
    idempotency_key: &str,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let set = [
        ("idempotency_key", Value::Text(Some(idempotency_key))),
        ("submitted_at", Value::Int(Some(at.unix_millis()))),
    ];
    let detail = serde_json::json!({ "idempotency_key": idempotency_key });
    let step =
        Step::new(RefundStatus::Submitting, FROM_APPROVED, Some(RefundMode::Api), &set, detail);
    transition(conn, id, at, step).await
}

/// The steps a provider's answer takes (API refunds), one public function each:
/// `name: from => to`, recording the provider's refund id (kept when `None`).
macro_rules! provider_steps {
    ($($(#[$doc:meta])* $name:ident: $from:ident => $to:ident;)+) => {$(
        $(#[$doc])*
        pub async fn $name(
            conn: &mut AnyConnection,
            id: RefundId,
            provider_ref: Option<&str>,
            at: Timestamp,
        ) -> LedgerResult<RefundRow> {
            provider_step(conn, id, RefundStatus::$to, $from, provider_ref, at).await
        }
    )+};
}

provider_steps! {
    /// `submitting | unknown | needs_review → processing`: the provider accepted it (or a status
    /// query says so).
    mark_processing: FROM_SENT_OR_UNKNOWN => Processing;
    /// `submitting | processing | unknown | needs_review → succeeded`: the provider says so.
    mark_succeeded: FROM_IN_FLIGHT => Succeeded;
    /// `submitting | processing | unknown | needs_review → failed`, releasing the reservation.
    /// Only for a failure the provider stated; a lost answer is [`mark_unknown`], "not found"
    /// proves nothing.
    mark_failed: FROM_IN_FLIGHT => Failed;
    /// `submitting | processing → unknown`: the answer was lost; only a status query moves it on.
    mark_unknown: FROM_SENT => Unknown;
}

async fn provider_step(
    conn: &mut AnyConnection,
    id: RefundId,
    to: RefundStatus,
    from: &'static [RefundStatus],
    provider_ref: Option<&str>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let completed =
        matches!(to, RefundStatus::Succeeded | RefundStatus::Failed).then_some(at.unix_millis());
    let mut set = vec![("provider_ref", Value::KeepText(provider_ref))];
    if completed.is_some() {
        // Final: nothing more to ask.
        set.push(("completed_at", Value::Int(completed)));
        set.push(("next_check_at", Value::Int(None)));
    }
    let mut detail = serde_json::json!({ "provider_ref": provider_ref });
    if matches!(to, RefundStatus::Failed | RefundStatus::Unknown) {
        // Why, as the provider said it (stored just before this step): the timeline keeps it.
        let problem: Option<String> =
            sqlx::query_scalar("SELECT problem FROM refunds WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&mut *conn)
                .await?
                .flatten();
        detail["problem"] =
            problem.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or(serde_json::Value::Null);
    }
    transition(conn, id, at, Step::new(to, from, Some(RefundMode::Api), &set, detail)).await
}

/// `approved → awaiting_transfer` (offline refunds): approved, and the merchant's own transfer to
/// the customer is still to be made and recorded. No provider is called.
pub async fn await_transfer(
    conn: &mut AnyConnection,
    id: RefundId,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let detail = serde_json::json!({});
    let step = Step::new(
        RefundStatus::AwaitingTransfer,
        FROM_APPROVED,
        Some(RefundMode::Offline),
        &[],
        detail,
    );
    transition(conn, id, at, step).await
}

/// The merchant's own transfer that settles an offline refund.
#[derive(Debug, Clone)]
pub struct TransferRecord<'a> {
    pub reference: &'a str,
    /// WIB calendar date.
    pub date: NaiveDate,
    pub evidence: Option<&'a str>,
    pub evidence_sha256: Option<&'a str>,
    /// Never the requester (four eyes; also a CHECK in the schema).
    pub recorded_by: OperatorId,
}

/// `awaiting_transfer → settled_offline`: finance recorded the transfer's reference and date
/// (evidence optional). The reference is also kept as `provider_ref`.
pub async fn settle_offline(
    conn: &mut AnyConnection,
    id: RefundId,
    transfer: &TransferRecord<'_>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let set = [
        ("provider_ref", Value::Text(Some(transfer.reference))),
        ("completed_at", Value::Int(Some(at.unix_millis()))),
        ("transfer_reference", Value::Text(Some(transfer.reference))),
        ("transfer_date", Value::Date(transfer.date)),
        ("transfer_evidence", Value::Text(transfer.evidence)),
        ("transfer_evidence_sha256", Value::Text(transfer.evidence_sha256)),
        ("transfer_recorded_by", Value::Int(Some(transfer.recorded_by.get()))),
        ("transfer_recorded_at", Value::Int(Some(at.unix_millis()))),
    ];
    let detail = serde_json::json!({
        "by": transfer.recorded_by.get(),
        "transfer_reference": transfer.reference,
        "transfer_date": transfer.date.to_string(),
        "evidence": transfer.evidence,
    });
    let to = RefundStatus::SettledOffline;
    let step = Step::new(to, FROM_AWAITING_TRANSFER, Some(RefundMode::Offline), &set, detail);
    transition(conn, id, at, step.by(transfer.recorded_by)).await
}

/// `submitting | processing | unknown → needs_review`: the provider could not say what happened
/// within its give-up time (or its answer cannot be trusted); finance decides. The reservation
/// stays: the money may have moved.
pub async fn mark_needs_review(
    conn: &mut AnyConnection,
    id: RefundId,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let set = [("problem", Value::KeepText(problem)), ("next_check_at", Value::Int(None))];
    let detail = serde_json::json!({ "problem": problem.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()) });
    let step = Step::new(RefundStatus::NeedsReview, FROM_OPEN, Some(RefundMode::Api), &set, detail);
    transition(conn, id, at, step).await
}

/// What finance concluded about a refund the provider could not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOutcome {
    /// The money went back (e.g. seen in the provider's dashboard or settlement report).
    Succeeded,
    /// It did not: the reservation is released.
    Failed,
}

/// `needs_review → succeeded | failed` by finance's decision, with the evidence they saw (the
/// provider's reference, a note). Never the requester.
pub async fn resolve_by_hand(
    conn: &mut AnyConnection,
    id: RefundId,
    outcome: HandOutcome,
    resolved_by: OperatorId,
    provider_ref: Option<&str>,
    note: &str,
    at: Timestamp,
) -> LedgerResult<RefundRow> {
    let to = match outcome {
        HandOutcome::Succeeded => RefundStatus::Succeeded,
        HandOutcome::Failed => RefundStatus::Failed,
    };
    let set = [
        ("provider_ref", Value::KeepText(provider_ref)),
        ("completed_at", Value::Int(Some(at.unix_millis()))),
        ("resolved_by", Value::Int(Some(resolved_by.get()))),
        ("resolved_at", Value::Int(Some(at.unix_millis()))),
        ("resolution_note", Value::Text(Some(note))),
        ("next_check_at", Value::Int(None)),
    ];
    let detail = serde_json::json!({ "by": resolved_by.get(), "by_hand": true, "provider_ref": provider_ref, "note": note });
    let step = Step::new(to, FROM_NEEDS_REVIEW, Some(RefundMode::Api), &set, detail);
    transition(conn, id, at, step.by(resolved_by)).await
}

fn status_list(statuses: &[RefundStatus]) -> String {
    let keys: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.key())).collect();
    format!("({})", keys.join(", "))
}

async fn transition(
    conn: &mut AnyConnection,
    id: RefundId,
    at: Timestamp,
    step: Step<'_>,
) -> LedgerResult<RefundRow> {
    let mut q: SqlBuilder = SqlBuilder::new("UPDATE refunds SET status = ");
    q.push_bind(step.to.key()).push(", updated_at = ").push_bind(at.unix_millis());
    for (column, value) in step.set {
        q.push(format!(", {column} = "));
        match *value {
            Value::Int(v) => {
                q.push_bind(v);
            }
            Value::Text(v) => {
                q.push_bind(v.map(str::to_owned));
            }
            Value::Date(v) => {
                q.push_bind(v.format("%Y-%m-%d").to_string());
            }
            Value::KeepText(v) => {
                q.push("COALESCE(").push_bind(v.map(str::to_owned)).push(format!(", {column})"));
            }
        }
    }
    q.push(" WHERE id = ").push_bind(id.get());
    q.push(format!(" AND status IN {}", status_list(step.from)));
    if let Some(mode) = step.mode {
        q.push(" AND mode = ").push_bind(mode.key());
    }
    if let Some(decider) = step.decider {
        q.push(" AND requested_by <> ").push_bind(decider.get());
    }
    q.push(" RETURNING payment_id");
    let payment: Option<i64> = match q.build().fetch_optional(&mut *conn).await? {
        Some(row) => Some(row.try_get("payment_id")?),
        None => None,
    };
    let Some(payment) = payment else {
        return Err(why_not(conn, id, &step).await);
    };
    let kind = format!("refund_{}", step.to.key());
    add_event(conn, PaymentId::new(payment), id, at, &kind, &step.detail).await?;
    get(conn, id).await?.ok_or(LedgerError::NotFound { what: "refund" })
}

/// Why a guarded update changed nothing.
async fn why_not(conn: &mut AnyConnection, id: RefundId, step: &Step<'_>) -> LedgerError {
    let current = match get(conn, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return LedgerError::NotFound { what: "refund" },
        Err(err) => return err,
    };
    if !step.from.contains(&current.status) {
        return LedgerError::IllegalRefundTransition { id, from: current.status, to: step.to };
    }
    if let Some(mode) = step.mode {
        if current.mode != mode {
            return LedgerError::WrongRefundMode { id, mode: current.mode, to: step.to };
        }
    }
    if step.decider == Some(current.requested_by) {
        return LedgerError::SelfDecision { id };
    }
    LedgerError::IllegalRefundTransition { id, from: current.status, to: step.to }
}

async fn add_event(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
    refund_id: RefundId,
    at: Timestamp,
    kind: &str,
    detail: &serde_json::Value,
) -> LedgerResult<()> {
    crate::payments::insert_event(conn, payment_id, Some(refund_id), at, kind, detail).await
}

// ---------------------------------------------------------------------------------------------
// Policy overrides

/// The stored override of a product's rule, if any.
pub async fn load_override(
    conn: &mut AnyConnection,
    product: Product,
) -> LedgerResult<Option<RefundPolicy>> {
    let row = sqlx::query(
        "SELECT product, mode, partial_allowed, window_days, daily_limit, updated_at, updated_by
         FROM refund_policy_overrides WHERE product = $1",
    )
    .bind(product.key())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(override_from_row).transpose()?.map(|o| o.policy))
}

/// The rule that applies: the override if one is stored, else the house default.
pub async fn effective_policy(
    conn: &mut AnyConnection,
    product: Product,
) -> LedgerResult<RefundPolicy> {
    Ok(load_override(conn, product).await?.unwrap_or(RefundPolicy::default_for(product)))
}

/// Stores (or replaces) a product's override after checking its ranges.
pub async fn save_override(
    conn: &mut AnyConnection,
    product: Product,
    policy: &RefundPolicy,
    by: OperatorId,
    at: Timestamp,
) -> LedgerResult<()> {
    let policy = policy.validate()?;
    let query = sqlx::query(
        "INSERT INTO refund_policy_overrides (product, mode, partial_allowed, window_days, daily_limit, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (product) DO UPDATE SET mode = excluded.mode, partial_allowed = excluded.partial_allowed,
             window_days = excluded.window_days, daily_limit = excluded.daily_limit,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(product.key())
    .bind(policy.mode.key())
    .bind(i64::from(policy.partial_allowed))
    .bind(policy.window_days.map(i64::from))
    .bind(policy.daily_limit.map(Idr::rupiah))
    .bind(at.unix_millis())
    .bind(by.get());
    execute(conn, query).await
}

/// Removes a product's override (back to the house default). True if one existed.
pub async fn delete_override(conn: &mut AnyConnection, product: Product) -> LedgerResult<bool> {
    let done = sqlx::query("DELETE FROM refund_policy_overrides WHERE product = $1")
        .bind(product.key())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every stored override, by product key.
pub async fn list_overrides(conn: &mut AnyConnection) -> LedgerResult<Vec<PolicyOverride>> {
    let rows = sqlx::query(
        "SELECT product, mode, partial_allowed, window_days, daily_limit, updated_at, updated_by
         FROM refund_policy_overrides ORDER BY product",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(override_from_row).collect()
}

fn override_from_row(row: &sqlx::any::AnyRow) -> LedgerResult<PolicyOverride> {
    let product: String = row.try_get("product")?;
    read_row!(
        row,
        PolicyOverride {
            product,
            policy = policy_from_row(row, &product)?.ok_or_else(|| missing("policy mode"))?,
            updated_at,
            updated_by,
        }
    )
}

/// The override stored in the row's policy columns, if any (`mode` NULL: none).
fn policy_from_row(row: &sqlx::any::AnyRow, product: &str) -> LedgerResult<Option<RefundPolicy>> {
    let Some(mode) = row.try_get::<Option<String>, _>("mode")? else {
        return Ok(None);
    };
    let (partial_allowed, window_days, daily_limit) = (
        bool::read(row, "partial_allowed")?,
        row.try_get("window_days")?,
        row.try_get("daily_limit")?,
    );
    RefundPolicy::from_parts(&mode, partial_allowed, window_days, daily_limit)
        .map(Some)
        .map_err(|e| LedgerError::Corrupt(format!("refund policy override of {product:?}: {e}")))
}
