//! Read-path benchmark of the ledger at back-office scale.
//!
//! Builds a throw-away ledger (real migrations) with 200,000 customers and 1,000,000 payments,
//! then times the two hot reads of the back office through the ledger's own API and, as a
//! baseline, the identical SQL on a bare `SqliteConnection` (no pool, no row mapping):
//!
//! * customer lookup by phone (`customers::by_phone`),
//! * a 50-row payments page (`payments::page`), newest first: product + common status (`succeeded`)
//!   after a keyset cursor, product + rare status (`unknown`) after a cursor, and the unfiltered first page.
//!
//! Ledger and baseline calls alternate which goes first and use the same parameters each iteration.
//!
//! Run: `cargo bench -p ovo-ledger --bench ledger [-- --customers M --payments N --lookups L --pages P]`.
//! Timing only: nothing here asserts on durations; targets are printed as met/missed.
//! All arithmetic is integer (nanoseconds, ratios ×1000), per the workspace's float lint.

use std::collections::HashSet;
use std::path::Path;

use std::time::{Duration, Instant};

use ovo_domain::{fold_name, Msisdn, PaymentId, PaymentStatus, Product, Timestamp};
use ovo_ledger::customers;
use ovo_ledger::payments::{self, PaymentCursor, PaymentFilter};
use ovo_ledger::Ledger;
use ovo_test_support::bench::{
    fmt_milli, fmt_ns, nanos, per_second, ratio_milli, verdict, warmup_count, BenchResult, Stats,
};
use ovo_test_support::bench_setup::positive_counts;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::sqlite::SqliteRow;
use sqlx::{Any, Connection, QueryBuilder, Row, SqliteConnection};

/// Same seed, same ledger, same query parameters: runs are comparable.
const SEED: u64 = 0x0_5EED_0F0B_AC0F;
/// Payments end here (2026-01-01T00:00:00Z) and spread over the 90 days before.
const END_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const SPAN_MS: i64 = 90 * DAY_MS;
const PAGE_ROWS: u32 = 50;
/// Pause between two measured calls so the pool's on-release ping (a background task) or the
/// previous call's worker thread never overlaps the next call on this 2-core box.
const SETTLE: Duration = Duration::from_millis(1);

/// Targets (printed, never asserted).
const LOOKUP_P99_TARGET_NS: u64 = 2_000_000;
const PAGE_P99_TARGET_NS: u64 = 10_000_000;
const RATIO_TARGET_MILLI: u64 = 1_500;

// The repository functions' SQL, copied verbatim (whitespace included) from src/customers.rs and
// the text src/payments.rs's QueryBuilder produces for these filters.
const LOOKUP_SQL: &str =
    "SELECT id, merchant_customer_id, full_name, phone, email, created_at FROM customers WHERE phone = $1 ORDER BY id";
const PAGE_FILTERED_SQL: &str = "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE 1 = 1 AND product = $1 AND status = $2 AND (created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $5";
const PAGE_FIRST_SQL: &str = "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE 1 = 1 ORDER BY created_at DESC, id DESC LIMIT $1";

const FILTER_PRODUCT: Product = Product::OvoSnap;
/// The common filter (most payments succeed) ...
const FILTER_STATUS: PaymentStatus = PaymentStatus::Succeeded;
/// ... and a rare status (~1.5 % of payments), the case where the planner's index choice matters.
const RARE_STATUS: PaymentStatus = PaymentStatus::Unknown;

#[derive(Debug, Clone, Copy)]
struct Config {
    customers: usize,
    payments: usize,
    lookups: usize,
    pages: usize,
}

