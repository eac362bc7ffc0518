//! Settled money movements, and the settlement (transaction report) files built from them
//! (`GET /_sandbox/settlement/{product}`, or [`Ctx::settlement_file`] in process).
//!
//! Every product records here, on the sandbox's clock, each payment the moment its record
//! turns successful (its merchant reference as the product knows it, the amount in whole
//! rupiah, the success instant) and, for the products with a refund API (OVO SNAP, DOKU SNAP,
//! Tazapay), each refund the moment it succeeds at the provider (the refunded payment's
//! reference, the refund amount, the instant). Imported payments that succeeded, and their
//! succeeded refunds, are recorded at their `paid_at` / `at`. A reset forgets everything.
//!
//! A file covers one product and one WIB (Asia/Jakarta) calendar date: the movements whose
//! instant falls on that date, ordered by instant, then reference (a payment before a refund
//! of the same instant). OVO SNAP's layout follows its D+1 settlement report (`MerchantInvoice`
//! carries `partnerReferenceNo`); the other products publish transaction reports whose columns
//! here are **house inventions** (see [`SettlementStyle`]).

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::clock;
use super::import::{ImportedPayment, ImportedRefundStatus, ImportedStatus};
use super::{lock, Ctx};

/// How many movements are kept (the oldest go first).
const KEEP: usize = 200_000;

/// What moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Payment,
    Refund,
}

/// One settled money movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub product: String,
    pub kind: MovementKind,
    /// The payment's merchant reference as the product knows it (OVO SNAP and DOKU SNAP
    /// `partnerReferenceNo`, Jokul `invoice_number`, Tazapay `reference_id`, Faspay `bill_no`);
    /// a refund carries its payment's.
    pub reference: String,
    /// Whole rupiah, positive (a refund too).
    pub amount: i64,
    pub at: DateTime<Utc>,
    /// What the provider assigned, where a report shows it (Faspay `trx_id`, Jokul approval
    /// code, Tazapay payin id, SNAP `referenceNo`); may be empty.
    pub provider_ref: String,
}

/// The shared, thread-safe record of settled movements (kept in [`Ctx`], like the journal).
#[derive(Debug, Default)]
pub struct Settlements {
    movements: Mutex<VecDeque<Movement>>,
}

impl Settlements {
    /// A payment that reached success at `at`.
    pub fn payment(
        &self,
        product: &str,
        reference: &str,
        amount: i64,
        at: DateTime<Utc>,
        provider_ref: &str,
    ) {
        self.push(Movement {
            product: product.to_owned(),
            kind: MovementKind::Payment,
            reference: reference.to_owned(),
            amount,
            at,
            provider_ref: provider_ref.to_owned(),
        });
    }

    /// A refund of the payment `reference` that succeeded at the provider at `at`.
    pub fn refund(&self, product: &str, reference: &str, amount: i64, at: DateTime<Utc>) {
        self.push(Movement {
            product: product.to_owned(),
            kind: MovementKind::Refund,
            reference: reference.to_owned(),
            amount,
            at,
            provider_ref: String::new(),
        });
    }

    /// An imported payment (`reference` as the product keeps it): when it succeeded, it at its
    /// `paid_at` (else `created_at`) and each of its succeeded refunds at its `at`.
    pub fn imported(
        &self,
        product: &str,
        payment: &ImportedPayment,
        reference: &str,
        provider_ref: &str,
    ) {
        if payment.status != ImportedStatus::Succeeded {
            return;
        }
        let paid = payment.paid().unwrap_or_else(|| payment.created());
        self.payment(product, reference, payment.amount, paid, provider_ref);
        for r in payment.refunds.iter().filter(|r| r.status == ImportedRefundStatus::Succeeded) {
            self.refund(product, reference, r.amount, clock::from_unix_millis(r.at));
        }
    }

