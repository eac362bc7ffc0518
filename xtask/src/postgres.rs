//! A throw-away PostgreSQL server for the tests: a fresh cluster in `<target>/pg` on a free port
//! of 127.0.0.1, run as `postgres` when we are root (the server refuses root), stopped when the
//! guard drops, and by a watchdog process when xtask itself is interrupted or killed.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use anyhow::{bail, Context, Result};

use crate::{setup, step, target_dir};

/// The variable that hands the server's URL to the Rust suites.
pub const URL_VAR: &str = "OVO_TEST_POSTGRES_URL";

/// Longest Unix socket path the kernel takes (`sun_path` less its final NUL).
const MAX_SOCKET_PATH: usize = 107;

#[derive(Debug)]
pub struct TestPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
    watchdog: Option<Child>,
}

impl TestPostgres {
    pub fn start(root: &Path) -> Result<TestPostgres> {
        let bin = server_binaries()?;
        let as_postgres = setup::is_root();
        let mut base = target_dir(root).join("pg");
        // The server runs as `postgres`: a checkout it cannot enter gets its cluster in the
        // system's temporary folder instead, one per checkout.
        if as_postgres && check_traversable(&target_dir(root)).is_err() {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            root.hash(&mut hasher);
            base = std::env::temp_dir().join(format!("ovo-backoffice-pg-{:016x}", hasher.finish()));
        }
        let (data, sock, logs) = (base.join("data"), base.join("sock"), base.join("logs"));
        step(&format!("starting PostgreSQL ({}) in {}", bin.display(), base.display()));

        stop_left_behind(&bin, &data, as_postgres)?;
        if base.exists() {
            std::fs::remove_dir_all(&base)
                .with_context(|| format!("cannot remove {}", base.display()))?;
        }
        for dir in [&base, &data, &sock, &logs] {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot set the mode of {}", base.display()))?;
        if as_postgres {
            check_postgres_user()?;
            check_traversable(&base)?;
            crate::run(Command::new("chown").arg("postgres:postgres").args([&data, &sock, &logs]))?;
        }

        let port = free_port()?;
        let socket = sock.join(format!(".s.PGSQL.{port}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the server's socket path {} is longer than {MAX_SOCKET_PATH} bytes; set \
                 CARGO_TARGET_DIR to a shorter folder",
                socket.display()
            );
        }
        let sock_text = sock.to_str().context("the socket folder's path is not UTF-8")?;
        if sock_text.contains(['\'', '\\']) {
            bail!("the socket folder's path {sock_text} has a quote or backslash; pg_ctl cannot pass it");
        }

        let mut initdb = server_command(&bin.join("initdb"), as_postgres, &base);
        initdb.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "ovo",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        checked_output(&mut initdb, "initdb")?;

        let log = logs.join("postgres.log");
        let mut start = server_command(&bin.join("pg_ctl"), as_postgres, &base);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-k '{sock_text}' -p {port} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c max_connections=200"
            ))
            .arg("start")
            .process_group(0);
        if let Err(err) = checked_output(&mut start, "pg_ctl start") {
            // A start that timed out may still come up.
            let _ = stop_command(&bin, &data, as_postgres, "fast").output();
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(err.context(format!("{}:\n{}", log.display(), tail.join("\n"))));
        }

