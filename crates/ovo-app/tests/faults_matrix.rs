//! The faults matrix: product × use case × provider fault, at app level. Each cell arms one
//! fault on a real simulator (ovo-sandbox over loopback, time scale 0.05), runs the use case
//! through `Backoffice` on a real ledger file, lets the background work (poller, refund
//! resolver, linkings) run until quiet, and compares the end state with the cell's expected end
//! state in `faults_matrix.toml`. Three worlds (ledger + simulator + listener) per product, all
//! running concurrently, each taking a third of its product's cells one after another.
//!
//! Prints `faults: N cells, W wrong` and writes the table to `faults.md` in
//! `OVO_RELIABILITY_DIR` (default `target/reliability`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ovo_app::ipc::*;
use ovo_app::Backoffice;
use ovo_domain::Product;
use ovo_sandbox::{Merchants, RunningSandbox};
use ovo_test_support::app::{self, TestApp};
use ovo_test_support::phones::{BUDI, PAYER, SITI, SOPHIA};
use ovo_test_support::sim::{self, Sim};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const SCALE: &str = "0.05";
/// Parts per million of `SCALE`.
const SCALE_PPM: i64 = 50_000;
/// Longer than any client timeout in the built-in environment (scaled, never below 5 s).
const TIMEOUT_DELAY_MS: u64 = 7_000;
/// The provider processes the request this long (provider time, scaled by the simulator) after
/// the answer was lost: after the first status checks (+60 s, +75 s) have found nothing, within
/// the products' 2 min processing window.
const LATE_MS: u64 = 90_000;
/// The identical notification again this long (provider time, scaled) after the first.
const REPLAY_MS: u64 = 20_000;
const AMOUNT: i64 = 15_000;
/// Worlds that share one product's cells, each running its share one cell after another.
const WORLDS_PER_PRODUCT: usize = 3;

const AGUS: &str = "6285712345678";

// ---------------------------------------------------------------------------------------------
// The data file
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct MatrixFile {
    cell: Vec<CellSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CellSpec {
    product: String,
    op: String,
    fault: String,
    /// Why the cell does not apply to this product.
    #[serde(default)]
    na: Option<String>,
    #[serde(default)]
    expect: Option<State>,
}

/// An end state. In `expect`, an absent field is not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    /// The payment's, refund's or linking's status; `fresh` / `failed_kept` for a balance.
    status: Option<String>,
    /// Refunds: `held` (the amount stays reserved) or `released`.
    reservation: Option<String>,
    /// Provider writes processed: money moved in the customer's wallet (pay, refund,
    /// notification), binding requests received (link).
    writes: Option<i64>,
    /// Notifications: how often the payment became succeeded (its timeline).
    applied: Option<i64>,
    /// Notifications: unverified notifications that changed the payment (always 0).
    forged_applied: Option<i64>,
    /// What the operator sees: the problem shown (`none`, `unknown_outcome`, …).
    sees: Option<String>,
    /// Notifications: the inbox rows' outcomes, for the table (never compared).
    #[serde(skip_deserializing)]
    inbox: Option<String>,
}

impl State {
    fn matches(&self, actual: &State) -> bool {
        fn ok<T: PartialEq>(expected: &Option<T>, actual: &Option<T>) -> bool {
            expected.is_none() || expected == actual
        }
        ok(&self.status, &actual.status)
            && ok(&self.reservation, &actual.reservation)
            && ok(&self.writes, &actual.writes)
            && ok(&self.applied, &actual.applied)
            && ok(&self.forged_applied, &actual.forged_applied)
            && ok(&self.sees, &actual.sees)
    }

    fn render(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                parts.push(format!("{name}={value}"));
            }
        };
        add("status", self.status.clone());
        add("reservation", self.reservation.clone());
        add("writes", self.writes.map(|v| v.to_string()));
        add("applied", self.applied.map(|v| v.to_string()));
        add("forged_applied", self.forged_applied.map(|v| v.to_string()));
        add("sees", self.sees.clone());
        add("inbox", self.inbox.clone());
        parts.join(", ")
    }
}

