//! What the benchmarks share: timing one call, percentiles, and the table row that sets the
//! app's round trip beside the bare repository call measured in the same run. Integer
//! arithmetic throughout (nanoseconds, ratios ×1000), per the workspace's float lint.

use std::time::{Duration, Instant};

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

pub async fn timed<T, E: std::error::Error + 'static>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> BenchResult<(u64, T)> {
    let start = Instant::now();
    let out = f.await?;
    Ok((nanos(start.elapsed()), out))
}

pub fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Nearest-rank percentile of unsorted samples.
pub fn percentile(samples: &[u64], p: usize) -> u64 {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return 0;
    }
    sorted[(p * sorted.len()).div_ceil(100).max(1) - 1]
}

/// The median and the 99th percentile of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub p50: u64,
    pub p99: u64,
}

impl Stats {
    pub fn of(samples: &[u64]) -> Stats {
        Stats { p50: percentile(samples, 50), p99: percentile(samples, 99) }
    }
}

/// How many untimed warm-up calls go before `n` timed ones: a tenth, from 1 to 200.
pub fn warmup_count(n: usize) -> usize {
    (n / 10).clamp(1, 200)
}

/// `count` things done in `total_ns` nanoseconds, as a rate per second (0 ns counts as 1).
pub fn per_second(count: usize, total_ns: u64) -> u64 {
    let ns = total_ns.max(1);
    u64::try_from(u128::from(count as u64) * 1_000_000_000 / u128::from(ns)).unwrap_or(u64::MAX)
}

/// `a / b` × 1000, rounded; `u64::MAX` when `b` is 0.
pub fn ratio_milli(a: u64, b: u64) -> u64 {
    if b == 0 {
        return u64::MAX;
    }
    u64::try_from((u128::from(a) * 1000 + u128::from(b) / 2) / u128::from(b)).unwrap_or(u64::MAX)
}

/// A ratio × 1000 as `1.234` (`inf` for `u64::MAX`).
pub fn fmt_milli(m: u64) -> String {
    if m == u64::MAX {
        return "inf".into();
    }
    format!("{}.{:03}", m / 1000, m % 1000)
}

pub fn header() {
    println!(
        "{:<30} {:>11} {:>11} {:>11} {:>11} {:>8}",
        "", "app p50", "app p99", "bare p50", "bare p99", "p99 ×"
    );
}

/// One row: the app's p50/p99, the bare call's, and app p99 / bare p99; flags a p99 over `target_ns`.
pub fn report(label: &str, app: &[u64], bare: &[u64], target_ns: u64) {
    let (a50, a99, b50, b99) =
        (percentile(app, 50), percentile(app, 99), percentile(bare, 50), percentile(bare, 99));
    let ratio = (u128::from(a99) * 1000).checked_div(u128::from(b99)).unwrap_or(0);
    let flag = if a99 <= target_ns { "" } else { "  over target" };
    println!(
        "{label:<30} {:>11} {:>11} {:>11} {:>11} {:>4}.{:03}{flag}",
        us(a50),
        us(a99),
        us(b50),
        us(b99),
        ratio / 1000,
        ratio % 1000
    );
}

/// A duration with three significant digits: `812 ns`, `41.3 µs`, `1.07 ms`, `12.4 s`.
pub fn fmt_ns(ns: u64) -> String {
    const UNITS: [(&str, u64); 4] =
        [("ns", 1), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && ns >= UNITS[unit + 1].1 {
        unit += 1;
    }
    loop {
        let (name, div) = UNITS[unit];
        let whole_digits = (ns / div).max(1).ilog10() + 1;
        let mut decimals = 3u32.saturating_sub(whole_digits);
        let round = |decimals: u32| {
            (u128::from(ns) * 10u128.pow(decimals) + u128::from(div) / 2) / u128::from(div)
        };
        let mut scaled = round(decimals);
        if decimals > 0 && scaled >= 1000 {
            decimals -= 1;
            scaled = round(decimals);
        }
        if decimals == 0 && scaled >= 1000 && whole_digits <= 3 && unit + 1 < UNITS.len() {
            unit += 1;
            continue;
        }
        return fmt_fixed(scaled, decimals, name);
    }
}

fn fmt_fixed(scaled: u128, decimals: u32, unit: &str) -> String {
    if decimals == 0 {
        return format!("{scaled} {unit}");
    }
    let scale = 10u128.pow(decimals);
    format!("{}.{:0width$} {unit}", scaled / scale, scaled % scale, width = decimals as usize)
}

/// A goal's verdict as the benchmarks print it.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

pub fn us(ns: u64) -> String {
    format!("{}.{} µs", ns / 1000, (ns % 1000) / 100)
}

pub fn ms(ns: u64) -> String {
    format!("{}.{:03} ms", ns / 1_000_000, (ns % 1_000_000) / 1000)
}

/// Indonesian given names for generated customers.
pub const FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Rina", "Hendra", "Yusuf", "Made", "Nyoman", "Fajar", "Putu",
    "Andi", "Bambang", "Sri", "Wahyu", "Indah", "Eko", "Ratna", "Joko", "Lestari", "Ayu", "Rizki",
    "Nur", "Dian", "Arif", "Yanti", "Teguh", "Wulan", "Gede", "Ketut", "Élisa", "Reza",
];

/// Indonesian family names for generated customers.
pub const LAST: &[&str] = &[
    "Santoso",
    "Rahmawati",
    "Wijaya",
    "Lestari",
    "Kusuma",
    "Gunawan",
    "Hakim",
    "Wirawan",
    "Sari",
    "Nugroho",
    "Pratama",
    "Sutrisno",
    "Hidayat",
    "Saputra",
    "Setiawan",
    "Purnomo",
    "Handayani",
    "Susanto",
    "Wibowo",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Halim",
    "Tanjung",
];
