//! The customer desk against a real ledger file, the in-memory secret store, a manual clock
//! for the app's own expiry logic, and the real in-process sandbox over loopback HTTP.
#![allow(clippy::unwrap_used)]

use ovo_app::ipc::*;
use ovo_app::{AppError, ErrorCode};
use std::sync::Arc;

use ovo_domain::{Clock, Product, SystemClock};
use ovo_secrets::{SecretKey, SecretStore};
use ovo_test_support::app::{self, code, TestApp, APP_ID};
use ovo_test_support::phones::{BUDI, DECLINER, SITI, SOPHIA};
use serde_json::{json, Value};

type Fixture = TestApp;

/// A brand-new ledger in the built-in environment (so seeded with the demo customers), an admin,
/// a staff operator `sam` (signed in) and a finance operator `fina`. The sandbox runs on real
/// time; the app's clock starts there and is moved by hand.
async fn fixture() -> Fixture {
    TestApp::builder()
        .operators(&[("sam", "staff"), ("fina", "finance")])
        .signed_in("sam")
        .open()
        .await
}

async fn sandbox(f: &Fixture) -> String {
    app::sandbox_url(&f.app).await
}

async fn get_json(f: &Fixture, path: &str) -> Value {
    f.sim().await.get(path).await
}

async fn post_json(f: &Fixture, path: &str, body: Value) -> Value {
    f.sim().await.post(path, body).await
}

async fn search(f: &Fixture, query: &str) -> SearchResult {
    f.app.search_customers(SearchInput { query: query.into(), limit: 20 }).await.unwrap()
}

async fn customer_id(f: &Fixture, phone: &str) -> i64 {
    let found = search(f, phone).await;
    assert_eq!(found.hits.len(), 1, "{phone}: {found:?}");
    found.hits[0].customer.id
}

async fn page(f: &Fixture, customer_id: i64) -> CustomerPage {
    f.app.customer_page(CustomerRef { customer_id }).await.unwrap()
}

/// The customer's newest linking through `product`.
async fn account(f: &Fixture, customer_id: i64, product: Product) -> LinkedAccountView {
    page(f, customer_id).await.accounts.into_iter().find(|a| a.product == product).unwrap()
}

/// The customer with `phone`, their seeded active account on `product`, and the key of its
/// token (which the secret store holds).
async fn seeded_link(
    f: &Fixture,
    phone: &str,
    product: Product,
) -> (i64, LinkedAccountView, LinkTokens) {
    let customer = customer_id(f, phone).await;
    let seeded = account(f, customer, product).await;
    assert_eq!(seeded.status, LinkStatus::Active);
    let key = (product, seeded.reference.clone());
    assert!(tokens_kept(f, &key).await, "the demo token is kept");
    (customer, seeded, key)
}

/// The customer with `phone` and a link to `product` started for them, pending.
async fn pending_link(f: &Fixture, phone: &str, product: &str) -> (i64, LinkedAccountView) {
    let customer = customer_id(f, phone).await;
    let started = start_link(f, customer, product, "").await.unwrap();
    assert_eq!(started.status, LinkStatus::Pending);
    (customer, started)
}

/// The customer with `phone` makes `decision` on the provider's page for `product`, the browser
/// follows the return page, and the app processes the linkings once.
async fn decided_on_the_page(f: &Fixture, product: &str, phone: &str, decision: &str) {
    let action = pending_binding(f, product, phone).await;
    let decided = decide(f, &action, decision, true).await;
    assert_eq!(decided["followed_status"], 200, "{decided}");
    f.app.process_linkings().await.unwrap();
}

async fn start_link(
    f: &Fixture,
    customer_id: i64,
    product: &str,
    phone: &str,
) -> Result<LinkedAccountView, AppError> {
    f.app
        .start_link(StartLinkInput { customer_id, product: product.into(), phone: phone.into() })
        .await
}

/// The sandbox's waiting linking step for this phone and product.
async fn pending_binding(f: &Fixture, product: &str, phone: &str) -> String {
    let pending = get_json(f, "/_sandbox/pending").await;
    let found: Vec<&Value> = pending
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["product"] == product && a["phone"] == phone && a["kind"] == "binding")
        .collect();
    assert_eq!(found.len(), 1, "{pending}");
    found[0]["id"].as_str().unwrap().to_owned()
}

async fn decide(f: &Fixture, action: &str, decision: &str, follow_redirect: bool) -> Value {
    post_json(
        f,
        &format!("/_sandbox/pending/{action}/decide"),
        json!({ "decision": decision, "follow_redirect": follow_redirect }),
    )
    .await
}

async fn arm(f: &Fixture, product: &str, endpoint: &str, fault: Value, count: u32) {
    f.sim().await.arm(product, endpoint, fault, count).await;
}

/// The product's endpoint processes its next call and loses the answer.
async fn lose_answer(f: &Fixture, product: &str, endpoint: &str) {
    arm(f, product, endpoint, json!({ "kind": "lose_response" }), 1).await;
}

/// The product's endpoint answers 503 for its next `count` calls.
async fn unavailable(f: &Fixture, product: &str, endpoint: &str, count: u32) {
    arm(f, product, endpoint, json!({ "kind": "http_status", "status": 503 }), count).await;
}

async fn clear_faults(f: &Fixture) {
    f.sim().await.clear_faults().await;
}

/// Where a linking's tokens are kept: sealed in the ledger.
type LinkTokens = (Product, String);

/// Whether the ledger keeps sealed tokens for the linking, and none in the clear.
async fn tokens_kept(f: &Fixture, (product, reference): &LinkTokens) -> bool {
    let reference = ovo_domain::Reference::parse(reference).unwrap();
    let mut conn = f.app.ledger().read().await.unwrap();
    let sealed = ovo_ledger::link_secrets::get(
        &mut conn,
        ovo_domain::Environment::BuiltInSandbox,
        *product,
        &reference,
    )
    .await
    .unwrap();
    let legacy = SecretKey::new(
        APP_ID,
        "builtin_sandbox",
        product.key(),
        format!("link-{}", reference.as_str()),
    );
    assert!(!f.secrets.contains(&legacy).unwrap(), "no tokens left in the keychain");
    if let Some(sealed) = &sealed {
        assert!(sealed.starts_with("v1."), "sealed: {sealed}");
    }
    sealed.is_some()
}

async fn audit(f: &Fixture) -> Vec<AuditEntryView> {
    f.sign_in_as("admin").await;
    let entries = f.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap().items;
    assert!(f.app.verify_audit().await.unwrap().intact);
    f.sign_in_as("sam").await;
    entries
}

