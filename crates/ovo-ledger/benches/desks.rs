//! Several desks on one PostgreSQL ledger at back-office scale.
//!
//! A new database on the server `OVO_TEST_POSTGRES_URL` names (`cargo xtask bench desks` starts
//! a throw-away one) is migrated by the first desk's `Ledger::open_at` and seeded in SQL
//! (`INSERT … SELECT generate_series`, values from `hashint8extended`, so every run seeds the
//! same rows): 200,000 customers with their name words and 1,000,000 payments over 90 days.
//! Then four `Ledger`s are open on it, each with its own pools: four desks. Three figures:
//!
//! 1. **Reads**: customer lookup by phone and by name prefix (`customers::by_phone`,
//!    `customers::by_name_words`, the calls the app's search makes) and 50-row payment pages
//!    (`payments::page`, the app's list: its environment filter, first page and after a keyset
//!    cursor), each called as the app calls it (`ledger.read()` then the repository function),
//!    beside the same SQL run bare through sqlx on a connection held from the same pool (raw
//!    rows, no mapping, no acquire). p50/p99 and their ratios; goal: ratio ≤ 1.5.
//! 2. **Writes**: refund requests per second from four desks at once, each desk one request at
//!    a time, each request as the app makes it (`begin_write`: the ledger-wide advisory lock →
//!    `refunds::request_refund` → the audit entry → commit), on distinct succeeded payments;
//!    beside pgbench's built-in simple-update script (`-N`) with as many clients on the same
//!    server in the same run. The ratio is printed for information (no goal).
//! 3. **Race**: the refund race of the reliability work (`tests/refunds.rs`,
//!    `tests/postgres.rs`) across four desks: for each of a few payments, 10 requests per desk
//!    released together, each for a seventh of the paid amount (plus one rupiah); then one SQL
//!    sum over the whole ledger counts the payments whose reserved or refunded total exceeds the
//!    paid amount. Goal: 0 over-refunds.
//!
//! Run: `cargo xtask bench desks [-- --payments N --customers M --seconds S …]`, or
//! `OVO_TEST_POSTGRES_URL=postgres://… cargo bench -p ovo-ledger --bench desks [-- …]`.
//! The bench's databases are dropped at the end. Timing only: nothing here asserts on
//! durations; goals are printed as met/MISSED. An over-refund fails the run (after the summary).
//! All arithmetic is integer (nanoseconds, ratios ×1000), per the workspace's float lint.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovo_domain::{
    Environment, Idr, Lang, Msisdn, OperatorId, PaymentId, PaymentStatus, Product, Reference, Role,
    Timestamp,
};
use ovo_ledger::audit::{self, AuditOutcome, ChainLayout, NewAuditEntry};
use ovo_ledger::customers;
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::payments::{self, PaymentCursor, PaymentFilter};
use ovo_ledger::refunds::{self, NewRefund, RefundRequest};
use ovo_ledger::{commit, Ledger, LedgerLocation};
use ovo_test_support::bench::{
    fmt_milli, fmt_ns, nanos, per_second, ratio_milli, verdict, warmup_count, BenchResult, Stats,
    FIRST, LAST,
};
use ovo_test_support::bench_setup::positive_counts;
use ovo_test_support::ledger::{with_database, POSTGRES_ENV};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::any::AnyRow;
use sqlx::{Connection as _, PgConnection, Row as _};

/// Same seed, same query parameters and refund targets: runs are comparable.
const SEED: u64 = 0x0DE5_C500_0000_0004;
/// Payments end here (2026-01-01T00:00:00Z) and spread over the 90 days before, ids growing
/// with `created_at` as they do in production.
const END_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const SPAN_MS: i64 = 90 * DAY_MS;
/// Refunds are asked for a day after the last payment; OVO SNAP's default window is D+60, so a
/// payment that succeeded in the last 55 days is refundable whatever WIB date it fell on.
const REFUND_AT_MS: i64 = END_MS + DAY_MS;
const REFUNDABLE_SINCE_MS: i64 = REFUND_AT_MS - 55 * DAY_MS;
/// What each desk request of figure 2 asks back (every seeded payment is at least Rp 1.000).
const DESK_REFUND: i64 = 1_000;
const PAGE_ROWS: u32 = 50;
/// The app's search asks the repository for its limit (20) plus one.
const NAME_LIMIT: u32 = 21;
/// The environment every seeded payment is in, and the payments list's filter.
const ENVIRONMENT: Environment = Environment::Production;
/// Pause between two measured reads so the pool's release-time work or the previous call never
/// overlaps the next call on a 2-core box.
const SETTLE: Duration = Duration::from_millis(1);
/// Requests per desk before figure 2's clock starts (statements prepared, caches warm).
const DESK_WARMUP: usize = 20;
/// The key the desks seal their audit entries with (every desk of a ledger holds the same one).
const AUDIT_KEY: &[u8; 32] = b"desks-benchmark-audit-key-000001";
/// Goal of figure 1 (printed, never asserted).
const RATIO_TARGET_MILLI: u64 = 1_500;
/// Indonesian mobile prefixes after the country code; customer `id` gets
/// `62 || PREFIXES[id % len] || id as 8 digits` (11-digit national number).
const PREFIXES: &[&str] =
    &["811", "812", "813", "821", "822", "851", "852", "857", "858", "878", "896", "897", "881"];
/// pgbench's built-in script is run with this many threads (`-j`), and its table at this scale.
const PGBENCH_THREADS: usize = 2;

#[derive(Debug, Clone, Copy)]
struct Config {
    payments: usize,
    customers: usize,
    lookups: usize,
    pages: usize,
    desks: usize,
    seconds: usize,
    race_payments: usize,
    race_tasks: usize,
    pgbench_scale: usize,
}

impl Config {
    fn from_args() -> Config {
        let mut cfg = Config {
            payments: 1_000_000,
            customers: 200_000,
            lookups: 1_000,
            pages: 1_000,
            desks: 4,
            seconds: 10,
            race_payments: 25,
            race_tasks: 10,
            pgbench_scale: 10,
        };
        positive_counts(&mut [
            ("--payments", &mut cfg.payments),
            ("--customers", &mut cfg.customers),
            ("--lookups", &mut cfg.lookups),
            ("--pages", &mut cfg.pages),
            ("--desks", &mut cfg.desks),
            ("--seconds", &mut cfg.seconds),
            ("--race-payments", &mut cfg.race_payments),
            ("--race-tasks", &mut cfg.race_tasks),
            ("--pgbench-scale", &mut cfg.pgbench_scale),
        ]);
        cfg
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let cfg = Config::from_args();
    let started = Instant::now();
    let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty()) else {
        return Err(format!(
            "{POSTGRES_ENV} is not set: run `cargo xtask bench desks`, which starts a throw-away \
             PostgreSQL, or set it to a server where this benchmark may create databases"
        )
        .into());
    };
    println!("ovo-ledger desks benchmark (PostgreSQL, {} desks)", cfg.desks);
    println!(
        "  customers {}, payments {}, lookups {} and pages {} per query (+ warm-up), {} s of refund requests, race on {} payments × {} desks × {} requests, seed {SEED:#x}",
        cfg.customers, cfg.payments, cfg.lookups, cfg.pages, cfg.seconds, cfg.race_payments, cfg.desks, cfg.race_tasks
    );
    println!("  load average {} (1, 5, 15 min; {} cores)", load_average(), cores());

