//! Entry points for the fuzzer (`crates/ovo-fuzz`), not an API: the parsing and mapping each
//! client runs on a provider's reply body, without the HTTP around it. Each takes the raw body
//! and runs every reply type and conversion of its product over it; results are dropped, only
//! a panic matters. Notifications are fuzzed through `Provider::verify_notification` itself.

use std::time::Duration;

use ovo_domain::{Product, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::capability::Operation;
use crate::products::snap::{self, ResponseCode, SnapReply};
use crate::products::{doku_snap, faspay, jokul_push, ovo_snap, tazapay};
use crate::transport::{Call, Reply};
use crate::wire::{self, SnapAmount};

fn calls() -> [Call; 2] {
    [
        Call::read(Operation::Status, Duration::from_secs(1)),
        Call::write(Operation::Pay, Duration::from_secs(1)),
    ]
}

fn typed<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

fn amount(a: Option<&SnapAmount>) {
    if let Some(a) = a {
        let _ = a.to_idr();
    }
}

/// The SNAP envelope as `SnapReply::parse` reads it, classed for every HTTP status a reply can carry.
fn snap_envelope(product: Product, status: u16, body: &str) -> Option<SnapReply> {
    let value: Value = serde_json::from_str(body).ok()?;
    if !value.is_object() {
        return None;
    }
    let code = value.get("responseCode").and_then(Value::as_str).unwrap_or_default().to_owned();
    let message =
        value.get("responseMessage").and_then(Value::as_str).unwrap_or_default().to_owned();
    let reply =
        SnapReply { status, parsed: ResponseCode::parse(&code), code, message, body: value };
    let _ = (reply.class(), reply.is(200, "00"));
    for call in calls() {
        let _ = reply.clone().into_result(product, call);
    }
    let _ = snap::classify(status, Some(&reply.code));
    Some(reply)
}

fn snap_status(body: &str) -> u16 {
    // The status a reply carries is part of the input: a digit pair after `responseCode`'s first three.
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("responseCode")
                .and_then(Value::as_str)
                .and_then(|c| c.get(..3))
                .and_then(|c| c.parse().ok())
        })
        .unwrap_or(200)
}

/// Every DOKU SNAP reply type and what the client derives from it.
pub fn doku_snap_reply(body: &str) {
    let Some(reply) = snap_envelope(Product::DokuSnapOvo, snap_status(body), body) else { return };
    let value = &reply.body;
    if let Some(r) = typed::<snap::BindingReply>(value) {
        let _ = (r.status(), r.auth_code(), doku_snap::binding_redirect(&r));
    }
    snap_replies(value, |r| {
        let desc = r.transaction_status_desc.as_deref().unwrap_or_default();
        let _ = doku_snap::payment_state(&r.latest_transaction_status, &reply.code, desc);
        let _ = (r.channel(), r.pay_option_details.as_deref().and_then(snap::split_of));
        let refund_dates = r.refund_history.iter().map(|e| &e.refund_date);
        for at in [&r.paid_time].into_iter().chain(refund_dates).flatten() {
            let _ = doku_snap::parse_doku_time(at);
        }
    });
    if let Some(at) = typed::<snap::RefundReply>(value).and_then(|r| r.refund_time) {
        let _ = doku_snap::parse_doku_time(&at);
    }
    let _ = typed::<doku_snap::UnbindReply>(value);
}

/// Every OVO SNAP reply type and what the client derives from it.
pub fn ovo_snap_reply(body: &str) {
    let Some(reply) = snap_envelope(Product::OvoSnap, snap_status(body), body) else { return };
    let value = &reply.body;
    let _ = typed::<snap::BindingReply>(value);
    if let Some(status) =
        typed::<snap::PaymentReply>(value).and_then(|r| r.latest_transaction_status)
    {
        let _ = ovo_snap::payment_state(&status, None);
    }
    snap_replies(value, |r| {
        let _ = ovo_snap::payment_state(
            &r.latest_transaction_status,
            r.transaction_status_desc.as_deref(),
        );
        let _ = r.paid_split();
    });
}

/// The SNAP answers both products read (payment, status with its refund history, refund,
/// balance), their amounts and refund states, and `status` on a status answer.
fn snap_replies(value: &Value, status: impl FnOnce(&snap::StatusReply)) {
    if let Some(r) = typed::<snap::PaymentReply>(value) {
        amount(r.amount.as_ref());
    }
    if let Some(r) = typed::<snap::StatusReply>(value) {
        amount(r.trans_amount.as_ref());
        amount(r.amount.as_ref());
        for entry in &r.refund_history {
            let _ = entry.partner_refund_no();
            amount(entry.refund_amount.as_ref());
            if let Some(state) = &entry.refund_status {
                let _ = state.refund_state(entry.reason.as_deref().unwrap_or_default());
            }
        }
        status(&r);
    }
    if let Some(r) = typed::<snap::RefundReply>(value) {
        amount(r.refund_amount.as_ref());
        if let Some(state) = &r.refund_status {
            let _ = state.refund_state("");
        }
    }
    if let Some(r) = typed::<snap::BalanceReply>(value) {
        for info in &r.account_infos {
            amount(info.balance());
            amount(info.amount.as_ref());
        }
    }
}

