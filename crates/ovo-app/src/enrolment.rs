//! Enrolling another desk in a shared ledger. The ledger's keys (audit, redaction, token) live in
//! each desk's OS keychain, never in the ledger. An admin at a desk that holds them makes a
//! one-time code: the keys are sealed under a key derived from the code (argon2id) and stored in
//! `desk_enrolments`; the code is shown once and stored nowhere. The new desk enters the code, the
//! sealed keys open, the enrolment ends (`used`, its sealed keys cleared) and the keys go into
//! that desk's keychain. A code lasts 24 hours and takes 5 wrong tries.

use std::collections::BTreeMap;

use ovo_domain::{Clock, Timestamp};
use ovo_ledger::audit::{self, AuditOutcome, NewAuditEntry};
use ovo_ledger::enrolments::{self, EnrolmentEnd, EnrolmentRow, NewEnrolment};
use ovo_ledger::{settings, Backend, Ledger, LedgerError, LedgerLocation};
use ovo_secrets::{SealingKey, SecretStore, Sensitive};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{
    DeskEnrolmentView, EnrolDeskInput, EnrolmentRef, EnrolmentState, LedgerInfo, NewDeskEnrolment,
};
use crate::local_keys::{is_ledgers_token_key, LocalKeys, AUDIT_KEY, LEDGER_KEYS, TOKEN_KEY};
use crate::permissions::Permission;
use crate::Backoffice;

/// Crockford's base32: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The first group names the enrolment; the other four (100 bits) are the secret.
const GROUP: usize = 5;
const SECRET_GROUPS: usize = 4;
const LIFETIME_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// Wrong codes an enrolment takes before it ends.
pub const MAX_WRONG_CODES: i64 = 5;
const DESK_NAME_MAX: usize = 64;
const LISTED: i64 = 50;

/// What an enrolment carries: the ledger's id and each key, hex.
#[derive(Serialize, Deserialize)]
struct Bundle {
    ledger_id: String,
    keys: BTreeMap<String, String>,
}

fn context(id: &str) -> String {
    format!("desk-enrolment/{id}")
}

fn random_group(rng: &mut impl Rng) -> String {
    (0..GROUP).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect()
}

/// A code as typed: case, spaces and dashes do not matter, and O, I and L read as 0, 1 and 1.
/// Returns the enrolment's id and the secret part.
fn parse_code(typed: &str) -> AppResult<(String, String)> {
    let mut chars = String::new();
    for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return Err(code_format_error());
        }
        chars.push(c);
    }
    if chars.len() != GROUP * (1 + SECRET_GROUPS) {
        return Err(code_format_error());
    }
    let (id, secret) = chars.split_at(GROUP);
    Ok((id.to_owned(), secret.to_owned()))
}

fn code_format_error() -> AppError {
    AppError::invalid(
        "enrolment_code_format",
        "an enrolment code is 25 letters and digits in five groups, like 7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD",
    )
}

fn grouped(id: &str, secret: &str) -> String {
    let all = format!("{id}{secret}");
    all.as_bytes()
        .chunks(GROUP)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

async fn derive(secret: String, salt: Vec<u8>) -> AppResult<SealingKey> {
    tokio::task::spawn_blocking(move || SealingKey::from_code(&secret, &salt))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("key derivation failed: {e}")))?
        .map_err(AppError::from)
}

fn view(row: &EnrolmentRow, now: Timestamp) -> DeskEnrolmentView {
    let state = match row.ended {
        None if row.expires_at <= now => EnrolmentState::Expired,
        None => EnrolmentState::Open,
        Some(EnrolmentEnd::Used) => EnrolmentState::Used,
        Some(EnrolmentEnd::Withdrawn) => EnrolmentState::Withdrawn,
        Some(EnrolmentEnd::Expired) => EnrolmentState::Expired,
        Some(EnrolmentEnd::TooManyAttempts) => EnrolmentState::TooManyAttempts,
    };
    DeskEnrolmentView {
        id: row.id.clone(),
        state,
        created_by: row.created_by_name.clone(),
        created_at: row.created_at.to_rfc3339(),
        expires_at: row.expires_at.to_rfc3339(),
        ended_at: row.ended_at.map(Timestamp::to_rfc3339),
        desk_name: row.desk_name.clone(),
        failed_attempts: row.failed_attempts,
    }
}

