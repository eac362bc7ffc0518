//! Customers: importing CSV rows through the app's import path (`start_customer_import`: read,
//! check every row, one write transaction) beside a bare multi-row INSERT of the same rows
//! into the same kind of ledger file; and customer search through `search_customers` on a
//! ledger of 1,000,000 customers beside the bare repository query for the same reading.
//!
//! Run: `cargo bench -p ovo-app --bench customers [-- --rows N --customers M --searches S]`
//! (or `cargo xtask bench customers`). Timing only: nothing here asserts on durations; each goal
//! is printed as met or MISSED. Integer arithmetic throughout (nanoseconds, ratios ×1000).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovo_app::ipc::{
    ColumnMapping, ImportJobRef, ImportMode, JobState, NewOperatorInput, SignInInput,
    StartImportInput,
};
use ovo_app::Backoffice;
use ovo_domain::{fold_name, Msisdn, Timestamp};
use ovo_ledger::customers::{self, CustomerValues};
use ovo_ledger::Ledger;
use ovo_test_support::bench::{
    header, ms, nanos, percentile, report, timed, us, verdict, BenchResult, FIRST, LAST,
};
use ovo_test_support::bench_setup::{
    open_app_with_admin, positive_counts, random_name, random_phone, time_search, BENCH_PASSWORD,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 0xC057_0E25_0000_0001;
/// Import rows per second through the app, at least half the bare insert's.
const IMPORT_RATIO_GOAL_X1000: u128 = 500;
/// Search round trip p99: one frame at 60 Hz.
const SEARCH_P99_GOAL_NS: u64 = 16_000_000;

struct Config {
    rows: usize,
    customers: usize,
    searches: usize,
}

fn config() -> Config {
    let mut cfg = Config { rows: 100_000, customers: 1_000_000, searches: 1_000 };
    positive_counts(&mut [
        ("--rows", &mut cfg.rows),
        ("--customers", &mut cfg.customers),
        ("--searches", &mut cfg.searches),
    ]);
    cfg
}

/// A customer the generator made: values and the row as the CSV writes it.
fn generated(rng: &mut StdRng, n: usize) -> CustomerValues {
    let phone = random_phone(rng);
    let name = random_name(rng);
    CustomerValues {
        merchant_customer_id: Some(format!("SHOP-{n:07}")),
        email: n.is_multiple_of(3).then(|| format!("customer{n}@example.co.id")),
        full_name: name,
        phone,
        notes: None,
    }
}

/// Distinct phones and merchant ids, as a merchant's export has them.
fn generate(count: usize, seed: u64) -> Vec<CustomerValues> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let v = generated(&mut rng, out.len());
        if seen.insert(v.phone.canonical().to_owned()) {
            out.push(v);
        }
    }
    out
}

/// The app with an admin and the operator `staff`, signed in as `staff`.
async fn open_app(dir: &Path) -> BenchResult<Backoffice> {
    let app = open_app_with_admin(dir).await?;
    app.create_operator(NewOperatorInput {
        username: "staff".into(),
        display_name: "Staff".into(),
        role: "staff".into(),
        password: BENCH_PASSWORD.into(),
    })
    .await?;
    app.sign_in(SignInInput { username: "staff".into(), password: BENCH_PASSWORD.into() }).await?;
    Ok(app)
}

