//! Faspay OVO Tokenize (720) over real HTTP on loopback. Requests are built here from the spec
//! (`faspay-ovo-tokenize.md`), with this file's own signature code.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use md5::{Digest, Md5};
use ovo_sandbox::{Merchants, RunningSandbox};
use ovo_test_support::sim::{
    FASPAY_MERCHANT_ID as MID, FASPAY_PASSWORD as PASS, FASPAY_USER_ID as USER,
};
use ovo_test_support::{json, sim, Answer, Hit, Receiver};
use serde_json::{json, Value};
use sha1::Sha1;

const TOKENIZE: &str = "/cvr/100037/10";
const STATUS: &str = "/cvr/100004/10";
const CANCEL: &str = "/cvr/100005/10";

/// sha1(md5(concat)) in lower-case hex (spec §4).
fn sig(parts: &[&str]) -> String {
    let md5 = hex::encode(Md5::digest(parts.concat().as_bytes()));
    hex::encode(Sha1::digest(md5.as_bytes()))
}

/// The merchant's acknowledgement of a notification (spec: `response_code` `00`).
const ACK: &str =
    "{\"response\":\"Payment Notification\",\"response_code\":\"00\",\"response_desc\":\"Success\"}";

/// A tiny merchant server: records notifications (acknowledged) and activation callbacks
/// (answered with an empty 200).
async fn merchant() -> Receiver {
    Receiver::scripted(|hit| if hit.method == "POST" { Answer::ok(ACK) } else { Answer::ok("") })
        .await
}

fn content_type(hit: &Hit) -> &str {
    hit.header("content-type").unwrap_or_default()
}

struct Sim {
    sandbox: RunningSandbox,
    http: reqwest::Client,
    receiver: Receiver,
}

/// The test merchant, with `extra` lines in its section, and a second one nothing notifies.
async fn sim_with(extra: &str) -> Sim {
    let receiver = merchant().await;
    let quiet_store = r#"
[[faspay_ovo_tokenize]]
merchant_id = "31025"
user_id = "bot31025"
password = "other"
merchant_name = "Quiet Store"
"#;
    let toml = sim::faspay_merchant(&receiver.url(""), extra) + quiet_store;
    let sandbox = sim::start(&toml, "0.001").await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Sim { sandbox, http, receiver }
}

/// A simulator with `phone` linked.
async fn linked_sim(phone: &str) -> Sim {
    let sim = sim().await;
    sim.link(phone).await;
    sim
}

async fn sim() -> Sim {
    sim_with("").await
}

