//! Server delay hints: how long a server asks clients to wait.
//!
//! Three headers are read, most precise first:
//!
//! 1. `retry-after-ms`: milliseconds, fractions allowed (OpenAI, Anthropic
//!    and Azure OpenAI send it);
//! 2. `x-ms-retry-after-ms`: the same, Azure's older name;
//! 3. `Retry-After`: whole seconds, or an HTTP-date in any of the three
//!    forms of RFC 9110 (IMF-fixdate, RFC 850, asctime). A date in the past
//!    means "now".
//!
//! A value that is not text, malformed or negative is ignored (the engine
//! falls back to its own backoff) and logged at debug level; the next header
//! in the list is tried. A number too large for a `Duration` is still a
//! number: it saturates to `Duration::MAX`, so the engine refuses it like any
//! hint above `Policy::max_retry_after` instead of retrying as if no hint had
//! come. Parsing never panics. How long a hint may be is the engine's
//! business: `Policy::max_retry_after` caps it.

use core::fmt;
use core::time::Duration;
use std::time::SystemTime;

/// The headers read for a hint, in order of precedence (lowercase).
pub const HINT_HEADERS: [&str; 3] = ["retry-after-ms", "x-ms-retry-after-ms", "retry-after"];

/// Why a header value is not a usable hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HintError {
    /// The value is not UTF-8 text.
    NotText,
    /// The value is neither a number nor an HTTP-date.
    Malformed,
    /// The value is negative.
    Negative,
}

impl fmt::Display for HintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HintError::NotText => "not text",
            HintError::Malformed => "neither a number nor an HTTP-date",
            HintError::Negative => "negative",
        })
    }
}

impl std::error::Error for HintError {}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date, relative to
/// `now`. Delay-seconds beyond `u64::MAX` saturate to `Duration::MAX`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use retry_runtime::hints::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_747); // Sun, 06 Nov 1994 08:49:07 GMT
/// assert_eq!(parse_retry_after("120", now), Ok(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Ok(Duration::from_secs(30)));
/// assert!(parse_retry_after("soon", now).is_err());
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Result<Duration, HintError> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits, so the one possible failure is overflow: a valid
        // number, just longer than any cap.
        return Ok(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    if value.starts_with('-') && value.len() > 1 && value[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(HintError::Negative);
    }
    let date = httpdate::parse_http_date(value).map_err(|_| HintError::Malformed)?;
    // A date already past means "retry now".
    Ok(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses a `retry-after-ms` value: milliseconds, fractions allowed. A
/// number too large for a `Duration` (`1e400` included, which overflows even
/// an `f64`) saturates to `Duration::MAX`; the words `inf` and `NaN` are
/// malformed.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::hints::parse_retry_after_ms;
///
/// assert_eq!(parse_retry_after_ms("1500"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_retry_after_ms("2.5"), Ok(Duration::from_micros(2500)));
/// assert_eq!(parse_retry_after_ms("1e400"), Ok(Duration::MAX));
/// assert!(parse_retry_after_ms("NaN").is_err());
/// ```
pub fn parse_retry_after_ms(value: &str) -> Result<Duration, HintError> {
    let value = value.trim();
    // `f64` also reads the words `inf`, `infinity` and `nan`: not numbers.
    if value
        .trim_start_matches(['+', '-'])
        .starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return Err(HintError::Malformed);
    }
    let millis: f64 = value.parse().map_err(|_| HintError::Malformed)?;
    if millis < 0.0 {
        return Err(HintError::Negative);
    }
    // Neither NaN nor negative, so the one possible failure is overflow (an
    // infinity here is a literal too long for an `f64`).
    Ok(Duration::try_from_secs_f64(millis / 1000.0).unwrap_or(Duration::MAX))
}

/// Parses one hint header's raw value, by the header's (lowercase) name.
pub fn parse_header(name: &str, raw: &[u8], now: SystemTime) -> Result<Duration, HintError> {
    let text = std::str::from_utf8(raw).map_err(|_| HintError::NotText)?;
    match name {
        "retry-after" => parse_retry_after(text, now),
        _ => parse_retry_after_ms(text),
    }
}

/// The hint of a response, reading [`HINT_HEADERS`] in order through
/// `header` (a lookup by lowercase name returning the raw value). The first
/// usable value wins; unusable ones are logged at debug and skipped.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use retry_runtime::hints::from_headers;
///
/// let headers = [("retry-after", "7"), ("retry-after-ms", "garbage")];
/// let lookup = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_bytes());
/// assert_eq!(from_headers(lookup, SystemTime::now()), Some(Duration::from_secs(7)));
/// ```
pub fn from_headers<'a>(
    header: impl Fn(&str) -> Option<&'a [u8]>,
    now: SystemTime,
) -> Option<Duration> {
    HINT_HEADERS.into_iter().find_map(|name| {
        let raw = header(name)?;
        parse_header(name, raw, now)
            .inspect_err(|why| ignored(name, raw, *why))
            .ok()
    })
}

