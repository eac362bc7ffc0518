//! DOKU SNAP direct debit for OVO (`doku_snap_ovo`): "OVO Open API" (`paymentType SALE`, the
//! customer confirms each payment with OTP/PIN on `webRedirectUrl`) and "OVO Recurring"
//! (`RECURRING`, no customer step). Written from `shared/providers/doku-snap-ovo.md` (cited as
//! §n) on the SNAP layer of [`super::snap`] (`snap-standard.md`, cited as "SNAP §n").
//!
//! Shape: wire types (serde; unknown enum values kept as `Unknown(String)`, extra fields
//! ignored, a missing mandatory field named in the error), conversions at the edge (money via
//! [`SnapAmount`], phones as `62…` via [`Msisdn::canonical`]), and the flows of [`Provider`].
//!
//! DOKU-specific forms (house decision 4): `X-TIMESTAMP` with `+07:00` and no fraction,
//! lower-case `grantType`, `Authorization-Customer: Bearer …`, status `serviceCode` `55`
//! (configurable), and both forms read of `availableBalance`/`amount`, `status`/`accountStatus`,
//! `channel`/`channelId` and `refundHistory[].partnerReferenceNo`/`partnerRefundNo`.
//!
//! Customer (B2B2C) tokens: the [`LinkedAccount`] carries the access token, its expiry and the
//! refresh token. A token that expires within 60 s is refreshed (grant `refresh_token`) and
//! kept in this client's cache by phone; [`DokuSnapClient::customer_token`] hands a fresh one
//! to an app that wants to persist it. A `401xx02`/`401xx04` answer refreshes once and retries.
//! A refresh answered `4017400` means the customer unlinked (binding `DISABLED`, §5.2); it
//! surfaces as `Authentication` with that code.
//!
//! Inbound notifications (§4, §5.4, §5.7, §5.8): DOKU first asks the merchant for a token (N0,
//! SHA256withRSA by DOKU, verified with credential `provider_public_key`): answer it with
//! [`DokuSnapClient::answer_token_request`] (or [`DokuSnapClient::verify_token_request`] and
//! [`DokuSnapClient::issue_notification_token`]). The client remembers the tokens it issued
//! (only their SHA-256, for 900 s). N1 (payment) and N2 (binding) are then verified by
//! [`Provider::verify_notification`]: the `Authorization` token must be one this client issued
//! (`UnknownToken` otherwise), and `X-SIGNATURE` must be the symmetric signature over the
//! merchant's own path with that token, keyed with credential `inbound_secret` (defaulting to
//! `secret_key`), in constant time, with the body variants of SNAP §6.1. An app that keeps
//! issued tokens elsewhere (several processes) uses
//! [`DokuSnapClient::verify_notification_with`] and its own lookup.

pub mod sign;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ovo_domain::{Clock, Idr, Msisdn, Product, SystemClock, Timestamp};
use ovo_secrets::Sensitive;
use rand::RngCore;
use rsa::RsaPublicKey;
use serde_json::Value;

use super::snap::{
    self, parse_timestamp, strip_bearer, verify_rsa, verify_symmetric, Bearer, CustomerGrant,
    CustomerToken, SnapClass, SnapReply, SnapRequest, SnapSession,
};
use super::snap::{
    check_echo, check_reference, refund_not_listed, split_of, to_json, BalanceReply, BindingReply,
    BindingStatus, PayOption, PaymentBody, PaymentReply, Pocket, RefundBody, RefundReply,
    StatusBody, StatusReply,
};
use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult, Refusal};
use crate::model::*;
use crate::notification::{InboundRequest, Notification, NotificationEvent, NotificationRejection};
use crate::provider::Provider;
use crate::transport::Call;
use crate::wire::SnapAmount;

pub use sign::*;
pub use wire::*;

const PRODUCT: Product = Product::DokuSnapOvo;

/// `additionalInfo.channel` of every OVO call (§1).
pub const CHANNEL: &str = "EMONEY_OVO_SNAP";

// §2, the endpoint table.
pub const B2B_TOKEN_PATH: &str = "/authorization/v1/access-token/b2b";
pub const B2B2C_TOKEN_PATH: &str = "/authorization/v1/access-token/b2b2c";
pub const BINDING_PATH: &str = "/direct-debit/core/v1/registration-account-binding";
pub const BALANCE_PATH: &str = "/direct-debit/core/v1/balance-inquiry";
pub const PAYMENT_PATH: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
pub const STATUS_PATH: &str = "/orders/v1.0/debit/status";
pub const REFUND_PATH: &str = "/direct-debit/core/v1/debit/refund";
pub const UNBINDING_PATH: &str = "/direct-debit/core/v1/registration-account-unbinding";
/// A customer token renewal refused because the customer's link is gone (§5.2).
const CUSTOMER_UNLINKED: &str = "4017400";

/// Renew a customer token when fewer than this remain (§5.2 house default).
const CUSTOMER_TOKEN_MARGIN_SECS: i64 = 60;

// ---------------------------------------------------------------------------------------------
// Options

/// Per-client settings; [`Default`] is the documented behaviour.
#[derive(Debug, Clone)]
pub struct DokuSnapOptions {
    /// Read timeout of every transactional call (§10: 30 s, as the Go SDK).
    pub timeout: Duration,
    /// Read timeout of the token calls.
    pub token_timeout: Duration,
    /// `X-DEVICE-ID`: a stable alphanumeric id of the merchant terminal (§3; no symbols).
    pub device_id: Option<String>,
    /// `CHANNEL-ID` (§3 house default `DH`).
    pub channel_id: Option<String>,
    /// Status `serviceCode` (house decision 4: `55`; `54` is the alternative).
    pub status_service_code: String,
    /// `successPaymentUrl`/`failedPaymentUrl` when a SALE request has no `return_url`.
    pub default_return_url: Option<String>,
    /// Lifetime of the tokens this client issues to DOKU at N0 (§5.8: 900 s).
    pub notification_token_lifetime: Duration,
    /// How far an inbound N0 `X-TIMESTAMP` may be from our clock (`None`: not checked).
    pub inbound_max_skew: Option<Duration>,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
    /// Where the client reads the time.
    pub clock: Arc<dyn Clock>,
}