/// Import through the app beside a bare multi-row INSERT; answers (app ns, bare ns).
async fn import_bench(rows: usize) -> BenchResult<(u64, u64)> {
    let dir = tempfile::tempdir()?;
    let values = generate(rows, SEED);
    let csv_path = dir.path().join("customers.csv");
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_path(&csv_path)?;
        w.write_record(["id pelanggan", "nama", "no hp", "email"])?;
        for v in &values {
            w.write_record([
                v.merchant_customer_id.as_deref().unwrap_or(""),
                v.full_name.as_str(),
                v.phone.display().as_str(),
                v.email.as_deref().unwrap_or(""),
            ])?;
        }
        w.flush()?;
    }

    let app = Arc::new(open_app(&dir.path().join("app")).await?);
    let mapping = ColumnMapping {
        merchant_customer_id: Some(0),
        full_name: Some(1),
        phone: Some(2),
        email: Some(3),
        notes: None,
    };
    let started = Instant::now();
    let job = app
        .start_customer_import(StartImportInput {
            path: csv_path.display().to_string(),
            mapping,
            mode: ImportMode::Nothing,
            dry_run: false,
        })
        .await?;
    let progress = loop {
        let p = app.customer_import_progress(ImportJobRef { job_id: job.job_id }).await?;
        if p.state != JobState::Running {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let app_ns = nanos(started.elapsed());
    let created = progress.summary.as_ref().map_or(0, |s| s.created);
    if created != rows as u64 {
        return Err(format!("the import created {created} of {rows} rows: {progress:?}").into());
    }

    // The same kind of file (the ledger's own open: WAL, synchronous=FULL, same schema).
    let (bare, _) = Ledger::open(&dir.path().join("bare.sqlite")).await?;
    let at = Timestamp::from_unix_millis(1_790_000_000_000).unix_millis();
    let started = Instant::now();
    let mut conn = bare.writer_pool().acquire().await?;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    for chunk in values.chunks(1_000) {
        let mut q: sqlx::QueryBuilder<sqlx::Any> = sqlx::QueryBuilder::new(
            "INSERT INTO customers (merchant_customer_id, full_name, name_key, phone, email, notes, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, v| {
            b.push_bind(v.merchant_customer_id.as_deref())
                .push_bind(v.full_name.as_str())
                .push_bind(v.full_name.as_str())
                .push_bind(v.phone.canonical())
                .push_bind(v.email.as_deref())
                .push_bind(v.notes.as_deref())
                .push_bind(at)
                .push_bind(at);
        });
        q.build().execute(&mut *conn).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    let bare_ns = nanos(started.elapsed());
    Ok((app_ns, bare_ns))
}

fn per_second(rows: usize, ns: u64) -> u128 {
    (rows as u128 * 1_000_000_000).checked_div(u128::from(ns)).unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let cfg = config();

    println!("customers benchmark: importing {} CSV rows", cfg.rows);
    let (app_ns, bare_ns) = import_bench(cfg.rows).await?;
    let (app_rate, bare_rate) = (per_second(cfg.rows, app_ns), per_second(cfg.rows, bare_ns));
    let ratio = (app_rate * 1000).checked_div(bare_rate).unwrap_or(0);
    println!(
        "  app import (read, check, one transaction): {:>10} rows/s  ({})",
        app_rate,
        ms(app_ns)
    );
    println!(
        "  bare multi-row INSERT of the same rows:    {:>10} rows/s  ({})",
        bare_rate,
        ms(bare_ns)
    );
    println!(
        "  ratio {}.{:03} (goal ≥ 0.500): {}",
        ratio / 1000,
        ratio % 1000,
        verdict(ratio >= IMPORT_RATIO_GOAL_X1000)
    );

    // Search on a large ledger: customers written through the ledger's bulk insert (their
    // name words too), a payment for one in four.
    let dir = tempfile::tempdir()?;
    let app = open_app(dir.path()).await?;
    let started = Instant::now();
    let values = generate(cfg.customers, SEED ^ 2);
    let now = Timestamp::from_unix_millis(1_790_000_000_000);
    let mut tx = app.ledger().begin_write().await?;
    for chunk in values.chunks(100_000) {
        customers::create_many(&mut tx, chunk, now).await?;
    }
    sqlx::query(
        "INSERT INTO payments (reference, customer_id, product, kind, phone, amount, status, created_at, updated_at, environment)
         SELECT printf('BNCH%012d', id), id, 'ovo_snap', 'direct_debit', phone, 10000, 'succeeded', created_at, created_at, 'builtin_sandbox'
         FROM customers WHERE id % 4 = 0",
    )
    .execute(&mut *tx)
    .await?;
    ovo_ledger::commit(tx).await?;
    let payments: i64 = sqlx::query_scalar("SELECT count(*) FROM payments")
        .fetch_one(app.ledger().writer_pool())
        .await?;
    println!(
        "\ncustomer search: {} customers, {} payments generated in {}, {} searches per query kind",
        cfg.customers,
        payments,
        ms(nanos(started.elapsed())),
        cfg.searches
    );

    header();
    let mut rng = StdRng::seed_from_u64(SEED ^ 3);
    let (mut all_app, mut all_bare) = (Vec::new(), Vec::new());
    let formats: [fn(&Msisdn) -> String; 3] =
        [|p| p.national(), |p| p.canonical().to_owned(), |p| p.e164()];
    let (mut app_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for i in 0..cfg.searches {
        let phone = &values[rng.gen_range(0..values.len())].phone;
        app_ns.push(time_search(&app, formats[i % 3](phone)).await?);
        let mut conn = app.ledger().read().await?;
        bare_ns.push(timed(customers::by_phone(&mut conn, phone)).await?.0);
    }
    report("phone (0812…, 62…, +62…)", &app_ns, &bare_ns, SEARCH_P99_GOAL_NS);
    all_app.extend(app_ns);
    all_bare.extend(bare_ns);

    let (mut app_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for i in 0..cfg.searches {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let query = if i % 2 == 0 {
            first.chars().take(rng.gen_range(2..=5)).collect::<String>()
        } else {
            format!("{first} {}", last.chars().take(3).collect::<String>())
        };
        app_ns.push(time_search(&app, query.clone()).await?);
        let folded = fold_name(&query);
        let words: Vec<&str> = folded.split(' ').collect();
        let mut conn = app.ledger().read().await?;
        bare_ns.push(timed(customers::by_name_words(&mut conn, &words, 21)).await?.0);
    }
    report("name (prefix; two words)", &app_ns, &bare_ns, SEARCH_P99_GOAL_NS);
    all_app.extend(app_ns);
    all_bare.extend(bare_ns);

    let (mut app_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for _ in 0..cfg.searches {
        let id = format!("SHOP-{:07}", rng.gen_range(0..cfg.customers));
        app_ns.push(time_search(&app, id.clone()).await?);
        let mut conn = app.ledger().read().await?;
        bare_ns.push(timed(customers::by_merchant_customer_id(&mut conn, &id)).await?.0);
    }
    report("merchant customer id", &app_ns, &bare_ns, SEARCH_P99_GOAL_NS);
    all_app.extend(app_ns);
    all_bare.extend(bare_ns);

    let (mut app_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for _ in 0..cfg.searches {
        let reference = format!("BNCH{:012}", 4 * rng.gen_range(1..=cfg.customers / 4).max(1));
        app_ns.push(time_search(&app, reference.clone()).await?);
        let mut conn = app.ledger().read().await?;
        bare_ns.push(timed(customers::by_reference(&mut conn, &reference)).await?.0);
    }
    report("payment reference", &app_ns, &bare_ns, SEARCH_P99_GOAL_NS);
    all_app.extend(app_ns);
    all_bare.extend(bare_ns);

    let (app_p99, bare_p99) = (percentile(&all_app, 99), percentile(&all_bare, 99));
    println!(
        "all searches: app p99 {} beside bare p99 {} (goal app p99 ≤ {} ms): {}",
        us(app_p99),
        us(bare_p99),
        SEARCH_P99_GOAL_NS / 1_000_000,
        verdict(app_p99 <= SEARCH_P99_GOAL_NS)
    );
    Ok(())
}
