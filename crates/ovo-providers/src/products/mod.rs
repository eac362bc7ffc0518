//! One client per provider product, each implementing `Provider`.

pub mod snap;
pub mod ovo_snap;
