//! Reading and verifying the audit log.

use ovo_domain::OperatorId;
use ovo_ledger::audit::{self, AuditFilter, ChainProblem};

use crate::backoffice::Backoffice;
use crate::error::AppResult;
use crate::ipc::{
    AuditEntryView, AuditFilters, AuditOperator, AuditPage, AuditQuery, AuditVerification,
};
use crate::operator_names::OperatorNames;
use crate::permissions::Permission;

pub const MAX_AUDIT_PAGE: u32 = 200;

/// The ledger's filter for the audit log's filters.
pub(crate) fn audit_filter(filters: &AuditFilters) -> AppResult<AuditFilter> {
    let (from, until) = crate::validate::wib_date_range(&filters.from, &filters.to)?;
    Ok(AuditFilter {
        operator_id: filters.operator_id.map(OperatorId::new),
        action: crate::validate::trimmed(&filters.action),
        subject_prefix: crate::validate::trimmed(&filters.subject),
        from,
        until,
    })
}

impl Backoffice {
    pub async fn list_audit(&self, query: AuditQuery) -> AppResult<AuditPage> {
        self.authorize(Permission::ViewAudit, "read the audit log").await?;
        crate::validate::text_lengths(&query)?;
        let filter = audit_filter(&query.filters)?;
        let limit = query.limit.clamp(1, MAX_AUDIT_PAGE);
        let mut conn = self.ledger.read().await?;
        let rows = audit::page(&mut conn, &filter, query.before_seq, limit).await?;
        let names = OperatorNames::load(&mut conn).await?;
        let next = if rows.len() == limit as usize { rows.last().map(|r| r.seq) } else { None };
        let items = rows
            .into_iter()
            .map(|r| AuditEntryView {
                seq: r.seq,
                at: r.at.to_rfc3339(),
                operator_name: r.operator_id.and_then(|id| names.of_id(id.get())),
                operator: r.operator,
                action: r.action,
                subject: r.subject,
                outcome: r.outcome.key().to_owned(),
                detail: r.detail,
            })
            .collect();
        Ok(AuditPage { items, next })
    }

    /// Every operator, by name, for the audit log's operator filter: whoever reads the log
    /// reads their names in it anyway.
    pub async fn audit_operators(&self) -> AppResult<Vec<AuditOperator>> {
        self.authorize(Permission::ViewAudit, "read the audit log").await?;
        let mut conn = self.ledger.read().await?;
        let operators = ovo_ledger::operators::list(&mut conn, true).await?;
        Ok(operators
            .into_iter()
            .map(|o| AuditOperator {
                id: o.id.get(),
                username: o.username,
                display_name: o.display_name,
            })
            .collect())
    }

    /// Checks every entry's link and seal under this ledger's key, and that the head anchored
    /// outside the ledger is still in the chain.
    pub async fn verify_audit(&self) -> AppResult<AuditVerification> {
        self.authorize(Permission::ViewAudit, "verify the audit log").await?;
        let (anchored, layout) = self.audit_anchor.anchor.current().await;
        let mut conn = self.ledger.read().await?;
        let result =
            audit::verify(&mut conn, self.local_keys.audit.expose(), layout, Some(&anchored))
                .await?;
        let problem = |seq: i64, problem: &str| AuditVerification {
            intact: false,
            checked: result.checked,
            broken_seq: Some(seq),
            problem: Some(problem.to_owned()),
        };
        Ok(match (result.first_broken, result.unverifiable) {
            (Some(link), _) => problem(
                link.seq,
                match link.problem {
                    ChainProblem::HashMismatch => "content_changed",
                    ChainProblem::SealMismatch => "rebuilt",
                    ChainProblem::PrevHashMismatch => "chain_broken",
                    ChainProblem::SeqGap { .. } => "entries_missing",
                    ChainProblem::Truncated { .. } => "truncated",
                },
            ),
            (None, Some((first, _))) => problem(first, "key_missing"),
            (None, None) => AuditVerification {
                intact: true,
                checked: result.checked,
                broken_seq: None,
                problem: None,
            },
        })
    }
}