impl Default for DokuSnapOptions {
    fn default() -> Self {
        DokuSnapOptions {
            timeout: Duration::from_secs(30),
            token_timeout: Duration::from_secs(30),
            device_id: None,
            channel_id: Some("DH".into()),
            status_service_code: "55".into(),
            default_return_url: None,
            notification_token_lifetime: Duration::from_secs(900),
            inbound_max_skew: Some(Duration::from_secs(300)),
            extra_roots: Default::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The client

struct CachedCustomer {
    access: Sensitive<String>,
    refresh: Option<Sensitive<String>>,
    renew_at: Timestamp,
}

/// DOKU SNAP OVO client. Secrets stay in [`Sensitive`] and `SigningKey`; `Debug` shows none.
pub struct DokuSnapClient {
    session: SnapSession,
    options: DokuSnapOptions,
    inbound_secret: Sensitive<String>,
    provider_key: Option<RsaPublicKey>,
    /// Customer tokens renewed by this client, by canonical phone.
    customers: Mutex<HashMap<String, CachedCustomer>>,
    /// SHA-256 (hex) of the tokens issued to DOKU at N0, with their expiry.
    issued: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for DokuSnapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuSnapClient")
            .field("session", &self.session)
            .field("options", &self.options)
            .field("provider_key", &self.provider_key.is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `X-EXTERNAL-ID` of a write: the same for a retry under the same key on the same WIB
/// day, a new one after midnight WIB (SNAP §10 step 2).
pub use super::snap::daily_external_id;

impl DokuSnapClient {
    /// `credentials`: `client_id`, `secret_key`, `merchant_private_key` (PKCS#1 or PKCS#8 PEM),
    /// optional `provider_public_key` (DOKU's, for N0) and `inbound_secret`.
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: DokuSnapOptions,
    ) -> ProviderResult<DokuSnapClient> {
        credentials.check_product(PRODUCT)?;
        let client_id = credentials.require("client_id")?.expose().clone();
        let secret = credentials.require("secret_key")?.clone();
        let (key, provider_key) = snap::keys_from(PRODUCT, credentials)?;
        let inbound_secret = credentials
            .optional("inbound_secret")
            .filter(|s| !s.expose().is_empty())
            .unwrap_or(&secret)
            .clone();
        let profile = sign::profile(&options);
        Ok(DokuSnapClient {
            session: SnapSession::new(profile, base_url, client_id, secret, key)
                .trusting(&options.extra_roots)
                .with_clock(options.clock.clone()),
            options,
            inbound_secret,
            provider_key,
            customers: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashMap::new()),
        })
    }

    pub fn options(&self) -> &DokuSnapOptions {
        &self.options
    }

    fn write(&self, operation: Operation) -> Call {
        Call::write(operation, self.options.timeout)
    }

    fn read(&self, operation: Operation) -> Call {
        Call::read(operation, self.options.timeout)
    }

    async fn send(
        &self,
        call: Call,
        path: &str,
        body: String,
        customer: Option<Sensitive<String>>,
        external_id: Option<String>,
    ) -> ProviderResult<SnapReply> {
        let request = SnapRequest {
            call,
            method: reqwest::Method::POST,
            path: path.into(),
            body,
            authorization: Bearer::B2b,
            customer,
            external_id,
        };
        self.session.send(&request).await
    }

    /// Sends with `Authorization-Customer`; on `401xx02`/`401xx04`, renews the customer token
    /// once and sends again (nothing was processed).
    async fn send_as_customer(
        &self,
        call: Call,
        path: &str,
        body: String,
        account: &LinkedAccount,
        external_id: Option<String>,
    ) -> ProviderResult<SnapReply> {
        let token = self.customer_access(account, call.operation, false).await?;
        let reply = self.send(call, path, body.clone(), Some(token), external_id.clone()).await?;
        if reply.class() != SnapClass::CustomerToken {
            return Ok(reply);
        }
        self.forget_customer(&account.phone);
        match self.customer_access(account, call.operation, true).await {
            Ok(token) => self.send(call, path, body, Some(token), external_id).await,
            // No way to renew: the provider's own answer says what happened.
            Err(ProviderError::InvalidInput { .. }) => Ok(reply),
            Err(e) => Err(e),
        }
    }

    fn forget_customer(&self, phone: &Msisdn) {
        lock(&self.customers).remove(phone.canonical());
    }

    fn remember_customer(&self, phone: &Msisdn, token: &CustomerToken) {
        let renew_at = token
            .expires_at
            .unwrap_or_else(|| self.session.now().plus_seconds(900))
            .plus_seconds(-CUSTOMER_TOKEN_MARGIN_SECS);
        let cached = CachedCustomer {
            access: token.access_token.clone(),
            refresh: token.refresh_token.clone(),
            renew_at,
        };
        lock(&self.customers).insert(phone.canonical().to_owned(), cached);
    }

    /// A usable customer token for `account`: the cached or given one while it has more than
    /// 60 s left, else a refreshed one (`force`: always refresh when a refresh token exists).
    async fn customer_access(
        &self,
        account: &LinkedAccount,
        operation: Operation,
        force: bool,
    ) -> ProviderResult<Sensitive<String>> {
        let now = self.session.now();
        let cached_refresh = {
            let cache = lock(&self.customers);
            let cached = cache.get(account.phone.canonical());
            if !force {
                if let Some(c) = cached.filter(|c| c.renew_at > now) {
                    return Ok(c.access.clone());
                }
            }
            cached.and_then(|c| c.refresh.clone())
        };
        let fresh_given = account.token.as_ref().filter(|_| {
            account
                .token_expires_at
                .is_none_or(|at| at.plus_seconds(-CUSTOMER_TOKEN_MARGIN_SECS) > now)
        });
        if !force {
            if let Some(token) = fresh_given {
                return Ok(token.clone());
            }
        }
        match cached_refresh.or_else(|| account.refresh_token.clone()) {
            Some(refresh) => {
                let token = self
                    .session
                    .customer_token(operation, &CustomerGrant::RefreshToken(refresh), None)
                    .await?;
                self.remember_customer(&account.phone, &token);
                Ok(token.access_token)
            }
            // Let the provider judge a token we cannot renew.
            None if !force && account.token.is_some() => {
                Ok(account.token.clone().unwrap_or_else(|| Sensitive::new(String::new())))
            }
            None => Err(ProviderError::invalid_input(
                PRODUCT,
                "the linked account has no usable customer token and no refresh token: bind again",
            )),
        }
    }

    /// A fresh customer token for `account` (renewed as the calls would), for the app to
    /// persist.
    pub async fn customer_token(
        &self,
        account: &LinkedAccount,
    ) -> ProviderResult<Sensitive<String>> {
        self.customer_access(account, Operation::Balance, false).await
    }

    /// Exchanges a (reusable, §5.2) `authCode` for a customer token.
    pub async fn exchange_auth_code(
        &self,
        phone: &Msisdn,
        auth_code: &Sensitive<String>,
    ) -> ProviderResult<CustomerToken> {
        let token = self
            .session
            .customer_token(
                Operation::CompleteBinding,
                &CustomerGrant::AuthorizationCode(auth_code.clone()),
                None,
            )
            .await?;
        self.remember_customer(phone, &token);
        Ok(token)
    }

    /// Status (55) as the wire answer, for refund status and callers that want every field.
    pub async fn status_reply(
        &self,
        call: Call,
        payment_reference: &str,
        provider_ref: Option<&str>,
    ) -> ProviderResult<Result<StatusReply, (String, String)>> {
        let body = to_json(&StatusBody {
            original_partner_reference_no: payment_reference,
            original_reference_no: provider_ref,
            service_code: &self.options.status_service_code,
            merchant_id: Some(self.session.client_id()),
            transaction_date: None,
            amount: None,
            additional_info: CHANNEL_INFO,
        });
        let reply = self.send(call, STATUS_PATH, body, None, None).await?;
        // `4045501`: never created (SNAP §9.2: a definitive answer).
        if reply.is(404, "01") {
            return Ok(Err((reply.code, reply.message)));
        }
        let reply = reply.into_result(PRODUCT, call)?;
        reply.decode(self.session.transport(), call).map(Ok)
    }

    // -----------------------------------------------------------------------------------------
    // Inbound

    /// Verifies DOKU's N0 token request (§5.8): `X-CLIENT-KEY` is our client id, `X-TIMESTAMP`
    /// is near our clock, `X-SIGNATURE` is SHA256withRSA over `clientId|X-TIMESTAMP` by DOKU's
    /// key (credential `provider_public_key`; without it nothing verifies: `BadSignature`), and
    /// the body asks for `client_credentials`.
    pub fn verify_token_request(
        &self,
        request: &InboundRequest,
    ) -> Result<TokenRequest, NotificationRejection> {
        let client_id = request.required_header("X-CLIENT-KEY")?;
        let timestamp = request.required_header("X-TIMESTAMP")?;
        let signature = request.required_header("X-SIGNATURE")?;
        if client_id != self.session.client_id() {
            return Err(NotificationRejection::UnknownMerchant);
        }
        let at = parse_timestamp(timestamp).ok_or_else(|| {
            NotificationRejection::Malformed(format!("X-TIMESTAMP {timestamp:?}"))
        })?;
        if let Some(max) = self.options.inbound_max_skew {
            let skew = Duration::from_millis(self.session.now().millis_since(at).unsigned_abs());
            if skew > max {
                return Err(NotificationRejection::Malformed(format!(
                    "X-TIMESTAMP is {} s from our clock",
                    skew.as_secs()
                )));
            }
        }
        let key = self.provider_key.as_ref().ok_or(NotificationRejection::BadSignature)?;
        if !verify_rsa(key, snap::token_string_to_sign(client_id, timestamp).as_bytes(), signature)
        {
            return Err(NotificationRejection::BadSignature);
        }
        let body: Value = serde_json::from_str(&request.body)
            .map_err(|e| NotificationRejection::Malformed(e.to_string()))?;
        let grant = body
            .get("grantType")
            .and_then(Value::as_str)
            .ok_or(NotificationRejection::MissingField("grantType"))?;
        if !grant.eq_ignore_ascii_case("client_credentials") {
            return Err(NotificationRejection::Malformed(format!("grantType {grant:?}")));
        }
        Ok(TokenRequest { client_id: client_id.to_owned(), timestamp: timestamp.to_owned() })
    }

    /// Issues a token for DOKU (40 random bytes, hex) and remembers it for
    /// `notification_token_lifetime`.
    pub fn issue_notification_token(&self) -> IssuedToken {
        let mut bytes = [0u8; 40];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let lifetime = self.options.notification_token_lifetime;
        let mut issued = lock(&self.issued);
        let now = Instant::now();
        issued.retain(|_, expiry| *expiry > now);
        issued.insert(hash_token(&token), now + lifetime);
        IssuedToken { access_token: Sensitive::new(token), expires_in: lifetime.as_secs() }
    }

    /// Whether this client issued `token` and it has not expired.
    pub fn is_issued_token(&self, token: &str) -> bool {
        lock(&self.issued).get(&hash_token(token)).is_some_and(|expiry| *expiry > Instant::now())
    }

    /// The whole N0 exchange: verify, issue, answer `2007300` (or `401730x`/`400730x`).
    pub fn answer_token_request(&self, request: &InboundRequest) -> InboundAnswer {
        match self.verify_token_request(request) {
            Ok(_) => {
                let token = self.issue_notification_token();
                let body = serde_json::json!({
                    "responseCode": "2007300",
                    "responseMessage": "Successful",
                    "accessToken": token.access_token.expose(),
                    "tokenType": "Bearer",
                    "expiresIn": token.expires_in,
                    "additionalInfo": {},
                });
                InboundAnswer { status: 200, body: Sensitive::new(body.to_string()) }
            }
            Err(NotificationRejection::BadSignature) => {
                InboundAnswer::snap(401, "4017300".into(), "Unauthorized. Invalid Signature")
            }
            Err(NotificationRejection::UnknownMerchant) => {
                InboundAnswer::snap(401, "4017300".into(), "Unauthorized. Unknown Client")
            }
            Err(NotificationRejection::MissingField(f)) => {
                InboundAnswer::snap(400, "4007302".into(), &format!("Invalid Mandatory Field {f}"))
            }
            Err(_) => InboundAnswer::snap(400, "4007301".into(), "Invalid Field Format"),
        }
    }

    /// Verifies N1/N2 with the app's own record of issued tokens (`is_issued`).
    pub fn verify_notification_with(
        &self,
        request: &InboundRequest,
        is_issued: &dyn Fn(&str) -> bool,
    ) -> Result<Notification, NotificationRejection> {
        let authorization = request.required_header("Authorization")?;
        let token = strip_bearer(authorization);
        if token.is_empty() {
            return Err(NotificationRejection::MissingField("Authorization"));
        }
        if !is_issued(token) {
            return Err(NotificationRejection::UnknownToken);
        }
        let timestamp = request.required_header("X-TIMESTAMP")?;
        let signature = request.required_header("X-SIGNATURE")?;
        let secret = self.inbound_secret.expose().as_bytes();
        let matched = verify_symmetric(
            secret,
            &request.method,
            &request.path_and_query,
            token,
            &request.body,
            timestamp,
            signature,
        );
        let Some(variant) = matched else { return Err(NotificationRejection::BadSignature) };
        if variant > 0 {
            tracing::info!(
                product = PRODUCT.key(),
                variant,
                "notification verified over a re-serialised body (SNAP §6.1)"
            );
        }
        if let Some(partner) = request.header("X-PARTNER-ID") {
            if partner != self.session.client_id() {
                return Err(NotificationRejection::UnknownMerchant);
            }
        }
        parse_notification(&request.body)
    }
}

/// A partnerReferenceNo the back office never issues (ours are 16 characters).
const CONNECTION_TEST_REFERENCE: &str = "OVOBO-CONNECTION-TEST";

#[async_trait]
impl Provider for DokuSnapClient {
    /// A fresh SNAP B2B access token (§5.1; proves the client id and private key), then the
    /// status inquiry of a reference never used (proves the HMAC secret: DOKU checks the
    /// signature before answering `4045501` not found). Both are reads; nothing changes.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        self.session.test_b2b_token().await?;
        let read = "SNAP B2B access token, then the status inquiry of an unused reference";
        match self
            .status_reply(self.read(Operation::TestConnection), CONNECTION_TEST_REFERENCE, None)
            .await?
        {
            Err((code, message)) => {
                Ok(ConnectionProof { read, answer: format!("{code} {message}") })
            }
            Ok(reply) => Ok(ConnectionProof {
                read,
                answer: reply.latest_transaction_status.code().to_owned(),
            }),
        }
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    /// §5.3. The redirect URL is where the customer enters OTP and PIN; the `authCode`
    /// comes back as `pending_token` (it becomes usable once the binding succeeds).
    async fn bind(&self, request: &BindRequest) -> ProviderResult<BindStarted> {
        let call = self.write(Operation::Bind);
        let body = binding_body(
            &request.phone,
            &request.merchant_customer_id,
            &request.return_url,
            &request.return_url,
        );
        let external_id =
            daily_external_id(&format!("bind:{}", request.reference.as_str()), self.session.now());
        let reply = self
            .send(call, BINDING_PATH, body, None, Some(external_id))
            .await?
            .into_result(PRODUCT, call)?;
        let wire: BindingReply = reply.decode(self.session.transport(), call)?;
        if let Some(BindingStatus::Failed) = wire.status() {
            let message = format!("binding FAILED: {}", reply.message);
            return Err(ProviderError::refused(PRODUCT, Refusal::Declined, reply.code, message));
        }
        Ok(BindStarted {
            redirect_url: binding_redirect(&wire)
                .map_err(|detail| self.session.transport().malformed(call, detail))?
                .to_owned(),
            pending_token: wire.auth_code().cloned(),
            provider_ref: wire.reference_no,
        })
    }

    /// Exchanges the `authCode` (from `auth_code`, else `pending_token`) for a customer token
    /// (§5.2). `4017400` (`Authentication`) while the customer has not finished.
    async fn complete_binding(&self, request: &CompleteBinding) -> ProviderResult<LinkedAccount> {
        let code =
            request.auth_code.as_ref().or(request.pending_token.as_ref()).ok_or_else(|| {
                ProviderError::invalid_input(
                    PRODUCT,
                    "completing a DOKU binding needs its authCode",
                )
            })?;
        let token = self.exchange_auth_code(&request.phone, code).await?;
        Ok(token.linked_account(&request.phone, request.provider_ref.clone()))
    }

    /// §5.5: `availableBalance`, else `amount`; `CASH` is mandatory, `POINTS` 0 when absent.
    async fn balance(&self, account: &LinkedAccount) -> ProviderResult<Balance> {
        let call = self.read(Operation::Balance);
        let body = to_json(&BalanceBody { additional_info: CHANNEL_INFO });
        let reply = self
            .send_as_customer(call, BALANCE_PATH, body, account, None)
            .await?
            .into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: BalanceReply = reply.decode(transport, call)?;
        let amount_of = |kind: Pocket| -> ProviderResult<Option<Idr>> {
            match wire.account_infos.iter().find(|i| i.balance_type == kind) {
                None => Ok(None),
                Some(info) => {
                    let amount = info.balance().ok_or_else(|| {
                        transport.malformed(call, "missing accountInfos[].availableBalance".into())
                    })?;
                    amount.to_idr().map(Some).map_err(|e| {
                        transport.malformed(call, format!("accountInfos[].availableBalance: {e}"))
                    })
                }
            }
        };
        let cash = amount_of(Pocket::Cash)?
            .ok_or_else(|| transport.malformed(call, "missing accountInfos[CASH]".into()))?;
        let points = amount_of(Pocket::Points)?.unwrap_or(Idr::ZERO);
        for other in
            wire.account_infos.iter().filter(|i| matches!(i.balance_type, Pocket::Unknown(_)))
        {
            tracing::info!(product = PRODUCT.key(), balance_type = ?other.balance_type, "balance type not shown");
        }
        Ok(Balance { cash, points })
    }

    /// §5.6. SALE answers `RedirectRequired` (the customer confirms on `webRedirectUrl`),
    /// RECURRING `Pending` (the outcome comes by N1 or status). `PointsFirst` reads the balance
    /// first and splits `payOptionDetails`.
    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        let payment_type = match request.kind {
            PaymentKind::SaleRedirect => "SALE",
            PaymentKind::Recurring => "RECURRING",
            other => {
                return Err(ProviderError::invalid_input(
                    PRODUCT,
                    format!("DOKU SNAP OVO has no {other:?} payments (SALE or RECURRING only)"),
                ))
            }
        };
        let account = request.account.as_ref().ok_or_else(|| {
            ProviderError::invalid_input(PRODUCT, "a DOKU SNAP OVO payment needs a linked account")
        })?;
        let return_url =
            request.return_url.as_deref().or(self.options.default_return_url.as_deref());
        if request.kind == PaymentKind::SaleRedirect && return_url.is_none() {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                "a SALE payment needs a return URL (successPaymentUrl / failedPaymentUrl)",
            ));
        }
        let option = |method: Pocket, amount: Idr| PayOption {
            pay_method: method,
            trans_amount: SnapAmount::from_idr(amount),
            fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
        };
        let pay_option_details = match request.source {
            PaySource::Cash => vec![option(Pocket::Cash, request.amount)],
            PaySource::Points => vec![option(Pocket::Points, request.amount)],
            PaySource::PointsFirst => {
                let balance = self.balance(account).await?;
                let points = balance.points.min(request.amount);
                let cash = request.amount.checked_sub(points).unwrap_or(Idr::ZERO);
                let mut options = Vec::new();
                if !points.is_zero() {
                    options.push(option(Pocket::Points, points));
                }
                if !cash.is_zero() || options.is_empty() {
                    options.push(option(Pocket::Cash, cash));
                }
                options
            }
        };
        let remarks: String = request.description.chars().take(40).collect();
        let body = to_json(&PaymentBody {
            partner_reference_no: request.reference.as_str(),
            amount: SnapAmount::from_idr(request.amount),
            url_params: Vec::new(),
            pay_option_details,
            additional_info: PaymentBodyInfo {
                channel: CHANNEL,
                payment_type,
                success_payment_url: return_url,
                failed_payment_url: return_url,
                remarks: (!remarks.is_empty()).then_some(remarks),
            },
        });
        let call = self.write(Operation::Pay);
        let external_id = daily_external_id(&request.idempotency_key, self.session.now());
        let reply = self
            .send_as_customer(call, PAYMENT_PATH, body, account, Some(external_id))
            .await?
            .into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: PaymentReply = reply.decode(transport, call)?;
        let sent = request.reference.as_str();
        if let Some(echoed) = wire.partner_reference_no.as_deref().filter(|r| *r != sent) {
            return Err(ProviderError::mismatch(PRODUCT, "partnerReferenceNo", sent, echoed));
        }
        check_echo(transport, call, "amount", request.amount, wire.amount.as_ref())?;
        let state = match (request.kind, wire.web_redirect_url) {
            (_, Some(url)) if !url.is_empty() => PaymentState::RedirectRequired { url },
            (PaymentKind::SaleRedirect, _) => {
                return Err(transport.malformed(call, "missing webRedirectUrl".into()))
            }
            // §11 #7: `2005400` or `2025400`, pending until N1 or status.
            _ => PaymentState::Pending,
        };
        Ok(PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: wire.reference_no,
            paid: None,
            provider_status: reply.code,
        })
    }

    /// §5.9. `4045501` is `NotFound` with that code: no record (yet). Within the processing
    /// window a write may still be processed; after it, the app resends under the same ids
    /// (SNAP §10 step 2).
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let call = self.read(Operation::Status);
        let wire = match self
            .status_reply(call, request.reference.as_str(), request.provider_ref.as_deref())
            .await?
        {
            Ok(wire) => wire,
            Err((code, message)) => {
                return Ok(PaymentOutcome::not_found(code, message, request.provider_ref.clone()))
            }
        };
        let transport = self.session.transport();
        let echoed = wire.trans_amount.as_ref().or(wire.amount.as_ref());
        check_echo(transport, call, "transAmount", request.amount, echoed)?;
        let echoed = wire.original_partner_reference_no.as_deref();
        check_reference(PRODUCT, "originalPartnerReferenceNo", request.reference.as_str(), echoed)?;
        let code = wire.latest_transaction_status.code().to_owned();
        let state = payment_state(
            &wire.latest_transaction_status,
            &code,
            wire.transaction_status_desc.as_deref().unwrap_or_default(),
        );
        let paid = if state == PaymentState::Succeeded || state == PaymentState::Refunded {
            wire.pay_option_details.as_deref().and_then(split_of)
        } else {
            None
        };
        Ok(PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: wire.original_reference_no.or_else(|| request.provider_ref.clone()),
            paid,
            provider_status: code,
        })
    }

    /// §5.10. Refunds answer synchronously: `2005800` is `Succeeded` (unless a
    /// `refundStatus` says otherwise), `202…` `Pending`.
    async fn refund(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        if request.amount.is_zero() || request.amount > request.payment_amount {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                format!(
                    "refund of {} on a payment of {}",
                    request.amount.rupiah(),
                    request.payment_amount.rupiah()
                ),
            ));
        }
        let call = self.write(Operation::Refund);
        let body = to_json(&RefundBody {
            original_partner_reference_no: request.payment_reference.as_str(),
            original_reference_no: None,
            partner_refund_no: request.refund_reference.as_str(),
            refund_amount: SnapAmount::from_idr(request.amount),
            reason: Some(request.reason.as_str()).filter(|r| !r.is_empty()),
            additional_info: CHANNEL_INFO,
        });
        let external_id = Some(daily_external_id(&request.idempotency_key, self.session.now()));
        let reply = match &request.account {
            Some(account) => {
                self.send_as_customer(call, REFUND_PATH, body, account, external_id).await?
            }
            None => self.send(call, REFUND_PATH, body, None, external_id).await?,
        };
        let reply = reply.into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: RefundReply = reply.decode(transport, call)?;
        check_echo(transport, call, "refundAmount", request.amount, wire.refund_amount.as_ref())?;
        let echoed = wire.partner_refund_no.as_deref();
        check_reference(PRODUCT, "partnerRefundNo", request.refund_reference.as_str(), echoed)?;
        let state = reply.refund_state(wire.refund_status.as_ref());
        Ok(RefundOutcome { state, provider_ref: wire.refund_no, provider_status: reply.code })
    }

    /// The payment's status (55), and in its `refundHistory` the entry whose
    /// `partnerRefundNo` (or `partnerReferenceNo`) is ours. Absent there: `NotFound` with code
    /// `not_found`, never `Failed`: DOKU may still process it (SNAP §10 decides what follows).
    async fn refund_status(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let call = self.read(Operation::Refund);
        let wire = match self
            .status_reply(
                call,
                request.payment_reference.as_str(),
                request.payment_provider_ref.as_deref(),
            )
            .await?
        {
            Ok(wire) => wire,
            Err((code, message)) => {
                let message = format!("payment not found: {message}");
                return Err(ProviderError::refused(PRODUCT, Refusal::Declined, code, message));
            }
        };
        let ours = request.refund_reference.as_str();
        let Some(entry) = wire.refund_history.iter().find(|e| e.partner_refund_no() == Some(ours))
        else {
            return Ok(refund_not_listed(ours, "not_found"));
        };
        let (transport, echoed) = (self.session.transport(), entry.refund_amount.as_ref());
        check_echo(transport, call, "refundHistory[].refundAmount", request.amount, echoed)?;
        let (state, raw) = match &entry.refund_status {
            Some(status) => (
                status.refund_state(entry.reason.as_deref().unwrap_or_default()),
                status.code().to_owned(),
            ),
            None => (RefundState::Unrecognised(String::new()), String::new()),
        };
        Ok(RefundOutcome { state, provider_ref: entry.refund_no.clone(), provider_status: raw })
    }

    /// §5.11: a fresh customer token as `tokenId`, then unbinding. `4017400` on renewing the
    /// token means the customer's link is gone (§5.2, §8), as is a freshly renewed token
    /// refused (`401xx02`, §8 of the SNAP standard): `AlreadyUnlinked`.
    async fn unbind(&self, account: &LinkedAccount) -> ProviderResult<UnbindOutcome> {
        let (token, fresh) = match self.customer_access(account, Operation::Unbind, true).await {
            Ok(token) => (token, true),
            Err(ProviderError::InvalidInput { .. }) => {
                (self.customer_access(account, Operation::Unbind, false).await?, false)
            }
            Err(ProviderError::Authentication { code, .. }) if code == CUSTOMER_UNLINKED => {
                self.forget_customer(&account.phone);
                return Ok(UnbindOutcome::AlreadyUnlinked);
            }
            Err(e) => return Err(e),
        };
        let call = self.write(Operation::Unbind);
        let body = to_json(&UnbindBody { token_id: token.expose(), additional_info: CHANNEL_INFO });
        let key = format!(
            "unbind:{}:{}",
            account.phone.canonical(),
            account.provider_ref.as_deref().unwrap_or_default()
        );
        let external_id = daily_external_id(&key, self.session.now());
        let reply = self.send(call, UNBINDING_PATH, body, None, Some(external_id)).await?;
        if fresh && reply.class() == SnapClass::CustomerToken {
            self.forget_customer(&account.phone);
            return Ok(UnbindOutcome::AlreadyUnlinked);
        }
        let reply = reply.into_result(PRODUCT, call)?;
        let wire: UnbindReply = reply.decode(self.session.transport(), call)?;
        self.forget_customer(&account.phone);
        let redirect = wire
            .additional_info
            .as_ref()
            .and_then(|i| i.get("redirectUrl"))
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
        Ok(UnbindOutcome::pending_if(redirect || reply.class() == SnapClass::InProgress))
    }

    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        self.verify_notification_with(request, &|token| self.is_issued_token(token))
    }
}

