//! HTTP with a timeout per operation. Reads are retried; writes never are: a write whose
//! answer is lost, late, 5xx or unreadable is `UnknownOutcome`.

use std::time::Duration;

use ovo_domain::Product;
use serde::de::DeserializeOwned;

use crate::capability::Operation;
use crate::error::{ProviderError, ProviderResult, UnknownCause};

/// Whether a call changes anything at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub operation: Operation,
    pub effect: Effect,
    pub timeout: Duration,
}

impl Call {
    pub fn read(operation: Operation, timeout: Duration) -> Call {
        Call { operation, effect: Effect::Read, timeout }
    }
    pub fn write(operation: Operation, timeout: Duration) -> Call {
        Call { operation, effect: Effect::Write, timeout }
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

/// How often a read is tried, and the waits between tries.
const READ_BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(800)];

#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    product: Product,
}

impl Transport {
    pub fn new(product: Product) -> Transport {
        let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Transport { client, product }
    }

    pub fn product(&self) -> Product {
        self.product
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `build` makes (called again for each read retry).
    pub async fn send(&self, call: Call, build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder) -> ProviderResult<Reply> {
        let mut waits = READ_BACKOFF.iter();
        loop {
            let outcome = self.once(call, build(&self.client).timeout(call.timeout)).await;
            let retry = call.effect == Effect::Read
                && matches!(
                    outcome,
                    Err(ProviderError::Connection { .. } | ProviderError::Timeout { .. } | ProviderError::Unavailable { .. })
                );
            match (retry, waits.next()) {
                (true, Some(wait)) => tokio::time::sleep(*wait).await,
                _ => return outcome,
            }
        }
    }

    async fn once(&self, call: Call, request: reqwest::RequestBuilder) -> ProviderResult<Reply> {
        let (product, operation) = (self.product, call.operation);
        let lost = |cause| match call.effect {
            Effect::Write => ProviderError::UnknownOutcome { product, operation, cause },
            Effect::Read => match cause {
                UnknownCause::Timeout => ProviderError::Timeout { product, operation },
                UnknownCause::ServerError { status } => ProviderError::Unavailable { product, status },
                UnknownCause::MalformedReply { detail } => ProviderError::MalformedReply { product, detail },
                UnknownCause::ConnectionLost => ProviderError::Connection { product, operation, detail: "connection lost".into() },
            },
        };
        let response = match request.send().await {
            Ok(response) => response,
            // Refused before anything was sent: nothing happened at the provider.
            Err(e) if e.is_connect() => return Err(ProviderError::Connection { product, operation, detail: e.to_string() }),
            Err(e) if e.is_timeout() => return Err(lost(UnknownCause::Timeout)),
            Err(_) => return Err(lost(UnknownCause::ConnectionLost)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.text().await {
            Ok(body) => body,
            Err(e) if e.is_timeout() => return Err(lost(UnknownCause::Timeout)),
            Err(_) => return Err(lost(UnknownCause::ConnectionLost)),
        };
        tracing::debug!(product = product.key(), operation = operation.key(), status, "provider answered");
        if status >= 500 {
            return Err(lost(UnknownCause::ServerError { status }));
        }
        Ok(Reply { status, headers, body })
    }

    /// Parses a JSON answer; an unreadable answer to a write is an unknown outcome.
    pub fn json<T: DeserializeOwned>(&self, call: Call, reply: &Reply) -> ProviderResult<T> {
        serde_json::from_str(&reply.body).map_err(|e| self.malformed(call, e.to_string()))
    }

    /// The error for an answer that lacks what it must carry (`detail` names the field).
    pub fn malformed(&self, call: Call, detail: String) -> ProviderError {
        match call.effect {
            Effect::Write => ProviderError::UnknownOutcome {
                product: self.product,
                operation: call.operation,
                cause: UnknownCause::MalformedReply { detail },
            },
            Effect::Read => ProviderError::MalformedReply { product: self.product, detail },
        }
    }
}
