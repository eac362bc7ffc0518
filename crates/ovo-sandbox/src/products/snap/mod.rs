//! The SNAP BI (ASPI) common layer, shared by the SNAP products (OVO SNAP, DOKU SNAP), written
//! from `shared/providers/snap-standard.md`. Nothing here is OVO-specific.
//!
//! API:
//! - Signatures: [`body_hash`], [`minify`], [`symmetric_string_to_sign`], [`hmac_signature`],
//!   [`verify_symmetric`] (tries the body variants of §6.1), [`parse_public_key`] (PKCS#1 or
//!   SPKI PEM), [`verify_token_signature`] (`clientId|X-TIMESTAMP`, SHA256withRSA, §5) and
//!   [`verify_rsa_sha256`] (any string, e.g. the asymmetric notification form of §7).
//! - Time: [`parse_timestamp`] (`Z` or offset, with or without fraction, §3), [`within_skew`],
//!   [`format_timestamp`] (`yyyy-MM-ddTHH:mm:ss.SSS+07:00`), [`wib_date`].
//! - Tokens: [`TokenStore`] issues random tokens that expire after a *scaled* lifetime
//!   ([`B2B_LIFETIME`], [`B2B2C_LIFETIME`], [`REFRESH_LIFETIME`]).
//! - Idempotency: [`ExternalIds`], `X-EXTERNAL-ID` unique per (partner, WIB date) (§10).
//! - Responses: [`SnapError`] and [`ok`], `{"responseCode":"2005400","responseMessage":…}` (§8).
//! - Money: [`parse_amount`] / [`amount`], `{"value":"10000.00","currency":"IDR"}` ↔ integer rupiah (§9.1).
//! - What both SNAP products do alike: [`RefundRules`], [`Refund`] and its history entry,
//!   [`check_new_refund`], customer tokens tied to a binding ([`TokenStore::binding_of`]),
//!   [`seed_links`], [`merchant_public_key`], [`Backdate`] and [`unknown_notified`].

pub mod sign;
pub mod wire;

pub use sign::*;
pub use wire::*;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::Rng;
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::core::bindings::SEEDED_TOKEN_LIFETIME;
use crate::core::clock::from_unix_millis;
use crate::core::import::{cash_split, ImportedRefund};
use crate::core::time_scale::TimeScale;
use crate::core::wallets::Split;
use crate::core::writes::WriteKind;
use crate::core::Ctx;

// ---------------------------------------------------------------------------------------------
// Tokens

/// B2B access token: 15 minutes (§4.1).
pub const B2B_LIFETIME: Duration = Duration::from_secs(900);
/// B2B2C access token in the simulator: 900 s (house default, `ovo-snap.md` §5).
pub const B2B2C_LIFETIME: Duration = Duration::from_secs(900);
/// B2B2C refresh token in the simulator: 30 days (house default).
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a token lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck<T> {
    Valid(T),
    Expired,
    Unknown,
}

/// Random bearer tokens with a scaled lifetime, each carrying `T` (e.g. the client id).
#[derive(Debug)]
pub struct TokenStore<T> {
    tokens: HashMap<String, (Instant, T)>,
}

impl<T> Default for TokenStore<T> {
    fn default() -> Self {
        TokenStore { tokens: HashMap::new() }
    }
}

