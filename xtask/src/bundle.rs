//! `cargo xtask bundle`: the app built (profile `dist`) and packaged by Tauri's CLI (a .deb, and
//! an .rpm), then the .deb tested on this machine: installed with dpkg, its desktop entry and
//! icon checked, the installed binary started under Xvfb to its first screen, and removed again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::background::Session;
use crate::bench_app::{build_ui, Install, SHIPPED_PROFILE};
use crate::{run, setup, step};

/// The npm package of Tauri's CLI (a prebuilt binary), at the version of the tauri crate in
/// Cargo.lock.
const TAURI_CLI: &str = "@tauri-apps/cli@2.12.5";
const INSTALLED_BINARY: &str = "/usr/bin/ovo-backoffice";
/// Turns the bundler on for this command only; tauri.conf.json keeps it off for other builds.
const BUNDLE_CONFIG: &str = r#"{"bundle":{"active":true}}"#;

pub fn run_bundle(root: &Path) -> Result<()> {
    setup::system_packages(setup::Purpose::Test)?;
    setup::ui_dependencies(root)?;
    let tauri_driver = setup::tauri_driver(root)?;
    build_ui(root)?;
    let tauri = tauri_cli(root)?;
    let bundle_dir = crate::target_dir(root).join(SHIPPED_PROFILE).join("bundle");
    let _ = std::fs::remove_dir_all(&bundle_dir);

    // `tauri build` rather than `tauri bundle`: only the former takes Cargo's `--profile`.
    step(&format!("building (profile {SHIPPED_PROFILE}) and packaging: deb and rpm"));
    let package = |formats: &str| {
        run(crate::without_xtask_package_env(Command::new(&tauri))
            .args(["build", "--ci", "--bundles", formats, "--config", BUNDLE_CONFIG])
            .args(["--features", "tauri/custom-protocol", "--", "--profile", SHIPPED_PROFILE])
            .current_dir(root.join("src-tauri")))
    };
    if let Err(e) = package("deb,rpm") {
        println!("the .rpm was not made ({e:#}); making the .deb alone");
        package("deb")?;
    }
    let deb = only_file(&bundle_dir.join("deb"), "deb")?;
    let rpm = only_file(&bundle_dir.join("rpm"), "rpm").ok();
    println!("made {}", deb.display());
    if let Some(rpm) = &rpm {
        println!("made {}", rpm.display());
    }

    let outcome = test_deb(root, &deb, &tauri_driver);
    match &outcome {
        Ok(name) => println!(
            "\nbundle: PASS — {name} installed, desktop entry and icon in place, the installed \
             app opened its first screen, removed again"
        ),
        Err(e) => println!("\nbundle: FAIL — {e:#}"),
    }
    outcome.map(|_| ())
}

/// Tauri's CLI in the target directory's tools folder (not the UI's packages).
fn tauri_cli(root: &Path) -> Result<PathBuf> {
    let dir = crate::target_dir(root).join("tools/tauri-cli");
    let binary = dir.join("node_modules/.bin/tauri");
    let wanted = TAURI_CLI.rsplit('@').next().unwrap_or_default();
    let version = Command::new(&binary).arg("--version").output().ok();
    if !version.is_some_and(|out| String::from_utf8_lossy(&out.stdout).contains(wanted)) {
        step(&format!("installing {TAURI_CLI} into {}", dir.display()));
        std::fs::create_dir_all(&dir)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
            .arg(&dir)
            .arg(TAURI_CLI))?;
    }
    Ok(binary)
}

/// The one file ending in `.ext` in `dir`.
fn only_file(dir: &Path, ext: &str) -> Result<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("no {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    match &files[..] {
        [one] => Ok(one.clone()),
        _ => bail!("expected one .{ext} in {}, found {}", dir.display(), files.len()),
    }
}