impl Config {
    fn from_args() -> Config {
        let mut cfg =
            Config { customers: 200_000, payments: 1_000_000, lookups: 2_000, pages: 1_000 };
        positive_counts(&mut [
            ("--customers", &mut cfg.customers),
            ("--payments", &mut cfg.payments),
            ("--lookups", &mut cfg.lookups),
            ("--pages", &mut cfg.pages),
        ]);
        cfg
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let cfg = Config::from_args();
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    println!("ovo-ledger read benchmark");
    println!(
        "  customers {}, payments {}, lookups {} (+{} warm-up), pages {} (+{} warm-up), seed {SEED:#x}",
        cfg.customers,
        cfg.payments,
        cfg.lookups,
        warmup_count(cfg.lookups),
        cfg.pages,
        warmup_count(cfg.pages)
    );
    println!("  ledger file {}", path.display());

    let (ledger, _report) = Ledger::open(&path).await?;
    let data = generate(&ledger, &cfg).await?;
    let db_bytes = std::fs::metadata(&path)?.len();
    println!("  file size after checkpoint: {} MiB", db_bytes / (1024 * 1024));

    let mut base = open_baseline(&path).await?;
    let version: String =
        sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut base).await?;
    println!(
        "  SQLite {version}; no ANALYZE run (as in the app): plans come from the schema alone"
    );

    print_plans(&mut base, &data).await?;

    let mut rng = StdRng::seed_from_u64(SEED ^ 0x5A5A);
    let mut pairs = vec![bench_lookup(&ledger, &mut base, &data, cfg.lookups, &mut rng).await?];
    for (kind, matching) in [
        (PageKind::Filtered(FILTER_STATUS), &data.cursors[..]),
        (PageKind::Filtered(RARE_STATUS), &data.rare_cursors[..]),
        (PageKind::FirstUnfiltered, &[]),
    ] {
        pairs.push(bench_page(&ledger, &mut base, cfg.pages, kind, matching, &mut rng).await?);
    }

    println!();
    println!("Results (ledger = repository fn incl. pool acquire/release and row mapping; baseline = same SQL, bare connection, raw rows)");
    print_table(&pairs);
    println!(
        "  (samples per side after warm-up: {} lookups, {} per page query; ratio = ledger / baseline; targets: lookup p99 <= 2 ms, page p99 <= 10 ms, ratio <= 1.5)",
        cfg.lookups, cfg.pages
    );
    println!();
    println!("Diagnostics");
    for pair in &pairs {
        let acq = Stats::of(&pair.acquire);
        let slow = pair.acquire.iter().filter(|&&ns| ns > 1_000_000).count();
        let max = pair.acquire.iter().copied().max().unwrap_or(0);
        println!(
            "  {:<34} ledger.read() acquire alone: p50 {:>9}  p99 {:>9}  max {:>9}  >1 ms: {slow}",
            pair.name,
            fmt_ns(acq.p50),
            fmt_ns(acq.p99),
            fmt_ns(max)
        );
    }
    println!("  (each ledger call: pool acquire + query + mapping; the release ping runs afterwards, off the clock)");

