//! What someone who can write the ledger file, but not read the keychain, can do to the audit
//! log: drop the append-only triggers, then rewrite or remove rows with raw SQL.

use ovo_ledger::audit::{self, Seal};
use ovo_ledger::{Backend, Ledger};

/// Drops `table`'s trigger `name`, as someone with write access to the database can.
pub async fn drop_trigger(ledger: &Ledger, table: &str, name: &str) {
    let sql = match ledger.backend() {
        Backend::Sqlite => format!("DROP TRIGGER IF EXISTS {name}"),
        Backend::Postgres => format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
    };
    sqlx::query(&sql).execute(ledger.writer_pool()).await.unwrap();
}

/// Reseals every entry from `from_seq` on with `seal`, each linked to the one before, so the
/// chain links again from end to end.
pub async fn reseal_chain(ledger: &Ledger, from_seq: i64, seal: Seal<'_>) {
    let pool = ledger.writer_pool();
    drop_trigger(ledger, "audit_log", "audit_log_no_update").await;
    let mut conn = pool.acquire().await.unwrap();
    let mut entries = audit::page(&mut conn, &Default::default(), None, u32::MAX).await.unwrap();
    drop(conn);
    entries.reverse();
    let mut prev = audit::GENESIS_HASH.to_owned();
    for mut entry in entries {
        if entry.seq >= from_seq {
            entry.prev_hash = prev;
            entry.hash = audit::seal_hash(&entry, seal).unwrap();
            sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(&entry.prev_hash)
                .bind(&entry.hash)
                .bind(entry.seq)
                .execute(pool)
                .await
                .unwrap();
        }
        prev = entry.hash;
    }
}

/// Removes the newest `count` entries; what is left still links.
pub async fn remove_newest(ledger: &Ledger, count: i64) {
    let pool = ledger.writer_pool();
    drop_trigger(ledger, "audit_log", "audit_log_no_delete").await;
    sqlx::query("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) FROM audit_log) - $1")
        .bind(count)
        .execute(pool)
        .await
        .unwrap();
}
