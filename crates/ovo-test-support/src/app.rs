//! A `Backoffice` on a temporary data directory with a real ledger file, the in-memory secret
//! store and a manual clock; its operators (one per role, password `<username>-password`,
//! chosen by each at their first sign-in), sign-in, and builders for the inputs many suites send.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovo_app::ipc::*;
use ovo_app::{AppError, Backoffice, BackofficeConfig, ErrorCode, RecordingOpener};
use ovo_domain::{
    BindingId, Clock, CustomerId, Environment, Idr, ManualClock, Msisdn, OperatorId, PaymentStatus,
    Product, Reference, SystemClock, Timestamp,
};
use ovo_ledger::payments::{self, NewPayment};
use ovo_secrets::{MemoryStore, SecretStore};

use crate::sim::Sim;

pub const APP_ID: &str = "test.ovo.backoffice";
pub const ADMIN: &str = "admin";
pub const ADMIN_PW: &str = "admin-password-1";
/// The fixed instant the suites that need no real time start at (21 Sep 2026, 21:13 WIB).
pub const FIXED_START_MS: i64 = 1_790_000_000_000;

/// Every operator's own password: the admin's, or `<username>-password`.
pub fn password_of(username: &str) -> String {
    if username == ADMIN {
        ADMIN_PW.to_owned()
    } else {
        format!("{username}-password")
    }
}

/// The one-time password the admin gives `username`: `<username>-one-time`.
pub fn one_time_password_of(username: &str) -> String {
    format!("{username}-one-time")
}

/// This computer's keychain for the app on `data_dir`: the same store each time the folder is
/// opened again in this process, as the OS keychain would be (a shared ledger refuses a desk
/// whose keychain lacks its keys).
pub fn keychain_of(data_dir: &Path) -> Arc<MemoryStore> {
    static STORES: std::sync::Mutex<Vec<(PathBuf, Arc<MemoryStore>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut stores = STORES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, store)) = stores.iter().find(|(dir, _)| dir == data_dir) {
        return store.clone();
    }
    let store = Arc::new(MemoryStore::new());
    stores.push((data_dir.to_owned(), store.clone()));
    store
}

/// The app's configuration on `data_dir`; `scale` speeds up the built-in sandbox, `sandbox_url`
/// uses a simulator already running as the built-in environment.
pub fn config(data_dir: &Path, scale: Option<&str>, sandbox_url: Option<&str>) -> BackofficeConfig {
    BackofficeConfig {
        data_dir: data_dir.to_owned(),
        ledger: crate::ledger::shared_ledger_of(data_dir),
        app_identifier: APP_ID.into(),
        version: "0.1.0".into(),
        sandbox_time_scale: scale.map(Into::into),
        builtin_sandbox_url: sandbox_url.map(Into::into),
    }
}

/// The app, its data directory and what the test controls.
#[derive(Debug)]
pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub app: Arc<Backoffice>,
    pub clock: ManualClock,
    pub secrets: Arc<MemoryStore>,
    pub opener: Arc<RecordingOpener>,
    pub http: reqwest::Client,
}

