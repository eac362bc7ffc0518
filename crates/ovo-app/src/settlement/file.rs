//! A settlement file as a grid of cells: CSV (UTF-8, with or without BOM; `,`, `;` or tab) or
//! XLSX (its first sheet), told apart by their first bytes, not by their names.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDateTime;

use super::Problem;

/// A larger file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A spreadsheet number, as the sheet stores it (amounts are checked to be whole).
    Number(f64),
    /// A spreadsheet date-time cell: a wall clock, WIB.
    Time(NaiveDateTime),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Number(_) | Cell::Time(_) => false,
        }
    }

    /// The cell as text (a number as the sheet would show it plainly).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Number(n) => n.to_string(),
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

/// The rows of a file, each with its line (CSV) or row (XLSX) number, 1-based.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub rows: Vec<(u64, Vec<Cell>)>,
    pub sha256: String,
    pub spreadsheet: bool,
}

fn file_problem(reason: &'static str, detail: impl Into<String>) -> Problem {
    Problem { line: None, reason, detail: detail.into() }
}

/// Reads the whole file; what it is not (a PDF, an old `.xls`, another binary) is refused by name.
pub fn read_grid(path: &Path) -> Result<Grid, Problem> {
    let unreadable = |e: std::io::Error| {
        file_problem("settlement_file_unreadable", format!("cannot read {}: {e}", path.display()))
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        return Err(file_problem(
            "settlement_file_too_large",
            format!("the file is larger than {} MiB; split it by date", MAX_FILE_BYTES >> 20),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(unreadable)?;
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_problem("settlement_file_empty", "the file is empty"));
    }
    let (rows, spreadsheet) = match sniff(&bytes) {
        Kind::Xlsx => (read_xlsx(bytes)?, true),
        Kind::Csv => (read_csv(&bytes)?, false),
        Kind::Other(what) => {
            return Err(file_problem(
                "settlement_file_type",
                format!("this is {what}, not a settlement report; accepted: CSV (UTF-8) or XLSX"),
            ))
        }
    };
    Ok(Grid { rows, sha256, spreadsheet })
}

enum Kind {
    Xlsx,
    Csv,
    Other(&'static str),
}

fn sniff(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") {
        Kind::Xlsx
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Kind::Other("an old Excel (.xls) workbook; save it as XLSX or CSV")
    } else if bytes.starts_with(b"%PDF") {
        Kind::Other("a PDF")
    } else if bytes.iter().take(4096).any(|&b| b == 0) {
        Kind::Other("a binary file")
    } else {
        Kind::Csv
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(u64, Vec<Cell>)>, Problem> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(body) {
        let line = body[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        return Err(Problem {
            line: Some(line),
            reason: "settlement_not_utf8",
            detail: "the file is not UTF-8; export it as CSV UTF-8".into(),
        });
    }
    // The separator the first lines use most (a title line may have none); `,` on a tie.
    let head: Vec<u8> = body.split(|&b| b == b'\n').take(10).flatten().copied().collect();
    let mut delimiter = b',';
    for candidate in [b';', b'\t'] {
        let uses = |d: u8| head.iter().filter(|&&b| b == d).count();
        if uses(candidate) > uses(delimiter) {
            delimiter = candidate;
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Lines are counted as the reader moves on (quoted fields may hold line breaks).
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    loop {
        let at = (reader.position().byte() as usize).min(body.len());
        let more = reader.read_record(&mut record).map_err(|e| Problem {
            line: e.position().map(|p| p.line()),
            reason: "settlement_file_unreadable",
            detail: e.to_string(),
        })?;
        if !more {
            break;
        }
        // The reader stops a CRLF line between its CR and LF: skip what is left of the break.
        let start = at + body[at..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        line += body[counted_to..start].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = start;
        rows.push((line, record.iter().map(|t| Cell::Text(t.to_owned())).collect()));
    }
    Ok(rows)
}

fn read_xlsx(bytes: Vec<u8>) -> Result<Vec<(u64, Vec<Cell>)>, Problem> {
    let broken = |e: calamine::XlsxError| {
        file_problem("settlement_file_unreadable", format!("the workbook cannot be read: {e}"))
    };
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).map_err(broken)?;
    let range = match workbook.worksheet_range_at(0) {
        Some(range) => range.map_err(broken)?,
        None => return Err(file_problem("settlement_file_empty", "the workbook has no sheet")),
    };
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row));
    let first_col = range.start().map_or(0, |(_, col)| col) as usize;
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![Cell::Empty; first_col];
            cells.extend(row.iter().map(|data| match data {
                Data::Empty | Data::Error(_) => Cell::Empty,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    Cell::Text(s.clone())
                }
                Data::Float(f) => Cell::Number(*f),
                Data::Int(n) => Cell::Number(*n as f64),
                Data::Bool(b) => Cell::Text(b.to_string()),
                Data::DateTime(d) => d.as_datetime().map_or(Cell::Number(d.as_f64()), Cell::Time),
            }));
            (first_row + i as u64 + 1, cells)
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn csv_with_bom_and_semicolons_reads_by_line() {
        let (_dir, path) = write(b"\xEF\xBB\xBFa;b\r\n\"x;1\";2\r\n");
        let grid = read_grid(&path).unwrap();
        assert!(!grid.spreadsheet);
        assert_eq!(grid.rows[0].1, vec![Cell::Text("a".into()), Cell::Text("b".into())]);
        assert_eq!(grid.rows[1], (2, vec![Cell::Text("x;1".into()), Cell::Text("2".into())]));
        assert_eq!(grid.sha256.len(), 64);
        // A quoted line break belongs to its record; the next record is on the line after it.
        // A title line without separators does not decide the separator.
        let (_dir, path) = write(b"OVO Settlement Report\nref;amount\nA;1\n");
        assert_eq!(read_grid(&path).unwrap().rows[1].1.len(), 2);
        let (_dir, path) = write(b"a,b\n\"x\ny\",2\n\nz,3\n");
        let lines: Vec<u64> = read_grid(&path).unwrap().rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 5]);
    }

    #[test]
    fn what_is_not_a_report_is_named() {
        for (bytes, reason, says) in [
            (&b"%PDF-1.7 ..."[..], "settlement_file_type", "PDF"),
            (&[0xD0, 0xCF, 0x11, 0xE0, 0, 0][..], "settlement_file_type", ".xls"),
            (&b"a,b\n\x00\x01"[..], "settlement_file_type", "binary"),
            (&b"  \n"[..], "settlement_file_empty", "empty"),
            (&b"a,b\nRp\xA0"[..], "settlement_not_utf8", "UTF-8"),
        ] {
            let (_dir, path) = write(bytes);
            let problem = read_grid(&path).unwrap_err();
            assert_eq!(problem.reason, reason);
            assert!(problem.detail.contains(says), "{}", problem.detail);
        }
    }
}
