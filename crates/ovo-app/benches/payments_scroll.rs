//! Scrolling the payments list to the end: 100,000 payments read in pages of 100 through
//! `Backoffice::payments_page` (session check, filters, keyset cursor, customer names), beside
//! the bare `ovo_ledger::payments::page` call for the same page in the same run; then the same
//! with a product + status filter.
//!
//! Run: `cargo bench -p ovo-app --bench payments_scroll [-- --payments N]` (or
//! `cargo xtask bench scroll`). Timing only: nothing here asserts on durations.

use std::time::Instant;

use ovo_app::ipc::{PaymentCursorView, PaymentFilters, PaymentQuery, SignInInput};
use ovo_domain::{
    fold_name, Environment, Idr, Msisdn, PaymentId, PaymentStatus, Product, Reference, SystemClock,
    Timestamp,
};
use ovo_ledger::customers::{self, NewCustomer};
use ovo_ledger::payments::{self, NewPayment, PaymentCursor, PaymentFilter, PaymentUpdate};
use ovo_test_support::bench::{header, ms, report, timed, BenchResult};
use ovo_test_support::bench_setup::{counts, open_app_with_admin, BENCH_PASSWORD};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 0x5C20_1100_0000_0001;
const PAGE: u32 = 100;
/// One page must arrive within a frame budget to keep the virtualised list smooth (printed only).
const PAGE_P99_TARGET_NS: u64 = 16_000_000;
const STATUSES: [PaymentStatus; 4] = [
    PaymentStatus::Succeeded,
    PaymentStatus::Succeeded,
    PaymentStatus::Succeeded,
    PaymentStatus::Failed,
];

/// The products whose open payments the seeding makes: those whose status is asked without a
/// linked account (OVO SNAP asks through the payer's, which these payments have none of).
const ASKED_WITHOUT_ACCOUNT: [Product; 4] = [
    Product::DokuSnapOvo,
    Product::DokuJokulOvoPush,
    Product::TazapayOvoIdr,
    Product::FaspayOvoTokenize,
];

/// When set, the path of an app's ledger file (the app closed): the same payments are added to
/// it, `--open N` of them open and due for a status check, and nothing is timed
/// (`cargo xtask bench app` prepares the real app's ledger so).
const SEED_LEDGER_VAR: &str = "OVO_BENCH_SEED_LEDGER";
/// With `OVO_BENCH_SEED_LEDGER`: the address of a sandbox running in its own process, which then
/// learns the ledger's built-in payments (`POST /_sandbox/import`) as the app's in-process
/// sandbox would at its start.
const TEACH_SANDBOX_VAR: &str = "OVO_BENCH_TEACH_SANDBOX";
/// When set, the path of an app's ledger file (the app closed): prints how many of its payments
/// are in each status, and nothing else is done (the poller's end in `cargo xtask bench app`).
const COUNT_STATUSES_VAR: &str = "OVO_BENCH_COUNT_STATUSES";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let (mut total, mut open) = (100_000, 0);
    counts(&mut [("--payments", &mut total), ("--open", &mut open)]);
    if let Some(path) = std::env::var_os(COUNT_STATUSES_VAR) {
        let (ledger, _) = ovo_ledger::Ledger::open(std::path::Path::new(&path)).await?;
        let mut counts = Vec::new();
        for status in PaymentStatus::ALL {
            let filter = PaymentFilter { status: Some(status), ..PaymentFilter::default() };
            let count = payments::count(&mut *ledger.read().await?, &filter).await?;
            if count > 0 {
                counts.push(format!("{} {count}", status.key()));
            }
        }
        ledger.close().await;
        println!("statuses: {}", counts.join(", "));
        return Ok(());
    }
    if let Some(path) = std::env::var_os(SEED_LEDGER_VAR) {
        let (ledger, _) = ovo_ledger::Ledger::open(std::path::Path::new(&path)).await?;
        let started = Instant::now();
        seed(&ledger, total, open).await?;
        println!("seeded {total} payments ({open} open) in {} ms", started.elapsed().as_millis());
        if let Ok(url) = std::env::var(TEACH_SANDBOX_VAR) {
            teach(&ledger, &url).await?;
        }
        ledger.close().await;
        return Ok(());
    }
    let total = total.max(1);
    let dir = tempfile::tempdir()?;
    let app = open_app_with_admin(dir.path()).await?;
    let started = Instant::now();
    seed(app.ledger(), total, 0).await?;
    println!(
        "payments scroll benchmark: {total} payments generated in {} ms; pages of {PAGE}",
        started.elapsed().as_millis()
    );
    app.sign_in(SignInInput { username: "admin".into(), password: BENCH_PASSWORD.into() }).await?;

    header();
    for (label, product, status) in [
        ("every payment, newest first", None, None),
        ("ovo_snap + succeeded", Some(Product::OvoSnap), Some(PaymentStatus::Succeeded)),
    ] {
        let (mut app_ns, mut bare_ns) = (Vec::new(), Vec::new());
        let (mut rows, mut after) = (0_usize, None::<PaymentCursorView>);
        let scroll = Instant::now();
        loop {
            let query = PaymentQuery {
                filters: PaymentFilters {
                    product: product.map(|p: Product| p.key().to_owned()),
                    status: status.map(|s: PaymentStatus| s.key().to_owned()),
                    from: None,
                    to: None,
                    ..Default::default()
                },
                after,
                limit: PAGE,
            };
            let (ns, page) = timed(app.payments_page(query)).await?;
            app_ns.push(ns);
            let filter = PaymentFilter {
                product,
                status,
                environment: Some(Environment::BuiltInSandbox),
                ..PaymentFilter::default()
            };
            let cursor = after.map(|c| PaymentCursor {
                created_at: Timestamp::from_unix_millis(c.created_at_ms),
                id: PaymentId::new(c.id),
            });
            let mut conn = app.ledger().read().await?;
            bare_ns.push(timed(payments::page(&mut conn, &filter, cursor, PAGE)).await?.0);
            drop(conn);
            rows += page.items.len();
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let took = ovo_test_support::bench::nanos(scroll.elapsed());
        report(label, &app_ns, &bare_ns, PAGE_P99_TARGET_NS);
        println!(
            "{:<30} {rows} rows in {} pages, whole scroll {} (app and bare calls)",
            "",
            app_ns.len(),
            ms(took)
        );
    }
    println!(
        "target: one page p99 ≤ {} ms (a frame at 60 Hz; printed, never asserted)",
        PAGE_P99_TARGET_NS / 1_000_000
    );
    Ok(())
}

