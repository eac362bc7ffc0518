//! Running the test executables: every one, also after a failure, several at a time. The
//! suites spend much of their time waiting (on the simulator's delays, timeouts, the webview),
//! so one after another would leave the cores idle. End-to-end executables run one at a time:
//! there is one display and one WebDriver server.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::{number_before, Counts};

/// A test executable cargo built, and its package's folder (where cargo runs it).
pub(crate) struct TestBinary {
    pub path: PathBuf,
    pub package_dir: PathBuf,
}

impl TestBinary {
    pub fn is_end_to_end(&self) -> bool {
        self.package_dir.ends_with("e2e")
    }

    /// The ledger's and the app's suites run a second time on PostgreSQL.
    pub fn runs_on_postgres(&self) -> bool {
        ["crates/ovo-ledger", "crates/ovo-app"].iter().any(|d| self.package_dir.ends_with(d))
    }

    /// Runs it as `cargo test` would.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.path);
        command.current_dir(&self.package_dir).env("CARGO_MANIFEST_DIR", &self.package_dir);
        command
    }
}

/// The three passes of `cargo xtask test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    Sqlite,
    Postgres,
    EndToEnd,
}

impl Pass {
    fn index(self) -> usize {
        self as usize
    }

    fn label(self) -> &'static str {
        match self {
            Pass::Sqlite => "sqlite",
            Pass::Postgres => "postgres",
            Pass::EndToEnd => "end-to-end",
        }
    }
}

/// One run of one executable.
#[derive(Clone, Copy)]
pub(crate) struct Run<'a> {
    pub test: &'a TestBinary,
    pub pass: Pass,
}

struct Queue<'a> {
    waiting: VecDeque<Run<'a>>,
    end_to_end_running: bool,
}

/// Held while an end-to-end run runs; its drop (also on a panic) lets the next one start.
struct EndToEndTurn<'q, 'a>(&'q Mutex<Queue<'a>>, &'q Condvar);

impl Drop for EndToEndTurn<'_, '_> {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).end_to_end_running = false;
        self.1.notify_all();
    }
}

/// Runs `runs` on `workers` threads, in order as far as the one-end-to-end-at-a-time rule
/// allows; `prepare` sets each run's arguments and environment. Each executable's output is
/// printed whole when it ends. Answers the counts of each pass.
pub(crate) fn run_all(
    runs: Vec<Run<'_>>,
    workers: usize,
    prepare: impl Fn(&mut Command, Pass) + Sync,
) -> Result<[Counts; 3]> {
    let queue = Mutex::new(Queue { waiting: runs.into(), end_to_end_running: false });
    let changed = Condvar::new();
    let counts = Mutex::new([Counts::default(); 3]);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| loop {
                let run = {
                    let mut queue = queue.lock().unwrap_or_else(|p| p.into_inner());
                    loop {
                        if queue.waiting.is_empty() {
                            return;
                        }
                        let busy = queue.end_to_end_running;
                        let next =
                            queue.waiting.iter().position(|r| !(busy && r.pass == Pass::EndToEnd));
                        if let Some(next) = next {
                            let run = queue.waiting.remove(next).expect("a queued run");
                            queue.end_to_end_running |= run.pass == Pass::EndToEnd;
                            break run;
                        }
                        queue = changed.wait(queue).unwrap_or_else(|p| p.into_inner());
                    }
                };
                // Whatever happens to this run, the next end-to-end one may start after it.
                let turn = (run.pass == Pass::EndToEnd).then(|| EndToEndTurn(&queue, &changed));
                let mut command = run.test.command();
                prepare(&mut command, run.pass);
                let ran = run_captured(&mut command, run);
                drop(turn);
                match ran {
                    Ok(ran) => {
                        let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
                        counts[run.pass.index()] = counts[run.pass.index()].plus(ran);
                    }
                    Err(e) => {
                        failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(counts.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Output printed by one executable at a time.
static PRINTING: Mutex<()> = Mutex::new(());

/// Runs a test executable to its end and prints its output (stdout, then stderr) in one piece.
fn run_captured(cmd: &mut Command, run: Run<'_>) -> Result<Counts> {
    cmd.env("NO_COLOR", "1").env("FORCE_COLOR", "0");
    let started = Instant::now();
    let ran = cmd.output().with_context(|| format!("cannot start {cmd:?}"))?;
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    let mut counts = Counts::default();
    for line in stdout.lines().chain(stderr.lines()).filter(|l| l.starts_with("test result:")) {
        counts.passed += number_before(line, " passed");
        counts.failed += number_before(line, " failed");
    }
    if !ran.status.success() && counts.failed == 0 {
        counts.failed += 1; // it failed without counting (it crashed, say)
    }
    let _printing = PRINTING.lock().unwrap_or_else(|p| p.into_inner());
    let label = run.pass.label();
    println!("\n     Running [{label}] {}", run.test.path.display());
    print!("{stdout}{stderr}");
    println!("     [{label}] {:.1} s", started.elapsed().as_secs_f64());
    Ok(counts)
}
