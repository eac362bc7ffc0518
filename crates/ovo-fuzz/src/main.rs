//! `cargo run --release -p ovo-fuzz -- [--executions N] [--seed S] [--target NAME]
//! [--artifacts DIR] [--replay-seed S | --replay FILE]`: N executions of every target (or of
//! NAME), a table per target and the closing `fuzz: T targets, E executions, P panics` line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ovo_fuzz::{generate, quietly, run_one, run_target, targets, Target};

struct Args {
    executions: u64,
    seed: u64,
    target: Option<String>,
    artifacts: PathBuf,
    replay_seed: Option<u64>,
    replay_file: Option<PathBuf>,
}

fn number(value: Option<String>, flag: &str) -> Result<u64, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    let digits = value.replace(['_', ','], "");
    match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .map_err(|_| format!("{flag} {value:?} is not a whole number"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        executions: 1_000_000,
        seed: 0x0f0f_2026,
        target: None,
        artifacts: PathBuf::from("target/fuzz-artifacts"),
        replay_seed: None,
        replay_file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--executions" => args.executions = number(it.next(), "--executions")?,
            "--seed" => args.seed = number(it.next(), "--seed")?,
            "--target" => args.target = Some(it.next().ok_or("--target needs a name")?),
            "--artifacts" => args.artifacts = PathBuf::from(it.next().ok_or("--artifacts needs a directory")?),
            "--replay-seed" => args.replay_seed = Some(number(it.next(), "--replay-seed")?),
            "--replay" => args.replay_file = Some(PathBuf::from(it.next().ok_or("--replay needs a file")?)),
            other => return Err(format!("unknown argument {other:?}; accepted: --executions N, --seed S, --target NAME, --artifacts DIR, --replay-seed S, --replay FILE")),
        }
    }
    Ok(args)
}

fn replay(target: &Target, input: &[u8]) -> ExitCode {
    match run_one(target, input) {
        Ok(()) => {
            println!("{}: no panic on this input ({} bytes)", target.name, input.len());
            ExitCode::SUCCESS
        }
        Err(message) => {
            println!("{}: panicked: {message}", target.name);
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut all = targets::all();
    if let Some(name) = &args.target {
        all.retain(|t| t.name == name);
        if all.is_empty() {
            let names: Vec<&str> = targets::all().iter().map(|t| t.name).collect();
            eprintln!("no target {name:?}; targets: {}", names.join(", "));
            return ExitCode::from(2);
        }
    }
    if args.replay_seed.is_some() || args.replay_file.is_some() {
        let [target] = all.as_slice() else {
            eprintln!("a replay needs --target NAME");
            return ExitCode::from(2);
        };
        let input = match (&args.replay_file, args.replay_seed) {
            (Some(file), _) => match std::fs::read(file) {
                Ok(bytes) => bytes,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            },
            (None, Some(seed)) => generate(&target.seeds, seed),
            (None, None) => unreachable!("checked above"),
        };
        return replay(target, &input);
    }

    let started = Instant::now();
    println!("{:<34} {:>12} {:>7} {:>10}", "target", "executions", "panics", "seconds");
    let mut total = 0u64;
    let mut panics = 0usize;
    for target in &all {
        let report =
            quietly(|| run_target(target, args.executions, args.seed, Some(&args.artifacts)));
        println!(
            "{:<34} {:>12} {:>7} {:>10.1}",
            report.name,
            report.executions,
            report.findings.len(),
            report.elapsed.as_secs_f64()
        );
        for finding in &report.findings {
            let saved = finding
                .saved
                .as_ref()
                .map_or_else(|| "not saved".to_owned(), |p| format!("saved to {}", p.display()));
            println!(
                "  panic: {} (replay: cargo run -p ovo-fuzz -- --target {} --replay-seed {:#018x}; {saved})",
                finding.message, finding.target, finding.seed
            );
        }
        total += report.executions;
        panics += report.findings.len();
    }
    println!("run seed {:#x}, {:.1} s", args.seed, started.elapsed().as_secs_f64());
    println!("fuzz: {} targets, {total} executions, {panics} panics", all.len());
    if panics == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
