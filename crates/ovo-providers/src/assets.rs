//! Images a provider publishes for display (Faspay's top-up channel icons), fetched by the
//! back end so the webview loads nothing remote.

use std::time::Duration;

use ovo_domain::Product;

use crate::capability::Operation;
use crate::error::{ProviderError, ProviderResult};

/// Larger answers are refused.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `image/png`, `image/svg+xml`…
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// GETs an image: only `http(s)`, only `image/*` (SVG excluded: it can carry script), at most
/// [`MAX_IMAGE_BYTES`].
pub async fn fetch_image(product: Product, url: &str, timeout: Duration) -> ProviderResult<Image> {
    let operation = Operation::TopUpInstructions;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ProviderError::InvalidInput {
            product,
            detail: format!("icon URL is not http(s): {url}"),
        });
    }
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    let reply = client.get(url).timeout(timeout).send().await.map_err(|e| {
        if e.is_timeout() {
            ProviderError::Timeout { product, operation }
        } else {
            ProviderError::Connection { product, operation, detail: e.to_string() }
        }
    })?;
    let status = reply.status().as_u16();
    if status >= 500 {
        return Err(ProviderError::Unavailable { product, status });
    }
    if status != 200 {
        return Err(ProviderError::MalformedReply {
            product,
            detail: format!("icon {url}: HTTP {status}"),
        });
    }
    let content_type = reply
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !content_type.starts_with("image/") || content_type.contains("svg") {
        return Err(ProviderError::MalformedReply {
            product,
            detail: format!("icon {url}: content type {content_type:?} is not a raster image"),
        });
    }
    let bytes = reply.bytes().await.map_err(|e| ProviderError::Connection {
        product,
        operation,
        detail: e.to_string(),
    })?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ProviderError::MalformedReply {
            product,
            detail: format!(
                "icon {url}: {} bytes is over the {MAX_IMAGE_BYTES}-byte limit",
                bytes.len()
            ),
        });
    }
    Ok(Image { content_type, bytes: bytes.to_vec() })
}
