//! Keys this ledger keeps in the OS keychain, never in the ledger: the audit chain's HMAC key,
//! the key that hashes secrets out of stored notifications, and the key that seals customer
//! tokens in the ledger (`desk/tokens.rs`). Entries are scoped by the
//! ledger's own random id (setting `ledger_id`), so two ledgers on one machine never share one.
//! The keychain also remembers which id the ledger in each data folder had, so a file whose id
//! was removed or changed cannot pass for a new ledger with fresh keys and no anchor.
//! They are loaded once when the back office opens, before any ledger transaction.

use std::path::Path;

use ovo_ledger::{settings, Ledger};
use ovo_secrets::{SealingKey, SecretKey, SecretStore, Sensitive};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorCode};

const LEDGER_ID_SETTING: &str = "ledger_id";
/// Keychain environment part of every local key (provider credentials use real environments).
const LOCAL_SCOPE: &str = "local";
const KEY_BYTES: usize = 32;
pub(crate) const AUDIT_KEY: &str = "audit_key";
const REDACTION_KEY: &str = "redaction_key";
pub(crate) const TOKEN_KEY: &str = "token_key";
/// A known text sealed under the token key (setting), so a desk finds out whether it holds the
/// same token key as the desks that sealed the ledger's tokens.
const TOKEN_KEY_CHECK: &str = "token_key_check";
/// Every key of a ledger, as an enrolment hands them to another desk.
pub(crate) const LEDGER_KEYS: [&str; 3] = [AUDIT_KEY, REDACTION_KEY, TOKEN_KEY];

/// The loaded keys.
pub(crate) struct LocalKeys {
    pub ledger_id: String,
    pub audit: Sensitive<Vec<u8>>,
    pub redaction: Sensitive<Vec<u8>>,
    pub tokens: SealingKey,
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
        data_dir: &Path,
        created: bool,
        now: ovo_domain::Timestamp,
    ) -> AppResult<LocalKeys> {
        // A shared ledger's id and keys are made once, by the desk that created it: a desk whose
        // keychain lacks them would seal with keys of its own (or put its own id in the shared
        // settings) and break the chain for every other desk. It must receive them instead.
        let shared = ledger.backend() == ovo_ledger::Backend::Postgres;
        let ledger_id = match (shared, created) {
            (true, true) => new_shared_ledger_id(ledger, secrets, namespace, now).await?,
            (true, false) => shared_ledger_id(ledger, secrets, namespace).await?,
            (false, _) => ledger_id(ledger, secrets, namespace, data_dir, created, now).await?,
        };
        // A desk that did not create a shared ledger holds every key of it, or none (enrolment
        // hands them over together); one it made up would seal what no other desk can read.
        let may_create = !shared || created;
        let key =
            |name: &str, may_create| local_key(secrets, namespace, &ledger_id, name, may_create);
        let (audit, audit_key_created) = key(AUDIT_KEY, may_create)?;
        let (redaction, _) = key(REDACTION_KEY, may_create)?;
        // A ledger made before tokens were sealed in it has no token key yet: the first desk
        // to open it makes one, and the check value it stores makes every other desk use it.
        let (check, sealed_tokens) = {
            let mut conn = ledger.read().await?;
            let check = settings::get(&mut conn, TOKEN_KEY_CHECK).await?;
            (check, ovo_ledger::link_secrets::any(&mut conn).await?)
        };
        // Tokens sealed without a check (a crash between the two) prove only the key that sealed them.
        let (tokens, token_key_created) =
            key(TOKEN_KEY, may_create || (check.is_none() && !sealed_tokens))?;
        let tokens = SealingKey::from_bytes(tokens.expose()).map_err(|e| {
            AppError::new(
                ErrorCode::KeychainUnavailable,
                format!("the keychain's {TOKEN_KEY}: {e}"),
            )
        })?;
        let confirmed = confirm_token_key(ledger, &tokens, check, shared, now).await;
        if confirmed.is_err() && token_key_created {
            let _ = secrets.delete(&LocalKeys::address(namespace, &ledger_id, TOKEN_KEY));
        }
        confirmed?;
        Ok(LocalKeys { audit, redaction, tokens, audit_key_created, ledger_id })
    }

    /// The keychain address of this ledger's entry `name`.
    pub fn address(namespace: &str, ledger_id: &str, name: &str) -> SecretKey {
        SecretKey::new(namespace, LOCAL_SCOPE, format!("ledger-{ledger_id}"), name)
    }
}

