//! End-to-end: the products' customer flows and every way a refund ends, in the real app and
//! webview against the built-in sandbox.
#![allow(clippy::unwrap_used)]

mod support;

use anyhow::{ensure, Result};
use fantoccini::Locator;
use serde_json::{json, Value};
use std::time::Duration;
use support::{
    budi_pays_by_direct_debit, by_id, card, close_refund_dialog, decide_refund, digits,
    link_account, on_fresh_install, open_payment_by_reference, open_started_payment, payment_step,
    refund_refused_over_ipc, refund_row_for, refund_row_in_tab, request_refund, start_payment,
    wait_refund_status, wait_status, Decision, Desktop, Install, NewPayment, Sandbox, Team,
};

const BUDI_PHONE: &str = "6281234567890";
const SITI_PHONE: &str = "6281298765432";
const MAGIC_PAYER: &str = "6281100000007";

/// A customer's account just linked, and what the flow checks against later.
struct Linked {
    sandbox: Sandbox,
    /// The customer's cash at the sandbox before anything was paid.
    cash_before: i64,
    /// The active account's card.
    active: String,
    account_id: String,
}

/// The team set up; staff opens the customer (`search`, full name, phone, the phone as typed),
/// who has no account on `product` yet, and links one through the provider's page.
async fn staff_links_a_first_account(
    install: &Install,
    app: &Desktop,
    (search, name, phone, typed_phone): (&str, &str, &str, &str),
    product: &str,
) -> Result<Linked> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let (cash_before, _) = sandbox.wallet(phone).await?;
    app.open_customer(search, name).await?;
    ensure!(app.count(&card(product, "active")).await? == 0, "{name} has no {product} account yet");
    let active = link_account(app, install, &sandbox, product, typed_phone).await?;
    let account_id =
        app.find_css(&active).await?.attr("data-account-id").await?.unwrap_or_default();
    Ok(Linked { sandbox, cash_before, active, account_id })
}

#[tokio::test]
async fn doku_snap_link_then_recurring_and_sale_payments_then_a_partial_refund_approved_by_finance(
) -> Result<()> {
    on_fresh_install("doku-snap", doku_snap).await
}

/// Staff links Budi's OVO account through DOKU SNAP (the customer approves on DOKU's page),
/// charges it once as RECURRING (no customer step) and once as SALE (OTP and PIN on the page),
/// then asks for a partial refund of the SALE; finance approves it and DOKU refunds it once.
/// The sandbox's wallet and DOKU's own records agree with what the app shows.
async fn doku_snap(install: &Install, app: &Desktop) -> Result<()> {
    let budi = ("Budi", "Budi Santoso", BUDI_PHONE, "0812-3456-7890");
    let Linked { sandbox, cash_before, active, account_id } =
        staff_links_a_first_account(install, app, budi, "doku_snap_ovo").await?;
    app.show(&active).await?;
    app.screenshot("01-doku-snap-linked").await?;

    // RECURRING: merchant-initiated, no customer step; DOKU settles it a moment later.
    let opened_before = install.opened().len();
    let recurring = NewPayment {
        product: "doku_snap_ovo",
        kind: "recurring",
        amount: "40.000",
        source: Some("cash"),
        phone: None,
        description: "E2E DOKU recurring",
    };
    start_payment(app, &recurring, Some(&account_id)).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(150)).await?;
    ensure!(
        install.opened().len() == opened_before,
        "a recurring payment opens no page: {:?}",
        install.opened()
    );
    app.screenshot("02-recurring-succeeded").await?;
    let recurring_ref = open_started_payment(app).await?;

    // SALE: the customer confirms with OTP and PIN on the page the app opened.
    app.open_customer("Budi", "Budi Santoso").await?;
    let sale = NewPayment {
        product: "doku_snap_ovo",
        kind: "sale_redirect",
        amount: "60.000",
        source: Some("cash"),
        phone: None,
        description: "E2E DOKU sale",
    };
    start_payment(app, &sale, Some(&account_id)).await?;
    let step = payment_step(&sandbox, "doku_snap_ovo", BUDI_PHONE).await?;
    sandbox.approve(install, &step, Some("cash")).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    app.screenshot("03-sale-succeeded").await?;
    let sale_ref = open_started_payment(app).await?;
    ensure!(
        digits(&app.text("payment-refundable").await?) == "60000",
        "all of the sale is refundable"
    );
    ensure!(
        sandbox.wallet(BUDI_PHONE).await?.0 == cash_before - 100_000,
        "both payments took Budi's cash"
    );

    // DOKU has both, as RECURRING and SALE, on the new linking.
    let state = sandbox.get("/_sandbox/doku_snap_ovo/state").await?;
    let doku_payment = |reference: &str| -> Value {
        state["payments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["partnerReferenceNo"] == reference)
            .cloned()
            .unwrap_or_default()
    };
    ensure!(
        doku_payment(&recurring_ref)["paymentType"] == "RECURRING",
        "DOKU has the recurring payment: {state}"
    );
    ensure!(doku_payment(&sale_ref)["paymentType"] == "SALE", "DOKU has the sale: {state}");

    // A partial refund of the sale, asked by staff.
    let rule =
        request_refund(app, "25.000", "E2E: one item returned", "04-refund-request").await?.rule;
    ensure!(
        rule.starts_with("DOKU")
            && rule.contains("partial refund allowed")
            && rule.contains("(D+60)"),
        "DOKU SNAP's rule: {rule:?}"
    );
    ensure!(digits(&app.text("payment-refundable").await?) == "35000", "Rp 25.000 is reserved");
    ensure!(
        sandbox.received("doku_snap_ovo", "refund").await?.is_empty(),
        "nothing is sent before approval"
    );
    app.sign_out().await?;

    // Finance approves; DOKU refunds it, once.
    app.sign_in_as(Team::FINANCE).await?;
    let said = decide_refund(
        app,
        &sale_ref,
        &Decision { approve: true, note: "", password: Team::FINANCE.1 },
        "05-approve",
    )
    .await?;
    ensure!(
        said.contains("sends the refund to the provider"),
        "the dialog says what approving does: {said:?}"
    );
    wait_refund_status(app, "succeeded", Duration::from_secs(90)).await?;
    app.wait_text("refund-decided-by", Team::FINANCE.0).await?;
    ensure!(app.text("refund-requested-by").await?.contains(Team::STAFF.0), "requested by staff");
    ensure!(
        app.text("refund-provider-ref").await?.trim() != "—",
        "DOKU's refund reference is kept"
    );
    app.screenshot("06-refund-succeeded").await?;
    let calls = sandbox.received("doku_snap_ovo", "refund").await?;
    ensure!(calls.len() == 1, "exactly one refund request reached DOKU: {calls:?}");
    let state = sandbox.get("/_sandbox/doku_snap_ovo/state").await?;
    let refunds = doku_payment_refunds(&state, &sale_ref);
    ensure!(
        refunds.len() == 1 && digits(&refunds[0]["amount"].to_string()).starts_with("25000"),
        "DOKU refunded Rp 25.000: {refunds:?}"
    );
    ensure!(
        sandbox.wallet(BUDI_PHONE).await?.0 == cash_before - 75_000,
        "Rp 25.000 went back to Budi's cash"
    );

    // The payment shows the refund and what is left.
    app.click("refund-payment-link").await?;
    app.wait_text("payment-reference", &sale_ref).await?;
    app.find_css(&format!("{}[data-status=\"succeeded\"]", by_id("payment-refund"))).await?;
    ensure!(
        digits(&app.text("payment-refundable").await?) == "35000",
        "Rp 35.000 is still refundable"
    );
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    let links = app.audit_rows("account.link.start").await?;
    ensure!(
        links.iter().any(|t| t.contains(":doku_snap_ovo:") && t.contains(Team::STAFF.0)),
        "the linking by staff: {links:?}"
    );
    let requests = app.audit_rows("refund.request").await?;
    ensure!(
        requests.iter().any(|t| t.contains(&sale_ref) && t.contains(Team::STAFF.0)),
        "the request by staff: {requests:?}"
    );
    let approvals = app.audit_rows("refund.approve").await?;
    ensure!(
        approvals.iter().any(|t| t.contains(Team::FINANCE.0)),
        "the approval by finance: {approvals:?}"
    );
    app.screenshot("07-audit").await?;
    Ok(())
}