fn subject(id: &str) -> String {
    format!("desk_enrolment/{id}")
}

impl Backoffice {
    /// Where this desk's ledger is (admin).
    pub async fn ledger_info(&self) -> AppResult<LedgerInfo> {
        self.authorize(Permission::ManageSettings, "see the ledger's settings").await?;
        let shared = self.ledger.backend() == Backend::Postgres;
        Ok(LedgerInfo {
            backend: if shared { "postgres" } else { "file" }.to_owned(),
            location: match self.ledger.location() {
                LedgerLocation::File(path) => path.display().to_string(),
                other => other.to_string(),
            },
            ledger_id: self.local_keys.ledger_id.clone(),
            shared,
        })
    }

    /// A one-time code that enrols another desk in this shared ledger (admin); shown once.
    pub async fn create_desk_enrolment(&self) -> AppResult<NewDeskEnrolment> {
        let actor = self.authorize(Permission::ManageSettings, "enrol a desk").await?;
        if self.ledger.backend() != Backend::Postgres {
            return Err(AppError::invalid(
                "enrolment_needs_shared_ledger",
                "only a shared ledger (PostgreSQL) has other desks to enrol; this ledger is a file \
                 on this computer",
            ));
        }
        let mut keys = BTreeMap::new();
        for name in LEDGER_KEYS {
            let address =
                LocalKeys::address(&self.config.app_identifier, &self.local_keys.ledger_id, name);
            let value = self.secrets.get(&address)?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::KeychainUnavailable,
                    format!("this desk's keychain no longer holds the ledger's {name}"),
                )
            })?;
            keys.insert(name.to_owned(), value.expose().clone());
        }
        let bundle = Sensitive::new(
            serde_json::to_vec(&Bundle { ledger_id: self.local_keys.ledger_id.clone(), keys })
                .unwrap_or_default(),
        );
        let (id, secret, salt) = {
            let mut rng = rand::rngs::OsRng;
            let secret: String = (0..SECRET_GROUPS).map(|_| random_group(&mut rng)).collect();
            (random_group(&mut rng), secret, rng.gen::<[u8; 16]>().to_vec())
        };
        let key = derive(secret.clone(), salt.clone()).await?;
        let now = self.now();
        let expires_at = Timestamp::from_unix_millis(now.unix_millis() + LIFETIME_MILLIS);
        let sealed = key.seal(bundle.expose(), &context(&id));
        let mut tx = self.ledger.begin_write().await?;
        enrolments::clear_expired(&mut tx, now).await?;
        let salt = hex::encode(salt);
        let new = NewEnrolment {
            id: &id,
            salt: &salt,
            sealed: &sealed,
            created_by: actor.operator.id,
            created_at: now,
            expires_at,
        };
        enrolments::insert(&mut tx, &new).await.map_err(|e| match e {
            // 32^5 ids: a clash is rare, and trying again makes a new code.
            LedgerError::Duplicate { .. } => AppError::new(
                ErrorCode::Conflict,
                "a code with the same first group exists; make another",
            )
            .with_reason("enrolment_id_taken"),
            other => other.into(),
        })?;
        self.audit_act(
            &mut tx,
            &actor,
            "desk.enrolment_created",
            &subject(&id),
            serde_json::json!({ "expires_at": expires_at.to_rfc3339() }),
        )
        .await?;
        let row = enrolments::get(&mut tx, &id).await?;
        ovo_ledger::commit(tx).await?;
        let row = row.ok_or(LedgerError::NotFound { what: "enrolment" })?;
        Ok(NewDeskEnrolment { code: grouped(&id, &secret), enrolment: view(&row, now) })
    }

    /// Clears the sealed keys of codes past their expiry (a shared ledger's background work):
    /// an unused code's keys do not stay in the database.
    pub(crate) async fn clear_expired_enrolments(&self) -> AppResult<()> {
        if self.ledger.backend() == Backend::Postgres {
            let mut conn = self.ledger.writer_pool().acquire().await.map_err(LedgerError::from)?;
            enrolments::clear_expired(&mut conn, self.now()).await?;
        }
        Ok(())
    }

    /// The newest enrolments, newest first (admin).
    pub async fn desk_enrolments(&self) -> AppResult<Vec<DeskEnrolmentView>> {
        self.authorize(Permission::ManageSettings, "see desk enrolments").await?;
        let mut conn = self.ledger.read().await?;
        let rows = enrolments::list(&mut conn, LISTED).await?;
        let now = self.now();
        Ok(rows.iter().map(|row| view(row, now)).collect())
    }

    /// Ends an open code before it is used (admin).
    pub async fn withdraw_desk_enrolment(
        &self,
        input: EnrolmentRef,
    ) -> AppResult<DeskEnrolmentView> {
        let actor = self.authorize(Permission::ManageSettings, "withdraw an enrolment").await?;
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        enrolments::end(&mut tx, &input.id, EnrolmentEnd::Withdrawn, now, None).await.map_err(
            |e| match e {
                LedgerError::NotFound { .. } => AppError::new(
                    ErrorCode::Conflict,
                    format!("enrolment {} is not open (used, withdrawn or unknown)", input.id),
                )
                .with_reason("enrolment_not_open"),
                other => other.into(),
            },
        )?;
        self.audit_act(
            &mut tx,
            &actor,
            "desk.enrolment_withdrawn",
            &subject(&input.id),
            serde_json::json!({}),
        )
        .await?;
        let row = enrolments::get(&mut tx, &input.id).await?;
        ovo_ledger::commit(tx).await?;
        let row = row.ok_or(LedgerError::NotFound { what: "enrolment" })?;
        Ok(view(&row, now))
    }
}

