//! "Not found" is never "failed" on a guess: a payment whose outcome is unknown stays unknown
//! while the provider may still process it, is then sent again under its original ids where the
//! product's spec allows, else goes to an operator; and everything needed to resolve it comes
//! from the ledger, so a restart loses nothing. Against a real ledger file and a sandbox over
//! loopback (time scale 0.02), with a manual clock for the app's schedule.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ovo_app::ipc::*;
use ovo_app::Backoffice;
use ovo_domain::{Clock, ManualClock, SystemClock, Timestamp};
use ovo_sandbox::RunningSandbox;
use ovo_test_support::app::{self, ADMIN_PW};
use ovo_test_support::phones::{PAYER, SITI};
use ovo_test_support::{sim, Sim};
use serde_json::{json, Value};

const DOKU_PAY: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
const JOKUL_PAY: &str = "/ovo-emoney/v1/payment";

/// The provider answers 503 without processing the call.
fn unavailable() -> Value {
    json!({ "kind": "http_status", "status": 503 })
}

async fn sandbox() -> RunningSandbox {
    sim::start_demo("0.02").await
}

/// The app on `data_dir`, using the sandbox at `url` as its built-in environment.
async fn open(data_dir: &Path, url: &str, clock: &ManualClock) -> Arc<Backoffice> {
    let config = app::config(data_dir, Some("0.02"), Some(url));
    Arc::new(
        Backoffice::open(config, app::keychain_of(data_dir), Arc::new(clock.clone()))
            .await
            .unwrap(),
    )
}

async fn sign_in(app: &Backoffice, username: &str, password: &str) {
    app::sign_in(app, username, password).await.unwrap();
}

struct Fixture {
    dir: tempfile::TempDir,
    sandbox: RunningSandbox,
    app: Arc<Backoffice>,
    clock: ManualClock,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox().await;
    let clock = ManualClock::new(SystemClock.now());
    let app = open(&dir.path().join("data"), &sandbox.url(), &clock).await;
    app::set_up_admin(&app).await;
    app::add_operator(&app, "sam", "Sam", "staff").await;
    Fixture { dir, sandbox, app, clock, http: reqwest::Client::new() }
}

impl Fixture {
    async fn arm(&self, product: &str, endpoint: &str, fault: Value) {
        Sim::of(&self.sandbox).arm(product, endpoint, fault, 1).await;
    }

    /// The writes the sandbox received on `endpoint`.
    async fn posts(&self, product: &str, endpoint: &str) -> Vec<Value> {
        Sim::of(&self.sandbox).received_at(product, "POST", endpoint).await
    }

    /// Arms the fault on the product's endpoint, then starts a payment of `amount` for the
    /// customer with `phone`; answers the clock's time at the start and the payment.
    async fn start_after(
        &self,
        (product, endpoint, fault): (&str, &str, Value),
        phone: &str,
        kind: &str,
        amount: &str,
    ) -> (Timestamp, PaymentDetailView) {
        let customer = app::customer_id(&self.app, phone).await;
        self.arm(product, endpoint, fault).await;
        let t0 = self.clock.now();
        let input = app::payment_input(Some(customer), product, kind, amount, "not found test");
        (t0, self.app.start_payment(input).await.unwrap())
    }

    async fn detail(&self, id: i64) -> PaymentDetailView {
        app::payment_page(&self.app, id).await
    }

    /// Sets the app's clock to `millis` after `from` and runs the poller once.
    async fn poll_at(&self, from: Timestamp, millis: i64) {
        self.clock.set(from.plus_millis(millis));
        self.app.poll_payments().await.unwrap();
        sign_in(&self.app, "sam", "sam-password").await;
    }

    /// Moves the clock on and polls until the payment is `status`.
    async fn until_status(&self, id: i64, status: &str) -> PaymentDetailView {
        let done = |p: &PaymentDetailView| p.payment.status == status;
        let poll = || async {
            self.clock.advance_seconds(20);
            self.app.poll_payments().await.unwrap();
            sign_in(&self.app, "sam", "sam-password").await;
        };
        app::until_payment(&self.app, id, Duration::from_millis(100), done, poll).await
    }

    async fn audit_actions(&self, reference: &str) -> Vec<String> {
        sign_in(&self.app, "admin", ADMIN_PW).await;
        let entries =
            self.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap().items;
        sign_in(&self.app, "sam", "sam-password").await;
        entries
            .into_iter()
            .filter(|e| e.subject == format!("payment:{reference}"))
            .map(|e| e.action)
            .collect()
    }
}

fn kinds(view: &PaymentDetailView) -> Vec<&str> {
    view.timeline.iter().map(|t| t.kind.as_str()).collect()
}

