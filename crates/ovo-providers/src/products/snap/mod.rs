//! The SNAP BI (ASPI) layer DOKU SNAP and OVO SNAP share, written from
//! `shared/providers/snap-standard.md` (cited as §n): timestamps (§3), the asymmetric token
//! signature (§5), the symmetric transaction signature (§6), body hashing and its receiver
//! variants (§6.1), `X-EXTERNAL-ID` (§10), response codes into error classes (§8), inbound
//! notification verification (§7), and a session that caches the B2B token (§4.1) and asks
//! for B2B2C tokens (§4.2). Nothing here is specific to one provider: paths, header choices
//! and the timestamp form come in a [`SnapProfile`].

use std::borrow::Cow;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use ovo_domain::{Idr, Product, Timestamp};
use ovo_secrets::Sensitive;
use rand::Rng;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::capability::Operation;
use crate::error::{ProviderError, ProviderResult, UnknownCause};
use crate::model::{RefundState, Split};
use crate::transport::{Call, Effect, Reply, Transport};
use crate::wire::SnapAmount;

// ---------------------------------------------------------------------------------------------
// Timestamps (§3)

/// The `X-TIMESTAMP` form a provider is sent (house decision 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampStyle {
    /// `2024-01-01T10:00:00+07:00` (DOKU).
    Offset,
    /// `2024-01-01T10:00:00.000+07:00` (OVO).
    OffsetMillis,
}

/// Renders an instant in WIB (`+07:00`) in the given form.
pub fn format_timestamp(at: OffsetDateTime, style: TimestampStyle) -> String {
    let t = at.to_offset(ovo_domain::WIB);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    match style {
        TimestampStyle::Offset => format!("{base}+07:00"),
        TimestampStyle::OffsetMillis => format!("{base}.{:03}+07:00", t.millisecond()),
    }
}

/// Now, in the given form: generated immediately before signing (§3).
pub fn now_timestamp(style: TimestampStyle) -> String {
    format_timestamp(OffsetDateTime::now_utc(), style)
}

/// Receivers accept `Z` or `±hh:mm`, with or without a fraction of 1–9 digits (§3).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

// ---------------------------------------------------------------------------------------------
// Signatures (§5, §6)

/// `SHA-256("")`, the hash of an empty body (§6.2, vector V1).
pub const EMPTY_BODY_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// `lowercase(hex(SHA-256(body)))` over the exact bytes sent (§6, §6.1).
pub fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// `METHOD:path:token:bodyHash:timestamp` (§6); an empty token leaves two colons (V4).
pub fn string_to_sign(
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    format!("{}:{path}:{token}:{}:{timestamp}", method.to_ascii_uppercase(), body_hash(body))
}

fn hmac_sha512(secret: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; the error branch cannot happen.
    match Hmac::<Sha512>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// `base64(HMAC-SHA512(clientSecret, stringToSign))` (§6).
pub fn symmetric_signature(
    secret: &[u8],
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    BASE64.encode(hmac_sha512(
        secret,
        string_to_sign(method, path, token, body, timestamp).as_bytes(),
    ))
}

/// `clientId|X-TIMESTAMP`, signed for the token calls (§5).
pub fn token_string_to_sign(client_id: &str, timestamp: &str) -> String {
    format!("{client_id}|{timestamp}")
}

/// The partner's RSA private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY` PEM).
/// Its `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct SigningKey(RsaPrivateKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// Parses PKCS#1 or PKCS#8 PEM. The error names the forms tried, never the key.
    pub fn from_pem(pem: &str) -> Result<SigningKey, String> {
        let pem = pem.trim();
        RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map(SigningKey)
            .map_err(|_| "the private key is neither PKCS#1 nor PKCS#8 RSA PEM".to_owned())
    }

    /// `base64(RSASSA-PKCS1-v1_5(SHA-256, key, message))`: "SHA256withRSA".
    pub fn sign(&self, message: &[u8]) -> Result<String, String> {
        let digest = Sha256::digest(message);
        self.0
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map(|s| BASE64.encode(s))
            .map_err(|e| format!("RSA signing failed: {e}"))
    }

    pub fn public_key(&self) -> RsaPublicKey {
        self.0.to_public_key()
    }
}

/// A provider's public key: PKCS#1 `RSA PUBLIC KEY` or SPKI `PUBLIC KEY` PEM.
pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    let pem = pem.trim();
    RsaPublicKey::from_pkcs1_pem(pem)
        .or_else(|_| RsaPublicKey::from_public_key_pem(pem))
        .map_err(|_| "the public key is neither PKCS#1 nor SPKI RSA PEM".to_owned())
}

/// Verifies a base64 SHA256withRSA signature.
pub fn verify_rsa(key: &RsaPublicKey, message: &[u8], signature_b64: &str) -> bool {
    let Ok(signature) = BASE64.decode(signature_b64.trim()) else { return false };
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), &signature).is_ok()
}

// ---------------------------------------------------------------------------------------------
// X-EXTERNAL-ID (§10)

/// 36 numeric characters: 13-digit Unix milliseconds + 23 random digits (§10 house default).
pub fn generate_external_id() -> String {
    let millis = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let mut rng = rand::thread_rng();
    let random: String = (0..23).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
    format!("{millis:013}{random}")
}

/// The `X-EXTERNAL-ID` for a caller's idempotency key: the key itself when it already is
/// 1–36 digits, else 36 digits derived from it deterministically, so that a retry under the
/// same key sends the same id (§10: a byte-identical retry within the same WIB day).
pub fn external_id_for(idempotency_key: &str) -> String {
    let key = idempotency_key.trim();
    if !key.is_empty() && key.len() <= 36 && key.bytes().all(|b| b.is_ascii_digit()) {
        return key.to_owned();
    }
    let digest = Sha512::digest(key.as_bytes());
    digest.iter().take(36).map(|b| char::from(b'0' + b % 10)).collect()
}

