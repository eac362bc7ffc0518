//! What every product simulator shares: the context, the merchants file, wallets, customer
//! actions and pages, faults, the journal, notifications, the control API and the clock.

pub mod bindings;
pub mod clock;
pub mod control;
pub mod edge;
pub mod faults;
pub mod import;
pub mod journal;
pub mod notify;
pub mod pages;
pub mod pending;
pub mod phone;
pub mod settlement;
pub mod time_scale;
pub mod tls;
pub mod wallets;
pub mod writes;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use axum::Router;
use serde::de::DeserializeOwned;

use bindings::SeedBinding;
use faults::FaultPlan;
use journal::Journal;
use notify::Notifier;
use pending::PendingActions;
use settlement::{SettlementFile, SettlementRequest, SettlementStyle, Settlements};
use time_scale::TimeScale;
use wallets::{Account, Wallets};
use writes::Writes;

/// One provider product's simulator.
pub trait ProductSim: Send + Sync + std::fmt::Debug + 'static {
    /// The product key: its section in the merchants file and its paths under `/_sandbox/`.
    fn key(&self) -> &'static str;
    /// The product's endpoints at their documented paths.
    fn routes(&self, ctx: Ctx) -> Router;
    /// Extra control routes, mounted as they are (use paths under `/_sandbox/{key}/`).
    fn control_routes(&self, _ctx: Ctx) -> Router {
        Router::new()
    }
    /// Forgets all state (bindings, payments, tokens...).
    fn reset(&self);
    /// Seeds the links listed under `[[bindings]]` for this product (`ctx.merchants().bindings(key)`):
    /// called once the context exists and after every `reset`.
    fn seed(&self, _ctx: &Ctx) {}
    /// Takes in a payment (and its refunds) the merchant already has, as if it had happened
    /// here (`POST /_sandbox/import`).
    fn import(&self, _ctx: &Ctx, _payment: &import::ImportedPayment) -> Result<(), String> {
        Err(format!("{} does not import payments", self.key()))
    }
    /// The answer of a `server_error_after_processing` fault: `status` with a body in the
    /// product's error shape for this endpoint (its documented path).
    fn server_error(&self, _endpoint: &str, status: u16) -> axum::response::Response {
        use axum::response::IntoResponse;
        let code = axum::http::StatusCode::from_u16(status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (code, axum::Json(serde_json::json!({ "error": "internal server error" }))).into_response()
    }
    /// The layout of this product's settlement file (`GET /_sandbox/settlement/{key}`);
    /// by default a generic one (`reference,transaction_time,type,amount[,fee,net_amount]`).
    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::Generic
    }
    /// How this product's accounts are linked, for `[[bindings]]`; `None` when it links none.
    fn linking(&self) -> Option<Linking> {
        None
    }
    /// The fields of this product's `[[{key}]]` merchant entry that send its notifications to
    /// `url` (the merchant's listener for this product).
    fn notification_fields(&self, url: &str) -> Vec<(&'static str, String)> {
        vec![("notification_url", url.to_owned())]
    }
    /// Sends a correctly signed payment notification for a reference the merchant never
    /// created (`POST /_sandbox/notify-unknown`).
    fn notify_unknown(
        &self,
        _ctx: &Ctx,
        _request: &UnknownNotification,
    ) -> Result<serde_json::Value, String> {
        Err(format!("{} sends no notifications", self.key()))
    }
}

/// Locks shared state; a panic elsewhere while it was held does not lose it.
pub fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a product links OVO accounts (the rules `[[bindings]]` entries are checked by).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linking {
    /// The field of the product's merchant entries that names a merchant (`client_id`, …).
    pub merchant_field: &'static str,
    /// Whether a link carries customer tokens and a binding id.
    pub tokens: bool,
    /// What a seeded binding id starts with, before the phone (`SEED`: `SEED6281…`).
    pub provider_ref_prefix: &'static str,
}

