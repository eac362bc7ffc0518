//! The reliability harness behind `cargo xtask reliability`:
//!
//! - **crashes** (`crashes.rs`): a real app process (`ovo-reliability-worker`, built with
//!   ovo-app's `failpoints` feature) runs a scripted workload on one of the five products
//!   against the simulator this process runs; it is killed with SIGKILL at a labelled crash
//!   point (the point's callback prints its label and blocks) or at a random time, restarted
//!   on the same data directory, run until quiet, and its ledger compared with the simulator's
//!   record of provider writes (`GET /_sandbox/writes`): a write the ledger committed but never
//!   resolved, or one the provider processed that the ledger does not know, is lost; one the
//!   provider processed more than once is duplicated; no row may stay open past its give-up
//!   time.
//! - **races** (`races.rs`): seeded schedules on one ledger file. One app instance per ledger
//!   is the rule, so the "other processes" are desks that open the same file through
//!   `ovo_ledger::Ledger::open` (their own SQLite connections, which is what separates
//!   processes for SQLite's locking) and write through the ledger's repository functions.
//!
//! The simulator runs in this process (`sim.rs`), at a fast time scale, and outlives every kill.

pub mod crashes;
pub mod races;
pub mod sim;
pub mod workload;
