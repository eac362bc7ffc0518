//! One module per provider product, each a `ProductSim`.

pub mod faspay;

use std::sync::Arc;

use crate::core::ProductSim;

/// Every product the sandbox serves.
pub fn all() -> Vec<Arc<dyn ProductSim>> {
    vec![
        Arc::new(faspay::FaspayOvoTokenize::default()),
    ]
}
