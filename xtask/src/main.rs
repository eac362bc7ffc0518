//! Project automation. `cargo xtask run` opens the app; `cargo xtask test` runs every suite.
//! Both install what is missing on Debian/Ubuntu first.

mod background;
mod bench_app;
mod bundle;
mod postgres;
mod reliability;
mod setup;
mod suites;
mod webdriver;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use suites::{Pass, Run, TestBinary};

const USAGE: &str = "usage: cargo xtask <command>

  run        install what is missing, build the UI, open OVO Back Office (built-in sandbox)
  test       install what is missing, then run the Rust, UI and end-to-end suites
  e2e        only the end-to-end suite (after `test` has installed everything once);
             `e2e FILTER...` runs only the tests whose names contain a filter
  bench      every benchmark but `app`; `bench ledger|search|scroll|refunds|customers|finance|push|signing|desks|app [ARGS]` for one:
             ledger:  a 1,000,000-payment ledger's query latencies against a bare connection
             search:  customer search through the app on 200,000 customers against the bare queries
             scroll:  paging through 100,000 payments through the app against the bare page query
             refunds: refund requests per second against a bare durable insert
             customers: importing 100,000 CSV rows against a bare multi-row insert, and customer
                      search through the app on 1,000,000 customers against the bare queries
             finance: the dashboard on 1,000,000 payments (p99 per period); exporting them to CSV
                      against a bare streamed SELECT (rows/s, resident memory); reconciling a
                      100,000-line OVO SNAP settlement file;
                      `bench finance -- --payments N --lines L` for a quick run
             push:    1,000 concurrent held push payments in the sandbox: time and peak memory
             signing: signing and serialising one SNAP and one Tazapay request
             desks:   four desks on one PostgreSQL ledger of 1,000,000 payments and 200,000
                      customers: lookup and page latencies against the bare queries, refund
                      requests per second against pgbench's simple-update, and the refund race
                      (0 over-refunds); a throw-away server unless OVO_TEST_POSTGRES_URL is set;
                      `bench desks -- --payments N --customers M --seconds S` for a quick run
             app:     the app as it ships (profile dist) under Xvfb through tauri-driver: cold
                      start to the first screen and to the first customer search answered,
                      resident memory (app and WebKit processes) idle, after scrolling 100,000
                      payments and over the background poller on 1,000 open payments (slope in
                      MB/hour; the provider sandbox in its own process, as a provider is,
                      unless --in-process-sandbox), IPC p50/p99 of `ping` beside real commands;
                      each figure against its goal;
                      `bench app --minutes 60` for the full hour (default 5)
                      [--runs N] [--payments N] [--open N] [--calls N] [--poller-only]
                      [--in-process-sandbox]
  bundle     build the UI and the app (profile dist), package a .deb (and an .rpm) with Tauri's
             bundler, then install the .deb with dpkg, check its desktop entry and icon, start
             the installed app under Xvfb to its first screen, remove it; prints PASS or FAIL
  postgres   start the throw-away PostgreSQL the tests use (in target/pg), print its URL and
             stop it on Ctrl-C or end of input (Ctrl-D)
  gen-types  regenerate what the IPC declarations generate: the UI's types and typed client, the
             window's capability and the shell's command list
  reliability  the full reliability run in release: races (1,000 seeds), crashes (200 kills),
             the fault matrix and the fuzzer (1,000,000 executions per target); prints
             their four figure lines and the duration
             [--seeds N] [--kills N] [--executions N]";

fn main() {
    if let Err(err) = run_cli() {
        eprintln!("xtask: {err:#}");
        std::process::exit(1);
    }
}

fn run_cli() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("run") => run_app(&root),
        Some("test") => test_all(&root),
        Some("e2e") => e2e_only(&root, &args[1..]),
        Some("bench") => bench(&root, &args[1..]),
        Some("gen-types") => gen_types(&root),
        Some("postgres") => postgres_only(&root),
        Some("reliability") => reliability::run(&root, &args[1..]),
        Some("bundle") => bundle::run_bundle(&root),
        None | Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(unknown) => {
            eprintln!("{USAGE}\n");
            bail!("no command `{unknown}`; the commands are {}", COMMANDS.join(", "))
        }
    }
}

const COMMANDS: [&str; 9] =
    ["run", "test", "e2e", "bench", "bundle", "gen-types", "postgres", "reliability", "help"];