    let suffix = std::process::id();
    let ledger_db = format!("ovo_bench_desks_{suffix}");
    let pgbench_db = format!("ovo_bench_pgbench_{suffix}");
    let mut admin = PgConnection::connect(&server).await?;
    for db in [&ledger_db, &pgbench_db] {
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {db}")).execute(&mut admin).await?;
    }
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut admin).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut admin).await?;
    let sync_commit: String =
        sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&mut admin).await?;
    println!(
        "  PostgreSQL {version} (fsync={fsync}, synchronous_commit={sync_commit}); databases {ledger_db}, {pgbench_db}"
    );

    let outcome =
        run(&cfg, &with_database(&server, &ledger_db), &with_database(&server, &pgbench_db)).await;

    for db in [&ledger_db, &pgbench_db] {
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
    }
    admin.close().await?;
    let summary = outcome?;
    println!();
    println!("total run time {}", fmt_ns(nanos(started.elapsed())));
    if summary.over_refunds > 0 {
        return Err(format!("{} payment(s) over-refunded", summary.over_refunds).into());
    }
    Ok(())
}

/// What the summary needs and what decides the exit status.
#[derive(Debug)]
struct Summary {
    over_refunds: i64,
}

async fn run(cfg: &Config, ledger_url: &str, pgbench_url: &str) -> BenchResult<Summary> {
    let location = LedgerLocation::parse(ledger_url)?;
    let t0 = Instant::now();
    let (first, report) = Ledger::open_at(&location).await?;
    println!(
        "  migrated by the first desk in {} (migrations {:?})",
        fmt_ns(nanos(t0.elapsed())),
        report.applied
    );
    let mut seed_conn = PgConnection::connect(ledger_url).await?;
    let seeded = seed(&mut seed_conn, &first, cfg).await?;

    let mut desks = vec![first];
    for _ in 1..cfg.desks {
        let (desk, report) = Ledger::open_at(&location).await?;
        if !report.applied.is_empty() {
            return Err("a later desk migrated the ledger again".into());
        }
        desks.push(desk);
    }

    // Figure 1: reads through desk 1.
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x5A5A);
    let pairs = figure_reads(&desks[0], &mut seed_conn, cfg, &mut rng).await?;

    // Refund targets: refundable OVO SNAP payments, spread over the table, none used twice.
    let needed_race = cfg.race_payments;
    let targets: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, amount FROM payments
         WHERE product = $1 AND status = 'succeeded' AND succeeded_at >= $2
         ORDER BY hashint8extended(id, 77)",
    )
    .bind(Product::OvoSnap.key())
    .bind(REFUNDABLE_SINCE_MS)
    .fetch_all(&mut seed_conn)
    .await?;
    let warm_needed = cfg.desks * DESK_WARMUP;
    if targets.len() < needed_race + warm_needed + cfg.desks {
        return Err(format!(
            "only {} refundable OVO SNAP payments; use more --payments",
            targets.len()
        )
        .into());
    }
    let (race_targets, rest) = targets.split_at(needed_race);
    let (warm_targets, desk_targets) = rest.split_at(warm_needed);
    println!(
        "  refund targets: {} refundable succeeded OVO SNAP payments ({} for the race, {} warm-up, {} for the desks)",
        targets.len(),
        race_targets.len(),
        warm_targets.len(),
        desk_targets.len()
    );

    // Figure 2: writes from every desk at once, then pgbench on the same server.
    let writes = figure_writes(&desks, &seeded.staff, warm_targets, desk_targets, cfg).await?;
    let pgbench = run_pgbench(pgbench_url, cfg).await?;
    print_writes(&writes, &pgbench, cfg);

    // Figure 3: the race.
    let race = figure_race(&desks, &seeded.staff, race_targets, cfg).await?;
    let (over_refunds, over_rupiah, payments_with_refunds) = over_refunds(&mut seed_conn).await?;
    let audit = {
        let mut conn = desks[0].read().await?;
        let layout = ChainLayout { keyed_from: 1, lost_key_from: None };
        audit::verify(&mut conn, AUDIT_KEY, layout, None).await?
    };
    print_race(&race, over_refunds, over_rupiah, payments_with_refunds, &audit);

    print_summary(cfg, &seeded, &pairs, &writes, &pgbench, &race, over_refunds, &audit);

    seed_conn.close().await?;
    for desk in desks {
        desk.close().await;
    }
    Ok(Summary { over_refunds })
}

// ---------------------------------------------------------------------------------------------
// Seeding

#[derive(Debug)]
struct Seeded {
    /// One staff member per desk, who asks for that desk's refunds: (id, username).
    staff: Vec<(OperatorId, String)>,
    /// Seeding time: customers with name words, payments, VACUUM ANALYZE.
    customers_ns: u64,
    payments_ns: u64,
    vacuum_ns: u64,
    total_ns: u64,
    database_bytes: i64,
    /// Version and durability settings, for the summary.
    server: String,
}

