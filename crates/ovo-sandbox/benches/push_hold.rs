//! Holds N concurrent DOKU Jokul push payments (default 1,000) until each is decided or its
//! 70 s wait (scaled) runs out, and reports the time to answer them all against the hold
//! time measured in the same run, and peak memory against the memory before the pushes.
//! `cargo bench -p ovo-sandbox --bench push_hold [-- --pushes 1000 --time-scale 0.05]`
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use ovo_sandbox::core::pending::{ActionKind, Decision};
use ovo_sandbox::core::wallets::PaySource;
use ovo_sandbox::{Merchants, SandboxConfig, TimeScale};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CLIENT: &str = "MCH-0001-BENCH0000001";
const SECRET: &str = "SK-bench-jokul";
const PHONE: &str = "081234567890";
const AMOUNT: u64 = 1_000;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

/// kB from /proc/self/status (this process: the sandbox and the 1,000 clients together).
fn proc_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn body(invoice: &str) -> String {
    let checksum = hex::encode(Sha256::digest(format!("{AMOUNT}{CLIENT}{invoice}{PHONE}{SECRET}")));
    json!({
        "client": { "id": CLIENT },
        "order": { "invoice_number": invoice, "amount": AMOUNT },
        "ovo_info": { "ovo_id": PHONE },
        "security": { "check_sum": checksum },
    })
    .to_string()
}

fn ms(d: Duration) -> String {
    format!("{}.{:03} s", d.as_secs(), d.subsec_millis())
}

#[tokio::main]
async fn main() {
    let pushes: usize = arg("--pushes", "1000").parse().unwrap();
    let scale = TimeScale::parse(&arg("--time-scale", "0.05")).unwrap();
    let toml = format!(
        "[[doku_jokul_ovo_push]]\nname = \"Bench\"\nclient_id = \"{CLIENT}\"\nsecret_key = \"{SECRET}\"\nauto_delay_secs = 100000000\n\
         [[accounts]]\nphone = \"6281234567890\"\nname = \"Bench Payer\"\ncash = 1000000000\npoints = 0\n"
    );
    let config = SandboxConfig {
        merchants: Merchants::parse(&toml).unwrap(),
        time_scale: scale,
        ..SandboxConfig::default()
    };
    let sandbox = ovo_sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let hold = scale.scaled(Duration::from_secs(70));
    let url = format!("{}/ovo-emoney/v1/payment", sandbox.url());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();

    // Baseline memory: the sandbox and client, idle. Then reset the peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = proc_kb("VmRSS:");

    let started = Instant::now();
    let tasks: Vec<_> = (0..pushes)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let sent = Instant::now();
                let reply = http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(body(&format!("BENCH-{i:06}")))
                    .send()
                    .await;
                let status: Value = match reply {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
                (sent.elapsed(), status)
            })
        })
        .collect();

    // Every push is held as a pending customer action; then the customer pays half of them.
    let held_at = loop {
        let held = sandbox
            .ctx
            .pending()
            .list()
            .into_iter()
            .filter(|a| a.asked.kind == ActionKind::Push)
            .count();
        if held == pushes {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < hold,
            "only {held} of {pushes} pushes were held before the hold time ran out"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let peak_while_held = proc_kb("VmHWM:");
    for (n, action) in sandbox.ctx.pending().list().into_iter().enumerate() {
        if n % 2 == 0 {
            sandbox
                .ctx
                .pending()
                .decide(&action.id, Decision::Approve { source: PaySource::Cash })
                .unwrap();
        }
    }

    let mut answered = Vec::with_capacity(pushes);
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for task in tasks {
        let (took, status) = task.await.unwrap();
        let outcome = status["ovo_payment"]["status"]
            .as_str()
            .or_else(|| status["transaction"]["status"].as_str())
            .unwrap_or("no answer");
        *outcomes.entry(outcome.to_owned()).or_default() += 1;
        answered.push(took);
    }
    let all_answered = started.elapsed();
    let peak = proc_kb("VmHWM:");
    answered.sort();
    let pct = |p: usize| answered[(answered.len() * p / 100).min(answered.len() - 1)];

    println!(
        "ovo-sandbox push hold benchmark: {pushes} concurrent DOKU Jokul pushes, time scale {} ppm",
        scale.ppm()
    );
    println!("  hold time (70 s scaled):        {}", ms(hold));
    println!("  all {pushes} held after:          {}", ms(held_at));
    println!(
        "  answered, p50 / p99 / max:      {} / {} / {}",
        ms(pct(50)),
        ms(pct(99)),
        ms(answered[answered.len() - 1])
    );
    println!("  time to answer them all:        {}", ms(all_answered));
    println!(
        "  ratio to the hold time:         {}.{:03}",
        all_answered.as_millis() / hold.as_millis().max(1),
        (all_answered.as_millis() * 1000 / hold.as_millis().max(1)) % 1000
    );
    println!("  outcomes:                       {outcomes:?}");
    println!("  memory before the pushes:       {} MiB RSS", rss_before / 1024);
    println!(
        "  peak while all were held:       {} MiB ({} KiB per held push)",
        peak_while_held / 1024,
        peak_while_held.saturating_sub(rss_before) / pushes.max(1) as u64
    );
    println!("  peak overall:                   {} MiB", peak / 1024);
    println!("  (memory is this process: the sandbox and its {pushes} clients together)");
}
