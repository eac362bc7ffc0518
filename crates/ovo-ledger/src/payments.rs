use ovo_domain::{
    CustomerId, Environment, Idr, PaymentId, PaymentStatus, Product, Reference, RefundId, Timestamp,
};
use sqlx::AnyConnection;

use crate::error::{LedgerError, LedgerResult};
use crate::row::{
    affected, change_one, execute, fetch_all, fetch_optional, find_by, push_and, push_page,
    read_row, timeline_of, Column, SqlBuilder, TimelineEvent,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub reference: Reference,
    pub customer_id: Option<CustomerId>,
    pub product: Product,
    pub kind: String,
    pub amount: Idr,
    pub status: PaymentStatus,
    pub provider_ref: Option<String>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
    /// Why it failed, is unknown or needs review, as stored (JSON).
    pub problem: Option<String>,
}

/// Filters of the payments list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub product: Option<Product>,
    pub status: Option<PaymentStatus>,
    pub created_from: Option<Timestamp>,
    /// Exclusive.
    pub created_until: Option<Timestamp>,
    pub min_amount: Option<Idr>,
    pub max_amount: Option<Idr>,
    pub customer_id: Option<CustomerId>,
    pub environment: Option<Environment>,
    /// Exact match on the payment's reference or provider reference, or one of its refunds'
    /// reference or provider reference.
    pub reference: Option<String>,
}

/// Where the previous page ended: the last row's (created_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentCursor {
    pub created_at: Timestamp,
    pub id: PaymentId,
}

/// Newest first, keyset-paged: each page starts strictly after `after`.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &PaymentFilter,
    after: Option<PaymentCursor>,
    limit: u32,
) -> LedgerResult<Vec<PaymentRow>> {
    let mut q = filtered(
        "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at, problem
         FROM payments WHERE 1 = 1",
        filter,
    );
    push_page(&mut q, "created_at", after.map(|c| (c.created_at, c.id.get())), limit);
    fetch_all(conn, q.build(), from_row).await
}

/// How many payments `filter` lets through.
pub async fn count(conn: &mut AnyConnection, filter: &PaymentFilter) -> LedgerResult<u64> {
    filtered("SELECT COUNT(*) FROM payments WHERE 1 = 1", filter).count(conn).await
}

fn filtered(select: &str, filter: &PaymentFilter) -> SqlBuilder<'static> {
    let mut q: SqlBuilder = SqlBuilder::new(select);
    push_and(&mut q, " AND product = ", filter.product.map(Product::key));
    push_and(&mut q, " AND status = ", filter.status.map(PaymentStatus::key));
    push_and(&mut q, " AND created_at >= ", filter.created_from.map(Timestamp::unix_millis));
    push_and(&mut q, " AND created_at < ", filter.created_until.map(Timestamp::unix_millis));
    push_and(&mut q, " AND amount >= ", filter.min_amount.map(Idr::rupiah));
    push_and(&mut q, " AND amount <= ", filter.max_amount.map(Idr::rupiah));
    push_and(&mut q, " AND environment = ", filter.environment.map(Environment::key));
    push_and(&mut q, " AND customer_id = ", filter.customer_id.map(CustomerId::get));
    if let Some(reference) = &filter.reference {
        q.push(" AND (reference = ")
            .push_bind(reference.clone())
            .push(" OR provider_ref = ")
            .push_bind(reference.clone())
            .push(" OR id IN (SELECT payment_id FROM refunds WHERE reference = ")
            .push_bind(reference.clone())
            .push(" OR provider_ref = ")
            .push_bind(reference.clone())
            .push("))");
    }
    q
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<PaymentRow> {
    read_row!(
        row,
        PaymentRow {
            id,
            reference,
            customer_id,
            product,
            kind,
            amount,
            status,
            provider_ref,
            created_at,
            succeeded_at,
            problem,
        }
    )
}