/// ASCII names only: their folded form (`name_key`) is then `lower(full_name)` in SQL.
fn ascii_names(names: &[&'static str]) -> Vec<&'static str> {
    names.iter().copied().filter(|n| n.bytes().all(|b| b.is_ascii_alphabetic())).collect()
}

fn sql_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("ARRAY[{}]", quoted.join(", "))
}

/// A value in 0..2^30 drawn from `g` and a salt, the same on every run.
fn h(column: &str, salt: u32) -> String {
    format!("(hashint8extended({column}, {salt}) & 1073741823)")
}

/// Customer `id`'s phone, as the seeding SQL makes it.
fn phone_of(id: usize) -> String {
    format!("62{}{:08}", PREFIXES[id % PREFIXES.len()], id)
}

const SEED_CHUNK: usize = 100_000;

/// Runs `sql` over the ids 1 to `last`, [`SEED_CHUNK`] at a time ($1 and $2 a chunk's first and
/// last id, then `more`), and moves `table`'s id sequence on to `last`.
async fn insert_in_chunks(
    conn: &mut PgConnection,
    sql: &str,
    table: &str,
    last: usize,
    more: &[usize],
) -> BenchResult<()> {
    let mut from = 1usize;
    while from <= last {
        let to = (from + SEED_CHUNK - 1).min(last);
        let mut query = sqlx::query(sql).bind(i64::try_from(from)?).bind(i64::try_from(to)?);
        for &value in more {
            query = query.bind(i64::try_from(value)?);
        }
        query.execute(&mut *conn).await?;
        from = to + 1;
    }
    sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)"))
        .bind(i64::try_from(last)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn seed(conn: &mut PgConnection, ledger: &Ledger, cfg: &Config) -> BenchResult<Seeded> {
    let started = Instant::now();
    // The desks' staff, through the repository (one write transaction).
    let mut staff = Vec::with_capacity(cfg.desks);
    let mut tx = ledger.begin_write().await?;
    for d in 0..cfg.desks {
        let username = format!("desk{}", d + 1);
        let op = operators::insert(
            &mut tx,
            &NewOperator {
                username: &username,
                display_name: &username,
                role: Role::Staff,
                password_hash: "$argon2id$bench",
                password_one_time: false,
                at: Timestamp::from_unix_millis(END_MS - 400 * DAY_MS),
            },
        )
        .await?;
        staff.push((op.id, username));
    }
    commit(tx).await?;

    let first = ascii_names(FIRST);
    let last = ascii_names(LAST);
    let prefixes = sql_array(PREFIXES);
    let customers_sql = format!(
        "INSERT INTO customers (id, merchant_customer_id, full_name, name_key, phone, email, created_at, updated_at)
         SELECT g, 'CUS-' || lpad(g::text, 8, '0'), full_name, lower(full_name),
                '62' || ({prefixes})[1 + g % {np}] || lpad(g::text, 8, '0'),
                CASE WHEN e % 100 < 60 THEN lower(f1) || '.' || g || '@gmail.com' END,
                created_at, created_at
         FROM (SELECT g, f1, e,
                      CASE WHEN s % 100 < 20 THEN f1
                           WHEN s % 100 < 30 THEN f1 || ' ' || f2 || ' ' || l1
                           ELSE f1 || ' ' || l1 END AS full_name,
                      {created_from} + t % {created_span} AS created_at
               FROM (SELECT g,
                            ({firsts})[1 + {h1} % {nf}] AS f1,
                            ({firsts})[1 + {h2} % {nf}] AS f2,
                            ({lasts})[1 + {h3} % {nl}] AS l1,
                            {h4} AS s, {h5} AS e, {h6} AS t
                     FROM generate_series($1::bigint, $2::bigint) g) a) b",
        np = PREFIXES.len(),
        firsts = sql_array(&first),
        lasts = sql_array(&last),
        nf = first.len(),
        nl = last.len(),
        created_from = END_MS - 400 * DAY_MS,
        created_span = 400 * DAY_MS - SPAN_MS,
        h1 = h("g", 1),
        h2 = h("g", 2),
        h3 = h("g", 3),
        h4 = h("g", 4),
        h5 = h("g", 5),
        h6 = h("g", 6),
    );
    let t0 = Instant::now();
    insert_in_chunks(conn, &customers_sql, "customers", cfg.customers, &[]).await?;
    let words = sqlx::query(
        "INSERT INTO customer_name_words (word, customer_id)
         SELECT DISTINCT w, c.id FROM customers c, unnest(string_to_array(c.name_key, ' ')) AS w",
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let customers_ns = nanos(t0.elapsed());
    println!(
        "  seeded {} customers and {words} name words in {} ({} customers/s)",
        cfg.customers,
        fmt_ns(customers_ns),
        per_second(cfg.customers, customers_ns)
    );
    // The SQL's names fold as the app folds them.
    let sample: Vec<(String, String)> =
        sqlx::query_as("SELECT full_name, name_key FROM customers ORDER BY id LIMIT 200")
            .fetch_all(&mut *conn)
            .await?;
    if let Some((name, key)) = sample.iter().find(|(name, key)| ovo_domain::fold_name(name) != *key)
    {
        return Err(format!("seeded name {name:?} has name_key {key:?}").into());
    }

    let t0 = Instant::now();
    let product = |p: Product| format!("'{}'", p.key());
    let payments_sql = format!(
        "INSERT INTO payments (id, reference, customer_id, product, kind, phone, amount, cash_amount, points_amount,
                               status, provider_ref, created_at, succeeded_at, updated_at, environment)
         SELECT g, 'PY' || lpad(g::text, 14, '0'), cust, product,
                CASE WHEN product IN ({push1}, {push2}) THEN 'push' ELSE 'direct_debit' END,
                '62' || ({prefixes})[1 + cust % {np}] || lpad(cust::text, 8, '0'),
                amount,
                CASE WHEN status = 'succeeded' THEN amount - points END,
                CASE WHEN status = 'succeeded' THEN points END,
                status,
                CASE WHEN status IN ('succeeded', 'failed') THEN upper(left(product, 2)) || lpad(pref::text, 14, '0') END,
                created_at,
                CASE WHEN status = 'succeeded' THEN created_at + settle END,
                created_at + settle,
                '{environment}'
         FROM (SELECT g, cust, product, status, amount, created_at, pref,
                      CASE WHEN {h8} % 100 < 25 THEN least(amount, (1 + {h9} % 500) * 100) ELSE 0 END AS points,
                      800 + {h10} % 29200 AS settle
               FROM (SELECT g,
                            1 + least({h1} % $3, {h2} % $3) AS cust,
                            CASE WHEN {h3} % 100 < 30 THEN {ovo_snap}
                                 WHEN {h3} % 100 < 55 THEN {doku_snap}
                                 WHEN {h3} % 100 < 70 THEN {push1}
                                 WHEN {h3} % 100 < 80 THEN {push2}
                                 ELSE {faspay} END AS product,
                            CASE WHEN {h4} % 1000 < 900 THEN 'succeeded'
                                 WHEN {h4} % 1000 < 960 THEN 'failed'
                                 WHEN {h4} % 1000 < 985 THEN 'pending'
                                 ELSE 'unknown' END AS status,
                            CASE WHEN {h5} % 100 < 40 THEN (10 + {h6} % 491) * 100
                                 WHEN {h5} % 100 < 75 THEN (500 + {h6} % 4501) * 100
                                 WHEN {h5} % 100 < 95 THEN (5000 + {h6} % 15001) * 100
                                 ELSE (20000 + {h6} % 30001) * 100 END AS amount,
                            {start} + (g - 1) * {span} / $4 + {h7} % greatest({span} / $4, 1) AS created_at,
                            {h11} AS pref
                     FROM generate_series($1::bigint, $2::bigint) g) a) b",
        push1 = product(Product::DokuJokulOvoPush),
        push2 = product(Product::TazapayOvoIdr),
        ovo_snap = product(Product::OvoSnap),
        doku_snap = product(Product::DokuSnapOvo),
        faspay = product(Product::FaspayOvoTokenize),
        np = PREFIXES.len(),
        environment = ENVIRONMENT.key(),
        start = END_MS - SPAN_MS,
        span = SPAN_MS,
        h1 = h("g", 11),
        h2 = h("g", 12),
        h3 = h("g", 13),
        h4 = h("g", 14),
        h5 = h("g", 15),
        h6 = h("g", 16),
        h7 = h("g", 17),
        h8 = h("g", 18),
        h9 = h("g", 19),
        h10 = h("g", 20),
        h11 = h("g", 21),
    );
    insert_in_chunks(conn, &payments_sql, "payments", cfg.payments, &[cfg.customers, cfg.payments])
        .await?;
    let payments_ns = nanos(t0.elapsed());
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM payments GROUP BY status ORDER BY status")
            .fetch_all(&mut *conn)
            .await?;
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!(
        "  seeded {} payments in {} ({} payments/s): {}",
        cfg.payments,
        fmt_ns(payments_ns),
        per_second(cfg.payments, payments_ns),
        counts.join(", ")
    );

    // What autovacuum does after a bulk load anyway; done here so it does not run mid-measurement.
    let t0 = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE customers, customer_name_words, payments, operators")
        .execute(&mut *conn)
        .await?;
    let vacuum_ns = nanos(t0.elapsed());
    let database_bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut *conn)
        .await?;
    let total_ns = nanos(started.elapsed());
    let mut settings = Vec::new();
    for name in ["server_version", "fsync", "synchronous_commit", "shared_buffers"] {
        let value: String =
            sqlx::query_scalar(&format!("SHOW {name}")).fetch_one(&mut *conn).await?;
        settings.push(format!("{name}={value}"));
    }
    let server = settings.join(", ");
    println!(
        "  VACUUM ANALYZE in {}; seeding total {}; database {} MiB",
        fmt_ns(vacuum_ns),
        fmt_ns(total_ns),
        database_bytes / (1024 * 1024)
    );
    Ok(Seeded { staff, customers_ns, payments_ns, vacuum_ns, total_ns, database_bytes, server })
}

// ---------------------------------------------------------------------------------------------
// Figure 1: reads beside the bare queries

/// The repository functions' SQL for these calls (src/customers.rs, and the text
/// src/payments.rs's `SqlBuilder` produces for these filters), run bare.
const COLUMNS: &str =
    "c.id, c.merchant_customer_id, c.full_name, c.phone, c.email, c.demo, c.notes, c.forgotten_at, c.created_at, c.updated_at";

fn phone_sql() -> String {
    format!("SELECT {COLUMNS} FROM customers c WHERE c.phone = $1 ORDER BY c.id")
}

fn name_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM customer_name_words w JOIN customers c ON c.id = w.customer_id
         WHERE w.word >= $1 AND w.word < $2 ORDER BY w.word, w.customer_id LIMIT $3"
    )
}