/// N0 is answered here; N1 and N2 by their reply tables (§5.4, §5.7), and a verified N1 for a
/// transaction we never created by `4045601`.
impl crate::notification::IncomingWebhook for DokuSnapClient {
    fn answer_inbound_request(
        &self,
        request: &InboundRequest,
    ) -> Option<crate::notification::InboundResponse> {
        request
            .path_and_query
            .contains("access-token")
            .then(|| self.answer_token_request(request).into())
    }

    fn acknowledge_notification(
        &self,
        received: crate::notification::Received<'_>,
    ) -> crate::notification::InboundResponse {
        let kind = InboundKind::of(&received.request.body);
        let unknown_payment = !received.names_our_payment
            && kind == InboundKind::Payment
            && matches!(
                received.verified,
                Ok(Notification { event: NotificationEvent::Payment { .. }, .. })
            );
        let answer = if unknown_payment {
            unknown_transaction_answer()
        } else {
            notification_answer(kind, received.verified)
        };
        answer.into()
    }
}

impl From<InboundAnswer> for crate::notification::InboundResponse {
    fn from(answer: InboundAnswer) -> Self {
        crate::notification::InboundResponse {
            status: answer.status,
            content_type: "application/json",
            body: answer.body,
        }
    }
}

#[cfg(test)]
mod tests {
    // Known-answer tests (each names its vector), wire parsing and conversions.

