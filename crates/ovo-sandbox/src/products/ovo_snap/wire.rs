//! OVO SNAP request fields and answer parts.

use super::*;

pub(super) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, SnapError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(SnapError::new(400, "00", "Bad Request [body is not a JSON object]")),
    }
}

pub(super) fn opt_str<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, SnapError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(SnapError::invalid_field(&format!("[{name}]"))),
    }
}

pub(super) fn req_str<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<&'a str, SnapError> {
    let value =
        opt_str(body, name)?.ok_or_else(|| SnapError::missing_field(&format!("[{name}]")))?;
    if value.chars().count() > max {
        return Err(SnapError::invalid_field(&format!("[{name}]")));
    }
    Ok(value)
}

pub(super) fn path_of(uri: &Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| uri.path().to_owned())
}

pub(super) fn pay_options(p: &Payment) -> Value {
    let mut options = Vec::new();
    if p.split.cash > 0 {
        options.push(json!({ "payMethod": "CASH", "transAmount": snap::amount(p.split.cash) }));
    }
    if p.split.points > 0 {
        options.push(json!({ "payMethod": "POINTS", "transAmount": snap::amount(p.split.points) }));
    }
    Value::Array(options)
}

/// 36 digits: 13-digit Unix milliseconds + 23 random digits (snap-standard §10).
pub(super) fn external_id(now: DateTime<Utc>) -> String {
    use rand::Rng;
    let millis = now.timestamp_millis();
    let mut rng = rand::thread_rng();
    let tail: String = (0..23).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
    format!("{millis:013}{tail}")
}
