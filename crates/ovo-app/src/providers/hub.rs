//! The provider clients built so far, per environment and product, and the extra certificates
//! every client trusts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ovo_domain::{Environment, Product};
use ovo_providers::{ExtraRoots, Provider};

#[derive(Debug, Default)]
pub(crate) struct ProviderHub {
    clients: Mutex<HashMap<(Environment, Product), Client>>,
    /// Certificates every client trusts beside the operating system's store.
    pub(super) roots: Mutex<ExtraRoots>,
}

/// A product's client.
pub(crate) type Client = Arc<dyn Provider>;

impl ProviderHub {
    pub(super) fn cached(&self, environment: Environment, product: Product) -> Option<Client> {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(environment, product))
            .cloned()
    }

    pub(super) fn keep(&self, environment: Environment, product: Product, client: Client) {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((environment, product), client);
    }

    pub(super) fn roots(&self) -> ExtraRoots {
        self.roots.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub(super) fn forget_all(&self) {
        self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// Drops a client whose credentials or settings changed; the next call builds it afresh.
    pub fn forget(&self, environment: Environment, product: Product) {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(environment, product));
    }
}
