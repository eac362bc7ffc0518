//! Installs what the app and its tests need when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{run, step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
}

/// Building the Tauri app (WebKitGTK) and talking to the Secret Service.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libsoup-3.0-dev",
    "libssl-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libdbus-1-dev",
];

/// A headless display, a private D-Bus with an unlocked keyring, and the WebKit WebDriver.
const TEST_PACKAGES: &[&str] =
    &["xvfb", "xauth", "dbus", "dbus-x11", "gnome-keyring", "webkit2gtk-driver"];

const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn system_packages(purpose: Purpose) -> Result<()> {
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    if purpose == Purpose::Test {
        wanted.extend_from_slice(TEST_PACKAGES);
    }
    if !has("dpkg-query") {
        bail!(
            "this set-up installs system packages with apt on Debian/Ubuntu only. On this system install the \
             equivalents of: {} (plus Node.js 20+ and npm), then run the command again",
            wanted.join(" ")
        );
    }
    install_missing(&wanted)?;
    check_node()
}

/// Installs those of `wanted` that are not installed, with apt-get (through sudo when not root).
pub fn install_missing(wanted: &[&str]) -> Result<()> {
    let missing: Vec<&str> = wanted.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!("installing system packages: {}", missing.join(" ")));
    let sudo = !is_root();
    if sudo && !has("sudo") {
        bail!("these packages are missing and installing them needs root: {}", missing.join(" "));
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn check_node() -> Result<()> {
    let out = Command::new("node").arg("--version").output();
    let version = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => bail!("Node.js 20 or newer with npm is needed for the UI; install it and run the command again"),
    };
    let major: u32 =
        version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 20 {
        bail!("Node.js {version} is too old for the UI build; install Node.js 20 or newer");
    }
    Ok(())
}

/// `npm ci` when node_modules is missing or was installed from another lock file.
pub fn ui_dependencies(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    let lock =
        std::fs::read(ui.join("package-lock.json")).context("ui/package-lock.json is missing")?;
    let stamp = ui.join("node_modules/.ovo-installed-lock.json");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(());
    }
    step("installing the UI's npm dependencies");
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&ui))?;
    std::fs::write(&stamp, &lock).context("cannot record the installed lock file")?;
    Ok(())
}

/// rustfmt and clippy, added to the toolchain through rustup when the toolchain lacks them.
pub fn rust_components() -> Result<()> {
    for (component, probe) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        let present = crate::cargo()
            .args([probe, "--version"])
            .output()
            .is_ok_and(|out| out.status.success());
        if !present {
            step(&format!("adding the toolchain's {component}"));
            run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// tauri-driver, installed into the project's target directory, not the user's.
pub fn tauri_driver(root: &Path) -> Result<PathBuf> {
    let tools = crate::target_dir(root).join("tools");
    let binary = tools.join("bin/tauri-driver");
    if !binary.exists() {
        step(&format!("installing tauri-driver {TAURI_DRIVER_VERSION}"));
        run(crate::cargo()
            .args([
                "install",
                "tauri-driver",
                "--locked",
                "--version",
                TAURI_DRIVER_VERSION,
                "--root",
            ])
            .arg(&tools))?;
    }
    Ok(binary)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn has(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
