//! `ovo-providers`: the only code in the project that speaks provider HTTP. One module per
//! product with the same shape (wire types, conversions to and from domain types, flows),
//! the SNAP layer DOKU SNAP and OVO SNAP share, and the pieces all of them use: the
//! capability table, typed errors, the transport (timeouts; retries for reads only), wire
//! conversions of money and phones, credentials and environments.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod assets;
pub mod capability;
pub mod credentials;
pub mod environment;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod notification;
pub mod pages;
pub mod products;
pub mod provider;
pub mod settings;
pub mod settlement;
pub mod transport;
pub mod wire;

pub use capability::{
    capabilities, AttemptKeys, Capabilities, Operation, PaymentKind, RefundSupport,
};
pub use credentials::Credentials;
pub use environment::BaseUrls;
pub use error::{ProviderError, ProviderResult, Refusal, UnknownCause};
pub use provider::Provider;
pub use settings::{ProductSettings, SettingError};
pub use transport::ExtraRoots;