    fn push(&self, movement: Movement) {
        let mut movements = lock(&self.movements);
        if movements.len() == KEEP {
            movements.pop_front();
        }
        movements.push_back(movement);
    }

    /// Every movement recorded, optionally of one product, in the order recorded.
    pub fn list(&self, product: Option<&str>) -> Vec<Movement> {
        lock(&self.movements)
            .iter()
            .filter(|m| product.is_none_or(|p| m.product == p))
            .cloned()
            .collect()
    }

    /// The movements of `product` whose instant falls on the WIB date `date`, ordered by
    /// instant, then reference, then payment before refund.
    pub fn on(&self, product: &str, date: NaiveDate) -> Vec<Movement> {
        let mut found: Vec<Movement> = lock(&self.movements)
            .iter()
            .filter(|m| m.product == product && clock::jakarta_date(m.at) == date)
            .cloned()
            .collect();
        found.sort_by(|a, b| order(a).cmp(&order(b)));
        found
    }

    pub fn clear(&self) {
        lock(&self.movements).clear();
    }
}

fn order(m: &Movement) -> (DateTime<Utc>, &str, MovementKind) {
    (m.at, m.reference.as_str(), m.kind)
}

/// The layout of a product's report. Only `OvoSnap` follows a published report; the others
/// are house inventions in the shape of each provider's transaction report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettlementStyle {
    /// `MerchantInvoice,TransactionDate,TransactionType,Amount[,Fee,NetAmount],Status`:
    /// `YYYY-MM-DD HH:MM:SS` WIB, `PAYMENT`/`REFUND`, `185000.00`, `SETTLED`.
    OvoSnap,
    /// House invention: `Partner Reference No,Transaction Date,Type,Amount[,MDR,Net Amount]`:
    /// `DD/MM/YYYY HH:MM` WIB, `Sale`/`Refund`, Indonesian thousands `185.000`.
    DokuSnap,
    /// House invention: `invoice_number,transaction_time,amount,approval_code,status`:
    /// `YYYYMMDDHHMMSS` WIB, integer amount, `SUCCESS`. No fee columns, no refunds.
    JokulPush,
    /// House invention: `reference_id,created_at,type,amount,currency[,fee,net_amount]`:
    /// RFC 3339 UTC whole seconds, `payin`/`refund`, `185,000.00`, `IDR`.
    Tazapay,
    /// House invention: `bill_no,trx_id,payment_date,bill_total,payment_status_desc`:
    /// `YYYY-MM-DD HH:MM:SS` WIB, integer amount, `Sukses`. No fee columns, no refunds.
    Faspay,
    /// Any other product: `reference,transaction_time,type,amount[,fee,net_amount]`: RFC 3339
    /// UTC, `payment`/`refund`, integer amount.
    Generic,
}

impl SettlementStyle {
    fn has_fee_columns(self) -> bool {
        !matches!(self, SettlementStyle::JokulPush | SettlementStyle::Faspay)
    }
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileFormat {
    /// UTF-8, comma-separated, a header line, `\n` line ends.
    #[default]
    Csv,
    /// One sheet, the header in row 1, amounts as numbers, the date column as date-time cells.
    Xlsx,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A deliberate difference between the file and what really settled (REF is the reference as
/// it appears in the file; each but `Extra` applies to that reference's payment line(s)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discrepancy {
    /// `mismatch=REF:AMOUNT`: the payment line says AMOUNT instead.
    Mismatch { reference: String, amount: i64 },
    /// `omit=REF`: the payment line is left out.
    Omit { reference: String },
    /// `extra=REF:AMOUNT`: a payment line for a reference the merchant never created, at
    /// 12:00:00 WIB of the file's date.
    Extra { reference: String, amount: i64 },
    /// `duplicate=REF`: the payment line is written twice.
    Duplicate { reference: String },
}

/// What to build: a product's file for one WIB date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRequest {
    /// The WIB calendar date of the transactions covered.
    pub date: NaiveDate,
    pub format: FileFormat,
    /// Adds the fee and net columns: fee = amount × bps / 10,000 rounded half up on payments,
    /// 0 on refunds; net = amount − fee (refunds: −amount).
    pub fee_bps: Option<u32>,
    pub discrepancies: Vec<Discrepancy>,
}

/// The query parameters `GET /_sandbox/settlement/{product}` accepts.
pub const ACCEPTED_PARAMS: &str = "date=YYYY-MM-DD (required, the WIB date), format=csv|xlsx, \
     fee_bps=0..10000, mismatch=REF:AMOUNT, omit=REF, extra=REF:AMOUNT, duplicate=REF \
     (the last four repeatable, and each value may list several, comma-separated)";

impl SettlementRequest {
    /// A CSV without fees or discrepancies for `date`.
    pub fn new(date: NaiveDate) -> SettlementRequest {
        SettlementRequest {
            date,
            format: FileFormat::Csv,
            fee_bps: None,
            discrepancies: Vec::new(),
        }
    }

