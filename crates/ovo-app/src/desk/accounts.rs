//! The customer page and what it does with a linked account: balance, unlink, provider
//! history, top-up instructions.

use std::time::Duration;

use base64::Engine;
use ovo_domain::{wib_day_bounds, CustomerId, Product};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::balances::{self, Snapshot, SnapshotOutcome};
use ovo_ledger::bindings::{self, BindingStatus};
use ovo_ledger::history::{self, HistoryRow};
use ovo_ledger::payments::{self, PaymentFilter};
use ovo_providers::model::{Direction, HistoryQuery};
use ovo_providers::{capabilities, Operation};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::problems::{kind_key, kind_of, provider_error, StoredProblem};
use super::{account_subject, account_view, customer_summary};
use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::opener::PagePurpose;
use crate::permissions::Permission;
use crate::providers::parse_product;

/// The widest history range one request may ask for, in days.
pub const HISTORY_MAX_DAYS: i64 = 92;
const HISTORY_PAGE_SIZE: u32 = 50;
const ICON_TIMEOUT: Duration = Duration::from_secs(10);

impl Backoffice {
    pub async fn customer_page(&self, input: CustomerRef) -> AppResult<CustomerPage> {
        self.authorize(Permission::ViewCustomers, "view customers").await?;
        let environment = self.environment().await;
        let id = CustomerId::new(input.customer_id);
        // Linkings past their time are shown as what they are.
        self.process_linkings().await?;
        let mut conn = self.ledger.read().await?;
        let customer = ovo_ledger::customers::by_id(&mut conn, id)
            .await?
            .filter(|c| !c.demo || environment == ovo_domain::Environment::BuiltInSandbox)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "customer not found"))?;
        let rows = bindings::for_customer(&mut conn, id, environment).await?;
        let now = self.now();
        let mut accounts = Vec::with_capacity(rows.len());
        for row in &rows {
            accounts.push(account_view(&mut conn, row, now).await?);
        }
        let linked: Vec<Product> = {
            let mut products: Vec<Product> = rows
                .iter()
                .filter(|r| r.status == BindingStatus::Active)
                .map(|r| r.product)
                .collect();
            // As search lists them (by product key), each once: a customer may have two
            // phones linked through one product.
            products.sort_by_key(|p| p.key());
            products.dedup();
            products
        };
        let filter = PaymentFilter {
            customer_id: Some(id),
            environment: Some(environment),
            ..PaymentFilter::default()
        };
        let payments = payments::page(&mut conn, &filter, None, 50)
            .await?
            .into_iter()
            .map(|p| CustomerPaymentView {
                id: p.id.get(),
                reference: p.reference.as_str().to_owned(),
                product: p.product,
                kind: p.kind,
                amount: p.amount.rupiah(),
                status: p.status.key().to_owned(),
                provider_ref: p.provider_ref,
                created_at: p.created_at.to_rfc3339(),
            })
            .collect();
        let refunds = payments::refunds_of_customer(&mut conn, id, environment, 50)
            .await?
            .into_iter()
            .map(|r| CustomerRefundView {
                id: r.id.get(),
                reference: r.reference,
                payment_reference: r.payment_reference,
                product: r.product,
                amount: r.amount.rupiah(),
                status: r.status,
                requested_at: r.requested_at.to_rfc3339(),
            })
            .collect();
        Ok(CustomerPage {
            notes: customer.notes.clone(),
            customer: customer_summary(&customer, linked),
            accounts,
            linkable_products: Product::ALL
                .into_iter()
                .filter(|p| capabilities(*p).supports(Operation::Bind))
                .collect(),
            payments,
            refunds,
        })
    }

    /// Fetches the balance; a failure is recorded as a failed snapshot and shown beside the
    /// last good figures, never in their place.
    pub async fn refresh_balance(&self, input: AccountRef) -> AppResult<LinkedAccountView> {
        let actor = self.authorize(Permission::ViewCustomers, "refresh a balance").await?;
        let row = self.binding(input.account_id).await?;
        if row.status != BindingStatus::Active {
            return Err(AppError::new(ErrorCode::Conflict, "only a linked account has a balance")
                .with_reason("account_not_linked"));
        }
        let subject = account_subject(row.environment, row.product, &row.phone);
        let result = async {
            let (provider, account) = self.provider_and_account(&row).await?;
            provider.balance(&account).await
        }
        .await;
        let now = self.now();
        let (outcome, detail, audit_outcome) = match &result {
            Ok(b) => (
                SnapshotOutcome::Ok { cash: b.cash, points: b.points },
                json!({ "cash": b.cash.rupiah(), "points": b.points.rupiah() }),
                AuditOutcome::Ok,
            ),
            Err(e) => (
                SnapshotOutcome::Failed {
                    kind: kind_key(kind_of(e)).to_owned(),
                    code: e.provider_code().map(str::to_owned),
                    message: e.to_string(),
                },
                json!({ "error": e.to_string() }),
                AuditOutcome::Failed,
            ),
        };
        let mut tx = self.ledger.begin_write().await?;
        balances::record(&mut tx, &Snapshot { binding_id: row.id, fetched_at: now, outcome })
            .await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "account.balance.refresh",
            &subject,
            audit_outcome,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.account(row.id).await
    }

    pub async fn unlink_account(&self, input: AccountRef) -> AppResult<UnlinkResult> {
        let actor = self.authorize(Permission::LinkAccounts, "unlink an account").await?;
        let row = self.binding(input.account_id).await?;
        if !matches!(
            row.status,
            BindingStatus::Active | BindingStatus::NeedsRelink | BindingStatus::Unlinking
        ) {
            return Err(AppError::new(ErrorCode::Conflict, "this account is not linked")
                .with_reason("account_not_linked"));
        }
        // The intent first: should the answer be lost (or the process stop), the background
        // work sends it again and records what the provider answers.
        self.begin_unlink(&row, &actor.operator).await?;
        let result = async {
            let (provider, account) = self.provider_and_account(&row).await?;
            fail::fail_point!("unlink.before_call");
            provider.unbind(&account).await
        }
        .await;
        fail::fail_point!("unlink.after_call");
        let outcome = self.record_unbind_answer(&row, &result, Some(&actor.operator)).await?;
        Ok(UnlinkResult { outcome, account: self.account(row.id).await? })
    }

    /// One page of the provider's history for a WIB date range, cached in the ledger; when
    /// the provider fails, the cached entries of the range with the problem.
    pub async fn account_history(&self, input: HistoryInput) -> AppResult<HistoryView> {
        self.authorize(Permission::ViewCustomers, "view customers").await?;
        crate::validate::text_lengths(&input)?;
        let parse = |field: &'static str, text: &str| {
            ovo_domain::parse_date(text).ok_or_else(|| {
                AppError::invalid(
                    "date_invalid",
                    format!("{field} {text:?} is not a date; use YYYY-MM-DD"),
                )
            })
        };
        let from = parse("from", &input.from)?;
        let to = parse("to", &input.to)?;
        if from > to {
            return Err(AppError::invalid(
                "date_range_reversed",
                "the start date is after the end date",
            ));
        }
        if ovo_domain::days_between(from, to) >= HISTORY_MAX_DAYS {
            return Err(AppError::invalid(
                "date_range_too_wide",
                format!("a history range is at most {HISTORY_MAX_DAYS} days"),
            ));
        }
        let page = input.page.max(1);
        let row = self.binding(input.account_id).await?;
        require_linked(&row)?;
        if !capabilities(row.product).supports(Operation::History) {
            return Err(provider_error(&ovo_providers::ProviderError::Unsupported {
                product: row.product,
                operation: Operation::History,
            }));
        }
        let result = async {
            let (provider, account) = self.provider_and_account(&row).await?;
            provider.history(&HistoryQuery { account, from, to, page }).await
        }
        .await;
        let now = self.now();
        let (start, _) = wib_day_bounds(from);
        let (_, until) = wib_day_bounds(to);
        match result {
            Ok(fetched) => {
                let mut seen = std::collections::HashSet::new();
                let rows: Vec<HistoryRow> = fetched
                    .entries
                    .iter()
                    .filter(|e| seen.insert(e.provider_id.clone()))
                    .map(|e| HistoryRow {
                        provider_entry_id: e.provider_id.clone(),
                        occurred_at: e.at,
                        amount: e.amount,
                        credit: e.direction == Direction::Credit,
                        description: e.description.clone(),
                        raw: e.raw.to_string(),
                    })
                    .collect();
                let mut tx = self.ledger.begin_write().await?;
                history::store(&mut tx, row.id, &rows, now).await?;
                let cached_total = history::count(&mut tx, row.id).await?;
                ovo_ledger::commit(tx).await?;
                Ok(HistoryView {
                    entries: rows.iter().map(entry_view).collect(),
                    page,
                    next_page: fetched.next_page,
                    fetched_at: Some(now.to_rfc3339()),
                    problem: None,
                    cached_total,
                })
            }
            Err(error) => {
                let mut conn = self.ledger.read().await?;
                let cached = history::range(
                    &mut conn,
                    row.id,
                    start,
                    until,
                    HISTORY_PAGE_SIZE + 1,
                    (page - 1) * HISTORY_PAGE_SIZE,
                )
                .await?;
                let cached_total = history::count(&mut conn, row.id).await?;
                let more = cached.len() > HISTORY_PAGE_SIZE as usize;
                Ok(HistoryView {
                    entries: cached
                        .iter()
                        .take(HISTORY_PAGE_SIZE as usize)
                        .map(entry_view)
                        .collect(),
                    page,
                    next_page: more.then_some(page + 1),
                    fetched_at: None,
                    problem: Some(StoredProblem::from_error(&error, now).view()),
                    cached_total,
                })
            }
        }
    }

    /// The provider's top-up options; icons are fetched once and served from the disk cache
    /// as `data:` URLs, so the webview loads nothing remote. Where the product publishes no
    /// top-up API (OVO SNAP), the merchant's configured text in `input.language`.
    pub async fn top_up_instructions(&self, input: TopUpInput) -> AppResult<TopUpView> {
        self.authorize(Permission::ViewCustomers, "view customers").await?;
        crate::validate::text_lengths(&input)?;
        let row = self.binding(input.account_id).await?;
        require_linked(&row)?;
        if ovo_providers::settings::top_up_text_keys(row.product).is_some() {
            return self
                .configured_top_up(row.environment, row.product, input.language.as_deref())
                .await;
        }
        let result = async {
            let (provider, account) = self.provider_and_account(&row).await?;
            provider.top_up_instructions(&account).await
        }
        .await;
        let now = self.now();
        match result {
            Ok(options) => {
                let mut views = Vec::with_capacity(options.len());
                for option in options {
                    let icon = match &option.icon_url {
                        Some(url) => self.cached_icon(row.product, url).await,
                        None => None,
                    };
                    views.push(TopUpOptionView {
                        title: option.title,
                        steps: option.steps,
                        icon,
                        link: match option.link {
                            Some(l) if self.is_page_of(row.product, row.environment, &l).await => {
                                Some(l)
                            }
                            _ => None,
                        },
                    });
                }
                Ok(TopUpView {
                    options: views,
                    configured: false,
                    fetched_at: Some(now.to_rfc3339()),
                    problem: None,
                })
            }
            Err(error) => Ok(TopUpView {
                options: Vec::new(),
                configured: false,
                fetched_at: None,
                problem: Some(StoredProblem::from_error(&error, now).view()),
            }),
        }
    }

    async fn cached_icon(&self, product: Product, url: &str) -> Option<String> {
        let dir = self.config.data_dir.join("cache").join("icons");
        let name = hex::encode(Sha256::digest(url.as_bytes()));
        let path = dir.join(&name);
        let to_data_url = |bytes: &[u8]| -> Option<String> {
            // Stored as "<content type>\n<bytes>".
            let split = bytes.iter().position(|b| *b == b'\n')?;
            let content_type = std::str::from_utf8(&bytes[..split]).ok()?;
            Some(format!(
                "data:{content_type};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&bytes[split + 1..])
            ))
        };
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return to_data_url(&bytes);
        }
        match ovo_providers::assets::fetch_image(product, url, ICON_TIMEOUT).await {
            Ok(image) => {
                let mut stored = format!("{}\n", image.content_type).into_bytes();
                stored.extend_from_slice(&image.bytes);
                if let Err(e) = tokio::fs::create_dir_all(&dir).await {
                    tracing::warn!(error = %e, "cannot create the icon cache");
                } else if let Err(e) = tokio::fs::write(&path, &stored).await {
                    tracing::warn!(error = %e, "cannot cache an icon");
                }
                to_data_url(&stored)
            }
            Err(e) => {
                tracing::warn!(%url, error = %e, "top-up icon not fetched");
                None
            }
        }
    }

    /// Opens a page of `input.product` in the system browser, in the current environment; any
    /// other address is refused and audited.
    pub async fn open_external(&self, input: ExternalUrl) -> AppResult<()> {
        let actor = self.authorize(Permission::ViewCustomers, "open a provider page").await?;
        crate::validate::text_lengths(&input)?;
        let product = parse_product(&input.product)?;
        let environment = self.environment().await;
        self.open_page(
            product,
            environment,
            &input.url,
            Some(&actor.operator),
            PagePurpose::Requested,
        )
        .await
    }
}

