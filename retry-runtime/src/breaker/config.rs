//! [`BreakerConfig`]: when a breaker trips, how long it stays open, how it
//! tests the service again. Plain data with `const fn` builders.

use core::time::Duration;

use super::packed::COUNTER_MAX;

/// How a [`CircuitBreaker`](crate::CircuitBreaker) behaves.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{BreakerConfig, CircuitBreaker};
///
/// static LLM_BREAKER: CircuitBreaker = CircuitBreaker::new(
///     BreakerConfig::new("llm")
///         .failure_threshold(3)
///         .failure_rate(50, 20)
///         .open_for(Duration::from_secs(60))
///         .half_open_probes(2),
/// );
/// assert_eq!(LLM_BREAKER.config().failure_threshold, 3);
/// ```
///
/// The builders accept any value and never panic. Out-of-range values act
/// as the nearest sane one (a threshold, window or probe count of 0 acts as
/// 1, one above 32,767 as 32,767, a percentage above 100 as 100);
/// [`validate`](Self::validate) reports them as typed errors for
/// configurations read from files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BreakerConfig {
    /// Names the breaker in [`Rejected`](crate::Rejected) errors.
    pub name: &'static str,
    /// Consecutive transient failures that trip the breaker. Default 5.
    pub failure_threshold: u32,
    /// Also trip on a failure rate; default: off.
    pub failure_rate: Option<FailureRate>,
    /// How long the breaker stays open before it lets probes through.
    /// Default 30 s.
    pub open_for: Duration,
    /// Calls let through while half-open; all must succeed to close the
    /// breaker. Default 1.
    pub half_open_probes: u32,
    /// How long the probes of a half-open breaker may take. Probes still
    /// unsettled after this long (a body that hangs with no per-attempt
    /// timeout) no longer hold their places: the next call becomes a fresh
    /// probe, and the stale ones count for nothing when they end.
    /// Default `None`: as long as `open_for`, and at least one second.
    pub probe_timeout: Option<Duration>,
}

/// Trip when at least `percent` % of the calls in a window fail.
///
/// Outcomes are counted in consecutive windows of `window` calls. The
/// breaker trips as soon as the failures in the current window reach
/// `percent` % of `window` (the rate over the window can then no longer
/// stay below it); a window that ends below that starts afresh. So no rate
/// trips the breaker before `window * percent / 100` failures.
///
/// Counting every call has a price the threshold alone does not: each
/// success then updates the shared state (a compare-exchange), where
/// without a rate a success in a healthy breaker writes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailureRate {
    /// The failure percentage that trips the breaker, 1 to 100.
    pub percent: u8,
    /// The size of a window, in calls.
    pub window: u32,
}

