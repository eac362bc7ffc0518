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
    clients: Mutex<HashMap<(Environment, Product), Built>>,
}

/// A product's client, and the same instance typed where the notification listener needs
/// more than the `Provider` trait (DOKU SNAP's token endpoint, Faspay's acknowledgement).
#[derive(Debug, Clone)]
pub(crate) struct Built {
    pub any: Arc<dyn Provider>,
    pub doku_snap: Option<Arc<DokuSnapClient>>,
    pub faspay: Option<Arc<FaspayClient>>,
}

impl ProviderHub {
    fn cached(&self, environment: Environment, product: Product) -> Option<Built> {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(environment, product))
            .cloned()
    }

    fn keep(&self, environment: Environment, product: Product, client: Built) {
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
        Ok(self.built_provider(environment, product).await?.any)
    }

    /// The client of `product` in `environment`, with its typed form where there is one.
    pub(crate) async fn built_provider(
        &self,
        environment: Environment,
        product: Product,
    ) -> ProviderResult<Built> {
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
) -> ProviderResult<Built> {
    let plain = |any: Arc<dyn Provider>| Built {
        any,
        doku_snap: None,
        faspay: None,
    };
    Ok(match product {
        Product::DokuSnapOvo => {
            let client = Arc::new(DokuSnapClient::new(
                base_url,
                credentials,
                DokuSnapOptions::default(),
            )?);
            Built {
                any: client.clone(),
                doku_snap: Some(client),
                faspay: None,
            }
        }
        Product::FaspayOvoTokenize => {
            let client = Arc::new(FaspayClient::new(
                base_url,
                credentials,
                FaspayOptions::new(merchant_name),
            )?);
            Built {
                any: client.clone(),
                doku_snap: None,
                faspay: Some(client),
            }
        }
        Product::DokuJokulOvoPush => plain(Arc::new(JokulPushClient::new(
            base_url,
            credentials,
            JokulOptions::default(),
        )?)),
        Product::TazapayOvoIdr => plain(Arc::new(TazapayClient::new(
            base_url,
            credentials,
            TazapayOptions::default(),
        )?)),
        Product::OvoSnap => plain(Arc::new(OvoSnapClient::new(
            base_url,
            credentials,
            OvoSnapOptions::default(),
        )?)),
    })
}
