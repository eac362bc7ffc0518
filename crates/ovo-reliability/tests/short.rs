//! The short version of the reliability run, in the normal suite: 50 seeded race schedules and
//! 10 kills of a real app process (the full run is `cargo xtask reliability`).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use ovo_reliability::{crashes, races};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_seeded_races_keep_every_invariant() {
    let report = races::run_parallel(0..50, 4).await.unwrap();
    println!("{}", report.line());
    assert_eq!(report.seeds, 50);
    assert!(
        !report.without_writes_record,
        "the simulator keeps no record of provider writes (GET /_sandbox/writes)"
    );
    assert_eq!(
        report.violations, 0,
        "replay with `cargo run -p ovo-reliability -- races --seed S`: {:#?}",
        report.findings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_kills_lose_and_duplicate_nothing() {
    let worker = Path::new(env!("CARGO_BIN_EXE_ovo-reliability-worker"));
    let plan = crashes::plan(10, 0);
    let products: std::collections::HashSet<_> = plan.iter().map(|k| k.product).collect();
    assert!(products.len() >= 4, "the short plan spreads over the products: {plan:?}");
    let report = crashes::run(plan, 5, worker).await.unwrap();
    println!("{}", report.line());
    assert!(report.kills >= 7, "most runs are killed before they end: {report:?}");
    assert!(
        !report.without_writes_record,
        "the simulator keeps no record of provider writes (GET /_sandbox/writes)"
    );
    assert_eq!((report.lost, report.duplicated), (0, 0), "{:#?}", report.findings);
}
