//! Faspay on the wire: JSON and XML bodies, answers, WIB dates and phone numbers.

use super::*;

pub(super) fn parse_json(body: &[u8]) -> Result<Fields, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("body is not a JSON object".into());
    };
    let mut fields = BTreeMap::new();
    for (k, v) in map {
        let text = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            other => return Err(format!("field {k} is not a scalar: {other}")),
        };
        fields.insert(k, text);
    }
    Ok(Fields(fields))
}

pub(super) fn parse_xml(body: &[u8]) -> Result<Fields, String> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_owned())?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut depth = 0usize;
    let mut current: Option<String> = None;
    let mut fields = BTreeMap::new();
    let mut root = false;
    loop {
        match reader.read_event().map_err(|e| format!("body is not XML: {e}"))? {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if depth == 1 {
                    if name != "faspay" {
                        return Err(format!("root element is <{name}>, not <faspay>"));
                    }
                    root = true;
                } else if depth == 2 {
                    fields.entry(name.clone()).or_insert_with(String::new);
                    current = Some(name);
                }
            }
            Event::Empty(e) => {
                if depth == 1 {
                    fields
                        .entry(String::from_utf8_lossy(e.name().as_ref()).into_owned())
                        .or_insert_with(String::new);
                } else if depth == 0 {
                    return Err("empty root element".into());
                }
            }
            Event::Text(t) => {
                if let (2, Some(name)) = (depth, &current) {
                    let value =
                        t.unescape().map_err(|e| format!("bad XML text: {e}"))?.into_owned();
                    fields.insert(name.clone(), value);
                }
            }
            Event::CData(c) => {
                if let (2, Some(name)) = (depth, &current) {
                    fields.insert(
                        name.clone(),
                        String::from_utf8_lossy(&c.into_inner()).into_owned(),
                    );
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth < 2 {
                    current = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err("no <faspay> document".into());
    }
    Ok(Fields(fields))
}

pub(super) fn xml_of(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&format!("<{k}>"));
                xml_of(v, out);
                out.push_str(&format!("</{k}>"));
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str("<item>");
                xml_of(item, out);
                out.push_str("</item>");
            }
        }
        Value::Null => {}
        Value::String(s) => out.push_str(&quick_xml::escape::escape(s.as_str())),
        other => out.push_str(&other.to_string()),
    }
}

/// The `<faspay>` XML document of a JSON object (same field names).
pub fn to_xml(value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<faspay>");
    xml_of(value, &mut out);
    out.push_str("</faspay>");
    out
}

pub(super) fn render(wire: Wire, value: &Value) -> Response {
    match wire {
        Wire::Json => Json(value.clone()).into_response(),
        Wire::Xml => ([("content-type", "application/xml")], to_xml(value)).into_response(),
    }
}

pub(super) fn fail(response: &str, code: &str, desc: impl Into<String>) -> Value {
    json!({ "response": response, "response_code": code, "response_desc": desc.into() })
}

pub(super) fn status_desc(code: u8) -> &'static str {
    match code {
        0 => "Unprocessed",
        1 => "In Process",
        2 => "Payment Success",
        3 => "Payment Failed",
        4 => "Payment Reversal",
        5 => "No bills found",
        7 => "Payment Expired",
        8 => "Payment Cancelled",
        _ => "Unknown",
    }
}

/// `YYYY-MM-DD HH:MM:SS` in WIB.
pub(super) fn datetime(t: DateTime<Utc>) -> String {
    clock::jakarta_text(t, "%Y-%m-%d %H:%M:%S")
}

/// `YYYY-MM-DD` in WIB.
pub(super) fn date(t: DateTime<Utc>) -> String {
    clock::jakarta_text(t, "%Y-%m-%d")
}

/// Exactly `YYYY-MM-DD`, a real calendar date.
pub(super) fn valid_date(text: &str) -> bool {
    let shape = text.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    text.len() == 10 && shape && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// `08…`, 10–13 digits (spec §5.1 House default).
pub(super) fn valid_phone_no(text: &str) -> bool {
    text.starts_with("08")
        && (10..=13).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The merchant's answer to a payment notification carries `response_code` `00`.
pub(super) fn merchant_acknowledged(answer: &str) -> bool {
    let compact: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"response_code\":\"00\"")
        || compact.contains("<response_code>00</response_code>")
}
