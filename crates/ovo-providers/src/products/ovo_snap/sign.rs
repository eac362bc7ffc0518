//! How OVO SNAP signs beside SNAP: its profile (timestamps with milliseconds, the `grantType`
//! case and token paths it is configured with, `X-DEVICE-ID`) and the callback check (§12: the
//! strategy of SNAP §7).

use std::time::Duration;

use rsa::RsaPublicKey;

use super::{OvoSnapOptions, PRODUCT};
use crate::notification::{InboundRequest, NotificationRejection};
use crate::products::snap::{verify_notification_signature, SnapProfile, TimestampStyle};

/// The SNAP profile of OVO SNAP for `options`.
pub fn profile(options: &OvoSnapOptions) -> SnapProfile {
    SnapProfile {
        product: PRODUCT,
        timestamp_style: TimestampStyle::OffsetMillis,
        grant_case: options.grant_case,
        b2b_token_path: format!("/OVOSNAP/{}/access-token/b2b", options.b2b_token_version),
        b2b2c_token_path: format!("/OVOSNAP/{}/access-token/b2b2c", options.version),
        device_id: Some(options.device_id.clone()),
        channel_id: options.channel_id.clone(),
        token_timeout: options.timeout,
        renew_margin: Duration::from_secs(60),
    }
}

/// Checks a callback's headers and signature: asymmetric with `provider_key` when configured,
/// else symmetric with `secret` (SNAP §7); `X-PARTNER-ID`, when sent, must be `client_id`.
pub fn verify_callback(
    request: &InboundRequest,
    client_id: &str,
    secret: &[u8],
    provider_key: Option<&RsaPublicKey>,
) -> Result<(), NotificationRejection> {
    let timestamp = request.required_header("X-TIMESTAMP")?;
    let signature = request.required_header("X-SIGNATURE")?;
    if let Some(partner) = request.header("X-PARTNER-ID") {
        if partner != client_id {
            return Err(NotificationRejection::UnknownMerchant);
        }
    }
    let method = if request.method.is_empty() { "POST" } else { request.method.as_str() };
    verify_notification_signature(
        secret,
        provider_key,
        method,
        &request.path_and_query,
        request.header("Authorization"),
        &request.body,
        timestamp,
        signature,
    )
    .map(|_| ())
    .ok_or(NotificationRejection::BadSignature)
}
