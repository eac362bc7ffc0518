//! The background processes a test run needs, started here and ended by PID when it ends:
//! a private D-Bus session, gnome-keyring (unlocked, in a temporary home), Xvfb and tauri-driver.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub struct Session {
    children: Vec<(&'static str, Child)>,
    env: Vec<(String, String)>,
    _scratch: PathBuf,
}

impl Session {
    pub fn start(root: &Path, tauri_driver: &Path) -> Result<Session> {
        Session::start_in(&root.join("target/test-session"), tauri_driver)
    }

    /// [`Session::start`] with its runtime and data folders in `scratch` (emptied first).
    pub fn start_in(scratch: &Path, tauri_driver: &Path) -> Result<Session> {
        crate::step("starting D-Bus, gnome-keyring, Xvfb and tauri-driver");
        let scratch = scratch.to_path_buf();
        let _ = std::fs::remove_dir_all(&scratch);
        let runtime_dir = scratch.join("runtime");
        let data_home = scratch.join("data");
        for dir in [&runtime_dir, &data_home] {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        set_private(&runtime_dir)?;
        let mut session =
            Session { children: Vec::new(), env: Vec::new(), _scratch: scratch.clone() };
        session.env.push(("XDG_RUNTIME_DIR".into(), runtime_dir.display().to_string()));
        session.env.push(("XDG_DATA_HOME".into(), data_home.display().to_string()));

        // D-Bus: the daemon prints its address on the first line.
        let mut dbus = Command::new("dbus-daemon")
            .process_group(0)
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start dbus-daemon")?;
        let mut address = String::new();
        BufReader::new(dbus.stdout.take().context("dbus-daemon stdout")?)
            .read_line(&mut address)?;
        session.children.push(("dbus-daemon", dbus));
        let address = address.trim().to_owned();
        if address.is_empty() {
            bail!("dbus-daemon printed no address");
        }
        session.env.push(("DBUS_SESSION_BUS_ADDRESS".into(), address));

        // gnome-keyring reads the unlock password from stdin.
        let mut keyring = session
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start gnome-keyring-daemon")?;
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin.write_all(b"ovo-test-keyring")?;
        }
        session.children.push(("gnome-keyring-daemon", keyring));
        session.wait_for("the Secret Service on D-Bus", || session.secret_service_up())?;

        // Xvfb on the first free display.
        let display = (99..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .context("no free X display")?;
        let xvfb = Command::new("Xvfb")
            .process_group(0)
            .args([
                format!(":{display}").as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb")?;
        session.children.push(("Xvfb", xvfb));
        session.wait_for("Xvfb", || Path::new(&format!("/tmp/.X11-unix/X{display}")).exists())?;
        session.env.push(("DISPLAY".into(), format!(":{display}")));

        let port = free_port()?;
        let native_port = free_port()?;
        let driver = session
            .command(tauri_driver.to_str().context("tauri-driver path")?)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .spawn()
            .context("cannot start tauri-driver")?;
        session.children.push(("tauri-driver", driver));
        // tauri-driver starts WebKitWebDriver and serves at once; a session asked for before
        // WebKitWebDriver listens fails with "connection refused", so wait for both.
        session.wait_for("tauri-driver and WebKitWebDriver", || {
            [port, native_port].iter().all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok())
        })?;
        session.env.push(("OVO_E2E_WEBDRIVER".into(), format!("http://127.0.0.1:{port}")));
        Ok(session)
    }

    /// tauri-driver's URL.
    pub fn webdriver_url(&self) -> Option<&str> {
        self.env.iter().find(|(k, _)| k == "OVO_E2E_WEBDRIVER").map(|(_, v)| v.as_str())
    }

    /// Gives a command this session's D-Bus, keyring, display and WebDriver.
    pub fn apply_env(&self, cmd: &mut Command) {
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.process_group(0);
        self.apply_env(&mut cmd);
        cmd
    }

    fn secret_service_up(&self) -> bool {
        self.command("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
            .unwrap_or(false)
    }

    fn wait_for(&self, what: &str, ready: impl Fn() -> bool) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ready() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("{what} did not come up within 20 s")
    }

    pub fn stop(mut self) {
        self.stop_children();
    }

    fn stop_children(&mut self) {
        // Each child leads its own process group, so its helpers (WebKitWebDriver) end with it.
        while let Some((name, mut child)) = self.children.pop() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            println!("stopped {name} (pid {})", child.id());
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop_children();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn set_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .context("cannot make the runtime dir private")
}