/// Links Siti's OVO account through OVO SNAP the way the customer would, through the sandbox.
async fn link_siti_ovo_snap(f: &Fixture) -> LinkedAccountView {
    let siti = customer_id(f, SITI).await;
    let started = start_link(f, siti, "ovo_snap", "").await.unwrap();
    assert_eq!(started.status, LinkStatus::Pending);
    let action = pending_binding(f, "ovo_snap", SITI).await;
    let decided = decide(f, &action, "approve", true).await;
    assert_eq!(decided["followed_status"], 200, "{decided}");
    f.app.process_linkings().await.unwrap();
    let linked = account(f, siti, Product::OvoSnap).await;
    assert_eq!(linked.status, LinkStatus::Active, "{linked:?}");
    linked
}

#[tokio::test]
async fn search_reads_phones_names_ids_and_references() {
    let f = fixture().await;
    for query in ["0812-3456-7890", "+62 812 3456 7890", "6281234567890"] {
        let found = search(&f, query).await;
        assert_eq!(found.normalized_phone.as_deref(), Some(BUDI), "{query}");
        assert!(found.interpreted_as.contains(&SearchMatch::Phone), "{query}");
        assert_eq!(found.hits.len(), 1, "{query}: {found:?}");
        let hit = &found.hits[0];
        assert_eq!(hit.customer.full_name, "Budi Santoso");
        assert_eq!(hit.customer.phone, BUDI);
        assert_eq!(hit.matched, SearchMatch::Phone);
        assert_eq!(hit.matched_value, BUDI);
        assert_eq!(hit.customer.linked_products, [Product::OvoSnap]);
    }
    for (query, name) in [
        ("santoso", "Budi Santoso"),
        ("BUDI", "Budi Santoso"),
        ("elisa", "Élisa Putri"),
        ("Élisa put", "Élisa Putri"),
    ] {
        let found = search(&f, query).await;
        assert_eq!(found.normalized_phone, None, "{query}");
        assert_eq!(found.hits.len(), 1, "{query}: {found:?}");
        assert_eq!(found.hits[0].customer.full_name, name, "{query}");
        assert_eq!(found.hits[0].matched, SearchMatch::Name, "{query}");
    }
    // Prefix of any word: "lestari" is Dewi's last word and Putu Ayu's third.
    let found = search(&f, "lestari").await;
    let names: Vec<&str> = found.hits.iter().map(|h| h.customer.full_name.as_str()).collect();
    assert_eq!(names, ["Dewi Lestari", "Putu Ayu Lestari"]);

    let found = search(&f, "CUST-0003").await;
    assert_eq!(found.hits[0].customer.full_name, "Agus Wijaya");
    assert_eq!(found.hits[0].matched, SearchMatch::MerchantCustomerId);
    assert_eq!(found.hits[0].matched_value, "CUST-0003");

    let budi = found_id(&search(&f, "Budi Santoso").await, "Budi Santoso");
    let payments = page(&f, budi).await.payments;
    assert_eq!(payments.len(), 3, "the demo seeds three payments per linked account");
    let reference = payments[0].reference.clone();
    for query in [reference.clone(), reference.to_lowercase()] {
        let found = search(&f, &query).await;
        assert_eq!(found.hits.len(), 1, "{query}: {found:?}");
        assert_eq!(found.hits[0].customer.id, budi);
        assert_eq!(found.hits[0].matched, SearchMatch::PaymentReference);
    }

    // The provider's id of a seeded link, as the sandbox knows it.
    let found = search(&f, "LNKDEMO6281234567890").await;
    assert_eq!(found.hits.len(), 1, "{found:?}");
    assert_eq!(found.hits[0].customer.id, budi);
    assert_eq!(found.hits[0].matched, SearchMatch::ProviderReference);

    let nothing = search(&f, "zzqx-nobody").await;
    assert!(nothing.hits.is_empty(), "{nothing:?}");
    assert!(!nothing.truncated);

    let limit = f.app.search_customers(SearchInput { query: "budi".into(), limit: 0 });
    assert_eq!(code(limit.await), (ErrorCode::InvalidInput, Some("search_limit_invalid")));
    let truncated =
        f.app.search_customers(SearchInput { query: "a".into(), limit: 2 }).await.unwrap();
    assert_eq!(truncated.hits.len(), 2);
    assert!(truncated.truncated);

    // Finance and admin see customers but link nothing.
    for who in ["fina", "admin"] {
        f.sign_in_as(who).await;
        assert_eq!(search(&f, BUDI).await.hits.len(), 1, "{who}");
        let link = start_link(&f, budi, "faspay_ovo_tokenize", "").await;
        assert_eq!(code(link).0, ErrorCode::Forbidden, "{who}");
        let unlink = f.app.unlink_account(AccountRef { account_id: 1 }).await;
        assert_eq!(code(unlink).0, ErrorCode::Forbidden, "{who}");
    }
}

fn found_id(result: &SearchResult, name: &str) -> i64 {
    result.hits.iter().find(|h| h.customer.full_name == name).unwrap().customer.id
}

