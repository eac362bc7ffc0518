//! Language, idle lock and environment.

use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::{settings, WriteTx};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::backoffice::{ENVIRONMENT_KEY, IDLE_LOCK_KEY, LANGUAGE_KEY};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{EnvironmentInput, IdleLockInput, LanguageInput, Preferences};
use crate::permissions::Permission;
use crate::validate;

pub const IDLE_LOCK_RANGE: std::ops::RangeInclusive<u32> = 1..=240;

impl Backoffice {
    pub async fn get_preferences(&self) -> AppResult<Preferences> {
        Ok(Preferences {
            language: self.language().await,
            idle_lock_minutes: self.idle_lock_minutes().await,
            environment: self.environment().await,
        })
    }

    /// Allowed signed out too (the sign-in screen has a language switch).
    pub async fn set_language(&self, input: LanguageInput) -> AppResult<Preferences> {
        crate::validate::text_lengths(&input)?;
        let lang = validate::language(&input.language)?;
        let operator = match self.session.current() {
            Some(s) if !s.locked => Some(s.operator_id),
            _ => None,
        };
        let mut tx = self.ledger.begin_write().await?;
        let operator = match operator {
            Some(id) => ovo_ledger::operators::by_id(&mut tx, id).await?,
            None => None,
        };
        let detail = json!({ "to": lang.key() });
        self.put_setting(
            tx,
            operator.as_ref(),
            LANGUAGE_KEY,
            lang.key(),
            "settings.language",
            detail,
        )
        .await
    }

    pub async fn set_idle_lock(&self, input: IdleLockInput) -> AppResult<Preferences> {
        let actor = self.authorize(Permission::ManageSettings, "change the idle lock").await?;
        if !IDLE_LOCK_RANGE.contains(&input.minutes) {
            return Err(AppError::invalid(
                "idle_minutes_out_of_range",
                format!(
                    "idle lock must be between {} and {} minutes",
                    IDLE_LOCK_RANGE.start(),
                    IDLE_LOCK_RANGE.end()
                ),
            ));
        }
        let detail = json!({ "from": self.idle_lock_minutes().await, "to": input.minutes });
        let tx = self.ledger.begin_write().await?;
        let minutes = input.minutes.to_string();
        self.put_setting(
            tx,
            Some(&actor.operator),
            IDLE_LOCK_KEY,
            &minutes,
            "settings.idle_lock",
            detail,
        )
        .await
    }

    pub async fn set_environment(&self, input: EnvironmentInput) -> AppResult<Preferences> {
        let actor = self.authorize(Permission::ManageSettings, "change the environment").await?;
        crate::validate::text_lengths(&input)?;
        let environment = validate::environment(&input.environment)?;
        let detail = json!({ "from": self.environment().await.key(), "to": environment.key() });
        let tx = self.ledger.begin_write().await?;
        self.put_setting(
            tx,
            Some(&actor.operator),
            ENVIRONMENT_KEY,
            environment.key(),
            "settings.environment",
            detail,
        )
        .await
    }

    /// Stores one setting with its audit entry (the setting's key is the subject) and answers
    /// the preferences as they are now.
    async fn put_setting(
        &self,
        mut tx: WriteTx,
        operator: Option<&OperatorRow>,
        key: &str,
        value: &str,
        action: &str,
        detail: serde_json::Value,
    ) -> AppResult<Preferences> {
        settings::put(&mut tx, key, value, self.clock.now(), operator.map(|o| o.id)).await?;
        self.audit(&mut tx, operator, action, key, AuditOutcome::Ok, detail).await?;
        ovo_ledger::commit(tx).await?;
        self.get_preferences().await
    }

    pub async fn app_info(&self, os_locale: String) -> AppResult<crate::ipc::AppInfo> {
        let builtin = self.environment().await == ovo_domain::Environment::BuiltInSandbox;
        let demo_operators = if builtin {
            let mut conn = self.ledger.read().await?;
            ovo_ledger::operators::demo(&mut conn)
                .await?
                .into_iter()
                .map(|op| crate::ipc::DemoOperatorView {
                    username: op.username,
                    display_name: op.display_name,
                    role: op.role,
                    disabled: op.disabled,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(crate::ipc::AppInfo {
            demo_password: (!demo_operators.is_empty())
                .then(|| crate::demo::DEMO_PASSWORD.to_owned()),
            demo_operators,
            version: self.config.version.clone(),
            environment: self.environment().await,
            os_locale,
            language: self.language().await,
        })
    }

    /// The built-in sandbox's address (its customer and phone pages), started now if it is not
    /// running yet; `None` in another environment. Nothing else starts it before a provider call
    /// needs it, so a start-up and a list of payments never wait for it to learn the ledger.
    pub async fn sandbox_url(&self) -> AppResult<Option<String>> {
        if self.environment().await != ovo_domain::Environment::BuiltInSandbox {
            return Ok(None);
        }
        let sandbox = self.builtin_sandbox().await.map_err(|detail| {
            AppError::new(
                ErrorCode::Internal,
                format!("the built-in sandbox did not start: {detail}"),
            )
        })?;
        Ok(Some(sandbox.url()))
    }
}
