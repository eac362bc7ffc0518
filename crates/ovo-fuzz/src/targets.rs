//! The targets and their seed corpora: the money and phone parsers, each product's reply
//! parsing, and each notification verifier, fed raw requests and requests the harness signs
//! with the product's test credentials (so mutated bodies get past the signature to the parser).

use std::sync::Arc;

use ovo_domain::{Environment, Idr, Lang, Msisdn, PayerPhone, PhoneFormat, Product};
use ovo_providers::credentials::Credentials;
use ovo_providers::fuzzing;
use ovo_providers::notification::InboundRequest;
use ovo_providers::products::doku_snap::{DokuSnapClient, DokuSnapOptions};
use ovo_providers::products::faspay::sign::Signer;
use ovo_providers::products::faspay::{FaspayClient, FaspayOptions};
use ovo_providers::products::jokul_push::sign::{self as jokul_sign, Components};
use ovo_providers::products::jokul_push::{JokulOptions, JokulPushClient};
use ovo_providers::products::ovo_snap::OvoSnapClient;
use ovo_providers::products::snap::{symmetric_signature, token_string_to_sign, SigningKey};
use ovo_providers::products::tazapay::{self, TazapayClient, TazapayOptions};
use ovo_providers::Provider;

use crate::Target;

const TEST_KEY: &str = include_str!("../../ovo-providers/tests/fixtures/snap_test_key_pkcs1.pem");
const TEST_PUB: &str = include_str!("../../ovo-providers/tests/fixtures/snap_test_key_pkcs1.pub");

const HOST: &str = "http://127.0.0.1:9";
const DOKU_CLIENT: &str = "BRN-0001-fuzz";
const DOKU_SECRET: &str = "SK-fuzz-secret";
const DOKU_TOKEN: &str = "merchantIssuedToken";
const OVO_CLIENT: &str = "ovo-fuzz-client";
const OVO_SECRET: &str = "ovo-fuzz-secret";
const TAZAPAY_WEBHOOK_SECRET: &str = "whsec_fuzz";
const FASPAY_MERCHANT: &str = "99999";
const FASPAY_USER: &str = "bot99999";
const FASPAY_PASSWORD: &str = "p@ssw0rd";
const JOKUL_CLIENT: &str = "MCH-0001-10791114622547";
const JOKUL_SECRET: &str = "SK-9sCrJ1kdYUJAYlsJKlqz";
const TIMESTAMP: &str = "2026-01-01T10:00:00+07:00";
/// Stands in a Faspay body for the signature the harness computes.
const FASPAY_SIGNATURE_SLOT: &str = "SIGNATURE_SLOT";

fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

