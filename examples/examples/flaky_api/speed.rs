//! `--speed`: the demo's durations scaled, so it runs in seconds instead of
//! minutes. The policies stay the library's `Policy` values, built from the
//! real-time constants with every duration multiplied by the factor.

use std::sync::OnceLock;
use std::time::Duration;

use retry_runtime::{BreakerConfig, Policy};

/// A factor applied to every delay, timeout and window the demo chooses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Speed(f64);

/// Set once by `main` before the first call; read by the lazily built
/// policies and breakers.
static CURRENT: OnceLock<Speed> = OnceLock::new();

impl Speed {
    /// The default: 1 s of policy takes 50 ms.
    pub const DEFAULT: Speed = Speed(0.05);

    /// Reads a factor between 0.001 and 10.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.parse::<f64>() {
            Ok(factor) if (0.001..=10.0).contains(&factor) => Ok(Speed(factor)),
            _ => Err(format!(
                "--speed {text}: expected a number from 0.001 to 10 (1 = real time)"
            )),
        }
    }

    /// Makes `self` the speed of this run; the first call wins.
    pub fn install(self) {
        // A second call would change nothing already built: ignore it.
        let _ = CURRENT.set(self);
    }

    /// The speed of this run.
    pub fn current() -> Self {
        CURRENT.get().copied().unwrap_or(Self::DEFAULT)
    }

    /// The factor.
    pub fn factor(self) -> f64 {
        self.0
    }

    /// `duration`, scaled.
    pub fn scale(self, duration: Duration) -> Duration {
        // The factor is at most 10, so this saturates only near
        // `Duration::MAX`, never panics.
        Duration::try_from_secs_f64(duration.as_secs_f64() * self.0).unwrap_or(Duration::MAX)
    }

    /// `duration`, scaled, in whole milliseconds (for the server's query).
    pub fn millis(self, duration: Duration) -> u128 {
        self.scale(duration).as_millis()
    }

    /// `policy` with its delays, timeout and elapsed limit scaled.
    ///
    /// `max_retry_after` is left alone: it caps the server's hints, and the
    /// server's clock is not scaled.
    pub fn policy(self, policy: Policy<Duration>) -> Policy<Duration> {
        let mut scaled = policy
            .base_delay(self.scale(policy.base_delay))
            .max_delay(self.scale(policy.max_delay))
            .timeout(self.scale(policy.timeout));
        if let Some(limit) = policy.max_elapsed {
            scaled = scaled.max_elapsed(self.scale(limit));
        }
        scaled
    }

    /// `config` with its open time scaled.
    pub fn breaker(self, config: BreakerConfig) -> BreakerConfig {
        config.open_for(self.scale(config.open_for))
    }
}
