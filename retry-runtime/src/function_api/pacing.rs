//! The function API's adaptive rate limiter: [`Retry::rate_limiter`],
//! [`RetryBlocking::rate_limiter`], and the marker that puts
//! `From<RateLimited>` on the error type only when a limiter is set.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use super::{BreakerMarker, NoBreaker, Options, Retry, RetryBlocking, WithBreaker, sealed};
use crate::engine::CallState;
use crate::protections::{Pass, Protections};
use crate::rate_limit::{AdaptiveRateLimiter, RateLimited, Turn};
use crate::telemetry::CallSite;

/// Marks a function-API call with an adaptive rate limiter, on top of
/// `K` ([`NoBreaker`] or [`WithBreaker`]): its error type must implement
/// `From<RateLimited>`, to say the limiter refused an attempt.
#[derive(Clone, Copy, Debug, Default)]
pub struct Paced<K>(PhantomData<fn() -> K>);

/// What a function-API call's marker says of its admission, whatever its
/// error type: what it becomes once a circuit breaker is added (a breaker
/// joins a rate limiter rather than replacing it), and what it keeps of
/// the rate limiter's turn during an attempt.
pub trait Admission: sealed::Sealed {
    /// The marker with a breaker.
    type Breaker: Admission;
    /// The turn an attempt carries: `()` without a rate limiter.
    type Turn: Copy + Default + fmt::Debug;
}

impl Admission for NoBreaker {
    type Breaker = WithBreaker;
    type Turn = ();
}

impl Admission for WithBreaker {
    type Breaker = WithBreaker;
    type Turn = ();
}

impl<K: Admission> Admission for Paced<K> {
    type Breaker = Paced<K::Breaker>;
    type Turn = Option<Turn>;
}

impl<E: From<RateLimited>, K: BreakerMarker<E>> BreakerMarker<E> for Paced<K> {
    #[inline]
    fn start_attempt(
        attempts: &mut CallState<'static>,
        site: &'static CallSite,
        guards: Protections<'static>,
    ) -> Result<Pass<'static>, E> {
        K::start_attempt(attempts, site, guards)
    }

    // Never called: a call with a limiter cannot be hedged (`Unpaced`).
    fn admit(guards: Protections<'static>, now: fn() -> i64) -> Result<Pass<'static>, E> {
        K::admit(guards, now)
    }

    fn pace(
        attempts: &mut CallState<'static>,
        site: &'static CallSite,
        guards: Protections<'static>,
    ) -> Result<(Option<Turn>, Duration), E> {
        let Some(limiter) = guards.rate_limiter else {
            return Ok((None, Duration::ZERO));
        };
        let turn = attempts.pace(site, limiter).map_err(E::from)?;
        Ok((Some(turn), turn.wait()))
    }

    fn answered(attempts: &CallState<'static>, guards: Protections<'static>, turn: Option<Turn>) {
        if let (Some(limiter), Some(turn)) = (guards.rate_limiter, turn) {
            attempts.answered(limiter, turn);
        }
    }
}

impl<C, H, K, Tm, O> Options<C, H, K, Tm, O> {
    fn rate_limiter(self, limiter: &'static AdaptiveRateLimiter) -> Options<C, H, Paced<K>, Tm, O> {
        let guards = self.guards.rate_limiter(limiter);
        self.guarded(guards)
    }
}

impl<F, Fut, C, H, K: Admission, Tm, O> Retry<F, Fut, C, H, K, Tm, O> {
    /// Paces every attempt, the first included, through `limiter`, and
    /// tells it whether each was throttled (its verdict's kind is
    /// [`Kind::Throttled`](crate::Kind::Throttled)). The wait is slept on
    /// the same timer as the backoff sleeps and counts against the
    /// policy's `max_elapsed` and `deadline`: a wait that would leave the
    /// attempt less than `min_attempt_time` of the deadline ends the call
    /// at once, as the deadline does. An attempt the limiter would hold
    /// back longer than its `max_wait` ends the call with
    /// `E::from(RateLimited)`.
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::{AdaptiveRateLimiter, Policy};
    ///
    /// static LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("search");
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let answer = Policy::new()
    ///     .retry(|| async { Ok::<_, io::Error>(7) })
    ///     .rate_limiter(&LIMITER)
    ///     .await;
    /// assert_eq!(answer.unwrap(), 7); // no throttle yet: no wait
    /// # }
    /// ```
    pub fn rate_limiter(
        self,
        limiter: &'static AdaptiveRateLimiter,
    ) -> Retry<F, Fut, C, H, Paced<K>, Tm, O> {
        Retry {
            op: self.op,
            options: self.options.rate_limiter(limiter),
            attempts: self.attempts,
            turn: None,
            state: self.state,
        }
    }
}

impl<F, C, H, K, Tm, O> RetryBlocking<F, C, H, K, Tm, O> {
    /// Paces every attempt through `limiter`, as
    /// [`Retry::rate_limiter`]; the wait is a `std::thread::sleep`. It
    /// counts against `max_elapsed` and the deadline of later retries.
    pub fn rate_limiter(
        self,
        limiter: &'static AdaptiveRateLimiter,
    ) -> RetryBlocking<F, C, H, Paced<K>, Tm, O> {
        RetryBlocking {
            op: self.op,
            options: self.options.rate_limiter(limiter),
        }
    }
}
