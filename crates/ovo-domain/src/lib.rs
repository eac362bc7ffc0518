//! Vocabulary and pure rules of the OVO back office. No IO: the only clock read is [`SystemClock`].
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod key;

pub mod clock;
pub mod format;
pub mod ids;
pub mod lang;
pub mod money;
pub mod name;
pub mod phone;
pub mod product;
pub mod refund_policy;
pub mod role;
pub mod settlement;
pub mod status;
pub mod test_phone;
pub mod wib;

pub use clock::{Clock, ManualClock, SystemClock, TimeError, Timestamp};
pub use ids::{BindingId, CustomerId, OperatorId, PaymentId, Reference, ReferenceError, RefundId};
pub use key::UnknownKey;
pub use lang::Lang;
pub use money::{Idr, MoneyError};
pub use name::fold_name;
pub use phone::{Msisdn, PhoneError, PhoneFormat};
pub use product::{Environment, Product, Provider};
pub use refund_policy::{
    evaluate, RefundDecision, RefundFacts, RefundMode, RefundPolicy, RefundPolicyError,
    RefundRefusal,
};
pub use role::Role;
pub use settlement::{SettlementKind, SettlementOutcome};
pub use status::{PaymentStatus, RefundStatus};
pub use test_phone::{PayerPhone, PayerPhoneError, TestPhone};
pub use wib::{
    add_days, days_between, format_wib, parse_date, wib_date, wib_day_bounds,
    wib_day_end_inclusive, wib_day_start, WIB,
};
