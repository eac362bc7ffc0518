//! Wraps every product route: records what arrived and applies armed faults.

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::clock::now_rfc3339;
use super::faults::Fault;
use super::journal::Received;
use super::Ctx;

const MAX_BODY: usize = 1 << 20;

pub async fn edge(
    State((ctx, product)): State<(Ctx, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body over 1 MiB").into_response();
    };
    let seq = ctx.journal().next_seq();
    ctx.journal().record(Received {
        seq,
        at: now_rfc3339(),
        product,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        endpoint: endpoint.clone(),
        headers: header_pairs(&parts.headers),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: None,
    });
    let request = Request::from_parts(parts, Body::from(bytes));
    let fault = ctx.faults().take(product, &endpoint);
    // A provider goes on with a request it received when the client goes away (a killed
    // merchant process, a dropped connection): the handler runs in its own task, so that
    // hyper dropping this future does not cancel it.
    let task = tokio::spawn(async move {
        let response = match fault {
            Some(Fault::Delay { ms }) => {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                next.run(request).await
            }
            Some(Fault::HttpStatus { status }) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(serde_json::json!({ "sandboxFault": "http_status", "status": status.as_u16() }))).into_response()
            }
            Some(Fault::DropConnection) => drop_connection(),
            Some(Fault::LoseResponse) => {
                let _processed = next.run(request).await;
                drop_connection()
            }
            Some(Fault::MalformedBody) => {
                let processed = next.run(request).await;
                let status = processed.status();
                (status, [("content-type", "application/json")], "{\"sandboxFault\":\"malformed")
                    .into_response()
            }
            Some(Fault::LateProcessing { after_ms }) => {
                // The provider took the request but processes it only later: the client sees a
                // lost answer now, and the product has no record of it until then.
                let late = ctx.clone();
                tokio::spawn(async move {
                    late.scale().sleep(std::time::Duration::from_millis(after_ms)).await;
                    let processed = next.run(request).await;
                    late.journal().set_status(seq, processed.status().as_u16());
                });
                drop_connection()
            }
            Some(Fault::ServerErrorAfterProcessing { status }) => {
                let _processed = next.run(request).await;
                match ctx.product(product) {
                    Some(sim) => sim.server_error(&endpoint, status),
                    None => StatusCode::from_u16(status)
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                        .into_response(),
                }
            }
            Some(
                Fault::DuplicateNotification
                | Fault::WrongSignatureNotification
                | Fault::ReplayNotification { .. }
                | Fault::SuccessAfterFailure { .. },
            )
            | None => next.run(request).await,
        };
        ctx.journal().set_status(seq, response.status().as_u16());
        response
    });
    match task.await {
        Ok(response) => response,
        // drop_connection (or a handler's panic) ends this connection's task the same way.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Ends the connection's task without writing a byte: the client sees the connection close.
/// `resume_unwind` skips the panic hook, so nothing is printed.
fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new("sandbox fault: connection dropped"))
}

/// Headers as (name, value) text pairs, as the journal records them.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}