/// A payment as first recorded, before or without any provider call.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub reference: &'a Reference,
    pub environment: Environment,
    pub customer_id: Option<CustomerId>,
    pub binding_id: Option<ovo_domain::BindingId>,
    pub product: Product,
    pub kind: &'a str,
    pub phone: Option<&'a ovo_domain::Msisdn>,
    pub amount: Idr,
    pub cash_amount: Option<Idr>,
    pub points_amount: Option<Idr>,
    pub status: PaymentStatus,
    pub provider_ref: Option<&'a str>,
    pub created_by: Option<ovo_domain::OperatorId>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
}

pub async fn insert(conn: &mut AnyConnection, new: &NewPayment<'_>) -> LedgerResult<PaymentId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (reference, environment, customer_id, binding_id, product, kind, phone, amount, cash_amount,
                               points_amount, status, provider_ref, created_by, created_at, succeeded_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(new.reference.as_str())
    .bind(new.environment.key())
    .bind(new.customer_id.map(|c| c.get()))
    .bind(new.binding_id.map(|b| b.get()))
    .bind(new.product.key())
    .bind(new.kind)
    .bind(new.phone.map(|p| p.canonical()))
    .bind(new.amount.rupiah())
    .bind(new.cash_amount.map(Idr::rupiah))
    .bind(new.points_amount.map(Idr::rupiah))
    .bind(new.status.key())
    .bind(new.provider_ref)
    .bind(new.created_by.map(|o| o.get()))
    .bind(new.created_at.unix_millis())
    .bind(new.succeeded_at.map(|t| t.unix_millis()))
    .bind(new.created_at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(PaymentId::new(id))
}

/// A refund as the customer page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRefund {
    pub id: RefundId,
    pub reference: String,
    pub payment_reference: String,
    pub product: Product,
    pub amount: Idr,
    pub status: String,
    pub requested_at: Timestamp,
}

/// The newest refunds of a customer's payments in one environment.
pub async fn refunds_of_customer(
    conn: &mut AnyConnection,
    customer_id: CustomerId,
    environment: Environment,
    limit: u32,
) -> LedgerResult<Vec<CustomerRefund>> {
    let query = sqlx::query(
        "SELECT r.id, r.reference, p.reference AS payment_reference, p.product, r.amount, r.status, r.requested_at
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.customer_id = $1 AND p.environment = $2 ORDER BY r.requested_at DESC, r.id DESC LIMIT $3",
    );
    let query = query.bind(customer_id.get()).bind(environment.key()).bind(i64::from(limit));
    fetch_all(conn, query, |row| {
        read_row!(
            row,
            CustomerRefund {
                id,
                reference,
                payment_reference,
                product,
                amount,
                status,
                requested_at
            }
        )
    })
    .await
}

/// What a refund needs to know about its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDetail {
    pub id: PaymentId,
    pub reference: Reference,
    pub environment: Environment,
    pub customer_id: Option<CustomerId>,
    pub binding_id: Option<ovo_domain::BindingId>,
    pub product: Product,
    pub kind: String,
    pub amount: Idr,
    pub status: PaymentStatus,
    pub provider_ref: Option<String>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
    pub phone: Option<ovo_domain::Msisdn>,
    pub cash_amount: Option<Idr>,
    pub points_amount: Option<Idr>,
    pub idempotency_key: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub redirect_url: Option<String>,
    pub push_deadline: Option<Timestamp>,
    pub provider_status: Option<String>,
    /// JSON text.
    pub problem: Option<String>,
    pub next_check_at: Option<Timestamp>,
    pub checks: i64,
    /// A provider's test-mode number it was sent to (then `phone` is `None`).
    pub test_phone: Option<ovo_domain::TestPhone>,
    /// The current attempt: 1, then one more per request again on the same provider payment.
    pub attempt: i64,
    /// When the current attempt began (`None`: with the payment).
    pub attempt_started_at: Option<Timestamp>,
    /// When the poller hands it to an operator if it is still open.
    pub give_up_at: Option<Timestamp>,
    /// Times the current attempt was sent again under its original ids (provider: no record).
    pub resends: i64,
    /// When the current attempt was last sent again (`None`: only when it began).
    pub last_sent_at: Option<Timestamp>,
}

