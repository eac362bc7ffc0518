//! The SNAP BI (ASPI) layer DOKU SNAP and OVO SNAP share, written from
//! `shared/providers/snap-standard.md` (cited as §n): timestamps (§3), the asymmetric token
//! signature (§5), the symmetric transaction signature (§6), body hashing and its receiver
//! variants (§6.1), `X-EXTERNAL-ID` (§10), response codes into error classes (§8), inbound
//! notification verification (§7), and a session that caches the B2B token (§4.1) and asks
//! for B2B2C tokens (§4.2). Nothing here is specific to one provider: paths, header choices
//! and the timestamp form come in a [`SnapProfile`].

pub mod sign;
pub mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ovo_domain::{Clock, Idr, Msisdn, Product, SystemClock, Timestamp};
use ovo_secrets::Sensitive;

use crate::capability::Operation;
use crate::error::{ProviderError, ProviderResult, Refusal, UnknownCause};
use crate::model::{LinkedAccount, RefundOutcome};
use crate::transport::{Call, Effect, Transport};
use crate::wire::SnapAmount;

pub use sign::*;
pub use wire::*;

/// Whether `error` is the provider refusing a customer token (`401xx02`, `401xx04`), on a
/// call or on renewing it.
pub fn customer_token_refused(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Authentication { code, .. }
        if ResponseCode::parse(code).is_some_and(|c| c.class() == SnapClass::CustomerToken))
}

