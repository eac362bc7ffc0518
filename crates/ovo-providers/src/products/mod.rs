//! One client per provider product, each implementing `Provider`.

pub mod doku_snap;
pub mod snap;
