//! Test connection (Settings → Credentials): what is asked and what is answered.

use ovo_domain::Product;
use serde::Serialize;
use ts_rs::TS;

/// The answer in plain words; the UI translates each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionOutcome {
    /// The host answered over a trusted connection and accepted the credentials.
    Works,
    CredentialsRefused,
    /// Nothing answered at the host (refused, no route, name not found).
    Unreachable,
    /// The host's certificate is not trusted (unknown issuer, expired, another name).
    CertificateNotTrusted,
    TimedOut,
    /// A credential or the host is not set for this environment.
    NotSetUp,
    /// Anything else (the details line says what).
    Problem,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTestResult {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub outcome: ConnectionOutcome,
    /// The provider's own code, when it gave one.
    pub provider_code: Option<String>,
    /// What was asked and what came back, for the details line.
    pub detail: String,
    pub at: String,
}