        let mut server = TestPostgres { bin, data, port, as_postgres, watchdog: None };
        server.watchdog = Some(server.spawn_watchdog()?);
        println!("PostgreSQL listening on 127.0.0.1:{port} (log: {})", log.display());
        Ok(server)
    }

    /// The superuser `ovo` on the `postgres` database; no password (trust, 127.0.0.1 only).
    pub fn url(&self) -> String {
        format!("postgres://ovo@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's programs (`initdb`, `pg_ctl`, `pgbench`, …).
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// Stops the server, as dropping the guard does.
    pub fn stop(self) {
        drop(self);
    }

    /// A shell in its own process group (Ctrl-C does not reach it) that waits for EOF on its
    /// stdin, which only this process holds: when xtask ends without dropping the guard, it
    /// stops the server.
    fn spawn_watchdog(&self) -> Result<Child> {
        let stop = stop_command(&self.bin, &self.data, self.as_postgres, "fast");
        let script = r#"data=$1; shift; cat >/dev/null
if [ -e "$data/postmaster.pid" ] && "$@" >/dev/null 2>&1; then
    echo "xtask: stopped PostgreSQL ($data)" >&2
fi"#;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("xtask-postgres-watchdog")
            .arg(&self.data)
            .arg(stop.get_program())
            .args(stop.get_args())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start the PostgreSQL watchdog (sh)")
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        match stop_command(&self.bin, &self.data, self.as_postgres, "fast").output() {
            Ok(out) if out.status.success() => println!("stopped PostgreSQL (port {})", self.port),
            Ok(out) => eprintln!(
                "xtask: stopping PostgreSQL failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(err) => eprintln!("xtask: cannot run pg_ctl stop: {err}"),
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// `/usr/lib/postgresql/<newest>/bin`, installing Debian's `postgresql` package when absent.
fn server_binaries() -> Result<PathBuf> {
    if let Some(bin) = newest_installed() {
        return Ok(bin);
    }
    if !setup::has("dpkg-query") {
        bail!(
            "PostgreSQL's server programs (initdb, pg_ctl) are not in /usr/lib/postgresql/<version>/bin; \
             install the PostgreSQL server and run the command again"
        );
    }
    setup::install_missing(&["postgresql"])?;
    newest_installed().context(
        "the postgresql package is installed, but /usr/lib/postgresql/<version>/bin/initdb is not",
    )
}

fn newest_installed() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: Vec<u32> = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// A server program, run as `postgres` when we are root.
fn server_command(program: &Path, as_postgres: bool, dir: &Path) -> Command {
    let mut cmd = if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    };
    cmd.current_dir(dir);
    cmd
}

/// `pg_ctl stop` in `mode` (fast: ends sessions cleanly; immediate: no shutdown checkpoint).
fn stop_command(bin: &Path, data: &Path, as_postgres: bool, mode: &str) -> Command {
    let mut cmd = server_command(&bin.join("pg_ctl"), as_postgres, Path::new("/"));
    cmd.arg("-D").arg(data).args(["-m", mode, "-w", "stop"]);
    cmd
}

fn checked_output(cmd: &mut Command, what: &str) -> Result<Output> {
    let out = cmd.output().with_context(|| format!("cannot start {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

/// A server a killed run left behind in `data` (its postmaster.pid names a live postgres).
fn stop_left_behind(bin: &Path, data: &Path, as_postgres: bool) -> Result<()> {
    let Ok(pid_file) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return Ok(());
    };
    let Some(pid) = pid_file.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
        return Ok(());
    };
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "postgres" {
        return Ok(());
    }
    println!(
        "stopping the PostgreSQL server (pid {pid}) an earlier run left in {}",
        data.display()
    );
    checked_output(&mut stop_command(bin, data, as_postgres, "immediate"), "pg_ctl stop")
        .with_context(|| format!("stop the server in {} and run again", data.display()))?;
    Ok(())
}

fn check_postgres_user() -> Result<()> {
    let exists = Command::new("id").arg("postgres").output().is_ok_and(|o| o.status.success());
    if !exists {
        bail!(
            "as root, the PostgreSQL server must run as the `postgres` user, which does not exist; \
             Debian's postgresql package creates it"
        );
    }
    Ok(())
}

/// The `postgres` user must be able to enter every folder down to `dir`.
fn check_traversable(dir: &Path) -> Result<()> {
    let mut chain: Vec<&Path> = dir.ancestors().collect();
    chain.reverse();
    for folder in chain {
        let mode = std::fs::metadata(folder)
            .with_context(|| format!("cannot read {}", folder.display()))?
            .permissions()
            .mode();
        if mode & 0o001 != 0 {
            continue;
        }
        let enters = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(folder)
            .current_dir("/")
            .status()
            .is_ok_and(|s| s.success());
        if !enters {
            bail!(
                "the PostgreSQL server runs as the `postgres` user, which cannot enter {} (mode {:o}); \
                 allow it (`chmod o+x {}`) or set CARGO_TARGET_DIR to a folder it can reach",
                folder.display(),
                mode & 0o7777,
                folder.display()
            );
        }
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}