/// Records an unusable hint. The value comes from a server, so only a short
/// prefix of it is logged.
fn ignored(header: &str, raw: &[u8], why: HintError) {
    #[cfg(feature = "tracing")]
    {
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(64)]);
        tracing::debug!(target: "retry", header, value = %shown, reason = %why, "ignored a server delay hint");
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (header, raw, why);
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    /// Sun, 06 Nov 1994 08:49:07 GMT: 30 s before the RFC's example date.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(784_111_747)
    }

    #[test]
    fn delay_seconds() {
        assert_eq!(parse_retry_after("0", now()), Ok(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 42 ", now()),
            Ok(Duration::from_secs(42))
        );
        assert_eq!(
            parse_retry_after("86400", now()),
            Ok(Duration::from_secs(86_400))
        );
        assert_eq!(
            parse_retry_after("18446744073709551615", now()),
            Ok(Duration::from_secs(u64::MAX))
        );
        // Past u64 the number saturates: refused by the cap, never ignored.
        assert_eq!(
            parse_retry_after("18446744073709551616", now()),
            Ok(Duration::MAX)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999999", now()),
            Ok(Duration::MAX)
        );
        assert_eq!(
            parse_retry_after(&"9".repeat(10_000), now()),
            Ok(Duration::MAX)
        );
        assert_eq!(parse_retry_after("-5", now()), Err(HintError::Negative));
        assert_eq!(parse_retry_after("1.5", now()), Err(HintError::Malformed));
        assert_eq!(parse_retry_after("", now()), Err(HintError::Malformed));
        assert_eq!(parse_retry_after("+5", now()), Err(HintError::Malformed));
        assert_eq!(parse_retry_after("5s", now()), Err(HintError::Malformed));
    }

    #[test]
    fn all_three_date_forms() {
        let thirty = Ok(Duration::from_secs(30));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now()),
            thirty
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now()),
            thirty
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994", now()), thirty);
    }

    #[test]
    fn past_dates_mean_now() {
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:48:37 GMT", now()),
            Ok(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now()),
            Ok(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_dates_are_malformed() {
        for bad in [
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "tomorrow",
            "Sun, 06 Nov 1994",
            "\u{0}",
            "💥",
        ] {
            assert_eq!(
                parse_retry_after(bad, now()),
                Err(HintError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn milliseconds() {
        assert_eq!(parse_retry_after_ms("0"), Ok(Duration::ZERO));
        assert_eq!(parse_retry_after_ms("250"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_retry_after_ms(" 1500.5 "),
            Ok(Duration::from_micros(1_500_500))
        );
        assert_eq!(parse_retry_after_ms("-1"), Err(HintError::Negative));
        assert_eq!(parse_retry_after_ms("-1e400"), Err(HintError::Negative));
        assert_eq!(parse_retry_after_ms("ten"), Err(HintError::Malformed));
        assert_eq!(parse_retry_after_ms("1e3x"), Err(HintError::Malformed));
    }

    #[test]
    fn infinity_and_nan_words_are_malformed() {
        for word in [
            "inf", "+inf", "-inf", "Infinity", "INFINITY", "NaN", "-nan", "nan",
        ] {
            assert_eq!(
                parse_retry_after_ms(word),
                Err(HintError::Malformed),
                "{word:?}"
            );
        }
    }

    #[test]
    fn milliseconds_too_large_for_a_duration_saturate() {
        let max = Ok(Duration::MAX);
        // Past `Duration::MAX` (about 1.8e22 ms), still a finite `f64`.
        assert_eq!(parse_retry_after_ms("1e300"), max);
        assert_eq!(parse_retry_after_ms("99999999999999999999999"), max);
        // Past `f64::MAX`: `f64` reads these as infinity.
        assert_eq!(parse_retry_after_ms("1e400"), max);
        assert_eq!(parse_retry_after_ms("+1E400"), max);
        assert_eq!(parse_retry_after_ms(&format!("1{}", "0".repeat(400))), max);
        // Large but representable: kept exactly, not saturated.
        assert_eq!(
            parse_retry_after_ms("1e19"),
            Ok(Duration::from_secs(10_000_000_000_000_000))
        );
    }

    #[test]
    fn precedence_and_fallback() {
        let lookup = |headers: &'static [(&'static str, &'static [u8])]| {
            move |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        };
        let all: &[(&str, &[u8])] = &[
            ("retry-after", b"9"),
            ("x-ms-retry-after-ms", b"800"),
            ("retry-after-ms", b"700"),
        ];
        assert_eq!(
            from_headers(lookup(all), now()),
            Some(Duration::from_millis(700))
        );
        let azure: &[(&str, &[u8])] = &[("retry-after", b"9"), ("x-ms-retry-after-ms", b"800")];
        assert_eq!(
            from_headers(lookup(azure), now()),
            Some(Duration::from_millis(800))
        );
        let broken_first: &[(&str, &[u8])] =
            &[("retry-after", b"9"), ("retry-after-ms", b"\xff\xfe")];
        assert_eq!(
            from_headers(lookup(broken_first), now()),
            Some(Duration::from_secs(9))
        );
        let all_broken: &[(&str, &[u8])] = &[("retry-after", b"-3"), ("retry-after-ms", b"soon")];
        assert_eq!(from_headers(lookup(all_broken), now()), None);
        assert_eq!(from_headers(|_| None, now()), None);
    }
}
