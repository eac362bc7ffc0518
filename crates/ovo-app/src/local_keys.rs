//! Keys this ledger keeps in the OS keychain, never in the ledger file: the audit chain's HMAC
//! key and the key that hashes secrets out of stored notifications. Entries are scoped by the
//! ledger's own random id (setting `ledger_id`), so two ledgers on one machine never share one.
//! They are loaded once when the back office opens, before any ledger transaction.

use ovo_ledger::{settings, Ledger};
use ovo_secrets::{SecretKey, SecretStore, Sensitive};
use rand::RngCore;

use crate::error::{AppError, AppResult, ErrorCode};

const LEDGER_ID_SETTING: &str = "ledger_id";
/// Keychain environment part of every local key (provider credentials use real environments).
const LOCAL_SCOPE: &str = "local";
const KEY_BYTES: usize = 32;

/// The loaded keys.
pub(crate) struct LocalKeys {
    pub ledger_id: String,
    pub audit: Sensitive<Vec<u8>>,
    pub redaction: Sensitive<Vec<u8>>,
    /// The keychain had no audit key, so this open created one: entries sealed earlier with
    /// a lost key can no longer be checked (`audit_anchor.rs` reports them).
    pub audit_key_created: bool,
}

impl std::fmt::Debug for LocalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeys").field("ledger_id", &self.ledger_id).finish_non_exhaustive()
    }
}

impl LocalKeys {
    /// Reads (or on a new ledger creates) the ledger id, then each key from the keychain,
    /// creating a key that does not exist yet.
    pub async fn load(
        ledger: &Ledger,
        secrets: &dyn SecretStore,
        namespace: &str,
        now: ovo_domain::Timestamp,
    ) -> AppResult<LocalKeys> {
        let ledger_id = ledger_id(ledger, now).await?;
        let key = |name: &str| local_key(secrets, namespace, &ledger_id, name);
        let (audit, audit_key_created) = key("audit_key")?;
        let (redaction, _) = key("redaction_key")?;
        Ok(LocalKeys { audit, redaction, audit_key_created, ledger_id })
    }

    /// The keychain address of this ledger's entry `name`.
    pub fn address(namespace: &str, ledger_id: &str, name: &str) -> SecretKey {
        SecretKey::new(namespace, LOCAL_SCOPE, format!("ledger-{ledger_id}"), name)
    }
}

async fn ledger_id(ledger: &Ledger, now: ovo_domain::Timestamp) -> AppResult<String> {
    let mut tx = ledger.begin_write().await?;
    if let Some(stored) = settings::get(&mut tx, LEDGER_ID_SETTING).await? {
        let id: String = serde_json::from_str(&stored).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("the stored ledger id is unreadable: {e}"))
        })?;
        return Ok(id);
    }
    let id = hex::encode(random_bytes(16));
    settings::put(
        &mut tx,
        LEDGER_ID_SETTING,
        &serde_json::Value::from(id.clone()).to_string(),
        now,
        None,
    )
    .await?;
    ovo_ledger::commit(tx).await?;
    Ok(id)
}

fn local_key(
    secrets: &dyn SecretStore,
    namespace: &str,
    ledger_id: &str,
    name: &str,
) -> AppResult<(Sensitive<Vec<u8>>, bool)> {
    let address = LocalKeys::address(namespace, ledger_id, name);
    let keychain = |e: ovo_secrets::SecretError| {
        AppError::new(
            ErrorCode::KeychainUnavailable,
            format!("the OS keychain holds this ledger's {name} and cannot be reached: {e}"),
        )
    };
    if let Some(stored) = secrets.get(&address).map_err(keychain)? {
        let bytes = hex::decode(stored.expose()).map_err(|_| {
            AppError::new(
                ErrorCode::KeychainUnavailable,
                format!("the keychain's {name} is not hex"),
            )
        })?;
        return Ok((Sensitive::new(bytes), false));
    }
    let bytes = random_bytes(KEY_BYTES);
    secrets.put(&address, &Sensitive::new(hex::encode(&bytes))).map_err(keychain)?;
    Ok((Sensitive::new(bytes), true))
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
