//! argon2id password hashes (PHC strings), computed off the async runtime.
//!
//! Parameters: RFC 9106's second recommended option, m = 64 MiB, t = 3, p = 4 (the library
//! default is OWASP's floor, 19 MiB and t = 2). A hash with other parameters still verifies and
//! is reported `outdated`, so that the caller stores a new one.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ovo_secrets::Sensitive;

use crate::error::{AppError, AppResult, ErrorCode};

/// Memory in KiB (64 MiB), passes and lanes.
pub const MEMORY_KIB: u32 = 64 * 1024;
pub const PASSES: u32 = 3;
pub const LANES: u32 = 4;

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash uses other parameters than [`hasher`]'s: hash the password again.
    pub outdated: bool,
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .expect("the argon2 parameters are within the library's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: &Sensitive<String>) -> AppResult<String> {
    let password = password.clone();
    run_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string()).map_err(
            |e| AppError::new(ErrorCode::Internal, format!("cannot hash the password: {e}")),
        )
    })
    .await
}

/// Checks `password` against `stored`; with no stored hash (unknown operator) it still does
/// the same work against a dummy hash, so timing does not reveal which usernames exist.
pub async fn verify(password: &Sensitive<String>, stored: Option<String>) -> AppResult<Verified> {
    let password = password.clone();
    run_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&phc).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("stored password hash is unreadable: {e}"))
        })?;
        // The library reads the parameters from the PHC string itself.
        let matches = hasher().verify_password(password.expose().as_bytes(), &parsed).is_ok();
        Ok(Verified { matches: known && matches, outdated: known && !current(&parsed) })
    })
    .await
}

/// Whether `parsed` is an argon2id hash with today's version and parameters.
fn current(parsed: &PasswordHash<'_>) -> bool {
    let same_params = Params::try_from(parsed)
        .is_ok_and(|p| (p.m_cost(), p.t_cost(), p.p_cost()) == (MEMORY_KIB, PASSES, LANES));
    parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && same_params
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(b"not a password of anyone", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("password worker failed: {e}")))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Sensitive<String> {
        Sensitive::new(s.to_owned())
    }

    /// Four hashes: one new, one verified twice, one with the library's default parameters.
    #[tokio::test]
    async fn new_hashes_use_the_stronger_parameters_and_older_ones_are_outdated() {
        let stored = hash(&secret("correct horse")).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"), "{stored}");
        let ok = verify(&secret("correct horse"), Some(stored.clone())).await.unwrap();
        assert_eq!(ok, Verified { matches: true, outdated: false });
        let wrong = verify(&secret("wrong horse"), Some(stored)).await.unwrap();
        assert!(!wrong.matches);

        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        let verified = verify(&secret("correct horse"), Some(old)).await.unwrap();
        assert_eq!(verified, Verified { matches: true, outdated: true });
    }
}
