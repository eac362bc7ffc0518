//! First-run set-up, sign-in, sign-out, lock and unlock.

use ovo_domain::Role;
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::{self, NewOperator};
use serde_json::json;

use crate::backoffice::{allowed_in, Backoffice, Session};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{FirstAdminInput, SessionStatus, SignInInput, UnlockInput};
use crate::{passwords, validate};

impl Backoffice {
    /// Creates the first admin on an empty ledger and signs them in.
    pub async fn set_up_first_admin(&self, input: FirstAdminInput) -> AppResult<SessionStatus> {
        let username = validate::username(&input.username)?;
        let display_name = validate::display_name(&input.display_name)?;
        validate::password(&input.password.0)?;
        let password_hash = passwords::hash(&input.password.0).await?;
        let mut tx = self.ledger.begin_write().await?;
        if operators::count_real(&mut tx).await? > 0 {
            return Err(AppError::new(
                ErrorCode::AlreadySetUp,
                "the back office is already set up; sign in instead",
            ));
        }
        let new = NewOperator {
            username: &username,
            display_name: &display_name,
            role: Role::Admin,
            password_hash: &password_hash,
            at: self.clock.now(),
        };
        let admin = operators::insert(&mut tx, &new).await?;
        self.audit(
            &mut tx,
            Some(&admin),
            "setup.first_admin",
            &admin.username,
            AuditOutcome::Ok,
            json!({ "role": "admin" }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.start_session(admin.id);
        tracing::info!(operator = %admin.username, "first admin created");
        self.session_status().await
    }

    pub async fn sign_in(&self, input: SignInInput) -> AppResult<SessionStatus> {
        let username = input.username.trim().to_lowercase();
        let mut conn = self.ledger.read().await?;
        let operator = operators::by_username(&mut conn, &username).await?;
        // Before the first admin exists only the demo operators can sign in.
        if operators::count_real(&mut conn).await? == 0
            && !operator.as_ref().is_some_and(|op| op.demo)
        {
            return Err(AppError::new(
                ErrorCode::NotSetUp,
                "no operator exists yet; create the first admin",
            ));
        }
        drop(conn);
        let environment = self.environment().await;
        let matches = passwords::verify(
            &input.password.0,
            operator.as_ref().map(|o| o.password_hash.clone()),
        )
        .await?;
        let mut tx = self.ledger.begin_write().await?;
        match operator {
            Some(op) if matches && !op.disabled && allowed_in(&op, environment) => {
                self.audit(
                    &mut tx,
                    Some(&op),
                    "session.sign_in",
                    &op.username,
                    AuditOutcome::Ok,
                    json!({}),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                self.start_session(op.id);
                tracing::info!(operator = %op.username, "signed in");
                self.session_status().await
            }
            other => {
                let cause = match &other {
                    None => "unknown_username",
                    Some(op) if op.disabled => "operator_disabled",
                    Some(op) if matches && !allowed_in(op, environment) => {
                        "demo_operator_outside_builtin"
                    }
                    Some(_) => "wrong_password",
                };
                self.audit(
                    &mut tx,
                    None,
                    "session.sign_in_failed",
                    &username,
                    AuditOutcome::Failed,
                    json!({ "cause": cause }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                tracing::warn!(username = %username, cause, "sign-in refused");
                if cause == "demo_operator_outside_builtin" {
                    return Err(AppError::new(
                        ErrorCode::WrongPassword,
                        "demo operators sign in only in the built-in sandbox environment; switch to it, or sign in as one of your operators",
                    )
                    .with_reason("demo_operator_builtin_only"));
                }
                Err(AppError::new(
                    ErrorCode::WrongPassword,
                    "wrong username or password, or the operator is disabled",
                )
                .with_reason("invalid_sign_in"))
            }
        }
    }

    pub async fn sign_out(&self) -> AppResult<SessionStatus> {
        let ended = self.session_slot().take();
        if let Some(session) = ended {
            let mut tx = self.ledger.begin_write().await?;
            let op = operators::by_id(&mut tx, session.operator_id).await?;
            self.audit(
                &mut tx,
                op.as_ref(),
                "session.sign_out",
                "session",
                AuditOutcome::Ok,
                json!({}),
            )
            .await?;
            ovo_ledger::commit(tx).await?;
        }
        self.session_status().await
    }

    pub async fn lock_session(&self) -> AppResult<SessionStatus> {
        let locked = {
            let mut slot = self.session_slot();
            match slot.as_mut() {
                Some(s) if !s.locked => {
                    s.locked = true;
                    Some(s.operator_id)
                }
                _ => None,
            }
        };
        if let Some(id) = locked {
            let mut tx = self.ledger.begin_write().await?;
            let op = operators::by_id(&mut tx, id).await?;
            self.audit(
                &mut tx,
                op.as_ref(),
                "session.lock",
                "session",
                AuditOutcome::Ok,
                json!({ "cause": "operator" }),
            )
            .await?;
            ovo_ledger::commit(tx).await?;
        }
        self.session_status().await
    }

    /// Unlocks with the signed-in operator's password.
    pub async fn unlock_session(&self, input: UnlockInput) -> AppResult<SessionStatus> {
        let session = self.session_slot().clone();
        let Some(session) = session else {
            return Err(AppError::new(ErrorCode::Unauthenticated, "nobody is signed in"));
        };
        let mut conn = self.ledger.read().await?;
        let operator = operators::by_id(&mut conn, session.operator_id).await?;
        drop(conn);
        let Some(op) = operator.filter(|op| !op.disabled) else {
            *self.session_slot() = None;
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                "this operator is no longer active; sign in again",
            ));
        };
        let matches = passwords::verify(&input.password.0, Some(op.password_hash.clone())).await?;
        let mut tx = self.ledger.begin_write().await?;
        if !matches {
            self.audit(
                &mut tx,
                Some(&op),
                "session.unlock_failed",
                "session",
                AuditOutcome::Failed,
                json!({}),
            )
            .await?;
            ovo_ledger::commit(tx).await?;
            return Err(AppError::new(ErrorCode::WrongPassword, "wrong password")
                .with_reason("wrong_password"));
        }
        self.audit(&mut tx, Some(&op), "session.unlock", "session", AuditOutcome::Ok, json!({}))
            .await?;
        ovo_ledger::commit(tx).await?;
        if let Some(s) = self.session_slot().as_mut() {
            s.locked = false;
            s.last_activity = self.clock.now();
        }
        self.session_status().await
    }

    fn start_session(&self, operator_id: ovo_domain::OperatorId) {
        *self.session_slot() =
            Some(Session { operator_id, locked: false, last_activity: self.clock.now() });
    }
}
