//! One retried call of the tower layer or the reqwest middleware: the
//! engine, classifying responses as its `Ok` values
//! ([`CallState::decide_with_ok`]), as `#[retry(when_ok = ..)]` does. The
//! only place these integrations use the engine's API.

use core::time::Duration;

use super::ClassifyResponse;
use crate::classify::Verdict;
use crate::engine::{Attempt, CallState, Classifier, NoHook, OkClassifier, Step};
#[cfg(feature = "reqwest-middleware")]
use crate::error::Rejected;
use crate::error::TimedOut;
#[cfg(feature = "tower")]
use crate::function_api::BreakerMarker;
use crate::policy::Policy;
use crate::protections::{Pass, Protections};
use crate::telemetry::CallSite;

/// A response classifier as the engine's classifier of `Ok` values: a
/// transient response is retried, and returned if the call ends on it.
struct Responses<'c, C>(&'c C);

impl<R, C: ClassifyResponse<R>> OkClassifier<R> for Responses<'_, C> {
    fn verdict_ok(&mut self, response: &R) -> Verdict {
        self.0.classify_response(response)
    }
}

/// What comes after one attempt.
pub(crate) enum Next<R, E, Q> {
    /// The call is over: return this.
    Return(Result<R, E>),
    /// Sleep `delay`, then send `request`.
    Retry { delay: Duration, request: Q },
}

/// The state of one call: the engine's attempts, and what every decision
/// needs.
pub(crate) struct Round {
    policy: Policy<Option<Duration>>,
    site: &'static CallSite,
    guards: Protections<'static>,
    attempts: CallState<'static>,
}

impl Round {
    /// A call starting now (the clock of `max_elapsed` starts here).
    pub(crate) fn new(
        policy: Policy<Option<Duration>>,
        site: &'static CallSite,
        guards: Protections<'static>,
    ) -> Self {
        Self {
            attempts: CallState::new(&policy),
            policy,
            site,
            guards,
        }
    }

    /// The next attempt's time limit: the policy's per-attempt timeout,
    /// clipped to what remains of its [`deadline`](Policy::deadline).
    /// `Err` when the deadline leaves the attempt no time (or, before the
    /// first attempt, less than `min_attempt_time`): it must not start;
    /// end the call with [`deadline_passed`](Self::deadline_passed).
    pub(crate) fn attempt_limit(&self) -> Result<Option<Duration>, TimedOut> {
        let remaining = self.attempts.remaining(&self.policy)?;
        Ok(crate::deadline::clip(self.policy.timeout, remaining))
    }

    /// Ends a call whose deadline left no time for the next attempt with
    /// `error`, its `E::from(TimedOut)`.
    pub(crate) fn deadline_passed<E>(&mut self, error: E) -> E {
        self.attempts.deadline_passed(self.site, error)
    }

    /// The next attempt's pass, or the breaker's refusal as `E` (only a
    /// [`WithBreaker`](crate::function_api::WithBreaker) call can be refused).
    /// With tokio's timer, in debug builds, a call polled outside a tokio
    /// runtime fails here, before its first attempt.
    #[cfg(feature = "tower")]
    pub(crate) fn admit_as<E, K: BreakerMarker<E>>(&mut self) -> Result<Pass<'static>, E> {
        crate::timer::expect_runtime(|| {
            format!(
                "the call `{}` through the tower RetryLayer",
                self.site.name()
            )
        });
        K::start_attempt(&mut self.attempts, self.site, self.guards)
    }

    /// The next attempt's pass, or the breaker's refusal.
    #[cfg(feature = "reqwest-middleware")]
    pub(crate) fn start_attempt(&mut self) -> Result<Pass<'static>, Rejected> {
        self.attempts.start_attempt(self.site, self.guards)
    }

    /// The retry slept before begins (its budget tokens are spent).
    pub(crate) fn retry_begins(&mut self) {
        self.attempts.retry_begins();
    }

    /// Records one attempt and decides what comes next. `spare` is the
    /// request to send if a retry follows; without one, this attempt is the
    /// call's last: the engine ends it as out of attempts, and the breaker
    /// and the budget still hear how it went.
    pub(crate) fn decide<R, E, Q>(
        &mut self,
        pass: Pass<'static>,
        attempt: Attempt<R, E>,
        spare: Option<Q>,
        errors: &mut impl Classifier<E>,
        responses: &impl ClassifyResponse<R>,
    ) -> Next<R, E, Q> {
        let policy = match spare {
            Some(_) => self.policy,
            None => self
                .policy
                .max_attempts(self.attempts.made().saturating_add(1)),
        };
        let step = self.attempts.decide_with_ok(
            &policy,
            self.site,
            pass,
            attempt,
            errors,
            &mut Responses(responses),
            &mut NoHook,
        );
        match (step, spare) {
            (Step::Return(result), _) => Next::Return(result),
            (Step::Sleep(delay), Some(request)) => Next::Retry { delay, request },
            // The engine retries only within the policy's attempts, and a
            // call without a spare request was given none beyond this one.
            (Step::Sleep(_), None) => unreachable!("a retry decided without a request to send"),
        }
    }
}
