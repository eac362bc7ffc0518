//! The phone numbers the suites pay with: the demo customers and the simulator's magic payers
//! (international form, as the ledger stores them).

/// Budi, a demo customer linked on the SNAP products.
pub const BUDI: &str = "6281234567890";
/// Siti, a demo customer.
pub const SITI: &str = "6281298765432";
/// Sophia, a demo customer.
pub const SOPHIA: &str = "6281382826301";
/// A wallet with nothing in it.
pub const EMPTY: &str = "6281100000001";
/// A blocked wallet.
pub const BLOCKED: &str = "6281100000002";
/// A wallet at its limit.
pub const LIMIT: &str = "6281100000003";
/// A number with no OVO account.
pub const NO_ACCOUNT: &str = "6281100000004";
/// A payer who declines every payment.
pub const DECLINER: &str = "6281100000005";
/// A payer who never answers.
pub const SILENT: &str = "6281100000006";
/// A payer who approves at once, paying cash.
pub const PAYER: &str = "6281100000007";
