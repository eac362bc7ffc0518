//! Operators by their display names, for the pages that say who did what: timeline details and
//! audit entries keep an operator's id or user name as it was then.

use std::collections::HashMap;

use ovo_ledger::TimelineEvent;

use crate::error::AppResult;
use crate::ipc::TimelineEventView;

/// Every operator's display name, by id and by user name (a handful of rows: read once a page).
pub(crate) struct OperatorNames {
    by_id: HashMap<i64, String>,
    by_username: HashMap<String, String>,
}

impl OperatorNames {
    pub(crate) async fn load(conn: &mut ovo_ledger::Connection) -> AppResult<OperatorNames> {
        let operators = ovo_ledger::operators::list(conn, true).await?;
        Ok(OperatorNames {
            by_id: operators.iter().map(|o| (o.id.get(), o.display_name.clone())).collect(),
            by_username: operators.into_iter().map(|o| (o.username, o.display_name)).collect(),
        })
    }

    pub(crate) fn of_id(&self, id: i64) -> Option<String> {
        self.by_id.get(&id).cloned()
    }

    pub(crate) fn of_username(&self, username: &str) -> Option<String> {
        self.by_username.get(username).cloned()
    }

    /// The operator a timeline detail names in `by` (an id or a user name), when there is one.
    fn actor(&self, detail: &str) -> Option<String> {
        let detail: serde_json::Value = serde_json::from_str(detail).ok()?;
        match &detail["by"] {
            serde_json::Value::Number(id) => id.as_i64().and_then(|id| self.of_id(id)),
            serde_json::Value::String(username) => {
                Some(self.of_username(username).unwrap_or_else(|| username.clone()))
            }
            _ => None,
        }
    }

    pub(crate) fn timeline(&self, events: Vec<TimelineEvent>) -> Vec<TimelineEventView> {
        events
            .into_iter()
            .map(|e| TimelineEventView {
                at: e.at.to_rfc3339(),
                kind: e.kind,
                actor: self.actor(&e.detail),
                detail: e.detail,
            })
            .collect()
    }
}
