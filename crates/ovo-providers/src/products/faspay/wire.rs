//! Faspay 720 on the wire (faspay-ovo-tokenize.md §3, §5, §6): flat objects whose values are
//! all strings (numbers tolerated), in JSON or as a `<faspay>` XML document with the same
//! names. Unknown codes parse into explicit `Unrecognised` variants, extra fields are ignored,
//! a missing mandatory field is an error naming it.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use ovo_domain::{Reference, Timestamp};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A value as text: strings as they are, numbers and booleans as their JSON text, null as absent.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = Value::deserialize(d)?;
    text(&value).ok_or_else(|| serde::de::Error::custom(format!("expected a string, got {value}")))
}

fn lenient_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(&Value::deserialize(d)?).filter(|s| !s.is_empty() && s != "null"))
}

/// Reads a reply or a notification body: JSON, or a `<faspay>` XML document (detected by the
/// content type or the first non-space byte, §5.9 House default).
pub fn parse_body(body: &str, content_type: Option<&str>) -> Result<Value, String> {
    let xml = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("xml"))
        || body.trim_start().starts_with('<');
    if xml {
        parse_xml(body)
    } else {
        let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
        if value.is_object() {
            Ok(value)
        } else {
            Err("not a JSON object".into())
        }
    }
}

/// `<faspay><a>1</a><b><c>2</c></b></faspay>` → `{"a":"1","b":{"c":"2"}}`. An element repeated
/// under one parent becomes an array.
fn parse_xml(body: &str) -> Result<Value, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().trim_text(true);
    // Stack of (element name, children, text).
    let mut stack: Vec<(String, Map<String, Value>, String)> = Vec::new();
    let mut root: Option<Value> = None;
    loop {
        match reader.read_event().map_err(|e| format!("not XML: {e}"))? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match stack.last_mut() {
                    Some((_, children, _)) => insert(children, name, Value::Null),
                    None => root = Some(Value::Object(Map::new())),
                }
            }
            Event::Text(t) => {
                let unescaped = t.unescape().map_err(|e| format!("not XML: {e}"))?;
                if let Some((_, _, text)) = stack.last_mut() {
                    text.push_str(&unescaped);
                }
            }
            Event::CData(t) => {
                if let Some((_, _, text)) = stack.last_mut() {
                    text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                let Some((name, children, text)) = stack.pop() else {
                    return Err("not XML: unbalanced end tag".into());
                };
                let value =
                    if children.is_empty() { Value::String(text) } else { Value::Object(children) };
                match stack.last_mut() {
                    Some((_, parent, _)) => insert(parent, name, value),
                    None => root = Some(value),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("not XML: unclosed element".into());
    }
    match root {
        Some(Value::Object(map)) => Ok(Value::Object(map)),
        Some(Value::String(s)) if s.is_empty() => Ok(Value::Object(Map::new())),
        _ => Err("not a <faspay> document".into()),
    }
}

fn insert(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            map.insert(name, value);
        }
    }
}

/// A serde error as the name of what is wrong (serde's "missing field `x`" names it).
pub fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A field that must be there in this answer: the error names it.
pub fn required(value: Option<String>, field: &str) -> Result<String, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

/// API `response_code` (§6: generic debit codes, and 720's own 00/01/02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseCode {
    Success,
    Failed,
    /// 720 payment: the payment token must be regenerated (re-link at `url`, §5.4).
    RegenerateToken,
    InvalidMerchant,
    InvalidAmount,
    InvalidOrder,
    OrderCancelled,
    InvalidCustomer,
    SubscriptionExpired,
    FormatError,
    NotSupported,
    OrderExpired,
    IncorrectUserPassword,
    SecurityViolation,
    NotActive,
    InternalError,
    PaymentReversed,
    AlreadyPaid,
    UnregisteredEntity,
    ParameterMandatory,
    UnregisteredParameters,
    InsufficientParameters,
    SystemMalfunction,
    Unrecognised(String),
}

/// How the client answers a response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    Success,
    Declined,
    TokenExpired,
    Authentication,
    InvalidRequest,
    /// The provider failed internally: a write may or may not have happened.
    ServerSide,
}