    /// Today's (WIB, on the sandbox's clock) CSV.
    pub fn today() -> SettlementRequest {
        SettlementRequest::new(today_wib())
    }

    /// Reads the query parameters (in order, repeats kept); why not, naming what is accepted.
    pub fn from_query(pairs: &[(String, String)]) -> Result<SettlementRequest, String> {
        let mut date = None;
        let mut format = None;
        let mut fee_bps = None;
        let mut discrepancies = Vec::new();
        for (name, value) in pairs {
            let once = |seen: bool| {
                if seen {
                    Err(format!("{name} given twice; accepted: {ACCEPTED_PARAMS}"))
                } else {
                    Ok(())
                }
            };
            match name.as_str() {
                "date" => {
                    once(date.is_some())?;
                    date = Some(NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                        format!("date={value:?} is not a date; accepted: date=YYYY-MM-DD (a WIB calendar date)")
                    })?);
                }
                "format" => {
                    once(format.is_some())?;
                    format = Some(match value.as_str() {
                        "csv" => FileFormat::Csv,
                        "xlsx" => FileFormat::Xlsx,
                        _ => return Err(format!("format={value:?}; accepted: format=csv|xlsx")),
                    });
                }
                "fee_bps" => {
                    once(fee_bps.is_some())?;
                    fee_bps = Some(value.parse::<u32>().ok().filter(|b| *b <= 10_000).ok_or_else(
                        || format!("fee_bps={value:?}; accepted: a whole number of basis points, 0 to 10000"),
                    )?);
                }
                "mismatch" | "omit" | "extra" | "duplicate" => {
                    for item in value.split(',') {
                        discrepancies.push(discrepancy(name, item)?);
                    }
                }
                _ => {
                    return Err(format!("unknown parameter {name:?}; accepted: {ACCEPTED_PARAMS}"))
                }
            }
        }
        let date = date.ok_or_else(|| format!("date is required; accepted: {ACCEPTED_PARAMS}"))?;
        Ok(SettlementRequest { date, format: format.unwrap_or_default(), fee_bps, discrepancies })
    }
}

fn discrepancy(name: &str, item: &str) -> Result<Discrepancy, String> {
    let item = item.trim();
    let with_amount = || {
        let (reference, amount) = item.rsplit_once(':').ok_or_else(|| {
            format!("{name}={item:?}; accepted: {name}=REF:AMOUNT (whole rupiah)")
        })?;
        let amount = amount.parse::<i64>().ok().filter(|a| *a > 0).ok_or_else(|| {
            format!("{name}={item:?}: AMOUNT must be a positive whole number of rupiah")
        })?;
        Ok::<_, String>((reference.to_owned(), amount))
    };
    let reference = || {
        if item.is_empty() {
            Err(format!("{name} needs a reference; accepted: {name}=REF"))
        } else {
            Ok(item.to_owned())
        }
    };
    let parsed = match name {
        "mismatch" => {
            with_amount().map(|(reference, amount)| Discrepancy::Mismatch { reference, amount })
        }
        "extra" => {
            with_amount().map(|(reference, amount)| Discrepancy::Extra { reference, amount })
        }
        "omit" => reference().map(|reference| Discrepancy::Omit { reference }),
        _ => reference().map(|reference| Discrepancy::Duplicate { reference }),
    }?;
    match &parsed {
        Discrepancy::Mismatch { reference, .. } | Discrepancy::Extra { reference, .. }
            if reference.is_empty() =>
        {
            Err(format!("{name}={item:?} needs a reference; accepted: {name}=REF:AMOUNT"))
        }
        _ => Ok(parsed),
    }
}

