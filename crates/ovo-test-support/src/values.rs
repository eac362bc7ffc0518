//! The domain values many tests build: amounts, phones, references.

use ovo_domain::{Idr, Msisdn, Reference};

/// `rupiah` as an amount.
pub fn idr(rupiah: i64) -> Idr {
    Idr::new(rupiah).unwrap()
}

/// A phone number (any accepted form), parsed.
pub fn phone(number: &str) -> Msisdn {
    Msisdn::parse(number).unwrap()
}

/// A new random payment reference.
pub fn reference() -> Reference {
    Reference::generate(&mut rand::thread_rng())
}
