//! Known-answer tests (each names its vector), wire parsing and conversions.

use super::*;
use crate::products::snap::{body_hash, string_to_sign, symmetric_signature};

const TEST_KEY: &str = include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pem");
const TEST_PUB: &str = include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pub");

fn client(client_id: &str, secret: &str, options: DokuSnapOptions) -> DokuSnapClient {
    let credentials = Credentials::from_pairs(
        Product::DokuSnapOvo,
        [
            ("client_id", client_id.to_owned()),
            ("secret_key", secret.to_owned()),
            ("merchant_private_key", TEST_KEY.to_owned()),
            // The fixture pair plays DOKU's key pair in these tests.
            ("provider_public_key", TEST_PUB.to_owned()),
        ],
    );
    DokuSnapClient::new("http://127.0.0.1:9", &credentials, options).unwrap()
}

fn no_skew() -> DokuSnapOptions {
    DokuSnapOptions { inbound_max_skew: None, ..DokuSnapOptions::default() }
}

fn inbound(path: &str, headers: &[(&str, &str)], body: &str) -> InboundRequest {
    InboundRequest {
        method: "POST".into(),
        path_and_query: path.into(),
        headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        body: body.into(),
    }
}

// snap-standard.md §12 V2 (computed locally): the DOKU binding request. Our binding body
// builder must produce the vector's exact bytes, and their signature the vector's value.
#[test]
fn v2_binding_body_and_signature() {
    let phone = Msisdn::parse("081288932399").unwrap();
    let body = binding_body(
        &phone,
        "CUST-001",
        "https://merchant.example/success",
        "https://merchant.example/failed",
    );
    assert_eq!(
        body,
        r#"{"phoneNo":"6281288932399","additionalInfo":{"channel":"EMONEY_OVO_SNAP","custIdMerchant":"CUST-001","successRegistrationUrl":"https://merchant.example/success","failedRegistrationUrl":"https://merchant.example/failed"}}"#
    );
    assert_eq!(
        body_hash(body.as_bytes()),
        "2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4"
    );
    let (token, ts) = ("eyJhbGciOiJSUzI1NiJ9.test.token", "2024-01-01T10:00:00+07:00");
    assert_eq!(
        string_to_sign("POST", BINDING_PATH, token, body.as_bytes(), ts),
        "POST:/direct-debit/core/v1/registration-account-binding:eyJhbGciOiJSUzI1NiJ9.test.token:2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4:2024-01-01T10:00:00+07:00"
    );
    assert_eq!(
        symmetric_signature(b"SK-test-secret", "POST", BINDING_PATH, token, body.as_bytes(), ts),
        "jwXZTNLzT8EchxCP7d9ByeWXsqC/GP5Za87GGl6/66Z8o7UXENlce7OgFLfE3ZnPvrCts1wIfxxC4fK8TQBgIw=="
    );
}

// snap-standard.md §12 V5 (computed locally): a symmetric notification signature with the
// merchant-issued token. It verifies through `verify_notification_with`; the vector's body
// lacks the N1 fields, so it is then refused for the first missing one (after the signature).
#[test]
fn v5_notification_signature_through_the_verifier() {
    let c = client("BRN-test", "SK-test-secret", no_skew());
    let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
    let sig =
        "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==";
    let headers = [
        ("Authorization", "Bearer merchantIssuedToken"),
        ("X-TIMESTAMP", "2024-01-01T10:05:00+07:00"),
        ("X-SIGNATURE", sig),
    ];
    let request = inbound("/v1.0/debit/notify", &headers, body);
    let issued = |t: &str| t == "merchantIssuedToken";
    assert_eq!(
        c.verify_notification_with(&request, &issued).unwrap_err(),
        NotificationRejection::MissingField("amount")
    );
    // The same request without our token, or with another path, or another secret.
    assert_eq!(
        c.verify_notification_with(&request, &|_| false).unwrap_err(),
        NotificationRejection::UnknownToken
    );
    assert_eq!(
        c.verify_notification(&request).unwrap_err(),
        NotificationRejection::UnknownToken,
        "not issued by this client"
    );
    let moved = inbound("/v1.0/debit/notify2", &headers, body);
    assert_eq!(
        c.verify_notification_with(&moved, &issued).unwrap_err(),
        NotificationRejection::BadSignature
    );
    let other = client("BRN-test", "SK-other", no_skew());
    assert_eq!(
        other.verify_notification_with(&request, &issued).unwrap_err(),
        NotificationRejection::BadSignature
    );
    let anonymous = inbound("/v1.0/debit/notify", &headers[1..], body);
    assert_eq!(
        c.verify_notification_with(&anonymous, &issued).unwrap_err(),
        NotificationRejection::MissingField("Authorization")
    );
}

