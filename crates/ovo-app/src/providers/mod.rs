//! The provider client of each product in the current environment: built from the keychain's
//! credentials and the provider settings (or, in the built-in environment, the in-process
//! sandbox's demo merchants) and kept until its credentials or settings change.

use std::sync::Arc;
use std::time::Duration;

use ovo_domain::{Environment, Product};
use ovo_providers::products::doku_snap::{DokuSnapClient, DokuSnapOptions};
use ovo_providers::products::faspay::{FaspayClient, FaspayOptions, FaspayTimeouts};
use ovo_providers::products::jokul_push::{JokulOptions, JokulPushClient};
use ovo_providers::products::ovo_snap::{OvoSnapClient, OvoSnapOptions};
use ovo_providers::products::tazapay::{TazapayClient, TazapayOptions};
use ovo_providers::settings::find_spec;
use ovo_providers::{
    Credentials, ExtraRoots, ProductSettings, ProviderError, ProviderResult, SettingError,
};

pub(crate) mod hub;

pub(crate) use hub::Client;

use crate::backoffice::Backoffice;
use ovo_sandbox::TimeScale;

use crate::builtin::BuiltinSandbox;
use crate::error::{AppError, AppResult};

/// The product a key names; an unknown key is refused naming the known ones.
pub(crate) fn parse_product(key: &str) -> AppResult<Product> {
    Product::parse(key).map_err(|_| {
        let known: Vec<&str> = Product::ALL.iter().map(|p| p.key()).collect();
        AppError::invalid(
            "product_unknown",
            format!("product {key:?} is not one of {}", known.join(", ")),
        )
    })
}

impl Backoffice {
    /// Trusts `roots` beside the operating system's certificate store in every provider
    /// client built from now on (a CA the merchant was given; a simulator's test CA).
    pub fn trust_extra_roots(&self, roots: ExtraRoots) {
        *self.providers.roots.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = roots;
        self.providers.forget_all();
    }

    /// The client of `product` in `environment`.
    pub(crate) async fn provider(
        &self,
        environment: Environment,
        product: Product,
    ) -> ProviderResult<Client> {
        if let Some(client) = self.providers.cached(environment, product) {
            return Ok(client);
        }
        let settings = self
            .product_settings(environment, product)
            .await
            .map_err(|e| ProviderError::InvalidInput { product, detail: e.message })?;
        let unusable = |e: SettingError| ProviderError::InvalidInput { product, detail: e.message };
        let (credentials, settings) = match environment {
            Environment::BuiltInSandbox => {
                let sandbox =
                    self.builtin_sandbox().await.map_err(|detail| ProviderError::Connection {
                        product,
                        operation: ovo_providers::Operation::Status,
                        detail,
                    })?;
                let (credentials, merchant_name) = sandbox
                    .demo_credentials(product)
                    .map_err(|detail| ProviderError::InvalidInput { product, detail })?;
                let mut settings = settings.with_value("host", &sandbox.url()).map_err(unusable)?;
                if find_spec(product, "merchant_name").is_some() {
                    settings =
                        settings.with_value("merchant_name", &merchant_name).map_err(unusable)?;
                }
                (credentials, settings)
            }
            other => {
                let credentials = Credentials::from_store(
                    self.secrets.as_ref(),
                    &self.config.app_identifier,
                    other,
                    product,
                )?;
                (credentials, settings)
            }
        };
        // Every value checked again, https outside the built-in environment included.
        settings.ready().map_err(unusable)?;
        let timeouts = match environment {
            Environment::BuiltInSandbox => self.builtin_timeout_scale(),
            _ => None,
        };
        let client = build(&settings, &credentials, self.providers.roots(), timeouts)?;
        self.providers.keep(environment, product, client.clone());
        Ok(client)
    }

    /// The in-process sandbox of the built-in environment, started on first use.
    pub(crate) async fn builtin_sandbox(&self) -> Result<&BuiltinSandbox, String> {
        self.builtin
            .sandbox_or_start(|| async {
                match self.config.builtin_sandbox_url.as_deref() {
                    Some(url) => Ok(BuiltinSandbox::external(url)),
                    None => {
                        let sandbox = BuiltinSandbox::start(self.config.sandbox_time_scale.as_deref()).await?;
                        // In memory: it learns again, on every start, what the ledger says it knows.
                        if let Err(e) = self.teach_builtin_sandbox(&sandbox).await {
                            tracing::warn!(error = %e, "the built-in sandbox could not learn the ledger's payments");
                        }
                        Ok(sandbox)
                    }
                }
            })
            .await
    }

