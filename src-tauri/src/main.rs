//! OVO Back Office desktop shell. Everything it does is a call into `ovo_app::Backoffice`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod browser;
mod commands;
mod journal;
mod shell_commands;
mod startup;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use ovo_app::{Backoffice, BackofficeConfig};
use tauri::Manager;

/// jemalloc, with its background threads, gives back to the system what the Rust side frees
/// after a burst of work (a long scroll's pages, the poller's passes), idle or not; glibc's malloc
/// keeps most of it. (jemalloc does not build for MSVC; Windows keeps the system allocator.)
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Overrides where the ledger and logs live (tests never touch a real user's data).
const DATA_DIR_ENV: &str = "OVO_BACKOFFICE_DATA_DIR";

/// What every command reaches: the back office and, when diagnosing, the IPC journal.
#[derive(Debug)]
pub struct Shell {
    pub app: Arc<Backoffice>,
    pub journal: journal::Journal,
}

fn main() {
    let renderer = choose_web_view_renderer();
    let context = tauri::generate_context!();
    let mut builder = tauri::Builder::default();
    // First: a second start ends here, before it opens anything, and the first window comes forward.
    if let Some(name) = instance_name(&context.config().identifier) {
        builder = builder.plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(name)
                .callback(|app, _argv, _cwd| focus_main_window(app))
                .build(),
        );
    }
    builder
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let data_dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir().context("no data directory for this user")?,
            };
            init_logging(&data_dir)?;
            tracing::info!(?renderer, "web view");
            let config = BackofficeConfig {
                data_dir,
                ledger: None,
                app_identifier: app.config().identifier.clone(),
                version: app.package_info().version.to_string(),
                sandbox_time_scale: std::env::var("OVO_BACKOFFICE_SANDBOX_TIME_SCALE").ok(),
                builtin_sandbox_url: std::env::var("OVO_BACKOFFICE_SANDBOX_URL")
                    .ok()
                    .filter(|u| !u.trim().is_empty()),
            };
            // The window first (`create: false` in the config), so the web view starts while the
            // back office opens; the UI's first call waits for the opening.
            for window in &app.config().app.windows {
                tauri::WebviewWindowBuilder::from_config(app, window)?.build()?;
            }
            app.manage(startup::Startup::open_in_background(app.handle(), config));
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(context)
        .unwrap_or_else(|e| {
            eprintln!("OVO Back Office could not start: {e}");
            std::process::exit(1);
        })
        .run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // A new start from here on opens its own window (waiting for the ledger's lock)
                // instead of handing over to this ending one.
                tauri_plugin_single_instance::destroy(handle);
                // Another desk of a shared ledger takes the listener over at once, not when it lapses.
                if let Some(shell) = handle.try_state::<Shell>() {
                    tauri::async_runtime::block_on(shell.app.close_listener());
                }
            }
        });
}

/// The name one running app holds per session and data folder: the app's identifier, and for a
/// data folder other than the user's own (`OVO_BACKOFFICE_DATA_DIR`) a digest of its path, so
/// apps on different folders run side by side. Only Linux's D-Bus name takes that digest; on
/// Windows and macOS an app on another folder does without the plugin (`None`), and the folder's
/// ledger lock still refuses a second app on the same folder.
fn instance_name(identifier: &str) -> Option<String> {
    use std::hash::{Hash, Hasher};
    match std::env::var_os(DATA_DIR_ENV) {
        Some(_) if !cfg!(target_os = "linux") => None,
        Some(dir) => {
            let mut hasher = std::hash::DefaultHasher::new();
            std::path::absolute(&dir).unwrap_or_else(|_| PathBuf::from(&dir)).hash(&mut hasher);
            Some(format!("{identifier}.d{:016x}", hasher.finish()))
        }
        None => Some(identifier.to_owned()),
    }
}

