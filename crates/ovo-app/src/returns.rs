//! Where the customer's browser comes back after a provider's linking page: a listener on
//! `127.0.0.1` (any free port), as native apps receive OAuth redirects (RFC 8252 §7.3). It
//! keeps what arrived (the authCode and the other parameters) for the linking's reference and
//! wakes the back office's background work, which completes the linking.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use tokio::sync::Notify;

#[derive(Debug, Default)]
struct Shared {
    arrived: Mutex<HashMap<String, HashMap<String, String>>>,
    wake: Notify,
}

#[derive(Debug)]
pub(crate) struct ReturnListener {
    base: String,
    shared: Arc<Shared>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The return listener, started on first use (linkings and redirect payments send the browser
/// back to it).
#[derive(Debug, Default)]
pub(crate) struct BrowserReturns {
    listener: tokio::sync::OnceCell<ReturnListener>,
}

impl BrowserReturns {
    pub async fn listener(&self) -> Result<&ReturnListener, String> {
        self.listener.get_or_try_init(ReturnListener::start).await
    }

    /// The listener, once started.
    pub fn started(&self) -> Option<&ReturnListener> {
        self.listener.get()
    }
}

const PAGE: &str =
    "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>OVO Back Office</title>\
<body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\"><h1>OVO Back Office</h1>\
<p>Terima kasih. Anda dapat menutup halaman ini dan kembali ke OVO Back Office.</p>\
<p lang=\"en\">Thank you. You can close this page and return to OVO Back Office.</p></body></html>";

impl ReturnListener {
    pub async fn start() -> Result<ReturnListener, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot listen for linking returns: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared::default());
        let app =
            Router::new().route("/linked/{reference}", get(arrive)).with_state(shared.clone());
        let stop = serve_until_dropped(listener, app, "linking return listener");
        tracing::info!(%addr, "listening for linking returns");
        Ok(ReturnListener { base: format!("http://{addr}"), shared, _stop: stop })
    }

    pub fn url_for(&self, reference: &str) -> String {
        format!("{}/linked/{reference}", self.base)
    }

    /// Everything that arrived since the last call.
    pub fn take(&self) -> HashMap<String, HashMap<String, String>> {
        std::mem::take(
            &mut *self.shared.arrived.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Resolves when something arrives.
    pub async fn arrived(&self) {
        self.shared.wake.notified().await;
    }
}

/// Serves `app` on `listener` until the returned sender is dropped; `what` names it in the log.
pub(crate) fn serve_until_dropped(
    listener: tokio::net::TcpListener,
    app: Router,
    what: &'static str,
) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "{what} stopped");
        }
    });
    stop
}

async fn arrive(
    State(shared): State<Arc<Shared>>,
    Path(reference): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Html<&'static str> {
    if reference.len() == 16 && reference.chars().all(|c| c.is_ascii_alphanumeric()) {
        shared
            .arrived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(reference, params);
        shared.wake.notify_waiters();
        shared.wake.notify_one();
    }
    Html(PAGE)
}
