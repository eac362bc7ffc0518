//! What the Rust test suites and benchmarks share, so that each suite holds only its tests.
//!
//! - [`receiver`]: the one merchant endpoint that records what the simulator (or a client) sends
//!   and answers as scripted.
//! - [`sim`]: starting the simulator (`ovo-sandbox`) on loopback and driving its control API.
//! - [`keys`]: the test-only RSA keys and the demo merchants' keys.
//! - [`json`]: small JSON-over-HTTP helpers.
//! - [`phones`]: the demo customers' and the simulator's magic payers' phone numbers.
//! - [`values`] (feature `app` or `providers`): amounts, phones and references.
//! - [`requests`] (feature `providers`): provider requests a suite and a benchmark both send.
//! - [`status`] (feature `providers`): waiting for a provider's status check to settle.
//! - [`errors`] (feature `providers`): reading the provider errors a suite expects.
//! - [`ledger`] (feature `ledger`): a new ledger file and operators added to it.
//! - [`bench`]: timing and percentiles for the benchmarks.
//! - [`bench_setup`]: a benchmark's counts from the command line; (feature `app`) its app and
//!   generated customers.
//! - [`app`] (feature `app`): a `Backoffice` on a temporary data directory with a real ledger,
//!   its operators per role, sign-in, builders for common inputs, payments recorded straight in
//!   the ledger, and waiting for a payment to move on.
//! - [`secrets`] (feature `app`): a secret store in a JSON file that outlives a killed process.
//!
//! Used only as a dev-dependency, from `tests/` and `benches/`.
#![allow(clippy::unwrap_used)] // a test helper that cannot do its job panics, failing the test

#[cfg(feature = "app")]
pub mod app;
#[cfg(any(feature = "app", feature = "ledger"))]
pub mod audit_tamper;
pub mod bench;
pub mod bench_setup;
#[cfg(feature = "providers")]
pub mod errors;
pub mod json;
pub mod keys;
#[cfg(any(feature = "app", feature = "ledger"))]
pub mod ledger;
pub mod phones;
pub mod receiver;
#[cfg(feature = "providers")]
pub mod requests;
#[cfg(feature = "app")]
pub mod secrets;
pub mod sim;
#[cfg(feature = "providers")]
pub mod status;
#[cfg(any(feature = "app", feature = "providers"))]
pub mod values;

pub use receiver::{Answer, Hit, Receiver};
pub use sim::Sim;
