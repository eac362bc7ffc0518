//! The audit chain's head anchored outside the ledger. After every change the newest entry's
//! (seq, hash) goes to the keychain (entry `audit_head`, beside the keys) and to the log, so
//! removing the newest entries shows in `verify` even though the rest of the chain still links.
//! The same entry keeps where the keyed chain begins, so the file cannot pass keyed rows off as
//! older plain-sha256 ones. Anchoring reads the committed head after the change's transaction
//! ends and never moves the anchor back or past a chain that no longer holds it.

use std::sync::Arc;

use ovo_ledger::audit::{self, ChainHead, ChainLayout, GENESIS_HASH};
use ovo_ledger::Ledger;
use ovo_secrets::{SecretKey, SecretStore, Sensitive};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Mutex};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::local_keys::LocalKeys;

/// The keychain entry's name beside the keys.
const ANCHOR_NAME: &str = "audit_head";

/// What the keychain holds for this ledger's audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Anchor {
    seq: i64,
    hash: String,
    keyed_from: i64,
    lost_key_from: Option<i64>,
}

impl Anchor {
    fn head(&self) -> ChainHead {
        ChainHead { seq: self.seq, hash: self.hash.clone() }
    }
}

/// Entries sealed with an audit key the keychain no longer held when the back office opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LostKey {
    pub first: i64,
    pub last: i64,
}

#[derive(Debug)]
pub(crate) struct AuditAnchor {
    ledger: Ledger,
    secrets: Arc<dyn SecretStore>,
    address: SecretKey,
    state: Mutex<Anchor>,
}

/// The anchor and the signal that starts anchoring after a change (held by the back office;
/// dropping it ends the anchoring task).
#[derive(Debug)]
pub(crate) struct AnchorHandle {
    pub anchor: Arc<AuditAnchor>,
    signal: mpsc::Sender<()>,
}

impl AnchorHandle {
    /// Asks for the head to be anchored once the current write transaction has ended.
    pub fn changed(&self) {
        // A full channel means a round is already due, which reads the newest head anyway.
        let _ = self.signal.try_send(());
    }
}

impl AuditAnchor {
    /// Reads the anchor from the keychain (or, on the first open of a keyed chain, takes the
    /// boundary the ledger file recorded when it was migrated), settles which rows are sealed
    /// how, anchors the current head and starts the anchoring task. Before any other write.
    pub async fn open(
        ledger: &Ledger,
        secrets: Arc<dyn SecretStore>,
        namespace: &str,
        keys: &LocalKeys,
    ) -> AppResult<(AnchorHandle, Option<LostKey>)> {
        let address = LocalKeys::address(namespace, &keys.ledger_id, ANCHOR_NAME);
        let stored = read(secrets.as_ref(), &address)?;
        let mut conn = audit::settled_connection(ledger).await?;
        let head = audit::head(&mut conn).await?;
        let mut anchor = match &stored {
            Some(anchor) => anchor.clone(),
            None => Anchor {
                seq: 0,
                hash: GENESIS_HASH.to_owned(),
                keyed_from: audit::recorded_keyed_from(&mut conn).await?,
                lost_key_from: None,
            },
        };
        drop(conn);
        // Keyed rows exist but their key is gone: never let the new key pass them as checked.
        let lost = (keys.audit_key_created && head.seq >= anchor.keyed_from).then(|| {
            let first = anchor.lost_key_from.unwrap_or(anchor.keyed_from);
            anchor.lost_key_from = Some(first);
            anchor.keyed_from = head.seq + 1;
            LostKey { first, last: head.seq }
        });
        if stored.as_ref() != Some(&anchor) {
            write(&secrets, &address, &anchor).await?;
        }
        let anchor = Arc::new(AuditAnchor {
            ledger: ledger.clone(),
            secrets,
            address,
            state: Mutex::new(anchor),
        });
        anchor.advance().await?;
        let (signal, mut changes) = mpsc::channel(1);
        let task = anchor.clone();
        tokio::spawn(async move {
            while changes.recv().await.is_some() {
                if let Err(e) = task.advance().await {
                    tracing::warn!(error = %e, "the audit head could not be anchored; the next change retries");
                }
            }
        });
        Ok((AnchorHandle { anchor, signal }, lost))
    }

