//! argon2id password hashes (PHC strings), computed off the async runtime.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use ovo_secrets::Sensitive;

use crate::error::{AppError, AppResult, ErrorCode};

pub async fn hash(password: &Sensitive<String>) -> AppResult<String> {
    let password = password.clone();
    run_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| {
                AppError::new(ErrorCode::Internal, format!("cannot hash the password: {e}"))
            })
    })
    .await
}

/// Checks `password` against `stored`; with no stored hash (unknown operator) it still does
/// the same work against a dummy hash, so timing does not reveal which usernames exist.
pub async fn verify(password: &Sensitive<String>, stored: Option<String>) -> AppResult<bool> {
    let password = password.clone();
    run_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&phc).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("stored password hash is unreadable: {e}"))
        })?;
        let matches =
            Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok();
        Ok(known && matches)
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
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
