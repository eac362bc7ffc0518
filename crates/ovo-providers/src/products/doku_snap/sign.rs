//! DOKU SNAP signing beside SNAP's: the N0 token request DOKU signs with its key, and the
//! tokens this client issues to DOKU (kept only as SHA-256, until they expire).

use std::time::Duration;

use ovo_secrets::Sensitive;
use sha2::{Digest, Sha256};

use super::{DokuSnapOptions, B2B2C_TOKEN_PATH, B2B_TOKEN_PATH, PRODUCT};
use crate::products::snap::{GrantCase, SnapProfile, TimestampStyle};

/// The SNAP profile of DOKU (house decision 4): `X-TIMESTAMP` without a fraction, lower-case
/// `grantType`.
pub fn profile(options: &DokuSnapOptions) -> SnapProfile {
    SnapProfile {
        product: PRODUCT,
        timestamp_style: TimestampStyle::Offset,
        grant_case: GrantCase::Lower,
        b2b_token_path: B2B_TOKEN_PATH.into(),
        b2b2c_token_path: B2B2C_TOKEN_PATH.into(),
        device_id: options.device_id.clone(),
        channel_id: options.channel_id.clone(),
        token_timeout: options.token_timeout,
        renew_margin: Duration::from_secs(60),
    }
}

/// What this client keeps of a token it issued: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A verified N0 token request.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_id: String,
    pub timestamp: String,
}

/// A token issued to DOKU at N0.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: Sensitive<String>,
    pub expires_in: u64,
}
