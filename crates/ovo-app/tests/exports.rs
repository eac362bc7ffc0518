//! Exports of the payments list, a refund queue and the audit log to CSV and XLSX, on a real
//! ledger (a file, or PostgreSQL with `OVO_TEST_POSTGRES_URL`): the file holds exactly what the
//! list shows with the same filters, read back with the csv and calamine crates; formulas are
//! defused; a cancelled or refused export leaves no file; a finished one is audited.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{open_workbook, Data, Reader, Xlsx};
use ovo_app::ipc::*;
use ovo_app::ErrorCode;
use ovo_domain::Product;
use ovo_test_support::app::{self, code, sign_in_as, RecordedPayment, TestApp};

async fn fixture() -> TestApp {
    TestApp::builder()
        .operator_shown_as("sam", "Sari Staff", "staff")
        .operator_shown_as("fina", "Fina Finance", "finance")
        .signed_in("fina")
        .open()
        .await
}

fn out(f: &TestApp, name: &str) -> PathBuf {
    f.dir.path().join(name)
}

fn input(list: ExportList, format: ExportFormat, path: &Path, language: &str) -> StartExportInput {
    StartExportInput { list, format, path: path.display().to_string(), language: language.into() }
}

/// Starts the export and follows it to its end.
async fn export(f: &TestApp, input: StartExportInput) -> ExportProgress {
    let started = f.app.start_export(input).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = f.app.export_progress(ExportJobRef { job_id: started.job_id }).await.unwrap();
        if now.state != JobState::Running {
            return now;
        }
        assert!(Instant::now() < deadline, "the export is still running: {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every reference the payments list shows with `filters`, newest first.
async fn listed(f: &TestApp, filters: &PaymentFilters) -> Vec<PaymentRowView> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let query = PaymentQuery { filters: filters.clone(), after, limit: 200 };
        let page = f.app.payments_page(query).await.unwrap();
        rows.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return rows,
        }
    }
}

fn csv_rows(path: &Path) -> (Vec<u8>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (bytes, rows)
}

fn xlsx_rows(path: &Path) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    sheet.rows().map(<[Data]>::to_vec).collect()
}

fn no_partial_files(f: &TestApp) -> Vec<String> {
    std::fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".part") || name.starts_with("export"))
        .collect()
}

/// `count` payments a millisecond apart over three products, every fourth failed, in one
/// statement that both backends run.
async fn many_payments(f: &TestApp, count: u32) {
    let now = f.app.now().unix_millis();
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO payments (reference, product, kind, amount, status, created_at, succeeded_at,
                               updated_at, environment)
         SELECT 'BULK' || CAST(100000000000 + i AS TEXT),
                CASE i % 3 WHEN 0 THEN 'ovo_snap' WHEN 1 THEN 'doku_jokul_ovo_push'
                           ELSE 'tazapay_ovo_idr' END,
                'push', 1000 + i,
                CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'succeeded' END,
                {now} - i, CASE WHEN i % 4 = 0 THEN NULL ELSE {now} - i END, {now},
                'builtin_sandbox'
         FROM n"
    );
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    ovo_ledger::commit(tx).await.unwrap();
}

