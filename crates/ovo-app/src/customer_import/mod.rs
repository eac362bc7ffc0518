//! Customers from the merchant's CSV export: the file's shape (UTF-8 with or without BOM, `;`
//! or `,`, quoted fields, a header line), the column mapping remembered per header, a preview,
//! and the import itself: every row checked first, then one write transaction for everything
//! (re-imports keyed on merchant customer id, else phone), with progress, cancel, a summary and
//! a rejects file whose formula-leading cells are escaped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ovo_domain::{fold_name, CustomerId, Msisdn};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::customers::{self, CustomerRow, CustomerValues};
use ovo_ledger::settings;
use serde_json::json;
use sha2::{Digest, Sha256};

pub(crate) mod jobs;

use jobs::{cancelled, ImportJob, JobEnd};

use crate::backoffice::Backoffice;
use crate::customers::{
    audit_values, check_fields, customer_subject, field_label, formula_leading, visible,
    FieldProblem,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;

/// Records shown by the preview.
pub const PREVIEW_ROWS: usize = 20;
/// A longer line is refused (a merchant's export has short lines; this one is not a customer list).
pub const MAX_LINE_BYTES: u64 = 64 * 1024;
/// More data rows than this are refused: split the file.
pub const MAX_ROWS: u64 = 1_000_000;
/// A larger file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Rejected rows listed in the summary (all of them go to the rejects file).
const SUMMARY_ERRORS: usize = 200;
const MAPPING_KEY_PREFIX: &str = "customer_import_mapping/";
const REJECTS_DIR: &str = "imports";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn file_error(reason: &'static str, message: impl Into<String>) -> AppError {
    AppError::invalid(reason, message)
}

/// The file's encoding and delimiter, read from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    bom: bool,
    delimiter: u8,
    bytes: u64,
}

/// Refuses lines longer than `MAX_LINE_BYTES` before they are buffered, and counts (and
/// hashes) what was read.
struct Capped<R> {
    inner: R,
    line: u64,
    since_newline: u64,
    read: Arc<AtomicU64>,
    hasher: Option<Sha256>,
}

#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} is longer than {} KiB", self.line, MAX_LINE_BYTES / 1024)
    }
}

impl std::error::Error for LineTooLong {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        LineTooLong { line: self.line },
                    ));
                }
            }
        }
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn unreadable(path: &Path, e: &io::Error) -> AppError {
    file_error("import_file_unreadable", format!("cannot read {}: {e}", path.display()))
}