/// This desk, enrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolledDesk {
    pub ledger_id: String,
    pub enrolment_id: String,
}

/// Enrols this desk in the shared ledger at `location` with an admin's one-time code: the
/// ledger's keys go into `secrets` under `app_identifier`. Nothing is written to the keychain
/// unless the code was right and is now used.
pub async fn enrol_desk(
    location: &LedgerLocation,
    secrets: &dyn SecretStore,
    app_identifier: &str,
    clock: &dyn Clock,
    input: EnrolDeskInput,
) -> AppResult<EnrolledDesk> {
    if location.backend() != Backend::Postgres {
        return Err(AppError::invalid(
            "enrolment_needs_shared_ledger",
            "a desk is enrolled only in a shared ledger (PostgreSQL); a ledger file needs none",
        ));
    }
    let desk_name = input.desk_name.trim().to_owned();
    if desk_name.is_empty() || desk_name.chars().count() > DESK_NAME_MAX {
        return Err(AppError::invalid(
            "desk_name_length",
            format!("a desk's name is 1 to {DESK_NAME_MAX} characters"),
        ));
    }
    let (id, secret) = parse_code(input.code.0.expose())?;
    let (ledger, _) = Ledger::open_at(location).await?;
    let row = enrolments::get(&mut *ledger.read().await?, &id).await?;
    let now = clock.now();
    let row = match row {
        Some(row) if row.ended.is_none() && row.expires_at > now => row,
        other => return Err(not_usable(other.as_ref(), now)),
    };
    let (Some(sealed), Ok(salt)) = (row.sealed.as_deref(), hex::decode(&row.salt)) else {
        return Err(not_usable(Some(&row), now));
    };
    let key = derive(secret, salt).await?;
    let Ok(opened) = key.open(sealed, &context(&id)) else {
        let mut tx = ledger.begin_write().await?;
        let failures = enrolments::record_failure(&mut tx, &id).await?;
        if failures == 0 {
            // It ended meanwhile (another desk used it, or an admin withdrew it).
            drop(tx);
            return Err(why_not_usable(&ledger, &id, now).await);
        }
        let left = MAX_WRONG_CODES - failures;
        if left <= 0 {
            match enrolments::end(&mut tx, &id, EnrolmentEnd::TooManyAttempts, now, None).await {
                Ok(()) | Err(LedgerError::NotFound { .. }) => {}
                Err(other) => return Err(other.into()),
            }
        }
        ovo_ledger::commit(tx).await?;
        return Err(AppError::invalid(
            "enrolment_code_wrong",
            if left > 0 {
                format!("the code does not match enrolment {id}; {left} more tries before it ends")
            } else {
                format!("the code does not match enrolment {id}, which has now ended; ask an admin for a new code")
            },
        ));
    };
    let bundle: Bundle = serde_json::from_slice(opened.expose()).map_err(|e| {
        AppError::new(ErrorCode::Storage, format!("the enrolment is unreadable: {e}"))
    })?;
    let keys = bundle_keys(&bundle)?;
    check_keys_belong_to(&ledger, &bundle.ledger_id, &keys, &id).await?;
    let audit_key = &keys[0].1;
    let mut tx = ledger.begin_write().await?;
    match enrolments::end(&mut tx, &id, EnrolmentEnd::Used, now, Some(&desk_name)).await {
        Ok(()) => {}
        // Another desk used it first, or it expired meanwhile.
        Err(LedgerError::NotFound { .. }) => {
            drop(tx);
            return Err(why_not_usable(&ledger, &id, now).await);
        }
        Err(other) => return Err(other.into()),
    }
    let entry = NewAuditEntry {
        at: now,
        operator_id: None,
        operator: None,
        action: "desk.enrolled".to_owned(),
        subject: subject(&id),
        outcome: AuditOutcome::Ok,
        detail: serde_json::json!({ "desk": desk_name, "enrolment_created_by": row.created_by_name }),
    };
    audit::append(&mut tx, audit_key.expose(), &entry).await?;
    ovo_ledger::commit(tx).await?;
    for (name, key) in &keys {
        let address = LocalKeys::address(app_identifier, &bundle.ledger_id, name);
        secrets.put(&address, &Sensitive::new(hex::encode(key.expose())))?;
    }
    ledger.close().await;
    tracing::info!(enrolment = %id, ledger = %bundle.ledger_id, "this desk is enrolled in the shared ledger");
    Ok(EnrolledDesk { ledger_id: bundle.ledger_id, enrolment_id: id })
}