#[tokio::test]
async fn staff_links_ovo_snap_through_the_return_page_and_reads_the_balance() {
    let f = fixture().await;
    let siti = customer_id(&f, SITI).await;
    let before = page(&f, siti).await;
    assert_eq!(before.customer.linked_products, [Product::DokuSnapOvo]);

    let started = start_link(&f, siti, "ovo_snap", "").await.unwrap();
    assert_eq!(started.status, LinkStatus::Pending);
    assert_eq!(started.phone, SITI);
    let redirect = started.redirect_url.clone().unwrap();
    assert!(
        redirect.starts_with(&format!("{}/_sandbox/customer/", sandbox(&f).await)),
        "{redirect}"
    );
    assert_eq!(f.opener.opened(), std::slice::from_ref(&redirect));
    assert!(started.expires_at.is_some());
    assert!(
        tokens_kept(&f, &(Product::OvoSnap, started.reference.clone())).await,
        "the linkageToken waits in the keychain"
    );
    // Starting again while it waits shows the same linking.
    let again = start_link(&f, siti, "ovo_snap", "").await.unwrap();
    assert_eq!(again.id, started.id);

    // Nothing came back yet: still pending.
    f.app.process_linkings().await.unwrap();
    assert_eq!(account(&f, siti, Product::OvoSnap).await.status, LinkStatus::Pending);

    let action = pending_binding(&f, "ovo_snap", SITI).await;
    let decided = decide(&f, &action, "approve", true).await;
    assert_eq!(decided["followed_status"], 200, "{decided}");
    assert!(
        decided["redirect"]
            .as_str()
            .unwrap()
            .contains(&format!("/linked/{}?authCode=", started.reference)),
        "{decided}"
    );
    f.app.process_linkings().await.unwrap();

    let linked = f.app.refresh_link(AccountRef { account_id: started.id }).await.unwrap();
    assert_eq!(linked.status, LinkStatus::Active, "{linked:?}");
    assert!(linked.linked_at.is_some());
    assert!(linked.redirect_url.is_none());
    assert!(linked.problem.is_none());
    assert!(linked.provider_ref.is_some());
    assert!(linked.balance.is_none(), "no balance fetched yet");
    let after = page(&f, siti).await;
    assert_eq!(after.customer.linked_products, [Product::DokuSnapOvo, Product::OvoSnap]);

    let wallet = get_json(&f, &format!("/_sandbox/accounts/{SITI}")).await;
    let refreshed = f.app.refresh_balance(AccountRef { account_id: linked.id }).await.unwrap();
    let balance = refreshed.balance.unwrap();
    assert_eq!(balance.cash, wallet["cash"].as_i64());
    assert_eq!(balance.points, wallet["points"].as_i64());
    assert_eq!(balance.cash, Some(1_200_000));
    assert!(balance.last_failure.is_none());
    assert!(!balance.stale);
    // Fifteen minutes on, the figures are stale.
    f.clock.advance_seconds(16 * 60);
    f.sign_in_as("sam").await;
    let later = account(&f, siti, Product::OvoSnap).await;
    assert!(later.balance.unwrap().stale);

    let entries = audit(&f).await;
    let find = |action: &str| {
        entries
            .iter()
            .filter(|e| e.action == action && !e.subject.contains("doku"))
            .collect::<Vec<_>>()
    };
    let start = find("account.link.start");
    assert_eq!(start.len(), 1, "{entries:?}");
    assert_eq!(start[0].operator.as_deref(), Some("sam"));
    assert_eq!(start[0].outcome, "ok");
    assert!(start[0].subject.starts_with("builtin_sandbox:ovo_snap:"));
    assert!(!start[0].subject.contains(SITI), "the subject masks the phone");
    let link = find("account.link");
    assert_eq!(link.len(), 1, "{entries:?}");
    assert_eq!(link[0].outcome, "ok");
    let refresh = find("account.balance.refresh");
    assert_eq!(refresh.len(), 1, "{entries:?}");
    assert_eq!(refresh[0].operator.as_deref(), Some("sam"));
    assert_eq!(refresh[0].outcome, "ok");
}

#[tokio::test]
async fn faspay_linking_completes_by_asking_the_provider() {
    let f = fixture().await;
    let (_, started) = pending_link(&f, BUDI, "faspay_ovo_tokenize").await;
    assert!(started.redirect_url.is_some());

    // Before the customer approves, asking changes nothing and shows no problem.
    let waiting = f.app.refresh_link(AccountRef { account_id: started.id }).await.unwrap();
    assert_eq!(waiting.status, LinkStatus::Pending);
    assert!(waiting.problem.is_none(), "{waiting:?}");

    let action = pending_binding(&f, "faspay_ovo_tokenize", BUDI).await;
    decide(&f, &action, "approve", false).await;
    let linked = f.app.refresh_link(AccountRef { account_id: started.id }).await.unwrap();
    assert_eq!(linked.status, LinkStatus::Active, "{linked:?}");
    assert!(
        !tokens_kept(&f, &(Product::FaspayOvoTokenize, started.reference.clone())).await,
        "a Faspay link keeps no secret"
    );
    let balance =
        f.app.refresh_balance(AccountRef { account_id: linked.id }).await.unwrap().balance.unwrap();
    assert_eq!((balance.cash, balance.points), (Some(2_500_000), Some(75_000)));
}

#[tokio::test]
async fn a_declined_linking_fails_and_can_be_retried() {
    let f = fixture().await;
    let (made, started) = pending_link(&f, DECLINER, "ovo_snap").await;
    // The customer's browser opens the page; the magic decliner declines at once.
    let response = f.http.get(started.redirect_url.clone().unwrap()).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    f.app.process_linkings().await.unwrap();
    let failed = account(&f, made, Product::OvoSnap).await;
    assert_eq!(failed.status, LinkStatus::Failed, "{failed:?}");
    let problem = failed.problem.as_ref().unwrap();
    assert_eq!(problem.kind, ProviderProblemKind::Declined);
    assert_eq!(problem.provider_code.as_deref(), Some("access_denied"));
    assert!(failed.redirect_url.is_none());
    assert!(
        !tokens_kept(&f, &(Product::OvoSnap, started.reference.clone())).await,
        "the linkageToken is forgotten"
    );

    let retried = f.app.retry_link(AccountRef { account_id: failed.id }).await.unwrap();
    assert_eq!(retried.status, LinkStatus::Pending);
    assert_ne!(retried.id, failed.id);
    assert_ne!(retried.reference, failed.reference);
    let accounts = page(&f, made).await.accounts;
    assert_eq!(
        accounts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [LinkStatus::Pending, LinkStatus::Failed],
        "newest first"
    );
    // Retrying a pending one is refused.
    let again = f.app.retry_link(AccountRef { account_id: retried.id });
    assert_eq!(code(again.await), (ErrorCode::Conflict, Some("link_not_retryable")));
}

