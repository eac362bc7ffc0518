//! Unlinking an account so that nothing is lost: the intent (`unlinking`) is committed before
//! the provider is asked, and an unlink whose answer never came is sent again by the background
//! work (for the same linked account) until the provider answers it, with back-off.

use ovo_domain::Environment;
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingRow, BindingStatus};
use ovo_ledger::operators::OperatorRow;
use ovo_providers::model::UnbindOutcome;
use ovo_providers::{ProviderError, ProviderResult};
use serde_json::json;

use super::account_subject;
use super::problems::StoredProblem;
use crate::backoffice::Backoffice;
use crate::error::AppResult;
use crate::ipc::UnlinkOutcome;

/// How long an unlink in flight is left alone, then the waits after each try that got no
/// final answer: 1 min, 2 min, 5 min, 15 min, 30 min, then every hour (real time).
const UNLINK_WAITS_MS: [i64; 6] = [60_000, 60_000, 120_000, 300_000, 900_000, 1_800_000];
const UNLINK_WAIT_MAX_MS: i64 = 3_600_000;

impl Backoffice {
    /// Commits the intent to unlink (`active`/`needs_relink` → `unlinking`), audited, before
    /// the provider is asked.
    pub(crate) async fn begin_unlink(
        &self,
        row: &BindingRow,
        operator: &OperatorRow,
    ) -> AppResult<()> {
        let now = self.now();
        let next_try = now.plus_millis(self.unlink_wait_millis(row.environment, 0));
        let mut tx = self.ledger.begin_write().await?;
        let from = bindings::begin_unlinking(&mut tx, row.id, next_try, now).await?;
        if row.status != BindingStatus::Unlinking {
            self.audit(
                &mut tx,
                Some(operator),
                "account.unlink.start",
                &account_subject(row.environment, row.product, &row.phone),
                AuditOutcome::Ok,
                json!({ "from": from.key() }),
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// Records the provider's answer to an unlink of `row` (now `unlinking`): unlinked (tokens
    /// forgotten after the commit); a refusal it stated returns it to the status it was
    /// unlinked from; anything else (lost, unknown, to be completed later) leaves it
    /// `unlinking` for the next try. `operator` is who asked, `None` for the background work.
    pub(crate) async fn record_unbind_answer(
        &self,
        row: &BindingRow,
        answer: &ProviderResult<UnbindOutcome>,
        operator: Option<&OperatorRow>,
    ) -> AppResult<UnlinkOutcome> {
        let now = self.now();
        let subject = account_subject(row.environment, row.product, &row.phone);
        let tries = row.unlink_tries + 1;
        let mut tx = self.ledger.begin_write().await?;
        // The background work's tries that change no state are not audited one by one.
        let by_operator = operator.is_some();
        let (outcome, audited) = match answer {
            Ok(done @ (UnbindOutcome::Unlinked | UnbindOutcome::AlreadyUnlinked)) => {
                bindings::transition(
                    &mut tx,
                    row.id,
                    &[BindingStatus::Unlinking],
                    BindingStatus::Unlinked,
                    None,
                    None,
                    now,
                )
                .await?;
                let key =
                    if *done == UnbindOutcome::Unlinked { "unlinked" } else { "already_unlinked" };
                let detail = json!({ "outcome": key, "tries": tries });
                (UnlinkOutcome::Unlinked, Some((AuditOutcome::Ok, detail)))
            }
            Ok(UnbindOutcome::Pending) => {
                let next_try = now.plus_millis(self.unlink_wait_millis(row.environment, tries));
                bindings::unlink_unanswered(&mut tx, row.id, next_try, None, now).await?;
                let detail = json!({ "outcome": "pending", "tries": tries });
                (UnlinkOutcome::Pending, by_operator.then_some((AuditOutcome::Ok, detail)))
            }
            Err(e) if refusal_proves_linked(e, row) => {
                let problem = StoredProblem::from_error(e, now).to_json();
                let back_to =
                    bindings::unlink_refused(&mut tx, row.id, Some(&problem), now).await?;
                let detail =
                    json!({ "error": e.to_string(), "status": back_to.key(), "tries": tries });
                (UnlinkOutcome::Failed, Some((AuditOutcome::Failed, detail)))
            }
            Err(e) => {
                let problem = StoredProblem::from_error(e, now).to_json();
                let next_try = now.plus_millis(self.unlink_wait_millis(row.environment, tries));
                bindings::unlink_unanswered(&mut tx, row.id, next_try, Some(&problem), now).await?;
                let detail =
                    json!({ "error": e.to_string(), "status": "unlinking", "tries": tries });
                (UnlinkOutcome::Failed, by_operator.then_some((AuditOutcome::Failed, detail)))
            }
        };
        if let Some((audit_outcome, detail)) = audited {
            self.audit(&mut tx, operator, "account.unlink", &subject, audit_outcome, detail)
                .await?;
        }
        ovo_ledger::commit(tx).await?;
        if outcome == UnlinkOutcome::Unlinked {
            self.link_tokens().forget(row).await?;
        }
        Ok(outcome)
    }

    /// Sends again every unlink left `unlinking` whose next try is due (its answer was lost,
    /// the process stopped during the call, or the provider completes it later), and records
    /// the provider's answer. `run_background` runs it; tests call it directly. Returns how
    /// many it sent.
    pub async fn resolve_unlinkings(&self) -> AppResult<u32> {
        let environment = self.environment().await;
        let now = self.now();
        let due = {
            let mut conn = self.ledger.read().await?;
            bindings::unlinkings_due(&mut conn, environment, now).await?
        };
        let mut sent = 0;
        for row in due {
            let next_try =
                now.plus_millis(self.unlink_wait_millis(row.environment, row.unlink_tries + 1));
            let claimed = {
                let mut tx = self.ledger.begin_write().await?;
                let claimed = bindings::claim_unlinking(&mut tx, row.id, now, next_try).await?;
                ovo_ledger::commit(tx).await?;
                claimed
            };
            if !claimed {
                continue;
            }
            let answer = match self.provider_and_account(&row).await {
                Ok((provider, account)) => provider.unbind(&account).await,
                Err(e) => Err(e),
            };
            sent += 1;
            if let Err(e) = self.record_unbind_answer(&row, &answer, None).await {
                tracing::warn!(error = %e, account = row.id.get(), "unlink answer not recorded; it is sent again later");
            }
        }
        Ok(sent)
    }

    /// The wait before an unlink is sent again after `tries` tries without a final answer, at
    /// the built-in sandbox's time scale there.
    fn unlink_wait_millis(&self, environment: Environment, tries: i64) -> i64 {
        let real = usize::try_from(tries)
            .ok()
            .and_then(|i| UNLINK_WAITS_MS.get(i).copied())
            .unwrap_or(UNLINK_WAIT_MAX_MS);
        self.scaled_millis(environment, real, 1)
    }
}

/// Whether `error` shows the account is still linked: the provider stated a refusal, or
/// nothing was sent on an account that no earlier unlink may have ended.
fn refusal_proves_linked(error: &ProviderError, row: &BindingRow) -> bool {
    match error {
        ProviderError::Declined { .. }
        | ProviderError::Authentication { .. }
        | ProviderError::InvalidRequest { .. } => true,
        ProviderError::Unsupported { .. }
        | ProviderError::MissingCredential { .. }
        | ProviderError::Connection { .. }
        | ProviderError::Certificate { .. }
        | ProviderError::InvalidInput { .. } => row.status != BindingStatus::Unlinking,
        _ => false,
    }
}
