//! Use cases against a real ledger file, the in-memory secret store and a manual clock.
#![allow(clippy::unwrap_used)]

use ovo_app::ipc::*;
use ovo_app::{AppError, ErrorCode, Permission};
use ovo_secrets::{SecretKey, SecretStore};
use ovo_test_support::app::{self, code, TestApp, ADMIN_PW, APP_ID};

type Fixture = TestApp;

async fn fixture() -> Fixture {
    TestApp::builder().fixed_clock().open().await
}

async fn with_admin() -> Fixture {
    let f = fixture().await;
    f.app.set_up_first_admin(first_admin("Admin", "Ayu Admin", ADMIN_PW)).await.unwrap();
    f
}

/// Adds an operator who replaced their one-time password with their own; the admin signs in
/// again.
async fn add(f: &Fixture, username: &str, role: &str) -> OperatorView {
    app::add_operator(&f.app, username, username, role).await;
    sign_in(f, "admin", ADMIN_PW).await.unwrap();
    f.app.list_operators().await.unwrap().into_iter().find(|o| o.username == username).unwrap()
}

fn first_admin(username: &str, display_name: &str, password: &str) -> FirstAdminInput {
    FirstAdminInput {
        username: username.into(),
        display_name: display_name.into(),
        password: password.into(),
    }
}

fn operator(username: &str, display_name: &str, role: &str, password: &str) -> NewOperatorInput {
    NewOperatorInput {
        username: username.into(),
        display_name: display_name.into(),
        role: role.into(),
        password: password.into(),
    }
}

async fn sign_in(f: &Fixture, username: &str, password: &str) -> Result<SessionStatus, AppError> {
    app::sign_in(&f.app, username, password).await
}

async fn audit_actions(f: &Fixture) -> Vec<(String, Option<String>, String, String)> {
    sign_in(f, "admin", ADMIN_PW).await.unwrap();
    let page = f.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap();
    page.items.into_iter().rev().map(|e| (e.action, e.operator, e.subject, e.outcome)).collect()
}

#[tokio::test]
async fn first_run_creates_one_admin_and_signs_them_in() {
    let f = fixture().await;
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Uninitialized);
    assert_eq!(code(sign_in(&f, "admin", ADMIN_PW).await).0, ErrorCode::NotSetUp);
    let weak = f.app.set_up_first_admin(first_admin("admin", "A", "short"));
    assert_eq!(code(weak.await), (ErrorCode::InvalidInput, Some("password_too_short")));

    let status = f.app.set_up_first_admin(first_admin(" Admin ", "Ayu", ADMIN_PW)).await.unwrap();
    assert_eq!(status.state, SessionState::Active);
    let op = status.operator.unwrap();
    assert_eq!((op.username.as_str(), op.role), ("admin", ovo_domain::Role::Admin));
    assert!(status.permissions.contains(&Permission::ManageOperators));
    assert!(!status.permissions.contains(&Permission::ApproveRefunds));

    let again = f.app.set_up_first_admin(first_admin("eve", "Eve", ADMIN_PW));
    assert_eq!(code(again.await).0, ErrorCode::AlreadySetUp);
}

#[tokio::test]
async fn sign_in_checks_the_argon2id_hash_and_audits_failures() {
    let f = with_admin().await;
    let stored: String = sqlx_free_hash(&f).await;
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(ADMIN_PW));
    f.app.sign_out().await.unwrap();
    assert_eq!(
        code(sign_in(&f, "admin", "wrong-password").await),
        (ErrorCode::WrongPassword, Some("invalid_sign_in"))
    );
    assert_eq!(
        code(sign_in(&f, "ghost", ADMIN_PW).await),
        (ErrorCode::WrongPassword, Some("invalid_sign_in"))
    );
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::SignedOut);
    assert_eq!(sign_in(&f, "ADMIN", ADMIN_PW).await.unwrap().state, SessionState::Active);

    let actions = audit_actions(&f).await;
    let failed: Vec<_> = actions
        .iter()
        .filter(|a| a.0 == "session.sign_in_failed")
        .map(|a| (a.2.as_str(), a.3.as_str()))
        .collect();
    assert_eq!(failed, [("admin", "failed"), ("ghost", "failed")]);
}

