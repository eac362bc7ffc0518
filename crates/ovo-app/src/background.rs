//! The background work the shell runs for as long as the app is open: the notification
//! listener, the inbox, linkings, the payment poller, refunds and unlinks.

use std::sync::Arc;

use crate::backoffice::Backoffice;

impl Backoffice {
    /// One pass of the background work: keeps the notification listener as set, applies the
    /// inbox notifications not applied yet (every one `at_start`, then as each row's back-off
    /// passes), runs `process_linkings`, the payment status poller, refund resolution and the
    /// unlinks left `unlinking` (`resolve_unlinkings`). Each part's failure is logged; the
    /// others still run.
    pub async fn background_pass(self: &Arc<Self>, at_start: bool) {
        self.ensure_listener().await;
        if let Err(e) = self.apply_notifications(at_start).await {
            tracing::warn!(error = %e, "applying stored notifications failed");
        }
        if let Err(e) = self.process_linkings().await {
            tracing::warn!(error = %e, "background linking work failed");
        }
        if let Err(e) = self.poll_payments().await {
            tracing::warn!(error = %e, "payment status polling failed");
        }
        if let Err(e) = self.resolve_refunds().await {
            tracing::warn!(error = %e, "refund resolution failed");
        }
        if let Err(e) = self.resolve_unlinkings().await {
            tracing::warn!(error = %e, "unlink resolution failed");
        }
    }

    /// Runs `background_pass` whenever a browser comes back, and every two seconds.
    pub async fn run_background(self: Arc<Self>) {
        let mut at_start = true;
        loop {
            self.background_pass(at_start).await;
            at_start = false;
            match self.returns.started() {
                Some(listener) => {
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(2), listener.arrived())
                            .await;
                }
                None => tokio::time::sleep(std::time::Duration::from_secs(2)).await,
            }
        }
    }
}
