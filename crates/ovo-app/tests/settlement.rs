//! Settlement reconciliation end to end, on a real ledger (a file, or PostgreSQL with
//! `OVO_TEST_POSTGRES_URL`): the built-in simulator writes the settlement file of a day of the
//! demo's OVO SNAP payments with the discrepancies the test asks for; finance checks it, imports
//! it, sees every exception, resolves one with a reason, exports the result, and a late file
//! settles what the first one left out. Bad files are refused whole with their line numbers.
#![allow(clippy::unwrap_used)]

use ovo_app::ipc::*;
use ovo_app::ErrorCode;
use ovo_domain::{wib_date, Msisdn, Product, Reference, Timestamp};
use ovo_test_support::app::{self, code, RecordedPayment, TestApp, WithSim};
use serde_json::json;

async fn fixture() -> WithSim {
    TestApp::builder()
        .operator_shown_as("sam", "Sari Staff", "staff")
        .operator_shown_as("fina", "Fina Finance", "finance")
        .signed_in("fina")
        .open_with_sim()
        .await
}

fn file_input(product: &str, path: &str) -> SettlementFileInput {
    SettlementFileInput { product: product.into(), path: path.into(), mapping: None }
}

/// The simulator's OVO SNAP file of `date` with `query` added, as CSV lines (header first).
async fn sim_file(f: &WithSim, date: &str, query: &str) -> Vec<u8> {
    f.sim.bytes(&format!("/_sandbox/settlement/ovo_snap?date={date}{query}")).await
}