async fn sqlx_free_hash(f: &Fixture) -> String {
    let mut conn = f.app.ledger().read().await.unwrap();
    ovo_ledger::operators::by_username(&mut conn, "admin").await.unwrap().unwrap().password_hash
}

#[tokio::test]
async fn a_support_operator_is_forbidden_admin_commands_and_the_attempt_is_audited() {
    let f = with_admin().await;
    add(&f, "sinta", "support").await;
    sign_in(&f, "sinta", "sinta-password").await.unwrap();
    let attempt = f.app.create_operator(operator("mallory", "M", "admin", "mallory-password"));
    assert_eq!(code(attempt.await).0, ErrorCode::Forbidden);
    assert_eq!(
        code(f.app.list_credentials(EnvironmentInput { environment: "production".into() }).await).0,
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(f.app.set_idle_lock(IdleLockInput { minutes: 5 }).await).0,
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(f.app.list_audit(ovo_test_support::app::audit_query(10)).await).0,
        ErrorCode::Forbidden
    );

    let denied: Vec<_> = audit_actions(&f)
        .await
        .into_iter()
        .filter(|a| a.0 == "access.denied")
        .map(|a| (a.1.unwrap_or_default(), a.2, a.3))
        .collect();
    assert_eq!(denied.len(), 4);
    assert_eq!(denied[0], ("sinta".into(), "create operators".into(), "denied".into()));
    let mut conn = f.app.ledger().read().await.unwrap();
    assert!(
        ovo_ledger::operators::by_username(&mut conn, "mallory").await.unwrap().is_none(),
        "nothing half-written"
    );
}

