//! One module per provider product, each a `ProductSim`, and the SNAP layer DOKU SNAP and
//! OVO SNAP share.

pub mod doku_snap;
pub mod faspay;
pub mod jokul_push;
pub mod ovo_snap;
pub mod snap;
pub mod tazapay;

use std::sync::Arc;

use crate::core::ProductSim;

/// Every product the sandbox serves.
pub fn all() -> Vec<Arc<dyn ProductSim>> {
    vec![
        Arc::new(doku_snap::DokuSnap::default()),
        Arc::new(jokul_push::JokulPush::default()),
        Arc::new(tazapay::Tazapay::default()),
        Arc::new(faspay::FaspayOvoTokenize::default()),
        Arc::new(ovo_snap::OvoSnap::default()),
    ]
}
