//! End-to-end: the real app, its real webview, the real Secret Service.
#![allow(clippy::unwrap_used)]

mod support;

use anyhow::{ensure, Result};
use ovo_secrets::{KeychainStore, SecretKey, SecretStore};
use serde_json::json;
use std::time::Duration;
use support::{
    by_id, card, contains, decide_refund, digits, link_account, on_fresh_install,
    open_payment_by_reference, open_started_payment, payment_step, refund_refused_over_ipc,
    refund_row_in_tab, started, wait_refund_status, wait_status, Decision, Desk, Desktop, Install,
    Sandbox, SecretScan, APP_IDENTIFIER,
};

const ADMIN_PASSWORD: &str = "admin-password-2026";

const STAFF: (&str, &str) = ("sari", "sari-password-1");
const FINANCE: (&str, &str) = ("fajar", "fajar-password-1");

#[tokio::test]
async fn first_admin_operator_and_credential_survive_a_restart_and_every_secret_lives_only_in_the_keychain(
) -> Result<()> {
    let secret = format!("ovo-snap-client-secret-{}", std::process::id());
    let install = Install::new("first-run")?;
    let app = install.launch().await?;
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.screenshot("01-shell").await?;
    app.wait_text("current-operator", "Ayu Admin").await?;

    app.create_operator(FINANCE.0, "Fajar Finance", "finance", FINANCE.1).await?;
    ensure!(
        app.value("operator-role-fajar").await? == "finance",
        "the new operator is listed as finance"
    );
    app.create_operator(STAFF.0, "Sari Staff", "staff", STAFF.1).await?;
    app.screenshot("02-operators").await?;

    app.click("settings-tab-credentials").await?;
    app.select("cred-environment", "production").await?;
    let field = "ovo_snap-client_secret";
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "unset").await?;
    app.fill(&format!("cred-input-{field}"), &secret).await?;
    app.click(&format!("cred-save-{field}")).await?;
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "set").await?;
    ensure!(
        app.value(&format!("cred-input-{field}")).await?.is_empty(),
        "the field is cleared after saving"
    );
    app.screenshot("03-credential-set").await?;
    app.quit().await?;

    // Restart: the operator signs in again and the credential is still set; staff then links
    // two accounts, so that customer tokens and authCodes pass through the app.
    let mut scan = SecretScan::default();
    scan.add("provider credential", [&secret])?;
    scan.add("operator password", [ADMIN_PASSWORD, STAFF.1, FINANCE.1])?;
    let app = install.launch().await?;
    let result = restart_and_link(&install, &app, field, &mut scan).await;
    app.finish(result).await?;

    // The credential is in the OS keychain...
    let key = SecretKey::new(APP_IDENTIFIER, "production", "ovo_snap", "client_secret");
    let stored = KeychainStore::new().get(&key)?.map(|s| s.expose().clone());
    ensure!(stored.as_deref() == Some(secret.as_str()), "the keychain holds the secret");
    KeychainStore::new().delete(&key)?;
    // ...and no secret is anywhere else: not the ledger, its WAL, a backup, the logs, stderr,
    // nor any IPC reply (looked at while the app ran, its WAL in use, and once it had quit).
    scan.look_in(install.written_files());
    let scanned = scan.files();
    let named =
        |suffix: &str| scanned.iter().filter(|f| f.to_string_lossy().ends_with(suffix)).count();
    ensure!(named("ledger.sqlite") == 1, "the ledger was scanned: {scanned:?}");
    ensure!(named("ledger.sqlite-wal") == 1, "its WAL was scanned: {scanned:?}");
    ensure!(named("ovo-backoffice.log") == 1, "the log was scanned: {scanned:?}");
    ensure!(scanned.contains(&install.stderr), "stderr was scanned");
    ensure!(scanned.contains(&install.journal), "the IPC journal was scanned");
    ensure!(
        contains(&install.journal, "\"command\":\"set_credential\"")
            && contains(&install.journal, "\"command\":\"refresh_balance\""),
        "the IPC journal recorded the run"
    );
    println!(
        "secret scan: {} customer tokens, {} B2B tokens, {} authCodes; {} ledger backups",
        scan.count("customer token"),
        scan.count("B2B token"),
        scan.count("authCode"),
        named(".bak")
    );
    scan.conclude()
}

