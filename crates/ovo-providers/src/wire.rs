//! Money and phones on the wire, converted here and nowhere else: the rest of the code sees
//! `Idr` and `Msisdn`. Amounts are never rounded silently.

use std::str::FromStr;

use ovo_domain::{Idr, Msisdn, Product, Reference};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("amount {0:?} is not a decimal number")]
    NotANumber(String),
    #[error("amount {0:?} has a fraction of a rupiah")]
    Fraction(String),
    #[error("amount {0:?} is negative or too large")]
    OutOfRange(String),
    #[error("currency {0:?} is not IDR")]
    Currency(String),
}

/// SNAP's `{"value":"10000.00","currency":"IDR"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapAmount {
    pub value: String,
    pub currency: String,
}

impl SnapAmount {
    pub fn from_idr(amount: Idr) -> SnapAmount {
        SnapAmount { value: format!("{}.00", amount.rupiah()), currency: "IDR".into() }
    }

    /// Whole rupiah only; `10000`, `10000.0` and `10000.00` are the same amount.
    pub fn to_idr(&self) -> Result<Idr, WireError> {
        if self.currency != "IDR" {
            return Err(WireError::Currency(self.currency.clone()));
        }
        whole_rupiah(&self.value)
    }
}

fn whole_rupiah(text: &str) -> Result<Idr, WireError> {
    let number = Decimal::from_str(text.trim()).map_err(|_| WireError::NotANumber(text.into()))?;
    if !number.fract().is_zero() {
        return Err(WireError::Fraction(text.into()));
    }
    let whole = i64::try_from(number.trunc()).map_err(|_| WireError::OutOfRange(text.into()))?;
    Idr::new(whole).map_err(|_| WireError::OutOfRange(text.into()))
}

/// Tazapay: integer minor units, rupiah × 100.
/// The id the merchant gave a payment at `product` (partnerReferenceNo, invoice_number,
/// reference_id, bill_no), as each client sends it.
pub fn merchant_payment_id(
    product: Product,
    reference: &Reference,
    provider_ref: Option<&str>,
) -> String {
    match product {
        Product::FaspayOvoTokenize => crate::products::faspay::wire::bill_no(reference),
        // The push client names the invoice by the provider's reference when it has one.
        Product::DokuJokulOvoPush => {
            provider_ref.map_or_else(|| reference.as_str().to_owned(), str::to_owned)
        }
        Product::DokuSnapOvo | Product::OvoSnap | Product::TazapayOvoIdr => {
            reference.as_str().to_owned()
        }
    }
}

pub fn to_minor_units(amount: Idr) -> i64 {
    amount.rupiah() * 100
}

pub fn from_minor_units(minor: i64) -> Result<Idr, WireError> {
    if minor % 100 != 0 {
        return Err(WireError::Fraction(minor.to_string()));
    }
    Idr::new(minor / 100).map_err(|_| WireError::OutOfRange(minor.to_string()))
}

/// Faspay: a digit string scaled by the merchant's `amount_scale` (default × 100; UNKNOWN in
/// the spec, so it is configuration).
pub fn to_faspay(amount: Idr, scale: i64) -> String {
    (amount.rupiah() * scale).to_string()
}

pub fn from_faspay(text: &str, scale: i64) -> Result<Idr, WireError> {
    let digits: i64 = text.trim().parse().map_err(|_| WireError::NotANumber(text.into()))?;
    if scale <= 0 || digits % scale != 0 {
        return Err(WireError::Fraction(text.into()));
    }
    Idr::new(digits / scale).map_err(|_| WireError::OutOfRange(text.into()))
}