const PAGE_FIRST_SQL: &str = "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE 1 = 1 AND environment = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
const PAGE_FILTERED_SQL: &str = "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE 1 = 1 AND product = $1 AND status = $2 AND environment = $3 AND (created_at, id) < ($4, $5) ORDER BY created_at DESC, id DESC LIMIT $6";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Phone,
    NamePrefix,
    FirstPage,
    /// OVO SNAP payments of this status, after a cursor taken from a matching row.
    PageAfter(PaymentStatus),
}

impl Read {
    fn name(self) -> &'static str {
        match self {
            Read::Phone => "customer by phone",
            Read::NamePrefix => "customer by name prefix (2-5)",
            Read::FirstPage => "page 50, first (environment)",
            Read::PageAfter(PaymentStatus::Succeeded) => "page 50, ovo_snap+succeeded, cursor",
            Read::PageAfter(_) => "page 50, ovo_snap+unknown, cursor",
        }
    }

    fn is_lookup(self) -> bool {
        matches!(self, Read::Phone | Read::NamePrefix)
    }
}

/// One iteration's parameters, drawn up front.
#[derive(Debug, Clone)]
enum Param {
    Phone(Msisdn),
    Prefix(String),
    First,
    After(PaymentStatus, i64, i64),
}

#[derive(Debug)]
struct Pair {
    read: Read,
    /// `ledger.read()` + the repository call + release, as the app calls it.
    ledger: Vec<u64>,
    /// The repository call alone, on the connection just acquired.
    call: Vec<u64>,
    /// `ledger.read()` alone.
    acquire: Vec<u64>,
    /// The same SQL on a held connection of the same pool, raw rows.
    bare: Vec<u64>,
}