/// The admin backs the ledger up from Settings; the ledger file is then damaged (its header and
/// its WAL's overwritten, as a failing disk would). The app opens on the recovery screen, which
/// names the damage and offers the backup; restoring it opens the back office on it, the restore is in the
/// audit log, and the damaged file is kept. A second start of the same install ends at once and
/// brings the open window forward.
#[tokio::test]
async fn a_damaged_ledger_opens_on_the_recovery_screen_and_a_second_start_focuses_the_first(
) -> Result<()> {
    let install = Install::new("recovery")?;
    let app = install.launch().await?;
    let result = async {
        app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
        app.click("nav-settings").await?;
        app.click("settings-tab-ledger").await?;
        app.find("backups-empty").await?;
        app.click("backups-take").await?;
        app.wait_count(&by_id("backup-row"), Duration::from_secs(20), |n| n == 1).await?;
        app.screenshot("recovery-01-backup-taken").await?;
        Ok(())
    }
    .await;
    app.finish(result).await?;
    install.wait_closed()?;

    // The file's header and the WAL's (which would otherwise still hold a good first page).
    for (file, header) in [("ledger.sqlite", 100), ("ledger.sqlite-wal", 32)] {
        let path = install.data.join(file);
        if let Ok(mut bytes) = std::fs::read(&path) {
            bytes[..header].fill(0x5a);
            std::fs::write(&path, bytes)?;
        }
    }

    let app = install.launch().await?;
    let result = async {
        app.find("screen-recovery").await?;
        ensure!(!app.text("recovery-problems").await?.trim().is_empty(), "the damage is named");
        ensure!(app.count(&by_id("recovery-backup")).await? == 1, "the backup is offered");
        app.screenshot("recovery-02-screen").await?;
        app.click("recovery-restore").await?;
        app.sign_in("admin", ADMIN_PASSWORD).await?;
        let restored = app.audit_rows("ledger.restored").await?;
        ensure!(restored.len() == 1, "one restore in the audit log: {restored:?}");
        app.screenshot("recovery-03-audited").await?;

        let second = install.start_again()?;
        ensure!(second.success(), "the second start ends cleanly: {second}");
        ensure!(
            install.log().contains("a second start brought this window forward"),
            "the first window was brought forward"
        );
        app.find("screen-shell").await?;
        Ok(())
    }
    .await;
    app.finish(result).await?;
    let kept = std::fs::read_dir(&install.data)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        .count();
    ensure!(kept >= 1, "the damaged file is kept beside the ledger");
    Ok(())
}

/// The window follows the OS's dark preference (GTK's dark theme here): the page's background is
/// dark, its text light; without it, the reverse.
#[tokio::test]
async fn the_window_follows_the_operating_systems_dark_theme() -> Result<()> {
    let desk = Desk { env: vec![("GTK_THEME", "Adwaita:dark".to_owned())], ..Desk::default() };
    for (install, dark) in [(Install::desk("dark", desk)?, true), (Install::new("light")?, false)] {
        let app = install.launch().await?;
        let result = async {
            app.find("screen-setup").await?;
            let colours = app
                .client
                .execute(
                    "const s = getComputedStyle(document.documentElement); return [s.backgroundColor, s.color];",
                    vec![],
                )
                .await?;
            let luminance = |i: usize| -> Result<f64> {
                let text = colours[i].as_str().unwrap_or_default();
                let channels: Vec<f64> = text
                    .trim_start_matches("rgba(")
                    .trim_start_matches("rgb(")
                    .trim_end_matches(')')
                    .split(',')
                    .take(3)
                    .map(|c| c.trim().parse::<f64>().unwrap_or(-1.0))
                    .collect();
                ensure!(channels.len() == 3 && channels.iter().all(|c| *c >= 0.0), "a colour: {text}");
                ensure!(!text.ends_with(", 0)"), "an opaque colour: {text}");
                Ok((0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]) / 255.0)
            };
            let (background, text) = (luminance(0)?, luminance(1)?);
            ensure!(
                (background < text) == dark,
                "dark {dark}: background {background:.2}, text {text:.2} ({colours:?})"
            );
            app.screenshot(if dark { "theme-dark-setup" } else { "theme-light-setup" }).await?;
            Ok(())
        }
        .await;
        app.finish(result).await?;
    }
    Ok(())
}

/// The scan reads bytes: a secret inside binary data (a SQLite page, say) is found and named.
#[test]
fn the_secret_scan_finds_a_secret_inside_binary_data_and_names_its_file_and_kind() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (clean, dirty) = (dir.path().join("clean.bin"), dir.path().join("ledger.sqlite-wal"));
    let code = "authcode-4f1c9a77d02b";
    std::fs::write(&clean, [0u8, 159, 146, 150, 1, 2, 3])?;
    let mut page = vec![0u8, 0xff, 0x13, 0x37];
    page.extend_from_slice(
        format!("{{\"additionalInfo\":{{\"authCode\":\"{code}\"}}}}").as_bytes(),
    );
    page.extend_from_slice(&[0, 0xfe]);
    std::fs::write(&dirty, page)?;
    let mut scan = SecretScan::default();
    scan.add("authCode", [code])?;
    scan.add("operator password", ["admin-password-2026"])?;
    ensure!(scan.add("authCode", ["short"]).is_err(), "a value too short to find is refused");
    scan.look_in(vec![clean, dirty.clone(), dir.path().join("gone")]);
    ensure!(scan.files().len() == 2, "a file that is gone is not counted");
    let err = scan.conclude().expect_err("the planted authCode is found").to_string();
    ensure!(
        err.contains("authCode in ") && err.contains(&dirty.display().to_string()),
        "the failure names the kind and the file: {err}"
    );
    ensure!(!err.contains("clean.bin") && !err.contains("password"), "only that finding: {err}");
    Ok(())
}