impl ResponseCode {
    pub fn parse(code: &str) -> ResponseCode {
        use ResponseCode::*;
        match code.trim() {
            "00" | "0" => Success,
            "01" | "1" => Failed,
            "02" | "2" => RegenerateToken,
            "03" => InvalidMerchant,
            "13" => InvalidAmount,
            "14" => InvalidOrder,
            "17" => OrderCancelled,
            "18" => InvalidCustomer,
            "21" => SubscriptionExpired,
            "30" => FormatError,
            "40" => NotSupported,
            "54" => OrderExpired,
            "55" => IncorrectUserPassword,
            "56" => SecurityViolation,
            "63" => NotActive,
            "66" => InternalError,
            "80" => PaymentReversed,
            "81" => AlreadyPaid,
            "82" => UnregisteredEntity,
            "83" => ParameterMandatory,
            "84" => UnregisteredParameters,
            "85" => InsufficientParameters,
            "96" => SystemMalfunction,
            other => Unrecognised(other.to_owned()),
        }
    }

    pub fn class(&self) -> CodeClass {
        use ResponseCode::*;
        match self {
            Success => CodeClass::Success,
            RegenerateToken => CodeClass::TokenExpired,
            // The customer, the account or the order refuses: business outcomes.
            Failed | OrderCancelled | InvalidCustomer | SubscriptionExpired | OrderExpired
            | NotActive | PaymentReversed | AlreadyPaid => CodeClass::Declined,
            InvalidMerchant | IncorrectUserPassword | SecurityViolation | UnregisteredEntity => {
                CodeClass::Authentication
            }
            InvalidAmount
            | InvalidOrder
            | FormatError
            | NotSupported
            | ParameterMandatory
            | UnregisteredParameters
            | InsufficientParameters => CodeClass::InvalidRequest,
            InternalError | SystemMalfunction => CodeClass::ServerSide,
            // Faspay practice: anything but 00 is a failure; kept verbatim.
            Unrecognised(_) => CodeClass::Declined,
        }
    }
}

/// `payment_status_code` (§6). Code 6 does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatusCode {
    Unprocessed,
    InProcess,
    Success,
    Failed,
    Reversal,
    NoBillsFound,
    Expired,
    Cancelled,
    Unknown,
    Unrecognised(String),
}

impl PaymentStatusCode {
    pub fn parse(code: &str) -> PaymentStatusCode {
        use PaymentStatusCode::*;
        match code.trim() {
            "0" => Unprocessed,
            "1" => InProcess,
            "2" => Success,
            "3" => Failed,
            "4" => Reversal,
            "5" => NoBillsFound,
            "7" => Expired,
            "8" => Cancelled,
            "9" => Unknown,
            other => Unrecognised(other.to_owned()),
        }
    }
}

/// Where a history row's money came from (§5.7: exact strings UNKNOWN, matched on cash/point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountSource {
    Cash,
    Points,
    Unrecognised(String),
}

impl AmountSource {
    pub fn parse(text: &str) -> AmountSource {
        let lower = text.to_ascii_lowercase();
        if lower.contains("cash") {
            AmountSource::Cash
        } else if lower.contains("point") {
            AmountSource::Points
        } else {
            AmountSource::Unrecognised(text.to_owned())
        }
    }
}

/// Fields every Faspay answer carries.
#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    #[serde(deserialize_with = "lenient")]
    pub response_code: String,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub response_desc: Option<String>,
    /// §5.4: the re-link page of a `02` answer.
    #[serde(default, deserialize_with = "lenient_opt")]
    pub url: Option<String>,
}

impl Outcome {
    pub fn code(&self) -> ResponseCode {
        ResponseCode::parse(&self.response_code)
    }
    pub fn desc(&self) -> String {
        self.response_desc.clone().unwrap_or_default()
    }
}

/// §5.1 activation answer.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivationReply {
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub status: Option<String>,
    #[serde(default, rename = "redirectURL", deserialize_with = "lenient_opt")]
    pub redirect_url: Option<String>,
}

/// §5.3 payment answer (and §5.4's `02`).
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentReply {
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(default, rename = "redirectURL", deserialize_with = "lenient_opt")]
    pub redirect_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub trx_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_no: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub amount: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_currency: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_day: Option<String>,
}

/// §5.10 inquiry payment status answer.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusReply {
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub trx_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_no: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_status_code: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_status_desc: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_reff: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_total: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_total: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_currency: Option<String>,
}

/// §5.9 payment notification.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentNotification {
    #[serde(deserialize_with = "lenient")]
    pub trx_id: String,
    #[serde(deserialize_with = "lenient")]
    pub merchant_id: String,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub merchant: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub bill_no: String,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_reff: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub payment_status_code: String,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_status_desc: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub bill_total: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_total: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt")]
    pub payment_channel_uid: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub signature: String,
}

