//! `[[bindings]]`: OVO accounts already linked when the sandbox starts, and again after every
//! `POST /_sandbox/reset`. The app's built-in environment keeps demo customers whose OVO accounts
//! are linked through DOKU SNAP, Faspay and OVO SNAP; the sandbox's state is in memory, so without
//! these entries it would know none of those links after a restart.
//!
//! Checked when the merchants file is parsed: the product links accounts, the phone is an
//! Indonesian mobile with an OVO account, the merchant is one of the product's entries, and no
//! token (access or refresh) appears twice. Each product seeds its own state from the checked
//! entries (`ProductSim::seed`).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::wallets::Account;
use super::{Linking, ProductSim};

/// Seeded tokens are static demo values: they live (unscaled) for ten years.
pub const SEEDED_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// At most this long: OVO SNAP reads `refreshToken` up to 256 characters.
const MAX_TOKEN_LEN: usize = 256;

/// One `[[bindings]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    product: String,
    phone: String,
    #[serde(default)]
    merchant: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    provider_ref: Option<String>,
}

/// One checked `[[bindings]]` entry, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedBinding {
    /// The key of a product that links accounts.
    pub product: String,
    /// Canonical `62…`.
    pub phone: String,
    /// The merchant, as the product's `Linking::merchant_field` names it; its first by default.
    pub merchant: String,
    /// The customer access token (products whose links carry tokens);
    /// `seed-{product}-{merchant}-{phone}` by default.
    pub token: Option<String>,
    /// The refresh token (products whose links carry tokens); none by default.
    pub refresh_token: Option<String>,
    /// The binding id (products whose links carry tokens): `Linking::provider_ref_prefix`
    /// followed by the phone by default.
    pub provider_ref: Option<String>,
}

fn check_token(what: &str, token: &str) -> Result<(), String> {
    if token.is_empty()
        || token.len() > MAX_TOKEN_LEN
        || !token.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(format!(
            "{what} must be 1 to {MAX_TOKEN_LEN} printable ASCII characters without spaces"
        ));
    }
    Ok(())
}

/// Checks `[[bindings]]` against the rest of the file and the link rules of `products`;
/// `accounts` are every OVO account the sandbox starts with (seed accounts and `[[accounts]]`).
pub fn parse(
    table: &toml::Table,
    accounts: &[Account],
    products: &[Arc<dyn ProductSim>],
) -> Result<Vec<SeedBinding>, String> {
    let Some(value) = table.get("bindings") else {
        return Ok(Vec::new());
    };
    let raw: Vec<RawBinding> =
        value.clone().try_into().map_err(|e| format!("merchants file, [[bindings]]: {e}"))?;
    let mut out: Vec<SeedBinding> = Vec::new();
    let mut tokens = BTreeSet::new();
    for (i, raw) in raw.into_iter().enumerate() {
        let at = format!("merchants file, [[bindings]] #{} ({} {})", i + 1, raw.product, raw.phone);
        let err = |message: String| format!("{at}: {message}");
        let linking = |p: &Arc<dyn ProductSim>| p.linking().map(|l| (p.key(), l));
        let linkable: Vec<(&'static str, Linking)> = products.iter().filter_map(linking).collect();
        let Some(&(product, rules)) = linkable.iter().find(|(key, _)| *key == raw.product) else {
            let known: Vec<&str> = linkable.iter().map(|(key, _)| *key).collect();
            return Err(err(if products.iter().any(|p| p.key() == raw.product) {
                format!(
                    "{} has no account binding; products that link accounts: {known:?}",
                    raw.product
                )
            } else {
                format!("unknown product {:?}; products that link accounts: {known:?}", raw.product)
            }));
        };
        let Linking { merchant_field: id_field, tokens: tokens_allowed, provider_ref_prefix } =
            rules;
        let phone = super::phone::canonical(&raw.phone).ok_or_else(|| {
            err(format!(
                "phone {:?} is not an Indonesian mobile number (e.g. 6281234567890)",
                raw.phone
            ))
        })?;
        if !accounts
            .iter()
            .any(|a| super::phone::canonical(&a.phone).as_deref() == Some(phone.as_str()))
        {
            return Err(err(format!("no OVO account for {phone}: add it under [[accounts]]")));
        }
        let merchants: Vec<String> = match table.get(product).and_then(toml::Value::as_array) {
            Some(entries) => entries
                .iter()
                .filter_map(|e| e.get(id_field).and_then(toml::Value::as_str).map(str::to_owned))
                .collect(),
            None => Vec::new(),
        };
        let merchant = match &raw.merchant {
            None => merchants.first().cloned().ok_or_else(|| err(format!("there is no [[{product}]] merchant to link to")))?,
            Some(m) if merchants.contains(m) => m.clone(),
            Some(m) => return Err(err(format!("merchant {m:?} is not the {id_field} of any [[{product}]] entry (known: {merchants:?})"))),
        };
        let (token, refresh_token, provider_ref) = if tokens_allowed {
            let token =
                raw.token.clone().unwrap_or_else(|| format!("seed-{product}-{merchant}-{phone}"));
            let provider_ref =
                raw.provider_ref.clone().unwrap_or_else(|| format!("{provider_ref_prefix}{phone}"));
            check_token("token", &token).map_err(err)?;
            if let Some(refresh) = &raw.refresh_token {
                check_token("refresh_token", refresh).map_err(err)?;
            }
            check_token("provider_ref", &provider_ref).map_err(err)?;
            (Some(token), raw.refresh_token.clone(), Some(provider_ref))
        } else {
            if raw.token.is_some() || raw.refresh_token.is_some() || raw.provider_ref.is_some() {
                return Err(err(format!(
                    "{product} links carry no token, refresh_token or provider_ref: remove them"
                )));
            }
            (None, None, None)
        };
        for t in token.iter().chain(refresh_token.iter()) {
            if !tokens.insert(t.clone()) {
                return Err(err(format!("token {t:?} is already used by another binding: every seeded token must be unique")));
            }
        }
        if let Some(other) =
            out.iter().find(|b| b.product == product && b.merchant == merchant && b.phone == phone)
        {
            return Err(err(format!(
                "{phone} is already linked to {product} merchant {} by an earlier entry",
                other.merchant
            )));
        }
        if provider_ref.is_some()
            && out.iter().any(|b| b.product == product && b.provider_ref == provider_ref)
        {
            return Err(err(format!(
                "provider_ref {:?} is already used by another {product} binding",
                provider_ref.unwrap_or_default()
            )));
        }
        out.push(SeedBinding {
            product: product.to_owned(),
            phone,
            merchant,
            token,
            refresh_token,
            provider_ref,
        });
    }
    Ok(out)
}
