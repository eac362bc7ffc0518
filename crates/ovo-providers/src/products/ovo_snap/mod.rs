//! OVO SNAP Open API ("OPEN API LITE"), written from `shared/providers/ovo-snap.md` (cited as
//! §n) on the SNAP layer in [`super::snap`]. Linkage (binding + B2B2C token), balance, direct
//! debit with a PIN webview, status, full and partial refunds, two-call unlink, and the
//! payment callback.

pub mod sign;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ovo_domain::{Clock, Idr, PhoneFormat, Product, SystemClock, Timestamp};
use ovo_secrets::Sensitive;
use rsa::RsaPublicKey;
use serde_json::Value;

use super::snap::{
    self, check_echo, external_id_for, to_json, BalanceReply, Bearer, BindingBody, BindingBodyInfo,
    BindingReply, CustomerGrant, GrantCase, PayOption, PaymentBody, PaymentReply, Pocket,
    RefundBody, RefundReply, SnapClass, SnapReply, SnapRequest, SnapSession, StatusBody,
    StatusReply, TimestampStyle, TransactionStatus, UrlParam,
};
use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult};
use crate::model::*;
use crate::notification::{InboundRequest, Notification, NotificationRejection};
use crate::provider::Provider;
use crate::transport::Call;
use crate::wire::SnapAmount;

pub use wire::*;

const PRODUCT: Product = Product::OvoSnap;

/// Configuration of the client (§2 house decision 5, §3, §5, §8, §15).
#[derive(Debug, Clone)]
pub struct OvoSnapOptions {
    /// Read timeout of every call (§15 house default: 30 s).
    pub timeout: Duration,
    /// Version segment of the B2B token path (`v1.0`).
    pub b2b_token_version: String,
    /// Version segment of every other path (`v2.0`).
    pub version: String,
    /// `X-DEVICE-ID`, mandatory at OVO: a stable per-terminal id.
    pub device_id: String,
    /// `CHANNEL-ID`: value UNKNOWN, sent only when configured.
    pub channel_id: Option<String>,
    /// `phoneNo` on binding: `62…` (default) or `08…`.
    pub phone_format: PhoneFormat,
    /// `grantType` case: ASPI upper-case by default.
    pub grant_case: GrantCase,
    /// `serviceCode` of the status inquiry: `"54"` (the original payment's service).
    pub status_service_code: String,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
    /// Where the client reads the time.
    pub clock: Arc<dyn Clock>,
}