fn load_matrix() -> Vec<CellSpec> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/faults_matrix.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let file: MatrixFile = toml::from_str(&text).unwrap();
    let products: Vec<&str> = Product::ALL.iter().map(|p| p.key()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for cell in &file.cell {
        assert!(products.contains(&cell.product.as_str()), "unknown product {cell:?}");
        assert!(OPS.contains(&cell.op.as_str()), "unknown use case {cell:?}");
        assert!(FAULTS.contains(&cell.fault.as_str()), "unknown fault {cell:?}");
        assert!(
            cell.na.is_some() != cell.expect.is_some(),
            "a cell is either n/a (with its reason) or expected: {cell:?}"
        );
        assert!(cell.na.as_deref().is_none_or(|r| !r.trim().is_empty()), "{cell:?}");
        assert!(
            cell.expect.as_ref().is_none_or(|e| e.status.is_some()),
            "every expected state names its status: {cell:?}"
        );
        assert!(
            seen.insert((cell.product.clone(), cell.op.clone(), cell.fault.clone())),
            "twice: {cell:?}"
        );
    }
    // Every cell of the matrix is written down, applicable or not.
    assert_eq!(seen.len(), products.len() * OPS.len() * FAULTS.len(), "the matrix is complete");
    file.cell
}

const OPS: [&str; 5] = ["pay", "refund", "link", "balance", "notification"];
const FAULTS: [&str; 10] = [
    "timeout",
    "5xx",
    "5xx_after_processing",
    "malformed_body",
    "dropped_connection",
    "lost_response",
    "late_processing",
    "duplicate",
    "forged",
    "replayed",
];

/// The simulator fault each column arms, and whether it is a notification fault.
fn armed_fault(fault: &str) -> (Value, bool) {
    match fault {
        "timeout" => (json!({ "kind": "delay", "ms": TIMEOUT_DELAY_MS }), false),
        "5xx" => (json!({ "kind": "http_status", "status": 503 }), false),
        "5xx_after_processing" => {
            (json!({ "kind": "server_error_after_processing", "status": 500 }), false)
        }
        "malformed_body" => (json!({ "kind": "malformed_body" }), false),
        "dropped_connection" => (json!({ "kind": "drop_connection" }), false),
        "lost_response" => (json!({ "kind": "lose_response" }), false),
        "late_processing" => (json!({ "kind": "late_processing", "after_ms": LATE_MS }), false),
        "duplicate" => (json!({ "kind": "duplicate_notification" }), true),
        "forged" => (json!({ "kind": "wrong_signature_notification" }), true),
        "replayed" => (json!({ "kind": "replay_notification", "after_ms": REPLAY_MS }), true),
        other => panic!("unknown fault {other}"),
    }
}

fn scaled(provider_ms: u64) -> u64 {
    provider_ms * SCALE_PPM.unsigned_abs() / 1_000_000
}

/// How long the fault plays out in real time before the background work may fast-forward.
fn real_wait(fault: &str) -> Duration {
    Duration::from_millis(match fault {
        "timeout" => TIMEOUT_DELAY_MS + 1_500,
        "late_processing" => scaled(LATE_MS) + 1_500,
        "replayed" => scaled(REPLAY_MS) + 1_500,
        _ => 2_000,
    })
}

// ---------------------------------------------------------------------------------------------
// One product's world
// ---------------------------------------------------------------------------------------------

/// Who pays, links and whose balance is read, and the provider endpoints each use case writes to.
struct Setup {
    product: Product,
    pay_kind: &'static str,
    payer: &'static str,
    pay_endpoint: &'static str,
    refund_endpoint: Option<&'static str>,
    /// Someone without a link on this product, and the binding call.
    link: Option<(&'static str, &'static str)>,
    /// Someone linked on this product, and the balance call.
    balance: Option<(&'static str, &'static str)>,
}

