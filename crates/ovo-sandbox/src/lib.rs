//! `ovo-sandbox`: a local simulator of the five OVO provider products, at their documented
//! paths, with their signatures, state machines, waits (scaled), notifications, customer
//! pages, a control API under `/_sandbox/` and fault injection. It depends on no other
//! project crate: it is the outside world, and verifies signatures with its own code.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod core;
pub mod products;

pub use crate::core::time_scale::TimeScale;
pub use crate::core::tls::{ServedCertificate, TestCa};
pub use crate::core::writes::{Write, WriteKind};
pub use crate::core::{
    start, start_https, start_tls, Ctx, Merchants, ProductSim, RunningSandbox, SandboxConfig,
    DEMO_MERCHANTS,
};