fn doku_payment_refunds(state: &Value, reference: &str) -> Vec<Value> {
    state["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["partnerReferenceNo"] == reference)
        .and_then(|p| p["refunds"].as_array().cloned())
        .unwrap_or_default()
}

#[tokio::test]
async fn faspay_link_then_payment_then_the_provider_history_shows_it_then_unlink() -> Result<()> {
    on_fresh_install("faspay", faspay).await
}

/// Staff links Siti's OVO account through Faspay (activation page), takes a tokenized payment
/// on it (OTP and PIN on Faspay's page), reads Faspay's transaction history, which lists that
/// payment under Faspay's transaction id, and unlinks the account; Faspay agrees at each step.
async fn faspay(install: &Install, app: &Desktop) -> Result<()> {
    let siti = ("Siti", "Siti Rahmawati", SITI_PHONE, "0812-9876-5432");
    let Linked { sandbox, cash_before, active, account_id } =
        staff_links_a_first_account(install, app, siti, "faspay_ovo_tokenize").await?;
    ensure!(
        faspay_link_state(&sandbox, SITI_PHONE).await?.eq_ignore_ascii_case("active"),
        "Faspay has the link active"
    );
    app.show(&active).await?;
    app.screenshot("01-faspay-linked").await?;

    let description = "E2E Faspay tokenized";
    let payment = NewPayment {
        product: "faspay_ovo_tokenize",
        kind: "tokenized",
        amount: "55.000",
        source: Some("cash"),
        phone: None,
        description,
    };
    start_payment(app, &payment, Some(&account_id)).await?;
    let step = payment_step(&sandbox, "faspay_ovo_tokenize", SITI_PHONE).await?;
    sandbox.approve(install, &step, Some("cash")).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    app.screenshot("02-payment-succeeded").await?;
    let reference = open_started_payment(app).await?;
    let trx_id = app.text("payment-provider-ref").await?.trim().to_owned();
    let state = sandbox.get("/_sandbox/faspay_ovo_tokenize/state").await?;
    let at_faspay = state["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["trx_id"] == trx_id.as_str())
        .cloned()
        .unwrap_or_default();
    ensure!(
        at_faspay["status"] == 2 && at_faspay["amount"] == 55_000,
        "Faspay has {reference} paid as {trx_id}: {state}"
    );
    ensure!(
        sandbox.wallet(SITI_PHONE).await?.0 == cash_before - 55_000,
        "the payment took Siti's cash"
    );

    // Faspay's own history of the account lists the payment.
    app.open_customer("Siti", "Siti Rahmawati").await?;
    app.click_css(&format!("{active} {}", by_id("history-load"))).await?;
    let entry = format!("{active} {}[data-provider-id=\"{trx_id}\"]", by_id("history-entry"));
    app.find_css(&entry).await?;
    ensure!(
        app.count(&format!("{active} {}", by_id("history-problem"))).await? == 0,
        "the history came from Faspay"
    );
    let shown = app.text_css(&entry).await?;
    ensure!(digits(&shown).contains("55000"), "the entry shows Rp 55.000: {shown:?}");
    ensure!(
        app.find_css(&entry).await?.attr("data-direction").await?.as_deref() == Some("debit"),
        "a payment is a debit"
    );
    let asked = sandbox.received("faspay_ovo_tokenize", "").await?;
    ensure!(
        asked.iter().any(|r| r["body"].to_string().contains("History")),
        "the app asked Faspay for the history"
    );
    app.show(&entry).await?;
    app.screenshot("03-faspay-history").await?;

    // Unlink.
    app.unlink_confirmed(&active, "Faspay", "812-9876-5432").await?;
    let unlinked = format!(
        "{}[data-account-id=\"{account_id}\"][data-status=\"unlinked\"]",
        by_id("account-faspay_ovo_tokenize")
    );
    app.find_css(&unlinked).await?;
    app.find_css(&format!("{unlinked} {}", by_id("account-unlinked-at"))).await?;
    ensure!(
        faspay_link_state(&sandbox, SITI_PHONE).await?.eq_ignore_ascii_case("unlinked"),
        "Faspay has the link ended"
    );
    app.show(&unlinked).await?;
    app.screenshot("04-faspay-unlinked").await?;
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    for action in ["account.link.start", "account.unlink"] {
        let rows = app.audit_rows(action).await?;
        ensure!(
            rows.iter().any(|t| t.contains(":faspay_ovo_tokenize:") && t.contains(Team::STAFF.0)),
            "{action} by staff: {rows:?}"
        );
    }
    Ok(())
}

/// Faspay's state of the link of `phone` (canonical) for the demo merchant.
async fn faspay_link_state(sandbox: &Sandbox, phone: &str) -> Result<String> {
    let state = sandbox.get("/_sandbox/faspay_ovo_tokenize/state").await?;
    let link = state["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| digits(l["phone"].as_str().unwrap_or_default()).ends_with(&phone[2..]))
        .cloned()
        .unwrap_or_default();
    Ok(link["state"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn offline_refund_requested_approved_and_recorded_without_reaching_the_provider() -> Result<()>
{
    on_fresh_install("offline-refund", offline_refund).await
}

/// DOKU Jokul push has no refund API: staff asks for a partial refund of a push payment, the
/// dialog says it is settled outside the provider, finance approves it and it awaits the
/// merchant's transfer; finance then records the transfer (reference, today's date, a PDF slip)
/// and only then is it settled offline, with no provider call and the customer's OVO wallet
/// untouched.
async fn offline_refund(install: &Install, app: &Desktop) -> Result<()> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;

    app.open_payments().await?;
    let push = NewPayment {
        product: "doku_jokul_ovo_push",
        kind: "push",
        amount: "80.000",
        source: None,
        phone: Some("0811-0000-0007"),
        description: "E2E Jokul push for an offline refund",
    };
    start_payment(app, &push, None).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    let reference = open_started_payment(app).await?;
    let (cash_paid, points_paid) = sandbox.wallet(MAGIC_PAYER).await?;

    let dialog = request_refund(
        app,
        "30.000",
        "E2E: one item returned, paid back in the shop",
        "01-refund-request",
    )
    .await?;
    ensure!(
        dialog.rule.contains("no refund API") && dialog.rule.contains("settled offline"),
        "the offline rule in words: {:?}",
        dialog.rule
    );
    ensure!(
        dialog.offline_note.is_some_and(|n| n.contains("outside the provider")),
        "the dialog says the money goes back outside the provider"
    );
    ensure!(digits(&app.text("payment-refundable").await?) == "50000", "Rp 30.000 is reserved");
    app.sign_out().await?;

    app.sign_in_as(Team::FINANCE).await?;
    let said = decide_refund(
        app,
        &reference,
        &Decision {
            approve: true,
            note: "to be paid back by bank transfer",
            password: Team::FINANCE.1,
        },
        "02-approve-offline",
    )
    .await?;
    ensure!(
        said.contains("records the transfer"),
        "the dialog says finance records the merchant's transfer after approval: {said:?}"
    );
    wait_refund_status(app, "awaiting_transfer", Duration::from_secs(20)).await?;
    ensure!(
        app.text("refund-status-note").await?.contains("the money has not gone back"),
        "approval alone never says the money went back"
    );
    ensure!(
        app.text("refund-idempotency").await?.trim() == "—",
        "no provider request key: nothing was sent"
    );
    ensure!(
        app.text("refund-provider-ref").await?.trim() == "—",
        "no reference is invented at approval"
    );
    app.screenshot("03-awaiting-transfer").await?;

    // Finance records the transfer with its slip; the date defaults to today (WIB).
    let slip = install.data.with_file_name("transfer-slip.pdf");
    std::fs::write(&slip, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")?;
    app.click("refund-record-transfer").await?;
    app.find("refund-transfer-dialog").await?;
    app.fill("refund-transfer-reference", "TRF-E2E-0001").await?;
    app.fill("refund-transfer-evidence", &slip.to_string_lossy()).await?;
    app.fill("refund-transfer-password", Team::FINANCE.1).await?;
    app.screenshot("04-record-transfer").await?;
    app.click("refund-transfer-confirm").await?;
    app.wait_count(&by_id("refund-transfer-dialog"), Duration::from_secs(30), |n| n == 0).await?;
    wait_refund_status(app, "settled_offline", Duration::from_secs(20)).await?;
    ensure!(
        app.text("refund-status-note").await?.contains("outside the provider"),
        "the page says where the money went"
    );
    ensure!(
        app.text("refund-provider-ref").await?.trim() == "TRF-E2E-0001",
        "the transfer reference is recorded"
    );
    ensure!(
        app.text("refund-transfer-ref").await?.trim() == "TRF-E2E-0001",
        "the transfer is shown"
    );
    app.wait_text("refund-decided-by", Team::FINANCE.0).await?;
    let stored = std::fs::read_dir(install.data.join("evidence"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect::<Vec<_>>();
    ensure!(
        stored.len() == 1 && std::fs::read(&stored[0])? == std::fs::read(&slip)?,
        "the slip is copied into the data directory: {stored:?}"
    );
    app.click("refund-open-evidence").await?;
    let shown = stored[0].to_string_lossy().into_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !install.opened().contains(&shown) {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the evidence opens with the system viewer: {:?}",
            install.opened()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("05-settled-offline").await?;

    // Nothing reached any provider and the wallet did not move: the money goes back outside.
    ensure!(sandbox.refund_calls().await? == 0, "no refund request reached any provider");
    let jokul = sandbox.received("doku_jokul_ovo_push", "").await?;
    ensure!(
        jokul.iter().all(|r| !r["path"].as_str().unwrap_or_default().contains("refund")),
        "Jokul got no refund: {jokul:?}"
    );
    ensure!(
        sandbox.wallet(MAGIC_PAYER).await? == (cash_paid, points_paid),
        "the OVO wallet is untouched"
    );

    // The refunds desk lists it under "offline"; the payment counts it as refunded.
    app.click("refund-back").await?;
    refund_row_in_tab(app, "settled_offline", &reference).await?;
    app.screenshot("06-offline-tab").await?;
    open_payment_by_reference(app, &reference).await?;
    app.find_css(&format!("{}[data-status=\"settled_offline\"]", by_id("payment-refund"))).await?;
    ensure!(
        digits(&app.text("payment-refundable").await?) == "50000",
        "Rp 50.000 is still refundable"
    );
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    let recorded = app.audit_rows("refund.record_transfer").await?;
    ensure!(
        recorded.iter().any(|t| t.contains(Team::FINANCE.0) && t.contains("refund:")),
        "the transfer recorded by finance: {recorded:?}"
    );
    let submitted =
        app.count(&format!("{}[data-action=\"refund.submit\"]", by_id("audit-row"))).await?;
    ensure!(submitted == 0, "no refund was submitted to a provider: {submitted} submit row(s)");
    app.screenshot("07-audit").await?;
    Ok(())
}

#[tokio::test]
async fn rejected_refund_frees_the_amount_and_the_requester_sees_why() -> Result<()> {
    on_fresh_install("rejected-refund", rejected_refund).await
}

/// Staff takes an OVO SNAP direct debit on Budi's account and asks for all of it back; finance
/// rejects it with a reason; nothing reaches OVO; the requester sees the rejection and its
/// reason, and the whole amount is refundable again.
async fn rejected_refund(install: &Install, app: &Desktop) -> Result<()> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let description = "E2E OVO SNAP for a rejected refund";
    let reference =
        budi_pays_by_direct_debit(install, app, &sandbox, "120.000", description).await?;

    request_refund(
        app,
        "120.000",
        "E2E: customer says the order never arrived",
        "01-refund-request",
    )
    .await?;
    ensure!(digits(&app.text("payment-refundable").await?) == "0", "all of it is reserved");
    app.sign_out().await?;

    let why = "E2E: the courier confirms delivery; no refund";
    app.sign_in_as(Team::FINANCE).await?;
    let said = decide_refund(
        app,
        &reference,
        &Decision { approve: false, note: why, password: Team::FINANCE.1 },
        "02-reject",
    )
    .await?;
    ensure!(said.contains(Team::STAFF.0), "the dialog names the requester: {said:?}");
    wait_refund_status(app, "rejected", Duration::from_secs(20)).await?;
    app.wait_text("refund-decision-note", why).await?;
    app.screenshot("03-rejected").await?;
    ensure!(
        sandbox.received("ovo_snap", "refund").await?.is_empty(),
        "a rejected refund never reaches OVO"
    );
    app.sign_out().await?;

    // The requester finds the rejection and its reason from the payment.
    app.sign_in_as(Team::STAFF).await?;
    open_payment_by_reference(app, &reference).await?;
    let rejected = format!("{}[data-status=\"rejected\"]", by_id("payment-refund"));
    app.find_css(&rejected).await?;
    ensure!(digits(&app.text("payment-refundable").await?) == "120000", "the amount is free again");
    app.show(&rejected).await?;
    app.screenshot("04-payment-after-rejection").await?;
    app.click_css(&format!("{rejected} button")).await?;
    app.wait_attr("refund-status", "data-status", "rejected").await?;
    app.wait_text("refund-decision-note", why).await?;
    ensure!(
        app.text("refund-status-note").await?.contains("free to refund again"),
        "the page says the amount is free"
    );
    app.wait_text("refund-decided-by", Team::FINANCE.0).await?;
    app.screenshot("05-requester-sees-why").await?;

    // And a new request may take all of it again.
    app.click("refund-payment-link").await?;
    app.wait_text("payment-reference", &reference).await?;
    app.click("refund-request").await?;
    app.wait_attr("refund-refundable", "data-amount", "120000").await?;
    app.find("refund-allowed").await?;
    close_refund_dialog(app).await?;
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    let rejections = app.audit_rows("refund.reject").await?;
    ensure!(
        rejections.iter().any(|t| t.contains(Team::FINANCE.0) && t.contains("refund:")),
        "the rejection by finance: {rejections:?}"
    );
    Ok(())
}

#[tokio::test]
async fn refund_after_d_plus_60_is_refused_in_plain_words_and_nothing_reaches_the_provider(
) -> Result<()> {
    on_fresh_install("d-plus-60", d_plus_60).await
}

/// Staff finds a seeded SNAP payment older than 60 days with the payment filters and asks for a
/// refund: the dialog states the D+60 rule and why it refuses, the request cannot be sent, the
/// back end refuses it too when asked directly, and no refund reaches any provider.
async fn d_plus_60(_install: &Install, app: &Desktop) -> Result<()> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let refunds_before = sandbox.refund_calls().await?;

    // Paid more than 60 days ago (WIB): created on or before today − 61 days.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let last_day = today - chrono::Days::new(61);
    let to = last_day.format("%Y-%m-%d").to_string();
    app.open_payments().await?;
    app.select("payment-filter-status", "succeeded").await?;
    app.set_date("payment-filter-to", &to).await?;
    let mut found = None;
    for product in ["doku_snap_ovo", "ovo_snap"] {
        app.select("payment-filter-product", product).await?;
        app.find_css(&format!("{}[data-settled=\"true\"]", by_id("payments-results"))).await?;
        if app.count(&by_id("payment-row")).await? > 0 {
            found = Some((product, app.attr("payment-row", "data-reference").await?));
            break;
        }
    }
    let Some((product, reference)) = found else {
        anyhow::bail!("no succeeded SNAP payment on or before {to}")
    };
    app.screenshot("01-old-payments").await?;
    app.click_css(&format!("{}[data-reference=\"{reference}\"]", by_id("payment-row"))).await?;
    app.wait_text("payment-reference", &reference).await?;

    app.click("refund-request").await?;
    app.find("refund-request-dialog").await?;
    app.wait_text("refund-rule", "(D+60)").await?;
    let rule = app.text("refund-rule").await?;
    app.wait_text("refund-refusal", "The refund window has closed").await?;
    let refusal = app.text("refund-refusal").await?;
    ensure!(
        refusal.contains("refunds were allowed until") && refusal.contains("(D+60)"),
        "the refusal states the rule: {refusal:?}"
    );
    // The last allowed day is named, the same in the rule and the refusal, and it has passed.
    let deadline = refusal
        .split("until ")
        .nth(1)
        .and_then(|rest| rest.split(" (D+60)").next())
        .unwrap_or_default()
        .trim();
    ensure!(
        rule.contains(&format!("until {deadline} (D+60)")),
        "the rule names the same last day {deadline:?}: {rule:?}"
    );
    let deadline = chrono::NaiveDate::parse_from_str(deadline, "%d %b %Y")?;
    ensure!(deadline < today, "the last allowed day {deadline} is before today {today}");
    ensure!(
        app.find("refund-submit").await?.attr("disabled").await?.is_some(),
        "a refused refund cannot be sent"
    );
    app.fill("refund-reason", "E2E: customer asks after three months").await?;
    ensure!(
        app.find("refund-submit").await?.attr("disabled").await?.is_some(),
        "still not with a reason"
    );
    app.screenshot("02-window-closed").await?;
    println!("{product} {reference}: {rule:?} / {refusal:?}");

    // The back end refuses it too, with the same rule, when asked directly.
    let closed = "The refund window has closed";
    refund_refused_over_ipc(app, "10.000", "refund_window_closed", closed).await?;
    ensure!(
        app.count(&format!("{}[data-status=\"requested\"]", by_id("payment-refund"))).await? == 0,
        "no refund was recorded"
    );
    ensure!(sandbox.refund_calls().await? == refunds_before, "nothing reached the provider");
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    let requests = app.audit_rows("refund.request").await?;
    ensure!(
        requests.iter().any(|t| t.contains(&reference)
            && t.contains(Team::STAFF.0)
            && t.contains("window has closed")),
        "the refused request is audited with its reason: {requests:?}"
    );
    Ok(())
}

#[tokio::test]
async fn customers_imported_from_csv_found_by_phone_written_another_way_edited_and_linked(
) -> Result<()> {
    on_fresh_install("customers-import", customers_import).await
}

/// The merchant's CRM export (UTF-8 with BOM, `;`, quoted fields, a phone column whose header the
/// app cannot guess): support maps the phone column, imports the good rows, saves the rejects
/// file (its formula cell escaped), imports the same file again (mapping remembered, nothing
/// duplicated), then finds Wulan by her phone written another way, edits her email and links her
/// OVO account through OVO SNAP. The audit log holds the import and the edit.
async fn customers_import(install: &Install, app: &Desktop) -> Result<()> {
    const WULAN_PHONE: &str = "6285643210987";
    std::fs::write(
        &install.import_file,
        "\u{feff}Nama;Kontak;ID Pelanggan;Email;Catatan\r\n\
         Wulan Anggraini;+62 856-4321-0987;CRM-001;wulan@example.co.id;\"Langganan; bulanan\"\r\n\
         \"Prasetyo, Eko\";0813 2222 3333;CRM-002;;\r\n\
         =1+1;0813 4444 5555;CRM-003;;\r\n\
         Telepon Rumah;021-555-1234;CRM-004;;\r\n",
    )?;
    Team::set_up(app).await?;
    app.sign_in_as(Team::SUPPORT).await?;

    // Choose the file: the inspection, with the phone column not guessed.
    app.click("nav-customers").await?;
    app.click("customers-import").await?;
    app.click("import-choose").await?;
    app.wait_text("import-file-name", "customers-export.csv").await?;
    app.wait_attr("import-encoding", "data-encoding", "utf8_bom").await?;
    ensure!(app.text("import-delimiter").await?.contains(';'), "the delimiter is read as ;");
    app.wait_attr("import-mapping-source", "data-remembered", "false").await?;
    app.find("import-mapping-incomplete").await?;
    app.select("import-map-phone", "1").await?;
    app.wait_count(&by_id("import-row-error"), Duration::from_secs(20), |n| n == 2).await?;
    let mut lines = Vec::new();
    for row in app.client.find_all(Locator::Css(&by_id("import-row-error"))).await? {
        lines.push((
            row.attr("data-line").await?.unwrap_or_default(),
            row.attr("data-reason").await?.unwrap_or_default(),
        ));
    }
    ensure!(
        lines
            == [
                ("4".to_owned(), "customer_formula_cell".to_owned()),
                ("5".to_owned(), "phone_not_mobile".to_owned())
            ],
        "the preview names the bad rows' lines and reasons: {lines:?}"
    );
    app.screenshot("01-import-inspection").await?;

    // Import the good rows; the summary and the rejects file.
    app.click("import-mode-good_rows").await?;
    app.click("import-start").await?;
    app.wait_attr("import-done", "data-state", "finished").await?;
    app.wait_text("import-created", "2").await?;
    app.wait_text("import-rejected", "2").await?;
    app.wait_attr("import-committed", "data-committed", "true").await?;
    app.screenshot("02-import-summary").await?;
    app.click("import-download-rejects").await?;
    app.find("import-rejects-saved").await?;
    let rejects = std::fs::read_to_string(&install.rejects_file)?;
    ensure!(rejects.contains("'=1+1"), "the rejects file escapes the formula cell: {rejects}");
    ensure!(
        rejects.contains("021-555-1234") && !rejects.contains("Wulan"),
        "only the rejected rows: {rejects}"
    );
    app.click("import-close").await?;

    // The same file again: the mapping is remembered and nothing is duplicated.
    app.click("customers-import").await?;
    app.click("import-choose").await?;
    app.wait_attr("import-mapping-source", "data-remembered", "true").await?;
    app.click("import-start").await?;
    app.wait_attr("import-done", "data-state", "finished").await?;
    app.wait_text("import-unchanged", "2").await?;
    ensure!(app.text("import-created").await? == "0", "a second import creates nobody");
    app.click("import-close").await?;

    // Wulan, found by her phone written as 0856… (the file had +62 856-…).
    app.fill("customer-search", "085643210987").await?;
    app.click_with_text("search-hit", "Wulan Anggraini").await?;
    app.wait_text("customer-name", "Wulan Anggraini").await?;
    app.wait_text("customer-merchant-id", "CRM-001").await?;
    app.wait_text("customer-notes-text", "Langganan; bulanan").await?;

    // Edit her email.
    app.click("customer-edit").await?;
    app.fill("customer-form-email", "wulan.anggraini@example.co.id").await?;
    app.click("customer-form-save").await?;
    app.wait_text("customer-email", "wulan.anggraini@example.co.id").await?;
    app.wait_count(
        &format!("{}[data-kind=\"customer_created\"]", by_id("customer-timeline-entry")),
        Duration::from_secs(20),
        |n| n == 1,
    )
    .await?;
    app.sign_out().await?;

    // Staff links her OVO account (she has one at OVO: a wallet in the sandbox).
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    sandbox
        .post(
            "/_sandbox/accounts",
            json!({ "phone": WULAN_PHONE, "name": "Wulan Anggraini", "cash": 300000, "points": 0 }),
        )
        .await?;
    app.open_customer("+62 856-4321-0987", "Wulan Anggraini").await?;
    let active = link_account(app, install, &sandbox, "ovo_snap", "0856-4321-0987").await?;
    app.show(&active).await?;
    app.screenshot("03-imported-customer-linked").await?;
    app.sign_out().await?;

    app.sign_in_as(Team::ADMIN).await?;
    let imports = app.audit_rows("customer.import").await?;
    ensure!(imports.len() == 2, "each import is audited once: {imports:?}");
    let edits = app.audit_rows("customer.update").await?;
    ensure!(
        edits.iter().any(|row| row.contains("wulan.anggraini@example.co.id")),
        "the edit is audited with its after value: {edits:?}"
    );
    Ok(())
}

#[tokio::test]
async fn finance_reconciles_the_providers_settlement_report_resolves_the_mismatch_and_exports_it(
) -> Result<()> {
    on_fresh_install("settlement", settlement).await
}

/// Staff takes Budi's payment by direct debit; OVO's settlement report of the day (the
/// simulator's, with Budi's line written Rp 1.000 higher) is imported by finance, who sees the
/// one mismatch, resolves it with a reason and exports the exceptions with their resolution.
async fn settlement(install: &Install, app: &Desktop) -> Result<()> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let reference =
        budi_pays_by_direct_debit(install, app, &sandbox, "185.000", "Settlement check").await?;
    app.sign_out().await?;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let report = sandbox
        .get_bytes(&format!(
            "/_sandbox/settlement/ovo_snap?date={today}&fee_bps=70&mismatch={reference}:186000"
        ))
        .await?;
    std::fs::write(&install.settlement_file, &report)?;

    // Finance starts where the work is: the demo's refunds wait for approval, so the queue,
    // counted in the navigation. The dashboard is one click away: the day's payments, Budi's
    // among them.
    app.sign_in_as(Team::FINANCE).await?;
    app.wait_attr("nav-refunds", "aria-current", "page").await?;
    app.find("refunds-tab-requested").await?;
    let waiting = app.attr("nav-count-refunds", "title").await?;
    ensure!(waiting.contains("to approve"), "the navigation counts what waits: {waiting:?}");
    app.click("nav-dashboard").await?;
    app.find("dashboard-volume").await?;
    app.click("dashboard-period-days_30").await?;
    app.find("dashboard-open-exceptions").await?;
    app.screenshot("00-dashboard-finance-start").await?;

    // Finance checks the report: the mismatch shows before anything is saved.
    app.click("nav-reconciliation").await?;
    app.select("settlement-product", "ovo_snap").await?;
    app.click("settlement-choose").await?;
    app.find("settlement-check").await?;
    let mismatch_outcome =
        format!("{}[data-outcome=\"amount_mismatch\"]", by_id("settlement-outcome"));
    app.find_css(&mismatch_outcome).await?;
    ensure!(app.count(&by_id("settlement-problem")).await? == 0, "the simulator's report reads");
    app.screenshot("01-settlement-checked").await?;

    // Imported: Budi's payment is the one amount mismatch, open until resolved.
    app.click("settlement-import-button").await?;
    let mismatches = format!("{}[data-kind=\"amount_mismatch\"]", by_id("settlement-exception"));
    app.wait_count(&mismatches, Duration::from_secs(20), |n| n == 1).await?;
    let budi = format!("{mismatches}[data-reference=\"{reference}\"]");
    let row = app.text_css(&budi).await?;
    ensure!(
        digits(&row).contains("185000") && digits(&row).contains("186000"),
        "the row shows the ledger's and the report's amounts: {row}"
    );
    app.screenshot("02-settlement-exceptions").await?;

    // Resolved with a reason.
    let reason = "OVO corrected the amount in its next report";
    app.click_css(&format!("{budi} {}", by_id("settlement-resolve"))).await?;
    app.fill("settlement-resolve-reason", reason).await?;
    app.click("settlement-resolve-submit").await?;
    app.wait_count(&budi, Duration::from_secs(20), |n| n == 0).await?;
    app.click("settlement-exceptions-tab-all").await?;
    let resolved = format!("{budi} {}", by_id("settlement-exception-resolved"));
    app.wait_count(&resolved, Duration::from_secs(20), |n| n == 1).await?;
    ensure!(app.text_css(&resolved).await?.contains(reason), "the resolution shows its reason");
    app.screenshot("03-settlement-resolved").await?;

    // Exported as shown: every exception, Budi's with who resolved it and why.
    app.click("settlement-exceptions-export-csv").await?;
    app.wait_attr("settlement-exceptions-export-done", "data-state", "finished").await?;
    let exported = std::fs::read_to_string(&install.export_file)?;
    let line = exported.lines().find(|l| l.contains(&reference)).unwrap_or_default();
    ensure!(
        line.contains(reason) && line.contains("Fina Finance"),
        "the export holds the resolution: {exported}"
    );
    let audited = app.audit_rows("settlement.exception_resolved").await?;
    ensure!(audited.iter().any(|r| r.contains(reason)), "the resolution is audited: {audited:?}");

    // The dashboard and the reports after the day's work.
    app.click("nav-dashboard").await?;
    app.find("dashboard-open-exceptions").await?;
    app.screenshot("04-dashboard-after-reconciliation").await?;
    app.click("nav-reports").await?;
    app.find("reports-refunds-export").await?;
    app.screenshot("05-reports-refunds").await?;
    app.click("reports-tab-ageing").await?;
    app.find("reports-ageing").await?;
    app.screenshot("06-reports-ageing").await?;
    Ok(())
}

#[tokio::test]
async fn a_refund_the_provider_refuses_shows_its_code_and_message_on_the_page_row_and_timeline(
) -> Result<()> {
    on_fresh_install("refused-refund", refused_refund).await
}

/// Staff takes an OVO SNAP direct debit on Budi's account and asks for part of it back; OVO then
/// blocks Budi's account, and refuses the refund finance approves. Finance starts on the approval
/// queue, its count in the navigation; after the approval the refund's page, its row in the Failed
/// tab and its timeline say OVO's code and message, and what to do next, in English and in Bahasa
/// Indonesia.
async fn refused_refund(install: &Install, app: &Desktop) -> Result<()> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let description = "E2E OVO SNAP for a refused refund";
    let reference =
        budi_pays_by_direct_debit(install, app, &sandbox, "80.000", description).await?;
    request_refund(app, "30.000", "E2E: one item returned", "01-refund-request").await?;
    app.sign_out().await?;

    // OVO blocks Budi's account: it takes no refund from now on.
    let cash_before_refund = sandbox.wallet(BUDI_PHONE).await?;
    sandbox.patch(&format!("/_sandbox/accounts/{BUDI_PHONE}"), json!({ "blocked": true })).await?;

    // Finance starts on the approval queue, with its count.
    app.sign_in_as(Team::FINANCE).await?;
    app.wait_attr("nav-refunds", "aria-current", "page").await?;
    let waiting = app.attr("nav-count-refunds", "title").await?;
    ensure!(waiting.contains("to approve"), "the navigation counts the requests: {waiting:?}");
    let tab = app.text("refunds-tab-requested").await?;
    ensure!(tab.starts_with("Awaiting approval ("), "the tab counts them too: {tab:?}");
    refund_row_for(app, &reference).await?;
    app.screenshot("02-finance-starts-on-the-queue").await?;
    decide_refund(
        app,
        &reference,
        &Decision { approve: true, note: "", password: Team::FINANCE.1 },
        "03-approve",
    )
    .await?;
    wait_refund_status(app, "failed", Duration::from_secs(60)).await?;

    // The page: OVO's code and message, what it means and what to do next.
    app.wait_attr("refund-problem", "data-code", "4035807").await?;
    let message = app.text("refund-problem-message").await?;
    ensure!(message.contains("Card Blocked"), "OVO's message: {message:?}");
    ensure!(app.text("refund-problem-code").await? == "Provider code 4035807", "the code");
    let next = app.text("refund-next").await?;
    ensure!(next.starts_with("What to do next:"), "what to do next: {next:?}");
    // The timeline: the failure as a sentence with OVO's words.
    let failed = app
        .text_css(
            "[data-testid=timeline-event][data-kind=refund_failed] [data-testid=timeline-sentence]",
        )
        .await?;
    ensure!(
        failed.contains("4035807") && failed.contains("Card Blocked") && !failed.contains('{'),
        "the timeline says why: {failed:?}"
    );
    app.screenshot("04-refused-refund-page").await?;
    let ours = sandbox.received("ovo_snap", "refund").await?;
    let ours = ours.iter().filter(|r| r["body"].to_string().contains(&reference)).count();
    ensure!(ours == 1, "the refund reached OVO once, and not again after its refusal: {ours}");
    ensure!(sandbox.wallet(BUDI_PHONE).await? == cash_before_refund, "OVO refunded nothing");

    // The row in the Failed tab: OVO's code.
    app.click("refund-back").await?;
    let row = refund_row_in_tab(app, "failed", &reference).await?;
    let why = app.text_css(&format!("{row} {}", by_id("refund-row-why"))).await?;
    ensure!(why == "4035807", "the row's short form is the code: {why:?}");
    app.screenshot("05-failed-row").await?;

    // The same in Bahasa Indonesia.
    app.select("language-select", "id").await?;
    app.click_css(&format!("{row} {}", by_id("refund-open"))).await?;
    app.wait_text("refund-problem-code", "Kode penyedia 4035807").await?;
    let next = app.text("refund-next").await?;
    ensure!(next.starts_with("Langkah berikutnya:"), "in Bahasa: {next:?}");
    app.screenshot("06-refused-refund-page-id").await?;

    // The audit log in sentences, operators by name; dates picked as dd/mm/yyyy.
    app.click("nav-audit").await?;
    app.find("audit-sentence").await?;
    let sentences = app.texts_css(&by_id("audit-sentence")).await?;
    ensure!(
        sentences.iter().any(|s| s.contains("4035807"))
            && sentences.iter().all(|s| !s.contains('{')),
        "the audit log says the refusal in words: {sentences:?}"
    );
    app.screenshot("07-audit-log-id").await?;
    app.click("audit-filter-from-calendar").await?;
    app.find("audit-filter-from-picker").await?;
    app.screenshot("08-date-picker-id").await?;
    app.select("language-select", "en").await?;
    Ok(())
}

#[tokio::test]
async fn every_screen_in_bahasa_indonesia_in_one_vocabulary() -> Result<()> {
    on_fresh_install("bahasa", bahasa).await
}

/// The Indonesian glossary's words on the screens where both the UI and Rust write: an admin's
/// every section and settings tab, the refund policy table, staff's refund request dialog and a
/// refund the rules refuse, finance's queue and a refund's page. Each screen is kept as a
/// screenshot, so the text can be read in place.
async fn bahasa(_install: &Install, app: &Desktop) -> Result<()> {
    let settle = || tokio::time::sleep(Duration::from_millis(800));
    // Words the glossary avoids, as Rust or the UI could still write them.
    let avoided = ["refund", "direfund", "dicadangkan", "luring", "offline", "jawaban", "periksa"];
    let check = |screen: &str, text: &str| -> Result<()> {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        for word in avoided {
            ensure!(!words.contains(&word), "{screen} says “{word}”: {text}");
        }
        Ok(())
    };
    Team::set_up(app).await?;
    app.sign_in_as(Team::ADMIN).await?;
    app.select("language-select", "id").await?;
    for section in ["dashboard", "customers", "payments", "refunds", "reports", "audit"] {
        app.click(&format!("nav-{section}")).await?;
        settle().await;
        app.screenshot(&format!("id-admin-{section}")).await?;
    }
    app.click("nav-settings").await?;
    for tab in [
        "operators",
        "credentials",
        "provider_settings",
        "refund_policies",
        "notifications",
        "ledger",
        "preferences",
    ] {
        app.click(&format!("settings-tab-{tab}")).await?;
        settle().await;
        app.screenshot(&format!("id-admin-settings-{tab}")).await?;
    }
    // The refund policy table: Rust's rules in the UI's words.
    app.click("settings-tab-refund_policies").await?;
    app.wait_count(&by_id("policy-rule"), Duration::from_secs(20), |n| n == 5).await?;
    let rules = app.texts_css(&by_id("policy-rule")).await?;
    ensure!(rules.len() == 5, "one rule per product: {rules:?}");
    for rule in &rules {
        check("the refund policy table", rule)?;
    }
    ensure!(
        rules.iter().any(|r| r.contains("pengembalian sebagian diizinkan")),
        "the rules say it the glossary's way: {rules:?}"
    );
    app.sign_out().await?;

    // Staff: the refund request dialog on a succeeded payment, then more than it allows.
    app.sign_in_as(Team::STAFF).await?;
    app.wait_text("nav-customers", "Pelanggan").await?;
    settle().await;
    app.screenshot("id-staff-customers").await?;
    app.open_payments().await?;
    app.click_css(&format!("{}[data-status=\"succeeded\"]", by_id("payment-row"))).await?;
    app.find("refund-request").await?;
    settle().await;
    app.screenshot("id-staff-payment").await?;
    app.click("refund-request").await?;
    app.find("refund-rule").await?;
    let paid = digits(&app.text("payment-amount-value").await?).parse::<i64>()?;
    check("the refund request dialog", &app.text("refund-request-dialog").await?)?;
    app.screenshot("id-staff-refund-request").await?;
    app.fill("refund-amount", &(paid + 1_000).to_string()).await?;
    let refusal = app.text("refund-refusal").await?;
    check("the refusal", &refusal)?;
    ensure!(refusal.contains("melebihi sisa yang dapat dikembalikan"), "{refusal}");
    app.screenshot("id-staff-refund-refused").await?;
    close_refund_dialog(app).await?;
    app.sign_out().await?;

    // Finance: the approval queue, a refund's page, reconciliation.
    app.sign_in_as(Team::FINANCE).await?;
    app.wait_attr("nav-refunds", "aria-current", "page").await?;
    settle().await;
    app.screenshot("id-finance-queue").await?;
    app.click_css(&by_id("refund-open")).await?;
    app.find("refund-status").await?;
    settle().await;
    // What the page says (its raw records hold data keys, not words).
    check("a refund's status", &app.text("refund-status-note").await?)?;
    for sentence in app.texts_css(&by_id("timeline-sentence")).await? {
        check("a refund's timeline", &sentence)?;
    }
    app.screenshot("id-finance-refund").await?;
    app.click("nav-reconciliation").await?;
    settle().await;
    app.screenshot("id-finance-reconciliation").await?;
    app.select("language-select", "en").await?;
    Ok(())
}
