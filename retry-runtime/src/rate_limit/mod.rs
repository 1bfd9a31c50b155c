//! An adaptive client-side rate limiter: every caller of a service slows
//! down once the service answers "throttled", and speeds up again as it
//! stops, as in the AWS SDKs' adaptive retry mode.
//!
//! Until the first throttle it does nothing: every attempt goes at once.
//! At a throttle, the pace drops to 70% of the rate the callers were
//! sending at, and the limiter starts pacing *every* attempt, first
//! attempts included, through a token bucket. Each answer that is not a
//! throttle grows the pace back along a cubic curve (CUBIC congestion
//! control): slowly near the rate that was throttled, faster beyond it.
//! A wait longer than [`max_wait`](AdaptiveRateLimiter::max_wait) is
//! refused rather than served, so a service that throttles without end
//! cannot stall its callers.
//!
//! The limiter is shared state, like [`CircuitBreaker`](crate::CircuitBreaker)
//! and [`RetryBudget`](crate::RetryBudget): one `static` per service.
//! Callers ask it before each attempt ([`reserve`](AdaptiveRateLimiter::reserve))
//! and tell it each answer ([`record`](AdaptiveRateLimiter::record)):
//!
//! ```
//! use std::time::{Duration, Instant};
//! use retry_runtime::AdaptiveRateLimiter;
//!
//! static LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");
//!
//! let start = Instant::now();
//! // Until a throttle, no attempt waits.
//! let turn = LIMITER.reserve(start)?;
//! assert_eq!(turn.wait(), Duration::ZERO);
//! // ... send the attempt; the service answers 429:
//! LIMITER.record(turn, true, start + Duration::from_millis(600));
//! // From now on attempts are paced.
//! assert!(LIMITER.fill_rate().is_some());
//! # Ok::<(), retry_runtime::RateLimited>(())
//! ```

mod cubic;

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use cubic::Bucket;

/// A shared, adaptive client-side rate limiter; see the [module
/// docs](self).
#[derive(Debug)]
pub struct AdaptiveRateLimiter {
    name: &'static str,
    max_wait: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The first time the limiter was used: the bucket counts seconds
    /// from it.
    epoch: Option<Instant>,
    bucket: Bucket,
}

/// An attempt's turn from [`AdaptiveRateLimiter::reserve`]: wait
/// [`wait`](Turn::wait), send the attempt, then hand the turn back to
/// [`record`](AdaptiveRateLimiter::record) with the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "hand the turn back to `record` with the attempt's answer"]
pub struct Turn {
    wait: Duration,
    reserved_at: Instant,
}

impl Turn {
    /// How long to wait before sending the attempt.
    pub const fn wait(&self) -> Duration {
        self.wait
    }
}

/// The limiter refused an attempt: it would have had to wait longer than
/// the limiter's [`max_wait`](AdaptiveRateLimiter::max_wait). Nothing was
/// taken from the limiter.
///
/// `#[retry(rate_limiter = ...)]` and `.rate_limiter(..)` need the error
/// type to implement `From<RateLimited>`: the call ends with it. It is
/// provided for `std::io::Error`; with thiserror, add a variant:
///
/// ```
/// #[derive(Debug, thiserror::Error)]
/// enum ApiError {
///     #[error(transparent)]
///     RateLimited(#[from] retry_runtime::RateLimited),
///     #[error("server unavailable")]
///     Unavailable,
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate limiter `{limiter}` would delay this attempt by {wait:?}, more than its max_wait")]
#[non_exhaustive]
pub struct RateLimited {
    /// The limiter's name.
    pub limiter: &'static str,
    /// The wait the attempt would have needed.
    pub wait: Duration,
}

impl AdaptiveRateLimiter {
    /// The default [`max_wait`](Self::max_wait): 10 s.
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10);

    /// A limiter named `name` (in errors), inactive until its first
    /// throttle, refusing waits longer than 10 s.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            max_wait: Self::DEFAULT_MAX_WAIT,
            state: Mutex::new(State {
                epoch: None,
                bucket: Bucket::new(),
            }),
        }
    }

    /// Refuses (with [`RateLimited`]) an attempt that would have to wait
    /// longer than `max_wait` for its turn.
    #[must_use]
    pub const fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The limiter's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Takes the turn of an attempt about to be sent at `now`: it says how
    /// long to wait before sending it (zero while the limiter is inactive
    /// or has tokens). [`RateLimited`], with nothing taken, when that wait
    /// would be longer than `max_wait`. A turn taken is kept even if the
    /// caller then gives up.
    pub fn reserve(&self, now: Instant) -> Result<Turn, RateLimited> {
        let max_wait = self.max_wait.as_secs_f64();
        let mut state = self.lock();
        let seconds = state.seconds(now);
        match state.bucket.reserve(seconds, max_wait) {
            Ok(wait) => {
                let wait = seconds_to_duration(wait);
                Ok(Turn {
                    wait,
                    reserved_at: now,
                })
            }
            Err(wait) => Err(RateLimited {
                limiter: self.name,
                wait: seconds_to_duration(wait),
            }),
        }
    }

    /// Tells the limiter the attempt of `turn` was answered at `now`,
    /// `throttled` or not (anything else, success or failure). The retry
    /// engine calls an answer throttled when its verdict's kind is
    /// [`Kind::Throttled`](crate::Kind::Throttled): HTTP 429 in the
    /// [status table](crate::http), hint or not, and whatever a classifier
    /// calls [`Verdict::throttled`](crate::Verdict::throttled); a 503 is
    /// kind `server` and does not count. Throttles of attempts that
    /// took their turn before the limiter last slowed down do not slow it
    /// down again.
    pub fn record(&self, turn: Turn, throttled: bool, now: Instant) {
        let mut state = self.lock();
        let reserved = state.seconds(turn.reserved_at);
        let now = state.seconds(now);
        state.bucket.record(reserved, throttled, now);
    }

    /// The pace attempts are held to, per second, or `None` while the
    /// limiter is inactive (no throttle seen yet).
    pub fn fill_rate(&self) -> Option<f64> {
        let state = self.lock();
        state.bucket.active.then_some(state.bucket.fill_rate)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is numbers updated in place: a panic elsewhere cannot
        // leave it half-written in a way that matters.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Waits are finite and not negative; saturate rather than panic anyway.
fn seconds_to_duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
}

impl State {
    fn seconds(&mut self, now: Instant) -> f64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_secs_f64()
    }
}

#[cfg(test)]
mod tests;

/// A refused attempt as an `io::Error` of kind `Other` carrying the
/// [`RateLimited`] (reach it with `get_ref` and `downcast_ref`). Kind
/// `Other` classifies as permanent: an outer retry loop does not spin on a
/// limiter that refuses.
impl From<RateLimited> for std::io::Error {
    fn from(limited: RateLimited) -> Self {
        std::io::Error::other(limited)
    }
}
