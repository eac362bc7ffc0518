//! Language, idle lock and environment.

use ovo_domain::Lang;
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::settings;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::backoffice::{ENVIRONMENT_KEY, IDLE_LOCK_KEY, LANGUAGE_KEY};
use crate::credentials::parse_environment;
use crate::error::{AppError, AppResult};
use crate::ipc::{EnvironmentInput, IdleLockInput, LanguageInput, Preferences};
use crate::permissions::Permission;

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
        let lang = Lang::parse(&input.language).map_err(|_| {
            AppError::invalid(
                "language_unknown",
                format!("language {:?} is not one of id, en", input.language),
            )
        })?;
        let operator = match self.session.current() {
            Some(s) if !s.locked => Some(s.operator_id),
            _ => None,
        };
        let mut tx = self.ledger.begin_write().await?;
        let operator = match operator {
            Some(id) => ovo_ledger::operators::by_id(&mut tx, id).await?,
            None => None,
        };
        settings::put(
            &mut tx,
            LANGUAGE_KEY,
            lang.key(),
            self.clock.now(),
            operator.as_ref().map(|o| o.id),
        )
        .await?;
        self.audit(
            &mut tx,
            operator.as_ref(),
            "settings.language",
            LANGUAGE_KEY,
            AuditOutcome::Ok,
            json!({ "to": lang.key() }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.get_preferences().await
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
        let from = self.idle_lock_minutes().await;
        let mut tx = self.ledger.begin_write().await?;
        settings::put(
            &mut tx,
            IDLE_LOCK_KEY,
            &input.minutes.to_string(),
            self.clock.now(),
            Some(actor.operator.id),
        )
        .await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "settings.idle_lock",
            IDLE_LOCK_KEY,
            AuditOutcome::Ok,
            json!({ "from": from, "to": input.minutes }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.get_preferences().await
    }

    pub async fn set_environment(&self, input: EnvironmentInput) -> AppResult<Preferences> {
        let actor = self.authorize(Permission::ManageSettings, "change the environment").await?;
        let environment = parse_environment(&input.environment)?;
        let from = self.environment().await;
        let mut tx = self.ledger.begin_write().await?;
        settings::put(
            &mut tx,
            ENVIRONMENT_KEY,
            environment.key(),
            self.clock.now(),
            Some(actor.operator.id),
        )
        .await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "settings.environment",
            ENVIRONMENT_KEY,
            AuditOutcome::Ok,
            json!({ "from": from.key(), "to": environment.key() }),
        )
        .await?;
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
            sandbox_url: match self.environment().await {
                ovo_domain::Environment::BuiltInSandbox => {
                    self.builtin_sandbox().await.ok().map(|s| s.url())
                }
                _ => None,
            },
        })
    }
}