impl Default for OvoSnapOptions {
    fn default() -> Self {
        OvoSnapOptions {
            timeout: Duration::from_secs(30),
            b2b_token_version: "v1.0".into(),
            version: "v2.0".into(),
            device_id: "ovo-backoffice".into(),
            channel_id: None,
            phone_format: PhoneFormat::Canonical,
            grant_case: GrantCase::Upper,
            status_service_code: "54".into(),
            extra_roots: Default::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// The OVO SNAP client of one merchant.
#[derive(Debug)]
pub struct OvoSnapClient {
    snap: SnapSession,
    options: OvoSnapOptions,
    provider_key: Option<RsaPublicKey>,
}

// ---------------------------------------------------------------------------------------------
// The client

impl OvoSnapClient {
    /// Reads `client_id`, `client_secret`, `merchant_private_key` (PKCS#1 or PKCS#8 PEM) and the
    /// optional `provider_public_key` (for asymmetric callbacks).
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: OvoSnapOptions,
    ) -> ProviderResult<OvoSnapClient> {
        let client_id = credentials.require("client_id")?.expose().clone();
        let client_secret = credentials.require("client_secret")?.clone();
        let (key, provider_key) = snap::keys_from(PRODUCT, credentials)?;
        let profile = sign::profile(&options);
        Ok(OvoSnapClient {
            snap: SnapSession::new(profile, base_url, client_id, client_secret, key)
                .trusting(&options.extra_roots)
                .with_clock(options.clock.clone()),
            options,
            provider_key,
        })
    }

    fn path(&self, operation: &str) -> String {
        format!("/OVOSNAP/{}/{operation}", self.options.version)
    }

    fn read(&self, operation: Operation) -> Call {
        Call::read(operation, self.options.timeout)
    }

    fn write(&self, operation: Operation) -> Call {
        Call::write(operation, self.options.timeout)
    }

    /// Refreshes a linked account's customer token (§5); the caller stores the new token.
    pub async fn refresh_account(&self, account: &LinkedAccount) -> ProviderResult<LinkedAccount> {
        let refresh = account.refresh_token.clone().ok_or_else(|| {
            ProviderError::invalid_input(PRODUCT, "the linked account has no refresh token")
        })?;
        let token = self
            .snap
            .customer_token(Operation::CompleteBinding, &CustomerGrant::RefreshToken(refresh), None)
            .await?;
        let mut refreshed = token.linked_account(&account.phone, account.provider_ref.clone());
        refreshed.refresh_token = refreshed.refresh_token.or_else(|| account.refresh_token.clone());
        Ok(refreshed)
    }

    /// The customer token to use now: refreshed first when it is known to expire within 60 s.
    async fn customer_token(&self, account: &LinkedAccount) -> ProviderResult<Sensitive<String>> {
        let expiring =
            account.token_expires_at.is_some_and(|at| at.millis_since(self.snap.now()) < 60_000);
        match (&account.token, expiring && account.refresh_token.is_some()) {
            (Some(token), false) => Ok(token.clone()),
            (_, true) => Ok(self
                .refresh_account(account)
                .await?
                .token
                .unwrap_or_else(|| Sensitive::new(String::new()))),
            (None, false) => Err(ProviderError::invalid_input(
                PRODUCT,
                "the OVO account is not linked (no customer token)",
            )),
        }
    }

    /// A call on the customer's behalf (§3): the B2B2C token in `Authorization`, or for a
    /// refund the B2B token there and the B2B2C token in `Authorization-Customer`. On
    /// `401xx02` with a refresh token, refreshes once and sends again (nothing was processed).
    async fn send_as_customer(
        &self,
        account: &LinkedAccount,
        call: Call,
        path: String,
        body: String,
        external_id: Option<String>,
        refund: bool,
    ) -> ProviderResult<SnapReply> {
        let mut token = self.customer_token(account).await?;
        let mut refreshed = false;
        loop {
            let (authorization, customer) = if refund {
                (Bearer::B2b, Some(token.clone()))
            } else {
                (Bearer::Token(token.clone()), None)
            };
            let request = SnapRequest {
                call,
                method: reqwest::Method::POST,
                path: path.clone(),
                body: body.clone(),
                authorization,
                customer,
                external_id: external_id.clone(),
            };
            let reply = self.snap.send(&request).await?;
            if reply.class() == SnapClass::CustomerToken
                && !refreshed
                && account.refresh_token.is_some()
            {
                refreshed = true;
                if let Some(t) = self.refresh_account(account).await?.token {
                    token = t;
                    continue;
                }
            }
            return Ok(reply);
        }
    }

    fn account_of<'a>(
        &self,
        account: Option<&'a LinkedAccount>,
    ) -> ProviderResult<&'a LinkedAccount> {
        account
            .ok_or_else(|| ProviderError::invalid_input(PRODUCT, "OVO SNAP needs a linked account"))
    }

    fn status_outcome(
        &self,
        call: Call,
        reply: &SnapReply,
        sent: Idr,
    ) -> ProviderResult<(PaymentOutcome, StatusReply)> {
        let status: StatusReply = reply.decode(self.snap.transport(), call)?;
        check_echo(self.snap.transport(), call, "amount", sent, status.amount.as_ref())?;
        let state = payment_state(
            &status.latest_transaction_status,
            status.transaction_status_desc.as_deref(),
        );
        let paid = if state == PaymentState::Succeeded || state == PaymentState::Refunded {
            status.paid_split()
        } else {
            None
        };
        let outcome = PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: status.original_reference_no.clone(),
            paid,
            provider_status: format!("{} {}", reply.code, status.latest_transaction_status.code()),
        };
        Ok((outcome, status))
    }

    async fn query_status(
        &self,
        account: &LinkedAccount,
        reference: &str,
        provider_ref: Option<&str>,
        amount: Idr,
        created_at: Option<Timestamp>,
    ) -> ProviderResult<(Call, SnapReply)> {
        let call = self.read(Operation::Status);
        let date = created_at.unwrap_or_else(|| self.snap.now());
        let body = to_json(&StatusBody {
            original_partner_reference_no: reference,
            original_reference_no: provider_ref,
            service_code: &self.options.status_service_code,
            merchant_id: None,
            transaction_date: Some(snap::format_timestamp(date, TimestampStyle::OffsetMillis)),
            amount: Some(SnapAmount::from_idr(amount)),
            additional_info: Value::Object(Default::default()),
        });
        let reply = self
            .send_as_customer(account, call, self.path("debit/status"), body, None, false)
            .await?;
        Ok((call, reply))
    }
}

