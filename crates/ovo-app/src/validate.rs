//! Input rules for operators and the keys settings name, and the most characters each text an
//! IPC input carries may have; each failure names the rule and what is accepted.

use ovo_domain::{wib_day_bounds, wib_day_start, Environment, Lang, Product, Role, Timestamp};
use ovo_secrets::Sensitive;

use crate::error::{AppError, AppResult};
use crate::ipc::*;

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const USERNAME_MAX_CHARS: usize = 32;

/// Usernames are stored lower-case: `Admin` and `admin` are one operator.
pub fn username(input: &str) -> AppResult<String> {
    let name = input.trim().to_lowercase();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(3..=USERNAME_MAX_CHARS).contains(&name.chars().count()) || !ok_chars {
        return Err(AppError::invalid(
            "username_invalid",
            format!("username {input:?} is not accepted: use 3 to 32 characters from a-z, 0-9, '.', '_' and '-'"),
        ));
    }
    Ok(name)
}

pub fn display_name(input: &str) -> AppResult<String> {
    let name = input.trim();
    if !(1..=80).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "display_name_invalid",
            "display name must be 1 to 80 printable characters",
        ));
    }
    Ok(name.to_owned())
}

/// A free text an operator must give: trimmed, not empty (`missing`: the refusal's reason and
/// what to write), at most `max` characters (`too_long`, naming it as `what`).
pub fn required_text<'a>(
    text: &'a str,
    missing: (&'static str, &str),
    (too_long, what, max): (&'static str, &str, usize),
) -> AppResult<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(missing.0, missing.1));
    }
    if text.chars().count() > max {
        return Err(AppError::invalid(too_long, format!("{what} is at most {max} characters")));
    }
    Ok(text)
}

