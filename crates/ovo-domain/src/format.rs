//! How dates, times, counts and money read in each language: one format, the same in Rust and in
//! the UI (`ui/src/lib/format.ts`, checked against `ui/src/test/rust-formats.json`). Dates
//! `5 Mar 2026` (Indonesian months: Mei, Agu, Okt, Des), times `14.07` in Bahasa Indonesia and
//! `14:07` in English, always in WIB.

use chrono::{Datelike, NaiveDate};

use crate::clock::Timestamp;
use crate::lang::Lang;
use crate::wib::wib_date;

/// `20 Dec 2026` (en) / `20 Des 2026` (id): no leading zero.
pub fn format_date(date: NaiveDate, lang: Lang) -> String {
    const EN: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const ID: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
    let months = match lang {
        Lang::En => EN,
        Lang::Id => ID,
    };
    format!("{} {} {}", date.day(), months[date.month0() as usize], date.year())
}

/// The WIB time of day: `14.07` (id) / `14:07` (en).
pub fn format_time(at: Timestamp, lang: Lang) -> String {
    let pattern = match lang {
        Lang::Id => "%H.%M",
        Lang::En => "%H:%M",
    };
    at.to_wib().format(pattern).to_string()
}

/// `5 Mar 2026 14.07 WIB` (id) / `5 Mar 2026 14:07 WIB` (en).
pub fn format_date_time(at: Timestamp, lang: Lang) -> String {
    format!("{} {} WIB", format_date(wib_date(at), lang), format_time(at, lang))
}

/// A count with the language's thousands separator: `3.650` (id) / `3,650` (en).
pub fn format_count(n: impl Into<u64>, lang: Lang) -> String {
    let sep = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).expect("valid")
    }

    #[test]
    fn dates_times_and_counts_per_language() {
        let t = at("2026-03-05T07:07:00Z");
        assert_eq!(format_date_time(t, Lang::Id), "5 Mar 2026 14.07 WIB");
        assert_eq!(format_date_time(t, Lang::En), "5 Mar 2026 14:07 WIB");
        // The WIB day, not the UTC one.
        let late = at("2026-12-19T17:30:00Z");
        assert_eq!(format_date_time(late, Lang::Id), "20 Des 2026 00.30 WIB");
        assert_eq!(format_date(wib_date(late), Lang::En), "20 Dec 2026");
        for (n, id, en) in [(0u64, "0", "0"), (999, "999", "999"), (3650, "3.650", "3,650")] {
            assert_eq!(
                (format_count(n, Lang::Id), format_count(n, Lang::En)),
                (id.into(), en.into())
            );
        }
        assert_eq!(format_count(1_234_567u64, Lang::Id), "1.234.567");
    }

    /// The UI formats the same instants the same way: `ui/src/test/rust-formats.json` holds what
    /// Rust makes of them (rewritten with `OVO_WRITE_FORMATS=1`), and the UI's tests compare.
    #[test]
    fn the_ui_fixture_is_what_rust_formats() {
        let instants = [
            "2026-03-05T07:07:00Z",
            "2026-12-19T17:30:00Z",
            "2026-05-01T00:00:00Z",
            "2026-08-17T16:59:59Z",
            "2026-10-31T23:05:00Z",
            "2027-01-09T02:00:00Z",
        ];
        let mut entries = Vec::new();
        for instant in instants {
            for lang in Lang::ALL {
                let t = at(instant);
                entries.push(serde_json::json!({
                    "at": instant,
                    "language": lang.key(),
                    "date": format_date(wib_date(t), lang),
                    "time": format_time(t, lang),
                    "dateTime": format_date_time(t, lang),
                }));
            }
        }
        let json = serde_json::to_string_pretty(&entries).expect("json") + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/test/rust-formats.json");
        if std::env::var_os("OVO_WRITE_FORMATS").is_some() {
            std::fs::write(path, &json).expect("write the fixture");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            committed, json,
            "ui/src/test/rust-formats.json is stale: run with OVO_WRITE_FORMATS=1"
        );
    }
}