// N0 (§5.8) with the pinned SHA256withRSA vector of snap.rs (tests/fixtures/README.md:
// `test-client|2024-01-01T10:00:00.000+07:00` signed with the fixture key).
#[test]
fn n0_token_request_verifies_with_the_pinned_rsa_vector() {
    let sig = "oEvWs/LTjMlz/2Pnz87QDRlnEeIohRBBDa+wpzcIrZZEX8sn18uM4F0ivotbJo1VZdJSVtrgr2NIyiyn6QRbkUwsXgSWI0NIFPsIz3bNKn+XQDXWMBa3BIb632lKC36TaQGYBBxCooqhBTY1G0F2xNTpGT/yHSHadhAaCIuCCizJGHT5Zhw6dWCQArvAWlCQ/alWklwNJjgw76muKdHUaipQQ3cpqs551/sAP7jrXACIz+ZxWdxdbSTH/WO5PeGSJBvE32qQTWO5N/QfK965J6diO/3HM+I24P5QVqGatubPdC6MmpJc2+JKi8qcfhYWFNrxULWAZvwv4hA7hfs+6Q==";
    let ts = "2024-01-01T10:00:00.000+07:00";
    let body = r#"{"grantType":"client_credentials"}"#;
    let c = client("test-client", "SK-x", no_skew());
    let request = inbound(
        "/doku/token",
        &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts), ("X-SIGNATURE", sig)],
        body,
    );
    let verified = c.verify_token_request(&request).unwrap();
    assert_eq!((verified.client_id.as_str(), verified.timestamp.as_str()), ("test-client", ts));

    let answer = c.answer_token_request(&request);
    assert_eq!(answer.status, 200);
    let reply: Value = serde_json::from_str(answer.body.expose()).unwrap();
    assert_eq!(reply["responseCode"], "2007300");
    assert_eq!(reply["tokenType"], "Bearer");
    assert_eq!(reply["expiresIn"], 900);
    let token = reply["accessToken"].as_str().unwrap();
    assert_eq!(token.len(), 80);
    assert!(c.is_issued_token(token));
    assert!(!c.is_issued_token("someone-elses-token"));
    assert!(!format!("{answer:?}").contains(token), "the token stays out of Debug");

    let tampered = inbound(
        "/doku/token",
        &[
            ("X-CLIENT-KEY", "test-client"),
            ("X-TIMESTAMP", "2024-01-01T10:00:01.000+07:00"),
            ("X-SIGNATURE", sig),
        ],
        body,
    );
    assert_eq!(c.verify_token_request(&tampered).unwrap_err(), NotificationRejection::BadSignature);
    assert_eq!(c.answer_token_request(&tampered).status, 401);
    let stranger = client("another-client", "SK-x", no_skew());
    assert_eq!(
        stranger.verify_token_request(&request).unwrap_err(),
        NotificationRejection::UnknownMerchant
    );
    let strict = client("test-client", "SK-x", DokuSnapOptions::default());
    assert!(
        matches!(strict.verify_token_request(&request), Err(NotificationRejection::Malformed(_))),
        "2024 is far from now"
    );
    let unsigned =
        inbound("/doku/token", &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts)], body);
    assert_eq!(
        c.verify_token_request(&unsigned).unwrap_err(),
        NotificationRejection::MissingField("X-SIGNATURE")
    );
    let wrong_grant = inbound(
        "/doku/token",
        &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts), ("X-SIGNATURE", sig)],
        r#"{"grantType":"password"}"#,
    );
    assert!(matches!(
        c.verify_token_request(&wrong_grant),
        Err(NotificationRejection::Malformed(_))
    ));
}

