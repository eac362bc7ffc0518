//! Provider failures as the customer desk shows and stores them.

use ovo_domain::Timestamp;
use ovo_providers::ProviderError;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};
use crate::ipc::{ProviderProblem, ProviderProblemKind};

/// A provider problem as stored in the ledger (`bindings.problem`), and turned into its view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredProblem {
    pub kind: String,
    pub provider_code: Option<String>,
    pub detail: String,
    pub at: i64,
}

impl StoredProblem {
    pub fn new(
        kind: ProviderProblemKind,
        provider_code: Option<String>,
        detail: impl Into<String>,
        at: Timestamp,
    ) -> StoredProblem {
        StoredProblem {
            kind: kind_key(kind).to_owned(),
            provider_code,
            detail: detail.into(),
            at: at.unix_millis(),
        }
    }

    pub fn from_error(error: &ProviderError, at: Timestamp) -> StoredProblem {
        StoredProblem::new(
            kind_of(error),
            error.provider_code().map(str::to_owned),
            error.to_string(),
            at,
        )
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn parse(json: &str) -> Option<StoredProblem> {
        serde_json::from_str(json).ok()
    }

    pub fn view(&self) -> ProviderProblem {
        ProviderProblem {
            kind: parse_kind(&self.kind),
            provider_code: self.provider_code.clone(),
            detail: self.detail.clone(),
            at: Timestamp::from_unix_millis(self.at).to_rfc3339(),
        }
    }
}

pub(crate) fn kind_of(error: &ProviderError) -> ProviderProblemKind {
    use ProviderProblemKind as K;
    match error {
        ProviderError::Unsupported { .. } => K::Unsupported,
        ProviderError::MissingCredential { .. } => K::MissingCredential,
        ProviderError::Connection { .. } => K::Connection,
        ProviderError::Certificate { .. } => K::Certificate,
        ProviderError::Timeout { .. } => K::Timeout,
        ProviderError::UnknownOutcome { cause: ovo_providers::UnknownCause::Timeout, .. } => {
            K::Timeout
        }
        ProviderError::UnknownOutcome { .. } => K::UnknownOutcome,
        ProviderError::Declined { .. } => K::Declined,
        ProviderError::Authentication { .. } => K::Authentication,
        ProviderError::InvalidRequest { .. } => K::InvalidRequest,
        ProviderError::Unavailable { .. } => K::Unavailable,
        ProviderError::MalformedReply { .. } => K::MalformedReply,
        ProviderError::Mismatch { .. } => K::Mismatch,
        ProviderError::InvalidInput { .. } => K::NotConfigured,
    }
}

const KINDS: [(ProviderProblemKind, &str); 15] = [
    (ProviderProblemKind::Declined, "declined"),
    (ProviderProblemKind::Timeout, "timeout"),
    (ProviderProblemKind::UnknownOutcome, "unknown_outcome"),
    (ProviderProblemKind::Connection, "connection"),
    (ProviderProblemKind::Unavailable, "unavailable"),
    (ProviderProblemKind::Authentication, "authentication"),
    (ProviderProblemKind::InvalidRequest, "invalid_request"),
    (ProviderProblemKind::MalformedReply, "malformed_reply"),
    (ProviderProblemKind::Mismatch, "mismatch"),
    (ProviderProblemKind::Unsupported, "unsupported"),
    (ProviderProblemKind::MissingCredential, "missing_credential"),
    (ProviderProblemKind::NotConfigured, "not_configured"),
    (ProviderProblemKind::Expired, "expired"),
    (ProviderProblemKind::AlreadyLinked, "already_linked"),
    (ProviderProblemKind::Certificate, "certificate"),
];

pub(crate) fn kind_key(kind: ProviderProblemKind) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, key)| *key).unwrap_or("unavailable")
}

fn parse_kind(key: &str) -> ProviderProblemKind {
    KINDS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(kind, _)| *kind)
        .unwrap_or(ProviderProblemKind::Unavailable)
}

/// The `{code: provider, reason: provider_<kind>}` error a use case answers with.
pub(crate) fn provider_error(error: &ProviderError) -> AppError {
    let reason = match kind_of(error) {
        ProviderProblemKind::Declined => "provider_declined",
        ProviderProblemKind::Timeout => "provider_timeout",
        ProviderProblemKind::UnknownOutcome => "provider_unknown_outcome",
        ProviderProblemKind::Connection => "provider_connection",
        ProviderProblemKind::Unavailable => "provider_unavailable",
        ProviderProblemKind::Authentication => "provider_authentication",
        ProviderProblemKind::InvalidRequest => "provider_invalid_request",
        ProviderProblemKind::MalformedReply => "provider_malformed_reply",
        ProviderProblemKind::Mismatch => "provider_mismatch",
        ProviderProblemKind::Unsupported => "provider_unsupported",
        ProviderProblemKind::MissingCredential => "provider_missing_credential",
        ProviderProblemKind::NotConfigured => "provider_not_configured",
        ProviderProblemKind::Expired => "provider_expired",
        ProviderProblemKind::AlreadyLinked => "provider_already_linked",
        ProviderProblemKind::Certificate => "provider_certificate",
    };
    AppError::new(ErrorCode::Provider, error.to_string()).with_reason(reason)
}

/// A call that certainly changed nothing at the provider: refused, or never sent. Everything
/// else (a lost, late, 5xx or unreadable answer, an echo that does not match) may have moved
/// money and stays open until a status query decides.
pub(crate) fn changed_nothing(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::Declined { .. }
            | ProviderError::InvalidRequest { .. }
            | ProviderError::Authentication { .. }
            | ProviderError::Connection { .. }
            | ProviderError::Certificate { .. }
            | ProviderError::InvalidInput { .. }
            | ProviderError::MissingCredential { .. }
            | ProviderError::Unsupported { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_key() {
        for (kind, key) in KINDS {
            assert_eq!(kind_key(kind), key);
            assert_eq!(parse_kind(key), kind);
        }
    }
}
