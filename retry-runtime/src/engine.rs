//! The attempt engine: takes each attempt's result and answers "return
//! this" or "sleep this long, then try again".
//!
//! The `#[retry]` expansion and the function API ([`Policy::retry`]) both
//! drive it; it can also drive a hand-written loop. It holds nothing `!Send`
//! and never allocates. With [`Guards`], it also asks a circuit breaker
//! before each attempt and pays for each retry from a retry budget: the
//! one place where both are consulted.

use core::fmt;
use core::mem;
use core::time::Duration;
use std::time::Instant;

use crate::backoff::{Backoff, Jitter, uniform};
use crate::breaker::{CircuitBreaker, Outcome, Permit};
use crate::budget::Paid;
use crate::classify::{Classify, Kind, Verdict};
use crate::clock::Clock;
use crate::error::Rejected;
use crate::guards::{Guards, Pass};
use crate::policy::Policy;
use crate::telemetry::{self, Ending};

/// One attempt's result as the engine sees it.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// The body ran to completion.
    Completed(Result<T, E>),
    /// The body ran past the per-attempt timeout; the error is
    /// `E::from(TimedOut)`. Always transient, kind [`Kind::Timeout`].
    TimedOut(E),
}

/// The engine's answer for one attempt.
#[derive(Debug)]
pub enum Step<T, E> {
    /// The call is over: return this.
    Return(Result<T, E>),
    /// Sleep this long, then make the next attempt.
    Sleep(Duration),
}

/// What an `on_retry` hook sees, just before the engine sleeps.
#[non_exhaustive]
pub struct RetryEvent<'a, E> {
    /// The call's name (`module::fn` unless the attribute names it).
    pub name: &'static str,
    /// The attempt that failed, 1-based.
    pub attempt: u32,
    /// The policy's limit on attempts.
    pub max_attempts: u32,
    /// How long the engine is about to sleep.
    pub delay: Duration,
    /// The error of the failed attempt.
    pub error: &'a E,
    /// Its kind, from the classification.
    pub kind: Kind,
    /// The server's delay hint, if the error carried one.
    pub hint: Option<Duration>,
}

impl<E: fmt::Debug> fmt::Debug for RetryEvent<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryEvent")
            .field("name", &self.name)
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .field("delay", &self.delay)
            .field("error", self.error)
            .field("kind", &self.kind)
            .field("hint", &self.hint)
            .finish()
    }
}

/// Decides whether an error is worth another attempt.
pub trait Classifier<E> {
    /// The verdict on `error`.
    fn verdict(&mut self, error: &E) -> Verdict;
}

/// Classifies with the error's own [`Classify`] impl (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByClassify;

impl<E: Classify> Classifier<E> for ByClassify {
    fn verdict(&mut self, error: &E) -> Verdict {
        error.classify()
    }
}

/// Classifies with a predicate: `true` retries (kind [`Kind::Other`]).
#[derive(Clone, Copy, Debug)]
pub struct When<F>(pub F);

impl<E, F: FnMut(&E) -> bool> Classifier<E> for When<F> {
    fn verdict(&mut self, error: &E) -> Verdict {
        Verdict::from_bool((self.0)(error))
    }
}

/// Called before each sleep; any `FnMut(&RetryEvent<'_, E>)` is one.
pub trait Hook<E> {
    /// The engine is about to sleep before the next attempt.
    fn on_retry(&mut self, event: &RetryEvent<'_, E>);

    /// How to show an error in log events, if the hook knows (the
    /// `#[retry]` expansion does when `E: Display`); `None` leaves the error
    /// out of the events.
    fn error_text(&self) -> Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result> {
        None
    }
}

/// The hook that does nothing (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHook;

impl<E> Hook<E> for NoHook {
    fn on_retry(&mut self, _: &RetryEvent<'_, E>) {}
}

impl<E, F: FnMut(&RetryEvent<'_, E>)> Hook<E> for F {
    fn on_retry(&mut self, event: &RetryEvent<'_, E>) {
        self(event)
    }
}

/// The state of one call: attempts made, backoff, start time. The policy
/// and the call's name are passed to each [`decide`](Self::decide), so the
/// state stays small (the `#[retry]` future carries it across every await).
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use retry_runtime::{Attempt, Attempts, ByClassify, NoHook, Policy, Step};
///
/// let policy = Policy::new().base_delay(Duration::from_millis(10));
/// let mut attempts = Attempts::blocking(&policy);
/// let failed: Result<(), io::Error> = Err(io::ErrorKind::ConnectionReset.into());
/// let step = attempts.decide(&policy, "example", Attempt::Completed(failed), &mut ByClassify, &mut NoHook);
/// assert!(matches!(step, Step::Sleep(d) if d == Duration::from_millis(10)));
/// ```
#[derive(Clone, Debug)]
pub struct Attempts {
    made: u32,
    backoff: Backoff,
    clock: Clock,
    // What the budget took for the latest retry, refunded if it succeeds.
    paid: Paid,
    // Read only when `max_elapsed` is set: the success path reads no clock.
    started: Option<Instant>,
}

impl Attempts {
    /// A call measured on tokio's clock (for async code).
    #[inline]
    pub fn new(policy: &Policy) -> Self {
        Self::with_clock(policy, Clock::Tokio)
    }

