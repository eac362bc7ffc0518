//! The append-only audit log. Each row's hash is HMAC-SHA256(audit key, previous hash ||
//! canonical encoding of the row); rows written before the chain was keyed (below
//! `keyed_from`) keep their plain sha256. The key comes from the caller: this crate never
//! reads the keychain. `verify` walks the chain, names the first broken link and checks that
//! the head anchored outside the ledger is still in it.

use hmac::{Hmac, Mac};
use ovo_domain::{OperatorId, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{fetch_all, push_and, read_row, Column, RowExt, SqlBuilder};
use crate::Ledger;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    Ok,
    Denied,
    Failed,
}

impl AuditOutcome {
    const ALL: [AuditOutcome; 3] = [AuditOutcome::Ok, AuditOutcome::Denied, AuditOutcome::Failed];

    pub fn key(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    fn parse(key: &str) -> Result<Self, &'static str> {
        AuditOutcome::ALL.into_iter().find(|o| o.key() == key).ok_or("unknown audit outcome")
    }
}

/// An entry to append; `seq` and the hashes are assigned by `append`.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: Timestamp,
    pub operator_id: Option<OperatorId>,
    pub operator: Option<String>,
    pub action: String,
    pub subject: String,
    pub outcome: AuditOutcome,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub operator_id: Option<OperatorId>,
    pub operator: Option<String>,
    pub action: String,
    pub subject: String,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// How a row's hash is made.
#[derive(Clone, Copy)]
pub enum Seal<'a> {
    /// sha256(prev_hash || row): rows written before the chain was keyed.
    Sha256,
    /// HMAC-SHA256(key, prev_hash || row).
    Keyed(&'a [u8]),
}

impl std::fmt::Debug for Seal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Seal::Sha256 => "Sha256",
            Seal::Keyed(_) => "Keyed(..)",
        })
    }
}

/// Which rows are sealed how, as the app anchored it outside the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainLayout {
    /// The first row sealed with the current key; rows before it are plain sha256 (or below).
    pub keyed_from: i64,
    /// Rows from here to `keyed_from` were sealed with a key the keychain no longer holds:
    /// only their links can be checked.
    pub lost_key_from: Option<i64>,
}

/// A point of the chain: an entry's seq and hash (seq 0 and `GENESIS_HASH` before the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// A plain sha256 row's content no longer matches its hash (it was edited).
    HashMismatch,
    /// A keyed row's hash is not the HMAC of its content under this ledger's key: the row or
    /// the chain was rewritten by someone without the key (e.g. rebuilt from the file alone).
    SealMismatch,
    /// The anchored head (this `BrokenLink`'s seq) is not in the chain: the newest entries were
    /// removed, or the chain was replaced; the chain now ends at `chain_head`.
    Truncated { chain_head: i64 },
    /// The row does not point at the previous row's hash (a row was removed or inserted before it).
    PrevHashMismatch,
    /// A sequence number is missing before this row.
    SeqGap { expected: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub problem: ChainProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: u64,
    pub first_broken: Option<BrokenLink>,
    /// Entries (first, last) whose seal cannot be checked: their key was lost.
    pub unverifiable: Option<(i64, i64)>,
}

const COLUMNS: &str =
    "seq, at, operator_id, operator, action, subject, outcome, detail, prev_hash, hash";

/// Appends within the caller's write transaction, so the entry commits with the change it
/// records, sealed with `key`.
pub async fn append(
    conn: &mut AnyConnection,
    key: &[u8],
    entry: &NewAuditEntry,
) -> LedgerResult<AuditEntry> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut row = AuditEntry {
        seq,
        at: entry.at,
        operator_id: entry.operator_id,
        operator: entry.operator.clone(),
        action: entry.action.clone(),
        subject: entry.subject.clone(),
        outcome: entry.outcome,
        detail: entry.detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = seal_hash(&row, Seal::Keyed(key))?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, operator_id, operator, action, subject, outcome, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.seq)
    .bind(row.at.unix_millis())
    .bind(row.operator_id.map(|id| id.get()))
    .bind(&row.operator)
    .bind(&row.action)
    .bind(&row.subject)
    .bind(row.outcome.key())
    .bind(&row.detail)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut *conn)
    .await?;
    Ok(row)
}