#[tokio::test]
async fn provider_failures_are_shown_and_keep_what_was_known() {
    let f = fixture().await;
    let siti = customer_id(&f, SITI).await;
    let binding = "/OVOSNAP/v2.0/oauth/account/registration-account-binding";

    // The binding call is not answered: the linking fails with that problem.
    unavailable(&f, "ovo_snap", binding, 1).await;
    let refused = start_link(&f, siti, "ovo_snap", "").await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Provider, "{refused:?}");
    let reason = refused.reason.unwrap();
    let failed = account(&f, siti, Product::OvoSnap).await;
    assert_eq!(failed.status, LinkStatus::Failed);
    let problem = failed.problem.unwrap();
    assert_eq!(
        reason,
        format!("provider_{}", serde_json::to_value(problem.kind).unwrap().as_str().unwrap())
    );
    assert!(
        matches!(
            problem.kind,
            ProviderProblemKind::Unavailable | ProviderProblemKind::UnknownOutcome
        ),
        "{problem:?}"
    );

    arm(&f, "ovo_snap", binding, json!({ "kind": "drop_connection" }), 1).await;
    let dropped = start_link(&f, siti, "ovo_snap", "").await.unwrap_err();
    assert_eq!(dropped.code, ErrorCode::Provider, "{dropped:?}");
    let failed = account(&f, siti, Product::OvoSnap).await;
    assert_eq!(failed.status, LinkStatus::Failed);
    let problem = failed.problem.unwrap();
    assert!(
        matches!(
            problem.kind,
            ProviderProblemKind::Connection | ProviderProblemKind::UnknownOutcome
        ),
        "{problem:?}"
    );
    assert_eq!(
        dropped.reason.unwrap(),
        format!("provider_{}", serde_json::to_value(problem.kind).unwrap().as_str().unwrap())
    );

    // A balance refresh that fails keeps the last good figures beside the failure.
    let budi = customer_id(&f, BUDI).await;
    let seeded = account(&f, budi, Product::OvoSnap).await;
    let good =
        f.app.refresh_balance(AccountRef { account_id: seeded.id }).await.unwrap().balance.unwrap();
    assert_eq!((good.cash, good.points), (Some(2_500_000), Some(75_000)));
    f.clock.advance_seconds(60);
    unavailable(&f, "ovo_snap", "/OVOSNAP/v2.0/balance-inquiry", 5).await;
    let after =
        f.app.refresh_balance(AccountRef { account_id: seeded.id }).await.unwrap().balance.unwrap();
    assert_eq!((after.cash, after.points), (good.cash, good.points));
    assert_eq!(after.as_of, good.as_of);
    let failure = after.last_failure.unwrap();
    assert_eq!(failure.kind, ProviderProblemKind::Unavailable, "{failure:?}");
}

#[tokio::test]
async fn an_account_linked_to_one_customer_cannot_be_linked_to_another() {
    let f = fixture().await;
    let linked = link_siti_ovo_snap(&f).await;
    let agus = customer_id(&f, "6285712345678").await;
    let before = page(&f, agus).await.accounts.len();
    let taken = start_link(&f, agus, "ovo_snap", "0812-9876-5432").await;
    assert_eq!(code(taken), (ErrorCode::Conflict, Some("account_bound_elsewhere")));
    assert_eq!(page(&f, agus).await.accounts.len(), before, "nothing written");
    assert_eq!(account(&f, customer_id(&f, SITI).await, Product::OvoSnap).await.id, linked.id);
    // Siti herself: already linked.
    let siti = customer_id(&f, SITI).await;
    assert_eq!(
        code(start_link(&f, siti, "ovo_snap", "").await),
        (ErrorCode::Conflict, Some("account_already_linked"))
    );
    let entries = audit(&f).await;
    let refused: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "account.link.start" && e.outcome == "failed")
        .collect();
    assert_eq!(refused.len(), 1, "{entries:?}");
    assert_eq!(refused[0].operator.as_deref(), Some("sam"));
}

#[tokio::test]
async fn an_unfinished_linking_expires_and_a_late_return_is_ignored() {
    let f = fixture().await;
    let siti = customer_id(&f, SITI).await;
    let started = start_link(&f, siti, "ovo_snap", "").await.unwrap();
    // Not yet due.
    f.clock.advance_seconds(10 * 60);
    f.app.touch_session().await.unwrap();
    f.app.process_linkings().await.unwrap();
    assert_eq!(account(&f, siti, Product::OvoSnap).await.status, LinkStatus::Pending);
    f.clock.advance_seconds(5 * 60 + 1);
    f.app.touch_session().await.unwrap();
    f.app.process_linkings().await.unwrap();
    let expired = account(&f, siti, Product::OvoSnap).await;
    assert_eq!(expired.status, LinkStatus::Expired, "{expired:?}");
    assert_eq!(expired.problem.as_ref().unwrap().kind, ProviderProblemKind::Expired);
    assert!(expired.expires_at.is_none());
    assert!(!tokens_kept(&f, &(Product::OvoSnap, started.reference.clone())).await);

    // The customer approves late (the sandbox still waits on real time): ignored.
    decided_on_the_page(&f, "ovo_snap", SITI, "approve").await;
    let still = account(&f, siti, Product::OvoSnap).await;
    assert_eq!(still.status, LinkStatus::Expired);
    assert!(!tokens_kept(&f, &(Product::OvoSnap, started.reference.clone())).await);
    // It can be started again.
    let retried = f.app.retry_link(AccountRef { account_id: expired.id }).await.unwrap();
    assert_eq!(retried.status, LinkStatus::Pending);
}

#[tokio::test]
async fn unlinking_forgets_the_tokens_and_is_audited() {
    let f = fixture().await;
    let (budi, seeded, key) = seeded_link(&f, BUDI, Product::OvoSnap).await;

    let mut result = f.app.unlink_account(AccountRef { account_id: seeded.id }).await.unwrap();
    if result.outcome == UnlinkOutcome::Pending {
        assert_eq!(result.account.status, LinkStatus::Unlinking);
        result = f.app.unlink_account(AccountRef { account_id: seeded.id }).await.unwrap();
    }
    assert_eq!(result.outcome, UnlinkOutcome::Unlinked, "{result:?}");
    assert_eq!(result.account.status, LinkStatus::Unlinked);
    assert!(result.account.unlinked_at.is_some());
    assert!(!tokens_kept(&f, &key).await, "tokens forgotten");
    assert!(page(&f, budi).await.customer.linked_products.is_empty());
    let state = get_json(&f, "/_sandbox/ovo_snap/state").await;
    assert!(state.to_string().contains("UNBOUND"), "the sandbox unbound it: {state}");

    let again = f.app.unlink_account(AccountRef { account_id: seeded.id });
    assert_eq!(code(again.await), (ErrorCode::Conflict, Some("account_not_linked")));
    let entries = audit(&f).await;
    let unlinks: Vec<_> = entries.iter().filter(|e| e.action == "account.unlink").collect();
    assert!(!unlinks.is_empty());
    assert!(unlinks.iter().all(|e| e.operator.as_deref() == Some("sam") && e.outcome == "ok"));
    assert!(unlinks.iter().any(|e| e.detail.contains("unlinked")));

    // A Faspay link (no tokens) unlinks at once.
    let sophia = customer_id(&f, SOPHIA).await;
    let faspay = account(&f, sophia, Product::FaspayOvoTokenize).await;
    let done = f.app.unlink_account(AccountRef { account_id: faspay.id }).await.unwrap();
    assert_eq!(done.outcome, UnlinkOutcome::Unlinked);
    // An ended link is asked nothing more: the phone may be someone else's link by now.
    let today = ovo_domain::wib_date(SystemClock.now()).to_string();
    let history = f.app.account_history(HistoryInput {
        account_id: faspay.id,
        from: today.clone(),
        to: today,
        page: 1,
    });
    assert_eq!(code(history.await), (ErrorCode::Conflict, Some("account_not_linked")));
    let top_up = f.app.top_up_instructions(TopUpInput { account_id: faspay.id, language: None });
    assert_eq!(code(top_up.await), (ErrorCode::Conflict, Some("account_not_linked")));
}