/// Installs, checks, starts and removes the package; returns its name and version.
fn test_deb(root: &Path, deb: &Path, tauri_driver: &Path) -> Result<String> {
    let field = |name: &str| -> Result<String> {
        let out = Command::new("dpkg-deb").args(["-f"]).arg(deb).arg(name).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let package = field("Package")?;
    let label = format!("{package} {}", field("Version")?);
    println!("{label}: depends on {}", field("Depends")?);

    step(&format!("installing {label} with dpkg"));
    if as_root("dpkg", &["-i", &deb.display().to_string()]).is_err() {
        as_root("apt-get", &["install", "-f", "-y", "-q", "--no-install-recommends"])?;
    }
    let checked = check_installed(&package).and_then(|()| start_installed(root, tauri_driver));
    step(&format!("removing {package}"));
    let removed = as_root("dpkg", &["--remove", &package]);
    checked?;
    removed?;
    if Path::new(INSTALLED_BINARY).exists() {
        bail!("{INSTALLED_BINARY} is still there after removing {package}");
    }
    Ok(label)
}

/// `program args` as root, through sudo when not root.
fn as_root(program: &str, args: &[&str]) -> Result<()> {
    let mut cmd = if setup::is_root() { Command::new(program) } else { Command::new("sudo") };
    if !setup::is_root() {
        cmd.arg(program);
    }
    run(cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The binary, the desktop entry (naming the binary and the icon) and the icon are in place.
fn check_installed(package: &str) -> Result<()> {
    let listed = Command::new("dpkg").args(["-L", package]).output()?;
    let files = String::from_utf8_lossy(&listed.stdout).into_owned();
    if !Path::new(INSTALLED_BINARY).is_file() {
        bail!("{INSTALLED_BINARY} was not installed");
    }
    let desktop = files
        .lines()
        .find(|f| f.starts_with("/usr/share/applications/") && f.ends_with(".desktop"))
        .context("no desktop entry in /usr/share/applications")?;
    let entry = std::fs::read_to_string(desktop)?;
    let value = |key: &str| {
        entry.lines().find_map(|l| l.strip_prefix(key)).map(str::trim).unwrap_or("").to_owned()
    };
    let (exec, icon) = (value("Exec="), value("Icon="));
    if !exec.starts_with("ovo-backoffice") || icon.is_empty() {
        bail!("the desktop entry {desktop} has Exec={exec:?} Icon={icon:?}");
    }
    let icons: Vec<&str> = files
        .lines()
        .filter(|f| f.starts_with("/usr/share/icons/") && f.contains(&format!("/{icon}.")))
        .filter(|f| Path::new(f).is_file())
        .collect();
    if icons.is_empty() {
        bail!("no icon {icon} under /usr/share/icons");
    }
    if setup::has("desktop-file-validate") {
        run(Command::new("desktop-file-validate").arg(desktop))?;
    }
    println!("desktop entry {desktop}: Exec={exec}, Icon={icon}; icons: {}", icons.join(", "));
    Ok(())
}

/// The installed binary under Xvfb with its own D-Bus, keyring and data folder: its first
/// screen (the first admin's) must appear.
fn start_installed(root: &Path, tauri_driver: &Path) -> Result<()> {
    step(&format!("starting {INSTALLED_BINARY} to its first screen"));
    let work = crate::target_dir(root).join("bundle-test");
    let _ = std::fs::remove_dir_all(&work);
    let session = Session::start_in(&work.join("session"), tauri_driver)?;
    let shown = (|| {
        let url = session.webdriver_url().context("no WebDriver URL")?;
        let install = Install::new(&work.join("app"), Path::new(INSTALLED_BINARY))?;
        let browser = install.launch(url)?;
        let found = browser.wait_for("screen-setup", Duration::from_secs(60));
        install.close(browser)?;
        found.map(|_| ())
    })();
    session.stop();
    shown.context("the installed app did not show its first screen")?;
    println!("the installed app showed its first screen (screen-setup)");
    Ok(())
}
