//! Pacing attempts through an [`AdaptiveRateLimiter`]: the turn each
//! attempt takes before it starts, and the answer reported after it.
//!
//! Every attempt, the first included, takes a turn ([`CallState::pace`])
//! and waits what the turn says, on the same timer as the backoff sleeps;
//! once the attempt is decided on, [`CallState::answered`] tells the
//! limiter whether it was throttled (its verdict's kind is
//! [`Kind::Throttled`](crate::Kind::Throttled)). An attempt dropped before
//! its decision (the call was cancelled) is never reported: its turn stays taken, and the limiter simply learns nothing
//! from it — its state stays consistent.

use core::fmt;
use core::time::Duration;

use super::CallState;
use crate::error::TimedOut;
use crate::policy::Policy;
use crate::rate_limit::{AdaptiveRateLimiter, RateLimited, Turn};
use crate::telemetry::{self, CallSite, Cause, Ending};

impl CallState<'_> {
    /// Takes the next attempt's turn from `limiter`: wait
    /// [`turn.wait()`](Turn::wait), run the attempt, decide on it, then
    /// hand the turn back with [`answered`](Self::answered).
    ///
    /// On `Err` the limiter would have held the attempt back longer than
    /// its [`max_wait`](AdaptiveRateLimiter::max_wait): the call must end
    /// without running it (a retry the budget paid for is refunded, and
    /// the call is recorded with the reason `rate_limited`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{AdaptiveRateLimiter, Policy};
    /// use retry_runtime::engine::{Attempt, ByClassify, CallSite, CallState, NoHook, Pass, Step};
    /// use retry_runtime::http::HttpError;
    ///
    /// static LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");
    /// static SITE: CallSite = CallSite::new("api");
    ///
    /// let policy = Policy::new().base_delay(Duration::from_millis(1));
    /// let mut attempts = CallState::blocking(&policy);
    /// let turn = attempts.pace(&SITE, &LIMITER)?;
    /// assert_eq!(turn.wait(), Duration::ZERO); // no throttle seen yet
    /// let throttled: Result<(), HttpError> = Err(HttpError::new(429));
    /// let step = attempts.decide_with(&policy, &SITE, Pass::default(), Attempt::Completed(throttled), &mut ByClassify, &mut NoHook);
    /// assert!(matches!(step, Step::Sleep(_)));
    /// attempts.answered(&LIMITER, turn);
    /// // The limiter learned of the throttle: from now on it paces.
    /// assert!(LIMITER.fill_rate().is_some());
    /// # Ok::<(), retry_runtime::RateLimited>(())
    /// ```
    pub fn pace(
        &mut self,
        site: &'static CallSite,
        limiter: &AdaptiveRateLimiter,
    ) -> Result<Turn, RateLimited> {
        limiter
            .reserve(self.clock.now())
            .map_err(|refused| self.rate_limited(site, refused))
    }

    /// Ends a call the rate limiter refused: the retry that will not
    /// happen is refunded, and the call is recorded.
    #[cold]
    fn rate_limited(&mut self, site: &'static CallSite, refused: RateLimited) -> RateLimited {
        self.refund_retry_not_made();
        let shown: fn(&RateLimited, &mut fmt::Formatter<'_>) -> fmt::Result = fmt::Display::fmt;
        telemetry::finished(
            site,
            Ending::RateLimited,
            self.made,
            Some(Cause::Error(&refused, Some(shown))),
        );
        refused
    }

    /// Tells `limiter` how the attempt of `turn` went, once it has been
    /// decided on: throttled when its verdict's kind was
    /// [`Kind::Throttled`](crate::Kind::Throttled). Kept apart from the
    /// decision so a call without a limiter carries and checks nothing.
    pub fn answered(&self, limiter: &AdaptiveRateLimiter, turn: Turn) {
        limiter.record(turn, self.throttled, self.clock.now());
    }

    /// [`remaining`](Self::remaining) once the limiter's `wait` is over,
    /// checked before waiting: `Err` when the attempt would start with
    /// less than [`min_attempt_time`](Policy::min_attempt_time) of the
    /// deadline left (or none), so the call ends now, as at its deadline,
    /// rather than after a wait that leaves it no time.
    #[inline]
    pub fn remaining_after(
        &self,
        policy: &Policy<impl Copy>,
        wait: Duration,
    ) -> Result<Option<Duration>, TimedOut> {
        let (Some(deadline), Some(started)) = (policy.deadline, self.started) else {
            return Ok(None);
        };
        let elapsed = self.clock.now().saturating_duration_since(started);
        let left = deadline.saturating_sub(elapsed.saturating_add(wait));
        let least = match (self.made, wait.is_zero()) {
            (_, false) | (0, true) => policy.min_attempt_time,
            _ => Duration::ZERO,
        };
        if left.is_zero() || left < least {
            return Err(TimedOut::new(deadline));
        }
        Ok(Some(left))
    }
}
