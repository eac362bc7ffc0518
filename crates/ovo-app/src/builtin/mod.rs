//! The built-in environment: the provider sandbox running in-process on a loopback port (or,
//! when configured, a sandbox already running elsewhere), with the demo merchants whose
//! credentials the app uses there.

use std::collections::HashMap;

use ovo_domain::{Environment, PaymentStatus, RefundStatus};
use ovo_ledger::{bindings, payments, refunds};
use ovo_providers::capabilities;
use ovo_providers::wire::merchant_payment_id;
use ovo_sandbox::core::import::{
    ImportReport, ImportedPayment, ImportedRefund, ImportedRefundStatus, ImportedStatus,
};

pub(crate) mod sandbox;

pub(crate) use sandbox::{BuiltinEnvironment, BuiltinSandbox};

use crate::backoffice::Backoffice;
use crate::error::AppResult;

impl Backoffice {
    /// Imports the built-in environment's payments, and the refunds that reached the provider,
    /// into a sandbox this process just started (an external one keeps its own state).
    pub(crate) async fn teach_builtin_sandbox(
        &self,
        sandbox: &BuiltinSandbox,
    ) -> AppResult<Option<ImportReport>> {
        let BuiltinSandbox::InProcess(running) = sandbox else { return Ok(None) };
        let started = std::time::Instant::now();
        let records = self.builtin_records().await?;
        let read = started.elapsed();
        let report = running.ctx.import(&records);
        for refusal in &report.refused {
            tracing::warn!(product = %refusal.product, reference = %refusal.reference, reason = %refusal.reason, "payment not imported into the built-in sandbox");
        }
        tracing::info!(
            payments = report.imported,
            refused = report.refused.len(),
            read_ms = read.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "built-in sandbox learned the ledger's payments"
        );
        Ok(Some(report))
    }

    /// The ledger's built-in payments as the sandbox imports them: those from before this
    /// process opened the ledger (what came after went through this process's sandbox), with
    /// the refunds sent before then.
    pub(crate) async fn builtin_records(&self) -> AppResult<Vec<ImportedPayment>> {
        builtin_payments_to_import(&self.ledger, self.builtin.opened_at()).await
    }
}

/// `ledger`'s built-in payments made before `opened_at`, with the refunds sent before then, as
/// a sandbox imports them (`POST /_sandbox/import`). The app teaches its in-process sandbox
/// so; `cargo xtask bench app` teaches a sandbox in its own process the same way.
pub async fn builtin_payments_to_import(
    ledger: &ovo_ledger::Ledger,
    opened_at: ovo_domain::Timestamp,
) -> AppResult<Vec<ImportedPayment>> {
    let before = |t: ovo_domain::Timestamp| t.unix_millis() < opened_at.unix_millis();
    let mut conn = ledger.read().await?;
    // Only what it can learn: a ledger may hold many payments without a phone.
    let all =
        payments::with_phone_before(&mut conn, Environment::BuiltInSandbox, opened_at).await?;
    let mut refunds_of: HashMap<i64, Vec<refunds::RefundRow>> = HashMap::new();
    for refund in refunds::all_in(&mut conn, Environment::BuiltInSandbox).await? {
        refunds_of.entry(refund.payment_id.get()).or_default().push(refund);
    }
    let mut customer_ids: Vec<ovo_domain::CustomerId> =
        all.iter().filter_map(|p| p.customer_id).collect();
    customer_ids.sort_unstable_by_key(|id| id.get());
    customer_ids.dedup();
    let names = ovo_ledger::customers::names(&mut conn, &customer_ids).await?;
    let mut binding_refs: HashMap<i64, Option<String>> = HashMap::new();
    let mut records = Vec::with_capacity(all.len());
    for p in all {
        let Some(phone) = &p.phone else { continue };
        let customer_name = p.customer_id.and_then(|id| names.get(&id).cloned());
        let binding_ref = match p.binding_id {
            Some(id) => match binding_refs.get(&id.get()) {
                Some(known) => known.clone(),
                None => {
                    let found = bindings::get(&mut conn, id).await?.and_then(|b| b.provider_ref);
                    binding_refs.insert(id.get(), found.clone());
                    found
                }
            },
            None => None,
        };
        let status = match p.status {
            PaymentStatus::Succeeded => ImportedStatus::Succeeded,
            PaymentStatus::Failed | PaymentStatus::Cancelled => ImportedStatus::Failed,
            PaymentStatus::Expired => ImportedStatus::Expired,
            PaymentStatus::Created
            | PaymentStatus::Pending
            | PaymentStatus::Unknown
            | PaymentStatus::NeedsReview => ImportedStatus::Pending,
        };
        let refunds = refunds_of
            .remove(&p.id.get())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.submitted_at.is_some_and(before))
            .filter_map(|r| {
                // What reached the provider: all that was sent and not refused. A lost
                // answer (unknown, or submitting when the app stopped) counts as received.
                let status = match r.status {
                    RefundStatus::Processing if capabilities(p.product).refund_settles_later => {
                        ImportedRefundStatus::Pending
                    }
                    RefundStatus::Succeeded
                    | RefundStatus::Processing
                    | RefundStatus::Unknown
                    | RefundStatus::Submitting => ImportedRefundStatus::Succeeded,
                    _ => return None,
                };
                Some(ImportedRefund {
                    reference: r.reference.as_str().to_owned(),
                    provider_ref: r.provider_ref,
                    amount: r.amount.rupiah(),
                    status,
                    at: r.submitted_at.map_or(r.requested_at, |t| t).unix_millis(),
                })
            })
            .collect();
        records.push(ImportedPayment {
            product: p.product.key().to_owned(),
            merchant: None,
            reference: merchant_payment_id(p.product, &p.reference, p.provider_ref.as_deref()),
            provider_ref: p.provider_ref.clone(),
            binding_ref,
            phone: phone.canonical().to_owned(),
            customer_name,
            amount: p.amount.rupiah(),
            status,
            kind: match p.kind.as_str() {
                "recurring" => Some("recurring".to_owned()),
                "sale" | "sale_redirect" => Some("sale".to_owned()),
                _ => None,
            },
            created_at: p.created_at.unix_millis(),
            paid_at: p.succeeded_at.map(|t| t.unix_millis()),
            refunds,
        });
    }
    Ok(records)
}
