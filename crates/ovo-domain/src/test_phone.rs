//! The phone a payment is sent to: a real Indonesian mobile number, or a provider's documented
//! test-mode number. A test number is not a mobile number (`Msisdn::parse` refuses it and keeps
//! refusing it); it is an explicit exception that holds only for its product in the Provider
//! sandbox environment.

use std::fmt;

use crate::phone::{Msisdn, PhoneError};
use crate::product::{Environment, Product};

/// A provider's test-mode phone number, named by its documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestPhone {
    /// Tazapay `ovo_idr`: `{"calling_code":"62","number":"0123456789"}` bypasses phone
    /// validation in test mode (tazapay-ovo.md §15).
    TazapayBypass,
}

impl TestPhone {
    pub const ALL: [TestPhone; 1] = [TestPhone::TazapayBypass];

    pub const fn key(self) -> &'static str {
        match self {
            TestPhone::TazapayBypass => "tazapay_bypass",
        }
    }

    pub fn parse_key(key: &str) -> Option<TestPhone> {
        TestPhone::ALL.into_iter().find(|t| t.key() == key)
    }

    pub const fn product(self) -> Product {
        match self {
            TestPhone::TazapayBypass => Product::TazapayOvoIdr,
        }
    }

    /// The country calling code sent with it.
    pub const fn calling_code(self) -> &'static str {
        match self {
            TestPhone::TazapayBypass => "62",
        }
    }

    /// The number as the provider documents it (after the calling code).
    pub const fn number(self) -> &'static str {
        match self {
            TestPhone::TazapayBypass => "0123456789",
        }
    }

    /// The test number `input` spells (spaces, `-`, `.`, `(`, `)` ignored), if any.
    pub fn recognise(input: &str) -> Option<TestPhone> {
        let compact: String = input
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')')))
            .collect();
        TestPhone::ALL.into_iter().find(|t| compact == t.number())
    }

    /// Only the product's own test mode accepts it, and only the Provider sandbox is that.
    pub fn allowed(self, product: Product, environment: Environment) -> bool {
        product == self.product() && environment == Environment::ProviderSandbox
    }
}

impl fmt::Display for TestPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (test number)", self.number())
    }
}

/// Why a payment phone was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayerPhoneError {
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(
        "{number} is {product}'s test-mode number: it is accepted only for {product} payments in the Provider sandbox environment; elsewhere give the customer's OVO mobile number (081234567890, +62 812-3456-7890)",
        number = .test.number(),
        product = .test.product().display_name()
    )]
    TestNumberNotAllowed { test: TestPhone },
}

impl PayerPhoneError {
    pub const fn reason(&self) -> &'static str {
        match self {
            PayerPhoneError::Phone(e) => e.reason(),
            PayerPhoneError::TestNumberNotAllowed { .. } => "phone_test_number_not_allowed",
        }
    }
}

/// Who a payment is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PayerPhone {
    Mobile(Msisdn),
    Test(TestPhone),
}

impl PayerPhone {
    /// A mobile number, or a test number where `product` in `environment` accepts it.
    pub fn parse(
        input: &str,
        product: Product,
        environment: Environment,
    ) -> Result<PayerPhone, PayerPhoneError> {
        if let Some(test) = TestPhone::recognise(input) {
            return if test.allowed(product, environment) {
                Ok(PayerPhone::Test(test))
            } else {
                Err(PayerPhoneError::TestNumberNotAllowed { test })
            };
        }
        Ok(PayerPhone::Mobile(Msisdn::parse(input)?))
    }

    pub fn mobile(&self) -> Option<&Msisdn> {
        match self {
            PayerPhone::Mobile(m) => Some(m),
            PayerPhone::Test(_) => None,
        }
    }

    pub fn test(&self) -> Option<TestPhone> {
        match self {
            PayerPhone::Mobile(_) => None,
            PayerPhone::Test(t) => Some(*t),
        }
    }

    /// For logs and the timeline: a masked mobile number, or the public test number.
    pub fn masked(&self) -> String {
        match self {
            PayerPhone::Mobile(m) => m.masked(),
            PayerPhone::Test(t) => t.to_string(),
        }
    }

    pub fn display(&self) -> String {
        match self {
            PayerPhone::Mobile(m) => m.display(),
            PayerPhone::Test(t) => t.to_string(),
        }
    }
}

impl From<Msisdn> for PayerPhone {
    fn from(value: Msisdn) -> Self {
        PayerPhone::Mobile(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tazapay_test_number_is_not_a_mobile_number() {
        assert!(Msisdn::parse("0123456789").is_err(), "Msisdn stays strict");
        assert_eq!(TestPhone::recognise("0123456789"), Some(TestPhone::TazapayBypass));
        assert_eq!(TestPhone::recognise("012-345 6789"), Some(TestPhone::TazapayBypass));
        assert_eq!(TestPhone::recognise("01234567890"), None);
        assert_eq!(TestPhone::recognise("081234567890"), None);
    }

    #[test]
    fn it_is_accepted_only_for_tazapay_in_the_provider_sandbox() {
        let ok =
            PayerPhone::parse("0123456789", Product::TazapayOvoIdr, Environment::ProviderSandbox)
                .unwrap();
        assert_eq!(ok, PayerPhone::Test(TestPhone::TazapayBypass));
        assert_eq!(ok.mobile(), None);
        for (product, environment) in [
            (Product::TazapayOvoIdr, Environment::Production),
            (Product::TazapayOvoIdr, Environment::BuiltInSandbox),
            (Product::DokuJokulOvoPush, Environment::ProviderSandbox),
        ] {
            let err = PayerPhone::parse("0123456789", product, environment).unwrap_err();
            assert_eq!(err.reason(), "phone_test_number_not_allowed");
            let text = err.to_string();
            assert!(text.contains("Provider sandbox") && text.contains("Tazapay"), "{text}");
        }
    }

    #[test]
    fn mobile_numbers_parse_as_before_everywhere() {
        for environment in Environment::ALL {
            let phone =
                PayerPhone::parse("0812-3456-7890", Product::TazapayOvoIdr, environment).unwrap();
            assert_eq!(phone.mobile().map(Msisdn::canonical), Some("6281234567890"));
        }
        let err =
            PayerPhone::parse("0212345678", Product::TazapayOvoIdr, Environment::ProviderSandbox)
                .unwrap_err();
        assert_eq!(err.reason(), "phone_not_mobile");
    }

    #[test]
    fn keys_round_trip() {
        for t in TestPhone::ALL {
            assert_eq!(TestPhone::parse_key(t.key()), Some(t));
        }
        assert_eq!(TestPhone::parse_key("other"), None);
    }
}
