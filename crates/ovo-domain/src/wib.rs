//! Western Indonesia Time (WIB, Asia/Jakarta): business days and display.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone};
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

/// The working day (Monday to Friday) `days` working days after `date`; public holidays are
/// not known here and count as working days.
pub fn add_working_days(date: NaiveDate, days: u32) -> NaiveDate {
    let mut day = date;
    let mut left = days;
    while left > 0 {
        day = add_days(day, 1);
        if day.weekday().number_from_monday() <= 5 {
            left -= 1;
        }
    }
    day
}

/// Day 0 of spreadsheet serial dates (the 1900 system as Excel and LibreOffice count it).
const SPREADSHEET_EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1899, 12, 30) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The wall-clock time a spreadsheet serial date stands for (`46086.5` is noon of 2026-03-05):
/// whole days since 1899-12-30 plus the fraction of a day, to the millisecond.
pub fn spreadsheet_serial(text: &str) -> Option<NaiveDateTime> {
    let (days, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if days.is_empty() || !days.bytes().all(|b| b.is_ascii_digit()) || days.len() > 6 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let days: i64 = days.parse().ok()?;
    // The fraction's first 12 digits, exactly, as milliseconds of the day (rounded).
    let digits = &fraction[..fraction.len().min(12)];
    let scale = 10_i128.pow(u32::try_from(digits.len()).ok()?);
    let numerator = if digits.is_empty() { 0 } else { digits.parse::<i128>().ok()? };
    let millis = i64::try_from((numerator * 86_400_000 * 2 + scale) / (scale * 2)).ok()?;
    let date = SPREADSHEET_EPOCH.checked_add_signed(TimeDelta::try_days(days)?)?;
    date.and_time(NaiveTime::MIN).checked_add_signed(TimeDelta::try_milliseconds(millis)?)
}

/// A time as a provider's report writes it: RFC 3339 with its offset, or a WIB wall clock as
/// `YYYY-MM-DD[ HH:MM[:SS]]` (also with `T`), `DD/MM/YYYY[ HH:MM[:SS]]` (also with `-`),
/// `YYYYMMDDHHMMSS`, `YYYYMMDD`, or a spreadsheet serial date.
pub fn parse_report_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = Timestamp::parse_rfc3339(text) {
        return Some(at);
    }
    const TIMES: [&str; 12] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y%m%d%H%M%S",
        "%Y%m%d %H%M%S",
    ];
    const DATES: [&str; 5] = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y%m%d"];
    let local = TIMES
        .iter()
        .find_map(|form| NaiveDateTime::parse_from_str(text, form).ok())
        .or_else(|| {
            DATES.iter().find_map(|form| {
                NaiveDate::parse_from_str(text, form).ok().map(|d| d.and_time(NaiveTime::MIN))
            })
        })
        .or_else(|| spreadsheet_serial(text).filter(|_| text.len() < 8 || text.contains('.')))?;
    Some(Timestamp::from_wib(local))
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

    #[test]
    fn working_days_skip_weekends() {
        // 2026-03-05 is a Thursday.
        assert_eq!(add_working_days(date(2026, 3, 5), 0), date(2026, 3, 5));
        assert_eq!(add_working_days(date(2026, 3, 5), 1), date(2026, 3, 6));
        assert_eq!(add_working_days(date(2026, 3, 5), 2), date(2026, 3, 9));
        assert_eq!(add_working_days(date(2026, 3, 7), 1), date(2026, 3, 9));
    }

    #[test]
    fn report_times_are_wib_unless_they_carry_an_offset() {
        let wib_0707 = ts("2026-03-05T00:07:00Z");
        for text in [
            "2026-03-05 07:07:00",
            "2026-03-05 07:07",
            "2026-03-05T07:07:00",
            "05/03/2026 07:07",
            "05-03-2026 07:07:00",
            "20260305070700",
            "2026-03-05T00:07:00Z",
            "2026-03-05T07:07:00+07:00",
        ] {
            assert_eq!(parse_report_time(text), Some(wib_0707), "{text}");
        }
        assert_eq!(parse_report_time("2026-03-05"), Some(wib_day_start(date(2026, 3, 5))));
        assert_eq!(parse_report_time("20260305"), Some(wib_day_start(date(2026, 3, 5))));
        // A spreadsheet serial: 46086 is 2026-03-05; .5 is noon.
        assert_eq!(parse_report_time("46086"), Some(wib_day_start(date(2026, 3, 5))));
        assert_eq!(parse_report_time("46086.5"), Some(ts("2026-03-05T05:00:00Z")));
        for bad in ["", "yesterday", "2026-13-01", "32/01/2026", "12345678901"] {
            assert_eq!(parse_report_time(bad), None, "{bad}");
        }
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
