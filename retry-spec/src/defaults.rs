//! The default policy (`Policy::new()`): what a key not given means, in
//! the attribute, a policy file and on the `retry` command line alike.

use core::time::Duration;

/// `max_attempts`: one call and at most two retries.
pub const MAX_ATTEMPTS: u32 = 3;

/// `base_delay`: the first retry's delay.
pub const BASE_DELAY: Duration = Duration::from_secs(1);

/// `max_delay`: the cap on any computed delay. The macro checks a literal
/// `base_delay` against it when no `max_delay` or `policy` is given.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// `multiplier`: each delay doubles.
pub const MULTIPLIER: f64 = 2.0;

/// `max_retry_after`: the longest server delay hint honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// `min_attempt_time`: with a `deadline`, no attempt starts with less than
/// this much of it left (an attempt that short could hardly succeed, and
/// would only add load). Small, so that a tight deadline still gets its
/// attempts.
pub const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(5);
