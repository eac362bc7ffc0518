//! Linked OVO accounts ("bindings"): one row per linking, through its life
//! pending → active → unlinking → unlinked, or pending → failed / expired.

use ovo_domain::{BindingId, CustomerId, Environment, Msisdn, Product, Reference, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{
    affected, change_one, fetch_all, fetch_optional, find_by, read_row, Column, RowExt, SqlBuilder,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingStatus {
    Pending,
    Active,
    /// The provider asks for the account to be linked again (Faspay `02`): nothing can be
    /// charged until the customer does it at `redirect_url`; still this customer's account.
    NeedsRelink,
    Failed,
    Expired,
    Unlinking,
    Unlinked,
}

impl BindingStatus {
    const ALL: [BindingStatus; 7] = [
        BindingStatus::Pending,
        BindingStatus::Active,
        BindingStatus::NeedsRelink,
        BindingStatus::Failed,
        BindingStatus::Expired,
        BindingStatus::Unlinking,
        BindingStatus::Unlinked,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            BindingStatus::Pending => "pending",
            BindingStatus::Active => "active",
            BindingStatus::NeedsRelink => "needs_relink",
            BindingStatus::Failed => "failed",
            BindingStatus::Expired => "expired",
            BindingStatus::Unlinking => "unlinking",
            BindingStatus::Unlinked => "unlinked",
        }
    }

    fn parse(key: &str) -> LedgerResult<BindingStatus> {
        BindingStatus::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| LedgerError::Corrupt(format!("binding status {key:?}")))
    }

    /// Holds the account: no other customer may link it meanwhile.
    pub const fn is_live(self) -> bool {
        matches!(
            self,
            BindingStatus::Pending
                | BindingStatus::Active
                | BindingStatus::NeedsRelink
                | BindingStatus::Unlinking
        )
    }
}

impl Column for BindingStatus {
    fn read(row: &sqlx::any::AnyRow, column: &str) -> LedgerResult<Self> {
        BindingStatus::parse(&row.try_get::<String, _>(column)?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingRow {
    pub id: BindingId,
    pub customer_id: CustomerId,
    pub environment: Environment,
    pub product: Product,
    pub phone: Msisdn,
    pub status: BindingStatus,
    pub reference: Option<Reference>,
    pub provider_ref: Option<String>,
    pub redirect_url: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// JSON written by the app: why it failed or the last unlink did not go through.
    pub problem: Option<String>,
    pub created_at: Timestamp,
    pub linked_at: Option<Timestamp>,
    pub unlinked_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Unlink calls sent without a final answer since it entered `unlinking`.
    pub unlink_tries: i64,
    /// When the background work may send the unlink again (`None`: due now).
    pub next_unlink_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewBinding<'a> {
    pub customer_id: CustomerId,
    pub environment: Environment,
    pub product: Product,
    pub phone: &'a Msisdn,
    pub status: BindingStatus,
    pub reference: &'a Reference,
    pub provider_ref: Option<&'a str>,
    pub expires_at: Option<Timestamp>,
    pub at: Timestamp,
}

const COLUMNS: &str =
    "id, customer_id, environment, product, phone, status, reference, provider_ref, redirect_url,
     expires_at, problem, created_at, linked_at, unlinked_at, updated_at, unlink_tries, next_unlink_at";

/// Inserts a linking. A live linking of the same account (environment, product, phone) is a
/// `Duplicate { what: "linked account" }`: check `live_for_account` first to say whose it is.
pub async fn insert(conn: &mut AnyConnection, new: &NewBinding<'_>) -> LedgerResult<BindingId> {
    let linked_at = (new.status == BindingStatus::Active).then_some(new.at.unix_millis());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO bindings (customer_id, environment, product, phone, status, reference, provider_ref, expires_at,
                               created_at, linked_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(new.customer_id.get())
    .bind(new.environment.key())
    .bind(new.product.key())
    .bind(new.phone.canonical())
    .bind(new.status.key())
    .bind(new.reference.as_str())
    .bind(new.provider_ref)
    .bind(new.expires_at.map(|t| t.unix_millis()))
    .bind(new.at.unix_millis())
    .bind(linked_at)
    .bind(new.at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(BindingId::new(id))
}

pub async fn get(conn: &mut AnyConnection, id: BindingId) -> LedgerResult<Option<BindingRow>> {
    find_by(conn, &format!("SELECT {COLUMNS} FROM bindings WHERE id = $1"), id.get(), from_row)
        .await
}

pub async fn by_reference(
    conn: &mut AnyConnection,
    reference: &Reference,
) -> LedgerResult<Option<BindingRow>> {
    find_by(
        conn,
        &format!("SELECT {COLUMNS} FROM bindings WHERE reference = $1"),
        reference.as_str(),
        from_row,
    )
    .await
}

/// The live linking of this OVO account, whoever's it is.
pub async fn live_for_account(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    phone: &Msisdn,
) -> LedgerResult<Option<BindingRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bindings
         WHERE environment = $1 AND product = $2 AND phone = $3 AND status IN ('pending', 'active', 'needs_relink', 'unlinking')"
    );
    let query =
        sqlx::query(&sql).bind(environment.key()).bind(product.key()).bind(phone.canonical());
    fetch_optional(conn, query, from_row).await
}

/// A customer's linkings in one environment, newest first.
pub async fn for_customer(
    conn: &mut AnyConnection,
    customer_id: CustomerId,
    environment: Environment,
) -> LedgerResult<Vec<BindingRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bindings WHERE customer_id = $1 AND environment = $2 ORDER BY created_at DESC, id DESC"
    );
    fetch_all(conn, sqlx::query(&sql).bind(customer_id.get()).bind(environment.key()), from_row)
        .await
}

/// Pending linkings in one environment (for expiry and polling).
pub async fn pending(
    conn: &mut AnyConnection,
    environment: Environment,
) -> LedgerResult<Vec<BindingRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bindings WHERE environment = $1 AND status = 'pending' ORDER BY id"
    );
    fetch_all(conn, sqlx::query(&sql).bind(environment.key()), from_row).await
}