#[tokio::test]
async fn a_snap_payment_the_provider_has_no_record_of_stays_unknown_then_is_resent_under_its_original_ids(
) {
    let f = fixture().await;
    // The payment call is answered 503 without being processed: unknown.
    let (t0, view) = f
        .start_after(("doku_snap_ovo", DOKU_PAY, unavailable()), SITI, "recurring", "12.500")
        .await;
    assert_eq!(view.payment.status, "unknown", "{view:#?}");
    assert_eq!(f.posts("doku_snap_ovo", DOKU_PAY).await.len(), 1);

    // The first check (+60 s × 0.02) finds no record (4045501): inside DOKU SNAP's processing
    // window (120 s × 0.02, never under 20 s at a built-in scale) that proves nothing. Never failed.
    f.poll_at(t0, 1_200).await;
    let waiting = f.detail(view.payment.id).await;
    assert_eq!(waiting.payment.status, "unknown", "{waiting:#?}");
    assert_eq!(waiting.problem.as_ref().unwrap().kind, ProviderProblemKind::UnknownOutcome);
    assert_eq!(
        waiting.problem.as_ref().unwrap().provider_code.as_deref(),
        Some("4045501"),
        "{waiting:#?}"
    );
    assert_eq!(
        f.posts("doku_snap_ovo", DOKU_PAY).await.len(),
        1,
        "nothing sent again inside the window"
    );

    // A check after the window: sent again, same reference, same key.
    f.poll_at(t0, 21_000).await;
    let posts = f.posts("doku_snap_ovo", DOKU_PAY).await;
    assert_eq!(posts.len(), 2, "sent again once");
    let reference_of = |post: &Value| -> Value {
        serde_json::from_str::<Value>(post["body"].as_str().unwrap()).unwrap()["partnerReferenceNo"]
            .clone()
    };
    assert_eq!(reference_of(&posts[0]), json!(view.payment.reference));
    assert_eq!(reference_of(&posts[1]), json!(view.payment.reference));
    let external_id = |post: &Value| sim::header(post, "x-external-id").unwrap();
    assert_eq!(
        external_id(&posts[0]),
        external_id(&posts[1]),
        "the same X-EXTERNAL-ID the same WIB day"
    );
    let paid = f.until_status(view.payment.id, "succeeded").await;
    let kinds = kinds(&paid);
    assert!(!kinds.contains(&"payment_failed"), "{kinds:?}");
    assert!(kinds.contains(&"payment_resent"), "{kinds:?}");
    let actions = f.audit_actions(&view.payment.reference).await;
    assert!(actions.iter().any(|a| a == "payment.resend"), "{actions:?}");
}

#[tokio::test]
async fn a_jokul_push_the_provider_has_no_record_of_goes_to_an_operator_after_its_window_and_is_never_resent(
) {
    let f = fixture().await;
    let (t0, view) = f
        .start_after(("doku_jokul_ovo_push", JOKUL_PAY, unavailable()), PAYER, "push", "13.000")
        .await;
    // The push goes on in a task of its own: its 503 makes it unknown.
    let unknown = |p: &PaymentDetailView| p.payment.status == "unknown";
    app::until_payment(&f.app, view.payment.id, Duration::from_millis(50), unknown, || async {})
        .await;
    f.poll_at(t0, 1_200).await;
    assert_eq!(
        f.detail(view.payment.id).await.payment.status,
        "unknown",
        "not found inside the window proves nothing"
    );
    f.poll_at(t0, 21_000).await;
    let review = f.detail(view.payment.id).await;
    assert_eq!(review.payment.status, "needs_review", "{review:#?}");
    assert!(review.problem.as_ref().unwrap().detail.contains("no record"), "{review:#?}");
    assert!(!kinds(&review).contains(&"payment_failed"));
    // Jokul's spec: never resend the same payment.
    assert_eq!(f.posts("doku_jokul_ovo_push", JOKUL_PAY).await.len(), 1);
}

#[tokio::test]
async fn a_tazapay_payin_whose_create_answer_was_lost_is_found_again_after_a_restart() {
    let f = fixture().await;
    // Processed, answer lost: no payin id anywhere but at Tazapay.
    let lost = json!({ "kind": "lose_response" });
    let (t0, view) =
        f.start_after(("tazapay_ovo_idr", "/v3/payin", lost), PAYER, "payin", "14.000").await;
    assert_eq!(view.payment.status, "unknown", "{view:#?}");
    assert!(view.payment.provider_ref.is_none());
    let payins = Sim::of(&f.sandbox).tazapay_payins(&view.payment.reference).await;
    let payin = payins.first().unwrap();
    let payin_id = payin["payin"]["id"].as_str().unwrap().to_owned();

    // The app stops and starts again on the same ledger: nothing of the first process's memory.
    let Fixture { dir, sandbox, app, clock, http } = f;
    drop(app);
    let app = open(&dir.path().join("data"), &sandbox.url(), &clock).await;
    sign_in(&app, "sam", "sam-password").await;
    let f = Fixture { dir, sandbox, app, clock, http };

    // Inside the processing window (120 s × 0.02, never under 20 s at a built-in scale) the first check (+75 s) changes nothing.
    f.poll_at(t0, 1_500).await;
    assert_eq!(f.detail(view.payment.id).await.payment.status, "unknown");
    assert_eq!(f.posts("tazapay_ovo_idr", "/v3/payin").await.len(), 1);
    // After it, the create is repeated under its original key, which returns the original payin.
    f.poll_at(t0, 21_000).await;
    let posts = f.posts("tazapay_ovo_idr", "/v3/payin").await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    let key = |post: &Value| sim::header(post, "idempotency-key").unwrap();
    assert_eq!(key(&posts[1]), json!(format!("{}-create", view.payment.reference)));
    assert_eq!(key(&posts[0]), key(&posts[1]));
    let found = f.detail(view.payment.id).await;
    assert_eq!(found.payment.provider_ref.as_deref(), Some(payin_id.as_str()), "{found:#?}");
    let paid = f.until_status(view.payment.id, "succeeded").await;
    assert_eq!(paid.payment.provider_ref.as_deref(), Some(payin_id.as_str()));
    let ours = Sim::of(&f.sandbox).tazapay_payins(&view.payment.reference).await;
    assert_eq!(ours.len(), 1, "one payin");
}