impl Sim {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        resp.json().await.unwrap()
    }

    /// The `response_code` of a tokenize call with `body`.
    async fn code_of(&self, body: Value) -> Value {
        self.post(TOKENIZE, body).await["response_code"].clone()
    }

    async fn get_json(&self, path: &str) -> Value {
        json::get(&self.http, &self.url(path)).await
    }

    async fn control(&self, path: &str, body: Value) -> reqwest::Response {
        self.http.post(self.url(path)).json(&body).send().await.unwrap()
    }

    async fn activate(&self, phone: &str) -> Value {
        self.post(TOKENIZE, activation(phone)).await
    }

    /// Activation, then the customer approves through the control API.
    async fn link(&self, phone: &str) {
        let a = self.activate(phone).await;
        assert_eq!(a["response_code"], "00", "{a}");
        let id = action_id(a["redirectURL"].as_str().unwrap());
        // Auto-approving magic accounts have decided already (404: nothing pending).
        let resp = self
            .control(&format!("/_sandbox/pending/{id}/decide"), json!({ "decision": "approve" }))
            .await;
        assert!(resp.status() == 200 || resp.status() == 404);
        self.wait_link(phone, "ACTIVE").await;
    }

    async fn decide(&self, id: &str, body: Value) {
        let resp = self.control(&format!("/_sandbox/pending/{id}/decide"), body).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }

    async fn state(&self) -> Value {
        self.get_json("/_sandbox/faspay_ovo_tokenize/state").await
    }

    async fn wait_link(&self, phone: &str, want: &str) {
        let canonical = format!("62{}", &phone[1..]);
        for _ in 0..500 {
            let st = self.state().await;
            let now = json::find(&st["links"], |l| {
                l["phone"] == canonical.as_str() && l["merchant_id"] == MID
            })
            .map(|l| l["state"].clone());
            if now == Some(json!(want)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("link of {phone} never became {want}: {}", self.state().await);
    }

    async fn status(&self, bill_no: &str, trx_id: &str) -> Value {
        self.post(STATUS, json!({ "request": "Inquiry Status Payment", "trx_id": trx_id, "merchant_id": MID, "bill_no": bill_no, "signature": sig(&[USER, PASS, bill_no]) }))
            .await
    }

    /// Polls Inquiry Payment Status until `payment_status_code` is `want`.
    async fn wait_status(&self, bill_no: &str, want: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..500 {
            last = self.status(bill_no, "").await;
            if last["payment_status_code"] == want {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{bill_no} never reached status {want}: {last}");
    }

    /// Runs the control route `action` (`link`, `expire-token`) on `phone`'s account.
    async fn on_account(&self, phone: &str, action: &str) {
        let path = format!("/_sandbox/faspay_ovo_tokenize/{MID}/account/{phone}/{action}");
        let response = self.control(&path, json!({})).await;
        assert_eq!(response.status(), 200, "{path}");
    }

    /// How many transactions the history page `request` asks for lists.
    async fn history_length(&self, request: Value) -> usize {
        self.post(TOKENIZE, request).await["list_transaction"].as_object().unwrap().len()
    }

    /// The customer approves on the payment page at `page_path` with `otp` and `pin`.
    async fn approve_on_page(&self, page_path: &str, otp: &str, pin: &str) -> reqwest::Response {
        let form = [("otp", otp), ("pin", pin), ("action", "approve")];
        self.http.post(self.url(page_path)).form(&form).send().await.unwrap()
    }

    /// The activation callback the merchant received for `phone`.
    async fn activation_callback(&self, phone: &str) -> Hit {
        self.receiver.wait_for(|h| h.method == "GET" && h.query()["phone_number"] == phone).await
    }

    /// A Rp 100,000 cash payment `bill_no` by `phone`, whose token has expired: answered 02.
    async fn pay_with_expired_token(&self, phone: &str, bill_no: &str) -> Value {
        let p = self.post(TOKENIZE, payment(phone, bill_no, "100000", "0")).await;
        assert_eq!(p["response_code"], "02", "{p}");
        p
    }

    /// The customer re-links `phone` on the page at `url`; a Rp 100,000 payment `bill_no` then
    /// goes through.
    async fn relink_and_pay(&self, phone: &str, url: &str, bill_no: &str) {
        self.decide(&action_id(url), json!({ "decision": "approve" })).await;
        self.wait_link(phone, "ACTIVE").await;
        assert_eq!(self.code_of(payment(phone, bill_no, "100000", "0")).await, "00");
    }

    async fn account(&self, phone: &str) -> Value {
        self.get_json(&format!("/_sandbox/accounts/{phone}")).await
    }

    async fn pending_for(&self, phone: &str) -> Value {
        let canonical = format!("62{}", &phone[1..]);
        for _ in 0..500 {
            let list = self.get_json("/_sandbox/pending").await;
            if let Some(a) = json::find(&list, |a| {
                a["phone"] == canonical.as_str() && a["product"] == "faspay_ovo_tokenize"
            }) {
                return a.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no pending action for {phone}");
    }
}

fn action_id(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

fn activation(phone: &str) -> Value {
    json!({
        "request": "Account Activation OVO OpenAPI", "merchant_id": MID, "payment_channel": "720",
        "phone_no": phone, "cust_name": "Sophia", "signature": sig(&[USER, PASS, phone]),
    })
}

fn payment(phone: &str, bill_no: &str, bill_total: &str, pay_type: &str) -> Value {
    json!({
        "request": "Payment OVO OpenAPI", "merchant_id": MID, "bill_no": bill_no, "bill_desc": "Kopi susu",
        "bill_total": bill_total, "bill_currency": "IDR", "payment_channel": "720", "phone_no": phone,
        "cust_name": "Sophia", "email": "sophia@example.com", "pay_type": pay_type, "signature": sig(&[USER, PASS, phone]),
    })
}

fn general(request: &str, phone: &str) -> Value {
    json!({
        "request": request, "merchant_id": MID, "merchant": "Sophia Store", "payment_channel": "720",
        "phone_no": phone, "signature": sig(&[USER, PASS, phone]),
    })
}

fn today_wib() -> String {
    wib_days_ago(0)
}

fn history(phone: &str, page: &str, limit: &str) -> Value {
    let mut h = general("History Transaction OVO OpenAPI", phone);
    h["start_date"] = json!(today_wib());
    h["end_date"] = json!(today_wib());
    h["page"] = json!(page);
    h["limit"] = json!(limit);
    h
}

/// Verifies a payment notification's signature, either form (HD 4).
fn notification_verifies(n: &Value, user: &str, pass: &str) -> bool {
    let bill_no = n["bill_no"].as_str().unwrap();
    let status = n["payment_status_code"].as_str().unwrap();
    let got = n["signature"].as_str().unwrap();
    got == sig(&[user, pass, bill_no, status]) || got == sig(&[user, pass, bill_no])
}

fn notifications(sim: &Sim) -> Vec<Value> {
    sim.receiver
        .hits()
        .into_iter()
        .filter(|h| h.method == "POST")
        .map(|h| serde_json::from_str(&h.body).unwrap())
        .collect()
}

async fn wait_notification(sim: &Sim, bill_no: &str, status: &str) -> Value {
    let hit = sim
        .receiver
        .wait_for(|h| {
            h.method == "POST"
                && serde_json::from_str::<Value>(&h.body)
                    .is_ok_and(|n| n["bill_no"] == bill_no && n["payment_status_code"] == status)
        })
        .await;
    assert_eq!(content_type(&hit), "application/json");
    serde_json::from_str(&hit.body).unwrap()
}

// -------------------------------------------------------------------------------------------

#[tokio::test]
async fn full_flow_bind_balance_topup_pay_status_history_unlink() {
    let sim = sim().await;
    let phone = "081382826301";

    // Activation (§5.1): 00 + redirectURL; the browser goes through the OTP + PIN page.
    let a = sim.activate(phone).await;
    assert_eq!(a["response_code"], "00", "{a}");
    assert_eq!(a["status"], "ALLOWED");
    assert_eq!(a["message"], "SUCCESS");
    let redirect = a["redirectURL"].as_str().unwrap().to_owned();
    sim.wait_link(phone, "PENDING_ACTIVATION").await;
    let resp = sim.http.get(&redirect).send().await.unwrap();
    assert!(resp.status().is_redirection());
    let page_path = resp.headers()["location"].to_str().unwrap().to_owned();
    let page = json::get_text(&sim.http, &sim.url(&page_path)).await;
    let otp = page.split("id=\"otp\">").nth(1).unwrap()[..6].to_owned();
    let form = [("agree", "yes"), ("otp", otp.as_str()), ("pin", "123456"), ("action", "approve")];
    let done = sim.http.post(sim.url(&page_path)).form(&form).send().await.unwrap();
    assert!(done.status().is_success(), "{}", done.text().await.unwrap());

    // Callback Activation (§5.2): GET with the four fields.
    let cb = sim.receiver.wait_for(|h| h.method == "GET").await;
    assert_eq!(cb.query()["phone_number"], phone);
    assert_eq!(cb.query()["response_code"], "00");
    assert!(cb.query().contains_key("response_desc"));
    assert!(!cb.query().contains_key("signature"), "unsigned by default (§5.2)");
    sim.wait_link(phone, "ACTIVE").await;

    // Check Balance (§5.6): cash scaled ×100, points raw.
    let b = sim.post(TOKENIZE, general("Check Balance OVO OpenAPI", phone)).await;
    assert_eq!(b["response_code"], "00", "{b}");
    assert_eq!(b["detail"]["cash"]["balance"], "500000000");
    assert_eq!(b["detail"]["points"]["balance"], "100000");

    // Top Up Instruction (§5.5).
    let t = sim.post(TOKENIZE, general("Top Up Instruction OVO OpenAPI", phone)).await;
    assert_eq!(t["response_code"], "00", "{t}");
    assert_eq!(t["topup_instruction"]["instruction_1"]["option"], "ATM");
    assert_eq!(t["topup_instruction"].as_object().unwrap().len(), 5);

    // Payment (§5.3): Rp 150,000 = "15000000", points first.
    let bill = "20240101000000000101";
    let p = sim.post(TOKENIZE, payment(phone, bill, "15000000", "2")).await;
    assert_eq!(p["response_code"], "00", "{p}");
    assert_eq!(p["amount"], "15000000");
    assert_eq!(p["bill_no"], bill);
    let trx_id = p["trx_id"].as_str().unwrap().to_owned();
    assert_eq!(trx_id.len(), 16);
    assert!(trx_id.starts_with(MID));
    assert_eq!(sim.status(bill, &trx_id).await["payment_status_code"], "0");
    // Opening the redirectURL puts it In Process; the customer enters OTP and PIN.
    let resp = sim.http.get(p["redirectURL"].as_str().unwrap()).send().await.unwrap();
    let page_path = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(sim.status(bill, &trx_id).await["payment_status_code"], "1");
    let page = json::get_text(&sim.http, &sim.url(&page_path)).await;
    let otp = page.split("id=\"otp\">").nth(1).unwrap()[..6].to_owned();
    let wrong = sim.approve_on_page(&page_path, &otp, "000000").await;
    assert!(wrong.text().await.unwrap().contains("wrong PIN"));
    let done = sim.approve_on_page(&page_path, &otp, "123456").await;
    assert!(done.status().is_redirection(), "the page returns the browser");

    // Status (§5.10) and notification (§5.9), signature verified (documented form).
    let s = sim.wait_status(bill, "2").await;
    assert_eq!(s["response_code"], "00");
    assert_eq!(s["trx_id"], trx_id.as_str());
    assert_eq!(s["payment_status_desc"], "Payment Success");
    assert!(s["payment_reff"].is_string());
    let n = wait_notification(&sim, bill, "2").await;
    assert_eq!(n["signature"], sig(&[USER, PASS, bill, "2"]).as_str());
    assert!(notification_verifies(&n, USER, PASS));
    assert_eq!(n["bill_total"], "15000000");
    assert_eq!(n["payment_total"], "15000000");
    assert_eq!(n["payment_channel_uid"], "720");
    assert_eq!(n["merchant"], "Sophia Store");
    assert_eq!(n["request"], "Payment Notification");
    // Points first: 100,000 points, 50,000 cash.
    let acct = sim.account(phone).await;
    assert_eq!((acct["cash"].as_i64(), acct["points"].as_i64()), (Some(4_950_000), Some(0)));

    // History (§5.7).
    let h = sim.post(TOKENIZE, history(phone, "1", "10")).await;
    assert_eq!(h["response_code"], "00", "{h}");
    let row = &h["list_transaction"]["transaction_1"];
    assert_eq!(row["trx_id"], trx_id.as_str());
    assert_eq!(row["trx_amount"], "15000000");
    assert_eq!(row["amount_detail"]["detail_1"]["type"], "Cash");
    assert_eq!(row["amount_detail"]["detail_1"]["amt"], "5000000");
    assert_eq!(row["amount_detail"]["detail_2"]["amt"], "100000");

    // Refund: no API (HD 1 offline) → 40.
    let mut refund = payment(phone, bill, "15000000", "0");
    refund["request"] = json!("Refund OVO OpenAPI");
    assert_eq!(sim.code_of(refund).await, "40");

    // Unlink (§5.8), then the account is no longer usable.
    let u = sim.post(TOKENIZE, general("Unlink OVO OpenAPI", phone)).await;
    assert_eq!(u["response_code"], "00", "{u}");
    sim.wait_link(phone, "UNLINKED").await;
    assert_eq!(sim.code_of(general("Check Balance OVO OpenAPI", phone)).await, "01");
    assert_eq!(sim.code_of(general("Unlink OVO OpenAPI", phone)).await, "01");
    assert_eq!(sim.code_of(payment(phone, "20240101000000000201", "100000", "0")).await, "01");
}

#[tokio::test]
async fn authentication_and_field_errors() {
    let sim = sim().await;
    let phone = "081234567890";
    // Bad signature → 55.
    let mut bad = activation(phone);
    bad["signature"] = json!(sig(&[USER, "wrong", phone]));
    assert_eq!(sim.code_of(bad).await, "55");
    // Signature of another merchant's credentials → 55.
    let mut other = activation(phone);
    other["merchant_id"] = json!("31025");
    assert_eq!(sim.code_of(other).await, "55");
    // Upper-case hex is accepted.
    let mut upper = activation(phone);
    upper["signature"] = json!(sig(&[USER, PASS, phone]).to_uppercase());
    assert_eq!(sim.code_of(upper).await, "00");
    // Unknown merchant → 03.
    let mut unknown = activation(phone);
    unknown["merchant_id"] = json!("12345");
    assert_eq!(sim.code_of(unknown).await, "03");
    // Missing mandatory field → 83.
    let mut missing = activation(phone);
    missing.as_object_mut().unwrap().remove("cust_name");
    let r = sim.post(TOKENIZE, missing).await;
    assert_eq!(r["response_code"], "83");
    assert!(r["response_desc"].as_str().unwrap().contains("cust_name"));
    // Wrong channel → 40.
    let mut channel = activation(phone);
    channel["payment_channel"] = json!("812");
    assert_eq!(sim.code_of(channel).await, "40");
    // Phone not 08… → 18.
    assert_eq!(sim.code_of(activation("6281234567890")).await, "18");
    // Not JSON → 30.
    let resp = sim.http.post(sim.url(TOKENIZE)).body("{nope").send().await.unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["response_code"], "30");
    // Unknown request without a recognisable shape → 40.
    let shapeless = json!({ "request": "Something", "merchant_id": MID, "merchant": "x" });
    assert_eq!(sim.code_of(shapeless).await, "40");
    // Status with a bad signature → 55; unknown bill → 14 with status 5.
    let bad_status = json!({ "trx_id": "", "merchant_id": MID, "bill_no": "1", "signature": sig(&[USER, PASS, "2"]) });
    assert_eq!(sim.post(STATUS, bad_status).await["response_code"], "55");
    let nf = sim.status("424242", "").await;
    assert_eq!(
        (nf["response_code"].as_str(), nf["payment_status_code"].as_str()),
        (Some("14"), Some("5"))
    );
    // Dispatch without `request`, by shape: cust_name → activation.
    let mut shaped = activation(phone);
    shaped.as_object_mut().unwrap().remove("request");
    assert_eq!(sim.post(TOKENIZE, shaped).await["status"], "ALLOWED");
}

#[tokio::test]
async fn payment_field_errors_and_duplicates() {
    let sim = sim().await;
    let phone = "081298765432";
    // Not linked → 01.
    assert_eq!(sim.code_of(payment(phone, "1001", "100000", "0")).await, "01");
    sim.on_account(phone, "link").await;
    // Amounts: not a multiple of the ×100 scale, zero, not digits → 13; currency → 13.
    for total in ["100050", "0", "10.00", "-100", "abc"] {
        assert_eq!(sim.code_of(payment(phone, "1001", total, "0")).await, "13", "{total}");
    }
    let mut usd = payment(phone, "1001", "100000", "0");
    usd["bill_currency"] = json!("USD");
    assert_eq!(sim.code_of(usd).await, "13");
    // pay_type outside 0/1/2 → 30; bill_no not digits → 30.
    assert_eq!(sim.code_of(payment(phone, "1001", "100000", "3")).await, "30");
    assert_eq!(sim.code_of(payment(phone, "INV-1", "100000", "0")).await, "30");
    // Missing email → 83.
    let mut no_email = payment(phone, "1001", "100000", "0");
    no_email.as_object_mut().unwrap().remove("email");
    assert_eq!(sim.code_of(no_email).await, "83");

    // A pending bill_no replayed identically gets the same trx; different content → 14.
    let first = sim.post(TOKENIZE, payment(phone, "1001", "100000", "0")).await;
    assert_eq!(first["response_code"], "00");
    let again = sim.post(TOKENIZE, payment(phone, "1001", "100000", "0")).await;
    assert_eq!(again["trx_id"], first["trx_id"]);
    assert_eq!(sim.code_of(payment(phone, "1001", "200000", "0")).await, "14");
    // Once paid → 81.
    let id = sim.pending_for(phone).await["id"].as_str().unwrap().to_owned();
    sim.decide(&id, json!({ "decision": "approve" })).await;
    sim.wait_status("1001", "2").await;
    assert_eq!(sim.code_of(payment(phone, "1001", "100000", "0")).await, "81");
    // The other merchant's bill numbers are separate (its status of 1001 is not found).
    let other = json!({ "merchant_id": "31025", "bill_no": "1001", "trx_id": "", "signature": sig(&["bot31025", "other", "1001"]) });
    assert_eq!(sim.post(STATUS, other).await["payment_status_code"], "5");
    // Status with a trx_id that does not belong to the bill → not found.
    assert_eq!(sim.status("1001", "9999900000000999").await["response_code"], "14");
}

#[tokio::test]
async fn magic_accounts_reach_their_documented_codes() {
    let sim = sim().await;
    // …04: no OVO account → 18 at activation.
    assert_eq!(sim.activate("081100000004").await["response_code"], "18");
    // …02: blocked → 63.
    assert_eq!(sim.activate("081100000002").await["response_code"], "63");
    // …05: declines the linkage → callback 01, stays unlinked.
    assert_eq!(sim.activate("081100000005").await["response_code"], "00");
    let cb = sim.activation_callback("081100000005").await;
    assert_eq!(cb.query()["response_code"], "01");
    sim.wait_link("081100000005", "UNLINKED").await;
    // …06: never answers → the activation expires (30 min, scaled) → callback 01.
    assert_eq!(sim.activate("081100000006").await["response_code"], "00");
    let cb = sim.activation_callback("081100000006").await;
    assert_eq!(cb.query()["response_code"], "01");
    assert!(cb.query()["response_desc"].contains("expired"));
    // …07: approves at once, links and pays at once.
    assert_eq!(sim.activate("081100000007").await["response_code"], "00");
    sim.wait_link("081100000007", "ACTIVE").await;
    assert_eq!(sim.code_of(payment("081100000007", "7001", "100000", "0")).await, "00");
    sim.wait_status("7001", "2").await;

    // Payments of the other magic phones, linked through the control route.
    for phone in ["081100000001", "081100000003", "081100000005", "081100000006"] {
        sim.on_account(phone, "link").await;
    }
    // …01: insufficient balance → 01, the trx exists with status 3, and is notified.
    let p = sim.post(TOKENIZE, payment("081100000001", "1001", "100000", "0")).await;
    assert_eq!(p["response_code"], "01", "{p}");
    assert!(p["response_desc"].as_str().unwrap().contains("insufficient"));
    assert_eq!(sim.status("1001", p["trx_id"].as_str().unwrap()).await["payment_status_code"], "3");
    wait_notification(&sim, "1001", "3").await;
    // …03: limit exceeded → 01.
    let p = sim.post(TOKENIZE, payment("081100000003", "3001", "100000", "0")).await;
    assert_eq!(p["response_code"], "01");
    assert!(p["response_desc"].as_str().unwrap().contains("limit"));
    // …05: declines the payment → 3.
    assert_eq!(sim.code_of(payment("081100000005", "5001", "100000", "0")).await, "00");
    sim.wait_status("5001", "3").await;
    // …06: never answers → 7 Expired, notified.
    assert_eq!(sim.code_of(payment("081100000006", "6001", "100000", "0")).await, "00");
    sim.wait_status("6001", "7").await;
    wait_notification(&sim, "6001", "7").await;
    // Insufficient points only (pay_type 1) for a linked customer with cash.
    assert_eq!(sim.code_of(payment("081100000007", "7002", "100000000", "1")).await, "01");
}

#[tokio::test]
async fn customer_declines_and_blocked_at_debit() {
    let phone = "085712345678";
    let sim = linked_sim(phone).await;
    // Decline on the page → 3 Failed.
    assert_eq!(sim.code_of(payment(phone, "1", "100000", "0")).await, "00");
    let id = sim.pending_for(phone).await["id"].as_str().unwrap().to_owned();
    sim.decide(&id, json!({ "decision": "decline" })).await;
    sim.wait_status("1", "3").await;
    wait_notification(&sim, "1", "3").await;
    // Blocked at payment time → 63 (status 3).
    sim.http
        .patch(sim.url(&format!("/_sandbox/accounts/{phone}")))
        .json(&json!({ "blocked": true }))
        .send()
        .await
        .unwrap();
    let p = sim.post(TOKENIZE, payment(phone, "2", "100000", "0")).await;
    assert_eq!(p["response_code"], "63", "{p}");
    assert_eq!(sim.status("2", "").await["payment_status_code"], "3");
}

#[tokio::test]
async fn expired_token_answers_02_and_relinks() {
    let phone = "081234567890";
    let sim = linked_sim(phone).await;
    sim.on_account(phone, "expire-token").await;
    let p = sim.pay_with_expired_token(phone, "101").await;
    let url = p["url"].as_str().unwrap();
    assert!(url.contains("/webview/"));
    sim.wait_link(phone, "TOKEN_EXPIRED").await;
    // Re-link through the url, then pay with a new bill_no attempt.
    sim.relink_and_pay(phone, url, "102").await;
}

#[tokio::test]
async fn the_magic_token_expiry_phone_answers_02_to_its_first_payment_until_relinked() {
    let phone = "081100000008";
    let sim = linked_sim(phone).await;
    sim.pay_with_expired_token(phone, "201").await;
    sim.wait_link(phone, "TOKEN_EXPIRED").await;
    // Still 02 until the customer regenerates the token on the (newest) page.
    let p = sim.pay_with_expired_token(phone, "202").await;
    sim.relink_and_pay(phone, p["url"].as_str().unwrap(), "203").await;
    // Another number is not touched.
    sim.link("081234567890").await;
    assert_eq!(sim.code_of(payment("081234567890", "204", "100000", "0")).await, "00");
}

#[tokio::test]
async fn cancel_and_reversal() {
    let phone = "081234567890";
    let sim = linked_sim(phone).await;
    let cancel = |bill: &str| json!({ "request": "Canceling Payment", "trx_id": "", "merchant_id": MID, "merchant": "Sophia Store", "bill_no": bill, "payment_cancel": "customer asked", "signature": sig(&[USER, PASS, bill]) });
    // Unpaid → cancelled (8), notified; the customer's page is gone.
    let p = sim.post(TOKENIZE, payment(phone, "11", "100000", "0")).await;
    let c = sim.post(CANCEL, cancel("11")).await;
    assert_eq!(c["response_code"], "00", "{c}");
    assert_eq!(c["trx_status_code"], "8");
    assert_eq!(sim.status("11", p["trx_id"].as_str().unwrap()).await["payment_status_code"], "8");
    wait_notification(&sim, "11", "8").await;
    assert_eq!(sim.post(CANCEL, cancel("11")).await["response_code"], "17");
    let mut bad = cancel("11");
    bad["signature"] = json!(sig(&[USER, PASS, "12"]));
    assert_eq!(sim.post(CANCEL, bad).await["response_code"], "55");
    assert_eq!(sim.post(CANCEL, cancel("404")).await["response_code"], "14");
    // Paid → 81; reversal (provider-initiated) → 4, money back, notified.
    let before = sim.account(phone).await["cash"].as_i64().unwrap();
    let p = sim.post(TOKENIZE, payment(phone, "12", "100000", "0")).await;
    let id = sim.pending_for(phone).await["id"].as_str().unwrap().to_owned();
    sim.decide(&id, json!({ "decision": "approve" })).await;
    sim.wait_status("12", "2").await;
    assert_eq!(sim.account(phone).await["cash"].as_i64().unwrap(), before - 1_000);
    assert_eq!(sim.post(CANCEL, cancel("12")).await["response_code"], "81");
    let trx = p["trx_id"].as_str().unwrap();
    let r = sim
        .control(&format!("/_sandbox/faspay_ovo_tokenize/{MID}/payment/{trx}/reverse"), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    sim.wait_status("12", "4").await;
    assert_eq!(sim.account(phone).await["cash"].as_i64().unwrap(), before);
    let n = wait_notification(&sim, "12", "4").await;
    assert!(notification_verifies(&n, USER, PASS));
    assert_eq!(sim.post(CANCEL, cancel("12")).await["response_code"], "80");
    let again = sim
        .control(&format!("/_sandbox/faspay_ovo_tokenize/{MID}/payment/{trx}/reverse"), json!({}))
        .await;
    assert_eq!(again.status(), 409);
}

#[tokio::test]
async fn history_pages_and_date_rules() {
    let phone = "081100000007"; // auto-approves
    let sim = linked_sim(phone).await;
    for bill in ["1", "2", "3"] {
        assert_eq!(sim.code_of(payment(phone, bill, "100000", "0")).await, "00");
        sim.wait_status(bill, "2").await;
    }
    let page1 = sim.post(TOKENIZE, history(phone, "1", "2")).await;
    assert_eq!(page1["list_transaction"].as_object().unwrap().len(), 2, "{page1}");
    let page2 = sim.post(TOKENIZE, history(phone, "2", "2")).await;
    assert_eq!(page2["list_transaction"].as_object().unwrap().len(), 1, "{page2}");
    assert_eq!(sim.history_length(history(phone, "3", "2")).await, 0);
    assert_eq!(sim.code_of(history(phone, "0", "2")).await, "30");
    assert_eq!(sim.code_of(history(phone, "1", "51")).await, "30");
    let mut future = history(phone, "1", "10");
    future["end_date"] = json!("2999-01-01");
    assert_eq!(sim.code_of(future).await, "30");
    let mut past = history(phone, "1", "10");
    past["start_date"] = json!("2020-01-01");
    past["end_date"] = json!("2020-01-31");
    let r = sim.post(TOKENIZE, past).await;
    assert_eq!(
        (r["response_code"].as_str(), r["list_transaction"].as_object().map(|o| o.len())),
        (Some("00"), Some(0))
    );
}

#[tokio::test]
async fn xml_variant_answers_xml() {
    let sim = sim().await;
    let phone = "081382826301";
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><faspay><request>Account Activation OVO OpenAPI</request><merchant_id>{MID}</merchant_id><payment_channel>720</payment_channel><phone_no>{phone}</phone_no><cust_name>Sophia</cust_name><signature>{}</signature></faspay>",
        sig(&[USER, PASS, phone])
    );
    let resp = sim
        .http
        .post(sim.url("/pws/100037/183xx00010100000/"))
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/xml");
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("<faspay>") && text.contains("<response_code>00</response_code>"),
        "{text}"
    );
    let bad = sim
        .http
        .post(sim.url("/pws/100004/183xx00010100000"))
        .body("<faspay><bill_no>1</bill_no>")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        bad.contains("<response_code>83</response_code>")
            || bad.contains("<response_code>30</response_code>"),
        "{bad}"
    );
}

/// The auto-approving payer pays `bill_no` (Rp 100,000, cash) while the merchant answers its
/// first `failures` notifications with 500.
async fn paid_while_the_merchant_fails(failures: usize, bill_no: &str) -> Sim {
    let sim = sim().await;
    sim.receiver.fail_next(vec![500; failures]);
    let phone = "081100000007";
    sim.link(phone).await;
    sim.post(TOKENIZE, payment(phone, bill_no, "100000", "0")).await;
    sim
}

#[tokio::test]
async fn notification_retries_until_acknowledged() {
    let sim = paid_while_the_merchant_fails(2, "900").await;
    sim.wait_status("900", "2").await;
    // Two 500s, then the third attempt is acknowledged (retries 60 s apart, scaled).
    let sim = &sim;
    let delivered = sim::poll(Duration::from_millis(10), || async move {
        let d = sim.get_json("/_sandbox/notifications?product=faspay_ovo_tokenize").await;
        let payment = json::find(&d, |d| d["kind"] == "payment");
        payment.filter(|p| p["delivered"] == true).cloned()
    });
    let p = delivered.await.expect("never delivered");
    assert_eq!(p["attempts"].as_array().unwrap().len(), 3, "{p}");
    assert_eq!(notifications(sim).len(), 3);
}

#[tokio::test]
async fn notification_gives_up_after_three_retries() {
    let sim = paid_while_the_merchant_fails(100, "901").await;
    for _ in 0..500 {
        if notifications(&sim).len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // would be a fifth attempt (60 s scaled = 60 ms)
    assert_eq!(notifications(&sim).len(), 4, "1 attempt + 3 retries");
}

#[tokio::test]
async fn legacy_signature_switch_and_wrong_signature_fault() {
    let sim =
        sim_with("legacy_notification_signature = true\nsign_activation_callback = true").await;
    let phone = "081100000007";
    sim.link(phone).await;
    let cb = sim.receiver.wait_for(|h| h.method == "GET").await;
    assert_eq!(
        cb.query()["signature"],
        sig(&[USER, PASS, phone]),
        "switch adds the callback signature"
    );
    sim.post(TOKENIZE, payment(phone, "1", "100000", "0")).await;
    let n = wait_notification(&sim, "1", "2").await;
    assert_eq!(n["signature"], sig(&[USER, PASS, "1"]).as_str(), "legacy form, no status (F5)");
    // Wrong-signature drill: the next notification verifies in neither form.
    let r = sim.control("/_sandbox/faults", json!({ "product": "faspay_ovo_tokenize", "endpoint": "notification", "fault": { "kind": "wrong_signature_notification" } })).await;
    assert_eq!(r.status(), 201);
    sim.post(TOKENIZE, payment(phone, "2", "100000", "0")).await;
    let n = wait_notification(&sim, "2", "2").await;
    assert!(!notification_verifies(&n, USER, PASS));
    let d = sim.get_json("/_sandbox/notifications?product=faspay_ovo_tokenize").await;
    assert!(d.as_array().unwrap().iter().any(|d| d["tampered"] == true));
}

#[tokio::test]
async fn xml_notifications_when_configured() {
    let sim = sim_with("notification_format = \"xml\"").await;
    let phone = "081100000007";
    sim.link(phone).await;
    sim.post(TOKENIZE, payment(phone, "77", "100000", "0")).await;
    let hit = sim.receiver.wait_for(|h| h.method == "POST").await;
    assert_eq!(content_type(&hit), "application/xml");
    assert!(
        hit.body.contains("<bill_no>77</bill_no>")
            && hit.body.contains("<payment_status_code>2</payment_status_code>"),
        "{}",
        hit.body
    );
    assert!(hit
        .body
        .contains(&format!("<signature>{}</signature>", sig(&[USER, PASS, "77", "2"]))));
}

#[tokio::test]
async fn lose_response_on_payment_still_processes_it() {
    let phone = "081100000007";
    let sim = linked_sim(phone).await;
    let r = sim.control("/_sandbox/faults", json!({ "product": "faspay_ovo_tokenize", "endpoint": TOKENIZE, "fault": { "kind": "lose_response" } })).await;
    assert_eq!(r.status(), 201);
    let sent =
        sim.http.post(sim.url(TOKENIZE)).json(&payment(phone, "555", "100000", "0")).send().await;
    assert!(sent.is_err(), "the connection closes without an answer");
    let s = sim.wait_status("555", "2").await;
    assert_eq!(s["response_code"], "00");
    // A retry with the same bill_no is refused as already paid, not charged twice.
    assert_eq!(sim.code_of(payment(phone, "555", "100000", "0")).await, "81");
}

#[tokio::test]
async fn no_urls_means_nothing_sent_and_demo_merchants_parse() {
    let toml = format!("[[faspay_ovo_tokenize]]\nmerchant_id = \"{MID}\"\nuser_id = \"{USER}\"\npassword = \"{PASS}\"\nmerchant_name = \"Sophia Store\"\n");
    let sandbox = sim::start(&toml, "0.001").await;
    let http = reqwest::Client::new();
    let phone = "081100000007";
    let a: Value =
        json::post(&http, &format!("{}{TOKENIZE}", sandbox.url()), &activation(phone)).await;
    assert_eq!(a["response_code"], "00");
    let balance = general("Check Balance OVO OpenAPI", phone);
    let mut linked = false;
    for _ in 0..500 {
        let b: Value = json::post(&http, &format!("{}{TOKENIZE}", sandbox.url()), &balance).await;
        if b["response_code"] == "00" {
            linked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(linked);
    let p: Value = json::post(
        &http,
        &format!("{}{TOKENIZE}", sandbox.url()),
        &payment(phone, "1", "100000", "0"),
    )
    .await;
    assert_eq!(p["response_code"], "00", "{p}");
    let d: Value = json::get(&http, &format!("{}/_sandbox/notifications", sandbox.url())).await;
    assert_eq!(d.as_array().unwrap().len(), 0);

    let demo: Vec<ovo_sandbox::products::faspay::MerchantConfig> =
        Merchants::demo().section("faspay_ovo_tokenize").unwrap();
    assert_eq!(demo.len(), 1);
    assert_eq!(
        (demo[0].merchant_id.as_str(), demo[0].user_id.as_str(), demo[0].amount_scale),
        ("99999", "bot99999", 100)
    );
}

#[tokio::test]
async fn reset_forgets_links_and_payments() {
    let sim = sim().await;
    sim.link("081100000007").await;
    sim.control("/_sandbox/reset", json!({})).await;
    let st = sim.state().await;
    assert_eq!(st["links"].as_array().unwrap().len(), 0);
    assert_eq!(sim.code_of(general("Check Balance OVO OpenAPI", "081100000007")).await, "01");
}

// --- seeded links ([[bindings]]) ---------------------------------------------------------------

fn wib_days_ago(days: i64) -> String {
    let day = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive()
        - chrono::Days::new(days.unsigned_abs());
    day.format("%Y-%m-%d").to_string()
}

fn last_30_days(phone: &str, page: &str, limit: &str) -> Value {
    let mut h = history(phone, page, limit);
    h["start_date"] = json!(wib_days_ago(30));
    h
}

#[tokio::test]
async fn seeded_link_has_balance_history_and_topup_and_reset_links_it_again() {
    let seeded = "\n[[bindings]]\nproduct = \"faspay_ovo_tokenize\"\nphone = \"6281382826301\"\n\n\
                  [[bindings]]\nproduct = \"faspay_ovo_tokenize\"\nmerchant = \"31025\"\nphone = \"085712345678\"\n";
    let sim = sim_with(seeded).await;
    let phone = "081382826301";

    let b = sim.post(TOKENIZE, general("Check Balance OVO OpenAPI", phone)).await;
    assert_eq!(b["response_code"], "00", "{b}");
    assert_eq!(b["detail"]["cash"]["balance"], "500000000");
    assert_eq!(b["detail"]["points"]["balance"], "100000");

    // Demo history over the last 30 days: 7 entries (one reversed), in pages.
    let all = sim.post(TOKENIZE, last_30_days(phone, "1", "50")).await;
    assert_eq!(all["response_code"], "00", "{all}");
    let list = all["list_transaction"].as_object().unwrap();
    assert_eq!(list.len(), 7, "{all}");
    assert_eq!(list["transaction_1"]["trx_amount"], "4500000");
    assert_eq!(list.values().filter(|t| t["status"] == "Payment Reversal").count(), 1);
    assert_eq!(sim.history_length(last_30_days(phone, "1", "5")).await, 5);
    assert_eq!(sim.history_length(last_30_days(phone, "2", "5")).await, 2);
    let first = list["transaction_1"]["trx_id"].as_str().unwrap().to_owned();

    let t = sim.post(TOKENIZE, general("Top Up Instruction OVO OpenAPI", phone)).await;
    assert_eq!(t["response_code"], "00", "{t}");

    // A new payment gets its own trx_id after the demo ones.
    let p = sim.post(TOKENIZE, payment(phone, "42", "1000000", "0")).await;
    assert_eq!(p["response_code"], "00", "{p}");
    assert!(!list.values().any(|t| t["trx_id"] == p["trx_id"]), "{p}");

    // Agus is linked to the other merchant only.
    assert_eq!(sim.code_of(general("Check Balance OVO OpenAPI", "085712345678")).await, "01");
    let st = sim.state().await;
    assert!(
        st["links"].as_array().unwrap().iter().any(|l| l["merchant_id"] == "31025"
            && l["phone"] == "6285712345678"
            && l["state"] == "ACTIVE"),
        "{st}"
    );

    // Unlink works as usual; a reset links it again, with the same demo history.
    assert_eq!(sim.code_of(general("Unlink OVO OpenAPI", phone)).await, "00");
    assert_eq!(sim.code_of(general("Check Balance OVO OpenAPI", phone)).await, "01");
    assert_eq!(sim.control("/_sandbox/reset", json!({})).await.status(), 200);
    assert_eq!(sim.code_of(general("Check Balance OVO OpenAPI", phone)).await, "00");
    let again = sim.post(TOKENIZE, last_30_days(phone, "1", "50")).await;
    assert_eq!(again["list_transaction"].as_object().unwrap().len(), 7);
    assert_eq!(again["list_transaction"]["transaction_1"]["trx_id"], first.as_str());
}

#[tokio::test]
async fn decide_without_a_return_url_has_no_redirect_to_follow() {
    let sim = sim().await;
    let phone = "081234567890";
    assert_eq!(sim.activate(phone).await["response_code"], "00");
    let action = sim.pending_for(phone).await;
    let r = sim
        .control(
            &format!("/_sandbox/pending/{}/decide", action["id"].as_str().unwrap()),
            json!({"decision":"approve","follow_redirect":true}),
        )
        .await;
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["redirect"], Value::Null, "{answer}");
    assert!(
        answer.get("followed_status").is_none() && answer.get("followed_error").is_none(),
        "{answer}"
    );
    sim.wait_link(phone, "ACTIVE").await;
}

// --- faults real providers show, resends and the writes count -----------------------------------

#[tokio::test]
async fn success_after_failure_a_5xx_after_processing_an_unknown_bill_and_the_writes_count() {
    let phone = "081382826301";
    let sim = linked_sim(phone).await;
    let arm = |endpoint: Option<&str>, fault: Value| {
        sim.control(
            "/_sandbox/faults",
            json!({"product":"faspay_ovo_tokenize","endpoint":endpoint,"fault":fault}),
        )
    };
    assert_eq!(
        arm(None, json!({"kind":"success_after_failure","after_ms":100_000})).await.status(),
        201
    );
    let bill = "20240101000000000901";
    let p = sim.post(TOKENIZE, payment(phone, bill, "1000000", "0")).await;
    assert_eq!(p["response_code"], "00", "{p}");
    // The same request again before the customer answers: the same answer, not a second payment.
    let again = sim.post(TOKENIZE, payment(phone, bill, "1000000", "0")).await;
    assert_eq!(again["trx_id"], p["trx_id"]);
    let action = sim.pending_for(phone).await;
    sim.decide(action["id"].as_str().unwrap(), json!({"decision":"approve"})).await;
    let failed = wait_notification(&sim, bill, "3").await;
    assert!(notification_verifies(&failed, USER, PASS));
    let paid = wait_notification(&sim, bill, "2").await;
    assert!(notification_verifies(&paid, USER, PASS));
    sim.wait_status(bill, "2").await;
    assert_eq!(sim.account("6281382826301").await["cash"], 4_990_000, "taken once");

    // A 5xx after processing, in Faspay's shape: the payment exists all the same.
    assert_eq!(
        arm(Some(TOKENIZE), json!({"kind":"server_error_after_processing","status":502}))
            .await
            .status(),
        201
    );
    let bill2 = "20240101000000000902";
    let resp = sim
        .http
        .post(sim.url(TOKENIZE))
        .json(&payment(phone, bill2, "1000000", "0"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        (body["response_code"].as_str(), body["response_desc"].as_str()),
        (Some("96"), Some("System Malfunction"))
    );
    let exists = sim.status(bill2, "").await;
    assert_eq!(
        (exists["response_code"].as_str(), exists["trx_id"].is_string()),
        (Some("00"), true),
        "{exists}"
    );

    let sent = sim
        .control(
            "/_sandbox/notify-unknown",
            json!({"product":"faspay_ovo_tokenize","reference":"77777777"}),
        )
        .await;
    assert_eq!(sent.status(), 202);
    let unknown = wait_notification(&sim, "77777777", "2").await;
    assert!(notification_verifies(&unknown, USER, PASS));
    let not_found = sim.status("77777777", "").await;
    assert_ne!(not_found["response_code"], "00", "the provider has no such bill: {not_found}");

    let writes = sim.get_json("/_sandbox/writes?product=faspay_ovo_tokenize").await;
    let expected = json!([
        {"product":"faspay_ovo_tokenize","kind":"payment","reference":bill,"processed":1,"replays":1},
        {"product":"faspay_ovo_tokenize","kind":"payment","reference":bill2,"processed":1,"replays":0},
        {"product":"faspay_ovo_tokenize","kind":"link","reference":"6281382826301","processed":1,"replays":0},
    ]);
    assert_eq!(writes, expected);
}