#[async_trait]
impl Provider for OvoSnapClient {
    /// A fresh SNAP B2B access token: signed with the private key, it proves the client id
    /// and key; it changes nothing.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        self.snap.test_b2b_token().await
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    /// Account binding (§6.2 step 1): no `Authorization`, signed with an empty token (§4).
    async fn bind(&self, request: &BindRequest) -> ProviderResult<BindStarted> {
        let call = self.write(Operation::Bind);
        let body = to_json(&BindingBody {
            merchant_id: Some(self.snap.client_id()),
            partner_reference_no: Some(request.reference.as_str()),
            phone_no: request.phone.render(self.options.phone_format),
            redirect_url: Some(&request.return_url),
            additional_info: BindingBodyInfo {
                channel: None,
                cust_id_merchant: &request.merchant_customer_id,
                success_registration_url: None,
                failed_registration_url: None,
            },
        });
        let snap_request = SnapRequest {
            call,
            method: reqwest::Method::POST,
            path: self.path("oauth/account/registration-account-binding"),
            body,
            authorization: Bearer::None,
            customer: None,
            external_id: None,
        };
        let reply = self.snap.send(&snap_request).await?.into_result(PRODUCT, call)?;
        let binding: BindingReply = reply.decode(self.snap.transport(), call)?;
        let redirect_url = binding
            .redirect_url
            .clone()
            .or(binding.web_redirect_url.clone())
            .or(binding.pin_web_view_url.clone())
            .ok_or_else(|| self.snap.transport().malformed(call, "missing redirectUrl".into()))?;
        let linkage = binding.linkage_token.clone().or_else(|| {
            let info = binding.additional_info.as_ref();
            info.and_then(|i| i.linkage_token.clone()).filter(|t| !t.expose().is_empty())
        });
        let linkage = linkage
            .ok_or_else(|| self.snap.transport().malformed(call, "missing linkageToken".into()))?;
        Ok(BindStarted {
            redirect_url,
            provider_ref: binding.reference_no,
            pending_token: Some(linkage),
        })
    }

    /// §6.2 step 3: the authCode for a B2B2C token, with `Authorization: Bearer <linkageToken>`.
    async fn complete_binding(&self, request: &CompleteBinding) -> ProviderResult<LinkedAccount> {
        let missing = |what: &str| {
            ProviderError::invalid_input(
                PRODUCT,
                format!("completing an OVO linkage needs the {what}"),
            )
        };
        let auth_code = request.auth_code.clone().ok_or_else(|| missing("authCode"))?;
        let linkage = request.pending_token.as_ref().ok_or_else(|| missing("linkageToken"))?;
        let token = self
            .snap
            .customer_token(
                Operation::CompleteBinding,
                &CustomerGrant::AuthorizationCode(auth_code),
                Some(linkage),
            )
            .await?;
        Ok(token.linked_account(&request.phone, request.provider_ref.clone()))
    }