/// Newest first; `before_seq` continues a previous page.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u32,
) -> LedgerResult<Vec<AuditEntry>> {
    let mut q = filtered(format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1"), filter);
    q.push(" AND seq < ").push_bind(before_seq.unwrap_or(i64::MAX));
    q.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(limit));
    fetch_all(conn, q.build(), from_row).await
}

/// How many entries `filter` lets through.
pub async fn count(conn: &mut AnyConnection, filter: &AuditFilter) -> LedgerResult<u64> {
    filtered("SELECT COUNT(*) FROM audit_log WHERE 1 = 1".into(), filter).count(conn).await
}

/// Filters of the audit log; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub operator_id: Option<OperatorId>,
    /// An action, or, ending in a dot, every action that starts with it (`refund.`).
    pub action: Option<String>,
    /// The subject, or the start of it (`refund:12`).
    pub subject_prefix: Option<String>,
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
}

/// substr counts characters on both backends; no LIKE, so `%` and `_` stay literal.
fn push_starts_with(q: &mut SqlBuilder<'static>, column: &str, prefix: &str) {
    q.push(format!(" AND substr({column}, 1, CAST("))
        .push_bind(prefix.chars().count() as i64)
        .push(" AS INTEGER)) = ")
        .push_bind(prefix.to_owned());
}

fn filtered(select: String, filter: &AuditFilter) -> SqlBuilder<'static> {
    let mut q: SqlBuilder = SqlBuilder::new(select);
    push_and(&mut q, " AND operator_id = ", filter.operator_id.map(OperatorId::get));
    push_and(&mut q, " AND at >= ", filter.from.map(Timestamp::unix_millis));
    push_and(&mut q, " AND at < ", filter.until.map(Timestamp::unix_millis));
    if let Some(action) = &filter.action {
        if action.ends_with('.') {
            push_starts_with(&mut q, "action", action);
        } else {
            q.push(" AND action = ").push_bind(action.clone());
        }
    }
    if let Some(subject) = &filter.subject_prefix {
        push_starts_with(&mut q, "subject", subject);
    }
    q
}

/// The newest entry of `action` on `subject`, if any.
pub async fn latest_of(
    conn: &mut AnyConnection,
    action: &str,
    subject: &str,
) -> LedgerResult<Option<AuditEntry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE action = $1 AND subject = $2 ORDER BY seq DESC LIMIT 1"
    );
    crate::row::fetch_optional(conn, sqlx::query(&sql).bind(action).bind(subject), from_row).await
}

/// The newest entry (seq 0 and `GENESIS_HASH` for an empty log).
pub async fn head(conn: &mut AnyConnection) -> LedgerResult<ChainHead> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match last {
        Some((seq, hash)) => ChainHead { seq, hash },
        None => ChainHead { seq: 0, hash: GENESIS_HASH.to_owned() },
    })
}

/// Whether the chain still holds `point` (seq 0 is always held).
pub async fn holds(conn: &mut AnyConnection, point: &ChainHead) -> LedgerResult<bool> {
    if point.seq == 0 {
        return Ok(point.hash == GENESIS_HASH);
    }
    let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(point.seq)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hash.as_deref() == Some(point.hash.as_str()))
}