async fn figure_reads(
    ledger: &Ledger,
    conn: &mut PgConnection,
    cfg: &Config,
    rng: &mut StdRng,
) -> BenchResult<Vec<Pair>> {
    let words: Vec<&str> = ascii_names(FIRST).into_iter().chain(ascii_names(LAST)).collect();
    let mut cursors = Vec::new();
    for status in [PaymentStatus::Succeeded, PaymentStatus::Unknown] {
        let sample: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT created_at, id FROM payments WHERE product = $1 AND status = $2
             ORDER BY hashint8extended(id, 5) LIMIT 5000",
        )
        .bind(Product::OvoSnap.key())
        .bind(status.key())
        .fetch_all(&mut *conn)
        .await?;
        if sample.is_empty() {
            return Err(
                format!("no OVO SNAP payment is {}; use more --payments", status.key()).into()
            );
        }
        cursors.push((status, sample));
    }
    let mut bare = ledger.read().await?;
    print_plans(&mut bare, &cursors).await?;

    let mut pairs = Vec::new();
    let reads = [
        Read::Phone,
        Read::NamePrefix,
        Read::FirstPage,
        Read::PageAfter(PaymentStatus::Succeeded),
        Read::PageAfter(PaymentStatus::Unknown),
    ];
    for read in reads {
        let n = if read.is_lookup() { cfg.lookups } else { cfg.pages };
        let warm = warmup_count(n);
        let params: Vec<Param> = (0..warm + n)
            .map(|_| -> BenchResult<Param> {
                Ok(match read {
                    Read::Phone => {
                        Param::Phone(Msisdn::parse(&phone_of(rng.gen_range(1..=cfg.customers)))?)
                    }
                    Read::NamePrefix => {
                        let word = words[rng.gen_range(0..words.len())];
                        let len = rng.gen_range(2..=5).min(word.len());
                        Param::Prefix(ovo_domain::fold_name(&word[..len]))
                    }
                    Read::FirstPage => Param::First,
                    Read::PageAfter(status) => {
                        let sample =
                            &cursors.iter().find(|(s, _)| *s == status).ok_or("no cursors")?.1;
                        let (at, id) = sample[rng.gen_range(0..sample.len())];
                        Param::After(status, at, id)
                    }
                })
            })
            .collect::<BenchResult<_>>()?;
        let mut pair = Pair {
            read,
            ledger: Vec::with_capacity(n),
            call: Vec::with_capacity(n),
            acquire: Vec::with_capacity(n),
            bare: Vec::with_capacity(n),
        };
        for (i, param) in params.iter().enumerate() {
            let record = i >= warm;
            // Alternate which side goes first so neither always runs on the other's warm cache.
            let ledger_first = i % 2 == 0;
            let (mut ledger_out, mut bare_out) = ((0, 0), (0, 0));
            for side_ledger in [ledger_first, !ledger_first] {
                tokio::time::sleep(SETTLE).await;
                if side_ledger {
                    let t0 = Instant::now();
                    let mut conn = ledger.read().await?;
                    let t1 = Instant::now();
                    ledger_out = ledger_call(&mut conn, param).await?;
                    let t2 = Instant::now();
                    drop(conn);
                    let t3 = Instant::now();
                    if record {
                        pair.acquire.push(nanos(t1 - t0));
                        pair.call.push(nanos(t2 - t1));
                        pair.ledger.push(nanos(t3 - t0));
                    }
                } else {
                    let t0 = Instant::now();
                    let rows = bare_call(&mut bare, param).await?;
                    let t1 = Instant::now();
                    bare_out = (
                        rows.len(),
                        match rows.last() {
                            Some(row) => row.try_get::<i64, _>("id")?,
                            None => 0,
                        },
                    );
                    if record {
                        pair.bare.push(nanos(t1 - t0));
                    }
                }
            }
            // The name search drops a customer named twice with the same prefix word; compare ids
            // of the pages and counts of the phone lookups only.
            let comparable = !matches!(param, Param::Prefix(_));
            if (comparable && ledger_out != bare_out) || (read == Read::Phone && ledger_out.0 == 0)
            {
                return Err(format!(
                    "{}: {param:?}: ledger {ledger_out:?}, bare {bare_out:?}",
                    read.name()
                )
                .into());
            }
        }
        pairs.push(pair);
    }
    drop(bare);
    print_reads(&pairs, cfg);
    Ok(pairs)
}

/// The repository call for `param`: (rows, last id).
async fn ledger_call(conn: &mut sqlx::AnyConnection, param: &Param) -> BenchResult<(usize, i64)> {
    Ok(match param {
        Param::Phone(phone) => {
            let rows = customers::by_phone(conn, phone).await?;
            (rows.len(), rows.last().map_or(0, |c| c.id.get()))
        }
        Param::Prefix(prefix) => {
            let rows = customers::by_name_words(conn, &[prefix.as_str()], NAME_LIMIT).await?;
            (rows.len(), rows.last().map_or(0, |c| c.id.get()))
        }
        Param::First | Param::After(..) => {
            let (filter, after) = page_filter(param);
            let rows = payments::page(conn, &filter, after, PAGE_ROWS).await?;
            (rows.len(), rows.last().map_or(0, |p| p.id.get()))
        }
    })
}

fn page_filter(param: &Param) -> (PaymentFilter, Option<PaymentCursor>) {
    match param {
        Param::After(status, at, id) => (
            PaymentFilter {
                product: Some(Product::OvoSnap),
                status: Some(*status),
                environment: Some(ENVIRONMENT),
                ..PaymentFilter::default()
            },
            Some(PaymentCursor {
                created_at: Timestamp::from_unix_millis(*at),
                id: PaymentId::new(*id),
            }),
        ),
        _ => (PaymentFilter { environment: Some(ENVIRONMENT), ..PaymentFilter::default() }, None),
    }
}

async fn bare_call(conn: &mut sqlx::AnyConnection, param: &Param) -> BenchResult<Vec<AnyRow>> {
    let query;
    let q = match param {
        Param::Phone(phone) => {
            query = phone_sql();
            sqlx::query(&query).bind(phone.canonical().to_owned())
        }
        Param::Prefix(prefix) => {
            query = name_sql();
            sqlx::query(&query)
                .bind(prefix.clone())
                .bind(format!("{prefix}\u{10FFFF}"))
                .bind(i64::from(NAME_LIMIT * 2))
        }
        Param::First => {
            sqlx::query(PAGE_FIRST_SQL).bind(ENVIRONMENT.key()).bind(i64::from(PAGE_ROWS))
        }
        Param::After(status, at, id) => sqlx::query(PAGE_FILTERED_SQL)
            .bind(Product::OvoSnap.key())
            .bind(status.key())
            .bind(ENVIRONMENT.key())
            .bind(*at)
            .bind(*id)
            .bind(i64::from(PAGE_ROWS)),
    };
    Ok(q.fetch_all(&mut *conn).await?)
}

async fn print_plans(
    conn: &mut sqlx::AnyConnection,
    cursors: &[(PaymentStatus, Vec<(i64, i64)>)],
) -> BenchResult<()> {
    println!();
    println!("EXPLAIN (plans of the bare queries, with typical parameters)");
    let phone = phone_of(1);
    let after = |k: usize| {
        let (status, sample) = &cursors[k];
        let (at, id) = sample[sample.len() / 2];
        vec![
            Bind::Text(Product::OvoSnap.key().into()),
            Bind::Text(status.key().into()),
            Bind::Text(ENVIRONMENT.key().into()),
            Bind::Int(at),
            Bind::Int(id),
            Bind::Int(50),
        ]
    };
    let explain = |sql: &str| format!("EXPLAIN {sql}");
    let plans: Vec<(&str, String, Vec<Bind>)> = vec![
        ("customer by phone", explain(&phone_sql()), vec![Bind::Text(phone)]),
        (
            "customer by name prefix 'su'",
            explain(&name_sql()),
            vec![Bind::Text("su".into()), Bind::Text("su\u{10FFFF}".into()), Bind::Int(42)],
        ),
        (
            "page first (environment)",
            explain(PAGE_FIRST_SQL),
            vec![Bind::Text(ENVIRONMENT.key().into()), Bind::Int(50)],
        ),
        ("page ovo_snap+succeeded, cursor", explain(PAGE_FILTERED_SQL), after(0)),
        ("page ovo_snap+unknown, cursor", explain(PAGE_FILTERED_SQL), after(1)),
    ];
    for (name, sql, binds) in plans {
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.persistent(false).fetch_all(&mut *conn).await?;
        println!("  {name}:");
        for row in rows {
            let line: String = row.try_get(0)?;
            println!("    {line}");
        }
    }
    Ok(())
}