/// Tazapay's phone: `calling_code` "62" and the number without the leading 0.
pub fn tazapay_phone(phone: &Msisdn) -> (String, String) {
    ("62".into(), phone.subscriber().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idr(n: i64) -> Idr {
        Idr::new(n).unwrap_or(Idr::ZERO)
    }

    #[test]
    fn each_product_knows_a_payment_by_the_id_its_client_sends() {
        let reference = Reference::parse("AB12CD34EF56GH78").unwrap_or_else(|_| unreachable!());
        let of = |product, provider_ref| merchant_payment_id(product, &reference, provider_ref);
        assert_eq!(of(Product::OvoSnap, Some("OVO1")), "AB12CD34EF56GH78");
        assert_eq!(of(Product::DokuSnapOvo, None), "AB12CD34EF56GH78");
        assert_eq!(of(Product::TazapayOvoIdr, Some("pay_x")), "AB12CD34EF56GH78");
        assert_eq!(
            of(Product::DokuJokulOvoPush, Some("AB12CD34EF56GH78-02")),
            "AB12CD34EF56GH78-02"
        );
        assert_eq!(of(Product::DokuJokulOvoPush, None), "AB12CD34EF56GH78");
        let bill = of(Product::FaspayOvoTokenize, Some("9999900000000001"));
        assert_eq!(bill, crate::products::faspay::wire::bill_no(&reference));
        assert_eq!(crate::products::faspay::wire::reference_of(&bill), Some(reference.clone()));
    }

    #[test]
    fn snap_amounts_round_trip_and_refuse_fractions_and_other_currencies() {
        for n in [0, 1, 10_000, 999_999_999_999] {
            let wire = SnapAmount::from_idr(idr(n));
            assert_eq!(wire.value, format!("{n}.00"));
            assert_eq!(wire.to_idr(), Ok(idr(n)));
        }
        let parse = |v: &str, c: &str| SnapAmount { value: v.into(), currency: c.into() }.to_idr();
        assert_eq!(parse("10000", "IDR"), Ok(idr(10_000)));
        assert_eq!(parse("10000.0", "IDR"), Ok(idr(10_000)));
        assert!(matches!(parse("10000.50", "IDR"), Err(WireError::Fraction(_))));
        assert!(matches!(parse("10,000.00", "IDR"), Err(WireError::NotANumber(_))));
        assert!(matches!(parse("-1.00", "IDR"), Err(WireError::OutOfRange(_))));
        assert!(matches!(parse("1000000000000.00", "IDR"), Err(WireError::OutOfRange(_))));
        assert!(matches!(parse("10.00", "USD"), Err(WireError::Currency(_))));
    }

    #[test]
    fn minor_units_and_faspay_scale_round_trip() {
        assert_eq!(to_minor_units(idr(10_000)), 1_000_000);
        assert_eq!(from_minor_units(1_000_000), Ok(idr(10_000)));
        assert!(matches!(from_minor_units(1_000_050), Err(WireError::Fraction(_))));
        assert_eq!(to_faspay(idr(10_000), 100), "1000000");
        assert_eq!(from_faspay("1000000", 100), Ok(idr(10_000)));
        assert_eq!(from_faspay("10000", 1), Ok(idr(10_000)));
        assert!(matches!(from_faspay("1000001", 100), Err(WireError::Fraction(_))));
        assert!(matches!(from_faspay("ten", 100), Err(WireError::NotANumber(_))));
    }

    #[test]
    fn tazapay_phone_is_calling_code_and_subscriber() {
        let phone = Msisdn::parse("0812-3456-7890");
        assert_eq!(
            phone.map(|p| tazapay_phone(&p)),
            Ok(("62".to_owned(), "81234567890".to_owned()))
        );
    }
}

#[cfg(test)]
mod round_trips {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::products::jokul_push::wire as jokul;
    use crate::products::tazapay::WirePhone;

    fn amount() -> impl Strategy<Value = Idr> {
        (0..=Idr::MAX.rupiah()).prop_map(|n| Idr::new(n).unwrap_or(Idr::ZERO))
    }

    fn phone() -> impl Strategy<Value = Msisdn> {
        "8[0-9]{8,11}".prop_map(|nsn| {
            Msisdn::parse(&format!("0{nsn}")).unwrap_or_else(|e| panic!("{nsn}: {e}"))
        })
    }

    proptest! {
        #[test]
        fn snap_value_strings_round_trip(amount in amount(), zeros in 0usize..3) {
            let wire = SnapAmount::from_idr(amount);
            prop_assert_eq!(&wire.value, &format!("{}.00", amount.rupiah()));
            prop_assert_eq!(wire.to_idr(), Ok(amount));
            // `10000`, `10000.0` and `10000.00` are one amount.
            let other = if zeros == 0 { amount.rupiah().to_string() } else { format!("{}.{}", amount.rupiah(), "0".repeat(zeros)) };
            prop_assert_eq!(SnapAmount { value: other, currency: "IDR".into() }.to_idr(), Ok(amount));
        }

        #[test]
        fn tazapay_minor_units_round_trip(amount in amount(), cents in 1i64..100) {
            prop_assert_eq!(from_minor_units(to_minor_units(amount)), Ok(amount));
            prop_assert!(matches!(from_minor_units(to_minor_units(amount) + cents), Err(WireError::Fraction(_))));
        }

        #[test]
        fn faspay_scaled_digits_round_trip(amount in amount(), scale in prop_oneof![Just(1i64), Just(100), 1i64..=1000]) {
            prop_assert_eq!(from_faspay(&to_faspay(amount, scale), scale), Ok(amount));
        }

        #[test]
        fn jokul_integers_round_trip_as_numbers_and_digit_strings(amount in amount()) {
            let n = jokul::amount_to_wire(amount);
            prop_assert_eq!(jokul::amount_from_wire(&Value::from(n), "amount"), Ok(amount));
            prop_assert_eq!(jokul::amount_from_wire(&Value::from(n.to_string()), "amount"), Ok(amount));
        }

        #[test]
        fn each_products_phone_form_reads_back(phone in phone()) {
            // DOKU SNAP and OVO SNAP (default): canonical `62…`.
            prop_assert_eq!(Msisdn::parse(phone.canonical()), Ok(phone.clone()));
            // Jokul `ovo_id` and Faspay `phone_no`: national `08…`.
            prop_assert_eq!(Msisdn::parse(&jokul::phone_to_wire(&phone)), Ok(phone.clone()));
            // Tazapay: calling code and subscriber number.
            let wire = WirePhone::from_msisdn(&phone);
            prop_assert_eq!(&wire.calling_code, "62");
            prop_assert_eq!(wire.to_msisdn(), Some(phone.clone()));
            // OVO SNAP's configurable `phone_format`.
            for format in [ovo_domain::PhoneFormat::Canonical, ovo_domain::PhoneFormat::National, ovo_domain::PhoneFormat::E164] {
                prop_assert_eq!(Msisdn::parse(&phone.render(format)), Ok(phone.clone()));
            }
        }
    }
}