    /// The built-in sandbox's time scale, when it is not real time: its clients' timeouts
    /// follow it as its waits do.
    fn builtin_timeout_scale(&self) -> Option<TimeScale> {
        let scale = TimeScale::parse(self.config.sandbox_time_scale.as_deref()?).ok()?;
        (scale != TimeScale::REAL).then_some(scale)
    }

    /// How fast `environment`'s waits run, in parts per million of real time: the built-in
    /// sandbox's time scale there (when set and above zero), real time elsewhere.
    pub(crate) fn time_scale_ppm(&self, environment: Environment) -> i64 {
        match (environment, self.config.sandbox_time_scale.as_deref()) {
            (Environment::BuiltInSandbox, Some(scale)) => TimeScale::parse(scale)
                .ok()
                .and_then(|s| i64::try_from(s.ppm()).ok())
                .filter(|ppm| *ppm > 0)
                .unwrap_or(1_000_000),
            _ => 1_000_000,
        }
    }

    /// `real` milliseconds at `environment`'s time scale (the built-in sandbox's there), never
    /// below `floor` when scaled.
    pub(crate) fn scaled_millis(&self, environment: Environment, real: i64, floor: i64) -> i64 {
        match (environment, self.config.sandbox_time_scale.as_deref()) {
            (Environment::BuiltInSandbox, Some(scale)) => match TimeScale::parse(scale) {
                Ok(scale) => i64::try_from(u128::from(scale.ppm()) * real as u128 / 1_000_000)
                    .unwrap_or(real)
                    .max(floor),
                Err(_) => real,
            },
            _ => real,
        }
    }

    /// The built-in sandbox's address, when it is running (for its customer and phone pages).
    pub fn builtin_sandbox_url(&self) -> Option<String> {
        self.builtin.sandbox().map(BuiltinSandbox::url)
    }
}

/// The shortest scaled timeout: the built-in sandbox's longest scaled hold (Jokul's 70 s push)
/// must still be answered on a busy machine.
const MIN_SCALED_TIMEOUT: Duration = Duration::from_secs(5);

/// A documented timeout at the built-in sandbox's time scale, never below
/// `MIN_SCALED_TIMEOUT` nor above the documented value.
fn scaled_timeout(scale: TimeScale, documented: Duration) -> Duration {
    scale.scaled(documented).max(MIN_SCALED_TIMEOUT).min(documented)
}

fn build(
    settings: &ProductSettings,
    credentials: &Credentials,
    extra_roots: ExtraRoots,
    timeout_scale: Option<TimeScale>,
) -> ProviderResult<Client> {
    let t = |documented: Duration| match timeout_scale {
        Some(scale) => scaled_timeout(scale, documented),
        None => documented,
    };
    let base_url = settings.host();
    Ok(match settings.product() {
        Product::DokuSnapOvo => Arc::new(DokuSnapClient::new(base_url, credentials, {
            let options = settings.doku_snap_options();
            DokuSnapOptions {
                extra_roots: extra_roots.clone(),
                timeout: t(options.timeout),
                token_timeout: t(options.token_timeout),
                ..options
            }
        })?),
        Product::FaspayOvoTokenize => Arc::new(FaspayClient::new(base_url, credentials, {
            let options = settings.faspay_options();
            let timeouts = FaspayTimeouts {
                account: t(options.timeouts.account),
                inquiry: t(options.timeouts.inquiry),
                payment: t(options.timeouts.payment),
            };
            FaspayOptions { extra_roots: extra_roots.clone(), timeouts, ..options }
        })?),
        Product::DokuJokulOvoPush => Arc::new(JokulPushClient::new(base_url, credentials, {
            let options = settings.jokul_options();
            JokulOptions {
                extra_roots: extra_roots.clone(),
                pay_timeout: t(options.pay_timeout),
                status_timeout: t(options.status_timeout),
                ..options
            }
        })?),
        Product::TazapayOvoIdr => Arc::new(TazapayClient::new(base_url, credentials, {
            let options = settings.tazapay_options();
            TazapayOptions {
                extra_roots: extra_roots.clone(),
                create_timeout: t(options.create_timeout),
                confirm_timeout: t(options.confirm_timeout),
                fetch_timeout: t(options.fetch_timeout),
                refund_timeout: t(options.refund_timeout),
                cancel_timeout: t(options.cancel_timeout),
                ..options
            }
        })?),
        Product::OvoSnap => Arc::new(OvoSnapClient::new(base_url, credentials, {
            let options = settings.ovo_snap_options();
            OvoSnapOptions {
                extra_roots: extra_roots.clone(),
                timeout: t(options.timeout),
                ..options
            }
        })?),
    })
}
