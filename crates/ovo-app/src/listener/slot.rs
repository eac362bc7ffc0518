//! What the notification listener keeps between calls.

use std::net::SocketAddr;

/// The running server (dropping it stops the server) and the last start failure.
#[derive(Debug, Default)]
pub(crate) struct ListenerSlot {
    pub(super) running: Option<Running>,
    pub(super) problem: Option<String>,
}

#[derive(Debug)]
pub(super) struct Running {
    /// As configured (the settings), and as bound (port 0 picks one).
    pub(super) configured: String,
    pub(super) bound: SocketAddr,
    pub(super) _stop: tokio::sync::oneshot::Sender<()>,
}
