//! A product's credentials, read from the secret store (the OS keychain) by field name.

use std::collections::BTreeMap;

use ovo_domain::{Environment, Product};
use ovo_secrets::{SecretKey, SecretStore, Sensitive};

use crate::error::{ProviderError, ProviderResult};

#[derive(Debug, Clone)]
pub struct Credentials {
    product: Product,
    values: BTreeMap<&'static str, Sensitive<String>>,
}

impl Credentials {
    /// Reads every field the product declares (`Product::credential_fields`); absent ones stay absent.
    pub fn from_store(
        store: &dyn SecretStore,
        app_identifier: &str,
        environment: Environment,
        product: Product,
    ) -> ProviderResult<Credentials> {
        let mut values = BTreeMap::new();
        for &field in product.credential_fields() {
            let key = SecretKey::new(app_identifier, environment.key(), product.key(), field);
            match store.get(&key) {
                Ok(Some(value)) => {
                    values.insert(field, value);
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(ProviderError::InvalidInput {
                        product,
                        detail: format!("cannot read credential {field}: {e}"),
                    });
                }
            }
        }
        Ok(Credentials { product, values })
    }

    /// Built from given values (tests, the built-in environment's demo merchant).
    pub fn from_pairs(
        product: Product,
        pairs: impl IntoIterator<Item = (&'static str, String)>,
    ) -> Credentials {
        Credentials {
            product,
            values: pairs.into_iter().map(|(k, v)| (k, Sensitive::new(v))).collect(),
        }
    }

    pub fn product(&self) -> Product {
        self.product
    }

    /// Refuses credentials of another product than the client's own.
    pub fn check_product(&self, product: Product) -> ProviderResult<()> {
        if self.product == product {
            return Ok(());
        }
        Err(ProviderError::invalid_input(
            product,
            format!(
                "credentials of {} given to the {} client",
                self.product.display_name(),
                product.display_name()
            ),
        ))
    }

    pub fn require(&self, field: &'static str) -> ProviderResult<&Sensitive<String>> {
        self.values
            .get(field)
            .ok_or(ProviderError::MissingCredential { product: self.product, field })
    }

    pub fn optional(&self, field: &'static str) -> Option<&Sensitive<String>> {
        self.values.get(field)
    }
}
