//! The dashboard's and the reports' aggregates on a real ledger (a file, or PostgreSQL with
//! `OVO_TEST_POSTGRES_URL`): payments across products, statuses, environments and WIB day
//! boundaries, refunds by several operators; every figure is checked against a sum the test
//! makes itself from the rows it wrote.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use ovo_domain::{
    add_days, wib_date, wib_day_start, Environment, PaymentStatus, Product, Timestamp,
};
use ovo_domain::{OperatorId, Role};
use ovo_ledger::dashboard::{self, Totals, WIB_DAY_MS};
use ovo_ledger::reports::{self, OpenKind, RefundGrouping};
use ovo_ledger::{commit, Ledger};
use ovo_test_support::ledger as support;
use sqlx::AnyConnection;

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).unwrap()
}

/// 2026-10-21 12:00 WIB.
fn now() -> Timestamp {
    at("2026-10-21T05:00:00Z")
}

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone)]
struct Payment {
    id: i64,
    environment: Environment,
    product: Product,
    status: PaymentStatus,
    amount: i64,
    created_at: Timestamp,
}

#[derive(Debug, Clone)]
struct Refund {
    payment: usize,
    amount: i64,
    status: &'static str,
    reason: &'static str,
    requested_by: usize,
    requested_at: Timestamp,
    decided_by: Option<usize>,
    decided_at: Option<Timestamp>,
}

struct Seeded {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    payments: Vec<Payment>,
    refunds: Vec<Refund>,
    names: Vec<&'static str>,
}

const OPERATORS: [(&str, Role); 4] = [
    ("sari", Role::Staff),
    ("sam", Role::Support),
    ("budi", Role::Finance),
    ("fina", Role::Finance),
];

/// Payments spread over 18 days (one every 7 h 13 min) over every product and status, a few on
/// the exact WIB midnights, some in another environment; refunds of the succeeded ones.
async fn seeded() -> Seeded {
    let (dir, ledger) = support::fresh().await;
    let mut operators: Vec<OperatorId> = Vec::new();
    for (name, role) in OPERATORS {
        operators.push(support::add_operator(&ledger, name, role, now()).await);
    }
    let mut payments = Vec::new();
    let mut push = |environment, product, status, amount, created_at| {
        payments.push(Payment { id: 0, environment, product, status, amount, created_at });
    };
    for i in 0..60_i64 {
        let product = Product::ALL[(i as usize) % Product::ALL.len()];
        let status = PaymentStatus::ALL[(i as usize * 3) % PaymentStatus::ALL.len()];
        let created =
            Timestamp::from_unix_millis(now().unix_millis() - i * (7 * HOUR_MS + 13 * 60_000));
        push(Environment::BuiltInSandbox, product, status, 10_000 + i * 1_111, created);
    }
    // Yesterday (WIB) by one millisecond, and today's first instant.
    push(
        Environment::BuiltInSandbox,
        Product::OvoSnap,
        PaymentStatus::Succeeded,
        70_001,
        at("2026-10-20T16:59:59.999Z"),
    );
    push(
        Environment::BuiltInSandbox,
        Product::OvoSnap,
        PaymentStatus::Succeeded,
        70_002,
        at("2026-10-20T17:00:00Z"),
    );
    // The 7 days start on 15 October WIB.
    push(
        Environment::BuiltInSandbox,
        Product::TazapayOvoIdr,
        PaymentStatus::Succeeded,
        70_003,
        at("2026-10-14T16:59:59.999Z"),
    );
    push(
        Environment::BuiltInSandbox,
        Product::TazapayOvoIdr,
        PaymentStatus::Succeeded,
        70_004,
        at("2026-10-14T17:00:00Z"),
    );
    // Open items well past a week, and payments of another environment that never count.
    push(
        Environment::BuiltInSandbox,
        Product::OvoSnap,
        PaymentStatus::NeedsReview,
        70_005,
        at("2026-09-01T03:00:00Z"),
    );
    push(Environment::Production, Product::OvoSnap, PaymentStatus::Succeeded, 90_000, now());
    push(Environment::Production, Product::OvoSnap, PaymentStatus::Unknown, 90_001, now());

    let mut tx = ledger.begin_write().await.unwrap();
    for (n, p) in payments.iter_mut().enumerate() {
        p.id = sqlx::query_scalar(
            "INSERT INTO payments (reference, environment, product, kind, amount, status, created_at, succeeded_at, updated_at)
             VALUES ($1, $2, $3, 'push', $4, $5, $6, $7, $6) RETURNING id",
        )
        .bind(format!("DB{n:014}"))
        .bind(p.environment.key())
        .bind(p.product.key())
        .bind(p.amount)
        .bind(p.status.key())
        .bind(p.created_at.unix_millis())
        .bind((p.status == PaymentStatus::Succeeded).then_some(p.created_at.unix_millis()))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    }

    // Refunds of the succeeded payments, in turn by each requester and approver and reason.
    const STATES: [&str; 7] = [
        "succeeded",
        "requested",
        "settled_offline",
        "rejected",
        "unknown",
        "needs_review",
        "succeeded",
    ];
    const REASONS: [&str; 3] = ["barang dikembalikan", "salah nominal", "pesanan batal"];
    let mut refunds = Vec::new();
    let succeeded: Vec<usize> =
        (0..payments.len()).filter(|&i| payments[i].status == PaymentStatus::Succeeded).collect();
    for (k, &i) in succeeded.iter().enumerate() {
        let status = STATES[k % STATES.len()];
        let requested_by = k % 2;
        let decided = !matches!(status, "requested");
        let requested_at =
            Timestamp::from_unix_millis(payments[i].created_at.unix_millis() + HOUR_MS);
        refunds.push(Refund {
            payment: i,
            amount: payments[i].amount / (1 + (k as i64 % 3)),
            status,
            reason: REASONS[k % REASONS.len()],
            requested_by,
            requested_at,
            decided_by: decided.then_some(2 + (k / 2) % 2),
            decided_at: decided.then(|| requested_at.plus_millis(HOUR_MS)),
        });
    }
    for (n, r) in refunds.iter().enumerate() {
        sqlx::query(
            "INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at,
                                  decided_by, decided_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8)",
        )
        .bind(format!("DR{n:014}"))
        .bind(payments[r.payment].id)
        .bind(r.amount)
        .bind(if r.status == "settled_offline" { "offline" } else { "api" })
        .bind(r.status)
        .bind(r.reason)
        .bind(operators[r.requested_by].get())
        .bind(r.requested_at.unix_millis())
        .bind(r.decided_by.map(|o| operators[o].get()))
        .bind(r.decided_at.map(Timestamp::unix_millis))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    commit(tx).await.unwrap();
    Seeded { _dir: dir, ledger, payments, refunds, names: OPERATORS.map(|(n, _)| n).to_vec() }
}

