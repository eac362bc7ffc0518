//! The dashboard and the reports through the back office, on a real ledger (a file, or
//! PostgreSQL with `OVO_TEST_POSTGRES_URL`): only finance and admin see them; the figures are
//! the current environment's, for WIB days, with the period's days, the refund rate in basis
//! points and the open items' ages.
#![allow(clippy::unwrap_used)]

use ovo_app::ipc::*;
use ovo_app::ErrorCode;
use ovo_domain::Timestamp;
use ovo_test_support::app::{code, operator_id, TestApp};

/// The fixed clock: 2026-09-21 14:13:20 UTC, 21:13 WIB on 21 September.
async fn fixture() -> TestApp {
    let f = TestApp::builder()
        .fixed_clock()
        .operator_shown_as("sam", "Sari Staff", "staff")
        .operator_shown_as("sup", "Sinta Support", "support")
        .operator_shown_as("fina", "Fina Finance", "finance")
        .operator_shown_as("budi", "Budi Finance", "finance")
        .open()
        .await;
    // A Provider sandbox of its own: the built-in demo's payments stay out of the figures.
    f.app
        .set_environment(EnvironmentInput { environment: "provider_sandbox".into() })
        .await
        .unwrap();
    f.sign_in_as("fina").await;
    f
}

fn at(rfc3339: &str) -> i64 {
    Timestamp::parse_rfc3339(rfc3339).unwrap().unix_millis()
}

/// Writes payments `(reference, product, status, amount, created_at)` in the Provider sandbox.
async fn payments(f: &TestApp, rows: &[(&str, &str, &str, i64, i64)]) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    for (reference, product, status, amount, created_at) in rows {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO payments (reference, environment, product, kind, amount, status, created_at, succeeded_at, updated_at)
             VALUES ($1, 'provider_sandbox', $2, 'push', $3, $4, $5, $6, $5) RETURNING id",
        )
        .bind(*reference)
        .bind(*product)
        .bind(*amount)
        .bind(*status)
        .bind(*created_at)
        .bind((*status == "succeeded").then_some(*created_at))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    ovo_ledger::commit(tx).await.unwrap();
    ids
}

/// A refund `(payment, amount, status, reason, requester, approver, requested_at)`.
type RefundRow<'a> = (i64, i64, &'a str, &'a str, &'a str, Option<&'a str>, i64);

