//! The control API under `/_sandbox/` (JSON): reset, accounts, pending customer actions,
//! faults, what was received and delivered, and settlement files.
//!
//! Routes (see also the crate README):
//!
//! - `GET /_sandbox/health`, `POST /_sandbox/reset`, `POST /_sandbox/import`
//! - `GET|POST /_sandbox/accounts`, `GET|PATCH /_sandbox/accounts/{phone}`
//! - `GET /_sandbox/pending`, `POST /_sandbox/pending/{id}/decide`
//! - `GET|POST|DELETE /_sandbox/faults`
//! - `GET /_sandbox/received[?product=]`, `GET /_sandbox/notifications[?product=]`,
//!   `GET /_sandbox/writes[?product=]`, `POST /_sandbox/notify-unknown`
//! - `GET /_sandbox/settlement/{product}?date=YYYY-MM-DD[&format=csv|xlsx][&fee_bps=N]
//!   [&mismatch=REF:AMOUNT][&omit=REF][&extra=REF:AMOUNT][&duplicate=REF]`: the product's
//!   settlement (transaction report) file for the payments that succeeded and the refunds
//!   that succeeded on that WIB date ([`super::settlement`]). `format` defaults to `csv`;
//!   `fee_bps` adds the fee and net columns (fee = amount × N / 10,000 rounded half up on
//!   payments, 0 on refunds; net = amount − fee, −amount on refunds). The four discrepancy
//!   parameters may be repeated, and each value may also list several, comma-separated
//!   (`omit=A,B` = `omit=A&omit=B`); REF is the reference as it appears in the file. Answers
//!   the file as an attachment (`settlement-<product>-<date>.<ext>`), or 400
//!   `{"error": …}` naming what is accepted (unknown product, bad date, bad or unknown
//!   parameter, `fee_bps` for a report without fee columns, a discrepancy whose reference is
//!   not in the file).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::faults::ArmedFault;
use super::pending::Decision;
use super::wallets::{Account, Behaviour};
use super::Ctx;

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/_sandbox/health", get(|| async { Json(json!({ "ok": true })) }))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/import", post(import))
        .route("/_sandbox/accounts", get(list_accounts).post(put_account))
        .route("/_sandbox/accounts/{phone}", get(get_account).patch(patch_account))
        .route("/_sandbox/pending", get(list_pending))
        .route("/_sandbox/pending/{id}/decide", post(decide))
        .route("/_sandbox/faults", get(list_faults).post(arm_fault).delete(clear_faults))
        .route("/_sandbox/received", get(received))
        .route("/_sandbox/notifications", get(deliveries))
        .route("/_sandbox/writes", get(writes))
        .route("/_sandbox/notify-unknown", post(notify_unknown))
        .route("/_sandbox/settlement/{product}", get(settlement))
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn reset(State(ctx): State<Ctx>) -> Json<Value> {
    ctx.reset();
    Json(json!({ "reset": true }))
}

async fn import(
    State(ctx): State<Ctx>,
    Json(body): Json<super::import::ImportBody>,
) -> Json<super::import::ImportReport> {
    Json(ctx.import(&body.payments))
}

async fn list_accounts(State(ctx): State<Ctx>) -> Json<Vec<Account>> {
    Json(ctx.wallets().list())
}

async fn put_account(State(ctx): State<Ctx>, Json(mut account): Json<Account>) -> Response {
    let Some(phone) = super::phone::canonical(&account.phone) else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{:?} is not an Indonesian mobile number", account.phone),
        );
    };
    if account.cash < 0 || account.points < 0 {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "balances cannot be negative");
    }
    account.phone = phone;
    ctx.wallets().upsert(account.clone());
    (StatusCode::CREATED, Json(account)).into_response()
}

async fn get_account(State(ctx): State<Ctx>, Path(phone): Path<String>) -> Response {
    match super::phone::canonical(&phone).and_then(|p| ctx.wallets().get(&p)) {
        Some(account) => Json(account).into_response(),
        None => problem(StatusCode::NOT_FOUND, "no such account"),
    }
}

#[derive(Debug, Deserialize)]
struct AccountPatch {
    cash: Option<i64>,
    points: Option<i64>,
    pin: Option<String>,
    blocked: Option<bool>,
    limit_exceeded: Option<bool>,
    behaviour: Option<Behaviour>,
}

async fn patch_account(
    State(ctx): State<Ctx>,
    Path(phone): Path<String>,
    Json(patch): Json<AccountPatch>,
) -> Response {
    let Some(mut account) = super::phone::canonical(&phone).and_then(|p| ctx.wallets().get(&p))
    else {
        return problem(StatusCode::NOT_FOUND, "no such account");
    };
    if patch.cash.is_some_and(|c| c < 0) || patch.points.is_some_and(|p| p < 0) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "balances cannot be negative");
    }
    account.cash = patch.cash.unwrap_or(account.cash);
    account.points = patch.points.unwrap_or(account.points);
    account.pin = patch.pin.unwrap_or(account.pin);
    account.blocked = patch.blocked.unwrap_or(account.blocked);
    account.limit_exceeded = patch.limit_exceeded.unwrap_or(account.limit_exceeded);
    account.behaviour = patch.behaviour.unwrap_or(account.behaviour);
    ctx.wallets().upsert(account.clone());
    Json(account).into_response()
}

