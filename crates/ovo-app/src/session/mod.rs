//! First-run set-up, sign-in, sign-out, lock and unlock, the idle lock, and the gate every
//! use case that needs an operator passes (`authorize`).

use ovo_domain::{Environment, OperatorId, Role};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::{self, NewOperator, OperatorRow};
use serde_json::json;

mod attempts;
pub(crate) mod slot;

use crate::backoffice::{Actor, Backoffice};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{
    ChangePasswordInput, FirstAdminInput, Secret, SessionState, SessionStatus, SignInInput,
    UnlockInput,
};
use crate::operators::operator_view;
use crate::permissions::{self, Permission};
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
            // Chosen by the admin themselves.
            password_one_time: false,
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

    /// Signs in; an operator whose password an admin set lands in `password_change_required`.
    /// Failed attempts lock the username and the desk out for a growing time.
    pub async fn sign_in(&self, input: SignInInput) -> AppResult<SessionStatus> {
        let username = validate::sign_in_username(&input.username)?;
        validate::password_entered(&input.password.0)?;
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
        self.refuse_if_locked_out(&username).await?;
        let environment = self.environment().await;
        let verified = passwords::verify(
            &input.password.0,
            operator.as_ref().map(|o| o.password_hash.clone()),
        )
        .await?;
        let matches = verified.matches;
        // A hash with older parameters is replaced, computed before the write transaction.
        let rehash = if matches && verified.outdated {
            Some(passwords::hash(&input.password.0).await?)
        } else {
            None
        };
        let mut tx = self.ledger.begin_write().await?;
        match operator {
            Some(op) if matches && !op.disabled && allowed_in(&op, environment) => {
                self.forget_failures(&mut tx, &op.username).await?;
                if let Some(hash) = &rehash {
                    operators::rehash_password(&mut tx, op.id, hash).await?;
                }
                self.audit(
                    &mut tx,
                    Some(&op),
                    "session.sign_in",
                    &op.username,
                    AuditOutcome::Ok,
                    json!({ "password_one_time": op.password_one_time, "rehashed": rehash.is_some() }),
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
                // Only a wrong password is a guess worth counting.
                let lockout = if matches {
                    None
                } else {
                    self.count_failure(&mut tx, None, &username).await?
                };
                ovo_ledger::commit(tx).await?;
                tracing::warn!(username = %username, cause, "sign-in refused");
                if let Some(lockout) = lockout {
                    return Err(lockout);
                }
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

    /// The signed-in operator replaces their own password: the current one is required, the
    /// new one must differ and follow the password rules. It is theirs, not one-time.
    pub async fn change_password(&self, input: ChangePasswordInput) -> AppResult<SessionStatus> {
        let op = self.unlocked_operator().await?;
        if op.demo {
            return Err(crate::operators::demo_password_fixed());
        }
        validate::password_entered(&input.current_password.0)?;
        validate::password(&input.new_password.0)?;
        if input.new_password.0.expose() == input.current_password.0.expose() {
            return Err(AppError::invalid(
                "password_unchanged",
                "the new password must differ from the current one",
            ));
        }
        self.refuse_if_locked_out(&op.username).await?;
        let verified =
            passwords::verify(&input.current_password.0, Some(op.password_hash.clone())).await?;
        if !verified.matches {
            let mut tx = self.ledger.begin_write().await?;
            let detail = json!({ "cause": "wrong_password" });
            self.audit(
                &mut tx,
                Some(&op),
                "password.change_failed",
                &op.username,
                AuditOutcome::Failed,
                detail,
            )
            .await?;
            let lockout = self.count_failure(&mut tx, Some(&op), &op.username).await?;
            ovo_ledger::commit(tx).await?;
            return Err(lockout.unwrap_or_else(wrong_password));
        }
        let new_hash = passwords::hash(&input.new_password.0).await?;
        let mut tx = self.ledger.begin_write().await?;
        operators::set_password(&mut tx, op.id, &new_hash, false, self.clock.now()).await?;
        self.forget_failures(&mut tx, &op.username).await?;
        let detail = json!({ "was_one_time": op.password_one_time });
        self.audit(&mut tx, Some(&op), "password.changed", &op.username, AuditOutcome::Ok, detail)
            .await?;
        ovo_ledger::commit(tx).await?;
        tracing::info!(operator = %op.username, "password changed");
        self.session_status().await
    }

    pub async fn sign_out(&self) -> AppResult<SessionStatus> {
        if let Some(session) = self.session.end() {
            self.audit_session(session.operator_id, "session.sign_out", json!({})).await?;
        }
        self.session_status().await
    }

    pub async fn lock_session(&self) -> AppResult<SessionStatus> {
        if let Some(id) = self.session.lock() {
            self.audit_session(id, "session.lock", json!({ "cause": "operator" })).await?;
        }
        self.session_status().await
    }

    /// Unlocks with the signed-in operator's password.
    pub async fn unlock_session(&self, input: UnlockInput) -> AppResult<SessionStatus> {
        let Some(session) = self.session.current() else {
            return Err(AppError::new(ErrorCode::Unauthenticated, "nobody is signed in"));
        };
        let mut conn = self.ledger.read().await?;
        let operator = operators::by_id(&mut conn, session.operator_id).await?;
        drop(conn);
        let Some(op) = operator.filter(|op| !op.disabled) else {
            self.session.end();
            return Err(no_longer_active());
        };
        validate::password_entered(&input.password.0)?;
        self.refuse_if_locked_out(&op.username).await?;
        let matches =
            passwords::verify(&input.password.0, Some(op.password_hash.clone())).await?.matches;
        let (action, outcome) = if matches {
            ("session.unlock", AuditOutcome::Ok)
        } else {
            ("session.unlock_failed", AuditOutcome::Failed)
        };
        let mut tx = self.ledger.begin_write().await?;
        self.audit(&mut tx, Some(&op), action, "session", outcome, json!({})).await?;
        let lockout = if matches {
            self.forget_failures(&mut tx, &op.username).await?;
            None
        } else {
            self.count_failure(&mut tx, Some(&op), &op.username).await?
        };
        ovo_ledger::commit(tx).await?;
        if !matches {
            return Err(lockout.unwrap_or_else(wrong_password));
        }
        self.session.unlock(self.clock.now());
        self.session_status().await
    }

    fn start_session(&self, operator_id: OperatorId) {
        self.session.start(operator_id, self.clock.now());
    }

    /// The password entered again to approve; a wrong one is audited as denied and counts
    /// towards a lockout. A one-time password (an admin set it, so the admin knows it) never
    /// approves anything.
    pub(crate) async fn check_password(
        &self,
        operator: &OperatorRow,
        password: &Secret,
        action: &str,
        subject: &str,
    ) -> AppResult<()> {
        if operator.password_one_time {
            self.deny(operator, action, subject, "password_one_time").await?;
            return Err(password_change_required());
        }
        validate::password_entered(&password.0)?;
        self.refuse_if_locked_out(&operator.username).await?;
        if passwords::verify(&password.0, Some(operator.password_hash.clone())).await?.matches {
            self.forget_failures_now(&operator.username).await?;
            return Ok(());
        }
        let detail = json!({ "cause": "wrong_password" });
        let mut tx = self.ledger.begin_write().await?;
        self.audit(&mut tx, Some(operator), action, subject, AuditOutcome::Denied, detail).await?;
        let lockout = self.count_failure(&mut tx, Some(operator), &operator.username).await?;
        ovo_ledger::commit(tx).await?;
        Err(lockout.unwrap_or_else(wrong_password))
    }

    /// Audits, in a transaction of its own, that `operator` was refused `action` on `subject`
    /// and why.
    pub(crate) async fn deny(
        &self,
        operator: &OperatorRow,
        action: &str,
        subject: &str,
        cause: &str,
    ) -> AppResult<()> {
        let detail = json!({ "cause": cause });
        let mut tx = self.ledger.begin_write().await?;
        self.audit(&mut tx, Some(operator), action, subject, AuditOutcome::Denied, detail).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// Audits a session event of `operator_id` in its own transaction.
    async fn audit_session(
        &self,
        operator_id: OperatorId,
        action: &str,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let mut tx = self.ledger.begin_write().await?;
        let op = operators::by_id(&mut tx, operator_id).await?;
        self.audit(&mut tx, op.as_ref(), action, "session", AuditOutcome::Ok, detail).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// The session state as it stands, applying the idle lock; does not count as activity.
    pub async fn session_status(&self) -> AppResult<SessionStatus> {
        self.apply_idle_lock().await?;
        let Some(session) = self.session.current() else {
            // Demo operators do not set the back office up: until the merchant's first admin
            // exists, the first-run screen stays (it lists the demo operators too).
            let mut conn = self.ledger.read().await?;
            let state = if operators::count_real(&mut conn).await? == 0 {
                SessionState::Uninitialized
            } else {
                SessionState::SignedOut
            };
            return Ok(self.status_of(state, None).await);
        };
        match self.session_operator(session.operator_id).await? {
            Some(op) => {
                let state = if session.locked {
                    SessionState::Locked
                } else if op.password_one_time {
                    SessionState::PasswordChangeRequired
                } else {
                    SessionState::Active
                };
                Ok(self.status_of(state, Some(op)).await)
            }
            None => Ok(self.status_of(SessionState::SignedOut, None).await),
        }
    }

    /// Like `session_status`, and records that the operator is present. The UI calls it on the
    /// operator's own input (keys, pointer) only: this is the one call that keeps the session from
    /// the idle lock.
    pub async fn touch_session(&self) -> AppResult<SessionStatus> {
        self.apply_idle_lock().await?;
        self.session.touch(self.clock.now());
        self.session_status().await
    }

    async fn status_of(&self, state: SessionState, operator: Option<OperatorRow>) -> SessionStatus {
        let permissions = match (&operator, state) {
            (Some(op), SessionState::Active) => permissions::granted(op.role),
            _ => Vec::new(),
        };
        SessionStatus {
            state,
            operator: operator.as_ref().map(operator_view),
            permissions,
            idle_lock_minutes: self.idle_lock_minutes().await,
        }
    }

    /// The session's operator while it may still act here; otherwise ends the session.
    async fn session_operator(&self, operator_id: OperatorId) -> AppResult<Option<OperatorRow>> {
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        match operators::by_id(&mut conn, operator_id).await? {
            Some(op) if !op.disabled && allowed_in(&op, environment) => Ok(Some(op)),
            _ => {
                self.session.end();
                Ok(None)
            }
        }
    }

    /// The signed-in operator of an unlocked session (applying the idle lock first): not signed
    /// in → `unauthenticated`; idle too long or locked → `locked`.
    pub(crate) async fn unlocked_operator(&self) -> AppResult<OperatorRow> {
        self.apply_idle_lock().await?;
        let Some(session) = self.session.current() else {
            return Err(AppError::new(ErrorCode::Unauthenticated, "sign in first"));
        };
        if session.locked {
            return Err(AppError::new(
                ErrorCode::Locked,
                "the session is locked; enter your password to continue",
            ));
        }
        self.session_operator(session.operator_id).await?.ok_or_else(no_longer_active)
    }

    /// The gate of every use case that needs a signed-in operator: not signed in →
    /// `unauthenticated`; idle too long or locked → `locked`; lacking the permission →
    /// `forbidden`, and the attempt is audited. Passing it is not activity: pages that poll would
    /// otherwise keep an unattended desk unlocked.
    pub(crate) async fn authorize(&self, permission: Permission, action: &str) -> AppResult<Actor> {
        let operator = self.unlocked_operator().await?;
        if operator.password_one_time {
            return Err(password_change_required());
        }
        if !permissions::allows(operator.role, permission) {
            let detail = json!({ "permission": permission.key(), "role": operator.role.key() });
            let mut tx = self.ledger.begin_write().await?;
            self.audit(
                &mut tx,
                Some(&operator),
                "access.denied",
                action,
                AuditOutcome::Denied,
                detail,
            )
            .await?;
            ovo_ledger::commit(tx).await?;
            tracing::warn!(operator = %operator.username, action, "permission denied");
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!("the {} role may not {action}", operator.role.key()),
            ));
        }
        Ok(Actor { operator })
    }

    /// Locks an active session that has been idle for the configured time, or whose clock
    /// stepped back past its last activity.
    async fn apply_idle_lock(&self) -> AppResult<()> {
        let idle_ms = i64::from(self.idle_lock_minutes().await) * 60_000;
        if let Some((id, cause)) = self.session.lock_if_idle(self.clock.now(), idle_ms) {
            self.audit_session(id, "session.lock", json!({ "cause": cause.key() })).await?;
        }
        Ok(())
    }
}

fn wrong_password() -> AppError {
    AppError::new(ErrorCode::WrongPassword, "wrong password").with_reason("wrong_password")
}

fn password_change_required() -> AppError {
    AppError::new(
        ErrorCode::PasswordChangeRequired,
        "your password was set by an admin; choose your own password first",
    )
    .with_reason("password_change_required")
}

fn no_longer_active() -> AppError {
    AppError::new(ErrorCode::Unauthenticated, "this operator is no longer active; sign in again")
}

/// A demo operator acts only in the built-in environment.
fn allowed_in(op: &OperatorRow, environment: Environment) -> bool {
    !op.demo || environment == Environment::BuiltInSandbox
}
