//! End-to-end: two desks of one shared PostgreSQL ledger, each its own app process with its own
//! data folder and its own keychain, and one simulator both reach. The admin at desk A makes a
//! one-time code; desk B is enrolled with it on its first start; staff requests a refund at A,
//! finance approves it at B, and both show it succeeded.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use support::{
    budi_pays_by_direct_debit, decide_refund, open_payment_by_reference, request_refund,
    wait_refund_status, Decision, Desk, Desktop, Install, Sandbox, Team,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_at_one_desk_requests_a_refund_and_finance_approves_it_at_a_desk_enrolled_with_a_code(
) -> Result<()> {
    let server = std::env::var(ovo_test_support::ledger::POSTGRES_ENV).with_context(|| {
        "OVO_TEST_POSTGRES_URL is unset: run the end-to-end suite through `cargo xtask test`"
    })?;
    let ledger = ovo_test_support::ledger::fresh_database(&server).await;
    // One simulator for both desks, as one provider serves every desk of a merchant.
    let simulator = ovo_test_support::sim::start_demo("1").await;
    let shared = vec![
        ("OVO_LEDGER_URL", ledger.clone()),
        ("OVO_BACKOFFICE_SANDBOX_URL", simulator.url().to_string()),
    ];

    let desk_a = Install::desk("desk-a", Desk { env: shared.clone(), ..Desk::default() })?;
    let app = desk_a.launch().await?;
    let (code, reference) = match at_the_first_desk(&desk_a, &app).await {
        Ok(done) => {
            app.quit().await?;
            done
        }
        Err(e) => return app.finish(Err(e)).await,
    };

    // Another computer: its own data folder and keychain, the same ledger and provider.
    let desk_b =
        Install::desk("desk-b", Desk { env: shared, own_keychain: true, team_of: Some(&desk_a) })?;
    let app = desk_b.launch().await?;
    let approved = at_the_second_desk(&app, &code, &reference).await;
    app.finish(approved).await?;

    let app = desk_a.launch().await?;
    let seen = back_at_the_first_desk(&app, &reference).await;
    app.finish(seen).await
}

/// Desk A creates the ledger: the team, a code for another desk, and a refund request.
/// Returns the code and the payment's reference.
async fn at_the_first_desk(install: &Install, app: &Desktop) -> Result<(String, String)> {
    Team::set_up(app).await?;
    app.sign_in_as(Team::ADMIN).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-ledger").await?;
    app.wait_attr("ledger-kind", "data-backend", "postgres").await?;
    app.click("ledger-enrol-desk").await?;
    let code = app.text("enrolment-code").await?.trim().to_owned();
    ensure!(code.len() == 29, "a code of five groups: {code:?}");
    app.screenshot("01-enrolment-code").await?;
    app.click("enrolment-code-close").await?;
    app.sign_out().await?;

    app.sign_in_as(Team::STAFF).await?;
    let sandbox = Sandbox::of(app).await?;
    let reference =
        budi_pays_by_direct_debit(install, app, &sandbox, "120.000", "E2E two desks").await?;
    request_refund(app, "50.000", "E2E: requested at desk A", "02-request-at-desk-a").await?;
    app.sign_out().await?;
    Ok((code, reference))
}

/// Desk B starts on the enrolment screen, is enrolled with the code, and finance approves the
/// refund requested at desk A.
async fn at_the_second_desk(app: &Desktop, code: &str, reference: &str) -> Result<()> {
    app.find("screen-enrol").await?;
    app.screenshot("03-enrol-at-desk-b").await?;
    // Typed as a person reads it out: lower case, spaces for dashes.
    let typed = code.to_lowercase().replace('-', " ");
    app.fill_all(&[("enrol-code", typed.as_str()), ("enrol-desk-name", "Finance desk")]).await?;
    app.click("enrol-submit").await?;
    app.find("screen-signin").await?;
    app.sign_in_as(Team::FINANCE).await?;
    let decision = Decision { approve: true, note: "", password: Team::FINANCE.1 };
    let said = decide_refund(app, reference, &decision, "04-approve-at-desk-b").await?;
    ensure!(said.contains(Team::STAFF.0), "the dialog names the requester at desk A: {said:?}");
    wait_refund_status(app, "succeeded", Duration::from_secs(60)).await?;
    app.screenshot("05-succeeded-at-desk-b").await?;
    app.sign_out().await?;

    // The admin's list at any desk says which desk used the code.
    app.sign_in_as(Team::ADMIN).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-ledger").await?;
    let used = format!(
        "{}[data-state=\"used\"]",
        support::by_id(&format!("enrolment-row-{}", &code[..5]))
    );
    app.find_css(&used).await?;
    ensure!(app.text("enrolment-desk").await?.contains("Finance desk"), "the desk's name is shown");
    app.screenshot("06-enrolment-used").await?;
    Ok(())
}

/// Desk A again: staff finds the refund succeeded, decided at the other desk.
async fn back_at_the_first_desk(app: &Desktop, reference: &str) -> Result<()> {
    app.sign_in_as(Team::STAFF).await?;
    open_payment_by_reference(app, reference).await?;
    let succeeded = format!("{}[data-status=\"succeeded\"]", support::by_id("payment-refund"));
    app.find_css(&succeeded).await?;
    app.show(&succeeded).await?;
    app.screenshot("07-succeeded-at-desk-a").await?;
    Ok(())
}
