//! A real app process for the crash harness: `ovo-reliability-worker DIR SANDBOX_URL PRODUCT
//! SINCE_MS (script|resume) LISTENER` (LISTENER: the notification listener's `127.0.0.1:port`).
//! `script` runs one product's scripted workload (the flow the armed crash point is in), then
//! the background work until quiet; `resume` only the background work, as a restart after a
//! crash does (its clock a little ahead, see `RESTART_CLOCK_AHEAD_MS`). With
//! `OVO_RELIABILITY_CRASH_AT` set to a crash point's label, reaching that point prints
//! `CRASH-POINT <label>` and blocks until the parent kills the process.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use ovo_domain::{Product, Timestamp};
use ovo_reliability::workload::{self, CRASH_ENV, CRASH_MARK};

fn main() {
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("worker: no runtime: {e}");
                std::process::exit(2);
            }
        };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("worker: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, url, product, since, mode, listener] = args.as_slice() else {
        bail!("usage: ovo-reliability-worker DIR SANDBOX_URL PRODUCT SINCE_MS (script|resume) LISTENER");
    };
    let dir = PathBuf::from(dir);
    let product = Product::parse(product).map_err(|e| anyhow::anyhow!("{e}"))?;
    let since = Timestamp::from_unix_millis(since.parse().context("SINCE_MS")?);
    if let Ok(label) = std::env::var(CRASH_ENV) {
        let printed = label.clone();
        fail::cfg_callback(&label, move || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{CRASH_MARK} {printed}");
            let _ = out.flush();
            // Held here until the parent's SIGKILL.
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        })
        .map_err(anyhow::Error::msg)?;
    }
    match mode.as_str() {
        "script" => {
            let app = workload::open(&dir, url, 0, listener).await?;
            let script = workload::Script::for_point(std::env::var(CRASH_ENV).ok().as_deref());
            workload::run(&app, script, product, 40_000).await?;
            println!("SCRIPT-DONE");
            workload::run_until_quiet(&app, since, Duration::from_secs(3), Duration::from_secs(60))
                .await?;
        }
        "resume" => {
            let app = workload::open(&dir, url, workload::RESTART_CLOCK_AHEAD_MS, listener).await?;
            // 90 s at the time scale is over seven provider days: what is open then is not being resolved.
            workload::run_until_quiet(&app, since, Duration::from_secs(5), Duration::from_secs(90))
                .await?;
        }
        other => bail!("unknown mode {other:?}: script or resume"),
    }
    println!("QUIET");
    Ok(())
}
