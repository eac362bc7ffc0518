//! Write-path benchmark: refund requests per second against a bare durable SQLite insert.
//!
//! Both sides run on files of the same kind in one temp directory (WAL, `synchronous=FULL`), in
//! the same run, alternating (by default one request each) so neither side gets a calmer disk:
//!
//! * **ledger**: `begin_write` (`BEGIN IMMEDIATE`) → `refunds::request_refund` (effective policy
//!   from the overrides table, payment read, reserved sum, `evaluate`, refund insert, timeline
//!   insert, row read-back) → commit. One seeded succeeded OVO SNAP payment per request.
//! * **baseline**: `BEGIN IMMEDIATE` → one single-row `INSERT` → `COMMIT` on a bare
//!   `SqliteConnection`: the cost of one durable commit and nothing else.
//!
//! Run: `cargo bench -p ovo-ledger --bench refunds [-- --requests N --chunk C]`.
//! Timing only: nothing here asserts on durations; the target (ratio ≥ 0.5) is printed as met/missed.
//! All arithmetic is integer (nanoseconds, ratios ×1000), per the workspace's float lint.

use std::path::Path;

use std::time::Instant;

use ovo_domain::{Idr, OperatorId, PaymentId, Product, Reference, Role, Timestamp};
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::refunds::{self, NewRefund, RefundRequest};
use ovo_ledger::{commit, Ledger};
use ovo_test_support::bench::{
    fmt_milli, nanos, per_second, ratio_milli, verdict, BenchResult, Stats,
};
use ovo_test_support::bench_setup::positive_counts;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

/// Payments succeed at 2026-01-01T00:00:00Z; refunds are asked for a day later.
const PAID_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const PAYMENT_AMOUNT: i64 = 100_000;
const REFUND_AMOUNT: i64 = 40_000;
/// Target: ledger requests/s ≥ 0.5 × baseline inserts/s.
const RATIO_TARGET_MILLI: u64 = 500;

#[derive(Debug, Clone, Copy)]
struct Config {
    requests: usize,
    chunk: usize,
}

impl Config {
    fn from_args() -> Config {
        let mut cfg = Config { requests: 2_000, chunk: 1 };
        positive_counts(&mut [("--requests", &mut cfg.requests), ("--chunk", &mut cfg.chunk)]);
        cfg
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let cfg = Config::from_args();
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let ledger_path = dir.path().join("ledger.sqlite");
    let base_path = dir.path().join("baseline.sqlite");
    println!("ovo-ledger refund write benchmark");
    println!("  requests {} per side, alternating chunks of {}", cfg.requests, cfg.chunk);
    println!("  files in {} (WAL, synchronous=FULL)", dir.path().display());

    let (ledger, _) = Ledger::open(&ledger_path).await?;
    let (staff, payments) = seed(&ledger, cfg.requests).await?;
    let mut base = open_baseline(&base_path).await?;
    let version: String =
        sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut *base).await?;
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *base).await?;
    println!("  SQLite {version}; baseline synchronous={sync} (2 = FULL)");

    // Warm-up: a few of each, off the clock (the seeded payments beyond `requests` are for these).
    let warm = (cfg.requests / 20).clamp(1, 50);
    let references: Vec<Reference> =
        (0..cfg.requests + warm).map(|i| reference(i + 1)).collect::<BenchResult<_>>()?;
    for i in 0..warm {
        request(&ledger, staff, payments[cfg.requests + i], &references[cfg.requests + i]).await?;
        baseline_insert(&mut base, i).await?;
    }

    // Both WAL files start empty, so both sides pay the same file growth (ext4 journals a size
    // change on fsync): without this the seeded ledger's WAL is already long and the baseline's is not.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(ledger.writer_pool()).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *base).await?;
    let wal_len =
        |p: &Path| std::fs::metadata(p.with_extension("sqlite-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "  WAL bytes before measuring: ledger {}, baseline {}",
        wal_len(&ledger_path),
        wal_len(&base_path)
    );

    let mut ledger_ns: Vec<u64> = Vec::with_capacity(cfg.requests);
    let mut base_ns: Vec<u64> = Vec::with_capacity(cfg.requests);
    let mut reserved = 0usize;
    let mut next = 0usize;
    let mut ledger_first = true;
    while next < cfg.requests {
        let end = (next + cfg.chunk).min(cfg.requests);
        for side_ledger in [ledger_first, !ledger_first] {
            for i in next..end {
                if side_ledger {
                    let t0 = Instant::now();
                    let out = request(&ledger, staff, payments[i], &references[i]).await?;
                    ledger_ns.push(nanos(t0.elapsed()));
                    reserved += usize::from(out.refund().is_some());
                } else {
                    let t0 = Instant::now();
                    baseline_insert(&mut base, warm + i).await?;
                    base_ns.push(nanos(t0.elapsed()));
                }
            }
        }
        next = end;
        ledger_first = !ledger_first;
    }
    if reserved != cfg.requests {
        return Err(format!("only {reserved} of {} requests were reserved", cfg.requests).into());
    }

    let ledger_total: u64 = ledger_ns.iter().sum();
    let base_total: u64 = base_ns.iter().sum();
    let ledger_rate = per_second(cfg.requests, ledger_total);
    let base_rate = per_second(cfg.requests, base_total);
    // ledger rate / baseline rate = baseline time / ledger time.
    let ratio = ratio_milli(base_total, ledger_total);
    let (l, b) = (Stats::of(&ledger_ns), Stats::of(&base_ns));
    println!();
    println!("  {:<44} {:>10} {:>10} {:>10}", "", "per second", "p50", "p99");
    println!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "refund request (policy + reservation + commit)",
        ledger_rate,
        fmt_us(l.p50),
        fmt_us(l.p99)
    );
    println!(
        "  {:<44} {:>10} {:>10} {:>10}",
        "baseline durable single-row insert",
        base_rate,
        fmt_us(b.p50),
        fmt_us(b.p99)
    );
    println!(
        "  ratio (ledger / baseline requests per second) {}  target ≥ {}: {}",
        fmt_milli(ratio),
        fmt_milli(RATIO_TARGET_MILLI),
        verdict(ratio >= RATIO_TARGET_MILLI)
    );
    // fsync latency on a shared disk has a long tail that dominates the means; the medians show
    // the per-request CPU and page cost.
    let p50_ratio = ratio_milli(b.p50, l.p50);
    println!(
        "  ratio of medians (baseline p50 / ledger p50)  {}  target ≥ {}: {}",
        fmt_milli(p50_ratio),
        fmt_milli(RATIO_TARGET_MILLI),
        verdict(p50_ratio >= RATIO_TARGET_MILLI)
    );

    println!(
        "  WAL bytes after: ledger {}, baseline {} (each side's writes per commit)",
        wal_len(&ledger_path),
        wal_len(&base_path)
    );

    base.close().await?;
    ledger.close().await;
    drop(dir);
    println!();
    println!("total run time {}", fmt_us(nanos(started.elapsed())));
    Ok(())
}

