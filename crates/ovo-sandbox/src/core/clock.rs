//! Time for the simulators: instants in UTC, calendar dates and local renderings in
//! Asia/Jakarta (WIB), and the RFC 3339 forms the providers send.

use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use chrono_tz::Asia::Jakarta;
use chrono_tz::Tz;

/// The current instant.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Unix milliseconds as an instant (out of range: now).
pub fn from_unix_millis(unix_millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(unix_millis).unwrap_or_else(Utc::now)
}

/// The instant on the Asia/Jakarta wall clock.
pub fn in_jakarta(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&Jakarta)
}

/// The Asia/Jakarta calendar date of an instant (business dates).
pub fn jakarta_date(at: DateTime<Utc>) -> NaiveDate {
    in_jakarta(at).date_naive()
}

/// The instant on the Asia/Jakarta wall clock in a `strftime` form (`%:z` gives `+07:00`).
pub fn jakarta_text(at: DateTime<Utc>, form: &str) -> String {
    in_jakarta(at).format(form).to_string()
}

/// RFC 3339 in UTC with as many sub-second digits as needed, none when whole
/// (`2024-01-29T13:05:54.270403381Z`, `2024-01-29T13:05:54.5Z`, `2024-01-29T13:05:54Z`).
pub fn rfc3339(at: DateTime<Utc>) -> String {
    let seconds = at.format("%Y-%m-%dT%H:%M:%S");
    match at.nanosecond() {
        0 => format!("{seconds}Z"),
        nanos => format!("{seconds}.{}Z", format!("{nanos:09}").trim_end_matches('0')),
    }
}

/// RFC 3339 in UTC, whole seconds (`2024-02-03T13:05:54Z`).
pub fn rfc3339_seconds(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The current instant as [`rfc3339`].
pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// Parses RFC 3339 (`T` between date and time; `Z` or `±hh:mm`; any fraction).
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    if text.as_bytes().get(10) == Some(&b' ') {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let at = from_unix_millis(1_704_130_200_000);
        assert_eq!(rfc3339(at), "2024-01-01T17:30:00Z");
        assert_eq!(jakarta_text(at, "%Y-%m-%dT%H:%M:%S%:z"), "2024-01-02T00:30:00+07:00");
        assert_eq!(jakarta_date(at).to_string(), "2024-01-02");
        let half = from_unix_millis(1_704_130_200_500);
        assert_eq!(rfc3339(half), "2024-01-01T17:30:00.5Z");
        assert_eq!(rfc3339_seconds(half), "2024-01-01T17:30:00Z");
        assert_eq!(parse_rfc3339("2024-01-02T00:30:00.5+07:00"), Some(half));
        assert_eq!(parse_rfc3339("2024-01-01 17:30:00Z"), None);
    }
}
