//! `cargo xtask bench app`: the app as it ships (profile `dist`) under Xvfb, driven through
//! tauri-driver: cold start to the first screen, to the first customer search answered, resident
//! memory (the app and its WebKit processes) idle, after scrolling 100,000 payments and while the
//! background poller works on 1,000 open payments, and IPC round trips. Beside the idle figure,
//! the same run measures a blank WebKitGTK window (`blank_web_view.c`): the engine's own share.
//! Prints figures against goals; asserts nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::background::Session;
use crate::webdriver::Browser;
use crate::{run, setup, step};

const FIRST_SCREEN_GOAL_MS: u64 = 1_500;
const IDLE_GOAL_KB: u64 = 200 * 1024;
const DEMO_STAFF: &str = "demo.staff";
const WAIT: Duration = Duration::from_secs(60);

struct Options {
    runs: usize,
    minutes: u64,
    payments: usize,
    open: usize,
    calls: usize,
    /// Only the background poller's run (`--poller-only`), for the long one.
    poller_only: bool,
    /// The poller's run against the app's in-process sandbox (`--in-process-sandbox`) instead
    /// of one in its own process, as a provider is.
    in_process_sandbox: bool,
}

fn options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        runs: 5,
        minutes: 5,
        payments: 100_000,
        open: 1_000,
        calls: 1_000,
        poller_only: false,
        in_process_sandbox: false,
    };
    let mut args = args.iter().filter(|a| *a != "--");
    while let Some(flag) = args.next() {
        if flag == "--poller-only" {
            options.poller_only = true;
            continue;
        }
        if flag == "--in-process-sandbox" {
            options.in_process_sandbox = true;
            continue;
        }
        let value: u64 = args
            .next()
            .and_then(|v| v.replace('_', "").parse().ok())
            .with_context(|| format!("{flag} needs a number"))?;
        let count = usize::try_from(value.max(1))?;
        match flag.as_str() {
            "--runs" => options.runs = count.max(2),
            "--minutes" => options.minutes = value.max(1),
            "--payments" => options.payments = count,
            "--open" => options.open = count,
            "--calls" => options.calls = count,
            _ => bail!(
                "unknown argument {flag}: bench app [--runs N] [--minutes N] [--payments N] [--open N] [--calls N] [--poller-only] [--in-process-sandbox]"
            ),
        }
    }
    Ok(options)
}

pub fn run_bench(root: &Path, args: &[String]) -> Result<()> {
    let options = options(args)?;
    setup::system_packages(setup::Purpose::Test)?;
    setup::ui_dependencies(root)?;
    let tauri_driver = setup::tauri_driver(root)?;
    let app = build_shipped_app(root)?;
    let seeder = build_seeder(root)?;
    let sandbox = build_sandbox(root)?;
    let work = crate::target_dir(root).join("bench-app");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let blank_web_view = build_blank_web_view(root, &work)?;
    // A copy: a build during the run (a bundle, say) must not change the app under it.
    let app = {
        let copy = work.join("ovo-backoffice");
        std::fs::copy(&app, &copy).with_context(|| format!("cannot copy {}", app.display()))?;
        copy
    };
    let session = Session::start_in(&work.join("session"), &tauri_driver)?;
    let url = session.webdriver_url().context("no WebDriver URL")?.to_owned();
    let mut report = Report::default();
    let bench = Bench {
        session: &session,
        webdriver: &url,
        app: &app,
        blank_web_view: &blank_web_view,
        seeder: &seeder,
        sandbox: &sandbox,
        work: &work,
        options: &options,
    };
    let outcome = if options.poller_only {
        poller_run(&bench, &mut report)
    } else {
        measure(&bench, &mut report)
    };
    session.stop();
    report.print();
    outcome
}

/// The Cargo profile of the app as it ships (Cargo.toml's `[profile.dist]`: release, optimised
/// across crates at link time).
pub const SHIPPED_PROFILE: &str = "dist";

/// Builds the UI (`ui/dist`, which the app embeds).
pub fn build_ui(root: &Path) -> Result<()> {
    step("building the UI");
    run(Command::new("npm").args(["run", "build"]).current_dir(root.join("ui")))
}

