//! `ovo-sandbox [--addr HOST:PORT] [--merchants FILE] [--time-scale X] [--https [--ca-out FILE]]`

use std::net::SocketAddr;

use anyhow::{bail, Context, Result};
use ovo_sandbox::{Merchants, SandboxConfig, TimeScale};

const USAGE: &str = "usage: ovo-sandbox [--addr 127.0.0.1:7700] [--merchants FILE] [--time-scale 1] [--https [--ca-out FILE]]

  --addr        where to listen (default 127.0.0.1:7700; port 0 picks a free one)
  --merchants   TOML listing, per product, the credentials accepted and the notification URLs
                (default: the demo merchants of the app's built-in environment)
  --time-scale  multiplies every documented wait (70 s push hold, retries, expiries); e.g. 0.01
  --https       serve HTTPS with a certificate from a test CA generated at start
  --ca-out      with --https: write the test CA's certificate (PEM) to FILE (default: print it)";

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut addr: SocketAddr = "127.0.0.1:7700".parse()?;
    let mut config = SandboxConfig::default();
    let (mut https, mut ca_out) = (false, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value\n\n{USAGE}"));
        match arg.as_str() {
            "--addr" => addr = value()?.parse().context("--addr must look like 127.0.0.1:7700")?,
            "--merchants" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {path}"))?;
                config.merchants = Merchants::parse(&text).map_err(anyhow::Error::msg)?;
            }
            "--time-scale" => {
                config.time_scale = TimeScale::parse(&value()?).map_err(anyhow::Error::msg)?
            }
            "--https" => https = true,
            "--ca-out" => ca_out = Some(value()?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if ca_out.is_some() && !https {
        bail!("--ca-out needs --https\n\n{USAGE}");
    }
    let sandbox = if https {
        ovo_sandbox::start_https(config, addr).await?
    } else {
        ovo_sandbox::start(config, addr).await?
    };
    match (sandbox.ca_pem(), ca_out) {
        (Some(pem), Some(path)) => {
            std::fs::write(&path, pem).with_context(|| format!("cannot write {path}"))?
        }
        (Some(pem), None) => {
            println!("test CA certificate (trust it to reach the sandbox):\n{pem}")
        }
        _ => {}
    }
    println!("ovo-sandbox listening on {}", sandbox.url());
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown();
    Ok(())
}