    base.close().await?;
    ledger.close().await;
    drop(dir);
    println!();
    println!("total run time {}", fmt_ns(nanos(started.elapsed())));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Data generation

/// What the measurements draw their parameters from.
#[derive(Debug)]
struct Dataset {
    /// Every customer's phone, canonical.
    phones: Vec<String>,
    /// (created_at, id) of every payment matching FILTER_PRODUCT + FILTER_STATUS.
    cursors: Vec<(i64, i64)>,
    /// (created_at, id) of every payment matching FILTER_PRODUCT + RARE_STATUS.
    rare_cursors: Vec<(i64, i64)>,
}

const FIRST_NAMES: &[&str] = &[
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rizky",
    "Putri",
    "Andi",
    "Sri",
    "Hendra",
    "Wulan",
    "Eko",
    "Rina",
    "Fajar",
    "Nur",
    "Dian",
    "Ayu",
    "Yusuf",
    "Indah",
    "Bayu",
    "Ratna",
    "Joko",
    "Lestari",
    "Arif",
    "Maya",
    "Dimas",
    "Fitri",
    "Hadi",
    "Ningsih",
    "Reza",
    "Anisa",
    "Bambang",
    "Kartika",
    "Teguh",
    "Sari",
    "Irfan",
    "Mega",
    "Gilang",
    "Yuni",
    "Wahyu",
    "Intan",
    "Rudi",
    "Novi",
    "Ahmad",
    "Nurul",
    "Muhammad",
    "Aditya",
    "Citra",
    "Fadli",
    "Galih",
    "Hana",
    "Ikhsan",
    "Jihan",
    "Kevin",
    "Lia",
    "Made",
    "Ketut",
    "Wayan",
    "Nyoman",
    "Yohanes",
    "Maria",
    "Stefanus",
    "Théresia",
    "Andréas",
    "Agnès",
];
const LAST_NAMES: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Lestari",
    "Hidayat",
    "Pratama",
    "Kusuma",
    "Nugroho",
    "Setiawan",
    "Wibowo",
    "Purnomo",
    "Rahmawati",
    "Susanto",
    "Gunawan",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Sitompul",
    "Lubis",
    "Hutapea",
    "Tanjung",
    "Sinaga",
    "Halim",
    "Tanoto",
    "Salim",
    "Kurniawan",
    "Permana",
    "Maulana",
    "Firmansyah",
    "Ramadhan",
    "Hakim",
    "Syahputra",
    "Utami",
    "Anggraini",
    "Puspitasari",
    "Handayani",
    "Suryadi",
    "Sembiring",
    "Ginting",
    "Tarigan",
    "Manurung",
    "Pangaribuan",
    "Wahyudi",
    "Hartono",
    "Budiman",
    "Effendi",
    "Putra",
    "Putri",
    "Daulay",
];
/// Indonesian mobile prefixes after the country code (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
const MOBILE_PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "851", "852", "853", "814", "815", "816", "855",
    "856", "857", "858", "817", "818", "819", "859", "877", "878", "831", "832", "833", "838",
    "895", "896", "897", "898", "899", "881", "882", "883", "884", "885", "886", "887", "888",
    "889",
];
const EMAIL_DOMAINS: &[&str] =
    &["gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com", "hotmail.com", "ymail.com"];