fn setup(product: Product) -> Setup {
    match product {
        Product::OvoSnap => Setup {
            product,
            pay_kind: "direct_debit",
            payer: BUDI,
            pay_endpoint: "/OVOSNAP/v2.0/debit/payment-host-to-host",
            refund_endpoint: Some("/OVOSNAP/v2.0/debit/refund"),
            link: Some((SITI, "/OVOSNAP/v2.0/oauth/account/registration-account-binding")),
            balance: Some((BUDI, "/OVOSNAP/v2.0/balance-inquiry")),
        },
        Product::DokuSnapOvo => Setup {
            product,
            pay_kind: "recurring",
            payer: SITI,
            pay_endpoint: "/direct-debit/core/v1/debit/payment-host-to-host",
            refund_endpoint: Some("/direct-debit/core/v1/debit/refund"),
            link: Some((BUDI, "/direct-debit/core/v1/registration-account-binding")),
            balance: Some((SITI, "/direct-debit/core/v1/balance-inquiry")),
        },
        Product::DokuJokulOvoPush => Setup {
            product,
            pay_kind: "push",
            payer: PAYER,
            pay_endpoint: "/ovo-emoney/v1/payment",
            refund_endpoint: None,
            link: None,
            balance: None,
        },
        Product::TazapayOvoIdr => Setup {
            product,
            pay_kind: "payin",
            payer: AGUS,
            pay_endpoint: "/v3/payin",
            refund_endpoint: Some("/v3/refund"),
            link: None,
            balance: None,
        },
        Product::FaspayOvoTokenize => Setup {
            product,
            pay_kind: "tokenized",
            payer: SOPHIA,
            pay_endpoint: "/cvr/100037/10",
            refund_endpoint: None,
            link: Some((BUDI, "/cvr/100037/10")),
            balance: Some((SOPHIA, "/cvr/100037/10")),
        },
    }
}

struct World {
    test: TestApp,
    _sandbox: RunningSandbox,
    sim: Sim,
    setup: Setup,
}

impl std::ops::Deref for World {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.test
    }
}

/// The demo merchants, with notifications sent to the app's listener (DOKU Jokul's are not
/// in the matrix).
fn merchants_notifying(listener: &str) -> Merchants {
    Merchants::demo_notifying(
        listener,
        &["ovo_snap", "doku_snap_ovo", "faspay_ovo_tokenize", "tazapay_ovo_idr"],
    )
}

async fn sign_in_as(app: &Backoffice, username: &str) {
    app::sign_in_as(app, username).await;
}

impl World {
    async fn open(product: Product) -> World {
        // The listener's port is chosen first: the simulator is told where to notify. Another
        // process may take the port before the app binds it; then the world opens on another.
        for _ in 0..5 {
            if let Some(world) = World::open_on_a_free_port(product).await {
                return world;
            }
        }
        panic!("the listener found no free port in 5 tries");
    }