/// The first keyed row as the ledger file records it (set when the chain became keyed).
/// Only a hint: the app trusts its own anchor outside the file once it has one.
pub async fn recorded_keyed_from(conn: &mut AnyConnection) -> LedgerResult<i64> {
    let keyed_from: Option<i64> =
        sqlx::query_scalar("SELECT keyed_from FROM audit_chain WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    keyed_from.ok_or_else(|| LedgerError::Corrupt("the audit chain's start is missing".into()))
}

/// A connection that sees every committed write: it waits for the single writer connection,
/// so a write transaction in flight has committed or rolled back first. Holds no transaction.
pub async fn settled_connection(ledger: &Ledger) -> LedgerResult<PoolConnection<Any>> {
    Ok(ledger.writer_pool().acquire().await?)
}

/// Walks the whole chain from the first entry, each row checked by the seal `layout` gives it,
/// then checks that `anchor` (the head last recorded outside the ledger) is still in it.
pub async fn verify(
    conn: &mut AnyConnection,
    key: &[u8],
    layout: ChainLayout,
    anchor: Option<&ChainHead>,
) -> LedgerResult<Verification> {
    const BATCH: i64 = 5_000;
    let lost_from = layout.lost_key_from.unwrap_or(layout.keyed_from).min(layout.keyed_from);
    let mut expected_seq = 1;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let mut unverifiable: Option<(i64, i64)> = None;
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
    loop {
        let query = sqlx::query(&sql).bind(expected_seq).bind(BATCH);
        let entries = fetch_all(conn, query, from_row).await?;
        if entries.is_empty() {
            break;
        }
        for entry in entries {
            let broken = |problem| {
                Ok(Verification {
                    checked,
                    first_broken: Some(BrokenLink { seq: entry.seq, problem }),
                    unverifiable,
                })
            };
            if entry.seq != expected_seq {
                return broken(ChainProblem::SeqGap { expected: expected_seq });
            }
            if entry.prev_hash != expected_prev {
                return broken(ChainProblem::PrevHashMismatch);
            }
            if entry.seq >= layout.keyed_from {
                if seal_hash(&entry, Seal::Keyed(key))? != entry.hash {
                    return broken(ChainProblem::SealMismatch);
                }
            } else if entry.seq >= lost_from {
                unverifiable = Some((unverifiable.map_or(entry.seq, |u| u.0), entry.seq));
            } else if seal_hash(&entry, Seal::Sha256)? != entry.hash {
                return broken(ChainProblem::HashMismatch);
            }
            checked += 1;
            expected_seq += 1;
            expected_prev = entry.hash;
        }
    }
    let chain_head = expected_seq - 1;
    if let Some(anchor) = anchor {
        if !holds(conn, anchor).await? {
            return Ok(Verification {
                checked,
                first_broken: Some(BrokenLink {
                    seq: anchor.seq,
                    problem: ChainProblem::Truncated { chain_head },
                }),
                unverifiable,
            });
        }
    }
    Ok(Verification { checked, first_broken: None, unverifiable })
}

/// The row's hash under `seal`, hex: the seal over prev_hash bytes || canonical encoding.
pub fn seal_hash(entry: &AuditEntry, seal: Seal<'_>) -> LedgerResult<String> {
    let prev = hex::decode(&entry.prev_hash).map_err(|_| {
        LedgerError::Corrupt(format!("audit entry {} has a malformed prev_hash", entry.seq))
    })?;
    let encoded = canonical_encoding(entry);
    Ok(match seal {
        Seal::Sha256 => {
            let mut hasher = Sha256::new();
            hasher.update(&prev);
            hasher.update(&encoded);
            hex::encode(hasher.finalize())
        }
        Seal::Keyed(key) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key)
                .map_err(|e| LedgerError::Corrupt(format!("the audit key is unusable: {e}")))?;
            mac.update(&prev);
            mac.update(&encoded);
            hex::encode(mac.finalize().into_bytes())
        }
    })
}

/// Each field as an 8-byte big-endian length and its UTF-8 bytes, in a fixed order;
/// an absent optional field is the length u64::MAX with no bytes.
fn canonical_encoding(entry: &AuditEntry) -> Vec<u8> {
    let seq = entry.seq.to_string();
    let at = entry.at.unix_millis().to_string();
    let operator_id = entry.operator_id.map(|id| id.get().to_string());
    let fields: [Option<&str>; 8] = [
        Some(&seq),
        Some(&at),
        operator_id.as_deref(),
        entry.operator.as_deref(),
        Some(&entry.action),
        Some(&entry.subject),
        Some(entry.outcome.key()),
        Some(&entry.detail),
    ];
    let mut out = Vec::with_capacity(256);
    for field in fields {
        match field {
            Some(text) => {
                out.extend_from_slice(&(text.len() as u64).to_be_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            None => out.extend_from_slice(&u64::MAX.to_be_bytes()),
        }
    }
    out
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<AuditEntry> {
    read_row!(
        row,
        AuditEntry {
            seq,
            at,
            operator_id,
            operator,
            action,
            subject,
            outcome,
            detail,
            prev_hash,
            hash,
        }
    )
}

impl Column for AuditOutcome {
    fn read(row: &sqlx::any::AnyRow, column: &str) -> LedgerResult<Self> {
        row.parsed(column, AuditOutcome::parse)
    }
}
