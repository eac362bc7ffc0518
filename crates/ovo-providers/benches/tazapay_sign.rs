//! `cargo bench -p ovo-providers --bench tazapay_sign [-- --iterations 20000]`
//!
//! The time to build and serialise one Tazapay payin request (§6) with its Basic auth header
//! (§2), beside a baseline measured in the same run: serialising the same body alone.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use ovo_domain::{Product, Reference};
use ovo_providers::products::tazapay::{basic_authorization, TazapayClient, TazapayOptions};
use ovo_providers::Credentials;
use ovo_test_support::bench_setup::counts;
use ovo_test_support::requests::tazapay_payin;

const KEY: &str = "ak_test_YLSUAE0V4BHJH8X486OC";
const SECRET: &str = "sk_test_HM8C7HERWPf85OfqB1xKMBI1iD6uVa12QcvTNYyRaHxQf5S9oieKh9Vsz87rxmHJZJW2LwUsCRcdVmDtwE8CEducHQtg5T3V9u6ImAinvGb28VyxSUYlM1LYiemO4Lqm";

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |per_mille: usize| samples[(samples.len().saturating_sub(1)) * per_mille / 1000];
    (at(500), at(990))
}

fn measure(iterations: usize, mut run: impl FnMut() -> usize) -> Vec<Duration> {
    for _ in 0..iterations / 10 {
        black_box(run());
    }
    (0..iterations)
        .map(|_| {
            let start = Instant::now();
            black_box(run());
            start.elapsed()
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut iterations = 20_000;
    counts(&mut [("--iterations", &mut iterations)]);
    let iterations = iterations.max(1);

    let credentials = Credentials::from_pairs(
        Product::TazapayOvoIdr,
        [("api_key", KEY.to_owned()), ("api_secret", SECRET.to_owned())],
    );
    let client = TazapayClient::new(
        "https://service-sandbox.tazapay.com",
        &credentials,
        TazapayOptions::default(),
    )?;
    let reference = Reference::parse("ABCDEF0123456789")?;
    let request = tazapay_payin(&reference, 1, 150_000, "081234567890");
    let body = client.create_body(&request)?;

    let baseline = measure(iterations, || {
        serde_json::to_string(black_box(&body)).map(|s| s.len()).unwrap_or(0)
    });
    let signed = measure(iterations, || {
        let body = client.create_body(black_box(&request)).unwrap();
        let json = serde_json::to_string(&body).map(|s| s.len()).unwrap_or(0);
        let auth = basic_authorization(black_box(KEY), black_box(SECRET));
        json + auth.expose().len()
    });

    let (b50, b99) = percentiles(baseline);
    let (s50, s99) = percentiles(signed);
    println!("tazapay_sign: {iterations} iterations each");
    println!("  baseline  serialise body alone           p50 {b50:>10?}  p99 {b99:>10?}");
    println!("  payin     build + serialise + Basic auth p50 {s50:>10?}  p99 {s99:>10?}");
    println!("  overhead  p50 {:?}  p99 {:?}", s50.saturating_sub(b50), s99.saturating_sub(b99));
    Ok(())
}
