//! `ovo-sandbox`: a local simulator of the five OVO provider products, at their documented
//! paths, with their signatures, state machines, waits (scaled), notifications, customer
//! pages, a control API under `/_sandbox/` and fault injection. It depends on no other
//! project crate: it is the outside world, and verifies signatures with its own code.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod core;
pub mod products;

pub use crate::core::settlement::{
    Discrepancy, FileFormat, SettlementFile, SettlementRequest, SettlementStyle,
};
pub use crate::core::time_scale::TimeScale;
pub use crate::core::tls::{ServedCertificate, TestCa};
pub use crate::core::writes::{Write, WriteKind};
pub use crate::core::{
    Ctx, Linking, Merchants, ProductSim, RunningSandbox, SandboxConfig, DEMO_MERCHANTS,
};

use std::net::SocketAddr;

/// Binds `addr` (port 0 picks a free one) and serves every product on it over plain HTTP.
pub async fn start(config: SandboxConfig, addr: SocketAddr) -> anyhow::Result<RunningSandbox> {
    core::serve(config, addr, products::all()).await
}

/// As [`start`], over HTTPS with a certificate from a test CA generated now
/// ([`RunningSandbox::ca_pem`]).
pub async fn start_https(
    config: SandboxConfig,
    addr: SocketAddr,
) -> anyhow::Result<RunningSandbox> {
    start_tls(config, addr, ServedCertificate::Valid).await
}

/// As [`start_https`], presenting the chosen certificate (an expired one, one for another name).
pub async fn start_tls(
    config: SandboxConfig,
    addr: SocketAddr,
    served: ServedCertificate,
) -> anyhow::Result<RunningSandbox> {
    core::serve_tls(config, addr, served, products::all()).await
}

/// The merchants file read with every product's link rules.
impl Merchants {
    /// Parses the file and checks `[[bindings]]` against the rest of it.
    pub fn parse(text: &str) -> Result<Merchants, String> {
        Merchants::parse_for(text, &products::all())
    }

    pub fn demo() -> Merchants {
        Merchants::parse(DEMO_MERCHANTS).unwrap_or_default()
    }

    /// The demo merchants, with the notifications of `notifying` (product keys) sent to the
    /// app's listener at `listener` (`http://host:port`), each to `<listener>/<product key>`,
    /// as the app's listener settings show them.
    pub fn demo_notifying(listener: &str, notifying: &[&str]) -> Merchants {
        Merchants::demo_notifying_for(listener, notifying, &products::all())
    }
}