/// A second start of the app: the window already open comes forward instead.
fn focus_main_window(app: &tauri::AppHandle) {
    tracing::info!("a second start brought this window forward");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Keeps WebKit's own renderer on Linux (for comparison) when set to a non-empty value.
#[cfg(target_os = "linux")]
const WEBKIT_DEFAULTS_ENV: &str = "OVO_BACKOFFICE_WEBKIT_DEFAULTS";
/// WebKitGTK's switch for its DMA-BUF renderer.
#[cfg(target_os = "linux")]
const DMABUF_RENDERER_ENV: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// How the web view paints, as chosen by [`choose_web_view_renderer`], for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renderer {
    /// Without WebKitGTK's DMA-BUF renderer.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    WithoutDmabuf,
    /// As WebKit chooses (the user's environment or `OVO_BACKOFFICE_WEBKIT_DEFAULTS` said so).
    WebKitDefault,
}

/// On Linux, the web view paints without WebKitGTK's DMA-BUF renderer unless the environment
/// already decides: idle after sign-in, the web process then held 121 MB of proportional set
/// instead of 227 (`cargo xtask bench app` prints both). It is also the usual remedy for a blank
/// window on some graphics drivers; `WEBKIT_DISABLE_DMABUF_RENDERER=0` gives WebKit its choice
/// back. Must run before GTK or WebKit starts, while the process has one thread.
fn choose_web_view_renderer() -> Renderer {
    #[cfg(target_os = "linux")]
    {
        let defaults = std::env::var_os(WEBKIT_DEFAULTS_ENV).is_some_and(|v| !v.is_empty());
        if !defaults && std::env::var_os(DMABUF_RENDERER_ENV).is_none() {
            std::env::set_var(DMABUF_RENDERER_ENV, "1");
        }
        if std::env::var_os(DMABUF_RENDERER_ENV).is_some_and(|v| v != "0") {
            return Renderer::WithoutDmabuf;
        }
    }
    Renderer::WebKitDefault
}

/// The log file in `<data dir>/logs`.
const LOG_FILE: &str = "ovo-backoffice.log";
/// Where the log file starts again: the full one moves to `.1` (the older ones up).
const LOG_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Full log files kept besides the current one.
const LOG_FILES_KEPT: usize = 5;

/// Logs go to stderr and to `<data dir>/logs/ovo-backoffice.log`, rotated by size.
fn init_logging(data_dir: &std::path::Path) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, EnvFilter};

    let log_dir = data_dir.join("logs");
    std::fs::create_dir_all(&log_dir)
        .with_context(|| format!("cannot create {}", log_dir.display()))?;
    // The rotating file opens quietly or not at all: try it first, so a failure is said.
    let path = log_dir.join(LOG_FILE);
    let unwritable = std::fs::OpenOptions::new().create(true).append(true).open(&path).err();
    let file = log_file(&log_dir, LOG_FILE_BYTES, LOG_FILES_KEPT);
    tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(fmt::layer().with_ansi(false).with_writer(std::sync::Mutex::new(file)))
        .try_init()
        .context("logging already initialised")?;
    if let Some(e) = unwritable {
        tracing::error!(file = %path.display(), "the log file cannot be written ({e}); logging to the terminal only");
    }
    Ok(())
}

/// `ovo-backoffice.log` in `log_dir`, moved to `.1` once it passes `bytes` (and `.1` to `.2`, up
/// to `kept` files; the oldest is removed).
fn log_file(
    log_dir: &std::path::Path,
    bytes: usize,
    kept: usize,
) -> file_rotate::FileRotate<file_rotate::suffix::AppendCount> {
    file_rotate::FileRotate::new(
        log_dir.join(LOG_FILE),
        file_rotate::suffix::AppendCount::new(kept),
        file_rotate::ContentLimit::BytesSurpassed(bytes),
        file_rotate::compression::Compression::None,
        #[cfg(unix)]
        None,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    #[test]
    fn the_log_file_starts_again_past_its_size_and_keeps_the_newest_full_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = super::log_file(dir.path(), 1_000, 2);
        for i in 0..100 {
            writeln!(log, "line {i:03} {}", "x".repeat(90)).unwrap();
        }
        log.flush().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["ovo-backoffice.log", "ovo-backoffice.log.1", "ovo-backoffice.log.2"]);
        let current = std::fs::read_to_string(dir.path().join("ovo-backoffice.log")).unwrap();
        assert!(current.contains("line 099"), "the newest line is in the current file");
        for name in &names {
            let size = std::fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(size <= 1_100, "{name} is {size} bytes");
        }
    }
}
