//! Live changes for the UI: on a shared ledger every desk follows the ledger's change feed
//! (PostgreSQL's LISTEN/NOTIFY), and the UI waits on `next_ledger_change` (a long poll), so a
//! refund requested at one desk reaches every finance queue without a refresh. A file ledger
//! has one desk and no feed: the reply says `live: false` and the UI stops asking.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ovo_ledger::changes::LedgerChange;
use tokio::sync::{oneshot, watch, Mutex};

use crate::error::AppResult;
use crate::ipc::{LedgerChanges, LedgerChangesInput};
use crate::Backoffice;

/// The tables the feed announces.
const WATCHED: [&str; 4] = ["payments", "refunds", "bindings", "customers"];
/// How long one `next_ledger_change` waits before it answers "nothing yet".
const LONG_POLL: Duration = Duration::from_secs(25);
/// The wait before following the feed again after the server could not be reached.
const RETRY: Duration = Duration::from_secs(3);

/// Every change heard so far: a running count, and each table's count at its last change.
#[derive(Debug, Clone, Default)]
struct Heard {
    seq: u64,
    last: BTreeMap<String, u64>,
}

#[derive(Debug)]
pub(crate) struct LiveChanges {
    heard: watch::Sender<Heard>,
    following: Mutex<bool>,
}

impl Default for LiveChanges {
    fn default() -> Self {
        LiveChanges { heard: watch::Sender::new(Heard::default()), following: Mutex::new(false) }
    }
}

impl LiveChanges {
    fn record(&self, change: &LedgerChange) {
        let tables: Vec<String> = match change {
            LedgerChange::Table(table) if WATCHED.contains(&table.as_str()) => vec![table.clone()],
            // Anyone may notify the channel; only the watched tables mean something here.
            LedgerChange::Table(_) => return,
            LedgerChange::Reconnected => WATCHED.map(String::from).to_vec(),
        };
        self.heard.send_modify(|heard| {
            heard.seq += 1;
            for table in tables {
                heard.last.insert(table, heard.seq);
            }
        });
    }
}

impl Backoffice {
    /// Starts following the shared ledger's change feed (once); returns when this desk listens,
    /// true on a shared ledger.
    pub async fn follow_ledger_changes(self: &Arc<Self>) -> AppResult<bool> {
        let mut following = self.live.following.lock().await;
        if *following {
            return Ok(true);
        }
        let Some(mut feed) = self.ledger.change_feed().await? else {
            return Ok(false);
        };
        *following = true;
        let (ready, listening) = oneshot::channel::<()>();
        // The feed holds no strong reference: it ends with the back office.
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let _ = ready.send(());
            // Changes made while the feed was down went unheard: anything may have changed.
            let mut was_down = false;
            loop {
                let change = feed.next().await;
                let Some(this) = this.upgrade() else { return };
                match change {
                    Ok(change) => {
                        if std::mem::take(&mut was_down) {
                            this.live.record(&LedgerChange::Reconnected);
                        }
                        this.live.record(&change);
                    }
                    Err(e) => {
                        // Refresh now what may have changed up to here, and again once back.
                        if !std::mem::replace(&mut was_down, true) {
                            this.live.record(&LedgerChange::Reconnected);
                        }
                        tracing::warn!(error = %e, "the shared ledger's change feed is down; trying again");
                        tokio::time::sleep(RETRY).await;
                    }
                }
            }
        });
        let _ = listening.await;
        Ok(true)
    }

    /// The tables changed after `after` (a `seq` from an earlier answer), waiting up to 25 s
    /// for one; an empty list when nothing changed meanwhile.
    pub async fn next_ledger_change(
        self: &Arc<Self>,
        input: LedgerChangesInput,
    ) -> AppResult<LedgerChanges> {
        self.unlocked_operator().await?;
        if !self.follow_ledger_changes().await? {
            return Ok(LedgerChanges { seq: 0, tables: Vec::new(), live: false });
        }
        let mut heard = self.live.heard.subscribe();
        let changed_since = |heard: &Heard| heard.last.values().any(|seq| *seq > input.after);
        if !changed_since(&heard.borrow()) {
            let _ = tokio::time::timeout(LONG_POLL, heard.wait_for(changed_since)).await;
        }
        let now = heard.borrow().clone();
        let tables = now
            .last
            .iter()
            .filter(|(_, seq)| **seq > input.after)
            .map(|(t, _)| t.clone())
            .collect();
        Ok(LedgerChanges { seq: now.seq, tables, live: true })
    }
}