#[tokio::test]
async fn faspay_history_is_cached_once_and_top_up_has_steps() {
    let f = fixture().await;
    let sophia = customer_id(&f, SOPHIA).await;
    let faspay = account(&f, sophia, Product::FaspayOvoTokenize).await;
    assert!(faspay.features.history && faspay.features.top_up);
    let today = ovo_domain::wib_date(SystemClock.now());
    let from = ovo_domain::add_days(today, -30);
    let ask = |from: String, to: String| {
        f.app.account_history(HistoryInput { account_id: faspay.id, from, to, page: 1 })
    };
    // The sandbox's own seven, and Sophia's demo payments of the ledger in the range, which
    // the built-in sandbox learned at its start.
    let query = PaymentQuery {
        filters: PaymentFilters {
            product: Some("faspay_ovo_tokenize".into()),
            status: Some("succeeded".into()),
            from: Some(from.to_string()),
            to: Some(today.to_string()),
            ..Default::default()
        },
        after: None,
        limit: 200,
    };
    let ledger = f.app.payments_page(query).await.unwrap().items;
    let from_ledger = ledger.iter().filter(|p| p.customer_id == Some(sophia)).count();
    assert!(from_ledger >= 1, "Sophia has a demo payment in the range: {ledger:?}");
    let expected = 7 + from_ledger;
    let first = ask(from.to_string(), today.to_string()).await.unwrap();
    assert!(first.problem.is_none(), "{first:?}");
    assert_eq!(first.entries.len(), expected, "{first:?}");
    assert!(first.fetched_at.is_some());
    assert_eq!(first.cached_total as usize, expected);
    assert!(first.entries.iter().all(|e| e.amount > 0));
    let second = ask(from.to_string(), today.to_string()).await.unwrap();
    assert_eq!(second.entries.len(), first.entries.len());
    assert_eq!(second.cached_total, first.cached_total, "no duplicates");

    // When the provider fails, the cached entries of the range are shown with the problem.
    unavailable(&f, "faspay_ovo_tokenize", "/cvr/100037/10", 5).await;
    let cached = ask(from.to_string(), today.to_string()).await.unwrap();
    assert!(cached.problem.is_some());
    assert_eq!(cached.entries.len(), expected);
    assert!(cached.fetched_at.is_none());
    clear_faults(&f).await;

    assert_eq!(
        code(ask("2026-13-01".into(), today.to_string()).await),
        (ErrorCode::InvalidInput, Some("date_invalid"))
    );
    assert_eq!(
        code(ask(today.to_string(), from.to_string()).await),
        (ErrorCode::InvalidInput, Some("date_range_reversed"))
    );

    let top_up = f
        .app
        .top_up_instructions(TopUpInput { account_id: faspay.id, language: None })
        .await
        .unwrap();
    assert!(top_up.problem.is_none(), "{top_up:?}");
    assert!(!top_up.configured, "Faspay's instructions are the provider's answer");
    // Faspay's answer names each option and links its instruction page; it carries no step text.
    let titles: Vec<&str> = top_up.options.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(
        titles,
        ["ATM", "Internet/Mobile Banking", "Grab", "Tokopedia", "Merchant/Mitra OVO"]
    );
    let base = sandbox(&f).await;
    assert!(
        top_up.options.iter().all(|o| o.link.as_deref().is_some_and(|l| l.starts_with(&base))),
        "{top_up:?}"
    );
}