#[derive(Debug)]
enum Bind {
    Text(String),
    Int(i64),
}

fn print_reads(pairs: &[Pair], cfg: &Config) {
    println!();
    println!("Figure 1: reads (ledger = ledger.read() + repository call + release, as the app calls it; bare = same SQL, held connection of the same pool, raw rows)");
    println!(
        "  {:<38} {:>9} {:>9} | {:>9} {:>9} | {:>7} {:>7} | {:<10}",
        "query", "p50", "p99", "bare p50", "bare p99", "p50 ×", "p99 ×", "p99 ≤ 1.5"
    );
    println!("  {}", "-".repeat(112));
    for pair in pairs {
        let (l, b) = (Stats::of(&pair.ledger), Stats::of(&pair.bare));
        let (r50, r99) = (ratio_milli(l.p50, b.p50), ratio_milli(l.p99, b.p99));
        println!(
            "  {:<38} {:>9} {:>9} | {:>9} {:>9} | {:>7} {:>7} | {:<10}",
            pair.read.name(),
            fmt_ns(l.p50),
            fmt_ns(l.p99),
            fmt_ns(b.p50),
            fmt_ns(b.p99),
            fmt_milli(r50),
            fmt_milli(r99),
            verdict(r99 <= RATIO_TARGET_MILLI)
        );
    }
    println!(
        "  (samples per side after warm-up: {} per lookup, {} per page; ratio = ledger / bare)",
        cfg.lookups, cfg.pages
    );
    println!("  Where the ledger side's time goes (p50 / p99):");
    for pair in pairs {
        let (a, c, b) = (Stats::of(&pair.acquire), Stats::of(&pair.call), Stats::of(&pair.bare));
        println!(
            "    {:<38} ledger.read() {:>9} / {:>9}   repository call {:>9} / {:>9} (call p99 / bare p99 {})",
            pair.read.name(),
            fmt_ns(a.p50),
            fmt_ns(a.p99),
            fmt_ns(c.p50),
            fmt_ns(c.p99),
            fmt_milli(ratio_milli(c.p99, b.p99))
        );
    }
    println!("    (ledger.read() on PostgreSQL pings the pooled connection before handing it out: test_before_acquire)");
    println!("  (load average after these measurements: {})", load_average());
}

// ---------------------------------------------------------------------------------------------
// Figure 2: refund requests from every desk at once, beside pgbench

/// One request as the app makes it: the write lock, the check and reservation, the audit
/// entry, the commit (a refusal is audited as denied and committed too).
async fn request(
    ledger: &Ledger,
    staff: &(OperatorId, String),
    payment: PaymentId,
    amount: i64,
    reference: &Reference,
) -> Result<RefundRequest, ovo_ledger::LedgerError> {
    let at = Timestamp::from_unix_millis(REFUND_AT_MS);
    let amount = Idr::new(amount).map_err(|e| ovo_ledger::LedgerError::Corrupt(e.to_string()))?;
    let new = NewRefund {
        payment_id: payment,
        amount,
        reason: "benchmark",
        requested_by: staff.0,
        reference,
        at,
    };
    let mut tx = ledger.begin_write().await?;
    let out = refunds::request_refund(&mut tx, &new).await?;
    let (outcome, detail) = match &out {
        RefundRequest::Reserved { refund, decision } => (
            AuditOutcome::Ok,
            serde_json::json!({ "refund": refund.reference.as_str(), "amount": amount.rupiah(), "mode": decision.mode.key(), "rule": decision.rule_text(Lang::En) }),
        ),
        RefundRequest::Refused { decision } => (
            AuditOutcome::Denied,
            serde_json::json!({ "amount": amount.rupiah(), "refusal": decision.refusal_text(Lang::En) }),
        ),
    };
    let entry = NewAuditEntry {
        at,
        operator_id: Some(staff.0),
        operator: Some(staff.1.clone()),
        action: "refund.request".into(),
        subject: format!("payment:{}", payment.get()),
        outcome,
        detail,
    };
    audit::append(&mut tx, AUDIT_KEY, &entry).await?;
    commit(tx).await?;
    Ok(out)
}

/// `D<desk><14 digits>`: 16 characters `[A-Z0-9]`, unique per desk and request.
fn desk_reference(prefix: char, desk: usize, n: usize) -> Result<Reference, String> {
    Reference::parse(&format!("{prefix}{}{n:014}", desk % 10)).map_err(|e| e.to_string())
}

#[derive(Debug)]
struct DeskRun {
    latencies: Vec<u64>,
    refused: usize,
    finished: Instant,
    ran_out: bool,
}

#[derive(Debug)]
struct Writes {
    runs: Vec<DeskRun>,
    requests: usize,
    wall_ns: u64,
    rate: u64,
}

async fn figure_writes(
    desks: &[Ledger],
    staff: &[(OperatorId, String)],
    warm_targets: &[(i64, i64)],
    targets: &[(i64, i64)],
    cfg: &Config,
) -> BenchResult<Writes> {
    // Warm-up, off the clock: each desk prepares its statements.
    for (d, desk) in desks.iter().enumerate() {
        for (k, (id, _)) in warm_targets[d * DESK_WARMUP..(d + 1) * DESK_WARMUP].iter().enumerate()
        {
            let reference = desk_reference('W', d, k)?;
            request(desk, &staff[d], PaymentId::new(*id), DESK_REFUND, &reference).await?;
        }
    }
    let go = tokio::time::Instant::now() + Duration::from_millis(100);
    let deadline = go + Duration::from_secs(u64::try_from(cfg.seconds)?);
    let mut handles = Vec::new();
    for (d, desk) in desks.iter().enumerate() {
        // Desk d takes every desks-th target from d: disjoint, spread over the table.
        let mine: Vec<PaymentId> = targets
            .iter()
            .skip(d)
            .step_by(desks.len())
            .map(|(id, _)| PaymentId::new(*id))
            .collect();
        let (desk, who) = (desk.clone(), staff[d].clone());
        handles.push(tokio::spawn(async move {
            tokio::time::sleep_until(go).await;
            let mut run = DeskRun {
                latencies: Vec::new(),
                refused: 0,
                finished: Instant::now(),
                ran_out: false,
            };
            let mut next = mine.into_iter().enumerate();
            while tokio::time::Instant::now() < deadline {
                let Some((k, payment)) = next.next() else {
                    run.ran_out = true;
                    break;
                };
                let reference = desk_reference('D', d, k)?;
                let t0 = Instant::now();
                let out = request(&desk, &who, payment, DESK_REFUND, &reference)
                    .await
                    .map_err(|e| e.to_string())?;
                run.latencies.push(nanos(t0.elapsed()));
                run.refused += usize::from(out.refund().is_none());
            }
            run.finished = Instant::now();
            Ok::<DeskRun, String>(run)
        }));
    }
    let started = go.into_std();
    let mut runs = Vec::new();
    for handle in handles {
        runs.push(handle.await??);
    }
    let last = runs.iter().map(|r| r.finished).max().unwrap_or(started);
    let wall_ns = nanos(last.saturating_duration_since(started));
    let requests: usize = runs.iter().map(|r| r.latencies.len()).sum();
    let refused: usize = runs.iter().map(|r| r.refused).sum();
    if refused > 0 {
        return Err(
            format!("{refused} desk requests were refused; each payment is asked once").into()
        );
    }
    Ok(Writes { rate: per_second(requests, wall_ns), runs, requests, wall_ns })
}