/// After the restart: the admin finds the credential set; staff links Budi's OVO account
/// through DOKU SNAP (an authCode) and Siti's through OVO SNAP (customer and refresh tokens) and
/// reads both balances; the secrets issued are added to `scan`, which looks at the written files
/// while the app still runs.
async fn restart_and_link(
    install: &Install,
    app: &Desktop,
    field: &str,
    scan: &mut SecretScan,
) -> Result<()> {
    app.sign_in("admin", ADMIN_PASSWORD).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-credentials").await?;
    app.select("cred-environment", "production").await?;
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "set").await?;
    app.wait_attr("cred-status-ovo_snap-client_id", "data-state", "unset").await?;
    app.screenshot("04-after-restart").await?;
    app.sign_out().await?;

    app.sign_in(STAFF.0, STAFF.1).await?;
    let sandbox = Sandbox::of(app).await?;
    for (search, name, product, typed_phone) in [
        ("Budi", "Budi Santoso", "doku_snap_ovo", "0812-3456-7890"),
        ("Siti", "Siti Rahmawati", "ovo_snap", "0812-9876-5432"),
    ] {
        app.open_customer(search, name).await?;
        ensure!(
            app.count(&card(product, "active")).await? == 0,
            "{name} has no {product} account yet"
        );
        let active = link_account(app, install, &sandbox, product, typed_phone).await?;
        app.click_css(&format!("{active} {}", by_id("balance-refresh"))).await?;
        app.find_css(&format!("{active} {}:not([data-as-of=\"\"])", by_id("balance-as-of")))
            .await?;
        app.screenshot(&format!("05-{product}-linked")).await?;
        app.click("customer-back").await?;
    }
    scan.add_issued_by(&sandbox, &["doku_snap_ovo", "ovo_snap"]).await?;
    ensure!(scan.count("authCode") >= 2, "both linkings' authCodes are known");
    scan.look_in(install.written_files());
    Ok(())
}

#[tokio::test]
async fn a_support_operator_calling_an_admin_command_over_ipc_is_forbidden_and_audited(
) -> Result<()> {
    let install = Install::new("forbidden")?;
    let app = install.launch().await?;
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.create_operator("sinta", "Sinta Support", "support", "sinta-password-1").await?;
    app.sign_out().await?;
    app.sign_in("sinta", "sinta-password-1").await?;
    ensure!(
        app.count("[data-testid=\"settings-tab-operators\"]").await? == 0,
        "support sees no operator admin"
    );

    let reply = app
        .invoke(
            "create_operator",
            json!({ "input": { "username": "mallory", "displayName": "Mallory", "role": "admin", "password": "mallory-password" } }),
        )
        .await?;
    let err = reply.expect_err("support must not create operators");
    ensure!(err["code"] == "forbidden", "code forbidden, got {err}");
    let reply =
        app.invoke("list_credentials", json!({ "input": { "environment": "production" } })).await?;
    ensure!(reply.is_err_and(|e| e["code"] == "forbidden"), "support must not list credentials");

    // Bahasa Indonesia is complete enough to switch to and back.
    let english = app.text("nav-customers").await?;
    app.select("language-select", "id").await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.text("nav-customers").await? == english && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(app.text("nav-customers").await? != english, "the navigation is translated");
    app.screenshot("05-support-bahasa").await?;
    app.select("language-select", "en").await?;
    app.sign_out().await?;

    app.sign_in("admin", ADMIN_PASSWORD).await?;
    app.click("nav-audit").await?;
    app.wait_attr("audit-verify-status", "data-intact", "true").await?;
    let denied = app.count("[data-testid=\"audit-row\"][data-action=\"access.denied\"]").await?;
    ensure!(denied == 2, "both refused calls are audited, found {denied}");
    app.screenshot("06-audit-denied").await?;
    app.quit().await?;

    let mut ledger_rows = 0;
    for line in std::fs::read_to_string(&install.journal)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if v["command"] == "create_operator" && v["err"]["code"] == "forbidden" {
            ledger_rows += 1;
        }
    }
    ensure!(ledger_rows == 1, "the back end itself answered forbidden");
    Ok(())
}

#[tokio::test]
async fn customer_desk_search_link_balance_history_top_up_unlink_and_audit() -> Result<()> {
    on_fresh_install("customer-desk", customer_desk).await
}