    /// A call measured on the system clock (for blocking code).
    #[inline]
    pub fn blocking(policy: &Policy) -> Self {
        Self::with_clock(policy, Clock::System)
    }

    #[inline]
    fn with_clock(policy: &Policy, clock: Clock) -> Self {
        let started = policy.max_elapsed.map(|_| clock.now());
        Self {
            made: 0,
            backoff: Backoff::default(),
            clock,
            paid: Paid::Nothing,
            started,
        }
    }

    /// Attempts made so far.
    #[inline]
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Records one attempt and decides what comes next, following `policy`
    /// (the same one at every call). The hook runs only when a retry
    /// follows, before the caller sleeps.
    pub fn decide<T, E>(
        &mut self,
        policy: &Policy,
        name: &'static str,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        self.decide_with(policy, name, Pass::default(), attempt, classifier, hook)
    }

    /// Asks the guards' circuit breaker, if any, to let the next attempt
    /// through; the clock is read only while the breaker is open.
    ///
    /// On `Err`, the call must end without running the attempt (a retry the
    /// budget paid for is refunded). On `Ok`, run the attempt and hand the
    /// pass to [`decide_with`](Self::decide_with); if the attempt is
    /// abandoned instead, dropping the pass releases the breaker's permit.
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::{Attempt, Attempts, BreakerConfig, ByClassify, CircuitBreaker, Guards, NoHook, Policy, Step};
    ///
    /// static BREAKER: CircuitBreaker =
    ///     CircuitBreaker::new(BreakerConfig::new("disk").failure_threshold(1));
    ///
    /// let policy = Policy::new().base_delay(Duration::from_millis(1));
    /// let guards = Guards::new().breaker(&BREAKER);
    /// let mut attempts = Attempts::blocking(&policy);
    /// let pass = attempts.admit("disk", guards).expect("closed");
    /// let failed: Result<(), io::Error> = Err(io::ErrorKind::ConnectionReset.into());
    /// let step = attempts.decide_with(&policy, "disk", pass, Attempt::Completed(failed), &mut ByClassify, &mut NoHook);
    /// // The failure tripped the breaker: no retry into it.
    /// assert!(matches!(step, Step::Return(Err(_))));
    /// assert!(attempts.admit("disk", guards).is_err());
    /// ```
    pub fn admit<'a>(
        &mut self,
        name: &'static str,
        guards: Guards<'a>,
    ) -> Result<Pass<'a>, Rejected> {
        let permit = match guards.breaker {
            None => None,
            Some(breaker) => {
                let clock = self.clock;
                match breaker.admit(|| clock.nanos()) {
                    Ok(permit) => Some(permit),
                    Err(rejected) => {
                        // The retry was paid for but never made.
                        if let Some(budget) = guards.budget {
                            budget.refund(mem::take(&mut self.paid));
                        }
                        let shown: fn(&Rejected, &mut fmt::Formatter<'_>) -> fmt::Result =
                            fmt::Display::fmt;
                        telemetry::finished(
                            name,
                            Ending::Rejected,
                            self.made,
                            Some((&rejected, Some(shown))),
                        );
                        return Err(rejected);
                    }
                }
            }
        };
        Ok(Pass {
            permit,
            budget: guards.budget,
        })
    }