/// Today's WIB date on the sandbox's clock.
pub fn today_wib() -> NaiveDate {
    clock::jakarta_date(clock::now())
}

/// A built file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementFile {
    /// `settlement-<product>-<date>.<ext>`.
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// One line before rendering. `amount` is positive; a refund's net is −amount.
#[derive(Debug, Clone)]
struct Line {
    kind: MovementKind,
    reference: String,
    amount: i64,
    at: DateTime<Utc>,
    provider_ref: String,
}

impl Ctx {
    /// The settlement file of `product` for `request` (what `GET /_sandbox/settlement/{product}`
    /// serves); why not (an unknown product, fee columns the report lacks, a discrepancy for a
    /// reference that is not in the file).
    pub fn settlement_file(
        &self,
        product: &str,
        request: &SettlementRequest,
    ) -> Result<SettlementFile, String> {
        let sim = self.product(product).ok_or_else(|| {
            format!("unknown product {product:?}; known: {:?}", self.product_keys())
        })?;
        build(
            sim.key(),
            sim.settlement_style(),
            self.settlements().on(sim.key(), request.date),
            request,
        )
    }
}

/// Builds the file of `product` in `style` from its movements on the request's date.
pub fn build(
    product: &str,
    style: SettlementStyle,
    movements: Vec<Movement>,
    request: &SettlementRequest,
) -> Result<SettlementFile, String> {
    if request.fee_bps.is_some() && !style.has_fee_columns() {
        return Err(format!("{product}'s report has no fee columns; leave out fee_bps"));
    }
    let mut lines: Vec<Line> = movements
        .into_iter()
        .map(|m| Line {
            kind: m.kind,
            reference: m.reference,
            amount: m.amount,
            at: m.at,
            provider_ref: m.provider_ref,
        })
        .collect();
    apply(&mut lines, &request.discrepancies, request.date)?;
    lines.sort_by(|a, b| (a.at, &a.reference, a.kind).cmp(&(b.at, &b.reference, b.kind)));
    let table = Table::of(style, &lines, request.fee_bps);
    let bytes = match request.format {
        FileFormat::Csv => table.csv()?,
        FileFormat::Xlsx => table.xlsx()?,
    };
    Ok(SettlementFile {
        filename: format!("settlement-{product}-{}.{}", request.date, request.format.extension()),
        content_type: request.format.content_type(),
        bytes,
    })
}

