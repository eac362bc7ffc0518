//! One-time passwords an admin sets, each operator's own password change, the stronger argon2id
//! parameters and the lockouts after failed password attempts: a real ledger file, the
//! in-memory secret store and the test clock. Every argon2id computation here uses the app's
//! real parameters (64 MiB, t = 3, p = 4); the comments count them.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::{AppError, ErrorCode};
use ovo_domain::{Clock, Product};
use ovo_test_support::app::refund::{decide, request};
use ovo_test_support::app::{self, code, RecordedPayment, TestApp, ADMIN, ADMIN_PW};

const FINA_SET_BY_ADMIN: &str = "fina-set-by-admin";
const FINA_OWN: &str = "fina-own-choice-1";

/// The admin and `sam` (staff): 6 hashes.
async fn fixture() -> TestApp {
    TestApp::builder().fixed_clock().operator("sam", "staff").open().await
}

async fn sign_in(f: &TestApp, username: &str, password: &str) -> Result<SessionStatus, AppError> {
    app::sign_in(&f.app, username, password).await
}

async fn change(f: &TestApp, current: &str, new: &str) -> Result<SessionStatus, AppError> {
    f.app
        .change_password(ChangePasswordInput {
            current_password: current.into(),
            new_password: new.into(),
        })
        .await
}

async fn unlock(f: &TestApp, password: &str) -> Result<SessionStatus, AppError> {
    f.app.unlock_session(UnlockInput { password: password.into() }).await
}

/// `sam` requests the refund of an offline product's payment (no provider call): its id.
async fn pending_refund(f: &TestApp) -> i64 {
    f.sign_in_as("sam").await;
    let payment = RecordedPayment {
        provider_ref: Some("PROV-1".into()),
        ..RecordedPayment::succeeded(Product::DokuJokulOvoPush, "push", 80_000)
    }
    .insert(&f.app)
    .await;
    request(&f.app, payment, "30.000").await.unwrap().id
}

/// The signed-in admin creates `fina` (finance) with a password the admin chose: 1 hash.
async fn create_fina(f: &TestApp) -> OperatorView {
    f.app
        .create_operator(NewOperatorInput {
            username: "fina".into(),
            display_name: "Fina".into(),
            role: "finance".into(),
            password: FINA_SET_BY_ADMIN.into(),
        })
        .await
        .unwrap()
}

/// The audit trail as (action, operator, subject, detail), oldest first; signs the admin in.
async fn audit(f: &TestApp) -> Vec<(String, Option<String>, String, String)> {
    f.sign_in_as(ADMIN).await;
    let page = f.app.list_audit(ovo_test_support::app::audit_query(500)).await.unwrap();
    page.items.into_iter().rev().map(|e| (e.action, e.operator, e.subject, e.detail)).collect()
}

fn actions<'a>(
    trail: &'a [(String, Option<String>, String, String)],
    prefix: &str,
) -> Vec<&'a str> {
    trail.iter().map(|e| e.0.as_str()).filter(|a| a.starts_with(prefix)).collect()
}

