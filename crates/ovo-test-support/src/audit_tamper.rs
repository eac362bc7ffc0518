//! What someone who can write the ledger file, but not read the keychain, can do to the audit
//! log: drop the append-only triggers, then rewrite or remove rows with raw SQL.

use ovo_ledger::audit::{self, Seal};
use ovo_ledger::Ledger;

/// Reseals every entry from `from_seq` on with `seal`, each linked to the one before, so the
/// chain links again from end to end.
pub async fn reseal_chain(ledger: &Ledger, from_seq: i64, seal: Seal<'_>) {
    let pool = ledger.writer_pool();
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update").execute(pool).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let mut entries = audit::page(&mut conn, None, u32::MAX).await.unwrap();
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
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_delete").execute(pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) FROM audit_log) - $1")
        .bind(count)
        .execute(pool)
        .await
        .unwrap();
}
