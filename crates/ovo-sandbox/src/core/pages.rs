//! The customer's side, as HTML: the redirect page (T&C → OTP → PIN, or PIN alone) and a
//! "phone" listing pending push payments with Pay (cash / points) and Decline.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::pending::{ActionKind, ActionView, Decision, Step};
use super::wallets::PaySource;
use super::Ctx;

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/_sandbox/customer/{id}", get(customer_page).post(customer_submit))
        .route("/_sandbox/phone", get(phone_page))
        .route("/_sandbox/phone/{id}", axum::routing::post(phone_submit))
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;color:#222}}\
         h1{{color:#4c3494}}fieldset{{border:1px solid #ccc;border-radius:8px;margin:1rem 0}}\
         button{{padding:.5rem 1rem;margin-right:.5rem}}.note{{color:#666;font-size:.9rem}}\
         .err{{color:#b00020}}</style></head><body><p class=\"note\">OVO sandbox: not a real OVO page</p>\
         <h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
}

fn amount_line(view: &ActionView) -> String {
    view.asked.amount.map(|a| format!("<p>Amount: <strong>Rp {a}</strong></p>")).unwrap_or_default()
}

async fn customer_page(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    if let Some(url) = ctx.pending().decided_at_once(&id) {
        // A magic account decided as the page opened: the browser goes straight back.
        return Redirect::to(&url).into_response();
    }
    render_customer(&ctx, &id, None)
}

fn render_customer(ctx: &Ctx, id: &str, error: Option<&str>) -> Response {
    let Some(view) = ctx.pending().get(id) else {
        return (
            StatusCode::NOT_FOUND,
            page("Nothing to approve", "<p>This request is finished or has expired.</p>"),
        )
            .into_response();
    };
    let title = match view.asked.kind {
        ActionKind::Binding => "Link your OVO account",
        ActionKind::PinPayment | ActionKind::Push => "Confirm payment",
    };
    let mut body = format!(
        "<p>{} asks: {}</p><p>OVO account: {}</p>{}",
        esc(&view.asked.merchant),
        esc(&view.asked.description),
        esc(&view.asked.phone),
        amount_line(&view)
    );
    if let Some(error) = error {
        body += &format!("<p class=\"err\">{}</p>", esc(error));
    }
    body += &format!("<form method=\"post\" action=\"/_sandbox/customer/{}\">", esc(&view.id));
    for step in &view.asked.steps {
        body += &match step {
            Step::Terms => "<fieldset><legend>Terms &amp; Conditions</legend><label><input type=\"checkbox\" name=\"agree\" value=\"yes\"> I agree to link my OVO account</label></fieldset>".to_owned(),
            Step::Otp => format!("<fieldset><legend>OTP</legend><p class=\"note\">SMS to {}: your OTP is <strong id=\"otp\">{}</strong></p><input name=\"otp\" inputmode=\"numeric\" autocomplete=\"one-time-code\"></fieldset>", esc(&view.asked.phone), esc(&view.otp)),
            Step::Pin => "<fieldset><legend>OVO PIN</legend><input name=\"pin\" type=\"password\" inputmode=\"numeric\"></fieldset>".to_owned(),
        };
    }
    if view.asked.kind != ActionKind::Binding && view.asked.choose_source {
        body += "<fieldset><legend>Pay with</legend><label><input type=\"radio\" name=\"source\" value=\"cash\" checked> OVO Cash</label> <label><input type=\"radio\" name=\"source\" value=\"points\"> OVO Points</label></fieldset>";
    }
    body += "<button name=\"action\" value=\"approve\">Approve</button><button name=\"action\" value=\"decline\">Decline</button></form>";
    page(title, &body).into_response()
}

async fn customer_submit(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(view) = ctx.pending().get(&id) else {
        return render_customer(&ctx, &id, None);
    };
    let decision = if form.get("action").map(String::as_str) == Some("decline") {
        Decision::Decline
    } else {
        if view.asked.steps.contains(&Step::Terms)
            && form.get("agree").map(String::as_str) != Some("yes")
        {
            return render_customer(&ctx, &id, Some("Please agree to the terms first."));
        }
        Decision::Approve { source: parse_source(form.get("source")) }
    };
    let outcome = ctx.pending().decide_checked(
        ctx.wallets(),
        &id,
        form.get("otp").map(String::as_str),
        form.get("pin").map(String::as_str),
        decision,
    );
    match outcome {
        Ok(done) => match done.redirect_after(decision) {
            Some(url) => Redirect::to(url).into_response(),
            None => page("Done", "<p>You can close this page.</p>").into_response(),
        },
        Err(e) => render_customer(&ctx, &id, Some(&e.to_string())),
    }
}

fn parse_source(value: Option<&String>) -> PaySource {
    match value.map(String::as_str) {
        Some("points") => PaySource::Points,
        Some("points_first") => PaySource::PointsFirst,
        _ => PaySource::Cash,
    }
}

async fn phone_page(
    State(ctx): State<Ctx>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<String> {
    let wanted = query.get("phone").and_then(|p| super::phone::canonical(p));
    let pushes: Vec<ActionView> = ctx
        .pending()
        .list()
        .into_iter()
        .filter(|a| {
            a.asked.kind == ActionKind::Push && wanted.as_ref().is_none_or(|p| &a.asked.phone == p)
        })
        .collect();
    let mut body = String::from("<p>Pending OVO payments on this phone.</p>");
    if pushes.is_empty() {
        body += "<p class=\"note\">Nothing to pay.</p>";
    }
    for a in pushes {
        body += &format!(
            "<fieldset><legend>{}</legend><p>{} · {}</p>{}<form method=\"post\" action=\"/_sandbox/phone/{}\">\
             <button name=\"action\" value=\"cash\">Pay with Cash</button><button name=\"action\" value=\"points\">Pay with Points</button>\
             <button name=\"action\" value=\"decline\">Decline</button></form></fieldset>",
            esc(&a.asked.merchant),
            esc(&a.asked.phone),
            esc(&a.asked.description),
            amount_line(&a),
            esc(&a.id)
        );
    }
    page("OVO phone", &body)
}

async fn phone_submit(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let decision = match form.get("action").map(String::as_str) {
        Some("decline") => Decision::Decline,
        other => Decision::Approve { source: parse_source(other.map(str::to_owned).as_ref()) },
    };
    let _ = ctx.pending().decide(&id, decision);
    Redirect::to("/_sandbox/phone").into_response()
}