/// A notification for a reference the merchant never created.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UnknownNotification {
    pub product: String,
    pub reference: String,
    /// Whole rupiah; default 10,000.
    #[serde(default = "ten_thousand")]
    pub amount: i64,
    /// Which merchant of the product (its client id, api key or merchant id); default the first.
    #[serde(default)]
    pub merchant: Option<String>,
}

fn ten_thousand() -> i64 {
    10_000
}

/// The merchants file: per product, the credentials the sandbox accepts and the merchant's
/// notification URLs. Each product reads its own `[[product_key]]` array; `[[accounts]]` adds OVO
/// accounts and `[[bindings]]` lists accounts already linked (see [`bindings`]).
#[derive(Debug, Clone, Default)]
pub struct Merchants {
    table: toml::Table,
    bindings: Vec<SeedBinding>,
}

/// The demo merchants of the app's built-in environment (demo-only keys).
pub const DEMO_MERCHANTS: &str = include_str!("../../demo-merchants.toml");

impl Merchants {
    /// Parses the file and checks `[[bindings]]` against the rest of it and the link rules of
    /// `products`.
    pub fn parse_for(text: &str, products: &[Arc<dyn ProductSim>]) -> Result<Merchants, String> {
        let table = text.parse::<toml::Table>().map_err(|e| format!("merchants file: {e}"))?;
        let mut merchants = Merchants { table, bindings: Vec::new() };
        let mut accounts = wallets::seed_accounts();
        accounts.extend(merchants.accounts().unwrap_or_default());
        merchants.bindings = bindings::parse(&merchants.table, &accounts, products)?;
        Ok(merchants)
    }

    /// The demo merchants, with the notifications of `notifying` (product keys) sent to the
    /// app's listener at `listener` (`http://host:port`), each to `<listener>/<product key>`,
    /// as the app's listener settings show them.
    pub fn demo_notifying_for(
        listener: &str,
        notifying: &[&str],
        products: &[Arc<dyn ProductSim>],
    ) -> Merchants {
        let mut text = String::new();
        for line in DEMO_MERCHANTS.lines() {
            text.push_str(line);
            text.push('\n');
            let section = line.trim().strip_prefix("[[").and_then(|l| l.strip_suffix("]]"));
            let Some(product) = section
                .filter(|key| notifying.contains(key))
                .and_then(|key| products.iter().find(|p| p.key() == key))
            else {
                continue;
            };
            let url = format!("{listener}/{}", product.key());
            for (field, value) in product.notification_fields(&url) {
                text.push_str(&format!("{field} = \"{value}\"\n"));
            }
        }
        Merchants::parse_for(&text, products).unwrap_or_default()
    }

    /// This product's merchants; an absent section is none.
    pub fn section<T: DeserializeOwned>(&self, product: &str) -> Result<Vec<T>, String> {
        match self.table.get(product) {
            None => Ok(Vec::new()),
            Some(value) => {
                value.clone().try_into().map_err(|e| format!("merchants file, [[{product}]]: {e}"))
            }
        }
    }

    /// The merchant an imported payment without one belongs to: `field` of the product's
    /// first entry.
    pub fn first(&self, product: &str, field: &str) -> Result<String, String> {
        self.table
            .get(product)
            .and_then(toml::Value::as_array)
            .and_then(|entries| entries.first())
            .and_then(|entry| entry.get(field))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {product} merchant"))
    }

    /// As [`Merchants::section`], a section that does not read logged and taken as none.
    pub fn section_or_none<T: DeserializeOwned>(&self, product: &str) -> Vec<T> {
        self.section(product).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "ignoring the merchants file's [[{product}]]");
            Vec::new()
        })
    }

    /// Extra OVO accounts listed under `[[accounts]]`.
    pub fn accounts(&self) -> Result<Vec<Account>, String> {
        self.section("accounts")
    }

    /// The checked `[[bindings]]` entries of one product, in file order.
    pub fn bindings<'a>(&'a self, product: &'a str) -> impl Iterator<Item = &'a SeedBinding> + 'a {
        self.bindings.iter().filter(move |b| b.product == product)
    }
}

