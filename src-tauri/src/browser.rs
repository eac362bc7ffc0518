//! Opens provider pages in the system browser and evidence files in the system's viewer,
//! through the opener plugin's Rust functions: the OS's own "open" call, no shell and no
//! command line built from the URL. Only pages `ovo-app` checked reach it. With
//! `OVO_BACKOFFICE_OPENED_URLS` set, what would open is appended to that file instead: test
//! machines have no browser, and the end-to-end suite plays the customer through the sandbox's
//! control API.

use std::io::Write;
use std::path::{Path, PathBuf};

use ovo_app::UrlOpener;

const RECORD_ENV: &str = "OVO_BACKOFFICE_OPENED_URLS";

#[derive(Debug)]
pub enum SystemBrowser {
    Open,
    Record(PathBuf),
}

impl SystemBrowser {
    pub fn from_env() -> SystemBrowser {
        match std::env::var_os(RECORD_ENV) {
            Some(path) => SystemBrowser::Record(PathBuf::from(path)),
            None => SystemBrowser::Open,
        }
    }

    fn record(path: &Path, line: &str) -> Result<(), String> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| e.to_string())?;
        writeln!(file, "{line}").map_err(|e| e.to_string())
    }
}

impl UrlOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        match self {
            SystemBrowser::Record(path) => SystemBrowser::record(path, url),
            SystemBrowser::Open => tauri_plugin_opener::open_url(url, None::<&str>)
                .map_err(|e| format!("cannot open the system browser: {e}")),
        }
    }

    fn open_file(&self, file: &Path) -> Result<(), String> {
        match self {
            SystemBrowser::Record(path) => SystemBrowser::record(path, &file.to_string_lossy()),
            SystemBrowser::Open => tauri_plugin_opener::open_path(file, None::<&str>)
                .map_err(|e| format!("cannot open {}: {e}", file.display())),
        }
    }
}
