//! Instants as Unix milliseconds (UTC) and the clocks that produce them.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Why a timestamp was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TimeError {
    #[error("not an RFC 3339 timestamp; expected e.g. 2024-01-01T17:30:00Z or 2024-01-02T00:30:00+07:00")]
    InvalidRfc3339,
    #[error("timestamp is outside the years 0000 to 9999 (UTC)")]
    OutOfRange,
}

impl TimeError {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            TimeError::InvalidRfc3339 => "time_invalid_rfc3339",
            TimeError::OutOfRange => "time_out_of_range",
        }
    }
}

/// An instant in Unix milliseconds UTC, always within `0000-01-01T00:00:00.000Z ..= 9999-12-31T23:59:59.999Z`.
///
/// Infallible constructors and arithmetic saturate at [`Timestamp::MIN`]/[`Timestamp::MAX`];
/// `try_` constructors, RFC 3339 parsing and deserialisation reject out-of-range values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Timestamp(i64);

const MILLIS_PER_SECOND: i64 = 1_000;

impl Timestamp {
    /// `0000-01-01T00:00:00.000Z`
    pub const MIN: Timestamp = Timestamp(-62_167_219_200_000);
    /// `9999-12-31T23:59:59.999Z`
    pub const MAX: Timestamp = Timestamp(253_402_300_799_999);
    /// `1970-01-01T00:00:00.000Z`
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// Clamps to `MIN..=MAX` (years 0000-9999).
    pub const fn from_unix_millis(millis: i64) -> Timestamp {
        if millis < Self::MIN.0 {
            Self::MIN
        } else if millis > Self::MAX.0 {
            Self::MAX
        } else {
            Timestamp(millis)
        }
    }