pub fn password(password: &Sensitive<String>) -> AppResult<()> {
    let chars = password.expose().chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            "password_too_short",
            format!("password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password_too_long",
            format!("password must have at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The username typed to sign in, as stored (trimmed, lower-case); only its length is checked,
/// so that a refusal says nothing about which usernames exist.
pub fn sign_in_username(input: &str) -> AppResult<String> {
    let name = input.trim().to_lowercase();
    if name.chars().count() > USERNAME_MAX_CHARS {
        return Err(AppError::invalid(
            "username_too_long",
            format!("username must have at most {USERNAME_MAX_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// A password typed to be checked (not a new one): only its length is limited.
pub fn password_entered(password: &Sensitive<String>) -> AppResult<()> {
    if password.expose().chars().count() > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password_too_long",
            format!("password must have at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

pub fn role(input: &str) -> AppResult<Role> {
    Role::parse(input).map_err(|_| {
        AppError::invalid(
            "role_invalid",
            format!("role {input:?} is not one of staff, support, finance, admin"),
        )
    })
}

pub fn environment(key: &str) -> AppResult<Environment> {
    Environment::parse(key).map_err(|_| {
        AppError::invalid(
            "environment_unknown",
            format!(
                "environment {key:?} is not one of builtin_sandbox, provider_sandbox, production"
            ),
        )
    })
}

pub fn language(key: &str) -> AppResult<Lang> {
    Lang::parse(key).map_err(|_| {
        AppError::invalid("language_unknown", format!("language {key:?} is not one of id, en"))
    })
}

/// A key from a closed set (product, environment, status, role, language…).
pub const KEY_MAX_CHARS: usize = 64;
/// A date, a time or a cursor made of them.
pub const DATE_MAX_CHARS: usize = 40;
/// An amount or a count as typed (`Rp 1.000.000`, `30`).
pub const AMOUNT_MAX_CHARS: usize = 40;
/// A phone number as typed.
pub const PHONE_MAX_CHARS: usize = 32;
/// A reference looked up, or a cursor.
pub const LOOKUP_MAX_CHARS: usize = 100;
/// A note that goes with a decision.
pub const DECISION_NOTE_MAX_CHARS: usize = 500;
/// A file path.
pub const PATH_MAX_CHARS: usize = 4096;
/// A web address (a page to open, a provider setting's address or path).
pub const URL_MAX_CHARS: usize = 2048;
/// A listener address (`host:port`).
pub const ADDRESS_MAX_CHARS: usize = 261;

/// One text an input carries: its IPC field name, its value and the most characters accepted.
pub(crate) type Text<'a> = (String, &'a str, usize);

/// The texts of an IPC input that no rule of their own bounds already (those that have one,
/// such as a customer's name or a refund reason, say their limit in their own refusal).
pub(crate) trait Texts {
    fn texts(&self) -> Vec<Text<'_>>;
}

/// The text with its ends trimmed; none when nothing is left.
pub(crate) fn trimmed(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A `YYYY-MM-DD` date, refused with what is accepted.
pub(crate) fn date(text: &str) -> AppResult<chrono::NaiveDate> {
    ovo_domain::parse_date(text).ok_or_else(|| {
        AppError::invalid("date_invalid", format!("{text:?} is not a date; use YYYY-MM-DD"))
    })
}

/// A filter's inclusive WIB date range as instants: from the start of `from` to the end of `to`
/// (exclusive).
pub(crate) fn wib_date_range(
    from: &Option<String>,
    to: &Option<String>,
) -> AppResult<(Option<Timestamp>, Option<Timestamp>)> {
    let from = trimmed(from).map(|d| date(&d)).transpose()?;
    let to = trimmed(to).map(|d| date(&d)).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(AppError::invalid(
                "date_range_invalid",
                "the start date is after the end date",
            ));
        }
    }
    Ok((from.map(wib_day_start), to.map(|d| wib_day_bounds(d).1)))
}

/// The first text of `input` longer than its limit is refused (`text_too_long`), before
/// anything is read or written.
pub(crate) fn text_lengths(input: &impl Texts) -> AppResult<()> {
    for (field, value, max) in input.texts() {
        let chars = value.chars().count();
        if chars > max {
            return Err(AppError::invalid(
                "text_too_long",
                format!("{field} is {chars} characters long; at most {max} are accepted"),
            ));
        }
    }
    Ok(())
}

fn text<'a>(field: &str, value: &'a str, max: usize) -> Text<'a> {
    (field.to_owned(), value, max)
}

fn optional<'a>(field: &str, value: Option<&'a String>, max: usize) -> Option<Text<'a>> {
    value.map(|v| text(field, v, max))
}

macro_rules! keys_only {
    ($($ty:ty => [$($field:ident),*];)*) => {$(
        impl Texts for $ty {
            fn texts(&self) -> Vec<Text<'_>> {
                vec![$(text(stringify!($field), &self.$field, KEY_MAX_CHARS)),*]
            }
        }
    )*};
}

keys_only! {
    NewOperatorInput => [role];
    ChangeRoleInput => [role];
    SetCredentialInput => [environment, product, field];
    CredentialRef => [environment, product, field];
    LanguageInput => [language];
    EnvironmentInput => [environment];
    ProductInEnvironment => [environment, product];
    ProductRef => [product];
    RefundQueueQuery => [status];
}

impl Texts for AuditQuery {
    fn texts(&self) -> Vec<Text<'_>> {
        self.filters.texts()
    }
}

impl Texts for AuditFilters {
    fn texts(&self) -> Vec<Text<'_>> {
        [
            optional("action", self.action.as_ref(), LOOKUP_MAX_CHARS),
            optional("subject", self.subject.as_ref(), LOOKUP_MAX_CHARS),
            optional("from", self.from.as_ref(), DATE_MAX_CHARS),
            optional("to", self.to.as_ref(), DATE_MAX_CHARS),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Texts for ReportRange {
    fn texts(&self) -> Vec<Text<'_>> {
        [
            optional("from", self.from.as_ref(), DATE_MAX_CHARS),
            optional("to", self.to.as_ref(), DATE_MAX_CHARS),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Texts for StartExportInput {
    fn texts(&self) -> Vec<Text<'_>> {
        let mut texts = match &self.list {
            ExportList::Payments(filters) => filters.texts(),
            ExportList::Refunds { status } => vec![text("status", status, KEY_MAX_CHARS)],
            ExportList::Audit(filters) => filters.texts(),
            ExportList::SettlementLines { .. } => Vec::new(),
            ExportList::SettlementExceptions(filters) => {
                optional("product", filters.product.as_ref(), KEY_MAX_CHARS).into_iter().collect()
            }
            ExportList::RefundReport(range) => range.texts(),
            ExportList::Ageing => Vec::new(),
        };
        texts.push(text("path", &self.path, PATH_MAX_CHARS));
        texts.push(text("language", &self.language, KEY_MAX_CHARS));
        texts
    }
}

impl Texts for CustomerFields {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("phone", &self.phone, PHONE_MAX_CHARS)]
    }
}

impl Texts for UpdateCustomerInput {
    fn texts(&self) -> Vec<Text<'_>> {
        self.fields.texts()
    }
}

impl Texts for CustomerTimelineQuery {
    fn texts(&self) -> Vec<Text<'_>> {
        optional("before", self.before.as_ref(), LOOKUP_MAX_CHARS).into_iter().collect()
    }
}

impl Texts for SettlementFileInput {
    fn texts(&self) -> Vec<Text<'_>> {
        let mut texts = vec![
            text("product", &self.product, KEY_MAX_CHARS),
            text("path", &self.path, PATH_MAX_CHARS),
        ];
        if let Some(m) = &self.mapping {
            for (field, value) in
                [("reference", &m.reference), ("date", &m.date), ("amount", &m.amount)]
            {
                texts.push(text(field, value, LOOKUP_MAX_CHARS));
            }
            for (field, value) in
                [("kind", &m.kind), ("fee", &m.fee), ("net", &m.net), ("status", &m.status)]
            {
                texts.extend(optional(field, value.as_ref(), LOOKUP_MAX_CHARS));
            }
        }
        texts
    }
}