const REFERENCE_ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Rows per multi-row INSERT (14 columns × 1,000 stays under SQLite's 32,766 bound parameters).
const INSERT_ROWS: usize = 1_000;
const CUSTOMERS_PER_TX: usize = 50_000;
const PAYMENTS_PER_TX: usize = 100_000;
/// Page cache for the bulk load only (KiB, negative = size); restored afterwards.
const LOAD_CACHE_KIB: i64 = -262_144;

#[derive(Debug)]
struct CustomerSeed {
    id: i64,
    merchant_customer_id: String,
    full_name: String,
    name_key: String,
    phone: String,
    email: Option<String>,
    created_at: i64,
}

#[derive(Debug)]
struct PaymentSeed {
    id: i64,
    reference: String,
    customer_id: i64,
    product: Product,
    phone_of: usize,
    amount: i64,
    cash_amount: Option<i64>,
    points_amount: Option<i64>,
    status: PaymentStatus,
    provider_ref: Option<String>,
    created_at: i64,
    succeeded_at: Option<i64>,
    updated_at: i64,
}

async fn generate(ledger: &Ledger, cfg: &Config) -> BenchResult<Dataset> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut conn = ledger.writer_pool().acquire().await?;
    let default_cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await?;
    sqlx::query(&format!("PRAGMA cache_size = {LOAD_CACHE_KIB}")).execute(&mut *conn).await?;

    // Customers.
    let mut seen_phones = HashSet::with_capacity(cfg.customers);
    let mut phones = Vec::with_capacity(cfg.customers);
    let mut next_id = 1i64;
    let mut remaining = cfg.customers;
    while remaining > 0 {
        let in_tx = remaining.min(CUSTOMERS_PER_TX);
        let mut tx = conn.begin().await?;
        let mut left = in_tx;
        while left > 0 {
            let n = left.min(INSERT_ROWS);
            let chunk: Vec<CustomerSeed> = (0..n)
                .map(|_| {
                    let id = next_id;
                    next_id += 1;
                    customer(&mut rng, id, &mut seen_phones)
                })
                .collect();
            let mut q: QueryBuilder<Any> = QueryBuilder::new(
                "INSERT INTO customers (id, merchant_customer_id, full_name, name_key, phone, email, created_at, updated_at) ",
            );
            q.push_values(&chunk, |mut b, c| {
                b.push_bind(c.id)
                    .push_bind(c.merchant_customer_id.as_str())
                    .push_bind(c.full_name.as_str())
                    .push_bind(c.name_key.as_str())
                    .push_bind(c.phone.as_str())
                    .push_bind(c.email.as_deref())
                    .push_bind(c.created_at)
                    .push_bind(c.created_at);
            });
            q.build().execute(&mut *tx).await?;
            phones.extend(chunk.into_iter().map(|c| c.phone));
            left -= n;
        }
        tx.commit().await?;
        remaining -= in_tx;
    }
    let customers_done = started.elapsed();
    println!(
        "  generated {} customers in {} ({} rows/s)",
        cfg.customers,
        fmt_ns(nanos(customers_done)),
        per_second(cfg.customers, nanos(customers_done))
    );

    // Payments: arrival times sorted, so ids grow with created_at as they do in production.
    let payments_started = Instant::now();
    let mut times: Vec<i64> =
        (0..cfg.payments).map(|_| END_MS - SPAN_MS + rng.gen_range(0..SPAN_MS)).collect();
    times.sort_unstable();
    let mut seen_refs: HashSet<[u8; 16]> = HashSet::with_capacity(cfg.payments);
    let mut cursors = Vec::new();
    let mut rare_cursors = Vec::new();
    let mut status_counts = [0usize; 4];
    let mut next = 0usize;
    while next < cfg.payments {
        let tx_end = (next + PAYMENTS_PER_TX).min(cfg.payments);
        let mut tx = conn.begin().await?;
        while next < tx_end {
            let n = (tx_end - next).min(INSERT_ROWS);
            let chunk: Vec<PaymentSeed> = times[next..next + n]
                .iter()
                .enumerate()
                .map(|(k, &at)| {
                    payment(&mut rng, (next + k + 1) as i64, at, phones.len(), &mut seen_refs)
                })
                .collect();
            for p in &chunk {
                status_counts[match p.status {
                    PaymentStatus::Succeeded => 0,
                    PaymentStatus::Failed => 1,
                    PaymentStatus::Pending => 2,
                    _ => 3,
                }] += 1;
                if p.product == FILTER_PRODUCT && p.status == FILTER_STATUS {
                    cursors.push((p.created_at, p.id));
                }
                if p.product == FILTER_PRODUCT && p.status == RARE_STATUS {
                    rare_cursors.push((p.created_at, p.id));
                }
            }
            let mut q: QueryBuilder<Any> = QueryBuilder::new(
                "INSERT INTO payments (id, reference, customer_id, product, kind, phone, amount, cash_amount, points_amount, \
                 status, provider_ref, created_at, succeeded_at, updated_at) ",
            );
            q.push_values(&chunk, |mut b, p| {
                b.push_bind(p.id)
                    .push_bind(p.reference.as_str())
                    .push_bind(p.customer_id)
                    .push_bind(p.product.key())
                    .push_bind(kind_of(p.product))
                    .push_bind(phones[p.phone_of].as_str())
                    .push_bind(p.amount)
                    .push_bind(p.cash_amount)
                    .push_bind(p.points_amount)
                    .push_bind(p.status.key())
                    .push_bind(p.provider_ref.as_deref())
                    .push_bind(p.created_at)
                    .push_bind(p.succeeded_at)
                    .push_bind(p.updated_at);
            });
            q.build().execute(&mut *tx).await?;
            next += n;
        }
        tx.commit().await?;
    }
    let payments_done = payments_started.elapsed();
    println!(
        "  generated {} payments in {} ({} rows/s): succeeded {}, failed {}, pending {}, unknown {}; {} match {}+{}, {} match +{}",
        cfg.payments,
        fmt_ns(nanos(payments_done)),
        per_second(cfg.payments, nanos(payments_done)),
        status_counts[0],
        status_counts[1],
        status_counts[2],
        status_counts[3],
        cursors.len(),
        FILTER_PRODUCT.key(),
        FILTER_STATUS.key(),
        rare_cursors.len(),
        RARE_STATUS.key()
    );

    let checkpoint_started = Instant::now();
    sqlx::query(&format!("PRAGMA cache_size = {default_cache}")).execute(&mut *conn).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn).await?;
    drop(conn);
    println!("  WAL checkpoint (TRUNCATE) in {}", fmt_ns(nanos(checkpoint_started.elapsed())));
    println!(
        "  generation total {} (bulk load used PRAGMA cache_size = {LOAD_CACHE_KIB} on the writer, restored to {default_cache})",
        fmt_ns(nanos(started.elapsed()))
    );
    if cursors.is_empty() || rare_cursors.is_empty() {
        return Err(format!(
            "no payment matches {} with status {} or {}; use more payments",
            FILTER_PRODUCT.key(),
            FILTER_STATUS.key(),
            RARE_STATUS.key()
        )
        .into());
    }
    Ok(Dataset { phones, cursors, rare_cursors })
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