    /// `None` outside `MIN..=MAX`.
    pub const fn try_from_unix_millis(millis: i64) -> Option<Timestamp> {
        if millis < Self::MIN.0 || millis > Self::MAX.0 {
            None
        } else {
            Some(Timestamp(millis))
        }
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Drops sub-millisecond precision (towards the past); clamps to `MIN..=MAX`.
    pub fn from_datetime<Tz: TimeZone>(dt: DateTime<Tz>) -> Timestamp {
        Self::from_unix_millis(dt.timestamp_millis())
    }

    /// The instant as a UTC date-time.
    pub fn to_utc(self) -> DateTime<Utc> {
        // MIN..=MAX lies well inside chrono's range.
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// `2024-01-01T17:30:00.000Z`: UTC, always three fraction digits.
    pub fn to_rfc3339(self) -> String {
        self.to_utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    /// Any RFC 3339 offset; sub-millisecond digits are dropped.
    pub fn parse_rfc3339(input: &str) -> Result<Timestamp, TimeError> {
        let input = input.trim();
        // chrono also reads a space for the `T`; RFC 3339 proper does not.
        if input.as_bytes().get(10) == Some(&b' ') {
            return Err(TimeError::InvalidRfc3339);
        }
        let dt = DateTime::parse_from_rfc3339(input).map_err(|_| TimeError::InvalidRfc3339)?;
        Self::try_from_unix_millis(dt.timestamp_millis()).ok_or(TimeError::OutOfRange)
    }

    /// Saturates at `MIN`/`MAX`.
    pub const fn plus_millis(self, millis: i64) -> Timestamp {
        Self::from_unix_millis(self.0.saturating_add(millis))
    }

    /// Saturates at `MIN`/`MAX`.
    pub const fn plus_seconds(self, seconds: i64) -> Timestamp {
        self.plus_millis(seconds.saturating_mul(MILLIS_PER_SECOND))
    }

    /// `self - earlier` in milliseconds (negative if `earlier` is later).
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

impl TryFrom<i64> for Timestamp {
    type Error = TimeError;
    fn try_from(millis: i64) -> Result<Self, Self::Error> {
        Self::try_from_unix_millis(millis).ok_or(TimeError::OutOfRange)
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp {
    fn from(dt: DateTime<Tz>) -> Self {
        Self::from_datetime(dt)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.to_utc()
    }
}

impl From<Timestamp> for i64 {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

/// RFC 3339 in UTC.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// A source of the current time; inject it so rules stay testable.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }
}

/// A settable clock for tests; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Arc::new(AtomicI64::new(start.unix_millis())))
    }

    pub fn set(&self, to: Timestamp) {
        self.0.store(to.unix_millis(), Ordering::SeqCst);
    }

    /// Moves the clock (backwards if negative), saturating like [`Timestamp::plus_millis`].
    pub fn advance_millis(&self, millis: i64) {
        // fetch_update with a total closure cannot fail.
        let _ = self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
            Some(Timestamp::from_unix_millis(current).plus_millis(millis).unix_millis())
        });
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.advance_millis(seconds.saturating_mul(MILLIS_PER_SECOND));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn check(input: &str, expected: Result<i64, TimeError>) {
        assert_eq!(
            Timestamp::parse_rfc3339(input).map(Timestamp::unix_millis),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn parses_rfc3339() {
        check("1970-01-01T00:00:00Z", Ok(0));
        check("2024-01-01T17:30:00Z", Ok(1_704_130_200_000));
        check("2024-01-02T00:30:00+07:00", Ok(1_704_130_200_000));
        check("2024-01-01T17:30:00.123Z", Ok(1_704_130_200_123));
        check("2024-01-01T17:30:00.123999Z", Ok(1_704_130_200_123));
        check("1969-12-31T23:59:59.9995Z", Ok(-1));
        check("9999-12-31T23:59:59.999Z", Ok(Timestamp::MAX.unix_millis()));
        check("0000-01-01T00:00:00Z", Ok(Timestamp::MIN.unix_millis()));
        check("0000-01-01T00:00:00+01:00", Err(TimeError::OutOfRange));
        check("2024-01-01 17:30:00", Err(TimeError::InvalidRfc3339));
        check("2024-01-01T17:30:00", Err(TimeError::InvalidRfc3339));
        check("", Err(TimeError::InvalidRfc3339));
    }

    #[test]
    fn formats_rfc3339_in_utc_with_millis() {
        let t = Timestamp::from_unix_millis(1_704_130_200_000);
        assert_eq!(t.to_rfc3339(), "2024-01-01T17:30:00.000Z");
        assert_eq!(t.plus_millis(45).to_string(), "2024-01-01T17:30:00.045Z");
        assert_eq!(Timestamp::from_unix_millis(-1).to_rfc3339(), "1969-12-31T23:59:59.999Z");
        assert_eq!(Timestamp::MIN.to_rfc3339(), "0000-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::MAX.to_rfc3339(), "9999-12-31T23:59:59.999Z");
        for t in [Timestamp::MIN, Timestamp::UNIX_EPOCH, t.plus_millis(7), Timestamp::MAX] {
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Ok(t));
        }
    }

    #[test]
    fn converts_chrono_datetimes() {
        let wib = FixedOffset::east_opt(7 * 3600).unwrap();
        let dt = DateTime::parse_from_rfc3339("2024-01-02T00:30:00.5+07:00").unwrap();
        assert_eq!(dt.offset(), &wib);
        let t = Timestamp::from_datetime(dt);
        assert_eq!(t.unix_millis(), 1_704_130_200_500);
        assert_eq!(
            t.to_utc(),
            Utc.with_ymd_and_hms(2024, 1, 1, 17, 30, 0).unwrap()
                + chrono::TimeDelta::milliseconds(500)
        );
        assert_eq!(Timestamp::from(t.to_utc()), t);
        assert_eq!(DateTime::<Utc>::from(t), t.to_utc());
        let before_year_0 = Utc.with_ymd_and_hms(-1, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(Timestamp::from_datetime(before_year_0), Timestamp::MIN);
    }

    #[test]
    fn construction_and_arithmetic_saturate() {
        assert_eq!(Timestamp::from_unix_millis(i64::MAX), Timestamp::MAX);
        assert_eq!(Timestamp::from_unix_millis(i64::MIN), Timestamp::MIN);
        assert_eq!(Timestamp::try_from_unix_millis(i64::MAX), None);
        assert_eq!(Timestamp::try_from_unix_millis(5).map(Timestamp::unix_millis), Some(5));
        let t = Timestamp::from_unix_millis(1_000);
        assert_eq!(t.plus_millis(-1_500).unix_millis(), -500);
        assert_eq!(t.plus_seconds(60).unix_millis(), 61_000);
        assert_eq!(t.plus_seconds(i64::MAX), Timestamp::MAX);
        assert_eq!(t.plus_millis(i64::MIN), Timestamp::MIN);
        assert_eq!(t.plus_seconds(2).millis_since(t), 2_000);
        assert_eq!(t.millis_since(t.plus_seconds(2)), -2_000);
    }

    #[test]
    fn serde_is_integer_millis() {
        let t = Timestamp::from_unix_millis(1_704_130_200_000);
        assert_eq!(serde_json::to_string(&t).expect("serialize"), "1704130200000");
        assert_eq!(serde_json::from_str::<Timestamp>("1704130200000").expect("deserialize"), t);
        assert!(serde_json::from_str::<Timestamp>("9223372036854775807").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"2024-01-01T17:30:00Z\"").is_err());
    }

    #[test]
    fn manual_clock_is_shared_between_clones() {
        let start = Timestamp::from_unix_millis(1_000);
        let clock = ManualClock::new(start);
        let other = clock.clone();
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        assert_eq!(other.now(), start);
        clock.advance_millis(250);
        assert_eq!(other.now().unix_millis(), 1_250);
        other.advance_seconds(2);
        assert_eq!(clock.now().unix_millis(), 3_250);
        assert_eq!(shared.now().unix_millis(), 3_250);
        clock.set(Timestamp::UNIX_EPOCH);
        assert_eq!(shared.now(), Timestamp::UNIX_EPOCH);
        clock.advance_millis(i64::MAX);
        assert_eq!(other.now(), Timestamp::MAX);
    }

    #[test]
    fn system_clock_is_after_2024() {
        let now = SystemClock.now();
        assert!(now > Timestamp::from_unix_millis(1_704_067_200_000));
        assert!(now < Timestamp::MAX);
    }
}