#[derive(Debug)]
struct Shared {
    scale: TimeScale,
    merchants: Merchants,
    wallets: Wallets,
    pending: PendingActions,
    faults: Arc<FaultPlan>,
    journal: Arc<Journal>,
    writes: Writes,
    settlements: Settlements,
    notifier: Notifier,
    products: Vec<Arc<dyn ProductSim>>,
    base_url: OnceLock<String>,
}

/// Everything a handler may reach; cheap to clone.
#[derive(Debug, Clone)]
pub struct Ctx(Arc<Shared>);

impl Ctx {
    pub fn new(config: SandboxConfig, products: Vec<Arc<dyn ProductSim>>) -> Ctx {
        Ctx::trusting(config, products, None)
    }

    /// As `new`, with the sandbox's own test CA trusted by its outgoing calls (an HTTPS
    /// sandbox's return pages redirect to themselves).
    fn trusting(
        config: SandboxConfig,
        products: Vec<Arc<dyn ProductSim>>,
        ca_pem: Option<&str>,
    ) -> Ctx {
        let SandboxConfig { merchants, time_scale: scale, journal_capacity } = config;
        let faults = Arc::new(FaultPlan::default());
        let journal = Arc::new(Journal::keeping(journal_capacity));
        let notifier = Notifier::trusting(scale, faults.clone(), journal.clone(), ca_pem);
        let ctx = Ctx(Arc::new(Shared {
            scale,
            merchants,
            wallets: Wallets::default(),
            pending: PendingActions::default(),
            faults,
            journal,
            writes: Writes::default(),
            settlements: Settlements::default(),
            notifier,
            products,
            base_url: OnceLock::new(),
        }));
        ctx.reset_wallets();
        ctx.seed_products();
        ctx
    }

    fn seed_products(&self) {
        for product in &self.0.products {
            product.seed(self);
        }
    }

    pub fn scale(&self) -> TimeScale {
        self.0.scale
    }
    pub fn merchants(&self) -> &Merchants {
        &self.0.merchants
    }
    pub fn wallets(&self) -> &Wallets {
        &self.0.wallets
    }
    pub fn pending(&self) -> &PendingActions {
        &self.0.pending
    }
    pub fn faults(&self) -> &FaultPlan {
        &self.0.faults
    }
    pub fn journal(&self) -> &Journal {
        &self.0.journal
    }
    pub fn notifier(&self) -> &Notifier {
        &self.0.notifier
    }
    /// What was processed per reference (`GET /_sandbox/writes`).
    pub fn writes(&self) -> &Writes {
        &self.0.writes
    }
    /// The settled payments and refunds settlement files are built from
    /// (`GET /_sandbox/settlement/{product}`, [`Ctx::settlement_file`]).
    pub fn settlements(&self) -> &Settlements {
        &self.0.settlements
    }

    pub fn product(&self, key: &str) -> Option<Arc<dyn ProductSim>> {
        self.0.products.iter().find(|p| p.key() == key).cloned()
    }

    /// `http://127.0.0.1:PORT` (`https://` when serving HTTPS), for redirect URLs that point at
    /// the sandbox's pages.
    pub fn base_url(&self) -> String {
        self.0.base_url.get().cloned().unwrap_or_else(|| "http://127.0.0.1".into())
    }

    pub fn product_keys(&self) -> Vec<&'static str> {
        self.0.products.iter().map(|p| p.key()).collect()
    }

    fn reset_wallets(&self) {
        let mut accounts = wallets::seed_accounts();
        match self.0.merchants.accounts() {
            Ok(extra) => accounts.extend(extra),
            Err(e) => tracing::warn!(error = %e, "ignoring [[accounts]] in the merchants file"),
        }
        self.0.wallets.replace_all(accounts);
    }

    /// Back to the starting state: seed accounts, no pending actions, faults, journal or
    /// settled movements, every product's state forgotten, then the `[[bindings]]` links
    /// seeded again.
    pub fn reset(&self) {
        self.reset_wallets();
        self.0.pending.clear();
        self.0.faults.clear();
        self.0.journal.clear();
        self.0.writes.clear();
        self.0.settlements.clear();
        for product in &self.0.products {
            product.reset();
        }
        self.seed_products();
    }

    /// Every product's routes (wrapped to record requests and apply faults), the customer
    /// pages and the control API, in one router.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for product in &self.0.products {
            router = router.merge(self.product_router(product.as_ref()));
            router = router.merge(product.control_routes(self.clone()));
        }
        router.merge(control::routes().merge(pages::routes()).with_state(self.clone()))
    }

    fn product_router(&self, product: &dyn ProductSim) -> Router {
        product.routes(self.clone()).route_layer(axum::middleware::from_fn_with_state(
            (self.clone(), product.key()),
            edge::edge,
        ))
    }
}

