//! The merchant's customer records: the rules a customer's fields follow (shared by create,
//! edit and the CSV import), create and edit with conflicts that name the existing customer,
//! dated notes, the customer's timeline and forgetting a customer.

use ovo_domain::{CustomerId, Environment, Msisdn, PhoneError, Product, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings;
use ovo_ledger::customers::{self, CustomerRow, CustomerValues, TimelineCursor, TimelineKind};
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::{Connection, WriteTx};
use serde_json::{json, Value};

use crate::backoffice::Backoffice;
use crate::desk::customer_summary;
use crate::error::{AppError, AppResult, ErrorCode, ExistingCustomer};
use crate::ipc::*;
use crate::permissions::Permission;

pub const NAME_MAX_CHARS: usize = 200;
pub const MERCHANT_ID_MAX_CHARS: usize = 64;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const NOTES_MAX_CHARS: usize = 2000;
const TIMELINE_LIMIT_MAX: u32 = 100;

/// One field that breaks its rule: a stable reason and a sentence in both languages
/// ("phone: not an Indonesian mobile number").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldProblem {
    pub field: ImportField,
    pub reason: &'static str,
    pub en: String,
    pub id: String,
}

impl FieldProblem {
    fn new(
        field: ImportField,
        reason: &'static str,
        en: impl Into<String>,
        id: impl Into<String>,
    ) -> Self {
        let (en_label, id_label) = field_label(field);
        FieldProblem {
            field,
            reason,
            en: format!("{en_label}: {}", en.into()),
            id: format!("{id_label}: {}", id.into()),
        }
    }

    pub fn message(&self) -> Bilingual {
        Bilingual { id: self.id.clone(), en: self.en.clone() }
    }

    pub fn into_error(self) -> AppError {
        AppError::invalid(self.reason, self.en)
    }
}

/// The field's name in each language (the UI dictionary's words).
pub(crate) fn field_label(field: ImportField) -> (&'static str, &'static str) {
    match field {
        ImportField::FullName => ("name", "nama"),
        ImportField::Phone => ("phone", "ponsel"),
        ImportField::MerchantCustomerId => ("merchant customer id", "ID pelanggan merchant"),
        ImportField::Email => ("email", "email"),
        ImportField::Notes => ("notes", "catatan"),
    }
}

/// A phone rule broken, in both languages.
fn phone_problem(e: PhoneError) -> FieldProblem {
    let (en, id) = match e {
        PhoneError::Empty => ("empty", "kosong"),
        PhoneError::InvalidCharacters => (
            "only digits, a leading +, spaces, '-', '.', '(' and ')' are accepted",
            "hanya angka, + di depan, spasi, '-', '.', '(' dan ')' yang diterima",
        ),
        PhoneError::ForeignCountryCode => {
            ("not an Indonesian number (+62)", "bukan nomor Indonesia (+62)")
        }
        PhoneError::MissingPrefix => {
            ("must start with 0, 62 or +62", "harus diawali 0, 62 atau +62")
        }
        PhoneError::TrunkZeroAfterCountryCode => {
            ("drop the 0 after +62 (+62 812…)", "hapus angka 0 setelah +62 (+62 812…)")
        }
        PhoneError::NotMobile => {
            ("not an Indonesian mobile number", "bukan nomor ponsel Indonesia")
        }
        PhoneError::TooShort => (
            "too short (08… numbers have 10 to 13 digits)",
            "terlalu pendek (nomor 08… terdiri dari 10 sampai 13 digit)",
        ),
        PhoneError::TooLong => (
            "too long (08… numbers have 10 to 13 digits)",
            "terlalu panjang (nomor 08… terdiri dari 10 sampai 13 digit)",
        ),
    };
    FieldProblem::new(ImportField::Phone, e.reason(), en, id)
}

