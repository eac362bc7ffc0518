//! Finance at scale: the dashboard on 1,000,000 payments spread over 90 days (p99 per period,
//! goal ≤ 100 ms, beside a bare count of the period's payments); exporting 1,000,000 payments to CSV through `Backoffice::start_export`
//! beside a bare streamed `SELECT` of the same columns written to a file with the csv crate in
//! the same run (rows per second, goal: app / bare ≥ 0.5), with the process's resident memory
//! while an export of a tenth of the rows and one of all of them run (goal: flat); then
//! reconciling a 100,000-line OVO SNAP settlement file (check and import, goal: import ≤ 5 s).
//!
//! Run: `cargo bench -p ovo-app --bench finance [-- --payments N --lines L]` (or
//! `cargo xtask bench finance`). Timing only: nothing here asserts on durations; each goal
//! prints `met` or `MISSED`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use ovo_app::ipc::{
    ExportFormat, ExportJobRef, ExportList, ExportProgress, JobState, PaymentFilters,
    SettlementExceptionFilters, SettlementExceptionsQuery, SettlementFileInput, SignInInput,
    StartExportInput,
};
use ovo_app::Backoffice;
use ovo_domain::{PaymentStatus, Product, Timestamp};
use ovo_test_support::app::add_operator;
use ovo_test_support::bench::{fmt_milli, fmt_ns, nanos, ratio_milli, verdict, BenchResult};
use ovo_test_support::bench_setup::{open_app_with_admin, positive_counts, BENCH_PASSWORD};
use sqlx::Row;

/// Export goal: the app's rows per second at least half the bare streamed `SELECT`'s.
const EXPORT_RATIO_GOAL_MILLI: u64 = 500;
/// "Flat": exporting all rows may grow the resident memory at most this much more than a tenth.
const FLAT_SLACK_BYTES: u64 = 64 << 20;
/// How often the resident memory is sampled while an export runs.
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Reconcile goal: the import of the file within 5 s.
const IMPORT_GOAL_NS: u64 = 5_000_000_000;
/// Generated amounts are 5,000 × (1 + i mod 200); this floor keeps i mod 200 ≥ 180, a tenth.
const TENTH_MIN_AMOUNT: &str = "Rp 905.000";
/// Customers the generated payments belong to (every third payment has none).
const CUSTOMERS: u64 = 2_000;
/// A reference no payment has, for the settlement file's `not_in_ledger` line.
const STRANGER: &str = "ZZZZZZZZZZZZZZZ9";
/// Columns of the export and of the bare `SELECT`, in the export's order.
const BARE_SQL: &str = "SELECT p.reference, p.product, p.amount, p.status, c.full_name, \
     p.provider_ref, p.created_at, p.succeeded_at \
     FROM payments p LEFT JOIN customers c ON c.id = p.customer_id \
     WHERE p.environment = 'builtin_sandbox' ORDER BY p.created_at DESC, p.id DESC";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let (mut payments, mut lines) = (1_000_000, 100_000);
    positive_counts(&mut [("--payments", &mut payments), ("--lines", &mut lines)]);
    let (payments, lines) = (payments as u64, lines as u64);

    let dir = tempfile::tempdir()?;
    let app = Arc::new(finance_app(&dir.path().join("export")).await?);
    let started = Instant::now();
    seed_payments(&app, payments).await?;
    println!(
        "finance benchmark: {payments} payments generated in {} (builtin_sandbox, {} products, \
         mixed statuses, {CUSTOMERS} customers)",
        fmt_ns(nanos(started.elapsed())),
        Product::ALL.len()
    );

    dashboard_bench(&app).await?;
    export_bench(&app, dir.path(), payments).await?;
    reconcile_bench(&dir.path().join("reconcile"), lines).await?;
    Ok(())
}

/// The app on `data_dir` with `admin` and `fina` (finance, may export payments and reconcile),
/// `fina` signed in.
async fn finance_app(data_dir: &Path) -> BenchResult<Backoffice> {
    std::fs::create_dir_all(data_dir)?;
    let app = open_app_with_admin(data_dir).await?;
    app.sign_in(SignInInput { username: "admin".into(), password: BENCH_PASSWORD.into() }).await?;
    add_operator(&app, "fina", "Fina Finance", "finance").await;
    Ok(app)
}

