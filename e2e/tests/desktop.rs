//! End-to-end: the real app, its real webview, the real Secret Service.
#![allow(clippy::unwrap_used)]

mod support;

use anyhow::{ensure, Result};
use ovo_secrets::{KeychainStore, SecretKey, SecretStore};
use serde_json::json;
use support::{contains, Install, APP_IDENTIFIER};

const ADMIN_PASSWORD: &str = "admin-password-2026";

#[tokio::test]
async fn first_admin_operator_and_credential_survive_a_restart_and_the_secret_lives_only_in_the_keychain() -> Result<()> {
    let secret = format!("ovo-snap-client-secret-{}", std::process::id());
    let install = Install::new("first-run")?;
    let app = install.launch().await?;
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.screenshot("01-shell").await?;
    app.wait_text("current-operator", "Ayu Admin").await?;

    app.create_operator("fajar", "Fajar Finance", "finance", "fajar-password-1").await?;
    ensure!(app.value("operator-role-fajar").await? == "finance", "the new operator is listed as finance");
    app.screenshot("02-operators").await?;

    app.click("settings-tab-credentials").await?;
    app.select("cred-environment", "production").await?;
    let field = "ovo_snap-client_secret";
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "unset").await?;
    app.fill(&format!("cred-input-{field}"), &secret).await?;
    app.click(&format!("cred-save-{field}")).await?;
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "set").await?;
    ensure!(app.value(&format!("cred-input-{field}")).await?.is_empty(), "the field is cleared after saving");
    app.screenshot("03-credential-set").await?;
    app.quit().await?;

    // Restart: the operator signs in again and the credential is still set.
    let app = install.launch().await?;
    app.sign_in("admin", ADMIN_PASSWORD).await?;
    app.click("nav-settings").await?;
    app.click("settings-tab-credentials").await?;
    app.select("cred-environment", "production").await?;
    app.wait_attr(&format!("cred-status-{field}"), "data-state", "set").await?;
    app.wait_attr("cred-status-ovo_snap-client_id", "data-state", "unset").await?;
    app.screenshot("04-after-restart").await?;
    app.quit().await?;

    // The value is in the OS keychain...
    let key = SecretKey::new(APP_IDENTIFIER, "production", "ovo_snap", "client_secret");
    let stored = KeychainStore::new().get(&key)?.map(|s| s.expose().clone());
    ensure!(stored.as_deref() == Some(secret.as_str()), "the keychain holds the secret");
    // ...and nowhere else: not the ledger, its WAL, the logs, stderr, nor any IPC reply.
    let files = install.written_files();
    ensure!(files.iter().any(|f| f.ends_with("ledger.sqlite")), "the ledger was scanned");
    ensure!(contains(&install.journal, "\"command\":\"set_credential\""), "the IPC journal recorded the run");
    for file in &files {
        ensure!(!contains(file, &secret), "the secret leaked into {}", file.display());
    }
    KeychainStore::new().delete(&key)?;
    Ok(())
}

#[tokio::test]
async fn a_support_operator_calling_an_admin_command_over_ipc_is_forbidden_and_audited() -> Result<()> {
    let install = Install::new("forbidden")?;
    let app = install.launch().await?;
    app.set_up_first_admin("admin", "Ayu Admin", ADMIN_PASSWORD).await?;
    app.create_operator("sinta", "Sinta Support", "support", "sinta-password-1").await?;
    app.sign_out().await?;
    app.sign_in("sinta", "sinta-password-1").await?;
    ensure!(app.count("[data-testid=\"settings-tab-operators\"]").await? == 0, "support sees no operator admin");

    let reply = app
        .invoke(
            "create_operator",
            json!({ "input": { "username": "mallory", "displayName": "Mallory", "role": "admin", "password": "mallory-password" } }),
        )
        .await?;
    let err = reply.expect_err("support must not create operators");
    ensure!(err["code"] == "forbidden", "code forbidden, got {err}");
    let reply = app.invoke("list_credentials", json!({ "input": { "environment": "production" } })).await?;
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