/// Spreadsheets run a cell that starts with one of these as a formula.
pub(crate) fn formula_leading(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn formula_problem(field: ImportField) -> FieldProblem {
    FieldProblem::new(
        field,
        "customer_formula_cell",
        "may not start with =, +, - or @ (a spreadsheet reads it as a formula)",
        "tidak boleh diawali =, +, - atau @ (spreadsheet membacanya sebagai rumus)",
    )
}

fn optional(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// An email address as people write one: `name@example.co.id`.
fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let printable =
        |s: &str| s.chars().all(|c| c.is_ascii_graphic() && c != '@' && c != ',' && c != ';');
    email.chars().count() <= EMAIL_MAX_CHARS
        && (1..=64).contains(&local.len())
        && printable(local)
        && printable(domain)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Typed fields checked for create and edit; the first problem is the error.
fn checked(f: &CustomerFields) -> AppResult<CustomerValues> {
    check_fields(
        &f.full_name,
        &f.phone,
        f.merchant_customer_id.as_deref(),
        f.email.as_deref(),
        f.notes.as_deref(),
    )
    .map_err(|p| {
        p.into_iter()
            .next()
            .map(FieldProblem::into_error)
            .unwrap_or_else(|| AppError::invalid("customer_invalid", "invalid customer"))
    })
}

/// Checks a customer's fields as typed or read from a file; every problem is returned.
pub(crate) fn check_fields(
    full_name: &str,
    phone: &str,
    merchant_customer_id: Option<&str>,
    email: Option<&str>,
    notes: Option<&str>,
) -> Result<CustomerValues, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let name = full_name.trim();
    if name.is_empty() {
        problems.push(FieldProblem::new(
            ImportField::FullName,
            "customer_name_empty",
            "empty",
            "kosong",
        ));
    } else if name.chars().count() > NAME_MAX_CHARS {
        problems.push(FieldProblem::new(
            ImportField::FullName,
            "customer_name_too_long",
            format!("longer than {NAME_MAX_CHARS} characters"),
            format!("lebih dari {NAME_MAX_CHARS} karakter"),
        ));
    } else if name.chars().any(char::is_control) {
        problems.push(FieldProblem::new(
            ImportField::FullName,
            "customer_name_invalid",
            "contains a control character",
            "berisi karakter kontrol",
        ));
    } else if formula_leading(name) {
        problems.push(formula_problem(ImportField::FullName));
    }
    let phone = match Msisdn::parse(phone.trim()) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(phone_problem(e));
            None
        }
    };
    let merchant_customer_id = optional(merchant_customer_id);
    if let Some(mid) = &merchant_customer_id {
        if mid.chars().count() > MERCHANT_ID_MAX_CHARS || mid.chars().any(char::is_control) {
            problems.push(FieldProblem::new(
                ImportField::MerchantCustomerId,
                "customer_merchant_id_invalid",
                format!("at most {MERCHANT_ID_MAX_CHARS} printable characters"),
                format!("paling banyak {MERCHANT_ID_MAX_CHARS} karakter yang dapat dicetak"),
            ));
        } else if formula_leading(mid) {
            problems.push(formula_problem(ImportField::MerchantCustomerId));
        }
    }
    let email = optional(email);
    if let Some(address) = &email {
        if !email_ok(address) {
            problems.push(FieldProblem::new(
                ImportField::Email,
                "customer_email_invalid",
                "not an email address (name@example.com)",
                "bukan alamat email (nama@contoh.com)",
            ));
        }
    }
    let notes = optional(notes);
    if notes.as_ref().is_some_and(|n| n.chars().count() > NOTES_MAX_CHARS) {
        problems.push(FieldProblem::new(
            ImportField::Notes,
            "customer_notes_too_long",
            format!("longer than {NOTES_MAX_CHARS} characters"),
            format!("lebih dari {NOTES_MAX_CHARS} karakter"),
        ));
    }
    match phone {
        Some(phone) if problems.is_empty() => Ok(CustomerValues {
            merchant_customer_id,
            full_name: name.to_owned(),
            phone,
            email,
            notes,
        }),
        _ => Err(problems),
    }
}

/// A customer's values as the audit log records them.
pub(crate) fn audit_values(v: &CustomerValues) -> Value {
    json!({
        "full_name": v.full_name,
        "phone": v.phone.canonical(),
        "merchant_customer_id": v.merchant_customer_id,
        "email": v.email,
        "notes": v.notes,
    })
}

pub(crate) fn customer_subject(id: CustomerId) -> String {
    format!("customer:{}", id.get())
}

/// A customer visible in this environment (demo customers belong to the built-in one).
pub(crate) fn visible(row: &CustomerRow, environment: Environment) -> bool {
    !row.demo || environment == Environment::BuiltInSandbox
}

pub(crate) fn phone_taken(owner: &CustomerRow) -> AppError {
    conflict(
        "customer_phone_taken",
        format!("customer #{} ({}) already has this phone", owner.id.get(), owner.full_name),
        owner,
    )
}

