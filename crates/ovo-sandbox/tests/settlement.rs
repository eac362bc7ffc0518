//! Settlement files (`GET /_sandbox/settlement/{product}`) over real loopback HTTP, for payments
//! and refunds put into the products with `POST /_sandbox/import` at chosen instants; read back
//! with `csv` and `calamine` as a merchant's importer would.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use ovo_sandbox::{RunningSandbox, SettlementRequest};
use ovo_test_support::{json, sim};
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn millis(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

/// A succeeded payment of `product` paid at `paid` (RFC 3339), with succeeded refunds
/// `(amount, at)`.
fn paid(
    product: &str,
    reference: &str,
    provider_ref: Option<&str>,
    amount: i64,
    at: &str,
    refunds: &[(i64, &str)],
) -> Value {
    let refunds: Vec<Value> = refunds
        .iter()
        .enumerate()
        .map(|(i, (amount, at))| {
            json!({ "reference": format!("RF-{reference}-{i}"), "provider_ref": format!("rfd_{reference}{i}"),
                    "amount": amount, "status": "succeeded", "at": millis(at) })
        })
        .collect();
    json!({ "product": product, "reference": reference, "provider_ref": provider_ref,
            "phone": "6281234567890", "amount": amount, "status": "succeeded",
            "created_at": millis(at) - 60_000, "paid_at": millis(at), "refunds": refunds })
}

async fn import(sb: &RunningSandbox, payments: Vec<Value>) {
    let http = reqwest::Client::new();
    let body = json!({ "payments": payments });
    let report: Value = json::post(&http, &format!("{}/_sandbox/import", sb.url()), &body).await;
    assert_eq!(report["refused"], json!([]), "{report}");
    assert_eq!(report["imported"].as_u64(), Some(payments_len(&body)), "{report}");
}

fn payments_len(body: &Value) -> u64 {
    body["payments"].as_array().unwrap().len() as u64
}

struct Fetched {
    status: u16,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

/// `GET /_sandbox/settlement/{product}?{query}`.
async fn fetch(sb: &RunningSandbox, product: &str, query: &str) -> Fetched {
    let url = format!("{}/_sandbox/settlement/{product}?{query}", sb.url());
    let response = reqwest::get(&url).await.unwrap();
    let header = |name: &str| {
        response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap().to_vec();
    Fetched { status, content_type, disposition, bytes }
}

/// The CSV file's header and records (as the `csv` crate reads them).
async fn csv_of(
    sb: &RunningSandbox,
    product: &str,
    query: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let got = fetch(sb, product, query).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.bytes));
    assert_eq!(got.content_type, "text/csv; charset=utf-8");
    parse_csv(&got.bytes)
}

fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<String>>())
        .collect();
    (header, rows)
}

/// A 400 with a JSON `error` containing `says`.
async fn refused(sb: &RunningSandbox, product: &str, query: &str, says: &str) {
    let got = fetch(sb, product, query).await;
    assert_eq!(got.status, 400, "{product}?{query}: {}", String::from_utf8_lossy(&got.bytes));
    assert!(got.content_type.starts_with("application/json"), "{}", got.content_type);
    let body: Value = serde_json::from_slice(&got.bytes).unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(error.contains(says), "{product}?{query}: {error}");
}

/// A spreadsheet date-time cell's serial (days since 1899-12-30) as a wall-clock time,
/// rounded to the millisecond.
fn serial_to_datetime(serial: f64) -> NaiveDateTime {
    #[allow(clippy::float_arithmetic, clippy::cast_possible_truncation)]
    let ms = (serial * 86_400_000.0).round() as i64;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap().and_hms_opt(0, 0, 0).unwrap();
    epoch + TimeDelta::milliseconds(ms)
}