/// Only a linked account is asked about: a failed or ended linking's phone may be linked to
/// another customer now (Faspay answers by phone), whose data must not show on this page.
fn require_linked(row: &ovo_ledger::bindings::BindingRow) -> AppResult<()> {
    if matches!(row.status, BindingStatus::Active | BindingStatus::Unlinking) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Conflict, "this account is not linked")
            .with_reason("account_not_linked"))
    }
}

fn entry_view(row: &HistoryRow) -> HistoryEntryView {
    HistoryEntryView {
        provider_id: row.provider_entry_id.clone(),
        at: row.occurred_at.to_rfc3339(),
        amount: row.amount.rupiah(),
        direction: if row.credit { EntryDirection::Credit } else { EntryDirection::Debit },
        description: row.description.clone(),
    }
}

impl Backoffice {
    /// The product's client and the account as it needs it (its tokens from the ledger).
    pub(crate) async fn provider_and_account(
        &self,
        row: &ovo_ledger::bindings::BindingRow,
    ) -> ovo_providers::ProviderResult<(
        std::sync::Arc<dyn ovo_providers::Provider>,
        ovo_providers::model::LinkedAccount,
    )> {
        let provider = self.provider(row.environment, row.product).await?;
        let account = self.account_of(row).await.map_err(|e| {
            ovo_providers::ProviderError::InvalidInput { product: row.product, detail: e.message }
        })?;
        Ok((provider, account))
    }

    /// A linked account as the provider client needs it (its tokens opened from the ledger).
    pub(crate) async fn account_of(
        &self,
        row: &ovo_ledger::bindings::BindingRow,
    ) -> AppResult<ovo_providers::model::LinkedAccount> {
        self.link_tokens().linked_account(row).await
    }

    /// The linked account a payment goes through, if any (and if it still exists).
    pub(crate) async fn payment_account(
        &self,
        binding: Option<ovo_domain::BindingId>,
    ) -> AppResult<Option<ovo_providers::model::LinkedAccount>> {
        let Some(id) = binding else { return Ok(None) };
        let row = ovo_ledger::bindings::get(&mut *self.ledger.read().await?, id).await?;
        match row {
            Some(row) => self.account_of(&row).await.map(Some),
            None => Ok(None),
        }
    }
}