pub(crate) fn merchant_id_taken(owner: &CustomerRow) -> AppError {
    conflict(
        "customer_merchant_id_taken",
        format!(
            "customer #{} ({}) already has this merchant customer id",
            owner.id.get(),
            owner.full_name
        ),
        owner,
    )
}

fn conflict(reason: &'static str, message: String, owner: &CustomerRow) -> AppError {
    let mut e = AppError::new(ErrorCode::Conflict, message).with_reason(reason);
    e.existing = Some(ExistingCustomer { id: owner.id.get(), full_name: owner.full_name.clone() });
    e
}

/// The customer other than `except` that already holds this phone or merchant id, as a
/// conflict. Forgotten customers keep their phone for the money records but hold it for no one.
async fn check_unique(
    conn: &mut Connection,
    values: &CustomerValues,
    except: Option<CustomerId>,
    environment: Environment,
) -> AppResult<()> {
    if let Some(mid) = &values.merchant_customer_id {
        if let Some(owner) = customers::by_merchant_customer_id(conn, mid).await? {
            if Some(owner.id) != except {
                return Err(merchant_id_taken(&owner));
            }
        }
    }
    let owners = customers::by_phone(conn, &values.phone).await?;
    if let Some(owner) = owners
        .iter()
        .find(|o| Some(o.id) != except && o.forgotten_at.is_none() && visible(o, environment))
    {
        return Err(phone_taken(owner));
    }
    Ok(())
}

async fn details(
    conn: &mut Connection,
    row: &CustomerRow,
    environment: Environment,
) -> AppResult<CustomerDetails> {
    let mut linked: Vec<Product> = bindings::active_products(conn, environment, &[row.id])
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    linked.sort_by_key(|p| p.key());
    linked.dedup();
    Ok(CustomerDetails {
        customer: customer_summary(row, linked),
        notes: row.notes.clone(),
        forgotten: row.forgotten_at.is_some(),
        updated_at: row.updated_at.to_rfc3339(),
    })
}

fn forgotten_error() -> AppError {
    AppError::invalid(
        "customer_forgotten",
        "this customer was forgotten: name, email and notes were erased and are not edited again",
    )
}

fn encode_cursor(c: TimelineCursor) -> String {
    format!("{}.{}.{}", c.at.unix_millis(), c.kind.rank(), c.id)
}

fn decode_cursor(text: &str) -> Option<TimelineCursor> {
    let mut parts = text.split('.');
    let at = parts.next()?.parse().ok()?;
    let kind = TimelineKind::from_rank(parts.next()?.parse().ok()?)?;
    let id = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(TimelineCursor {
        at: Timestamp::from_unix_millis(at),
        kind,
        id,
    })
}

fn timeline_kind(kind: TimelineKind) -> CustomerTimelineKind {
    match kind {
        TimelineKind::CustomerCreated => CustomerTimelineKind::CustomerCreated,
        TimelineKind::Note => CustomerTimelineKind::Note,
        TimelineKind::LinkingStarted => CustomerTimelineKind::LinkingStarted,
        TimelineKind::AccountLinked => CustomerTimelineKind::AccountLinked,
        TimelineKind::AccountUnlinked => CustomerTimelineKind::AccountUnlinked,
        TimelineKind::Payment => CustomerTimelineKind::Payment,
        TimelineKind::Refund => CustomerTimelineKind::Refund,
    }
}