/// `count` payments spread evenly over the last 90 days (newest now), over every product, 5 in 8 succeeded, in
/// one recursive-CTE statement; two in three belong to one of [`CUSTOMERS`] customers.
async fn seed_payments(app: &Backoffice, count: u64) -> BenchResult<()> {
    let now = app.now().unix_millis();
    let products: String = Product::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| format!(" WHEN {i} THEN '{}'", p.key()))
        .collect();
    let product_count = Product::ALL.len();
    let (succeeded, failed, expired, pending) = (
        PaymentStatus::Succeeded.key(),
        PaymentStatus::Failed.key(),
        PaymentStatus::Expired.key(),
        PaymentStatus::Pending.key(),
    );
    let spread = (90 * 86_400_000 / count.max(1)).max(1);
    let mut tx = app.ledger().begin_write().await?;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CUSTOMERS})
         INSERT INTO customers (full_name, name_key, phone, created_at, updated_at)
         SELECT 'Pelanggan ' || i, 'pelanggan ' || i, '62813' || CAST(10000000 + i AS TEXT),
                {now}, {now}
         FROM n"
    ))
    .execute(&mut *tx)
    .await?;
    let first_customer: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM customers").fetch_one(&mut *tx).await?;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO payments (reference, product, kind, amount, status, customer_id,
                               provider_ref, created_at, succeeded_at, updated_at, environment)
         SELECT reference, product, 'push', amount, status, customer_id,
                CASE WHEN status = '{succeeded}' THEN 'PRV' || reference END,
                created_at, CASE WHEN status = '{succeeded}' THEN created_at END, {now},
                'builtin_sandbox'
         FROM (SELECT 'FX' || CAST(10000000000000 + i AS TEXT) AS reference,
                      CASE i % {product_count}{products} END AS product,
                      5000 * (1 + i % 200) AS amount,
                      CASE i % 8 WHEN 5 THEN '{failed}' WHEN 6 THEN '{expired}'
                                 WHEN 7 THEN '{pending}' ELSE '{succeeded}' END AS status,
                      CASE WHEN i % 3 = 0 THEN NULL ELSE {first_customer} + i % {CUSTOMERS} END
                          AS customer_id,
                      {now} - i * {spread} AS created_at
               FROM n)"
    ))
    .execute(&mut *tx)
    .await?;
    ovo_ledger::commit(tx).await?;
    Ok(())
}

/// Dashboard goal: p99 of one period's figures.
const DASHBOARD_P99_GOAL_NS: u64 = 100_000_000;
/// Timed calls per period, after one warm-up call.
const DASHBOARD_SAMPLES: usize = 30;

/// Each period's figures through `Backoffice::dashboard` beside a bare indexed count of the
/// period's payments: p50, p99, the p99 ratio and the goal.
async fn dashboard_bench(app: &Backoffice) -> BenchResult<()> {
    use ovo_app::ipc::{DashboardInput, DashboardPeriod};
    use ovo_test_support::bench::percentile;
    section("dashboard: each period's figures on these payments");
    for period in [DashboardPeriod::Today, DashboardPeriod::Days7, DashboardPeriod::Days30] {
        let since = ovo_domain::wib_day_start(ovo_domain::add_days(
            ovo_domain::wib_date(app.now()),
            1 - period.days(),
        ))
        .unix_millis();
        let (mut timed, mut bare) = (Vec::new(), Vec::new());
        let mut in_period = 0_i64;
        for i in 0..=DASHBOARD_SAMPLES {
            let started = Instant::now();
            let view = app.dashboard(DashboardInput { period }).await?;
            let took = nanos(started.elapsed());
            let started = Instant::now();
            let mut conn = app.ledger().read().await?;
            in_period = sqlx::query_scalar(
                "SELECT COUNT(*) FROM payments WHERE environment = 'builtin_sandbox' AND created_at >= $1",
            )
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
            let bare_took = nanos(started.elapsed());
            if i > 0 {
                timed.push(took);
                bare.push(bare_took);
            }
            std::hint::black_box(view);
        }
        let (p50, p99) = (percentile(&timed, 50), percentile(&timed, 99));
        println!(
            "{:<34} {in_period} payments: p50 {}, p99 {} (bare count p99 {}, ×{})  goal p99 ≤ {}: {}",
            format!("{period:?}:"),
            fmt_ns(p50),
            fmt_ns(p99),
            fmt_ns(percentile(&bare, 99)),
            fmt_milli(ratio_milli(p99, percentile(&bare, 99))),
            fmt_ns(DASHBOARD_P99_GOAL_NS),
            verdict(p99 <= DASHBOARD_P99_GOAL_NS)
        );
    }
    Ok(())
}

fn section(title: &str) {
    println!();
    println!("== {title} ==");
}

