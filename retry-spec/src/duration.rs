//! Human-readable durations, written the same way everywhere in retry: in
//! `#[retry(base_delay = "250ms")]` (parsed at compile time), in policy
//! files, and on the `retry` command line.
//!
//! A duration is a sum of `<number><unit>` parts: `"250ms"`, `"1.5s"`,
//! `"1m30s"`, `"2 h"`. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m` (or
//! `min`), `h`, `d`. Numbers may have a fraction, as long as the result is a
//! whole number of nanoseconds.
//!
//! ```
//! use std::time::Duration;
//! use retry_spec::duration;
//!
//! assert_eq!(duration::parse("1.5s"), Ok(Duration::from_millis(1500)));
//! assert_eq!(duration::format(Duration::from_millis(1500)), "1.5s");
//! assert!(duration::parse("1 parsec").is_err());
//! ```

use core::fmt;
use core::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("min", 60 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("d", 86_400 * NANOS_PER_SEC),
];

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is empty.
    Empty,
    /// The text starts with a minus sign.
    Negative,
    /// A part has no number, as in `"s"` or `"ms5"`.
    MissingNumber(String),
    /// A number has no unit, as in `"3"`.
    MissingUnit(String),
    /// A unit is not one of `ns us µs ms s m min h d`.
    UnknownUnit(String),
    /// A number is malformed (`"1.2.3s"`) or finer than a nanosecond.
    BadNumber(String),
    /// The total does not fit in a `Duration`.
    TooLong,
}

const HINT: &str = "write a number and a unit, such as \"250ms\", \"1.5s\", \"2m\" or \"1h\" (units: ns, us, ms, s, m, h, d)";

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "empty duration; {HINT}"),
            ParseError::Negative => f.write_str("a duration cannot be negative"),
            ParseError::MissingNumber(at) => write!(f, "expected a number at `{at}`; {HINT}"),
            ParseError::MissingUnit(number) => write!(f, "`{number}` has no unit; {HINT}"),
            ParseError::UnknownUnit(unit) => write!(f, "unknown unit `{unit}`; {HINT}"),
            ParseError::BadNumber(part) => {
                write!(f, "`{part}` is not a whole number of nanoseconds; {HINT}")
            }
            ParseError::TooLong => f.write_str("duration too long"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses `text` as a sum of `<number><unit>` parts; spaces are allowed
/// around and between parts.
pub fn parse(text: &str) -> Result<Duration, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    if text.starts_with('-') {
        return Err(ParseError::Negative);
    }
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if number.is_empty() {
            return Err(ParseError::MissingNumber(rest.to_owned()));
        }
        if unit.is_empty() {
            return Err(ParseError::MissingUnit(number.to_owned()));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(ParseError::UnknownUnit(unit.to_owned()));
        };
        let part = scaled(number, scale)
            .ok_or_else(|| ParseError::BadNumber(format!("{number}{unit}")))?;
        total = total.checked_add(part).ok_or(ParseError::TooLong)?;
        rest = after.trim_start();
    }
    let secs = u64::try_from(total / NANOS_PER_SEC).map_err(|_| ParseError::TooLong)?;
    // The remainder is below 10^9, so it fits a u32.
    let nanos = (total % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, nanos))
}

/// `number` (digits, an optional fraction) times `scale` nanoseconds, if
/// that is a whole number of nanoseconds.
fn scaled(number: &str, scale: u128) -> Option<u128> {
    let number = number.replace('_', "");
    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut nanos = whole.checked_mul(scale)?;
    if !fraction.is_empty() {
        let digits: u128 = fraction.parse().ok()?;
        let denominator = 10u128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
        let numerator = digits.checked_mul(scale)?;
        if numerator % denominator != 0 {
            return None;
        }
        nanos = nanos.checked_add(numerator / denominator)?;
    }
    Some(nanos)
}

/// Formats `duration` in the largest unit not above it, with the fraction
/// it needs: `"250ms"`, `"1.5s"`, `"90s"`, `"0s"`. [`parse`] reads it back.
pub fn format(duration: Duration) -> String {
    const SCALES: [(&str, u128, usize); 4] = [
        ("s", NANOS_PER_SEC, 9),
        ("ms", 1_000_000, 6),
        ("us", 1_000, 3),
        ("ns", 1, 0),
    ];
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    let (unit, scale, digits) = SCALES
        .into_iter()
        .find(|(_, scale, _)| nanos >= *scale)
        .unwrap_or(SCALES[3]);
    let (whole, fraction) = (nanos / scale, nanos % scale);
    if fraction == 0 {
        return format!("{whole}{unit}");
    }
    let fraction = format!("{fraction:0digits$}");
    format!("{whole}.{}{unit}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Duration {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parses_units_and_fractions() {
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(ok("1s"), Duration::from_secs(1));
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("2m"), Duration::from_secs(120));
        assert_eq!(ok("2min"), Duration::from_secs(120));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("1d"), Duration::from_secs(86_400));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok(" 1 m 30 s "), Duration::from_secs(90));
        assert_eq!(ok("10us"), Duration::from_micros(10));
        assert_eq!(ok("10µs"), Duration::from_micros(10));
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1_000ms"), Duration::from_secs(1));
        assert_eq!(ok("0s"), Duration::ZERO);
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(parse("  "), Err(ParseError::Empty));
        assert_eq!(parse("-1s"), Err(ParseError::Negative));
        assert_eq!(parse("3"), Err(ParseError::MissingUnit("3".into())));
        assert_eq!(parse("s"), Err(ParseError::MissingNumber("s".into())));
        assert_eq!(
            parse("1 parsec"),
            Err(ParseError::UnknownUnit("parsec".into()))
        );
        assert_eq!(parse("1.2.3s"), Err(ParseError::BadNumber("1.2.3s".into())));
        assert_eq!(parse("1.5ns"), Err(ParseError::BadNumber("1.5ns".into())));
        assert_eq!(parse(".s"), Err(ParseError::BadNumber(".s".into())));
        assert_eq!(parse("99999999999999999999999d"), Err(ParseError::TooLong));
        assert_eq!(
            parse("999999999999999999999999999999999999999s"),
            Err(ParseError::BadNumber(
                "999999999999999999999999999999999999999s".into()
            ))
        );
        assert_eq!(parse("18446744073709551615s 1s"), Err(ParseError::TooLong));
    }

    #[test]
    fn formats_in_the_largest_exact_unit() {
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_millis(250)), "250ms");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format(Duration::from_secs(90)), "90s");
        assert_eq!(format(Duration::from_micros(10)), "10us");
        assert_eq!(format(Duration::from_nanos(1_500_000_001)), "1.500000001s");
        assert_eq!(format(Duration::from_nanos(2_500_001)), "2.500001ms");
        assert_eq!(format(Duration::from_nanos(7)), "7ns");
    }

    #[test]
    fn format_then_parse_round_trips() {
        for nanos in [
            0u64,
            1,
            999,
            1_000,
            1_500_000,
            2_500_001,
            1_000_000_000,
            1_500_000_001,
            u64::MAX,
        ] {
            let d = Duration::from_nanos(nanos);
            assert_eq!(parse(&format(d)), Ok(d), "{}", format(d));
        }
        assert_eq!(parse(&format(Duration::MAX)), Ok(Duration::MAX));
    }
}