    async fn open_on_a_free_port(product: Product) -> Option<World> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listener = format!("http://127.0.0.1:{port}");
        let sandbox = sim::start_with(merchants_notifying(&listener), SCALE).await;
        let sim = Sim::of(&sandbox);
        let test = TestApp::builder()
            .scale(SCALE)
            .sandbox_url(&sim.url)
            .operators(&[("sam", "staff"), ("fina", "finance")])
            .signed_in("admin")
            .open()
            .await;
        let input = ListenerInput { enabled: true, address: format!("127.0.0.1:{port}") };
        let settings = test.app.set_listener(input).await.unwrap();
        if !settings.running {
            let taken = settings.problem.as_deref().is_some_and(|p| p.contains("in use"));
            assert!(taken, "{settings:?}");
            return None;
        }
        if let Some(u) = settings.urls.iter().find(|u| u.product == product) {
            assert_eq!(
                u.url,
                format!("{listener}/{}", product.key()),
                "the simulator notifies the listener's own path"
            );
        }
        let world = World { test, _sandbox: sandbox, sim, setup: setup(product) };
        // The customers decide every step at once, so nothing waits for a person.
        for phone in [BUDI, SITI, SOPHIA, AGUS] {
            world
                .sim
                .patch(
                    &format!("/_sandbox/accounts/{phone}"),
                    json!({ "behaviour": "auto_approve" }),
                )
                .await;
        }
        sign_in_as(&world.app, "sam").await;
        Some(world)
    }

    async fn get(&self, path: &str) -> Value {
        self.sim.get(path).await
    }

    /// Arms `fault` for the next call of `endpoint` (`notification` for a notification fault).
    async fn arm(&self, endpoint: &str, fault: Value) -> Result<(), String> {
        let body = json!({ "product": self.setup.product.key(), "endpoint": endpoint, "fault": fault, "count": 1 });
        let kind = body["fault"]["kind"].as_str().unwrap_or_default().to_owned();
        match self.sim.post_any("/_sandbox/faults", body).await {
            (200..=299, _) => Ok(()),
            (status, _) => Err(format!("the simulator has no `{kind}` fault (HTTP {status})")),
        }
    }

    async fn disarm(&self) {
        self.sim.clear_faults().await;
    }

    /// Cash and points of one OVO account, in rupiah.
    async fn wallet(&self, phone: &str) -> i64 {
        let account = self.get(&format!("/_sandbox/accounts/{phone}")).await;
        account["cash"].as_i64().unwrap() + account["points"].as_i64().unwrap()
    }

    async fn received(&self, endpoint: &str) -> usize {
        let all =
            self.get(&format!("/_sandbox/received?product={}", self.setup.product.key())).await;
        all.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["endpoint"] == endpoint && r["method"] == "POST")
            .count()
    }

    async fn notifications_sent(&self) -> usize {
        let all = self
            .get(&format!("/_sandbox/notifications?product={}", self.setup.product.key()))
            .await;
        all.as_array().map_or(0, Vec::len)
    }

    async fn customer(&self, phone: &str) -> i64 {
        app::customer_id(&self.app, phone).await
    }

    async fn payment(&self, id: i64) -> PaymentDetailView {
        sign_in_as(&self.app, "sam").await;
        app::payment_page(&self.app, id).await
    }

    /// Starts a payment by the product's payer; answers its id.
    async fn start_payment(&self) -> Result<i64, String> {
        sign_in_as(&self.app, "sam").await;
        let customer = self.customer(self.setup.payer).await;
        let account_id =
            if matches!(self.setup.pay_kind, "direct_debit" | "recurring" | "tokenized") {
                let page =
                    self.app.customer_page(CustomerRef { customer_id: customer }).await.unwrap();
                page.accounts
                    .iter()
                    .find(|a| a.product == self.setup.product && a.status == LinkStatus::Active)
                    .map(|a| a.id)
            } else {
                None
            };
        let input = StartPaymentInput {
            account_id,
            source: if self.setup.product == Product::OvoSnap {
                "cash".into()
            } else {
                String::new()
            },
            ..app::payment_input(
                Some(customer),
                self.setup.product.key(),
                self.setup.pay_kind,
                &AMOUNT.to_string(),
                "faults matrix",
            )
        };
        self.app
            .start_payment(input)
            .await
            .map(|v| v.payment.id)
            .map_err(|e| format!("start_payment refused: {e:?}"))
    }

    /// Runs the background work: first at about real speed while the fault plays out, then
    /// fast-forwarded (the poller's back-off and give-up times are on the app's clock) until
    /// `quiet` or three scaled days.
    async fn settle<F, Fut>(&self, real: Duration, quiet: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while started.elapsed() < real {
            // The app's clock runs with the simulator's meanwhile.
            tokio::time::sleep(Duration::from_millis(100)).await;
            self.clock.advance_millis(100);
            self.background().await;
        }
        // Three days at the time scale: past every product's give-up time.
        let horizon = 3 * 24 * 3_600_000 * SCALE_PPM / 1_000_000;
        let step = horizon / 150;
        let mut advanced = 0;
        while advanced < horizon {
            if quiet().await {
                return;
            }
            self.clock.advance_millis(step);
            advanced += step;
            self.background().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn background(&self) {
        let _ = self.app.poll_payments().await;
        let _ = self.app.resolve_refunds().await;
        let _ = self.app.process_linkings().await;
    }

    async fn payment_final(&self, id: i64) -> bool {
        let mut conn = self.app.ledger().read().await.unwrap();
        let row = ovo_ledger::payments::get(&mut conn, ovo_domain::PaymentId::new(id))
            .await
            .unwrap()
            .unwrap();
        use ovo_domain::PaymentStatus as S;
        !matches!(row.status, S::Created | S::Pending | S::Unknown)
    }

    async fn refund_final(&self, id: i64) -> bool {
        let mut conn = self.app.ledger().read().await.unwrap();
        let row = ovo_ledger::refunds::get(&mut conn, ovo_domain::RefundId::new(id))
            .await
            .unwrap()
            .unwrap();
        use ovo_domain::RefundStatus as S;
        !matches!(
            row.status,
            S::Requested | S::Approved | S::Submitting | S::Processing | S::Unknown
        )
    }
}

fn problem_of(problem: Option<&ProviderProblem>) -> String {
    problem.map_or_else(
        || "none".to_owned(),
        |p| serde_json::to_value(p.kind).unwrap().as_str().unwrap_or("?").to_owned(),
    )
}

// ---------------------------------------------------------------------------------------------
// The use cases
// ---------------------------------------------------------------------------------------------

async fn run_pay(w: &World, fault: &str) -> Result<State, String> {
    let before = w.wallet(w.setup.payer).await;
    let (armed, _) = armed_fault(fault);
    w.arm(w.setup.pay_endpoint, armed).await?;
    let id = w.start_payment().await?;
    w.settle(real_wait(fault), || w.payment_final(id)).await;
    let page = w.payment(id).await;
    let after = w.wallet(w.setup.payer).await;
    Ok(State {
        status: Some(page.payment.status.clone()),
        writes: Some((before - after) / AMOUNT),
        sees: Some(problem_of(page.problem.as_ref())),
        ..State::default()
    })
}

/// A paid payment of the product's payer, taken with no fault.
async fn paid_payment(w: &World) -> Result<i64, String> {
    let id = w.start_payment().await?;
    w.settle(Duration::from_millis(1_600), || w.payment_final(id)).await;
    let page = w.payment(id).await;
    if page.payment.status == "succeeded" {
        Ok(id)
    } else {
        Err(format!("the payment to refund ended {} with no fault", page.payment.status))
    }
}

async fn run_refund(w: &World, fault: &str) -> Result<State, String> {
    let endpoint = w.setup.refund_endpoint.ok_or("no refund API")?;
    let payment = paid_payment(w).await?;
    let before = w.wallet(w.setup.payer).await;
    sign_in_as(&w.app, "sam").await;
    let refund = w
        .app
        .request_refund(RequestRefundInput {
            payment_id: payment,
            amount: AMOUNT.to_string(),
            reason: "faults matrix".into(),
        })
        .await
        .map_err(|e| format!("request_refund refused: {e:?}"))?;
    let (armed, _) = armed_fault(fault);
    w.arm(endpoint, armed).await?;
    sign_in_as(&w.app, "fina").await;
    w.app
        .decide_refund(DecideRefundInput {
            refund_id: refund.id,
            approve: true,
            note: String::new(),
            password: app::password_of("fina").as_str().into(),
        })
        .await
        .map_err(|e| format!("decide_refund refused: {e:?}"))?;
    w.settle(real_wait(fault), || w.refund_final(refund.id)).await;
    sign_in_as(&w.app, "fina").await;
    let view = w.app.refund_page(RefundRef { refund_id: refund.id }).await.unwrap();
    let page = w.payment(payment).await;
    let after = w.wallet(w.setup.payer).await;
    let reservation = match page.refundable {
        0 => "held".to_owned(),
        AMOUNT => "released".to_owned(),
        other => format!("refundable {other}"),
    };
    Ok(State {
        status: Some(view.status.clone()),
        reservation: Some(reservation),
        writes: Some((after - before) / AMOUNT),
        // A refund shows its status and timeline, no problem line.
        sees: None,
        ..State::default()
    })
}

async fn account_of(w: &World, customer: i64, id: Option<i64>) -> Option<LinkedAccountView> {
    sign_in_as(&w.app, "sam").await;
    let page = w.app.customer_page(CustomerRef { customer_id: customer }).await.unwrap();
    page.accounts
        .into_iter()
        .filter(|a| a.product == w.setup.product)
        .find(|a| id.is_none_or(|id| a.id == id))
}

async fn run_link(w: &World, fault: &str) -> Result<State, String> {
    let (phone, endpoint) = w.setup.link.ok_or("no linking")?;
    let customer = w.customer(phone).await;
    let before = w.received(endpoint).await;
    let (armed, _) = armed_fault(fault);
    w.arm(endpoint, armed).await?;
    sign_in_as(&w.app, "sam").await;
    let started = w
        .app
        .start_link(StartLinkInput {
            customer_id: customer,
            product: w.setup.product.key().into(),
            phone: String::new(),
        })
        .await;
    let id = match &started {
        Ok(view) => Some(view.id),
        Err(_) => account_of(w, customer, None).await.map(|a| a.id),
    };
    let id = id.ok_or("no linking was recorded")?;
    // The customer's browser opens the page the provider gave, if any (the account decides at once).
    if let Ok(view) = &started {
        if let Some(url) = &view.redirect_url {
            let _ = w.http.get(url).send().await;
        }
    }
    let quiet = || async {
        let mut conn = w.app.ledger().read().await.unwrap();
        let row = ovo_ledger::bindings::get(&mut conn, ovo_domain::BindingId::new(id))
            .await
            .unwrap()
            .unwrap();
        row.status != ovo_ledger::bindings::BindingStatus::Pending
    };
    w.settle(real_wait(fault), quiet).await;
    sign_in_as(&w.app, "sam").await;
    let _ = w.app.refresh_link(AccountRef { account_id: id }).await;
    let account = account_of(w, customer, Some(id)).await.ok_or("the linking disappeared")?;
    let status = serde_json::to_value(account.status).unwrap().as_str().unwrap().to_owned();
    let writes = i64::try_from(w.received(endpoint).await - before).unwrap();
    // The next cell links the same customer again.
    if account.status == LinkStatus::Active {
        let _ = w.app.unlink_account(AccountRef { account_id: id }).await;
    }
    Ok(State {
        status: Some(status),
        writes: Some(writes),
        sees: Some(problem_of(account.problem.as_ref())),
        ..State::default()
    })
}

async fn run_balance(w: &World, fault: &str) -> Result<State, String> {
    let (phone, endpoint) = w.setup.balance.ok_or("no balance")?;
    let customer = w.customer(phone).await;
    let account = account_of(w, customer, None).await.ok_or("no linked account")?;
    let good = w
        .app
        .refresh_balance(AccountRef { account_id: account.id })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let good = good.balance.ok_or("no balance with no fault")?;
    let wallet = w.wallet(phone).await;
    w.clock.advance_seconds(60);
    let (armed, _) = armed_fault(fault);
    w.arm(endpoint, armed).await?;
    sign_in_as(&w.app, "sam").await;
    let after = w
        .app
        .refresh_balance(AccountRef { account_id: account.id })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let balance = after.balance.ok_or("no balance shown")?;
    let shown = balance.cash.unwrap_or_default() + balance.points.unwrap_or_default();
    let status = match (&balance.last_failure, balance.as_of == good.as_of) {
        (None, false) if shown == wallet => "fresh".to_owned(),
        (Some(_), true)
            if shown == good.cash.unwrap_or_default() + good.points.unwrap_or_default() =>
        {
            "failed_kept".to_owned()
        }
        _ => format!(
            "wrong: shows {shown} (wallet {wallet}), failure {:?}",
            balance.last_failure.map(|f| f.kind)
        ),
    };
    Ok(State {
        status: Some(status),
        writes: Some(0),
        sees: Some(problem_of(after.problem.as_ref())),
        ..State::default()
    })
}

async fn run_notification(w: &World, fault: &str) -> Result<State, String> {
    let before = w.wallet(w.setup.payer).await;
    let sent_before = w.notifications_sent().await;
    let (armed, is_notification) = armed_fault(fault);
    assert!(is_notification);
    w.arm("notification", armed).await?;
    let id = w.start_payment().await?;
    // The notifications arrive before any status query could settle the payment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.notifications_sent().await == sent_before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.settle(real_wait(fault), || w.payment_final(id)).await;
    let page = w.payment(id).await;
    let after = w.wallet(w.setup.payer).await;
    let inbox = app::notifications(&w.app, w.setup.product, 500).await;
    let ours: Vec<_> = inbox.iter().filter(|n| n.payment_id.map(|p| p.get()) == Some(id)).collect();
    // A success applied twice would be on the payment's timeline twice.
    let applied_success = page.timeline.iter().filter(|t| t.kind == "payment_succeeded").count();
    let forged_applied = ours
        .iter()
        .filter(|n| !n.verified && n.outcome.as_deref().is_some_and(|o| o.starts_with("applied")))
        .count();
    let outcomes: Vec<String> = ours
        .iter()
        .map(|n| {
            format!(
                "{}:{}",
                if n.verified { "verified" } else { "unverified" },
                n.outcome.as_deref().unwrap_or("unprocessed")
            )
        })
        .collect();
    Ok(State {
        status: Some(page.payment.status.clone()),
        writes: Some((before - after) / AMOUNT),
        applied: Some(i64::try_from(applied_success).unwrap()),
        forged_applied: Some(i64::try_from(forged_applied).unwrap()),
        inbox: Some(format!("[{}]", outcomes.join(" "))),
        sees: Some(problem_of(page.problem.as_ref())),
        ..State::default()
    })
}

async fn run_cell(w: &World, cell: &CellSpec) -> Result<State, String> {
    // Fresh provider clients: the simulator's SNAP tokens live 900 s × the time scale while it
    // announces 900 s, so a client kept across cells would present an expired one.
    w.app.trust_extra_roots(ovo_providers::ExtraRoots::default());
    let run = async {
        match cell.op.as_str() {
            "pay" => run_pay(w, &cell.fault).await,
            "refund" => run_refund(w, &cell.fault).await,
            "link" => run_link(w, &cell.fault).await,
            "balance" => run_balance(w, &cell.fault).await,
            "notification" => run_notification(w, &cell.fault).await,
            other => Err(format!("unknown use case {other}")),
        }
    };
    let outcome = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .unwrap_or_else(|_| Err("did not end within 90 s".into()));
    // Whatever the cell did not use up is not left for the next one.
    w.disarm().await;
    outcome
}

struct Row {
    cell: CellSpec,
    actual: Result<State, String>,
    ok: bool,
}

async fn run_product(product: Product, cells: Vec<CellSpec>) -> Vec<Row> {
    let world = World::open(product).await;
    let mut rows = Vec::new();
    for cell in cells {
        let actual = run_cell(&world, &cell).await;
        let ok = match (&cell.expect, &actual) {
            (Some(expected), Ok(actual)) => expected.matches(actual),
            _ => false,
        };
        rows.push(Row { cell, actual, ok });
    }
    rows
}

fn report_dir() -> PathBuf {
    match std::env::var_os("OVO_RELIABILITY_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            // The workspace's target directory (CARGO_TARGET_DIR when set).
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
            target.join("reliability")
        }
    }
}