#[tokio::test]
async fn nobody_signed_in_is_unauthenticated() {
    let f = with_admin().await;
    f.app.sign_out().await.unwrap();
    assert_eq!(code(f.app.list_operators().await).0, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn operators_roles_and_the_last_admin_rule() {
    let f = with_admin().await;
    let fajar = add(&f, "fajar", "finance").await;
    assert_eq!(fajar.role, ovo_domain::Role::Finance);
    let dup = f.app.create_operator(operator("FAJAR", "Other", "staff", "another-password"));
    assert_eq!(code(dup.await), (ErrorCode::Conflict, Some("username_taken")));
    let bad_role = f.app.create_operator(operator("x1x", "X", "root", "another-password"));
    assert_eq!(code(bad_role.await), (ErrorCode::InvalidInput, Some("role_invalid")));

    let admin_id = f
        .app
        .list_operators()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.username == "admin")
        .unwrap()
        .id;
    let demote_self =
        f.app.change_operator_role(ChangeRoleInput { operator_id: admin_id, role: "staff".into() });
    assert_eq!(code(demote_self.await), (ErrorCode::Conflict, Some("last_admin")));
    let disable_self =
        f.app.set_operator_disabled(SetDisabledInput { operator_id: admin_id, disabled: true });
    assert_eq!(code(disable_self.await), (ErrorCode::Conflict, Some("self_disable")));

    let promoted = f
        .app
        .change_operator_role(ChangeRoleInput { operator_id: fajar.id, role: "admin".into() })
        .await
        .unwrap();
    assert_eq!(promoted.role, ovo_domain::Role::Admin);
    let demoted = f
        .app
        .change_operator_role(ChangeRoleInput { operator_id: admin_id, role: "finance".into() })
        .await
        .unwrap();
    assert_eq!(demoted.role, ovo_domain::Role::Finance);
    // The demotion takes effect at once for the signed-in operator.
    assert_eq!(code(f.app.list_operators().await).0, ErrorCode::Forbidden);

    sign_in(&f, "fajar", "fajar-password").await.unwrap();
    f.app
        .set_operator_disabled(SetDisabledInput { operator_id: admin_id, disabled: true })
        .await
        .unwrap();
    assert_eq!(
        code(sign_in(&f, "admin", ADMIN_PW).await),
        (ErrorCode::WrongPassword, Some("invalid_sign_in"))
    );
    let missing =
        f.app.change_operator_role(ChangeRoleInput { operator_id: 9999, role: "staff".into() });
    assert_eq!(code(missing.await), (ErrorCode::NotFound, Some("operator_not_found")));
}

#[tokio::test]
async fn the_session_locks_after_the_idle_time_and_unlocks_with_the_password() {
    let f = with_admin().await;
    f.app.set_idle_lock(IdleLockInput { minutes: 5 }).await.unwrap();
    assert_eq!(
        code(f.app.set_idle_lock(IdleLockInput { minutes: 0 }).await),
        (ErrorCode::InvalidInput, Some("idle_minutes_out_of_range"))
    );

    f.clock.advance_seconds(4 * 60 + 59);
    f.app.touch_session().await.unwrap(); // the operator's input resets the timer
    f.clock.advance_seconds(4 * 60 + 59);
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Active);
    f.clock.advance_seconds(1);
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Locked);
    assert_eq!(code(f.app.list_operators().await).0, ErrorCode::Locked);
    assert_eq!(f.app.session_status().await.unwrap().permissions, Vec::<Permission>::new());

    let wrong = f.app.unlock_session(UnlockInput { password: "not-my-password".into() });
    assert_eq!(code(wrong.await), (ErrorCode::WrongPassword, Some("wrong_password")));
    assert_eq!(
        f.app.unlock_session(UnlockInput { password: ADMIN_PW.into() }).await.unwrap().state,
        SessionState::Active
    );
    f.app.lock_session().await.unwrap();
    assert_eq!(code(f.app.list_operators().await).0, ErrorCode::Locked);
    f.app.unlock_session(UnlockInput { password: ADMIN_PW.into() }).await.unwrap();

    let actions: Vec<_> = audit_actions(&f)
        .await
        .into_iter()
        .map(|a| a.0)
        .filter(|a| a.starts_with("session.") && a != "session.sign_in")
        .collect();
    assert_eq!(
        actions,
        [
            "session.lock",
            "session.unlock_failed",
            "session.unlock",
            "session.lock",
            "session.unlock"
        ]
    );
}

/// The details of the `session.lock` entries, oldest first.
async fn lock_causes(f: &Fixture) -> Vec<String> {
    let page = f.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap();
    page.items
        .into_iter()
        .rev()
        .filter(|e| e.action == "session.lock")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).unwrap()["cause"].to_string())
        .collect()
}

#[tokio::test]
async fn a_polling_page_without_operator_input_does_not_keep_the_desk_unlocked() {
    let f = with_admin().await;
    f.app.set_idle_lock(IdleLockInput { minutes: 5 }).await.unwrap();
    let payments = || f.app.payments_page(app::payment_query(None, None, 50));
    let refunds = || {
        f.app.refund_queue(RefundQueueQuery {
            status: "needs_review".into(),
            after_id: None,
            limit: 50,
        })
    };
    // The payment and refund pages and the status poll read every few seconds, nobody touches.
    for _ in 0..(5 * 60 / 5 - 1) {
        f.clock.advance_seconds(5);
        payments().await.unwrap();
        refunds().await.unwrap();
        assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Active);
    }
    f.clock.advance_seconds(5);
    assert_eq!(code(payments().await).0, ErrorCode::Locked);
    assert_eq!(code(refunds().await).0, ErrorCode::Locked);
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Locked);

    // Input does keep it: touched every 4 minutes, it stays unlocked for half an hour.
    f.app.unlock_session(UnlockInput { password: ADMIN_PW.into() }).await.unwrap();
    for _ in 0..8 {
        f.clock.advance_seconds(4 * 60);
        assert_eq!(f.app.touch_session().await.unwrap().state, SessionState::Active);
        payments().await.unwrap();
    }
    assert_eq!(lock_causes(&f).await, ["\"idle\""]);
}