/// The products each of these customers has an active account with, in one environment.
pub async fn active_products(
    conn: &mut AnyConnection,
    environment: Environment,
    customer_ids: &[CustomerId],
) -> LedgerResult<Vec<(CustomerId, Product)>> {
    if customer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = SqlBuilder::new(
        "SELECT DISTINCT customer_id, product FROM bindings WHERE status = 'active' AND environment = ",
    );
    q.push_bind(environment.key())
        .push(" AND customer_id IN ")
        .push_list(customer_ids.iter().map(|id| id.get()))
        .push(" ORDER BY customer_id, product");
    fetch_all(conn, q.build(), |row| {
        Ok((CustomerId::new(row.try_get("customer_id")?), row.parsed("product", Product::parse)?))
    })
    .await
}

/// The provider accepted the linking: where the customer completes it.
pub async fn set_started(
    conn: &mut AnyConnection,
    id: BindingId,
    provider_ref: Option<&str>,
    redirect_url: &str,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE bindings SET provider_ref = COALESCE($1, provider_ref), redirect_url = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(provider_ref)
    .bind(redirect_url);
    change_one(conn, query.bind(at.unix_millis()).bind(id.get()), "pending linking").await
}

/// Moves a linking from one of `from` to `to`, stamping the dates `to` implies and the
/// problem (replaced, or cleared with `None`). `NotFound` when it was in none of `from`.
pub async fn transition(
    conn: &mut AnyConnection,
    id: BindingId,
    from: &[BindingStatus],
    to: BindingStatus,
    provider_ref: Option<&str>,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<()> {
    let allowed = from.iter().map(|s| format!("'{}'", s.key())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE bindings SET status = $1, provider_ref = COALESCE($2, provider_ref), problem = $3, updated_at = $4,
             linked_at = CASE WHEN $1 = 'active' AND linked_at IS NULL THEN $4 ELSE linked_at END,
             unlinked_at = CASE WHEN $1 = 'unlinked' THEN $4 ELSE unlinked_at END,
             redirect_url = CASE WHEN $1 = 'pending' THEN redirect_url ELSE NULL END
         WHERE id = $5 AND status IN ({allowed})"
    );
    let query = sqlx::query(&sql).bind(to.key()).bind(provider_ref).bind(problem);
    change_one(conn, query.bind(at.unix_millis()).bind(id.get()), "linking in that state").await
}

/// The provider asks for an active account to be linked again at `relink_url` (Faspay `02`).
/// Repeating it on an account already waiting keeps the newest page.
pub async fn set_needs_relink(
    conn: &mut AnyConnection,
    id: BindingId,
    relink_url: &str,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE bindings SET status = 'needs_relink', redirect_url = $1, problem = $2, updated_at = $3
         WHERE id = $4 AND status IN ('active', 'needs_relink')",
    )
    .bind(relink_url)
    .bind(problem);
    change_one(conn, query.bind(at.unix_millis()).bind(id.get()), "active linking").await
}