/// Builds the UI and the app as the package ships it; returns the binary.
fn build_shipped_app(root: &Path) -> Result<PathBuf> {
    build_ui(root)?;
    step(&format!("building the app as it ships (profile {SHIPPED_PROFILE})"));
    run(crate::cargo()
        .args(["build", "--profile", SHIPPED_PROFILE, "-p", "ovo-backoffice"])
        .args(["--features", "tauri/custom-protocol"])
        .current_dir(root))?;
    Ok(crate::target_dir(root).join(SHIPPED_PROFILE).join("ovo-backoffice"))
}

/// The provider sandbox on its own (`ovo-sandbox`), which the poller's run talks to as the app
/// talks to a provider; built as the app is.
fn build_sandbox(root: &Path) -> Result<PathBuf> {
    step(&format!("building the provider sandbox (profile {SHIPPED_PROFILE})"));
    run(crate::cargo()
        .args(["build", "--profile", SHIPPED_PROFILE, "-p", "ovo-sandbox", "--bin", "ovo-sandbox"])
        .current_dir(root))?;
    Ok(crate::target_dir(root).join(SHIPPED_PROFILE).join("ovo-sandbox"))
}

/// The engine alone (`blank_web_view.c`), built with the system's C compiler against the
/// WebKitGTK the app links.
fn build_blank_web_view(root: &Path, work: &Path) -> Result<PathBuf> {
    step("building the blank web view (the engine alone)");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "webkit2gtk-4.1"])
        .output()
        .context("cannot run pkg-config")?;
    if !flags.status.success() {
        bail!(
            "pkg-config does not know webkit2gtk-4.1: {}",
            String::from_utf8_lossy(&flags.stderr)
        );
    }
    let binary = work.join("blank-web-view");
    run(Command::new("cc")
        .arg("-O2")
        .arg(root.join("xtask/src/blank_web_view.c"))
        .arg("-o")
        .arg(&binary)
        .args(String::from_utf8_lossy(&flags.stdout).split_whitespace()))?;
    Ok(binary)
}

/// The payments scroll benchmark's executable, which also seeds an app's ledger file; built
/// unoptimised like the tests (it times nothing here).
fn build_seeder(root: &Path) -> Result<PathBuf> {
    step("building the payments seeding (the scroll benchmark)");
    crate::cargo_messages(
        root,
        &["test", "-p", "ovo-app", "--bench", "payments_scroll", "--no-run"],
    )
    .context("the scroll benchmark did not build")?
    .into_iter()
    .find(|m| m["target"]["name"] == "payments_scroll" && m["executable"].is_string())
    .and_then(|m| m["executable"].as_str().map(PathBuf::from))
    .context("cargo named no payments_scroll executable")
}

/// What every measurement runs on: the desktop session and tauri-driver's URL, the app, the
/// blank web view, the ledger seeding, the provider sandbox, the run's folder and the options.
#[derive(Clone, Copy)]
struct Bench<'a> {
    session: &'a Session,
    webdriver: &'a str,
    app: &'a Path,
    blank_web_view: &'a Path,
    seeder: &'a Path,
    sandbox: &'a Path,
    work: &'a Path,
    options: &'a Options,
}

/// One app installation: a data directory and the launcher tauri-driver starts.
pub struct Install {
    pub data: PathBuf,
    app: PathBuf,
    launcher: PathBuf,
}