/// How a [`TestApp`] is opened: by default a new built-in ledger (seeded with the demo), the
/// clock at the real time, no admin.
#[derive(Debug, Clone)]
pub struct TestAppBuilder {
    scale: Option<String>,
    sandbox_url: Option<String>,
    start: Option<Timestamp>,
    admin: bool,
    operators: Vec<(String, String, String)>,
    signed_in: Option<String>,
    file_ledger: bool,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            scale: None,
            sandbox_url: None,
            start: None,
            admin: false,
            operators: Vec::new(),
            signed_in: None,
            file_ledger: false,
        }
    }

    /// `<temp dir>/data`, where the ledger lives.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Writes a file outside the data directory, as the operator would pick it; answers its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    pub async fn sign_in_as(&self, username: &str) {
        sign_in_as(&self.app, username).await;
    }

    /// Starts the notification listener on a free loopback port; the URL it serves `product` at.
    pub async fn start_listener(&self, product: Product) -> String {
        let settings = self.listen_at("127.0.0.1:0").await;
        settings.urls.iter().find(|u| u.product == product).unwrap().url.clone()
    }

    /// Turns the notification listener on at `address` (the signed-in operator may manage
    /// settings); it runs.
    pub async fn listen_at(&self, address: &str) -> ListenerSettings {
        let input = ListenerInput { enabled: true, address: address.into() };
        let settings = self.app.set_listener(input).await.unwrap();
        assert!(settings.running, "{settings:?}");
        settings
    }

    /// The built-in environment (time scale 0.02) with staff operator Sam signed in and the
    /// notification listener on; the URL it serves `product` at.
    pub async fn listening_for(product: Product) -> (TestApp, String) {
        let app =
            TestApp::builder().scale("0.02").operator_shown_as("sam", "Sam", "staff").open().await;
        let listener = app.start_listener(product).await;
        app.sign_in_as("sam").await;
        (app, listener)
    }

    /// The built-in environment's simulator (started on first use).
    pub async fn sim(&self) -> Sim {
        Sim::at(&sandbox_url(&self.app).await)
    }
}

/// A [`TestApp`] and its built-in environment's simulator.
#[derive(Debug)]
pub struct WithSim {
    pub test: TestApp,
    pub sim: Sim,
}

impl std::ops::Deref for WithSim {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.test
    }
}

impl TestAppBuilder {
    /// The built-in sandbox's time scale.
    pub fn scale(mut self, scale: &str) -> Self {
        self.scale = Some(scale.to_owned());
        self
    }

    /// Uses the simulator at `url` as the built-in environment.
    pub fn sandbox_url(mut self, url: &str) -> Self {
        self.sandbox_url = Some(url.to_owned());
        self
    }

    /// Keeps the ledger in a file in the data folder even on a PostgreSQL run: for what only a
    /// ledger file has (an earlier version's file, its bytes on disk).
    pub fn file_ledger(mut self) -> Self {
        self.file_ledger = true;
        self
    }

    /// Starts the clock at [`FIXED_START_MS`] instead of the real time.
    pub fn fixed_clock(mut self) -> Self {
        self.start = Some(Timestamp::from_unix_millis(FIXED_START_MS));
        self
    }

    /// Sets up the first admin (`admin`, "Ayu Admin", [`ADMIN_PW`]), who stays signed in.
    pub fn admin(mut self) -> Self {
        self.admin = true;
        self
    }

    /// Adds an operator shown by their username (sets up the admin first).
    pub fn operator(self, username: &str, role: &str) -> Self {
        self.operator_shown_as(username, username, role)
    }

    /// Adds an operator with this display name (sets up the admin first).
    pub fn operator_shown_as(mut self, username: &str, display_name: &str, role: &str) -> Self {
        self.admin = true;
        self.operators.push((username.into(), display_name.into(), role.into()));
        self
    }

    /// Adds these `(username, role)` operators.
    pub fn operators(self, operators: &[(&str, &str)]) -> Self {
        operators.iter().fold(self, |b, (username, role)| b.operator(username, role))
    }

    /// Signs `username` in once the operators exist.
    pub fn signed_in(mut self, username: &str) -> Self {
        self.signed_in = Some(username.to_owned());
        self
    }