impl PaymentDetail {
    /// Where the current attempt's poll schedule counts from.
    pub fn attempt_start(&self) -> Timestamp {
        self.attempt_started_at.unwrap_or(self.created_at)
    }

    /// When the current attempt was last sent: its start, or its latest resend.
    pub fn last_sent(&self) -> Timestamp {
        self.last_sent_at.map_or(self.attempt_start(), |at| at.max(self.attempt_start()))
    }
}

const DETAIL_COLUMNS: &str = "id, reference, environment, customer_id, binding_id, product, kind, amount, status, provider_ref, created_at, \
     succeeded_at, phone, cash_amount, points_amount, idempotency_key, source, description, redirect_url, push_deadline, \
     provider_status, problem, next_check_at, checks, test_phone, attempt, attempt_started_at, give_up_at, resends, last_sent_at";

/// The reference and product of `ids` (those that exist), for lists of their refunds.
pub async fn references(
    conn: &mut AnyConnection,
    ids: &[PaymentId],
) -> LedgerResult<std::collections::HashMap<PaymentId, (Reference, Product)>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = SqlBuilder::new("SELECT id, reference, product FROM payments WHERE id IN ");
    q.push_list(ids.iter().map(|id| id.get()));
    for row in q.build().fetch_all(&mut *conn).await? {
        out.insert(
            Column::read(&row, "id")?,
            (Column::read(&row, "reference")?, Column::read(&row, "product")?),
        );
    }
    Ok(out)
}

/// Every payment of `environment`, oldest first (the built-in sandbox learns them at start).
pub async fn all_in(
    conn: &mut AnyConnection,
    environment: Environment,
) -> LedgerResult<Vec<PaymentDetail>> {
    let sql = format!("SELECT {DETAIL_COLUMNS} FROM payments WHERE environment = $1 ORDER BY id");
    fetch_all(conn, sqlx::query(&sql).bind(environment.key()), detail_from_row).await
}

/// The environment's payments made before `before` that name the payer's phone (the ones a
/// provider sandbox can learn), oldest first.
pub async fn with_phone_before(
    conn: &mut AnyConnection,
    environment: Environment,
    before: Timestamp,
) -> LedgerResult<Vec<PaymentDetail>> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} FROM payments
         WHERE environment = $1 AND phone IS NOT NULL AND created_at < $2 ORDER BY id"
    );
    let query = sqlx::query(&sql).bind(environment.key()).bind(before.unix_millis());
    fetch_all(conn, query, detail_from_row).await
}

pub async fn get(conn: &mut AnyConnection, id: PaymentId) -> LedgerResult<Option<PaymentDetail>> {
    find_by(
        conn,
        &format!("SELECT {DETAIL_COLUMNS} FROM payments WHERE id = $1"),
        id.get(),
        detail_from_row,
    )
    .await
}

fn detail_from_row(row: &sqlx::any::AnyRow) -> LedgerResult<PaymentDetail> {
    read_row!(
        row,
        PaymentDetail {
            id,
            reference,
            environment,
            customer_id,
            binding_id,
            product,
            kind,
            amount,
            status,
            provider_ref,
            created_at,
            succeeded_at,
            phone,
            cash_amount,
            points_amount,
            idempotency_key,
            source,
            description,
            redirect_url,
            push_deadline,
            provider_status,
            problem,
            next_check_at,
            checks,
            test_phone,
            attempt,
            attempt_started_at,
            give_up_at,
            resends,
            last_sent_at,
        }
    )
}

/// Records the provider test-mode number a payment just inserted is sent to.
pub async fn set_test_phone(
    conn: &mut AnyConnection,
    id: PaymentId,
    test: ovo_domain::TestPhone,
) -> LedgerResult<()> {
    let query = sqlx::query("UPDATE payments SET test_phone = $1 WHERE id = $2 AND phone IS NULL")
        .bind(test.key())
        .bind(id.get());
    execute(conn, query).await
}