fn apply(
    lines: &mut Vec<Line>,
    discrepancies: &[Discrepancy],
    date: NaiveDate,
) -> Result<(), String> {
    let is_payment =
        |l: &Line, reference: &str| l.kind == MovementKind::Payment && l.reference == reference;
    let missing = |what: &str, reference: &str| {
        format!("{what}={reference}: no payment line with reference {reference:?} on {date}")
    };
    for d in discrepancies {
        match d {
            Discrepancy::Mismatch { reference, amount } => {
                let mut found = false;
                for line in lines.iter_mut().filter(|l| is_payment(l, reference)) {
                    line.amount = *amount;
                    found = true;
                }
                if !found {
                    return Err(missing("mismatch", reference));
                }
            }
            Discrepancy::Omit { reference } => {
                let before = lines.len();
                lines.retain(|l| !is_payment(l, reference));
                if lines.len() == before {
                    return Err(missing("omit", reference));
                }
            }
            Discrepancy::Duplicate { reference } => {
                let copies: Vec<Line> =
                    lines.iter().filter(|l| is_payment(l, reference)).cloned().collect();
                if copies.is_empty() {
                    return Err(missing("duplicate", reference));
                }
                lines.extend(copies);
            }
            Discrepancy::Extra { reference, amount } => {
                if lines.iter().any(|l| &l.reference == reference) {
                    return Err(format!(
                        "extra={reference}: the file already has reference {reference:?}; pick one the merchant never created"
                    ));
                }
                lines.push(Line {
                    kind: MovementKind::Payment,
                    reference: reference.clone(),
                    amount: *amount,
                    at: wib_noon(date),
                    provider_ref: String::new(),
                });
            }
        }
    }
    Ok(())
}

fn wib_noon(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    chrono_tz::Asia::Jakarta
        .from_local_datetime(&local)
        .single()
        .map_or_else(|| Utc.from_utc_datetime(&local), |at| at.with_timezone(&Utc))
}

/// Fee on a payment: amount × bps / 10,000, rounded half up to whole rupiah.
pub fn fee(amount: i64, bps: u32) -> i64 {
    let scaled = i128::from(amount) * i128::from(bps);
    let fee = (scaled + 5_000).div_euclid(10_000);
    i64::try_from(fee).unwrap_or(i64::MAX)
}

/// A cell: its text (CSV) and what a spreadsheet cell holds.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    /// A number; `text` for CSV, `format` the spreadsheet number format.
    Number {
        value: i64,
        text: String,
        format: &'static str,
    },
    /// A date-time on the wall clock the report uses; `text` for CSV.
    Time {
        value: NaiveDateTime,
        text: String,
        format: &'static str,
    },
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Number { text: t, .. } | Cell::Time { text: t, .. } => t,
        }
    }
}