/// Configuration of one sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub merchants: Merchants,
    pub time_scale: TimeScale,
    /// How many received requests and sent notifications the journal keeps for the control
    /// API (`/_sandbox/received`, `/_sandbox/notifications`); the oldest go first.
    pub journal_capacity: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            merchants: Merchants::demo(),
            time_scale: TimeScale::REAL,
            journal_capacity: journal::DEFAULT_CAPACITY,
        }
    }
}

/// A sandbox listening on loopback; it stops when dropped or on `shutdown`.
#[derive(Debug)]
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub ctx: Ctx,
    /// The test CA when serving HTTPS.
    ca: Option<tls::TestCa>,
    stop: Option<Stop>,
}

#[derive(Debug)]
enum Stop {
    Plain(tokio::sync::oneshot::Sender<()>),
    Tls(axum_server::Handle),
}

impl Stop {
    fn stop(self) {
        match self {
            Stop::Plain(stop) => {
                let _ = stop.send(());
            }
            Stop::Tls(handle) => handle.graceful_shutdown(None),
        }
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`, or `https://…` when serving HTTPS.
    pub fn url(&self) -> String {
        let scheme = if self.ca.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Every money or account write processed so far, per product, kind and reference (what
    /// `GET /_sandbox/writes` answers).
    pub fn writes(&self) -> Vec<writes::Write> {
        self.ctx.writes().list(None)
    }

    /// The settlement file of `product` (a product key) for `request`: what
    /// `GET /_sandbox/settlement/{product}` serves, built in process.
    pub fn settlement_file(
        &self,
        product: &str,
        request: &SettlementRequest,
    ) -> Result<SettlementFile, String> {
        self.ctx.settlement_file(product, request)
    }

    /// The test CA's certificate (PEM) when serving HTTPS: trust it to reach the sandbox.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(tls::TestCa::ca_pem)
    }

    pub fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.stop();
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.stop();
        }
    }
}

/// Binds `addr` (port 0 picks a free one) and serves `products` on it over plain HTTP.
pub async fn serve(
    config: SandboxConfig,
    addr: SocketAddr,
    products: Vec<Arc<dyn ProductSim>>,
) -> anyhow::Result<RunningSandbox> {
    let ctx = Ctx::new(config, products);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let _ = ctx.0.base_url.set(format!("http://{addr}"));
    let app = ctx.router();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox { addr, ctx, ca: None, stop: Some(Stop::Plain(stop)) })
}

/// As [`serve`], over HTTPS with a certificate from a test CA generated now
/// ([`RunningSandbox::ca_pem`]): the chosen certificate (valid, expired, for another name).
pub async fn serve_tls(
    config: SandboxConfig,
    addr: SocketAddr,
    served: tls::ServedCertificate,
    products: Vec<Arc<dyn ProductSim>>,
) -> anyhow::Result<RunningSandbox> {
    let ca = tls::TestCa::generate(served)?;
    let ctx = Ctx::trusting(config, products, Some(ca.ca_pem()));
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let _ = ctx.0.base_url.set(format!("https://{addr}"));
    let app = ctx.router();
    let rustls = axum_server::tls_rustls::RustlsConfig::from_config(ca.server_config()?);
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener, rustls).handle(handle.clone());
    tokio::spawn(async move {
        if let Err(e) = server.serve(app.into_make_service()).await {
            tracing::error!(error = %e, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox { addr, ctx, ca: Some(ca), stop: Some(Stop::Tls(handle)) })
}
