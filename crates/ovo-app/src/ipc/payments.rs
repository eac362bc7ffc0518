//! Payments' IPC types: the list, the payment page, taking a payment, the notification
//! listener, and the refund policy table.

use ovo_domain::Product;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Bilingual, ProviderProblem, RefundView, TimelineEventView};

/// Where the previous page ended (its last row).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCursorView {
    pub created_at_ms: i64,
    pub id: i64,
}

/// The payment list's filters; every one narrows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFilters {
    #[ts(type = "ProductKey | null")]
    pub product: Option<String>,
    /// A payment status key.
    pub status: Option<String>,
    /// `YYYY-MM-DD`, Asia/Jakarta, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// As typed (`10.000`, `Rp 10.000`…).
    pub min_amount: Option<String>,
    pub max_amount: Option<String>,
    /// A payment, refund or provider reference (exact); the other filters still apply.
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentQuery {
    #[serde(flatten)]
    pub filters: PaymentFilters,
    pub after: Option<PaymentCursorView>,
    /// 1..=200.
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRowView {
    pub id: i64,
    pub reference: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    /// push, sale_redirect, recurring, payin, tokenized, direct_debit
    pub kind: String,
    pub amount: i64,
    /// created, pending, succeeded, failed, unknown, expired, cancelled, needs_review
    pub status: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub provider_ref: Option<String>,
    pub created_at: String,
    pub succeeded_at: Option<String>,
    /// Why it failed, is unknown or needs review (the list row's short form); null otherwise.
    pub problem: Option<ProviderProblem>,
}

pub type PaymentListPage = super::Page<PaymentRowView, PaymentCursorView>;

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRef {
    pub payment_id: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetailView {
    pub payment: PaymentRowView,
    pub phone_display: Option<String>,
    pub account_id: Option<i64>,
    /// The cash / points split, where the provider reported it.
    pub cash_amount: Option<i64>,
    pub points_amount: Option<i64>,
    /// While the customer must act on a provider page (opened in the system browser).
    pub redirect_url: Option<String>,
    /// A push payment: when the provider's hold (70 s) ends.
    pub push_deadline: Option<String>,
    /// The provider's last status or response code, for support.
    pub provider_status: Option<String>,
    /// Why the payment failed, is unknown or needs review (e.g. Faspay asking to re-link the
    /// account); null when there is nothing to explain.
    pub problem: Option<ProviderProblem>,
    /// Oldest first.
    pub timeline: Vec<TimelineEventView>,
    pub refunds: Vec<RefundView>,
    /// What is left to refund (0 unless succeeded).
    pub refundable: i64,
    /// The last attempt failed or expired and the product can ask again on the same provider
    /// payment (Tazapay: a new push on the same payin).
    pub can_request_again: bool,
    /// The payment is open and its product can cancel it at the provider.
    pub can_cancel: bool,
    /// The current attempt: 1, then one more per request again.
    pub attempt: i64,
    /// The provider asks for the linked account to be linked again: its page (opened in the
    /// system browser), while the account still waits for it.
    pub relink_url: Option<String>,
    /// While open: when its product's status checks end and an operator takes over.
    pub give_up_at: Option<String>,
    /// Finance's decision by hand on a payment the provider could not decide.
    pub resolution: Option<super::ResolutionView>,
}

/// What a product offers when taking a payment.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentProductOptions {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    pub kinds: Vec<String>,
    /// The kind needs an active linked account of this product.
    pub kinds_on_linked_account: Vec<String>,
    /// `cash`, `points`, `points_first`, where the product lets the merchant choose.
    pub sources: Vec<String>,
    /// The provider's test-mode phone this product accepts in the current environment (only
    /// Tazapay's `0123456789`, only in the Provider sandbox); null elsewhere.
    pub test_phone: Option<String>,
    /// A payment needs the customer's email (Faspay); the dialog says so before sending.
    pub needs_email: bool,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartPaymentInput {
    pub customer_id: Option<i64>,
    #[ts(type = "ProductKey")]
    pub product: String,
    pub kind: String,
    /// As typed (`10.000`, `Rp 10.000`…).
    pub amount: String,
    /// For push and payin; empty = the customer's phone.
    pub phone: String,
    /// For payments on a linked account.
    pub account_id: Option<i64>,
    /// `cash` (default), `points`, `points_first`.
    pub source: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListenerSettings {
    pub enabled: bool,
    /// `127.0.0.1:7701` style.
    pub address: String,
    pub running: bool,
    /// On a shared ledger, the computer whose desk runs the listener now, when it is another.
    pub running_at_desk: Option<String>,
    /// Where each product's notifications are to be sent (give these to the provider).
    pub urls: Vec<ListenerUrl>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListenerUrl {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub url: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListenerInput {
    pub enabled: bool,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundPolicyView {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    /// `api` or `offline`.
    pub mode: String,
    pub partial_allowed: bool,
    pub window_days: Option<u32>,
    pub daily_limit: Option<i64>,
    /// An admin's override of the provider default is in force.
    pub overridden: bool,
    pub rule: Bilingual,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetRefundPolicyInput {
    #[ts(type = "ProductKey")]
    pub product: String,
    pub partial_allowed: bool,
    /// `60`, `D+60`, or empty for no window.
    pub window_days: String,
    /// Money as typed, or empty for no limit.
    pub daily_limit: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductRef {
    #[ts(type = "ProductKey")]
    pub product: String,
}