/// One operator and one succeeded OVO SNAP payment per request (plus warm-up), in one transaction.
async fn seed(ledger: &Ledger, requests: usize) -> BenchResult<(OperatorId, Vec<PaymentId>)> {
    let t0 = Instant::now();
    let count = requests + (requests / 20).clamp(1, 50);
    let mut tx = ledger.begin_write().await?;
    let at = Timestamp::from_unix_millis(PAID_MS);
    let staff = operators::insert(
        &mut tx,
        &NewOperator {
            username: "bench",
            display_name: "Bench",
            role: Role::Staff,
            password_hash: "$argon2id$x",
            password_one_time: false,
            at,
        },
    )
    .await?
    .id;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO payments (reference, product, kind, amount, status, created_at, succeeded_at, updated_at)
             VALUES ($1, $2, 'direct_debit', $3, 'succeeded', $4, $5, $6) RETURNING id",
        )
        .bind(format!("PY{:014}", i + 1))
        .bind(Product::OvoSnap.key())
        .bind(PAYMENT_AMOUNT)
        .bind(PAID_MS - 5_000)
        .bind(PAID_MS)
        .bind(PAID_MS)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(PaymentId::new(id));
    }
    commit(tx).await?;
    println!("  seeded {count} succeeded payments in {}", fmt_us(nanos(t0.elapsed())));
    Ok((staff, ids))
}

/// 16 characters `[A-Z0-9]`.
fn reference(n: usize) -> BenchResult<Reference> {
    Ok(Reference::parse(&format!("RF{n:014}"))?)
}

async fn request(
    ledger: &Ledger,
    staff: OperatorId,
    payment: PaymentId,
    reference: &Reference,
) -> BenchResult<RefundRequest> {
    let new = NewRefund {
        payment_id: payment,
        amount: Idr::new(REFUND_AMOUNT)?,
        reason: "benchmark",
        requested_by: staff,
        reference,
        at: Timestamp::from_unix_millis(PAID_MS + DAY_MS),
    };
    let mut tx = ledger.begin_write().await?;
    let out = refunds::request_refund(&mut tx, &new).await?;
    commit(tx).await?;
    Ok(out)
}

/// A table of its own in a ledger file opened as the ledger is (same connection settings).
async fn open_baseline(path: &Path) -> BenchResult<PoolConnection<Any>> {
    let (file, _) = Ledger::open(path).await?;
    let mut conn = file.writer_pool().acquire().await?;
    sqlx::query("CREATE TABLE rows (id INTEGER PRIMARY KEY, payment_id INTEGER NOT NULL, amount INTEGER NOT NULL, at INTEGER NOT NULL)")
        .execute(&mut *conn)
        .await?;
    Ok(conn)
}

async fn baseline_insert(conn: &mut AnyConnection, i: usize) -> BenchResult<()> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    sqlx::query("INSERT INTO rows (payment_id, amount, at) VALUES ($1, $2, $3)")
        .bind(i64::try_from(i)?)
        .bind(REFUND_AMOUNT)
        .bind(PAID_MS + DAY_MS)
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing (integer arithmetic only)

/// `812 µs`, `4.21 ms`, `3.05 s` (integer arithmetic).
fn fmt_us(ns: u64) -> String {
    if ns < 1_000_000 {
        format!("{} µs", (ns + 500) / 1_000)
    } else if ns < 1_000_000_000 {
        let centi = (ns + 5_000) / 10_000;
        format!("{}.{:02} ms", centi / 100, centi % 100)
    } else {
        let centi = (ns + 5_000_000) / 10_000_000;
        format!("{}.{:02} s", centi / 100, centi % 100)
    }
}