async fn refunds(f: &TestApp, rows: &[RefundRow<'_>]) {
    let mut ids = Vec::new();
    for (_, _, _, _, requester, approver, _) in rows {
        let requester = operator_id(&f.app, requester).await.get();
        let approver = match approver {
            Some(a) => Some(operator_id(&f.app, a).await.get()),
            None => None,
        };
        ids.push((requester, approver));
    }
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    for (n, ((payment, amount, status, reason, _, _, requested_at), (requester, approver))) in
        rows.iter().zip(ids).enumerate()
    {
        sqlx::query(
            "INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at,
                                  decided_by, decided_at, updated_at)
             VALUES ($1, $2, $3, 'api', $4, $5, $6, $7, $8, $9, $7)",
        )
        .bind(format!("DASHRF{n:010}"))
        .bind(*payment)
        .bind(*amount)
        .bind(*status)
        .bind(*reason)
        .bind(requester)
        .bind(*requested_at)
        .bind(approver)
        .bind(approver.map(|_| *requested_at + 60_000))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    ovo_ledger::commit(tx).await.unwrap();
}

/// Today (21 September WIB) and the days before, with refunds.
async fn seeded() -> TestApp {
    let f = fixture().await;
    let ids = payments(
        &f,
        &[
            ("DASHPY0000000001", "ovo_snap", "succeeded", 100_000, at("2026-09-20T17:00:00Z")),
            ("DASHPY0000000002", "ovo_snap", "succeeded", 50_000, at("2026-09-20T20:00:00Z")),
            ("DASHPY0000000003", "tazapay_ovo_idr", "failed", 25_000, at("2026-09-20T21:00:00Z")),
            // 23:59:59.999 WIB yesterday.
            ("DASHPY0000000004", "ovo_snap", "succeeded", 40_000, at("2026-09-20T16:59:59.999Z")),
            (
                "DASHPY0000000005",
                "faspay_ovo_tokenize",
                "unknown",
                30_000,
                at("2026-09-18T03:00:00Z"),
            ),
            ("DASHPY0000000006", "ovo_snap", "needs_review", 20_000, at("2026-09-09T03:00:00Z")),
            // 40 days ago: in no period.
            ("DASHPY0000000007", "ovo_snap", "succeeded", 999_000, at("2026-08-12T03:00:00Z")),
        ],
    )
    .await;
    refunds(
        &f,
        &[
            (
                ids[0],
                30_000,
                "succeeded",
                "barang rusak",
                "sam",
                Some("fina"),
                at("2026-09-20T18:00:00Z"),
            ),
            (ids[1], 10_000, "requested", "barang rusak", "sup", None, at("2026-09-20T21:00:00Z")),
            (
                ids[3],
                40_000,
                "needs_review",
                "salah kirim",
                "sam",
                Some("budi"),
                at("2026-09-20T17:30:00Z"),
            ),
            (ids[6], 5_000, "requested", "salah kirim", "sup", None, at("2026-08-13T03:00:00Z")),
        ],
    )
    .await;
    f
}

#[tokio::test]
async fn staff_and_support_are_refused_the_dashboard_and_reports() {
    let f = fixture().await;
    for who in ["sam", "sup"] {
        f.sign_in_as(who).await;
        let dashboard = f.app.dashboard(DashboardInput { period: DashboardPeriod::Today }).await;
        assert_eq!(code(dashboard).0, ErrorCode::Forbidden, "{who}");
        assert_eq!(code(f.app.refund_report(ReportRange::default()).await).0, ErrorCode::Forbidden);
        assert_eq!(code(f.app.ageing_report().await).0, ErrorCode::Forbidden);
    }
    for who in ["fina", "admin"] {
        f.sign_in_as(who).await;
        f.app.dashboard(DashboardInput { period: DashboardPeriod::Days30 }).await.unwrap();
        f.app.refund_report(ReportRange::default()).await.unwrap();
        f.app.ageing_report().await.unwrap();
    }
}

#[tokio::test]
async fn the_dashboard_counts_the_wib_days_of_its_period() {
    let f = seeded().await;
    let today = f.app.dashboard(DashboardInput { period: DashboardPeriod::Today }).await.unwrap();
    assert_eq!((today.from.as_str(), today.to.as_str()), ("2026-09-21", "2026-09-21"));
    assert_eq!(today.total, TotalsView { count: 3, amount: 175_000 });
    let snap = today.by_product.iter().find(|p| p.product.key() == "ovo_snap").unwrap();
    assert_eq!((snap.count, snap.amount), (2, 150_000));
    assert_eq!(today.by_product.len(), ovo_domain::Product::ALL.len(), "every product, zeros too");
    let statuses: Vec<_> =
        today.by_status.iter().map(|s| (s.status.as_str(), s.count, s.amount)).collect();
    assert_eq!(statuses, [("succeeded", 2, 150_000), ("failed", 1, 25_000)]);
    // Requested today: one refund succeeded (30,000) of 150,000 succeeded: 20.00 %; 1 of 2: 50 %.
    assert_eq!(today.refund_rate.refunded, TotalsView { count: 1, amount: 30_000 });
    assert_eq!(today.refund_rate.amount_basis_points, Some(2_000));
    assert_eq!(today.refund_rate.count_basis_points, Some(5_000));
    assert_eq!(today.daily.len(), 1);
    assert_eq!((today.daily[0].count, today.daily[0].amount), (2, 150_000));

    let week = f.app.dashboard(DashboardInput { period: DashboardPeriod::Days7 }).await.unwrap();
    assert_eq!((week.from.as_str(), week.to.as_str()), ("2026-09-15", "2026-09-21"));
    assert_eq!(week.total, TotalsView { count: 5, amount: 245_000 });
    let days: Vec<_> = week.daily.iter().map(|d| (d.date.as_str(), d.count, d.amount)).collect();
    assert_eq!(days.len(), 7);
    assert_eq!(days[5], ("2026-09-20", 1, 40_000), "16:59:59.999 UTC is the day before");
    assert_eq!(days[6], ("2026-09-21", 2, 150_000));
    assert_eq!(days[3], ("2026-09-18", 0, 0));
    assert_eq!(week.refund_rate.succeeded, TotalsView { count: 3, amount: 190_000 });
    assert_eq!(week.refund_rate.amount_basis_points, Some(30_000 * 10_000 / 190_000));

    let month = f.app.dashboard(DashboardInput { period: DashboardPeriod::Days30 }).await.unwrap();
    assert_eq!(month.from, "2026-08-23");
    assert_eq!(month.daily.len(), 30);
    assert_eq!(month.total, TotalsView { count: 6, amount: 265_000 });

    // Not bound to the period: both requests awaiting approval, the open items of any day.
    for view in [&today, &month] {
        assert_eq!(view.awaiting_approval, TotalsView { count: 2, amount: 15_000 });
        assert_eq!(
            view.open_items,
            OpenItemsView {
                unknown_payments: 1,
                needs_review_payments: 1,
                unknown_refunds: 0,
                needs_review_refunds: 1,
            }
        );
        assert_eq!(view.open_exceptions, 0, "no settlement report imported");
    }
}

#[tokio::test]
async fn the_refund_report_groups_by_requester_approver_and_reason() {
    let f = seeded().await;
    let all = f.app.refund_report(ReportRange::default()).await.unwrap();
    let groups = |g: &[RefundGroupView]| {
        g.iter().map(|g| (g.label.clone(), g.count, g.amount)).collect::<Vec<_>>()
    };
    assert_eq!(
        groups(&all.by_requester),
        [("Sari Staff".into(), 2, 70_000), ("Sinta Support".into(), 2, 15_000)]
    );
    assert_eq!(
        groups(&all.by_approver),
        [("Budi Finance".into(), 1, 40_000), ("Fina Finance".into(), 1, 30_000)]
    );
    assert_eq!(
        groups(&all.by_reason),
        [("salah kirim".into(), 2, 45_000), ("barang rusak".into(), 2, 40_000)]
    );

    // 21 September WIB only: the refund requested at 17:30 UTC on the 20th is on the 21st.
    let range = ReportRange { from: Some("2026-09-21".into()), to: Some("2026-09-21".into()) };
    let day = f.app.refund_report(range).await.unwrap();
    assert_eq!(
        groups(&day.by_requester),
        [("Sari Staff".into(), 2, 70_000), ("Sinta Support".into(), 1, 10_000)]
    );

    let backwards = ReportRange { from: Some("2026-09-21".into()), to: Some("2026-08-31".into()) };
    let refused = f.app.refund_report(backwards).await;
    assert_eq!(code(refused), (ErrorCode::InvalidInput, Some("date_range_invalid")));
}

#[tokio::test]
async fn the_ageing_report_buckets_open_items_by_wib_days() {
    let f = seeded().await;
    let report = f.app.ageing_report().await.unwrap();
    assert_eq!(report.as_of, "2026-09-21");
    let buckets: Vec<_> =
        report.buckets.iter().map(|b| (b.bucket, b.payments.count, b.refunds.count)).collect();
    assert_eq!(
        buckets,
        [
            // The needs-review refund requested 00:30 WIB today.
            (AgeBucket::Today, 0, 1),
            // The unknown payment of 18 September: 3 days.
            (AgeBucket::Days1To2, 0, 0),
            (AgeBucket::Days3To6, 1, 0),
            // The needs-review payment of 9 September: 12 days.
            (AgeBucket::Days7Plus, 1, 0),
        ]
    );
    assert_eq!(report.buckets[3].payments.amount, 20_000);
    let oldest = report.oldest_payment.unwrap();
    assert_eq!((oldest.reference.as_str(), oldest.age_days), ("DASHPY0000000006", 12));
    assert_eq!(report.oldest_refund.unwrap().age_days, 0);
}

/// Exports `list` to a CSV file in `language` and reads it back, header first.
async fn exported(f: &TestApp, list: ExportList, language: &str) -> Vec<Vec<String>> {
    let path = f.dir.path().join(format!("report-{language}.csv"));
    let input = StartExportInput {
        list,
        format: ExportFormat::Csv,
        path: path.display().to_string(),
        language: language.into(),
    };
    let started = f.app.start_export(input).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = f.app.export_progress(ExportJobRef { job_id: started.job_id }).await.unwrap();
        if now.state != JobState::Running {
            assert_eq!(now.state, JobState::Finished, "{now:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running: {now:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let bytes = std::fs::read(&path).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[tokio::test]
async fn the_reports_export_as_the_screen_shows_them_and_only_for_finance_and_admin() {
    let f = seeded().await;
    let rows = exported(&f, ExportList::RefundReport(ReportRange::default()), "en").await;
    let expected: Vec<Vec<String>> = [
        ["By", "Name or reason", "Refunds", "Amount (IDR)"],
        ["Requester", "Sari Staff", "2", "70000"],
        ["Requester", "Sinta Support", "2", "15000"],
        ["Approver", "Budi Finance", "1", "40000"],
        ["Approver", "Fina Finance", "1", "30000"],
        ["Reason", "salah kirim", "2", "45000"],
        ["Reason", "barang rusak", "2", "40000"],
    ]
    .iter()
    .map(|row| row.iter().map(|c| c.to_string()).collect())
    .collect();
    assert_eq!(rows, expected);

    let rows = exported(&f, ExportList::Ageing, "id").await;
    assert_eq!(
        rows[0],
        [
            "Umur",
            "Pembayaran",
            "Nominal pembayaran (IDR)",
            "Pengembalian dana",
            "Nominal pengembalian dana (IDR)"
        ]
    );
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1], ["Kurang dari 1 hari", "0", "0", "1", "40000"]);
    assert_eq!(rows[4], ["7 hari atau lebih", "1", "20000", "0", "0"]);

    f.sign_in_as("sam").await;
    let input = StartExportInput {
        list: ExportList::Ageing,
        format: ExportFormat::Csv,
        path: f.dir.path().join("refused.csv").display().to_string(),
        language: "en".into(),
    };
    assert_eq!(code(f.app.start_export(input).await).0, ErrorCode::Forbidden);
}
