//! An optional record of every IPC reply, for diagnosing what the UI was told.
//! Enabled by `OVO_BACKOFFICE_IPC_JOURNAL=<file>`; off by default.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

/// Commands whose reply is a secret shown once: a desk enrolment code.
const SHOWN_ONCE: &[&str] = &["create_desk_enrolment"];

#[derive(Debug)]
pub struct Journal(Option<Mutex<std::fs::File>>);

impl Journal {
    pub fn from_env() -> Journal {
        let file = std::env::var_os("OVO_BACKOFFICE_IPC_JOURNAL").and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .inspect_err(|e| tracing::warn!(error = %e, "cannot open the IPC journal"))
                .ok()
        });
        Journal(file.map(Mutex::new))
    }

    /// Passes `reply` through, appending it to the journal when one is open.
    pub fn record<T: Serialize, E: Serialize>(
        &self,
        command: &str,
        reply: Result<T, E>,
    ) -> Result<T, E> {
        if let Some(file) = &self.0 {
            let line = match &reply {
                // The reply is the secret itself, shown once to the admin who asked.
                Ok(_) if SHOWN_ONCE.contains(&command) => {
                    serde_json::json!({ "command": command, "ok": "[shown once; not recorded]" })
                }
                Ok(body) => serde_json::json!({ "command": command, "ok": body }),
                Err(err) => serde_json::json!({ "command": command, "err": err }),
            };
            if let Ok(mut file) = file.lock() {
                let _ = writeln!(file, "{line}");
            }
        }
        reply
    }
}
