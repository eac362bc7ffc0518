//! What other desks changed, as it happens: on PostgreSQL every statement that changes payments,
//! refunds, linked accounts or customers notifies channel `ledger_changes` with the table's name
//! (triggers of migration 0015), delivered at commit. A file ledger has one desk and no feed.

use sqlx::postgres::PgListener;

use crate::db::{Ledger, LedgerLocation};
use crate::error::{LedgerError, LedgerResult};

const CHANNEL: &str = "ledger_changes";

/// What a feed hears next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerChange {
    /// A statement changed this table.
    Table(String),
    /// The connection was lost and made again: changes meanwhile went unheard, so anything
    /// may have changed.
    Reconnected,
}

/// A live feed of a shared ledger's changes.
#[derive(Debug)]
pub struct ChangeFeed {
    listener: PgListener,
}

impl Ledger {
    /// The ledger's change feed; `None` on a file.
    pub async fn change_feed(&self) -> LedgerResult<Option<ChangeFeed>> {
        let LedgerLocation::Postgres(url) = self.location() else {
            return Ok(None);
        };
        let open_error =
            |source| LedgerError::Open { location: self.location().to_string(), source };
        let mut listener = PgListener::connect(url).await.map_err(open_error)?;
        listener.listen(CHANNEL).await.map_err(open_error)?;
        Ok(Some(ChangeFeed { listener }))
    }
}

impl ChangeFeed {
    /// Waits for the next change. When the server cannot be reached, the error says so and the
    /// next call tries again.
    pub async fn next(&mut self) -> LedgerResult<LedgerChange> {
        match self.listener.try_recv().await? {
            Some(notification) => Ok(LedgerChange::Table(notification.payload().to_owned())),
            None => {
                // The connection dropped: connect and listen again before saying so, so that
                // a refresh the caller makes now misses nothing.
                sqlx::query("SELECT 1").execute(&mut self.listener).await?;
                Ok(LedgerChange::Reconnected)
            }
        }
    }
}
