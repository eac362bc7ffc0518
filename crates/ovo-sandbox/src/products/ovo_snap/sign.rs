//! OVO SNAP request authentication: the tokens each call carries and its signature (§3, §4).

use super::*;

/// Mandatory headers, timestamp, token, signature and `X-EXTERNAL-ID`, in the order of
/// snap-standard §11.
pub(super) fn authenticate(
    s: &OvoSnapSim,
    call: &Call<'_>,
    auth: Auth,
) -> Result<Authed, SnapError> {
    let timestamp = snap::required_header(call.headers, "X-TIMESTAMP")?;
    let signature = snap::required_header(call.headers, "X-SIGNATURE")?;
    let partner = snap::required_header(call.headers, "X-PARTNER-ID")?;
    let external_id = snap::required_header(call.headers, "X-EXTERNAL-ID")?;
    let device = snap::required_header(call.headers, "X-DEVICE-ID")?;
    snap::check_timestamp(timestamp)?;
    if external_id.len() > 36 {
        return Err(SnapError::invalid_field("[X-EXTERNAL-ID]"));
    }
    if device.len() > 400 {
        return Err(SnapError::invalid_field("[X-DEVICE-ID]"));
    }
    let merchant = s
        .merchant(partner)
        .cloned()
        .ok_or_else(|| SnapError::unauthorized("Unknown X-PARTNER-ID"))?;
    let client = merchant.cfg.client_id.as_str();
    let authorization =
        snap::header(call.headers, "Authorization").map(snap::bearer).map(str::to_owned);
    let path = path_of(call.uri);
    let mut inner = s.lock();

    let mut candidates: Vec<String> = Vec::new();
    let mut binding = None;
    let mut unlink_second = false;
    let customer_ok = |inner: &OvoSnapState, token: &str| -> Option<String> {
        inner.customer.binding_of(token, client, |b| inner.active(b))
    };
    match auth {
        Auth::Binding => {
            candidates.push(String::new());
            candidates.extend(authorization.clone());
            candidates.extend(inner.b2b.valid_where(|c| c == client));
        }
        Auth::Customer | Auth::Unbind => {
            let token = authorization
                .clone()
                .ok_or_else(|| SnapError::new(401, "04", "Customer Token Not Found"))?;
            if auth == Auth::Unbind {
                if let TokenCheck::Valid((c, b)) = inner.unlink.check(&token) {
                    if c == client {
                        binding = Some(b);
                        unlink_second = true;
                    }
                }
            }
            if binding.is_none() {
                binding = Some(
                    customer_ok(&inner, &token)
                        .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?,
                );
            }
            candidates.push(token);
        }
        Auth::Refund => {
            let first = authorization
                .clone()
                .ok_or_else(|| SnapError::new(401, "03", "Token Not Found (B2B)"))?;
            let second = snap::header(call.headers, "Authorization-Customer")
                .map(snap::bearer)
                .map(str::to_owned)
                .ok_or_else(|| SnapError::new(401, "04", "Customer Token Not Found"))?;
            let is_b2b =
                |t: &str| matches!(inner.b2b.check(t), TokenCheck::Valid(c) if c == client);
            binding = if is_b2b(&first) {
                Some(
                    customer_ok(&inner, &second)
                        .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?,
                )
            } else if is_b2b(&second) {
                Some(
                    customer_ok(&inner, &first)
                        .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?,
                )
            } else {
                return Err(SnapError::new(401, "01", "Invalid Token (B2B)"));
            };
            candidates.push(first);
        }
    }

    let secret = merchant.cfg.client_secret.as_str();
    let method = call.method.as_str();
    let symmetric = candidates.iter().find_map(|token| {
        snap::verify_symmetric(secret, method, &path, token, call.body, timestamp, signature)
    });
    let asymmetric = auth == Auth::Binding
        && symmetric.is_none()
        && merchant.key.as_ref().is_some_and(|key| {
            let message = format!(
                "{method}:{path}:{}:{timestamp}",
                snap::body_hash(&snap::minify(call.body))
            );
            snap::verify_rsa_sha256(key, &message, signature)
        });
    match symmetric {
        Some(form) if form != snap::BodyForm::Raw => {
            tracing::info!(?form, "ovo_snap: signature matched a re-serialised body")
        }
        None if !asymmetric => return Err(SnapError::unauthorized("Signature")),
        _ => {}
    }
    if !inner.external_ids.claim(client, external_id, clock::now()) {
        return Err(SnapError::new(409, "00", "Conflict"));
    }
    if unlink_second {
        if let Some(token) = &authorization {
            inner.unlink.take(token);
        }
    }
    Ok(Authed { merchant, binding, unlink_second })
}

/// The order and wording of the token calls' refusals.
const TOKEN_CALL: snap::TokenCallChecks = snap::TokenCallChecks {
    header_order: ["X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE"],
    unknown_client: "Unauthorized. [Unknown X-CLIENT-KEY]",
    bad_signature: "Unauthorized. [Signature]",
};

/// The token calls' checks: headers, timestamp, client, SHA256withRSA over `clientId|X-TIMESTAMP`.
pub(super) fn authenticate_token_call(
    s: &OvoSnapSim,
    headers: &HeaderMap,
) -> Result<Arc<Merchant>, SnapError> {
    TOKEN_CALL.check(headers, |client| s.merchant(client).cloned(), |m| m.key.as_ref())
}