impl Install {
    pub fn new(dir: &Path, app: &Path) -> Result<Install> {
        let data = dir.join("data");
        std::fs::create_dir_all(&data)?;
        let launcher = dir.join("launch.sh");
        let script = format!(
            "#!/bin/sh\nexport OVO_BACKOFFICE_DATA_DIR='{}'\nexec '{}' \"$@\" 2>>'{}'\n",
            data.display(),
            app.display(),
            dir.join("stderr.log").display()
        );
        std::fs::write(&launcher, script)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))?;
        Ok(Install { data, app: app.to_path_buf(), launcher })
    }

    /// The same app and data folder, started with `env` added (its launcher in `name`).
    pub fn with_env(&self, name: &str, env: &[(&str, &str)]) -> Result<Install> {
        let launcher = self.launcher.with_file_name(format!("launch-{name}.sh"));
        let script = std::fs::read_to_string(&self.launcher)?;
        let exports: String = env.iter().map(|(k, v)| format!("export {k}='{v}'\n")).collect();
        std::fs::write(&launcher, script.replacen("\nexec ", &format!("\n{exports}exec "), 1))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))?;
        Ok(Install { data: self.data.clone(), app: self.app.clone(), launcher })
    }

    pub fn launch(&self, webdriver: &str) -> Result<Browser> {
        Browser::launch(webdriver, &self.launcher)
    }

    /// Closes the app and waits until its processes have ended (the ledger and the app's D-Bus
    /// name free again). They are named before the quit: an ending process soon has no
    /// executable or environment to recognise it by, while it still holds its sockets.
    pub fn close(&self, browser: Browser) -> Result<()> {
        let ours = self.process_ids();
        let closed = browser.quit();
        wait_until_ended(&ours);
        closed
    }

    /// The app and every process under it (WebKit's).
    fn process_ids(&self) -> Vec<u32> {
        let tree = process_tree();
        let mut pids = app_processes(&self.app, &self.data);
        let mut found = Vec::new();
        while let Some(pid) = pids.pop() {
            found.push(pid);
            pids.extend(tree.iter().filter(|(_, parent)| *parent == pid).map(|(p, _)| *p));
        }
        found
    }

    /// Resident memory of the app and every process under it (WebKit's), in KiB.
    pub fn resident_kb(&self) -> u64 {
        self.resident_by_process().iter().map(|(_, kb)| kb).sum()
    }

    /// The same processes' proportional set in KiB: a page shared by several counts once in all.
    pub fn proportional_kb(&self) -> u64 {
        self.process_ids()
            .into_iter()
            .map(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                    .unwrap_or_default()
                    .lines()
                    .find(|l| l.starts_with("Pss:"))
                    .map_or(0, |l| crate::number_before(l, " kB"))
            })
            .sum()
    }

    /// Each of those processes' name and resident memory in KiB.
    fn resident_by_process(&self) -> Vec<(String, u64)> {
        self.process_ids()
            .into_iter()
            .map(|pid| {
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                (name.trim().to_owned(), vm_rss_kb(pid))
            })
            .collect()
    }

    /// The largest parts of the proportional set over all the processes, by what is mapped: a
    /// library or the app's binary by file name, and `anonymous` for the heaps and the rest.
    fn largest_parts(&self, how_many: usize) -> String {
        let mut parts: std::collections::BTreeMap<String, u64> = Default::default();
        for pid in self.process_ids() {
            let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
            let mut part = String::new();
            for line in smaps.lines() {
                if let Some(pss) = line.strip_prefix("Pss:") {
                    *parts.entry(part.clone()).or_default() += crate::number_before(pss, " kB");
                } else if line.split_whitespace().next().is_some_and(|f| f.contains('-')) {
                    // "start-end perms offset dev inode [path]": a new mapping.
                    let path = line.split_whitespace().nth(5).unwrap_or("");
                    part = match path.rsplit('/').next() {
                        Some(file) if path.starts_with('/') => file.to_owned(),
                        _ => "anonymous".to_owned(),
                    };
                }
            }
        }
        let mut parts: Vec<(String, u64)> = parts.into_iter().collect();
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        let named: Vec<String> =
            parts.iter().take(how_many).map(|(name, kb)| format!("{name} {}", mb(*kb))).collect();
        named.join(", ")
    }

    fn breakdown(&self) -> String {
        let parts: Vec<String> = self
            .resident_by_process()
            .iter()
            .filter(|(_, kb)| *kb > 0)
            .map(|(name, kb)| format!("{name} {}", mb(*kb)))
            .collect();
        parts.join(", ")
    }
}

/// Waits up to 20 s for `pids` to end, then kills those left.
fn wait_until_ended(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while pids.iter().any(|pid| running(*pid)) {
        if Instant::now() > deadline {
            for pid in pids.iter().filter(|pid| running(**pid)) {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The processes of `app` running on `data` (their OVO_BACKOFFICE_DATA_DIR).
fn app_processes(app: &Path, data: &Path) -> Vec<u32> {
    let marker = format!("OVO_BACKOFFICE_DATA_DIR={}\0", data.display());
    let app = app.canonicalize().unwrap_or_else(|_| app.to_path_buf());
    process_tree()
        .into_iter()
        .map(|(pid, _)| pid)
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app)
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.windows(marker.len()).any(|w| w == marker.as_bytes()))
        })
        .collect()
}

/// Whether `pid` still runs: an ended process not yet reaped is a zombie (`Z`), its sockets closed.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with(['Z', 'X']))
    })
}

/// Every process and its parent.
fn process_tree() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid …"; comm may hold spaces.
            let after = &stat[stat.rfind(')')? + 1..];
            let parent = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, parent))
        })
        .collect()
}