/// Staff finds customers, links Siti's OVO account through OVO SNAP (the customer's step played
/// through the sandbox's control API), reads her balance, reads Sophia's Faspay history and
/// top-up options, unlinks Siti's new account; the admin then finds each step in the audit log.
async fn customer_desk(install: &Install, app: &Desktop) -> Result<()> {
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.create_operator("sari", "Sari Staff", "staff", "sari-password-1").await?;
    app.sign_out().await?;
    app.sign_in("sari", "sari-password-1").await?;
    let sandbox = Sandbox::of(app).await?;

    // A phone typed as the customer says it finds Budi, matched by phone.
    app.click("nav-customers").await?;
    app.fill("customer-search", "0812-3456-7890").await?;
    let budi = "[data-testid=\"search-hit\"][data-matched=\"phone\"]";
    app.wait_count(budi, Duration::from_secs(20), |n| n == 1).await?;
    let hit = app.text_css(budi).await?;
    ensure!(hit.contains("Budi Santoso"), "the phone hit is Budi Santoso: {hit:?}");
    let matched = app.text_css(&format!("{budi} {}", by_id("search-hit-matched"))).await?;
    ensure!(
        digits(&matched).ends_with("81234567890"),
        "the hit says which phone matched: {matched:?}"
    );
    let normalized = app.text("search-normalized-phone").await?;
    ensure!(
        digits(&normalized).ends_with("81234567890"),
        "the query is read as a phone: {normalized:?}"
    );
    app.screenshot("01-search-by-phone").await?;

    // Siti: link a new OVO SNAP account.
    app.fill("customer-search", "Siti").await?;
    app.click_with_text("search-hit", "Siti Rahmawati").await?;
    app.wait_text("customer-name", "Siti Rahmawati").await?;
    ensure!(app.count(&card("ovo_snap", "active")).await? == 0, "Siti has no OVO SNAP account yet");
    app.select("link-product-select", "ovo_snap").await?;
    app.fill("link-phone", "0812-9876-5432").await?;
    app.click("link-start").await?;
    let pending = card("ovo_snap", "pending");
    app.find_css(&format!("{pending} {}", by_id("account-pending"))).await?;
    let account_id =
        app.find_css(&pending).await?.attr("data-account-id").await?.unwrap_or_default();
    ensure!(!account_id.is_empty(), "the pending card names its account");
    let this_card = format!("{}[data-account-id=\"{account_id}\"]", by_id("account-ovo_snap"));

    // The linking page was "opened in the system browser": the sandbox's customer page.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !install.opened().iter().any(|u| u.starts_with(&sandbox.url))
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let opened = install.opened();
    ensure!(opened.len() == 1, "exactly the linking page was opened: {opened:?}");
    ensure!(
        opened[0].starts_with(&format!("{}/_sandbox/customer/", sandbox.url)),
        "the sandbox customer page: {opened:?}"
    );

    // The customer completes the OTP/PIN step; the sandbox's "browser" comes back to the app.
    let action = sandbox.pending_for("ovo_snap", "6281298765432").await?;
    let action_id = action["id"].as_str().unwrap_or_default();
    ensure!(
        opened[0].contains(action_id),
        "the opened page is this step's page: {} vs {action_id}",
        opened[0]
    );
    let decided = sandbox
        .post(
            &format!("/_sandbox/pending/{action_id}/decide"),
            json!({ "decision": "approve", "follow_redirect": true }),
        )
        .await?;
    ensure!(decided["followed_error"].is_null(), "the return URL was reachable: {decided}");
    ensure!(decided["followed_status"] == 200, "the app's return page answered 200: {decided}");
    // The page polls every 2 s; give it a few rounds.
    let active = format!("{this_card}[data-status=\"active\"]");
    app.client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css(&active))
        .await
        .map_err(|e| anyhow::anyhow!("the OVO SNAP account did not become active: {e}"))?;

    // Balance: the figures the provider has.
    let wallet = sandbox.get("/_sandbox/accounts/6281298765432").await?;
    let (cash, points) =
        (wallet["cash"].as_i64().unwrap_or(-1), wallet["points"].as_i64().unwrap_or(-1));
    app.click_css(&format!("{active} {}", by_id("balance-refresh"))).await?;
    let as_of = format!("{active} {}:not([data-as-of=\"\"])", by_id("balance-as-of"));
    app.find_css(&as_of).await?;
    let shown_cash = app.text_css(&format!("{active} {}", by_id("balance-cash"))).await?;
    let shown_points = app.text_css(&format!("{active} {}", by_id("balance-points"))).await?;
    ensure!(
        digits(&shown_cash) == cash.to_string(),
        "cash shown {shown_cash:?}, sandbox has {cash}"
    );
    ensure!(
        digits(&shown_points) == points.to_string(),
        "points shown {shown_points:?}, sandbox has {points}"
    );
    ensure!(
        ["IDR ", "Rp ", "IDR\u{a0}", "Rp\u{a0}"].iter().any(|p| shown_cash.starts_with(p)),
        "money is formatted, the currency kept with its digits: {shown_cash:?}"
    );
    app.screenshot("02-siti-ovo-snap-linked").await?;

    // Sophia (Faspay): provider history and top-up instructions.
    app.click("customer-back").await?;
    app.fill("customer-search", "Sophia").await?;
    app.click_with_text("search-hit", "Sophia Store Tester").await?;
    app.wait_text("customer-name", "Sophia Store Tester").await?;
    let faspay = card("faspay_ovo_tokenize", "active");
    app.click_css(&format!("{faspay} {}", by_id("history-load"))).await?;
    let entries = app
        .wait_count(&format!("{faspay} {}", by_id("history-entry")), Duration::from_secs(20), |n| {
            n >= 1
        })
        .await?;
    ensure!(
        app.count(&format!("{faspay} {}", by_id("history-problem"))).await? == 0,
        "history came from the provider"
    );
    app.click_css(&format!("{faspay} {}", by_id("topup-load"))).await?;
    let options = app
        .wait_count(&format!("{faspay} {}", by_id("topup-option")), Duration::from_secs(20), |n| {
            n >= 1
        })
        .await?;
    app.show(&format!("{faspay} {}", by_id("topup-option"))).await?;
    app.screenshot("03-sophia-history-top-up").await?;
    println!("Sophia: {entries} history entries, {options} top-up options");

    // Back to Siti: unlink the new OVO SNAP account.
    app.click("customer-back").await?;
    app.fill("customer-search", "Siti").await?;
    app.click_with_text("search-hit", "Siti Rahmawati").await?;
    app.wait_text("customer-name", "Siti Rahmawati").await?;
    // The phone as the UI shows phones: "+62 812-9876-5432".
    app.unlink_confirmed(&active, "OVO SNAP", "812-9876-5432").await?;
    let unlinked = format!("{this_card}[data-status=\"unlinked\"]");
    app.find_css(&unlinked).await?;
    app.find_css(&format!("{unlinked} {}", by_id("account-unlinked-at"))).await?;
    ensure!(app.count(&by_id("unlink-dialog")).await? == 0, "the dialog closed");
    app.screenshot("04-siti-ovo-snap-unlinked").await?;
    app.sign_out().await?;

    // The admin sees each step in the audit log, by whom (the audit log names operators by username).
    app.sign_in("admin", ADMIN_PASSWORD).await?;
    app.click("nav-audit").await?;
    app.wait_attr("audit-verify-status", "data-intact", "true").await?;
    for (action, operator) in [
        ("account.link.start", Some("sari")),
        ("account.link", None),
        ("account.balance.refresh", Some("sari")),
        ("account.unlink", Some("sari")),
    ] {
        let rows = format!("{}[data-action=\"{action}\"]", by_id("audit-row"));
        app.wait_count(&rows, Duration::from_secs(20), |n| n >= 1).await?;
        let mut texts = Vec::new();
        for row in app.client.find_all(fantoccini::Locator::Css(&rows)).await? {
            texts.push(row.prop("textContent").await?.unwrap_or_default());
        }
        // The subject is "{environment}:{product}:{masked phone}".
        let siti: Vec<&String> =
            texts.iter().filter(|t| t.contains(":ovo_snap:") && t.contains("5432")).collect();
        ensure!(!siti.is_empty(), "{action} names Siti's OVO SNAP account: {texts:?}");
        if let Some(operator) = operator {
            ensure!(siti.iter().any(|t| t.contains(operator)), "{action} by {operator}: {texts:?}");
        }
    }
    app.screenshot("05-audit-customer-desk").await?;
    Ok(())
}

