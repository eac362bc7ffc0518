//! Moving a ledger: every row of one ledger copied into a new, empty one (a SQLite file into
//! PostgreSQL, typically), in one transaction on the target, then counted again on both sides.
//! The source is only read.

use ovo_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, ChainHead};
use crate::db::{Backend, Ledger};
use crate::error::{LedgerError, LedgerResult};
use crate::row::SqlBuilder;
use crate::settings;

/// The tables in an order that never names a row before it exists.
const TABLES: [&str; 22] = [
    "operators",
    "customers",
    "customer_name_words",
    "customer_notes",
    "bindings",
    "balance_snapshots",
    "provider_history",
    "payments",
    "refunds",
    "timeline_events",
    "notification_inbox",
    "refund_policy_overrides",
    "settings",
    "password_attempts",
    "link_secrets",
    "desk_enrolments",
    "work_claims",
    "settlement_batches",
    "settlement_lines",
    "settlement_exceptions",
    "audit_log",
    "audit_chain",
];

/// Rows per INSERT.
const BATCH: usize = 200;

/// What was copied: each table's rows (the same count on both sides) and the audit chain's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
    pub audit_head: ChainHead,
}

/// The copy, checked but not committed: the target's transaction and the source's snapshot
/// (holding its write lock) are handed back open.
async fn copy_prepared(
    source: &Ledger,
    target: &Ledger,
) -> LedgerResult<(CopyReport, crate::db::WriteTx, crate::db::WriteTx)> {
    let versions = |ledger: &Ledger| {
        let pool = ledger.writer_pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
        }
    };
    let (from, to) = (versions(source).await?, versions(target).await?);
    if from != to {
        return Err(LedgerError::Copy(format!(
            "the source's schema is at migration {from}, the target's at {to}; open both with this version first"
        )));
    }

    // The source's write lock for the copy's length: a consistent snapshot that no writer
    // changes meanwhile; nothing is written there, and the transaction is rolled back.
    let mut reader = source.begin_write().await?;
    let mut tx = target.begin_write().await?;
    // Under the target's write lock, so no desk writes there in between.
    if let Some(table) = first_table_with_data(&mut tx).await? {
        return Err(LedgerError::Copy(format!(
            "the target already holds data (table {table}); a ledger moves only into a new, empty one"
        )));
    }
    // The chain's fixed row is written by the target's own migration; it takes the source's.
    set_chain_triggers(&mut tx, target.backend(), false).await?;
    sqlx::query("DELETE FROM audit_chain").execute(&mut *tx).await?;
    set_chain_triggers(&mut tx, target.backend(), true).await?;
    for table in TABLES {
        let rows = sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(&mut *reader).await?;
        let columns = column_kinds(target, table).await?;
        for chunk in rows.chunks(BATCH) {
            insert_rows(table, &columns, chunk)?.build().execute(&mut *tx).await?;
        }
    }
    if target.backend() == Backend::Postgres {
        // Identity columns go on after the copied ids.
        let identities: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
        )
        .fetch_all(&mut *tx)
        .await?;
        for table in identities {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut tables = Vec::new();
    for table in TABLES {
        let there = count_rows(&mut reader, table).await?;
        let here = count_rows(&mut tx, table).await?;
        if there != here {
            return Err(LedgerError::Copy(format!(
                "{table}: {there} rows in the source, {here} copied; nothing was kept"
            )));
        }
        tables.push((table.to_owned(), here));
    }
    let source_head = audit::head(&mut reader).await?;
    let target_head = audit::head(&mut tx).await?;
    if source_head != target_head {
        return Err(LedgerError::Copy(format!(
            "the copied audit log ends at entry {} but the source's at {}; nothing was kept",
            target_head.seq, source_head.seq
        )));
    }
    Ok((CopyReport { tables, audit_head: target_head }, tx, reader))
}

/// Copies every row of `source` into `target`, which must hold no data yet (a new ledger, its
/// schema at the same version). All of it commits at once or nothing does; the source is only
/// read.
pub async fn copy_ledger(source: &Ledger, target: &Ledger) -> LedgerResult<CopyReport> {
    let (report, copied, snapshot) = copy_prepared(source, target).await?;
    copied.commit().await?;
    drop(snapshot);
    Ok(report)
}