    /// The anchored head and the chain's layout, for `verify`.
    pub async fn current(&self) -> (ChainHead, ChainLayout) {
        let state = self.state.lock().await;
        (
            state.head(),
            ChainLayout { keyed_from: state.keyed_from, lost_key_from: state.lost_key_from },
        )
    }

    /// Anchors the committed head if it extends the anchored one. A head behind the anchor, or
    /// a chain that no longer holds the anchored entry, keeps the anchor (verify reports it).
    pub async fn advance(&self) -> AppResult<()> {
        let mut state = self.state.lock().await;
        let mut conn = audit::settled_connection(&self.ledger).await?;
        let head = audit::head(&mut conn).await?;
        if head.seq <= state.seq {
            return Ok(());
        }
        if !audit::holds(&mut conn, &state.head()).await? {
            tracing::error!(
                anchored_seq = state.seq,
                chain_head = head.seq,
                "the audit chain no longer holds its anchored head; the anchor is kept"
            );
            return Ok(());
        }
        drop(conn);
        let next = Anchor { seq: head.seq, hash: head.hash, ..state.clone() };
        write(&self.secrets, &self.address, &next).await?;
        tracing::info!(seq = next.seq, hash = %next.hash, "audit head anchored");
        *state = next;
        Ok(())
    }
}

/// After a backup replaced the ledger: anchors the restored chain's head, whatever was anchored
/// before, and answers the sequence number the anchor had reached.
pub(crate) async fn rebase_to_head(
    ledger: &Ledger,
    secrets: &Arc<dyn SecretStore>,
    namespace: &str,
    keys: &LocalKeys,
) -> AppResult<Option<i64>> {
    let address = LocalKeys::address(namespace, &keys.ledger_id, ANCHOR_NAME);
    let Some(stored) = read(secrets.as_ref(), &address)? else {
        return Ok(None);
    };
    let mut conn = audit::settled_connection(ledger).await?;
    let head = audit::head(&mut conn).await?;
    drop(conn);
    let rebased = Anchor { seq: head.seq, hash: head.hash, ..stored.clone() };
    write(secrets, &address, &rebased).await?;
    tracing::warn!(
        from = stored.seq,
        to = rebased.seq,
        "audit anchor moved back to the restored ledger's head"
    );
    Ok(Some(stored.seq))
}

fn unreachable(e: ovo_secrets::SecretError) -> AppError {
    AppError::new(
        ErrorCode::KeychainUnavailable,
        format!("the OS keychain holds this ledger's audit head and cannot be reached: {e}"),
    )
}

fn read(secrets: &dyn SecretStore, address: &SecretKey) -> AppResult<Option<Anchor>> {
    let Some(stored) = secrets.get(address).map_err(unreachable)? else {
        return Ok(None);
    };
    serde_json::from_str(stored.expose()).map(Some).map_err(|e| {
        AppError::new(
            ErrorCode::KeychainUnavailable,
            format!("the keychain's audit head for this ledger is unreadable: {e}"),
        )
    })
}

/// Off the async workers: a keychain call may wait for the user.
async fn write(
    secrets: &Arc<dyn SecretStore>,
    address: &SecretKey,
    anchor: &Anchor,
) -> AppResult<()> {
    let value = Sensitive::new(serde_json::to_string(anchor).map_err(|e| {
        AppError::new(ErrorCode::Storage, format!("cannot encode the audit head: {e}"))
    })?);
    let (secrets, address) = (secrets.clone(), address.clone());
    tokio::task::spawn_blocking(move || secrets.put(&address, &value))
        .await
        .map_err(|e| AppError::new(ErrorCode::Storage, format!("anchoring stopped: {e}")))?
        .map_err(unreachable)
}