fn n1_body(status: &str, desc: &str) -> String {
    format!(
        r#"{{"originalPartnerReferenceNo":"INV0008ABCDEFGHI","originalReferenceNo":"2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO","originalExternalId":"249319367692003199365649609468213166","latestTransactionStatus":"{status}","transactionStatusDesc":"{desc}","amount":{{"value":"99000.00","currency":"IDR"}},"additionalInfo":{{"acquirerId":"OVO","custIdMerchant":"cust-013","accountType":"WALLET","channelId":"EMONEY_OVO_SNAP","origin":{{"apiFormat":"SNAP"}},"paymentType":"SALE","somethingNew":1}}}}"#
    )
}

fn signed(c: &DokuSnapClient, secret: &[u8], path: &str, body: &str) -> InboundRequest {
    let token = c.issue_notification_token();
    let ts = "2024-01-01T10:05:00+07:00";
    let sig =
        symmetric_signature(secret, "POST", path, token.access_token.expose(), body.as_bytes(), ts);
    let auth = format!("Bearer {}", token.access_token.expose());
    inbound(
        path,
        &[
            ("Authorization", &auth),
            ("X-TIMESTAMP", ts),
            ("X-SIGNATURE", &sig),
            ("X-PARTNER-ID", "BRN-test"),
        ],
        body,
    )
}