fn markdown(rows: &[Row], na: &[CellSpec], applicable: usize, wrong: usize) -> String {
    let mut out = String::new();
    writeln!(out, "# Faults matrix\n\nfaults: {applicable} cells, {wrong} wrong\n").unwrap();
    writeln!(out, "| cell | expected | actual | ok |\n|---|---|---|---|").unwrap();
    let mut all: BTreeMap<(String, usize, usize), String> = BTreeMap::new();
    let key = |c: &CellSpec| {
        (
            c.product.clone(),
            OPS.iter().position(|o| *o == c.op).unwrap_or(0),
            FAULTS.iter().position(|f| *f == c.fault).unwrap_or(0),
        )
    };
    for row in rows {
        let actual = match &row.actual {
            Ok(state) => state.render(),
            Err(problem) => format!("not run: {problem}"),
        };
        let expected = row.cell.expect.as_ref().map(State::render).unwrap_or_default();
        let ok = if row.ok { "yes" } else { "**WRONG**" };
        all.insert(
            key(&row.cell),
            format!(
                "| {} × {} × {} | {expected} | {actual} | {ok} |",
                row.cell.product, row.cell.op, row.cell.fault
            ),
        );
    }
    for cell in na {
        all.insert(
            key(cell),
            format!(
                "| {} × {} × {} | n/a: {} | | n/a |",
                cell.product,
                cell.op,
                cell.fault,
                cell.na.as_deref().unwrap_or_default()
            ),
        );
    }
    for line in all.values() {
        writeln!(out, "{line}").unwrap();
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_cell_ends_in_the_real_worlds_state() {
    let cells = load_matrix();
    let (mut applicable, na): (Vec<CellSpec>, Vec<CellSpec>) =
        cells.into_iter().partition(|c| c.na.is_none());
    // `OVO_FAULTS_ONLY=ovo_snap×refund` runs the cells whose name contains it (replaying one).
    if let Ok(only) = std::env::var("OVO_FAULTS_ONLY") {
        applicable.retain(|c| format!("{}×{}×{}", c.product, c.op, c.fault).contains(&only));
    }
    let mut tasks = Vec::new();
    for product in Product::ALL {
        let mine: Vec<CellSpec> =
            applicable.iter().filter(|c| c.product == product.key()).cloned().collect();
        // Most of a cell is waiting for the provider's (scaled) time: several worlds per product.
        for world in 0..WORLDS_PER_PRODUCT {
            let share: Vec<CellSpec> =
                mine.iter().skip(world).step_by(WORLDS_PER_PRODUCT).cloned().collect();
            if !share.is_empty() {
                tasks.push(tokio::spawn(run_product(product, share)));
            }
        }
    }
    let mut rows = Vec::new();
    for task in tasks {
        rows.extend(task.await.unwrap());
    }
    let wrong = rows.iter().filter(|r| !r.ok).count();
    let table = markdown(&rows, &na, rows.len(), wrong);
    let dir = report_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // The PostgreSQL pass may run beside the SQLite one: each writes its own table.
    let on_server = std::env::var_os("OVO_TEST_POSTGRES_URL").is_some();
    let report = dir.join(if on_server { "faults-postgres.md" } else { "faults.md" });
    std::fs::write(&report, &table).unwrap();
    println!("faults: {} cells, {wrong} wrong", rows.len());
    for row in rows.iter().filter(|r| !r.ok) {
        eprintln!(
            "wrong: {} × {} × {}: expected {}; actual {}",
            row.cell.product,
            row.cell.op,
            row.cell.fault,
            row.cell.expect.as_ref().map(State::render).unwrap_or_default(),
            match &row.actual {
                Ok(s) => s.render(),
                Err(e) => format!("not run: {e}"),
            }
        );
    }
    assert_eq!(wrong, 0, "see {}", report.display());
}