#[derive(Debug)]
struct Pgbench {
    program: PathBuf,
    /// Transactions per second × 1000, without initial connection time.
    tps_milli: u64,
    transactions: Option<u64>,
    init_ns: u64,
}

/// The pgbench xtask names (the started server's own), else the newest Debian one, else PATH's.
fn pgbench_program() -> PathBuf {
    if let Some(path) = std::env::var_os("OVO_BENCH_PGBENCH").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|dir| {
        dir.filter_map(Result::ok)
            .filter_map(|e| {
                let version: u32 = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
                let bin = e.path().join("bin/pgbench");
                bin.is_file().then_some((version, bin))
            })
            .max_by_key(|(v, _)| *v)
            .map(|(_, bin)| bin)
    });
    newest.unwrap_or_else(|| PathBuf::from("pgbench"))
}

async fn run_pgbench(url: &str, cfg: &Config) -> BenchResult<Pgbench> {
    let program = pgbench_program();
    let (url, cfg) = (url.to_owned(), *cfg);
    tokio::task::spawn_blocking(move || -> Result<Pgbench, String> {
        let output = |cmd: &mut Command, what: &str| -> Result<String, String> {
            let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "{what} failed ({}):\n{}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let t0 = Instant::now();
        output(
            Command::new(&program)
                .args(["-i", "-q", "-s", &cfg.pgbench_scale.to_string()])
                .arg(&url),
            "pgbench -i",
        )?;
        let init_ns = nanos(t0.elapsed());
        let stdout = output(
            Command::new(&program)
                .args(["-N", "-c", &cfg.desks.to_string()])
                .args(["-j", &PGBENCH_THREADS.min(cfg.desks).to_string()])
                .args(["-T", &cfg.seconds.to_string()])
                .arg(&url),
            "pgbench -N",
        )?;
        let tps = stdout
            .lines()
            .find(|l| l.starts_with("tps = ") && l.contains("without initial connection time"))
            .and_then(|l| l.strip_prefix("tps = "))
            .and_then(|l| l.split_whitespace().next())
            .ok_or_else(|| format!("no tps line in pgbench's output:\n{stdout}"))?;
        let tps_milli = parse_milli(tps).ok_or_else(|| format!("pgbench tps {tps:?}"))?;
        let transactions = stdout
            .lines()
            .find_map(|l| l.strip_prefix("number of transactions actually processed: "))
            .and_then(|n| n.split('/').next())
            .and_then(|n| n.trim().parse().ok());
        Ok(Pgbench { program, tps_milli, transactions, init_ns })
    })
    .await?
    .map_err(Into::into)
}

/// `"1234.567890"` → 1234567 (integer parsing, no float).
fn parse_milli(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
    Some(whole.parse::<u64>().ok()? * 1000 + frac.parse::<u64>().ok()?)
}

fn print_writes(w: &Writes, pg: &Pgbench, cfg: &Config) {
    println!();
    println!(
        "Figure 2: refund requests from {} desks at once (begin_write + request_refund + audit entry + commit, one in flight per desk, distinct payments)",
        cfg.desks
    );
    for (d, run) in w.runs.iter().enumerate() {
        let s = Stats::of(&run.latencies);
        println!(
            "  desk {}: {:>6} requests, p50 {:>9}, p99 {:>9}{}",
            d + 1,
            run.latencies.len(),
            fmt_ns(s.p50),
            fmt_ns(s.p99),
            if run.ran_out { "  (ran out of refund targets before the time was up)" } else { "" }
        );
    }
    let all: Vec<u64> = w.runs.iter().flat_map(|r| r.latencies.iter().copied()).collect();
    let s = Stats::of(&all);
    println!(
        "  all desks: {} requests in {} = {} requests/s (p50 {}, p99 {})",
        w.requests,
        fmt_ns(w.wall_ns),
        w.rate,
        fmt_ns(s.p50),
        fmt_ns(s.p99)
    );
    println!(
        "  pgbench -N -c {} -j {} -T {} (scale {}, initialised in {}; {}): {} tps{}",
        cfg.desks,
        PGBENCH_THREADS.min(cfg.desks),
        cfg.seconds,
        cfg.pgbench_scale,
        fmt_ns(pg.init_ns),
        pg.program.display(),
        fmt_milli(pg.tps_milli),
        pg.transactions.map(|t| format!(" ({t} transactions)")).unwrap_or_default()
    );
    println!(
        "  ratio (desks' requests/s / pgbench tps) {}  (informational: no goal; each desk request holds the ledger-wide write lock, pgbench's clients do not wait for each other)",
        fmt_milli(ratio_milli(w.rate * 1000, pg.tps_milli))
    );
}

// ---------------------------------------------------------------------------------------------
// Figure 3: the race

#[derive(Debug, Default)]
struct Race {
    payments: usize,
    requests: usize,
    reserved: usize,
    refused: usize,
    errors: usize,
    /// Payments whose number of reservations is not exactly floor(paid / each).
    unexpected: Vec<String>,
    wall_ns: u64,
}

async fn figure_race(
    desks: &[Ledger],
    staff: &[(OperatorId, String)],
    targets: &[(i64, i64)],
    cfg: &Config,
) -> BenchResult<Race> {
    let mut race = Race::default();
    let started = Instant::now();
    let mut serial = 0usize;
    for &(id, paid) in targets {
        let each = paid / 7 + 1;
        let tasks = desks.len() * cfg.race_tasks;
        let start = Arc::new(tokio::sync::Barrier::new(tasks));
        let mut handles = Vec::with_capacity(tasks);
        for (d, desk) in desks.iter().enumerate() {
            for _ in 0..cfg.race_tasks {
                let reference = desk_reference('R', d, serial)?;
                serial += 1;
                let (desk, who, start) = (desk.clone(), staff[d].clone(), Arc::clone(&start));
                handles.push(tokio::spawn(async move {
                    start.wait().await;
                    request(&desk, &who, PaymentId::new(id), each, &reference).await
                }));
            }
        }
        let mut reserved = 0i64;
        for handle in handles {
            race.requests += 1;
            match handle.await? {
                Ok(RefundRequest::Reserved { .. }) => reserved += 1,
                Ok(RefundRequest::Refused { decision }) => {
                    race.refused += 1;
                    if decision.reason() != Some("refund_exceeds_refundable") {
                        race.unexpected
                            .push(format!("payment {id}: refused {:?}", decision.reason()));
                    }
                }
                Err(e) => {
                    race.errors += 1;
                    if race.errors <= 5 {
                        eprintln!("  race request on payment {id} failed: {e}");
                    }
                }
            }
        }
        race.reserved += usize::try_from(reserved)?;
        race.payments += 1;
        if reserved != paid / each {
            race.unexpected.push(format!(
                "payment {id} (Rp {paid}, requests of Rp {each}): {reserved} reserved, {} fit",
                paid / each
            ));
        }
    }
    race.wall_ns = nanos(started.elapsed());
    Ok(race)
}

/// Payments whose refunds that hold money (every status but rejected and failed) add up to more
/// than was paid, over the whole ledger: (payments, rupiah over, payments with refunds).
async fn over_refunds(conn: &mut PgConnection) -> BenchResult<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT CAST(count(*) FILTER (WHERE held > paid) AS BIGINT),
                CAST(COALESCE(SUM(held - paid) FILTER (WHERE held > paid), 0) AS BIGINT),
                CAST(count(*) AS BIGINT)
         FROM (SELECT p.id, p.amount AS paid, SUM(r.amount) AS held
               FROM payments p JOIN refunds r ON r.payment_id = p.id
               WHERE r.status NOT IN ('rejected', 'failed')
               GROUP BY p.id, p.amount) x",
    )
    .fetch_one(conn)
    .await?)
}