fn wall(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn sheet(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn ovo_payments() -> Vec<Value> {
    vec![
        // 23:59:59 WIB on 4 March, and 00:00:00 WIB on 5 March.
        paid("ovo_snap", "INV-LATE", None, 185_000, "2026-03-04T16:59:59Z", &[]),
        paid(
            "ovo_snap",
            "INV-NEXT",
            None,
            200_000,
            "2026-03-04T17:00:00Z",
            &[(50_000, "2026-03-05T03:00:00Z"), (1_000, "2026-03-05T17:00:00Z")],
        ),
        paid("ovo_snap", "INV-FEE", None, 10_100, "2026-03-05T02:00:00Z", &[]),
        json!({ "product": "ovo_snap", "reference": "INV-FAILED", "phone": "6281234567890", "amount": 7_000,
                "status": "failed", "created_at": millis("2026-03-05T02:30:00Z") }),
    ]
}

#[tokio::test]
async fn ovo_snap_file_covers_one_wib_date_with_fees_and_refunds() {
    let sb = sim::start_demo("0.00001").await;
    import(&sb, ovo_payments()).await;

    let (header, rows) = csv_of(&sb, "ovo_snap", "date=2026-03-04").await;
    assert_eq!(
        header,
        ["MerchantInvoice", "TransactionDate", "TransactionType", "Amount", "Status"]
    );
    assert_eq!(rows, [["INV-LATE", "2026-03-04 23:59:59", "PAYMENT", "185000.00", "SETTLED"]]);

    let (header, rows) = csv_of(&sb, "ovo_snap", "date=2026-03-05&fee_bps=50").await;
    assert_eq!(header, sim::OVO_SNAP_SETTLEMENT_FEE_COLUMNS);
    assert_eq!(
        rows,
        [
            [
                "INV-NEXT",
                "2026-03-05 00:00:00",
                "PAYMENT",
                "200000.00",
                "1000.00",
                "199000.00",
                "SETTLED"
            ],
            // 10,100 × 50 / 10,000 = 50.5: half up.
            [
                "INV-FEE",
                "2026-03-05 09:00:00",
                "PAYMENT",
                "10100.00",
                "51.00",
                "10049.00",
                "SETTLED"
            ],
            [
                "INV-NEXT",
                "2026-03-05 10:00:00",
                "REFUND",
                "50000.00",
                "0.00",
                "-50000.00",
                "SETTLED"
            ],
        ]
    );
    // The second refund was at 00:00 WIB on 6 March; the failed payment is nowhere.
    let (_, rows) = csv_of(&sb, "ovo_snap", "date=2026-03-06").await;
    assert_eq!(rows, [["INV-NEXT", "2026-03-06 00:00:00", "REFUND", "1000.00", "SETTLED"]]);
    let (_, rows) = csv_of(&sb, "ovo_snap", "date=2026-03-07").await;
    assert!(rows.is_empty(), "{rows:?}");

    // The download and the in-process builder give the same bytes.
    let got = fetch(&sb, "ovo_snap", "date=2026-03-05").await;
    assert_eq!(got.disposition, "attachment; filename=\"settlement-ovo_snap-2026-03-05.csv\"");
    let date = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    let file = sb.settlement_file("ovo_snap", &SettlementRequest::new(date)).unwrap();
    assert_eq!(file.bytes, got.bytes);
    assert_eq!(file.filename, "settlement-ovo_snap-2026-03-05.csv");

    // A reset forgets the movements.
    let http = reqwest::Client::new();
    json::post(&http, &format!("{}/_sandbox/reset", sb.url()), &json!({})).await;
    let (_, rows) = csv_of(&sb, "ovo_snap", "date=2026-03-05").await;
    assert!(rows.is_empty(), "{rows:?}");
}

#[tokio::test]
async fn discrepancies_change_the_file_as_asked() {
    let sb = sim::start_demo("0.00001").await;
    import(&sb, ovo_payments()).await;
    import(&sb, vec![paid("ovo_snap", "INV-MORE", None, 3_000, "2026-03-05T04:00:00Z", &[])]).await;

    let query = "date=2026-03-05&mismatch=INV-NEXT:199999&omit=INV-FEE&extra=GHOST-1:5000&duplicate=INV-MORE";
    let (_, rows) = csv_of(&sb, "ovo_snap", query).await;
    let lines: Vec<(&str, &str, &str, &str)> =
        rows.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str(), r[3].as_str())).collect();
    assert_eq!(
        lines,
        [
            ("INV-NEXT", "2026-03-05 00:00:00", "PAYMENT", "199999.00"),
            ("INV-NEXT", "2026-03-05 10:00:00", "REFUND", "50000.00"),
            ("INV-MORE", "2026-03-05 11:00:00", "PAYMENT", "3000.00"),
            ("INV-MORE", "2026-03-05 11:00:00", "PAYMENT", "3000.00"),
            ("GHOST-1", "2026-03-05 12:00:00", "PAYMENT", "5000.00"),
        ]
    );
    // Repeating a parameter and listing values comma-separated are the same.
    let repeated = fetch(&sb, "ovo_snap", "date=2026-03-05&omit=INV-FEE&omit=INV-MORE").await;
    let listed = fetch(&sb, "ovo_snap", "date=2026-03-05&omit=INV-FEE,INV-MORE").await;
    assert_eq!(repeated.bytes, listed.bytes);
    let (_, rows) = parse_csv(&listed.bytes);
    let refs: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(refs, ["INV-NEXT", "INV-NEXT"]);
    // Fees follow the amount the line says.
    let (_, rows) =
        csv_of(&sb, "ovo_snap", "date=2026-03-05&fee_bps=100&mismatch=INV-MORE:2000").await;
    let more = rows.iter().find(|r| r[0] == "INV-MORE").unwrap();
    assert_eq!(more[3..6], ["2000.00", "20.00", "1980.00"]);
}