/// An admin cannot approve as finance with a password they set. 21 hashes: the fixture 6, then
/// sign-ins 7, fina's create and reset 2, her changes 2 × 2, approval passwords checked 2.
#[tokio::test]
async fn an_admin_cannot_approve_as_finance_with_a_password_they_set() {
    let f = fixture().await;
    let refund = pending_refund(&f).await;
    f.sign_in_as(ADMIN).await;
    let fina = create_fina(&f).await;
    assert!(fina.password_one_time);

    // Signing in with it works only to replace it: nothing else is open, approving least.
    let status = sign_in(&f, "fina", FINA_SET_BY_ADMIN).await.unwrap();
    assert_eq!(status.state, SessionState::PasswordChangeRequired);
    assert!(status.permissions.is_empty(), "{:?}", status.permissions);
    let approve = decide(&f.app, refund, true, "", FINA_SET_BY_ADMIN).await;
    let change_first = (ErrorCode::PasswordChangeRequired, Some("password_change_required"));
    assert_eq!(code(approve), change_first);
    let queue = f.app.refund_queue(RefundQueueQuery {
        status: "pending_approval".into(),
        after_id: None,
        limit: 10,
    });
    assert_eq!(code(queue.await), change_first);
    assert_eq!(
        f.app.session_status().await.unwrap().state,
        SessionState::PasswordChangeRequired,
        "the session's status stays open"
    );

    // Once fina chose her own, the admin's password is no approval password.
    let status = change(&f, FINA_SET_BY_ADMIN, FINA_OWN).await.unwrap();
    assert_eq!(status.state, SessionState::Active);
    let with_admins = decide(&f.app, refund, true, "", FINA_SET_BY_ADMIN).await;
    assert_eq!(code(with_admins), (ErrorCode::WrongPassword, Some("wrong_password")));

    // A reset is one-time again: the admin's new password does not approve either.
    f.sign_in_as(ADMIN).await;
    let reset = f
        .app
        .reset_operator_password(ResetPasswordInput {
            operator_id: fina.id,
            password: "fina-reset-by-admin".into(),
        })
        .await
        .unwrap();
    assert!(reset.password_one_time);
    assert_eq!(code(sign_in(&f, "fina", FINA_OWN).await).0, ErrorCode::WrongPassword);
    let status = sign_in(&f, "fina", "fina-reset-by-admin").await.unwrap();
    assert_eq!(status.state, SessionState::PasswordChangeRequired);
    assert_eq!(code(decide(&f.app, refund, true, "", "fina-reset-by-admin").await), change_first);

    // With a password of her own, fina approves.
    change(&f, "fina-reset-by-admin", "fina-own-choice-2").await.unwrap();
    let approved = decide(&f.app, refund, true, "", "fina-own-choice-2").await.unwrap();
    assert_eq!(approved.status, "awaiting_transfer");

    let trail = audit(&f).await;
    let about_fina: Vec<_> =
        trail.iter().filter(|e| e.2 == "fina" && e.0.starts_with("password.")).collect();
    let about_fina: Vec<_> = about_fina.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(about_fina, ["password.changed", "password.reset", "password.changed"]);
    let reset_entry = trail.iter().find(|e| e.0 == "password.reset").unwrap();
    assert_eq!((reset_entry.1.as_deref(), reset_entry.2.as_str()), (Some(ADMIN), "fina"));
    for entry in &trail {
        for secret in [FINA_SET_BY_ADMIN, FINA_OWN, "fina-reset-by-admin", "fina-own-choice-2"] {
            assert!(!entry.3.contains(secret), "a password in the audit trail: {entry:?}");
        }
    }
}