/// A new attempt on the same provider payment after the last one failed or expired: the
/// payment is open again (`created`, sent once under `idempotency_key`), its problem, redirect
/// and check count cleared. `NotFound` unless it was failed or expired.
pub async fn begin_attempt(
    conn: &mut AnyConnection,
    id: PaymentId,
    attempt: i64,
    idempotency_key: &str,
    next_check_at: Timestamp,
    give_up_at: Timestamp,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE payments SET status = 'created', attempt = $1, attempt_started_at = $2, idempotency_key = $3, problem = NULL,
             redirect_url = NULL, checks = 0, next_check_at = $4, give_up_at = $5, resends = 0, last_sent_at = NULL, updated_at = $6
         WHERE id = $7 AND status IN ('failed', 'expired') AND attempt = $8 - 1",
    )
    .bind(attempt)
    .bind(at.unix_millis())
    .bind(idempotency_key)
    .bind(next_check_at.unix_millis())
    .bind(give_up_at.unix_millis())
    .bind(at.unix_millis())
    .bind(id.get())
    .bind(attempt);
    change_one(conn, query, "failed or expired payment at that attempt").await
}

/// What a payment being taken records before its provider call, besides the `NewPayment` row.
#[derive(Debug, Clone)]
pub struct PaymentIntent<'a> {
    pub idempotency_key: &'a str,
    pub source: Option<&'a str>,
    pub description: Option<&'a str>,
    pub push_deadline: Option<Timestamp>,
    pub next_check_at: Option<Timestamp>,
}

/// Stores the idempotency key (unique) and the rest of the intent on a payment just inserted.
pub async fn set_intent(
    conn: &mut AnyConnection,
    id: PaymentId,
    intent: &PaymentIntent<'_>,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE payments SET idempotency_key = $1, source = $2, description = $3, push_deadline = $4, next_check_at = $5 WHERE id = $6",
    )
    .bind(intent.idempotency_key)
    .bind(intent.source)
    .bind(intent.description)
    .bind(intent.push_deadline.map(Timestamp::unix_millis))
    .bind(intent.next_check_at.map(Timestamp::unix_millis))
    .bind(id.get());
    execute(conn, query).await
}

/// A change of a payment's state from a provider answer (payment call, status query or
/// notification). `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct PaymentUpdate<'a> {
    pub status: Option<PaymentStatus>,
    pub provider_ref: Option<&'a str>,
    pub split: Option<(Idr, Idr)>,
    pub succeeded_at: Option<Timestamp>,
    pub provider_status: Option<&'a str>,
    /// `Some(None)` clears the redirect.
    pub redirect_url: Option<Option<&'a str>>,
    /// `Some(None)` clears the problem.
    pub problem: Option<Option<&'a str>>,
    /// `Some(None)`: no further checks.
    pub next_check_at: Option<Option<Timestamp>>,
    pub count_check: bool,
    pub give_up_at: Option<Timestamp>,
}

/// Applies `update` unless the payment is already final (succeeded, failed, expired,
/// cancelled): a late or out-of-order answer never undoes a final state. Returns whether the
/// row changed.
pub async fn update(
    conn: &mut AnyConnection,
    id: PaymentId,
    update: &PaymentUpdate<'_>,
    at: Timestamp,
) -> LedgerResult<bool> {
    let mut q: SqlBuilder = SqlBuilder::new("UPDATE payments SET updated_at = ");
    q.push_bind(at.unix_millis());
    if let Some(status) = update.status {
        q.push(", status = ").push_bind(status.key());
    }
    if let Some(provider_ref) = update.provider_ref {
        q.push(", provider_ref = ").push_bind(provider_ref.to_owned());
    }
    if let Some((cash, points)) = update.split {
        q.push(", cash_amount = ")
            .push_bind(cash.rupiah())
            .push(", points_amount = ")
            .push_bind(points.rupiah());
    }
    if let Some(succeeded_at) = update.succeeded_at {
        q.push(", succeeded_at = ").push_bind(succeeded_at.unix_millis());
    }
    if let Some(provider_status) = update.provider_status {
        q.push(", provider_status = ").push_bind(provider_status.to_owned());
    }
    if let Some(redirect_url) = update.redirect_url {
        q.push(", redirect_url = ").push_bind(redirect_url.map(str::to_owned));
    }
    if let Some(problem) = update.problem {
        q.push(", problem = ").push_bind(problem.map(str::to_owned));
    }
    if let Some(next) = update.next_check_at {
        q.push(", next_check_at = ").push_bind(next.map(Timestamp::unix_millis));
    }
    if update.count_check {
        q.push(", checks = checks + 1");
    }
    if let Some(give_up_at) = update.give_up_at {
        q.push(", give_up_at = ").push_bind(give_up_at.unix_millis());
    }
    q.push(" WHERE id = ").push_bind(id.get());
    q.push(" AND status NOT IN ('succeeded', 'failed', 'expired', 'cancelled')");
    Ok(q.build().execute(&mut *conn).await?.rows_affected() > 0)
}

