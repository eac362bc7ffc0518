//! Opens provider pages in the system browser. With `OVO_BACKOFFICE_OPENED_URLS` set, the URLs
//! are appended to that file instead: test machines have no browser, and the end-to-end suite
//! plays the customer through the sandbox's control API.

use std::io::Write;
use std::path::PathBuf;

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
}

impl UrlOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        match self {
            SystemBrowser::Record(path) => {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| e.to_string())?;
                writeln!(file, "{url}").map_err(|e| e.to_string())
            }
            SystemBrowser::Open => {
                #[cfg(target_os = "macos")]
                let mut command = std::process::Command::new("open");
                #[cfg(target_os = "windows")]
                let mut command = {
                    let mut c = std::process::Command::new("rundll32");
                    c.arg("url.dll,FileProtocolHandler");
                    c
                };
                #[cfg(not(any(target_os = "macos", target_os = "windows")))]
                let mut command = std::process::Command::new("xdg-open");
                command
                    .arg(url)
                    .spawn()
                    .map(drop)
                    .map_err(|e| format!("cannot start the system browser: {e}"))
            }
        }
    }
}