/// `[from, until)` of the period of `days` WIB days ending today.
fn period(days: i64) -> (Timestamp, Timestamp) {
    let today = wib_date(now());
    (wib_day_start(add_days(today, 1 - days)), wib_day_start(add_days(today, 1)))
}

fn add(totals: &mut Totals, amount: i64) {
    totals.count += 1;
    totals.amount += amount;
}

/// The built-in sandbox's succeeded OVO SNAP payments in `[from, until)`, as
/// `by_product_status` totals them.
async fn builtin_sandbox_snap_succeeded(
    conn: &mut AnyConnection,
    from: Timestamp,
    until: Timestamp,
) -> Totals {
    let groups =
        dashboard::by_product_status(conn, Environment::BuiltInSandbox, from, until).await.unwrap();
    let found = groups
        .iter()
        .find(|g| g.product == Product::OvoSnap && g.status == PaymentStatus::Succeeded);
    found.unwrap().totals
}

#[tokio::test]
async fn figures_by_product_and_status_per_day_and_refunded_match_the_rows() {
    let s = seeded().await;
    let mut conn = s.ledger.read().await.unwrap();
    for days in [1, 7, 30] {
        let (from, until) = period(days);
        let in_period = |p: &&Payment| {
            p.environment == Environment::BuiltInSandbox
                && p.created_at >= from
                && p.created_at < until
        };

        let mut expected: BTreeMap<(Product, PaymentStatus), Totals> = BTreeMap::new();
        for p in s.payments.iter().filter(in_period) {
            add(expected.entry((p.product, p.status)).or_default(), p.amount);
        }
        let got: BTreeMap<_, _> =
            dashboard::by_product_status(&mut conn, Environment::BuiltInSandbox, from, until)
                .await
                .unwrap()
                .into_iter()
                .map(|g| ((g.product, g.status), g.totals))
                .collect();
        assert_eq!(got, expected, "{days} days");
        assert!(!expected.is_empty());

        let mut per_day: BTreeMap<i64, Totals> = BTreeMap::new();
        for p in
            s.payments.iter().filter(in_period).filter(|p| p.status == PaymentStatus::Succeeded)
        {
            let day = (p.created_at.unix_millis() - from.unix_millis()) / WIB_DAY_MS;
            add(per_day.entry(day).or_default(), p.amount);
        }
        let got: BTreeMap<_, _> =
            dashboard::succeeded_per_day(&mut conn, Environment::BuiltInSandbox, from, until)
                .await
                .unwrap()
                .into_iter()
                .map(|d| (d.day, d.totals))
                .collect();
        assert_eq!(got, per_day, "{days} days");

        let mut refunded = Totals::default();
        for r in &s.refunds {
            let paid_in_env = s.payments[r.payment].environment == Environment::BuiltInSandbox;
            if paid_in_env
                && r.requested_at >= from
                && r.requested_at < until
                && matches!(r.status, "succeeded" | "settled_offline")
            {
                add(&mut refunded, r.amount);
            }
        }
        let got =
            dashboard::refunded(&mut conn, Environment::BuiltInSandbox, from, until).await.unwrap();
        assert_eq!(got, refunded, "{days} days");
    }

    // The WIB midnight: 16:59:59.999 UTC is yesterday, 17:00 UTC today.
    let (from, until) = period(1);
    let snap_succeeded = builtin_sandbox_snap_succeeded(&mut conn, from, until).await;
    let amounts: Vec<i64> = s
        .payments
        .iter()
        .filter(|p| p.amount == 70_001 || p.amount == 70_002)
        .filter(|p| p.created_at >= from)
        .map(|p| p.amount)
        .collect();
    assert_eq!(amounts, [70_002]);
    assert!(snap_succeeded.amount >= 70_002);
    let yesterday = period(2).0;
    let snap_two_days = builtin_sandbox_snap_succeeded(&mut conn, yesterday, until).await;
    assert!(snap_two_days.amount - snap_succeeded.amount >= 70_001);

    // Another environment sees only its own.
    let production = dashboard::by_product_status(&mut conn, Environment::Production, from, until)
        .await
        .unwrap();
    let got: Vec<_> = production.iter().map(|g| (g.status, g.totals)).collect();
    assert_eq!(
        got,
        [
            (PaymentStatus::Succeeded, Totals { count: 1, amount: 90_000 }),
            (PaymentStatus::Unknown, Totals { count: 1, amount: 90_001 }),
        ]
    );
}