/// Rows per second, in whole rows.
fn per_second(rows: u64, ns: u64) -> u64 {
    u64::try_from(u128::from(rows) * 1_000_000_000 / u128::from(ns.max(1))).unwrap_or(u64::MAX)
}

fn mib(bytes: u64) -> String {
    format!("{}.{} MiB", bytes >> 20, ((bytes & ((1 << 20) - 1)) * 10) >> 20)
}

/// A field of `/proc/self/status` (`VmHWM`, `VmRSS`) in bytes; `None` off Linux.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let value = status.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?;
    let kib: u64 = value.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

fn memory_line(label: &str) {
    let show = |field| proc_status_bytes(field).map_or_else(|| "n/a".to_owned(), mib);
    println!("{label:<34} VmHWM {}, VmRSS {}", show("VmHWM"), show("VmRSS"));
}

/// Samples `VmRSS` every [`RSS_SAMPLE_EVERY`] on a thread of its own until stopped.
struct RssSampler {
    before: Option<u64>,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    fn start() -> RssSampler {
        let before = proc_status_bytes("VmRSS");
        let peak = Arc::new(AtomicU64::new(before.unwrap_or(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(rss) = proc_status_bytes("VmRSS") {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(RSS_SAMPLE_EVERY);
                }
            })
        };
        RssSampler { before, peak, stop, thread }
    }

    /// The largest `VmRSS` seen less the one before the start; `None` off Linux.
    fn growth(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let after = proc_status_bytes("VmRSS");
        let before = self.before?;
        let peak = self.peak.load(Ordering::Relaxed).max(after?);
        Some(peak.saturating_sub(before))
    }
}

