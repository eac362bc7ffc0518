//! What a benchmark does before it times anything: reading its counts from the command line
//! and (feature `app`) opening the app on a temporary data directory, generating customers.

/// Reads `--name N` pairs (`N` may be written `1_000`) into the slot named by each flag. `cargo
/// bench`'s own flags are passed over. On `--help` or a wrong argument prints the error and the
/// usage (the flags) and exits with status 2.
pub fn counts(flags: &mut [(&str, &mut usize)]) {
    if let Err(msg) = read_counts(std::env::args().skip(1), flags) {
        exit_with_usage(&msg, flags);
    }
}

/// [`counts`], and every count must be at least 1.
pub fn positive_counts(flags: &mut [(&str, &mut usize)]) {
    counts(flags);
    if flags.iter().any(|(_, value)| **value == 0) {
        exit_with_usage("every count must be at least 1", flags);
    }
}

fn exit_with_usage(msg: &str, flags: &[(&str, &mut usize)]) -> ! {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    // The bench binary is `<name>-<hash>`.
    let program = std::env::args().next().unwrap_or_default();
    let file = std::path::Path::new(&program).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let name = file.rsplit_once('-').map_or(file, |(name, _)| name);
    let options: Vec<String> = flags.iter().map(|(flag, _)| format!("[{flag} N]")).collect();
    eprintln!("usage: cargo bench --bench {name} -- {}", options.join(" "));
    std::process::exit(2);
}

fn read_counts(
    mut args: impl Iterator<Item = String>,
    flags: &mut [(&str, &mut usize)],
) -> Result<(), String> {
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo bench appends `--bench`; libtest-style flags mean nothing here.
            "--bench" | "--nocapture" | "--quiet" => continue,
            "-h" | "--help" => return Err(String::new()),
            _ => {}
        }
        let Some((_, slot)) = flags.iter_mut().find(|(name, _)| *name == arg) else {
            return Err(format!("unknown argument {arg:?}"));
        };
        let value = args.next().ok_or_else(|| format!("{arg} needs a number"))?;
        **slot = value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{arg}: {value:?} is not a number"))?;
    }
    Ok(())
}

#[cfg(feature = "app")]
pub use app::*;

#[cfg(feature = "app")]
mod app {
    use std::path::Path;
    use std::sync::Arc;

    use ovo_app::ipc::{FirstAdminInput, SearchInput};
    use ovo_app::{Backoffice, BackofficeConfig};
    use ovo_domain::{Msisdn, SystemClock};
    use ovo_secrets::MemoryStore;
    use rand::Rng;

    use crate::bench::{timed, BenchResult, FIRST, LAST};

    /// The admin's password in every benchmark's app.
    pub const BENCH_PASSWORD: &str = "bench-password-1";

    /// The app on `dir` with the in-memory secret store and the system clock.
    pub async fn open_app(dir: &Path) -> BenchResult<Backoffice> {
        let config = BackofficeConfig {
            ledger: None,
            data_dir: dir.to_path_buf(),
            app_identifier: "bench.ovo.backoffice".into(),
            version: "bench".into(),
            sandbox_time_scale: None,
            builtin_sandbox_url: None,
        };
        Ok(Backoffice::open(config, Arc::new(MemoryStore::new()), Arc::new(SystemClock)).await?)
    }

    /// [`open_app`] with its first admin `admin` (password [`BENCH_PASSWORD`]), not signed in.
    pub async fn open_app_with_admin(dir: &Path) -> BenchResult<Backoffice> {
        let app = open_app(dir).await?;
        app.set_up_first_admin(FirstAdminInput {
            username: "admin".into(),
            display_name: "Admin".into(),
            password: BENCH_PASSWORD.into(),
        })
        .await?;
        Ok(app)
    }

    /// Nanoseconds one `search_customers` round trip for `query` takes (20 rows at most).
    pub async fn time_search(app: &Backoffice, query: String) -> BenchResult<u64> {
        Ok(timed(app.search_customers(SearchInput { query, limit: 20 })).await?.0)
    }

    /// A random valid mobile number `628…`.
    pub fn random_phone<R: Rng + ?Sized>(rng: &mut R) -> Msisdn {
        loop {
            let candidate =
                format!("628{}{:09}", rng.gen_range(1..=9), rng.gen_range(0..1_000_000_000_u64));
            if let Ok(p) = Msisdn::parse(&candidate) {
                return p;
            }
        }
    }

    /// A random Indonesian full name from [`FIRST`] and [`LAST`].
    pub fn random_name<R: Rng + ?Sized>(rng: &mut R) -> String {
        format!("{} {}", FIRST[rng.gen_range(0..FIRST.len())], LAST[rng.gen_range(0..LAST.len())])
    }
}
