//! `cargo xtask reliability`: the full reliability run. Builds in release, then runs the races
//! and the crash harness (ovo-reliability), the fault matrix (ovo-app's `faults_matrix` test)
//! and the fuzzer (ovo-fuzz), and prints their four figure lines and the total duration.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::{step, target_dir};

struct Part {
    figure: &'static str,
    line: Option<String>,
    problem: Option<String>,
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let started = std::time::Instant::now();
    let option = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let (seeds, kills, executions) =
        (option("--seeds", "1000"), option("--kills", "200"), option("--executions", "1000000"));

    step("building the harness in release");
    crate::run(
        crate::cargo().args(["build", "--release", "-p", "ovo-reliability"]).current_dir(root),
    )?;
    let harness = target_dir(root).join("release/ovo-reliability");

    let mut parts = Vec::new();
    step(&format!("races: {seeds} seeded schedules"));
    parts.push(figure(
        "races",
        Command::new(&harness).args(["races", "--seeds", &seeds]).current_dir(root),
    ));
    step(&format!("crashes: {kills} kills of a real app process"));
    parts.push(figure(
        "crashes",
        Command::new(&harness).args(["crashes", "--kills", &kills]).current_dir(root),
    ));

    step("faults: the fault matrix");
    parts.push(if root.join("crates/ovo-app/tests/faults_matrix.rs").exists() {
        figure(
            "faults",
            crate::cargo()
                .args([
                    "test",
                    "--release",
                    "-p",
                    "ovo-app",
                    "--test",
                    "faults_matrix",
                    "--",
                    "--nocapture",
                ])
                .current_dir(root),
        )
    } else {
        missing(
            "faults",
            "the fault matrix (crates/ovo-app/tests/faults_matrix.rs) is not in this checkout",
        )
    });

    step(&format!("fuzz: {executions} executions per target"));
    parts.push(if root.join("crates/ovo-fuzz/Cargo.toml").exists() {
        figure(
            "fuzz",
            crate::cargo()
                .args(["run", "--release", "-p", "ovo-fuzz", "--", "--executions", &executions])
                .current_dir(root),
        )
    } else {
        missing("fuzz", "the fuzzer (crates/ovo-fuzz) is not in this checkout")
    });

    println!();
    let mut incomplete = false;
    for part in &parts {
        match (&part.line, &part.problem) {
            (Some(line), None) => println!("{line}"),
            (Some(line), Some(problem)) => {
                incomplete = true;
                println!("{line}   ({problem})");
            }
            (None, problem) => {
                incomplete = true;
                println!(
                    "{}: not run: {}",
                    part.figure,
                    problem.as_deref().unwrap_or("no figure printed")
                );
            }
        }
    }
    println!("Finished in {} s", started.elapsed().as_secs());
    if incomplete {
        bail!("the reliability run is incomplete or found problems (see above)");
    }
    Ok(())
}

fn missing(figure: &'static str, why: &str) -> Part {
    Part { figure, line: None, problem: Some(why.to_owned()) }
}

/// Runs `cmd`, echoing its output, and keeps its `{figure}: …` line.
fn figure(figure: &'static str, cmd: &mut Command) -> Part {
    match run_for_line(cmd, &format!("{figure}: ")) {
        Ok((line, true)) => Part { figure, line, problem: None },
        Ok((line, false)) => {
            Part { figure, line, problem: Some("the run did not end clean".to_owned()) }
        }
        Err(e) => Part { figure, line: None, problem: Some(format!("{e:#}")) },
    }
}

fn run_for_line(cmd: &mut Command, prefix: &str) -> Result<(Option<String>, bool)> {
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().with_context(|| format!("cannot start {cmd:?}"))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut found = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        if line.starts_with(prefix) {
            found = Some(line);
        }
    }
    let status = child.wait()?;
    Ok((found, status.success()))
}
