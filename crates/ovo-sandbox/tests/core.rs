//! The sandbox core over real loopback HTTP: control API, customer pages, notifications.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ovo_sandbox::core::faults::{ArmedFault, Fault, NOTIFICATION};
use ovo_sandbox::core::notify::{Ack, Outbound, Prepare, Prepared, Preparing, Tampered};
use ovo_sandbox::core::pending::{Decision, NewAction, Step};
use ovo_sandbox::core::wallets::PaySource;
use ovo_sandbox::{Merchants, RunningSandbox, SandboxConfig, TimeScale};
use ovo_test_support::{json, sim, Receiver, Sim};
use serde_json::{json, Value};

async fn sandbox() -> RunningSandbox {
    sim::start("", "0.00001").await
}

/// A merchant endpoint that answers the statuses given, in order, then 200; its URL.
async fn receiver(statuses: Vec<u16>) -> (String, Receiver) {
    let receiver = Receiver::start("").await;
    receiver.fail_next(statuses);
    (receiver.url("/notify"), receiver)
}

/// The headers and body of every request the merchant received, in order.
fn requests(receiver: &Receiver) -> Vec<(Vec<(String, String)>, String)> {
    receiver.hits().into_iter().map(|h| (h.headers, h.body)).collect()
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 5 s");
}