#[tokio::test]
async fn bad_requests_say_what_is_accepted() {
    let sb = sim::start_demo("0.00001").await;
    import(&sb, ovo_payments()).await;
    for (product, query, says) in [
        ("gopay", "date=2026-03-05", "unknown product \"gopay\"; known:"),
        ("ovo_snap", "", "date is required"),
        ("ovo_snap", "date=05-03-2026", "date=YYYY-MM-DD"),
        ("ovo_snap", "date=2026-02-30", "is not a date"),
        ("ovo_snap", "date=2026-03-05&format=pdf", "format=csv|xlsx"),
        ("ovo_snap", "date=2026-03-05&fee_bps=-1", "0 to 10000"),
        ("ovo_snap", "date=2026-03-05&fee_bps=abc", "basis points"),
        ("ovo_snap", "date=2026-03-05&currency=IDR", "unknown parameter \"currency\""),
        ("ovo_snap", "date=2026-03-05&mismatch=INV-NEXT", "REF:AMOUNT"),
        ("ovo_snap", "date=2026-03-05&mismatch=INV-NEXT:0", "positive"),
        (
            "ovo_snap",
            "date=2026-03-05&omit=INV-LATE",
            "no payment line with reference \"INV-LATE\"",
        ),
        ("ovo_snap", "date=2026-03-05&duplicate=NOPE", "no payment line"),
        ("ovo_snap", "date=2026-03-05&extra=INV-FEE:1", "already has reference"),
        ("doku_jokul_ovo_push", "date=2026-03-05&fee_bps=10", "no fee columns"),
    ] {
        refused(&sb, product, query, says).await;
    }
}

#[tokio::test]
async fn every_product_writes_its_own_columns() {
    let sb = sim::start_demo("0.00001").await;
    let at = "2026-03-04T17:00:00Z"; // 00:00 WIB on 5 March
    import(
        &sb,
        vec![
            paid("doku_snap_ovo", "DOKU-1", None, 185_000, at, &[(85_000, "2026-03-05T05:30:00Z")]),
            paid(
                "tazapay_ovo_idr",
                "TZ-1",
                Some("pay_settle1"),
                1_185_000,
                at,
                &[(185_000, "2026-03-05T05:30:00Z")],
            ),
            paid("doku_jokul_ovo_push", "JK-1-01", None, 25_000, "2026-03-05T01:02:03Z", &[]),
            paid("faspay_ovo_tokenize", "BILL-1", Some("99999000000000777"), 45_000, at, &[]),
        ],
    )
    .await;
    let day = "date=2026-03-05";

    let (header, rows) = csv_of(&sb, "doku_snap_ovo", &format!("{day}&fee_bps=150")).await;
    assert_eq!(
        header,
        ["Partner Reference No", "Transaction Date", "Type", "Amount", "MDR", "Net Amount"]
    );
    assert_eq!(
        rows,
        [
            ["DOKU-1", "05/03/2026 00:00", "Sale", "185.000", "2.775", "182.225"],
            ["DOKU-1", "05/03/2026 12:30", "Refund", "85.000", "0", "-85.000"],
        ]
    );

    let got = fetch(&sb, "tazapay_ovo_idr", &format!("{day}&fee_bps=100")).await;
    let text = String::from_utf8(got.bytes.clone()).unwrap();
    assert!(text.contains("\"1,185,000.00\""), "amounts with commas are quoted: {text}");
    let (header, rows) = parse_csv(&got.bytes);
    assert_eq!(
        header,
        ["reference_id", "created_at", "type", "amount", "currency", "fee", "net_amount"]
    );
    assert_eq!(
        rows,
        [
            [
                "TZ-1",
                "2026-03-04T17:00:00Z",
                "payin",
                "1,185,000.00",
                "IDR",
                "11,850.00",
                "1,173,150.00"
            ],
            ["TZ-1", "2026-03-05T05:30:00Z", "refund", "185,000.00", "IDR", "0.00", "-185,000.00"],
        ]
    );

    let (header, rows) = csv_of(&sb, "doku_jokul_ovo_push", day).await;
    assert_eq!(header, ["invoice_number", "transaction_time", "amount", "approval_code", "status"]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][..3], ["JK-1-01", "20260305080203", "25000"]);
    assert!(rows[0][3].len() == 6 && rows[0][3].bytes().all(|b| b.is_ascii_digit()), "{rows:?}");
    assert_eq!(rows[0][4], "SUCCESS");

    let (header, rows) = csv_of(&sb, "faspay_ovo_tokenize", day).await;
    assert_eq!(header, ["bill_no", "trx_id", "payment_date", "bill_total", "payment_status_desc"]);
    assert_eq!(rows, [["BILL-1", "99999000000000777", "2026-03-05 00:00:00", "45000", "Sukses"]]);
    // The seeded demo Faspay payments are not this sandbox's settlements, and 4 March is empty.
    for product in
        ["doku_snap_ovo", "tazapay_ovo_idr", "doku_jokul_ovo_push", "faspay_ovo_tokenize"]
    {
        let (_, rows) = csv_of(&sb, product, "date=2026-03-04").await;
        assert!(rows.is_empty(), "{product}: {rows:?}");
    }
}