    /// §11: `accountInfos[]`, CASH and POINT(S), `availableBalance` before `amount`.
    async fn balance(&self, account: &LinkedAccount) -> ProviderResult<Balance> {
        let call = self.read(Operation::Balance);
        let body = r#"{"additionalInfo":{}}"#.to_owned();
        let reply = self
            .send_as_customer(account, call, self.path("balance-inquiry"), body, None, false)
            .await?
            .into_result(PRODUCT, call)?;
        let answer: BalanceReply = reply.decode(self.snap.transport(), call)?;
        let mut balance = Balance { cash: Idr::ZERO, points: Idr::ZERO };
        let (mut saw_cash, mut saw_points) = (false, false);
        for info in &answer.account_infos {
            let amount = info.available_balance.as_ref().or(info.amount.as_ref());
            let Some(amount) = amount else {
                return Err(self
                    .snap
                    .transport()
                    .malformed(call, "missing accountInfos[].availableBalance".into()));
            };
            let value = amount_of("accountInfos[].availableBalance", amount)
                .map_err(|d| self.snap.transport().malformed(call, d))?;
            match &info.balance_type {
                Pocket::Cash => (balance.cash, saw_cash) = (value, true),
                Pocket::Points => (balance.points, saw_points) = (value, true),
                Pocket::Unknown(kind) => {
                    tracing::info!(balance_type = kind.as_str(), "OVO SNAP balance type not shown")
                }
            }
        }
        if !saw_cash && !saw_points {
            return Err(self
                .snap
                .transport()
                .malformed(call, "accountInfos has no CASH or POINTS balance".into()));
        }
        Ok(balance)
    }

