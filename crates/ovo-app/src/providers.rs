//! The provider client of each product in the current environment: built from the keychain's
//! credentials (or, in the built-in environment, the in-process sandbox's demo merchants) and
//! kept until its credentials change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ovo_domain::{Environment, Product};
use ovo_providers::products::doku_snap::{DokuSnapClient, DokuSnapOptions};
use ovo_providers::products::faspay::{FaspayClient, FaspayOptions};
use ovo_providers::products::jokul_push::{JokulOptions, JokulPushClient};
use ovo_providers::products::ovo_snap::{OvoSnapClient, OvoSnapOptions};
use ovo_providers::products::tazapay::{TazapayClient, TazapayOptions};
use ovo_providers::{BaseUrls, Credentials, Provider, ProviderError, ProviderResult};

use crate::backoffice::Backoffice;
use crate::builtin::BuiltinSandbox;

#[derive(Debug, Default)]
pub(crate) struct ProviderHub {
    clients: Mutex<HashMap<(Environment, Product), Arc<dyn Provider>>>,
}

impl ProviderHub {
    fn cached(&self, environment: Environment, product: Product) -> Option<Arc<dyn Provider>> {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(environment, product))
            .cloned()
    }

    fn keep(&self, environment: Environment, product: Product, client: Arc<dyn Provider>) {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((environment, product), client);
    }

    /// Drops a client whose credentials changed; the next call builds it afresh.
    pub fn forget(&self, environment: Environment, product: Product) {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(environment, product));
    }
}

impl Backoffice {
    /// The client of `product` in `environment`.
    pub(crate) async fn provider(
        &self,
        environment: Environment,
        product: Product,
    ) -> ProviderResult<Arc<dyn Provider>> {
        if let Some(client) = self.providers.cached(environment, product) {
            return Ok(client);
        }
        let client = match environment {
            Environment::BuiltInSandbox => {
                let sandbox =
                    self.builtin_sandbox()
                        .await
                        .map_err(|detail| ProviderError::Connection {
                            product,
                            operation: ovo_providers::Operation::Status,
                            detail,
                        })?;
                let (credentials, merchant_name) = sandbox
                    .demo_credentials(product)
                    .map_err(|detail| ProviderError::InvalidInput { product, detail })?;
                build(product, &sandbox.url(), &credentials, merchant_name)?
            }
            other => {
                let credentials = Credentials::from_store(
                    self.secrets.as_ref(),
                    &self.config.app_identifier,
                    other,
                    product,
                )?;
                let base_url = BaseUrls::for_environment(other, "");
                let base = base_url.get(product);
                if base.is_empty() {
                    return Err(ProviderError::InvalidInput {
                        product,
                        detail: format!(
                            "no {} host is configured for {}",
                            product.display_name(),
                            other.key()
                        ),
                    });
                }
                let merchant_name = credentials
                    .optional("merchant_id")
                    .map(|m| m.expose().clone())
                    .unwrap_or_default();
                build(product, base, &credentials, merchant_name)?
            }
        };
        self.providers.keep(environment, product, client.clone());
        Ok(client)
    }

    /// The in-process sandbox of the built-in environment, started on first use.
    pub(crate) async fn builtin_sandbox(&self) -> Result<&BuiltinSandbox, String> {
        self.builtin
            .get_or_try_init(|| async {
                match self.config.builtin_sandbox_url.as_deref() {
                    Some(url) => Ok(BuiltinSandbox::external(url)),
                    None => BuiltinSandbox::start(self.config.sandbox_time_scale.as_deref()).await,
                }
            })
            .await
    }

    /// The built-in sandbox's address, when it is running (for its customer and phone pages).
    pub fn builtin_sandbox_url(&self) -> Option<String> {
        self.builtin.get().map(BuiltinSandbox::url)
    }
}

fn build(
    product: Product,
    base_url: &str,
    credentials: &Credentials,
    merchant_name: String,
) -> ProviderResult<Arc<dyn Provider>> {
    Ok(match product {
        Product::DokuSnapOvo => Arc::new(DokuSnapClient::new(
            base_url,
            credentials,
            DokuSnapOptions::default(),
        )?),
        Product::DokuJokulOvoPush => Arc::new(JokulPushClient::new(
            base_url,
            credentials,
            JokulOptions::default(),
        )?),
        Product::TazapayOvoIdr => Arc::new(TazapayClient::new(
            base_url,
            credentials,
            TazapayOptions::default(),
        )?),
        Product::FaspayOvoTokenize => Arc::new(FaspayClient::new(
            base_url,
            credentials,
            FaspayOptions::new(merchant_name),
        )?),
        Product::OvoSnap => Arc::new(OvoSnapClient::new(
            base_url,
            credentials,
            OvoSnapOptions::default(),
        )?),
    })
}