fn csv_lines(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Ten days ago at noon WIB, five OVO SNAP payments the ledger and the simulator both hold (as
/// the built-in environment imports a ledger's payments); that WIB date and its clean file.
async fn busy_day(f: &WithSim) -> (String, Vec<Vec<String>>) {
    let now = f.app.now();
    let day = ovo_domain::add_days(wib_date(now), -10);
    let noon = Timestamp::from_wib(day.and_hms_opt(12, 0, 0).unwrap());
    f.clock.set(noon);
    let mut imported = Vec::new();
    for (i, amount) in [185_000, 50_000, 75_500, 1_000_000, 12_345].into_iter().enumerate() {
        let reference = Reference::parse(&format!("STL{i:013}")).unwrap();
        let mut payment = RecordedPayment::succeeded(Product::OvoSnap, "direct_debit", amount);
        payment.reference = Some(reference.clone());
        payment.phone = Some(Msisdn::parse("6281234567890").unwrap());
        payment.insert(&f.app).await;
        imported.push(json!({
            "product": "ovo_snap", "reference": reference.as_str(), "phone": "6281234567890",
            "amount": amount, "status": "succeeded",
            "created_at": noon.unix_millis(), "paid_at": noon.unix_millis() + i as i64 * 60_000,
        }));
    }
    f.clock.set(now);
    let report = f.sim.post("/_sandbox/import", json!({ "payments": imported })).await;
    assert_eq!(report["imported"], 5, "{report}");
    let date = day.to_string();
    let lines = csv_lines(&sim_file(f, &date, "").await);
    (date, lines)
}

fn count(check: &SettlementCheck, outcome: &str) -> u64 {
    check.outcomes.iter().find(|o| o.outcome == outcome).map_or(0, |o| o.count)
}

async fn exceptions(f: &WithSim, open_only: bool) -> SettlementExceptionPage {
    let filters = SettlementExceptionFilters { open_only, ..Default::default() };
    let query = SettlementExceptionsQuery { filters, before: None, limit: None };
    f.app.settlement_exceptions(query).await.unwrap()
}

#[tokio::test]
async fn a_simulated_settlement_file_is_checked_imported_resolved_and_exported() {
    let f = fixture().await;
    let (date, clean) = busy_day(&f).await;
    let payments: Vec<&Vec<String>> = clean.iter().filter(|l| l[2] == "PAYMENT").collect();
    let (differs, omitted) = (&payments[0][0], &payments[1][0]);
    let ledger_amount: i64 = payments[0][3].trim_end_matches(".00").parse().unwrap();
    let clean_path = f.file("ovo-clean.csv", &sim_file(&f, &date, "").await);
    let baseline = f.app.check_settlement_file(file_input("ovo_snap", &clean_path)).await.unwrap();
    assert_eq!(baseline.problems, vec![]);
    assert_eq!(
        baseline.not_in_file, 0,
        "the simulator settled every payment of the day: {baseline:#?}"
    );
    let stranger = "ZZZZZZZZZZZZZZZ9";
    let query = format!(
        "&fee_bps=70&mismatch={differs}:{}&omit={omitted}&extra={stranger}:5000",
        ledger_amount + 1_000
    );
    let bytes = sim_file(&f, &date, &query).await;
    let lines = csv_lines(&bytes).len() as u64 - 1;
    let path = f.file("ovo-settlement.csv", &bytes);

    // The check reads every line and writes nothing.
    let check = f.app.check_settlement_file(file_input("ovo_snap", &path)).await.unwrap();
    assert_eq!(check.problems, vec![], "{check:#?}");
    assert_eq!(check.lines, lines);
    assert_eq!(
        (check.first_date.as_deref(), check.last_date.as_deref()),
        (Some(&*date), Some(&*date))
    );
    assert_eq!(check.mapping.reference, "MerchantInvoice");
    assert_eq!(count(&check, "amount_mismatch"), 1);
    assert_eq!(count(&check, "not_in_ledger"), 1);
    assert_eq!(count(&check, "settled_twice"), 0);
    assert_eq!(count(&check, "matched") + count(&check, "status_mismatch"), lines - 2);
    assert_eq!(check.not_in_file, 1, "the omitted payment is due and missing");
    assert!(check.fees_total.unwrap() > 0);
    assert_eq!(
        check.net_total.unwrap(),
        check.payments_total - check.fees_total.unwrap() - check.refunds_total
    );
    assert!(f.app.settlement_batches(Default::default()).await.unwrap().is_empty());

    // The same file as a workbook reads the same.
    let xlsx = sim_file(&f, &date, &format!("{query}&format=xlsx")).await;
    let xlsx_path = f.file("ovo-settlement.xlsx", &xlsx);
    let from_sheet = f.app.check_settlement_file(file_input("ovo_snap", &xlsx_path)).await.unwrap();
    assert_eq!(from_sheet.problems, vec![]);
    assert_eq!(from_sheet.outcomes, check.outcomes);
    assert_eq!(from_sheet.fees_total, check.fees_total);

    // Imported: three exceptions, open until resolved.
    let imported = f.app.import_settlement_file(file_input("ovo_snap", &path)).await.unwrap();
    let batch_id = imported.batch_id.unwrap();
    assert_eq!(imported.not_in_file, 1);
    let open = exceptions(&f, true).await;
    assert_eq!(open.total, 3);
    let kind_of = |kind: &str| open.items.iter().find(|x| x.kind == kind).unwrap().clone();
    let mismatch = kind_of("amount_mismatch");
    assert_eq!(mismatch.reference, *differs);
    assert_eq!(
        (mismatch.ledger_amount, mismatch.file_amount),
        (Some(ledger_amount), Some(ledger_amount + 1_000))
    );
    assert!(mismatch.line_no.is_some());
    assert_eq!(kind_of("not_in_ledger").reference, stranger);
    assert_eq!(kind_of("not_in_file").reference, *omitted);
    let dashboard =
        f.app.dashboard(DashboardInput { period: DashboardPeriod::Today }).await.unwrap();
    assert_eq!(dashboard.open_exceptions, 3, "the dashboard counts the open exceptions");
    let batches = f.app.settlement_batches(Default::default()).await.unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!((batches[0].line_count as u64, batches[0].open_exceptions), (lines, 3));
    assert_eq!(batches[0].imported_by, "Fina Finance");
    let page = f
        .app
        .settlement_lines(SettlementLinesQuery {
            batch_id,
            outcome: Some("amount_mismatch".into()),
            after_line: None,
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].payment_reference.as_deref(), Some(differs.as_str()));

    // The same file again is refused, and nothing changes.
    let again = f.app.check_settlement_file(file_input("ovo_snap", &path)).await.unwrap();
    assert_eq!(again.problems[0].reason, "settlement_already_imported");
    let refused = f.app.import_settlement_file(file_input("ovo_snap", &path)).await;
    assert_eq!(code(refused), (ErrorCode::InvalidInput, Some("settlement_file_invalid")));
    assert_eq!(f.app.settlement_batches(Default::default()).await.unwrap().len(), 1);

    // Resolved with a reason, audited; a second resolution and an empty reason are refused.
    let empty = ResolveExceptionInput { id: mismatch.id, reason: "  ".into() };
    assert_eq!(
        code(f.app.resolve_settlement_exception(empty).await),
        (ErrorCode::InvalidInput, Some("settlement_reason_missing"))
    );
    let reason = "OVO corrected the amount in its next report";
    let resolved = f
        .app
        .resolve_settlement_exception(ResolveExceptionInput {
            id: mismatch.id,
            reason: reason.into(),
        })
        .await
        .unwrap();
    assert_eq!(resolved.resolved_by.as_deref(), Some("Fina Finance"));
    assert_eq!(resolved.resolution.as_deref(), Some(reason));
    let twice = ResolveExceptionInput { id: mismatch.id, reason: reason.into() };
    assert_eq!(
        code(f.app.resolve_settlement_exception(twice).await),
        (ErrorCode::Conflict, Some("settlement_exception_resolved"))
    );
    assert_eq!(exceptions(&f, true).await.total, 2);
    assert_eq!(exceptions(&f, false).await.total, 3);
    let audit = app::audit_page(&f.app, 10).await;
    let entry = audit.iter().find(|e| e.action == "settlement.exception_resolved").unwrap();
    assert_eq!(entry.subject, format!("payment:{differs}"));
    assert!(entry.detail.contains(reason), "{}", entry.detail);
    assert!(audit.iter().any(|e| e.action == "settlement.imported"));

    // The result exported: every exception with its reason.
    let out = f.dir.path().join("exceptions.csv");
    let list = ExportList::SettlementExceptions(SettlementExceptionFilters::default());
    let started = f
        .app
        .start_export(StartExportInput {
            list,
            format: ExportFormat::Csv,
            path: out.display().to_string(),
            language: "en".into(),
        })
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while f.app.export_progress(ExportJobRef { job_id: started.job_id }).await.unwrap().state
        == JobState::Running
    {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let exported = csv_lines(&std::fs::read(&out).unwrap()[3..]);
    assert_eq!(exported.len(), 4, "{exported:?}");
    assert_eq!(exported[0][0], "Exception");
    let row = exported.iter().find(|r| r[1] == *differs).unwrap();
    assert_eq!(
        (row[0].as_str(), row[8].as_str(), row[10].as_str()),
        ("Amount differs", "Fina Finance", reason)
    );

    // A late file settles the omitted payment: matched, and its exception resolves itself.
    let omitted_line =
        csv_lines(&sim_file(&f, &date, "").await).into_iter().find(|l| l[0] == *omitted).unwrap();
    let late = format!("{}\n{}\n", clean[0].join(","), omitted_line.join(","));
    let late_path = f.file("ovo-late.csv", late.as_bytes());
    let late_import =
        f.app.import_settlement_file(file_input("ovo_snap", &late_path)).await.unwrap();
    assert_eq!(count(&late_import, "matched"), 1);
    let open = exceptions(&f, true).await;
    assert_eq!(open.total, 1);
    assert_eq!(open.items[0].kind, "not_in_ledger");
    let all = exceptions(&f, false).await;
    let settled_late = all.items.iter().find(|x| x.kind == "not_in_file").unwrap();
    assert!(settled_late.resolution.as_deref().unwrap().contains("ovo-late.csv"));

    // The day's report once more (another file, every payment in it settled already): refused.
    let again_path = f.file("ovo-again.csv", &sim_file(&f, &date, "&fee_bps=80").await);
    let again = f.app.check_settlement_file(file_input("ovo_snap", &again_path)).await.unwrap();
    let reasons: Vec<&str> = again.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(reasons, vec!["settlement_dates_settled"], "{again:#?}");
    let day_payments = clean.iter().filter(|l| l[2] == "PAYMENT").count() as u64;
    assert_eq!(count(&again, "settled_twice"), day_payments);
}

#[tokio::test]
async fn bad_files_are_refused_whole_with_their_lines() {
    let f = fixture().await;
    let (date, clean) = busy_day(&f).await;
    let header = clean[0].join(",");
    let first = clean.iter().find(|l| l[2] == "PAYMENT").unwrap().join(",");

    // The wrong product: an OVO SNAP report imported as Tazapay's.
    let path = f.file("ovo.csv", &sim_file(&f, &date, "").await);
    let mapping = SettlementMapping {
        reference: "MerchantInvoice".into(),
        date: "TransactionDate".into(),
        amount: "Amount".into(),
        kind: Some("TransactionType".into()),
        fee: None,
        net: None,
        status: None,
    };
    let as_tazapay = SettlementFileInput {
        product: "tazapay_ovo_idr".into(),
        path: path.clone(),
        mapping: Some(mapping),
    };
    let check = f.app.check_settlement_file(as_tazapay.clone()).await.unwrap();
    assert!(check.problem_count >= 1);
    assert!(check.problems.iter().all(|p| p.reason == "settlement_other_product"), "{check:#?}");
    assert_eq!(check.problems[0].line, Some(2));
    let refused = f.app.import_settlement_file(as_tazapay).await.unwrap_err();
    assert_eq!(refused.reason, Some("settlement_file_invalid"));
    assert_eq!(refused.line, Some(2));
    assert!(refused.message.contains("line 2"), "{}", refused.message);

    // Tazapay's own columns are not in an OVO file.
    let columns = f.app.check_settlement_file(file_input("tazapay_ovo_idr", &path)).await.unwrap();
    assert_eq!(columns.problems[0].reason, "settlement_columns_missing");
    assert!(columns.problems[0].detail.contains("reference_id"), "{:?}", columns.problems);

    // A repeated line, a bad amount and a future date: every one named with its line.
    let tomorrow = ovo_domain::add_days(wib_date(f.app.now()), 1);
    let bad = format!(
        "{header}\n{first}\n{first}\nAAAAAAAAAAAAAAA1,{date} 10:00:00,PAYMENT,12.5,1,1,SETTLED\nAAAAAAAAAAAAAAA2,{tomorrow} 10:00:00,PAYMENT,1000,0,1000,SETTLED\n"
    );
    let bad_path = f.file("bad.csv", bad.as_bytes());
    let check = f.app.check_settlement_file(file_input("ovo_snap", &bad_path)).await.unwrap();
    let found: Vec<(Option<u64>, &str)> =
        check.problems.iter().map(|p| (p.line, p.reason.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (Some(3), "settlement_duplicate_line"),
            (Some(4), "settlement_amount_invalid"),
            (Some(5), "settlement_date_future"),
        ]
    );
    assert!(f.app.import_settlement_file(file_input("ovo_snap", &bad_path)).await.is_err());

    // Not a report at all.
    let pdf = f.file("report.pdf", b"%PDF-1.7 not a report");
    let check = f.app.check_settlement_file(file_input("ovo_snap", &pdf)).await.unwrap();
    assert_eq!(check.problems[0].reason, "settlement_file_type");

    // Nothing was imported, and staff may not reconcile.
    assert!(f.app.settlement_batches(Default::default()).await.unwrap().is_empty());
    assert_eq!(exceptions(&f, false).await.total, 0);
    f.sign_in_as("sam").await;
    assert_eq!(
        code(f.app.check_settlement_file(file_input("ovo_snap", &path)).await).0,
        ErrorCode::Forbidden
    );
}