/// Reads the start of the file: size, BOM, encoding and delimiter.
fn shape_of(path: &Path) -> AppResult<Shape> {
    let mut file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let bytes = file.metadata().map_err(|e| unreadable(path, &e))?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(file_error(
            "import_file_too_large",
            format!("the file is larger than {} MiB; split it", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let mut head = Vec::new();
    (&mut file)
        .take(MAX_LINE_BYTES + 4)
        .read_to_end(&mut head)
        .map_err(|e| unreadable(path, &e))?;
    if head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || head.iter().take(200).any(|b| *b == 0)
    {
        return Err(file_error(
            "import_encoding",
            "the file is UTF-16, not UTF-8: save it from the spreadsheet as \"CSV UTF-8\"",
        )
        .at_line(1));
    }
    let bom = head.starts_with(UTF8_BOM);
    let body = if bom { &head[3..] } else { &head[..] };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(file_error(
            "import_file_empty",
            "the file is empty: a header line and one line per customer are expected",
        ));
    }
    let first_line = match body.iter().position(|b| *b == b'\n') {
        Some(end) => &body[..end],
        None if (body.len() as u64) > MAX_LINE_BYTES => {
            return Err(file_error(
                "import_line_too_long",
                format!("line 1 is longer than {} KiB", MAX_LINE_BYTES / 1024),
            )
            .at_line(1));
        }
        None => body,
    };
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    let delimiter = if semicolons == 0 && commas == 0 {
        return Err(file_error(
            "import_not_csv",
            "the first line has one column: a CSV file separates its columns with ; or ,",
        )
        .at_line(1));
    } else if semicolons > commas {
        b';'
    } else {
        b','
    };
    Ok(Shape { bom, delimiter, bytes })
}

type CsvReader = csv::Reader<Capped<BufReader<File>>>;

/// The file's shape, its header and its first records with their lines.
type Head = (Shape, Vec<String>, Vec<(u64, Vec<String>)>);

fn open_reader(
    path: &Path,
    shape: Shape,
    read: Arc<AtomicU64>,
    hash: bool,
) -> AppResult<CsvReader> {
    let mut file = File::open(path).map_err(|e| unreadable(path, &e))?;
    if shape.bom {
        file.seek(SeekFrom::Start(3)).map_err(|e| unreadable(path, &e))?;
    }
    let capped = Capped {
        inner: BufReader::with_capacity(256 * 1024, file),
        line: 1,
        since_newline: 0,
        read,
        hasher: hash.then(Sha256::new),
    };
    // Records end at `\n` (a `\r` before it is dropped from the last cell): csv's own CRLF
    // handling counts the start line of the record after a CRLF one short.
    Ok(csv::ReaderBuilder::new()
        .delimiter(shape.delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .has_headers(false)
        .flexible(true)
        .from_reader(capped))
}

/// Reads the next record as text; `None` at the end of the file.
fn next_record(
    reader: &mut CsvReader,
    record: &mut csv::ByteRecord,
) -> AppResult<Option<(u64, Vec<String>)>> {
    match reader.read_byte_record(record) {
        Ok(false) => Ok(None),
        Ok(true) => {
            let line = record.position().map_or(0, |p| p.line());
            let mut cells = Vec::with_capacity(record.len());
            let last = record.len().saturating_sub(1);
            for (i, field) in record.iter().enumerate() {
                let field = match field {
                    [rest @ .., b'\r'] if i == last => rest,
                    whole => whole,
                };
                match std::str::from_utf8(field) {
                    Ok(text) => cells.push(text.to_owned()),
                    Err(_) => {
                        return Err(file_error(
                            "import_encoding",
                            format!("line {line} is not UTF-8 (the file looks like a Windows or Latin-1 export): save it from the spreadsheet as \"CSV UTF-8\""),
                        )
                        .at_line(line))
                    }
                }
            }
            Ok(Some((line, cells)))
        }
        Err(e) => Err(csv_error(e)),
    }
}

fn csv_error(e: csv::Error) -> AppError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LineTooLong>())
        {
            Some(long) => file_error("import_line_too_long", long.to_string()).at_line(long.line),
            None => file_error("import_file_unreadable", format!("cannot read the file: {io}")),
        },
        csv::ErrorKind::Utf8 { .. } => {
            let mut err = file_error(
                "import_encoding",
                "the file is not UTF-8: save it from the spreadsheet as \"CSV UTF-8\"",
            );
            err.line = line;
            err
        }
        other => {
            let mut err =
                file_error("import_not_csv", format!("the file cannot be read as CSV: {other:?}"));
            err.line = line;
            err
        }
    }
}

fn normalise_header(cell: &str) -> String {
    fold_name(&cell.replace(['_', '-', '.'], " "))
}

/// Checks the header line: every column named, once, and not a line of data.
fn check_header(headers: &[String]) -> AppResult<()> {
    let no_header = |message: String| file_error("import_no_header", message).at_line(1);
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(no_header(
            "the first line is empty: it must name the columns (name, phone, …)".into(),
        ));
    }
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            return Err(no_header(format!(
                "column {} has no name in the first line; the first line must name every column",
                i + 1
            )));
        }
        if Msisdn::parse(h).is_ok() || (h.contains('@') && h.contains('.')) {
            return Err(no_header(format!(
                "the first line looks like a customer ({h:?} in column {}): the first line must name the columns",
                i + 1
            )));
        }
        if headers[..i].iter().any(|o| normalise_header(o) == normalise_header(h)) {
            return Err(no_header(format!(
                "two columns are called {h:?}; each column needs its own name"
            )));
        }
    }
    Ok(())
}

