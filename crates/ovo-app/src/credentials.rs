//! Provider credentials per product and environment, kept in the OS keychain only.
//! Values go in and never come out: callers learn only whether a field is set.

use ovo_domain::{Environment, Product};
use ovo_ledger::audit::AuditOutcome;
use ovo_secrets::{SecretError, SecretKey, SecretStore};
use serde_json::json;

use crate::backoffice::{Actor, Backoffice};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{
    CredentialField, CredentialRef, EnvironmentInput, ProductCredentials, SetCredentialInput,
};
use crate::permissions::Permission;
use crate::providers::parse_product;
use crate::validate;

impl Backoffice {
    pub async fn list_credentials(
        &self,
        query: EnvironmentInput,
    ) -> AppResult<Vec<ProductCredentials>> {
        self.authorize(Permission::ManageCredentials, "view credentials").await?;
        crate::validate::text_lengths(&query)?;
        let environment = validate::environment(&query.environment)?;
        Product::ALL
            .iter()
            .map(|&product| {
                let fields = product
                    .credential_fields()
                    .iter()
                    .map(|&field| {
                        let is_set =
                            self.secrets.contains(&self.secret_key(environment, product, field))?;
                        Ok(CredentialField { field: field.to_owned(), is_set })
                    })
                    .collect::<AppResult<Vec<_>>>()?;
                Ok(ProductCredentials {
                    product,
                    product_name: product.display_name().to_owned(),
                    fields,
                })
            })
            .collect()
    }

    /// Sets or replaces one credential. The audit entry records which field, never the value.
    pub async fn set_credential(&self, input: SetCredentialInput) -> AppResult<CredentialField> {
        let actor = self.authorize(Permission::ManageCredentials, "change credentials").await?;
        crate::validate::text_lengths(&input)?;
        let (environment, product, field) =
            parse_ref(&input.environment, &input.product, &input.field)?;
        let value = &input.value.0;
        if value.expose().trim().is_empty() {
            return Err(AppError::invalid(
                "credential_value_empty",
                "the credential value is empty",
            ));
        }
        if value.expose().len() > ovo_secrets::MAX_VALUE_BYTES {
            return Err(AppError::invalid(
                "credential_value_too_long",
                format!(
                    "the credential value is longer than {} bytes",
                    ovo_secrets::MAX_VALUE_BYTES
                ),
            ));
        }
        let key = self.secret_key(environment, product, field);
        let replacing = self.keychain(move |s| s.contains(&key)).await?;
        let action = if replacing { "credential.replace" } else { "credential.set" };
        let key = self.secret_key(environment, product, field);
        let value = value.clone();
        self.audited_keychain_change(&actor, action, environment, product, field, move |s| {
            s.put(&key, &value)
        })
        .await?;
        self.providers.forget(environment, product);
        tracing::info!(operator = %actor.operator.username, credential = %subject(environment, product, field), action, "credential stored");
        Ok(CredentialField { field: field.to_owned(), is_set: true })
    }

    pub async fn delete_credential(&self, input: CredentialRef) -> AppResult<CredentialField> {
        let actor = self.authorize(Permission::ManageCredentials, "change credentials").await?;
        crate::validate::text_lengths(&input)?;
        let (environment, product, field) =
            parse_ref(&input.environment, &input.product, &input.field)?;
        let key = self.secret_key(environment, product, field);
        if self.keychain(move |s| s.contains(&key)).await? {
            let key = self.secret_key(environment, product, field);
            self.audited_keychain_change(
                &actor,
                "credential.delete",
                environment,
                product,
                field,
                move |s| s.delete(&key).map(drop),
            )
            .await?;
            self.providers.forget(environment, product);
        }
        Ok(CredentialField { field: field.to_owned(), is_set: false })
    }

    /// Changes the keychain, audited, and never inside a ledger transaction: a keychain prompt
    /// must not stall every other write. The entry commits first, in its own transaction, so a
    /// crash in between leaves an entry for a change that may not have happened (the keychain
    /// shows whether it did) and never a change without one; a refused change is audited as
    /// `failed` under the same action.
    async fn audited_keychain_change(
        &self,
        actor: &Actor,
        action: &str,
        environment: Environment,
        product: Product,
        field: &str,
        change: impl FnOnce(&dyn SecretStore) -> Result<(), SecretError> + Send + 'static,
    ) -> AppResult<()> {
        let subject = subject(environment, product, field);
        self.audit_alone(actor, action, &subject, AuditOutcome::Ok, json!({})).await?;
        if let Err(e) = self.keychain(change).await {
            let detail = json!({ "error": e.code });
            self.audit_alone(actor, action, &subject, AuditOutcome::Failed, detail).await?;
            return Err(e);
        }
        Ok(())
    }

    async fn audit_alone(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        outcome: AuditOutcome,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let mut tx = self.ledger.begin_write().await?;
        self.audit(&mut tx, Some(&actor.operator), action, subject, outcome, detail).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// A keychain call off the async workers (it may wait for the user).
    async fn keychain<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError> + Send + 'static,
    ) -> AppResult<T> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || call(secrets.as_ref()))
            .await
            .map_err(|e| {
                AppError::new(
                    ErrorCode::KeychainUnavailable,
                    format!("the keychain call stopped: {e}"),
                )
            })?
            .map_err(AppError::from)
    }

    fn secret_key(&self, environment: Environment, product: Product, field: &str) -> SecretKey {
        SecretKey::new(&self.config.app_identifier, environment.key(), product.key(), field)
    }
}

fn subject(environment: Environment, product: Product, field: &str) -> String {
    format!("{}/{}.{}", environment.key(), product.key(), field)
}

fn parse_ref(
    environment: &str,
    product: &str,
    field: &str,
) -> AppResult<(Environment, Product, &'static str)> {
    let environment = validate::environment(environment)?;
    let product = parse_product(product)?;
    let field: &'static str =
        product.credential_fields().iter().copied().find(|f| *f == field).ok_or_else(|| {
            AppError::invalid(
                "credential_field_unknown",
                format!(
                    "{} has no credential {field:?}; its fields are {}",
                    product.display_name(),
                    product.credential_fields().join(", ")
                ),
            )
        })?;
    Ok((environment, product, field))
}
