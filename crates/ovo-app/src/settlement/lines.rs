//! A settlement file's lines through a column mapping: the header row, each line's reference,
//! kind, amount, fee, net and time, and every problem with its line number.

use std::collections::HashMap;

use chrono::NaiveDate;
use ovo_domain::{wib, Idr, Product, Reference, SettlementKind, Timestamp};
use ovo_providers::settlement::{payment_reference, SettlementColumns};

use super::file::{Cell, Grid};
use super::Problem;

/// The header must be within the file's first rows (reports may start with a title block).
const HEADER_SEARCH_ROWS: usize = 10;
/// The largest amount a spreadsheet number may hold and still be whole rupiah exactly.
const MAX_WHOLE: f64 = 999_999_999_999.0;
/// A spreadsheet number keeps 15 significant digits: a longer reference (Faspay's 25-digit
/// `bill_no`) has lost its last ones.
const MAX_EXACT_REFERENCE: f64 = 1e15;
/// Lines dated longer ago than this are refused as a misread date (`05/03/26` as year 26).
const OLDEST_DAYS: i64 = 400;

/// A line as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    pub line_no: u64,
    /// The reference as the file writes it.
    pub reported: String,
    /// Our payment reference, when the file's is one of ours.
    pub reference: Option<Reference>,
    pub kind: SettlementKind,
    pub amount: i64,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub at: Timestamp,
    pub status_text: Option<String>,
}

/// Where each mapped column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Positions {
    reference: usize,
    date: usize,
    amount: usize,
    kind: Option<usize>,
    fee: Option<usize>,
    net: Option<usize>,
    status: Option<usize>,
}

/// Header text compared without case, spaces, underscores or hyphens.
pub fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The header row (its index in the grid) and its cells as text: the first of the first rows
/// holding the mapping's reference column.
pub fn header_row(grid: &Grid, reference_column: &str) -> Option<(usize, Vec<String>)> {
    let wanted = header_key(reference_column);
    grid.rows.iter().take(HEADER_SEARCH_ROWS).enumerate().find_map(|(i, (_, cells))| {
        let texts: Vec<String> = cells.iter().map(Cell::text).collect();
        texts.iter().any(|t| header_key(t) == wanted).then_some((i, texts))
    })
}

/// `mapping` without the optional columns `headers` lacks: a product's usual report may leave
/// out its fee columns, and a remembered mapping may name a column this file does not have.
pub fn present_only(headers: &[String], mapping: &SettlementColumns) -> SettlementColumns {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let keep = |name: &Option<String>| name.clone().filter(|n| keys.contains(&header_key(n)));
    SettlementColumns {
        kind: keep(&mapping.kind),
        fee: keep(&mapping.fee),
        net: keep(&mapping.net),
        status: keep(&mapping.status),
        ..mapping.clone()
    }
}