/// A key of the ledger by its keychain name.
type NamedKey = (&'static str, Sensitive<Vec<u8>>);

/// Each of the ledger's keys from an enrolment: all present, 32 bytes each (audit key first).
fn bundle_keys(bundle: &Bundle) -> AppResult<Vec<NamedKey>> {
    LEDGER_KEYS
        .iter()
        .map(|name| {
            let key = bundle.keys.get(*name).and_then(|k| hex::decode(k).ok());
            match key {
                Some(key) if key.len() == ovo_secrets::SEALING_KEY_BYTES => {
                    Ok((*name, Sensitive::new(key)))
                }
                _ => Err(AppError::new(
                    ErrorCode::Storage,
                    format!("the enrolment carries no usable {name}; ask an admin for a new code"),
                )),
            }
        })
        .collect()
}

/// The received keys are this ledger's: its id, the audit key that sealed the enrolment's own
/// audit entry, and the token key its tokens are sealed with. Keys planted by someone who can
/// write to the database but holds none of the ledger's keys fail here.
async fn check_keys_belong_to(
    ledger: &Ledger,
    ledger_id: &str,
    keys: &[NamedKey],
    id: &str,
) -> AppResult<()> {
    let other = |what: &str| {
        AppError::new(
            ErrorCode::Storage,
            format!("the enrolment does not belong to the ledger at this address ({what}); ask an admin of this ledger for a new code"),
        )
        .with_reason("enrolment_other_ledger")
    };
    let mut conn = ledger.read().await?;
    let stored_id = settings::get(&mut conn, "ledger_id").await?;
    if stored_id.and_then(|v| serde_json::from_str::<String>(&v).ok()).as_deref() != Some(ledger_id)
    {
        return Err(other("another ledger id"));
    }
    let key_of = |name: &str| keys.iter().find(|(n, _)| *n == name).map(|(_, k)| k);
    let audit_key = key_of(AUDIT_KEY).ok_or_else(|| other("no audit key"))?;
    let made = audit::latest_of(&mut conn, "desk.enrolment_created", &subject(id)).await?;
    let sealed_by_it = match &made {
        Some(entry) => {
            audit::seal_hash(entry, audit::Seal::Keyed(audit_key.expose()))? == entry.hash
        }
        None => false,
    };
    if !sealed_by_it {
        return Err(other("its audit entry is not sealed by the audit key it carries"));
    }
    drop(conn);
    let token_key = key_of(TOKEN_KEY).ok_or_else(|| other("no token key"))?;
    let token_key = SealingKey::from_bytes(token_key.expose())?;
    if !is_ledgers_token_key(ledger, &token_key).await? {
        return Err(other("another token key"));
    }
    Ok(())
}

/// Why the enrolment `id` cannot be used now, read again.
async fn why_not_usable(ledger: &Ledger, id: &str, now: Timestamp) -> AppError {
    let row = match ledger.read().await {
        Ok(mut conn) => enrolments::get(&mut conn, id).await.ok().flatten(),
        Err(_) => None,
    };
    not_usable(row.as_ref(), now)
}

/// Why a code cannot be used.
fn not_usable(row: Option<&EnrolmentRow>, now: Timestamp) -> AppError {
    let (reason, message) = match row.map(|r| (r.ended, r.expires_at <= now)) {
        None => (
            "enrolment_code_unknown",
            "no enrolment of this ledger has this code's first group; check the code or ask an admin for a new one",
        ),
        Some((Some(EnrolmentEnd::Used), _)) => {
            ("enrolment_code_used", "this code was used already; ask an admin for a new one")
        }
        Some((Some(EnrolmentEnd::Withdrawn), _)) => {
            ("enrolment_code_withdrawn", "an admin withdrew this code; ask for a new one")
        }
        Some((Some(EnrolmentEnd::TooManyAttempts), _)) => (
            "enrolment_code_ended",
            "this code ended after too many wrong tries; ask an admin for a new one",
        ),
        Some((Some(EnrolmentEnd::Expired), _)) | Some((None, _)) => (
            "enrolment_code_expired",
            "this code expired (a code lasts 24 hours); ask an admin for a new one",
        ),
    };
    AppError::invalid(reason, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_as_typed_and_refused_when_malformed() {
        let (id, secret) = parse_code(" 7kq2m-xh4pa 9trwb-ce3nf-g6yjd ").expect("a code");
        assert_eq!((id.as_str(), secret.as_str()), ("7KQ2M", "XH4PA9TRWBCE3NFG6YJD"));
        let (id, _) = parse_code("OILQ2-XH4PA-9TRWB-CE3NF-G6YJD").expect("misreadable letters");
        assert_eq!(id, "011Q2");
        for bad in [
            "",
            "7KQ2M-XH4PA-9TRWB-CE3NF",
            "7KQ2M-XH4PA-9TRWB-CE3NF-G6YJDX",
            "7KQ2U-XH4PA-9TRWB-CE3NF-G6YJD",
        ] {
            let error = parse_code(bad).expect_err(bad);
            assert_eq!(error.reason, Some("enrolment_code_format"), "{bad}");
        }
        assert_eq!(grouped("7KQ2M", "XH4PA9TRWBCE3NFG6YJD"), "7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD");
    }
}