impl Texts for SettlementLinesQuery {
    fn texts(&self) -> Vec<Text<'_>> {
        optional("outcome", self.outcome.as_ref(), KEY_MAX_CHARS).into_iter().collect()
    }
}

impl Texts for SettlementExceptionsQuery {
    fn texts(&self) -> Vec<Text<'_>> {
        optional("product", self.filters.product.as_ref(), KEY_MAX_CHARS).into_iter().collect()
    }
}

impl Texts for InspectImportInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("path", &self.path, PATH_MAX_CHARS)]
    }
}

impl Texts for StartImportInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("path", &self.path, PATH_MAX_CHARS)]
    }
}

impl Texts for SaveRejectsInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("path", &self.path, PATH_MAX_CHARS)]
    }
}

impl Texts for StartLinkInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![
            text("product", &self.product, KEY_MAX_CHARS),
            text("phone", &self.phone, PHONE_MAX_CHARS),
        ]
    }
}

impl Texts for HistoryInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("from", &self.from, DATE_MAX_CHARS), text("to", &self.to, DATE_MAX_CHARS)]
    }
}

impl Texts for ExternalUrl {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("product", &self.product, KEY_MAX_CHARS), text("url", &self.url, URL_MAX_CHARS)]
    }
}

impl Texts for PaymentQuery {
    fn texts(&self) -> Vec<Text<'_>> {
        self.filters.texts()
    }
}

impl Texts for PaymentFilters {
    fn texts(&self) -> Vec<Text<'_>> {
        [
            optional("product", self.product.as_ref(), KEY_MAX_CHARS),
            optional("status", self.status.as_ref(), KEY_MAX_CHARS),
            optional("from", self.from.as_ref(), DATE_MAX_CHARS),
            optional("to", self.to.as_ref(), DATE_MAX_CHARS),
            optional("minAmount", self.min_amount.as_ref(), AMOUNT_MAX_CHARS),
            optional("maxAmount", self.max_amount.as_ref(), AMOUNT_MAX_CHARS),
            optional("reference", self.reference.as_ref(), LOOKUP_MAX_CHARS),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Texts for StartPaymentInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![
            text("product", &self.product, KEY_MAX_CHARS),
            text("kind", &self.kind, KEY_MAX_CHARS),
            text("amount", &self.amount, AMOUNT_MAX_CHARS),
            text("phone", &self.phone, PHONE_MAX_CHARS),
            text("source", &self.source, KEY_MAX_CHARS),
        ]
    }
}

