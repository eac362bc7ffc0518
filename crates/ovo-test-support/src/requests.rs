//! Provider requests that a suite and a benchmark both send.

use ovo_domain::Reference;
use ovo_providers::capability::PaymentKind;
use ovo_providers::model::{PaySource, PaymentRequest};
use ovo_providers::products::tazapay::confirm_idempotency_key;

use crate::values::{idr, phone};

/// A Tazapay payin of `amount` rupiah to `payer` (any accepted phone form), attempt `attempt`
/// of `reference`, with a return URL and the customer's name and email.
pub fn tazapay_payin(
    reference: &Reference,
    attempt: u32,
    amount: i64,
    payer: &str,
) -> PaymentRequest {
    PaymentRequest {
        reference: reference.clone(),
        idempotency_key: confirm_idempotency_key(reference, attempt),
        kind: PaymentKind::Payin,
        amount: idr(amount),
        phone: phone(payer).into(),
        account: None,
        source: PaySource::Cash,
        description: "1 X Good".into(),
        return_url: Some("https://shop.example/return".into()),
        customer_name: Some("Andrea Lark".into()),
        customer_email: Some("andrea@example.com".into()),
    }
}