async fn list_pending(State(ctx): State<Ctx>) -> Json<Value> {
    Json(json!(ctx.pending().list()))
}

#[derive(Debug, Deserialize)]
struct DecideBody {
    #[serde(flatten)]
    decision: Decision,
    otp: Option<String>,
    pin: Option<String>,
    /// Skip the OTP/PIN checks (the control API decides as the customer).
    #[serde(default = "yes")]
    trusted: bool,
    /// Then GET the page's redirect target as the customer's browser would.
    #[serde(default)]
    follow_redirect: bool,
}

fn yes() -> bool {
    true
}

async fn decide(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Json(body): Json<DecideBody>,
) -> Response {
    let outcome = if body.trusted {
        ctx.pending().decide(&id, body.decision)
    } else {
        ctx.pending().decide_checked(
            ctx.wallets(),
            &id,
            body.otp.as_deref(),
            body.pin.as_deref(),
            body.decision,
        )
    };
    match outcome {
        Ok(view) => {
            let redirect = view.redirect_after(body.decision).map(str::to_owned);
            let mut answer =
                json!({ "decided": view.id, "decision": body.decision, "redirect": redirect });
            if body.follow_redirect {
                if let Some(url) = &redirect {
                    match follow(ctx.notifier().http(), url).await {
                        Ok((status, last)) => {
                            answer["followed_status"] = json!(status);
                            answer["followed_url"] = json!(last);
                        }
                        Err(e) => answer["followed_error"] = json!(e),
                    }
                }
            }
            Json(answer).into_response()
        }
        Err(super::pending::PendingError::NotFound) => {
            problem(StatusCode::NOT_FOUND, "no pending action with this id")
        }
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

/// The customer's browser after the page: GET `url`, following redirects (the sandbox's own
/// return pages send it on to the merchant). The final status and URL, or why it failed.
async fn follow(http: &reqwest::Client, url: &str) -> Result<(u16, String), String> {
    match http.get(url).send().await {
        Ok(response) => Ok((response.status().as_u16(), response.url().to_string())),
        Err(e) => Err(format!("GET {url}: {e}")),
    }
}

async fn list_faults(State(ctx): State<Ctx>) -> Json<Vec<ArmedFault>> {
    Json(ctx.faults().list())
}

async fn arm_fault(State(ctx): State<Ctx>, Json(fault): Json<ArmedFault>) -> Response {
    if !ctx.product_keys().contains(&fault.product.as_str()) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown product {:?}; known: {:?}", fault.product, ctx.product_keys()),
        );
    }
    if let super::faults::Fault::ServerErrorAfterProcessing { status } = fault.fault {
        if !(500..=599).contains(&status) {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "server_error_after_processing needs a 5xx status (500 to 599), not {status}"
                ),
            );
        }
    }
    ctx.faults().arm(fault.clone());
    (StatusCode::CREATED, Json(fault)).into_response()
}

async fn clear_faults(State(ctx): State<Ctx>) -> StatusCode {
    ctx.faults().clear();
    StatusCode::NO_CONTENT
}

/// `?product=…`: only that product's entries.
#[derive(Debug, Deserialize)]
struct ProductFilter {
    product: Option<String>,
}

async fn received(State(ctx): State<Ctx>, Query(q): Query<ProductFilter>) -> Json<Value> {
    Json(json!(ctx.journal().received(q.product.as_deref())))
}

async fn writes(
    State(ctx): State<Ctx>,
    Query(q): Query<ProductFilter>,
) -> Json<Vec<super::writes::Write>> {
    Json(ctx.writes().list(q.product.as_deref()))
}

async fn notify_unknown(
    State(ctx): State<Ctx>,
    Json(request): Json<super::UnknownNotification>,
) -> Response {
    let Some(product) = ctx.product(&request.product) else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown product {:?}; known: {:?}", request.product, ctx.product_keys()),
        );
    };
    if request.reference.trim().is_empty() || request.amount <= 0 {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reference must not be empty and amount must be a positive number of rupiah",
        );
    }
    match product.notify_unknown(&ctx, &request) {
        Ok(sent) => (StatusCode::ACCEPTED, Json(sent)).into_response(),
        Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, e),
    }
}

async fn deliveries(State(ctx): State<Ctx>, Query(q): Query<ProductFilter>) -> Json<Value> {
    Json(json!(ctx.journal().deliveries(q.product.as_deref())))
}

async fn settlement(
    State(ctx): State<Ctx>,
    Path(product): Path<String>,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    use super::settlement::{SettlementRequest, ACCEPTED_PARAMS};
    let Ok(Query(pairs)) = query else {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("the query string does not read; accepted: {ACCEPTED_PARAMS}"),
        );
    };
    if ctx.product(&product).is_none() {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("unknown product {product:?}; known: {:?}", ctx.product_keys()),
        );
    }
    let file = SettlementRequest::from_query(&pairs)
        .and_then(|request| ctx.settlement_file(&product, &request));
    match file {
        Ok(file) => (
            [
                (axum::http::header::CONTENT_TYPE, file.content_type.to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.filename),
                ),
            ],
            file.bytes,
        )
            .into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, e),
    }
}
