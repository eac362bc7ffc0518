//! Provider settings against a real ledger file, the in-memory secret store and the real
//! in-process sandbox over loopback HTTP (time scale 0.02).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use ovo_app::ipc::*;
use ovo_app::{AppError, ErrorCode};
use ovo_domain::{Environment, Product};
use ovo_test_support::app::{self, code, TestApp};
use serde_json::Value;

/// The sandbox's payer who approves a push at once.
const PAYER: &str = "081100000007";

type Fixture = TestApp;

async fn fixture() -> Fixture {
    TestApp::builder()
        .scale("0.02")
        .operators(&[("sam", "staff"), ("fina", "finance"), ("suri", "support")])
        .open()
        .await
}

async fn list(f: &Fixture, environment: &str) -> Vec<ProductProviderSettings> {
    try_list(f, environment).await.unwrap()
}

async fn try_list(
    f: &Fixture,
    environment: &str,
) -> Result<Vec<ProductProviderSettings>, AppError> {
    f.app.list_provider_settings(EnvironmentInput { environment: environment.into() }).await
}

async fn reset(
    f: &Fixture,
    environment: &str,
    product: &str,
) -> Result<ProductProviderSettings, AppError> {
    let input = ProductInEnvironment { environment: environment.into(), product: product.into() };
    f.app.reset_provider_settings(input).await
}

async fn product(f: &Fixture, environment: &str, product: Product) -> ProductProviderSettings {
    list(f, environment).await.into_iter().find(|p| p.product == product).unwrap()
}

fn setting<'a>(settings: &'a ProductProviderSettings, key: &str) -> &'a ProviderSettingView {
    settings
        .settings
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {key} in {settings:?}"))
}

