//! Western Indonesia Time (WIB, Asia/Jakarta): business days and display.

use time::{Date, PrimitiveDateTime, Time, UtcOffset};

use crate::clock::Timestamp;

/// UTC+07:00. Asia/Jakarta has no DST and has been UTC+7 since 1964, so a fixed offset is exact.
pub const WIB: UtcOffset = time::macros::offset!(+7);

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The WIB calendar date of an instant (the last instants of 9999 UTC stay on 9999-12-31).
pub fn wib_date(at: Timestamp) -> Date {
    at.to_offset_datetime().checked_to_offset(WIB).map_or(Date::MAX, |dt| dt.date())
}

/// 00:00:00.000 WIB of `date` as an instant (clamped to the `Timestamp` range).
pub fn wib_day_start(date: Date) -> Timestamp {
    let local = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(WIB);
    Timestamp::from_offset_datetime(local)
}

/// 23:59:59.999 WIB of `date`: the last instant of that business day.
pub fn wib_day_end_inclusive(date: Date) -> Timestamp {
    wib_day_start(date).plus_millis(MILLIS_PER_DAY - 1)
}

/// Half-open `[start, next day's start)` of a WIB day, for range queries.
pub fn wib_day_bounds(date: Date) -> (Timestamp, Timestamp) {
    let start = wib_day_start(date);
    (start, start.plus_millis(MILLIS_PER_DAY))
}

/// Calendar days from `from` to `to`: positive when `to` is later, 0 for the same day.
pub fn days_between(from: Date, to: Date) -> i64 {
    i64::from(to.to_julian_day()) - i64::from(from.to_julian_day())
}

/// `2024-01-02 00:30 WIB`
pub fn format_wib(at: Timestamp) -> String {
    let dt = at.to_offset_datetime();
    let local = dt.checked_to_offset(WIB).unwrap_or(dt);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} WIB",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn ts(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).expect("valid timestamp")
    }

    fn check(instant: &str, expected: Date) {
        assert_eq!(wib_date(ts(instant)), expected, "instant {instant}");
    }

    #[test]
    fn wib_dates_across_the_utc_boundary() {
        // Worked example: 17:30 UTC on 1 January is 00:30 WIB on 2 January.
        check("2024-01-01T17:30:00Z", date!(2024 - 01 - 02));
        check("2024-01-01T16:59:59.999Z", date!(2024 - 01 - 01));
        check("2024-01-01T17:00:00Z", date!(2024 - 01 - 02));
        check("2024-01-01T00:00:00Z", date!(2024 - 01 - 01));
        check("2023-12-31T17:00:00Z", date!(2024 - 01 - 01));
        check("2024-02-28T17:00:00Z", date!(2024 - 02 - 29));
        check("1970-01-01T00:00:00Z", date!(1970 - 01 - 01));
        check("9999-12-31T23:59:59.999Z", date!(9999 - 12 - 31));
    }

    #[test]
    fn day_boundaries_at_wib_midnight() {
        let day = date!(2024 - 01 - 02);
        let start = wib_day_start(day);
        let end = wib_day_end_inclusive(day);
        assert_eq!(start, ts("2024-01-01T17:00:00Z"));
        assert_eq!(end, ts("2024-01-02T16:59:59.999Z"));
        assert_eq!(format_wib(end), "2024-01-02 23:59 WIB");
        assert_eq!(wib_date(end), day);
        assert_eq!(wib_date(end.plus_millis(1)), date!(2024 - 01 - 03));
        assert_eq!(end.plus_millis(1), wib_day_start(date!(2024 - 01 - 03)));
        assert_eq!(wib_date(start), day);
        assert_eq!(wib_date(start.plus_millis(-1)), date!(2024 - 01 - 01));
        assert_eq!(wib_day_bounds(day), (start, end.plus_millis(1)));
        assert_eq!(format_wib(start), "2024-01-02 00:00 WIB");
    }

    #[test]
    fn days_between_dates() {
        assert_eq!(days_between(date!(2024 - 01 - 01), date!(2024 - 01 - 01)), 0);
        assert_eq!(days_between(date!(2024 - 01 - 01), date!(2024 - 01 - 02)), 1);
        assert_eq!(days_between(date!(2024 - 01 - 02), date!(2024 - 01 - 01)), -1);
        assert_eq!(days_between(date!(2024 - 01 - 01), date!(2025 - 01 - 01)), 366);
        assert_eq!(days_between(date!(2023 - 12 - 25), date!(2024 - 03 - 01)), 67);
    }

    #[test]
    fn formats_in_wib() {
        assert_eq!(format_wib(ts("2024-01-01T17:30:00Z")), "2024-01-02 00:30 WIB");
        assert_eq!(format_wib(ts("2024-06-15T05:05:59.999Z")), "2024-06-15 12:05 WIB");
        assert_eq!(format_wib(Timestamp::UNIX_EPOCH), "1970-01-01 07:00 WIB");
        assert_eq!(WIB.whole_hours(), 7);
    }
}
