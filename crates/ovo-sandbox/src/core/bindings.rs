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
use std::time::Duration;

use serde::Deserialize;

use super::wallets::Account;
use crate::products::{doku_snap, faspay, ovo_snap};

/// Seeded tokens are static demo values: they live (unscaled) for ten years.
pub const SEEDED_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The products whose accounts can be linked, with the field that names their merchants and
/// whether a link carries customer tokens and a binding id.
const LINKABLE: [(&str, &str, bool); 3] = [
    (ovo_snap::KEY, "client_id", true),
    (doku_snap::KEY, "client_id", true),
    (faspay::KEY, "merchant_id", false),
];

/// Products the sandbox serves without an account binding.
const NOT_LINKABLE: [&str; 2] = ["doku_jokul_ovo_push", "tazapay_ovo_idr"];

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
    /// `ovo_snap`, `doku_snap_ovo` or `faspay_ovo_tokenize`.
    pub product: String,
    /// Canonical `62…`.
    pub phone: String,
    /// The merchant's `client_id` (SNAP) or `merchant_id` (Faspay); the product's first by default.
    pub merchant: String,
    /// The customer (B2B2C) access token (SNAP products); `seed-{product}-{merchant}-{phone}` by default.
    pub token: Option<String>,
    /// The refresh token (SNAP products); none by default.
    pub refresh_token: Option<String>,
    /// The binding id (OVO SNAP `referenceNo`, DOKU SNAP binding `referenceNo`): `LNKSEED{phone}`
    /// (OVO SNAP) or `SEED{phone}` (DOKU SNAP) by default.
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

/// Checks `[[bindings]]` against the rest of the file; `accounts` are every OVO account the
/// sandbox starts with (seed accounts and `[[accounts]]`).
pub fn parse(table: &toml::Table, accounts: &[Account]) -> Result<Vec<SeedBinding>, String> {
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
        let Some(&(product, id_field, tokens_allowed)) =
            LINKABLE.iter().find(|(key, _, _)| *key == raw.product)
        else {
            let known: Vec<&str> = LINKABLE.iter().map(|(key, _, _)| *key).collect();
            return Err(err(if NOT_LINKABLE.contains(&raw.product.as_str()) {
                format!(
                    "{} has no account binding; products that link accounts: {known:?}",
                    raw.product
                )
            } else {
                format!("unknown product {:?}; products that link accounts: {known:?}", raw.product)
            }));
        };
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
            let provider_ref = raw.provider_ref.clone().unwrap_or_else(|| match product {
                ovo_snap::KEY => format!("LNKSEED{phone}"),
                _ => format!("SEED{phone}"),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::wallets::seed_accounts;

    fn parse_text(text: &str) -> Result<Vec<SeedBinding>, String> {
        parse(&text.parse::<toml::Table>().unwrap(), &seed_accounts())
    }

    const MERCHANTS: &str = "[[ovo_snap]]\nclient_id = \"A\"\n[[ovo_snap]]\nclient_id = \"B\"\n[[faspay_ovo_tokenize]]\nmerchant_id = \"99999\"\n";

    #[test]
    fn defaults_are_filled_in() {
        let text = format!("{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"081234567890\"\n[[bindings]]\nproduct = \"faspay_ovo_tokenize\"\nphone = \"6281382826301\"\n");
        let b = parse_text(&text).unwrap();
        assert_eq!(b[0].phone, "6281234567890");
        assert_eq!(b[0].merchant, "A");
        assert_eq!(b[0].token.as_deref(), Some("seed-ovo_snap-A-6281234567890"));
        assert_eq!(b[0].provider_ref.as_deref(), Some("LNKSEED6281234567890"));
        assert_eq!((b[1].merchant.as_str(), b[1].token.as_ref()), ("99999", None));
    }

    #[test]
    fn the_demo_file_links_four_accounts() {
        let demo = crate::Merchants::parse(crate::DEMO_MERCHANTS).unwrap();
        let phones = |product| demo.bindings(product).map(|b| b.phone.as_str()).collect::<Vec<_>>();
        assert_eq!(phones(ovo_snap::KEY), ["6281234567890"]);
        assert_eq!(phones(doku_snap::KEY), ["6281298765432"]);
        assert_eq!(phones(faspay::KEY), ["6281382826301", "6285712345678"]);
        let budi = demo.bindings(ovo_snap::KEY).next().unwrap();
        assert_eq!(budi.token.as_deref(), Some("demo-ovosnap-b2b2c-6281234567890"));
        assert_eq!(budi.merchant, "demo-ovosnap-client");
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("product = \"gopay\"\nphone = \"6281234567890\"", "unknown product \"gopay\""),
            (
                "product = \"tazapay_ovo_idr\"\nphone = \"6281234567890\"",
                "tazapay_ovo_idr has no account binding",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"0212345678\"",
                "is not an Indonesian mobile number",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"6281100000004\"",
                "no OVO account for 6281100000004",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"6281234567890\"\nmerchant = \"C\"",
                "merchant \"C\" is not the client_id",
            ),
            (
                "product = \"doku_snap_ovo\"\nphone = \"6281234567890\"",
                "there is no [[doku_snap_ovo]] merchant",
            ),
            (
                "product = \"faspay_ovo_tokenize\"\nphone = \"6281234567890\"\ntoken = \"t\"",
                "carry no token",
            ),
            ("product = \"ovo_snap\"\nphone = \"6281234567890\"\ntoken = \"a b\"", "token must be"),
            (
                "product = \"ovo_snap\"\nphone = \"6281234567890\"\ntokn = \"x\"",
                "unknown field `tokn`",
            ),
        ];
        for (entry, want) in cases {
            let e = parse_text(&format!("{MERCHANTS}[[bindings]]\n{entry}\n")).unwrap_err();
            assert!(e.contains(want), "{entry}: {e}");
        }
        let twice = format!(
            "{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281234567890\"\ntoken = \"T\"\n\
             [[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281298765432\"\nmerchant = \"B\"\nrefresh_token = \"T\"\n"
        );
        assert!(parse_text(&twice)
            .unwrap_err()
            .contains("#2 (ovo_snap 6281298765432): token \"T\" is already used"));
        let same = format!("{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281234567890\"\n[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"081234567890\"\ntoken = \"X\"\n");
        assert!(parse_text(&same).unwrap_err().contains("already linked"));
    }
}
