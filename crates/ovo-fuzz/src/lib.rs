//! Fuzzing on stable Rust: a seeded random and mutation runner, not a coverage-guided one.
//! libFuzzer and cargo-fuzz need a nightly compiler and sanitizer runtimes that CI does not
//! have, so each target starts from a seed corpus of valid inputs (replies and notifications
//! in the providers' documented shapes, written forms of money and phones), mutates their bytes
//! (flips, inserts, deletions, duplications, splices, tokens and boundary numbers) or makes
//! random bytes, and runs every input under `catch_unwind`. Every input derives from one
//! 64-bit seed, so a panic is replayed from its printed seed or from the file it is saved to.
//! What this cannot do is learn which inputs reach new code: depth comes from the seeds.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub mod targets;

/// What a target runs on each input; it panics on a defect.
pub type Check = Box<dyn Fn(&[u8]) + Send + Sync>;

/// One thing to fuzz: its seeds and the function run on each input.
pub struct Target {
    pub name: &'static str,
    pub seeds: Vec<Vec<u8>>,
    pub run: Check,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("seeds", &self.seeds.len())
            .finish()
    }
}

/// A panicking input: its seed replays it; `saved` is where its bytes went.
#[derive(Debug, Clone)]
pub struct Finding {
    pub target: &'static str,
    pub seed: u64,
    pub message: String,
    pub saved: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct TargetReport {
    pub name: &'static str,
    pub executions: u64,
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
}

/// The seed of execution `index` of target `target` in a run seeded `run_seed` (SplitMix64).
pub fn execution_seed(run_seed: u64, target: &str, index: u64) -> u64 {
    let mut z = run_seed ^ fnv1a(target.as_bytes()) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Boundary numbers and syntax the parsers care about.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "false",
    "-",
    ".",
    "e",
    "E",
    "+",
    "0",
    "-1",
    "00",
    ".00",
    ".5",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e400",
    "-0",
    "999999999999",
    "1000000000000",
    "\\",
    "\\u0000",
    "\\ud800",
    "\u{0}",
    "\n",
    "\r\n",
    " ",
    "\t",
    "<",
    ">",
    "</",
    "/>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#x0;",
    "&#99999999;",
    "<?xml version=\"1.0\"?>",
    "\u{1F642}",
    "\u{0663}",
    "\u{FF11}",
    "\u{200B}",
    "Rp",
    "IDR",
    "Rp\u{a0}",
    "+62",
    "62",
    "08",
    "0062",
    "(",
    ")",
    "=",
    "&",
    "?",
    "%",
    "%00",
    "Bearer ",
    "T",
    "Z",
    "+07:00",
    "24:00:00",
    "2024-02-30",
    "9999-12-31T23:59:59Z",
    "-0001-01-01",
];

const INTERESTING: &[&str] = &[
    "0",
    "1",
    "-1",
    "99",
    "100",
    "255",
    "256",
    "65535",
    "2147483647",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "999999999999",
    "1000000000000",
    "99999999999999999999999999999",
    "1e2",
    "0.01",
    "1.999",
    "00000000000000000000000001",
];

/// A fresh input for one execution: mostly a mutated seed, sometimes random bytes.
pub fn generate(seeds: &[Vec<u8>], seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    if seeds.is_empty() || rng.gen_ratio(1, 10) {
        let len = rng.gen_range(0..=64usize) * if rng.gen_bool(0.2) { 8 } else { 1 };
        let printable = rng.gen_bool(0.5);
        return (0..len)
            .map(|_| if printable { rng.gen_range(0x20..0x7fu8) } else { rng.gen() })
            .collect();
    }
    let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
    let rounds = 1 + (rng.gen_range(0..64u32).trailing_zeros() as usize).min(8);
    for _ in 0..rounds {
        mutate(&mut data, seeds, &mut rng);
    }
    data
}

fn mutate(data: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut StdRng) {
    let len = data.len();
    let pos = |rng: &mut StdRng, len: usize| if len == 0 { 0 } else { rng.gen_range(0..=len) };
    match rng.gen_range(0..11u8) {
        0 if len > 0 => {
            let i = rng.gen_range(0..len);
            data[i] ^= 1 << rng.gen_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.gen_range(0..len);
            data[i] = rng.gen();
        }
        2 => {
            let at = pos(rng, len);
            let n = rng.gen_range(1..=4);
            for _ in 0..n {
                data.insert(at, rng.gen());
            }
        }
        3 if len > 0 => {
            let start = rng.gen_range(0..len);
            let end = (start + rng.gen_range(1..=16)).min(len);
            data.drain(start..end);
        }
        4 if len > 0 => {
            let start = rng.gen_range(0..len);
            let end = (start + rng.gen_range(1..=32)).min(len);
            let chunk = data[start..end].to_vec();
            let at = pos(rng, len);
            data.splice(at..at, chunk);
        }
        5 | 6 => {
            let token = TOKENS[rng.gen_range(0..TOKENS.len())].as_bytes();
            let at = pos(rng, len);
            if rng.gen_bool(0.5) || len == 0 {
                data.splice(at..at, token.iter().copied());
            } else {
                let end = (at + token.len()).min(len);
                data.splice(at..end, token.iter().copied());
            }
        }
        7 => {
            // A run of digits becomes a boundary number.
            let digits: Vec<usize> = (0..len).filter(|&i| data[i].is_ascii_digit()).collect();
            if let Some(&start) = digits.get(rng.gen_range(0..digits.len().max(1))) {
                let end = (start..len).find(|&i| !data[i].is_ascii_digit()).unwrap_or(len);
                let number = INTERESTING[rng.gen_range(0..INTERESTING.len())].as_bytes();
                data.splice(start..end, number.iter().copied());
            }
        }
        8 => {
            let other = &seeds[rng.gen_range(0..seeds.len())];
            let cut = pos(rng, len);
            let from = if other.is_empty() { 0 } else { rng.gen_range(0..other.len()) };
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        9 if len > 0 => data.truncate(rng.gen_range(0..len)),
        _ => {
            // A quoted value becomes another quoted value from any seed.
            let other = &seeds[rng.gen_range(0..seeds.len())];
            if let (Some(a), Some(b)) = (quoted(data, rng), quoted(other, rng)) {
                let value = other[b.0..b.1].to_vec();
                data.splice(a.0..a.1, value);
            }
        }
    }
    data.truncate(1 << 16);
}

/// The span inside a random pair of quotes.
fn quoted(data: &[u8], rng: &mut StdRng) -> Option<(usize, usize)> {
    let quotes: Vec<usize> =
        data.iter().enumerate().filter(|(_, &b)| b == b'"').map(|(i, _)| i).collect();
    if quotes.len() < 2 {
        return None;
    }
    let i = rng.gen_range(0..quotes.len() - 1);
    Some((quotes[i] + 1, quotes[i + 1]))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Runs one input; `Err` carries the panic message.
pub fn run_one(target: &Target, input: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)))
        .map_err(|p| panic_message(p.as_ref()))
}

/// Runs `executions` inputs of one target; panicking inputs go to `artifacts` when given.
pub fn run_target(
    target: &Target,
    executions: u64,
    run_seed: u64,
    artifacts: Option<&Path>,
) -> TargetReport {
    let started = Instant::now();
    let mut findings = Vec::new();
    for index in 0..executions {
        let seed = execution_seed(run_seed, target.name, index);
        let input = generate(&target.seeds, seed);
        if let Err(message) = run_one(target, &input) {
            let saved = artifacts.and_then(|dir| {
                let path = dir.join(format!("{}-{seed:016x}.bin", target.name));
                std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(&path, &input))
                    .ok()
                    .map(|()| path)
            });
            findings.push(Finding { target: target.name, seed, message, saved });
        }
    }
    TargetReport { name: target.name, executions, findings, elapsed: started.elapsed() }
}

/// Keeps expected panics off stderr while a run catches them; restores the hook after.
pub fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let out = f();
    panic::set_hook(previous);
    out
}