fn vm_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .map_or(0, |l| crate::number_before(l, " kB"))
}

/// The printed figures, filled in as they are measured.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
}

impl Report {
    fn add(&mut self, line: String) {
        println!("{line}");
        self.lines.push(line);
    }

    fn print(&self) {
        println!("\napp benchmark (profile {SHIPPED_PROFILE}, Xvfb 1280x800x24):");
        for line in &self.lines {
            println!("  {line}");
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

fn measure(bench: &Bench, report: &mut Report) -> Result<()> {
    let Bench { webdriver, app, seeder, work, options, .. } = *bench;
    let demo = Install::new(&work.join("demo"), app)?;

    step(&format!("cold start to the first screen, {} runs", options.runs));
    let mut starts = Vec::new();
    for i in 0..options.runs {
        let started = Instant::now();
        let browser = demo.launch(webdriver)?;
        browser.wait_for("screen-setup", WAIT)?;
        let took = millis(started);
        let what = if i == 0 { " (first start: a new demo ledger)" } else { "" };
        println!("start {}: {}{what}", i + 1, seconds(took));
        starts.push(took);
        demo.close(browser)?;
    }
    let first_start = starts.remove(0);
    let median_start = median(&mut starts);
    report.add(format!(
        "first screen, cold start (median of {} restarts): {}   goal ≤ {}   {}",
        starts.len(),
        seconds(median_start),
        seconds(FIRST_SCREEN_GOAL_MS),
        verdict(median_start <= FIRST_SCREEN_GOAL_MS)
    ));
    report.add(format!(
        "first screen, very first start (creates the ledger): {}",
        seconds(first_start)
    ));

    step("cold start to the first customer search answered (demo.staff searches \"Budi\")");
    let (mut totals, mut searches) = (Vec::new(), Vec::new());
    let mut signed_in = None;
    for i in 0..3 {
        let started = Instant::now();
        let browser = demo.launch(webdriver)?;
        sign_in_demo(&browser)?;
        browser.click("nav-customers")?;
        let asked = Instant::now();
        browser.fill("customer-search", "Budi")?;
        browser.wait_for("search-hit", WAIT)?;
        let (total, search) = (millis(started), millis(asked));
        println!("run {}: {} from spawn, search {}", i + 1, seconds(total), seconds(search));
        totals.push(total);
        searches.push(search);
        if i == 2 {
            signed_in = Some(browser);
        } else {
            demo.close(browser)?;
        }
    }
    report.add(format!(
        "first customer search answered, cold start (median of 3): {} (typing to hit {})",
        seconds(median(&mut totals)),
        seconds(median(&mut searches))
    ));
    let browser = signed_in.context("no signed-in app")?;

    step("memory idle after sign-in (15 s settle)");
    let idle = idle_memory(&demo);
    report.add(format!(
        "memory idle after sign-in: {} proportional set, shared pages counted once ({} summed resident: {}; largest parts: {})   goal ≤ {}   {}",
        mb(idle.proportional),
        mb(idle.resident),
        idle.breakdown,
        idle.largest,
        mb(IDLE_GOAL_KB),
        verdict(idle.proportional <= IDLE_GOAL_KB)
    ));

    step(&format!("IPC round trips from the webview, {} calls each", options.calls));
    for (command, args) in [
        ("ping", json!({})),
        ("session_status", json!({})),
        ("search_customers", json!({ "input": { "query": "Budi", "limit": 20 } })),
    ] {
        let mut trips = round_trips(&browser, command, &args, options.calls)?;
        report.add(format!(
            "IPC {command:<17} p50 {}  p99 {}  mean {} (page timer step {})",
            micros_text(percentile(&mut trips.each, 50)),
            micros_text(percentile(&mut trips.each, 99)),
            micros_text(trips.mean),
            micros_text(trips.timer_step)
        ));
    }
    demo.close(browser)?;

    step("baseline: memory idle after sign-in with WebKit's default renderer");
    let defaults = demo.with_env("defaults", &[("OVO_BACKOFFICE_WEBKIT_DEFAULTS", "1")])?;
    let browser = defaults.launch(webdriver)?;
    sign_in_demo(&browser)?;
    let baseline = idle_memory(&defaults);
    defaults.close(browser)?;
    report.add(format!(
        "baseline, WebKit's default renderer: {} proportional set ({} summed resident: {}; largest parts: {}); the app's renderer uses {}% of it",
        mb(baseline.proportional),
        mb(baseline.resident),
        baseline.breakdown,
        baseline.largest,
        idle.proportional * 100 / baseline.proportional.max(1)
    ));

    step("the engine alone: a blank WebKitGTK window with the app's renderer, idle");
    let engine = engine_alone(bench)?;
    report.add(format!(
        "the engine alone, a blank WebKitGTK window with the app's renderer: {} proportional set ({} summed resident: {}; largest parts: {}); the app adds {} to it, where the idle goal leaves {}",
        mb(engine.proportional),
        mb(engine.resident),
        engine.breakdown,
        engine.largest,
        mb(idle.proportional.saturating_sub(engine.proportional)),
        mb(IDLE_GOAL_KB.saturating_sub(engine.proportional))
    ));

    step(&format!("scrolling {} payments", options.payments));
    seed(seeder, &demo.data, options.payments, 0, None)?;
    let browser = demo.launch(webdriver)?;
    sign_in_demo(&browser)?;
    browser.click("nav-payments")?;
    browser.wait_for("payments-list", WAIT)?;
    std::thread::sleep(Duration::from_secs(5));
    let before = demo.proportional_kb();
    let scrolled = scroll_to_end(&browser, options.payments)?;
    std::thread::sleep(Duration::from_secs(10));
    let after = idle_memory(&demo);
    report.add(format!(
        "memory after scrolling {} payments: {} proportional set (before {}; {scrolled}; {} summed resident: {})   goal ≤ {}   {}",
        options.payments,
        mb(after.proportional),
        mb(before),
        mb(after.resident),
        after.breakdown,
        mb(IDLE_GOAL_KB),
        verdict(after.proportional <= IDLE_GOAL_KB)
    ));
    demo.close(browser)?;

    poller_run(bench, report)
}

/// The background poller on `options.open` open payments: resident memory sampled over
/// `options.minutes`, and its least-squares slope.
fn poller_run(bench: &Bench, report: &mut Report) -> Result<()> {
    let Bench { webdriver, app, seeder, sandbox, work, options, .. } = *bench;
    let apart = !options.in_process_sandbox;
    step(&format!(
        "the background poller on {} open payments, sampled for {} min, against {}",
        options.open,
        options.minutes,
        if apart { "the sandbox in its own process" } else { "the app's in-process sandbox" }
    ));
    let dir = work.join("poller");
    let install = Install::new(&dir, app)?;
    let browser = install.launch(webdriver)?;
    browser.wait_for("screen-setup", WAIT)?;
    install.close(browser)?;
    let provider = if apart { Some(SandboxProcess::start(sandbox, &dir)?) } else { None };
    let url = provider.as_ref().map(|p| p.url.clone());
    seed(seeder, &install.data, options.open, options.open, url.as_deref())?;
    let install = match &url {
        Some(url) => install.with_env("apart", &[("OVO_BACKOFFICE_SANDBOX_URL", url)])?,
        None => install,
    };
    let browser = install.launch(webdriver)?;
    sign_in_demo(&browser)?;
    std::thread::sleep(Duration::from_secs(30));
    let interval = Duration::from_secs((options.minutes * 60 / 30).clamp(10, 60));
    let end = Instant::now() + Duration::from_secs(options.minutes * 60);
    let started = Instant::now();
    let mut samples: Vec<(i128, i128)> = Vec::new();
    // The same samples by process name, to tell which process grows.
    let mut by_process: std::collections::BTreeMap<String, Vec<(i128, i128)>> = Default::default();
    // The provider's own memory, apart from the app's.
    let mut provider_samples: Vec<(i128, i128)> = Vec::new();
    loop {
        // Summed resident memory: unlike the proportional set it does not move when another
        // process maps the same libraries.
        let processes = install.resident_by_process();
        let kb: u64 = processes.iter().map(|(_, kb)| kb).sum();
        let at = started.elapsed().as_secs();
        let each: Vec<String> =
            processes.iter().map(|(name, kb)| format!("{name} {}", mb(*kb))).collect();
        let provider_kb = provider.as_ref().map(|p| vm_rss_kb(p.pid()));
        let beside = provider_kb.map(|kb| format!("; the sandbox {}", mb(kb))).unwrap_or_default();
        println!("  t = {at:>4} s  resident {} ({}){beside}", mb(kb), each.join(", "));
        samples.push((i128::from(at), i128::from(kb)));
        provider_samples.extend(provider_kb.map(|kb| (i128::from(at), i128::from(kb))));
        for (name, kb) in processes {
            by_process.entry(name).or_default().push((i128::from(at), i128::from(kb)));
        }
        if Instant::now() >= end {
            break;
        }
        std::thread::sleep(interval);
    }
    install.close(browser)?;
    drop(provider);
    let statuses =
        statuses_in(seeder, &install.data).unwrap_or_else(|e| format!("unknown ({e:#})"));
    let fit = Fit::of(&samples);
    let growth = fit.kb_per_hour * samples.last().map_or(0, |s| s.0) / 3_600;
    let noise = (2 * fit.mean_abs_residual_kb).max(1_024);
    let values: Vec<String> = samples.iter().map(|(_, kb)| format!("{}", kb / 1_024)).collect();
    // Printed beside the verdict, which stays on the whole run: the slope once the first half
    // (the poller's first passes, the caches filling) is over.
    let half = samples.last().map_or(0, |s| s.0) / 2;
    let later: Vec<(i128, i128)> = samples.iter().copied().filter(|s| s.0 >= half).collect();
    let slopes: Vec<String> = by_process
        .iter()
        .map(|(name, samples)| {
            format!("{name} {}", tenths(Fit::of(samples).kb_per_hour * 10 / 1_024))
        })
        .collect();
    let against = match provider_samples.last() {
        Some((_, kb)) => format!(
            "against the sandbox in its own process (not counted: {} at the end, slope {} MB/hour)",
            mb(u64::try_from(*kb).unwrap_or(0)),
            tenths(Fit::of(&provider_samples).kb_per_hour * 10 / 1_024)
        ),
        None => "against the app's in-process sandbox (counted)".to_owned(),
    };
    report.add(format!(
        "summed resident memory, poller on {} open payments for {} min {against} ({} samples, MB: {}): slope {} MB/hour, \
         {} over the run against noise ±{} (second half alone: slope {} MB/hour; by process, MB/hour: {}); the payments at the end: \
         {statuses}   goal: no growth   {}",
        options.open,
        options.minutes,
        samples.len(),
        values.join(" "),
        tenths(fit.kb_per_hour * 10 / 1_024),
        mb_signed(growth),
        mb_signed(noise),
        tenths(Fit::of(&later).kb_per_hour * 10 / 1_024),
        slopes.join(", "),
        verdict(growth.abs() <= noise)
    ));
    Ok(())
}

/// A least-squares line through (seconds, KiB) samples.
struct Fit {
    kb_per_hour: i128,
    mean_abs_residual_kb: i128,
}

impl Fit {
    fn of(samples: &[(i128, i128)]) -> Fit {
        let n = i128::try_from(samples.len()).unwrap_or(1).max(1);
        let (sx, sy) = samples.iter().fold((0, 0), |(x, y), s| (x + s.0, y + s.1));
        let sxy: i128 = samples.iter().map(|s| s.0 * s.1).sum();
        let sxx: i128 = samples.iter().map(|s| s.0 * s.0).sum();
        let denominator = n * sxx - sx * sx;
        if denominator == 0 {
            return Fit { kb_per_hour: 0, mean_abs_residual_kb: 0 };
        }
        let numerator = n * sxy - sx * sy;
        // Intercept and residuals in KiB, the slope kept as numerator / denominator.
        let intercept = (sy * denominator - numerator * sx) / (n * denominator);
        let residuals: i128 =
            samples.iter().map(|s| (s.1 - intercept - numerator * s.0 / denominator).abs()).sum();
        Fit { kb_per_hour: numerator * 3_600 / denominator, mean_abs_residual_kb: residuals / n }
    }
}

/// Adds `total` payments (`open` of them open and due) to the app's ledger, the app closed;
/// with `teach`, the sandbox at that address learns them.
fn seed(seeder: &Path, data: &Path, total: usize, open: usize, teach: Option<&str>) -> Result<()> {
    let mut command = Command::new(seeder);
    command
        .args(["--payments", &total.to_string(), "--open", &open.to_string()])
        .env("OVO_BENCH_SEED_LEDGER", data.join("ledger.sqlite"));
    if let Some(url) = teach {
        command.env("OVO_BENCH_TEACH_SANDBOX", url);
    }
    run(&mut command)
}

/// `ovo-sandbox` running in its own process on a free loopback port, its output in `dir`;
/// stopped when dropped.
struct SandboxProcess {
    child: std::process::Child,
    url: String,
}

impl SandboxProcess {
    fn start(binary: &Path, dir: &Path) -> Result<SandboxProcess> {
        let log = dir.join("sandbox.log");
        let out = std::fs::File::create(&log)?;
        let child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut process = SandboxProcess { child, url: String::new() };
        let deadline = Instant::now() + WAIT;
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(url) =
                text.lines().find_map(|l| l.strip_prefix("ovo-sandbox listening on "))
            {
                process.url = url.trim().to_owned();
                return Ok(process);
            }
            if process.child.try_wait()?.is_some() || Instant::now() > deadline {
                bail!("the sandbox did not start; its output:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// On the first-run screen: signs in as the demo staff operator.
fn sign_in_demo(browser: &Browser) -> Result<()> {
    browser.click(&format!("demo-signin-{DEMO_STAFF}"))?;
    browser.wait_for("screen-shell", WAIT)?;
    Ok(())
}

/// An app's memory, idle: its processes' proportional set and summed resident memory (KiB).
struct Idle {
    proportional: u64,
    resident: u64,
    breakdown: String,
    /// The largest parts of the proportional set (see [`Install::largest_parts`]).
    largest: String,
}

/// The blank web view's memory (`blank_web_view.c`), measured as the app's idle memory is, with
/// the renderer the app chooses on Linux (WebKitGTK's DMA-BUF renderer off).
fn engine_alone(bench: &Bench) -> Result<Idle> {
    let install = Install::new(&bench.work.join("blank"), bench.blank_web_view)?
        .with_env("renderer", &[("WEBKIT_DISABLE_DMABUF_RENDERER", "1")])?;
    let mut command = Command::new(&install.launcher);
    bench.session.apply_env(&mut command);
    let mut child = command.spawn().context("cannot start the blank web view")?;
    let idle = idle_memory(&install);
    let painting =
        install.resident_by_process().iter().any(|(name, _)| name.starts_with("WebKitWebProc"));
    let ours = install.process_ids();
    let _ = child.kill();
    let _ = child.wait();
    wait_until_ended(&ours);
    if !painting {
        bail!(
            "the blank web view had no web process (see {})",
            bench.work.join("blank/stderr.log").display()
        );
    }
    Ok(idle)
}

/// Memory after 15 s of rest, then the median of 5 samples a second apart.
fn idle_memory(install: &Install) -> Idle {
    std::thread::sleep(Duration::from_secs(15));
    let resident = settled_rss(install);
    Idle {
        proportional: install.proportional_kb(),
        resident,
        breakdown: install.breakdown(),
        largest: install.largest_parts(6),
    }
}

/// The median of 5 samples a second apart.
fn settled_rss(install: &Install) -> u64 {
    let mut samples: Vec<u64> = (0..5)
        .map(|i| {
            if i > 0 {
                std::thread::sleep(Duration::from_secs(1));
            }
            install.resident_kb()
        })
        .collect();
    median(&mut samples)
}

/// Round trips of one command, as the page measures them.
struct RoundTrips {
    /// Each call's, in microseconds (at the page timer's step).
    each: Vec<u64>,
    /// All calls' total over their count, in microseconds.
    mean: u64,
    /// The smallest step the page's clock (`performance.now`) takes, in microseconds.
    timer_step: u64,
}

/// `calls` invocations of `command` from the page, one after another, after 50 unmeasured.
fn round_trips(browser: &Browser, command: &str, args: &Value, calls: usize) -> Result<RoundTrips> {
    let script = "const [cmd, args, calls, done] = arguments;
        (async () => {
          const invoke = window.__TAURI_INTERNALS__.invoke;
          let step = Infinity;
          for (let i = 0; i < 20; i++) {
            const a = performance.now();
            let b = a;
            while (b === a) b = performance.now();
            step = Math.min(step, b - a);
          }
          for (let i = 0; i < 50; i++) await invoke(cmd, args);
          const micros = [];
          const started = performance.now();
          for (let i = 0; i < calls; i++) {
            const t = performance.now();
            await invoke(cmd, args);
            micros.push(Math.round((performance.now() - t) * 1000));
          }
          const total = Math.round((performance.now() - started) * 1000);
          done({ micros, total, step: Math.round(step * 1000) });
        })().catch((e) => done({ error: String(e && (e.message || JSON.stringify(e))) }));";
    let reply = browser.execute_async(script, vec![json!(command), args.clone(), json!(calls)])?;
    if let Some(error) = reply["error"].as_str() {
        bail!("{command}: {error}");
    }
    let each: Vec<u64> = reply["micros"]
        .as_array()
        .context("no timings")?
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    let mean = reply["total"].as_u64().unwrap_or(0) / u64::try_from(each.len().max(1))?;
    Ok(RoundTrips { each, mean, timer_step: reply["step"].as_u64().unwrap_or(0) })
}

/// Scrolls the payment list to its end, page after page as the list asks for them.
fn scroll_to_end(browser: &Browser, expected: usize) -> Result<String> {
    let script = "const [expected, done] = arguments;
        const list = document.querySelector('[data-testid=\"payments-list\"]');
        const started = performance.now();
        const rows = () => document.querySelectorAll('[data-testid=\"payment-row\"]').length;
        let last = -1, still = 0;
        const step = () => {
          list.scrollTop = list.scrollHeight;
          const footer = document.querySelector('[data-testid=\"payments-footer\"]');
          const count = Number(((footer && footer.textContent) || '').replace(/[^0-9]/g, '')) || 0;
          still = list.scrollHeight === last ? still + 1 : 0;
          last = list.scrollHeight;
          if ((count >= expected && still > 5) || still > 600 || performance.now() - started > 3.0e6) {
            const held = document.querySelector('[data-testid=\"payments-results\"]');
            done({ ms: Math.round(performance.now() - started), count, height: list.scrollHeight, rows: rows(),
                   pages: held ? Number(held.dataset.pagesHeld) : null });
          } else {
            requestAnimationFrame(() => setTimeout(step, 0));
          }
        };
        step();";
    let reply = browser.execute_async(script, vec![json!(expected)])?;
    let count = reply["count"].as_u64().unwrap_or(0);
    if count < u64::try_from(expected)? {
        bail!("the list stopped at {count} payments: {reply}");
    }
    Ok(format!(
        "{count} payments listed in {}, {} rows in the DOM, {} pages of rows held",
        seconds(reply["ms"].as_u64().unwrap_or(0)),
        reply["rows"],
        reply["pages"]
    ))
}

/// How many payments of the app's ledger are in each status, read from the file once the app
/// has closed (the idle lock may have locked the app's session by then).
fn statuses_in(seeder: &Path, data: &Path) -> Result<String> {
    let out = Command::new(seeder)
        .env("OVO_BENCH_COUNT_STATUSES", data.join("ledger.sqlite"))
        .output()
        .context("cannot run the ledger count")?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().find_map(|l| l.strip_prefix("statuses: ")) {
        Some(counts) if out.status.success() => Ok(counts.trim().to_owned()),
        _ => bail!("the ledger count failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn median(values: &mut [u64]) -> u64 {
    percentile(values, 50)
}

fn percentile(values: &mut [u64], pct: usize) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let index = (values.len() * pct).div_ceil(100).saturating_sub(1);
    values[index.min(values.len() - 1)]
}

fn seconds(ms: u64) -> String {
    format!("{}.{:02} s", ms / 1_000, ms % 1_000 / 10)
}

fn micros_text(us: u64) -> String {
    format!("{}.{:03} ms", us / 1_000, us % 1_000)
}

fn mb(kb: u64) -> String {
    format!("{} MB", kb / 1_024)
}

fn mb_signed(kb: i128) -> String {
    tenths(kb * 10 / 1_024) + " MB"
}

/// A count of tenths as "-1.5".
fn tenths(value: i128) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}.{}", value.abs() / 10, value.abs() % 10)
}

#[cfg(test)]
mod tests {
    use super::{percentile, Fit};

    #[test]
    fn fits_a_line() {
        // 1 MiB more every 360 s: 10 MiB an hour.
        let samples: Vec<(i128, i128)> = (0..11).map(|i| (i * 360, 100_000 + i * 1_024)).collect();
        let fit = Fit::of(&samples);
        assert_eq!((fit.kb_per_hour, fit.mean_abs_residual_kb), (10_240, 0));
    }

    #[test]
    fn takes_percentiles() {
        let mut values: Vec<u64> = (1..=100).rev().collect();
        assert_eq!((percentile(&mut values, 50), percentile(&mut values, 99)), (50, 99));
    }
}