#[tokio::test]
async fn the_customer_page_shows_accounts_and_payments() {
    let f = fixture().await;
    let siti = customer_id(&f, SITI).await;
    let p = page(&f, siti).await;
    assert_eq!(p.customer.full_name, "Siti Rahmawati");
    assert_eq!(p.customer.phone_display, "+62 812-9876-5432");
    assert_eq!(p.customer.merchant_customer_id.as_deref(), Some("CUST-0002"));
    assert_eq!(p.customer.linked_products, [Product::DokuSnapOvo]);
    assert_eq!(p.accounts.len(), 1);
    let doku = &p.accounts[0];
    assert_eq!(doku.product, Product::DokuSnapOvo);
    assert_eq!(doku.status, LinkStatus::Active);
    assert!(doku.linked_at.is_some());
    assert!(doku.balance.is_none());
    assert!(doku.features.balance);
    assert_eq!(p.payments.len(), 3);
    assert!(p
        .payments
        .iter()
        .all(|pay| pay.product == Product::DokuSnapOvo && pay.status == "succeeded"));
    assert!(p.payments.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    assert!(p.linkable_products.contains(&Product::OvoSnap));
    assert!(!p.linkable_products.contains(&Product::TazapayOvoIdr));

    // The seeded DOKU SNAP account's balance comes from the sandbox with its demo token.
    let balance =
        f.app.refresh_balance(AccountRef { account_id: doku.id }).await.unwrap().balance.unwrap();
    assert_eq!(balance.cash, Some(1_200_000), "{balance:?}");

    let dewi = customer_id(&f, "6281311112222").await;
    let p = page(&f, dewi).await;
    assert!(p.accounts.is_empty());
    assert!(p.payments.is_empty());
    assert!(p.customer.linked_products.is_empty());
    assert_eq!(
        code(f.app.customer_page(CustomerRef { customer_id: 9999 }).await).0,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn doku_snap_links_through_the_return_page_and_a_decline_fails_it() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let started = start_link(&f, budi, "doku_snap_ovo", "").await.unwrap();
    assert_eq!(started.status, LinkStatus::Pending, "{started:?}");
    decided_on_the_page(&f, "doku_snap_ovo", BUDI, "approve").await;
    let linked = account(&f, budi, Product::DokuSnapOvo).await;
    assert_eq!(linked.status, LinkStatus::Active, "{linked:?}");
    let balance =
        f.app.refresh_balance(AccountRef { account_id: linked.id }).await.unwrap().balance.unwrap();
    assert_eq!((balance.cash, balance.points), (Some(2_500_000), Some(75_000)), "{balance:?}");

    // Agus declines on the page: the browser comes back without a code.
    let agus = customer_id(&f, "6285712345678").await;
    let started = start_link(&f, agus, "doku_snap_ovo", "").await.unwrap();
    decided_on_the_page(&f, "doku_snap_ovo", "6285712345678", "decline").await;
    let failed = f.app.refresh_link(AccountRef { account_id: started.id }).await.unwrap();
    assert_eq!(failed.status, LinkStatus::Failed, "{failed:?}");
    assert_eq!(failed.problem.unwrap().kind, ProviderProblemKind::Declined);
}

#[tokio::test]
async fn a_returned_code_survives_an_exchange_that_did_not_reach_the_provider() {
    let f = fixture().await;
    let siti = customer_id(&f, SITI).await;
    let started = start_link(&f, siti, "ovo_snap", "").await.unwrap();
    unavailable(&f, "ovo_snap", "/OVOSNAP/v2.0/access-token/b2b2c", 1).await;
    decided_on_the_page(&f, "ovo_snap", SITI, "approve").await;
    let waiting = account(&f, siti, Product::OvoSnap).await;
    assert_eq!(waiting.status, LinkStatus::Pending, "{waiting:?}");
    assert!(waiting.problem.is_some(), "{waiting:?}");

    // The next pass (the background runs it every few seconds) exchanges the kept code.
    f.app.process_linkings().await.unwrap();
    let linked = f.app.refresh_link(AccountRef { account_id: started.id }).await.unwrap();
    assert_eq!(linked.status, LinkStatus::Active, "{linked:?}");
    assert!(linked.problem.is_none());
    let balance =
        f.app.refresh_balance(AccountRef { account_id: linked.id }).await.unwrap().balance.unwrap();
    assert_eq!(balance.cash, Some(1_200_000));
}

#[tokio::test]
async fn ovo_snap_top_up_is_the_configured_text_in_the_chosen_language() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let ovo = account(&f, budi, Product::OvoSnap).await;
    assert!(ovo.features.top_up, "OVO SNAP shows top-up instructions from configured text");
    let ask = |language: Option<&str>| {
        f.app.top_up_instructions(TopUpInput {
            account_id: ovo.id,
            language: language.map(str::to_owned),
        })
    };
    let indonesian = ask(Some("id")).await.unwrap();
    assert!(indonesian.configured && indonesian.problem.is_none(), "{indonesian:?}");
    assert_eq!(indonesian.options[0].title, "Aplikasi OVO");
    assert_eq!(indonesian.options[0].steps[0], "Buka aplikasi OVO, pilih Top Up.");
    let english = ask(Some("en")).await.unwrap();
    assert_eq!(english.options[0].title, "OVO app");
    assert_eq!(english.options.len(), indonesian.options.len());
    // Without a language, the app's language (none chosen yet: Indonesian).
    assert_eq!(ask(None).await.unwrap().options[0].title, "Aplikasi OVO");
    assert_eq!(code(ask(Some("fr")).await), (ErrorCode::InvalidInput, Some("language_unknown")));
}

/// How many unlinks the sandbox processed for `product`, over every reference.
async fn unlinks_processed(f: &Fixture, product: &str) -> u64 {
    get_json(f, "/_sandbox/writes")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["product"] == product && w["kind"] == "unlink")
        .map(|w| w["processed"].as_u64().unwrap())
        .sum()
}

/// Runs the background unlink resolution, moving the app's clock past each wait, until the
/// account is no longer `unlinking` (at most `rounds` passes).
async fn resolve_unlink(
    f: &Fixture,
    customer_id: i64,
    account_id: i64,
    rounds: u32,
) -> LinkedAccountView {
    for _ in 0..rounds {
        f.clock.advance_millis(3_600_000);
        f.sign_in_as("sam").await;
        f.app.resolve_unlinkings().await.unwrap();
        let view = account_by_id(f, customer_id, account_id).await;
        if view.status != LinkStatus::Unlinking {
            return view;
        }
    }
    panic!("account {account_id} still unlinking after {rounds} passes");
}

async fn account_by_id(f: &Fixture, customer_id: i64, account_id: i64) -> LinkedAccountView {
    page(f, customer_id).await.accounts.into_iter().find(|a| a.id == account_id).unwrap()
}

#[tokio::test]
async fn an_unlink_whose_answer_is_lost_stays_unlinking_until_the_background_sends_it_again() {
    let f = fixture().await;
    let (siti, doku, key) = seeded_link(&f, SITI, Product::DokuSnapOvo).await;

    // DOKU unbinds it, and the answer never arrives.
    lose_answer(&f, "doku_snap_ovo", "/direct-debit/core/v1/registration-account-unbinding").await;
    let lost = f.app.unlink_account(AccountRef { account_id: doku.id }).await.unwrap();
    assert_eq!(lost.outcome, UnlinkOutcome::Failed);
    assert_eq!(lost.account.status, LinkStatus::Unlinking, "never a guess");
    assert!(lost.account.problem.is_some());
    assert!(tokens_kept(&f, &key).await, "kept until unlinked");
    assert_eq!(unlinks_processed(&f, "doku_snap_ovo").await, 1);

    // Nothing is sent again while the call may still be in flight.
    f.app.resolve_unlinkings().await.unwrap();
    assert_eq!(account_by_id(&f, siti, doku.id).await.status, LinkStatus::Unlinking);

    // Sent again after the wait, DOKU says the link is gone: unlinked, not unlinked twice.
    let done = resolve_unlink(&f, siti, doku.id, 3).await;
    assert_eq!(done.status, LinkStatus::Unlinked);
    assert!(done.unlinked_at.is_some());
    assert!(!tokens_kept(&f, &key).await, "tokens forgotten once unlinked");
    assert_eq!(unlinks_processed(&f, "doku_snap_ovo").await, 1);
    let entries = audit(&f).await;
    let resolved = entries
        .iter()
        .find(|e| e.action == "account.unlink" && e.operator.is_none())
        .expect("the background's resolution is audited");
    assert_eq!(resolved.outcome, "ok");
    assert!(resolved.detail.contains("already_unlinked"), "{}", resolved.detail);

    // OVO SNAP: the first of its two calls is lost; sent again, both calls go through once.
    let budi = customer_id(&f, BUDI).await;
    let ovo = account(&f, budi, Product::OvoSnap).await;
    lose_answer(&f, "ovo_snap", "/OVOSNAP/v2.0/oauth/account/registration-account-unbinding").await;
    let lost = f.app.unlink_account(AccountRef { account_id: ovo.id }).await.unwrap();
    assert_eq!(lost.account.status, LinkStatus::Unlinking);
    assert_eq!(unlinks_processed(&f, "ovo_snap").await, 0);
    let done = resolve_unlink(&f, budi, ovo.id, 3).await;
    assert_eq!(done.status, LinkStatus::Unlinked);
    assert_eq!(unlinks_processed(&f, "ovo_snap").await, 1);
    let state = get_json(&f, "/_sandbox/ovo_snap/state").await;
    assert!(state.to_string().contains("UNBOUND"), "{state}");
}

