//! Every documented wait is real by default and multiplied by the time scale (e.g. 0.01 in tests).

use std::time::Duration;

/// A non-negative factor kept as parts per million, so no float touches the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeScale {
    ppm: u64,
}

impl TimeScale {
    pub const REAL: TimeScale = TimeScale { ppm: 1_000_000 };

    /// Parses `1`, `0.01`, `0.001`, `2.5` (at most 6 decimals).
    pub fn parse(text: &str) -> Result<TimeScale, String> {
        let text = text.trim();
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let bad = || format!("time scale {text:?} is not a decimal like 1, 0.01 or 0.001");
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 6
            || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let frac_ppm: u64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
        let ppm =
            whole.checked_mul(1_000_000).and_then(|w| w.checked_add(frac_ppm)).ok_or_else(bad)?;
        Ok(TimeScale { ppm })
    }

    pub fn ppm(self) -> u64 {
        self.ppm
    }

    pub fn scaled(self, real: Duration) -> Duration {
        let nanos = real.as_nanos().saturating_mul(u128::from(self.ppm)) / 1_000_000;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    pub async fn sleep(self, real: Duration) {
        tokio::time::sleep(self.scaled(real)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_scales() {
        assert_eq!(TimeScale::parse("1").map(TimeScale::ppm), Ok(1_000_000));
        assert_eq!(TimeScale::parse("0.01").map(TimeScale::ppm), Ok(10_000));
        assert_eq!(TimeScale::parse(".5").map(TimeScale::ppm), Ok(500_000));
        assert!(TimeScale::parse("-1").is_err());
        assert!(TimeScale::parse("0.0000001").is_err());
        assert!(TimeScale::parse("fast").is_err());
        let s = TimeScale::parse("0.01").unwrap_or(TimeScale::REAL);
        assert_eq!(s.scaled(Duration::from_secs(70)), Duration::from_millis(700));
    }
}
