//! What linking keeps between calls: the gate that completes linkings one at a time, so an
//! authCode is exchanged once.

#[derive(Debug, Default)]
pub(crate) struct Linkings {
    gate: tokio::sync::Mutex<()>,
}

impl Linkings {
    /// Held while a linking completes.
    pub async fn one_at_a_time(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.gate.lock().await
    }
}