/// The `X-EXTERNAL-ID` of a money-moving call on the WIB day of `at`: the same for a resend
/// under the same key on the same WIB day, a new one after midnight WIB (§10 step 2), while
/// the `partnerReferenceNo` / `partnerRefundNo` in the body stays the same.
pub fn daily_external_id(idempotency_key: &str, at: OffsetDateTime) -> String {
    external_id_for(&format!("{idempotency_key}@{}", at.to_offset(ovo_domain::WIB).date()))
}

// ---------------------------------------------------------------------------------------------
// Response codes (§8)

/// `responseCode`: HTTP status (3) + service code (2) + case code (2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCode {
    pub raw: String,
    pub http: u16,
    pub service: String,
    pub case: String,
}

impl ResponseCode {
    pub fn parse(text: &str) -> Option<ResponseCode> {
        let text = text.trim();
        if text.len() != 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ResponseCode {
            raw: text.to_owned(),
            http: text[..3].parse().ok()?,
            service: text[3..5].to_owned(),
            case: text[5..].to_owned(),
        })
    }

    pub fn is(&self, http: u16, case: &str) -> bool {
        self.http == http && self.case == case
    }

    pub fn class(&self) -> SnapClass {
        classify(self.http, Some(&self.case))
    }
}

/// Whether `error` is the provider refusing a customer token (`401xx02`, `401xx04`), on a
/// call or on renewing it.
pub fn customer_token_refused(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Authentication { code, .. }
        if ResponseCode::parse(code).is_some_and(|c| c.class() == SnapClass::CustomerToken))
}

/// The client classification of §8.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapClass {
    Success,
    InProgress,
    /// `400xx..`
    InvalidRequest,
    /// `401xx01`, `401xx03`: renew the B2B token and retry once.
    B2bToken,
    /// `401xx02`, `401xx04`: the customer token.
    CustomerToken,
    /// `401xx00` and other 401s: configuration (signature, unknown client).
    Unauthorized,
    /// `403xx..`, `404xx..`, `405xx..`: final for this attempt.
    Declined,
    /// `409xx00`: the same `X-EXTERNAL-ID` reached the provider already.
    DuplicateRequest,
    /// `409xx01`: the same `partnerReferenceNo` exists.
    DuplicateReference,
    /// `429xx00`
    Throttled,
    /// `5xx`: outcome unknown.
    ProviderError,
    /// Anything else.
    Unrecognised,
}

/// By HTTP status and case code, never by message text (§8.1).
pub fn classify(http: u16, case: Option<&str>) -> SnapClass {
    match (http, case) {
        (200, Some("00")) | (200, None) => SnapClass::Success,
        (202, _) => SnapClass::InProgress,
        (400, _) => SnapClass::InvalidRequest,
        (401, Some("01" | "03")) => SnapClass::B2bToken,
        (401, Some("02" | "04")) => SnapClass::CustomerToken,
        (401, _) => SnapClass::Unauthorized,
        (403..=405, _) => SnapClass::Declined,
        (409, Some("01")) => SnapClass::DuplicateReference,
        (409, _) => SnapClass::DuplicateRequest,
        (429, _) => SnapClass::Throttled,
        (500..=599, _) => SnapClass::ProviderError,
        _ => SnapClass::Unrecognised,
    }
}