    pub async fn open(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::new());
        let (app, clock, opener) = self.open_at(&dir.path().join("data"), secrets.clone()).await;
        TestApp { dir, app: Arc::new(app), clock, secrets, opener, http: reqwest::Client::new() }
    }

    /// Opens the app and starts its built-in environment's simulator.
    pub async fn open_with_sim(self) -> WithSim {
        let test = self.open().await;
        let sim = test.sim().await;
        WithSim { test, sim }
    }

    /// Opens the app on `data_dir` with `secrets` (an existing ledger is reopened: the admin and
    /// operators are added only when the ledger has none).
    pub async fn open_at(
        &self,
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
    ) -> (Backoffice, ManualClock, Arc<RecordingOpener>) {
        let clock = ManualClock::new(self.start.unwrap_or_else(|| SystemClock.now()));
        let mut config = config(data_dir, self.scale.as_deref(), self.sandbox_url.as_deref());
        if self.file_ledger {
            config.ledger = None;
        }
        let mut app = Backoffice::open(config, secrets, Arc::new(clock.clone())).await.unwrap();
        let opener = Arc::new(RecordingOpener::default());
        app.set_url_opener(opener.clone());
        let new = app.session_status().await.unwrap().state == SessionState::Uninitialized;
        if self.admin && new {
            set_up_admin(&app).await;
            for (username, display_name, role) in &self.operators {
                app.create_operator(new_operator(username, display_name, role)).await.unwrap();
            }
            for (username, ..) in &self.operators {
                replace_one_time_password(&app, username).await;
            }
            if !self.operators.is_empty() {
                sign_in_as(&app, ADMIN).await;
            }
        }
        if let Some(username) = &self.signed_in {
            sign_in_as(&app, username).await;
        }
        (app, clock, opener)
    }
}

/// Sets up the first admin: `admin`, "Ayu Admin", [`ADMIN_PW`].
pub async fn set_up_admin(app: &Backoffice) -> SessionStatus {
    app.set_up_first_admin(FirstAdminInput {
        username: ADMIN.into(),
        display_name: "Ayu Admin".into(),
        password: ADMIN_PW.into(),
    })
    .await
    .unwrap()
}

/// A new operator with the one-time password [`one_time_password_of`] them.
pub fn new_operator(username: &str, display_name: &str, role: &str) -> NewOperatorInput {
    NewOperatorInput {
        username: username.into(),
        display_name: display_name.into(),
        role: role.into(),
        password: one_time_password_of(username).as_str().into(),
    }
}

/// The signed-in admin creates the operator; then the operator signs in with the one-time
/// password and replaces it with [`password_of`] them, as they must. They stay signed in.
/// Four password hashes.
pub async fn add_operator(app: &Backoffice, username: &str, display_name: &str, role: &str) {
    app.create_operator(new_operator(username, display_name, role)).await.unwrap();
    replace_one_time_password(app, username).await;
}

/// `username` signs in with their one-time password and replaces it with [`password_of`] them.
pub async fn replace_one_time_password(app: &Backoffice, username: &str) {
    let one_time = one_time_password_of(username);
    let status = sign_in(app, username, &one_time).await.unwrap();
    assert_eq!(status.state, SessionState::PasswordChangeRequired);
    app.change_password(ChangePasswordInput {
        current_password: one_time.as_str().into(),
        new_password: password_of(username).as_str().into(),
    })
    .await
    .unwrap();
}

/// Signs in with `username` and `password`.
pub async fn sign_in(
    app: &Backoffice,
    username: &str,
    password: &str,
) -> Result<SessionStatus, AppError> {
    app.sign_in(SignInInput { username: username.into(), password: password.into() }).await
}

/// Signs `username` in with their password.
pub async fn sign_in_as(app: &Backoffice, username: &str) {
    sign_in(app, username, &password_of(username)).await.unwrap();
}

/// The built-in environment's simulator URL (starting it when it is not running yet).
pub async fn sandbox_url(app: &Backoffice) -> String {
    app.sandbox_url().await.unwrap().unwrap()
}

/// A refusal's code and reason.
pub fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> (ErrorCode, Option<&'static str>) {
    let e = r.unwrap_err();
    (e.code, e.reason)
}

pub use crate::values::{idr as rp, reference};

/// The one customer found by `query` (a phone, a name); panics unless exactly one is.
pub async fn customer_id(app: &Backoffice, query: &str) -> i64 {
    let found = search(app, query).await;
    assert_eq!(found.hits.len(), 1, "{query}: {found:?}");
    found.hits[0].customer.id
}