/// A mapping guessed from the header's words (English and Bahasa Indonesia).
fn guess_mapping(headers: &[String]) -> ColumnMapping {
    let find = |names: &[&str]| {
        headers.iter().position(|h| names.contains(&normalise_header(h).as_str())).map(|i| i as u32)
    };
    ColumnMapping {
        full_name: find(&[
            "name",
            "full name",
            "fullname",
            "nama",
            "nama lengkap",
            "customer name",
            "nama pelanggan",
        ]),
        phone: find(&[
            "phone",
            "phone number",
            "mobile",
            "mobile number",
            "msisdn",
            "ponsel",
            "nomor ponsel",
            "no ponsel",
            "hp",
            "no hp",
            "nomor hp",
            "handphone",
            "telepon",
            "no telepon",
            "nomor telepon",
            "telp",
            "whatsapp",
            "wa",
        ]),
        merchant_customer_id: find(&[
            "merchant customer id",
            "customer id",
            "customerid",
            "id pelanggan",
            "id pelanggan merchant",
            "kode pelanggan",
            "customer code",
            "external id",
            "id",
            "kode",
        ]),
        email: find(&["email", "e mail", "surel", "mail", "alamat email"]),
        notes: find(&["notes", "note", "catatan", "keterangan", "remarks", "memo"]),
    }
}

fn mapping_key(headers: &[String]) -> String {
    let mut h = Sha256::new();
    for cell in headers {
        h.update(normalise_header(cell).as_bytes());
        h.update([0x1f]);
    }
    format!("{MAPPING_KEY_PREFIX}{}", hex::encode(h.finalize()))
}

fn mapped(mapping: &ColumnMapping) -> [(ImportField, Option<u32>); 5] {
    [
        (ImportField::FullName, mapping.full_name),
        (ImportField::Phone, mapping.phone),
        (ImportField::MerchantCustomerId, mapping.merchant_customer_id),
        (ImportField::Email, mapping.email),
        (ImportField::Notes, mapping.notes),
    ]
}

fn check_mapping(mapping: &ColumnMapping, columns: usize) -> AppResult<()> {
    let used: Vec<(ImportField, u32)> =
        mapped(mapping).into_iter().filter_map(|(f, i)| i.map(|i| (f, i))).collect();
    for (n, (field, index)) in used.iter().enumerate() {
        if *index as usize >= columns {
            return Err(file_error(
                "import_mapping_invalid",
                format!(
                    "{} is mapped to column {}, but the file has {columns} columns",
                    field_label(*field).0,
                    index + 1
                ),
            ));
        }
        if used[..n].iter().any(|(_, i)| i == index) {
            return Err(file_error(
                "import_mapping_invalid",
                format!("column {} is mapped twice", index + 1),
            ));
        }
    }
    Ok(())
}

fn cell(cells: &[String], index: Option<u32>) -> Option<&str> {
    index.and_then(|i| cells.get(i as usize)).map(String::as_str)
}

fn parse_row(
    cells: &[String],
    mapping: &ColumnMapping,
) -> Result<CustomerValues, Vec<FieldProblem>> {
    check_fields(
        cell(cells, mapping.full_name).unwrap_or(""),
        cell(cells, mapping.phone).unwrap_or(""),
        cell(cells, mapping.merchant_customer_id),
        cell(cells, mapping.email),
        cell(cells, mapping.notes),
    )
}

fn row_error(line: u64, p: &FieldProblem) -> ImportRowError {
    ImportRowError { line, field: Some(p.field), reason: p.reason.to_owned(), message: p.message() }
}

/// A rejection that is about another row or customer, in both languages.
fn rejection(
    line: u64,
    field: ImportField,
    reason: &str,
    en: String,
    id: String,
) -> ImportRowError {
    let (en_label, id_label) = field_label(field);
    ImportRowError {
        line,
        field: Some(field),
        reason: reason.to_owned(),
        message: Bilingual { en: format!("{en_label}: {en}"), id: format!("{id_label}: {id}") },
    }
}

fn taken(line: u64, field: ImportField, reason: &str, owner: &CustomerRow) -> ImportRowError {
    rejection(
        line,
        field,
        reason,
        format!("already belongs to customer #{} ({})", owner.id.get(), owner.full_name),
        format!("sudah dimiliki pelanggan #{} ({})", owner.id.get(), owner.full_name),
    )
}

/// A good row of the file, waiting for the write phase.
struct GoodRow {
    line: u64,
    values: CustomerValues,
}

/// What reading and checking the whole file found.
struct Checked {
    headers: Vec<String>,
    good: Vec<GoodRow>,
    rejected: Vec<ImportRowError>,
    rows: u64,
    sha256: String,
}

