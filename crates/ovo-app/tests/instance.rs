//! One app instance per ledger: a second `Backoffice::open` on the same data directory is
//! refused while the first lives, and a killed holder leaves no lock behind.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use ovo_app::{AppResult, Backoffice, ErrorCode, LockHolder};
use ovo_domain::{ManualClock, Timestamp};
use ovo_secrets::MemoryStore;
use ovo_test_support::app;

/// The app on a ledger file in `data_dir`, on either run: the lock is the data folder's, and
/// the holder process (`ovo-app-hold-ledger`) opens the folder's file too.
async fn open(data_dir: &Path) -> AppResult<Backoffice> {
    let mut config = app::config(data_dir, None, None);
    config.ledger = None;
    let clock = ManualClock::new(Timestamp::from_unix_millis(app::FIXED_START_MS));
    Backoffice::open(config, Arc::new(MemoryStore::new()), Arc::new(clock)).await
}

#[tokio::test]
async fn a_second_open_is_refused_while_the_first_lives() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = open(&data).await.unwrap();

    let refused = open(&data).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::LedgerInUse);
    assert_eq!(refused.reason, Some("ledger_in_use"));
    let pid = std::process::id();
    assert!(
        refused.message.contains(&format!("(process {pid}, since 21 Sep 2026 21:13 WIB)")),
        "{}",
        refused.message
    );
    assert!(refused.message.contains("Close it, or use the window that is open."));

    drop(first);
    let second = open(&data).await.unwrap();
    assert_eq!(LockHolder::read(&data).map(|h| h.pid), Some(pid));
    drop(second);
}

#[tokio::test]
async fn a_killed_holder_leaves_no_lock_behind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ovo-app-hold-ledger"))
        .arg(&data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "the holder did not open the ledger");

    let refused = open(&data).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::LedgerInUse);
    assert!(
        refused.message.contains(&format!("(process {}, since ", child.id())),
        "{}",
        refused.message
    );

    // `Child::kill` is SIGKILL on Unix: no destructor, no clean-up runs in the holder.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let reopened = open(&data).await.unwrap();
    assert_eq!(LockHolder::read(&data).map(|h| h.pid), Some(std::process::id()));
    drop(reopened);
}