/// Cargo's build directory: `CARGO_TARGET_DIR` when set (relative to the project), else `target/`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn run_app(root: &Path) -> Result<()> {
    setup::system_packages(setup::Purpose::Run)?;
    setup::ui_dependencies(root)?;
    step("building the UI");
    run(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!("no display found (DISPLAY/WAYLAND_DISPLAY unset): run this from a desktop session");
    }
    step("starting OVO Back Office");
    run(cargo().args(["run", "-p", "ovo-backoffice"]).current_dir(root))
}

fn test_all(root: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    setup::system_packages(setup::Purpose::Test)?;
    setup::ui_dependencies(root)?;
    setup::rust_components()?;
    let tauri_driver = setup::tauri_driver(root)?;
    let ui = root.join("ui");

    step("Rust: formatting (rustfmt.toml)");
    run(cargo().args(["fmt", "--all", "--check"]).current_dir(root))?;

    step("UI: type check, lint, unit tests, build");
    run(Command::new("npm").args(["run", "check"]).current_dir(&ui))?;
    run(Command::new("npm").args(["run", "lint"]).current_dir(&ui))?;
    let ui_counts = run_vitest(Command::new("npm").args(["test"]).current_dir(&ui))?;
    run(Command::new("npm").args(["run", "build"]).current_dir(&ui))?;

    // After the UI build: the shell's context macro reads ui/dist.
    step("Rust: lints (clippy; warnings are errors)");
    run(cargo()
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .current_dir(root))?;

    // One build of everything the suites run: `cargo test -p …` or `cargo build -p …` would
    // resolve features anew and build most of it again.
    step("Rust: building the test executables and the app");
    let built = build_workspace(root)?;

    let (session, postgres) = start_services(root, &tauri_driver)?;
    step("Rust: the suites on SQLite, the ledger and app suites on PostgreSQL, and end-to-end");
    let counts = run_suites(root, &built, &session, &postgres, &[], true);
    session.stop();
    postgres.stop();
    let [rust_counts, postgres_counts, e2e_counts] = counts?;

    let total = rust_counts.plus(postgres_counts).plus(ui_counts).plus(e2e_counts);
    println!();
    println!("Rust:        {} passed, {} failed", rust_counts.passed, rust_counts.failed);
    println!("PostgreSQL:  {} passed, {} failed", postgres_counts.passed, postgres_counts.failed);
    println!("UI (vitest): {} passed, {} failed", ui_counts.passed, ui_counts.failed);
    println!("End-to-end:  {} passed, {} failed", e2e_counts.passed, e2e_counts.failed);
    println!("Finished in {} s", started.elapsed().as_secs());
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.passed == 0 {
        bail!("tests failed");
    }
    Ok(())
}

/// What one build of the workspace made: every test executable, and the app.
struct Built {
    tests: Vec<TestBinary>,
    app: PathBuf,
}

/// Builds the app and every test executable (the workspace has no doc tests) in one go.
fn build_workspace(root: &Path) -> Result<Built> {
    let messages = cargo_messages(root, &["build", "--workspace", "--bins", "--tests"])
        .context("the workspace did not build")?;
    let (mut tests, mut app) = (Vec::new(), None);
    for message in messages {
        let (Some(path), Some(manifest)) =
            (message["executable"].as_str(), message["manifest_path"].as_str())
        else {
            continue;
        };
        if message["profile"]["test"] == true {
            let package_dir =
                Path::new(manifest).parent().context("a manifest without a folder")?;
            tests.push(TestBinary { path: path.into(), package_dir: package_dir.to_owned() });
        } else if message["target"]["name"] == "ovo-backoffice" {
            app = Some(PathBuf::from(path));
        }
    }
    let app = app.context("the build made no ovo-backoffice binary")?;
    Ok(Built { tests, app })
}

/// Cargo, without the package variables `cargo xtask` (a `cargo run`) set for xtask itself:
/// build scripts that watch them (`ring`'s) would otherwise see them change between this and a
/// plain `cargo build`, and the two would rebuild each other's dependencies.
pub(crate) fn cargo() -> Command {
    without_xtask_package_env(Command::new("cargo"))
}

/// `command` (cargo, or a tool that runs it) without the package variables of `cargo xtask`.
pub(crate) fn without_xtask_package_env(mut command: Command) -> Command {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    command
}

