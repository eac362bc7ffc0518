//! Refunds' IPC types: the preview with the rule in plain words, the request, finance's
//! decision, the queue and the refund page.

use ovo_domain::Product;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Secret;

/// A text in both languages, from the back end's domain rules.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Bilingual {
    pub id: String,
    pub en: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundPreviewInput {
    pub payment_id: i64,
    /// As typed (`50.000`, `Rp 50.000`…); empty = everything still refundable.
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundPreview {
    pub payment_id: i64,
    pub payment_reference: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub paid: i64,
    pub refundable: i64,
    pub requested: i64,
    /// `api` or `offline` (settled outside the provider).
    pub mode: String,
    pub partial_allowed: bool,
    /// Last WIB day a refund is allowed, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    pub rule: Bilingual,
    pub allowed: bool,
    pub refusal: Option<Bilingual>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RequestRefundInput {
    pub payment_id: i64,
    pub amount: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DecideRefundInput {
    pub refund_id: i64,
    pub approve: bool,
    /// Required when rejecting.
    pub note: String,
    /// The approver enters their password again.
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundRef {
    pub refund_id: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventView {
    pub at: String,
    pub kind: String,
    /// The display name of the operator who acted, when one did.
    pub actor: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    pub id: i64,
    pub reference: String,
    pub payment_id: i64,
    pub payment_reference: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub amount: i64,
    pub mode: String,
    /// requested, approved, rejected, submitting, processing, succeeded, failed, unknown,
    /// awaiting_transfer, settled_offline, needs_review
    pub status: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub idempotency_key: Option<String>,
    pub provider_ref: Option<String>,
    pub submitted_at: Option<String>,
    pub completed_at: Option<String>,
    /// The merchant's own transfer of an offline refund, once recorded.
    pub transfer: Option<TransferView>,
    /// Finance's decision by hand, when the provider could not say.
    pub resolution: Option<ResolutionView>,
    /// Why it failed, is unknown or needs review: the provider's last code and message; null
    /// once it succeeded or when there is nothing to explain.
    pub problem: Option<RefundProblemView>,
    /// Oldest first; empty in queue pages.
    pub timeline: Vec<TimelineEventView>,
}

/// The provider's last problem with a refund, as it said it (or as the app saw it: a timeout, a
/// lost connection).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundProblemView {
    /// The provider's code, an HTTP status, or `error` when there was no answer.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub reference: String,
    /// WIB calendar date, `YYYY-MM-DD`.
    pub date: String,
    /// The evidence file as stored (`<sha256>.<pdf|png|jpg>`), if one was given.
    pub evidence: Option<String>,
    pub evidence_sha256: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// Finance's decision on a refund or payment the provider could not decide.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionView {
    pub by: String,
    pub at: String,
    pub note: String,
}

/// Finance records the merchant's own transfer that paid an offline refund back.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordTransferInput {
    pub refund_id: i64,
    /// The bank's transfer reference.
    pub reference: String,
    /// WIB calendar date of the transfer: `YYYY-MM-DD` (the date input) or `DD/MM/YYYY`.
    pub date: String,
    /// A PDF, PNG or JPEG on this computer (at most 10 MiB); empty or absent: none.
    pub evidence_path: Option<String>,
    #[ts(type = "string")]
    pub password: Secret,
}

/// Finance's decision on a refund or payment in `needs_review`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolveByHandInput {
    /// The refund's or payment's id.
    pub id: i64,
    /// `succeeded` or `failed`.
    pub outcome: String,
    /// The provider's reference seen (dashboard, settlement report): required for `succeeded`.
    pub provider_ref: String,
    /// What finance saw; always required.
    pub note: String,
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundQueueQuery {
    pub status: String,
    /// The last row of the previous page.
    pub after_id: Option<i64>,
    pub limit: u32,
}

/// `next` is the `afterId` of the following page.
pub type RefundQueuePage = super::Page<RefundView, i64>;