/// `detail` → `cash`/`points` → `balance`, each level an object or a one-element array (§5.6).
pub fn balance_field(reply: &Value, source: &str) -> Result<String, String> {
    let detail = first(reply.get("detail")).ok_or("missing field `detail`")?;
    let part =
        first(detail.get(source)).ok_or_else(|| format!("missing field `detail.{source}`"))?;
    first(part.get("balance"))
        .and_then(text)
        .ok_or_else(|| format!("missing field `detail.{source}.balance`"))
}

fn first(value: Option<&Value>) -> Option<&Value> {
    match value? {
        Value::Array(items) => items.first(),
        Value::Null => None,
        other => Some(other),
    }
}

/// The rows of a container that is an object keyed `prefix_N` (in N order) or an array (§5.5,
/// §5.7 House default).
pub fn rows<'a>(container: Option<&'a Value>, prefix: &str) -> Vec<&'a Value> {
    match container {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Object(map)) => {
            let mut numbered: BTreeMap<(u64, String), &Value> = BTreeMap::new();
            for (key, value) in map {
                let n = key
                    .strip_prefix(prefix)
                    .and_then(|n| n.trim_start_matches('_').parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                numbered.insert((n, key.clone()), value);
            }
            numbered.into_values().filter(|v| v.is_object()).collect()
        }
        _ => Vec::new(),
    }
}

/// A string field of a row.
pub fn field(row: &Value, name: &str) -> Option<String> {
    row.get(name).and_then(text).filter(|s| !s.is_empty())
}

/// The form of Faspay's dates, on the WIB clock (§14).
const WIB_SECONDS: &str = "%Y-%m-%d %H:%M:%S";

/// `YYYY-MM-DD HH:MM:SS` in WIB (§14).
pub fn parse_wib(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    // chrono alone would also read `2024-1-2 0:30:00`; the form is exactly nineteen characters.
    (text.len() == 19)
        .then(|| NaiveDateTime::parse_from_str(text, WIB_SECONDS).ok())
        .flatten()
        .map(Timestamp::from_wib)
        .ok_or_else(|| format!("date {text:?} is not YYYY-MM-DD HH:MM:SS"))
}

/// `YYYY-MM-DD HH:MM:SS` in WIB.
pub fn format_wib_seconds(at: Timestamp) -> String {
    at.to_wib().format(WIB_SECONDS).to_string()
}

/// `bill_no` is numeric for 720 (§5.3), our reference is 16 `[A-Z0-9]`: the reference read as a
/// base-36 number (`0-9` = 0–9, `A-Z` = 10–35), written as 25 decimal digits (36^16 < 10^25).
/// The mapping is a bijection, so the status query and the notification need no stored map.
pub fn bill_no(reference: &Reference) -> String {
    let mut n: u128 = 0;
    for c in reference.as_str().chars() {
        // Reference guarantees [A-Z0-9]; to_digit(36) reads both.
        n = n * 36 + u128::from(c.to_digit(36).unwrap_or(0));
    }
    format!("{n:025}")
}