/// The customer search, at most 20 hits.
pub async fn search(app: &Backoffice, query: &str) -> SearchResult {
    app.search_customers(SearchInput { query: query.into(), limit: 20 }).await.unwrap()
}

/// A payment to start: no phone, account or pay source chosen.
pub fn payment_input(
    customer_id: Option<i64>,
    product: &str,
    kind: &str,
    amount: &str,
    description: &str,
) -> StartPaymentInput {
    StartPaymentInput {
        customer_id,
        product: product.into(),
        kind: kind.into(),
        amount: amount.into(),
        phone: String::new(),
        account_id: None,
        source: String::new(),
        description: description.into(),
    }
}

pub async fn payment_page(app: &Backoffice, payment_id: i64) -> PaymentDetailView {
    app.payment_page(PaymentRef { payment_id }).await.unwrap()
}

/// The newest `limit` audit entries, newest first.
/// Where `needle` occurs in the ledger: the file and its write-ahead log as on disk (their
/// paths), or on PostgreSQL the tables whose live rows hold it (their names).
pub async fn ledger_holds(app: &Backoffice, needle: &str) -> Vec<String> {
    let Some(path) = app.ledger().path() else {
        let pool = app.ledger().writer_pool();
        let tables = app.ledger().tables().await.unwrap();
        let mut holders = Vec::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            if rows.iter().any(|row| row.contains(needle)) {
                holders.push(table);
            }
        }
        return holders;
    };
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal]
        .into_iter()
        .filter(|file| {
            let bytes = std::fs::read(file).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
        .map(|file| file.display().to_string())
        .collect()
}

/// The ledger's size on disk: the file and its write-ahead log, or the PostgreSQL database.
pub async fn ledger_bytes(app: &Backoffice) -> u64 {
    let Some(path) = app.ledger().path() else {
        let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(app.ledger().writer_pool())
            .await
            .unwrap();
        return u64::try_from(size).unwrap_or(0);
    };
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal]
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum()
}

/// The newest `limit` entries of the audit log, unfiltered.
pub fn audit_query(limit: u32) -> AuditQuery {
    AuditQuery { filters: AuditFilters::default(), before_seq: None, limit }
}

pub async fn audit_page(app: &Backoffice, limit: u32) -> Vec<AuditEntryView> {
    app.list_audit(audit_query(limit)).await.unwrap().items
}

/// The payments list: `product` and `status` when given, nothing else filtered.
pub fn payment_query(product: Option<&str>, status: Option<&str>, limit: u32) -> PaymentQuery {
    PaymentQuery {
        filters: PaymentFilters {
            product: product.map(Into::into),
            status: status.map(Into::into),
            ..Default::default()
        },
        after: None,
        limit,
    }
}

/// The first 200 refunds of the queue in `status`.
pub async fn refund_queue(app: &Backoffice, status: &str) -> Vec<RefundView> {
    app.refund_queue(RefundQueueQuery { status: status.into(), after_id: None, limit: 200 })
        .await
        .unwrap()
        .items
}

/// A payment recorded straight in the built-in environment's ledger, with no provider call
/// (offline products, races, payments a test needs only as history).
#[derive(Debug, Clone)]
pub struct RecordedPayment {
    pub product: Product,
    pub kind: &'static str,
    pub amount: i64,
    pub status: PaymentStatus,
    /// A new random one when `None`.
    pub reference: Option<Reference>,
    pub customer_id: Option<CustomerId>,
    pub binding_id: Option<BindingId>,
    pub phone: Option<Msisdn>,
    /// The whole amount paid in cash, no points.
    pub in_cash: bool,
    pub provider_ref: Option<String>,
    pub created_by: Option<OperatorId>,
}

impl RecordedPayment {
    /// A succeeded payment of `amount` rupiah, nothing else known.
    pub fn succeeded(product: Product, kind: &'static str, amount: i64) -> RecordedPayment {
        RecordedPayment {
            product,
            kind,
            amount,
            status: PaymentStatus::Succeeded,
            reference: None,
            customer_id: None,
            binding_id: None,
            phone: None,
            in_cash: false,
            provider_ref: None,
            created_by: None,
        }
    }

