//! The customer desk's IPC types: search, the customer page, linked accounts, balances,
//! provider history and top-up instructions.

use ovo_domain::Product;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a search query was read as; each hit says which one it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchMatch {
    Phone,
    Name,
    MerchantCustomerId,
    PaymentReference,
    RefundReference,
    ProviderReference,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchInput {
    pub query: String,
    /// 1..=100; the UI asks for 20.
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummary {
    pub id: i64,
    pub full_name: String,
    /// Canonical `62…`.
    pub phone: String,
    /// `+62 812-3456-7890`.
    pub phone_display: String,
    pub merchant_customer_id: Option<String>,
    pub email: Option<String>,
    /// Products with an active linked account in the current environment.
    #[ts(type = "ProductKey[]")]
    pub linked_products: Vec<Product>,
    pub created_at: String,
    /// Forgotten: name, email and notes were erased (the name is empty); money records stay.
    pub forgotten: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerHit {
    pub customer: CustomerSummary,
    pub matched: SearchMatch,
    /// The value that matched, e.g. the normalised phone or the payment reference.
    pub matched_value: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// The query as received, so the UI can drop answers to older keystrokes.
    pub query: String,
    /// Every reading of the query that was tried (a phone-shaped query is also a customer id).
    pub interpreted_as: Vec<SearchMatch>,
    /// The query as a canonical phone, when it reads as one.
    pub normalized_phone: Option<String>,
    pub hits: Vec<CustomerHit>,
    /// More hits than `limit` exist.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Pending,
    Active,
    /// The provider asks for the account to be linked again (its page in `redirectUrl`).
    NeedsRelink,
    Failed,
    Expired,
    Unlinking,
    Unlinked,
}

/// Why a provider call did not give an answer the app could use, for plain-language display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderProblemKind {
    Declined,
    Timeout,
    UnknownOutcome,
    Connection,
    Unavailable,
    Authentication,
    InvalidRequest,
    MalformedReply,
    Mismatch,
    Unsupported,
    MissingCredential,
    NotConfigured,
    Expired,
    AlreadyLinked,
    /// The provider's certificate is not trusted: nothing was sent.
    Certificate,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderProblem {
    pub kind: ProviderProblemKind,
    /// The provider's own code (e.g. `4030707`), for support.
    pub provider_code: Option<String>,
    /// The full technical detail, shown on a details line.
    pub detail: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BalanceView {
    pub cash: Option<i64>,
    pub points: Option<i64>,
    /// When the figures above were fetched; null when never fetched successfully.
    pub as_of: Option<String>,
    /// The latest refresh failed: the figures above (if any) are older than this attempt.
    pub last_failure: Option<ProviderProblem>,
    /// The figures are older than 15 minutes.
    pub stale: bool,
}

/// What a linked account's product offers on the customer page.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountFeatures {
    pub balance: bool,
    pub history: bool,
    pub top_up: bool,
    pub unlink: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinkedAccountView {
    pub id: i64,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    pub phone: String,
    pub phone_display: String,
    pub status: LinkStatus,
    /// The linking's own reference, sent to the provider.
    pub reference: String,
    pub provider_ref: Option<String>,
    pub created_at: String,
    pub linked_at: Option<String>,
    pub unlinked_at: Option<String>,
    pub updated_at: String,
    /// While pending or needing a re-link: the provider page the customer completes (opened in
    /// the system browser).
    pub redirect_url: Option<String>,
    /// While pending: when the linking expires.
    pub expires_at: Option<String>,
    /// Why a linking failed or expired, or why the last unlink did not go through.
    pub problem: Option<ProviderProblem>,
    pub balance: Option<BalanceView>,
    pub features: AccountFeatures,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPaymentView {
    pub id: i64,
    pub reference: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub kind: String,
    pub amount: i64,
    pub status: String,
    pub provider_ref: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRefundView {
    pub id: i64,
    pub reference: String,
    pub payment_reference: String,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub amount: i64,
    pub status: String,
    pub requested_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPage {
    pub customer: CustomerSummary,
    /// The merchant's free-text notes on the customer.
    pub notes: Option<String>,
    /// Every linking in the current environment, newest first, including ended ones.
    pub accounts: Vec<LinkedAccountView>,
    /// Products that support linking, for the "Link an account" menu.
    #[ts(type = "ProductKey[]")]
    pub linkable_products: Vec<Product>,
    /// The newest 50.
    pub payments: Vec<CustomerPaymentView>,
    pub refunds: Vec<CustomerRefundView>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRef {
    pub customer_id: i64,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartLinkInput {
    pub customer_id: i64,
    #[ts(type = "ProductKey")]
    pub product: String,
    /// Any Indonesian format; empty = the customer's own phone.
    pub phone: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    pub account_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UnlinkOutcome {
    Unlinked,
    /// The provider accepted; it completes later.
    Pending,
    /// The provider call failed; the account is still linked.
    Failed,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkResult {
    pub outcome: UnlinkOutcome,
    pub account: LinkedAccountView,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryInput {
    pub account_id: i64,
    /// `YYYY-MM-DD`, Asia/Jakarta, inclusive.
    pub from: String,
    pub to: String,
    /// 1-based.
    pub page: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntryDirection {
    Debit,
    Credit,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntryView {
    pub provider_id: String,
    pub at: String,
    pub amount: i64,
    pub direction: EntryDirection,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    pub entries: Vec<HistoryEntryView>,
    pub page: u32,
    pub next_page: Option<u32>,
    /// When this page was fetched from the provider.
    pub fetched_at: Option<String>,
    /// The provider call failed: `entries` are what the ledger cached for the range.
    pub problem: Option<ProviderProblem>,
    /// Entries cached in the ledger for this account, all ranges.
    pub cached_total: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TopUpOptionView {
    pub title: String,
    pub steps: Vec<String>,
    /// The icon from the back end's cache as a `data:` URL; null when it could not be fetched.
    pub icon: Option<String>,
    /// Opened in the system browser through `open_external`.
    pub link: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TopUpView {
    pub options: Vec<TopUpOptionView>,
    /// The merchant's configured text (Settings → Provider settings), not a provider's answer.
    pub configured: bool,
    pub fetched_at: Option<String>,
    pub problem: Option<ProviderProblem>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExternalUrl {
    /// The product whose page it is: only that product's page hosts are opened.
    #[ts(type = "ProductKey")]
    pub product: String,
    pub url: String,
}