/// Teaches the sandbox at `url` every built-in payment in `ledger`; fails when it refuses one.
async fn teach(ledger: &ovo_ledger::Ledger, url: &str) -> BenchResult<()> {
    let now = ovo_domain::Clock::now(&SystemClock);
    let records = ovo_app::builtin_payments_to_import(
        ledger,
        Timestamp::from_unix_millis(now.unix_millis() + 1),
    )
    .await?;
    let report: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/import", url.trim_end_matches('/')))
        .json(&serde_json::json!({ "payments": records }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let refused = report["refused"].as_array().map_or(0, Vec::len);
    if refused > 0 {
        return Err(format!("the sandbox at {url} refused {refused} payments: {report}").into());
    }
    println!("the sandbox at {url} learned {} payments", report["imported"]);
    Ok(())
}

/// Adds 2,000 customers and `total` payments over 90 days to `ledger`; the first `open` of
/// them pending, made in the last minute, due for a status check and carrying the customer's
/// phone and the provider's id where the product has one (so that the built-in sandbox learns
/// them as pending payments of its own).
async fn seed(ledger: &ovo_ledger::Ledger, total: usize, open: usize) -> BenchResult<()> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let end = ovo_domain::Clock::now(&SystemClock).unix_millis();
    let mut made = 0;
    let mut tx = ledger.begin_write().await?;
    let mut customers = Vec::new();
    for i in 0..2_000 {
        let phone = Msisdn::parse(&format!("62813{:08}", 10_000_000 + i))?;
        let name = format!("Pelanggan {i}");
        let at = Timestamp::from_unix_millis(end - 100 * 86_400_000);
        let id = customers::insert(
            &mut tx,
            &NewCustomer {
                merchant_customer_id: None,
                full_name: &name,
                name_key: &fold_name(&name),
                phone: &phone,
                email: None,
                at,
            },
        )
        .await?;
        customers.push((id, phone));
    }
    ovo_ledger::commit(tx).await?;
    while made < total {
        let mut tx = ledger.begin_write().await?;
        for _ in 0..10_000.min(total - made) {
            let is_open = made < open;
            let created = if is_open {
                Timestamp::from_unix_millis(end - rng.gen_range(0..60_000_i64))
            } else {
                Timestamp::from_unix_millis(end - rng.gen_range(0..90 * 86_400_000_i64))
            };
            let status = if is_open {
                PaymentStatus::Pending
            } else {
                STATUSES[rng.gen_range(0..STATUSES.len())]
            };
            let reference = Reference::generate(&mut rng);
            let (customer_id, phone) = &customers[rng.gen_range(0..customers.len())];
            let product = if is_open {
                ASKED_WITHOUT_ACCOUNT[rng.gen_range(0..ASKED_WITHOUT_ACCOUNT.len())]
            } else {
                Product::ALL[rng.gen_range(0..5)]
            };
            // An open payment reached its provider: where the product names it by the
            // provider's id, it has one.
            let provider_ref = match product {
                Product::FaspayOvoTokenize if is_open => Some(format!("9{made:015}")),
                Product::TazapayOvoIdr if is_open => Some(format!("pay_bench{made:016}")),
                _ => None,
            };
            let id = payments::insert(
                &mut tx,
                &NewPayment {
                    reference: &reference,
                    environment: Environment::BuiltInSandbox,
                    customer_id: Some(*customer_id),
                    binding_id: None,
                    product,
                    kind: "push",
                    phone: is_open.then_some(phone),
                    amount: Idr::new(rng.gen_range(1..=200) * 5_000)?,
                    cash_amount: None,
                    points_amount: None,
                    status,
                    provider_ref: provider_ref.as_deref(),
                    created_by: None,
                    created_at: created,
                    succeeded_at: (status == PaymentStatus::Succeeded).then_some(created),
                },
            )
            .await?;
            if is_open {
                let due = PaymentUpdate {
                    next_check_at: Some(Some(created)),
                    give_up_at: Some(Timestamp::from_unix_millis(end + 86_400_000)),
                    ..PaymentUpdate::default()
                };
                payments::update(&mut tx, id, &due, created).await?;
            }
            made += 1;
        }
        ovo_ledger::commit(tx).await?;
    }
    Ok(())
}
