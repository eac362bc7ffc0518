//! The built-in environment's sandbox: started in-process on a loopback port, or one already
//! running elsewhere, and its demo merchants' credentials.

use ovo_domain::{Product, Timestamp};
use ovo_providers::Credentials;
use ovo_sandbox::{Merchants, RunningSandbox, SandboxConfig, TimeScale};

/// Requests and notifications the in-process sandbox keeps for its control API. The app never
/// reads them; the end-to-end tests read what their own flows sent. The standalone sandbox's
/// 10,000 would be about 5 MB of the app's memory after 40 minutes of the poller's checks.
const JOURNAL_CAPACITY: usize = 1_000;

#[derive(Debug)]
pub(crate) enum BuiltinSandbox {
    /// Started by this process; stops with it.
    InProcess(RunningSandbox),
    /// A sandbox someone else runs (`BackofficeConfig::builtin_sandbox_url`), which outlives
    /// this process; it must serve the demo merchants.
    External(String),
}

impl BuiltinSandbox {
    /// Starts the sandbox on `127.0.0.1` (any free port). `time_scale` multiplies its waits
    /// (`1` = real time).
    pub async fn start(time_scale: Option<&str>) -> Result<BuiltinSandbox, String> {
        let time_scale = match time_scale {
            Some(text) => TimeScale::parse(text)?,
            None => TimeScale::REAL,
        };
        let config = SandboxConfig {
            time_scale,
            journal_capacity: JOURNAL_CAPACITY,
            ..SandboxConfig::default()
        };
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let running = ovo_sandbox::start(config, addr)
            .await
            .map_err(|e| format!("cannot start the built-in sandbox: {e}"))?;
        tracing::info!(url = %running.url(), "built-in sandbox started");
        Ok(BuiltinSandbox::InProcess(running))
    }

    /// Uses a sandbox that is already running at `url`.
    pub fn external(url: &str) -> BuiltinSandbox {
        tracing::info!(url, "built-in environment uses an external sandbox");
        BuiltinSandbox::External(url.trim_end_matches('/').to_owned())
    }

    pub fn url(&self) -> String {
        match self {
            BuiltinSandbox::InProcess(running) => running.url(),
            BuiltinSandbox::External(url) => url.clone(),
        }
    }

    /// The demo merchant's credentials for `product` (the app-side half of the demo keys) and
    /// the merchant's display name.
    pub fn demo_credentials(&self, product: Product) -> Result<(Credentials, String), String> {
        let merchants: Vec<toml::Table> = match self {
            BuiltinSandbox::InProcess(running) => running.ctx.merchants().section(product.key())?,
            BuiltinSandbox::External(_) => Merchants::demo().section(product.key())?,
        };
        let merchant = merchants.first().ok_or_else(|| {
            format!("the demo merchants have no {} merchant", product.display_name())
        })?;
        let text = |key: &str| merchant.get(key).and_then(toml::Value::as_str).map(str::to_owned);
        let pairs = product.credential_fields().iter().filter_map(|&field| {
            // The sandbox file may name the provider's key after the provider (`doku_public_key`).
            let named_after_provider = || {
                let rest = field.strip_prefix("provider_")?;
                text(&format!("{}_{rest}", product.provider().key()))
            };
            text(field).or_else(named_after_provider).map(|value| (field, value))
        });
        let credentials = Credentials::from_pairs(product, pairs.collect::<Vec<_>>());
        let name = text("merchant_name")
            .or_else(|| text("name"))
            .unwrap_or_else(|| product.display_name().to_owned());
        Ok((credentials, name))
    }
}

/// The built-in environment's state: its sandbox, started on first use, and when this process
/// opened the ledger (the sandbox it starts sees everything after, and learns what came before
/// from the ledger).
#[derive(Debug)]
pub(crate) struct BuiltinEnvironment {
    sandbox: tokio::sync::OnceCell<BuiltinSandbox>,
    opened_at: Timestamp,
}

impl BuiltinEnvironment {
    pub fn new(opened_at: Timestamp) -> BuiltinEnvironment {
        BuiltinEnvironment { sandbox: tokio::sync::OnceCell::new(), opened_at }
    }

    /// When this process opened the ledger.
    pub fn opened_at(&self) -> Timestamp {
        self.opened_at
    }

    /// The sandbox, once started.
    pub fn sandbox(&self) -> Option<&BuiltinSandbox> {
        self.sandbox.get()
    }

    /// The sandbox, started by `start` on first use.
    pub async fn sandbox_or_start<F, Fut>(&self, start: F) -> Result<&BuiltinSandbox, String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<BuiltinSandbox, String>>,
    {
        self.sandbox.get_or_try_init(start).await
    }
}
