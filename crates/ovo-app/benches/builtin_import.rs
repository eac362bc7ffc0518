//! The built-in sandbox's start with the ledger's payments to learn: a demo ledger plus N more
//! built-in payments across the five products (default 3,000), then a fresh start of the app on
//! that ledger, timing its first `app_info` (which starts the in-process sandbox, reads the
//! ledger and imports every payment), beside a bare sandbox start in the same run.
//!
//! Run: `cargo bench -p ovo-app --bench builtin_import [-- --payments N]`. Timing only: nothing
//! here asserts on durations.

use std::time::Instant;

use ovo_domain::{
    Environment, Idr, Msisdn, PaymentStatus, Product, Reference, SystemClock, Timestamp,
};
use ovo_ledger::payments::{self, NewPayment};
use ovo_test_support::bench::BenchResult;
use ovo_test_support::bench_setup::{counts, open_app};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PHONES: [&str; 4] = ["6281234567890", "6281298765432", "6285712345678", "6281382826301"];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let mut extra = 3_000;
    counts(&mut [("--payments", &mut extra)]);
    let dir = tempfile::tempdir()?;
    let app = open_app(dir.path()).await?;
    let end = ovo_domain::Clock::now(&SystemClock).unix_millis() - 60_000;
    let mut rng = StdRng::seed_from_u64(0xB1_1710);
    let mut tx = app.ledger().begin_write().await?;
    for _ in 0..extra {
        let product = Product::ALL[rng.gen_range(0..5)];
        let reference = Reference::generate(&mut rng);
        let provider_ref = match product {
            Product::TazapayOvoIdr => format!("pay_bench{}", reference.as_str().to_lowercase()),
            Product::FaspayOvoTokenize => {
                format!("99999{:011}", rng.gen_range(0..100_000_000_000_u64))
            }
            Product::DokuJokulOvoPush => reference.as_str().to_owned(),
            _ => format!("{:016}", rng.gen_range(0..10_000_000_000_000_000_u64)),
        };
        let created = Timestamp::from_unix_millis(end - rng.gen_range(0..90 * 86_400_000_i64));
        let phone = Msisdn::parse(PHONES[rng.gen_range(0..PHONES.len())])?;
        payments::insert(
            &mut tx,
            &NewPayment {
                reference: &reference,
                environment: Environment::BuiltInSandbox,
                customer_id: None,
                binding_id: None,
                product,
                kind: "push",
                phone: Some(&phone),
                amount: Idr::new(rng.gen_range(1..=200) * 5_000)?,
                cash_amount: None,
                points_amount: None,
                status: PaymentStatus::Succeeded,
                provider_ref: Some(&provider_ref),
                created_by: None,
                created_at: created,
                succeeded_at: Some(created),
            },
        )
        .await?;
    }
    ovo_ledger::commit(tx).await?;
    drop(app);

    let bare = Instant::now();
    let running =
        ovo_sandbox::start(ovo_sandbox::SandboxConfig::default(), "127.0.0.1:0".parse()?).await?;
    let bare_ms = bare.elapsed().as_micros();
    running.shutdown();

    let app = open_app(dir.path()).await?;
    let started = Instant::now();
    let url = app.sandbox_url().await?;
    let with_import = started.elapsed().as_micros();
    println!(
        "built-in sandbox start, ledger of the demo + {extra} payments ({}):",
        url.unwrap_or_default()
    );
    println!("  bare sandbox start:              {:>8} µs", bare_ms);
    println!("  start + read ledger + import:    {:>8} µs", with_import);
    Ok(())
}
