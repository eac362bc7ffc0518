//! One client per provider product, each implementing `Provider`, and the SNAP layer DOKU SNAP
//! and OVO SNAP share.

pub mod doku_snap;
pub mod faspay;
pub mod jokul_push;
pub mod ovo_snap;
pub mod snap;
pub mod tazapay;