fn seeds(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn target(
    name: &'static str,
    corpus: Vec<Vec<u8>>,
    run: impl Fn(&[u8]) + Send + Sync + 'static,
) -> Target {
    Target { name, seeds: corpus, run: Box::new(run) }
}

/// `METHOD path\nName: value\n…\n\nbody`: the raw form of an inbound request.
pub fn parse_request(input: &[u8]) -> InboundRequest {
    let all = text(input);
    let (head, body) = all.split_once("\n\n").unwrap_or((all.as_str(), ""));
    let mut lines = head.lines();
    let (method, path) = lines.next().and_then(|l| l.split_once(' ')).unwrap_or(("POST", "/"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()))
        .collect();
    InboundRequest {
        method: method.to_owned(),
        path_and_query: path.to_owned(),
        headers,
        body: body.to_owned(),
    }
}

fn render_request(request: &InboundRequest) -> Vec<u8> {
    let mut out = format!("{} {}\n", request.method, request.path_and_query);
    for (k, v) in &request.headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(&request.body);
    out.into_bytes()
}

fn post(path: &str, headers: &[(&str, String)], body: &str) -> InboundRequest {
    InboundRequest {
        method: "POST".into(),
        path_and_query: path.into(),
        headers: headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        body: body.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Clients with test credentials

/// A client on `HOST` with the product's test credentials, built by `new`.
fn client<C, E: std::fmt::Display>(
    product: Product,
    pairs: &[(&'static str, &str)],
    new: impl FnOnce(&str, &Credentials) -> Result<C, E>,
) -> C {
    let pairs = pairs.iter().map(|&(field, value)| (field, value.to_owned()));
    new(HOST, &Credentials::from_pairs(product, pairs))
        .unwrap_or_else(|e| panic!("{} test client: {e}", product.key()))
}

fn doku_snap() -> DokuSnapClient {
    let options = DokuSnapOptions { inbound_max_skew: None, ..DokuSnapOptions::default() };
    let pairs = [
        ("client_id", DOKU_CLIENT),
        ("secret_key", DOKU_SECRET),
        ("merchant_private_key", TEST_KEY),
        ("provider_public_key", TEST_PUB),
    ];
    client(Product::DokuSnapOvo, &pairs, |host, c| DokuSnapClient::new(host, c, options))
}

fn ovo_snap() -> OvoSnapClient {
    let pairs = [
        ("client_id", OVO_CLIENT),
        ("client_secret", OVO_SECRET),
        ("merchant_private_key", TEST_KEY),
        ("provider_public_key", TEST_PUB),
    ];
    client(Product::OvoSnap, &pairs, |host, c| OvoSnapClient::new(host, c, Default::default()))
}

fn tazapay_client() -> TazapayClient {
    let pairs = [
        ("api_key", "ak_test_fuzz"),
        ("api_secret", "sk_test_fuzz"),
        ("webhook_secret", TAZAPAY_WEBHOOK_SECRET),
    ];
    client(Product::TazapayOvoIdr, &pairs, |host, c| {
        TazapayClient::new(host, c, TazapayOptions::default())
    })
}

fn faspay() -> FaspayClient {
    let pairs =
        [("merchant_id", FASPAY_MERCHANT), ("user_id", FASPAY_USER), ("password", FASPAY_PASSWORD)];
    client(Product::FaspayOvoTokenize, &pairs, |host, c| {
        FaspayClient::new(host, c, FaspayOptions::new("Sophia Store"))
    })
}

fn jokul() -> JokulPushClient {
    let pairs = [("client_id", JOKUL_CLIENT), ("secret_key", JOKUL_SECRET)];
    client(Product::DokuJokulOvoPush, &pairs, |host, c| {
        JokulPushClient::new(host, c, JokulOptions::default())
    })
}

// ---------------------------------------------------------------------------------------------
// Seed corpora: valid shapes from the provider specs and the clients' tests

const MONEY: &[&str] = &[
    "10000",
    "10.000",
    "Rp 10.000",
    "Rp10.000",
    "Rp\u{a0}10.000",
    "IDR 10,000",
    "IDR 10.000",
    "1.000.000",
    "999.999.999.999",
    "0",
    "Rp 0",
    "10,000",
    "  25000  ",
    "Rp 1.250.000",
    "IDR 1,250,000",
];

const PHONES: &[&str] = &[
    "081234567890",
    "0812-3456-7890",
    "+6281234567890",
    "6281234567890",
    "0062 812 3456 7890",
    "(0812) 3456 7890",
    "81234567890",
    "+62 812-3456-789",
    "08111111111",
    "62811000000",
    "0856 1234 5678",
    "+62 (812) 3456-7890",
];

const SCALARS: &[&str] = &[
    "10000.00",
    "10000",
    "1000000",
    "0.00",
    "\"10000\"",
    "10000.5",
    "2024-01-01T10:00:00+07:00",
    "2024-01-01T10:00:00.123+07:00",
    "2024-01-01 10:00:00",
    "2024-01-01T03:00:00Z",
    "2005500",
    "4045501",
    "00",
    "01",
    "2",
    "SUCCESS",
    "FAILED",
    "TIMEOUT",
    "Bearer abc",
    "{\"a\": \"b/c\", \"n\": [1, 2.50]}",
    "AB12CD34EF56GH78",
    "9999900000000000AB12CD34EF56GH78",
];

const DOKU_SNAP_REPLIES: &[&str] = &[
    r#"{"responseCode":"2000700","responseMessage":"Request has been processed successfully","referenceNo":"1","redirectUrl":"https://x","additionalInfo":{"status":"PENDING","authCode":"c"}}"#,
    r#"{"responseCode":"2001100","responseMessage":"Successful","accountInfos":[{"balanceType":"CASH","amount":{"value":"1.00","currency":"IDR"},"availableBalance":{"value":"10000.00","currency":"IDR"}},{"balanceType":"POINT","availableBalance":{"value":"500.00","currency":"IDR"}}]}"#,
    r#"{"responseCode":"2025400","responseMessage":"Successful","referenceNo":"2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO","partnerReferenceNo":"ABCDEFGH12345678","webRedirectUrl":"https://pay.example/x","amount":{"value":"20000.00","currency":"IDR"}}"#,
    r#"{"responseCode":"2005500","responseMessage":"Successful","originalPartnerReferenceNo":"ABCDEFGH12345678","originalReferenceNo":"REF1","latestTransactionStatus":"00","transactionStatusDesc":"Success","transAmount":{"value":"20000.00","currency":"IDR"},"paidTime":"2024-01-01T10:00:00+07:00","payOptionDetails":[{"payMethod":"POINTS","transAmount":{"value":"5000.00","currency":"IDR"}},{"payMethod":"CASH","transAmount":{"value":"15000.00","currency":"IDR"}}],"additionalInfo":{"channel":"EMONEY_OVO_SNAP"},"refundHistory":[{"refundNo":"RN1","partnerReferenceNo":"R1","refundAmount":{"value":"1000.00","currency":"IDR"},"refundStatus":"SUCCESS","refundDate":"2024-01-02T10:00:00+07:00","reason":"x"}]}"#,
    r#"{"responseCode":"2005500","latestTransactionStatus":"06","transactionStatusDesc":"Transaction Expired"}"#,
    r#"{"responseCode":"2005800","responseMessage":"Successful","refundNo":"RN2","partnerRefundNo":"R2","refundAmount":{"value":"1000.00","currency":"IDR"},"refundStatus":"PENDING","refundTime":"2024-01-02 10:00:00"}"#,
    r#"{"responseCode":"2000900","responseMessage":"Successful","referenceNo":"U1","additionalInfo":{"redirectUrl":""}}"#,
    r#"{"responseCode":"4045501","responseMessage":"Transaction Not Found"}"#,
    r#"{"responseCode":"5005501","responseMessage":"General Error"}"#,
];

const OVO_SNAP_REPLIES: &[&str] = &[
    r#"{"responseCode":"2000700","responseMessage":"Successful","referenceNo":"B1","redirectUrl":"https://x","pinWebViewUrl":"https://pin","linkageToken":"t","additionalInfo":{}}"#,
    r#"{"responseCode":"2025400","responseMessage":"Successful","referenceNo":"OVO1","partnerReferenceNo":"ABCDEFGH12345678","webRedirectUrl":"https://w","appRedirectUrl":"ovo://a","amount":{"value":"10000.00","currency":"IDR"},"latestTransactionStatus":"03"}"#,
    r#"{"responseCode":"2005500","latestTransactionStatus":"99","amount":{"value":"10000.00","currency":"IDR"},"shinyNewField":{"x":1},"refundHistory":[{"partnerRefundNo":"R1","refundStatus":"42","refundAmount":{"value":"1.00","currency":"IDR"}}]}"#,
    r#"{"responseCode":"2005500","originalReferenceNo":"OVO1","originalPartnerReferenceNo":"ABCDEFGH12345678","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{"value":"10000.00","currency":"IDR"},"additionalInfo":{"payOptionDetails":[{"payMethod":"CASH","transAmount":{"value":"10000.00","currency":"IDR"}}]}}"#,
    r#"{"responseCode":"2005800","refundNo":"RN","partnerRefundNo":"R1","refundAmount":{"value":"500.00","currency":"IDR"},"refundStatus":"SUCCESS"}"#,
    r#"{"responseCode":"2001100","accountInfos":[{"balanceType":"CASH","availableBalance":{"value":"10000.00","currency":"IDR"}},{"balanceType":"VOUCHER","amount":{"value":"1.00","currency":"IDR"}}]}"#,
    r#"{"responseCode":"4015500","responseMessage":"Unauthorized. Invalid Token"}"#,
];

const TAZAPAY_REPLIES: &[&str] = &[
    r#"{"status":"success","message":"","data":{"id":"pay_1","amount":1000000,"invoice_currency":"IDR","status":"requires_action","reference_id":"ABCDEF0123456789","latest_payment_attempt":"pat_1","latest_payment_attempt_data":{"expires_at":"2026-01-01T10:00:00Z"},"payment_attempts":[{"id":"pat_1","status":"requires_action","amount":1000000}]}}"#,
    r#"{"status":"success","data":{"id":"pay_1","amount":1000000,"invoice_currency":"IDR","status":"requires_payment_method","status_description":"declined","payment_attempts":[{"id":"pat_1","status":"failed","status_description":"insufficient balance"}]}}"#,
    r#"{"status":"success","data":{"id":"pay_2","amount":500000,"invoice_currency":"IDR","status":"succeeded","amount_paid":500000}}"#,
    r#"{"status":"success","data":{"id":"rfd_1","amount":100000,"currency":"IDR","status":"pending","payin":"pay_2","reference_id":"R1"}}"#,
    r#"{"status":"error","message":"Bad Request","errors":[{"code":1105,"message":"invalid amount","remarks":"amount"},{"code":"x"}]}"#,
    r#"{"status":"error","message":"idempotency key reused"}"#,
];

const FASPAY_REPLIES: &[&str] = &[
    r#"{"response":"Registration OVO","response_code":"00","response_desc":"Success","status":"2","redirect_url":"https://faspay/x"}"#,
    r#"{"response":"Payment OVO","trx_id":"9999900000000001","merchant_id":"99999","bill_no":"9999900000000000AB12CD34EF56GH78","amount":"1000000","bill_currency":"IDR","payment_day":"2024-01-02 00:30:00","response_code":"00","response_desc":"Success","redirect_url":"https://x"}"#,
    r#"{"response":"Inquiry Payment Status","trx_id":"9999900000000001","bill_no":"9999900000000000AB12CD34EF56GH78","payment_status_code":"2","payment_status_desc":"Payment Success","payment_reff":"r","bill_total":"1000000","payment_total":"1000000","bill_currency":"IDR","response_code":"00","response_desc":"Success"}"#,
    r#"{"response":"Check Balance","response_code":"00","response_desc":"Success","detail":{"cash":{"balance":"1000000"},"points":{"balance":"500"}}}"#,
    r#"<?xml version="1.0"?><faspay><response>Inquiry</response><response_code>00</response_code><payment_status_code>5</payment_status_code><bill_total>500</bill_total><data><row><amount>100</amount></row><row><amount>200</amount></row></data></faspay>"#,
    r#"{"response_code":"14","response_desc":"Token expired","url":"https://relink"}"#,
    r#"{"response_code":"99","response_desc":"System error"}"#,
];

const JOKUL_REPLIES: &[&str] = &[
    r#"{"client":{"id":"MCH-0001-10791114622547"},"order":{"invoice_number":"INV-20210124-0001","amount":150000},"ovo_info":{"ovo_id":"081211111111","ovo_account_name":"Anton Budiman"},"ovo_configuration":{"merchant_id":"110001","store_code":"1","mid":"1","tid":"1"},"ovo_payment":{"date":"20210124093015","batch_number":1,"trace_number":2,"reference_number":3,"approval_code":"A","response_code":"00","cash_used":100000,"cash_balance":1,"ovo_points_used":50000,"ovo_points_balance":2,"ovo_points_earned":0,"status":"SUCCESS"},"security":{"check_sum":"abc"}}"#,
    r#"{"order":{"invoice_number":"INV-1","amount":"150000"},"ovo_payment":{"response_code":"14","status":"FAILED"}}"#,
    r#"{"order":{"invoice_number":"INV-1","amount":150000},"transaction":{"status":"SUCCESS","date":"2021-01-24T09:30:15Z","original_request_id":"r"},"additional_info":{"ovo_response_code":"00"}}"#,
    r#"{"order":{"invoice_number":"INV-1"},"transaction":{"status":"FAILED"},"additional_info":{"ovo_response_code":"26"}}"#,
    r#"{"error":{"code":"invalid_signature","message":"Invalid Header Signature","type":"invalid_parameter"}}"#,
];

const DOKU_NOTIFICATIONS: &[&str] = &[
    r#"{"originalPartnerReferenceNo":"INV0008ABCDEFGHI","originalReferenceNo":"2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO","originalExternalId":"249319367692003199365649609468213166","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{"value":"99000.00","currency":"IDR"},"additionalInfo":{"acquirerId":"OVO","custIdMerchant":"cust-013","accountType":"WALLET","channelId":"EMONEY_OVO_SNAP","paymentType":"SALE"}}"#,
    r#"{"originalPartnerReferenceNo":"INV0008ABCDEFGHI","originalExternalId":"1","latestTransactionStatus":"06","transactionStatusDesc":"Transaction Expired","amount":{"value":"99000.00","currency":"IDR"},"additionalInfo":{"custIdMerchant":"cust-013","paymentType":"RECURRING"}}"#,
    r#"{"originalExternalId":"123456789","additionalInfo":{"status":"SUCCESS","authCode":"auth_code_test_1","custIdMerchant":"81467045757557"}}"#,
    r#"{"originalExternalId":"123456789","additionalInfo":{"status":"FAILED","custIdMerchant":"81467045757557"}}"#,
];

const OVO_CALLBACKS: &[&str] = &[
    r#"{"originalReferenceNo":"OVO1","originalPartnerReferenceNo":"ABCDEFGH12345678","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{"value":"10000.00","currency":"IDR"},"finishedTime":"2024-01-01T10:00:00+07:00"}"#,
    r#"{"originalReferenceNo":"OVO2","latestTransactionStatus":"06","transactionStatusDesc":"Failed"}"#,
];

const TAZAPAY_WEBHOOKS: &[&str] = &[
    r#"{"type":"payin.succeeded","id":"evt_1","object":"event","created_at":1700000000,"data":{"id":"pay_1","amount":1000000,"invoice_currency":"IDR","status":"succeeded","reference_id":"ABCDEF0123456789"}}"#,
    r#"{"type":"payment_attempt.failed","id":"evt_2","created_at":"2023-12-25 21:59:59","data":{"id":"pat_1","status":"failed","status_description":"declined","amount":1000000,"payin":"pay_1","reference_id":"ABCDEF0123456789"}}"#,
    r#"{"type":"refund.succeeded","id":"evt_3","created_at":"2023-12-25T21:59:59Z","data":{"id":"rfd_1","amount":100000,"currency":"IDR","status":"succeeded","payin":"pay_1","reference_id":"R1"}}"#,
];

const FASPAY_NOTIFICATIONS: &[&str] = &[
    r#"{"request":"Payment Notification","trx_id":"9999900000000001","merchant_id":"99999","merchant":"Sophia Store","bill_no":"9999900000000000AB12CD34EF56GH78","payment_reff":null,"payment_date":"2024-01-02 00:30:00","payment_status_code":"2","payment_status_desc":"Payment Success","bill_total":"1000000","payment_total":"1000000","payment_channel_uid":"720","payment_channel":"OVO OpenAPI","signature":"SIGNATURE_SLOT"}"#,
    "<faspay><request>Payment Notification</request><trx_id>9999900000000002</trx_id><merchant_id>99999</merchant_id><bill_no>9999900000000000AB12CD34EF56GH78</bill_no><payment_status_code>7</payment_status_code><bill_total>500</bill_total><signature>SIGNATURE_SLOT</signature></faspay>",
];

const JOKUL_NOTIFICATIONS: &[&str] = &[
    r#"{"order":{"invoice_number":"INV-20210124-0001","amount":150000},"transaction":{"status":"SUCCESS","date":"2021-01-24T09:30:15Z","original_request_id":"r1"},"additional_info":{"ovo_response_code":"00"}}"#,
    r#"{"order":{"invoice_number":"INV-20210124-0002","amount":"150000"},"transaction":{"status":"FAILED","date":"2021-01-24T09:30:15Z"},"additional_info":{"ovo_response_code":"14"}}"#,
];

// ---------------------------------------------------------------------------------------------
// Signing what the harness sends

fn doku_signed(body: &str) -> InboundRequest {
    let path = "/v1.0/debit/notify";
    let signature = symmetric_signature(
        DOKU_SECRET.as_bytes(),
        "POST",
        path,
        DOKU_TOKEN,
        body.as_bytes(),
        TIMESTAMP,
    );
    post(
        path,
        &[
            ("Authorization", format!("Bearer {DOKU_TOKEN}")),
            ("X-TIMESTAMP", TIMESTAMP.into()),
            ("X-SIGNATURE", signature),
            ("X-PARTNER-ID", DOKU_CLIENT.into()),
        ],
        body,
    )
}

fn doku_token_request(body: &str, signature: &str) -> InboundRequest {
    post(
        "/doku/token",
        &[
            ("X-CLIENT-KEY", DOKU_CLIENT.into()),
            ("X-TIMESTAMP", TIMESTAMP.into()),
            ("X-SIGNATURE", signature.to_owned()),
        ],
        body,
    )
}

fn ovo_signed(body: &str) -> InboundRequest {
    let path = "/ovo/callback";
    let signature =
        symmetric_signature(OVO_SECRET.as_bytes(), "POST", path, "", body.as_bytes(), TIMESTAMP);
    post(
        path,
        &[
            ("X-TIMESTAMP", TIMESTAMP.into()),
            ("X-SIGNATURE", signature),
            ("X-PARTNER-ID", OVO_CLIENT.into()),
        ],
        body,
    )
}

fn tazapay_signed(body: &str) -> InboundRequest {
    let signature = match serde_json::from_str::<tazapay::Event>(body) {
        Ok(event) => tazapay::webhook_signature(
            TAZAPAY_WEBHOOK_SECRET.as_bytes(),
            &event.id,
            body.as_bytes(),
            &event.created_at_text(),
        ),
        Err(_) => "not-signed".to_owned(),
    };
    post(
        "/tazapay/webhook",
        &[("signature", signature), ("content-type", "application/json".into())],
        body,
    )
}

fn faspay_signed(body: &str, signer: &Signer) -> InboundRequest {
    let fields = ovo_providers::products::faspay::wire::parse_body(body, None).ok();
    let field = |name: &str| {
        fields
            .as_ref()
            .and_then(|f| f.get(name))
            .and_then(ovo_providers::products::faspay::wire::text)
            .unwrap_or_default()
    };
    let signature = signer.bill_status(&field("bill_no"), &field("payment_status_code"));
    let body = body.replace(FASPAY_SIGNATURE_SLOT, &signature);
    let content_type =
        if body.trim_start().starts_with('<') { "text/xml" } else { "application/json" };
    post("/faspay/notify", &[("Content-Type", content_type.into())], &body)
}

fn jokul_signed(body: &str) -> InboundRequest {
    let path = "/jokul/notify";
    let request_id = "req-fuzz-1";
    let components = Components {
        client_id: JOKUL_CLIENT,
        request_id,
        timestamp: "2021-01-24T09:30:15Z",
        target: path,
        body: Some(body.as_bytes()),
    };
    let signature = jokul_sign::signature(JOKUL_SECRET, &components);
    post(
        path,
        &[
            ("Client-Id", JOKUL_CLIENT.into()),
            ("Request-Id", request_id.into()),
            ("Request-Timestamp", "2021-01-24T09:30:15Z".into()),
            ("Signature", signature),
        ],
        body,
    )
}

fn faspay_signer() -> Signer {
    Signer::new(FASPAY_USER.to_owned().into(), FASPAY_PASSWORD.to_owned().into())
}

// ---------------------------------------------------------------------------------------------
// The targets

/// Every target, seeds included. Clients are built once, with the products' test credentials.
pub fn all() -> Vec<Target> {
    let doku = Arc::new(doku_snap());
    let ovo = Arc::new(ovo_snap());
    let taza = Arc::new(tazapay_client());
    let fas = Arc::new(faspay());
    let jok = Arc::new(jokul());
    let key = SigningKey::from_pem(TEST_KEY).unwrap_or_else(|e| panic!("test key: {e}"));
    // N0 is signed over `clientId|timestamp` only: one RSA signature serves every body.
    let token_signature = key
        .sign(token_string_to_sign(DOKU_CLIENT, TIMESTAMP).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));

    let doku_raw: Vec<Vec<u8>> =
        DOKU_NOTIFICATIONS.iter().map(|b| render_request(&doku_signed(b))).collect();
    let ovo_raw: Vec<Vec<u8>> =
        OVO_CALLBACKS.iter().map(|b| render_request(&ovo_signed(b))).collect();
    let taza_raw: Vec<Vec<u8>> =
        TAZAPAY_WEBHOOKS.iter().map(|b| render_request(&tazapay_signed(b))).collect();
    let signer = faspay_signer();
    let mut fas_raw: Vec<Vec<u8>> =
        FASPAY_NOTIFICATIONS.iter().map(|b| render_request(&faspay_signed(b, &signer))).collect();
    let activation = format!(
        "GET /faspay/activation?phone_number=081234567890&response_code=00&signature={}\n\n",
        signer.phone("081234567890")
    );
    fas_raw.push(activation.into_bytes());
    fas_raw.push(b"GET /faspay/activation?phone_number=081234567890&response_code=14\n\n".to_vec());
    let jok_raw: Vec<Vec<u8>> =
        JOKUL_NOTIFICATIONS.iter().map(|b| render_request(&jokul_signed(b))).collect();
    let token_raw = vec![render_request(&doku_token_request(
        r#"{"grantType":"client_credentials"}"#,
        &token_signature,
    ))];

    let d1 = doku.clone();
    let d2 = doku.clone();
    let d3 = doku.clone();
    let d4 = doku;
    let o1 = ovo.clone();
    let o2 = ovo;
    let t1 = taza.clone();
    let t2 = taza;
    let f1 = fas.clone();
    let f2 = fas;
    let j1 = jok.clone();
    let j2 = jok;
    let signer2 = faspay_signer();
    let issued = |t: &str| t == DOKU_TOKEN;

    vec![
        target("idr_parse", seeds(MONEY), |input| {
            if let Ok(amount) = Idr::parse(&text(input)) {
                for lang in Lang::ALL {
                    let written = amount.format(lang);
                    assert_eq!(Idr::parse(&written), Ok(amount), "{written:?} does not read back");
                }
            }
        }),
        target("msisdn_parse", seeds(PHONES), |input| {
            if let Ok(phone) = Msisdn::parse(&text(input)) {
                for format in [
                    PhoneFormat::Canonical,
                    PhoneFormat::National,
                    PhoneFormat::E164,
                    PhoneFormat::Subscriber,
                ] {
                    let written = phone.render(format);
                    if format != PhoneFormat::Subscriber {
                        assert_eq!(
                            Msisdn::parse(&written).as_ref(),
                            Ok(&phone),
                            "{written:?} does not read back"
                        );
                    }
                }
                let _ = (phone.display(), phone.masked());
            }
        }),
        target(
            "payer_phone_parse",
            seeds(
                &[PHONES, &["08111111111", "+62 811-1111-1111", "ovo-success", "0811 0000 0001"]]
                    .concat(),
            ),
            |input| {
                let input = text(input);
                for product in Product::ALL {
                    for environment in Environment::ALL {
                        if let Ok(phone) = PayerPhone::parse(&input, product, environment) {
                            let _ = (phone.masked(), phone.display(), phone.mobile(), phone.test());
                        }
                    }
                }
            },
        ),
        target("wire_scalars", seeds(SCALARS), |input| fuzzing::wire_scalars(&text(input))),
        target("doku_snap_replies", seeds(DOKU_SNAP_REPLIES), |input| {
            fuzzing::doku_snap_reply(&text(input))
        }),
        target("ovo_snap_replies", seeds(OVO_SNAP_REPLIES), |input| {
            fuzzing::ovo_snap_reply(&text(input))
        }),
        target("tazapay_replies", seeds(TAZAPAY_REPLIES), |input| {
            fuzzing::tazapay_reply(&text(input))
        }),
        target("faspay_replies", seeds(FASPAY_REPLIES), |input| {
            let body = text(input);
            fuzzing::faspay_reply(&body, None);
            fuzzing::faspay_reply(&body, Some("text/xml"));
        }),
        target("jokul_push_replies", seeds(JOKUL_REPLIES), |input| {
            fuzzing::jokul_push_reply(&text(input))
        }),
        target("doku_snap_notification_signed", seeds(DOKU_NOTIFICATIONS), move |input| {
            let _ = d1.verify_notification_with(&doku_signed(&text(input)), &issued);
        }),
        target("doku_snap_notification_raw", doku_raw, move |input| {
            let request = parse_request(input);
            let _ = d2.verify_notification_with(&request, &issued);
            let _ = d2.verify_notification(&request);
        }),
        target(
            "doku_snap_token_request_signed",
            seeds(&[
                r#"{"grantType":"client_credentials"}"#,
                r#"{"grantType":"CLIENT_CREDENTIALS","additionalInfo":{}}"#,
            ]),
            {
                let signature = token_signature.clone();
                move |input| {
                    let request = doku_token_request(&text(input), &signature);
                    let _ = d3.verify_token_request(&request);
                    let _ = d3.answer_token_request(&request);
                }
            },
        ),
        target("doku_snap_token_request_raw", token_raw, move |input| {
            let request = parse_request(input);
            let _ = d4.verify_token_request(&request);
        }),
        target("ovo_snap_notification_signed", seeds(OVO_CALLBACKS), move |input| {
            let _ = o1.verify_notification(&ovo_signed(&text(input)));
        }),
        target("ovo_snap_notification_raw", ovo_raw, move |input| {
            let _ = o2.verify_notification(&parse_request(input));
        }),
        target("tazapay_webhook_signed", seeds(TAZAPAY_WEBHOOKS), move |input| {
            let _ = t1.verify_notification(&tazapay_signed(&text(input)));
        }),
        target("tazapay_webhook_raw", taza_raw, move |input| {
            let _ = t2.verify_notification(&parse_request(input));
        }),
        target("faspay_notification_signed", seeds(FASPAY_NOTIFICATIONS), move |input| {
            let request = faspay_signed(&text(input), &signer2);
            let _ = f1.verify_notification(&request);
            let _ = f1.notification_reply(&request, ovo_domain::Timestamp::UNIX_EPOCH);
        }),
        target("faspay_notification_raw", fas_raw, move |input| {
            let request = parse_request(input);
            let _ = f2.verify_notification(&request);
            let _ = f2.notification_reply(&request, ovo_domain::Timestamp::UNIX_EPOCH);
        }),
        target("jokul_push_notification_signed", seeds(JOKUL_NOTIFICATIONS), move |input| {
            let _ = j1.verify_notification(&jokul_signed(&text(input)));
        }),
        target("jokul_push_notification_raw", jok_raw, move |input| {
            let _ = j2.verify_notification(&parse_request(input));
        }),
    ]
}

/// Each signed seed as the verifier answers it: all must verify, or the signed targets would
/// only ever test the signature check.
pub fn signed_seed_verdicts() -> Vec<(String, Result<(), String>)> {
    let doku = doku_snap();
    let ovo = ovo_snap();
    let taza = tazapay_client();
    let fas = faspay();
    let jok = jokul();
    let signer = faspay_signer();
    let issued = |t: &str| t == DOKU_TOKEN;
    let verdict = |r: Result<
        ovo_providers::notification::Notification,
        ovo_providers::notification::NotificationRejection,
    >| { r.map(|_| ()).map_err(|e| e.to_string()) };
    let mut out = Vec::new();
    for body in DOKU_NOTIFICATIONS {
        out.push((
            format!("doku_snap {body}"),
            verdict(doku.verify_notification_with(&doku_signed(body), &issued)),
        ));
    }
    for body in OVO_CALLBACKS {
        out.push((format!("ovo_snap {body}"), verdict(ovo.verify_notification(&ovo_signed(body)))));
    }
    for body in TAZAPAY_WEBHOOKS {
        out.push((
            format!("tazapay {body}"),
            verdict(taza.verify_notification(&tazapay_signed(body))),
        ));
    }
    for body in FASPAY_NOTIFICATIONS {
        out.push((
            format!("faspay {body}"),
            verdict(fas.verify_notification(&faspay_signed(body, &signer))),
        ));
    }
    for body in JOKUL_NOTIFICATIONS {
        out.push((
            format!("jokul_push {body}"),
            verdict(jok.verify_notification(&jokul_signed(body))),
        ));
    }
    let key = SigningKey::from_pem(TEST_KEY).unwrap_or_else(|e| panic!("test key: {e}"));
    let signature = key
        .sign(token_string_to_sign(DOKU_CLIENT, TIMESTAMP).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let token = doku.verify_token_request(&doku_token_request(
        r#"{"grantType":"client_credentials"}"#,
        &signature,
    ));
    out.push(("doku_snap token request".into(), token.map(|_| ()).map_err(|e| e.to_string())));
    out
}