/// The error for a non-success SNAP answer, keeping the provider's code and message.
pub fn snap_error(
    product: Product,
    call: Call,
    code: &str,
    message: &str,
    http_status: u16,
) -> ProviderError {
    let parsed = ResponseCode::parse(code);
    let class = match &parsed {
        Some(c) => c.class(),
        None => classify(http_status, None),
    };
    let (code, message) = (code.to_owned(), message.to_owned());
    let unknown = |cause| match call.effect {
        Effect::Write => {
            ProviderError::UnknownOutcome { product, operation: call.operation, cause }
        }
        Effect::Read => ProviderError::Unavailable { product, status: http_status.max(500) },
    };
    match class {
        SnapClass::InvalidRequest => ProviderError::InvalidRequest { product, code, message },
        SnapClass::B2bToken | SnapClass::CustomerToken | SnapClass::Unauthorized => {
            ProviderError::Authentication { product, code, message }
        }
        SnapClass::Declined => ProviderError::Declined { product, code, message },
        // §10 steps 3-4: the original request reached the provider; only a status query decides.
        SnapClass::DuplicateRequest | SnapClass::DuplicateReference => match call.effect {
            Effect::Write => ProviderError::UnknownOutcome {
                product,
                operation: call.operation,
                cause: UnknownCause::ServerError { status: 409 },
            },
            Effect::Read => ProviderError::InvalidRequest { product, code, message },
        },
        SnapClass::Throttled => ProviderError::Unavailable { product, status: 429 },
        SnapClass::ProviderError => {
            unknown(UnknownCause::ServerError { status: parsed.map_or(http_status, |c| c.http) })
        }
        SnapClass::Success | SnapClass::InProgress | SnapClass::Unrecognised => {
            unknown(UnknownCause::MalformedReply {
                detail: format!("unrecognised responseCode {code:?} ({message})"),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Body minification variants (§6.1) and inbound verification (§7)

/// Removes whitespace outside strings, keeping key order and every value.
pub fn minify_json(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in body.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The bodies a receiver hashes, in order: raw, re-minified, minified with `/` escaped.
pub fn body_variants(body: &str) -> Vec<Cow<'_, str>> {
    let mut variants = vec![Cow::Borrowed(body)];
    let minified = minify_json(body);
    if minified != body {
        variants.push(Cow::Owned(minified.clone()));
    }
    if minified.contains('/') {
        variants.push(Cow::Owned(minified.replace("\\/", "/").replace('/', "\\/")));
    }
    variants
}

/// The signature's bytes: base64, or hex when it is all hex digits of the right length.
fn decode_signature(signature: &str) -> Option<Vec<u8>> {
    let s = signature.trim();
    if s.len() == 128 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(s).ok();
    }
    BASE64.decode(s).ok()
}

/// Constant-time check of a symmetric signature (base64, or hex as some sandboxes send),
/// trying the body variants of §6.1. Returns the index of the variant that matched.
pub fn verify_symmetric(
    secret: &[u8],
    method: &str,
    path: &str,
    token: &str,
    body: &str,
    timestamp: &str,
    signature: &str,
) -> Option<usize> {
    let given = decode_signature(signature)?;
    body_variants(body).iter().position(|variant| {
        let expected = hmac_sha512(
            secret,
            string_to_sign(method, path, token, variant.as_bytes(), timestamp).as_bytes(),
        );
        bool::from(expected.ct_eq(&given))
    })
}

/// The asymmetric (ASPI) notification form: `METHOD:path:bodyHash:timestamp` (§7 recipe 2).
pub fn verify_asymmetric_notification(
    key: &RsaPublicKey,
    method: &str,
    path: &str,
    body: &str,
    timestamp: &str,
    signature: &str,
) -> Option<usize> {
    body_variants(body).iter().position(|variant| {
        let message = format!(
            "{}:{path}:{}:{timestamp}",
            method.to_ascii_uppercase(),
            body_hash(variant.as_bytes())
        );
        verify_rsa(key, message.as_bytes(), signature)
    })
}

/// Which recipe verified an inbound notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationRecipe {
    Asymmetric,
    SymmetricInboundToken,
    SymmetricEmptyToken,
}

/// §7's strategy: asymmetric when a provider key is configured, then symmetric with the
/// inbound `Authorization` token (without `Bearer `), then symmetric with an empty token.
#[allow(clippy::too_many_arguments)]
pub fn verify_notification_signature(
    secret: &[u8],
    provider_key: Option<&RsaPublicKey>,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &str,
    timestamp: &str,
    signature: &str,
) -> Option<NotificationRecipe> {
    if let Some(key) = provider_key {
        if verify_asymmetric_notification(key, method, path, body, timestamp, signature).is_some() {
            return Some(NotificationRecipe::Asymmetric);
        }
    }
    if let Some(token) = authorization.map(strip_bearer).filter(|t| !t.is_empty()) {
        if verify_symmetric(secret, method, path, token, body, timestamp, signature).is_some() {
            return Some(NotificationRecipe::SymmetricInboundToken);
        }
    }
    verify_symmetric(secret, method, path, "", body, timestamp, signature)
        .map(|_| NotificationRecipe::SymmetricEmptyToken)
}

/// `Bearer abc` → `abc` (case-insensitive prefix), else the value itself.
pub fn strip_bearer(value: &str) -> &str {
    let v = value.trim();
    match v.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => v[7..].trim(),
        _ => v,
    }
}

// ---------------------------------------------------------------------------------------------
// Wire types shared by every SNAP answer

/// An integer or a string holding one (`expiresIn`: `900` or `"900"`, house decision 4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(u64),
    Str(String),
}

impl IntOrString {
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::Str(s) => s.trim().parse().ok(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenReply {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<IntOrString>,
    access_token_expiry_time: Option<String>,
    access_token_info: Option<AccessTokenInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessTokenInfo {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<IntOrString>,
}

/// A SNAP answer: HTTP status, the parsed `responseCode` and `responseMessage`, and the body.
#[derive(Debug, Clone)]
pub struct SnapReply {
    pub status: u16,
    /// The raw `responseCode` ("" when absent).
    pub code: String,
    pub parsed: Option<ResponseCode>,
    pub message: String,
    pub body: Value,
}

impl SnapReply {
    /// Reads the envelope; an unreadable body is `MalformedReply` (reads) or an unknown
    /// outcome (writes).
    pub fn parse(transport: &Transport, call: Call, reply: &Reply) -> ProviderResult<SnapReply> {
        let body: Value = transport.json(call, reply)?;
        if !body.is_object() {
            return Err(transport.malformed(call, "the answer is not a JSON object".into()));
        }
        let code = body.get("responseCode").and_then(Value::as_str).unwrap_or_default().to_owned();
        let message =
            body.get("responseMessage").and_then(Value::as_str).unwrap_or_default().to_owned();
        if code.is_empty() && (200..300).contains(&reply.status) {
            return Err(transport.malformed(call, "missing responseCode".into()));
        }
        Ok(SnapReply {
            status: reply.status,
            parsed: ResponseCode::parse(&code),
            code,
            message,
            body,
        })
    }

    pub fn class(&self) -> SnapClass {
        match &self.parsed {
            Some(c) => c.class(),
            None => classify(self.status, None),
        }
    }

    pub fn is(&self, http: u16, case: &str) -> bool {
        self.parsed.as_ref().is_some_and(|c| c.is(http, case))
    }

    /// `Ok` for success and in-progress; the classified error otherwise.
    pub fn into_result(self, product: Product, call: Call) -> ProviderResult<SnapReply> {
        match self.class() {
            SnapClass::Success | SnapClass::InProgress => Ok(self),
            _ => Err(snap_error(product, call, &self.code, &self.message, self.status)),
        }
    }

    /// The body as a typed answer; a missing mandatory field is named in the error.
    pub fn typed<T: serde::de::DeserializeOwned>(
        &self,
        transport: &Transport,
        call: Call,
    ) -> ProviderResult<T> {
        T::deserialize(&self.body).map_err(|e| transport.malformed(call, e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------
// Session: tokens and signed calls

/// `grantType` letter case (house decision 4: DOKU lower, OVO upper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantCase {
    Lower,
    Upper,
}

impl GrantCase {
    fn render(self, grant: &str) -> String {
        match self {
            GrantCase::Lower => grant.to_ascii_lowercase(),
            GrantCase::Upper => grant.to_ascii_uppercase(),
        }
    }
}

/// What differs between SNAP providers.
#[derive(Debug, Clone)]
pub struct SnapProfile {
    pub product: Product,
    pub timestamp_style: TimestampStyle,
    pub grant_case: GrantCase,
    /// Path of the B2B token call (the B2B `grantType` is always `client_credentials`).
    pub b2b_token_path: String,
    pub b2b2c_token_path: String,
    /// `X-DEVICE-ID` on transactional calls (OVO: mandatory).
    pub device_id: Option<String>,
    /// `CHANNEL-ID` on transactional calls, when configured.
    pub channel_id: Option<String>,
    /// Read timeout of the token calls.
    pub token_timeout: Duration,
    /// Renew the B2B token when fewer than this remain (§4.1: 60 s).
    pub renew_margin: Duration,
}

/// The `Authorization` header of a transactional call; its token enters the signature.
#[derive(Debug, Clone)]
pub enum Bearer {
    /// No header; the signature uses an empty token (OVO binding, V4).
    None,
    /// The cached B2B token.
    B2b,
    Token(Sensitive<String>),
}

/// One signed transactional call.
#[derive(Debug, Clone)]
pub struct SnapRequest {
    pub call: Call,
    pub method: reqwest::Method,
    /// Path (and query, exactly as sent) after the base URL; it is signed.
    pub path: String,
    /// The exact body bytes sent and hashed.
    pub body: String,
    pub authorization: Bearer,
    /// `Authorization-Customer: Bearer <B2B2C token>`.
    pub customer: Option<Sensitive<String>>,
    /// `X-EXTERNAL-ID`; `None` draws a fresh one per attempt (reads).
    pub external_id: Option<String>,
}

/// A customer (B2B2C) token grant.
#[derive(Debug, Clone)]
pub enum CustomerGrant {
    AuthorizationCode(Sensitive<String>),
    RefreshToken(Sensitive<String>),
}

/// What the B2B2C call gave.
#[derive(Debug, Clone)]
pub struct CustomerToken {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug)]
struct CachedToken {
    token: Sensitive<String>,
    renew_at: Instant,
}

/// A merchant's SNAP session with one provider: credentials, the B2B token cache, signing.
#[derive(Debug)]
pub struct SnapSession {
    profile: SnapProfile,
    base_url: String,
    client_id: String,
    client_secret: Sensitive<String>,
    key: SigningKey,
    transport: Transport,
    b2b: tokio::sync::Mutex<Option<CachedToken>>,
}

impl SnapSession {
    pub fn new(
        profile: SnapProfile,
        base_url: &str,
        client_id: String,
        client_secret: Sensitive<String>,
        key: SigningKey,
    ) -> SnapSession {
        let transport = Transport::new(profile.product);
        SnapSession {
            profile,
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id,
            client_secret,
            key,
            transport,
            b2b: tokio::sync::Mutex::new(None),
        }
    }

    /// Trusts `roots` beside the operating system's certificate store.
    pub fn trusting(mut self, roots: &crate::transport::ExtraRoots) -> SnapSession {
        self.transport = Transport::with_roots(self.profile.product, roots);
        self
    }

    pub fn profile(&self) -> &SnapProfile {
        &self.profile
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &Sensitive<String> {
        &self.client_secret
    }

    fn product(&self) -> Product {
        self.profile.product
    }

    /// The cached B2B token, renewed when fewer than `renew_margin` remain (§4.1).
    pub async fn b2b_token(&self, operation: Operation) -> ProviderResult<Sensitive<String>> {
        let mut cached = self.b2b.lock().await;
        if let Some(c) = cached.as_ref() {
            if Instant::now() < c.renew_at {
                return Ok(c.token.clone());
            }
        }
        let body = r#"{"grantType":"client_credentials","additionalInfo":{}}"#.to_owned();
        let call = Call::read(operation, self.profile.token_timeout);
        let (reply, token) =
            self.token_call(call, &self.profile.b2b_token_path, None, body).await?;
        let lifetime = reply.expires_in.as_ref().and_then(IntOrString::as_u64).unwrap_or(900);
        let lifetime = Duration::from_secs(lifetime);
        let margin = if lifetime > self.profile.renew_margin * 2 {
            self.profile.renew_margin
        } else {
            lifetime / 2
        };
        *cached = Some(CachedToken {
            token: token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(token)
    }

    /// Asks for a new B2B token whatever the cache holds: the connection test.
    pub async fn test_b2b_token(&self) -> ProviderResult<crate::model::ConnectionProof> {
        self.invalidate_b2b().await;
        self.b2b_token(Operation::TestConnection).await?;
        Ok(crate::model::ConnectionProof {
            read: "SNAP B2B access token",
            answer: "access token issued".into(),
        })
    }

    /// Forgets the B2B token (after `401xx01`/`401xx03`).
    pub async fn invalidate_b2b(&self) {
        *self.b2b.lock().await = None;
    }

    /// Exchanges an authCode, or refreshes, for a customer token (§4.2). `authorization` is
    /// sent as `Authorization: Bearer …` where the provider wants one (OVO: the linkageToken).
    pub async fn customer_token(
        &self,
        operation: Operation,
        grant: &CustomerGrant,
        authorization: Option<&Sensitive<String>>,
    ) -> ProviderResult<CustomerToken> {
        let case = self.profile.grant_case;
        let (body, call) = match grant {
            // An authCode is single-use: the exchange is a write.
            CustomerGrant::AuthorizationCode(code) => (
                serde_json::json!({"grantType": case.render("authorization_code"), "authCode": code.expose(), "additionalInfo": {}}),
                Call::write(operation, self.profile.token_timeout),
            ),
            CustomerGrant::RefreshToken(token) => (
                serde_json::json!({"grantType": case.render("refresh_token"), "refreshToken": token.expose(), "additionalInfo": {}}),
                Call::read(operation, self.profile.token_timeout),
            ),
        };
        let (reply, access_token) = self
            .token_call(call, &self.profile.b2b2c_token_path, authorization, body.to_string())
            .await?;
        let info = reply.access_token_info.as_ref();
        let refresh = reply
            .refresh_token
            .or_else(|| info.and_then(|i| i.refresh_token.clone()))
            .map(Sensitive::new);
        let now = Timestamp::from_offset_datetime(OffsetDateTime::now_utc());
        let expires_at = match (
            reply.expires_in.as_ref().or(info.and_then(|i| i.expires_in.as_ref())),
            &reply.access_token_expiry_time,
        ) {
            (Some(secs), _) => {
                secs.as_u64().and_then(|s| i64::try_from(s).ok()).map(|s| now.plus_seconds(s))
            }
            (None, Some(at)) => parse_timestamp(at).map(Timestamp::from_offset_datetime),
            (None, None) => None,
        };
        Ok(CustomerToken { access_token, refresh_token: refresh, expires_at })
    }

    async fn token_call(
        &self,
        call: Call,
        path: &str,
        authorization: Option<&Sensitive<String>>,
        body: String,
    ) -> ProviderResult<(TokenReply, Sensitive<String>)> {
        let url = format!("{}{path}", self.base_url);
        let reply = self
            .transport
            .send(call, |client| {
                let timestamp = now_timestamp(self.profile.timestamp_style);
                let signature = self
                    .key
                    .sign(token_string_to_sign(&self.client_id, &timestamp).as_bytes())
                    .unwrap_or_default();
                let mut request = client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("X-TIMESTAMP", timestamp)
                    .header("X-CLIENT-KEY", &self.client_id)
                    .header("X-SIGNATURE", signature);
                if let Some(token) = authorization {
                    request = request.header("Authorization", format!("Bearer {}", token.expose()));
                }
                request.body(body.clone())
            })
            .await?;
        let snap =
            SnapReply::parse(&self.transport, call, &reply)?.into_result(self.product(), call)?;
        let token: TokenReply = snap.typed(&self.transport, call)?;
        let access = token
            .access_token
            .clone()
            .or_else(|| token.access_token_info.as_ref().and_then(|i| i.access_token.clone()));
        match access {
            Some(a) if !a.is_empty() => Ok((token, Sensitive::new(a))),
            _ => Err(self.transport.malformed(call, "missing accessToken".into())),
        }
    }

    /// Sends a signed transactional call. On `401xx01`/`401xx03` with the B2B token in
    /// `Authorization`, renews it and sends once more (nothing was processed). Returns the
    /// answer whatever its code: the caller classifies with [`SnapReply::into_result`].
    pub async fn send(&self, request: &SnapRequest) -> ProviderResult<SnapReply> {
        let uses_b2b = matches!(request.authorization, Bearer::B2b);
        let mut renewed = false;
        loop {
            let authorization = match &request.authorization {
                Bearer::None => None,
                Bearer::B2b => Some(self.b2b_token(request.call.operation).await?),
                Bearer::Token(t) => Some(t.clone()),
            };
            let reply = self.send_once(request, authorization.as_ref()).await?;
            if uses_b2b && !renewed && reply.class() == SnapClass::B2bToken {
                self.invalidate_b2b().await;
                renewed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// The headers of one transactional call, signed now (§2, §6): what `send` puts on the
    /// wire beside the body. Secrets appear only in the returned values, never in logs.
    pub fn transaction_headers(
        &self,
        request: &SnapRequest,
        authorization: Option<&Sensitive<String>>,
    ) -> Vec<(&'static str, String)> {
        let timestamp = now_timestamp(self.profile.timestamp_style);
        let token = authorization.map(|t| t.expose().as_str()).unwrap_or("");
        let signature = symmetric_signature(
            self.client_secret.expose().as_bytes(),
            request.method.as_str(),
            &request.path,
            token,
            request.body.as_bytes(),
            &timestamp,
        );
        let mut headers = Vec::with_capacity(9);
        headers.push(("Content-Type", "application/json".to_owned()));
        headers.push(("X-TIMESTAMP", timestamp));
        headers.push(("X-SIGNATURE", signature));
        headers.push(("X-PARTNER-ID", self.client_id.clone()));
        headers.push((
            "X-EXTERNAL-ID",
            request.external_id.clone().unwrap_or_else(generate_external_id),
        ));
        if let Some(device) = &self.profile.device_id {
            headers.push(("X-DEVICE-ID", device.clone()));
        }
        if let Some(channel) = self.profile.channel_id.as_ref().filter(|c| !c.is_empty()) {
            headers.push(("CHANNEL-ID", channel.clone()));
        }
        if let Some(token) = authorization {
            headers.push(("Authorization", format!("Bearer {}", token.expose())));
        }
        if let Some(customer) = &request.customer {
            headers.push(("Authorization-Customer", format!("Bearer {}", customer.expose())));
        }
        headers
    }

    async fn send_once(
        &self,
        request: &SnapRequest,
        authorization: Option<&Sensitive<String>>,
    ) -> ProviderResult<SnapReply> {
        let url = format!("{}{}", self.base_url, request.path);
        let reply = self
            .transport
            .send(request.call, |client| {
                let mut builder = client.request(request.method.clone(), &url);
                for (name, value) in self.transaction_headers(request, authorization) {
                    builder = builder.header(name, value);
                }
                builder.body(request.body.clone())
            })
            .await?;
        SnapReply::parse(&self.transport, request.call, &reply)
    }
}

// ---------------------------------------------------------------------------------------------
// Payment vocabulary both SNAP products share

/// `latestTransactionStatus` (§9.2); unknown values are kept. How a status maps onto a
/// `PaymentState` stays with each product (DOKU reads "expired" out of the description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionStatus {
    Success,
    Initiated,
    Paying,
    Pending,
    Refunded,
    Cancelled,
    Failed,
    NotFound,
    Unknown(String),
}

impl From<String> for TransactionStatus {
    fn from(s: String) -> Self {
        match s.trim() {
            "00" => TransactionStatus::Success,
            "01" => TransactionStatus::Initiated,
            "02" => TransactionStatus::Paying,
            "03" => TransactionStatus::Pending,
            "04" => TransactionStatus::Refunded,
            "05" => TransactionStatus::Cancelled,
            "06" => TransactionStatus::Failed,
            "07" => TransactionStatus::NotFound,
            _ => TransactionStatus::Unknown(s),
        }
    }
}

impl<'de> Deserialize<'de> for TransactionStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(TransactionStatus::from)
    }
}

impl TransactionStatus {
    /// The wire code, for support.
    pub fn code(&self) -> &str {
        match self {
            TransactionStatus::Success => "00",
            TransactionStatus::Initiated => "01",
            TransactionStatus::Paying => "02",
            TransactionStatus::Pending => "03",
            TransactionStatus::Refunded => "04",
            TransactionStatus::Cancelled => "05",
            TransactionStatus::Failed => "06",
            TransactionStatus::NotFound => "07",
            TransactionStatus::Unknown(s) => s,
        }
    }
}

/// `refundStatus` (§9.2: `00`, `03`, `06`; `01`/`02` read as pending); unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    Success,
    Pending,
    Failed,
    Unknown(String),
}

impl From<String> for RefundStatus {
    fn from(s: String) -> Self {
        match s.trim() {
            "00" => RefundStatus::Success,
            "01" | "02" | "03" => RefundStatus::Pending,
            "06" => RefundStatus::Failed,
            _ => RefundStatus::Unknown(s),
        }
    }
}

impl<'de> Deserialize<'de> for RefundStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(RefundStatus::from)
    }
}

impl RefundStatus {
    pub fn code(&self) -> &str {
        match self {
            RefundStatus::Success => "00",
            RefundStatus::Pending => "03",
            RefundStatus::Failed => "06",
            RefundStatus::Unknown(s) => s,
        }
    }

    pub fn to_state(&self, message: &str) -> RefundState {
        match self {
            RefundStatus::Success => RefundState::Succeeded,
            RefundStatus::Pending => RefundState::Pending,
            RefundStatus::Failed => {
                RefundState::Failed { code: "06".into(), message: message.to_owned() }
            }
            RefundStatus::Unknown(s) => RefundState::Unrecognised(s.clone()),
        }
    }
}

/// OVO's two pockets, as `payOptionDetails[].payMethod` and `accountInfos[].balanceType` name
/// them (`CASH`, `POINTS`, also `POINT`, any case); other values are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pocket {
    Cash,
    Points,
    Unknown(String),
}

impl From<String> for Pocket {
    fn from(s: String) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "CASH" => Pocket::Cash,
            "POINTS" | "POINT" => Pocket::Points,
            _ => Pocket::Unknown(s),
        }
    }
}

impl Pocket {
    pub fn as_str(&self) -> &str {
        match self {
            Pocket::Cash => "CASH",
            Pocket::Points => "POINTS",
            Pocket::Unknown(s) => s,
        }
    }
}

impl serde::Serialize for Pocket {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pocket {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Pocket::from)
    }
}

/// One line of `payOptionDetails`: how much comes from which pocket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayOption {
    pub pay_method: Pocket,
    pub trans_amount: SnapAmount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<SnapAmount>,
}

/// The cash/points split the options add up to; None when empty or not readable.
pub fn split_of(options: &[PayOption]) -> Option<Split> {
    if options.is_empty() {
        return None;
    }
    let mut split = Split { cash: Idr::ZERO, points: Idr::ZERO };
    for option in options {
        let amount = option.trans_amount.to_idr().ok()?;
        match option.pay_method {
            Pocket::Cash => split.cash = split.cash.checked_add(amount)?,
            Pocket::Points => split.points = split.points.checked_add(amount)?,
            Pocket::Unknown(_) => return None,
        }
    }
    Some(split)
}

/// Checks an echoed amount against the one sent. An absent echo passes; a different amount or
/// currency is a `Mismatch`; an unreadable one is a malformed reply (unknown outcome on writes).
pub fn check_echo(
    transport: &Transport,
    call: Call,
    field: &'static str,
    sent: Idr,
    echoed: Option<&SnapAmount>,
) -> ProviderResult<()> {
    let Some(echoed) = echoed else { return Ok(()) };
    let product = transport.product();
    if echoed.currency != "IDR" {
        return Err(ProviderError::Mismatch {
            product,
            field: "currency",
            sent: "IDR".into(),
            echoed: echoed.currency.clone(),
        });
    }
    let value = echoed.to_idr().map_err(|e| transport.malformed(call, format!("{field}: {e}")))?;
    if value != sent {
        return Err(ProviderError::Mismatch {
            product,
            field,
            sent: SnapAmount::from_idr(sent).value,
            echoed: echoed.value.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // snap-standard.md §12 V1 (published, IFP-BAL).
    #[test]
    fn v1_empty_body_hash() {
        assert_eq!(body_hash(b""), EMPTY_BODY_HASH);
    }

    // snap-standard.md §12 V2 (computed locally): DOKU binding request signature.
    #[test]
    fn v2_doku_binding_signature() {
        let body = r#"{"phoneNo":"6281288932399","additionalInfo":{"channel":"EMONEY_OVO_SNAP","custIdMerchant":"CUST-001","successRegistrationUrl":"https://merchant.example/success","failedRegistrationUrl":"https://merchant.example/failed"}}"#;
        let (path, token, ts) = (
            "/direct-debit/core/v1/registration-account-binding",
            "eyJhbGciOiJSUzI1NiJ9.test.token",
            "2024-01-01T10:00:00+07:00",
        );
        assert_eq!(
            body_hash(body.as_bytes()),
            "2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4"
        );
        assert_eq!(
            string_to_sign("POST", path, token, body.as_bytes(), ts),
            "POST:/direct-debit/core/v1/registration-account-binding:eyJhbGciOiJSUzI1NiJ9.test.token:2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4:2024-01-01T10:00:00+07:00"
        );
        let sig = symmetric_signature(b"SK-test-secret", "POST", path, token, body.as_bytes(), ts);
        assert_eq!(sig, "jwXZTNLzT8EchxCP7d9ByeWXsqC/GP5Za87GGl6/66Z8o7UXENlce7OgFLfE3ZnPvrCts1wIfxxC4fK8TQBgIw==");
        assert_eq!(sig.len(), 88);
    }

    // snap-standard.md §12 V3 (computed locally): OVO payment request signature.
    #[test]
    fn v3_ovo_payment_signature() {
        let body = r#"{"partnerReferenceNo":"INV-20240101-0001","amount":{"value":"10000.00","currency":"IDR"}}"#;
        let (path, token, ts) = (
            "/OVOSNAP/v2.0/debit/payment-host-to-host",
            "testAccessToken123",
            "2024-01-01T10:00:00.000+07:00",
        );
        assert_eq!(
            body_hash(body.as_bytes()),
            "bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f"
        );
        assert_eq!(
            string_to_sign("post", path, token, body.as_bytes(), ts),
            "POST:/OVOSNAP/v2.0/debit/payment-host-to-host:testAccessToken123:bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f:2024-01-01T10:00:00.000+07:00"
        );
        assert_eq!(
            symmetric_signature(b"testClientSecret", "POST", path, token, body.as_bytes(), ts),
            "FZBHyE19ezY5YMrnEc4cJh0N3lRjyWrK0ad+PXJqbSswsZ5WpwyQlgFB4SZq9RSwmUDshBAGNZt2ps5aqP8Ffg=="
        );
    }

    // snap-standard.md §12 V4 (computed locally): empty-token form (OVO binding).
    #[test]
    fn v4_empty_token_signature() {
        let body = r#"{"phoneNo":"6281234567890"}"#;
        let (path, ts) = (
            "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
            "2024-01-01T10:00:00.000+07:00",
        );
        assert_eq!(
            body_hash(body.as_bytes()),
            "cdbcd8ae56d434f01396cc629642ec079e33fc414eedf7e619f66158fe0ff455"
        );
        assert_eq!(
            string_to_sign("POST", path, "", body.as_bytes(), ts),
            "POST:/OVOSNAP/v2.0/oauth/account/registration-account-binding::cdbcd8ae56d434f01396cc629642ec079e33fc414eedf7e619f66158fe0ff455:2024-01-01T10:00:00.000+07:00"
        );
        assert_eq!(
            symmetric_signature(b"testClientSecret", "POST", path, "", body.as_bytes(), ts),
            "Zr9eqTag1wXrfZgHnsvON/I1wnNLHr5U5L6QGexPfx0D9xCMDopIj6JKZ/LRaQjJ+pgMy3C6pFAJxi0H7qsPvQ=="
        );
    }

    // snap-standard.md §12 V5 (computed locally): symmetric notification signature, verified
    // by the §7 strategy (inbound token), also after re-indentation (§6.1 variants).
    #[test]
    fn v5_notification_signature_verifies() {
        let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
        let (path, ts, sig) = ("/v1.0/debit/notify", "2024-01-01T10:05:00+07:00", "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==");
        assert_eq!(
            body_hash(body.as_bytes()),
            "7720e33d0e54e536dcd2daf008737eb71a7fe55a46d1c5d13d2e947cccbc4686"
        );
        assert_eq!(
            symmetric_signature(
                b"SK-test-secret",
                "POST",
                path,
                "merchantIssuedToken",
                body.as_bytes(),
                ts
            ),
            sig
        );
        let auth = Some("Bearer merchantIssuedToken");
        assert_eq!(
            verify_notification_signature(
                b"SK-test-secret",
                None,
                "POST",
                path,
                auth,
                body,
                ts,
                sig
            ),
            Some(NotificationRecipe::SymmetricInboundToken)
        );
        let pretty = "{\n  \"originalReferenceNo\": \"REF0000000001\",\n  \"latestTransactionStatus\": \"00\"\n}";
        assert_eq!(
            verify_symmetric(
                b"SK-test-secret",
                "POST",
                path,
                "merchantIssuedToken",
                pretty,
                ts,
                sig
            ),
            Some(1)
        );
        assert_eq!(
            verify_notification_signature(b"SK-wrong", None, "POST", path, auth, body, ts, sig),
            None
        );
        assert_eq!(
            verify_notification_signature(
                b"SK-test-secret",
                None,
                "POST",
                path,
                None,
                body,
                ts,
                sig
            ),
            None
        );
        // Hex form of the same MAC is accepted too.
        let hex_sig = hex::encode(BASE64.decode(sig).unwrap());
        assert!(verify_symmetric(
            b"SK-test-secret",
            "POST",
            path,
            "merchantIssuedToken",
            body,
            ts,
            &hex_sig
        )
        .is_some());
    }

    #[test]
    fn slash_escaped_variant_verifies() {
        let sent = r#"{"url":"https:\/\/m.example\/x"}"#;
        let signed_over = r#"{"url":"https://m.example/x"}"#;
        let sig = symmetric_signature(b"k", "POST", "/n", "", signed_over.as_bytes(), "t");
        // The receiver got the escaped form but the sender hashed the plain one: not accepted
        // (variants only add escaping); the reverse is.
        assert!(verify_symmetric(b"k", "POST", "/n", "", signed_over, "t", &sig).is_some());
        let sig_escaped = symmetric_signature(b"k", "POST", "/n", "", sent.as_bytes(), "t");
        assert_eq!(
            verify_symmetric(
                b"k",
                "POST",
                "/n",
                "",
                "{ \"url\": \"https://m.example/x\" }",
                "t",
                &sig_escaped
            ),
            Some(2)
        );
    }

    #[test]
    fn timestamps_in_both_forms_and_parsed_in_all() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_704_078_000_123_000_000).unwrap();
        assert_eq!(format_timestamp(at, TimestampStyle::Offset), "2024-01-01T10:00:00+07:00");
        assert_eq!(
            format_timestamp(at, TimestampStyle::OffsetMillis),
            "2024-01-01T10:00:00.123+07:00"
        );
        for text in [
            "2024-01-01T10:00:00+07:00",
            "2024-01-01T03:00:00Z",
            "2024-01-01T03:00:00.000Z",
            "2024-01-01T10:00:00.000000001+07:00",
        ] {
            assert!(parse_timestamp(text).is_some(), "{text}");
        }
        assert!(parse_timestamp("20240101T10:00:00.000+07:00").is_none());
        assert_eq!(parse_timestamp(&format_timestamp(at, TimestampStyle::OffsetMillis)), Some(at));
    }

    #[test]
    fn external_ids_are_36_digits_and_stable_per_key() {
        let id = generate_external_id();
        assert_eq!(id.len(), 36);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(generate_external_id(), id);
        assert_eq!(external_id_for("123456"), "123456");
        let derived = external_id_for("PAY-ABC-1");
        assert_eq!(derived.len(), 36);
        assert!(derived.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(external_id_for("PAY-ABC-1"), derived);
        assert_ne!(external_id_for("PAY-ABC-2"), derived);
    }

    #[test]
    fn response_codes_classify_by_status_and_case() {
        let c = ResponseCode::parse("4035414").unwrap();
        assert_eq!((c.http, c.service.as_str(), c.case.as_str()), (403, "54", "14"));
        assert_eq!(c.class(), SnapClass::Declined);
        let class = |s: &str| ResponseCode::parse(s).unwrap().class();
        assert_eq!(class("2005400"), SnapClass::Success);
        assert_eq!(class("2025500"), SnapClass::InProgress);
        assert_eq!(class("4005402"), SnapClass::InvalidRequest);
        assert_eq!(class("4015400"), SnapClass::Unauthorized);
        assert_eq!(class("4015401"), SnapClass::B2bToken);
        assert_eq!(class("4015803"), SnapClass::B2bToken);
        assert_eq!(class("4015402"), SnapClass::CustomerToken);
        assert_eq!(class("4045501"), SnapClass::Declined);
        assert_eq!(class("4055801"), SnapClass::Declined);
        assert_eq!(class("4095400"), SnapClass::DuplicateRequest);
        assert_eq!(class("4095401"), SnapClass::DuplicateReference);
        assert_eq!(class("4295400"), SnapClass::Throttled);
        assert_eq!(class("5045400"), SnapClass::ProviderError);
        assert!(ResponseCode::parse("40354").is_none());
        assert!(ResponseCode::parse("40354AB").is_none());

        let p = Product::OvoSnap;
        let write = Call::write(Operation::Pay, Duration::from_secs(1));
        let read = Call::read(Operation::Status, Duration::from_secs(1));
        let e = snap_error(p, write, "4035414", "Insufficient Funds", 403);
        assert_eq!(
            e,
            ProviderError::Declined {
                product: p,
                code: "4035414".into(),
                message: "Insufficient Funds".into()
            }
        );
        assert!(matches!(
            snap_error(p, write, "4005402", "m", 400),
            ProviderError::InvalidRequest { .. }
        ));
        assert!(matches!(
            snap_error(p, write, "4015400", "m", 401),
            ProviderError::Authentication { .. }
        ));
        assert!(snap_error(p, write, "4095400", "m", 409).is_unknown_outcome());
        assert!(snap_error(p, write, "5005400", "m", 500).is_unknown_outcome());
        assert!(matches!(
            snap_error(p, read, "5005500", "m", 500),
            ProviderError::Unavailable { status: 500, .. }
        ));
        assert!(matches!(snap_error(p, write, "", "", 403), ProviderError::Declined { .. }));
        assert!(snap_error(p, write, "2995400", "?", 200).is_unknown_outcome());
    }

    #[test]
    fn minify_keeps_order_and_strings() {
        assert_eq!(
            minify_json("{ \"b\" : 1,\n \"a\": \"x y\\\" z\" }"),
            "{\"b\":1,\"a\":\"x y\\\" z\"}"
        );
    }

    #[test]
    fn int_or_string_expiry() {
        let a: IntOrString = serde_json::from_str("900").unwrap();
        let b: IntOrString = serde_json::from_str("\"900\"").unwrap();
        assert_eq!((a.as_u64(), b.as_u64()), (Some(900), Some(900)));
    }

    #[test]
    fn bearer_prefix_is_stripped_case_insensitively() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer abc"), "abc");
        assert_eq!(strip_bearer("abc"), "abc");
    }

    // snap-standard.md §5: no provider publishes an RSA vector, so a fixed test key pair in
    // tests/fixtures pins the exact signature (computed locally with openssl, see its README).
    #[test]
    fn rsa_token_signature_pkcs1_and_pkcs8() {
        let pkcs1 =
            SigningKey::from_pem(include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pem"))
                .unwrap();
        let pkcs8 =
            SigningKey::from_pem(include_str!("../../../tests/fixtures/snap_test_key_pkcs8.pem"))
                .unwrap();
        let message = token_string_to_sign("test-client", "2024-01-01T10:00:00.000+07:00");
        assert_eq!(message, "test-client|2024-01-01T10:00:00.000+07:00");
        let expected = "oEvWs/LTjMlz/2Pnz87QDRlnEeIohRBBDa+wpzcIrZZEX8sn18uM4F0ivotbJo1VZdJSVtrgr2NIyiyn6QRbkUwsXgSWI0NIFPsIz3bNKn+XQDXWMBa3BIb632lKC36TaQGYBBxCooqhBTY1G0F2xNTpGT/yHSHadhAaCIuCCizJGHT5Zhw6dWCQArvAWlCQ/alWklwNJjgw76muKdHUaipQQ3cpqs551/sAP7jrXACIz+ZxWdxdbSTH/WO5PeGSJBvE32qQTWO5N/QfK965J6diO/3HM+I24P5QVqGatubPdC6MmpJc2+JKi8qcfhYWFNrxULWAZvwv4hA7hfs+6Q==";
        assert_eq!(pkcs1.sign(message.as_bytes()).unwrap(), expected);
        assert_eq!(pkcs8.sign(message.as_bytes()).unwrap(), expected);
        let public =
            parse_public_key(include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pub")).unwrap();
        assert!(verify_rsa(&public, message.as_bytes(), expected));
        assert!(!verify_rsa(&public, b"test-client|2024-01-01T10:00:01.000+07:00", expected));
        assert_eq!(format!("{pkcs1:?}"), "SigningKey([redacted])");
        assert!(SigningKey::from_pem("not a key").is_err());
    }
}
