//! What finance records by hand, on a real ledger file with the built-in sandbox: an offline
//! refund's transfer (reference, WIB date, evidence file kept by its digest) and the outcome of
//! a refund or payment the provider could not decide. Never the requester or the payment's
//! taker; staff and support never; the password entered again; audited before and after.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ovo_app::ipc::*;
use ovo_app::{AppError, AppResult, Backoffice, ErrorCode, EVIDENCE_DIR};
use ovo_domain::{wib_date, PaymentStatus, Product, RefundId};
use ovo_ledger::refunds as ledger_refunds;
use ovo_test_support::app::refund::{decide, page, request};
use ovo_test_support::app::{
    code, operator_id, password_of, sign_in_as, RecordedPayment, TestApp, WithSim,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The app with sam (staff), sue (support), fina and finn (finance), and its built-in sandbox.
type Fixture = WithSim;

fn evidence_files(f: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(f.data_dir().join(EVIDENCE_DIR)) {
        Ok(entries) => {
            entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
        }
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Admin makes `username` a finance operator (their earlier requests stay theirs).
async fn promote_to_finance(f: &Fixture, username: &str) {
    sign_in_as(&f.app, "admin").await;
    let id = operator_id(&f.app, username).await;
    f.app
        .change_operator_role(ChangeRoleInput { operator_id: id.get(), role: "finance".into() })
        .await
        .unwrap();
}

async fn fixture() -> Fixture {
    TestApp::builder()
        .scale("0.001")
        .operators(&[
            ("sam", "staff"),
            ("sue", "support"),
            ("fina", "finance"),
            ("finn", "finance"),
        ])
        .open_with_sim()
        .await
}

/// A succeeded payment recorded straight in the ledger (no provider call).
async fn succeeded(f: &Fixture, product: Product, kind: &'static str, amount: i64) -> i64 {
    RecordedPayment::succeeded(product, kind, amount).insert(&f.app).await
}

/// A payment recorded as needing review, taken by `taken_by`.
async fn needs_review(
    f: &Fixture,
    product: Product,
    kind: &'static str,
    amount: i64,
    taken_by: &str,
) -> i64 {
    let created_by = Some(operator_id(&f.app, taken_by).await);
    let status = PaymentStatus::NeedsReview;
    RecordedPayment { status, created_by, ..RecordedPayment::succeeded(product, kind, amount) }
        .insert(&f.app)
        .await
}

async fn record(
    app: &Backoffice,
    refund_id: i64,
    reference: &str,
    date: &str,
    evidence: Option<&str>,
    password: &str,
) -> Result<RefundView, AppError> {
    app.record_offline_transfer(RecordTransferInput {
        refund_id,
        reference: reference.into(),
        date: date.into(),
        evidence_path: evidence.map(str::to_owned),
        password: password.into(),
    })
    .await
}

/// A by-hand outcome: the outcome, the provider's reference, the note, the password.
type Outcome<'a> = (&'a str, &'a str, &'a str, &'a str);

fn by_hand(id: i64, (outcome, provider_ref, note, password): Outcome) -> ResolveByHandInput {
    ResolveByHandInput {
        id,
        outcome: outcome.into(),
        provider_ref: provider_ref.into(),
        note: note.into(),
        password: password.into(),
    }
}

async fn resolve_refund(f: &Fixture, id: i64, how: Outcome<'_>) -> AppResult<RefundView> {
    f.app.resolve_refund_by_hand(by_hand(id, how)).await
}

async fn resolve_payment(f: &Fixture, id: i64, how: Outcome<'_>) -> AppResult<PaymentDetailView> {
    f.app.resolve_payment_by_hand(by_hand(id, how)).await
}

async fn audit(app: &Backoffice, action: &str) -> Vec<AuditEntryView> {
    let page = app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap();
    page.items.into_iter().filter(|e| e.action == action).collect()
}

async fn received(f: &Fixture, product: &str) -> usize {
    f.sim.received(product).await.len()
}

/// An API refund (DOKU SNAP) the provider could not decide: requested by sam, approved by
/// fina, sent, its answer lost and given up on, all through the ledger's own transitions.
async fn needs_review_refund(f: &Fixture, payment: i64, amount: &str) -> i64 {
    sign_in_as(&f.app, "sam").await;
    let refund = request(&f.app, payment, amount).await.unwrap();
    let fina = operator_id(&f.app, "fina").await;
    let id = RefundId::new(refund.id);
    let now = f.app.now();
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    ledger_refunds::approve(&mut tx, id, fina, None, now).await.unwrap();
    ledger_refunds::mark_submitting(&mut tx, id, &format!("RF{}", refund.reference), now)
        .await
        .unwrap();
    ledger_refunds::mark_unknown(&mut tx, id, None, now).await.unwrap();
    ledger_refunds::mark_needs_review(
        &mut tx,
        id,
        Some(r#"{"code":"4045801","message":"not in refundHistory"}"#),
        now,
    )
    .await
    .unwrap();
    ovo_ledger::commit(tx).await.unwrap();
    refund.id
}

// -------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_offline_refund_settles_only_when_finance_records_the_transfer() {
    let f = fixture().await;
    sign_in_as(&f.app, "sam").await;
    let payment = succeeded(&f, Product::DokuJokulOvoPush, "push", 80_000).await;
    let refund = request(&f.app, payment, "30.000").await.unwrap();
    let calls = received(&f, "doku_jokul_ovo_push").await;
    sign_in_as(&f.app, "fina").await;
    let approved = decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    assert_eq!(
        (approved.status.as_str(), approved.transfer.is_none()),
        ("awaiting_transfer", true),
        "{approved:?}"
    );
    assert_eq!(received(&f, "doku_jokul_ovo_push").await, calls, "no provider call");

    // A day later, finn records it.
    f.clock.advance_seconds(86_400);
    let today = wib_date(f.app.now());
    let approval_day = today.pred_opt().unwrap();
    sign_in_as(&f.app, "finn").await;
    let pdf =
        f.file("transfer slip.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
    let today_text = today.to_string();
    let text = f.file("slip.txt", b"transfer done");
    let mut huge = b"%PDF-1.4\n".to_vec();
    huge.resize(10 * 1024 * 1024 + 1, b'0');
    let huge = f.file("huge.pdf", &huge);
    let missing = f.dir.path().join("gone.pdf").to_string_lossy().into_owned();
    let long_reference = "9".repeat(65);
    let wrong_password = record(&f.app, refund.id, "TRF-20260301-77", &today_text, Some(&pdf), "x");
    assert_eq!(code(wrong_password.await), (ErrorCode::WrongPassword, Some("wrong_password")));
    // Reference and evidence; the code where the case pins it, and the reason.
    let refusals: [(&str, Option<&str>, Option<ErrorCode>, &str); 6] = [
        ("   ", None, Some(ErrorCode::InvalidInput), "transfer_reference_missing"),
        (&long_reference, None, None, "transfer_reference_invalid"),
        ("TRF-1", Some(&text), None, "evidence_type_unsupported"),
        ("TRF-1", Some(&huge), None, "evidence_too_large"),
        ("TRF-1", Some("relative/slip.pdf"), None, "evidence_path_invalid"),
        ("TRF-1", Some(&missing), None, "evidence_not_found"),
    ];
    for (reference, evidence, pinned, reason) in refusals {
        let refused = record(&f.app, refund.id, reference, &today_text, evidence, "finn-password");
        let (got, why) = code(refused.await);
        assert_eq!(why, Some(reason), "{reason}");
        assert!(pinned.is_none_or(|c| c == got), "{reason}: {got:?}");
    }
    for (date, reason) in [
        ("2026-02-30", "transfer_date_invalid"),
        ("yesterday", "transfer_date_invalid"),
        (&today.succ_opt().unwrap().to_string(), "transfer_date_future"),
        (&approval_day.pred_opt().unwrap().to_string(), "transfer_date_before_approval"),
    ] {
        assert_eq!(
            code(record(&f.app, refund.id, "TRF-1", date, None, "finn-password").await),
            (ErrorCode::InvalidInput, Some(reason)),
            "{date}"
        );
    }
    assert!(evidence_files(&f).is_empty(), "{:?}", evidence_files(&f));
    assert_eq!(page(&f.app, refund.id).await.status, "awaiting_transfer");

    // The approval day in the Indonesian form, trimmed reference, the evidence kept by its digest.
    let written = approval_day.format("%d/%m/%Y").to_string();
    let done =
        record(&f.app, refund.id, "  TRF-20260301-77 ", &written, Some(&pdf), "finn-password")
            .await
            .unwrap();
    assert_eq!(done.status, "settled_offline");
    let digest = hex::encode(Sha256::digest(std::fs::read(&pdf).unwrap()));
    let transfer = done.transfer.clone().unwrap();
    assert_eq!(
        (
            transfer.reference.as_str(),
            transfer.date.clone(),
            transfer.evidence.clone(),
            transfer.evidence_sha256.clone(),
            transfer.recorded_by.as_str()
        ),
        (
            "TRF-20260301-77",
            approval_day.to_string(),
            Some(format!("{digest}.pdf")),
            Some(digest.clone()),
            "finn"
        )
    );
    assert_eq!(done.provider_ref.as_deref(), Some("TRF-20260301-77"));
    assert_eq!(evidence_files(&f), [format!("{digest}.pdf")]);
    let stored = f.data_dir().join(EVIDENCE_DIR).join(format!("{digest}.pdf"));
    assert_eq!(std::fs::read(&stored).unwrap(), std::fs::read(&pdf).unwrap());
    assert_eq!(done.timeline.last().unwrap().kind, "refund_settled_offline");
    let entries = audit(&f.app, "refund.record_transfer").await;
    let ok: Vec<Value> = entries
        .iter()
        .filter(|e| e.outcome == "ok")
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect();
    assert_eq!(ok.len(), 1, "{entries:?}");
    assert_eq!(
        (ok[0]["before"].as_str(), ok[0]["after"].as_str(), ok[0]["evidence_sha256"].as_str()),
        (Some("awaiting_transfer"), Some("settled_offline"), Some(digest.as_str()))
    );
    assert!(
        entries.iter().any(|e| e.outcome == "denied" && e.detail.contains("wrong_password")),
        "{entries:?}"
    );
    assert_eq!(
        code(record(&f.app, refund.id, "TRF-2", &today.to_string(), None, "finn-password").await),
        (ErrorCode::Conflict, Some("refund_state_changed"))
    );

    // Finance opens the evidence through the back end, which checks its digest first.
    f.app.open_refund_evidence(RefundRef { refund_id: refund.id }).await.unwrap();
    assert_eq!(f.opener.opened().last().map(PathBuf::from), Some(stored.clone()));
    std::fs::write(&stored, b"%PDF-1.4\nsomething else\n").unwrap();
    assert_eq!(
        code(f.app.open_refund_evidence(RefundRef { refund_id: refund.id }).await),
        (ErrorCode::Conflict, Some("evidence_altered"))
    );
    sign_in_as(&f.app, "sue").await;
    assert_eq!(
        code(f.app.open_refund_evidence(RefundRef { refund_id: refund.id }).await).0,
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn the_requester_staff_and_support_never_record_a_transfer_and_a_lost_race_leaves_no_file() {
    let f = fixture().await;
    sign_in_as(&f.app, "sam").await;
    let payment = succeeded(&f, Product::FaspayOvoTokenize, "tokenized", 50_000).await;
    let refund = request(&f.app, payment, "50.000").await.unwrap();
    sign_in_as(&f.app, "fina").await;
    decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    let today = wib_date(f.app.now()).to_string();
    for who in ["sam", "sue"] {
        sign_in_as(&f.app, who).await;
        assert_eq!(
            code(record(&f.app, refund.id, "TRF-1", &today, None, &password_of(who)).await).0,
            ErrorCode::Forbidden,
            "{who}"
        );
    }
    promote_to_finance(&f, "sam").await;
    sign_in_as(&f.app, "sam").await;
    assert_eq!(
        code(record(&f.app, refund.id, "TRF-1", &today, None, "sam-password").await),
        (ErrorCode::Forbidden, Some("refund_own_transfer"))
    );
    assert!(audit_denied(&f, "refund.record_transfer", "own_request").await);
    assert_eq!(page(&f.app, refund.id).await.status, "awaiting_transfer");

    // The same transfer recorded twice at once with different files: one wins,
    // and the loser's copied file is removed with its failed transaction.
    let png = f.file("slip.png", b"\x89PNG\r\n\x1a\nfina's screenshot");
    let jpg = f.file("slip.jpg", b"\xFF\xD8\xFF\xE0finn's photo");
    sign_in_as(&f.app, "fina").await;
    let (a, b) = tokio::join!(
        record(&f.app, refund.id, "TRF-A", &today, Some(&png), "fina-password"),
        record(&f.app, refund.id, "TRF-B", &today, Some(&jpg), "fina-password")
    );
    let (winner, loser) = match (a, b) {
        (Ok(v), Err(e)) | (Err(e), Ok(v)) => (v, e),
        other => panic!("exactly one recording wins: {other:?}"),
    };
    assert_eq!((loser.code, loser.reason), (ErrorCode::Conflict, Some("refund_state_changed")));
    assert_eq!(evidence_files(&f), [winner.transfer.unwrap().evidence.unwrap()]);
}

async fn audit_denied(f: &Fixture, action: &str, cause: &str) -> bool {
    sign_in_as(&f.app, "finn").await;
    audit(&f.app, action).await.iter().any(|e| e.outcome == "denied" && e.detail.contains(cause))
}

#[tokio::test]
async fn finance_resolves_a_refund_the_provider_could_not_decide_and_the_reservation_follows() {
    let f = fixture().await;
    let payment = succeeded(&f, Product::DokuSnapOvo, "recurring", 100_000).await;
    let failed = needs_review_refund(&f, payment, "100.000").await;
    assert_eq!(page(&f.app, failed).await.status, "needs_review");
    // The money may have moved: nothing more can be reserved.
    assert_eq!(
        code(request(&f.app, payment, "1").await),
        (ErrorCode::Conflict, Some("refund_exceeds_refundable"))
    );
    assert_eq!(
        code(
            resolve_refund(
                &f,
                failed,
                ("failed", "", "no credit in the settlement report", "sam-password")
            )
            .await
        )
        .0,
        ErrorCode::Forbidden
    );
    sign_in_as(&f.app, "sue").await;
    assert_eq!(
        code(resolve_refund(&f, failed, ("failed", "", "no credit", "sue-password")).await).0,
        ErrorCode::Forbidden
    );

    sign_in_as(&f.app, "finn").await;
    use ErrorCode::{InvalidInput, WrongPassword};
    for (outcome, provider_ref, note, password, refused, reason) in [
        ("failed", "", "no credit", "wrong-password", WrongPassword, "wrong_password"),
        ("failed", "", " ", "finn-password", InvalidInput, "resolution_note_missing"),
        (
            "succeeded",
            " ",
            "seen",
            "finn-password",
            InvalidInput,
            "resolution_provider_ref_missing",
        ),
        ("maybe", "X", "seen", "finn-password", InvalidInput, "resolution_outcome_invalid"),
    ] {
        let attempt = resolve_refund(&f, failed, (outcome, provider_ref, note, password));
        assert_eq!(code(attempt.await), (refused, Some(reason)), "{reason}");
    }
    assert_eq!(page(&f.app, failed).await.status, "needs_review");

    let done = resolve_refund(
        &f,
        failed,
        ("failed", "", " not in DOKU's settlement report of 3 March ", "finn-password"),
    )
    .await
    .unwrap();
    assert_eq!(done.status, "failed");
    let resolution = done.resolution.unwrap();
    assert_eq!(
        (resolution.by.as_str(), resolution.note.as_str()),
        ("finn", "not in DOKU's settlement report of 3 March")
    );
    let last: Value = serde_json::from_str(&done.timeline.last().unwrap().detail).unwrap();
    assert_eq!(
        (done.timeline.last().unwrap().kind.as_str(), last["by_hand"].as_bool()),
        ("refund_failed", Some(true))
    );
    let entries = audit(&f.app, "refund.resolve_by_hand").await;
    let detail: Value =
        serde_json::from_str(&entries.iter().find(|e| e.outcome == "ok").unwrap().detail).unwrap();
    assert_eq!(
        (detail["before"].as_str(), detail["after"].as_str()),
        (Some("needs_review"), Some("failed"))
    );
    assert!(entries.iter().any(|e| e.outcome == "denied" && e.detail.contains("wrong_password")));
    assert_eq!(
        code(resolve_refund(&f, failed, ("succeeded", "R1", "seen", "finn-password")).await),
        (ErrorCode::Conflict, Some("refund_state_changed"))
    );

    // Released: a new refund of the whole amount passes, and this one the provider did pay.
    let succeeded = needs_review_refund(&f, payment, "100.000").await;
    sign_in_as(&f.app, "fina").await;
    let done = resolve_refund(
        &f,
        succeeded,
        ("succeeded", " RFD-DOKU-5521 ", "credited per DOKU dashboard", "fina-password"),
    )
    .await
    .unwrap();
    assert_eq!(
        (done.status.as_str(), done.provider_ref.as_deref()),
        ("succeeded", Some("RFD-DOKU-5521"))
    );
    sign_in_as(&f.app, "sam").await;
    assert_eq!(
        code(request(&f.app, payment, "1").await),
        (ErrorCode::Conflict, Some("refund_exceeds_refundable"))
    );
}

#[tokio::test]
async fn the_requester_never_resolves_their_own_refund_by_hand() {
    let f = fixture().await;
    let payment = succeeded(&f, Product::OvoSnap, "direct_debit", 40_000).await;
    let refund = needs_review_refund(&f, payment, "40.000").await;
    promote_to_finance(&f, "sam").await;
    sign_in_as(&f.app, "sam").await;
    assert_eq!(
        code(resolve_refund(&f, refund, ("failed", "", "no credit", "sam-password")).await),
        (ErrorCode::Forbidden, Some("refund_own_resolution"))
    );
    assert_eq!(page(&f.app, refund).await.status, "needs_review");
    assert!(audit_denied(&f, "refund.resolve_by_hand", "own_request").await);
}

#[tokio::test]
async fn finance_resolves_a_needs_review_payment_and_a_succeeded_one_is_refundable() {
    let f = fixture().await;
    let paid = needs_review(&f, Product::OvoSnap, "direct_debit", 60_000, "sam").await;
    let unpaid = needs_review(&f, Product::DokuJokulOvoPush, "push", 25_000, "sam").await;
    for who in ["sam", "sue"] {
        sign_in_as(&f.app, who).await;
        assert_eq!(
            code(resolve_payment(&f, paid, ("succeeded", "P1", "seen", &password_of(who))).await).0,
            ErrorCode::Forbidden,
            "{who}"
        );
    }
    assert_eq!(
        code(request(&f.app, paid, "10.000").await).0,
        ErrorCode::Conflict,
        "not refundable while undecided"
    );

    sign_in_as(&f.app, "fina").await;
    let wrong_password = resolve_payment(&f, paid, ("succeeded", "P1", "seen", "nope-password"));
    assert_eq!(code(wrong_password.await), (ErrorCode::WrongPassword, Some("wrong_password")));
    for (outcome, provider_ref, note, reason) in [
        ("succeeded", "", "seen", "resolution_provider_ref_missing"),
        ("failed", "", "", "resolution_note_missing"),
    ] {
        let attempt = resolve_payment(&f, paid, (outcome, provider_ref, note, "fina-password"));
        assert_eq!(code(attempt.await).1, Some(reason));
    }
    let done = resolve_payment(
        &f,
        paid,
        ("succeeded", "OVO-TRX-99812", "paid per the OVO merchant portal", "fina-password"),
    )
    .await
    .unwrap();
    assert_eq!(
        (done.payment.status.as_str(), done.payment.provider_ref.as_deref()),
        ("succeeded", Some("OVO-TRX-99812"))
    );
    assert!(done.payment.succeeded_at.is_some());
    assert_eq!(
        done.resolution.as_ref().map(|r| (r.by.as_str(), r.note.as_str())),
        Some(("fina", "paid per the OVO merchant portal"))
    );
    assert_eq!(done.refundable, 60_000);
    let event = done.timeline.last().unwrap();
    let detail: Value = serde_json::from_str(&event.detail).unwrap();
    assert_eq!(
        (event.kind.as_str(), detail["origin"].as_str()),
        ("payment_succeeded", Some("by_hand"))
    );
    let entries = audit(&f.app, "payment.resolve_by_hand").await;
    let ok: Value =
        serde_json::from_str(&entries.iter().find(|e| e.outcome == "ok").unwrap().detail).unwrap();
    assert_eq!(
        (ok["before"].as_str(), ok["after"].as_str()),
        (Some("needs_review"), Some("succeeded"))
    );
    assert_eq!(
        code(resolve_payment(&f, paid, ("failed", "", "again", "fina-password")).await),
        (ErrorCode::Conflict, Some("payment_state_changed"))
    );

    let done = resolve_payment(
        &f,
        unpaid,
        ("failed", "", "no such transaction in the Jokul report", "fina-password"),
    )
    .await
    .unwrap();
    assert_eq!(
        (done.payment.status.as_str(), done.payment.succeeded_at.clone(), done.refundable),
        ("failed", None, 0)
    );

    sign_in_as(&f.app, "sam").await;
    let refund = request(&f.app, paid, "60.000").await.unwrap();
    assert_eq!(refund.status, "requested");
    assert_eq!(code(request(&f.app, unpaid, "1.000").await).0, ErrorCode::Conflict);
}

#[tokio::test]
async fn whoever_took_a_payment_never_resolves_it_by_hand() {
    let f = fixture().await;
    let payment = needs_review(&f, Product::FaspayOvoTokenize, "tokenized", 30_000, "fina").await;
    sign_in_as(&f.app, "fina").await;
    assert_eq!(
        code(resolve_payment(&f, payment, ("succeeded", "FP-1", "seen", "fina-password")).await),
        (ErrorCode::Forbidden, Some("payment_own_resolution"))
    );
    assert!(audit(&f.app, "payment.resolve_by_hand")
        .await
        .iter()
        .any(|e| e.outcome == "denied" && e.detail.contains("own_payment")));
    sign_in_as(&f.app, "finn").await;
    let done = resolve_payment(
        &f,
        payment,
        ("succeeded", "FP-1", "seen in the Faspay report", "finn-password"),
    )
    .await
    .unwrap();
    assert_eq!(done.payment.status, "succeeded");
}