#[tokio::test]
async fn awaiting_approval_and_open_items_count_every_day() {
    let s = seeded().await;
    let mut conn = s.ledger.read().await.unwrap();
    let builtin = |r: &&Refund| s.payments[r.payment].environment == Environment::BuiltInSandbox;
    let mut awaiting = Totals::default();
    for r in s.refunds.iter().filter(builtin).filter(|r| r.status == "requested") {
        add(&mut awaiting, r.amount);
    }
    assert!(awaiting.count > 0);
    let got = dashboard::awaiting_approval(&mut conn, Environment::BuiltInSandbox).await.unwrap();
    assert_eq!(got, awaiting);

    let payments_in = |status| {
        s.payments
            .iter()
            .filter(|p| p.environment == Environment::BuiltInSandbox && p.status == status)
            .count() as u64
    };
    let refunds_in =
        |status| s.refunds.iter().filter(builtin).filter(|r| r.status == status).count() as u64;
    let open = dashboard::open_items(&mut conn, Environment::BuiltInSandbox).await.unwrap();
    assert_eq!(open.unknown_payments, payments_in(PaymentStatus::Unknown));
    assert_eq!(open.needs_review_payments, payments_in(PaymentStatus::NeedsReview));
    assert_eq!(open.unknown_refunds, refunds_in("unknown"));
    assert_eq!(open.needs_review_refunds, refunds_in("needs_review"));
    assert!(open.needs_review_payments > 1 && open.unknown_refunds > 0);

    let production = dashboard::open_items(&mut conn, Environment::Production).await.unwrap();
    assert_eq!((production.unknown_payments, production.needs_review_refunds), (1, 0));
}