    /// [`decide`](Self::decide), also settling with the pass's breaker and
    /// budget:
    ///
    /// - the breaker counts a transient failure as a failure, anything else
    ///   (a success, a permanent error) as a success;
    /// - no retry follows a failure while the breaker is open;
    /// - a retry happens only if the budget pays for it (else the error is
    ///   returned); a success refunds the budget: the cost of the retry
    ///   that succeeded, or the first-try refund.
    #[inline]
    pub fn decide_with<T, E>(
        &mut self,
        policy: &Policy,
        name: &'static str,
        pass: Pass<'_>,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        self.made = self.made.saturating_add(1);
        // The success path stays small enough to inline at every call
        // site; the failure path is a call.
        match attempt {
            Attempt::Completed(Ok(value)) => {
                self.succeeded(name, pass);
                Step::Return(Ok(value))
            }
            Attempt::Completed(Err(error)) => {
                let verdict = classifier.verdict(&error);
                self.failed(policy, name, pass, error, verdict, hook)
            }
            Attempt::TimedOut(error) => {
                self.failed(policy, name, pass, error, Verdict::timeout(), hook)
            }
        }
    }

    /// Settles a success with the breaker and the budget, and records it.
    #[inline]
    fn succeeded(&mut self, name: &'static str, pass: Pass<'_>) {
        let Pass { permit, budget } = pass;
        if let Some(permit) = permit {
            let clock = self.clock;
            permit.settle(Outcome::Success, move || clock.nanos());
        }
        if let Some(budget) = budget {
            if self.made == 1 {
                budget.first_try_succeeded();
            } else {
                budget.refund(mem::take(&mut self.paid));
            }
        }
        let ending = if self.made == 1 {
            Ending::SuccessFirstTry
        } else {
            Ending::SuccessAfterRetry
        };
        telemetry::finished::<()>(name, ending, self.made, None);
    }

    /// Settles a failure and decides between a retry and the end.
    #[inline(never)]
    fn failed<T, E>(
        &mut self,
        policy: &Policy,
        name: &'static str,
        pass: Pass<'_>,
        error: E,
        verdict: Verdict,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        let Pass { permit, budget } = pass;
        let clock = self.clock;
        let now = move || clock.nanos();
        let breaker = permit.as_ref().map(Permit::breaker);
        if let Some(permit) = permit {
            let outcome = if verdict.is_transient() {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            permit.settle(outcome, now);
        }
        let text = hook.error_text();
        let give_up = |attempts: &Self, ending: Ending, error: E| {
            telemetry::finished(name, ending, attempts.made, Some((&error, text)));
            Step::Return(Err(error))
        };
        let delay = match self.retry_delay(policy, &verdict) {
            Ok(delay) => delay,
            Err(ending) => return give_up(self, ending, error),
        };
        // A retry into an open breaker would only be rejected.
        if breaker.is_some_and(CircuitBreaker::is_open) {
            return give_up(self, Ending::Rejected, error);
        }
        // Paid last, so tokens go only to a retry that will happen.
        if let Some(budget) = budget {
            self.paid = budget.withdraw(verdict.kind());
            if self.paid == Paid::Nothing {
                return give_up(self, Ending::Budget, error);
            }
        }
        let max_attempts = policy.attempts_limit();
        telemetry::retrying(
            name,
            self.made,
            max_attempts,
            delay,
            verdict.kind(),
            (&error, text),
        );
        hook.on_retry(&RetryEvent {
            name,
            attempt: self.made,
            max_attempts,
            delay,
            error: &error,
            kind: verdict.kind(),
            hint: verdict.hint(),
        });
        Step::Sleep(delay)
    }

    /// The delay before the next attempt, or why the call must end.
    fn retry_delay(&mut self, policy: &Policy, verdict: &Verdict) -> Result<Duration, Ending> {
        if !verdict.is_transient() {
            return Err(Ending::Permanent);
        }
        if self.made >= policy.attempts_limit() {
            return Err(Ending::Exhausted);
        }
        let mut rng = rand::rng();
        let computed = self.backoff.next_delay(policy, &mut rng);
        let delay = match verdict.hint() {
            None => computed,
            Some(hint) if hint > policy.max_retry_after => return Err(Ending::HintTooLong),
            // The hint is a floor; jitter only adds to it, by 10% at most.
            Some(hint) => {
                let spread = match policy.jitter {
                    Jitter::None => Duration::ZERO,
                    _ => uniform(&mut rng, Duration::ZERO, hint / 10),
                };
                computed.max(hint.saturating_add(spread))
            }
        };
        if let (Some(limit), Some(started)) = (policy.max_elapsed, self.started) {
            let elapsed = self.clock.now().saturating_duration_since(started);
            if elapsed.saturating_add(delay) > limit {
                return Err(Ending::MaxElapsed);
            }
        }
        Ok(delay)
    }
}
