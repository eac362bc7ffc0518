//! What the SNAP products (OVO SNAP, DOKU SNAP) keep alike beyond the standard: the refund
//! rules a merchant entry sets (HD 1), refunds and their history, customer tokens tied to a
//! binding, seeded links and the answer to an unknown-reference notification.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    amount, format_timestamp_seconds, parse_public_key, wib_date, SnapError, TokenCheck, TokenStore,
};
use crate::core::bindings::SEEDED_TOKEN_LIFETIME;
use crate::core::clock::from_unix_millis;
use crate::core::import::{cash_split, ImportedRefund};
use crate::core::wallets::Split;
use crate::core::writes::WriteKind;
use crate::core::Ctx;

/// (client id, binding id): whom a customer token acts for.
pub type CustomerRef = (String, String);

/// The refund rules of a SNAP merchant entry (HD 1), read with the entry's other fields; by
/// default 60 days, partial refunds allowed, no daily limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RefundRules {
    /// Refunds allowed while today_WIB ≤ paid_date_WIB + window.
    pub refund_window_days: u32,
    pub partial_refund: bool,
    /// IDR summed over refunds submitted on one WIB date; absent = no limit.
    pub daily_refund_limit_idr: Option<i64>,
}

impl Default for RefundRules {
    fn default() -> Self {
        RefundRules { refund_window_days: 60, partial_refund: true, daily_refund_limit_idr: None }
    }
}

/// A refund a SNAP product recorded.
#[derive(Debug, Clone)]
pub struct Refund {
    pub refund_no: String,
    pub partner_refund_no: String,
    pub amount: i64,
    /// What went back to OVO Cash and OVO Points.
    pub split: Split,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl Refund {
    /// An imported refund, as the provider numbered it (`refund_no`): all cash.
    pub fn imported(r: &ImportedRefund, refund_no: String) -> Refund {
        Refund {
            refund_no,
            partner_refund_no: r.reference.clone(),
            amount: r.amount,
            split: cash_split(r.amount),
            reason: None,
            at: from_unix_millis(r.at),
        }
    }

    /// One `refundHistory` entry of a status answer (house decision 4: both reference keys).
    pub fn history_entry(&self) -> Value {
        json!({
            "refundNo": self.refund_no,
            "partnerReferenceNo": self.partner_refund_no,
            "partnerRefundNo": self.partner_refund_no,
            "refundAmount": amount(self.amount),
            "refundStatus": "00",
            "refundDate": format_timestamp_seconds(self.at),
        })
    }
}

/// The IDR refunded on WIB date `day` by `refunds` (HD 1's daily limit).
pub fn refunded_on<'a>(refunds: impl Iterator<Item = &'a Refund>, day: NaiveDate) -> i64 {
    refunds.filter(|r| wib_date(r.at) == day).map(|r| r.amount).sum()
}

/// A partnerRefundNo already processed is never processed again (snap-standard §10): the same
/// request (same payment and amount) is a duplicate, counted as a replayed write; other
/// parameters an inconsistent request. `payments` are the merchant's, as (partnerReferenceNo,
/// refunds).
pub fn refuse_repeated_refund<'a>(
    ctx: &Ctx,
    product: &'static str,
    mut payments: impl Iterator<Item = (&'a str, &'a [Refund])>,
    partner_refund_no: &str,
    original: &str,
    refund_amount: i64,
) -> Result<(), SnapError> {
    let earlier = payments.find_map(|(partner_reference_no, refunds)| {
        refunds
            .iter()
            .find(|r| r.partner_refund_no == partner_refund_no)
            .map(|r| partner_reference_no == original && r.amount == refund_amount)
    });
    match earlier {
        Some(true) => {
            ctx.writes().replayed(product, WriteKind::Refund, partner_refund_no);
            Err(SnapError::new(409, "01", "Duplicate partnerRefundNo"))
        }
        Some(false) => Err(SnapError::new(404, "18", "Inconsistent Request")),
        None => Ok(()),
    }
}

impl TokenStore<CustomerRef> {
    /// The binding a still-valid `token` of `client` acts for, if `live` holds for it.
    pub fn binding_of(
        &self,
        token: &str,
        client: &str,
        live: impl FnOnce(&str) -> bool,
    ) -> Option<String> {
        match self.check(token) {
            TokenCheck::Valid((c, binding)) if c == client && live(&binding) => Some(binding),
            _ => None,
        }
    }
}

/// A seeded link (`[[bindings]]` with a binding id) whose tokens are stored.
#[derive(Debug, Clone)]
pub struct SeededLink {
    /// The binding id.
    pub id: String,
    pub client_id: String,
    /// Canonical `62…`.
    pub phone: String,
}

/// `[[bindings]]` of `product`: their customer `token` and `refresh_token` go to `customer` /
/// `refresh`, for ten (unscaled) years; the links are for the product to record.
pub fn seed_links(
    ctx: &Ctx,
    product: &str,
    customer: &mut TokenStore<CustomerRef>,
    refresh: &mut TokenStore<CustomerRef>,
) -> Vec<SeededLink> {
    let mut links = Vec::new();
    for seed in ctx.merchants().bindings(product) {
        let Some(id) = seed.provider_ref.clone() else { continue };
        let owner = (seed.merchant.clone(), id.clone());
        if let Some(token) = &seed.token {
            customer.insert(token.clone(), SEEDED_TOKEN_LIFETIME, owner.clone());
        }
        if let Some(token) = &seed.refresh_token {
            refresh.insert(token.clone(), SEEDED_TOKEN_LIFETIME, owner);
        }
        links.push(SeededLink { id, client_id: seed.merchant.clone(), phone: seed.phone.clone() });
    }
    links
}

/// What the control API answers after notifying a partnerReferenceNo the provider never saw.
pub fn unknown_notified(product: &str, partner_reference_no: &str, reference_no: &str) -> Value {
    json!({ "product": product, "partnerReferenceNo": partner_reference_no, "referenceNo": reference_no })
}

/// The key that verifies a merchant's token requests, from its `merchant_public_key` PEM; None
/// (logged) when it does not parse.
pub fn merchant_public_key(product: &str, client_id: &str, pem: &str) -> Option<RsaPublicKey> {
    parse_public_key(pem)
        .map_err(|e| tracing::warn!(product, client_id, error = %e, "merchant_public_key unusable"))
        .ok()
}

/// A control request that moves a payment `days` into the past (refund-window drills).
#[derive(Debug, Deserialize)]
pub struct Backdate {
    pub days: i64,
}

impl Backdate {
    /// Moves a payment's creation and success instants back.
    pub fn apply(&self, created_at: &mut DateTime<Utc>, paid_at: &mut Option<DateTime<Utc>>) {
        let shift = TimeDelta::days(self.days);
        *created_at -= shift;
        *paid_at = paid_at.map(|at| at - shift);
    }
}
