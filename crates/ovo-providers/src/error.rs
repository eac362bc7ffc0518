//! Errors that say what happened. The one the money paths care most about is
//! `UnknownOutcome`: a write may have been processed, so only a status query may decide.

use ovo_domain::Product;

use crate::capability::Operation;

/// Why a write's outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownCause {
    /// The request went out and no answer came in time.
    Timeout,
    /// The connection closed after the request went out.
    ConnectionLost,
    /// The provider answered 5xx: it may have processed the request before failing.
    ServerError { status: u16 },
    /// An answer came but could not be read.
    MalformedReply { detail: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("{} does not support {}", .product.display_name(), .operation.key())]
    Unsupported { product: Product, operation: Operation },

    #[error("{} credential {field} is not set", .product.display_name())]
    MissingCredential { product: Product, field: &'static str },

    #[error("{} could not be reached for {}: {detail}", .product.display_name(), .operation.key())]
    /// The request never reached the provider; nothing happened there.
    Connection { product: Product, operation: Operation, detail: String },

    #[error("the certificate of {} is not trusted ({detail}); {} was not sent", .product.display_name(), .operation.key())]
    /// The TLS handshake refused the provider's certificate (untrusted issuer, expired, another
    /// host name) before any byte of the request was sent: nothing happened there.
    Certificate { product: Product, operation: Operation, detail: String },

    #[error("{} did not answer {} in time", .product.display_name(), .operation.key())]
    /// A read timed out (reads change nothing; writes time out as `UnknownOutcome`).
    Timeout { product: Product, operation: Operation },

    #[error("the outcome of {} at {} is unknown ({cause:?}); query its status", .operation.key(), .product.display_name())]
    UnknownOutcome { product: Product, operation: Operation, cause: UnknownCause },

    #[error("{} declined: {code} {message}", .product.display_name())]
    /// The provider refused (business rule: balance, limit, blocked, declined by the customer...).
    Declined { product: Product, code: String, message: String },

    #[error("{} refused our credentials: {code} {message}", .product.display_name())]
    Authentication { product: Product, code: String, message: String },

    #[error("{} rejected the request as invalid: {code} {message}", .product.display_name())]
    InvalidRequest { product: Product, code: String, message: String },

    #[error("{} is unavailable ({status})", .product.display_name())]
    /// A read got 5xx (after its retries).
    Unavailable { product: Product, status: u16 },

    #[error("{} answered something unreadable: {detail}", .product.display_name())]
    /// A read's answer could not be parsed (missing field named in `detail`).
    MalformedReply { product: Product, detail: String },

    #[error("{} echoed {field} {echoed:?} for our {sent:?}", .product.display_name())]
    /// The echoed amount or currency differs from what was asked.
    Mismatch { product: Product, field: &'static str, sent: String, echoed: String },

    #[error("invalid input for {}: {detail}", .product.display_name())]
    /// Our own input cannot be sent (e.g. an amount the wire format cannot carry).
    InvalidInput { product: Product, detail: String },
}

/// How a provider's refusal is classed: the errors that keep its code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Declined,
    Authentication,
    InvalidRequest,
}

impl ProviderError {
    /// The provider refused, keeping its `code` and `message`.
    pub fn refused(
        product: Product,
        refusal: Refusal,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ProviderError {
        let (code, message) = (code.into(), message.into());
        match refusal {
            Refusal::Declined => ProviderError::Declined { product, code, message },
            Refusal::Authentication => ProviderError::Authentication { product, code, message },
            Refusal::InvalidRequest => ProviderError::InvalidRequest { product, code, message },
        }
    }

    /// A write that may have been processed: only a status query decides.
    pub fn unknown_outcome(
        product: Product,
        operation: Operation,
        cause: UnknownCause,
    ) -> ProviderError {
        ProviderError::UnknownOutcome { product, operation, cause }
    }

    /// Our own input cannot be sent.
    pub fn invalid_input(product: Product, detail: impl Into<String>) -> ProviderError {
        ProviderError::InvalidInput { product, detail: detail.into() }
    }

    /// The provider echoed `field` other than we sent it.
    pub fn mismatch(
        product: Product,
        field: &'static str,
        sent: impl ToString,
        echoed: impl ToString,
    ) -> ProviderError {
        ProviderError::Mismatch {
            product,
            field,
            sent: sent.to_string(),
            echoed: echoed.to_string(),
        }
    }

    /// The request may have been processed: resolve by status query, never by resubmitting
    /// under a new key.
    pub fn is_unknown_outcome(&self) -> bool {
        matches!(self, ProviderError::UnknownOutcome { .. })
    }

    /// The provider says the original of this write reached it already (a duplicate request):
    /// sending it again cannot help; only a status query decides.
    pub fn original_received(&self) -> bool {
        matches!(
            self,
            ProviderError::UnknownOutcome { cause: UnknownCause::ServerError { status: 409 }, .. }
        )
    }

    /// The provider's own words, when it stated a refusal.
    pub fn provider_message(&self) -> Option<&str> {
        self.provider_refusal().map(|(_, message)| message)
    }

    /// The provider's own code, kept for support.
    pub fn provider_code(&self) -> Option<&str> {
        self.provider_refusal().map(|(code, _)| code)
    }

    /// The code and words of a refusal the provider stated.
    fn provider_refusal(&self) -> Option<(&str, &str)> {
        match self {
            ProviderError::Declined { code, message, .. }
            | ProviderError::Authentication { code, message, .. }
            | ProviderError::InvalidRequest { code, message, .. } => Some((code, message)),
            _ => None,
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;
