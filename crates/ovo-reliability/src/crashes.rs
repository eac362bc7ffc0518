//! Kills a real app process (the worker binary) with SIGKILL at labelled crash points and at
//! random times, restarts it on the same data directory, lets it run until quiet and compares
//! its ledger with the simulator's record of provider writes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result};
use ovo_domain::{Clock, PaymentStatus, Product, RefundStatus, SystemClock, Timestamp};
use ovo_ledger::bindings::BindingStatus;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::sim::{self, Sim};
use crate::workload::{self, CRASH_ENV, CRASH_MARK};

/// Where one kill lands.
#[derive(Debug, Clone)]
pub struct Kill {
    pub product: Product,
    /// A crash point's label, or `None`: at a random time within `random_ms`.
    pub point: Option<&'static str>,
    pub random_ms: u64,
}

#[derive(Debug, Default, Clone)]
pub struct CrashReport {
    pub kills: u32,
    /// Runs whose worker finished before the crash point or the random time came.
    pub missed: u32,
    /// Where each missed kill was to land.
    pub missed_at: Vec<String>,
    pub lost: u32,
    pub duplicated: u32,
    /// One line per finding: the kill and what went wrong.
    pub findings: Vec<String>,
    /// The simulator keeps no record of writes: duplicates and writes unknown to the ledger
    /// were not counted.
    pub without_writes_record: bool,
}

impl CrashReport {
    pub fn line(&self) -> String {
        format!("crashes: {} kills, {} lost, {} duplicated", self.kills, self.lost, self.duplicated)
    }
}

/// The plan for `kills` kills: every fourth at a random time, the others at every product's
/// crash points in turn (spread over all of them when there are fewer kills than points).
pub fn plan(kills: u32, seed: u64) -> Vec<Kill> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let labelled: Vec<(Product, &'static str)> = Product::ALL
        .into_iter()
        .flat_map(|p| workload::points_for(p).into_iter().map(move |point| (p, point)))
        .collect();
    let at_points = (kills - kills / 4) as usize;
    let mut next = 0;
    (0..kills)
        .map(|i| {
            if i % 4 == 3 {
                Kill {
                    product: Product::ALL[rng.gen_range(0..Product::ALL.len())],
                    point: None,
                    random_ms: rng.gen_range(100..1_500),
                }
            } else {
                let index = if at_points >= labelled.len() {
                    next % labelled.len()
                } else {
                    next * labelled.len() / at_points
                };
                let (product, point) = labelled[index];
                next += 1;
                Kill { product, point: Some(point), random_ms: 0 }
            }
        })
        .collect()
}

