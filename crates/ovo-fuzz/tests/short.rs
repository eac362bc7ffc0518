//! The short run CI does through `cargo test`: every target, 10,000 executions, no panic.

use ovo_fuzz::{quietly, run_target, targets};

const EXECUTIONS: u64 = 10_000;

#[test]
fn every_target_runs_ten_thousand_inputs_without_a_panic() {
    let all = targets::all();
    assert!(all.len() >= 21, "targets: {}", all.len());
    let reports = quietly(|| {
        all.iter().map(|t| run_target(t, EXECUTIONS, 0x0f0f_2026, None)).collect::<Vec<_>>()
    });
    let findings: Vec<String> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| {
            format!(
                "{}: {} (replay: --target {} --replay-seed {:#018x})",
                f.target, f.message, f.target, f.seed
            )
        })
        .collect();
    assert!(reports.iter().all(|r| r.executions == EXECUTIONS));
    assert!(findings.is_empty(), "{} panics:\n{}", findings.len(), findings.join("\n"));
}

#[test]
fn a_panicking_target_is_caught_and_replayable_from_its_seed() {
    let target = ovo_fuzz::Target {
        name: "panics_on_a_brace",
        seeds: vec![b"{\"a\":1}".to_vec()],
        run: Box::new(|input| assert!(!input.contains(&b'}'), "a closing brace")),
    };
    let report = quietly(|| run_target(&target, 200, 7, None));
    assert!(!report.findings.is_empty());
    let finding = &report.findings[0];
    assert!(finding.message.contains("a closing brace"), "{}", finding.message);
    let input = ovo_fuzz::generate(&target.seeds, finding.seed);
    assert!(quietly(|| ovo_fuzz::run_one(&target, &input)).is_err(), "the seed replays the panic");
}

#[test]
fn raw_requests_read_back_as_written() {
    let request = targets::parse_request(b"POST /n?x=1\nX-TIMESTAMP: 2026-01-01T10:00:00+07:00\nSignature: a:b\n\n{\"k\":\"v\"}\n\nmore");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/n?x=1");
    assert_eq!(request.header("x-timestamp"), Some("2026-01-01T10:00:00+07:00"));
    assert_eq!(request.header("signature"), Some("a:b"));
    assert_eq!(request.body, "{\"k\":\"v\"}\n\nmore");
}

#[test]
fn every_signed_seed_gets_past_the_signature() {
    let verdicts = targets::signed_seed_verdicts();
    assert!(verdicts.len() >= 14);
    let refused: Vec<String> = verdicts
        .iter()
        .filter_map(|(seed, v)| v.as_ref().err().map(|e| format!("{seed}: {e}")))
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
