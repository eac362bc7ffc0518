//! Payin, payment attempt and refund objects, and their wire form (`tazapay-ovo.md` §8).

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{json, Value};

use super::{MerchantConfig, TazapayState};
use crate::core::clock;
use crate::core::wallets::Split;

/// Tazapay-style ids: a prefix and 20 lower-case base-32 characters (`pay_cmrq5c74r2tr8tu3s2gg`).
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut rng = rand::thread_rng();
    let tail: String = (0..20).map(|_| char::from(ALPHABET[rng.gen_range(0..32)])).collect();
    format!("{prefix}{tail}")
}

/// Object timestamps: RFC 3339 with the sub-second digits (`2024-01-29T13:05:54.270403381Z`).
pub fn object_time(t: DateTime<Utc>) -> String {
    clock::rfc3339(t)
}

/// `expires_at`: whole seconds (`2024-02-03T13:05:54Z`).
fn whole_seconds(t: DateTime<Utc>) -> String {
    clock::rfc3339_seconds(t)
}

/// Event `created_at`: microseconds (`2024-10-07T07:10:21.894488Z`).
pub fn event_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn client_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::thread_rng().gen();
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_deref().map_or(json!(""), |s| json!(s))
}

#[derive(Debug, Clone)]
pub struct Payin {
    pub id: String,
    /// The owning merchant's API key.
    pub merchant: String,
    /// Minor units (rupiah × 100).
    pub amount: i64,
    pub amount_paid: i64,
    pub invoice_currency: String,
    pub holding_currency: String,
    pub status: String,
    pub status_description: String,
    pub confirm: bool,
    pub client_token: String,
    pub customer: String,
    pub customer_details: Value,
    pub billing_details: Value,
    pub shipping_details: Value,
    pub payment_method_details: Value,
    pub payment_methods: Option<Vec<String>>,
    pub latest_attempt: String,
    pub attempts: Vec<String>,
    pub items: Value,
    pub metadata: Value,
    pub reference_id: String,
    pub statement_descriptor: String,
    pub session_id: String,
    pub success_url: String,
    pub cancel_url: String,
    pub webhook_url: Option<String>,
    pub transaction_description: String,
    pub transaction_documents: Value,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Payin {
    pub fn new(merchant: &MerchantConfig, amount: i64, description: String) -> Payin {
        Payin {
            id: new_id("pay_"),
            merchant: merchant.api_key.clone(),
            amount,
            amount_paid: 0,
            invoice_currency: "IDR".into(),
            holding_currency: merchant.holding_currency.clone(),
            status: "requires_payment_method".into(),
            status_description: String::new(),
            confirm: false,
            client_token: client_token(),
            customer: new_id("cus_"),
            customer_details: Value::Null,
            billing_details: Value::Null,
            shipping_details: Value::Null,
            payment_method_details: Value::Null,
            payment_methods: None,
            latest_attempt: String::new(),
            attempts: Vec::new(),
            items: json!([]),
            metadata: Value::Null,
            reference_id: String::new(),
            statement_descriptor: String::new(),
            session_id: String::new(),
            success_url: String::new(),
            cancel_url: String::new(),
            webhook_url: None,
            transaction_description: description,
            transaction_documents: json!([]),
            created_at: clock::now(),
            cancelled_at: None,
        }
    }

    pub fn json(&self, st: &TazapayState) -> Value {
        let latest = st.attempts.get(&self.latest_attempt);
        let attempts: Vec<Value> =
            self.attempts.iter().filter_map(|a| st.attempts.get(a)).map(|a| a.json(self)).collect();
        let descriptor = if self.statement_descriptor.is_empty() {
            String::new()
        } else {
            format!("tzp*{}", self.statement_descriptor)
        };
        json!({
            "id": self.id,
            "object": "payin",
            "amount": self.amount,
            "amount_paid": self.amount_paid,
            "invoice_currency": self.invoice_currency,
            "holding_currency": self.holding_currency,
            "status": self.status,
            "status_description": self.status_description,
            "confirm": self.confirm,
            "client_token": self.client_token,
            "customer": self.customer,
            "customer_details": self.customer_details,
            "billing_details": self.billing_details,
            "shipping_details": self.shipping_details,
            "payment_method_details": self.payment_method_details,
            "payment_methods": self.payment_methods,
            "latest_payment_attempt": self.latest_attempt,
            "latest_payment_attempt_data": latest.map(|a| json!({ "expires_at": whole_seconds(a.expires_at) })),
            "payment_attempts": attempts,
            "paid_in_excess": false,
            "partially_paid": false,
            "items": self.items,
            "metadata": self.metadata,
            "reference_id": self.reference_id,
            "statement_descriptor": descriptor,
            "session_id": self.session_id,
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "webhook_url": opt_str(&self.webhook_url),
            "transaction_description": self.transaction_description,
            "transaction_data": [],
            "transaction_documents": self.transaction_documents,
            "created_at": object_time(self.created_at),
            "cancelled_at": self.cancelled_at.map(object_time),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: String,
    pub payin: String,
    pub amount: i64,
    /// `{calling_code, number}` as confirmed.
    pub phone: Value,
    /// Canonical `62…` of the OVO wallet charged; None for the seed's test phone.
    pub wallet_phone: Option<String>,
    pub status: String,
    pub status_description: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The push on the customer's phone (core pending action).
    pub action_id: Option<String>,
    /// What the wallet paid with (cash / points), once succeeded.
    pub split: Option<Split>,
    pub refunded_split: Split,
    pub refunded: bool,
    pub paid_at: Option<DateTime<Utc>>,
}

impl Attempt {
    pub fn json(&self, payin: &Payin) -> Value {
        json!({
            "id": self.id,
            "object": "payment_attempt",
            "created_at": object_time(self.created_at),
            "expires_at": whole_seconds(self.expires_at),
            "amount": self.amount,
            "charge_currency": payin.invoice_currency,
            "final_currency": payin.invoice_currency,
            "fx_transaction": null,
            "balance_transaction": "",
            "customer": payin.customer,
            "customer_details": payin.customer_details,
            "reference_id": payin.reference_id,
            "payin": self.payin,
            "payment_method_details": { "type": "ovo_idr", "ovo_idr": { "phone": self.phone } },
            "refunded": self.refunded,
            "status": self.status,
            "status_description": self.status_description,
            "metadata": payin.metadata,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub merchant: String,
    pub payin: String,
    pub attempt: String,
    pub amount: i64,
    pub currency: String,
    pub holding_currency: String,
    pub reason: String,
    pub metadata: Value,
    pub reference_id: String,
    pub remarks: String,
    pub status: String,
    pub status_description: String,
    pub webhook_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Refund {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "refund",
            "payin": self.payin,
            "payment_attempt": self.attempt,
            "amount": self.amount,
            "currency": self.currency,
            "customer_receives": { "currency": self.currency, "amount": self.amount },
            "reason": self.reason,
            "metadata": self.metadata,
            "remarks": self.remarks,
            "status": self.status,
            "status_description": self.status_description,
            "webhook_url": opt_str(&self.webhook_url),
            "created_at": object_time(self.created_at),
            "balance_transaction": "",
            "reference_id": self.reference_id,
            "holding_currency": self.holding_currency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ids_have_the_documented_shapes() {
        let t = DateTime::from_timestamp(1_706_533_554, 270_403_381).unwrap();
        assert_eq!(object_time(t), "2024-01-29T13:05:54.270403381Z");
        assert_eq!(whole_seconds(t + chrono::TimeDelta::days(5)), "2024-02-03T13:05:54Z");
        assert_eq!(event_time(t), "2024-01-29T13:05:54.270403Z");
        let id = new_id("pay_");
        assert_eq!(id.len(), 24);
        assert!(id[4..].chars().all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c)));
        // HD 1 worked example: 2024-01-01T17:30:00Z is 2024-01-02 in WIB.
        let paid = clock::from_unix_millis(1_704_130_200_000);
        assert_eq!(clock::jakarta_date(paid).to_string(), "2024-01-02");
    }
}
