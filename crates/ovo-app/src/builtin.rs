//! The built-in environment: the provider sandbox running in-process on a loopback port,
//! with the demo merchants whose credentials the app uses there.

use ovo_domain::Product;
use ovo_providers::Credentials;
use ovo_sandbox::{RunningSandbox, SandboxConfig, TimeScale};

#[derive(Debug)]
pub(crate) struct BuiltinSandbox {
    running: RunningSandbox,
}

impl BuiltinSandbox {
    /// Starts the sandbox on `127.0.0.1` (any free port). `time_scale` multiplies its waits
    /// (`1` = real time).
    pub async fn start(time_scale: Option<&str>) -> Result<BuiltinSandbox, String> {
        let time_scale = match time_scale {
            Some(text) => TimeScale::parse(text)?,
            None => TimeScale::REAL,
        };
        let config = SandboxConfig {
            time_scale,
            ..SandboxConfig::default()
        };
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let running = ovo_sandbox::start(config, addr)
            .await
            .map_err(|e| format!("cannot start the built-in sandbox: {e}"))?;
        tracing::info!(url = %running.url(), "built-in sandbox started");
        Ok(BuiltinSandbox { running })
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The demo merchant's credentials for `product` (the app-side half of the demo keys) and
    /// the merchant's display name.
    pub fn demo_credentials(&self, product: Product) -> Result<(Credentials, String), String> {
        let merchants: Vec<toml::Table> = self.running.ctx.merchants().section(product.key())?;
        let merchant = merchants.first().ok_or_else(|| {
            format!(
                "the demo merchants have no {} merchant",
                product.display_name()
            )
        })?;
        let text = |key: &str| {
            merchant
                .get(key)
                .and_then(toml::Value::as_str)
                .map(str::to_owned)
        };
        let pairs = product.credential_fields().iter().filter_map(|&field| {
            // The sandbox file names the provider's key after the provider.
            let key = match (product, field) {
                (Product::DokuSnapOvo, "provider_public_key") => "doku_public_key",
                _ => field,
            };
            text(key).map(|value| (field, value))
        });
        let credentials = Credentials::from_pairs(product, pairs.collect::<Vec<_>>());
        let name = text("merchant_name")
            .or_else(|| text("name"))
            .unwrap_or_else(|| product.display_name().to_owned());
        Ok((credentials, name))
    }
}