fn print_race(
    race: &Race,
    over: i64,
    over_rupiah: i64,
    with_refunds: i64,
    audit: &audit::Verification,
) {
    println!();
    println!(
        "Figure 3: the refund race: {} payments, {} requests from every desk at once per payment (each for paid/7 + 1 rupiah)",
        race.payments,
        race.requests / race.payments.max(1)
    );
    println!(
        "  {} requests in {}: {} reserved, {} refused (refund_exceeds_refundable), {} errors",
        race.requests,
        fmt_ns(race.wall_ns),
        race.reserved,
        race.refused,
        race.errors
    );
    if race.unexpected.is_empty() {
        println!("  every payment got exactly floor(paid / each) reservations");
    } else {
        for line in race.unexpected.iter().take(10) {
            println!("  unexpected: {line}");
        }
    }
    println!(
        "  over-refunds (SQL sum over all {with_refunds} payments with refunds): {over}{} ({})",
        if over > 0 { format!(", Rp {over_rupiah} too much") } else { String::new() },
        verdict(over == 0)
    );
    println!(
        "  audit chain written by every desk: {} entries checked, {}",
        audit.checked,
        match &audit.first_broken {
            None => "intact".to_owned(),
            Some(b) => format!("BROKEN at seq {}: {:?}", b.seq, b.problem),
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Summary

#[allow(clippy::too_many_arguments)]
fn print_summary(
    cfg: &Config,
    seeded: &Seeded,
    pairs: &[Pair],
    writes: &Writes,
    pg: &Pgbench,
    race: &Race,
    over: i64,
    audit: &audit::Verification,
) {
    println!();
    println!("Summary (desks on one PostgreSQL ledger)");
    println!(
        "  scale: {} payments, {} customers, {} desks; seeding {} (customers {}, payments {}, VACUUM ANALYZE {}); database {} MiB",
        cfg.payments,
        cfg.customers,
        cfg.desks,
        fmt_ns(seeded.total_ns),
        fmt_ns(seeded.customers_ns),
        fmt_ns(seeded.payments_ns),
        fmt_ns(seeded.vacuum_ns),
        seeded.database_bytes / (1024 * 1024)
    );
    println!("  server: {}; load average now {}", seeded.server, load_average());
    if let Some(warning) = busy_warning() {
        println!("  NOTE: {warning}");
    }
    for pair in pairs {
        let (l, b) = (Stats::of(&pair.ledger), Stats::of(&pair.bare));
        let r99 = ratio_milli(l.p99, b.p99);
        println!(
            "  {:<38} p99 {:>9} vs bare {:>9}: ratio {} (goal ≤ {}): {}",
            pair.read.name(),
            fmt_ns(l.p99),
            fmt_ns(b.p99),
            fmt_milli(r99),
            fmt_milli(RATIO_TARGET_MILLI),
            verdict(r99 <= RATIO_TARGET_MILLI)
        );
    }
    println!(
        "  refund requests/s, {} desks: {} vs pgbench -N {} tps: ratio {} (informational, no goal)",
        cfg.desks,
        writes.rate,
        fmt_milli(pg.tps_milli),
        fmt_milli(ratio_milli(writes.rate * 1000, pg.tps_milli))
    );
    println!(
        "  race across {} desks ({} requests on {} payments): over-refunds: {} ({}){}",
        cfg.desks,
        race.requests,
        race.payments,
        over,
        verdict(over == 0),
        if race.unexpected.is_empty() && race.errors == 0 && audit.first_broken.is_none() {
            String::new()
        } else {
            format!(
                "; {} unexpected counts, {} errors, audit chain {}",
                race.unexpected.len(),
                race.errors,
                if audit.first_broken.is_none() { "intact" } else { "BROKEN" }
            )
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing (integer arithmetic only)

/// The 1, 5 and 15-minute load averages (Linux): other work on the machine shows in the tails.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Said when the last minute's load average reaches the number of cores: then other work
/// competes for the CPUs and the tails measure its scheduling delays as much as the ledger.
fn busy_warning() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let one_minute = text.split_whitespace().next()?;
    let whole: usize = one_minute.split('.').next()?.parse().ok()?;
    (whole >= cores()).then(|| {
        format!(
            "the machine was busy (1-minute load average {one_minute} on {} cores): the p99 figures \
             and their ratios include other processes' scheduling delays; compare the p50 columns \
             and run again on a quiet machine",
            cores()
        )
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