/// The error for a non-success SNAP answer, keeping the provider's code and message.
pub fn reply_error(
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
    let refused = |refusal| ProviderError::refused(product, refusal, code, message);
    let unknown = |cause| match call.effect {
        Effect::Write => ProviderError::unknown_outcome(product, call.operation, cause),
        Effect::Read => ProviderError::Unavailable { product, status: http_status.max(500) },
    };
    match class {
        SnapClass::InvalidRequest => refused(Refusal::InvalidRequest),
        SnapClass::B2bToken | SnapClass::CustomerToken | SnapClass::Unauthorized => {
            refused(Refusal::Authentication)
        }
        SnapClass::Declined => refused(Refusal::Declined),
        // §10 steps 3-4: the original request reached the provider; only a status query decides.
        SnapClass::DuplicateRequest | SnapClass::DuplicateReference => match call.effect {
            Effect::Write => ProviderError::unknown_outcome(
                product,
                call.operation,
                UnknownCause::ServerError { status: 409 },
            ),
            Effect::Read => refused(Refusal::InvalidRequest),
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

/// An echoed reference, when there is a non-empty one, must be ours.
pub fn check_reference(
    product: Product,
    field: &'static str,
    sent: &str,
    echoed: Option<&str>,
) -> ProviderResult<()> {
    match echoed {
        Some(echoed) if !echoed.is_empty() && echoed != sent => {
            Err(ProviderError::mismatch(product, field, sent, echoed))
        }
        _ => Ok(()),
    }
}

/// A refund the payment's `refundHistory` does not list: `NotFound`, never `Failed` (the
/// provider may still process it).
pub fn refund_not_listed(ours: &str, provider_status: impl Into<String>) -> RefundOutcome {
    let message = format!("no refund {ours} in the payment's refundHistory");
    RefundOutcome::not_found("not_found", message, provider_status)
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

impl CustomerToken {
    /// The linked account this token stands for.
    pub fn linked_account(self, phone: &Msisdn, provider_ref: Option<String>) -> LinkedAccount {
        LinkedAccount {
            phone: phone.clone(),
            provider_ref,
            token: Some(self.access_token),
            refresh_token: self.refresh_token,
            token_expires_at: self.expires_at,
        }
    }
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
    clock: Arc<dyn Clock>,
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
            clock: Arc::new(SystemClock),
            b2b: tokio::sync::Mutex::new(None),
        }
    }

    /// Trusts `roots` beside the operating system's certificate store.
    pub fn trusting(mut self, roots: &crate::transport::ExtraRoots) -> SnapSession {
        self.transport = Transport::with_roots(self.profile.product, roots);
        self
    }

    /// Reads the time from `clock` (timestamps, `X-EXTERNAL-ID`, token expiries).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> SnapSession {
        self.clock = clock;
        self
    }

    /// Now, by the session's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn timestamp(&self) -> String {
        format_timestamp(self.now(), self.profile.timestamp_style)
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
        let refresh = reply.refresh_token.or_else(|| info.and_then(|i| i.refresh_token.clone()));
        let now = self.now();
        let expires_at = match (
            reply.expires_in.as_ref().or(info.and_then(|i| i.expires_in.as_ref())),
            &reply.access_token_expiry_time,
        ) {
            (Some(secs), _) => {
                secs.as_u64().and_then(|s| i64::try_from(s).ok()).map(|s| now.plus_seconds(s))
            }
            (None, Some(at)) => parse_timestamp(at),
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
                let timestamp = self.timestamp();
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
        let token: TokenReply = snap.decode(&self.transport, call)?;
        let access = token
            .access_token
            .clone()
            .or_else(|| token.access_token_info.as_ref().and_then(|i| i.access_token.clone()));
        match access {
            Some(a) if !a.expose().is_empty() => Ok((token, a)),
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
        let timestamp = self.timestamp();
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
            request.external_id.clone().unwrap_or_else(|| generate_external_id(self.now())),
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
        return Err(ProviderError::mismatch(product, "currency", "IDR", &echoed.currency));
    }
    let value = echoed.to_idr().map_err(|e| transport.malformed(call, format!("{field}: {e}")))?;
    if value != sent {
        let sent = SnapAmount::from_idr(sent).value;
        return Err(ProviderError::mismatch(product, field, sent, &echoed.value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_binding_reply_keeps_the_fields_it_can_read_from_additional_info() {
        let reply: BindingReply = serde_json::from_str(
            r#"{"additionalInfo":{"status":1,"linkageToken":"LT-1","authCode":["x"]}}"#,
        )
        .unwrap();
        let info = reply.additional_info.unwrap();
        assert_eq!(info.linkage_token.as_ref().map(|t| t.expose().as_str()), Some("LT-1"));
        assert!(info.status.is_none() && info.auth_code.is_none());
        let reply: BindingReply =
            serde_json::from_str(r#"{"additionalInfo":"free text","linkageToken":"LT-2"}"#)
                .unwrap();
        assert!(reply.additional_info.is_none());
        assert_eq!(reply.linkage_token.as_ref().map(|t| t.expose().as_str()), Some("LT-2"));
    }

    #[test]
    fn response_codes_classify_by_status_and_case() {
        let c = ResponseCode::parse("4035414").unwrap();
        assert_eq!((c.http, c.service.as_str(), c.case.as_str()), (403, "54", "14"));
        assert_eq!(c.class(), SnapClass::Declined);
        for (code, class) in [
            ("2005400", SnapClass::Success),
            ("2025500", SnapClass::InProgress),
            ("4005402", SnapClass::InvalidRequest),
            ("4015400", SnapClass::Unauthorized),
            ("4015401", SnapClass::B2bToken),
            ("4015803", SnapClass::B2bToken),
            ("4015402", SnapClass::CustomerToken),
            ("4045501", SnapClass::Declined),
            ("4055801", SnapClass::Declined),
            ("4095400", SnapClass::DuplicateRequest),
            ("4095401", SnapClass::DuplicateReference),
            ("4295400", SnapClass::Throttled),
            ("5045400", SnapClass::ProviderError),
        ] {
            assert_eq!(ResponseCode::parse(code).unwrap().class(), class, "{code}");
        }
        assert!(ResponseCode::parse("40354").is_none());
        assert!(ResponseCode::parse("40354AB").is_none());

        let p = Product::OvoSnap;
        let write = Call::write(Operation::Pay, Duration::from_secs(1));
        let read = Call::read(Operation::Status, Duration::from_secs(1));
        let e = reply_error(p, write, "4035414", "Insufficient Funds", 403);
        assert_eq!(
            e,
            ProviderError::Declined {
                product: p,
                code: "4035414".into(),
                message: "Insufficient Funds".into()
            }
        );
        assert!(matches!(
            reply_error(p, write, "4005402", "m", 400),
            ProviderError::InvalidRequest { .. }
        ));
        assert!(matches!(
            reply_error(p, write, "4015400", "m", 401),
            ProviderError::Authentication { .. }
        ));
        assert!(reply_error(p, write, "4095400", "m", 409).is_unknown_outcome());
        assert!(reply_error(p, write, "5005400", "m", 500).is_unknown_outcome());
        assert!(matches!(
            reply_error(p, read, "5005500", "m", 500),
            ProviderError::Unavailable { status: 500, .. }
        ));
        assert!(matches!(reply_error(p, write, "", "", 403), ProviderError::Declined { .. }));
        assert!(reply_error(p, write, "2995400", "?", 200).is_unknown_outcome());
    }
}