/// 8 hashes: set-up 1, the wrong current password 1, the change 2, sign-ins 4; the other
/// refusals come before any.
#[tokio::test]
async fn every_operator_changes_their_own_password_under_the_rules() {
    let f = TestApp::builder().fixed_clock().admin().open().await;
    let status = f.app.session_status().await.unwrap();
    assert_eq!(status.state, SessionState::Active, "the first admin chose their own password");
    assert!(!status.operator.unwrap().password_one_time);

    let refused = [
        (change(&f, "not-the-password", "brand-new-password").await, "wrong_password"),
        (change(&f, ADMIN_PW, ADMIN_PW).await, "password_unchanged"),
        (change(&f, ADMIN_PW, "short").await, "password_too_short"),
        (change(&f, ADMIN_PW, &"p".repeat(257)).await, "password_too_long"),
    ];
    for (result, reason) in refused {
        assert_eq!(code(result).1, Some(reason));
    }
    f.app.lock_session().await.unwrap();
    assert_eq!(code(change(&f, ADMIN_PW, "brand-new-password").await).0, ErrorCode::Locked);
    f.app.sign_out().await.unwrap();
    assert_eq!(
        code(change(&f, ADMIN_PW, "brand-new-password").await).0,
        ErrorCode::Unauthenticated
    );

    sign_in(&f, ADMIN, ADMIN_PW).await.unwrap();
    change(&f, ADMIN_PW, "brand-new-password").await.unwrap();
    f.app.sign_out().await.unwrap();
    assert_eq!(code(sign_in(&f, ADMIN, ADMIN_PW).await).0, ErrorCode::WrongPassword);
    assert_eq!(sign_in(&f, ADMIN, "brand-new-password").await.unwrap().state, SessionState::Active);

    // An admin resets others' passwords, not their own nor the demo operators' public one.
    let operators = f.app.list_operators().await.unwrap();
    let id_of = |name: &str| operators.iter().find(|o| o.username == name).unwrap().id;
    let reset = |operator_id| {
        f.app.reset_operator_password(ResetPasswordInput {
            operator_id,
            password: "some-new-password".into(),
        })
    };
    assert_eq!(code(reset(id_of(ADMIN)).await).1, Some("self_reset"));
    let demo = operators.iter().find(|o| o.username.starts_with("demo")).unwrap();
    assert_eq!(code(reset(demo.id).await).1, Some("demo_operator_password"));
    assert_eq!(code(reset(9999).await).1, Some("operator_not_found"));
    let trail = audit_as(&f, "brand-new-password").await;
    assert_eq!(actions(&trail, "password."), ["password.change_failed", "password.changed"]);
}

async fn audit_as(
    f: &TestApp,
    admin_password: &str,
) -> Vec<(String, Option<String>, String, String)> {
    sign_in(f, ADMIN, admin_password).await.unwrap();
    let page = f.app.list_audit(ovo_test_support::app::audit_query(500)).await.unwrap();
    page.items.into_iter().rev().map(|e| (e.action, e.operator, e.subject, e.detail)).collect()
}

/// A hash with the library's default parameters (19 MiB, t = 2) of [`ADMIN_PW`].
const DEFAULT_PARAMS_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$coSF3iOcKZvp44TYMxalAQ$JyU5wfHxBAjvcqIimZeAtHT0CZW5Jwt+B9pnnyY7lOs";