/// The open payment is about to be sent again under its original ids: counted, and its
/// processing window starts again at `at`. `NotFound` unless it is open with `resends` so far
/// (another resend got there first).
pub async fn record_resend(
    conn: &mut AnyConnection,
    id: PaymentId,
    resends: i64,
    next_check_at: Timestamp,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE payments SET resends = resends + 1, last_sent_at = $1, next_check_at = $2, updated_at = $3
         WHERE id = $4 AND resends = $5 AND status IN ('created', 'pending', 'unknown')",
    )
    .bind(at.unix_millis())
    .bind(next_check_at.unix_millis())
    .bind(at.unix_millis())
    .bind(id.get())
    .bind(resends);
    change_one(conn, query, "open payment at that resend count").await
}

/// A success the provider confirmed after the ledger recorded the payment `failed`, `expired`
/// or `cancelled` (the provider processed it late): the ledger follows the provider. Only
/// from one of those states; returns whether the row changed.
pub async fn record_late_success(
    conn: &mut AnyConnection,
    id: PaymentId,
    update: &PaymentUpdate<'_>,
    at: Timestamp,
) -> LedgerResult<bool> {
    let query = sqlx::query(
        "UPDATE payments SET status = 'succeeded', succeeded_at = $1, provider_ref = COALESCE($2, provider_ref),
             provider_status = COALESCE($3, provider_status), cash_amount = COALESCE($4, cash_amount),
             points_amount = COALESCE($5, points_amount), problem = NULL, redirect_url = NULL, next_check_at = NULL,
             updated_at = $6
         WHERE id = $7 AND status IN ('failed', 'expired', 'cancelled')",
    )
    .bind(update.succeeded_at.unwrap_or(at).unix_millis())
    .bind(update.provider_ref)
    .bind(update.provider_status)
    .bind(update.split.map(|(cash, _)| cash.rupiah()))
    .bind(update.split.map(|(_, points)| points.rupiah()))
    .bind(at.unix_millis())
    .bind(id.get());
    Ok(affected(conn, query).await? == 1)
}

/// Payments of `environment` whose outcome is open (created, pending, unknown) and whose next
/// status check is due, the most overdue first.
pub async fn due_checks(
    conn: &mut AnyConnection,
    environment: Environment,
    now: Timestamp,
    limit: u32,
) -> LedgerResult<Vec<PaymentDetail>> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} FROM payments
         WHERE next_check_at IS NOT NULL AND next_check_at <= $1 AND environment = $2
           AND status IN ('created', 'pending', 'unknown')
         ORDER BY next_check_at LIMIT $3"
    );
    let query =
        sqlx::query(&sql).bind(now.unix_millis()).bind(environment.key()).bind(i64::from(limit));
    fetch_all(conn, query, detail_from_row).await
}

/// The payment a provider's reference names: ours (16 characters), or the provider's id.
pub async fn by_any_reference(
    conn: &mut AnyConnection,
    environment: Environment,
    reference: &str,
) -> LedgerResult<Option<PaymentDetail>> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} FROM payments WHERE environment = $1 AND (reference = $2 OR provider_ref = $2)
         ORDER BY id DESC LIMIT 1"
    );
    fetch_optional(conn, sqlx::query(&sql).bind(environment.key()).bind(reference), detail_from_row)
        .await
}

/// One entry of a payment's timeline (its refunds' entries included).
pub type PaymentEvent = TimelineEvent;

