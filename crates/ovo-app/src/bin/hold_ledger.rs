//! Opens a back office on the data directory given as the only argument, prints `ready` and
//! holds it until the process is killed: the second process of the one-instance tests.

use std::io::Write;
use std::sync::Arc;

use ovo_app::{Backoffice, BackofficeConfig};
use ovo_domain::SystemClock;
use ovo_secrets::MemoryStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = std::env::args_os().nth(1).ok_or("usage: ovo-app-hold-ledger <data dir>")?;
    let config = BackofficeConfig {
        ledger: None,
        data_dir: data_dir.into(),
        app_identifier: "test.ovo.backoffice".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        sandbox_time_scale: None,
        builtin_sandbox_url: None,
    };
    let _app =
        Backoffice::open(config, Arc::new(MemoryStore::new()), Arc::new(SystemClock)).await?;
    let mut out = std::io::stdout();
    writeln!(out, "ready")?;
    out.flush()?;
    std::future::pending::<()>().await;
    Ok(())
}