    /// Direct debit (§7): the PIN webview, or at once where the answer is already known.
    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        if request.kind != PaymentKind::DirectDebit {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                format!("OVO SNAP pays by direct debit only, not {:?}", request.kind),
            ));
        }
        let account = self.account_of(request.account.as_ref())?;
        let call = self.write(Operation::Pay);
        let pay_method = match request.source {
            PaySource::Cash => Pocket::Cash,
            // POINTS deducts points first and takes the rest from cash (§7, weak source).
            PaySource::Points | PaySource::PointsFirst => Pocket::Points,
        };
        let body = to_json(&PaymentBody {
            partner_reference_no: request.reference.as_str(),
            amount: SnapAmount::from_idr(request.amount),
            url_params: request
                .return_url
                .as_deref()
                .map(|url| UrlParam { url, kind: "PAY_RETURN", is_deeplink: "N" })
                .into_iter()
                .collect(),
            pay_option_details: vec![PayOption {
                pay_method,
                trans_amount: SnapAmount::from_idr(request.amount),
                fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
            }],
            additional_info: Value::Object(Default::default()),
        });
        let external_id = Some(external_id_for(&request.idempotency_key));
        let reply = self
            .send_as_customer(
                account,
                call,
                self.path("debit/payment-host-to-host"),
                body,
                external_id,
                false,
            )
            .await?
            .into_result(PRODUCT, call)?;
        let answer: PaymentReply = reply.decode(self.snap.transport(), call)?;
        check_echo(self.snap.transport(), call, "amount", request.amount, answer.amount.as_ref())?;
        let redirect = answer.web_redirect_url.clone().or(answer.app_redirect_url.clone());
        let state = match (&answer.latest_transaction_status, redirect) {
            (Some(TransactionStatus::Success), _) => PaymentState::Succeeded,
            (
                Some(
                    s @ (TransactionStatus::Failed
                    | TransactionStatus::Cancelled
                    | TransactionStatus::Unknown(_)),
                ),
                _,
            ) => payment_state(s, Some(&reply.message)),
            (_, Some(url)) => PaymentState::RedirectRequired { url },
            (Some(s), None) => payment_state(s, None),
            (None, None) if reply.class() == SnapClass::InProgress => PaymentState::Pending,
            (None, None) => {
                return Err(self.snap.transport().malformed(call, "missing webRedirectUrl".into()))
            }
        };
        let status = answer
            .latest_transaction_status
            .as_ref()
            .map(|s| format!(" {}", s.code()))
            .unwrap_or_default();
        Ok(PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: answer.reference_no,
            paid: None,
            provider_status: format!("{}{status}", reply.code),
        })
    }

    /// §8: by `originalPartnerReferenceNo`; `4045501` is `NotFound`: no record (yet), never a
    /// failure on its own (a write may still be processed within the processing window).
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let account = self.account_of(request.account.as_ref())?;
        let (call, reply) = self
            .query_status(
                account,
                request.reference.as_str(),
                request.provider_ref.as_deref(),
                request.amount,
                Some(request.created_at),
            )
            .await?;
        if reply.is(404, "01") {
            return Ok(PaymentOutcome::not_found(reply.code, reply.message, None));
        }
        let reply = reply.into_result(PRODUCT, call)?;
        Ok(self.status_outcome(call, &reply, request.amount)?.0)
    }

    /// §9: B2B token in `Authorization`, B2B2C in `Authorization-Customer` (house default).
    async fn refund(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let account = self.account_of(request.account.as_ref())?;
        let call = self.write(Operation::Refund);
        let body = to_json(&RefundBody {
            original_partner_reference_no: request.payment_reference.as_str(),
            original_reference_no: request.payment_provider_ref.as_deref(),
            partner_refund_no: request.refund_reference.as_str(),
            refund_amount: SnapAmount::from_idr(request.amount),
            reason: Some(&request.reason),
            additional_info: Value::Object(Default::default()),
        });
        // SNAP §10: a resend under the same key is byte-identical within the WIB day.
        let external_id = Some(snap::daily_external_id(&request.idempotency_key, self.snap.now()));
        let reply = self
            .send_as_customer(account, call, self.path("debit/refund"), body, external_id, true)
            .await?
            .into_result(PRODUCT, call)?;
        let answer: RefundReply = reply.decode(self.snap.transport(), call)?;
        check_echo(
            self.snap.transport(),
            call,
            "refundAmount",
            request.amount,
            answer.refund_amount.as_ref(),
        )?;
        let state = reply.refund_state(answer.refund_status.as_ref());
        Ok(RefundOutcome { state, provider_ref: answer.refund_no, provider_status: reply.code })
    }

    /// SNAP §10 step 1: the payment's status, then its `refundHistory` for our `partnerRefundNo`.
    /// Absent there: `NotFound`, never `Failed` (OVO may still process it).
    async fn refund_status(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let account = self.account_of(request.account.as_ref())?;
        let (call, reply) = self
            .query_status(
                account,
                request.payment_reference.as_str(),
                request.payment_provider_ref.as_deref(),
                request.payment_amount,
                None,
            )
            .await?;
        let reply = reply.into_result(PRODUCT, call)?;
        let (_, status) = self.status_outcome(call, &reply, request.payment_amount)?;
        let ours = request.refund_reference.as_str();
        let entry = status.refund_history.iter().find(|e| {
            e.partner_refund_no.as_deref() == Some(ours)
                || e.partner_reference_no.as_deref() == Some(ours)
        });
        match entry {
            Some(entry) => {
                check_echo(
                    self.snap.transport(),
                    call,
                    "refundAmount",
                    request.amount,
                    entry.refund_amount.as_ref(),
                )?;
                let state = entry
                    .refund_status
                    .as_ref()
                    .map_or(RefundState::Succeeded, |s| s.refund_state(&reply.message));
                Ok(RefundOutcome {
                    state,
                    provider_ref: entry.refund_no.clone(),
                    provider_status: reply.code.clone(),
                })
            }
            None => Ok(snap::refund_not_listed(ours, &reply.code)),
        }
    }

    /// §10: two calls; the second with the token the first returned, when it returns one.
    /// A customer token refused again after its renewal, or whose renewal is refused, is a
    /// disabled link (§6.5): `AlreadyUnlinked` (as an unbind sent again after a lost answer meets).
    async fn unbind(&self, account: &LinkedAccount) -> ProviderResult<UnbindOutcome> {
        let call = self.write(Operation::Unbind);
        let path = self.path("oauth/account/registration-account-unbinding");
        let body = to_json(
            &serde_json::json!({"merchantId": self.snap.client_id(), "additionalInfo": {}}),
        );
        let first = match self
            .send_as_customer(account, call, path.clone(), body.clone(), None, false)
            .await
        {
            Ok(reply)
                if reply.class() == SnapClass::CustomerToken && account.refresh_token.is_some() =>
            {
                return Ok(UnbindOutcome::AlreadyUnlinked);
            }
            Ok(reply) => reply.into_result(PRODUCT, call)?,
            Err(e) if snap::customer_token_refused(&e) => {
                return Ok(UnbindOutcome::AlreadyUnlinked)
            }
            Err(e) => return Err(e),
        };
        let Some(second_token) = first_string(
            &first.body,
            &["/linkageToken", "/additionalInfo/token", "/accessTokenInfo/accessToken"],
        ) else {
            return Ok(UnbindOutcome::pending_if(first.class() != SnapClass::Success));
        };
        let request = SnapRequest {
            call,
            method: reqwest::Method::POST,
            path,
            body,
            authorization: Bearer::Token(Sensitive::new(second_token)),
            customer: None,
            external_id: None,
        };
        let second = self.snap.send(&request).await?.into_result(PRODUCT, call)?;
        let result = first_string(&second.body, &["/unlinkResult", "/additionalInfo/unlinkResult"])
            .unwrap_or_default();
        Ok(UnbindOutcome::pending_if(
            second.class() == SnapClass::InProgress
                || result.eq_ignore_ascii_case("UNBINDING_PENDING"),
        ))
    }

    /// §12: the strategy of SNAP §7, then ASPI 56 fields; the dedup key is the payment and
    /// its status, the same for every delivery of one outcome.
    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        sign::verify_callback(
            request,
            self.snap.client_id(),
            self.snap.client_secret().expose().as_bytes(),
            self.provider_key.as_ref(),
        )?;
        parse_notification(&request.body)
    }
}