impl Backoffice {
    async fn visible_customer(
        &self,
        conn: &mut Connection,
        id: CustomerId,
    ) -> AppResult<CustomerRow> {
        let environment = self.environment().await;
        customers::by_id(conn, id)
            .await?
            .filter(|c| visible(c, environment))
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "customer not found"))
    }

    pub async fn create_customer(&self, input: CustomerFields) -> AppResult<CustomerDetails> {
        let actor = self.authorize(Permission::ManageCustomers, "create customers").await?;
        crate::validate::text_lengths(&input)?;
        let values = checked(&input)?;
        let now = self.now();
        let environment = self.environment().await;
        let mut tx = self.ledger.begin_write().await?;
        check_unique(&mut tx, &values, None, environment).await?;
        let id = customers::create(&mut tx, &values, now).await?;
        let detail = json!({ "after": audit_values(&values) });
        self.saved_customer(tx, &actor.operator, "customer.create", id, detail, environment).await
    }

    pub async fn update_customer(&self, input: UpdateCustomerInput) -> AppResult<CustomerDetails> {
        let actor = self.authorize(Permission::ManageCustomers, "edit customers").await?;
        crate::validate::text_lengths(&input)?;
        let values = checked(&input.fields)?;
        let id = CustomerId::new(input.customer_id);
        let now = self.now();
        let environment = self.environment().await;
        let mut tx = self.ledger.begin_write().await?;
        let before = self.visible_customer(&mut tx, id).await?;
        if before.forgotten_at.is_some() {
            return Err(forgotten_error());
        }
        let before_values = CustomerValues::of(&before);
        if before_values == values {
            return details(&mut tx, &before, environment).await;
        }
        check_unique(&mut tx, &values, Some(id), environment).await?;
        customers::update(&mut tx, id, &values, now).await?;
        let detail =
            json!({ "before": audit_values(&before_values), "after": audit_values(&values) });
        self.saved_customer(tx, &actor.operator, "customer.update", id, detail, environment).await
    }

    /// Audits a customer's creation or edit, commits, and answers the customer as stored.
    async fn saved_customer(
        &self,
        mut tx: WriteTx,
        operator: &OperatorRow,
        action: &str,
        id: CustomerId,
        detail: Value,
        environment: Environment,
    ) -> AppResult<CustomerDetails> {
        let subject = customer_subject(id);
        self.audit(&mut tx, Some(operator), action, &subject, AuditOutcome::Ok, detail).await?;
        let row = customers::by_id(&mut tx, id)
            .await?
            .ok_or(ovo_ledger::LedgerError::NotFound { what: "customer" })?;
        let view = details(&mut tx, &row, environment).await?;
        ovo_ledger::commit(tx).await?;
        Ok(view)
    }

    pub async fn add_customer_note(&self, input: CustomerNoteInput) -> AppResult<CustomerNoteView> {
        let actor = self.authorize(Permission::ManageCustomers, "add customer notes").await?;
        let text = input.text.trim();
        if text.is_empty() {
            return Err(AppError::invalid("customer_note_empty", "write the note first"));
        }
        if text.chars().count() > NOTES_MAX_CHARS {
            return Err(AppError::invalid(
                "customer_note_too_long",
                format!("a note is at most {NOTES_MAX_CHARS} characters"),
            ));
        }
        let id = CustomerId::new(input.customer_id);
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let customer = self.visible_customer(&mut tx, id).await?;
        if customer.forgotten_at.is_some() {
            return Err(forgotten_error());
        }
        let note_id = customers::add_note(&mut tx, id, text, now, Some(actor.operator.id)).await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "customer.note",
            &customer_subject(id),
            AuditOutcome::Ok,
            json!({ "note_id": note_id, "text": text }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(CustomerNoteView {
            id: note_id,
            customer_id: id.get(),
            text: text.to_owned(),
            at: now.to_rfc3339(),
            author: Some(actor.operator.display_name.clone()),
        })
    }

    pub async fn customer_timeline(
        &self,
        input: CustomerTimelineQuery,
    ) -> AppResult<CustomerTimelinePage> {
        self.authorize(Permission::ViewCustomers, "view customers").await?;
        crate::validate::text_lengths(&input)?;
        if input.limit == 0 || input.limit > TIMELINE_LIMIT_MAX {
            return Err(AppError::invalid(
                "timeline_limit_invalid",
                format!("limit must be 1 to {TIMELINE_LIMIT_MAX}"),
            ));
        }
        let before = match input.before.as_deref() {
            Some(text) => Some(decode_cursor(text).ok_or_else(|| {
                AppError::invalid(
                    "timeline_cursor_invalid",
                    "this page cursor is not one the app gave",
                )
            })?),
            None => None,
        };
        let environment = self.environment().await;
        let id = CustomerId::new(input.customer_id);
        let mut conn = self.ledger.read().await?;
        self.visible_customer(&mut conn, id).await?;
        let mut rows =
            customers::timeline(&mut conn, id, environment, before, input.limit + 1).await?;
        let more = rows.len() > input.limit as usize;
        rows.truncate(input.limit as usize);
        let next = if more { rows.last().map(|r| encode_cursor(r.cursor())) } else { None };
        let items = rows
            .into_iter()
            .map(|r| {
                let product = r.product.as_deref().and_then(|p| Product::parse(p).ok());
                let (payment_id, refund_id, account_id) = match r.kind {
                    TimelineKind::Payment => (Some(r.id), None, None),
                    TimelineKind::Refund => (r.payment_id, Some(r.id), None),
                    TimelineKind::LinkingStarted
                    | TimelineKind::AccountLinked
                    | TimelineKind::AccountUnlinked => (None, None, Some(r.id)),
                    TimelineKind::CustomerCreated | TimelineKind::Note => (None, None, None),
                };
                CustomerTimelineEntry {
                    kind: timeline_kind(r.kind),
                    at: r.at.to_rfc3339(),
                    reference: r.reference,
                    product,
                    amount: r.amount,
                    status: r.status,
                    text: r.text,
                    author: r.author,
                    payment_id,
                    refund_id,
                    account_id,
                }
            })
            .collect();
        Ok(CustomerTimelinePage { items, next })
    }

    pub async fn forget_customer(&self, input: CustomerRef) -> AppResult<ForgetResult> {
        let actor = self.authorize(Permission::ForgetCustomers, "forget customers").await?;
        let id = CustomerId::new(input.customer_id);
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let customer = self.visible_customer(&mut tx, id).await?;
        if customer.forgotten_at.is_some() {
            return Err(AppError::invalid(
                "customer_forgotten",
                "this customer was forgotten already",
            ));
        }
        if customers::live_linkings(&mut tx, id).await? > 0 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this customer still has a linked OVO account (or one being linked or unlinked); unlink it first",
            )
            .with_reason("customer_has_live_account"));
        }
        let outcome = if customers::has_payments(&mut tx, id).await? {
            customers::anonymise(&mut tx, id, now).await?;
            ForgetOutcome::Anonymised
        } else {
            customers::delete(&mut tx, id).await?;
            ForgetOutcome::Deleted
        };
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "customer.forget",
            &customer_subject(id),
            AuditOutcome::Ok,
            json!({
                "outcome": match outcome { ForgetOutcome::Deleted => "deleted", ForgetOutcome::Anonymised => "anonymised" },
                "phone": customer.phone.masked(),
            }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(ForgetResult { outcome, customer_id: id.get() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_trimmed_and_each_broken_rule_is_named_in_both_languages() {
        let v = check_fields("  Budi Santoso ", "0812-3456-7890", Some(" C-1 "), Some(""), None)
            .expect("valid");
        assert_eq!(v.full_name, "Budi Santoso");
        assert_eq!(v.phone.canonical(), "6281234567890");
        assert_eq!(v.merchant_customer_id.as_deref(), Some("C-1"));
        assert_eq!(v.email, None);

        let problems = check_fields("", "021-555-1234", None, Some("budi@"), None)
            .expect_err("three problems");
        let reasons: Vec<&str> = problems.iter().map(|p| p.reason).collect();
        assert_eq!(reasons, ["customer_name_empty", "phone_not_mobile", "customer_email_invalid"]);
        assert_eq!(problems[1].en, "phone: not an Indonesian mobile number");
        assert_eq!(problems[1].id, "ponsel: bukan nomor ponsel Indonesia");

        let problems =
            check_fields("=HYPERLINK(\"x\")", "+62 812 3456 7890", Some("@C"), None, None)
                .expect_err("formulas");
        assert_eq!(
            problems.iter().map(|p| p.reason).collect::<Vec<_>>(),
            ["customer_formula_cell", "customer_formula_cell"]
        );
    }

    #[test]
    fn emails_as_people_write_them() {
        for ok in ["budi@example.com", "budi.santoso+shop@mail.co.id", "a@b.id"] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in [
            "budi",
            "budi@",
            "@example.com",
            "budi@example",
            "budi @example.com",
            "budi@exa mple.com",
            "a@b@c.id",
            "budi@-x.com",
            "budi@x..com",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn timeline_cursors_round_trip_and_refuse_anything_else() {
        let c = TimelineCursor {
            at: Timestamp::from_unix_millis(1_700_000_000_000),
            kind: TimelineKind::Refund,
            id: 42,
        };
        assert_eq!(decode_cursor(&encode_cursor(c)), Some(c));
        for bad in ["", "1.2", "1.99.3", "a.b.c", "1.2.3.4"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