#[tokio::test]
async fn a_clock_stepping_back_locks_the_session() {
    let f = with_admin().await;
    f.app.set_idle_lock(IdleLockInput { minutes: 5 }).await.unwrap();
    f.clock.advance_seconds(60);
    f.app.touch_session().await.unwrap();
    // Stepped back an hour: the idle time is unknown, so the lock neither lifts nor waits.
    f.clock.advance_seconds(-60 * 60);
    assert_eq!(code(f.app.list_operators().await).0, ErrorCode::Locked);
    assert_eq!(f.app.touch_session().await.unwrap().state, SessionState::Locked);
    f.app.unlock_session(UnlockInput { password: ADMIN_PW.into() }).await.unwrap();
    f.app.list_operators().await.unwrap();
    // A step back by one second is no different.
    f.clock.advance_seconds(-1);
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Locked);
    f.app.unlock_session(UnlockInput { password: ADMIN_PW.into() }).await.unwrap();
    assert_eq!(lock_causes(&f).await, ["\"clock_moved_back\"", "\"clock_moved_back\""]);
}

#[tokio::test]
async fn credentials_are_write_only_and_live_only_in_the_secret_store() {
    let f = with_admin().await;
    let secret = "SK-very-secret-value-4242";
    let set = |field: &str, value: &str| {
        f.app.set_credential(SetCredentialInput {
            environment: "production".into(),
            product: "doku_snap_ovo".into(),
            field: field.into(),
            value: value.into(),
        })
    };
    assert_eq!(
        set("secret_key", secret).await.unwrap(),
        CredentialField { field: "secret_key".into(), is_set: true }
    );
    set("secret_key", "SK-replacement-value").await.unwrap();
    assert_eq!(
        code(set("secret_key", "   ").await),
        (ErrorCode::InvalidInput, Some("credential_value_empty"))
    );
    assert_eq!(
        code(set("api_key", "x").await),
        (ErrorCode::InvalidInput, Some("credential_field_unknown"))
    );
    let wrong_env = f.app.list_credentials(EnvironmentInput { environment: "staging".into() });
    assert_eq!(code(wrong_env.await), (ErrorCode::InvalidInput, Some("environment_unknown")));

    let key = SecretKey::new(APP_ID, "production", "doku_snap_ovo", "secret_key");
    assert_eq!(f.secrets.get(&key).unwrap().unwrap().expose(), "SK-replacement-value");
    let other_env = SecretKey::new(APP_ID, "provider_sandbox", "doku_snap_ovo", "secret_key");
    assert!(!f.secrets.contains(&other_env).unwrap());

    let listed = f
        .app
        .list_credentials(EnvironmentInput { environment: "production".into() })
        .await
        .unwrap();
    assert_eq!(listed.len(), 5);
    let doku = listed.iter().find(|p| p.product == ovo_domain::Product::DokuSnapOvo).unwrap();
    let set_fields: Vec<_> =
        doku.fields.iter().filter(|f| f.is_set).map(|f| f.field.as_str()).collect();
    assert_eq!(set_fields, ["secret_key"]);
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains("SK-"), "listing never carries values");

    let deleted = f.app.delete_credential(CredentialRef {
        environment: "production".into(),
        product: "doku_snap_ovo".into(),
        field: "secret_key".into(),
    });
    assert!(!deleted.await.unwrap().is_set);
    assert!(!f.secrets.contains(&key).unwrap());

    let actions: Vec<_> = audit_actions(&f)
        .await
        .into_iter()
        .filter(|a| a.0.starts_with("credential."))
        .map(|a| (a.0, a.2))
        .collect();
    let subject = "production/doku_snap_ovo.secret_key".to_string();
    assert_eq!(
        actions,
        [
            ("credential.set".into(), subject.clone()),
            ("credential.replace".into(), subject.clone()),
            ("credential.delete".into(), subject)
        ]
    );

    // Neither value reached the ledger: no live row of a PostgreSQL ledger; on a file, no byte
    // of any file in its folder.
    if f.app.ledger().path().is_none() {
        for needle in [secret, "SK-replacement-value"] {
            let holders = ovo_test_support::app::ledger_holds(&f.app, needle).await;
            assert!(holders.is_empty(), "secret found in {holders:?}");
        }
        return;
    }
    f.app.ledger().close().await;
    for file in std::fs::read_dir(f.app.ledger().path().unwrap().parent().unwrap()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        for needle in [secret.as_bytes(), b"SK-replacement-value"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "secret found in the ledger directory"
            );
        }
    }
}