/// The reference a `bill_no` of ours stands for (`None` for a bill number we did not make).
pub fn reference_of(bill_no: &str) -> Option<Reference> {
    if bill_no.len() != 25 || !bill_no.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n: u128 = bill_no.parse().ok()?;
    let mut chars = [b'0'; Reference::LEN];
    for slot in chars.iter_mut().rev() {
        let digit = u32::try_from(n % 36).ok()?;
        *slot = char::from_digit(digit, 36)?.to_ascii_uppercase() as u8;
        n /= 36;
    }
    if n != 0 {
        return None;
    }
    Reference::parse(std::str::from_utf8(&chars).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bill_no_round_trips_with_the_reference() {
        for r in ["0000000000000000", "ZZZZZZZZZZZZZZZZ", "AB12CD34EF56GH78", "PAY2024JAN000001"] {
            let reference = Reference::parse(r).unwrap();
            let bill = bill_no(&reference);
            assert_eq!(bill.len(), 25);
            assert!(bill.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(reference_of(&bill), Some(reference));
        }
        assert_eq!(
            bill_no(&Reference::parse("000000000000000Z").unwrap()),
            "0000000000000000000000035"
        );
        assert_eq!(reference_of("300134486"), None);
        assert_eq!(reference_of("9999999999999999999999999"), None, "above 36^16 - 1");
    }

    #[test]
    fn replies_ignore_extra_fields_and_name_missing_ones() {
        let reply: PaymentReply = decode(json!({
            "response": "Payment OVO OpenAPI", "response_code": "00", "response_desc": "Success",
            "redirectURL": "https://x/y", "trx_id": "9999900000000001", "bill_no": "1", "amount": 1000000,
            "status": "SOMETHING NEW", "brand_new_field": {"nested": true}
        }))
        .unwrap();
        assert_eq!(reply.amount.as_deref(), Some("1000000"), "numbers are read as their text");
        assert_eq!(reply.status.as_deref(), Some("SOMETHING NEW"));
        let missing = decode::<PaymentReply>(json!({"response_desc": "x"})).unwrap_err();
        assert!(missing.contains("response_code"), "{missing}");
        let missing = decode::<PaymentNotification>(
            json!({"trx_id": "1", "merchant_id": "99999", "bill_no": "1", "signature": "s"}),
        )
        .unwrap_err();
        assert!(missing.contains("payment_status_code"), "{missing}");
        assert_eq!(required(None, "redirectURL").unwrap_err(), "missing field `redirectURL`");
    }

    #[test]
    fn unknown_codes_parse_into_explicit_variants() {
        assert_eq!(ResponseCode::parse("00"), ResponseCode::Success);
        assert_eq!(ResponseCode::parse("02").class(), CodeClass::TokenExpired);
        assert_eq!(ResponseCode::parse("55").class(), CodeClass::Authentication);
        assert_eq!(ResponseCode::parse("83").class(), CodeClass::InvalidRequest);
        assert_eq!(ResponseCode::parse("96").class(), CodeClass::ServerSide);
        assert_eq!(ResponseCode::parse("77"), ResponseCode::Unrecognised("77".into()));
        assert_eq!(PaymentStatusCode::parse("2"), PaymentStatusCode::Success);
        assert_eq!(PaymentStatusCode::parse("6"), PaymentStatusCode::Unrecognised("6".into()));
        assert_eq!(AmountSource::parse("OVO Points"), AmountSource::Points);
        assert_eq!(AmountSource::parse("CASH"), AmountSource::Cash);
        assert_eq!(AmountSource::parse("Voucher"), AmountSource::Unrecognised("Voucher".into()));
    }

    #[test]
    fn xml_and_json_bodies_read_alike() {
        let xml = "<?xml version=\"1.0\"?><faspay><request>Payment Notification</request><trx_id>8985310250011254</trx_id>\
                   <payment_reff>null</payment_reff><detail><cash><balance>100</balance></cash></detail><empty/></faspay>";
        let value = parse_body(xml, None).unwrap();
        assert_eq!(value["trx_id"], "8985310250011254");
        assert_eq!(balance_field(&value, "cash").unwrap(), "100");
        let json =
            parse_body(r#"{"trx_id":"8985310250011254"}"#, Some("application/json")).unwrap();
        assert_eq!(json["trx_id"], value["trx_id"]);
        assert!(parse_body("{\"trx_id\":", None).is_err());
        assert!(parse_body("<faspay><a>1</faspay>", None).is_err());
        assert!(parse_body("[1,2]", None).is_err());
    }

    #[test]
    fn nested_containers_as_objects_or_arrays() {
        let object =
            json!({"detail": {"cash": {"balance": "500000000"}, "points": {"balance": 100000}}});
        let array = json!({"detail": [{"cash": [{"balance": "500000000"}], "points": [{"balance": "100000"}]}]});
        for reply in [object, array] {
            assert_eq!(balance_field(&reply, "cash").unwrap(), "500000000");
            assert_eq!(balance_field(&reply, "points").unwrap(), "100000");
        }
        assert_eq!(
            balance_field(&json!({"detail": {}}), "cash").unwrap_err(),
            "missing field `detail.cash`"
        );
        let keyed = json!({"instruction_10": {"option": "j"}, "instruction_2": {"option": "b"}, "instruction_1": {"option": "a"}});
        let options: Vec<_> =
            rows(Some(&keyed), "instruction").iter().map(|r| field(r, "option").unwrap()).collect();
        assert_eq!(options, ["a", "b", "j"]);
        let listed = json!([{"option": "a"}, {"option": "b"}]);
        assert_eq!(rows(Some(&listed), "instruction").len(), 2);
        assert!(rows(None, "instruction").is_empty());
    }

    #[test]
    fn wib_dates_round_trip() {
        let at = parse_wib("2024-01-02 00:30:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2024-01-01T17:30:00.000Z");
        assert_eq!(format_wib_seconds(at), "2024-01-02 00:30:00");
        assert!(parse_wib("2024-01-02T00:30:00").is_err());
        assert!(parse_wib("2024-1-02 00:30:00").is_err());
    }
}
