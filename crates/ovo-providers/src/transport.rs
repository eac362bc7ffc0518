//! HTTP with a timeout per operation. Reads are retried; writes never are: a write whose
//! answer is lost, late, 5xx or unreadable is `UnknownOutcome`.
//!
//! HTTPS is rustls (workspace `Cargo.toml` says why) trusting the operating system's
//! certificate store plus any [`ExtraRoots`]. A certificate the client does not trust ends the
//! handshake before a byte of the request is sent: `ProviderError::Certificate`, never retried.

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

/// Certificates trusted beside the operating system's store (a test CA, a CA the merchant
/// was given outside the store). Cheap to clone.
#[derive(Clone, Default)]
pub struct ExtraRoots {
    certificates: std::sync::Arc<Vec<reqwest::Certificate>>,
    pem: std::sync::Arc<str>,
}

impl ExtraRoots {
    /// One or more PEM certificates (`-----BEGIN CERTIFICATE-----`).
    pub fn from_pem(pem: &str) -> Result<ExtraRoots, String> {
        let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| format!("not a PEM certificate bundle: {e}"))?;
        if certificates.is_empty() {
            return Err(
                "no certificate found; expected one or more -----BEGIN CERTIFICATE----- blocks"
                    .into(),
            );
        }
        Ok(ExtraRoots { certificates: std::sync::Arc::new(certificates), pem: pem.into() })
    }

    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

impl PartialEq for ExtraRoots {
    fn eq(&self, other: &ExtraRoots) -> bool {
        self.pem == other.pem
    }
}

impl Eq for ExtraRoots {}

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExtraRoots({} certificates)", self.certificates.len())
    }
}

#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    product: Product,
}

impl Transport {
    pub fn new(product: Product) -> Transport {
        Transport::with_roots(product, &ExtraRoots::default())
    }

    /// Trusts `roots` beside the operating system's store.
    pub fn with_roots(product: Product, roots: &ExtraRoots) -> Transport {
        let mut builder =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).use_rustls_tls();
        for certificate in roots.certificates.iter() {
            builder = builder.add_root_certificate(certificate.clone());
        }
        let client = builder.build().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot build the HTTPS client; using one without the extra roots");
            reqwest::Client::new()
        });
        Transport { client, product }
    }

    pub fn product(&self) -> Product {
        self.product
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `build` makes (called again for each read retry).
    pub async fn send(
        &self,
        call: Call,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> ProviderResult<Reply> {
        let mut waits = READ_BACKOFF.iter();
        loop {
            let outcome = self.once(call, build(&self.client).timeout(call.timeout)).await;
            let retry = call.effect == Effect::Read
                && matches!(
                    outcome,
                    Err(ProviderError::Connection { .. }
                        | ProviderError::Timeout { .. }
                        | ProviderError::Unavailable { .. })
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
            Effect::Write => ProviderError::unknown_outcome(product, operation, cause),
            Effect::Read => match cause {
                UnknownCause::Timeout => ProviderError::Timeout { product, operation },
                UnknownCause::ServerError { status } => {
                    ProviderError::Unavailable { product, status }
                }
                UnknownCause::MalformedReply { detail } => {
                    ProviderError::MalformedReply { product, detail }
                }
                UnknownCause::ConnectionLost => ProviderError::Connection {
                    product,
                    operation,
                    detail: "connection lost".into(),
                },
            },
        };
        let response = match request.send().await {
            Ok(response) => response,
            // The handshake failed before the request was sent: nothing happened there.
            Err(e) if certificate_problem(&e).is_some() => {
                let detail = certificate_problem(&e).unwrap_or_default();
                return Err(ProviderError::Certificate { product, operation, detail });
            }
            // Refused before anything was sent: nothing happened at the provider.
            Err(e) if e.is_connect() => {
                return Err(ProviderError::Connection { product, operation, detail: e.to_string() })
            }
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
        tracing::debug!(
            product = product.key(),
            operation = operation.key(),
            status,
            "provider answered"
        );
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
            Effect::Write => {
                let cause = UnknownCause::MalformedReply { detail };
                ProviderError::unknown_outcome(self.product, call.operation, cause)
            }
            Effect::Read => ProviderError::MalformedReply { product: self.product, detail },
        }
    }
}

/// Why the server's certificate was refused, in plain words, when that is what `error` is.
pub fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(reason)) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(reason));
        }
        // io::Error hides its inner error from `source()`.
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if let Some(found) = certificate_problem(inner) {
                return Some(found);
            }
        }
        next = e.source();
    }
    None
}

fn describe(reason: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match reason {
        C::UnknownIssuer => "issued by an authority this computer does not trust".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "issued for another host name".into()
        }
        C::Revoked => "revoked".into(),
        other => format!("refused: {other:?}"),
    }
}