#[tokio::test]
async fn a_payments_export_holds_what_the_list_shows_in_csv_and_xlsx() {
    let f = fixture().await;
    many_payments(&f, 6_000).await;
    let filters = PaymentFilters {
        product: Some("ovo_snap".into()),
        status: Some("succeeded".into()),
        min_amount: Some("Rp 1.100".into()),
        ..Default::default()
    };
    let shown = listed(&f, &filters).await;
    assert!(shown.len() > 1_000, "{}", shown.len());

    // CSV, in Bahasa Indonesia.
    let path = out(&f, "pembayaran.csv");
    let list = ExportList::Payments(filters.clone());
    let done = export(&f, input(list.clone(), ExportFormat::Csv, &path, "id")).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    assert_eq!((done.rows_written, done.rows_total), (shown.len() as u64, shown.len() as u64));
    let (bytes, rows) = csv_rows(&path);
    assert_eq!(&bytes[..3], "\u{feff}".as_bytes(), "UTF-8 with a byte-order mark");
    assert_eq!(rows[0][..4], ["Referensi", "Produk", "Nominal (IDR)", "Status"]);
    assert_eq!(rows.len(), shown.len() + 1);
    for (row, payment) in rows[1..].iter().zip(&shown) {
        assert_eq!(row[0], payment.reference);
        assert_eq!(row[1], Product::OvoSnap.display_name());
        assert_eq!(row[2], payment.amount.to_string(), "amounts are plain numbers");
        assert_eq!(row[3], "Berhasil", "the status's label, not its key");
    }
    // WIB wall-clock time: the list's UTC instant plus seven hours.
    let created = chrono::DateTime::parse_from_rfc3339(&shown[0].created_at).unwrap();
    let wib = created.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
    assert_eq!(rows[1][6], wib.format("%Y-%m-%d %H:%M:%S").to_string());

    // XLSX, in English: numbers, dates and the same rows.
    let path = out(&f, "payments.xlsx");
    let done = export(&f, input(list, ExportFormat::Xlsx, &path, "en")).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    let sheet = xlsx_rows(&path);
    assert_eq!(sheet[0][..3], [Data::from("Reference"), "Product".into(), "Amount (IDR)".into()]);
    assert_eq!(sheet.len(), shown.len() + 1);
    for (row, payment) in sheet[1..].iter().zip(&shown) {
        assert_eq!(row[0], Data::String(payment.reference.clone()));
        assert_eq!(row[2], Data::Float(payment.amount as f64));
        assert_eq!(row[3], Data::from("Succeeded"));
        assert!(matches!(row[6], Data::DateTime(_)), "{:?}", row[6]);
    }
    assert_eq!(no_partial_files(&f), Vec::<String>::new());
    // Only the operator who started an export follows it.
    sign_in_as(&f.app, "sam").await;
    let theirs = f.app.export_progress(ExportJobRef { job_id: done.job_id }).await;
    assert_eq!(code(theirs).0, ErrorCode::NotFound);
    sign_in_as(&f.app, "fina").await;

    // Each finished export is audited with its list, filters and rows.
    let audit = app::audit_page(&f.app, 20).await;
    let written: Vec<_> = audit.iter().filter(|e| e.action == "export.written").collect();
    assert_eq!(written.len(), 2);
    let detail: serde_json::Value = serde_json::from_str(&written[0].detail).unwrap();
    assert_eq!(detail["format"], "xlsx");
    assert_eq!(detail["rows"], shown.len());
    assert_eq!(detail["list"]["product"], "ovo_snap");
    assert_eq!(written[0].subject, "export:payments");
}

