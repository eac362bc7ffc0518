//! Test connection against the real simulator over loopback HTTPS: the Provider sandbox
//! environment's host saved as a provider setting, its test CA trusted (or not), the
//! credentials in the (in-memory) secret store, a real ledger file for the audit.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::{AppResult, Backoffice, ErrorCode};
use ovo_domain::Product;
use ovo_providers::ExtraRoots;
use ovo_test_support::app::{self, code, TestApp};
use ovo_test_support::keys;

const DOKU_SECRET: &str = "SK-demo-doku-snap-ovo-not-for-production";

struct Fixture {
    _dir: tempfile::TempDir,
    app: Arc<Backoffice>,
    sandbox: ovo_sandbox::RunningSandbox,
}

/// A PEM value `key = """…"""` of the demo DOKU SNAP merchant.
fn demo_doku_pem(key: &str) -> String {
    keys::demo_pem("doku_snap_ovo", key)
}

/// An admin signed in, DOKU SNAP credentials stored for the Provider sandbox environment
/// with `secret`, and that environment's DOKU SNAP host at an HTTPS simulator.
async fn fixture(secret: &str, trust_ca: bool) -> Fixture {
    let TestApp { dir, app, .. } = TestApp::builder().fixed_clock().admin().open().await;
    for (field, value) in [
        ("client_id", "BRN-0218-1700000000001".to_owned()),
        ("secret_key", secret.to_owned()),
        ("merchant_private_key", demo_doku_pem("merchant_private_key")),
        ("provider_public_key", demo_doku_pem("doku_public_key")),
    ] {
        app.set_credential(SetCredentialInput {
            environment: "provider_sandbox".into(),
            product: "doku_snap_ovo".into(),
            field: field.into(),
            value: value.as_str().into(),
        })
        .await
        .unwrap();
    }
    let config = ovo_sandbox::SandboxConfig {
        time_scale: ovo_sandbox::TimeScale::parse("0.01").unwrap(),
        ..ovo_sandbox::SandboxConfig::default()
    };
    let sandbox = ovo_sandbox::start_https(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    use_doku_host(&app, &sandbox.url()).await;
    if trust_ca {
        app.trust_extra_roots(ExtraRoots::from_pem(sandbox.ca_pem().unwrap()).unwrap());
    }
    Fixture { _dir: dir, app, sandbox }
}

/// Saves the Provider sandbox environment's DOKU SNAP host, as an admin does in Settings.
async fn use_doku_host(app: &Backoffice, host: &str) {
    app.save_provider_settings(SaveProviderSettingsInput {
        environment: "provider_sandbox".into(),
        product: "doku_snap_ovo".into(),
        values: [("host".to_owned(), host.to_owned())].into_iter().collect(),
    })
    .await
    .unwrap();
}

/// Tests the connection of `product` in `environment` (as their keys name them).
async fn test(f: &Fixture, environment: &str, product: &str) -> AppResult<ConnectionTestResult> {
    let input = ProductInEnvironment { environment: environment.into(), product: product.into() };
    f.app.test_connection(input).await
}

async fn test_doku(f: &Fixture) -> ConnectionTestResult {
    test(f, "provider_sandbox", "doku_snap_ovo").await.unwrap()
}

/// The newest audit entry: (action, subject, outcome, detail).
async fn last_audit(f: &Fixture) -> (String, String, String, String) {
    let page = f.app.list_audit(ovo_test_support::app::audit_query(1)).await.unwrap();
    let e = page.items.into_iter().next().unwrap();
    (e.action, e.subject, e.outcome, e.detail)
}

fn received(f: &Fixture) -> Vec<String> {
    f.sandbox
        .ctx
        .journal()
        .received(Some("doku_snap_ovo"))
        .into_iter()
        .map(|r| r.endpoint)
        .collect()
}

#[tokio::test]
async fn test_connection_works_over_https_and_is_audited() {
    let f = fixture(DOKU_SECRET, true).await;
    let result = test_doku(&f).await;
    assert_eq!(result.outcome, ConnectionOutcome::Works, "{result:?}");
    assert_eq!(
        (result.environment.as_str(), result.product),
        ("provider_sandbox", Product::DokuSnapOvo)
    );
    assert!(
        result.detail.contains("4045501"),
        "the unused reference is not found: {}",
        result.detail
    );
    assert_eq!(result.provider_code, None);
    // Two reads, nothing written at the provider.
    assert_eq!(received(&f), ["/authorization/v1/access-token/b2b", "/orders/v1.0/debit/status"]);
    let (action, subject, outcome, detail) = last_audit(&f).await;
    assert_eq!(
        (action.as_str(), subject.as_str(), outcome.as_str()),
        ("provider.test_connection", "provider_sandbox/doku_snap_ovo", "ok")
    );
    assert!(detail.contains("works"), "{detail}");
}

#[tokio::test]
async fn test_connection_with_a_wrong_secret_says_the_credentials_are_refused() {
    let f = fixture("SK-not-the-secret", true).await;
    let result = test_doku(&f).await;
    assert_eq!(result.outcome, ConnectionOutcome::CredentialsRefused, "{result:?}");
    let code = result.provider_code.clone().unwrap();
    assert!(code.starts_with("401"), "DOKU's own code on the details line: {code}");
    assert!(result.detail.contains(&code));
    assert!(!result.detail.contains("SK-not-the-secret"), "no secret in the answer");
    let (action, _, outcome, detail) = last_audit(&f).await;
    assert_eq!((action.as_str(), outcome.as_str()), ("provider.test_connection", "failed"));
    assert!(
        detail.contains("credentials_refused") && !detail.contains("SK-not-the-secret"),
        "{detail}"
    );
}

#[tokio::test]
async fn test_connection_to_a_closed_port_says_the_host_is_unreachable() {
    let f = fixture(DOKU_SECRET, true).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    use_doku_host(&f.app, &format!("https://{closed}")).await;
    let result = test_doku(&f).await;
    assert_eq!(result.outcome, ConnectionOutcome::Unreachable, "{result:?}");
    assert_eq!(result.provider_code, None);
    assert!(received(&f).is_empty());
    assert_eq!(last_audit(&f).await.2, "failed");
}

#[tokio::test]
async fn test_connection_to_an_untrusted_certificate_says_so_and_sends_nothing() {
    let f = fixture(DOKU_SECRET, false).await;
    let result = test_doku(&f).await;
    assert_eq!(result.outcome, ConnectionOutcome::CertificateNotTrusted, "{result:?}");
    assert!(result.detail.contains("not trusted"), "{}", result.detail);
    assert!(received(&f).is_empty(), "the handshake failed before any request");
    let (_, _, outcome, detail) = last_audit(&f).await;
    assert_eq!(outcome, "failed");
    assert!(detail.contains("certificate_not_trusted"), "{detail}");

    // Trusting the CA afterwards rebuilds the client: the same test works.
    f.app.trust_extra_roots(ExtraRoots::from_pem(f.sandbox.ca_pem().unwrap()).unwrap());
    assert_eq!(test_doku(&f).await.outcome, ConnectionOutcome::Works);
}

#[tokio::test]
async fn test_connection_is_for_admins_and_names_what_is_missing() {
    let f = fixture(DOKU_SECRET, true).await;
    // No Tazapay credentials in this environment: not set up, and nothing is sent.
    let result = test(&f, "provider_sandbox", "tazapay_ovo_idr").await.unwrap();
    assert_eq!(result.outcome, ConnectionOutcome::NotSetUp, "{result:?}");
    assert!(result.detail.contains("api_key"), "{}", result.detail);

    for (environment, product, reason) in [
        ("staging", "doku_snap_ovo", "environment_unknown"),
        ("provider_sandbox", "ovo", "product_unknown"),
    ] {
        assert_eq!(
            code(test(&f, environment, product).await),
            (ErrorCode::InvalidInput, Some(reason)),
            "{environment}/{product}"
        );
    }

    app::add_operator(&f.app, "sari", "Sari", "staff").await;
    let refused = test(&f, "provider_sandbox", "doku_snap_ovo").await;
    assert_eq!(code(refused).0, ErrorCode::Forbidden);
    assert!(received(&f).is_empty(), "a refused operator sends nothing");
}

#[tokio::test]
async fn test_connection_works_for_every_product_in_the_builtin_sandbox() {
    let f = fixture(DOKU_SECRET, true).await;
    for product in Product::ALL {
        let result = test(&f, "builtin_sandbox", product.key()).await.unwrap();
        assert_eq!(result.outcome, ConnectionOutcome::Works, "{product:?}: {result:?}");
    }
}