#[tokio::test]
async fn an_unlink_the_provider_refuses_returns_the_account_to_active() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let ovo = account(&f, budi, Product::OvoSnap).await;
    arm(
        &f,
        "ovo_snap",
        "/OVOSNAP/v2.0/oauth/account/registration-account-unbinding",
        json!({ "kind": "http_status", "status": 403 }),
        1,
    )
    .await;
    let refused = f.app.unlink_account(AccountRef { account_id: ovo.id }).await.unwrap();
    assert_eq!(refused.outcome, UnlinkOutcome::Failed);
    assert_eq!(refused.account.status, LinkStatus::Active);
    assert!(refused.account.problem.is_some());
    assert!(tokens_kept(&f, &(Product::OvoSnap, ovo.reference.clone())).await);
    assert_eq!(unlinks_processed(&f, "ovo_snap").await, 0);
    // Nothing is left for the background to send.
    f.clock.advance_millis(3_600_000);
    f.sign_in_as("sam").await;
    assert_eq!(f.app.resolve_unlinkings().await.unwrap(), 0);
    assert!(page(&f, budi).await.customer.linked_products.contains(&Product::OvoSnap));
    let entries = audit(&f).await;
    assert!(entries.iter().any(|e| e.action == "account.unlink"
        && e.outcome == "failed"
        && e.detail.contains("active")));
}

/// Opens `url` as a page of `product` through `open_external`: the refusal's reason, or "opened".
async fn open_page(f: &Fixture, product: &str, url: &str) -> String {
    let input = ExternalUrl { product: product.into(), url: url.into() };
    match f.app.open_external(input).await {
        Ok(()) => "opened".into(),
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidInput, "{url}: {e:?}");
            assert!(e.message.contains("pages open only from"), "{url}: {}", e.message);
            e.reason.unwrap().into()
        }
    }
}

/// The `url.refused` entries, oldest first: (product, environment, scheme, host, cause, whole detail).
async fn refused_urls(f: &Fixture) -> Vec<(String, String, String, String, String, String)> {
    let entries = app::audit_page(&f.app, 200).await;
    let field = |d: &Value, k: &str| d[k].as_str().unwrap_or("").to_owned();
    entries
        .into_iter()
        .rev()
        .filter(|e| e.action == "url.refused")
        .map(|e| {
            assert_eq!(e.outcome, "denied");
            let d: Value = serde_json::from_str(&e.detail).unwrap();
            let [p, env, s, h, c] =
                ["product", "environment", "scheme", "host", "cause"].map(|k| field(&d, k));
            (p, env, s, h, c, e.detail)
        })
        .collect()
}

#[tokio::test]
async fn provider_pages_open_only_from_the_products_hosts_and_refusals_are_audited() {
    let f = fixture().await;
    let sim = sandbox(&f).await;
    let sim_host = sim.trim_start_matches("http://").to_owned();
    let sim_page = format!("{sim}/_sandbox/customer/7");
    // The built-in environment: the simulator's own address only.
    assert_eq!(open_page(&f, "ovo_snap", &sim_page).await, "opened");
    let refused_builtin = [
        ("javascript:alert(1)", "page_url_scheme_refused"),
        ("file:///etc/passwd", "page_url_scheme_refused"),
        ("file://host/share/x.exe", "page_url_scheme_refused"),
        ("\\\\host\\share\\x.exe", "page_url_invalid"),
        ("http://example.com/pay?token=SECRET-1", "page_url_https_required"),
        ("https://sandbox.doku.com/direct-debit/ui/1", "page_url_host_not_allowed"),
        (&format!("https://{sim_host}@evil.example/"), "page_url_userinfo_refused"),
        (&format!("http://{sim_host}@evil.example/"), "page_url_userinfo_refused"),
        ("https://evil-doku.com/x", "page_url_host_not_allowed"),
    ];
    for (url, reason) in refused_builtin {
        assert_eq!(open_page(&f, "ovo_snap", url).await, reason, "{url}");
    }
    assert_eq!(f.opener.opened(), std::slice::from_ref(&sim_page));

    // Production: each product's hosts over https, and a host the admin configured.
    app::sign_in(&f.app, "admin", app::ADMIN_PW).await.unwrap();
    f.app.set_environment(EnvironmentInput { environment: "production".into() }).await.unwrap();
    let doku_page = "https://app.doku.com/direct-debit/ui/payment/1";
    assert_eq!(open_page(&f, "doku_snap_ovo", doku_page).await, "opened");
    let refused_production = [
        ("doku_snap_ovo", "https://evil-doku.com/direct-debit", "page_url_host_not_allowed"),
        ("doku_snap_ovo", "https://doku.com.evil.example/", "page_url_host_not_allowed"),
        ("doku_snap_ovo", "http://app.doku.com/x", "page_url_https_required"),
        ("doku_snap_ovo", "https://app.doku.com@evil.example/", "page_url_userinfo_refused"),
        ("ovo_snap", doku_page, "page_url_host_not_allowed"),
        ("ovo_snap", &sim_page, "page_url_https_required"),
        ("ovo_snap", "https://pin.merchant-gateway.example/p/1", "page_url_host_not_allowed"),
    ];
    for (product, url, reason) in refused_production {
        assert_eq!(open_page(&f, product, url).await, reason, "{product} {url}");
    }
    let values = [("host".to_owned(), "https://pin.merchant-gateway.example".to_owned())];
    f.app
        .save_provider_settings(SaveProviderSettingsInput {
            environment: "production".into(),
            product: "ovo_snap".into(),
            values: values.into_iter().collect(),
        })
        .await
        .unwrap();
    let admin_host_page = "https://pin.merchant-gateway.example/p/1";
    assert_eq!(open_page(&f, "ovo_snap", admin_host_page).await, "opened");
    assert_eq!(open_page(&f, "doku_snap_ovo", admin_host_page).await, "page_url_host_not_allowed");
    assert_eq!(f.opener.opened(), [sim_page.clone(), doku_page.into(), admin_host_page.into()]);

    let refused = refused_urls(&f).await;
    assert_eq!(refused.len(), refused_builtin.len() + refused_production.len() + 1);
    let summary: Vec<_> =
        refused.iter().map(|r| (r.0.as_str(), r.1.as_str(), r.4.as_str())).collect();
    assert_eq!(summary[0], ("ovo_snap", "builtin_sandbox", "page_url_scheme_refused"));
    assert_eq!(summary[9], ("doku_snap_ovo", "production", "page_url_host_not_allowed"));
    let http = &refused[4];
    assert_eq!((http.2.as_str(), http.3.as_str()), ("http", "example.com"));
    let userinfo = &refused[6];
    assert_eq!((userinfo.2.as_str(), userinfo.3.as_str()), ("https", "evil.example"));
    for r in &refused {
        assert!(!r.5.contains("SECRET") && !r.5.contains("/pay") && !r.5.contains('@'), "{}", r.5);
    }
}