/// The app's CSV export of the payments list with `filters` to `path`, followed to its end
/// (polled every 10 ms): nanoseconds from the start to the end seen, and the last progress.
async fn app_export(
    app: &Arc<Backoffice>,
    filters: PaymentFilters,
    path: &Path,
) -> BenchResult<(u64, ExportProgress)> {
    let start = Instant::now();
    let started = app
        .start_export(StartExportInput {
            list: ExportList::Payments(filters),
            format: ExportFormat::Csv,
            path: path.display().to_string(),
            language: "en".into(),
        })
        .await?;
    loop {
        let now = app.export_progress(ExportJobRef { job_id: started.job_id }).await?;
        if now.state != JobState::Running {
            let ns = nanos(start.elapsed());
            if now.state != JobState::Finished {
                return Err(format!("the export ended {:?}: {:?}", now.state, now.error).into());
            }
            return Ok((ns, now));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The bare baseline: one streamed `SELECT` (sqlx `fetch` on the ledger's pool) of the export's
/// columns, each row written as it arrives with the csv crate (raw keys and numbers, no labels or
/// WIB formatting). Nanoseconds and rows.
async fn bare_export(app: &Backoffice, path: &Path) -> BenchResult<(u64, u64)> {
    type Sink = (csv::Writer<std::io::BufWriter<std::fs::File>>, u64);
    let start = Instant::now();
    let file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    let sink: Arc<Mutex<Sink>> = Arc::new(Mutex::new((csv::Writer::from_writer(file), 0)));
    sink.lock().map_err(|_| "poisoned")?.0.write_record([
        "reference",
        "product",
        "amount",
        "status",
        "customer",
        "provider_ref",
        "created_at",
        "succeeded_at",
    ])?;
    // The stream must own what it reads from: a clone of the pool, kept for the run.
    let pool: &'static sqlx::AnyPool = Box::leak(Box::new(app.ledger().writer_pool().clone()));
    let writer = sink.clone();
    let stream = sqlx::query(BARE_SQL)
        .try_map(move |row: sqlx::any::AnyRow| {
            let reference: String = row.try_get(0)?;
            let product: String = row.try_get(1)?;
            let amount: i64 = row.try_get(2)?;
            let status: String = row.try_get(3)?;
            let customer: Option<String> = row.try_get(4)?;
            let provider_ref: Option<String> = row.try_get(5)?;
            let created_at: i64 = row.try_get(6)?;
            let succeeded_at: Option<i64> = row.try_get(7)?;
            let (amount, created_at) = (amount.to_string(), created_at.to_string());
            let succeeded_at = succeeded_at.map(|t| t.to_string()).unwrap_or_default();
            let mut sink =
                writer.lock().map_err(|_| sqlx::Error::Protocol("the sink is poisoned".into()))?;
            sink.0
                .write_record([
                    reference.as_str(),
                    product.as_str(),
                    amount.as_str(),
                    status.as_str(),
                    customer.as_deref().unwrap_or(""),
                    provider_ref.as_deref().unwrap_or(""),
                    created_at.as_str(),
                    succeeded_at.as_str(),
                ])
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            sink.1 += 1;
            Ok(Bytes::new())
        })
        .fetch(pool);
    // The workspace has no futures crate: axum's body drives the stream, frame by frame.
    let mut body = Body::from_stream(stream);
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        frame?;
    }
    drop(body);
    let mut sink = sink.lock().map_err(|_| "poisoned")?;
    sink.0.flush()?;
    Ok((nanos(start.elapsed()), sink.1))
}

async fn export_bench(app: &Arc<Backoffice>, dir: &Path, payments: u64) -> BenchResult<()> {
    section(&format!("export: {payments} payments to CSV (app vs bare streamed SELECT)"));
    memory_line("memory before the exports:");

    let bare_path = dir.join("bare.csv");
    let (bare_ns, bare_rows) = bare_export(app, &bare_path).await?;
    let bare_bytes = std::fs::metadata(&bare_path)?.len();
    std::fs::remove_file(&bare_path)?;

    // A tenth first (by amount), then everything: the memory each export adds.
    let tenth_path = dir.join("payments-tenth.csv");
    let filters =
        PaymentFilters { min_amount: Some(TENTH_MIN_AMOUNT.into()), ..Default::default() };
    let sampler = RssSampler::start();
    let (tenth_ns, tenth) = app_export(app, filters, &tenth_path).await?;
    let tenth_growth = sampler.growth();
    std::fs::remove_file(&tenth_path)?;

    let all_path = dir.join("payments-all.csv");
    let sampler = RssSampler::start();
    let (app_ns, all) = app_export(app, PaymentFilters::default(), &all_path).await?;
    let all_growth = sampler.growth();
    let app_bytes = std::fs::metadata(&all_path)?.len();
    std::fs::remove_file(&all_path)?;

    let (bare_rate, app_rate) =
        (per_second(bare_rows, bare_ns), per_second(all.rows_written, app_ns));
    println!(
        "{:<34} {bare_rows} rows in {}: {bare_rate} rows/s ({})",
        "bare streamed SELECT → csv:",
        fmt_ns(bare_ns),
        mib(bare_bytes)
    );
    println!(
        "{:<34} {} rows in {}: {app_rate} rows/s ({})",
        "app export (no filters):",
        all.rows_written,
        fmt_ns(app_ns),
        mib(app_bytes)
    );
    println!(
        "{:<34} {} rows in {}: {} rows/s",
        format!("app export ({TENTH_MIN_AMOUNT} and up):"),
        tenth.rows_written,
        fmt_ns(tenth_ns),
        per_second(tenth.rows_written, tenth_ns)
    );
    if all.rows_written != bare_rows {
        println!("note: the export wrote {} rows, the bare SELECT {bare_rows}", all.rows_written);
    }
    let ratio = ratio_milli(app_rate, bare_rate);
    println!(
        "{:<34} {}  goal ≥ {}: {}",
        "rows/s app / bare:",
        fmt_milli(ratio),
        fmt_milli(EXPORT_RATIO_GOAL_MILLI),
        verdict(ratio >= EXPORT_RATIO_GOAL_MILLI)
    );
    memory_line("memory after the exports:");
    match (tenth_growth, all_growth) {
        (Some(tenth_growth), Some(all_growth)) => {
            println!(
                "{:<34} {} rows: +{}; {} rows: +{}",
                "resident memory growth (VmRSS):",
                tenth.rows_written,
                mib(tenth_growth),
                all.rows_written,
                mib(all_growth)
            );
            println!(
                "{:<34} all ≤ tenth + {}: {}",
                "goal flat:",
                mib(FLAT_SLACK_BYTES),
                verdict(all_growth <= tenth_growth + FLAT_SLACK_BYTES)
            );
        }
        _ => println!("{:<34} n/a (no /proc/self/status)", "resident memory growth:"),
    }
    Ok(())
}

/// `lines` succeeded OVO SNAP payments ten days ago (WIB), spread over the day; the file settles
/// all but one, one with another amount, and adds a reference the ledger does not know.
async fn reconcile_bench(data_dir: &Path, lines: u64) -> BenchResult<()> {
    section(&format!("reconcile: an OVO SNAP settlement file of {lines} lines"));
    let app = finance_app(data_dir).await?;
    let now = app.now();
    let day = ovo_domain::add_days(ovo_domain::wib_date(now), -10);
    let midnight = day.and_hms_opt(0, 0, 0).ok_or("no midnight")?;
    let start_ms = Timestamp::from_wib(midnight).unix_millis();
    // Payment i (1..=lines) at second i × 86,000 / lines of the day; its amount.
    let second_of = |i: u64| i * 86_000 / lines;
    let amount_of = |i: u64| 10_000 + (i % 500) * 1_000;
    let started = Instant::now();
    let mut tx = app.ledger().begin_write().await?;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {lines})
         INSERT INTO payments (reference, product, kind, amount, status, created_at, succeeded_at,
                               updated_at, environment)
         SELECT 'ST' || CAST(10000000000000 + i AS TEXT), '{product}', 'direct_debit',
                10000 + (i % 500) * 1000, '{succeeded}',
                {start_ms} + (i * 86000 / {lines}) * 1000, {start_ms} + (i * 86000 / {lines}) * 1000,
                {now_ms}, 'builtin_sandbox'
         FROM n",
        product = Product::OvoSnap.key(),
        succeeded = PaymentStatus::Succeeded.key(),
        now_ms = now.unix_millis(),
    ))
    .execute(&mut *tx)
    .await?;
    ovo_ledger::commit(tx).await?;

    let (omitted, differs) = (lines.div_ceil(2), lines.div_ceil(3));
    let path = data_dir.join(format!("ovo-snap-settlement-{day}.csv"));
    let mut file = csv::Writer::from_path(&path)?;
    file.write_record(ovo_test_support::sim::OVO_SNAP_SETTLEMENT_FEE_COLUMNS)?;
    let mut write_line = |reference: &str, second: u64, amount: u64| -> BenchResult<()> {
        let at = midnight + chrono::TimeDelta::seconds(i64::try_from(second)?);
        // A 0.7 % fee, rounded down to the rupiah.
        let fee = amount * 7 / 1000;
        let at = at.format("%Y-%m-%d %H:%M:%S").to_string();
        let (amount, fee, net) =
            (format!("{amount}.00"), format!("{fee}.00"), format!("{}.00", amount - fee));
        file.write_record([
            reference,
            at.as_str(),
            "PAYMENT",
            amount.as_str(),
            fee.as_str(),
            net.as_str(),
            "SETTLED",
        ])?;
        Ok(())
    };
    let mut file_lines = 0_u64;
    for i in (1..=lines).filter(|&i| i != omitted || lines == 1) {
        let amount = if i == differs { amount_of(i) + 1_000 } else { amount_of(i) };
        write_line(&format!("ST{}", 10_000_000_000_000 + i), second_of(i), amount)?;
        file_lines += 1;
    }
    write_line(STRANGER, 86_000, 5_000)?;
    file_lines += 1;
    file.flush()?;
    drop(file);
    println!(
        "{lines} succeeded ovo_snap payments on {day} (WIB) and a {file_lines}-line file \
         (one payment left out, one amount off by Rp 1.000, one unknown reference) made in {}",
        fmt_ns(nanos(started.elapsed()))
    );

    let input = || SettlementFileInput {
        product: Product::OvoSnap.key().into(),
        path: path.display().to_string(),
        mapping: None,
    };
    let start = Instant::now();
    let check = app.check_settlement_file(input()).await?;
    let check_ns = nanos(start.elapsed());
    if check.problem_count > 0 {
        return Err(format!("the file has problems: {:?}", check.problems).into());
    }
    let outcomes: Vec<String> =
        check.outcomes.iter().map(|o| format!("{} {}", o.outcome, o.count)).collect();
    println!(
        "{:<34} {} ({} lines: {}; not in file {})",
        "check_settlement_file:",
        fmt_ns(check_ns),
        check.lines,
        outcomes.join(", "),
        check.not_in_file
    );

    let start = Instant::now();
    let imported = app.import_settlement_file(input()).await?;
    let import_ns = nanos(start.elapsed());
    let exceptions = app
        .settlement_exceptions(SettlementExceptionsQuery {
            filters: SettlementExceptionFilters { open_only: true, ..Default::default() },
            before: None,
            limit: None,
        })
        .await?
        .total;
    println!(
        "{:<34} {} (batch {}; {exceptions} exceptions raised: 2 from the file + {} not in file)",
        "import_settlement_file:",
        fmt_ns(import_ns),
        imported.batch_id.unwrap_or_default(),
        imported.not_in_file
    );
    println!(
        "{:<34} {} ≤ {}: {}",
        "goal import:",
        fmt_ns(import_ns),
        fmt_ns(IMPORT_GOAL_NS),
        verdict(import_ns <= IMPORT_GOAL_NS)
    );
    Ok(())
}