/// Reads every record and checks every row (a blocking pass over the file).
fn read_and_check(
    path: &Path,
    shape: Shape,
    mapping: &ColumnMapping,
    job: &ImportJob,
) -> AppResult<Checked> {
    let mut reader = open_reader(path, shape, job.bytes_read.clone(), true)?;
    let mut record = csv::ByteRecord::new();
    let headers = match next_record(&mut reader, &mut record)? {
        Some((_, cells)) => cells,
        None => {
            return Err(file_error(
                "import_file_empty",
                "the file is empty: a header line and one line per customer are expected",
            ))
        }
    };
    check_header(&headers)?;
    check_mapping(mapping, headers.len())?;
    let mut good = Vec::new();
    let mut rejected = Vec::new();
    let mut seen_mid: HashMap<String, u64> = HashMap::new();
    let mut seen_phone: HashMap<String, u64> = HashMap::new();
    let mut rows = 0u64;
    while let Some((line, cells)) = next_record(&mut reader, &mut record)? {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(file_error(
                "import_too_many_rows",
                format!("the file has more than {MAX_ROWS} customers; split it into smaller files"),
            )
            .at_line(line));
        }
        if rows.is_multiple_of(4096) {
            job.rows_read.store(rows, Ordering::Relaxed);
            if job.cancelled() {
                return Err(cancelled());
            }
        }
        let values = match parse_row(&cells, mapping) {
            Ok(values) => values,
            Err(problems) => {
                rejected.extend(problems.iter().map(|p| row_error(line, p)));
                continue;
            }
        };
        if let Some(mid) = &values.merchant_customer_id {
            if let Some(first) = seen_mid.get(mid) {
                rejected.push(duplicate(line, ImportField::MerchantCustomerId, *first));
                continue;
            }
        }
        if let Some(first) = seen_phone.get(values.phone.canonical()) {
            rejected.push(duplicate(line, ImportField::Phone, *first));
            continue;
        }
        if let Some(mid) = &values.merchant_customer_id {
            seen_mid.insert(mid.clone(), line);
        }
        seen_phone.insert(values.phone.canonical().to_owned(), line);
        good.push(GoodRow { line, values });
    }
    job.rows_read.store(rows, Ordering::Relaxed);
    let sha256 = reader.into_inner().hasher.map(|h| hex::encode(h.finalize())).unwrap_or_default();
    Ok(Checked { headers, good, rejected, rows, sha256 })
}

fn duplicate(line: u64, field: ImportField, first: u64) -> ImportRowError {
    rejection(
        line,
        field,
        "import_duplicate_in_file",
        format!("the same as on line {first} of this file"),
        format!("sama dengan baris {first} di file ini"),
    )
}