/// Tazapay's envelope (`data` or `errors`), the payin and refund in it, and their states.
pub fn tazapay_reply(body: &str) {
    let envelope: tazapay::Envelope = match serde_json::from_str(body) {
        Ok(envelope) => envelope,
        Err(_) => return,
    };
    for status in [200, 400, 401, 404, 409, 422, 429] {
        let errors = envelope.errors.clone().unwrap_or_default();
        let _ = tazapay::reply_error(status, errors.first(), errors.get(1..).unwrap_or(&[]));
    }
    for e in envelope.errors.iter().flatten() {
        let _ = e.code_text();
    }
    let Some(data) = envelope.data else { return };
    let now = Timestamp::from_unix_millis(1_790_000_000_000);
    if let Ok(payin) = serde_json::from_value::<tazapay::Payin>(data.clone()) {
        let _ = tazapay::payment_state(&payin, now);
        let _ = payin.succeeded_attempt();
        let _ = wire::from_minor_units(payin.amount);
    }
    if let Ok(refund) = serde_json::from_value::<tazapay::Refund>(data.clone()) {
        let _ = tazapay::refund_state(&refund);
    }
    if let Ok(attempt) = serde_json::from_value::<tazapay::PaymentAttempt>(data) {
        let _ = attempt.amount.map(wire::from_minor_units);
    }
}

/// A Faspay body in either format, every reply type, the codes and amounts in it.
pub fn faspay_reply(body: &str, content_type: Option<&str>) {
    let Ok(value) = faspay::wire::parse_body(body, content_type) else { return };
    if let Ok(outcome) = faspay::wire::decode::<faspay::wire::Outcome>(value.clone()) {
        let _ = (outcome.code().class(), outcome.desc());
    }
    if let Ok(r) = faspay::wire::decode::<faspay::wire::ActivationReply>(value.clone()) {
        let _ = r.outcome.code();
    }
    if let Ok(r) = faspay::wire::decode::<faspay::wire::PaymentReply>(value.clone()) {
        for text in [&r.amount, &r.payment_day].into_iter().flatten() {
            let _ = wire::from_faspay(text, 100);
            let _ = faspay::wire::parse_wib(text);
        }
        let _ = r.bill_no.as_deref().map(faspay::wire::reference_of);
    }
    if let Ok(r) = faspay::wire::decode::<faspay::wire::StatusReply>(value.clone()) {
        if let Some(code) = &r.payment_status_code {
            let _ = faspay::payment_state(
                &faspay::wire::PaymentStatusCode::parse(code),
                code,
                r.payment_status_desc.clone(),
            );
        }
        for text in [&r.bill_total, &r.payment_total].into_iter().flatten() {
            let _ = wire::from_faspay(text, 100);
        }
        let _ = r.bill_no.as_deref().map(faspay::wire::reference_of);
    }
    for source in ["cash", "points"] {
        if let Ok(text) = faspay::wire::balance_field(&value, source) {
            let _ = (wire::from_faspay(&text, 100), wire::from_faspay(&text, 1));
        }
    }
    for row in faspay::wire::rows(value.get("data"), "row") {
        let _ = faspay::wire::field(row, "amount").map(|a| wire::from_faspay(&a, 100));
        let _ = faspay::wire::field(row, "date").map(|d| faspay::wire::parse_wib(&d));
    }
}

/// Jokul's push reply, status reply and error shape, checked and mapped.
pub fn jokul_push_reply(body: &str) {
    if let Ok(raw) = serde_json::from_str::<jokul_push::wire::RawPaymentReply>(body) {
        if let Ok(reply) = raw.check() {
            let _ = (
                jokul_push::split_of(&reply),
                reply.status.as_str(),
                jokul_push::wire::ovo_code(&reply.response_code),
            );
        }
    }
    if let Ok(raw) = serde_json::from_str::<jokul_push::wire::RawStatusReply>(body) {
        if let Ok(reply) = raw.check() {
            let _ = jokul_push::payment_state(&reply);
        }
    }
    for status in [400, 401, 404, 409] {
        let _ = jokul_push::reply_error(&Reply {
            status,
            headers: Default::default(),
            body: body.to_owned(),
        });
    }
}

/// Money and times as the wire carries them, outside any reply.
pub fn wire_scalars(text: &str) {
    let _ = SnapAmount { value: text.to_owned(), currency: "IDR".into() }.to_idr();
    for scale in [1, 100, 1000] {
        let _ = wire::from_faspay(text, scale);
    }
    if let Ok(n) = text.trim().parse::<i64>() {
        let _ = wire::from_minor_units(n);
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        let _ = jokul_push::wire::amount_from_wire(&value, "amount");
    }
    let _ = snap::parse_timestamp(text);
    let _ = doku_snap::parse_doku_time(text);
    let _ = faspay::wire::parse_wib(text);
    let _ = faspay::wire::reference_of(text);
    let _ = snap::ResponseCode::parse(text).map(|c| c.class());
    let _ = (
        faspay::wire::ResponseCode::parse(text).class(),
        faspay::wire::PaymentStatusCode::parse(text),
    );
    let _ = (
        jokul_push::wire::PushStatus::parse(text),
        jokul_push::wire::TransactionStatus::parse(text),
        jokul_push::wire::ovo_code(text),
    );
    let _ = (snap::minify_json(text), snap::strip_bearer(text), snap::body_variants(text));
}
