//! Operators and their roles (admin only).

use ovo_domain::{OperatorId, Role};
use ovo_ledger::operators::{self, NewOperator, OperatorRow};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{
    ChangeRoleInput, NewOperatorInput, OperatorView, ResetPasswordInput, SetDisabledInput,
};
use crate::permissions::Permission;
use crate::{passwords, validate};

impl Backoffice {
    pub async fn list_operators(&self) -> AppResult<Vec<OperatorView>> {
        self.authorize(Permission::ManageOperators, "list operators").await?;
        // The demo operators belong to the built-in environment and show only there.
        let with_demo = self.environment().await == ovo_domain::Environment::BuiltInSandbox;
        let mut conn = self.ledger.read().await?;
        Ok(operators::list(&mut conn, with_demo).await?.iter().map(operator_view).collect())
    }

    pub async fn create_operator(&self, input: NewOperatorInput) -> AppResult<OperatorView> {
        let actor = self.authorize(Permission::ManageOperators, "create operators").await?;
        crate::validate::text_lengths(&input)?;
        let username = validate::username(&input.username)?;
        let display_name = validate::display_name(&input.display_name)?;
        let role = validate::role(&input.role)?;
        validate::password(&input.password.0)?;
        let password_hash = passwords::hash(&input.password.0).await?;
        let mut tx = self.ledger.begin_write().await?;
        if operators::by_username(&mut tx, &username).await?.is_some() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("the username {username:?} is taken"),
            )
            .with_reason("username_taken"));
        }
        let new = NewOperator {
            username: &username,
            display_name: &display_name,
            role,
            password_hash: &password_hash,
            // The admin knows it: the operator replaces it at their first sign-in.
            password_one_time: true,
            at: self.clock.now(),
        };
        let created = operators::insert(&mut tx, &new).await?;
        self.audit_act(
            &mut tx,
            &actor,
            "operator.create",
            &created.username,
            json!({ "role": role.key(), "password_one_time": true }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(operator_view(&created))
    }

    pub async fn change_operator_role(&self, input: ChangeRoleInput) -> AppResult<OperatorView> {
        let actor = self.authorize(Permission::ManageOperators, "change operator roles").await?;
        crate::validate::text_lengths(&input)?;
        let role = validate::role(&input.role)?;
        let mut tx = self.ledger.begin_write().await?;
        let target =
            require_operator(operators::by_id(&mut tx, OperatorId::new(input.operator_id)).await?)?;
        if target.role == role {
            return Ok(operator_view(&target));
        }
        if target.role == Role::Admin
            && !target.disabled
            && !target.demo
            && operators::count_active_admins(&mut tx).await? <= 1
        {
            return Err(last_admin());
        }
        let updated = operators::set_role(&mut tx, target.id, role, self.clock.now()).await?;
        self.audit_act(
            &mut tx,
            &actor,
            "operator.role_change",
            &target.username,
            json!({ "from": target.role.key(), "to": role.key() }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(operator_view(&updated))
    }

    pub async fn set_operator_disabled(&self, input: SetDisabledInput) -> AppResult<OperatorView> {
        let actor =
            self.authorize(Permission::ManageOperators, "enable or disable operators").await?;
        let mut tx = self.ledger.begin_write().await?;
        let target =
            require_operator(operators::by_id(&mut tx, OperatorId::new(input.operator_id)).await?)?;
        if target.disabled == input.disabled {
            return Ok(operator_view(&target));
        }
        if input.disabled {
            if target.id == actor.operator.id {
                return Err(AppError::new(ErrorCode::Conflict, "you cannot disable yourself")
                    .with_reason("self_disable"));
            }
            if target.role == Role::Admin
                && !target.demo
                && operators::count_active_admins(&mut tx).await? <= 1
            {
                return Err(last_admin());
            }
        }
        let updated =
            operators::set_disabled(&mut tx, target.id, input.disabled, self.clock.now()).await?;
        let action = if input.disabled { "operator.disable" } else { "operator.enable" };
        self.audit_act(&mut tx, &actor, action, &target.username, json!({})).await?;
        ovo_ledger::commit(tx).await?;
        Ok(operator_view(&updated))
    }
}

impl Backoffice {
    /// Sets a new one-time password for another operator (they replace it at their next
    /// sign-in) and lifts a lockout of their username.
    pub async fn reset_operator_password(
        &self,
        input: ResetPasswordInput,
    ) -> AppResult<OperatorView> {
        let actor = self.authorize(Permission::ManageOperators, "reset passwords").await?;
        validate::password(&input.password.0)?;
        let mut conn = self.ledger.read().await?;
        let target = require_operator(
            operators::by_id(&mut conn, OperatorId::new(input.operator_id)).await?,
        )?;
        drop(conn);
        if target.id == actor.operator.id {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "an admin does not reset their own password; change it instead",
            )
            .with_reason("self_reset"));
        }
        if target.demo {
            return Err(demo_password_fixed());
        }
        let password_hash = passwords::hash(&input.password.0).await?;
        let mut tx = self.ledger.begin_write().await?;
        let updated =
            operators::set_password(&mut tx, target.id, &password_hash, true, self.clock.now())
                .await?;
        self.forget_failures(&mut tx, &target.username).await?;
        self.audit_act(&mut tx, &actor, "password.reset", &target.username, json!({})).await?;
        ovo_ledger::commit(tx).await?;
        tracing::info!(operator = %target.username, "password reset");
        Ok(operator_view(&updated))
    }
}

fn require_operator(row: Option<operators::OperatorRow>) -> AppResult<operators::OperatorRow> {
    row.ok_or_else(|| {
        AppError::new(ErrorCode::NotFound, "no such operator").with_reason("operator_not_found")
    })
}

fn last_admin() -> AppError {
    AppError::new(ErrorCode::Conflict, "the last active admin cannot be demoted or disabled")
        .with_reason("last_admin")
}

pub(crate) fn operator_view(op: &OperatorRow) -> OperatorView {
    OperatorView {
        id: op.id.get(),
        username: op.username.clone(),
        display_name: op.display_name.clone(),
        role: op.role,
        disabled: op.disabled,
        password_one_time: op.password_one_time,
        demo: op.demo,
        created_at: op.created_at.to_rfc3339(),
    }
}

/// The demo operators' password is the documented one: nobody resets or changes it.
pub(crate) fn demo_password_fixed() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "the demo operators share the public demo password; it cannot be reset or changed",
    )
    .with_reason("demo_operator_password")
}
