//! One module per provider product, each a `ProductSim`.

pub mod faspay;
pub mod jokul_push;
pub mod tazapay;

use std::sync::Arc;

use crate::core::ProductSim;

/// Every product the sandbox serves.
pub fn all() -> Vec<Arc<dyn ProductSim>> {
    vec![
        Arc::new(jokul_push::JokulPush::default()),
        Arc::new(tazapay::Tazapay::default()),
        Arc::new(faspay::FaspayOvoTokenize::default()),
    ]
}