/// The ledger's id: the file's own while the keychain knows it. A ledger this open did not
/// create whose id is missing or unknown takes the id the keychain remembers for its data folder
/// (the file was altered, so its chain is checked against that ledger's key and anchor); a new
/// ledger gets a new id.
async fn ledger_id(
    ledger: &Ledger,
    secrets: &dyn SecretStore,
    namespace: &str,
    data_dir: &Path,
    created: bool,
    now: ovo_domain::Timestamp,
) -> AppResult<String> {
    let mut conn = ledger.read().await?;
    let in_file = match settings::get(&mut conn, LEDGER_ID_SETTING).await? {
        Some(stored) => Some(serde_json::from_str::<String>(&stored).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("the stored ledger id is unreadable: {e}"))
        })?),
        None => None,
    };
    drop(conn);
    let folder = folder_address(namespace, data_dir);
    let remembered = secrets.get(&folder).map_err(keychain_error("ledger id"))?;
    let remembered = remembered.map(|id| id.expose().clone());
    let known = |id: &str| {
        secrets
            .contains(&LocalKeys::address(namespace, id, AUDIT_KEY))
            .map_err(keychain_error(AUDIT_KEY))
    };
    let id = match (in_file.clone(), remembered.clone()) {
        (Some(file), _) if known(&file)? => file,
        (file, Some(folder_id)) if !created && known(&folder_id)? => {
            tracing::warn!(
                file = file.as_deref().unwrap_or("none"),
                remembered = %folder_id,
                "the ledger's id is missing or unknown to the keychain; checking it as the ledger this folder had"
            );
            folder_id
        }
        (Some(file), _) => file,
        (None, _) => hex::encode(random_bytes(16)),
    };
    if in_file.as_deref() != Some(id.as_str()) {
        let mut tx = ledger.begin_write().await?;
        let value = serde_json::Value::from(id.clone()).to_string();
        settings::put(&mut tx, LEDGER_ID_SETTING, &value, now, None).await?;
        ovo_ledger::commit(tx).await?;
    }
    if remembered.as_deref() != Some(id.as_str()) {
        secrets.put(&folder, &Sensitive::new(id.clone())).map_err(keychain_error("ledger id"))?;
    }
    Ok(id)
}

/// The id of a shared ledger this open created. Two desks starting together on an empty
/// database may both have migrated it; the first id stored wins, and the other desk is then
/// one that did not create the ledger.
async fn new_shared_ledger_id(
    ledger: &Ledger,
    secrets: &dyn SecretStore,
    namespace: &str,
    now: ovo_domain::Timestamp,
) -> AppResult<String> {
    let id = hex::encode(random_bytes(16));
    let mut tx = ledger.begin_write().await?;
    let value = serde_json::Value::from(id.clone()).to_string();
    let stored = settings::put_new(&mut tx, LEDGER_ID_SETTING, &value, now).await?;
    ovo_ledger::commit(tx).await?;
    if stored {
        Ok(id)
    } else {
        shared_ledger_id(ledger, secrets, namespace).await
    }
}

/// The id of a shared ledger this open did not create, when this desk's keychain holds its
/// keys; never another id, and nothing written.
async fn shared_ledger_id(
    ledger: &Ledger,
    secrets: &dyn SecretStore,
    namespace: &str,
) -> AppResult<String> {
    let mut conn = ledger.read().await?;
    let stored = settings::get(&mut conn, LEDGER_ID_SETTING).await?;
    drop(conn);
    let id = stored.and_then(|stored| serde_json::from_str::<String>(&stored).ok());
    let known = match &id {
        Some(id) => secrets
            .contains(&LocalKeys::address(namespace, id, AUDIT_KEY))
            .map_err(keychain_error(AUDIT_KEY))?,
        None => false,
    };
    match id {
        Some(id) if known => Ok(id),
        id => Err(AppError::new(
            ErrorCode::Storage,
            format!(
                "this computer does not hold the keys of the shared ledger at {} (ledger {}); \
                 an admin at a desk that uses it makes a one-time code (Settings → Ledger) with \
                 which this desk is enrolled",
                ledger.location(),
                id.as_deref().unwrap_or("without an id")
            ),
        )
        .with_reason("desk_not_enrolled")),
    }
}