#[tokio::test]
async fn a_linking_page_on_another_address_than_the_simulators_is_not_opened_and_is_audited() {
    // The app reaches the simulator as `localhost`; the simulator names its pages `127.0.0.1`.
    let sandbox = ovo_test_support::sim::start_demo("1").await;
    let reached_as = sandbox.url().replace("127.0.0.1", "localhost");
    assert_ne!(reached_as, sandbox.url());
    let f = TestApp::builder()
        .sandbox_url(&reached_as)
        .operators(&[("sam", "staff")])
        .signed_in("sam")
        .open()
        .await;
    let siti = customer_id(&f, SITI).await;
    let started = start_link(&f, siti, "ovo_snap", "").await.unwrap();
    assert_eq!(started.status, LinkStatus::Pending);
    let page = started.redirect_url.unwrap();
    assert!(page.starts_with(&format!("{}/_sandbox/customer/", sandbox.url())), "{page}");
    assert!(f.opener.opened().is_empty(), "{:?}", f.opener.opened());
    // Offered again from the account, it is refused again.
    assert_eq!(open_page(&f, "ovo_snap", &page).await, "page_url_https_required");

    app::sign_in(&f.app, "admin", app::ADMIN_PW).await.unwrap();
    let refused = refused_urls(&f).await;
    let host = sandbox.url().trim_start_matches("http://").split(':').next().unwrap().to_owned();
    assert_eq!(refused.len(), 2);
    for (r, purpose) in refused.iter().zip(["linking", "requested"]) {
        assert_eq!(
            (r.0.as_str(), r.1.as_str(), r.2.as_str(), r.3.as_str(), r.4.as_str()),
            ("ovo_snap", "builtin_sandbox", "http", host.as_str(), "page_url_https_required")
        );
        assert!(r.5.contains(&format!("\"purpose\":\"{purpose}\"")), "{}", r.5);
        assert!(!r.5.contains("_sandbox/customer"), "{}", r.5);
    }
}

#[tokio::test]
async fn tokens_an_earlier_version_kept_in_the_keychain_move_into_the_ledger_at_the_next_open() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let (_, seeded, key) = seeded_link(&f, BUDI, Product::OvoSnap).await;
    let reference = ovo_domain::Reference::parse(&seeded.reference).unwrap();
    let ledger_id: String = {
        let mut conn = f.app.ledger().read().await.unwrap();
        let stored = ovo_ledger::settings::get(&mut conn, "ledger_id").await.unwrap().unwrap();
        serde_json::from_str(&stored).unwrap()
    };
    // As an earlier version left it: the tokens in the keychain, none in the ledger, and this
    // desk not yet through the move.
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    let environment = ovo_domain::Environment::BuiltInSandbox;
    ovo_ledger::link_secrets::delete(&mut tx, environment, Product::OvoSnap, &reference)
        .await
        .unwrap();
    ovo_ledger::commit(tx).await.unwrap();
    let legacy =
        SecretKey::new(APP_ID, "builtin_sandbox", "ovo_snap", format!("link-{}", seeded.reference));
    let old_token = "legacy-customer-token-1";
    f.secrets
        .put(&legacy, &json!({ "token": old_token, "refresh_token": null }).to_string().into())
        .unwrap();
    let moved =
        SecretKey::new(APP_ID, "local", format!("ledger-{ledger_id}"), "link_tokens_in_ledger");
    assert!(f.secrets.delete(&moved).unwrap(), "the desk had moved its tokens once");
    // An unreadable entry of another linking is left where it is.
    let (_, siti, _) = seeded_link(&f, SITI, Product::DokuSnapOvo).await;
    let siti_reference = ovo_domain::Reference::parse(&siti.reference).unwrap();
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    ovo_ledger::link_secrets::delete(&mut tx, environment, Product::DokuSnapOvo, &siti_reference)
        .await
        .unwrap();
    ovo_ledger::commit(tx).await.unwrap();
    let unreadable = SecretKey::new(
        APP_ID,
        "builtin_sandbox",
        Product::DokuSnapOvo.key(),
        format!("link-{}", siti.reference),
    );
    f.secrets.put(&unreadable, &"{not json".into()).unwrap();

    let TestApp { dir, app, secrets, .. } = f;
    let data_dir = dir.path().join("data");
    app.ledger().close().await;
    drop(app);
    let (reopened, clock, opener) =
        TestApp::builder().signed_in("sam").open_at(&data_dir, secrets.clone()).await;
    let http = reqwest::Client::new();
    let f = TestApp { dir, app: Arc::new(reopened), clock, secrets, opener, http };
    assert!(tokens_kept(&f, &key).await, "moved into the ledger, sealed, and out of the keychain");
    assert!(f.secrets.contains(&moved).unwrap(), "once per desk");
    assert!(f.secrets.contains(&unreadable).unwrap());
    let mut conn = f.app.ledger().read().await.unwrap();
    let siti_row = ovo_ledger::link_secrets::get(
        &mut conn,
        environment,
        Product::DokuSnapOvo,
        &siti_reference,
    )
    .await
    .unwrap();
    drop(conn);
    assert!(siti_row.is_none(), "nothing made up from an unreadable entry");
    // The moved token is the one the provider is asked with.
    let account = account(&f, budi, Product::OvoSnap).await;
    let _ = f.app.refresh_balance(AccountRef { account_id: account.id }).await;
    let sent = get_json(&f, "/_sandbox/received?product=ovo_snap").await.to_string();
    assert!(sent.contains(old_token), "the balance inquiry carries the moved token");
}