#[derive(Debug)]
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// `n` with `sep` between thousands (`185000`, '.' → `185.000`), the sign kept.
fn grouped(n: i64, sep: char) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl Table {
    fn of(style: SettlementStyle, lines: &[Line], fee_bps: Option<u32>) -> Table {
        use SettlementStyle as S;
        let wib = |at: DateTime<Utc>| clock::in_jakarta(at).naive_local();
        let money = |value: i64| match style {
            S::OvoSnap => Cell::Number { value, text: format!("{value}.00"), format: "0.00" },
            S::DokuSnap => Cell::Number { value, text: grouped(value, '.'), format: "#,##0" },
            S::Tazapay => Cell::Number {
                value,
                text: format!("{}.00", grouped(value, ',')),
                format: "#,##0.00",
            },
            S::JokulPush | S::Faspay | S::Generic => {
                Cell::Number { value, text: value.to_string(), format: "0" }
            }
        };
        let time = |at: DateTime<Utc>| match style {
            S::OvoSnap | S::Faspay => Cell::Time {
                value: wib(at),
                text: clock::jakarta_text(at, "%Y-%m-%d %H:%M:%S"),
                format: "yyyy-mm-dd hh:mm:ss",
            },
            S::DokuSnap => Cell::Time {
                value: wib(at),
                text: clock::jakarta_text(at, "%d/%m/%Y %H:%M"),
                format: "dd/mm/yyyy hh:mm",
            },
            S::JokulPush => Cell::Time {
                value: wib(at),
                text: clock::jakarta_text(at, "%Y%m%d%H%M%S"),
                format: "yyyymmddhhmmss",
            },
            S::Tazapay | S::Generic => Cell::Time {
                value: at.naive_utc(),
                text: clock::rfc3339_seconds(at),
                format: "yyyy-mm-dd\"T\"hh:mm:ss\"Z\"",
            },
        };
        let text = |t: &str| Cell::Text(t.to_owned());
        let (mut header, fee_names): (Vec<&'static str>, [&'static str; 2]) = match style {
            S::OvoSnap => (
                vec!["MerchantInvoice", "TransactionDate", "TransactionType", "Amount"],
                ["Fee", "NetAmount"],
            ),
            S::DokuSnap => (
                vec!["Partner Reference No", "Transaction Date", "Type", "Amount"],
                ["MDR", "Net Amount"],
            ),
            S::JokulPush => (
                vec!["invoice_number", "transaction_time", "amount", "approval_code", "status"],
                ["", ""],
            ),
            S::Tazapay => (
                vec!["reference_id", "created_at", "type", "amount", "currency"],
                ["fee", "net_amount"],
            ),
            S::Faspay => (
                vec!["bill_no", "trx_id", "payment_date", "bill_total", "payment_status_desc"],
                ["", ""],
            ),
            S::Generic => {
                (vec!["reference", "transaction_time", "type", "amount"], ["fee", "net_amount"])
            }
        };
        let fees = fee_bps.filter(|_| style.has_fee_columns());
        if fees.is_some() {
            header.extend(fee_names);
        }
        if style == S::OvoSnap {
            header.push("Status");
        }
        let rows = lines
            .iter()
            .map(|l| {
                let payment = l.kind == MovementKind::Payment;
                let kind = match (style, payment) {
                    (S::OvoSnap, true) => "PAYMENT",
                    (S::OvoSnap, false) => "REFUND",
                    (S::DokuSnap, true) => "Sale",
                    (S::DokuSnap, false) => "Refund",
                    (S::Tazapay, true) => "payin",
                    (S::Generic, true) | (S::JokulPush | S::Faspay, _) => "payment",
                    (S::Tazapay | S::Generic, false) => "refund",
                };
                let mut row = match style {
                    S::OvoSnap | S::DokuSnap | S::Generic => {
                        vec![text(&l.reference), time(l.at), text(kind), money(l.amount)]
                    }
                    S::JokulPush => vec![
                        text(&l.reference),
                        time(l.at),
                        money(l.amount),
                        text(&l.provider_ref),
                        text("SUCCESS"),
                    ],
                    S::Tazapay => vec![
                        text(&l.reference),
                        time(l.at),
                        text(kind),
                        money(l.amount),
                        text("IDR"),
                    ],
                    S::Faspay => vec![
                        text(&l.reference),
                        text(&l.provider_ref),
                        time(l.at),
                        money(l.amount),
                        text("Sukses"),
                    ],
                };
                if let Some(bps) = fees {
                    let (fee, net) = if payment {
                        (fee(l.amount, bps), l.amount - fee(l.amount, bps))
                    } else {
                        (0, -l.amount)
                    };
                    row.push(money(fee));
                    row.push(money(net));
                }
                if style == S::OvoSnap {
                    row.push(text("SETTLED"));
                }
                row
            })
            .collect();
        Table { header, rows }
    }

    fn csv(&self) -> Result<Vec<u8>, String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| format!("writing the CSV: {e}");
        writer.write_record(&self.header).map_err(failed)?;
        for row in &self.rows {
            writer.write_record(row.iter().map(Cell::text)).map_err(failed)?;
        }
        writer.into_inner().map_err(|e| format!("writing the CSV: {e}"))
    }

    fn xlsx(&self) -> Result<Vec<u8>, String> {
        use rust_xlsxwriter::{Format, Workbook};
        let failed = |e: rust_xlsxwriter::XlsxError| format!("writing the workbook: {e}");
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Settlement").map_err(failed)?;
        let bold = Format::new().set_bold();
        for (col, name) in (0u16..).zip(&self.header) {
            sheet.write_string_with_format(0, col, *name, &bold).map_err(failed)?;
            sheet.set_column_width(col, 22).map_err(failed)?;
        }
        for (row, cells) in (1u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Text(t) => sheet.write_string(row, col, t).map(|_| ()),
                    Cell::Number { value, format, .. } => {
                        // Rupiah amounts are far inside f64's exact integers.
                        #[allow(clippy::cast_precision_loss)]
                        let number = *value as f64;
                        sheet
                            .write_number_with_format(
                                row,
                                col,
                                number,
                                &Format::new().set_num_format(*format),
                            )
                            .map(|_| ())
                    }
                    Cell::Time { value, format, .. } => sheet
                        .write_datetime_with_format(
                            row,
                            col,
                            value,
                            &Format::new().set_num_format(*format),
                        )
                        .map(|_| ()),
                }
                .map_err(failed)?;
            }
        }
        workbook.save_to_buffer().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        clock::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn fees_round_half_up_and_amounts_group() {
        assert_eq!(fee(185_000, 70), 1_295);
        assert_eq!(fee(10_050, 50), 50); // 50.25 → 50
        assert_eq!(fee(10_100, 50), 51); // 50.5 → 51
        assert_eq!(fee(1, 4_999), 0);
        assert_eq!(fee(1, 5_000), 1);
        assert_eq!(grouped(185_000, '.'), "185.000");
        assert_eq!(grouped(1_234_567, ','), "1,234,567");
        assert_eq!(grouped(-1_000, ','), "-1,000");
        assert_eq!(grouped(999, '.'), "999");
    }

    #[test]
    fn a_date_holds_the_wib_day_only() {
        let s = Settlements::default();
        s.payment("p", "LATE", 1, at("2026-03-04T16:59:59Z"), "");
        s.payment("p", "NEXT", 2, at("2026-03-04T17:00:00Z"), "");
        s.refund("p", "LATE", 1, at("2026-03-05T16:59:59Z"));
        s.payment("q", "OTHER", 3, at("2026-03-05T01:00:00Z"), "");
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let refs =
            |d| s.on("p", day(d)).into_iter().map(|m| (m.reference, m.kind)).collect::<Vec<_>>();
        assert_eq!(refs("2026-03-04"), [("LATE".to_owned(), MovementKind::Payment)]);
        assert_eq!(
            refs("2026-03-05"),
            [("NEXT".to_owned(), MovementKind::Payment), ("LATE".to_owned(), MovementKind::Refund)]
        );
        s.clear();
        assert!(s.list(None).is_empty());
    }

    #[test]
    fn query_parameters_are_read_or_refused() {
        let q = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            SettlementRequest::from_query(&pairs)
        };
        let r = q(&[
            ("date", "2026-03-05"),
            ("format", "xlsx"),
            ("fee_bps", "70"),
            ("mismatch", "A:1000,B:2"),
            ("omit", "C"),
            ("extra", "X:5"),
            ("duplicate", "D"),
        ])
        .unwrap();
        assert_eq!(r.format, FileFormat::Xlsx);
        assert_eq!(r.fee_bps, Some(70));
        assert_eq!(r.discrepancies.len(), 5);
        assert_eq!(r.discrepancies[1], Discrepancy::Mismatch { reference: "B".into(), amount: 2 });
        for (bad, says) in [
            (vec![], "date is required"),
            (vec![("date", "2026-13-01")], "is not a date"),
            (vec![("date", "2026-03-05"), ("format", "pdf")], "format=csv|xlsx"),
            (vec![("date", "2026-03-05"), ("fee_bps", "10001")], "0 to 10000"),
            (vec![("date", "2026-03-05"), ("mismatch", "A")], "REF:AMOUNT"),
            (vec![("date", "2026-03-05"), ("extra", "A:-5")], "positive"),
            (vec![("date", "2026-03-05"), ("omit", "")], "needs a reference"),
            (vec![("date", "2026-03-05"), ("bogus", "1")], "unknown parameter"),
            (vec![("date", "2026-03-05"), ("date", "2026-03-06")], "given twice"),
        ] {
            let e = q(&bad).unwrap_err();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
    }
}