#[tokio::test]
async fn refunds_by_requester_approver_and_reason_over_a_range() {
    let s = seeded().await;
    let mut conn = s.ledger.read().await.unwrap();
    let (from, until) = period(7);
    let builtin = |r: &&Refund| s.payments[r.payment].environment == Environment::BuiltInSandbox;
    let in_range = |t: Timestamp| t >= from && t < until;

    let mut by_requester: BTreeMap<String, Totals> = BTreeMap::new();
    let mut by_reason: BTreeMap<String, Totals> = BTreeMap::new();
    let mut by_approver: BTreeMap<String, Totals> = BTreeMap::new();
    for r in s.refunds.iter().filter(builtin) {
        if in_range(r.requested_at) {
            add(by_requester.entry(s.names[r.requested_by].into()).or_default(), r.amount);
            add(by_reason.entry(r.reason.into()).or_default(), r.amount);
        }
        if let (Some(approver), Some(decided_at)) = (r.decided_by, r.decided_at) {
            if r.status != "rejected" && in_range(decided_at) {
                add(by_approver.entry(s.names[approver].into()).or_default(), r.amount);
            }
        }
    }
    for (grouping, expected) in [
        (RefundGrouping::Requester, &by_requester),
        (RefundGrouping::Approver, &by_approver),
        (RefundGrouping::Reason, &by_reason),
    ] {
        let rows = reports::refunds_grouped(
            &mut conn,
            Environment::BuiltInSandbox,
            grouping,
            Some(from),
            Some(until),
        )
        .await
        .unwrap();
        let amounts: Vec<i64> = rows.iter().map(|g| g.totals.amount).collect();
        assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "largest first: {amounts:?}");
        let got: BTreeMap<_, _> = rows.into_iter().map(|g| (g.label, g.totals)).collect();
        assert_eq!(&got, expected, "{grouping:?}");
        assert!(got.len() >= 2, "{grouping:?}: {got:?}");
    }

    // Without a range: every refund of the environment.
    let all = reports::refunds_grouped(
        &mut conn,
        Environment::BuiltInSandbox,
        RefundGrouping::Reason,
        None,
        None,
    )
    .await
    .unwrap();
    let count: u64 = all.iter().map(|g| g.totals.count).sum();
    assert_eq!(count, s.refunds.iter().filter(builtin).count() as u64);
}

/// The ageing report's totals per bucket for the built-in sandbox's open `kind` items.
async fn builtin_sandbox_ageing(
    conn: &mut AnyConnection,
    kind: OpenKind,
    bounds: &[Timestamp],
) -> BTreeMap<usize, Totals> {
    let buckets = reports::ageing(conn, Environment::BuiltInSandbox, kind, bounds).await.unwrap();
    buckets.into_iter().map(|b| (b.bucket, b.totals)).collect()
}

#[tokio::test]
async fn open_items_by_age_in_wib_days_with_the_oldest() {
    let s = seeded().await;
    let mut conn = s.ledger.read().await.unwrap();
    let today = wib_date(now());
    // Buckets: created today; 1–2 days old; 3–6; 7 or more.
    let bounds = [
        wib_day_start(today),
        wib_day_start(add_days(today, -2)),
        wib_day_start(add_days(today, -6)),
    ];
    let bucket_of = |t: Timestamp| {
        let age = ovo_domain::days_between(wib_date(t), today);
        match age {
            ..=0 => 0,
            1..=2 => 1,
            3..=6 => 2,
            _ => 3,
        }
    };
    let open = |status: &str| status == "unknown" || status == "needs_review";

    let mut payments: BTreeMap<usize, Totals> = BTreeMap::new();
    let open_payments: Vec<&Payment> = s
        .payments
        .iter()
        .filter(|p| p.environment == Environment::BuiltInSandbox && open(p.status.key()))
        .collect();
    for p in &open_payments {
        add(payments.entry(bucket_of(p.created_at)).or_default(), p.amount);
    }
    let got = builtin_sandbox_ageing(&mut conn, OpenKind::Payments, &bounds).await;
    assert_eq!(got, payments);
    assert!(got.len() >= 3, "{got:?}");

    let mut refunds: BTreeMap<usize, Totals> = BTreeMap::new();
    let open_refunds: Vec<&Refund> = s
        .refunds
        .iter()
        .filter(|r| {
            s.payments[r.payment].environment == Environment::BuiltInSandbox && open(r.status)
        })
        .collect();
    for r in &open_refunds {
        add(refunds.entry(bucket_of(r.requested_at)).or_default(), r.amount);
    }
    let got = builtin_sandbox_ageing(&mut conn, OpenKind::Refunds, &bounds).await;
    assert_eq!(got, refunds);

    let oldest = reports::oldest_open(&mut conn, Environment::BuiltInSandbox, OpenKind::Payments)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(oldest.since, at("2026-09-01T03:00:00Z"));
    let oldest_refund =
        reports::oldest_open(&mut conn, Environment::BuiltInSandbox, OpenKind::Refunds)
            .await
            .unwrap()
            .unwrap();
    let expected = open_refunds.iter().map(|r| r.requested_at).min().unwrap();
    assert_eq!(oldest_refund.since, expected);
    assert!(reports::oldest_open(&mut conn, Environment::ProviderSandbox, OpenKind::Refunds)
        .await
        .unwrap()
        .is_none());
}
