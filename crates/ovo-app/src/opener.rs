//! Opening provider pages in the system browser, and local files (refund evidence) in the
//! system's viewer. A page opens only after it passed the product's page-host check
//! (`ovo_providers::pages`); a refused one is audited as `url.refused` with its product,
//! environment, scheme and host (never the whole URL: it can carry tokens). The shell supplies
//! the real opener; tests record what would have been opened.

use std::path::Path;
use std::sync::Mutex;

use ovo_domain::{Environment, Product};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::OperatorRow;
use ovo_providers::pages::{check_page_url, PageRefusal};
use ovo_providers::settings::{top_up_options, top_up_text_keys};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};

pub trait UrlOpener: Send + Sync + std::fmt::Debug {
    /// Opens a web page that passed the page check.
    fn open(&self, url: &str) -> Result<(), String>;
    /// Opens a local file with the system's viewer.
    fn open_file(&self, path: &Path) -> Result<(), String>;
}

/// Keeps the URLs and paths instead of opening them (tests, and machines without a browser).
#[derive(Debug, Default)]
pub struct RecordingOpener {
    opened: Mutex<Vec<String>>,
}

impl RecordingOpener {
    /// Everything opened, pages and files, in order.
    pub fn opened(&self) -> Vec<String> {
        self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn record(&self, what: String) {
        self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(what);
    }
}

impl UrlOpener for RecordingOpener {
    fn open(&self, url: &str) -> Result<(), String> {
        self.record(url.to_owned());
        Ok(())
    }

    fn open_file(&self, path: &Path) -> Result<(), String> {
        self.record(path.to_string_lossy().into_owned());
        Ok(())
    }
}

/// What a page is opened for, as the audit names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PagePurpose {
    Linking,
    Payment,
    Relink,
    /// A page the operator asked for (`open_external`).
    Requested,
}

impl PagePurpose {
    fn key(self) -> &'static str {
        match self {
            PagePurpose::Linking => "linking",
            PagePurpose::Payment => "payment",
            PagePurpose::Relink => "relink",
            PagePurpose::Requested => "requested",
        }
    }
}

impl Backoffice {
    /// Opens `url` as a page of `product` in `environment`; a URL that fails the page check is
    /// refused (`invalid_input` with the check's reason) and audited.
    pub(crate) async fn open_page(
        &self,
        product: Product,
        environment: Environment,
        url: &str,
        operator: Option<&OperatorRow>,
        purpose: PagePurpose,
    ) -> AppResult<()> {
        match self.check_page(product, environment, url).await? {
            Ok(page) => self.opener.open(&page).map_err(|e| {
                AppError::new(ErrorCode::Internal, format!("cannot open the browser: {e}"))
                    .with_reason("browser_open_failed")
            }),
            Err(refusal) => {
                let detail = json!({
                    "product": product.key(),
                    "environment": environment.key(),
                    "scheme": refusal.scheme,
                    "host": refusal.host,
                    "cause": refusal.reason,
                    "purpose": purpose.key(),
                });
                let mut tx = self.ledger.begin_write().await?;
                self.audit(&mut tx, operator, "url.refused", "url", AuditOutcome::Denied, detail)
                    .await?;
                ovo_ledger::commit(tx).await?;
                tracing::warn!(
                    product = product.key(),
                    scheme = %refusal.scheme,
                    host = %refusal.host,
                    reason = refusal.reason,
                    "a page address was refused"
                );
                Err(AppError::invalid(refusal.reason, refusal.message))
            }
        }
    }

    /// Whether `url` would open as a page of `product` in `environment` (a link to offer).
    pub(crate) async fn is_page_of(
        &self,
        product: Product,
        environment: Environment,
        url: &str,
    ) -> bool {
        matches!(self.check_page(product, environment, url).await, Ok(Ok(_)))
    }

    /// The page check against `product`'s page hosts, its configured host (the admin's override,
    /// or the built-in simulator's address) and the links of the admin's own top-up text.
    async fn check_page(
        &self,
        product: Product,
        environment: Environment,
        url: &str,
    ) -> AppResult<Result<String, PageRefusal>> {
        let mut configured = Vec::new();
        if environment == Environment::BuiltInSandbox {
            configured.extend(self.builtin_sandbox_url());
        } else {
            let settings = self.product_settings(environment, product).await?;
            configured.push(settings.host().to_owned());
            if let Some((id, en)) = top_up_text_keys(product) {
                for text in [settings.value(id), settings.value(en)] {
                    configured.extend(top_up_options(text).into_iter().filter_map(|o| o.link));
                }
            }
        }
        let configured: Vec<&str> = configured.iter().map(String::as_str).collect();
        Ok(check_page_url(product, environment, &configured, url))
    }
}