#[test]
fn n1_and_n2_parse_into_events_with_dedup_keys() {
    let c = client("BRN-test", "SK-test-secret", no_skew());
    let paid = c
        .verify_notification(&signed(
            &c,
            b"SK-test-secret",
            "/v1.0/debit/notify",
            &n1_body("00", "Success"),
        ))
        .unwrap();
    assert_eq!(paid.dedup_key, "doku_snap_ovo:payment:249319367692003199365649609468213166:00");
    match paid.event {
        NotificationEvent::Payment { merchant_ref, provider_ref, state, amount } => {
            assert_eq!(merchant_ref.as_deref(), Some("INV0008ABCDEFGHI"));
            assert_eq!(provider_ref.as_deref(), Some("2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO"));
            assert_eq!(state, PaymentState::Succeeded);
            assert_eq!(amount, Some(Idr::new(99_000).unwrap()));
        }
        other => panic!("{other:?}"),
    }
    let failed = c
        .verify_notification(&signed(
            &c,
            b"SK-test-secret",
            "/v1.0/debit/notify",
            &n1_body("06", "Insufficient Funds"),
        ))
        .unwrap();
    assert!(
        matches!(failed.event, NotificationEvent::Payment { state: PaymentState::Failed { ref code, ref message }, .. } if code == "06" && message == "Insufficient Funds")
    );
    assert_ne!(failed.dedup_key, paid.dedup_key);

    let n2 = r#"{"originalExternalId":"123456789","additionalInfo":{"status":"SUCCESS","authCode":"auth_code_test_1","custIdMerchant":"81467045757557"}}"#;
    let bound = c.verify_notification(&signed(&c, b"SK-test-secret", "/doku/binding", n2)).unwrap();
    assert_eq!(bound.dedup_key, "doku_snap_ovo:binding:123456789:SUCCESS");
    match bound.event.clone() {
        NotificationEvent::Binding { linked, auth_code, merchant_ref, .. } => {
            assert!(linked);
            assert_eq!(auth_code.unwrap().expose(), "auth_code_test_1");
            assert_eq!(merchant_ref.as_deref(), Some("81467045757557"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        notification_answer(InboundKind::of(n2), &Ok(bound)).body.expose(),
        r#"{"responseCode":"2000700","responseMessage":"Request has been processed successfully"}"#
    );
    let rejected = c.verify_notification(&signed(
        &c,
        b"SK-wrong",
        "/v1.0/debit/notify",
        &n1_body("00", "Success"),
    ));
    assert_eq!(rejected.as_ref().unwrap_err(), &NotificationRejection::BadSignature);
    let answer = notification_answer(InboundKind::Payment, &rejected);
    assert_eq!((answer.status, answer.body.expose().contains("4015600")), (401, true));

    // A foreign X-PARTNER-ID is refused even with a good signature.
    let mut foreign =
        signed(&c, b"SK-test-secret", "/v1.0/debit/notify", &n1_body("00", "Success"));
    foreign.headers.retain(|(k, _)| k != "X-PARTNER-ID");
    foreign.headers.push(("x-partner-id".into(), "BRN-other".into()));
    assert_eq!(
        c.verify_notification(&foreign).unwrap_err(),
        NotificationRejection::UnknownMerchant
    );
}

#[test]
fn n1_missing_fields_are_named() {
    let full: Value = serde_json::from_str(&n1_body("00", "Success")).unwrap();
    for (field, name) in [
        ("originalPartnerReferenceNo", "originalPartnerReferenceNo"),
        ("originalExternalId", "originalExternalId"),
        ("transactionStatusDesc", "transactionStatusDesc"),
        ("amount", "amount"),
    ] {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(field);
        assert_eq!(
            parse_payment_notification(&body).unwrap_err(),
            NotificationRejection::MissingField(name)
        );
    }
    let mut body = full.clone();
    body["additionalInfo"].as_object_mut().unwrap().remove("paymentType");
    assert_eq!(
        parse_payment_notification(&body).unwrap_err(),
        NotificationRejection::MissingField("additionalInfo.paymentType")
    );
    let mut body = full.clone();
    body["amount"]["value"] = Value::String("99000.50".into());
    assert!(matches!(parse_payment_notification(&body), Err(NotificationRejection::Malformed(_))));
    // channel / channelId (house decision 4).
    let mut body = full;
    let info = body["additionalInfo"].as_object_mut().unwrap();
    info.remove("channelId");
    info.insert("channel".into(), Value::String("EMONEY_OVO_SNAP".into()));
    assert_eq!(
        parse_payment_notification(&body).unwrap().channel.as_deref(),
        Some("EMONEY_OVO_SNAP")
    );
    let unknown = parse_notification(&n1_body("42", "Mystery")).unwrap();
    assert!(
        matches!(unknown.event, NotificationEvent::Payment { state: PaymentState::Unrecognised(ref s), .. } if s == "42")
    );
}

#[test]
fn answers_read_both_forms_unknown_values_and_name_missing_fields() {
    // Binding: status in additionalInfo or accountStatus; unknown values kept; extras ignored.
    let a: BindingReply = serde_json::from_str(r#"{"responseCode":"2000700","referenceNo":"1","redirectUrl":"https://x","additionalInfo":{"status":"PENDING","authCode":"c","new":true},"extra":[1]}"#).unwrap();
    assert_eq!(a.status(), Some(&BindingStatus::Pending));
    let b: BindingReply =
        serde_json::from_str(r#"{"redirectUrl":"https://x","accountStatus":"SUCCESS"}"#).unwrap();
    assert_eq!(b.status(), Some(&BindingStatus::Success));
    let c: BindingReply = serde_json::from_str(
        r#"{"redirectUrl":"https://x","additionalInfo":{"accountStatus":"FROZEN"}}"#,
    )
    .unwrap();
    assert_eq!(c.status(), Some(&BindingStatus::Unknown("FROZEN".into())));
    let missing =
        serde_json::from_str::<BindingReply>(r#"{"referenceNo":"1"}"#).unwrap_err().to_string();
    assert!(missing.contains("redirectUrl"), "{missing}");

    // Balance: availableBalance first, amount as fallback; unknown types kept.
    let bal: BalanceReply = serde_json::from_str(
        r#"{"accountInfos":[{"balanceType":"cash","amount":{"value":"1.00","currency":"IDR"},"availableBalance":{"value":"10000.00","currency":"IDR"}},
            {"balanceType":"POINTS","amount":{"value":"500.00","currency":"IDR"}},{"balanceType":"VOUCHER","amount":{"value":"5.00","currency":"IDR"}}]}"#,
    )
    .unwrap();
    assert_eq!(bal.account_infos[0].balance_type, Pocket::Cash);
    assert_eq!(bal.account_infos[0].balance().unwrap().to_idr(), Ok(Idr::new(10_000).unwrap()));
    assert_eq!(bal.account_infos[1].balance().unwrap().to_idr(), Ok(Idr::new(500).unwrap()));
    assert_eq!(bal.account_infos[2].balance_type, Pocket::Unknown("VOUCHER".into()));
    let missing = serde_json::from_str::<BalanceReply>(r#"{"responseCode":"2001100"}"#)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("accountInfos"), "{missing}");

    // Status: unknown latestTransactionStatus; both refund-history keys.
    let st: StatusReply = serde_json::from_str(
        r#"{"latestTransactionStatus":"09","transactionStatusDesc":"?","refundHistory":[
            {"refundNo":"R1","partnerReferenceNo":"REFA","refundStatus":"00","refundAmount":{"value":"1.00","currency":"IDR"}},
            {"refundNo":"R2","partnerRefundNo":"REFB","refundStatus":"77"}],"additionalInfo":{"channelId":"EMONEY_OVO_SNAP"},"new":{}}"#,
    )
    .unwrap();
    assert_eq!(st.latest_transaction_status, TransactionStatus::Unknown("09".into()));
    assert_eq!(
        payment_state(&st.latest_transaction_status, "09", "?"),
        PaymentState::Unrecognised("09".into())
    );
    assert_eq!(st.refund_history[0].partner_refund_no(), Some("REFA"));
    assert_eq!(st.refund_history[1].partner_refund_no(), Some("REFB"));
    assert_eq!(st.refund_history[1].refund_status, Some(RefundStatus::Unknown("77".into())));
    assert_eq!(st.channel(), Some("EMONEY_OVO_SNAP"));
    let missing = serde_json::from_str::<StatusReply>(r#"{"originalReferenceNo":"x"}"#)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("latestTransactionStatus"), "{missing}");
    let bad_amount = serde_json::from_str::<StatusReply>(
        r#"{"latestTransactionStatus":"00","transAmount":{"value":"1.00"}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(bad_amount.contains("currency"), "{bad_amount}");

    // Pay methods: unknown kept.
    let opt: PayOption = serde_json::from_str(
        r#"{"payMethod":"CRYPTO","transAmount":{"value":"1.00","currency":"IDR"}}"#,
    )
    .unwrap();
    assert_eq!(opt.pay_method, Pocket::Unknown("CRYPTO".into()));
}

#[test]
fn transaction_statuses_map_to_payment_states() {
    let s = |code: &str, desc: &str| {
        payment_state(&TransactionStatus::from(code.to_owned()), code, desc)
    };
    assert_eq!(s("00", "success"), PaymentState::Succeeded);
    assert_eq!(s("01", "Initiated"), PaymentState::Pending);
    assert_eq!(s("02", ""), PaymentState::Pending);
    assert_eq!(s("03", ""), PaymentState::Pending);
    assert_eq!(s("04", ""), PaymentState::Refunded);
    assert_eq!(s("05", ""), PaymentState::Cancelled);
    assert_eq!(s("06", "Transaction Expired"), PaymentState::Expired);
    assert_eq!(
        s("06", "Customer Declined"),
        PaymentState::Failed { code: "06".into(), message: "Customer Declined".into() }
    );
    assert_eq!(
        s("07", "Not Found"),
        PaymentState::NotFound { code: "07".into(), message: "Not Found".into() }
    );
}

#[test]
fn payment_body_round_trips_amounts_and_split() {
    let body = to_json(&PaymentBody {
        partner_reference_no: "ABCDEFGH12345678",
        amount: SnapAmount::from_idr(Idr::new(20_000).unwrap()),
        pay_option_details: vec![
            PayOption {
                pay_method: Pocket::Points,
                trans_amount: SnapAmount::from_idr(Idr::new(5_000).unwrap()),
                fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
            },
            PayOption {
                pay_method: Pocket::Cash,
                trans_amount: SnapAmount::from_idr(Idr::new(15_000).unwrap()),
                fee_amount: None,
            },
        ],
        additional_info: PaymentBodyInfo {
            channel: CHANNEL,
            payment_type: "SALE",
            success_payment_url: Some("https://m/ok"),
            failed_payment_url: Some("https://m/ok"),
            remarks: None,
        },
    });
    assert_eq!(
        body,
        r#"{"partnerReferenceNo":"ABCDEFGH12345678","amount":{"value":"20000.00","currency":"IDR"},"payOptionDetails":[{"payMethod":"POINTS","transAmount":{"value":"5000.00","currency":"IDR"},"feeAmount":{"value":"0.00","currency":"IDR"}},{"payMethod":"CASH","transAmount":{"value":"15000.00","currency":"IDR"}}],"additionalInfo":{"channel":"EMONEY_OVO_SNAP","paymentType":"SALE","successPaymentUrl":"https://m/ok","failedPaymentUrl":"https://m/ok"}}"#
    );
    let back: Value = serde_json::from_str(&body).unwrap();
    let options: Vec<PayOption> = serde_json::from_value(back["payOptionDetails"].clone()).unwrap();
    assert_eq!(
        split_of(&options),
        Some(Split { cash: Idr::new(15_000).unwrap(), points: Idr::new(5_000).unwrap() })
    );
    let amount: SnapAmount = serde_json::from_value(back["amount"].clone()).unwrap();
    assert_eq!(amount.to_idr(), Ok(Idr::new(20_000).unwrap()));
}

#[test]
fn external_ids_are_stable_per_key_and_wib_day() {
    let at = |unix: i64| OffsetDateTime::from_unix_timestamp(unix).unwrap();
    // 2024-01-01 10:00 WIB and 2024-01-01 16:59 UTC (23:59 WIB) are the same WIB day...
    let a = daily_external_id("PAY-1", at(1_704_078_000));
    assert_eq!(a, daily_external_id("PAY-1", at(1_704_128_340)));
    assert_eq!(a.len(), 36);
    assert!(a.bytes().all(|b| b.is_ascii_digit()));
    // ...17:00 UTC is the next WIB day.
    assert_ne!(a, daily_external_id("PAY-1", at(1_704_128_400)));
    assert_ne!(a, daily_external_id("PAY-2", at(1_704_078_000)));
}

#[test]
fn doku_times_with_and_without_zone() {
    let wib = parse_doku_time("2024-01-01T09:09:00.123").unwrap();
    assert_eq!(wib, parse_doku_time("2024-01-01T02:09:00.123Z").unwrap());
    assert_eq!(
        parse_doku_time("2024-01-01T09:09:00+07:00"),
        parse_doku_time("2024-01-01T09:09:00")
    );
    assert!(parse_doku_time("yesterday").is_none());
}

#[test]
fn echo_checks_name_the_field() {
    let t = crate::transport::Transport::new(Product::DokuSnapOvo);
    let call = Call::write(Operation::Refund, Duration::from_secs(1));
    let sent = Idr::new(10_000).unwrap();
    assert!(check_echo(&t, call, "refundAmount", sent, Some(&SnapAmount::from_idr(sent))).is_ok());
    let e = check_echo(
        &t,
        call,
        "refundAmount",
        sent,
        Some(&SnapAmount::from_idr(Idr::new(1_000).unwrap())),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ProviderError::Mismatch {
            product: Product::DokuSnapOvo,
            field: "refundAmount",
            sent: "10000.00".into(),
            echoed: "1000.00".into()
        }
    );
    let e = check_echo(
        &t,
        call,
        "refundAmount",
        sent,
        Some(&SnapAmount { value: "10000.00".into(), currency: "USD".into() }),
    )
    .unwrap_err();
    assert!(matches!(e, ProviderError::Mismatch { field: "currency", .. }));
    assert!(check_echo(
        &t,
        call,
        "refundAmount",
        sent,
        Some(&SnapAmount { value: "ten".into(), currency: "IDR".into() })
    )
    .unwrap_err()
    .is_unknown_outcome());
}

#[test]
fn debug_shows_no_secret() {
    let c = client("BRN-test", "SK-very-secret-value", no_skew());
    let token = c.issue_notification_token();
    let shown = format!("{c:?} {token:?}");
    assert!(!shown.contains("SK-very-secret-value"), "{shown}");
    assert!(!shown.contains(token.access_token.expose().as_str()));
    assert!(!shown.contains("PRIVATE KEY"));
}

#[test]
fn constructor_requires_credentials_and_valid_keys() {
    let only_id = Credentials::from_pairs(Product::DokuSnapOvo, [("client_id", "x".to_owned())]);
    assert_eq!(
        DokuSnapClient::new("http://x", &only_id, DokuSnapOptions::default()).unwrap_err(),
        ProviderError::MissingCredential { product: Product::DokuSnapOvo, field: "secret_key" }
    );
    let bad_key = Credentials::from_pairs(
        Product::DokuSnapOvo,
        [
            ("client_id", "x".to_owned()),
            ("secret_key", "s".to_owned()),
            ("merchant_private_key", "nope".to_owned()),
        ],
    );
    let e = DokuSnapClient::new("http://x", &bad_key, DokuSnapOptions::default()).unwrap_err();
    assert!(
        matches!(e, ProviderError::InvalidInput { ref detail, .. } if detail.starts_with("merchant_private_key"))
    );
    let other = Credentials::from_pairs(Product::OvoSnap, []);
    assert!(DokuSnapClient::new("http://x", &other, DokuSnapOptions::default()).is_err());
}