/// The positions of the mapping's columns in `headers`, or the problem naming the missing ones.
pub fn positions(headers: &[String], mapping: &SettlementColumns) -> Result<Positions, Problem> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let find = |name: &str| keys.iter().position(|k| *k == header_key(name));
    let mut missing = Vec::new();
    let mut required = |name: &str| {
        let found = find(name);
        if found.is_none() {
            missing.push(name.to_owned());
        }
        found.unwrap_or(0)
    };
    let reference = required(&mapping.reference);
    let date = required(&mapping.date);
    let amount = required(&mapping.amount);
    let mut optional = |name: &Option<String>| match name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => {
            let found = find(name);
            if found.is_none() {
                missing.push(name.to_owned());
            }
            found
        }
    };
    let kind = optional(&mapping.kind);
    let fee = optional(&mapping.fee);
    let net = optional(&mapping.net);
    let status = optional(&mapping.status);
    if !missing.is_empty() {
        return Err(Problem {
            line: None,
            reason: "settlement_columns_missing",
            detail: format!(
                "the file has no column {}; its columns are: {}",
                missing.join(", "),
                headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    Ok(Positions { reference, date, amount, kind, fee, net, status })
}

fn problem(line: u64, reason: &'static str, detail: impl Into<String>) -> Problem {
    Problem { line: Some(line), reason, detail: detail.into() }
}

/// A signed whole-rupiah amount from a cell.
fn amount_of(cell: &Cell) -> Result<(bool, i64), String> {
    match cell {
        Cell::Number(n) => {
            if !n.is_finite() || n.fract() != 0.0 || n.abs() > MAX_WHOLE {
                return Err(format!("{n} is not whole rupiah"));
            }
            // Whole and within 12 digits: exact as an integer.
            Ok((*n < 0.0, n.abs() as i64))
        }
        Cell::Time(_) => Err("a date is not an amount".into()),
        other => {
            let text = other.text();
            Idr::parse_reported(&text)
                .map(|(negative, idr)| (negative, idr.rupiah()))
                .map_err(|e| format!("{text:?}: {e}"))
        }
    }
}

fn time_of(cell: &Cell) -> Option<Timestamp> {
    match cell {
        Cell::Time(local) => Some(Timestamp::from_wib(*local)),
        Cell::Number(n) => wib::spreadsheet_serial(&n.to_string()).map(Timestamp::from_wib),
        other => wib::parse_report_time(&other.text()),
    }
}

/// A kind column's text names a refund.
fn names_refund(text: &str) -> bool {
    let text = text.to_lowercase();
    ["refund", "reversal", "pengembalian"].iter().any(|w| text.contains(w))
}

/// A summary row at the foot of a report (`Total`, `Jumlah`), not a transaction.
fn is_summary(reported: &str) -> bool {
    matches!(header_key(reported).as_str(), "total" | "grandtotal" | "jumlah" | "subtotal")
}

/// Every line after the header, read through `positions`; lines dated after `today` (WIB) and
/// repeated lines are problems too.
pub fn parse_lines(
    grid: &Grid,
    header_index: usize,
    at: Positions,
    product: Product,
    today: NaiveDate,
) -> (Vec<ParsedLine>, Vec<Problem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen_payments: HashMap<String, u64> = HashMap::new();
    let mut seen_refunds: HashMap<(String, i64, Timestamp), u64> = HashMap::new();
    for (line_no, cells) in grid.rows.iter().skip(header_index + 1) {
        let line_no = *line_no;
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let cell = |i: usize| cells.get(i).unwrap_or(&Cell::Empty);
        if let Cell::Number(n) = cell(at.reference) {
            if n.abs() >= MAX_EXACT_REFERENCE {
                problems.push(problem(
                    line_no,
                    "settlement_reference_number",
                    format!("{n} has more digits than a spreadsheet number keeps; format the reference column as text"),
                ));
                continue;
            }
        }
        let reported = cell(at.reference).text();
        if is_summary(&reported) {
            continue;
        }
        if reported.is_empty() {
            problems.push(problem(
                line_no,
                "settlement_reference_missing",
                "the reference is empty",
            ));
            continue;
        }
        let before = problems.len();
        let amount = amount_of(cell(at.amount))
            .map_err(|e| problems.push(problem(line_no, "settlement_amount_invalid", e)))
            .ok();
        let time = match time_of(cell(at.date)) {
            Some(t) => Some(t),
            None => {
                problems.push(problem(
                    line_no,
                    "settlement_date_invalid",
                    format!(
                        "{:?} is not a date; accepted: 2026-03-05 14:07:00, 05/03/2026 14:07, 20260305140700, RFC 3339, a spreadsheet date",
                        cell(at.date).text()
                    ),
                ));
                None
            }
        };
        let mut optional_amount = |position: Option<usize>, reason: &'static str| {
            let cell = cell(position?);
            if cell.is_empty() {
                return None;
            }
            amount_of(cell).map_err(|e| problems.push(problem(line_no, reason, e))).ok()
        };
        let fee = optional_amount(at.fee, "settlement_fee_invalid");
        let net = optional_amount(at.net, "settlement_net_invalid");
        if problems.len() > before {
            continue;
        }
        let (Some((negative, amount)), Some(time)) = (amount, time) else { continue };
        if wib::wib_date(time) < wib::add_days(today, -OLDEST_DAYS) {
            problems.push(problem(
                line_no,
                "settlement_date_too_old",
                format!(
                    "dated {}, more than {OLDEST_DAYS} days ago: write years with four digits (05/03/2026)",
                    wib::wib_date(time)
                ),
            ));
            continue;
        }
        if wib::wib_date(time) > today {
            problems.push(problem(
                line_no,
                "settlement_date_future",
                format!(
                    "dated {}, after today (WIB): is this the right file?",
                    wib::wib_date(time)
                ),
            ));
            continue;
        }
        let kind_text = at.kind.map(|i| cell(i).text()).unwrap_or_default();
        let kind = if negative || names_refund(&kind_text) {
            SettlementKind::Refund
        } else {
            SettlementKind::Payment
        };
        let reference = payment_reference(product, &reported);
        let key = reference.as_ref().map_or_else(|| reported.clone(), |r| r.as_str().to_owned());
        let earlier = match kind {
            SettlementKind::Payment => seen_payments.insert(key, line_no),
            SettlementKind::Refund => seen_refunds.insert((key, amount, time), line_no),
        };
        if let Some(earlier) = earlier {
            problems.push(problem(
                line_no,
                "settlement_duplicate_line",
                format!("repeats line {earlier} ({reported})"),
            ));
            continue;
        }
        lines.push(ParsedLine {
            line_no,
            reported,
            reference,
            kind,
            amount,
            fee: fee.map(|(negative, fee)| if negative { -fee } else { fee }),
            net: net.map(|(negative, net)| if negative { -net } else { net }),
            at: time,
            status_text: at.status.map(|i| cell(i).text()).filter(|t| !t.is_empty()),
        });
    }
    (lines, problems)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 1, r.iter().map(|t| Cell::Text((*t).into())).collect()))
                .collect(),
            sha256: String::new(),
            spreadsheet: false,
        }
    }

    fn ovo_columns() -> SettlementColumns {
        ovo_providers::settlement::settlement_report(Product::OvoSnap).columns
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    #[test]
    fn the_header_is_found_below_a_title_and_compared_loosely() {
        let g = grid(&[
            &["OVO settlement report"],
            &["merchant_invoice", "Transaction Date", "transaction type", "AMOUNT", "Status"],
        ]);
        let (index, headers) = header_row(&g, "MerchantInvoice").unwrap();
        assert_eq!(index, 1);
        let mut columns = ovo_columns();
        columns.fee = None;
        columns.net = None;
        let at = positions(&headers, &columns).unwrap();
        assert_eq!((at.reference, at.date, at.kind, at.amount), (0, 1, Some(2), 3));
        let missing = positions(&headers, &ovo_columns()).unwrap_err();
        assert_eq!(missing.reason, "settlement_columns_missing");
        assert!(missing.detail.contains("Fee, NetAmount"), "{}", missing.detail);
        assert!(missing.detail.contains("merchant_invoice"), "{}", missing.detail);
    }

    #[test]
    fn lines_read_both_locales_refunds_fees_and_say_what_is_wrong_by_line() {
        let g = grid(&[
            &[
                "MerchantInvoice",
                "TransactionDate",
                "TransactionType",
                "Amount",
                "Fee",
                "NetAmount",
                "Status",
            ],
            &[
                "AAAAAAAAAAAAAAA1",
                "2026-03-05 14:07:00",
                "PAYMENT",
                "185.000,00",
                "1.850",
                "183.150",
                "SETTLED",
            ],
            &[
                "AAAAAAAAAAAAAAA1",
                "05/03/2026 15:00",
                "REFUND",
                "50,000.00",
                "",
                "-50,000",
                "SETTLED",
            ],
            &["AAAAAAAAAAAAAAA2", "46086.5", "PAYMENT", "-10000", "", "", ""],
            &["", "", "", "", "", "", ""],
            &["AAAAAAAAAAAAAAA3", "yesterday", "PAYMENT", "10.5", "", "", ""],
            &["AAAAAAAAAAAAAAA1", "2026-03-05 16:00:00", "PAYMENT", "185000", "", "", ""],
            &["AAAAAAAAAAAAAAA4", "2026-03-11 00:00:00", "PAYMENT", "1000", "", "", ""],
            &["", "2026-03-05", "PAYMENT", "1000", "", "", ""],
            &["Total", "", "", "235000", "", "", ""],
            &["AAAAAAAAAAAAAAA5", "05/03/26 10:00", "PAYMENT", "1000", "", "", ""],
        ]);
        let (index, headers) = header_row(&g, "MerchantInvoice").unwrap();
        let at = positions(&headers, &ovo_columns()).unwrap();
        let (lines, problems) = parse_lines(&g, index, at, Product::OvoSnap, today());
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].amount, 185_000);
        assert_eq!((lines[0].fee, lines[0].net), (Some(1_850), Some(183_150)));
        assert_eq!(lines[0].kind, SettlementKind::Payment);
        assert_eq!(lines[0].reference.as_ref().map(Reference::as_str), Some("AAAAAAAAAAAAAAA1"));
        assert_eq!(lines[1].kind, SettlementKind::Refund);
        assert_eq!((lines[1].amount, lines[1].net), (50_000, Some(-50_000)));
        // A negative amount is a refund even without a kind; a serial date is read as WIB.
        assert_eq!((lines[2].kind, lines[2].amount), (SettlementKind::Refund, 10_000));
        assert_eq!(lines[2].at, Timestamp::parse_rfc3339("2026-03-05T05:00:00Z").unwrap());
        let found: Vec<(Option<u64>, &str)> = problems.iter().map(|p| (p.line, p.reason)).collect();
        assert_eq!(
            found,
            vec![
                (Some(6), "settlement_amount_invalid"),
                (Some(6), "settlement_date_invalid"),
                (Some(7), "settlement_duplicate_line"),
                (Some(8), "settlement_date_future"),
                (Some(9), "settlement_reference_missing"),
                (Some(11), "settlement_date_too_old"),
            ]
        );
        assert!(problems[2].detail.contains("repeats line 2"), "{}", problems[2].detail);
    }

    #[test]
    fn spreadsheet_numbers_must_be_whole_and_dates_may_be_cells() {
        assert_eq!(amount_of(&Cell::Number(185_000.0)), Ok((false, 185_000)));
        assert_eq!(amount_of(&Cell::Number(-5.0)), Ok((true, 5)));
        assert!(amount_of(&Cell::Number(10.5)).is_err());
        assert!(amount_of(&Cell::Number(f64::NAN)).is_err());
        let noon = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(time_of(&Cell::Time(noon)), Some(Timestamp::from_wib(noon)));
        assert_eq!(time_of(&Cell::Number(46086.5)), Some(Timestamp::from_wib(noon)));
    }
}