    use super::*;
    use crate::notification::{assert_paid, NotificationEvent};
    use crate::products::snap::sign::tests::V2_DOKU_BINDING;
    use crate::products::snap::symmetric_signature;
    use crate::products::snap::{RefundStatus, TransactionStatus};

    const TEST_KEY: &str = include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pem");
    const TEST_PUB: &str = include_str!("../../../tests/fixtures/snap_test_key_pkcs1.pub");

    fn client(client_id: &str, secret: &str, options: DokuSnapOptions) -> DokuSnapClient {
        let credentials = Credentials::from_pairs(
            Product::DokuSnapOvo,
            [
                ("client_id", client_id.to_owned()),
                ("secret_key", secret.to_owned()),
                ("merchant_private_key", TEST_KEY.to_owned()),
                // The fixture pair plays DOKU's key pair in these tests.
                ("provider_public_key", TEST_PUB.to_owned()),
            ],
        );
        DokuSnapClient::new("http://127.0.0.1:9", &credentials, options).unwrap()
    }

    fn no_skew() -> DokuSnapOptions {
        DokuSnapOptions { inbound_max_skew: None, ..DokuSnapOptions::default() }
    }

    fn inbound(path: &str, headers: &[(&str, &str)], body: &str) -> InboundRequest {
        InboundRequest {
            method: "POST".into(),
            path_and_query: path.into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.into(),
        }
    }