pub async fn add_event(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
    at: Timestamp,
    kind: &str,
    detail: &serde_json::Value,
) -> LedgerResult<()> {
    insert_event(conn, payment_id, None, at, kind, detail).await
}

/// A timeline event of a payment, or of one of its refunds.
pub(crate) async fn insert_event(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
    refund_id: Option<RefundId>,
    at: Timestamp,
    kind: &str,
    detail: &serde_json::Value,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "INSERT INTO timeline_events (payment_id, refund_id, at, kind, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(payment_id.get())
    .bind(refund_id.map(RefundId::get))
    .bind(at.unix_millis())
    .bind(kind)
    .bind(detail.to_string());
    execute(conn, query).await
}

/// Oldest first.
pub async fn timeline(
    conn: &mut AnyConnection,
    payment_id: PaymentId,
) -> LedgerResult<Vec<PaymentEvent>> {
    timeline_of(conn, "payment_id", payment_id.get()).await
}

/// Finance's decision by hand on a payment the provider could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentResolution {
    pub by: ovo_domain::OperatorId,
    pub at: Timestamp,
    pub note: String,
}

/// Who took the payment (`None`: recorded by the system, e.g. imported or seeded).
pub async fn created_by(
    conn: &mut AnyConnection,
    id: PaymentId,
) -> LedgerResult<Option<ovo_domain::OperatorId>> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT created_by FROM payments WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?;
    let (by,) = row.ok_or(LedgerError::NotFound { what: "payment" })?;
    Ok(by.map(ovo_domain::OperatorId::new))
}

/// Finance's decision by hand, if the payment was resolved so.
pub async fn resolution(
    conn: &mut AnyConnection,
    id: PaymentId,
) -> LedgerResult<Option<PaymentResolution>> {
    let row: Option<(Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT resolved_by, resolved_at, resolution_note FROM payments WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some((Some(by), at, note)) => Some(PaymentResolution {
            by: ovo_domain::OperatorId::new(by),
            at: Timestamp::from_unix_millis(at.ok_or_else(|| {
                LedgerError::Corrupt(format!("payment {id} resolved without a time"))
            })?),
            note: note.unwrap_or_default(),
        }),
        _ => None,
    })
}

/// `needs_review → succeeded | failed` by finance's decision, with the provider's reference
/// they saw (kept when `None`) and a note. A succeeded payment counts from `at` for refunds
/// (the moment the ledger learned it). Never whoever took it (a trigger refuses that too).
/// `NotFound` when the payment is not `needs_review`; `SelfResolution` when `by` took it.
pub async fn resolve_by_hand(
    conn: &mut AnyConnection,
    id: PaymentId,
    succeeded: bool,
    by: ovo_domain::OperatorId,
    provider_ref: Option<&str>,
    note: &str,
    at: Timestamp,
) -> LedgerResult<()> {
    let status = if succeeded { PaymentStatus::Succeeded } else { PaymentStatus::Failed };
    let query = sqlx::query(
        "UPDATE payments SET status = $1, provider_ref = COALESCE($2, provider_ref), succeeded_at = CASE WHEN $3 THEN $4 ELSE succeeded_at END,
             resolved_by = $5, resolved_at = $6, resolution_note = $7, next_check_at = NULL, redirect_url = NULL, updated_at = $8
         WHERE id = $9 AND status = 'needs_review' AND (created_by IS NULL OR created_by <> $10)",
    )
    .bind(status.key())
    .bind(provider_ref)
    .bind(succeeded)
    .bind(at.unix_millis())
    .bind(by.get())
    .bind(at.unix_millis())
    .bind(note)
    .bind(at.unix_millis())
    .bind(id.get())
    .bind(by.get());
    if affected(conn, query).await? == 1 {
        return Ok(());
    }
    let current = get(conn, id).await?.ok_or(LedgerError::NotFound { what: "payment" })?;
    if current.status == PaymentStatus::NeedsReview {
        return Err(LedgerError::SelfResolution { what: "payment" });
    }
    Err(LedgerError::NotFound { what: "payment in needs_review" })
}