#[tokio::test]
async fn a_refund_queue_export_defuses_formulas_and_the_audit_log_filters() {
    let f = fixture().await;
    sign_in_as(&f.app, "sam").await;
    let paid = RecordedPayment::succeeded(Product::OvoSnap, "direct_debit", 50_000);
    let payment_id = paid.insert(&f.app).await;
    let reasons = ["=HYPERLINK(\"http://x\")", "+62 812", "-5", "@SUM(A1)", "plain"];
    for reason in reasons {
        f.app
            .request_refund(RequestRefundInput {
                payment_id,
                amount: "1.000".into(),
                reason: reason.into(),
            })
            .await
            .unwrap();
    }
    // Staff exports the queue they can see; the audit log is finance's.
    let path = out(&f, "refunds.csv");
    let list = ExportList::Refunds { status: "requested".into() };
    let done = export(&f, input(list.clone(), ExportFormat::Csv, &path, "en")).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    let (_, rows) = csv_rows(&path);
    assert_eq!(rows[0][6], "Reason");
    let queue = app::refund_queue(&f.app, "requested").await;
    let exported: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    let shown: Vec<&str> = queue.iter().map(|r| r.reference.as_str()).collect();
    assert_eq!(exported, shown, "the queue's rows in its order");
    let ours = app::payment_page(&f.app, payment_id).await.payment.reference;
    let mut written: Vec<&str> =
        rows[1..].iter().filter(|r| r[1] == ours).map(|r| r[6].as_str()).collect();
    written.sort_unstable();
    assert_eq!(written, ["'+62 812", "'-5", "'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "plain"]);
    assert!(rows[1..].iter().filter(|r| r[1] == ours).all(|r| r[7] == "Sari Staff"), "by name");
    let audit_list = ExportList::Audit(AuditFilters::default());
    let refused = f.app.start_export(input(audit_list, ExportFormat::Csv, &path, "en")).await;
    assert_eq!(code(refused).0, ErrorCode::Forbidden);

    // In XLSX a text is a text: never a formula, no apostrophe.
    let path = out(&f, "refunds.xlsx");
    let done = export(&f, input(list, ExportFormat::Xlsx, &path, "id")).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    let sheet = xlsx_rows(&path);
    assert!(sheet[1..].iter().any(|r| r[6] == "=HYPERLINK(\"http://x\")"));

    // The audit log, filtered by operator and action start, on screen and exported alike.
    sign_in_as(&f.app, "fina").await;
    let sam = app::operator_id(&f.app, "sam").await.get();
    let filters = AuditFilters {
        operator_id: Some(sam),
        action: Some("refund.".into()),
        ..Default::default()
    };
    let query = AuditQuery { filters: filters.clone(), before_seq: None, limit: 200 };
    let shown = f.app.list_audit(query).await.unwrap().items;
    assert_eq!(shown.len(), reasons.len(), "{shown:#?}");
    assert!(shown.iter().all(|e| e.action.starts_with("refund.")));
    // Without its dot an action is matched whole.
    for (action, entries) in [("refund.request", reasons.len()), ("refund.req", 0)] {
        let exact = AuditFilters { action: Some(action.into()), ..filters.clone() };
        let query = AuditQuery { filters: exact, before_seq: None, limit: 200 };
        assert_eq!(f.app.list_audit(query).await.unwrap().items.len(), entries, "{action}");
    }
    let path = out(&f, "audit.csv");
    let done = export(&f, input(ExportList::Audit(filters), ExportFormat::Csv, &path, "id")).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    let (_, rows) = csv_rows(&path);
    assert_eq!(rows[0][..5], ["No.", "Waktu (WIB)", "Operator", "Tindakan", "Objek"]);
    let seqs: Vec<String> = shown.iter().map(|e| e.seq.to_string()).collect();
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, seqs);
    assert!(rows[1..].iter().all(|r| r[2] == "sam"), "the operator as recorded");

    // A date range: nothing before today in WIB, everything of today.
    let today = ovo_domain::wib_date(f.app.now()).to_string();
    let yesterday = ovo_domain::add_days(ovo_domain::wib_date(f.app.now()), -1).to_string();
    let on = |from: &str, to: &str| AuditQuery {
        filters: AuditFilters {
            from: Some(from.into()),
            to: Some(to.into()),
            ..Default::default()
        },
        before_seq: None,
        limit: 200,
    };
    assert!(f.app.list_audit(on(&yesterday, &yesterday)).await.unwrap().items.is_empty());
    assert!(!f.app.list_audit(on(&today, &today)).await.unwrap().items.is_empty());
    let reversed = f.app.list_audit(on(&today, &yesterday)).await;
    assert_eq!(code(reversed), (ErrorCode::InvalidInput, Some("date_range_invalid")));
}

#[tokio::test]
async fn a_cancelled_or_refused_export_leaves_no_file() {
    let f = fixture().await;
    many_payments(&f, 30_000).await;
    let list = ExportList::Payments(PaymentFilters::default());

    let bad = |path: &str, list: ExportList| StartExportInput {
        list,
        format: ExportFormat::Csv,
        path: path.into(),
        language: "en".into(),
    };
    let missing = out(&f, "no-such-folder/x.csv").display().to_string();
    for (input, reason) in [
        (bad("relative.csv", list.clone()), "export_path_invalid"),
        (bad(&missing, list.clone()), "export_path_invalid"),
        (
            bad(
                &out(&f, "x.csv").display().to_string(),
                ExportList::Refunds { status: "paid".into() },
            ),
            "refund_status_unknown",
        ),
        (
            bad(
                &out(&f, "x.csv").display().to_string(),
                ExportList::Payments(PaymentFilters {
                    from: Some("31/12/2026".into()),
                    ..Default::default()
                }),
            ),
            "date_invalid",
        ),
    ] {
        let refused = f.app.start_export(input).await;
        assert_eq!(code(refused), (ErrorCode::InvalidInput, Some(reason)));
    }

    // Cancelled while it runs (one export at a time): neither the file nor its part stays.
    let path = out(&f, "export-all.xlsx");
    let started =
        f.app.start_export(input(list.clone(), ExportFormat::Xlsx, &path, "en")).await.unwrap();
    let second =
        f.app.start_export(input(list, ExportFormat::Csv, &out(&f, "export-2.csv"), "en")).await;
    assert_eq!(code(second), (ErrorCode::Conflict, Some("export_running")));
    f.app.cancel_export(ExportJobRef { job_id: started.job_id }).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let ended = loop {
        let now = f.app.export_progress(ExportJobRef { job_id: started.job_id }).await.unwrap();
        if now.state != JobState::Running {
            break now;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(ended.state, JobState::Cancelled, "{ended:?}");
    assert!(ended.rows_written < ended.rows_total, "{ended:?}");
    assert_eq!(no_partial_files(&f), Vec::<String>::new());
    let audit = app::audit_page(&f.app, 20).await;
    assert!(audit.iter().all(|e| e.action != "export.written"));
}