/// 1 (set-up) + 2 (sign-in, rehash) + 1 (sign-in) = 4 hashes.
#[tokio::test]
async fn a_hash_with_older_parameters_is_replaced_at_the_next_sign_in() {
    let f = TestApp::builder().fixed_clock().admin().open().await;
    f.app.sign_out().await.unwrap();
    sqlx::query("UPDATE operators SET password_hash = $1 WHERE username = $2")
        .bind(DEFAULT_PARAMS_HASH)
        .bind(ADMIN)
        .execute(f.app.ledger().writer_pool())
        .await
        .unwrap();
    sign_in(&f, ADMIN, ADMIN_PW).await.unwrap();
    let stored = stored_hash(&f, ADMIN).await;
    assert!(stored.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"), "{stored}");
    f.app.sign_out().await.unwrap();
    assert_eq!(sign_in(&f, ADMIN, ADMIN_PW).await.unwrap().state, SessionState::Active);
    assert_eq!(stored_hash(&f, ADMIN).await, stored, "a current hash stays");
}

async fn stored_hash(f: &TestApp, username: &str) -> String {
    let mut conn = f.app.ledger().read().await.unwrap();
    ovo_ledger::operators::by_username(&mut conn, username).await.unwrap().unwrap().password_hash
}

fn lockout(result: Result<SessionStatus, AppError>) -> (ErrorCode, Option<u64>, String) {
    let e = result.unwrap_err();
    (e.code, e.retry_after_seconds, e.message)
}

/// 20 hashes: the fixture 6, sign-ins 14; the refusals while locked out compute none.
#[tokio::test]
async fn failed_sign_ins_lock_the_username_out_for_growing_times() {
    let f = fixture().await;
    f.app.sign_out().await.unwrap();
    for _ in 0..4 {
        assert_eq!(code(sign_in(&f, "sam", "wrong-password").await).0, ErrorCode::WrongPassword);
    }
    let (code5, after5, message) = lockout(sign_in(&f, "sam", "wrong-password").await);
    assert_eq!((code5, after5), (ErrorCode::TooManyAttempts, Some(30)));
    assert!(message.ends_with("try again in 30 seconds"), "{message}");
    // Even the right password waits, and the refusal counts as nothing.
    f.clock.advance_seconds(29);
    let refused = lockout(sign_in(&f, "sam", "sam-password").await);
    assert_eq!((refused.0, refused.1), (ErrorCode::TooManyAttempts, Some(1)));
    f.clock.advance_seconds(1);
    let (_, after6, message) = lockout(sign_in(&f, "sam", "wrong-password").await);
    assert_eq!(after6, Some(60));
    assert!(message.ends_with("try again in 1 minute"), "{message}");
    f.clock.advance_seconds(60);
    let (_, after7, message) = lockout(sign_in(&f, "sam", "wrong-password").await);
    assert_eq!(after7, Some(120));
    assert!(message.ends_with("try again in 2 minutes"), "{message}");
    // Another username is not locked out.
    assert_eq!(sign_in(&f, ADMIN, ADMIN_PW).await.unwrap().state, SessionState::Active);

    // A success forgets sam's failures: four more are again only wrong passwords.
    f.clock.advance_seconds(120);
    assert_eq!(sign_in(&f, "sam", "sam-password").await.unwrap().state, SessionState::Active);
    for _ in 0..4 {
        assert_eq!(code(sign_in(&f, "sam", "wrong-password").await).0, ErrorCode::WrongPassword);
    }

    let trail = audit(&f).await;
    let lockouts: Vec<_> =
        trail.iter().filter(|e| e.0 == "password.lockout").map(|e| (&e.2, &e.3)).collect();
    assert_eq!(lockouts.len(), 3, "one entry per lockout, none per refused attempt: {lockouts:?}");
    assert!(lockouts.iter().all(|(subject, _)| *subject == "sam"));
    let seconds: Vec<_> = lockouts
        .iter()
        .map(|(_, detail)| {
            serde_json::from_str::<serde_json::Value>(detail).unwrap()["seconds"].clone()
        })
        .collect();
    assert_eq!(seconds, [30, 60, 120]);
}

/// 6 + 5 + 1 (reopen's sign-in) = 12 hashes.
#[tokio::test]
async fn a_lockout_outlives_a_restart() {
    let f = fixture().await;
    f.app.sign_out().await.unwrap();
    for _ in 0..5 {
        let _ = sign_in(&f, "sam", "wrong-password").await;
    }
    let now = f.clock.now();
    let data_dir = f.data_dir();
    let secrets = f.secrets.clone();
    drop(f.app);
    let builder = TestApp::builder().fixed_clock();
    let (reopened, clock, _) = builder.open_at(&data_dir, secrets).await;
    clock.set(now.plus_seconds(10));
    let reopened = Arc::new(reopened);
    let refused = app::sign_in(&reopened, "sam", "sam-password").await.unwrap_err();
    assert_eq!((refused.code, refused.retry_after_seconds), (ErrorCode::TooManyAttempts, Some(20)));
    clock.set(now.plus_seconds(30));
    app::sign_in(&reopened, "sam", "sam-password").await.unwrap();
}

/// 23 hashes (and the dummy one): set-up 1, the 20 failures, 2 sign-ins.
#[tokio::test]
async fn failures_across_many_usernames_lock_the_desk_out() {
    let f = TestApp::builder().fixed_clock().admin().open().await;
    f.app.sign_out().await.unwrap();
    for n in 0..19 {
        // Never five under one name: only the desk's count grows to its limit.
        let name = format!("guess{}", n / 4);
        assert_eq!(code(sign_in(&f, &name, "guess-password").await).0, ErrorCode::WrongPassword);
    }
    let twentieth = lockout(sign_in(&f, "guess9", "guess-password").await);
    assert_eq!((twentieth.0, twentieth.1), (ErrorCode::TooManyAttempts, Some(30)));
    let admin = lockout(sign_in(&f, ADMIN, ADMIN_PW).await);
    assert_eq!((admin.0, admin.1), (ErrorCode::TooManyAttempts, Some(30)));
    f.clock.advance_seconds(30);
    sign_in(&f, ADMIN, ADMIN_PW).await.unwrap();
    let trail = audit(&f).await;
    let desk: Vec<_> = trail.iter().filter(|e| e.0 == "password.lockout").map(|e| &e.2).collect();
    assert_eq!(desk, ["desk"]);
}

/// Unlocking and the approval password count towards a lockout too. 24 hashes: the fixture 6,
/// unlocks 6, sign-ins 3, fina's create 1 and change 2, approval passwords 6.
#[tokio::test]
async fn unlock_and_approval_passwords_are_throttled_too() {
    let f = fixture().await;
    f.app.lock_session().await.unwrap();
    for _ in 0..4 {
        assert_eq!(code(unlock(&f, "wrong-password").await).0, ErrorCode::WrongPassword);
    }
    let locked = lockout(unlock(&f, "wrong-password").await);
    assert_eq!((locked.0, locked.1), (ErrorCode::TooManyAttempts, Some(30)));
    assert_eq!(lockout(unlock(&f, ADMIN_PW).await).0, ErrorCode::TooManyAttempts);
    f.clock.advance_seconds(30);
    assert_eq!(unlock(&f, ADMIN_PW).await.unwrap().state, SessionState::Active);

    let refund = pending_refund(&f).await;
    f.sign_in_as(ADMIN).await;
    create_fina(&f).await;
    sign_in(&f, "fina", FINA_SET_BY_ADMIN).await.unwrap();
    change(&f, FINA_SET_BY_ADMIN, FINA_OWN).await.unwrap();
    for _ in 0..4 {
        let wrong = decide(&f.app, refund, true, "", "wrong-password").await;
        assert_eq!(code(wrong).0, ErrorCode::WrongPassword);
    }
    let fifth = decide(&f.app, refund, true, "", "wrong-password").await.unwrap_err();
    assert_eq!((fifth.code, fifth.retry_after_seconds), (ErrorCode::TooManyAttempts, Some(30)));
    let waiting = decide(&f.app, refund, true, "", FINA_OWN).await.unwrap_err();
    assert_eq!(waiting.code, ErrorCode::TooManyAttempts);
    f.clock.advance_seconds(30);
    assert_eq!(
        decide(&f.app, refund, true, "", FINA_OWN).await.unwrap().status,
        "awaiting_transfer"
    );
}

/// One hash (the set-up): each refusal comes before any password is checked.
#[tokio::test]
async fn sign_in_usernames_and_passwords_have_length_limits() {
    let f = TestApp::builder().fixed_clock().admin().open().await;
    let long_name = sign_in(&f, &"a".repeat(33), ADMIN_PW).await.unwrap_err();
    assert_eq!(long_name.reason, Some("username_too_long"));
    assert!(long_name.message.contains("at most 32 characters"), "{}", long_name.message);
    let long_password = sign_in(&f, ADMIN, &"p".repeat(257)).await.unwrap_err();
    assert_eq!(long_password.reason, Some("password_too_long"));
    assert!(long_password.message.contains("at most 256 characters"), "{}", long_password.message);
    f.app.lock_session().await.unwrap();
    assert_eq!(code(unlock(&f, &"p".repeat(257)).await).1, Some("password_too_long"));
}
