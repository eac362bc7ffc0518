//! Western Indonesia Time (WIB, Asia/Jakarta): business days and display.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

use crate::clock::Timestamp;

/// The time zone business days are counted in (UTC+07:00 since 1964, no DST).
pub const WIB: Tz = chrono_tz::Asia::Jakarta;

/// The last WIB date of the `Timestamp` range.
const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

impl Timestamp {
    /// The instant on the WIB wall clock.
    pub fn to_wib(self) -> DateTime<Tz> {
        self.to_utc().with_timezone(&WIB)
    }

    /// The instant a WIB wall clock reads `local` (a zone-less provider time); clamped to the range.
    pub fn from_wib(local: NaiveDateTime) -> Timestamp {
        Timestamp::from_datetime(first_wib_instant_from(local))
    }
}

/// The WIB calendar date of an instant (the last instants of 9999 UTC stay on 9999-12-31).
pub fn wib_date(at: Timestamp) -> NaiveDate {
    at.to_wib().date_naive().min(LAST_DATE)
}

/// `date` plus `days` calendar days, kept within the `Timestamp` range's dates.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    TimeDelta::try_days(days)
        .and_then(|delta| date.checked_add_signed(delta))
        .map_or(if days < 0 { NaiveDate::MIN } else { LAST_DATE }, |d| d.min(LAST_DATE))
}

/// 00:00:00.000 WIB of `date` as an instant (clamped to the `Timestamp` range).
pub fn wib_day_start(date: NaiveDate) -> Timestamp {
    Timestamp::from_wib(date.and_time(NaiveTime::MIN))
}

/// The first instant whose WIB wall clock reads `local` or later: `local` itself, or the end of
/// a clock jump (Jakarta's, all before 1964, were whole minutes).
fn first_wib_instant_from(local: NaiveDateTime) -> DateTime<Tz> {
    (0..=24 * 60)
        .find_map(|minutes| {
            WIB.from_local_datetime(&(local + TimeDelta::minutes(minutes))).earliest()
        })
        .unwrap_or_else(|| WIB.from_utc_datetime(&local))
}

/// 23:59:59.999 WIB of `date`: the last instant of that business day.
pub fn wib_day_end_inclusive(date: NaiveDate) -> Timestamp {
    wib_day_bounds(date).1.plus_millis(-1)
}

/// Half-open `[start, next day's start)` of a WIB day, for range queries.
pub fn wib_day_bounds(date: NaiveDate) -> (Timestamp, Timestamp) {
    (wib_day_start(date), date.succ_opt().map_or(Timestamp::MAX, wib_day_start))
}

/// Calendar days from `from` to `to`: positive when `to` is later, 0 for the same day.
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    to.signed_duration_since(from).num_days()
}

/// A calendar date written `YYYY-MM-DD` (what a date input gives), surrounding spaces ignored.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // chrono alone would also read `2024-1-2`; the form is exactly ten characters.
    (text.len() == 10).then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten()
}

