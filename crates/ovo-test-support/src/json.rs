//! JSON (and pages' text) over HTTP, asserting the status where a test expects success.

use serde_json::Value;

/// GETs `url` and answers its JSON body; panics unless the status is a success.
pub async fn get(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.json().await.unwrap()
}

/// GETs `url` and answers its body as text (a page); panics unless the status is a success.
pub async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.unwrap();
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.text().await.unwrap()
}

/// POSTs `body` to `url` and answers its JSON body; panics unless the status is a success.
pub async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let response = http.post(url).json(body).send().await.unwrap();
    assert!(response.status().is_success(), "POST {url}: {}", response.status());
    response.json().await.unwrap()
}

/// POSTs `body` to `url` and answers the status and the JSON body (`Null` when there is none).
pub async fn post_any(http: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let response = http.post(url).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The first element of the JSON array `list` that `pred` accepts; panics unless `list` is an
/// array.
pub fn find<'a>(list: &'a Value, pred: impl FnMut(&&'a Value) -> bool) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(pred)
}

/// A write record's `(processed, replays)` (`GET /_sandbox/writes`); panics when one is missing.
pub fn write_counts(write: &Value) -> (u64, u64) {
    let count =
        |field: &str| write[field].as_u64().unwrap_or_else(|| panic!("no {field}: {write}"));
    (count("processed"), count("replays"))
}