fn customer(rng: &mut StdRng, id: i64, seen_phones: &mut HashSet<String>) -> CustomerSeed {
    let first = pick(rng, FIRST_NAMES);
    // About one in five Indonesians goes by a single name.
    let full_name = match rng.gen_range(0..100) {
        0..=19 => first.to_string(),
        20..=29 => format!("{first} {} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)),
        _ => format!("{first} {}", pick(rng, LAST_NAMES)),
    };
    let name_key = fold_name(&full_name);
    let phone = loop {
        let prefix = pick(rng, MOBILE_PREFIXES);
        let rest_len = rng.gen_range(7..=9); // national significant number of 10 to 12 digits
        let mut phone = String::with_capacity(16);
        phone.push_str("62");
        phone.push_str(prefix);
        for _ in 0..rest_len {
            phone.push(char::from(b'0' + rng.gen_range(0..10u8)));
        }
        if seen_phones.insert(phone.clone()) {
            break phone;
        }
    };
    let email = (rng.gen_range(0..100) < 60).then(|| {
        format!(
            "{}{}@{}",
            name_key.replace(' ', "."),
            rng.gen_range(1..1000),
            pick(rng, EMAIL_DOMAINS)
        )
    });
    CustomerSeed {
        id,
        merchant_customer_id: format!("CUS-{:02}-{id:07}", rng.gen_range(1..40)),
        full_name,
        name_key,
        phone,
        email,
        created_at: END_MS - 400 * DAY_MS + rng.gen_range(0..(400 * DAY_MS - SPAN_MS)),
    }
}

fn payment(
    rng: &mut StdRng,
    id: i64,
    created_at: i64,
    customers: usize,
    seen_refs: &mut HashSet<[u8; 16]>,
) -> PaymentSeed {
    let product = match rng.gen_range(0..100) {
        0..=29 => Product::OvoSnap,
        30..=54 => Product::DokuSnapOvo,
        55..=69 => Product::DokuJokulOvoPush,
        70..=79 => Product::TazapayOvoIdr,
        _ => Product::FaspayOvoTokenize,
    };
    let status = match rng.gen_range(0..1000) {
        0..=899 => PaymentStatus::Succeeded,
        900..=959 => PaymentStatus::Failed,
        960..=984 => PaymentStatus::Pending,
        _ => PaymentStatus::Unknown,
    };
    // Many small top-ups and purchases, a long tail of large ones; whole hundreds of rupiah.
    let amount = match rng.gen_range(0..100) {
        0..=39 => rng.gen_range(10..=500) * 100,
        40..=74 => rng.gen_range(500..=5_000) * 100,
        75..=94 => rng.gen_range(5_000..=20_000) * 100,
        _ => rng.gen_range(20_000..=50_000) * 100,
    };
    let reference = loop {
        let mut r = [0u8; 16];
        for b in &mut r {
            *b = REFERENCE_ALPHABET[rng.gen_range(0..REFERENCE_ALPHABET.len())];
        }
        if seen_refs.insert(r) {
            break r.iter().map(|&b| char::from(b)).collect::<String>();
        }
    };
    // A few customers pay often: the smaller of two uniform draws skews towards low ids.
    let a = rng.gen_range(0..customers);
    let b = rng.gen_range(0..customers);
    let customer = a.min(b);
    let succeeded = status == PaymentStatus::Succeeded;
    let (cash_amount, points_amount) = if succeeded {
        let points =
            if rng.gen_range(0..100) < 25 { amount.min(rng.gen_range(1..=500) * 100) } else { 0 };
        (Some(amount - points), Some(points))
    } else {
        (None, None)
    };
    let succeeded_at = succeeded.then(|| created_at + rng.gen_range(800..30_000));
    let provider_ref =
        matches!(status, PaymentStatus::Succeeded | PaymentStatus::Failed).then(|| {
            format!(
                "{}{:014}",
                &product.key()[..2].to_ascii_uppercase(),
                rng.gen_range(0..100_000_000_000_000u64)
            )
        });
    let updated_at = succeeded_at.unwrap_or(created_at + rng.gen_range(0..60_000));
    PaymentSeed {
        id,
        reference,
        customer_id: customer as i64 + 1,
        product,
        phone_of: customer,
        amount,
        cash_amount,
        points_amount,
        status,
        provider_ref,
        created_at,
        succeeded_at,
        updated_at,
    }
}

fn kind_of(product: Product) -> &'static str {
    match product {
        Product::DokuJokulOvoPush | Product::TazapayOvoIdr => "push",
        Product::DokuSnapOvo | Product::FaspayOvoTokenize | Product::OvoSnap => "direct_debit",
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/// The baseline: one bare SQLite connection opened straight on the file, read-only as the
/// ledger's readers are.
async fn open_baseline(path: &Path) -> BenchResult<SqliteConnection> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    Ok(SqliteConnection::connect_with(&options).await?)
}

#[derive(Debug)]
struct Pair {
    name: &'static str,
    target_p99_ns: u64,
    ledger: Vec<u64>,
    baseline: Vec<u64>,
    acquire: Vec<u64>,
}

impl Pair {
    fn new(name: &'static str, target_p99_ns: u64, n: usize) -> Pair {
        Pair {
            name,
            target_p99_ns,
            ledger: Vec::with_capacity(n),
            baseline: Vec::with_capacity(n),
            acquire: Vec::with_capacity(n),
        }
    }
}

async fn bench_lookup(
    ledger: &Ledger,
    base: &mut SqliteConnection,
    data: &Dataset,
    n: usize,
    rng: &mut StdRng,
) -> BenchResult<Pair> {
    let warm = warmup_count(n);
    // Parameters drawn (and parsed) up front, off the clock.
    let phones: Vec<Msisdn> = (0..warm + n)
        .map(|_| Msisdn::parse(&data.phones[rng.gen_range(0..data.phones.len())]))
        .collect::<Result<_, _>>()?;
    let mut pair = Pair::new("customer by phone", LOOKUP_P99_TARGET_NS, n);
    for (i, phone) in phones.iter().enumerate() {
        let record = i >= warm;
        // Alternate which side goes first so neither always runs on the other's warm cache.
        let ledger_first = i % 2 == 0;
        let mut ledger_rows = 0usize;
        let mut base_rows = 0usize;
        for side in [ledger_first, !ledger_first] {
            tokio::time::sleep(SETTLE).await;
            if side {
                let t0 = Instant::now();
                let mut conn = ledger.read().await?;
                let t1 = Instant::now();
                let rows = customers::by_phone(&mut conn, phone).await?;
                drop(conn);
                let t2 = Instant::now();
                ledger_rows = rows.len();
                if record {
                    pair.acquire.push(nanos(t1 - t0));
                    pair.ledger.push(nanos(t2 - t0));
                }
            } else {
                let t0 = Instant::now();
                let rows: Vec<SqliteRow> =
                    sqlx::query(LOOKUP_SQL).bind(phone.canonical()).fetch_all(&mut *base).await?;
                let t1 = Instant::now();
                base_rows = rows.len();
                if record {
                    pair.baseline.push(nanos(t1 - t0));
                }
            }
        }
        if ledger_rows != base_rows || ledger_rows == 0 {
            return Err(format!(
                "lookup {}: ledger {ledger_rows} rows, baseline {base_rows}",
                phone.canonical()
            )
            .into());
        }
    }
    Ok(pair)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    /// FILTER_PRODUCT + this status, newest first, after a cursor taken from a matching row.
    Filtered(PaymentStatus),
    FirstUnfiltered,
}

async fn bench_page(
    ledger: &Ledger,
    base: &mut SqliteConnection,
    n: usize,
    kind: PageKind,
    matching: &[(i64, i64)],
    rng: &mut StdRng,
) -> BenchResult<Pair> {
    let warm = warmup_count(n);
    let (name, filter) = match kind {
        PageKind::Filtered(status) => (
            if status == FILTER_STATUS {
                "page ovo_snap+succeeded, cursor"
            } else {
                "page ovo_snap+unknown, cursor"
            },
            PaymentFilter {
                product: Some(FILTER_PRODUCT),
                status: Some(status),
                ..PaymentFilter::default()
            },
        ),
        PageKind::FirstUnfiltered => ("page no filter, first", PaymentFilter::default()),
    };
    // A cursor taken from a real matching row, as if the operator had paged down to it.
    let cursors: Vec<Option<(i64, i64)>> = (0..warm + n)
        .map(|_| match kind {
            PageKind::Filtered(_) => Some(matching[rng.gen_range(0..matching.len())]),
            PageKind::FirstUnfiltered => None,
        })
        .collect();
    let mut pair = Pair::new(name, PAGE_P99_TARGET_NS, n);
    for (i, cursor) in cursors.iter().enumerate() {
        let record = i >= warm;
        let ledger_first = i % 2 == 0;
        let mut ledger_ids = (0usize, None);
        let mut base_ids = (0usize, None);
        for side in [ledger_first, !ledger_first] {
            tokio::time::sleep(SETTLE).await;
            if side {
                let after = cursor.map(|(at, id)| PaymentCursor {
                    created_at: Timestamp::from_unix_millis(at),
                    id: PaymentId::new(id),
                });
                let t0 = Instant::now();
                let mut conn = ledger.read().await?;
                let t1 = Instant::now();
                let rows = payments::page(&mut conn, &filter, after, PAGE_ROWS).await?;
                drop(conn);
                let t2 = Instant::now();
                ledger_ids = (rows.len(), rows.last().map(|r| r.id.get()));
                if record {
                    pair.acquire.push(nanos(t1 - t0));
                    pair.ledger.push(nanos(t2 - t0));
                }
            } else {
                let t0 = Instant::now();
                let rows: Vec<SqliteRow> = match cursor {
                    Some((at, id)) => {
                        sqlx::query(PAGE_FILTERED_SQL)
                            .bind(FILTER_PRODUCT.key())
                            .bind(filter.status.map_or("", PaymentStatus::key))
                            .bind(*at)
                            .bind(*id)
                            .bind(i64::from(PAGE_ROWS))
                            .fetch_all(&mut *base)
                            .await?
                    }
                    None => {
                        sqlx::query(PAGE_FIRST_SQL)
                            .bind(i64::from(PAGE_ROWS))
                            .fetch_all(&mut *base)
                            .await?
                    }
                };
                let t1 = Instant::now();
                let last: Option<i64> = match rows.last() {
                    Some(row) => Some(row.try_get("id")?),
                    None => None,
                };
                base_ids = (rows.len(), last);
                if record {
                    pair.baseline.push(nanos(t1 - t0));
                }
            }
        }
        if ledger_ids != base_ids {
            return Err(format!(
                "{name} cursor {cursor:?}: ledger {ledger_ids:?}, baseline {base_ids:?}"
            )
            .into());
        }
    }
    Ok(pair)
}

async fn print_plans(base: &mut SqliteConnection, data: &Dataset) -> BenchResult<()> {
    let phone = data.phones.first().map(String::as_str).unwrap_or("6281200000000");
    let (at, id) = data.cursors[data.cursors.len() / 2];
    println!();
    println!("EXPLAIN QUERY PLAN");
    let after_cursor = |status: PaymentStatus| {
        vec![
            Bind::Text(FILTER_PRODUCT.key()),
            Bind::Text(status.key()),
            Bind::Int(at),
            Bind::Int(id),
            Bind::Int(i64::from(PAGE_ROWS)),
        ]
    };
    let plans = [
        ("customer by phone", LOOKUP_SQL, vec![Bind::Text(phone)]),
        (
            "payments page ovo_snap+succeeded (cursor)",
            PAGE_FILTERED_SQL,
            after_cursor(FILTER_STATUS),
        ),
        ("payments page ovo_snap+unknown (cursor)", PAGE_FILTERED_SQL, after_cursor(RARE_STATUS)),
        ("payments first page, no filter", PAGE_FIRST_SQL, vec![Bind::Int(i64::from(PAGE_ROWS))]),
    ];
    for (name, sql, binds) in plans {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query(&explain);
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        // Plain (unprepared-cache) statement so the measured statements' caches stay untouched.
        let rows = q.persistent(false).fetch_all(&mut *base).await?;
        println!("  {name}:");
        let mut depth: Vec<(i64, usize)> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let parent: i64 = row.try_get(1)?;
            let detail: String = row.try_get(3)?;
            while depth.last().is_some_and(|(p, _)| *p != parent) {
                depth.pop();
            }
            let level = depth.last().map_or(0, |(_, l)| l + 1);
            depth.push((id, level));
            println!("    {}{detail}", "  ".repeat(level));
        }
    }
    Ok(())
}