/// Runs cargo with `args` and returns its JSON messages (what it built); diagnostics go to the
/// terminal.
pub(crate) fn cargo_messages(root: &Path, args: &[&str]) -> Result<Vec<serde_json::Value>> {
    let output = cargo()
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start cargo")?;
    if !output.status.success() {
        bail!("cargo {} failed ({})", args.join(" "), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

/// The test session (D-Bus, keyring, Xvfb, tauri-driver) and the test PostgreSQL, both started
/// or neither.
fn start_services(
    root: &Path,
    tauri_driver: &Path,
) -> Result<(background::Session, postgres::TestPostgres)> {
    let session = background::Session::start(root, tauri_driver)?;
    match postgres::TestPostgres::start(root) {
        Ok(postgres) => Ok((session, postgres)),
        Err(e) => {
            session.stop();
            Err(e)
        }
    }
}

/// The test executables' runs (the SQLite pass, the PostgreSQL pass when `all`, and the
/// end-to-end suites, whose tests take `filters`), on as many workers as there are cores and
/// one more.
fn run_suites(
    root: &Path,
    built: &Built,
    session: &background::Session,
    postgres: &postgres::TestPostgres,
    filters: &[String],
    all: bool,
) -> Result<[Counts; 3]> {
    let app = snapshot_app(root, &built.app)?;
    // End-to-end first: they are the longest and take turns.
    let mut runs: Vec<Run> = built
        .tests
        .iter()
        .filter(|t| t.is_end_to_end())
        .map(|test| Run { test, pass: Pass::EndToEnd })
        .collect();
    if all {
        for test in built.tests.iter().filter(|t| !t.is_end_to_end()) {
            runs.push(Run { test, pass: Pass::Sqlite });
            if test.runs_on_postgres() {
                runs.push(Run { test, pass: Pass::Postgres });
            }
        }
    }
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
    suites::run_all(runs, workers, |run, pass| {
        session.apply_env(run);
        match pass {
            Pass::Sqlite => {}
            Pass::Postgres => {
                run.env(postgres::URL_VAR, postgres.url());
            }
            // The same server holds the two-desk test's shared ledger.
            Pass::EndToEnd => {
                run.arg("--test-threads=1")
                    .args(filters)
                    .env("OVO_E2E_APP", &app)
                    .env(postgres::URL_VAR, postgres.url())
                    .env("OVO_E2E_ARTIFACTS", root.join("e2e/artifacts"));
            }
        }
    })
}

/// The app just built, linked (or copied) into this checkout's own `target/e2e/`: with a
/// shared `CARGO_TARGET_DIR`, another checkout's build must not swap the app under a running suite.
fn snapshot_app(root: &Path, built: &Path) -> Result<PathBuf> {
    let dir = root.join("target/e2e");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let app = dir.join("ovo-backoffice");
    if app != built {
        let _ = std::fs::remove_file(&app);
        if std::fs::hard_link(built, &app).is_err() {
            std::fs::copy(built, &app)
                .with_context(|| format!("cannot copy {}", built.display()))?;
        }
    }
    Ok(app)
}

fn e2e_only(root: &Path, filters: &[String]) -> Result<()> {
    setup::system_packages(setup::Purpose::Test)?;
    setup::ui_dependencies(root)?;
    let tauri_driver = setup::tauri_driver(root)?;
    run(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))?;
    // The same build as `test` makes, so that one does not undo the other's.
    let built = build_workspace(root)?;
    let (session, postgres) = start_services(root, &tauri_driver)?;
    let counts = run_suites(root, &built, &session, &postgres, filters, false);
    session.stop();
    postgres.stop();
    let counts = counts?[Pass::EndToEnd as usize];
    println!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.failed > 0 || counts.passed == 0 {
        bail!("end-to-end tests failed");
    }
    Ok(())
}

/// `cargo xtask postgres`: the tests' server for a developer's own runs, until Ctrl-C or EOF.
fn postgres_only(root: &Path) -> Result<()> {
    let server = postgres::TestPostgres::start(root)?;
    println!("\n{}\n\nexport {}={}\n", server.url(), postgres::URL_VAR, server.url());
    println!("Ctrl-C or Ctrl-D stops it.");
    std::io::stdout().flush()?;
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())
        .context("cannot read stdin")?;
    server.stop();
    Ok(())
}

fn bench(root: &Path, args: &[String]) -> Result<()> {
    let one = |package: &str, bench: &str, extra: &[String]| {
        run(&mut bench_command(root, package, bench, extra))
    };
    match args.first().map(String::as_str) {
        Some("ledger") => one("ovo-ledger", "ledger", &args[1..]),
        Some("push") => one("ovo-sandbox", "push_hold", &args[1..]),
        Some("search") => one("ovo-app", "search", &args[1..]),
        Some("scroll") => one("ovo-app", "payments_scroll", &args[1..]),
        Some("refunds") => one("ovo-ledger", "refunds", &args[1..]),
        Some("customers") => one("ovo-app", "customers", &args[1..]),
        Some("finance") => one("ovo-app", "finance", &args[1..]),
        Some("desks") => bench_desks(root, &args[1..]),
        Some("app") => bench_app::run_bench(root, &args[1..]),
        Some("signing") => one("ovo-providers", "snap_sign", &[]).and_then(|_| one("ovo-providers", "tazapay_sign", &[])),
        Some(other) => bail!("unknown benchmark {other:?}: use ledger, search, scroll, refunds, customers, finance, push, signing, desks or app"),
        None => {
            one("ovo-ledger", "ledger", &[])?;
            one("ovo-app", "search", &[])?;
            one("ovo-app", "payments_scroll", &[])?;
            one("ovo-ledger", "refunds", &[])?;
            one("ovo-app", "customers", &[])?;
            one("ovo-app", "finance", &[])?;
            one("ovo-sandbox", "push_hold", &[])?;
            one("ovo-providers", "snap_sign", &[])?;
            one("ovo-providers", "tazapay_sign", &[])?;
            bench_desks(root, &[])
        }
    }
}

/// `cargo bench -p <package> --bench <bench> [-- extra]`; a leading `--` in `extra` (as in
/// `cargo xtask bench desks -- --payments 100000`) is dropped.
fn bench_command(root: &Path, package: &str, bench: &str, extra: &[String]) -> Command {
    let extra = extra.strip_prefix(&["--".to_owned()][..]).unwrap_or(extra);
    let mut cmd = cargo();
    cmd.args(["bench", "-p", package, "--bench", bench]).current_dir(root);
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    cmd
}

/// The desks benchmark on the PostgreSQL server `OVO_TEST_POSTGRES_URL` names, or on a
/// throw-away one started for it (stopped afterwards, whatever the benchmark's outcome).
fn bench_desks(root: &Path, extra: &[String]) -> Result<()> {
    // Built before the server starts, so it does not sit idle through a release build.
    run(cargo()
        .args(["bench", "-p", "ovo-ledger", "--bench", "desks", "--no-run"])
        .current_dir(root))?;
    let mut cmd = bench_command(root, "ovo-ledger", "desks", extra);
    if std::env::var(postgres::URL_VAR).is_ok_and(|url| !url.is_empty()) {
        println!("desks: on the server {} names", postgres::URL_VAR);
        return run(&mut cmd);
    }
    let server = postgres::TestPostgres::start(root)?;
    cmd.env(postgres::URL_VAR, server.url()).env(PGBENCH_VAR, server.bin_dir().join("pgbench"));
    let outcome = run(&mut cmd);
    server.stop();
    outcome
}

/// The pgbench the desks benchmark runs as its baseline (the started server's own).
const PGBENCH_VAR: &str = "OVO_BENCH_PGBENCH";

fn gen_types(root: &Path) -> Result<()> {
    run(cargo()
        .args(["test", "-q", "-p", "ovo-app", "--test", "app", "ipc_generated_files"])
        .env("OVO_UPDATE_IPC_TYPES", "1")
        .current_dir(root))
}

pub(crate) fn step(what: &str) {
    println!("\n==> {what}");
}

pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub(crate) passed: u64,
    pub(crate) failed: u64,
}

