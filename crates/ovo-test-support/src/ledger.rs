//! A new ledger file in a temporary directory, and operators added straight through the
//! repository (a fake password hash: nothing signs in).

use ovo_domain::{OperatorId, Role, Timestamp};
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::{commit, Ledger, OpenReport};

/// A new ledger at `<temp dir>/ledger.sqlite`, and what opening it migrated.
pub async fn fresh_with_report() -> (tempfile::TempDir, Ledger, OpenReport) {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, report) = Ledger::open(&dir.path().join("ledger.sqlite")).await.unwrap();
    (dir, ledger, report)
}

/// A new ledger at `<temp dir>/ledger.sqlite`.
pub async fn fresh() -> (tempfile::TempDir, Ledger) {
    let (dir, ledger, _) = fresh_with_report().await;
    (dir, ledger)
}

/// Adds an operator named `username` (shown so too) with `role`, created `at`.
pub async fn add_operator(
    ledger: &Ledger,
    username: &str,
    role: Role,
    at: Timestamp,
) -> OperatorId {
    let mut tx = ledger.begin_write().await.unwrap();
    let new = NewOperator {
        username,
        display_name: username,
        role,
        password_hash: "$argon2id$fake",
        password_one_time: false,
        at,
    };
    let op = operators::insert(&mut tx, &new).await.unwrap();
    commit(tx).await.unwrap();
    op.id
}