#[derive(Debug)]
enum Bind<'a> {
    Text(&'a str),
    Int(i64),
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing (integer arithmetic only)

fn print_table(pairs: &[Pair]) {
    println!(
        "  {:<34} {:>9} {:>9} | {:>9} {:>9} | {:>7} {:>7} | {:<18} {:<22}",
        "query",
        "p50",
        "p99",
        "base p50",
        "base p99",
        "p50 ×",
        "p99 ×",
        "p99 target",
        "ratio ≤ 1.500 (p50/p99)"
    );
    println!("  {}", "-".repeat(142));
    for pair in pairs {
        let ledger = Stats::of(&pair.ledger);
        let base = Stats::of(&pair.baseline);
        let r50 = ratio_milli(ledger.p50, base.p50);
        let r99 = ratio_milli(ledger.p99, base.p99);
        let target = format!(
            "≤ {}: {}",
            fmt_ns(pair.target_p99_ns),
            verdict(ledger.p99 <= pair.target_p99_ns)
        );
        let ratio = format!(
            "{} / {}",
            verdict(r50 <= RATIO_TARGET_MILLI),
            verdict(r99 <= RATIO_TARGET_MILLI)
        );
        println!(
            "  {:<34} {:>9} {:>9} | {:>9} {:>9} | {:>7} {:>7} | {:<18} {:<22}",
            pair.name,
            fmt_ns(ledger.p50),
            fmt_ns(ledger.p99),
            fmt_ns(base.p50),
            fmt_ns(base.p99),
            fmt_milli(r50),
            fmt_milli(r99),
            target,
            ratio
        );
    }
}