    // snap-standard.md §12 V2 (computed locally): the DOKU binding request. Our binding body
    // builder must produce the vector's exact bytes, and their signature the vector's value.
    #[test]
    fn v2_binding_body_and_signature() {
        let phone = Msisdn::parse("081288932399").unwrap();
        let body = binding_body(
            &phone,
            "CUST-001",
            "https://merchant.example/success",
            "https://merchant.example/failed",
        );
        let vector = V2_DOKU_BINDING;
        assert_eq!((body.as_str(), vector.path), (vector.body, BINDING_PATH));
        vector.check();
    }

    // snap-standard.md §12 V5 (computed locally): a symmetric notification signature with the
    // merchant-issued token. It verifies through `verify_notification_with`; the vector's body
    // lacks the N1 fields, so it is then refused for the first missing one (after the signature).
    #[test]
    fn v5_notification_signature_through_the_verifier() {
        let c = client("BRN-test", "SK-test-secret", no_skew());
        let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
        let sig =
            "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==";
        let headers = [
            ("Authorization", "Bearer merchantIssuedToken"),
            ("X-TIMESTAMP", "2024-01-01T10:05:00+07:00"),
            ("X-SIGNATURE", sig),
        ];
        let request = inbound("/v1.0/debit/notify", &headers, body);
        let issued = |t: &str| t == "merchantIssuedToken";
        assert_eq!(
            c.verify_notification_with(&request, &issued).unwrap_err(),
            NotificationRejection::MissingField("amount")
        );
        // The same request without our token, or with another path, or another secret.
        assert_eq!(
            c.verify_notification_with(&request, &|_| false).unwrap_err(),
            NotificationRejection::UnknownToken
        );
        assert_eq!(
            c.verify_notification(&request).unwrap_err(),
            NotificationRejection::UnknownToken,
            "not issued by this client"
        );
        let moved = inbound("/v1.0/debit/notify2", &headers, body);
        assert_eq!(
            c.verify_notification_with(&moved, &issued).unwrap_err(),
            NotificationRejection::BadSignature
        );
        let other = client("BRN-test", "SK-other", no_skew());
        assert_eq!(
            other.verify_notification_with(&request, &issued).unwrap_err(),
            NotificationRejection::BadSignature
        );
        let anonymous = inbound("/v1.0/debit/notify", &headers[1..], body);
        assert_eq!(
            c.verify_notification_with(&anonymous, &issued).unwrap_err(),
            NotificationRejection::MissingField("Authorization")
        );
    }