/// Prefixes a cell a spreadsheet would run as a formula with `'`.
pub(crate) fn escape_cell(cell: &str) -> String {
    if formula_leading(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Writes the rejected rows (the file's own cells, escaped) with their line and errors: a
/// second pass over the file picks the rejected lines.
fn write_rejects(
    source: &Path,
    shape: Shape,
    headers: &[String],
    rejected: &[ImportRowError],
    target: &Path,
) -> AppResult<u64> {
    let mut by_line: Vec<(u64, String, String)> = Vec::new();
    for e in rejected {
        match by_line.last_mut() {
            Some((line, en, id)) if *line == e.line => {
                en.push_str("; ");
                en.push_str(&e.message.en);
                id.push_str("; ");
                id.push_str(&e.message.id);
            }
            _ => by_line.push((e.line, e.message.en.clone(), e.message.id.clone())),
        }
    }
    let write_err = |e: &dyn std::fmt::Display| {
        file_error(
            "import_rejects_unwritable",
            format!("cannot write the rejects file {}: {e}", target.display()),
        )
    };
    let mut out = File::create(target).map_err(|e| write_err(&e))?;
    io::Write::write_all(&mut out, UTF8_BOM).map_err(|e| write_err(&e))?;
    let mut writer =
        csv::WriterBuilder::new().delimiter(shape.delimiter).flexible(true).from_writer(out);
    let mut header: Vec<String> = headers.iter().map(|h| escape_cell(h)).collect();
    header.extend(["line".to_owned(), "error".to_owned(), "kesalahan".to_owned()]);
    writer.write_record(&header).map_err(|e| write_err(&e))?;
    let mut reader = open_reader(source, shape, Arc::new(AtomicU64::new(0)), false)?;
    let mut record = csv::ByteRecord::new();
    next_record(&mut reader, &mut record)?;
    let mut pending = by_line.iter().peekable();
    let mut written = 0;
    while let Some((line, cells)) = next_record(&mut reader, &mut record)? {
        let Some((next, _, _)) = pending.peek() else { break };
        if *next != line {
            continue;
        }
        let (_, en, id) = pending.next().expect("peeked");
        let mut row: Vec<String> = cells.iter().map(|c| escape_cell(c)).collect();
        row.resize(headers.len().max(row.len()), String::new());
        row.extend([line.to_string(), escape_cell(en), escape_cell(id)]);
        writer.write_record(&row).map_err(|e| write_err(&e))?;
        written += 1;
    }
    writer.flush().map_err(|e| write_err(&e))?;
    Ok(written)
}

/// How one good row meets the ledger.
enum Plan {
    Create(CustomerValues),
    Update { id: CustomerId, before: CustomerValues, after: CustomerValues },
    Unchanged,
}

/// Keeps what the file does not say: an unmapped column keeps the customer's value, and a
/// row without a merchant customer id keeps the customer's.
fn merged(existing: &CustomerRow, row: &CustomerValues, mapping: &ColumnMapping) -> CustomerValues {
    let mut v = row.clone();
    if mapping.merchant_customer_id.is_none() || v.merchant_customer_id.is_none() {
        v.merchant_customer_id = existing.merchant_customer_id.clone();
    }
    if mapping.email.is_none() {
        v.email = existing.email.clone();
    }
    if mapping.notes.is_none() {
        v.notes = existing.notes.clone();
    }
    v
}

impl Backoffice {
    pub async fn inspect_customer_import(
        &self,
        input: InspectImportInput,
    ) -> AppResult<ImportInspection> {
        self.authorize(Permission::ManageCustomers, "import customers").await?;
        crate::validate::text_lengths(&input)?;
        let path = PathBuf::from(input.path.trim());
        let remembered = |headers: &[String]| {
            let key = mapping_key(headers);
            async move {
                self.setting(&key)
                    .await
                    .and_then(|v| serde_json::from_str::<ColumnMapping>(&v).ok())
            }
        };
        let (shape, headers, records) = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || -> AppResult<Head> {
                let shape = shape_of(&path)?;
                let mut reader = open_reader(&path, shape, Arc::new(AtomicU64::new(0)), false)?;
                let mut record = csv::ByteRecord::new();
                let headers = match next_record(&mut reader, &mut record)? {
                    Some((_, cells)) => cells,
                    None => return Err(file_error("import_file_empty", "the file is empty")),
                };
                check_header(&headers)?;
                let mut records = Vec::new();
                while records.len() < PREVIEW_ROWS {
                    match next_record(&mut reader, &mut record)? {
                        Some((_, cells)) if cells.iter().all(|c| c.trim().is_empty()) => {}
                        Some(r) => records.push(r),
                        None => break,
                    }
                }
                Ok((shape, headers, records))
            })
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))??
        };
        let (mapping, mapping_remembered) = match input.mapping {
            Some(m) => (m, false),
            None => {
                match remembered(&headers).await.filter(|m| check_mapping(m, headers.len()).is_ok())
                {
                    Some(m) => (m, true),
                    None => (guess_mapping(&headers), false),
                }
            }
        };
        check_mapping(&mapping, headers.len())?;
        let preview = records
            .iter()
            .map(|(line, cells)| {
                let text =
                    |i| cell(cells, i).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
                let phone_text = text(mapping.phone).unwrap_or_default();
                let errors = match parse_row(cells, &mapping) {
                    Ok(_) => Vec::new(),
                    Err(problems) => problems.iter().map(|p| row_error(*line, p)).collect(),
                };
                ImportRowPreview {
                    line: *line,
                    full_name: text(mapping.full_name).unwrap_or_default(),
                    phone: Msisdn::parse(&phone_text)
                        .map(|p| p.canonical().to_owned())
                        .unwrap_or(phone_text),
                    merchant_customer_id: text(mapping.merchant_customer_id),
                    email: text(mapping.email),
                    notes: text(mapping.notes),
                    errors,
                }
            })
            .collect();
        Ok(ImportInspection {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.display().to_string(),
            bytes: shape.bytes,
            encoding: if shape.bom { ImportEncoding::Utf8Bom } else { ImportEncoding::Utf8 },
            delimiter: (shape.delimiter as char).to_string(),
            headers,
            mapping,
            mapping_remembered,
            preview,
        })
    }

    pub async fn start_customer_import(
        self: &Arc<Self>,
        input: StartImportInput,
    ) -> AppResult<ImportProgress> {
        let actor = self.authorize(Permission::ManageCustomers, "import customers").await?;
        crate::validate::text_lengths(&input)?;
        if input.mapping.full_name.is_none() || input.mapping.phone.is_none() {
            return Err(file_error(
                "import_mapping_incomplete",
                "choose the columns that hold the name and the phone",
            ));
        }
        let path = PathBuf::from(input.path.trim());
        let shape = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || shape_of(&path))
                .await
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))??
        };
        let job = {
            let mut jobs = self.imports.lock().unwrap_or_else(|p| p.into_inner());
            if jobs
                .current
                .as_ref()
                .is_some_and(|j| j.end.lock().unwrap_or_else(|p| p.into_inner()).is_none())
            {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "another import is running; wait for it or cancel it",
                )
                .with_reason("import_running"));
            }
            if let Some(old) = jobs.current.take() {
                remove_rejects(&old);
            }
            jobs.next_id += 1;
            let job = Arc::new(ImportJob {
                id: jobs.next_id,
                cancel: AtomicBool::new(false),
                writing: AtomicBool::new(false),
                bytes_total: shape.bytes,
                bytes_read: Arc::new(AtomicU64::new(0)),
                rows_read: AtomicU64::new(0),
                end: Mutex::new(None),
            });
            jobs.current = Some(job.clone());
            job
        };
        let this = self.clone();
        let running = job.clone();
        tokio::spawn(async move {
            let end = match this.run_import(&running, &actor, &path, shape, &input).await {
                Ok((summary, rejects)) => JobEnd::Finished { summary, rejects },
                Err(e) if e.reason == Some("import_cancelled") => JobEnd::Cancelled,
                Err(e) => JobEnd::Failed(e),
            };
            *running.end.lock().unwrap_or_else(|p| p.into_inner()) = Some(end);
        });
        Ok(job.progress())
    }

    fn import_job(&self, id: u64) -> AppResult<Arc<ImportJob>> {
        self.imports
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .current
            .clone()
            .filter(|j| j.id == id)
            .ok_or_else(|| {
                AppError::new(ErrorCode::NotFound, "no such import (only the latest is kept)")
            })
    }

    pub async fn customer_import_progress(&self, input: ImportJobRef) -> AppResult<ImportProgress> {
        self.authorize(Permission::ManageCustomers, "import customers").await?;
        Ok(self.import_job(input.job_id)?.progress())
    }

    pub async fn cancel_customer_import(&self, input: ImportJobRef) -> AppResult<ImportProgress> {
        self.authorize(Permission::ManageCustomers, "import customers").await?;
        let job = self.import_job(input.job_id)?;
        job.cancel.store(true, Ordering::Relaxed);
        Ok(job.progress())
    }

    pub async fn save_import_rejects(&self, input: SaveRejectsInput) -> AppResult<SavedRejects> {
        self.authorize(Permission::ManageCustomers, "import customers").await?;
        crate::validate::text_lengths(&input)?;
        let job = self.import_job(input.job_id)?;
        let end = job.end.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(JobEnd::Finished { rejects: Some((source, rows)), .. }) = end else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this import has no rejected rows to save",
            ));
        };
        let target = PathBuf::from(input.path.trim());
        let to = target.clone();
        tokio::task::spawn_blocking(move || std::fs::copy(&source, &to))
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| {
                file_error(
                    "import_rejects_unwritable",
                    format!("cannot write the rejects file {}: {e}", target.display()),
                )
            })?;
        Ok(SavedRejects { path: target.display().to_string(), rows })
    }

    async fn run_import(
        &self,
        job: &Arc<ImportJob>,
        actor: &crate::backoffice::Actor,
        path: &Path,
        shape: Shape,
        input: &StartImportInput,
    ) -> AppResult<(ImportSummary, Option<(PathBuf, u64)>)> {
        let mapping = input.mapping;
        let checked = {
            let (path, job) = (path.to_path_buf(), job.clone());
            tokio::task::spawn_blocking(move || read_and_check(&path, shape, &mapping, &job))
                .await
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))??
        };
        job.writing.store(true, Ordering::Relaxed);
        let Checked { headers, good, mut rejected, rows, sha256 } = checked;
        let environment = self.environment().await;
        let now = self.now();

        let mut tx = self.ledger.begin_write().await?;
        let mids: Vec<&str> =
            good.iter().filter_map(|g| g.values.merchant_customer_id.as_deref()).collect();
        let by_mid: HashMap<String, CustomerRow> =
            customers::by_merchant_customer_ids(&mut tx, &mids)
                .await?
                .into_iter()
                .filter_map(|c| c.merchant_customer_id.clone().map(|m| (m, c)))
                .collect();
        let phones: Vec<&str> = good.iter().map(|g| g.values.phone.canonical()).collect();
        let mut by_phone: HashMap<String, CustomerRow> = HashMap::new();
        for c in customers::by_phones(&mut tx, &phones).await? {
            if c.forgotten_at.is_none() && visible(&c, environment) {
                by_phone.entry(c.phone.canonical().to_owned()).or_insert(c);
            }
        }
        if job.cancelled() {
            return Err(cancelled());
        }

        let mut plans: Vec<Plan> = Vec::with_capacity(good.len());
        for row in &good {
            let v = &row.values;
            let phone = v.phone.canonical();
            let phone_taken = |owner: &CustomerRow| {
                taken(row.line, ImportField::Phone, "customer_phone_taken", owner)
            };
            let matched = match v.merchant_customer_id.as_deref().and_then(|m| by_mid.get(m)) {
                Some(existing) if !visible(existing, environment) => Err(taken(
                    row.line,
                    ImportField::MerchantCustomerId,
                    "customer_merchant_id_taken",
                    existing,
                )),
                Some(existing) if existing.forgotten_at.is_some() => Err(rejection(
                    row.line,
                    ImportField::MerchantCustomerId,
                    "customer_forgotten",
                    format!("belongs to customer #{}, who was forgotten", existing.id.get()),
                    format!("milik pelanggan #{} yang datanya sudah dihapus", existing.id.get()),
                )),
                Some(existing) => match by_phone.get(phone) {
                    Some(owner) if owner.id != existing.id => Err(phone_taken(owner)),
                    _ => Ok(Some(existing.clone())),
                },
                None => match by_phone.get(phone) {
                    // A customer created by hand (no merchant id yet) is adopted by the file's row.
                    Some(owner)
                        if v.merchant_customer_id.is_none()
                            || owner.merchant_customer_id.is_none() =>
                    {
                        Ok(Some(owner.clone()))
                    }
                    Some(owner) => Err(phone_taken(owner)),
                    None => Ok(None),
                },
            };
            let matched = match matched {
                Ok(matched) => matched,
                Err(error) => {
                    rejected.push(error);
                    continue;
                }
            };
            match matched {
                Some(existing) => {
                    let before = CustomerValues::of(&existing);
                    let after = merged(&existing, v, &mapping);
                    if before == after {
                        plans.push(Plan::Unchanged);
                    } else {
                        by_phone.remove(before.phone.canonical());
                        let mut moved = existing.clone();
                        moved.phone = after.phone.clone();
                        by_phone.insert(phone.to_owned(), moved);
                        plans.push(Plan::Update { id: existing.id, before, after });
                    }
                }
                None => plans.push(Plan::Create(v.clone())),
            }
        }
        rejected.sort_by_key(|e| e.line);
        let rejected_rows = {
            let mut lines: Vec<u64> = rejected.iter().map(|e| e.line).collect();
            lines.dedup();
            lines.len() as u64
        };
        let (mut created, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        for plan in plans {
            match plan {
                Plan::Create(v) => {
                    created += 1;
                    creates.push(v);
                }
                Plan::Update { id, before, after } => {
                    updated += 1;
                    updates.push((id, before, after));
                }
                Plan::Unchanged => unchanged += 1,
            }
        }
        let commit = !input.dry_run && (input.mode == ImportMode::GoodRows || rejected_rows == 0);
        if commit {
            for chunk in creates.chunks(10_000) {
                if job.cancelled() {
                    return Err(cancelled());
                }
                customers::create_many(&mut tx, chunk, now).await?;
            }
            for (id, before, after) in &updates {
                customers::update(&mut tx, *id, after, now).await?;
                self.audit(
                    &mut tx,
                    Some(&actor.operator),
                    "customer.update",
                    &customer_subject(*id),
                    AuditOutcome::Ok,
                    json!({ "before": audit_values(before), "after": audit_values(after), "import_sha256": sha256 }),
                )
                .await?;
            }
            let mapping_text = serde_json::to_string(&mapping)
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            settings::put(
                &mut tx,
                &mapping_key(&headers),
                &mapping_text,
                now,
                Some(actor.operator.id),
            )
            .await?;
            self.audit(
                &mut tx,
                Some(&actor.operator),
                "customer.import",
                &format!("file:{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
                AuditOutcome::Ok,
                json!({
                    "sha256": sha256,
                    "mode": match input.mode { ImportMode::GoodRows => "good_rows", ImportMode::Nothing => "nothing" },
                    "rows": rows, "created": created, "updated": updated, "unchanged": unchanged, "rejected": rejected_rows,
                    "mapping": mapping,
                }),
            )
            .await?;
            fail::fail_point!("customer_import.before_commit", |_| Err(AppError::new(
                ErrorCode::Internal,
                "fail point"
            )));
            if job.cancelled() {
                return Err(cancelled());
            }
            ovo_ledger::commit(tx).await?;
        } else {
            drop(tx);
        }

        let rejects = if rejected.is_empty() {
            None
        } else {
            let dir = self.config.data_dir.join(REJECTS_DIR);
            let target = dir.join(format!("rejects-{}.csv", job.id));
            let (source, headers, errors) = (path.to_path_buf(), headers.clone(), rejected.clone());
            let written = tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    file_error(
                        "import_rejects_unwritable",
                        format!("cannot create {}: {e}", dir.display()),
                    )
                })?;
                write_rejects(&source, shape, &headers, &errors, &target).map(|n| (target, n))
            })
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))??;
            Some(written)
        };
        rejected.truncate(SUMMARY_ERRORS);
        Ok((
            ImportSummary {
                rows,
                created,
                updated,
                unchanged,
                rejected: rejected_rows,
                committed: commit,
                errors: rejected,
                rejects_available: rejects.is_some(),
            },
            rejects,
        ))
    }
}

