//! The merchant's side of the wire: one loopback HTTP endpoint that records every request it
//! receives (notifications, activation callbacks, token requests) and answers as scripted.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// One request as it arrived, and the status it was answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
}

impl Hit {
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or_default()
    }

    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query string's pairs, decoded.
    pub fn query(&self) -> HashMap<String, String> {
        let query = self.path_and_query.split_once('?').map(|(_, q)| q).unwrap_or_default();
        reqwest::Url::parse(&format!("http://query/?{query}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The headers as a map (case-insensitive look-ups, `map["X-SIGNATURE"]`).
    pub fn header_map(&self) -> axum::http::HeaderMap {
        self.headers.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The request as a provider client's `verify_notification` takes it.
    #[cfg(feature = "providers")]
    pub fn inbound(&self) -> ovo_providers::notification::InboundRequest {
        ovo_providers::notification::InboundRequest {
            method: self.method.clone(),
            path_and_query: self.path_and_query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

/// What the receiver answers: a status and a body (sent as JSON when it is JSON), after a delay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn new(status: u16, body: &str) -> Answer {
        Answer { status, body: body.to_owned(), delay: Duration::ZERO }
    }

    pub fn ok(body: &str) -> Answer {
        Answer::new(200, body)
    }

    pub fn status(status: u16) -> Answer {
        Answer::new(status, "")
    }

    /// The same answer, sent `delay` after the request arrived.
    pub fn delayed(self, delay: Duration) -> Answer {
        Answer { delay, ..self }
    }
}

type Script = dyn Fn(&Hit) -> Answer + Send + Sync;

struct Shared {
    hits: Mutex<Vec<Hit>>,
    /// Statuses answered to the next POSTs, before the script.
    failures: Mutex<VecDeque<u16>>,
    script: Box<Script>,
    arrived: tokio::sync::Notify,
}

/// A running receiver. Cloning shares it.
#[derive(Clone)]
pub struct Receiver {
    base: String,
    shared: Arc<Shared>,
    /// How many hits `next` has handed out.
    taken: Arc<Mutex<usize>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Receiver {
    /// Answers every request 200 with `body`.
    pub async fn start(body: &str) -> Receiver {
        let body = body.to_owned();
        Receiver::scripted(move |_| Answer::ok(&body)).await
    }

    /// Answers each request with `script(request)`.
    pub async fn scripted(script: impl Fn(&Hit) -> Answer + Send + Sync + 'static) -> Receiver {
        let shared = Arc::new(Shared {
            hits: Mutex::default(),
            failures: Mutex::default(),
            script: Box::new(script),
            arrived: tokio::sync::Notify::new(),
        });
        let state = shared.clone();
        let app = axum::Router::new().fallback(move |request: Request| {
            let shared = state.clone();
            async move { receive(&shared, request).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Receiver { base, shared, taken: Arc::default() }
    }

    /// Answers the next POSTs with these statuses (and an empty body), in order, then as before.
    pub fn fail_next(&self, statuses: impl IntoIterator<Item = u16>) {
        self.shared.failures.lock().unwrap().extend(statuses);
    }

    /// The receiver's address with `path` (`/notify`) appended.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every request so far, in order of arrival.
    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `count` requests matching `wanted` have arrived; answers them.
    pub async fn wait(&self, count: usize, wanted: impl Fn(&Hit) -> bool) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self.shared.arrived.notified();
            let hits: Vec<Hit> = self.hits().into_iter().filter(|h| wanted(h)).collect();
            if hits.len() >= count {
                return hits;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "fewer than {count} matching requests reached the receiver: {:?}",
                    self.hits()
                );
            }
        }
    }

    /// The first request matching `wanted`, waiting for it (at most 10 s).
    pub async fn wait_for(&self, wanted: impl Fn(&Hit) -> bool) -> Hit {
        self.wait(1, wanted).await.swap_remove(0)
    }

    /// The next request not handed out by `next` before, waiting for it (at most 10 s).
    pub async fn next(&self) -> Hit {
        let index = *self.taken.lock().unwrap();
        let hit = self.wait(index + 1, |_| true).await.swap_remove(index);
        *self.taken.lock().unwrap() = index + 1;
        hit
    }
}

async fn receive(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let mut hit = Hit {
        method: parts.method.to_string(),
        path_and_query: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
        headers: ovo_sandbox::core::edge::header_pairs(&parts.headers),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
    };
    let failure =
        if hit.method == "POST" { shared.failures.lock().unwrap().pop_front() } else { None };
    let answer = failure.map(Answer::status).unwrap_or_else(|| (shared.script)(&hit));
    hit.status = answer.status;
    shared.hits.lock().unwrap().push(hit);
    shared.arrived.notify_waiters();
    tokio::time::sleep(answer.delay).await;
    let content_type = if serde_json::from_str::<serde_json::Value>(&answer.body).is_ok() {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let status = StatusCode::from_u16(answer.status).unwrap();
    (status, [(header::CONTENT_TYPE, content_type)], answer.body).into_response()
}
