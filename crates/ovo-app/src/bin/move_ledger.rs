//! `ovo-move-ledger <data dir> <postgres URL>`: moves the ledger file of a data folder into a
//! new, empty PostgreSQL ledger (see `ovo_app::move_ledger`), printing what was copied.

use ovo_app::{move_ledger, LedgerLocation};
use ovo_domain::{Clock, SystemClock};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: ovo-move-ledger <data dir> <postgres://user:password@host:port/database>";
    let mut args = std::env::args().skip(1);
    let (Some(data_dir), Some(url)) = (args.next(), args.next()) else {
        return Err(usage.into());
    };
    let target = LedgerLocation::parse(&url)?;
    let report = move_ledger(data_dir.as_ref(), &target, SystemClock.now()).await?;
    for (table, rows) in &report.tables {
        println!("{table}: {rows} rows");
    }
    println!(
        "moved into {target}; the audit log ends at entry {} on both sides",
        report.audit_head.seq
    );
    Ok(())
}
