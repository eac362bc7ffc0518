//! Balance snapshots of linked accounts: every refresh, successful or not, with its time.

use ovo_domain::{BindingId, Idr, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{execute, fetch_optional, read_row, RowExt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    Ok { cash: Idr, points: Idr },
    Failed { kind: String, code: Option<String>, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub binding_id: BindingId,
    pub fetched_at: Timestamp,
    pub outcome: SnapshotOutcome,
}

pub async fn record(conn: &mut AnyConnection, snapshot: &Snapshot) -> LedgerResult<()> {
    let (outcome, cash, points, kind, code, message) = match &snapshot.outcome {
        SnapshotOutcome::Ok { cash, points } => {
            ("ok", Some(cash.rupiah()), Some(points.rupiah()), None, None, None)
        }
        SnapshotOutcome::Failed { kind, code, message } => {
            ("failed", None, None, Some(kind.as_str()), code.as_deref(), Some(message.as_str()))
        }
    };
    let query = sqlx::query(
        "INSERT INTO balance_snapshots (binding_id, fetched_at, outcome, cash, points, error_kind, error_code, error_message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(snapshot.binding_id.get())
    .bind(snapshot.fetched_at.unix_millis())
    .bind(outcome)
    .bind(cash)
    .bind(points)
    .bind(kind)
    .bind(code)
    .bind(message);
    execute(conn, query).await
}

/// The latest successful snapshot and the latest attempt (which may be the same).
pub async fn latest(
    conn: &mut AnyConnection,
    binding_id: BindingId,
) -> LedgerResult<(Option<Snapshot>, Option<Snapshot>)> {
    const SQL: &str = "SELECT binding_id, fetched_at, outcome, cash, points, error_kind, error_code, error_message
                       FROM balance_snapshots WHERE binding_id = $1";
    let newest = |only: &str| format!("{SQL} {only} ORDER BY fetched_at DESC, id DESC LIMIT 1");
    let (ok_sql, any_sql) = (newest("AND outcome = 'ok'"), newest(""));
    let ok = fetch_optional(conn, sqlx::query(&ok_sql).bind(binding_id.get()), from_row).await?;
    let any = fetch_optional(conn, sqlx::query(&any_sql).bind(binding_id.get()), from_row).await?;
    Ok((ok, any))
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<Snapshot> {
    read_row!(row, Snapshot { binding_id, fetched_at, outcome = outcome_from_row(row)? })
}

fn outcome_from_row(row: &sqlx::any::AnyRow) -> LedgerResult<SnapshotOutcome> {
    let money = |column: &str| -> LedgerResult<Idr> {
        row.idr_opt(column)?
            .ok_or_else(|| LedgerError::Corrupt("balance snapshot without an amount".into()))
    };
    Ok(if row.try_get::<String, _>("outcome")? == "ok" {
        SnapshotOutcome::Ok { cash: money("cash")?, points: money("points")? }
    } else {
        SnapshotOutcome::Failed {
            kind: row
                .try_get::<Option<String>, _>("error_kind")?
                .unwrap_or_else(|| "unavailable".into()),
            code: row.try_get("error_code")?,
            message: row.try_get::<Option<String>, _>("error_message")?.unwrap_or_default(),
        }
    })
}
