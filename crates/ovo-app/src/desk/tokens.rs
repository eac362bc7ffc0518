//! A linked account's customer tokens, kept in the keychain under the linking's reference:
//! one entry per linking, field `link-<reference>` of its product and environment.

use ovo_domain::{Environment, Product, Reference, Timestamp};
use ovo_ledger::bindings::BindingRow;
use ovo_providers::model::LinkedAccount;
use ovo_secrets::{SecretKey, SecretStore, Sensitive};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;

#[derive(Serialize, Deserialize, Default)]
struct Stored {
    token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    /// What the completion of a pending linking needs (e.g. OVO SNAP's linkageToken).
    pending_token: Option<String>,
    /// An authCode the browser brought back whose exchange did not go through yet (the
    /// provider was unreachable): kept so the next attempt can use it.
    #[serde(default)]
    auth_code: Option<String>,
}

fn key(app: &str, environment: Environment, product: Product, reference: &Reference) -> SecretKey {
    SecretKey::new(app, environment.key(), product.key(), format!("link-{}", reference.as_str()))
}

fn read(store: &dyn SecretStore, key: &SecretKey) -> AppResult<Stored> {
    Ok(match store.get(key)? {
        Some(value) => serde_json::from_str(value.expose()).unwrap_or_default(),
        None => Stored::default(),
    })
}

/// What is kept for a linked account (nothing for one without a reference).
fn read_row(store: &dyn SecretStore, app: &str, row: &BindingRow) -> AppResult<Stored> {
    match &row.reference {
        Some(reference) => read(store, &key(app, row.environment, row.product, reference)),
        None => Ok(Stored::default()),
    }
}

fn write(store: &dyn SecretStore, key: &SecretKey, stored: &Stored) -> AppResult<()> {
    let json = Sensitive::new(serde_json::to_string(stored).unwrap_or_default());
    store.put(key, &json)?;
    Ok(())
}

pub(crate) fn save_pending(
    store: &dyn SecretStore,
    app: &str,
    row: &BindingRow,
    reference: &Reference,
    pending: &Sensitive<String>,
) -> AppResult<()> {
    let key = key(app, row.environment, row.product, reference);
    let mut stored = read(store, &key)?;
    stored.pending_token = Some(pending.expose().clone());
    write(store, &key, &stored)
}

/// Keeps (or, with `None`, drops) the authCode of a pending linking for another attempt.
pub(crate) fn save_auth_code(
    store: &dyn SecretStore,
    app: &str,
    row: &BindingRow,
    auth_code: Option<&Sensitive<String>>,
) -> AppResult<()> {
    let Some(reference) = &row.reference else {
        return Ok(());
    };
    let key = key(app, row.environment, row.product, reference);
    let mut stored = read(store, &key)?;
    stored.auth_code = auth_code.map(|c| c.expose().clone());
    write(store, &key, &stored)
}

/// The authCode kept by `save_auth_code`.
pub(crate) fn auth_code(
    store: &dyn SecretStore,
    app: &str,
    row: &BindingRow,
) -> AppResult<Option<Sensitive<String>>> {
    Ok(read_row(store, app, row)?.auth_code.map(Sensitive::new))
}

pub(crate) fn pending_token(
    store: &dyn SecretStore,
    app: &str,
    row: &BindingRow,
) -> AppResult<Option<Sensitive<String>>> {
    Ok(read_row(store, app, row)?.pending_token.map(Sensitive::new))
}

/// Keeps the tokens of a completed linking (dropping the pending token).
pub(crate) fn save_account(
    store: &dyn SecretStore,
    app: &str,
    environment: Environment,
    product: Product,
    reference: &Reference,
    account: &LinkedAccount,
) -> AppResult<()> {
    if account.token.is_none() && account.refresh_token.is_none() {
        // Nothing secret to keep (Faspay links by phone).
        store.delete(&key(app, environment, product, reference))?;
        return Ok(());
    }
    let stored = Stored {
        token: account.token.as_ref().map(|t| t.expose().clone()),
        refresh_token: account.refresh_token.as_ref().map(|t| t.expose().clone()),
        expires_at: account.token_expires_at.map(Timestamp::unix_millis),
        pending_token: None,
        auth_code: None,
    };
    write(store, &key(app, environment, product, reference), &stored)
}

/// The account as the provider client needs it.
pub(crate) fn linked_account(
    store: &dyn SecretStore,
    app: &str,
    row: &BindingRow,
) -> AppResult<LinkedAccount> {
    let stored = read_row(store, app, row)?;
    Ok(LinkedAccount {
        phone: row.phone.clone(),
        provider_ref: row.provider_ref.clone(),
        token: stored.token.map(Sensitive::new),
        refresh_token: stored.refresh_token.map(Sensitive::new),
        token_expires_at: stored.expires_at.map(Timestamp::from_unix_millis),
    })
}

pub(crate) fn forget(store: &dyn SecretStore, app: &str, row: &BindingRow) -> AppResult<()> {
    if let Some(reference) = &row.reference {
        store.delete(&key(app, row.environment, row.product, reference))?;
    }
    Ok(())
}