impl BreakerConfig {
    /// The defaults: trip after 5 consecutive transient failures, stay open
    /// 30 s, then let 1 probe through.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            failure_threshold: 5,
            failure_rate: None,
            open_for: Duration::from_secs(30),
            half_open_probes: 1,
            probe_timeout: None,
        }
    }

    /// Consecutive transient failures that trip the breaker.
    pub const fn failure_threshold(mut self, failures: u32) -> Self {
        self.failure_threshold = failures;
        self
    }

    /// Also trip when `percent` % of a window of `window` calls fail; see
    /// [`FailureRate`].
    pub const fn failure_rate(mut self, percent: u8, window: u32) -> Self {
        self.failure_rate = Some(FailureRate { percent, window });
        self
    }

    /// How long the breaker stays open before it lets probes through.
    pub const fn open_for(mut self, duration: Duration) -> Self {
        self.open_for = duration;
        self
    }

    /// Calls let through while half-open; all must succeed to close.
    pub const fn half_open_probes(mut self, probes: u32) -> Self {
        self.half_open_probes = probes;
        self
    }

    /// How long probes may take before they stop holding their places;
    /// see [`probe_timeout`](Self::probe_timeout) (the field).
    pub const fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = Some(timeout);
        self
    }

    /// Checks the values a configuration file could get wrong.
    ///
    /// ```
    /// use retry_runtime::{BreakerConfig, BreakerConfigError};
    ///
    /// let config = BreakerConfig::new("api").failure_threshold(0);
    /// assert_eq!(config.validate(), Err(BreakerConfigError::ZeroThreshold));
    /// assert!(BreakerConfig::new("api").validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), BreakerConfigError> {
        if self.failure_threshold == 0 {
            return Err(BreakerConfigError::ZeroThreshold);
        }
        if self.half_open_probes == 0 {
            return Err(BreakerConfigError::ZeroProbes);
        }
        for (field, value) in [
            ("failure_threshold", self.failure_threshold),
            ("half_open_probes", self.half_open_probes),
        ] {
            if value > COUNTER_MAX {
                return Err(BreakerConfigError::TooLarge { field, value });
            }
        }
        if let Some(rate) = self.failure_rate {
            if rate.percent == 0 || rate.percent > 100 {
                return Err(BreakerConfigError::Percent(rate.percent));
            }
            if rate.window == 0 {
                return Err(BreakerConfigError::ZeroMinCalls);
            }
            if rate.window > COUNTER_MAX {
                return Err(BreakerConfigError::TooLarge {
                    field: "window",
                    value: rate.window,
                });
            }
        }
        Ok(())
    }

    /// The threshold as the breaker uses it: 1 to `COUNTER_MAX`.
    pub(crate) fn threshold(&self) -> u32 {
        self.failure_threshold.clamp(1, COUNTER_MAX)
    }

    /// The probe count as the breaker uses it: 1 to `COUNTER_MAX`.
    pub(crate) fn probes(&self) -> u32 {
        self.half_open_probes.clamp(1, COUNTER_MAX)
    }

    /// The probe timeout as the breaker uses it: unless set, `open_for`,
    /// and at least a second (a breaker that half-opens at once still
    /// gives its probe time to answer).
    pub(crate) fn probe_limit(&self) -> Duration {
        match self.probe_timeout {
            Some(timeout) => timeout,
            None => self.open_for.max(Duration::from_secs(1)),
        }
    }

    /// The rate as the breaker uses it: `(failures that trip, window)`, both
    /// at least 1.
    pub(crate) fn rate(&self) -> Option<(u32, u32)> {
        self.failure_rate.map(|rate| {
            let window = rate.window.clamp(1, COUNTER_MAX);
            let percent = u32::from(rate.percent.clamp(1, 100));
            // Rounded up: 50 % of 5 calls trips at 3 failures.
            let failures = (window * percent).div_ceil(100).max(1);
            (failures, window)
        })
    }
}

/// A [`BreakerConfig`] value out of range, reported by
/// [`BreakerConfig::validate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BreakerConfigError {
    /// `failure_threshold` is 0.
    #[error("failure_threshold is 0; use 1 or more consecutive failures")]
    ZeroThreshold,
    /// `half_open_probes` is 0.
    #[error("half_open_probes is 0; use 1 or more probes")]
    ZeroProbes,
    /// The failure-rate percentage is 0 or above 100.
    #[error("failure rate of {0}% is out of range; use 1 to 100")]
    Percent(u8),
    /// The failure-rate window is 0 calls.
    #[error("window is 0; use a window of 1 or more calls")]
    ZeroMinCalls,
    /// A count above what the breaker can hold (32,767).
    #[error("{field} = {value} is above the largest supported value, 32767")]
    TooLarge {
        /// The field's name.
        field: &'static str,
        /// Its value.
        value: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_thresholds_round_up() {
        let rate = |percent, calls| BreakerConfig::new("t").failure_rate(percent, calls).rate();
        assert_eq!(rate(50, 10), Some((5, 10)));
        assert_eq!(rate(50, 5), Some((3, 5)));
        assert_eq!(rate(1, 10), Some((1, 10)));
        assert_eq!(rate(0, 0), Some((1, 1)));
        assert_eq!(rate(255, 4), Some((4, 4)));
    }

    #[test]
    fn out_of_range_values_are_clamped_and_reported() {
        let config = BreakerConfig::new("t")
            .failure_threshold(0)
            .half_open_probes(u32::MAX);
        assert_eq!(config.threshold(), 1);
        assert_eq!(config.probes(), COUNTER_MAX);
        assert_eq!(config.validate(), Err(BreakerConfigError::ZeroThreshold));
        assert_eq!(
            config.failure_threshold(1).validate(),
            Err(BreakerConfigError::TooLarge {
                field: "half_open_probes",
                value: u32::MAX
            })
        );
        assert_eq!(
            BreakerConfig::new("t").failure_rate(101, 10).validate(),
            Err(BreakerConfigError::Percent(101))
        );
        assert_eq!(
            BreakerConfig::new("t").failure_rate(50, 0).validate(),
            Err(BreakerConfigError::ZeroMinCalls)
        );
    }
}