    /// Records it at the app's time (succeeded then too when its status is succeeded); answers
    /// the payment id.
    pub async fn insert(&self, app: &Backoffice) -> i64 {
        let generated = reference();
        let now = app.now();
        let mut tx = app.ledger().begin_write().await.unwrap();
        let id = payments::insert(
            &mut tx,
            &NewPayment {
                reference: self.reference.as_ref().unwrap_or(&generated),
                environment: Environment::BuiltInSandbox,
                customer_id: self.customer_id,
                binding_id: self.binding_id,
                product: self.product,
                kind: self.kind,
                phone: self.phone.as_ref(),
                amount: rp(self.amount),
                cash_amount: self.in_cash.then(|| rp(self.amount)),
                points_amount: self.in_cash.then_some(Idr::ZERO),
                status: self.status,
                provider_ref: self.provider_ref.as_deref(),
                created_by: self.created_by,
                created_at: now,
                succeeded_at: (self.status == PaymentStatus::Succeeded).then_some(now),
            },
        )
        .await
        .unwrap();
        ovo_ledger::commit(tx).await.unwrap();
        id.get()
    }
}

/// Reads the payment's page every `every` until `done` holds of it (20 s at the most), running
/// `between` after each read that does not (moving the clock on and polling, say).
pub async fn until_payment<F: Future<Output = ()>>(
    app: &Backoffice,
    id: i64,
    every: Duration,
    done: impl Fn(&PaymentDetailView) -> bool,
    between: impl Fn() -> F,
) -> PaymentDetailView {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = payment_page(app, id).await;
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "payment {id} stayed {}: {now:#?}", now.payment.status);
        tokio::time::sleep(every).await;
        between().await;
    }
}

/// Moves the app's clock on by `seconds` and runs the payment poller once.
pub async fn advance_and_poll(test: &TestApp, seconds: i64) {
    test.clock.advance_seconds(seconds);
    test.app.poll_payments().await.unwrap();
}

/// The newest `limit` notifications the app stored for `product`, newest first.
pub async fn notifications(
    app: &Backoffice,
    product: Product,
    limit: u32,
) -> Vec<ovo_ledger::notifications::NotificationRow> {
    let mut conn = app.ledger().read().await.unwrap();
    ovo_ledger::notifications::recent(&mut conn, Some(product), limit).await.unwrap()
}

/// The id of the operator `username`.
pub async fn operator_id(app: &Backoffice, username: &str) -> OperatorId {
    let mut conn = app.ledger().read().await.unwrap();
    ovo_ledger::operators::by_username(&mut conn, username).await.unwrap().unwrap().id
}

/// A refund's request, decision and page, as the suites about refunds send them.
pub mod refund {
    use ovo_app::ipc::*;
    use ovo_app::{AppError, Backoffice};

    /// Requests a refund of `amount` (as typed) of the payment, the goods returned.
    pub async fn request(
        app: &Backoffice,
        payment_id: i64,
        amount: &str,
    ) -> Result<RefundView, AppError> {
        app.request_refund(RequestRefundInput {
            payment_id,
            amount: amount.into(),
            reason: "customer returned the goods".into(),
        })
        .await
    }

    pub async fn decide(
        app: &Backoffice,
        refund_id: i64,
        approve: bool,
        note: &str,
        password: &str,
    ) -> Result<RefundView, AppError> {
        app.decide_refund(DecideRefundInput {
            refund_id,
            approve,
            note: note.into(),
            password: password.into(),
        })
        .await
    }

    pub async fn page(app: &Backoffice, refund_id: i64) -> RefundView {
        app.refund_page(RefundRef { refund_id }).await.unwrap()
    }

    /// The kinds of the refund's timeline events, oldest first.
    pub fn kinds(view: &RefundView) -> Vec<&str> {
        view.timeline.iter().map(|t| t.kind.as_str()).collect()
    }
}
