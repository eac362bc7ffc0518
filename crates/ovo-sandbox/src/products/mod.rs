//! One module per provider product, each a `ProductSim`.

use std::sync::Arc;

use crate::core::ProductSim;

pub mod doku_snap;
pub mod snap;

/// Every product the sandbox serves.
pub fn all() -> Vec<Arc<dyn ProductSim>> {
    vec![
        Arc::new(doku_snap::DokuSnap::default()),
    ]
}
