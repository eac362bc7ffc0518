//! The append-only audit log. Each row's hash is sha256(previous hash || canonical
//! encoding of the row); `verify` walks the chain and names the first broken link.

use ovo_domain::{OperatorId, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::error::{LedgerError, LedgerResult};
use crate::row::{fetch_all, read_row, Column, RowExt};

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

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// The row's content no longer matches its hash (it was edited).
    HashMismatch,
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
}

const COLUMNS: &str =
    "seq, at, operator_id, operator, action, subject, outcome, detail, prev_hash, hash";

/// Appends within the caller's write transaction, so the entry commits with the change it records.
pub async fn append(
    conn: &mut SqliteConnection,
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
    row.hash = chain_hash(&row)?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, operator_id, operator, action, subject, outcome, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    conn: &mut SqliteConnection,
    before_seq: Option<i64>,
    limit: u32,
) -> LedgerResult<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?");
    let query = sqlx::query(&sql).bind(before_seq.unwrap_or(i64::MAX));
    fetch_all(conn, query.bind(i64::from(limit)), from_row).await
}

/// Walks the whole chain from the first entry.
pub async fn verify(conn: &mut SqliteConnection) -> LedgerResult<Verification> {
    const BATCH: i64 = 5_000;
    let mut expected_seq = 1;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?");
    loop {
        let query = sqlx::query(&sql).bind(expected_seq).bind(BATCH);
        let entries = fetch_all(conn, query, from_row).await?;
        if entries.is_empty() {
            return Ok(Verification { checked, first_broken: None });
        }
        for entry in entries {
            let broken = |problem| {
                Ok(Verification {
                    checked,
                    first_broken: Some(BrokenLink { seq: entry.seq, problem }),
                })
            };
            if entry.seq != expected_seq {
                return broken(ChainProblem::SeqGap { expected: expected_seq });
            }
            if entry.prev_hash != expected_prev {
                return broken(ChainProblem::PrevHashMismatch);
            }
            if chain_hash(&entry)? != entry.hash {
                return broken(ChainProblem::HashMismatch);
            }
            checked += 1;
            expected_seq += 1;
            expected_prev = entry.hash;
        }
    }
}

/// sha256(prev_hash bytes || canonical encoding), hex.
fn chain_hash(entry: &AuditEntry) -> LedgerResult<String> {
    let prev = hex::decode(&entry.prev_hash).map_err(|_| {
        LedgerError::Corrupt(format!("audit entry {} has a malformed prev_hash", entry.seq))
    })?;
    let mut hasher = Sha256::new();
    hasher.update(&prev);
    hasher.update(canonical_encoding(entry));
    Ok(hex::encode(hasher.finalize()))
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

fn from_row(row: &sqlx::sqlite::SqliteRow) -> LedgerResult<AuditEntry> {
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
    fn read(row: &sqlx::sqlite::SqliteRow, column: &str) -> LedgerResult<Self> {
        row.parsed(column, AuditOutcome::parse)
    }
}
