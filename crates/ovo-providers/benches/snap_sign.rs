//! Time to sign and serialise one SNAP transaction request (the OVO SNAP payment body, the
//! HMAC-SHA512 signature and its headers; RSA token signing excluded), against a baseline
//! measured in the same run: serialising the same body without signing. Target: ≤ 20 µs p50.
//!
//! `cargo bench -p ovo-providers --bench snap_sign [-- --samples 100000]`
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ovo_domain::{Idr, Product};
use ovo_providers::capability::Operation;
use ovo_providers::products::snap::{
    Bearer, GrantCase, SigningKey, SnapProfile, SnapRequest, SnapSession, TimestampStyle,
};
use ovo_providers::transport::Call;
use ovo_providers::wire::SnapAmount;
use ovo_secrets::Sensitive;
use ovo_test_support::bench_setup::counts;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payment<'a> {
    partner_reference_no: &'a str,
    amount: SnapAmount,
    url_params: [UrlParam<'a>; 1],
    pay_option_details: [PayOption; 1],
    additional_info: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UrlParam<'a> {
    url: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    is_deeplink: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PayOption {
    pay_method: &'static str,
    trans_amount: SnapAmount,
    fee_amount: SnapAmount,
}

fn body() -> String {
    let amount = Idr::new(20_000).unwrap();
    serde_json::to_string(&Payment {
        partner_reference_no: "ABCDEFGH12345678",
        amount: SnapAmount::from_idr(amount),
        url_params: [UrlParam {
            url: "https://merchant.example/return",
            kind: "PAY_RETURN",
            is_deeplink: "N",
        }],
        pay_option_details: [PayOption {
            pay_method: "CASH",
            trans_amount: SnapAmount::from_idr(amount),
            fee_amount: SnapAmount::from_idr(Idr::ZERO),
        }],
        additional_info: serde_json::Map::new(),
    })
    .unwrap()
}

fn measure(samples: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..samples / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    times
}

fn pct(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    let nanos = d.as_nanos();
    format!("{}.{:03} µs", nanos / 1_000, nanos % 1_000)
}

fn main() {
    let mut samples = 100_000;
    counts(&mut [("--samples", &mut samples)]);

    let profile = SnapProfile {
        product: Product::OvoSnap,
        timestamp_style: TimestampStyle::OffsetMillis,
        grant_case: GrantCase::Upper,
        b2b_token_path: "/OVOSNAP/v1.0/access-token/b2b".into(),
        b2b2c_token_path: "/OVOSNAP/v2.0/access-token/b2b2c".into(),
        device_id: Some("ovo-backoffice-terminal-01".into()),
        channel_id: None,
        token_timeout: Duration::from_secs(30),
        renew_margin: Duration::from_secs(60),
    };
    let key = SigningKey::from_pem(ovo_test_support::keys::CLIENT_PRIVATE_PKCS1).unwrap();
    let session = SnapSession::new(
        profile,
        "http://127.0.0.1:1",
        "bench-client".into(),
        Sensitive::new("bench-secret".into()),
        key,
    );
    let token = Sensitive::new("GNyCXodYSLFCi62KP37IxsnvgAXsfSbqxXMuUBovaTAg3GTK".to_owned());
    let call = Call::write(Operation::Pay, Duration::from_secs(30));

    let baseline = measure(samples, || {
        black_box(body());
    });
    let signed = measure(samples, || {
        let request = SnapRequest {
            call,
            method: reqwest::Method::POST,
            path: "/OVOSNAP/v2.0/debit/payment-host-to-host".into(),
            body: body(),
            authorization: Bearer::Token(token.clone()),
            customer: None,
            external_id: None,
        };
        black_box(session.transaction_headers(&request, Some(&token)));
        black_box(request);
    });

    println!("snap_sign: {samples} samples each");
    println!(
        "  baseline  serialise body only          p50 {}  p99 {}",
        micros(pct(&baseline, 50)),
        micros(pct(&baseline, 99))
    );
    println!(
        "  measured  serialise + sign + headers   p50 {}  p99 {}",
        micros(pct(&signed, 50)),
        micros(pct(&signed, 99))
    );
    let target = Duration::from_micros(20);
    let verdict = if pct(&signed, 50) <= target { "within" } else { "OVER" };
    println!("  target    ≤ 20 µs p50: {verdict}");
}