impl Texts for ListenerInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("address", &self.address, ADDRESS_MAX_CHARS)]
    }
}

impl Texts for SetRefundPolicyInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![
            text("product", &self.product, KEY_MAX_CHARS),
            text("windowDays", &self.window_days, AMOUNT_MAX_CHARS),
            text("dailyLimit", &self.daily_limit, AMOUNT_MAX_CHARS),
        ]
    }
}

impl Texts for SaveProviderSettingsInput {
    /// A value whose setting has a length of its own is left to it (`provider_setting_too_long`).
    fn texts(&self) -> Vec<Text<'_>> {
        let product = Product::parse(&self.product).ok();
        let own_limit = |key: &str| {
            product
                .and_then(|p| ovo_providers::settings::find_spec(p, key))
                .and_then(|spec| spec.kind.max_chars())
                .is_some()
        };
        let mut texts = vec![
            text("environment", &self.environment, KEY_MAX_CHARS),
            text("product", &self.product, KEY_MAX_CHARS),
        ];
        for (key, value) in &self.values {
            texts.push(text("values (a setting's key)", key, KEY_MAX_CHARS));
            if key.chars().count() <= KEY_MAX_CHARS && !own_limit(key) {
                texts.push(text(&format!("values.{key}"), value, URL_MAX_CHARS));
            }
        }
        texts
    }
}

impl Texts for TopUpInput {
    fn texts(&self) -> Vec<Text<'_>> {
        optional("language", self.language.as_ref(), KEY_MAX_CHARS).into_iter().collect()
    }
}

impl Texts for RefundPreviewInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("amount", &self.amount, AMOUNT_MAX_CHARS)]
    }
}

impl Texts for RequestRefundInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("amount", &self.amount, AMOUNT_MAX_CHARS)]
    }
}

impl Texts for DecideRefundInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("note", &self.note, DECISION_NOTE_MAX_CHARS)]
    }
}

impl Texts for RecordTransferInput {
    fn texts(&self) -> Vec<Text<'_>> {
        let mut texts = vec![text("date", &self.date, DATE_MAX_CHARS)];
        texts.extend(optional("evidencePath", self.evidence_path.as_ref(), PATH_MAX_CHARS));
        texts
    }
}

impl Texts for ResolveByHandInput {
    fn texts(&self) -> Vec<Text<'_>> {
        vec![text("outcome", &self.outcome, KEY_MAX_CHARS)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("  Rina.Support ").ok().as_deref(), Some("rina.support"));
        assert_eq!(username("fin-01").ok().as_deref(), Some("fin-01"));
        for bad in ["ab", "", "rina support", "rina@ovo", &"x".repeat(33), "añu"] {
            let err = username(bad).err().map(|e| e.reason);
            assert_eq!(err, Some(Some("username_invalid")), "{bad:?}");
        }
    }

    #[test]
    fn passwords_and_names() {
        let reason = |p: &str| password(&Sensitive::new(p.to_owned())).err().and_then(|e| e.reason);
        assert_eq!(reason("123456789"), Some("password_too_short"));
        assert_eq!(reason("1234567890"), None);
        assert_eq!(reason(&"p".repeat(257)), Some("password_too_long"));
        assert!(display_name("  Rina  ").is_ok_and(|n| n == "Rina"));
        assert!(display_name("   ").is_err());
        assert!(display_name("bad\u{7}bell").is_err());
        assert!(role("finance").is_ok());
        assert_eq!(role("root").err().and_then(|e| e.reason), Some("role_invalid"));
    }

    #[test]
    fn setting_keys() {
        assert_eq!(environment("production").ok(), Some(Environment::Production));
        assert_eq!(environment("prod").err().and_then(|e| e.reason), Some("environment_unknown"));
        assert_eq!(language("en").ok(), Some(Lang::En));
        assert_eq!(language("fr").err().and_then(|e| e.reason), Some("language_unknown"));
    }
}