#[tokio::test]
async fn workbooks_hold_numbers_and_real_dates() {
    let sb = sim::start_demo("0.00001").await;
    import(&sb, ovo_payments()).await;
    import(&sb, vec![paid("doku_snap_ovo", "DOKU-X", None, 185_000, "2026-03-04T16:59:59Z", &[])])
        .await;

    let got = fetch(&sb, "ovo_snap", "date=2026-03-05&format=xlsx&fee_bps=50").await;
    assert_eq!((got.status, got.content_type.as_str()), (200, XLSX));
    assert_eq!(got.disposition, "attachment; filename=\"settlement-ovo_snap-2026-03-05.xlsx\"");
    let rows = sheet(got.bytes);
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(header, sim::OVO_SNAP_SETTLEMENT_FEE_COLUMNS);
    // The same lines as the CSV, typed.
    let (_, csv_rows) = csv_of(&sb, "ovo_snap", "date=2026-03-05&fee_bps=50").await;
    assert_eq!(rows.len(), csv_rows.len() + 1);
    for (cells, csv_row) in rows[1..].iter().zip(&csv_rows) {
        assert_eq!(cells[0], Data::String(csv_row[0].clone()));
        let Data::DateTime(when) = &cells[1] else {
            panic!("not a date-time cell: {:?}", cells[1])
        };
        assert_eq!(serial_to_datetime(when.as_f64()), wall(&csv_row[1]));
        for (col, amount) in [(3, &csv_row[3]), (4, &csv_row[4]), (5, &csv_row[5])] {
            let want: f64 = amount.parse().unwrap();
            assert_eq!(cells[col], Data::Float(want), "column {col}");
        }
        assert_eq!(cells[6], Data::String("SETTLED".into()));
    }
    assert_eq!(rows[3][5], Data::Float(-50_000.0), "a refund's net is negative");

    let got = fetch(&sb, "doku_snap_ovo", "date=2026-03-04&format=xlsx").await;
    let rows = sheet(got.bytes);
    assert_eq!(rows.len(), 2);
    let Data::DateTime(when) = &rows[1][1] else { panic!("{:?}", rows[1][1]) };
    assert_eq!(serial_to_datetime(when.as_f64()), wall("2026-03-04 23:59:59"));
    assert_eq!(rows[1][3], Data::Float(185_000.0));
    assert_eq!(rows[1][2], Data::String("Sale".into()));
}

/// Today's file, built in process, lists a payment made through the API a moment ago (the
/// built-in environment's "download today's simulated settlement file").
#[tokio::test]
async fn today_is_the_wib_date_of_the_sandbox_clock() {
    let sb = sim::start_demo("0.00001").await;
    let now = Utc::now();
    import(&sb, vec![paid("ovo_snap", "INV-NOW", None, 1_000, &now.to_rfc3339(), &[])]).await;
    let request = SettlementRequest::today();
    let wib_today = now.with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    if request.date != wib_today {
        return; // midnight WIB passed between the two readings
    }
    let file = sb.settlement_file("ovo_snap", &request).unwrap();
    let (_, rows) = parse_csv(&file.bytes);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0][0].as_str(), rows[0][3].as_str()), ("INV-NOW", "1000.00"));
    assert!(sb.settlement_file("gopay", &request).unwrap_err().contains("unknown product"));
}