fn outbound(url: &str) -> Outbound {
    Outbound {
        product: "test",
        kind: "payment".into(),
        url: url.into(),
        method: reqwest::Method::POST,
        headers: vec![("x-signature".into(), "good".into())],
        body: "{\"paid\":true}".into(),
        retries: vec![Duration::from_secs(30 * 60), Duration::from_secs(6 * 3600)],
        tampered: Some(Tampered {
            url: url.into(),
            headers: vec![("x-signature".into(), "bad".into())],
            body: "{\"paid\":true}".into(),
        }),
        ack: Ack::Http2xx,
        prepare: None,
    }
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// A hook that records every call and answers each attempt with `answer(call)`.
fn recording_hook(answer: fn(Preparing) -> Prepared) -> (Prepare, Arc<Mutex<Vec<Preparing>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    let hook = Prepare::new(move |attempt: Preparing| {
        c.lock().unwrap().push(attempt);
        async move { answer(attempt) }
    });
    (hook, calls)
}

#[tokio::test]
async fn accounts_can_be_created_patched_and_reset() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/_sandbox/accounts", sb.url()))
        .json(
            &json!({ "phone": "0812-1111-2222", "name": "Dewi", "cash": 50_000, "points": 1_000 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.json::<Value>().await.unwrap()["phone"], "6281211112222");
    let (bad, _) = json::post_any(
        &http,
        &format!("{}/_sandbox/accounts", sb.url()),
        &json!({ "phone": "+65 9123 4567", "name": "X", "cash": 1, "points": 0 }),
    )
    .await;
    assert_eq!(bad, 422);

    let patched: Value = http
        .patch(format!("{}/_sandbox/accounts/6281211112222", sb.url()))
        .json(&json!({ "cash": 75_000, "blocked": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (patched["cash"].as_i64(), patched["blocked"].as_bool()),
        (Some(75_000), Some(true))
    );
    let negative = http
        .patch(format!("{}/_sandbox/accounts/6281211112222", sb.url()))
        .json(&json!({ "cash": -1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(negative.status(), 422);

    http.post(format!("{}/_sandbox/reset", sb.url())).send().await.unwrap();
    let gone =
        http.get(format!("{}/_sandbox/accounts/6281211112222", sb.url())).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let seeded: Value =
        json::get(&http, &format!("{}/_sandbox/accounts/6281234567890", sb.url())).await;
    assert_eq!(seeded["name"], "Budi Santoso");
}

#[tokio::test]
async fn the_customer_page_checks_terms_otp_and_pin_then_redirects() {
    let sb = sandbox().await;
    let link = NewAction {
        decline_url: Some("https://merchant.example/declined".into()),
        ..NewAction::binding("test", "6281234567890".into(), "Toko Maju".into(), "link OVO".into())
            .returning_to(Some("https://merchant.example/done".into()))
    };
    let opened = sb.ctx.pending().open(sb.ctx.wallets(), link.clone());
    let otp = sb.ctx.pending().get(&opened.id).unwrap().otp;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page_url = format!("{}/_sandbox/customer/{}", sb.url(), opened.id);
    let page = json::get_text(&http, &page_url).await;
    assert!(
        page.contains("Toko Maju") && page.contains(&otp),
        "the page shows the merchant and the SMS OTP"
    );

    let submit = |form: Vec<(&'static str, String)>| http.post(&page_url).form(&form).send();
    let no_terms =
        submit(vec![("otp", otp.clone()), ("pin", "123456".into()), ("action", "approve".into())])
            .await
            .unwrap();
    assert!(no_terms.text().await.unwrap().contains("agree to the terms"));
    let approve = |otp: &str, pin: &str| {
        vec![
            ("agree", "yes".to_owned()),
            ("otp", otp.to_owned()),
            ("pin", pin.to_owned()),
            ("action", "approve".to_owned()),
        ]
    };
    for (otp, pin, refusal) in
        [(otp.as_str(), "000000", "wrong PIN"), ("999999x", "123456", "wrong OTP")]
    {
        let page = submit(approve(otp, pin)).await.unwrap();
        assert!(page.text().await.unwrap().contains(refusal), "{refusal}");
    }
    let done = submit(approve(&otp, "123456")).await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "https://merchant.example/done");
    assert_eq!(opened.decision.await.unwrap(), Decision::Approve { source: PaySource::Cash });

    // A declined action goes to the decline URL; a product may fix the OTP it documents.
    let declined = sb.ctx.pending().open(
        sb.ctx.wallets(),
        NewAction { steps: vec![Step::Otp], otp: Some("7890".into()), ..link },
    );
    assert_eq!(sb.ctx.pending().get(&declined.id).unwrap().otp, "7890");
    let url = format!("{}/_sandbox/customer/{}", sb.url(), declined.id);
    let back = http.post(&url).form(&[("action", "decline")]).send().await.unwrap();
    assert_eq!(back.headers()["location"], "https://merchant.example/declined");
    assert_eq!(declined.decision.await.unwrap(), Decision::Decline);
}

#[tokio::test]
async fn push_payments_are_decided_on_the_phone_page_or_by_magic_accounts() {
    let sb = sandbox().await;
    let push = |phone: &str| {
        NewAction::push("test", phone.into(), 25_000, "Toko Maju".into(), "invoice 7".into())
    };
    let manual = sb.ctx.pending().open(sb.ctx.wallets(), push("6281234567890"));
    let http = reqwest::Client::new();
    let phone =
        json::get_text(&http, &format!("{}/_sandbox/phone?phone=0812-3456-7890", sb.url())).await;
    assert!(phone.contains("invoice 7") && phone.contains("Rp 25000"));
    http.post(format!("{}/_sandbox/phone/{}", sb.url(), manual.id))
        .form(&[("action", "points")])
        .send()
        .await
        .unwrap();
    assert_eq!(manual.decision.await.unwrap(), Decision::Approve { source: PaySource::Points });

    let decliner = sb.ctx.pending().open(sb.ctx.wallets(), push("6281100000005"));
    assert_eq!(decliner.decision.await.unwrap(), Decision::Decline);
    let payer = sb.ctx.pending().open(sb.ctx.wallets(), push("6281100000007"));
    assert_eq!(payer.decision.await.unwrap(), Decision::Approve { source: PaySource::Cash });
    let silent = sb.ctx.pending().open(sb.ctx.wallets(), push("6281100000006"));
    let waited = tokio::time::timeout(Duration::from_millis(50), silent.decision).await;
    assert!(waited.is_err(), "the silent customer never answers");

    let via_control = sb.ctx.pending().open(sb.ctx.wallets(), push("6281298765432"));
    let decide = format!("{}/_sandbox/pending/{}/decide", sb.url(), via_control.id);
    let decline = json!({ "decision": "decline" });
    assert_eq!(json::post_any(&http, &decide, &decline).await.0, 200);
    assert_eq!(via_control.decision.await.unwrap(), Decision::Decline);
    assert_eq!(json::post_any(&http, &decide, &decline).await.0, 404, "decided only once");
}

#[tokio::test]
async fn notifications_retry_on_the_scaled_schedule_until_the_merchant_accepts() {
    let sb = sandbox().await;
    let (url, seen) = receiver(vec![500, 503]).await;
    sb.ctx.notifier().send(outbound(&url));
    wait_until(|| sb.ctx.journal().deliveries(Some("test")).first().is_some_and(|d| d.delivered))
        .await;
    let delivery = &sb.ctx.journal().deliveries(Some("test"))[0];
    let statuses: Vec<_> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert_eq!(requests(&seen).len(), 3);

    // The schedule runs out: three refusals and no more attempts.
    let (url, seen) = receiver(vec![500, 500, 500, 500]).await;
    assert!(!sb.ctx.notifier().deliver(outbound(&url), false).await);
    assert_eq!(requests(&seen).len(), 3);
}

#[tokio::test]
async fn notification_faults_duplicate_and_tamper_the_next_notification() {
    let sb = sandbox().await;
    let duplicate = ArmedFault {
        product: "test".into(),
        endpoint: Some(NOTIFICATION.into()),
        fault: Fault::DuplicateNotification,
        count: 1,
    };
    // "test" is not a product of this sandbox: arming it is refused with the known list.
    let body = serde_json::to_value(&duplicate).unwrap();
    assert_eq!(Sim::of(&sb).post_any("/_sandbox/faults", body).await.0, 422);
    sb.ctx.faults().arm(duplicate.clone());
    let (url, seen) = receiver(vec![]).await;
    sb.ctx.notifier().send(outbound(&url));
    wait_until(|| requests(&seen).len() == 2).await;

    sb.ctx.faults().arm(ArmedFault { fault: Fault::WrongSignatureNotification, ..duplicate });
    sb.ctx.notifier().send(outbound(&url));
    wait_until(|| requests(&seen).len() == 3).await;
    let signature = |i: usize| {
        requests(&seen)[i].0.iter().find(|(k, _)| k == "x-signature").map(|(_, v)| v.clone())
    };
    assert_eq!(
        (signature(0), signature(1), signature(2)),
        (Some("good".into()), Some("good".into()), Some("bad".into()))
    );
    let deliveries = sb.ctx.journal().deliveries(Some("test"));
    assert_eq!(deliveries.iter().filter(|d| d.tampered).count(), 1);
}

#[tokio::test]
async fn a_notification_needing_a_body_acknowledgement_is_retried_after_a_bare_200() {
    let sb = sandbox().await;
    let (url, seen) = receiver(vec![]).await; // always 200, empty body
    let mut out = outbound(&url);
    out.ack = Ack::Body(|answer| answer.contains("\"response_code\":\"00\""));
    assert!(
        !sb.ctx.notifier().deliver(out, false).await,
        "a bare 200 is not the documented acknowledgement"
    );
    assert_eq!(requests(&seen).len(), 3, "first attempt and both retries");
}

#[tokio::test]
async fn a_prepare_hook_gives_each_attempt_its_own_headers() {
    let sb = sandbox().await;
    let (url, seen) = receiver(vec![500, 503]).await;
    let (hook, calls) = recording_hook(|a| {
        Ok(Some(vec![
            ("x-signature".into(), format!("fresh-{}", a.number)),
            ("x-attempt".into(), a.number.to_string()),
        ]))
    });
    let mut out = outbound(&url);
    out.prepare = Some(hook);
    assert!(sb.ctx.notifier().deliver(out, false).await);
    let expected: Vec<_> = (1..=3).map(|number| Preparing { number, tampered: false }).collect();
    assert_eq!(*calls.lock().unwrap(), expected, "called once before each attempt");
    let sent: Vec<_> = requests(&seen)
        .iter()
        .map(|(h, _)| (header(h, "x-signature"), header(h, "x-attempt")))
        .collect();
    assert_eq!(
        sent,
        (1..=3).map(|n| (Some(format!("fresh-{n}")), Some(n.to_string()))).collect::<Vec<_>>(),
        "each attempt carries its own headers, never the given ones"
    );
    let delivery = &sb.ctx.journal().deliveries(Some("test"))[0];
    assert_eq!(
        delivery.attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(500), Some(503), Some(200)]
    );
    assert_eq!(
        header(&delivery.headers, "x-signature").as_deref(),
        Some("fresh-1"),
        "the journal shows the first attempt's headers"
    );

    // The wrong-signature drill tells the hook, whose headers replace the tampered ones too.
    let (url, seen) = receiver(vec![]).await;
    let (hook, calls) = recording_hook(|a| {
        Ok(Some(vec![(
            "x-signature".into(),
            if a.tampered { "fresh-bad" } else { "fresh-good" }.into(),
        )]))
    });
    let mut out = outbound(&url);
    out.prepare = Some(hook);
    sb.ctx.faults().arm(ArmedFault {
        product: "test".into(),
        endpoint: Some(NOTIFICATION.into()),
        fault: Fault::WrongSignatureNotification,
        count: 1,
    });
    sb.ctx.notifier().send(out);
    wait_until(|| requests(&seen).len() == 1).await;
    assert_eq!(*calls.lock().unwrap(), [Preparing { number: 1, tampered: true }]);
    assert_eq!(header(&requests(&seen)[0].0, "x-signature").as_deref(), Some("fresh-bad"));
}

#[tokio::test]
async fn a_failed_preparation_skips_that_attempt_and_none_keeps_the_given_headers() {
    let sb = sandbox().await;
    let (url, seen) = receiver(vec![]).await;
    // Attempt 1 cannot be prepared (say, the merchant's token endpoint is down); attempt 2 keeps
    // the given headers.
    let (hook, calls) =
        recording_hook(
            |a| if a.number == 1 { Err("token endpoint down".into()) } else { Ok(None) },
        );
    let mut out = outbound(&url);
    out.prepare = Some(hook);
    assert!(sb.ctx.notifier().deliver(out, false).await);
    assert_eq!(calls.lock().unwrap().len(), 2);
    let sent = requests(&seen);
    assert_eq!(sent.len(), 1, "nothing was sent for the unprepared attempt");
    assert_eq!(header(&sent[0].0, "x-signature").as_deref(), Some("good"));
    let delivery = &sb.ctx.journal().deliveries(Some("test"))[0];
    assert_eq!(delivery.attempts.len(), 2);
    assert_eq!(
        (delivery.attempts[0].status, delivery.attempts[0].error.as_deref()),
        (None, Some("not sent: token endpoint down"))
    );
    assert_eq!(delivery.attempts[1].status, Some(200));
    assert!(delivery.delivered);

    // Every attempt failing runs the whole schedule and gives up.
    let (url, seen) = receiver(vec![]).await;
    let (hook, calls) = recording_hook(|_| Err("down".into()));
    let mut out = outbound(&url);
    out.prepare = Some(hook);
    assert!(!sb.ctx.notifier().deliver(out, false).await);
    assert_eq!((calls.lock().unwrap().len(), requests(&seen).len()), (3, 0));
}

#[tokio::test]
async fn the_demo_merchants_start_with_their_seeded_links() {
    let sb = sim::start_demo("0.001").await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{}{path}", sb.url()));
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let ovo = get("/_sandbox/ovo_snap/state").await;
    assert_eq!(
        ovo["bindings"],
        json!([{"referenceNo": "LNKDEMO6281234567890", "clientId": "demo-ovosnap-client", "phone": "6281234567890",
        "status": "ACTIVE", "authCode": ovo["bindings"][0]["authCode"], "partnerReferenceNo": null, "custIdMerchant": null, "actionId": null, "reason": null}])
    );
    let doku = get("/_sandbox/doku_snap_ovo/bindings/DOKUDEMO6281298765432").await;
    assert_eq!(
        (doku["status"].as_str(), doku["phoneNo"].as_str(), doku["clientId"].as_str()),
        (Some("SUCCESS"), Some("6281298765432"), Some("BRN-0218-1700000000001"))
    );
    let faspay = get("/_sandbox/faspay_ovo_tokenize/state").await;
    let links: Vec<(&str, &str, &str)> = faspay["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["merchant_id"].as_str().unwrap(),
                l["phone"].as_str().unwrap(),
                l["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(links, [("99999", "6281382826301", "ACTIVE"), ("99999", "6285712345678", "ACTIVE")]);
    assert_eq!(
        faspay["payments"].as_array().unwrap().len(),
        14,
        "7 demo payments per seeded Faspay link"
    );
}

#[tokio::test]
async fn https_serves_with_a_generated_ca_that_clients_must_trust() {
    let sb = sim::start_https("", "0.001").await;
    assert!(sb.url().starts_with("https://127.0.0.1:"), "{}", sb.url());
    assert!(sb.ctx.base_url().starts_with("https://"), "the sandbox's own pages are HTTPS too");
    let pem = sb.ca_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let trusting = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
    let health: Value = json::get(&trusting, &format!("{}/_sandbox/health", sb.url())).await;
    assert_eq!(health, json!({"ok": true}));
    // localhost is on the certificate too.
    let by_name = format!("https://localhost:{}/_sandbox/health", sb.addr.port());
    assert!(trusting.get(by_name).send().await.unwrap().status().is_success());
    // Without the CA the handshake fails, and nothing reaches a product or the journal.
    let err = reqwest::Client::new()
        .get(format!("{}/_sandbox/health", sb.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Plain HTTP still works as before.
    assert!(sandbox().await.url().starts_with("http://"));
    assert_eq!(
        ovo_sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
            .ca_pem(),
        None
    );
}

#[tokio::test]
async fn drill_certificates_are_refused_even_with_the_ca_trusted() {
    for served in
        [ovo_sandbox::ServedCertificate::Expired, ovo_sandbox::ServedCertificate::WrongName]
    {
        let config = SandboxConfig {
            merchants: Merchants::parse("").unwrap(),
            time_scale: TimeScale::parse("0.001").unwrap(),
            ..SandboxConfig::default()
        };
        let sb =
            ovo_sandbox::start_tls(config, "127.0.0.1:0".parse().unwrap(), served).await.unwrap();
        let ca = reqwest::Certificate::from_pem(sb.ca_pem().unwrap().as_bytes()).unwrap();
        let trusting = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        let err = trusting.get(format!("{}/_sandbox/health", sb.url())).send().await.unwrap_err();
        let chain = format!("{err:?}");
        let expected = if served == ovo_sandbox::ServedCertificate::Expired {
            "Expired"
        } else {
            "NotValidForName"
        };
        assert!(chain.contains(expected), "{served:?}: {chain}");
    }
}

/// `POST /_sandbox/import`: the demo merchants' payments and refunds, as a merchant's ledger
/// has them, become the products' own records; bad records are refused one by one, with why.
#[tokio::test]
async fn imported_payments_and_refunds_become_the_products_records() {
    let sb = sim::start_demo("0.00001").await;
    let http = reqwest::Client::new();
    let url = sb.url();
    let day = 86_400_000_i64;
    let now = i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis(),
    )
    .unwrap();
    let body = json!({ "payments": [
        { "product": "ovo_snap", "reference": "AAAABBBBCCCCDDDD", "provider_ref": "OVO0000000000000001", "binding_ref": "LNKDEMO6281234567890",
          "phone": "081234567890", "amount": 100000, "status": "succeeded", "created_at": now - 5 * day, "paid_at": now - 5 * day,
          "refunds": [{ "reference": "RRRRSSSSTTTTUUUU", "provider_ref": "RFD1", "amount": 40000, "status": "succeeded", "at": now - 4 * day }] },
        { "product": "tazapay_ovo_idr", "reference": "EEEEFFFFGGGGHHHH", "provider_ref": "pay_demo1", "phone": "6282112345678",
          "customer_name": "Putu Ayu Lestari", "amount": 50000, "status": "succeeded", "created_at": now - day,
          "refunds": [{ "reference": "IIIIJJJJKKKKLLLL", "provider_ref": "rfd_demo1", "amount": 50000, "status": "pending", "at": now - 1000 }] },
        { "product": "doku_jokul_ovo_push", "reference": "MMMMNNNNOOOOPPPP", "phone": "6285712345678", "amount": 25000, "status": "expired", "created_at": now - day },
        { "product": "nope", "reference": "X", "phone": "6285712345678", "amount": 1, "status": "failed", "created_at": now },
        { "product": "ovo_snap", "reference": "QQQQRRRRSSSSTTTT", "phone": "6281234567890", "amount": 1000, "status": "succeeded", "created_at": now,
          "refunds": [{ "reference": "R2", "amount": 2000, "status": "succeeded", "at": now }] },
        { "product": "faspay_ovo_tokenize", "reference": "0000000000000000000000001", "phone": "6281382826301", "amount": 5000, "status": "succeeded", "created_at": now }
    ]});
    let report: Value = json::post(&http, &format!("{url}/_sandbox/import"), &body).await;
    assert_eq!(report["imported"], 3, "{report}");
    let reasons: Vec<String> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons.len(), 3, "{report}");
    assert!(reasons[0].starts_with("unknown product"), "{reasons:?}");
    assert_eq!(reasons[1], "refunds add up to more than the payment");
    assert_eq!(reasons[2], "a Faspay payment needs its trx_id");

    let snap: Value = json::get(&http, &format!("{url}/_sandbox/ovo_snap/state")).await;
    let payment =
        json::find(&snap["payments"], |p| p["partnerReferenceNo"] == "AAAABBBBCCCCDDDD").unwrap();
    assert_eq!(
        (payment["referenceNo"].as_str(), payment["status"].as_str(), payment["phone"].as_str()),
        (Some("OVO0000000000000001"), Some("00"), Some("6281234567890"))
    );
    assert_eq!(payment["refunds"][0]["partnerRefundNo"], "RRRRSSSSTTTTUUUU");
    // Putu had no OVO account in the sandbox: whoever paid has one now.
    let putu: Value = json::get(&http, &format!("{url}/_sandbox/accounts/6282112345678")).await;
    assert_eq!(putu["name"].as_str(), Some("Putu Ayu Lestari"));
    // The pending Tazapay refund is paid out on the product's schedule, back to the wallet
    // opened with 5,000,000.
    let mut paid_out = false;
    for _ in 0..500 {
        let payin: Value =
            json::get(&http, &format!("{url}/_sandbox/tazapay_ovo_idr/payins/pay_demo1")).await;
        if payin["refunds"][0]["status"] == "succeeded" {
            paid_out = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(paid_out, "the imported pending refund is paid out");
    let putu: Value = json::get(&http, &format!("{url}/_sandbox/accounts/6282112345678")).await;
    assert_eq!(putu["cash"].as_i64(), Some(5_050_000));
    let push: Value =
        json::get(&http, &format!("{url}/_sandbox/doku_jokul_ovo_push/payments/MMMMNNNNOOOOPPPP"))
            .await;
    assert_eq!(
        (push["status"].as_str(), push["response_code"].as_str()),
        (Some("TIMEOUT"), Some("68"))
    );
}

#[tokio::test]
async fn a_replayed_notification_repeats_the_headers_it_sent_without_preparing_them_again() {
    let sb = sandbox().await;
    let (url, seen) = receiver(vec![]).await;
    let (hook, calls) = recording_hook(|attempt| {
        Ok(Some(vec![("x-signature".into(), format!("signed-{}", attempt.number))]))
    });
    sb.ctx.faults().arm(ArmedFault {
        product: "test".into(),
        endpoint: None,
        fault: Fault::ReplayNotification { after_ms: 1_000 },
        count: 1,
    });
    sb.ctx.notifier().send(Outbound { prepare: Some(hook), ..outbound(&url) });
    wait_until(|| requests(&seen).len() == 2).await;
    let seen = requests(&seen);
    assert_eq!(header(&seen[0].0, "x-signature").as_deref(), Some("signed-1"));
    assert_eq!(
        header(&seen[1].0, "x-signature").as_deref(),
        Some("signed-1"),
        "the same signature again"
    );
    assert_eq!(seen[0].1, seen[1].1);
    assert_eq!(calls.lock().unwrap().len(), 1, "a replay is not prepared again");
    let deliveries = sb.ctx.journal().deliveries(Some("test"));
    assert_eq!((deliveries[0].replay_of, deliveries[1].replay_of), (None, Some(deliveries[0].seq)));
    assert!(sb.ctx.faults().list().is_empty());
}

#[tokio::test]
async fn arming_checks_the_new_faults() {
    let sb = sandbox().await;
    let control = Sim::of(&sb);
    let arm = |fault: Value| {
        control.post_any("/_sandbox/faults", json!({"product":"ovo_snap","fault":fault}))
    };
    let (refused, _) = arm(json!({"kind":"server_error_after_processing","status":404})).await;
    assert_eq!(refused, 422);
    for fault in [
        json!({"kind":"server_error_after_processing","status":503}),
        json!({"kind":"late_processing","after_ms":35_000}),
        json!({"kind":"replay_notification","after_ms":1_000}),
        json!({"kind":"success_after_failure","after_ms":5_000}),
    ] {
        let (status, armed) = arm(fault.clone()).await;
        assert_eq!(status, 201, "{fault}");
        assert_eq!(armed["fault"], fault);
    }
    assert_eq!(sb.ctx.faults().list().len(), 4);
    for (reference, why) in [
        ("X", "this sandbox's merchants file has no ovo_snap merchant"),
        (" ", "an empty reference"),
    ] {
        let unknown = json!({"product":"ovo_snap","reference":reference});
        assert_eq!(control.post_any("/_sandbox/notify-unknown", unknown).await.0, 422, "{why}");
    }
}

#[tokio::test]
async fn the_journal_keeps_only_its_newest_requests() {
    let config = SandboxConfig {
        merchants: Merchants::parse("").unwrap(),
        time_scale: TimeScale::parse("0.001").unwrap(),
        journal_capacity: 3,
    };
    let sb = ovo_sandbox::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    for n in 0..5 {
        let sent = http.get(format!("{}/v3/payin/pay_journal{n}", sb.url())).send().await.unwrap();
        assert!(sent.status().is_client_error(), "no merchant is configured: {}", sent.status());
    }
    let received: Value = json::get(&http, &format!("{}/_sandbox/received", sb.url())).await;
    let paths: Vec<&str> =
        received.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["/v3/payin/pay_journal2", "/v3/payin/pay_journal3", "/v3/payin/pay_journal4"]
    );
    assert_eq!(SandboxConfig::default().journal_capacity, 10_000, "the standalone sandbox's");
}