#[tokio::test]
async fn preferences_language_and_environment() {
    let f = with_admin().await;
    assert_eq!(f.app.get_preferences().await.unwrap().language, None);
    let prefs = f.app.set_language(LanguageInput { language: "id".into() }).await.unwrap();
    assert_eq!(prefs.language, Some(ovo_domain::Lang::Id));
    assert_eq!(
        code(f.app.set_language(LanguageInput { language: "fr".into() }).await),
        (ErrorCode::InvalidInput, Some("language_unknown"))
    );
    assert_eq!(prefs.environment, ovo_domain::Environment::BuiltInSandbox);
    let prefs = f
        .app
        .set_environment(EnvironmentInput { environment: "provider_sandbox".into() })
        .await
        .unwrap();
    assert_eq!(prefs.environment, ovo_domain::Environment::ProviderSandbox);
    f.app.sign_out().await.unwrap();
    // The sign-in screen can switch language too.
    assert_eq!(
        f.app.set_language(LanguageInput { language: "en".into() }).await.unwrap().language,
        Some(ovo_domain::Lang::En)
    );
    assert_eq!(f.app.app_info("id-ID".into()).await.unwrap().language, Some(ovo_domain::Lang::En));
}

#[tokio::test]
async fn every_state_change_is_in_a_chain_that_verifies() {
    let f = with_admin().await;
    add(&f, "sinta", "support").await;
    f.app.set_idle_lock(IdleLockInput { minutes: 30 }).await.unwrap();
    let v = f.app.verify_audit().await.unwrap();
    assert!(v.intact, "{v:?}");
    let actions: Vec<_> = audit_actions(&f).await.into_iter().map(|a| a.0).collect();
    assert_eq!(
        actions[..7],
        [
            // A brand-new ledger in the built-in environment is seeded with the demo customers.
            "demo.seed".to_string(),
            "setup.first_admin".into(),
            "operator.create".into(),
            // sinta replaces her one-time password; the admin signs in again.
            "session.sign_in".into(),
            "password.changed".into(),
            "session.sign_in".into(),
            "settings.idle_lock".into()
        ]
    );
}

#[test]
fn ipc_generated_files_are_committed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let update = std::env::var_os("OVO_UPDATE_IPC_TYPES").is_some();
    let mut stale = Vec::new();
    for file in generated_files() {
        let path = root.join(file.path);
        if update {
            std::fs::write(&path, &file.content).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != file.content {
            stale.push(file.path);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the Rust IPC declarations; run `cargo xtask gen-types` and commit the result"
    );
}

#[test]
fn every_ipc_command_is_generated_into_each_file() {
    let files = generated_files();
    let text = |path: &str| &files.iter().find(|f| f.path == path).unwrap().content;
    for command in IPC_COMMANDS {
        assert!(text("ui/src/lib/ipc/commands.ts").contains(&format!("'{}'", command.name)));
        let permission = format!("\"allow-{}\"", command.name.replace('_', "-"));
        assert!(text("src-tauri/capabilities/main.json").contains(&permission));
        assert!(text("src-tauri/gen/commands.rs").contains(&format!("\"{}\"", command.name)));
    }
    let names: std::collections::HashSet<_> = IPC_COMMANDS.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), IPC_COMMANDS.len(), "a command is declared twice");
}