fn save_input(
    environment: &str,
    product: &str,
    values: &[(&str, &str)],
) -> SaveProviderSettingsInput {
    SaveProviderSettingsInput {
        environment: environment.into(),
        product: product.into(),
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

async fn save(
    f: &Fixture,
    environment: &str,
    product: &str,
    values: &[(&str, &str)],
) -> Result<ProductProviderSettings, AppError> {
    f.app.save_provider_settings(save_input(environment, product, values)).await
}

/// The audit entries of provider settings, oldest first, with their detail parsed.
async fn settings_audit(f: &Fixture) -> Vec<(String, String, Value)> {
    let page = f.app.list_audit(ovo_test_support::app::audit_query(500)).await.unwrap();
    page.items
        .into_iter()
        .rev()
        .filter(|e| e.action.starts_with("provider_settings."))
        .map(|e| (e.action, e.subject, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

#[tokio::test]
async fn defaults_are_the_documented_ones_per_environment() {
    let f = fixture().await;
    f.sign_in_as("admin").await;
    let sandbox = list(&f, "provider_sandbox").await;
    assert_eq!(sandbox.iter().map(|p| p.product).collect::<Vec<_>>(), Product::ALL);
    assert!(sandbox.iter().all(|p| p.environment == Environment::ProviderSandbox));
    let hosts: Vec<&str> = sandbox.iter().map(|p| setting(p, "host").value.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "https://api-sandbox.doku.com",
            "https://api-sandbox.doku.com",
            "https://service-sandbox.tazapay.com",
            "https://debit-sandbox.faspay.co.id",
            "https://app.byte-stack.net",
        ]
    );
    assert!(sandbox.iter().flat_map(|p| &p.settings).all(|s| !s.overridden));

    let faspay = product(&f, "production", Product::FaspayOvoTokenize).await;
    assert_eq!(setting(&faspay, "host").value, "", "Faspay gives its production host privately");
    assert_eq!(setting(&faspay, "host").default_value, None);
    assert_eq!(faspay.missing, ["host", "merchant_name"]);
    let scale = setting(&faspay, "amount_scale");
    assert_eq!(
        (scale.value.as_str(), scale.kind.as_str(), scale.choices.as_slice()),
        ("100", "choice", &[1, 100][..])
    );
    assert_eq!(setting(&faspay, "url_status").value, "/cvr/100004/10");
    assert!(setting(&faspay, "url_status").advanced);

    let ovo = product(&f, "production", Product::OvoSnap).await;
    assert_eq!(setting(&ovo, "host").value, "https://apigw.ovo.id");
    assert_eq!(setting(&ovo, "version").value, "v2.0");
    assert_eq!(setting(&ovo, "b2b_token_version").value, "v1.0");
    assert_eq!(
        setting(&ovo, "top_up_text_id").value,
        "",
        "no top-up text until an admin writes one"
    );
    assert!(ovo.missing.is_empty());
    let tazapay = product(&f, "production", Product::TazapayOvoIdr).await;
    assert_eq!(setting(&tazapay, "webhook_url").value, "");
    assert!(!setting(&tazapay, "webhook_url").required);

    assert_eq!(
        code(try_list(&f, "builtin_sandbox").await),
        (ErrorCode::InvalidInput, Some("provider_settings_builtin"))
    );
}

#[tokio::test]
async fn a_save_reads_back_is_audited_with_before_and_after_and_reset_returns_the_defaults() {
    let f = fixture().await;
    f.sign_in_as("admin").await;
    let saved = save(
        &f,
        "production",
        "faspay_ovo_tokenize",
        &[
            ("host", "https://web.faspay.co.id/"),
            ("merchant_name", "  Toko Maju Jaya "),
            ("amount_scale", "1"),
        ],
    )
    .await
    .unwrap();
    assert!(saved.missing.is_empty());
    let read = product(&f, "production", Product::FaspayOvoTokenize).await;
    assert_eq!(read, saved);
    assert_eq!(setting(&read, "host").value, "https://web.faspay.co.id");
    assert_eq!(setting(&read, "merchant_name").value, "Toko Maju Jaya");
    assert_eq!(setting(&read, "amount_scale").value, "1");
    assert!(setting(&read, "amount_scale").overridden);
    assert!(!setting(&read, "url_payment").overridden);
    // The other environment is untouched.
    assert_eq!(
        setting(&product(&f, "provider_sandbox", Product::FaspayOvoTokenize).await, "amount_scale")
            .value,
        "100"
    );

    // A key left out keeps its value; the documented value typed in is no override.
    save(
        &f,
        "production",
        "faspay_ovo_tokenize",
        &[("amount_scale", "100"), ("url_payment", "/cvr/300011/10")],
    )
    .await
    .unwrap();
    let read = product(&f, "production", Product::FaspayOvoTokenize).await;
    assert_eq!(setting(&read, "merchant_name").value, "Toko Maju Jaya");
    assert!(!setting(&read, "amount_scale").overridden);
    assert_eq!(setting(&read, "url_payment").value, "/cvr/300011/10");

    let audit = settings_audit(&f).await;
    assert_eq!(audit.len(), 2);
    let (action, subject, detail) = &audit[0];
    assert_eq!(
        (action.as_str(), subject.as_str()),
        ("provider_settings.save", "provider_settings:production/faspay_ovo_tokenize")
    );
    assert_eq!(detail["before"]["host"], "");
    assert_eq!(detail["before"]["amount_scale"], "100");
    assert_eq!(detail["after"]["host"], "https://web.faspay.co.id");
    assert_eq!(detail["after"]["merchant_name"], "Toko Maju Jaya");
    assert_eq!(detail["after"]["amount_scale"], "1");
    assert_eq!(detail["changed"], serde_json::json!(["host", "merchant_name", "amount_scale"]));
    assert_eq!(audit[1].2["before"]["amount_scale"], "1");
    assert_eq!(audit[1].2["after"]["amount_scale"], "100");

    let reset = reset(&f, "production", "faspay_ovo_tokenize").await.unwrap();
    assert_eq!(reset.missing, ["host", "merchant_name"]);
    assert_eq!(product(&f, "production", Product::FaspayOvoTokenize).await, reset);
    let audit = settings_audit(&f).await;
    let (action, _, detail) = audit.last().unwrap();
    assert_eq!(action, "provider_settings.reset");
    assert_eq!(detail["before"]["merchant_name"], "Toko Maju Jaya");
    assert_eq!(detail["after"]["merchant_name"], "");
    assert_eq!(detail["after"]["url_payment"], "/cvr/100037/10");
    assert!(f.app.verify_audit().await.unwrap().intact);
}

/// Environment, product, the values sent, the reason expected.
type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);

#[tokio::test]
async fn every_bad_input_is_refused_with_its_reason_and_nothing_is_saved() {
    let f = fixture().await;
    f.sign_in_as("admin").await;
    save(&f, "provider_sandbox", "faspay_ovo_tokenize", &[("merchant_name", "Toko Maju")])
        .await
        .unwrap();
    let before_sandbox = list(&f, "provider_sandbox").await;
    let before_production = list(&f, "production").await;
    let audited = settings_audit(&f).await.len();

    let cases: &[Case] = &[
        ("production", "doku_snap_ovo", &[("host", "api.doku.com")], "provider_setting_not_url"),
        (
            "production",
            "doku_snap_ovo",
            &[("host", "https://api doku.com")],
            "provider_setting_not_url",
        ),
        (
            "production",
            "doku_snap_ovo",
            &[("host", "ftp://api.doku.com")],
            "provider_setting_not_url",
        ),
        (
            "production",
            "doku_snap_ovo",
            &[("host", "https://api.doku.com/snap?x=1")],
            "provider_setting_host_has_path",
        ),
        (
            "production",
            "ovo_snap",
            &[("host", "http://apigw.ovo.id")],
            "provider_setting_https_required",
        ),
        (
            "production",
            "ovo_snap",
            &[("host", "http://127.0.0.1:7700")],
            "provider_setting_https_required",
        ),
        (
            "provider_sandbox",
            "ovo_snap",
            &[("host", "http://app.byte-stack.net")],
            "provider_setting_https_required",
        ),
        (
            "production",
            "tazapay_ovo_idr",
            &[("webhook_url", "http://shop.example/tz")],
            "provider_setting_https_required",
        ),
        (
            "production",
            "tazapay_ovo_idr",
            &[("webhook_url", "shop.example/tz")],
            "provider_setting_not_url",
        ),
        (
            "provider_sandbox",
            "faspay_ovo_tokenize",
            &[("amount_scale", "10")],
            "provider_setting_choice_not_allowed",
        ),
        (
            "provider_sandbox",
            "faspay_ovo_tokenize",
            &[("amount_scale", "1.5")],
            "provider_setting_choice_not_allowed",
        ),
        // Blank returns a setting to its documented value; the merchant name has none.
        (
            "provider_sandbox",
            "faspay_ovo_tokenize",
            &[("merchant_name", "   ")],
            "provider_setting_required",
        ),
        (
            "production",
            "faspay_ovo_tokenize",
            &[("host", "https://web.faspay.co.id")],
            "provider_setting_required",
        ),
        (
            "provider_sandbox",
            "faspay_ovo_tokenize",
            &[("merchant_name", "Toko\nMaju")],
            "provider_setting_invalid_characters",
        ),
        (
            "provider_sandbox",
            "faspay_ovo_tokenize",
            &[("url_payment", "/cvr/1 0")],
            "provider_setting_path_invalid",
        ),
        ("production", "ovo_snap", &[("version", "2.0")], "provider_setting_version_invalid"),
        ("production", "ovo_snap", &[("channel_id", "a b")], "provider_setting_invalid_characters"),
        (
            "production",
            "doku_snap_ovo",
            &[("device_id", "kasir-01")],
            "provider_setting_invalid_characters",
        ),
        (
            "production",
            "ovo_snap",
            &[("top_up_text_en", "ATM\nhttp://ovo.id/topup")],
            "provider_setting_https_required",
        ),
        (
            "production",
            "doku_jokul_ovo_push",
            &[("merchant_name", "Toko")],
            "provider_setting_unknown",
        ),
        // One good value beside a bad one: nothing of either is saved.
        (
            "production",
            "ovo_snap",
            &[("version", "v3.0"), ("host", "http://apigw.ovo.id")],
            "provider_setting_https_required",
        ),
        ("production", "dana", &[("host", "https://api.dana.id")], "product_unknown"),
        ("staging", "ovo_snap", &[("host", "https://apigw.ovo.id")], "environment_unknown"),
        (
            "builtin_sandbox",
            "ovo_snap",
            &[("host", "http://127.0.0.1:7700")],
            "provider_settings_builtin",
        ),
    ];
    for (environment, product, values, reason) in cases {
        let error = save(&f, environment, product, values).await.unwrap_err();
        assert_eq!(
            (error.code, error.reason),
            (ErrorCode::InvalidInput, Some(*reason)),
            "{environment} {product} {values:?}: {error:?}"
        );
        assert!(!error.message.is_empty());
    }
    // The message names what is accepted.
    let scale = save(&f, "provider_sandbox", "faspay_ovo_tokenize", &[("amount_scale", "10")])
        .await
        .unwrap_err();
    assert!(scale.message.contains("1, 100"), "{}", scale.message);
    let http =
        save(&f, "production", "ovo_snap", &[("host", "http://apigw.ovo.id")]).await.unwrap_err();
    assert!(http.message.contains("https://"), "{}", http.message);
    assert_eq!(
        code(reset(&f, "builtin_sandbox", "ovo_snap").await),
        (ErrorCode::InvalidInput, Some("provider_settings_builtin"))
    );

    assert_eq!(list(&f, "provider_sandbox").await, before_sandbox);
    assert_eq!(list(&f, "production").await, before_production);
    assert_eq!(settings_audit(&f).await.len(), audited, "a refused save writes no audit entry");
}

#[tokio::test]
async fn only_an_admin_sees_or_changes_provider_settings() {
    let f = fixture().await;
    for username in ["sam", "fina", "suri"] {
        f.sign_in_as(username).await;
        assert_eq!(code(try_list(&f, "production").await).0, ErrorCode::Forbidden);
        assert_eq!(
            code(save(&f, "production", "ovo_snap", &[("version", "v3.0")]).await).0,
            ErrorCode::Forbidden
        );
        assert_eq!(code(reset(&f, "production", "ovo_snap").await).0, ErrorCode::Forbidden);
    }
    f.app.sign_out().await.unwrap();
    assert_eq!(
        code(save(&f, "production", "ovo_snap", &[("version", "v3.0")]).await).0,
        ErrorCode::Unauthenticated
    );
    f.sign_in_as("admin").await;
    assert_eq!(
        setting(&product(&f, "production", Product::OvoSnap).await, "version").value,
        "v2.0"
    );
    assert!(settings_audit(&f).await.is_empty());
}

async fn until_final(f: &Fixture, id: i64) -> PaymentDetailView {
    let done = |p: &PaymentDetailView| {
        !["created", "pending", "unknown"].contains(&p.payment.status.as_str())
    };
    let poll = || app::advance_and_poll(f, 20);
    app::until_payment(&f.app, id, Duration::from_millis(150), done, poll).await
}

fn push(phone: &str, amount: &str) -> StartPaymentInput {
    StartPaymentInput {
        customer_id: None,
        product: "doku_jokul_ovo_push".into(),
        kind: "push".into(),
        amount: amount.into(),
        phone: phone.into(),
        account_id: None,
        source: String::new(),
        description: "provider settings".into(),
    }
}

async fn received(sandbox: &str, product: &str) -> usize {
    let all: Value = reqwest::get(format!("{sandbox}/_sandbox/received?product={product}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.as_array().unwrap().len()
}

/// A host on this machine where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn a_changed_host_is_used_by_the_next_client() {
    let f = fixture().await;
    f.sign_in_as("admin").await;
    // The in-process sandbox stands in for DOKU's sandbox, with its demo merchant's keys.
    let sandbox = f.app.sandbox_url().await.unwrap().unwrap();
    let merchants: Vec<toml::Table> =
        ovo_sandbox::Merchants::demo().section("doku_jokul_ovo_push").unwrap();
    for field in ["client_id", "secret_key"] {
        let value = merchants[0].get(field).and_then(|v| v.as_str()).unwrap();
        f.app
            .set_credential(SetCredentialInput {
                environment: "provider_sandbox".into(),
                product: "doku_jokul_ovo_push".into(),
                field: field.into(),
                value: value.into(),
            })
            .await
            .unwrap();
    }
    f.app
        .set_environment(EnvironmentInput { environment: "provider_sandbox".into() })
        .await
        .unwrap();
    let unreachable = closed_port();
    save(&f, "provider_sandbox", "doku_jokul_ovo_push", &[("host", &unreachable)]).await.unwrap();

    f.sign_in_as("sam").await;
    let first = f.app.start_payment(push(PAYER, "20.000")).await.unwrap();
    let first = until_final(&f, first.payment.id).await;
    assert_eq!(first.payment.status, "failed", "nothing listens there: {first:#?}");
    assert_eq!(received(&sandbox, "doku_jokul_ovo_push").await, 0);

    f.sign_in_as("admin").await;
    save(&f, "provider_sandbox", "doku_jokul_ovo_push", &[("host", &sandbox)]).await.unwrap();
    f.sign_in_as("sam").await;
    let second = f.app.start_payment(push(PAYER, "21.000")).await.unwrap();
    let second = until_final(&f, second.payment.id).await;
    assert_eq!(second.payment.status, "succeeded", "{second:#?}");
    assert!(
        received(&sandbox, "doku_jokul_ovo_push").await >= 1,
        "the payment went to the new host"
    );
}

#[tokio::test]
async fn production_refuses_an_http_host_even_one_already_stored() {
    let f = fixture().await;
    f.sign_in_as("admin").await;
    let sandbox = f.app.sandbox_url().await.unwrap().unwrap();
    assert_eq!(
        code(save(&f, "production", "doku_jokul_ovo_push", &[("host", &sandbox)]).await),
        (ErrorCode::InvalidInput, Some("provider_setting_https_required"))
    );
    // A value written around the use case (an older version, a hand-edited file) is checked
    // again when the client is built: the payment fails before anything is sent.
    let merchants: Vec<toml::Table> =
        ovo_sandbox::Merchants::demo().section("doku_jokul_ovo_push").unwrap();
    for field in ["client_id", "secret_key"] {
        let value = merchants[0].get(field).and_then(|v| v.as_str()).unwrap();
        f.app
            .set_credential(SetCredentialInput {
                environment: "production".into(),
                product: "doku_jokul_ovo_push".into(),
                field: field.into(),
                value: value.into(),
            })
            .await
            .unwrap();
    }
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    let stored: BTreeMap<String, String> = [("host".to_owned(), sandbox.clone())].into();
    let admin = ovo_ledger::operators::by_username(&mut tx, "admin").await.unwrap().unwrap();
    ovo_ledger::settings::save_provider_overrides(
        &mut tx,
        Environment::Production,
        Product::DokuJokulOvoPush,
        &stored,
        f.app.now(),
        admin.id,
    )
    .await
    .unwrap();
    ovo_ledger::commit(tx).await.unwrap();
    f.app.set_environment(EnvironmentInput { environment: "production".into() }).await.unwrap();

    f.sign_in_as("sam").await;
    let payment = f.app.start_payment(push(PAYER, "20.000")).await.unwrap();
    let payment = until_final(&f, payment.payment.id).await;
    assert_eq!(payment.payment.status, "failed", "{payment:#?}");
    let detail = format!("{payment:?}");
    assert!(detail.contains("Production accepts only https://"), "the problem says why: {detail}");
    assert_eq!(received(&sandbox, "doku_jokul_ovo_push").await, 0, "nothing was sent over http");

    // The admin sees the documented host in its place, and a save puts things right.
    f.sign_in_as("admin").await;
    let jokul = product(&f, "production", Product::DokuJokulOvoPush).await;
    assert_eq!(setting(&jokul, "host").value, "https://api.doku.com");
    assert!(!setting(&jokul, "host").overridden);
    let saved = save(&f, "production", "doku_jokul_ovo_push", &[("host", "https://api.doku.com")])
        .await
        .unwrap();
    assert_eq!(setting(&saved, "host").value, "https://api.doku.com");
    let mut conn = f.app.ledger().read().await.unwrap();
    let stored = ovo_ledger::settings::provider_overrides(
        &mut conn,
        Environment::Production,
        Product::DokuJokulOvoPush,
    )
    .await
    .unwrap();
    assert!(stored.is_empty(), "{stored:?}");
}

#[tokio::test]
async fn ovo_snap_top_up_text_written_by_the_admin_is_shown_per_language() {
    use ovo_ledger::bindings::{self, BindingStatus, NewBinding};
    let f = fixture().await;
    f.sign_in_as("admin").await;
    let found = f
        .app
        .search_customers(SearchInput { query: "6281234567890".into(), limit: 5 })
        .await
        .unwrap();
    let budi = found.hits[0].customer.id;
    // An OVO SNAP account linked in the Provider sandbox environment.
    let phone = ovo_domain::Msisdn::parse("6281234567890").unwrap();
    let reference = ovo_domain::Reference::parse("SETTINGSTEST0001").unwrap();
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    let account = bindings::insert(
        &mut tx,
        &NewBinding {
            customer_id: ovo_domain::CustomerId::new(budi),
            environment: Environment::ProviderSandbox,
            product: Product::OvoSnap,
            phone: &phone,
            status: BindingStatus::Active,
            reference: &reference,
            provider_ref: None,
            expires_at: None,
            at: f.app.now(),
        },
    )
    .await
    .unwrap();
    ovo_ledger::commit(tx).await.unwrap();
    let ask = |language: &str| {
        f.app.top_up_instructions(TopUpInput {
            account_id: account.get(),
            language: Some(language.into()),
        })
    };

    let none = ask("en").await.unwrap();
    assert!(none.configured && none.options.is_empty() && none.problem.is_none(), "{none:?}");

    save(
        &f,
        "provider_sandbox",
        "ovo_snap",
        &[("top_up_text_id", "Aplikasi OVO\r\n1. Buka aplikasi OVO\r\nhttps://www.ovo.id/")],
    )
    .await
    .unwrap();
    // English not written yet: the Indonesian text stands in.
    let fallback = ask("en").await.unwrap();
    assert_eq!(fallback.options.len(), 1);
    assert_eq!(fallback.options[0].title, "Aplikasi OVO");
    assert_eq!(fallback.options[0].steps, ["Buka aplikasi OVO"]);
    assert_eq!(fallback.options[0].link.as_deref(), Some("https://www.ovo.id/"));

    save(
        &f,
        "provider_sandbox",
        "ovo_snap",
        &[("top_up_text_en", "OVO app\n- Open the OVO app\n\nATM\n- Choose Transfer")],
    )
    .await
    .unwrap();
    let english = ask("en").await.unwrap();
    assert_eq!(
        english.options.iter().map(|o| o.title.as_str()).collect::<Vec<_>>(),
        ["OVO app", "ATM"]
    );
    assert_eq!(english.options[1].steps, ["Choose Transfer"]);
    assert_eq!(ask("id").await.unwrap().options[0].title, "Aplikasi OVO");
    // The other environment has its own text (none).
    assert_eq!(
        setting(&product(&f, "production", Product::OvoSnap).await, "top_up_text_en").value,
        ""
    );
}
