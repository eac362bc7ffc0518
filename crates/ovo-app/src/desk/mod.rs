//! The customer desk: search, the customer page, linking and unlinking OVO accounts,
//! balances, provider history and top-up instructions.

mod accounts;
mod linking;
pub(crate) mod linkings;
pub(crate) mod problems;
mod search;
pub(crate) mod tokens;
mod unlinking;

use ovo_domain::{Environment, Msisdn, Product, Timestamp};
use ovo_ledger::balances::{self, SnapshotOutcome};
use ovo_ledger::bindings::{BindingRow, BindingStatus};
use ovo_ledger::customers::CustomerRow;
use ovo_ledger::Connection;
use ovo_providers::{capabilities, Operation};

use crate::error::AppResult;
use crate::ipc::{AccountFeatures, BalanceView, CustomerSummary, LinkStatus, LinkedAccountView};
use problems::StoredProblem;

pub use linking::LINKING_LIFETIME_MINUTES;

/// Balance figures older than this are flagged stale.
pub const BALANCE_STALE_AFTER_MINUTES: i64 = 15;

pub(crate) fn customer_summary(
    row: &CustomerRow,
    linked_products: Vec<Product>,
) -> CustomerSummary {
    CustomerSummary {
        id: row.id.get(),
        full_name: row.full_name.clone(),
        phone: row.phone.canonical().to_owned(),
        phone_display: row.phone.display(),
        merchant_customer_id: row.merchant_customer_id.clone(),
        email: row.email.clone(),
        linked_products,
        created_at: row.created_at.to_rfc3339(),
        forgotten: row.forgotten_at.is_some(),
    }
}

fn link_status(status: BindingStatus) -> LinkStatus {
    match status {
        BindingStatus::Pending => LinkStatus::Pending,
        BindingStatus::Active => LinkStatus::Active,
        BindingStatus::NeedsRelink => LinkStatus::NeedsRelink,
        BindingStatus::Failed => LinkStatus::Failed,
        BindingStatus::Expired => LinkStatus::Expired,
        BindingStatus::Unlinking => LinkStatus::Unlinking,
        BindingStatus::Unlinked => LinkStatus::Unlinked,
    }
}

fn features(product: Product) -> AccountFeatures {
    let caps = capabilities(product);
    AccountFeatures {
        balance: caps.supports(Operation::Balance),
        history: caps.supports(Operation::History),
        top_up: caps.supports(Operation::TopUpInstructions)
            || ovo_providers::settings::top_up_text_keys(product).is_some(),
        unlink: caps.supports(Operation::Unbind),
    }
}

/// A linking as the customer page shows it, with its latest balance.
pub(crate) async fn account_view(
    conn: &mut Connection,
    row: &BindingRow,
    now: Timestamp,
) -> AppResult<LinkedAccountView> {
    let balance = if row.status == BindingStatus::Active || row.status == BindingStatus::Unlinking {
        let (ok, latest) = balances::latest(conn, row.id).await?;
        if latest.is_none() {
            None
        } else {
            let (cash, points, as_of) = match &ok {
                Some(s) => match s.outcome {
                    SnapshotOutcome::Ok { cash, points } => {
                        (Some(cash.rupiah()), Some(points.rupiah()), Some(s.fetched_at))
                    }
                    SnapshotOutcome::Failed { .. } => (None, None, None),
                },
                None => (None, None, None),
            };
            let last_failure = latest.as_ref().and_then(|s| match &s.outcome {
                SnapshotOutcome::Failed { kind, code, message } => Some(
                    StoredProblem {
                        kind: kind.clone(),
                        provider_code: code.clone(),
                        detail: message.clone(),
                        at: s.fetched_at.unix_millis(),
                    }
                    .view(),
                ),
                SnapshotOutcome::Ok { .. } => None,
            });
            let stale = as_of.is_none_or(|t| {
                now.unix_millis() - t.unix_millis() > BALANCE_STALE_AFTER_MINUTES * 60_000
            });
            Some(BalanceView {
                cash,
                points,
                as_of: as_of.map(Timestamp::to_rfc3339),
                last_failure,
                stale,
            })
        }
    } else {
        None
    };
    Ok(LinkedAccountView {
        id: row.id.get(),
        product: row.product,
        product_name: row.product.display_name().to_owned(),
        phone: row.phone.canonical().to_owned(),
        phone_display: row.phone.display(),
        status: link_status(row.status),
        reference: row.reference.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default(),
        provider_ref: row.provider_ref.clone(),
        created_at: row.created_at.to_rfc3339(),
        linked_at: row.linked_at.map(Timestamp::to_rfc3339),
        unlinked_at: row.unlinked_at.map(Timestamp::to_rfc3339),
        updated_at: row.updated_at.to_rfc3339(),
        redirect_url: if matches!(row.status, BindingStatus::Pending | BindingStatus::NeedsRelink) {
            row.redirect_url.clone()
        } else {
            None
        },
        expires_at: if row.status == BindingStatus::Pending {
            row.expires_at.map(Timestamp::to_rfc3339)
        } else {
            None
        },
        problem: row.problem.as_deref().and_then(StoredProblem::parse).map(|p| p.view()),
        balance,
        features: features(row.product),
    })
}

/// The audit subject of a linking.
pub(crate) fn account_subject(
    environment: Environment,
    product: Product,
    phone: &Msisdn,
) -> String {
    format!("{}:{}:{}", environment.key(), product.key(), phone.masked())
}