impl Counts {
    pub(crate) fn plus(self, other: Counts) -> Counts {
        Counts { passed: self.passed + other.passed, failed: self.failed + other.failed }
    }
}

/// Runs vitest, echoing its output and adding up its counts
/// ("Tests  31 passed (31)" or "Tests  1 failed | 30 passed (31)").
fn run_vitest(cmd: &mut Command) -> Result<Counts> {
    cmd.env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().with_context(|| format!("cannot start {cmd:?}"))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut counts = Counts::default();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        if line.trim_start().starts_with("Tests ") {
            counts.passed += number_before(&line, " passed");
            counts.failed += number_before(&line, " failed");
        }
    }
    if !child.wait()?.success() && counts.failed == 0 {
        counts.failed += 1; // it failed without counting (a build error, say)
    }
    Ok(counts)
}

pub(crate) fn number_before(line: &str, marker: &str) -> u64 {
    line.find(marker)
        .and_then(|end| {
            let head = &line[..end];
            let start = head.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
            head[start..].parse().ok()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::number_before;

    #[test]
    fn reads_runner_counts() {
        let cargo = "test result: ok. 12 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!((number_before(cargo, " passed"), number_before(cargo, " failed")), (12, 3));
        let vitest = "      Tests  1 failed | 30 passed (31)";
        assert_eq!((number_before(vitest, " passed"), number_before(vitest, " failed")), (30, 1));
        assert_eq!(number_before("      Tests  31 passed (31)", " failed"), 0);
    }
}
