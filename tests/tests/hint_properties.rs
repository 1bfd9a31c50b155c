//! Property tests of the server hint parser: round trips for every form,
//! numbers too large for a `Duration` saturate, and no input (any bytes,
//! under any header name) panics.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use retry_runtime::hints::{
    HINT_HEADERS, HintError, from_headers, parse_header, parse_retry_after, parse_retry_after_ms,
};

/// A whole-second "now", so dates round-trip exactly.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

proptest! {
    #[test]
    fn delay_seconds_round_trip(seconds in any::<u64>()) {
        prop_assert_eq!(parse_retry_after(&seconds.to_string(), now()), Ok(Duration::from_secs(seconds)));
    }

    #[test]
    fn delay_seconds_past_u64_saturate(seconds in u128::from(u64::MAX) + 1..=u128::MAX) {
        prop_assert_eq!(parse_retry_after(&seconds.to_string(), now()), Ok(Duration::MAX));
    }

    #[test]
    fn future_dates_round_trip(offset in 0u64..200_000_000_000 / 100) {
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(offset));
        prop_assert_eq!(parse_retry_after(&date, now()), Ok(Duration::from_secs(offset)));
    }

    #[test]
    fn past_dates_mean_now(offset in 1u64..1_600_000_000) {
        let date = httpdate::fmt_http_date(now() - Duration::from_secs(offset));
        prop_assert_eq!(parse_retry_after(&date, now()), Ok(Duration::ZERO));
    }

    #[test]
    fn milliseconds_round_trip(millis in 0.0f64..1e12) {
        let expected = Duration::from_secs_f64(millis / 1000.0);
        prop_assert_eq!(parse_retry_after_ms(&millis.to_string()), Ok(expected));
    }

    #[test]
    fn milliseconds_past_a_duration_saturate(millis in 2e22f64..=f64::MAX, past_f64 in 309u32..100_000) {
        prop_assert_eq!(parse_retry_after_ms(&millis.to_string()), Ok(Duration::MAX));
        prop_assert_eq!(parse_retry_after_ms(&format!("1e{past_f64}")), Ok(Duration::MAX));
    }

    #[test]
    fn negative_milliseconds_are_rejected(millis in -1e12f64..-1e-9) {
        prop_assert_eq!(parse_retry_after_ms(&millis.to_string()), Err(HintError::Negative));
    }

    #[test]
    fn any_bytes_under_any_hint_header_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..64), which in 0usize..3) {
        let name = HINT_HEADERS[which];
        let parsed = parse_header(name, &raw, now());
        let via_lookup = from_headers(|n| (n == name).then_some(raw.as_slice()), now());
        prop_assert_eq!(parsed.ok(), via_lookup);
    }

    #[test]
    fn any_text_never_panics(text in ".{0,40}") {
        let _ = parse_retry_after(&text, now());
        let _ = parse_retry_after_ms(&text);
    }
}