fn remove_rejects(job: &ImportJob) {
    if let Some(JobEnd::Finished { rejects: Some((path, _)), .. }) =
        &*job.end.lock().unwrap_or_else(|p| p.into_inner())
    {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_leading_cells_are_escaped_and_others_kept() {
        assert_eq!(escape_cell("=1+1"), "'=1+1");
        assert_eq!(escape_cell("+62812"), "'+62812");
        assert_eq!(escape_cell("-5"), "'-5");
        assert_eq!(escape_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_cell("Budi"), "Budi");
        assert_eq!(escape_cell(""), "");
    }

    #[test]
    fn mapping_is_guessed_from_english_and_indonesian_headers() {
        let headers: Vec<String> = ["ID Pelanggan", "Nama Lengkap", "No. HP", "E-mail", "Catatan"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            guess_mapping(&headers),
            ColumnMapping {
                full_name: Some(1),
                phone: Some(2),
                merchant_customer_id: Some(0),
                email: Some(3),
                notes: Some(4)
            }
        );
        let headers: Vec<String> = ["phone", "name"].map(String::from).to_vec();
        assert_eq!(
            guess_mapping(&headers),
            ColumnMapping { full_name: Some(1), phone: Some(0), ..ColumnMapping::default() }
        );
        assert_eq!(mapping_key(&headers), mapping_key(&["Phone ".to_owned(), "NAME".to_owned()]));
    }

    #[test]
    fn a_header_must_name_its_columns() {
        let h = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(check_header(&h(&["name", "phone"])).is_ok());
        for (cells, what) in [
            (h(&["", ""]), "empty"),
            (h(&["name", ""]), "unnamed"),
            (h(&["Budi", "0812-3456-7890"]), "data"),
            (h(&["name", "Name"]), "twice"),
        ] {
            assert_eq!(
                check_header(&cells).expect_err(what).reason,
                Some("import_no_header"),
                "{what}"
            );
        }
    }
}