/// Checks `tokens` against the ledger's token key check, storing one when there is none.
async fn confirm_token_key(
    ledger: &Ledger,
    tokens: &SealingKey,
    check: Option<String>,
    shared: bool,
    now: ovo_domain::Timestamp,
) -> AppResult<()> {
    let sealed_check = || tokens.seal(TOKEN_KEY_CHECK.as_bytes(), TOKEN_KEY_CHECK);
    let stored = match check {
        Some(stored) => stored,
        None => {
            let mut tx = ledger.begin_write().await?;
            let first = settings::put_new(&mut tx, TOKEN_KEY_CHECK, &sealed_check(), now).await?;
            let stored = settings::get(&mut tx, TOKEN_KEY_CHECK).await?.unwrap_or_default();
            ovo_ledger::commit(tx).await?;
            if first {
                return Ok(());
            }
            stored
        }
    };
    if tokens.open(&stored, TOKEN_KEY_CHECK).is_ok() {
        return Ok(());
    }
    if !shared {
        // This desk's keychain lost the file's token key: tokens sealed under it cannot be
        // opened (those accounts must be linked again); new ones are sealed under this key.
        tracing::warn!("the keychain holds another token key than the one this ledger's tokens were sealed with; earlier linkings must be linked again");
        let mut tx = ledger.begin_write().await?;
        settings::put(&mut tx, TOKEN_KEY_CHECK, &sealed_check(), now, None).await?;
        ovo_ledger::commit(tx).await?;
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::Storage,
        "this computer holds another token key than the shared ledger's desks use; enrol this \
         desk again with a new code from an admin",
    )
    .with_reason("desk_not_enrolled"))
}

/// Whether `tokens` is the token key the ledger's check value was sealed with.
pub(crate) async fn is_ledgers_token_key(ledger: &Ledger, tokens: &SealingKey) -> AppResult<bool> {
    let check = settings::get(&mut *ledger.read().await?, TOKEN_KEY_CHECK).await?;
    Ok(check.is_some_and(|stored| tokens.open(&stored, TOKEN_KEY_CHECK).is_ok()))
}

/// Where the keychain remembers the id of the ledger in `data_dir`.
fn folder_address(namespace: &str, data_dir: &Path) -> SecretKey {
    folder_key(namespace, data_dir, LEDGER_ID_SETTING)
}

/// The keychain's entry `field` for the data folder `data_dir`.
pub(crate) fn folder_key(namespace: &str, data_dir: &Path, field: &str) -> SecretKey {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(path.to_string_lossy().as_bytes());
    let folder = format!("folder-{}", &hex::encode(digest)[..32]);
    SecretKey::new(namespace, LOCAL_SCOPE, folder, field)
}

fn keychain_error(name: &str) -> impl Fn(ovo_secrets::SecretError) -> AppError + '_ {
    move |e| {
        AppError::new(
            ErrorCode::KeychainUnavailable,
            format!("the OS keychain holds this ledger's {name} and cannot be reached: {e}"),
        )
    }
}

fn local_key(
    secrets: &dyn SecretStore,
    namespace: &str,
    ledger_id: &str,
    name: &str,
    may_create: bool,
) -> AppResult<(Sensitive<Vec<u8>>, bool)> {
    let address = LocalKeys::address(namespace, ledger_id, name);
    let keychain = keychain_error(name);
    if let Some(stored) = secrets.get(&address).map_err(&keychain)? {
        let bytes = hex::decode(stored.expose()).map_err(|_| {
            AppError::new(
                ErrorCode::KeychainUnavailable,
                format!("the keychain's {name} is not hex"),
            )
        })?;
        return Ok((Sensitive::new(bytes), false));
    }
    if !may_create {
        return Err(AppError::new(
            ErrorCode::Storage,
            format!(
                "this computer holds only some keys of the shared ledger {ledger_id} (its {name} \
                 is missing); enrol this desk again with a new code from an admin"
            ),
        )
        .with_reason("desk_not_enrolled"));
    }
    let bytes = random_bytes(KEY_BYTES);
    secrets.put(&address, &Sensitive::new(hex::encode(&bytes))).map_err(&keychain)?;
    Ok((Sensitive::new(bytes), true))
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
