//! One client per provider product, each implementing `Provider`.

pub mod faspay;
pub mod jokul_push;
pub mod tazapay;