#[tokio::test]
async fn payments_and_refunds() -> Result<()> {
    on_fresh_install("money", money_desk).await
}

const BUDI_PHONE: &str = "6281234567890";
const AGUS_PHONE: &str = "6285712345678";
const MAGIC_PAYER: &str = "6281100000007";
const FINA_PASSWORD: &str = "fina-password-1";

/// Staff takes three payments (OVO SNAP direct debit on Budi's linked account with the PIN step
/// played through the sandbox, a DOKU Jokul push paid on the sandbox phone while its countdown
/// runs, a Tazapay payin the magic payer approves); support requests a partial OVO SNAP refund
/// and is refused a partial Tazapay one by the rule; finance approves the refund with their
/// password and the provider refunds it once; the admin finds both steps in the audit log.
async fn money_desk(install: &Install, app: &Desktop) -> Result<()> {
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.create_operator("sari", "Sari Staff", "staff", "sari-password-1").await?;
    app.create_operator("dimas", "Dimas Support", "support", "dimas-password-1").await?;
    app.create_operator("fina", "Fina Finance", "finance", FINA_PASSWORD).await?;
    app.sign_out().await?;
    app.sign_in("sari", "sari-password-1").await?;
    let sandbox = Sandbox::of(app).await?;

    // 1. OVO SNAP direct debit on Budi's linked account, from his customer page.
    app.click("nav-customers").await?;
    app.fill("customer-search", "Budi").await?;
    app.click_with_text("search-hit", "Budi Santoso").await?;
    app.wait_text("customer-name", "Budi Santoso").await?;
    app.click("new-payment").await?;
    app.find("new-payment-dialog").await?;
    app.wait_text("payment-customer", "Budi Santoso").await?;
    app.select("payment-product", "ovo_snap").await?;
    app.select("payment-kind", "direct_debit").await?;
    app.find("payment-account").await?;
    app.fill("payment-amount", "150.000").await?;
    app.select("payment-source", "cash").await?;
    app.fill("payment-description", "E2E OVO SNAP direct debit").await?;
    app.click("payment-start").await?;
    started(app).await?;
    let opened_before = install.opened().len();
    // The PIN page was "opened in the system browser"; Budi enters his PIN and pays with cash.
    let action = payment_step(&sandbox, "ovo_snap", BUDI_PHONE).await?;
    let action_id = action["id"].as_str().unwrap_or_default().to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !install.opened().iter().any(|u| u.contains(&action_id)) {
        let opened = install.opened();
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the PIN page was not opened: {opened:?} (before: {opened_before})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let decided = sandbox
        .post(
            &format!("/_sandbox/pending/{action_id}/decide"),
            json!({ "decision": "approve", "source": "cash", "follow_redirect": true }),
        )
        .await?;
    println!("OVO SNAP PIN step decided: {decided}");
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    let split = app.text("payment-split").await?;
    ensure!(digits(&split).starts_with("150000"), "all cash: {split:?}");
    app.screenshot("01-ovo-snap-succeeded").await?;
    let snap_ref = open_started_payment(app).await?;
    let refundable = app.text("payment-refundable").await?;
    ensure!(digits(&refundable) == "150000", "all of it is refundable: {refundable:?}");

    // 2. A DOKU Jokul push to Agus's phone, typed by hand: the countdown runs while the provider
    // holds the call; Agus pays on his phone.
    app.click("payment-back").await?;
    app.click("new-payment").await?;
    app.find("new-payment-dialog").await?;
    app.select("payment-product", "doku_jokul_ovo_push").await?;
    app.select("payment-kind", "push").await?;
    app.fill_all(&[
        ("payment-amount", "75.000"),
        ("payment-phone", "0857-1234-5678"),
        ("payment-description", "E2E Jokul push"),
    ])
    .await?;
    app.click("payment-start").await?;
    started(app).await?;
    app.wait_attr("payment-status", "data-status", "pending").await?;
    app.find("push-countdown").await?;
    let first = push_seconds(app).await?;
    ensure!((1..=70).contains(&first), "the hold is counted down from 70 s: {first}");
    let percent: f64 = app.attr("push-progress", "data-percent").await?.parse().unwrap_or(-1.0);
    ensure!(percent > 0.0 && percent <= 100.0, "the progress bar shows the hold left: {percent}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut later = first;
    while later >= first {
        ensure!(tokio::time::Instant::now() < deadline, "the countdown stayed at {later} s");
        tokio::time::sleep(Duration::from_millis(200)).await;
        later = push_seconds(app).await?;
    }
    let text = app.text("push-countdown").await?;
    println!("push countdown: {first} s → {later} s, {percent}%: {text:?}");
    app.screenshot("02-push-countdown").await?;
    // The customer's phone lists the held push; "Pay with Cash" submits its form.
    let phone_page = sandbox.get_text(&format!("/_sandbox/phone?phone={AGUS_PHONE}")).await?;
    ensure!(phone_page.contains("Pay with Cash"), "the phone shows the push: {phone_page}");
    let push = payment_step(&sandbox, "doku_jokul_ovo_push", AGUS_PHONE).await?;
    let push_id = push["id"].as_str().unwrap_or_default();
    let form = format!("/_sandbox/phone/{push_id}");
    ensure!(phone_page.contains(&form), "the phone page's form is this push's: {push_id}");
    let status = sandbox.post_form(&form, "action=cash").await?;
    ensure!(status == 200, "Pay with Cash answered {status}");
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(60)).await?;
    ensure!(app.count(&by_id("push-countdown")).await? == 0, "the countdown is gone once paid");
    app.screenshot("03-push-succeeded").await?;
    let push_ref = open_started_payment(app).await?;

    // 3. Tazapay payin for the magic payer, who approves at once; the poller finds the outcome.
    app.click("payment-back").await?;
    app.click("new-payment").await?;
    app.find("new-payment-dialog").await?;
    app.select("payment-product", "tazapay_ovo_idr").await?;
    app.fill("payment-amount", "120.000").await?;
    app.fill("payment-phone", MAGIC_PAYER).await?;
    app.fill("payment-description", "E2E Tazapay payin").await?;
    app.click("payment-start").await?;
    started(app).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    app.screenshot("04-tazapay-succeeded").await?;
    let taz_ref = open_started_payment(app).await?;
    println!("payments: OVO SNAP {snap_ref}, Jokul push {push_ref}, Tazapay {taz_ref}");
    app.click("payment-back").await?;
    app.sign_out().await?;

    // 4. Support: a partial OVO SNAP refund; a partial Tazapay refund is refused by the rule.
    app.sign_in("dimas", "dimas-password-1").await?;
    open_payment_by_reference(app, &snap_ref).await?;
    app.click("refund-request").await?;
    app.find("refund-request-dialog").await?;
    app.wait_text("refund-rule", "(D+60)").await?;
    let rule = app.text("refund-rule").await?;
    ensure!(
        rule.starts_with("OVO SNAP: partial refund allowed until "),
        "the rule in words: {rule:?}"
    );
    app.wait_attr("refund-refundable", "data-amount", "150000").await?;
    app.fill("refund-amount", "50.000").await?;
    app.fill("refund-reason", "E2E: one item returned").await?;
    // The preview follows the typing (debounced): wait for the one of Rp 50.000, not the first one's Rp 150.000.
    let settled = format!("{}[data-previewing=\"false\"]", by_id("refund-allowed"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let shown = app.text_css(&settled).await?;
        if digits(&shown) == "50000" {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "the preview is for Rp 50.000: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.screenshot("05-refund-request-ovo-snap").await?;
    app.click("refund-submit").await?;
    let requested = format!("{}[data-status=\"requested\"]", by_id("payment-refund"));
    app.wait_count(&requested, Duration::from_secs(20), |n| n == 1).await?;
    ensure!(app.count(&by_id("refund-request-dialog")).await? == 0, "the dialog closed");
    app.wait_text("payment-refundable", "100").await?;
    ensure!(digits(&app.text("payment-refundable").await?) == "100000", "Rp 50.000 is reserved");
    app.show(&requested).await?;
    app.screenshot("06-refund-requested").await?;

    app.click("payment-back").await?;
    open_payment_by_reference(app, &taz_ref).await?;
    app.click("refund-request").await?;
    app.find("refund-request-dialog").await?;
    app.wait_text("refund-rule", "full refund only").await?;
    let rule = app.text("refund-rule").await?;
    ensure!(rule.starts_with("Tazapay"), "the Tazapay rule: {rule:?}");
    app.wait_attr("refund-refundable", "data-amount", "120000").await?;
    app.fill("refund-amount", "60.000").await?;
    app.fill("refund-reason", "E2E: partial refund attempt").await?;
    app.wait_text("refund-refusal", "Full refund only").await?;
    let refusal = app.text("refund-refusal").await?;
    ensure!(digits(&refusal).contains("120000"), "the refusal names the full amount: {refusal:?}");
    ensure!(
        app.find("refund-submit").await?.attr("disabled").await?.is_some(),
        "a refused refund cannot be submitted"
    );
    app.screenshot("07-tazapay-partial-refused").await?;
    // The back end refuses it too, with the rule, when asked directly.
    refund_refused_over_ipc(app, "60.000", "refund_partial_not_allowed", "Full refund only")
        .await?;
    ensure!(app.count(&by_id("payment-refund")).await? == 0, "no Tazapay refund was recorded");
    let tazapay = sandbox.get("/_sandbox/received?product=tazapay_ovo_idr").await?;
    // Refund submissions only: the background's status queries of the demo ledger's open
    // refunds are GETs.
    let sent = tazapay
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().unwrap_or_default().contains("refund")
        })
        .count();
    ensure!(sent == 0, "a refused refund never reaches Tazapay: {sent} refund call(s)");
    app.sign_out().await?;

    // 5. Finance approves the OVO SNAP refund with their password; the provider refunds it once.
    app.sign_in("fina", FINA_PASSWORD).await?;
    app.click("nav-refunds").await?;
    let row = refund_row_in_tab(app, "requested", &snap_ref).await?;
    app.screenshot("08-refund-queue").await?;
    app.click_css(&format!("{row} {}", by_id("refund-open"))).await?;
    app.wait_attr("refund-status", "data-status", "requested").await?;
    app.wait_text("refund-requested-by", "dimas").await?;
    app.click("refund-approve").await?;
    app.find("refund-decide-dialog").await?;
    app.fill("refund-password", FINA_PASSWORD).await?;
    app.screenshot("09-refund-approve-password").await?;
    app.click("refund-decide-confirm").await?;
    app.wait_count(&by_id("refund-decide-dialog"), Duration::from_secs(30), |n| n == 0).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let status = app.attr("refund-status", "data-status").await?;
        if status == "succeeded" {
            break;
        }
        ensure!(
            !["failed", "rejected", "unknown"].contains(&status.as_str()),
            "the refund became {status}"
        );
        ensure!(tokio::time::Instant::now() < deadline, "the refund stayed {status}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.click("refund-reload").await?;
    }
    ensure!(app.text("refund-decided-by").await?.contains("fina"), "decided by fina");
    app.screenshot("10-refund-succeeded").await?;
    let received = sandbox.get("/_sandbox/received?product=ovo_snap").await?;
    let refund_calls: Vec<&serde_json::Value> = received
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["path"].as_str().unwrap_or_default().contains("refund"))
        .collect();
    ensure!(
        refund_calls.len() == 1,
        "exactly one refund request reached OVO SNAP: {refund_calls:?}"
    );
    app.sign_out().await?;

    // 6. The admin finds the request and the approval in the audit log, by whom.
    app.sign_in("admin", ADMIN_PASSWORD).await?;
    app.click("nav-audit").await?;
    app.wait_attr("audit-verify-status", "data-intact", "true").await?;
    for (action, operator, subject) in [
        ("refund.request", "dimas", format!("payment:{snap_ref}")),
        ("refund.approve", "fina", "refund:".to_owned()),
    ] {
        let rows = format!("{}[data-action=\"{action}\"]", by_id("audit-row"));
        app.wait_count(&rows, Duration::from_secs(20), |n| n >= 1).await?;
        let mut texts = Vec::new();
        for row in app.client.find_all(fantoccini::Locator::Css(&rows)).await? {
            texts.push(row.prop("textContent").await?.unwrap_or_default());
        }
        ensure!(
            texts.iter().any(|t| t.contains(operator) && t.contains(&subject)),
            "{action} by {operator} on {subject}: {texts:?}"
        );
    }
    app.screenshot("11-audit-refunds").await?;
    Ok(())
}

/// The push countdown's seconds left.
async fn push_seconds(app: &Desktop) -> Result<i64> {
    let s = app.attr("push-countdown", "data-seconds").await?;
    s.parse::<i64>().map_err(|e| anyhow::anyhow!("data-seconds {s:?}: {e}"))
}

#[tokio::test]
async fn demo_refund_by_a_new_user_approved_by_the_demo_finance_operator() -> Result<()> {
    on_fresh_install("demo", async |_, app| demo_refund(app).await).await
}

const DEMO_PASSWORD: &str = "demo-password";

/// A new user's first start: the first-run screen lists the demo operators; as the demo staff
/// operator they refund half of a seeded OVO SNAP payment (one the simulator learned at start),
/// sign out, sign in as the demo finance operator, approve it with the password asked again,
/// and the provider pays it out once.
async fn demo_refund(app: &Desktop) -> Result<()> {
    app.find("screen-setup").await?;
    app.find("demo-operators").await?;
    app.wait_text("demo-password", DEMO_PASSWORD).await?;
    for (username, role) in [
        ("demo.staff", "Staff"),
        ("demo.support", "Support"),
        ("demo.finance", "Finance"),
        ("demo.admin", "Admin"),
    ] {
        let row = app.text(&format!("demo-operator-{username}")).await?;
        ensure!(
            row.contains(username) && row.contains(role),
            "{username} is listed as {role}: {row:?}"
        );
    }
    app.screenshot("demo-01-first-start").await?;
    app.click("demo-signin-demo.staff").await?;
    app.find("screen-shell").await?;

    // Budi's newest OVO SNAP payment, seeded 10 days ago.
    let page = app
        .invoke(
            "payments_page",
            json!({ "input": { "product": "ovo_snap", "status": "succeeded", "limit": 10 } }),
        )
        .await?
        .map_err(|e| anyhow::anyhow!("payments_page: {e}"))?;
    let newest =
        page["items"].as_array().and_then(|rows| rows.first()).cloned().unwrap_or_default();
    let reference = newest["reference"].as_str().unwrap_or_default().to_owned();
    let paid = newest["amount"].as_i64().unwrap_or_default();
    ensure!(!reference.is_empty() && paid > 0, "a seeded OVO SNAP payment: {page}");
    let sandbox = Sandbox::of(app).await?;
    let state = sandbox.get("/_sandbox/ovo_snap/state").await?;
    ensure!(
        state["payments"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["partnerReferenceNo"] == reference.as_str()),
        "the simulator knows the seeded payment {reference}"
    );

    open_payment_by_reference(app, &reference).await?;
    app.click("refund-request").await?;
    app.find("refund-request-dialog").await?;
    app.wait_attr("refund-refundable", "data-amount", &paid.to_string()).await?;
    let half = paid / 2;
    app.fill("refund-amount", &half.to_string()).await?;
    app.fill("refund-reason", "E2E: half of the order returned").await?;
    let settled = format!("{}[data-previewing=\"false\"]", by_id("refund-allowed"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let shown = app.text_css(&settled).await?;
        if digits(&shown) == half.to_string() {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "the preview is for {half}: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.click("refund-submit").await?;
    let requested = format!("{}[data-status=\"requested\"]", by_id("payment-refund"));
    app.wait_count(&requested, Duration::from_secs(20), |n| n == 1).await?;
    app.screenshot("demo-02-refund-requested").await?;

    // Signing out returns to the first-run screen: no admin of the merchant exists yet.
    app.click("signout").await?;
    app.find("screen-setup").await?;
    app.click("demo-signin-demo.finance").await?;
    app.find("screen-shell").await?;
    let decision = Decision { approve: true, note: "", password: DEMO_PASSWORD };
    decide_refund(app, &reference, &decision, "demo-03-approve-password").await?;
    app.wait_text("refund-requested-by", "demo.staff").await?;
    wait_refund_status(app, "succeeded", Duration::from_secs(90)).await?;
    ensure!(
        app.text("refund-decided-by").await?.contains("demo.finance"),
        "decided by the demo finance operator"
    );
    app.screenshot("demo-04-refund-succeeded").await?;
    let received = sandbox.get("/_sandbox/received?product=ovo_snap").await?;
    let refund_calls = received
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["path"].as_str().unwrap_or_default().contains("/debit/refund"))
        .count();
    ensure!(refund_calls == 1, "exactly one refund request reached OVO SNAP: {refund_calls}");
    let state = sandbox.get("/_sandbox/ovo_snap/state").await?;
    let at_provider: Vec<&serde_json::Value> = state["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["partnerReferenceNo"] == reference.as_str())
        .flat_map(|p| p["refunds"].as_array().into_iter().flatten())
        .collect();
    ensure!(
        at_provider.len() == 1 && at_provider[0]["amount"] == half,
        "the provider holds the refund of {half}: {at_provider:?}"
    );
    Ok(())
}
