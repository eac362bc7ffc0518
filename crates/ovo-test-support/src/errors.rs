//! Reading the provider errors a suite expects.

use ovo_domain::Product;
use ovo_providers::{Operation, ProviderError, UnknownCause};

/// The provider's code of a decline; any other error fails the test.
pub fn declined_code(err: &ProviderError) -> &str {
    match err {
        ProviderError::Declined { code, .. } => code,
        other => panic!("expected a decline, got {other:?}"),
    }
}

/// Why a payment of `product` has an unknown outcome; any other error fails the test.
pub fn unknown_pay_cause(product: Product, err: ProviderError) -> UnknownCause {
    match err {
        ProviderError::UnknownOutcome { product: p, operation: Operation::Pay, cause }
            if p == product =>
        {
            cause
        }
        other => panic!("expected an unknown outcome of a {product:?} payment, got {other:?}"),
    }
}
