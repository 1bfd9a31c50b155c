//! Which clock a call reads, and time as signed nanoseconds so it fits in
//! an atomic.

use std::sync::OnceLock;
use std::time::Instant;

/// The async timer's clock for async calls (tokio's, virtual in paused
/// tests, with the `tokio` feature; the system's without it), the system's
/// for blocking ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clock {
    Async,
    System,
}

impl Clock {
    pub(crate) fn now(self) -> Instant {
        match self {
            Clock::Async => crate::timer::now(),
            Clock::System => Instant::now(),
        }
    }

    /// Now, as nanoseconds since the process-wide base.
    pub(crate) fn nanos(self) -> i64 {
        nanos(self.now())
    }
}

/// Nanoseconds from a process-wide base to `at`, negative when `at` comes
/// first: a paused tokio clock can stand before the base, which is taken at
/// its first use. ±292 years fit; beyond that it saturates.
pub(crate) fn nanos(at: Instant) -> i64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    match at.checked_duration_since(base) {
        Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        None => i64::try_from(base.duration_since(at).as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn instants_before_the_base_are_negative() {
        let base_ish = nanos(Instant::now());
        let later = Instant::now() + Duration::from_secs(1);
        assert!(nanos(later) >= base_ish + 1_000_000_000);
        if let Some(earlier) = Instant::now().checked_sub(Duration::from_secs(3600)) {
            assert!(nanos(earlier) < 0);
        }
    }
}