/// Copies as `copy_ledger` does and, still under the source's write lock, records in the
/// source's settings that it moved (`marker` = `value`) and refuses every later write to it:
/// nothing written at this desk can be left behind in the old ledger. The target commits first:
/// if its commit fails and the target is still empty, nothing moved and the source takes writes
/// again. Once the target holds the copy the move stands, even if the source's marker then fails
/// to commit (logged; the desk's stored address decides where it works).
pub async fn move_ledger(
    source: &Ledger,
    target: &Ledger,
    marker: &str,
    value: &str,
    at: Timestamp,
) -> LedgerResult<CopyReport> {
    let (report, copied, mut snapshot) = copy_prepared(source, target).await?;
    settings::put(&mut snapshot, marker, value, at, None).await?;
    source.refuse_writes();
    if let Err(e) = copied.commit().await {
        // A commit whose answer was lost may still have happened: the target says which.
        if is_empty(target).await.unwrap_or(false) {
            drop(snapshot);
            source.accept_writes();
            return Err(e.into());
        }
        tracing::warn!(error = %e, "the shared ledger's commit answered with an error but holds the copy");
    }
    if let Err(e) = snapshot.commit().await {
        tracing::warn!(error = %e, "the moved ledger's marker was not stored; it takes no more writes in this run");
    }
    Ok(report)
}

async fn first_table_with_data(
    conn: &mut sqlx::AnyConnection,
) -> LedgerResult<Option<&'static str>> {
    for table in TABLES {
        // A new ledger's audit_chain holds its one fixed row.
        let empty = if table == "audit_chain" { 1 } else { 0 };
        if count_rows(conn, table).await? > empty {
            return Ok(Some(table));
        }
    }
    Ok(None)
}

async fn count_rows(conn: &mut sqlx::AnyConnection, table: &str) -> LedgerResult<u64> {
    let count: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut *conn).await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Switches the fixed chain row's guards off or on again, inside the copy's transaction.
async fn set_chain_triggers(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    on: bool,
) -> LedgerResult<()> {
    let sql = match (backend, on) {
        (Backend::Postgres, false) => {
            "ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_delete".to_owned()
        }
        (Backend::Postgres, true) => {
            "ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_no_delete".to_owned()
        }
        (Backend::Sqlite, false) => "DROP TRIGGER audit_chain_no_delete".to_owned(),
        (Backend::Sqlite, true) => {
            "CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
             BEGIN SELECT RAISE(ABORT, 'audit_chain is fixed'); END"
                .to_owned()
        }
    };
    sqlx::query(&sql).execute(&mut *tx).await?;
    Ok(())
}

/// Each column of `table` on the target, and whether it holds integers (else text).
async fn column_kinds(target: &Ledger, table: &str) -> LedgerResult<Vec<(String, bool)>> {
    let sql = match target.backend() {
        Backend::Sqlite => format!(
            "SELECT name, CASE WHEN upper(type) LIKE '%INT%' THEN 1 ELSE 0 END FROM pragma_table_info('{table}') ORDER BY cid"
        ),
        Backend::Postgres => format!(
            "SELECT CAST(column_name AS TEXT), CASE WHEN data_type IN ('bigint', 'integer') THEN 1 ELSE 0 END
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'
             ORDER BY ordinal_position"
        ),
    };
    let rows: Vec<(String, i64)> =
        sqlx::query_as(&sql).fetch_all(&mut *target.read().await?).await?;
    Ok(rows.into_iter().map(|(name, int)| (name, int == 1)).collect())
}

/// One multi-row INSERT of `rows` into `table`, by column name.
fn insert_rows<'q>(
    table: &str,
    columns: &[(String, bool)],
    rows: &'q [AnyRow],
) -> LedgerResult<SqlBuilder<'q>> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let mut q = SqlBuilder::new(format!("INSERT INTO {table} ({}) VALUES ", names.join(", ")));
    for (i, row) in rows.iter().enumerate() {
        if row.columns().len() != columns.len() {
            return Err(LedgerError::Copy(format!(
                "{table}: the source has {} columns, the target {}",
                row.columns().len(),
                columns.len()
            )));
        }
        q.push(if i == 0 { "(" } else { ", (" });
        for (j, (name, integer)) in columns.iter().enumerate() {
            if j > 0 {
                q.push(", ");
            }
            if *integer {
                q.push_bind(row.try_get::<Option<i64>, _>(name.as_str())?);
            } else {
                q.push_bind(row.try_get::<Option<String>, _>(name.as_str())?);
            }
        }
        q.push(")");
    }
    Ok(q)
}

/// Whether `ledger` holds no data (a new ledger's fixed rows aside).
pub async fn is_empty(ledger: &Ledger) -> LedgerResult<bool> {
    Ok(first_table_with_data(&mut *ledger.read().await?).await?.is_none())
}