/// Records the intent to unlink before the provider is asked: `active` or `needs_relink` (kept
/// with its relink page, where a refusal returns it) or an `unlinking` sent again moves to
/// `unlinking`, not to be sent again by the background work before `next_try_at` (the call's
/// own time). Returns the status it came from.
pub async fn begin_unlinking(
    conn: &mut AnyConnection,
    id: BindingId,
    next_try_at: Timestamp,
    at: Timestamp,
) -> LedgerResult<BindingStatus> {
    let from: Option<String> = sqlx::query_scalar(
        "UPDATE bindings SET unlink_from = CASE WHEN status = 'unlinking' THEN unlink_from ELSE status END,
             unlink_tries = CASE WHEN status = 'unlinking' THEN unlink_tries ELSE 0 END,
             status = 'unlinking', next_unlink_at = $1, updated_at = $2
         WHERE id = $3 AND status IN ('active', 'needs_relink', 'unlinking')
         RETURNING unlink_from",
    )
    .bind(next_try_at.unix_millis())
    .bind(at.unix_millis())
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LedgerError::NotFound { what: "linked account" })?;
    match from.as_deref() {
        Some(from) => BindingStatus::parse(from),
        None => Ok(BindingStatus::Active),
    }
}

/// An unlink sent without a final answer (lost, unknown, or the provider completes it later):
/// it stays `unlinking`, sent again from `next_try_at`, with the problem.
pub async fn unlink_unanswered(
    conn: &mut AnyConnection,
    id: BindingId,
    next_try_at: Timestamp,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE bindings SET unlink_tries = unlink_tries + 1, next_unlink_at = $1, problem = $2, updated_at = $3
         WHERE id = $4 AND status = 'unlinking'",
    )
    .bind(next_try_at.unix_millis())
    .bind(problem);
    change_one(conn, query.bind(at.unix_millis()).bind(id.get()), "unlinking account").await
}

/// The provider refused the unlink, so the account is still linked: back to the status it was
/// unlinked from (`active` when unknown), with the problem. Returns that status.
pub async fn unlink_refused(
    conn: &mut AnyConnection,
    id: BindingId,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<BindingStatus> {
    let to: String = sqlx::query_scalar(
        "UPDATE bindings SET status = COALESCE(unlink_from, 'active'),
             redirect_url = CASE WHEN unlink_from = 'needs_relink' THEN redirect_url ELSE NULL END,
             problem = $1, unlink_from = NULL, unlink_tries = 0, next_unlink_at = NULL, updated_at = $2
         WHERE id = $3 AND status = 'unlinking'
         RETURNING status",
    )
    .bind(problem)
    .bind(at.unix_millis())
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LedgerError::NotFound { what: "unlinking account" })?;
    BindingStatus::parse(&to)
}

/// Takes a due unlinking for one more try: its next try moves to `next_try_at`, so no other
/// worker sends it meanwhile. `false` when it is not due (or not unlinking) any more.
pub async fn claim_unlinking(
    conn: &mut AnyConnection,
    id: BindingId,
    now: Timestamp,
    next_try_at: Timestamp,
) -> LedgerResult<bool> {
    let query = sqlx::query(
        "UPDATE bindings SET next_unlink_at = $1
         WHERE id = $2 AND status = 'unlinking' AND (next_unlink_at IS NULL OR next_unlink_at <= $3)",
    );
    let query = query.bind(next_try_at.unix_millis()).bind(id.get()).bind(now.unix_millis());
    Ok(affected(conn, query).await? == 1)
}

/// Unlinkings in one environment whose next try is due at `now` (for the background work).
pub async fn unlinkings_due(
    conn: &mut AnyConnection,
    environment: Environment,
    now: Timestamp,
) -> LedgerResult<Vec<BindingRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bindings
         WHERE environment = $1 AND status = 'unlinking' AND (next_unlink_at IS NULL OR next_unlink_at <= $2) ORDER BY id"
    );
    fetch_all(conn, sqlx::query(&sql).bind(environment.key()).bind(now.unix_millis()), from_row)
        .await
}

/// Records why the last operation on a linking did not go through, without moving it.
pub async fn set_problem(
    conn: &mut AnyConnection,
    id: BindingId,
    problem: Option<&str>,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query("UPDATE bindings SET problem = $1, updated_at = $2 WHERE id = $3");
    change_one(conn, query.bind(problem).bind(at.unix_millis()).bind(id.get()), "linking").await
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<BindingRow> {
    read_row!(
        row,
        BindingRow {
            id,
            customer_id,
            environment,
            product,
            phone,
            status,
            reference,
            provider_ref,
            redirect_url,
            expires_at,
            problem,
            created_at,
            linked_at,
            unlinked_at,
            updated_at,
            unlink_tries,
            next_unlink_at,
        }
    )
}