pub fn worker_path() -> Result<PathBuf> {
    if let Ok(path) = std::env::var("OVO_RELIABILITY_WORKER") {
        return Ok(PathBuf::from(path));
    }
    let me = std::env::current_exe()?;
    let dir = me.parent().context("no directory")?;
    // Beside this binary, or one level up from a test binary in deps/.
    for candidate in [dir.join("ovo-reliability-worker"), dir.join("../ovo-reliability-worker")] {
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    anyhow::bail!(
        "ovo-reliability-worker not found beside {}; build it (cargo build -p ovo-reliability)",
        me.display()
    )
}

/// Runs the kills, `parallel` at a time, each on its own data directory and its own simulator.
pub async fn run(plan: Vec<Kill>, parallel: usize, worker: &Path) -> Result<CrashReport> {
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::new();
    for (i, kill) in plan.into_iter().enumerate() {
        let permit = semaphore.clone().acquire_owned().await?;
        let worker = worker.to_owned();
        tasks.push(tokio::spawn(async move {
            let outcome = one(i, &kill, &worker).await;
            drop(permit);
            (kill, outcome)
        }));
    }
    let mut report = CrashReport::default();
    for task in tasks {
        let (kill, outcome) = task.await?;
        let outcome = outcome.with_context(|| format!("kill {kill:?}"))?;
        match outcome {
            None => {
                report.missed += 1;
                report.missed_at.push(format!(
                    "{} at {}",
                    kill.product.key(),
                    kill.point
                        .map_or_else(|| format!("random {} ms", kill.random_ms), str::to_owned)
                ));
            }
            Some(found) => {
                report.kills += 1;
                report.lost += found.lost.len() as u32;
                report.duplicated += found.duplicated.len() as u32;
                report.without_writes_record |= found.without_writes_record;
                let at = kill
                    .point
                    .map_or_else(|| format!("random {} ms", kill.random_ms), str::to_owned);
                for what in found.lost {
                    report.findings.push(format!(
                        "lost after a kill at {at} ({}): {what}",
                        kill.product.key()
                    ));
                }
                for what in found.duplicated {
                    report.findings.push(format!(
                        "duplicated after a kill at {at} ({}): {what}",
                        kill.product.key()
                    ));
                }
            }
        }
    }
    Ok(report)
}

#[derive(Debug, Default)]
struct Found {
    lost: Vec<String>,
    duplicated: Vec<String>,
    without_writes_record: bool,
}

/// One kill and restart; `None` when the worker ended before the kill came.
async fn one(index: usize, kill: &Kill, worker: &Path) -> Result<Option<Found>> {
    // The listener's address is the same across the restart, as the app's stored setting is.
    let listener = sim::free_listener_address()?;
    let sim = Sim::start(&listener).await?;
    let dir = tempfile::Builder::new().prefix(&format!("ovo-crash-{index}-")).tempdir()?;
    let since = SystemClock.now();
    let spawn = |mode: &str, point: Option<&str>| {
        let mut command = Command::new(worker);
        command
            .args([
                dir.path().to_string_lossy().as_ref(),
                &sim.url(),
                kill.product.key(),
                &since.unix_millis().to_string(),
                mode,
                &listener,
            ])
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(point) = point {
            command.env(CRASH_ENV, point);
        }
        command.spawn()
    };
    let mut child = spawn("script", kill.point)?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let killed = match kill.point {
        Some(point) => {
            let expected = format!("{CRASH_MARK} {point}");
            let mut hit = false;
            while let Some(line) = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
                .await
                .context("worker hung")??
            {
                if line == expected {
                    hit = true;
                    break;
                }
            }
            hit
        }
        None => tokio::time::timeout(Duration::from_millis(kill.random_ms), async {
            while let Ok(Some(_)) = lines.next_line().await {}
        })
        .await
        .is_err(),
    };
    if !killed {
        let _ = tokio::time::timeout(Duration::from_secs(300), child.wait()).await;
        return Ok(None);
    }
    // SIGKILL: no destructor, no flush, no goodbye.
    child.start_kill()?;
    child.wait().await?;

    // A notification the listener stored just before the worker stopped is applied at the
    // app's next start: the app is started again (at most twice) while one is left unapplied.
    for start in 0..3 {
        if start > 0 && unapplied_notifications(dir.path()).await? == 0 {
            break;
        }
        let mut again = spawn("resume", None)?;
        let status = tokio::time::timeout(Duration::from_secs(600), again.wait())
            .await
            .context("restarted worker hung")??;
        anyhow::ensure!(status.success(), "the restarted worker failed: {status}");
    }
    let found = compare(dir.path(), since, &sim, kill).await?;
    if std::env::var_os("OVO_RELIABILITY_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
    Ok(Some(found))
}

async fn unapplied_notifications(dir: &Path) -> Result<usize> {
    let (ledger, _) =
        ovo_ledger::Ledger::open(&dir.join("data").join(ovo_app::LEDGER_FILE)).await?;
    let mut conn = ledger.read().await?;
    let count = ovo_ledger::notifications::unapplied(&mut conn, None, 100).await?.len();
    drop(conn);
    ledger.close().await;
    Ok(count)
}

async fn compare(dir: &Path, since: Timestamp, sim: &Sim, kill: &Kill) -> Result<Found> {
    let (ledger, _) =
        ovo_ledger::Ledger::open(&dir.join("data").join(ovo_app::LEDGER_FILE)).await?;
    let work = workload::work_since(&ledger, since).await?;
    let writes = sim.writes().await?;
    let mut found = Found { without_writes_record: writes.is_none(), ..Found::default() };
    let writes = writes.unwrap_or_default();
    let now = SystemClock.now().plus_millis(workload::RESTART_CLOCK_AHEAD_MS);
    if std::env::var_os("OVO_RELIABILITY_VERBOSE").is_some() {
        let payments: Vec<String> = work
            .payments
            .iter()
            .map(|p| format!("{} {} {}", p.product.key(), p.reference.as_str(), p.status.key()))
            .collect();
        let refunds: Vec<String> = work
            .refunds
            .iter()
            .map(|r| format!("{} {}", r.reference.as_str(), r.status.key()))
            .collect();
        eprintln!("{}: payments {payments:?} refunds {refunds:?} writes {writes:?}", dir.display());
    }
    for p in &work.payments {
        let reference = p.reference.as_str();
        // Each attempt (Tazapay's ask-again is `<reference>/attempt-<n>`) is a write of its own.
        let attempts: Vec<&sim::Write> = writes
            .iter()
            .filter(|w| w.kind == "payment" && sim::names(&w.reference, &sim::payment_id_sent(p)))
            .collect();
        let processed: u64 = attempts.iter().map(|w| w.processed).sum();
        if workload::payment_open(p.status) && p.give_up_at.is_some_and(|at| at < now) {
            found.lost.push(format!(
                "payment {reference} still {} past its give-up time",
                p.status.key()
            ));
        } else if workload::payment_open(p.status) && p.next_check_at.is_none() {
            found.lost.push(format!(
                "payment {reference} left {} with no status check to come",
                p.status.key()
            ));
        } else if processed > 0
            && (workload::payment_open(p.status) || p.status == PaymentStatus::NeedsReview)
        {
            found.lost.push(format!(
                "payment {reference} processed by the provider but {} in the ledger",
                p.status.key()
            ));
        } else if !found.without_writes_record
            && processed == 0
            && p.status == PaymentStatus::Succeeded
        {
            found.lost.push(format!(
                "payment {reference} succeeded in the ledger but never processed by the provider"
            ));
        }
        for w in attempts.iter().filter(|w| w.processed > 1) {
            found.duplicated.push(format!(
                "payment {reference} ({}) processed {} times",
                w.reference, w.processed
            ));
        }
    }
    for r in &work.refunds {
        let reference = r.reference.as_str();
        let processed = sim::write_for(&writes, "refund", reference).map_or(0, |w| w.processed);
        if workload::refund_open(r.status) {
            found.lost.push(format!("refund {reference} left {} once quiet", r.status.key()));
        } else if processed > 0 && r.status == RefundStatus::Failed {
            found.lost.push(format!("refund {reference} processed by the provider but failed in the ledger (its reservation released)"));
        } else if processed > 0 && r.status == RefundStatus::NeedsReview {
            found.lost.push(format!(
                "refund {reference} processed by the provider but handed to finance as undecidable"
            ));
        } else if !found.without_writes_record
            && processed == 0
            && r.status == RefundStatus::Succeeded
        {
            found.lost.push(format!(
                "refund {reference} succeeded in the ledger but never processed by the provider"
            ));
        }
        if processed > 1 {
            found.duplicated.push(format!("refund {reference} processed {processed} times"));
        }
    }
    if let Some(phone) = workload::linked_phone(kill.product) {
        // The demo account starts linked. Once the provider carried out an unlink, the ledger
        // must say unlinked; while it has not, linked. (A linking the customer completes is
        // only ever active in the ledger through the provider's answer, so a new linking can
        // only be behind the provider, which the script's page visit rules out in killed runs.)
        let mut conn = ledger.read().await?;
        let phone = ovo_domain::Msisdn::parse(phone).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut demo = None;
        for customer in ovo_ledger::customers::by_phone(&mut conn, &phone).await? {
            let rows = ovo_ledger::bindings::for_customer(
                &mut conn,
                customer.id,
                ovo_domain::Environment::BuiltInSandbox,
            )
            .await?;
            demo = demo.or(rows
                .into_iter()
                .filter(|r| r.product == kill.product && r.phone == phone && r.created_at < since)
                .min_by_key(|r| r.id.get()));
        }
        drop(conn);
        let mut unlinked_at_provider = false;
        for w in writes
            .iter()
            .filter(|w| w.product == kill.product.key() && (w.kind == "link" || w.kind == "unlink"))
        {
            if w.processed > 1 {
                found
                    .duplicated
                    .push(format!("{} {} processed {} times", w.kind, w.reference, w.processed));
            }
            unlinked_at_provider |= w.kind == "unlink" && w.processed > 0;
        }
        let demo = demo.context("the demo account's linking is not in the ledger")?;
        {
            let agrees = match demo.status {
                BindingStatus::Unlinked => unlinked_at_provider,
                BindingStatus::Active | BindingStatus::NeedsRelink => !unlinked_at_provider,
                // Left unlinking once quiet: the unlink was never resolved.
                _ => false,
            };
            if !agrees {
                found.lost.push(format!(
                    "the demo account through {} is {} in the ledger, {} at the provider",
                    kill.product.key(),
                    demo.status.key(),
                    if unlinked_at_provider { "unlinked" } else { "linked" }
                ));
            }
        }
    }
    {
        let mut conn = ledger.read().await?;
        for n in ovo_ledger::notifications::unapplied(&mut conn, None, 100).await? {
            found.lost.push(format!(
                "{} notification {} stored but never applied",
                n.product, n.dedup_key
            ));
        }
    }
    for w in writes.iter().filter(|w| w.processed > 0) {
        let known = match w.kind.as_str() {
            "payment" => {
                work.payments.iter().any(|p| sim::names(&w.reference, &sim::payment_id_sent(p)))
            }
            "refund" => work.refunds.iter().any(|r| sim::names(&w.reference, r.reference.as_str())),
            _ => true,
        };
        if !known {
            found.lost.push(format!(
                "{} {} processed by the provider, unknown to the ledger",
                w.kind, w.reference
            ));
        }
    }
    ledger.close().await;
    Ok(found)
}
