//! The two file formats an export writes, one row at a time with flat memory: CSV (UTF-8 with
//! a byte-order mark, so spreadsheet programs read it as UTF-8) and XLSX (a constant-memory
//! worksheet: each row goes to a temporary file as it is written).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use ovo_domain::Timestamp;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::{AppError, ErrorCode};
use crate::ipc::ExportFormat;

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Whole rupiah: a number in both formats, shown as `Rp 10.000` in XLSX.
    Amount(i64),
    /// Shown in WIB: `2026-03-05 14:07:00` in CSV, a date-time cell in XLSX.
    Time(Timestamp),
    Number(i64),
    Empty,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    pub fn optional_text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, Cell::text)
    }

    pub fn optional_time(value: Option<Timestamp>) -> Cell {
        value.map_or(Cell::Empty, Cell::Time)
    }
}

/// A text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) is written with a leading apostrophe, which shows it as text.
pub fn guard_formula(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// The WIB wall clock of `at`, as CSV exports write it.
pub fn wib_text(at: Timestamp) -> String {
    at.to_wib().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An XLSX cell holds at most 32,767 characters: a longer text (an audit entry's details, say)
/// is cut there, its end marked.
fn fit_cell(text: &str) -> Cow<'_, str> {
    const MAX_UTF16: usize = 32_767;
    if text.len() <= MAX_UTF16 || text.encode_utf16().count() <= MAX_UTF16 {
        return Cow::Borrowed(text);
    }
    let mut kept = String::new();
    let mut units = 0;
    for c in text.chars() {
        units += c.len_utf16();
        if units > MAX_UTF16 - 1 {
            break;
        }
        kept.push(c);
    }
    kept.push('…');
    Cow::Owned(kept)
}

fn wib_naive(at: Timestamp) -> NaiveDateTime {
    at.to_wib().naive_local()
}

/// A file being written; nothing is at the final path until [`SheetWriter::finish`].
pub trait SheetWriter: Send {
    fn row(&mut self, cells: &[Cell]) -> Result<(), AppError>;
    fn finish(self: Box<Self>) -> Result<(), AppError>;
}

pub fn open(
    format: ExportFormat,
    path: &Path,
    headers: &[&str],
) -> Result<Box<dyn SheetWriter>, AppError> {
    let mut sheet: Box<dyn SheetWriter> = match format {
        ExportFormat::Csv => Box::new(CsvSheet::create(path)?),
        ExportFormat::Xlsx => Box::new(XlsxSheet::create(path)?),
    };
    let headers: Vec<Cell> = headers.iter().map(|h| Cell::text(*h)).collect();
    sheet.row(&headers)?;
    Ok(sheet)
}

pub fn write_failed(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::InvalidInput, format!("cannot write {}: {e}", path.display()))
        .with_reason("export_unwritable")
}

struct CsvSheet {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvSheet {
    fn create(path: &Path) -> Result<CsvSheet, AppError> {
        let file = File::create(path).map_err(|e| write_failed(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.write_all("\u{feff}".as_bytes()).map_err(|e| write_failed(path, e))?;
        Ok(CsvSheet { path: path.to_owned(), writer: csv::Writer::from_writer(out) })
    }
}

impl SheetWriter for CsvSheet {
    fn row(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        let fields = cells.iter().map(|cell| match cell {
            Cell::Text(text) => guard_formula(text).into_owned(),
            Cell::Amount(n) | Cell::Number(n) => n.to_string(),
            Cell::Time(at) => wib_text(*at),
            Cell::Empty => String::new(),
        });
        self.writer.write_record(fields).map_err(|e| write_failed(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), AppError> {
        let out = self.writer.into_inner().map_err(|e| write_failed(&self.path, e.error()))?;
        let file = out.into_inner().map_err(|e| write_failed(&self.path, e.error()))?;
        file.sync_all().map_err(|e| write_failed(&self.path, e))
    }
}

struct XlsxSheet {
    path: PathBuf,
    workbook: Workbook,
    next_row: u32,
    header: Format,
    amount: Format,
    time: Format,
}

impl XlsxSheet {
    fn create(path: &Path) -> Result<XlsxSheet, AppError> {
        let mut workbook = Workbook::new();
        workbook.add_worksheet_with_constant_memory().map_err(|e| write_failed(path, e))?;
        Ok(XlsxSheet {
            path: path.to_owned(),
            workbook,
            next_row: 0,
            header: Format::new().set_bold(),
            amount: Format::new().set_num_format("\"Rp\"\\ #,##0"),
            time: Format::new().set_num_format("d mmm yyyy hh:mm:ss"),
        })
    }

    fn write(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.next_row;
        if u64::from(row) > super::XLSX_MAX_ROWS {
            // Rows that came into the filters after the count.
            return Err(XlsxError::RowColumnLimitError);
        }
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(text) if row == 0 => {
                    sheet.write_string_with_format(row, col, text, &self.header)?;
                }
                Cell::Text(text) => {
                    sheet.write_string(row, col, fit_cell(text))?;
                }
                // Whole rupiah up to 2^53 are exact in the spreadsheet's numbers.
                Cell::Amount(n) => {
                    sheet.write_number_with_format(row, col, *n as f64, &self.amount)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Time(at) => {
                    sheet.write_datetime_with_format(row, col, wib_naive(*at), &self.time)?;
                }
                Cell::Empty => {}
            }
        }
        self.next_row += 1;
        Ok(())
    }
}

impl SheetWriter for XlsxSheet {
    fn row(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        self.write(cells).map_err(|e| match e {
            XlsxError::RowColumnLimitError => AppError::invalid(
                "export_too_many_rows",
                format!(
                    "more rows match than an XLSX sheet holds ({}); export to CSV, or narrow \
                     the filters",
                    super::XLSX_MAX_ROWS
                ),
            ),
            e => write_failed(&self.path, e),
        })
    }

    fn finish(mut self: Box<Self>) -> Result<(), AppError> {
        let path = self.path.clone();
        self.workbook.save(&path).map_err(|e| write_failed(&path, e))?;
        File::open(&path).and_then(|f| f.sync_all()).map_err(|e| write_failed(&path, e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn texts_a_spreadsheet_would_run_are_defused() {
        for formula in ["=1+1", "+62812", "-5", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(guard_formula(formula), format!("'{formula}"));
        }
        for text in ["plain", "Rp 10.000", "62 812", " =1", ""] {
            assert_eq!(guard_formula(text), text);
        }
    }

    #[test]
    fn an_xlsx_cell_keeps_at_most_32767_characters() {
        let long = "é".repeat(40_000);
        let fitted = fit_cell(&long);
        assert_eq!(fitted.encode_utf16().count(), 32_767);
        assert!(fitted.ends_with('…'));
        assert_eq!(fit_cell("short"), "short");
    }

    #[test]
    fn csv_rows_are_quoted_utf8_with_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let headers = ["Nama", "Nominal", "Waktu", "Kosong", "Catatan"];
        let mut sheet = open(ExportFormat::Csv, &path, &headers).unwrap();
        let at = Timestamp::from_unix_millis(1_772_694_420_000); // 2026-03-05 07:07 UTC
        sheet
            .row(&[
                Cell::text("Sari \"Ramadhani\", Bekasi"),
                Cell::Amount(185_000),
                Cell::Time(at),
                Cell::Empty,
                Cell::text("=cmd"),
            ])
            .unwrap();
        sheet.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "\u{feff}Nama,Nominal,Waktu,Kosong,Catatan\n\"Sari \"\"Ramadhani\"\", Bekasi\",185000,2026-03-05 14:07:00,,'=cmd\n"
        );
    }
}
