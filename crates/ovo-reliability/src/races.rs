//! Seeded schedules on one ledger file: the app instance (one `Backoffice`, signed in as
//! finance: approvals, which submit, and status resolutions) runs concurrently with two other
//! desks that open the same file through `ovo_ledger::Ledger::open` (their own SQLite
//! connections, as another process has) and request and reject refunds through the ledger's
//! repository functions, each with its audit entry. The simulator processes some refunds
//! late; every other schedule the app also takes a payment that the provider's notification
//! (sometimes delivered twice) settles while the desks work. After each schedule, once quiet:
//! reserved ≤ paid per payment (ledger), refunded at the provider ≤ paid (the simulator's
//! record), the ledger's refund and payment states agree with the simulator's, and every
//! stored notification is applied.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use ovo_app::ipc::{DecideRefundInput, StartPaymentInput};
use ovo_app::Backoffice;
use ovo_domain::{
    Environment, Idr, Msisdn, OperatorId, PaymentId, PaymentStatus, Product, Reference,
    RefundStatus,
};
use ovo_ledger::audit::{self, AuditOutcome, NewAuditEntry};
use ovo_ledger::payments::{self, NewPayment};
use ovo_ledger::{bindings, notifications, operators, refunds, Ledger};
use ovo_sandbox::core::import::{ImportedPayment, ImportedStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::sim::{self, Sim};
use crate::workload::{self, FINANCE, FINANCE2, STAFF};

#[derive(Debug, Default, Clone)]
pub struct RaceReport {
    pub seeds: u32,
    pub violations: u32,
    /// `seed: what failed`, one per violation.
    pub findings: Vec<(u64, String)>,
    /// The fault that made refunds late: `late_processing`, or `lose_response` on a simulator
    /// without it.
    pub late_fault: &'static str,
    pub without_writes_record: bool,
}

impl RaceReport {
    pub fn line(&self) -> String {
        format!("races: {} seeds, {} violations", self.seeds, self.violations)
    }
}

/// The world the schedules share: the simulator, one ledger file, the app instance on it and
/// two other desks' connections to it.
#[derive(Debug)]
pub struct Stage {
    sim: Sim,
    _dir: tempfile::TempDir,
    app: Arc<Backoffice>,
    desks: [Ledger; 2],
    staff: OperatorId,
    finance2: OperatorId,
}

impl Stage {
    pub async fn new() -> Result<Stage> {
        let listener = sim::free_listener_address()?;
        let sim = Sim::start(&listener).await?;
        let dir = tempfile::Builder::new().prefix("ovo-races-").tempdir()?;
        let app = workload::open(dir.path(), &sim.url(), 0, &listener).await?;
        workload::sign_in(&app, FINANCE).await?;
        let file = dir.path().join("data").join(ovo_app::LEDGER_FILE);
        let desks = [Ledger::open(&file).await?.0, Ledger::open(&file).await?.0];
        let mut conn = desks[0].read().await?;
        let id = |row: Option<operators::OperatorRow>, name: &str| {
            row.map(|o| o.id).with_context(|| format!("no operator {name}"))
        };
        let staff = id(operators::by_username(&mut conn, STAFF.0).await?, STAFF.0)?;
        let finance2 = id(operators::by_username(&mut conn, FINANCE2.0).await?, FINANCE2.0)?;
        drop(conn);
        Ok(Stage { sim, _dir: dir, app, desks, staff, finance2 })
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Another desk requests a refund of this share (per mille) of a payment.
    Request { payment: usize, per_mille: i64 },
    /// Finance approves, on the app, one of the requested refunds.
    Approve { pick: usize },
    /// Another desk rejects one of the requested refunds.
    Reject { pick: usize },
    /// The app resolves open refunds by status query.
    Resolve,
    /// The simulator processes the next refund call of a product late.
    Late { product: Product, after_ms: u64 },
}

/// The longest a late write waits, in real time (250,000 ms at the time scale 0.002), and a margin.
const LATE_MAX: Duration = Duration::from_millis(600);

const RACE_PRODUCTS: [Product; 3] =
    [Product::OvoSnap, Product::DokuSnapOvo, Product::TazapayOvoIdr];

/// Runs `seeds` on `parallel` stages at once (each its own simulator and ledger file), seed
/// `s` on stage `s % parallel`; the schedules mostly wait for the provider, so this is what
/// makes a thousand of them short.
pub async fn run_parallel(seeds: std::ops::Range<u64>, parallel: u64) -> Result<RaceReport> {
    let parallel = parallel.max(1);
    let mut tasks = Vec::new();
    for lane in 0..parallel {
        let lane_seeds: Vec<u64> = seeds.clone().filter(|s| s % parallel == lane).collect();
        tasks.push(tokio::spawn(async move {
            let stage = Stage::new().await?;
            run(&stage, lane_seeds).await
        }));
    }
    let mut report = RaceReport { late_fault: "none", ..RaceReport::default() };
    for task in tasks {
        let part = task.await??;
        report.seeds += part.seeds;
        report.violations += part.violations;
        report.findings.extend(part.findings);
        report.without_writes_record |= part.without_writes_record;
        if part.late_fault != "none" {
            report.late_fault = part.late_fault;
        }
    }
    report.findings.sort_by_key(|(seed, _)| *seed);
    Ok(report)
}

pub async fn run(stage: &Stage, seeds: impl IntoIterator<Item = u64>) -> Result<RaceReport> {
    let mut report = RaceReport { late_fault: "none", ..RaceReport::default() };
    for seed in seeds {
        let found =
            schedule(stage, seed, &mut report).await.with_context(|| format!("seed {seed}"))?;
        report.seeds += 1;
        report.violations += found.len() as u32;
        report.findings.extend(found.into_iter().map(|f| (seed, f)));
    }
    Ok(report)
}

async fn schedule(stage: &Stage, seed: u64, report: &mut RaceReport) -> Result<Vec<String>> {
    let mut rng = StdRng::seed_from_u64(seed);
    stage.sim.clear_faults().await?;
    let count = rng.gen_range(1..=3);
    let mut paid = Vec::new();
    for _ in 0..count {
        let product = RACE_PRODUCTS[rng.gen_range(0..RACE_PRODUCTS.len())];
        let amount = rng.gen_range(10..=200) * 1_000;
        paid.push((pay(stage, product, amount, &mut rng).await?, product, amount));
    }
    // Every other schedule, a payment the app takes while the schedule runs, settled by the
    // provider's notification (sometimes delivered twice), which the desks may try to refund.
    let mut notified = None;
    let mut replayed = false;
    if rng.gen_bool(0.5) {
        let product =
            if rng.gen_bool(0.5) { Product::TazapayOvoIdr } else { Product::DokuJokulOvoPush };
        if rng.gen_bool(0.5) {
            stage.sim.arm_replay(product.key(), rng.gen_range(25_000..250_000)).await?;
            replayed = true;
        }
        // Rp 100,000 is the simulator's failing Tazapay amount (its `fail_amounts` rule): a
        // payment it fails is not what this race is about, so the payer pays any other amount.
        let amount = [rng.gen_range(10..100), rng.gen_range(101..=200)]
            [usize::from(rng.gen_bool(0.5))]
            * 1_000;
        let id = take_payment(stage, product, amount).await?;
        paid.push((id, product, amount));
        notified = Some(id);
    }
    let mut ops = Vec::new();
    for _ in 0..rng.gen_range(4..=10) {
        let payment = rng.gen_range(0..paid.len());
        ops.push(match rng.gen_range(0..10) {
            0..=2 => Op::Request {
                payment,
                // Tazapay refunds whole payments only.
                per_mille: if paid[payment].1 == Product::TazapayOvoIdr {
                    1_000
                } else {
                    rng.gen_range(1..=10) * 100
                },
            },
            3..=5 => Op::Approve { pick: rng.gen() },
            6 => Op::Reject { pick: rng.gen() },
            // 50 to 500 ms of real time at the simulator's time scale: inside a SNAP token's life.
            7 => Op::Late { product: paid[payment].1, after_ms: rng.gen_range(25_000..250_000) },
            _ => Op::Resolve,
        });
    }
    // Three lanes run at once: the app, and the two other desks.
    let mut lanes: [Vec<(Op, u64)>; 3] = Default::default();
    for op in ops {
        let lane = match op {
            Op::Approve { .. } | Op::Resolve | Op::Late { .. } => 0,
            Op::Request { .. } => 1 + rng.gen_range(0..2),
            Op::Reject { .. } => 2,
        };
        lanes[lane].push((op, rng.gen_range(0..15)));
    }
    let ops_late = lanes[0].iter().any(|(op, _)| matches!(op, Op::Late { .. }));
    let payment_ids: Vec<PaymentId> = paid.iter().map(|p| p.0).collect();
    let [app_ops, desk_a, desk_b] = lanes;
    let (a, b, c) = tokio::join!(
        app_lane(stage, &payment_ids, app_ops, report),
        desk_lane(stage, 0, &paid, desk_a),
        desk_lane(stage, 1, &paid, desk_b),
    );
    a?;
    b?;
    c?;
    // Quiet: every approved refund sent and answered, the notified payment settled and every
    // stored notification applied, by the app's background work. The resolver's real-time
    // floors (a check 10 s after a send, a processing window of 20 s, then a resend and its
    // check) make a lost answer take about 40 s to settle here; 90 s is the crash harness's cap too.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let open = refunds_of(&stage.desks[0], &payment_ids)
            .await?
            .into_iter()
            .any(|r| workload::refund_open(r.status))
            || unsettled(stage, notified).await?;
        if !open || Instant::now() > deadline {
            break;
        }
        stage.app.background_pass(false).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A late write or a replayed notification lands within 500 ms: the ledger, quiet, is
    // compared with what the provider then has done, after the app's background work has seen
    // what arrived meanwhile.
    if ops_late || replayed {
        tokio::time::sleep(LATE_MAX).await;
        stage.app.background_pass(false).await;
    }
    check(stage, &paid, notified, report).await
}

/// The notified payment is still open, or a stored notification is not applied yet.
async fn unsettled(stage: &Stage, notified: Option<PaymentId>) -> Result<bool> {
    let mut conn = stage.desks[0].read().await?;
    if !notifications::unapplied(&mut conn, None, 1).await?.is_empty() {
        return Ok(true);
    }
    Ok(match notified {
        Some(id) => workload::payment_open(
            payments::get(&mut conn, id).await?.context("payment vanished")?.status,
        ),
        None => false,
    })
}

/// A payment the app takes from the magic payer (staff at the app's desk); the provider's
/// notification settles it.
async fn take_payment(stage: &Stage, product: Product, amount: i64) -> Result<PaymentId> {
    workload::sign_in(&stage.app, STAFF).await?;
    let kind = if product == Product::TazapayOvoIdr { "payin" } else { "push" };
    let started = stage
        .app
        .start_payment(StartPaymentInput {
            customer_id: None,
            product: product.key().into(),
            kind: kind.into(),
            amount: amount.to_string(),
            phone: sim::MAGIC_PAYER.into(),
            account_id: None,
            source: String::new(),
            description: "races".into(),
        })
        .await
        .map_err(|e| anyhow!("start payment: {e}"));
    workload::sign_in(&stage.app, FINANCE).await?;
    Ok(PaymentId::new(started?.payment.id))
}

async fn app_lane(
    stage: &Stage,
    payments: &[PaymentId],
    ops: Vec<(Op, u64)>,
    report: &mut RaceReport,
) -> Result<()> {
    for (op, pause) in ops {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        match op {
            Op::Approve { pick } => {
                let Some(refund) = &requested_refund(&stage.desks[0], payments, pick).await? else {
                    continue;
                };
                // A conflict (another desk decided it meanwhile) is an answer, not a failure.
                let _ = stage
                    .app
                    .decide_refund(DecideRefundInput {
                        refund_id: refund.id.get(),
                        approve: true,
                        note: String::new(),
                        password: FINANCE.1.into(),
                    })
                    .await;
            }
            Op::Resolve => {
                let _ = stage.app.resolve_refunds().await;
            }
            Op::Late { product, after_ms } => {
                report.late_fault = stage.sim.arm_late(product.key(), after_ms).await?;
            }
            Op::Request { .. } | Op::Reject { .. } => {}
        }
    }
    Ok(())
}

async fn desk_lane(
    stage: &Stage,
    desk: usize,
    paid: &[(PaymentId, Product, i64)],
    ops: Vec<(Op, u64)>,
) -> Result<()> {
    let ledger = &stage.desks[desk];
    let payments: Vec<PaymentId> = paid.iter().map(|p| p.0).collect();
    for (op, pause) in ops {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let now = stage.app.now();
        match op {
            Op::Request { payment, per_mille } => {
                let (id, _, amount) = paid[payment];
                let amount = Idr::new(amount * per_mille / 1_000).map_err(|e| anyhow!("{e}"))?;
                let reference = Reference::generate(&mut rand::thread_rng());
                let mut tx = ledger.begin_write().await?;
                let new = refunds::NewRefund {
                    payment_id: id,
                    amount,
                    reason: "another desk's request",
                    requested_by: stage.staff,
                    reference: &reference,
                    at: now,
                };
                let outcome = match refunds::request_refund(&mut tx, &new).await? {
                    refunds::RefundRequest::Reserved { .. } => AuditOutcome::Ok,
                    refunds::RefundRequest::Refused { .. } => AuditOutcome::Denied,
                };
                audit::append(
                    &mut tx,
                    stage.app.audit_key(),
                    &entry(
                        now,
                        stage.staff,
                        STAFF.0,
                        "refund.request",
                        &format!("refund:{}", reference.as_str()),
                        outcome,
                    ),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
            }
            Op::Reject { pick } => {
                let Some(refund) = &requested_refund(ledger, &payments, pick).await? else {
                    continue;
                };
                let mut tx = ledger.begin_write().await?;
                match refunds::reject(
                    &mut tx,
                    refund.id,
                    stage.finance2,
                    "another desk rejected it",
                    now,
                )
                .await
                {
                    Ok(_) => {
                        let subject = format!("refund:{}", refund.reference.as_str());
                        audit::append(
                            &mut tx,
                            stage.app.audit_key(),
                            &entry(
                                now,
                                stage.finance2,
                                FINANCE2.0,
                                "refund.reject",
                                &subject,
                                AuditOutcome::Ok,
                            ),
                        )
                        .await?;
                        ovo_ledger::commit(tx).await?;
                    }
                    // Decided elsewhere meanwhile: nothing written.
                    Err(ovo_ledger::LedgerError::IllegalRefundTransition { .. }) => drop(tx),
                    Err(e) => return Err(e.into()),
                }
            }
            Op::Approve { .. } | Op::Resolve | Op::Late { .. } => {}
        }
    }
    Ok(())
}

fn entry(
    at: ovo_domain::Timestamp,
    id: OperatorId,
    username: &str,
    action: &str,
    subject: &str,
    outcome: AuditOutcome,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        operator_id: Some(id),
        operator: Some(username.to_owned()),
        action: action.to_owned(),
        subject: subject.to_owned(),
        outcome,
        detail: serde_json::json!({ "desk": "other" }),
    }
}

async fn refunds_of(ledger: &Ledger, payments: &[PaymentId]) -> Result<Vec<refunds::RefundRow>> {
    let mut conn = ledger.read().await?;
    let mut all = Vec::new();
    for id in payments {
        all.extend(refunds::list_by_payment(&mut conn, *id).await?);
    }
    Ok(all)
}

/// The `pick`-th (wrapping) of the payments' refunds still waiting for a decision, if any.
async fn requested_refund(
    ledger: &Ledger,
    payments: &[PaymentId],
    pick: usize,
) -> Result<Option<refunds::RefundRow>> {
    let mut requested = refunds_of(ledger, payments).await?;
    requested.retain(|r| r.status == RefundStatus::Requested);
    Ok((!requested.is_empty()).then(|| requested.swap_remove(pick % requested.len())))
}

/// A payment the provider already has (imported into the simulator) and the ledger records as
/// succeeded; SNAP payments on the demo customer's linked account.
async fn pay(stage: &Stage, product: Product, amount: i64, rng: &mut StdRng) -> Result<PaymentId> {
    let reference = Reference::generate(rng);
    let now = stage.app.now();
    let mut tx = stage.app.ledger().begin_write().await?;
    let (phone, binding, kind, provider_ref) = match product {
        Product::OvoSnap | Product::DokuSnapOvo => {
            let phone =
                Msisdn::parse(if product == Product::OvoSnap { sim::BUDI } else { sim::SITI })
                    .map_err(|e| anyhow!("{e}"))?;
            let binding =
                bindings::live_for_account(&mut tx, Environment::BuiltInSandbox, product, &phone)
                    .await?
                    .context("no demo binding")?;
            let kind = if product == Product::OvoSnap { "direct_debit" } else { "recurring" };
            (
                phone,
                Some(binding),
                kind,
                format!("RLB{:013}", rng.gen_range(0..10_000_000_000_000u64)),
            )
        }
        _ => (
            Msisdn::parse(sim::MAGIC_PAYER).map_err(|e| anyhow!("{e}"))?,
            None,
            "payin",
            format!("pay_{:024x}", rng.gen::<u128>() >> 32),
        ),
    };
    let idr = Idr::new(amount).map_err(|e| anyhow!("{e}"))?;
    let id = payments::insert(
        &mut tx,
        &NewPayment {
            reference: &reference,
            environment: Environment::BuiltInSandbox,
            customer_id: binding.as_ref().map(|b| b.customer_id),
            binding_id: binding.as_ref().map(|b| b.id),
            product,
            kind,
            phone: Some(&phone),
            amount: idr,
            cash_amount: Some(idr),
            points_amount: Some(Idr::ZERO),
            status: PaymentStatus::Succeeded,
            provider_ref: Some(&provider_ref),
            created_by: None,
            created_at: now,
            succeeded_at: Some(now),
        },
    )
    .await?;
    ovo_ledger::commit(tx).await?;
    let imported = stage.sim.import(&[ImportedPayment {
        product: product.key().to_owned(),
        merchant: None,
        reference: ovo_providers::wire::merchant_payment_id(
            product,
            &reference,
            Some(&provider_ref),
        ),
        provider_ref: Some(provider_ref.clone()),
        binding_ref: binding.as_ref().and_then(|b| b.provider_ref.clone()),
        phone: phone.canonical().to_owned(),
        customer_name: None,
        amount,
        status: ImportedStatus::Succeeded,
        kind: (product == Product::DokuSnapOvo).then(|| "recurring".to_owned()),
        created_at: now.unix_millis(),
        paid_at: Some(now.unix_millis()),
        refunds: Vec::new(),
    }]);
    if let Some(refused) = imported.refused.first() {
        anyhow::bail!("the simulator refused the payment: {}", refused.reason);
    }
    Ok(id)
}

async fn check(
    stage: &Stage,
    paid: &[(PaymentId, Product, i64)],
    notified: Option<PaymentId>,
    report: &mut RaceReport,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let writes = stage.sim.writes().await?;
    report.without_writes_record |= writes.is_none();
    let mut conn = stage.desks[1].read().await?;
    for n in notifications::unapplied(&mut conn, None, 100).await? {
        found.push(format!(
            "{} notification {}: stored, not applied once quiet",
            n.product, n.dedup_key
        ));
    }
    if let (Some(id), Some(writes)) = (notified, &writes) {
        let payment = payments::get(&mut conn, id).await?.context("payment vanished")?;
        let processed: u64 = writes
            .iter()
            .filter(|w| {
                w.kind == "payment" && sim::names(&w.reference, &sim::payment_id_sent(&payment))
            })
            .map(|w| w.processed)
            .sum();
        let agrees = match payment.status {
            PaymentStatus::Succeeded => processed == 1,
            _ => processed == 0,
        };
        if !agrees {
            found.push(format!(
                "{} payment {}: {} in the ledger once quiet, processed {processed} time(s) by the provider",
                payment.product.key(),
                payment.reference.as_str(),
                payment.status.key()
            ));
        }
    }
    for &(id, product, amount) in paid {
        if std::env::var_os("OVO_RELIABILITY_VERBOSE").is_some() {
            let states: Vec<String> = refunds::list_by_payment(&mut conn, id)
                .await?
                .iter()
                .map(|r| format!("{} {}", r.amount.rupiah(), r.status.key()))
                .collect();
            eprintln!("{} payment {} of {amount}: refunds {states:?}", product.key(), id.get());
        }
        let reserved = refunds::reserved_for_payment(&mut conn, id).await?;
        if reserved.rupiah() > amount {
            found.push(format!(
                "{} payment {}: reserved {} > paid {amount}",
                product.key(),
                id.get(),
                reserved.rupiah()
            ));
        }
        let mut refunded = 0;
        for r in refunds::list_by_payment(&mut conn, id).await? {
            if workload::refund_open(r.status) {
                found.push(format!(
                    "{} refund {}: left {} once quiet",
                    product.key(),
                    r.reference.as_str(),
                    r.status.key()
                ));
                continue;
            }
            let Some(writes) = &writes else { continue };
            let processed =
                sim::write_for(writes, "refund", r.reference.as_str()).map_or(0, |w| w.processed);
            refunded += r.amount.rupiah() * i64::try_from(processed).unwrap_or(i64::MAX);
            let agrees = match r.status {
                RefundStatus::Succeeded => processed > 0,
                _ => processed == 0,
            };
            if !agrees {
                found.push(format!(
                    "{} refund {}: {} in the ledger once quiet, processed {processed} time(s) by the provider",
                    product.key(),
                    r.reference.as_str(),
                    r.status.key()
                ));
            }
        }
        if refunded > amount {
            found.push(format!(
                "{} payment {}: refunded {refunded} at the provider > paid {amount}",
                product.key(),
                id.get()
            ));
        }
    }
    Ok(found)
}
