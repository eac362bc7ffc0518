//! What the notification listener keeps between calls.

use std::future::Future;
use std::net::SocketAddr;

/// The running server (dropping it stops the server), the last start failure, and the limits
/// every request passes (they outlive a restart).
#[derive(Debug, Default)]
pub(crate) struct ListenerSlot {
    state: tokio::sync::Mutex<State>,
    pub(super) limits: super::ListenerLimits,
    /// Whether this desk took the listener's turn (so that only a holder hands it over).
    pub(super) has_turn: std::sync::atomic::AtomicBool,
    /// Set when the app closes: the listener stays stopped.
    pub(super) closing: std::sync::atomic::AtomicBool,
    /// Keeping the listener as set and closing it take turns.
    pub(super) turn_lock: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    running: Option<Running>,
    problem: Option<String>,
}

#[derive(Debug)]
pub(super) struct Running {
    /// As configured (the settings), and as bound (port 0 picks one).
    pub(super) configured: String,
    pub(super) bound: SocketAddr,
    pub(super) _stop: tokio::sync::oneshot::Sender<()>,
}

impl ListenerSlot {
    /// Where the running server is bound, and the last start failure.
    pub(super) async fn status(&self) -> (Option<SocketAddr>, Option<String>) {
        let state = self.state.lock().await;
        (state.running.as_ref().map(|r| r.bound), state.problem.clone())
    }

    /// Stops the server.
    pub(super) async fn stop(&self) {
        if self.state.lock().await.running.take().is_some() {
            tracing::info!("notification listener stopped");
        }
    }

    /// Stops the server, or runs it at `address` (`start` starts it when none runs there yet).
    pub(super) async fn keep<F, Fut>(&self, address: Option<&str>, start: F)
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Running, String>>,
    {
        let mut state = self.state.lock().await;
        let Some(address) = address else {
            if state.running.take().is_some() {
                tracing::info!("notification listener stopped");
            }
            state.problem = None;
            return;
        };
        if state.running.as_ref().is_some_and(|r| r.configured == address) {
            return;
        }
        state.running = None;
        match start(address.to_owned()).await {
            Ok(running) => {
                tracing::info!(addr = %running.bound, "notification listener started");
                state.running = Some(running);
                state.problem = None;
            }
            Err(problem) => {
                tracing::warn!(%problem, "notification listener not started");
                state.problem = Some(problem);
            }
        }
    }
}