/// `2024-01-02 00:30 WIB`
pub fn format_wib(at: Timestamp) -> String {
    at.to_wib().format("%Y-%m-%d %H:%M WIB").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Offset;

    fn ts(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).expect("valid timestamp")
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
    }

    fn check(instant: &str, expected: NaiveDate) {
        assert_eq!(wib_date(ts(instant)), expected, "instant {instant}");
    }

    #[test]
    fn wib_dates_across_the_utc_boundary() {
        // Worked example: 17:30 UTC on 1 January is 00:30 WIB on 2 January.
        check("2024-01-01T17:30:00Z", date(2024, 1, 2));
        check("2024-01-01T16:59:59.999Z", date(2024, 1, 1));
        check("2024-01-01T17:00:00Z", date(2024, 1, 2));
        check("2024-01-01T00:00:00Z", date(2024, 1, 1));
        check("2023-12-31T17:00:00Z", date(2024, 1, 1));
        check("2024-02-28T17:00:00Z", date(2024, 2, 29));
        check("1970-01-01T00:00:00Z", date(1970, 1, 1));
        check("9999-12-31T23:59:59.999Z", date(9999, 12, 31));
    }

    #[test]
    fn day_boundaries_at_wib_midnight() {
        let day = date(2024, 1, 2);
        let start = wib_day_start(day);
        let end = wib_day_end_inclusive(day);
        assert_eq!(start, ts("2024-01-01T17:00:00Z"));
        assert_eq!(end, ts("2024-01-02T16:59:59.999Z"));
        assert_eq!(format_wib(end), "2024-01-02 23:59 WIB");
        assert_eq!(wib_date(end), day);
        assert_eq!(wib_date(end.plus_millis(1)), date(2024, 1, 3));
        assert_eq!(end.plus_millis(1), wib_day_start(date(2024, 1, 3)));
        assert_eq!(wib_date(start), day);
        assert_eq!(wib_date(start.plus_millis(-1)), date(2024, 1, 1));
        assert_eq!(wib_day_bounds(day), (start, end.plus_millis(1)));
        assert_eq!(format_wib(start), "2024-01-02 00:00 WIB");
    }

    #[test]
    fn days_between_dates() {
        assert_eq!(days_between(date(2024, 1, 1), date(2024, 1, 1)), 0);
        assert_eq!(days_between(date(2024, 1, 1), date(2024, 1, 2)), 1);
        assert_eq!(days_between(date(2024, 1, 2), date(2024, 1, 1)), -1);
        assert_eq!(days_between(date(2024, 1, 1), date(2025, 1, 1)), 366);
        assert_eq!(days_between(date(2023, 12, 25), date(2024, 3, 1)), 67);
    }

    #[test]
    fn adds_days_within_the_timestamp_range() {
        assert_eq!(add_days(date(2026, 10, 21), 60), date(2026, 12, 20));
        assert_eq!(add_days(date(2024, 3, 1), -1), date(2024, 2, 29));
        assert_eq!(add_days(date(9999, 12, 1), 60), date(9999, 12, 31));
        assert_eq!(add_days(date(9999, 12, 31), i64::MAX), date(9999, 12, 31));
    }

    #[test]
    fn reads_wib_wall_clock_times() {
        let local =
            NaiveDateTime::parse_from_str("2024-01-02 00:30:15", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(Timestamp::from_wib(local), ts("2024-01-01T17:30:15Z"));
        assert_eq!(Timestamp::from_wib(local).to_wib().naive_local(), local);
    }

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!(parse_date(" 2024-02-29 "), Some(date(2024, 2, 29)));
        for bad in ["2024-02-30", "2024-13-01", "2024-1-2", "2024/01/02", "02-01-2024", "", "x"] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_in_wib() {
        assert_eq!(format_wib(ts("2024-01-01T17:30:00Z")), "2024-01-02 00:30 WIB");
        assert_eq!(format_wib(ts("2024-06-15T05:05:59.999Z")), "2024-06-15 12:05 WIB");
        assert_eq!(format_wib(Timestamp::UNIX_EPOCH), "1970-01-01 07:00 WIB");
        let offset = Timestamp::UNIX_EPOCH.to_wib().offset().fix();
        assert_eq!(offset.local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn days_before_1964_follow_jakartas_old_clocks() {
        // 1942-03-23 began at a jump from +07:30 to +09:00: its first instant is 01:30 WIB.
        let jump_day = date(1942, 3, 23);
        assert_eq!(format_wib(wib_day_start(jump_day)), "1942-03-23 01:30 WIB");
        assert_eq!(wib_day_start(jump_day), ts("1942-03-22T16:30:00Z"));
        assert_eq!(wib_date(wib_day_start(jump_day).plus_millis(-1)), date(1942, 3, 22));
        let (start, end) = wib_day_bounds(date(2024, 1, 2));
        assert_eq!(end.millis_since(start), 86_400_000);
    }
}