/// The merchant's answer to a notification (ovo-snap.md: `2005600`, or `4015600` / `400560x`).
impl crate::notification::IncomingWebhook for OvoSnapClient {
    fn acknowledge_notification(
        &self,
        received: crate::notification::Received<'_>,
    ) -> crate::notification::InboundResponse {
        let (status, code, message) = match received.verified {
            Ok(_) => (200, "2005600", "Successful".to_owned()),
            Err(e) => {
                let (status, code) = match e {
                    NotificationRejection::BadSignature
                    | NotificationRejection::UnknownMerchant
                    | NotificationRejection::UnknownToken => (401, "4015600"),
                    NotificationRejection::MissingField(_) => (400, "4005602"),
                    _ => (400, "4005601"),
                };
                (status, code, e.to_string())
            }
        };
        crate::notification::InboundResponse::json(
            status,
            &serde_json::json!({ "responseCode": code, "responseMessage": message }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::products::snap::{split_of, AccountInfo, RefundStatus};

    #[test]
    fn unknown_enum_values_are_kept_and_extra_fields_ignored() {
        let reply: StatusReply = serde_json::from_str(
            r#"{"responseCode":"2005500","latestTransactionStatus":"99","amount":{"value":"10000.00","currency":"IDR"},"shinyNewField":{"x":1},
                "refundHistory":[{"partnerRefundNo":"R1","refundStatus":"42"}]}"#,
        )
        .unwrap();
        assert_eq!(reply.latest_transaction_status, TransactionStatus::Unknown("99".into()));
        assert_eq!(
            payment_state(&reply.latest_transaction_status, None),
            PaymentState::Unrecognised("99".into())
        );
        assert_eq!(reply.refund_history[0].refund_status, Some(RefundStatus::Unknown("42".into())));
        let info: AccountInfo = serde_json::from_str(
            r#"{"balanceType":"VOUCHER","amount":{"value":"1.00","currency":"IDR"}}"#,
        )
        .unwrap();
        assert_eq!(info.balance_type, Pocket::Unknown("VOUCHER".into()));
        assert_eq!(Pocket::from("point".to_owned()), Pocket::Points);
        assert_eq!(Pocket::from("Cash".to_owned()), Pocket::Cash);
    }

    #[test]
    fn statuses_map_to_payment_states() {
        let state = |s: &str| payment_state(&TransactionStatus::from(s.to_owned()), Some("d"));
        assert_eq!(state("00"), PaymentState::Succeeded);
        assert_eq!(state("01"), PaymentState::Pending);
        assert_eq!(state("03"), PaymentState::Pending);
        assert_eq!(state("04"), PaymentState::Refunded);
        assert_eq!(state("05"), PaymentState::Cancelled);
        assert_eq!(state("06"), PaymentState::Failed { code: "06".into(), message: "d".into() });
    }

    #[test]
    fn missing_mandatory_fields_are_named() {
        let e = serde_json::from_str::<StatusReply>(r#"{"responseCode":"2005500"}"#).unwrap_err();
        assert!(e.to_string().contains("latestTransactionStatus"), "{e}");
        let e = serde_json::from_str::<BalanceReply>(r#"{"responseCode":"2001100"}"#).unwrap_err();
        assert!(e.to_string().contains("accountInfos"), "{e}");
        assert_eq!(
            parse_callback(r#"{"latestTransactionStatus":"00"}"#).unwrap_err(),
            NotificationRejection::MissingField("originalReferenceNo")
        );
        assert_eq!(
            parse_callback(r#"{"originalReferenceNo":"X"}"#).unwrap_err(),
            NotificationRejection::MissingField("latestTransactionStatus")
        );
        assert!(matches!(parse_callback("{not json"), Err(NotificationRejection::Malformed(_))));
    }

    #[test]
    fn payment_body_round_trips_amounts_and_order() {
        let amount = Idr::new(20_000).unwrap();
        let body = to_json(&PaymentBody {
            partner_reference_no: "ABCDEFGH12345678",
            amount: SnapAmount::from_idr(amount),
            url_params: vec![UrlParam {
                url: "https://m.example/return",
                kind: "PAY_RETURN",
                is_deeplink: "N",
            }],
            pay_option_details: vec![PayOption {
                pay_method: Pocket::Cash,
                trans_amount: SnapAmount::from_idr(amount),
                fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
            }],
            additional_info: Value::Object(Default::default()),
        });
        assert_eq!(
            body,
            r#"{"partnerReferenceNo":"ABCDEFGH12345678","amount":{"value":"20000.00","currency":"IDR"},"urlParams":[{"url":"https://m.example/return","type":"PAY_RETURN","isDeeplink":"N"}],"payOptionDetails":[{"payMethod":"CASH","transAmount":{"value":"20000.00","currency":"IDR"},"feeAmount":{"value":"0.00","currency":"IDR"}}],"additionalInfo":{}}"#
        );
        let back: Value = serde_json::from_str(&body).unwrap();
        let echoed: SnapAmount = serde_json::from_value(back["amount"].clone()).unwrap();
        assert_eq!(echoed.to_idr(), Ok(amount));
        let options: Vec<PayOption> =
            serde_json::from_value(back["payOptionDetails"].clone()).unwrap();
        assert_eq!(split_of(&options), Some(Split { cash: amount, points: Idr::ZERO }));
    }

    #[test]
    fn echo_checks_amount_and_currency() {
        let sent = Idr::new(10_000).unwrap();
        let transport = crate::transport::Transport::new(PRODUCT);
        let call = Call::write(Operation::Pay, std::time::Duration::from_secs(1));
        let check_echo = |field: &'static str, sent: Idr, echoed: Option<&SnapAmount>| {
            check_echo(&transport, call, field, sent, echoed)
        };
        assert!(check_echo("amount", sent, None).is_ok());
        assert!(check_echo(
            "amount",
            sent,
            Some(&SnapAmount { value: "10000.00".into(), currency: "IDR".into() })
        )
        .is_ok());
        assert!(matches!(
            check_echo(
                "amount",
                sent,
                Some(&SnapAmount { value: "10001.00".into(), currency: "IDR".into() })
            ),
            Err(ProviderError::Mismatch { field: "amount", .. })
        ));
        assert!(matches!(
            check_echo(
                "amount",
                sent,
                Some(&SnapAmount { value: "10000.00".into(), currency: "USD".into() })
            ),
            Err(ProviderError::Mismatch { field: "currency", .. })
        ));
        assert!(check_echo(
            "amount",
            sent,
            Some(&SnapAmount { value: "ten".into(), currency: "IDR".into() })
        )
        .unwrap_err()
        .is_unknown_outcome());
    }

    #[test]
    fn binding_phone_renders_per_configuration() {
        let phone = ovo_domain::Msisdn::parse("0812-3456-7890").unwrap();
        assert_eq!(phone.render(PhoneFormat::Canonical), "6281234567890");
        assert_eq!(phone.render(PhoneFormat::National), "081234567890");
    }
}