/// A random token of `len` characters `[A-Za-z0-9]`.
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl<T: Clone> TokenStore<T> {
    /// Issues a token that expires after `scale.scaled(lifetime)`.
    pub fn issue(&mut self, scale: TimeScale, lifetime: Duration, data: T) -> String {
        let now = Instant::now();
        self.tokens.retain(|_, (expires, _)| *expires > now);
        let token = random_token(48);
        self.tokens.insert(token.clone(), (now + scale.scaled(lifetime), data));
        token
    }

    /// Stores a token chosen elsewhere (a seeded demo token) for `lifetime`, real time: not
    /// scaled, so a static token outlives any time scale.
    pub fn insert(&mut self, token: String, lifetime: Duration, data: T) {
        let now = Instant::now();
        let expires =
            now.checked_add(lifetime).unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
        self.tokens.insert(token, (expires, data));
    }

    pub fn check(&self, token: &str) -> TokenCheck<T> {
        match self.tokens.get(token) {
            Some((expires, data)) if *expires > Instant::now() => TokenCheck::Valid(data.clone()),
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    /// Removes a token (one-time tokens), returning its data if it was still valid.
    pub fn take(&mut self, token: &str) -> Option<T> {
        let (expires, data) = self.tokens.remove(token)?;
        (expires > Instant::now()).then_some(data)
    }

    pub fn revoke_where(&mut self, mut doomed: impl FnMut(&T) -> bool) {
        self.tokens.retain(|_, (_, data)| !doomed(data));
    }

    /// The still-valid tokens whose data passes `pred`.
    pub fn valid_where(&self, mut pred: impl FnMut(&T) -> bool) -> Vec<String> {
        let now = Instant::now();
        self.tokens
            .iter()
            .filter(|(_, (expires, data))| *expires > now && pred(data))
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Makes every token expired now (they answer `Expired`, not `Unknown`).
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for (expires, _) in self.tokens.values_mut() {
            *expires = now;
        }
    }

    pub fn clear(&mut self) {
        self.tokens.clear();
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotency

/// `X-EXTERNAL-ID` uniqueness per (partner, WIB calendar date) (§10).
#[derive(Debug, Default)]
pub struct ExternalIds {
    seen: HashSet<(String, NaiveDate, String)>,
}

impl ExternalIds {
    /// Records the id; false if the partner already used it on this WIB date.
    pub fn claim(&mut self, partner: &str, external_id: &str, now: DateTime<Utc>) -> bool {
        let today = wib_date(now);
        self.seen.retain(|(_, date, _)| *date >= today.pred_opt().unwrap_or(today));
        self.seen.insert((partner.to_owned(), today, external_id.to_owned()))
    }

    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

// ---------------------------------------------------------------------------------------------
// What the SNAP products keep alike beyond the standard: the refund rules a merchant entry sets
// (HD 1), refunds and their history, customer tokens tied to a binding, seeded links, the
// merchant's token-signature key, backdating and the answer to an unknown-reference notification.

/// (client id, binding id): whom a customer token acts for.
pub type CustomerRef = (String, String);

/// The refund rules of a SNAP merchant entry (HD 1), read with the entry's other fields; by
/// default 60 days, partial refunds allowed, no daily limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RefundRules {
    /// Refunds allowed while today_WIB ≤ paid_date_WIB + window.
    pub refund_window_days: u32,
    pub partial_refund: bool,
    /// IDR summed over refunds submitted on one WIB date; absent = no limit.
    pub daily_refund_limit_idr: Option<i64>,
}

impl Default for RefundRules {
    fn default() -> Self {
        RefundRules { refund_window_days: 60, partial_refund: true, daily_refund_limit_idr: None }
    }
}

/// A refund a SNAP product recorded.
#[derive(Debug, Clone)]
pub struct Refund {
    pub refund_no: String,
    pub partner_refund_no: String,
    pub amount: i64,
    /// What went back to OVO Cash and OVO Points.
    pub split: Split,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl Refund {
    /// An imported refund, as the provider numbered it (`refund_no`): all cash.
    pub fn imported(r: &ImportedRefund, refund_no: String) -> Refund {
        Refund {
            refund_no,
            partner_refund_no: r.reference.clone(),
            amount: r.amount,
            split: cash_split(r.amount),
            reason: None,
            at: from_unix_millis(r.at),
        }
    }

    /// One `refundHistory` entry of a status answer (house decision 4: both reference keys).
    pub fn history_entry(&self) -> Value {
        json!({
            "refundNo": self.refund_no,
            "partnerReferenceNo": self.partner_refund_no,
            "partnerRefundNo": self.partner_refund_no,
            "refundAmount": amount(self.amount),
            "refundStatus": "00",
            "refundDate": format_timestamp_seconds(self.at),
        })
    }
}

/// A new refund request's checks before its payment is looked at. A partnerRefundNo already
/// processed is never processed again (snap-standard §10): the same request (same payment and
/// amount) is a duplicate, counted as a replayed write; other parameters an inconsistent
/// request. `payments` are the merchant's, as (partnerReferenceNo, refunds); answers the IDR
/// their refunds came to on WIB date `day` (HD 1's daily limit).
pub fn check_new_refund<'a>(
    ctx: &Ctx,
    product: &'static str,
    payments: impl Iterator<Item = (&'a str, &'a [Refund])> + Clone,
    partner_refund_no: &str,
    original: &str,
    refund_amount: i64,
    day: NaiveDate,
) -> Result<i64, SnapError> {
    let earlier = payments.clone().find_map(|(partner_reference_no, refunds)| {
        refunds
            .iter()
            .find(|r| r.partner_refund_no == partner_refund_no)
            .map(|r| partner_reference_no == original && r.amount == refund_amount)
    });
    match earlier {
        Some(true) => {
            ctx.writes().replayed(product, WriteKind::Refund, partner_refund_no);
            Err(SnapError::new(409, "01", "Duplicate partnerRefundNo"))
        }
        Some(false) => Err(SnapError::new(404, "18", "Inconsistent Request")),
        None => {
            let refunds = payments.flat_map(|(_, refunds)| refunds);
            Ok(refunds.filter(|r| wib_date(r.at) == day).map(|r| r.amount).sum())
        }
    }
}

impl TokenStore<CustomerRef> {
    /// The binding a still-valid `token` of `client` acts for, if `live` holds for it.
    pub fn binding_of(
        &self,
        token: &str,
        client: &str,
        live: impl FnOnce(&str) -> bool,
    ) -> Option<String> {
        match self.check(token) {
            TokenCheck::Valid((c, binding)) if c == client && live(&binding) => Some(binding),
            _ => None,
        }
    }
}

/// A seeded link (`[[bindings]]` with a binding id) whose tokens are stored.
#[derive(Debug, Clone)]
pub struct SeededLink {
    /// The binding id.
    pub id: String,
    pub client_id: String,
    /// Canonical `62…`.
    pub phone: String,
}

/// `[[bindings]]` of `product`: their customer `token` and `refresh_token` go to `customer` /
/// `refresh`, for ten (unscaled) years; the links are for the product to record.
pub fn seed_links(
    ctx: &Ctx,
    product: &str,
    customer: &mut TokenStore<CustomerRef>,
    refresh: &mut TokenStore<CustomerRef>,
) -> Vec<SeededLink> {
    let mut links = Vec::new();
    for seed in ctx.merchants().bindings(product) {
        let Some(id) = seed.provider_ref.clone() else { continue };
        let owner = (seed.merchant.clone(), id.clone());
        if let Some(token) = &seed.token {
            customer.insert(token.clone(), SEEDED_TOKEN_LIFETIME, owner.clone());
        }
        if let Some(token) = &seed.refresh_token {
            refresh.insert(token.clone(), SEEDED_TOKEN_LIFETIME, owner);
        }
        links.push(SeededLink { id, client_id: seed.merchant.clone(), phone: seed.phone.clone() });
    }
    links
}

/// What the control API answers after notifying a partnerReferenceNo the provider never saw.
pub fn unknown_notified(product: &str, partner_reference_no: &str, reference_no: &str) -> Value {
    json!({ "product": product, "partnerReferenceNo": partner_reference_no, "referenceNo": reference_no })
}

/// The key that verifies a merchant's token requests, from its `merchant_public_key` PEM; None
/// (logged) when it does not parse.
pub fn merchant_public_key(product: &str, client_id: &str, pem: &str) -> Option<RsaPublicKey> {
    parse_public_key(pem)
        .map_err(|e| tracing::warn!(product, client_id, error = %e, "merchant_public_key unusable"))
        .ok()
}

/// A control request that moves a payment `days` into the past (refund-window drills).
#[derive(Debug, Deserialize)]
pub struct Backdate {
    pub days: i64,
}

impl Backdate {
    /// Moves a payment's creation and success instants back.
    pub fn apply(&self, created_at: &mut DateTime<Utc>, paid_at: &mut Option<DateTime<Utc>>) {
        let shift = TimeDelta::days(self.days);
        *created_at -= shift;
        *paid_at = paid_at.map(|at| at - shift);
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;
    use sha2::Sha256;

    use super::*;

    fn signs(secret: &str, path: &str, token: &str, body: &str, ts: &str) -> (String, String) {
        let hash = body_hash(body.as_bytes());
        (
            hash.clone(),
            hmac_signature(secret, &symmetric_string_to_sign("POST", path, token, &hash, ts)),
        )
    }

    #[test]
    fn v1_empty_body_hash() {
        // snap-standard.md §12 V1 (published, IFP-BAL).
        assert_eq!(
            body_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn v2_doku_binding_signature() {
        // snap-standard.md §12 V2 (computed locally).
        let body = r#"{"phoneNo":"6281288932399","additionalInfo":{"channel":"EMONEY_OVO_SNAP","custIdMerchant":"CUST-001","successRegistrationUrl":"https://merchant.example/success","failedRegistrationUrl":"https://merchant.example/failed"}}"#;
        let (path, token, ts) = (
            "/direct-debit/core/v1/registration-account-binding",
            "eyJhbGciOiJSUzI1NiJ9.test.token",
            "2024-01-01T10:00:00+07:00",
        );
        let (hash, sig) = signs("SK-test-secret", path, token, body, ts);
        assert_eq!(hash, "2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4");
        let expected = "jwXZTNLzT8EchxCP7d9ByeWXsqC/GP5Za87GGl6/66Z8o7UXENlce7OgFLfE3ZnPvrCts1wIfxxC4fK8TQBgIw==";
        assert_eq!(sig, expected);
        assert_eq!(
            verify_symmetric("SK-test-secret", "POST", path, token, body.as_bytes(), ts, expected),
            Some(BodyForm::Raw)
        );
    }

    #[test]
    fn v3_ovo_payment_signature_and_a_corrupted_byte() {
        // snap-standard.md §12 V3 (computed locally).
        let body = r#"{"partnerReferenceNo":"INV-20240101-0001","amount":{"value":"10000.00","currency":"IDR"}}"#;
        let (path, token, ts) = (
            "/OVOSNAP/v2.0/debit/payment-host-to-host",
            "testAccessToken123",
            "2024-01-01T10:00:00.000+07:00",
        );
        let expected = "FZBHyE19ezY5YMrnEc4cJh0N3lRjyWrK0ad+PXJqbSswsZ5WpwyQlgFB4SZq9RSwmUDshBAGNZt2ps5aqP8Ffg==";
        let (hash, sig) = signs("testClientSecret", path, token, body, ts);
        assert_eq!(hash, "bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f");
        assert_eq!(
            symmetric_string_to_sign("POST", path, token, &hash, ts),
            "POST:/OVOSNAP/v2.0/debit/payment-host-to-host:testAccessToken123:bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f:2024-01-01T10:00:00.000+07:00"
        );
        assert_eq!(sig, expected);
        let verify = |body: &str, sig: &str| {
            verify_symmetric("testClientSecret", "POST", path, token, body.as_bytes(), ts, sig)
        };
        assert_eq!(verify(body, expected), Some(BodyForm::Raw));
        // A corrupted byte in the body, and in the signature, fails.
        assert_eq!(verify(&body.replace("10000.00", "10001.00"), expected), None);
        assert_eq!(verify(body, &expected.replacen('F', "G", 1)), None);
        // Hex encoding of the same MAC is tolerated.
        let hex_sig =
            hex::encode(base64::engine::general_purpose::STANDARD.decode(expected).unwrap());
        assert_eq!(verify(body, &hex_sig), Some(BodyForm::Raw));
        // The pretty-printed body of the same request verifies through its minified form.
        let pretty = "{\n  \"partnerReferenceNo\": \"INV-20240101-0001\",\n  \"amount\": {\"value\": \"10000.00\", \"currency\": \"IDR\"}\n}";
        assert_eq!(verify(pretty, expected), Some(BodyForm::Minified));
    }

    #[test]
    fn v4_empty_token_form() {
        // snap-standard.md §12 V4 (computed locally): note the two consecutive colons.
        let (path, ts) = (
            "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
            "2024-01-01T10:00:00.000+07:00",
        );
        let body = r#"{"phoneNo":"6281234567890"}"#;
        let (hash, sig) = signs("testClientSecret", path, "", body, ts);
        assert_eq!(hash, "cdbcd8ae56d434f01396cc629642ec079e33fc414eedf7e619f66158fe0ff455");
        assert!(symmetric_string_to_sign("POST", path, "", &hash, ts).contains("binding::cdbc"));
        let expected = "Zr9eqTag1wXrfZgHnsvON/I1wnNLHr5U5L6QGexPfx0D9xCMDopIj6JKZ/LRaQjJ+pgMy3C6pFAJxi0H7qsPvQ==";
        assert_eq!(sig, expected);
        assert!(verify_symmetric(
            "testClientSecret",
            "POST",
            path,
            "",
            b"{\"phoneNo\":\"6281234567899\"}",
            ts,
            expected
        )
        .is_none());
    }

    #[test]
    fn v5_notification_signature() {
        // snap-standard.md §12 V5 (computed locally).
        let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
        let (hash, sig) = signs(
            "SK-test-secret",
            "/v1.0/debit/notify",
            "merchantIssuedToken",
            body,
            "2024-01-01T10:05:00+07:00",
        );
        assert_eq!(hash, "7720e33d0e54e536dcd2daf008737eb71a7fe55a46d1c5d13d2e947cccbc4686");
        assert_eq!(sig, "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==");
    }

    #[test]
    fn escaped_slash_variant() {
        let (secret, path, ts) = ("s", "/p", "2024-01-01T10:00:00+07:00");
        // The sender hashed `\/` (e.g. PHP without JSON_UNESCAPED_SLASHES); we received `/`.
        let sent = r#"{"url":"https:\/\/m.example\/ok"}"#;
        let (_, sig) = signs(secret, path, "t", sent, ts);
        let received = r#"{"url": "https://m.example/ok"}"#;
        assert_eq!(
            verify_symmetric(secret, "POST", path, "t", received.as_bytes(), ts, &sig),
            Some(BodyForm::EscapedSlashes)
        );
    }

    #[test]
    fn minify_keeps_strings() {
        assert_eq!(
            minify(b"{ \"a b\" : \"c \\\" d\" ,\n \"e\":[1, 2] }"),
            b"{\"a b\":\"c \\\" d\",\"e\":[1,2]}".to_vec()
        );
    }

    /// Fixed test key pair (computed locally; no provider publishes an RSA vector, §5).
    const TEST_PRIVATE: &str = include_str!("../../../tests/fixtures/snap_test_private_pkcs1.pem");
    const TEST_PUBLIC_PKCS1: &str =
        include_str!("../../../tests/fixtures/snap_test_public_pkcs1.pem");
    const TEST_PUBLIC_SPKI: &str =
        include_str!("../../../tests/fixtures/snap_test_public_spki.pem");

    #[test]
    fn token_signature_with_pkcs1_and_spki_keys() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(TEST_PRIVATE).unwrap();
        let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(private);
        let ts = "2024-01-01T10:00:00.000+07:00";
        let sig = base64::engine::general_purpose::STANDARD
            .encode(signer.sign(format!("oamerchantg|{ts}").as_bytes()).to_bytes());
        for pem in [TEST_PUBLIC_PKCS1, TEST_PUBLIC_SPKI] {
            let key = parse_public_key(pem).unwrap();
            assert!(verify_token_signature(&key, "oamerchantg", ts, &sig));
            assert!(!verify_token_signature(
                &key,
                "oamerchantg",
                "2024-01-01T10:00:00.001+07:00",
                &sig
            ));
            assert!(!verify_token_signature(&key, "oamerchanth", ts, &sig));
        }
        assert!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
        );
    }

    #[test]
    fn timestamps_in_both_forms() {
        let a = parse_timestamp("2024-01-01T10:00:00.000+07:00").unwrap();
        for same in [
            "2024-01-01T10:00:00+07:00",
            "2024-01-01T03:00:00Z",
            "2024-01-01T03:00:00.000Z",
            "2024-01-01T03:00:00.000000000Z",
        ] {
            assert_eq!(parse_timestamp(same), Some(a), "{same}");
        }
        for bad in [
            "20240101T10:00:00.000+07:00",
            "2024-01-01 10:00:00+07:00",
            "2024-01-01T10:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(format_timestamp(a), "2024-01-01T10:00:00.000+07:00");
        assert!(within_skew(a, a + chrono::TimeDelta::seconds(299), SKEW));
        assert!(!within_skew(a, a - chrono::TimeDelta::seconds(301), SKEW));
        // README HD1 worked example: 2024-01-01T17:30:00Z is 2024-01-02 in WIB.
        let paid = parse_timestamp("2024-01-01T17:30:00Z").unwrap();
        assert_eq!(wib_date(paid), NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
    }

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount(Some(&json!({"value":"10000.00","currency":"IDR"})), "amount"),
            Ok(10_000)
        );
        assert_eq!(amount(10_000), json!({"value":"10000.00","currency":"IDR"}));
        for bad in [
            json!({"value":"10000","currency":"IDR"}),
            json!({"value":"10000.50","currency":"IDR"}),
            json!({"value":"1e4.00","currency":"IDR"}),
        ] {
            assert_eq!(
                parse_amount(Some(&bad), "amount").map_err(|e| e.code("54")),
                Err("4005401".into()),
                "{bad}"
            );
        }
        assert_eq!(
            parse_amount(Some(&json!({"value":"1.00","currency":"USD"})), "amount")
                .map_err(|e| e.code("54")),
            Err("4005401".into())
        );
        assert_eq!(parse_amount(None, "amount").map_err(|e| e.code("54")), Err("4005402".into()));
    }

    #[test]
    fn tokens_expire_on_the_scaled_clock_and_external_ids_are_daily() {
        let mut store = TokenStore::default();
        let fast = TimeScale::parse("0.000001").unwrap();
        let t = store.issue(fast, Duration::from_secs(1), "client");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.check(&t), TokenCheck::Expired);
        assert_eq!(store.check("nope"), TokenCheck::Unknown);
        let t = store.issue(TimeScale::REAL, B2B_LIFETIME, "client");
        assert_eq!(store.check(&t), TokenCheck::Valid("client"));
        let mut ids = ExternalIds::default();
        let now = parse_timestamp("2024-01-01T16:59:00Z").unwrap();
        assert!(ids.claim("p", "1", now));
        assert!(!ids.claim("p", "1", now));
        assert!(ids.claim("q", "1", now));
        // 17:00Z is midnight WIB: a new day.
        assert!(ids.claim("p", "1", now + chrono::TimeDelta::minutes(1)));
        assert_eq!(bearer("Bearer abc"), "abc");
        assert_eq!(bearer("bearer  abc "), "abc");
        assert_eq!(bearer("abc"), "abc");
    }
}
