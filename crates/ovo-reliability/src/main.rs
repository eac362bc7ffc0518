//! `ovo-reliability races [--seeds N] [--seed S] [--parallel P]` and `ovo-reliability crashes [--kills N]
//! [--seed S] [--parallel P]`: each prints its figure line (`races: N seeds, V violations`,
//! `crashes: N kills, L lost, D duplicated`) after what it found.

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: ovo-reliability races [--seeds N] [--seed S] [--parallel P]
       ovo-reliability crashes [--kills N] [--seed S] [--parallel P]";

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ovo-reliability: {e}");
            std::process::exit(2);
        }
    };
    match runtime.block_on(run()) {
        Ok(clean) => std::process::exit(if clean { 0 } else { 1 }),
        Err(e) => {
            eprintln!("ovo-reliability: {e:#}");
            std::process::exit(2);
        }
    }
}

fn option(args: &[String], name: &str) -> Result<Option<u64>> {
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(Some(
            args.get(i + 1)
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a number"))?,
        )),
        None => Ok(None),
    }
}

async fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("races") => {
            let seed = option(&args, "--seed")?;
            let seeds = option(&args, "--seeds")?.unwrap_or(1_000);
            let parallel = option(&args, "--parallel")?.unwrap_or(8);
            let report = match seed {
                Some(seed) => {
                    ovo_reliability::races::run(
                        &ovo_reliability::races::Stage::new().await?,
                        [seed],
                    )
                    .await?
                }
                None => ovo_reliability::races::run_parallel(0..seeds, parallel).await?,
            };
            for (seed, what) in &report.findings {
                println!("seed {seed}: {what}  (replay: cargo run --release -p ovo-reliability -- races --seed {seed})");
            }
            if report.late_fault != "late_processing" {
                println!("note: the simulator has no late_processing fault; late refunds were lost responses ({})", report.late_fault);
            }
            if report.without_writes_record {
                println!("note: the simulator has no /_sandbox/writes; checked: reserved ≤ paid and no refund left open once quiet");
            }
            println!("{}", report.line());
            Ok(report.violations == 0 && !report.without_writes_record)
        }
        Some("crashes") => {
            let kills = option(&args, "--kills")?.unwrap_or(200);
            let seed = option(&args, "--seed")?.unwrap_or(0);
            let parallel = option(&args, "--parallel")?.unwrap_or(8);
            let worker = ovo_reliability::crashes::worker_path()?;
            let plan = ovo_reliability::crashes::plan(u32::try_from(kills)?, seed);
            let report =
                ovo_reliability::crashes::run(plan, usize::try_from(parallel)?, &worker).await?;
            for what in &report.findings {
                println!("{what}");
            }
            if report.missed > 0 {
                println!(
                    "note: {} run(s) ended before their kill came; not counted: {}",
                    report.missed,
                    report.missed_at.join(", ")
                );
            }
            if report.without_writes_record {
                println!("note: the simulator has no /_sandbox/writes; duplicates and writes unknown to the ledger were not counted");
            }
            println!("{}", report.line());
            Ok(report.lost == 0 && report.duplicated == 0 && !report.without_writes_record)
        }
        _ => bail!("{USAGE}"),
    }
}