    // N0 (§5.8) with the pinned SHA256withRSA vector of snap.rs (tests/fixtures/README.md:
    // `test-client|2024-01-01T10:00:00.000+07:00` signed with the fixture key).
    #[test]
    fn n0_token_request_verifies_with_the_pinned_rsa_vector() {
        let sig = "oEvWs/LTjMlz/2Pnz87QDRlnEeIohRBBDa+wpzcIrZZEX8sn18uM4F0ivotbJo1VZdJSVtrgr2NIyiyn6QRbkUwsXgSWI0NIFPsIz3bNKn+XQDXWMBa3BIb632lKC36TaQGYBBxCooqhBTY1G0F2xNTpGT/yHSHadhAaCIuCCizJGHT5Zhw6dWCQArvAWlCQ/alWklwNJjgw76muKdHUaipQQ3cpqs551/sAP7jrXACIz+ZxWdxdbSTH/WO5PeGSJBvE32qQTWO5N/QfK965J6diO/3HM+I24P5QVqGatubPdC6MmpJc2+JKi8qcfhYWFNrxULWAZvwv4hA7hfs+6Q==";
        let ts = "2024-01-01T10:00:00.000+07:00";
        let body = r#"{"grantType":"client_credentials"}"#;
        let c = client("test-client", "SK-x", no_skew());
        let request = inbound(
            "/doku/token",
            &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts), ("X-SIGNATURE", sig)],
            body,
        );
        let verified = c.verify_token_request(&request).unwrap();
        assert_eq!((verified.client_id.as_str(), verified.timestamp.as_str()), ("test-client", ts));

        let answer = c.answer_token_request(&request);
        assert_eq!(answer.status, 200);
        let reply: Value = serde_json::from_str(answer.body.expose()).unwrap();
        assert_eq!(reply["responseCode"], "2007300");
        assert_eq!(reply["tokenType"], "Bearer");
        assert_eq!(reply["expiresIn"], 900);
        let token = reply["accessToken"].as_str().unwrap();
        assert_eq!(token.len(), 80);
        assert!(c.is_issued_token(token));
        assert!(!c.is_issued_token("someone-elses-token"));
        assert!(!format!("{answer:?}").contains(token), "the token stays out of Debug");

        let tampered = inbound(
            "/doku/token",
            &[
                ("X-CLIENT-KEY", "test-client"),
                ("X-TIMESTAMP", "2024-01-01T10:00:01.000+07:00"),
                ("X-SIGNATURE", sig),
            ],
            body,
        );
        assert_eq!(
            c.verify_token_request(&tampered).unwrap_err(),
            NotificationRejection::BadSignature
        );
        assert_eq!(c.answer_token_request(&tampered).status, 401);
        let stranger = client("another-client", "SK-x", no_skew());
        assert_eq!(
            stranger.verify_token_request(&request).unwrap_err(),
            NotificationRejection::UnknownMerchant
        );
        let strict = client("test-client", "SK-x", DokuSnapOptions::default());
        assert!(
            matches!(
                strict.verify_token_request(&request),
                Err(NotificationRejection::Malformed(_))
            ),
            "2024 is far from now"
        );
        let unsigned =
            inbound("/doku/token", &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts)], body);
        assert_eq!(
            c.verify_token_request(&unsigned).unwrap_err(),
            NotificationRejection::MissingField("X-SIGNATURE")
        );
        let wrong_grant = inbound(
            "/doku/token",
            &[("X-CLIENT-KEY", "test-client"), ("X-TIMESTAMP", ts), ("X-SIGNATURE", sig)],
            r#"{"grantType":"password"}"#,
        );
        assert!(matches!(
            c.verify_token_request(&wrong_grant),
            Err(NotificationRejection::Malformed(_))
        ));
    }

    fn n1_body(status: &str, desc: &str) -> String {
        format!(
            r#"{{"originalPartnerReferenceNo":"INV0008ABCDEFGHI","originalReferenceNo":"2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO","originalExternalId":"249319367692003199365649609468213166","latestTransactionStatus":"{status}","transactionStatusDesc":"{desc}","amount":{{"value":"99000.00","currency":"IDR"}},"additionalInfo":{{"acquirerId":"OVO","custIdMerchant":"cust-013","accountType":"WALLET","channelId":"EMONEY_OVO_SNAP","origin":{{"apiFormat":"SNAP"}},"paymentType":"SALE","somethingNew":1}}}}"#
        )
    }

    fn signed(c: &DokuSnapClient, secret: &[u8], path: &str, body: &str) -> InboundRequest {
        let token = c.issue_notification_token();
        let ts = "2024-01-01T10:05:00+07:00";
        let sig = symmetric_signature(
            secret,
            "POST",
            path,
            token.access_token.expose(),
            body.as_bytes(),
            ts,
        );
        let auth = format!("Bearer {}", token.access_token.expose());
        inbound(
            path,
            &[
                ("Authorization", &auth),
                ("X-TIMESTAMP", ts),
                ("X-SIGNATURE", &sig),
                ("X-PARTNER-ID", "BRN-test"),
            ],
            body,
        )
    }

    #[test]
    fn n1_and_n2_parse_into_events_with_dedup_keys() {
        let c = client("BRN-test", "SK-test-secret", no_skew());
        let n1 = |status: &str, message: &str| {
            let body = n1_body(status, message);
            c.verify_notification(&signed(&c, b"SK-test-secret", "/v1.0/debit/notify", &body))
                .unwrap()
        };
        let paid = n1("00", "Success");
        assert_paid(
            &paid,
            "doku_snap_ovo:payment:249319367692003199365649609468213166:00",
            ("INV0008ABCDEFGHI", "2d0nsSJ27GFllE5IWmBghVkPW6UOFhWO"),
            99_000,
        );
        let failed = n1("06", "Insufficient Funds");
        assert!(
            matches!(failed.event, NotificationEvent::Payment { state: PaymentState::Failed { ref code, ref message }, .. } if code == "06" && message == "Insufficient Funds")
        );
        assert_ne!(failed.dedup_key, paid.dedup_key);

        let n2 = r#"{"originalExternalId":"123456789","additionalInfo":{"status":"SUCCESS","authCode":"auth_code_test_1","custIdMerchant":"81467045757557"}}"#;
        let bound =
            c.verify_notification(&signed(&c, b"SK-test-secret", "/doku/binding", n2)).unwrap();
        assert_eq!(bound.dedup_key, "doku_snap_ovo:binding:123456789:SUCCESS");
        match bound.event.clone() {
            NotificationEvent::Binding { linked, auth_code, merchant_ref, .. } => {
                assert!(linked);
                assert_eq!(auth_code.unwrap().expose(), "auth_code_test_1");
                assert_eq!(merchant_ref.as_deref(), Some("81467045757557"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            notification_answer(InboundKind::of(n2), &Ok(bound)).body.expose(),
            r#"{"responseCode":"2000700","responseMessage":"Request has been processed successfully"}"#
        );
        let rejected = c.verify_notification(&signed(
            &c,
            b"SK-wrong",
            "/v1.0/debit/notify",
            &n1_body("00", "Success"),
        ));
        assert_eq!(rejected.as_ref().unwrap_err(), &NotificationRejection::BadSignature);
        let answer = notification_answer(InboundKind::Payment, &rejected);
        assert_eq!((answer.status, answer.body.expose().contains("4015600")), (401, true));

        // A foreign X-PARTNER-ID is refused even with a good signature.
        let mut foreign =
            signed(&c, b"SK-test-secret", "/v1.0/debit/notify", &n1_body("00", "Success"));
        foreign.headers.retain(|(k, _)| k != "X-PARTNER-ID");
        foreign.headers.push(("x-partner-id".into(), "BRN-other".into()));
        assert_eq!(
            c.verify_notification(&foreign).unwrap_err(),
            NotificationRejection::UnknownMerchant
        );
    }

    #[test]
    fn n1_missing_fields_are_named() {
        let full: Value = serde_json::from_str(&n1_body("00", "Success")).unwrap();
        for (field, name) in [
            ("originalPartnerReferenceNo", "originalPartnerReferenceNo"),
            ("originalExternalId", "originalExternalId"),
            ("transactionStatusDesc", "transactionStatusDesc"),
            ("amount", "amount"),
        ] {
            let mut body = full.clone();
            body.as_object_mut().unwrap().remove(field);
            assert_eq!(
                parse_payment_notification(&body).unwrap_err(),
                NotificationRejection::MissingField(name)
            );
        }
        let mut body = full.clone();
        body["additionalInfo"].as_object_mut().unwrap().remove("paymentType");
        assert_eq!(
            parse_payment_notification(&body).unwrap_err(),
            NotificationRejection::MissingField("additionalInfo.paymentType")
        );
        let mut body = full.clone();
        body["amount"]["value"] = Value::String("99000.50".into());
        assert!(matches!(
            parse_payment_notification(&body),
            Err(NotificationRejection::Malformed(_))
        ));
        // channel / channelId (house decision 4).
        let mut body = full;
        let info = body["additionalInfo"].as_object_mut().unwrap();
        info.remove("channelId");
        info.insert("channel".into(), Value::String("EMONEY_OVO_SNAP".into()));
        assert_eq!(
            parse_payment_notification(&body).unwrap().channel.as_deref(),
            Some("EMONEY_OVO_SNAP")
        );
        let unknown = parse_notification(&n1_body("42", "Mystery")).unwrap();
        assert!(
            matches!(unknown.event, NotificationEvent::Payment { state: PaymentState::Unrecognised(ref s), .. } if s == "42")
        );
    }

    #[test]
    fn answers_read_both_forms_unknown_values_and_name_missing_fields() {
        // Binding: status in additionalInfo or accountStatus; unknown values kept; extras ignored.
        let a: BindingReply = serde_json::from_str(r#"{"responseCode":"2000700","referenceNo":"1","redirectUrl":"https://x","additionalInfo":{"status":"PENDING","authCode":"c","new":true},"extra":[1]}"#).unwrap();
        assert_eq!(a.status(), Some(&BindingStatus::Pending));
        let b: BindingReply =
            serde_json::from_str(r#"{"redirectUrl":"https://x","accountStatus":"SUCCESS"}"#)
                .unwrap();
        assert_eq!(b.status(), Some(&BindingStatus::Success));
        let c: BindingReply = serde_json::from_str(
            r#"{"redirectUrl":"https://x","additionalInfo":{"accountStatus":"FROZEN"}}"#,
        )
        .unwrap();
        assert_eq!(c.status(), Some(&BindingStatus::Unknown("FROZEN".into())));
        let no_redirect: BindingReply = serde_json::from_str(r#"{"referenceNo":"1"}"#).unwrap();
        let missing = binding_redirect(&no_redirect).unwrap_err();
        assert!(missing.contains("redirectUrl"), "{missing}");

        // Balance: availableBalance first, amount as fallback; unknown types kept.
        let bal: BalanceReply = serde_json::from_str(
            r#"{"accountInfos":[{"balanceType":"cash","amount":{"value":"1.00","currency":"IDR"},"availableBalance":{"value":"10000.00","currency":"IDR"}},
                {"balanceType":"POINTS","amount":{"value":"500.00","currency":"IDR"}},{"balanceType":"VOUCHER","amount":{"value":"5.00","currency":"IDR"}}]}"#,
        )
        .unwrap();
        assert_eq!(bal.account_infos[0].balance_type, Pocket::Cash);
        assert_eq!(bal.account_infos[0].balance().unwrap().to_idr(), Ok(Idr::new(10_000).unwrap()));
        assert_eq!(bal.account_infos[1].balance().unwrap().to_idr(), Ok(Idr::new(500).unwrap()));
        assert_eq!(bal.account_infos[2].balance_type, Pocket::Unknown("VOUCHER".into()));
        let missing = serde_json::from_str::<BalanceReply>(r#"{"responseCode":"2001100"}"#)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("accountInfos"), "{missing}");

        // Status: unknown latestTransactionStatus; both refund-history keys.
        let st: StatusReply = serde_json::from_str(
            r#"{"latestTransactionStatus":"09","transactionStatusDesc":"?","refundHistory":[
                {"refundNo":"R1","partnerReferenceNo":"REFA","refundStatus":"00","refundAmount":{"value":"1.00","currency":"IDR"}},
                {"refundNo":"R2","partnerRefundNo":"REFB","refundStatus":"77"}],"additionalInfo":{"channelId":"EMONEY_OVO_SNAP"},"new":{}}"#,
        )
        .unwrap();
        assert_eq!(st.latest_transaction_status, TransactionStatus::Unknown("09".into()));
        assert_eq!(
            payment_state(&st.latest_transaction_status, "09", "?"),
            PaymentState::Unrecognised("09".into())
        );
        assert_eq!(st.refund_history[0].partner_refund_no(), Some("REFA"));
        assert_eq!(st.refund_history[1].partner_refund_no(), Some("REFB"));
        assert_eq!(st.refund_history[1].refund_status, Some(RefundStatus::Unknown("77".into())));
        assert_eq!(st.channel(), Some("EMONEY_OVO_SNAP"));
        let missing = serde_json::from_str::<StatusReply>(r#"{"originalReferenceNo":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("latestTransactionStatus"), "{missing}");
        let bad_amount = serde_json::from_str::<StatusReply>(
            r#"{"latestTransactionStatus":"00","transAmount":{"value":"1.00"}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(bad_amount.contains("currency"), "{bad_amount}");

        // Pay methods: unknown kept.
        let opt: PayOption = serde_json::from_str(
            r#"{"payMethod":"CRYPTO","transAmount":{"value":"1.00","currency":"IDR"}}"#,
        )
        .unwrap();
        assert_eq!(opt.pay_method, Pocket::Unknown("CRYPTO".into()));
    }

    #[test]
    fn transaction_statuses_map_to_payment_states() {
        let s = |code: &str, desc: &str| {
            payment_state(&TransactionStatus::from(code.to_owned()), code, desc)
        };
        assert_eq!(s("00", "success"), PaymentState::Succeeded);
        assert_eq!(s("01", "Initiated"), PaymentState::Pending);
        assert_eq!(s("02", ""), PaymentState::Pending);
        assert_eq!(s("03", ""), PaymentState::Pending);
        assert_eq!(s("04", ""), PaymentState::Refunded);
        assert_eq!(s("05", ""), PaymentState::Cancelled);
        assert_eq!(s("06", "Transaction Expired"), PaymentState::Expired);
        assert_eq!(
            s("06", "Customer Declined"),
            PaymentState::Failed { code: "06".into(), message: "Customer Declined".into() }
        );
        assert_eq!(
            s("07", "Not Found"),
            PaymentState::NotFound { code: "07".into(), message: "Not Found".into() }
        );
    }

    #[test]
    fn payment_body_round_trips_amounts_and_split() {
        let body = to_json(&PaymentBody {
            partner_reference_no: "ABCDEFGH12345678",
            amount: SnapAmount::from_idr(Idr::new(20_000).unwrap()),
            url_params: Vec::new(),
            pay_option_details: vec![
                PayOption {
                    pay_method: Pocket::Points,
                    trans_amount: SnapAmount::from_idr(Idr::new(5_000).unwrap()),
                    fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
                },
                PayOption {
                    pay_method: Pocket::Cash,
                    trans_amount: SnapAmount::from_idr(Idr::new(15_000).unwrap()),
                    fee_amount: None,
                },
            ],
            additional_info: PaymentBodyInfo {
                channel: CHANNEL,
                payment_type: "SALE",
                success_payment_url: Some("https://m/ok"),
                failed_payment_url: Some("https://m/ok"),
                remarks: None,
            },
        });
        assert_eq!(
            body,
            r#"{"partnerReferenceNo":"ABCDEFGH12345678","amount":{"value":"20000.00","currency":"IDR"},"payOptionDetails":[{"payMethod":"POINTS","transAmount":{"value":"5000.00","currency":"IDR"},"feeAmount":{"value":"0.00","currency":"IDR"}},{"payMethod":"CASH","transAmount":{"value":"15000.00","currency":"IDR"}}],"additionalInfo":{"channel":"EMONEY_OVO_SNAP","paymentType":"SALE","successPaymentUrl":"https://m/ok","failedPaymentUrl":"https://m/ok"}}"#
        );
        let back: Value = serde_json::from_str(&body).unwrap();
        let options: Vec<PayOption> =
            serde_json::from_value(back["payOptionDetails"].clone()).unwrap();
        assert_eq!(
            split_of(&options),
            Some(Split { cash: Idr::new(15_000).unwrap(), points: Idr::new(5_000).unwrap() })
        );
        let amount: SnapAmount = serde_json::from_value(back["amount"].clone()).unwrap();
        assert_eq!(amount.to_idr(), Ok(Idr::new(20_000).unwrap()));
    }

    #[test]
    fn external_ids_are_stable_per_key_and_wib_day() {
        let at = |unix: i64| Timestamp::from_unix_millis(unix * 1000);
        // 2024-01-01 10:00 WIB and 2024-01-01 16:59 UTC (23:59 WIB) are the same WIB day...
        let a = daily_external_id("PAY-1", at(1_704_078_000));
        assert_eq!(a, daily_external_id("PAY-1", at(1_704_128_340)));
        assert_eq!(a.len(), 36);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        // ...17:00 UTC is the next WIB day.
        assert_ne!(a, daily_external_id("PAY-1", at(1_704_128_400)));
        assert_ne!(a, daily_external_id("PAY-2", at(1_704_078_000)));
    }

    #[test]
    fn doku_times_with_and_without_zone() {
        let wib = parse_doku_time("2024-01-01T09:09:00.123").unwrap();
        assert_eq!(wib, parse_doku_time("2024-01-01T02:09:00.123Z").unwrap());
        assert_eq!(
            parse_doku_time("2024-01-01T09:09:00+07:00"),
            parse_doku_time("2024-01-01T09:09:00")
        );
        assert!(parse_doku_time("yesterday").is_none());
        assert!(parse_doku_time("2024-1-01T09:09:00").is_none());
    }

    #[test]
    fn echo_checks_name_the_field() {
        let t = crate::transport::Transport::new(Product::DokuSnapOvo);
        let call = Call::write(Operation::Refund, Duration::from_secs(1));
        let sent = Idr::new(10_000).unwrap();
        assert!(
            check_echo(&t, call, "refundAmount", sent, Some(&SnapAmount::from_idr(sent))).is_ok()
        );
        let e = check_echo(
            &t,
            call,
            "refundAmount",
            sent,
            Some(&SnapAmount::from_idr(Idr::new(1_000).unwrap())),
        )
        .unwrap_err();
        assert_eq!(
            e,
            ProviderError::Mismatch {
                product: Product::DokuSnapOvo,
                field: "refundAmount",
                sent: "10000.00".into(),
                echoed: "1000.00".into()
            }
        );
        let e = check_echo(
            &t,
            call,
            "refundAmount",
            sent,
            Some(&SnapAmount { value: "10000.00".into(), currency: "USD".into() }),
        )
        .unwrap_err();
        assert!(matches!(e, ProviderError::Mismatch { field: "currency", .. }));
        assert!(check_echo(
            &t,
            call,
            "refundAmount",
            sent,
            Some(&SnapAmount { value: "ten".into(), currency: "IDR".into() })
        )
        .unwrap_err()
        .is_unknown_outcome());
    }

    #[test]
    fn debug_shows_no_secret() {
        let c = client("BRN-test", "SK-very-secret-value", no_skew());
        let token = c.issue_notification_token();
        let shown = format!("{c:?} {token:?}");
        assert!(!shown.contains("SK-very-secret-value"), "{shown}");
        assert!(!shown.contains(token.access_token.expose().as_str()));
        assert!(!shown.contains("PRIVATE KEY"));
    }

    #[test]
    fn constructor_requires_credentials_and_valid_keys() {
        let only_id =
            Credentials::from_pairs(Product::DokuSnapOvo, [("client_id", "x".to_owned())]);
        assert_eq!(
            DokuSnapClient::new("http://x", &only_id, DokuSnapOptions::default()).unwrap_err(),
            ProviderError::MissingCredential { product: Product::DokuSnapOvo, field: "secret_key" }
        );
        let bad_key = Credentials::from_pairs(
            Product::DokuSnapOvo,
            [
                ("client_id", "x".to_owned()),
                ("secret_key", "s".to_owned()),
                ("merchant_private_key", "nope".to_owned()),
            ],
        );
        let e = DokuSnapClient::new("http://x", &bad_key, DokuSnapOptions::default()).unwrap_err();
        assert!(
            matches!(e, ProviderError::InvalidInput { ref detail, .. } if detail.starts_with("merchant_private_key"))
        );
        let other = Credentials::from_pairs(Product::OvoSnap, []);
        assert!(DokuSnapClient::new("http://x", &other, DokuSnapOptions::default()).is_err());
    }
}
