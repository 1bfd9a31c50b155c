//! The attempt engine: takes each attempt's result and answers "return
//! this" or "sleep this long, then try again".
//!
//! The `#[retry]` expansion and the function API ([`Policy::retry`]) both
//! drive it; it can also drive a hand-written loop. It holds nothing `!Send`
//! and never allocates. With [`Protections`], it also asks a circuit breaker
//! before each attempt and pays for each retry from a retry budget: the
//! one place where both are consulted. With an
//! [`AdaptiveRateLimiter`](crate::AdaptiveRateLimiter) among them, every
//! attempt is paced ([`CallState::pace`]) and its answer reported.
//!
//! A call that succeeds at once costs a counter on its own [`CallSite`]
//! and nothing else: no clock is read, no backoff computed, no shared
//! state written. All of that starts at the first failure.
//!
//! Results, not only errors, can fail: an [`OkClassifier`] (the `when_ok`
//! key, [`Retry::when_ok`](crate::Retry::when_ok)) may call an `Ok` value
//! transient (a 503 response a client returned as `Ok`). Such a value is
//! retried exactly as an error with the same [`Verdict`] would be: its
//! kind, its delay hint (a floor, capped by `max_retry_after`), the
//! breaker (a failure), the budget and telemetry all treat it alike. When
//! the call ends on it (attempts spent, a hint above `max_retry_after`,
//! `max_elapsed`, the budget spent, the breaker opened by this failure),
//! the caller gets that value, as `Ok`. A retry the breaker refuses when
//! it begins returns `E::from(Rejected)`, as after an error: the value was
//! dropped when the retry was decided. Without an Ok classifier
//! ([`AcceptOk`], the default) every `Ok` is a success and nothing is
//! added to the success path.

use core::fmt;
use core::mem;
use core::time::Duration;
use std::time::Instant;

use crate::attempt::AttemptContext;
use crate::backoff::{Backoff, Jitter, uniform};
use crate::breaker::{CircuitBreaker, Outcome, Permit};
use crate::budget::{Paid, RetryBudget};
use crate::classify::{Kind, Verdict};
use crate::clock::Clock;
use crate::error::{Rejected, TimedOut};
use crate::policy::Policy;
use crate::telemetry::{self, Cause, Ending, ErrorText};

mod classifiers;
mod hooks;
mod pacing;

pub use crate::protections::{Pass, Protections};
pub use crate::telemetry::CallSite;
pub use classifiers::{AcceptOk, ByClassify, Classifier, IntoVerdict, OkClassifier, When, WhenOk};
pub use hooks::{Hook, NoHook, RetryEvent};

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

/// What failed: an error, or an `Ok` value classified transient (kept, to
/// be returned as `Ok` if the call ends on it).
enum Failure<T, E> {
    Error(E),
    Value(T),
}

impl<T, E> Failure<T, E> {
    fn error(&self) -> Option<&E> {
        match self {
            Failure::Error(error) => Some(error),
            Failure::Value(_) => None,
        }
    }

    fn cause(&self, text: ErrorText<E>) -> Cause<'_, E> {
        match self {
            Failure::Error(error) => Cause::Error(error, text),
            Failure::Value(_) => Cause::Value,
        }
    }

    fn into_result(self) -> Result<T, E> {
        match self {
            Failure::Error(error) => Err(error),
            Failure::Value(value) => Ok(value),
        }
    }
}

/// The state of one call: attempts made, backoff, what the retry budget
/// holds for it. The policy and the call site are passed to each
/// [`decide`](Self::decide), so the state stays small (the `#[retry]`
/// future carries it across every await).
///
/// Dropping it while a retry is pending (the call was cancelled during its
/// backoff sleep) gives the retry budget back what that retry cost: tokens
/// pay only for attempts that start.
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use retry_runtime::Policy;
/// use retry_runtime::engine::{Attempt, ByClassify, CallSite, CallState, NoHook, Step};
///
/// static SITE: CallSite = CallSite::new("example");
///
/// let policy = Policy::new().base_delay(Duration::from_millis(10));
/// let mut attempts = CallState::blocking(&policy);
/// let failed: Result<(), io::Error> = Err(io::ErrorKind::ConnectionReset.into());
/// let step = attempts.decide(&policy, &SITE, Attempt::Completed(failed), &mut ByClassify, &mut NoHook);
/// assert!(matches!(step, Step::Sleep(d) if d == Duration::from_millis(10)));
/// ```
#[derive(Debug)]
pub struct CallState<'g> {
    made: u32,
    clock: Clock,
    // Whether the last attempt decided was throttled (its verdict's kind):
    // what a rate limiter is told (`answered`). False until a failure.
    throttled: bool,
    // Read only when `max_elapsed` or a deadline is set: otherwise no
    // clock is read before the first failure.
    started: Option<Instant>,
    // Built at the first failure.
    failing: Option<Failing<'g>>,
}

/// What a call keeps once an attempt has failed.
#[derive(Debug, Default)]
struct Failing<'g> {
    backoff: Backoff,
    // Taken from the budget for the retry the caller is sleeping before;
    // refunded if the call is dropped before that retry begins.
    reserved: Paid,
    // What the retry in progress cost, refunded if it succeeds.
    paid: Paid,
    // The budget `reserved` and `paid` came from.
    budget: Option<&'g RetryBudget>,
}

impl<'g> CallState<'g> {
    /// A call measured on the async timer's clock (for async code): tokio's
    /// with the `tokio` feature, the system's without it.
    #[inline]
    pub fn new(policy: &Policy<impl Copy>) -> Self {
        Self::with_clock(policy.max_elapsed.or(policy.deadline), Clock::Async)
    }

    /// A call measured on the system clock (for blocking code).
    #[inline]
    pub fn blocking(policy: &Policy<impl Copy>) -> Self {
        Self::with_clock(policy.max_elapsed.or(policy.deadline), Clock::System)
    }

    #[inline]
    fn with_clock(limit: Option<Duration>, clock: Clock) -> Self {
        Self {
            made: 0,
            clock,
            throttled: false,
            started: limit.map(|_| clock.now()),
            failing: None,
        }
    }

    /// Attempts made so far.
    #[inline]
    pub fn made(&self) -> u32 {
        self.made
    }

    /// What remains of the policy's [`deadline`](Policy::deadline) as the
    /// next attempt starts: `Ok(None)` without a deadline (no clock is
    /// read), `Ok(Some(left))` to bound the attempt by, or `Err` when the
    /// attempt must not start and the call ends with `TimedOut`: no time is
    /// left, or, before the first attempt, less than `min_attempt_time`.
    /// (Before a retry, the engine has already checked that its sleep
    /// leaves `min_attempt_time`; only a late wake-up can leave less.)
    #[inline]
    pub fn remaining(&self, policy: &Policy<impl Copy>) -> Result<Option<Duration>, TimedOut> {
        let (Some(deadline), Some(started)) = (policy.deadline, self.started) else {
            return Ok(None);
        };
        let elapsed = self.clock.now().saturating_duration_since(started);
        let left = deadline.saturating_sub(elapsed);
        let least = match self.made {
            0 => policy.min_attempt_time,
            _ => Duration::ZERO,
        };
        if left.is_zero() || left < least {
            return Err(TimedOut::new(deadline));
        }
        Ok(Some(left))
    }

    /// The context of the attempt about to start: its number, and the
    /// policy's deadline as an instant.
    #[inline]
    pub fn context(&self, policy: &Policy<impl Copy>) -> AttemptContext {
        let deadline = match (policy.deadline, self.started) {
            (Some(deadline), Some(started)) => started.checked_add(deadline),
            _ => None,
        };
        AttemptContext::new(self.made.saturating_add(1), deadline, self.clock)
    }

    /// Ends a call whose deadline left no time for the next attempt (see
    /// [`remaining`](Self::remaining)) with `error`, the `E::from(TimedOut)`
    /// it returns: a retry the budget paid for is refunded, and the call
    /// is recorded.
    #[cold]
    pub fn deadline_passed<E>(&mut self, site: &'static CallSite, error: E) -> E {
        self.refund_retry_not_made();
        telemetry::finished(
            site,
            Ending::Deadline,
            self.made,
            Some(Cause::Error(&error, None)),
        );
        error
    }

    /// The call ends before the retry it slept for runs: the budget gets
    /// back what that retry cost.
    fn refund_retry_not_made(&mut self) {
        self.retry_begins();
        if let Some(Failing {
            budget: Some(budget),
            paid,
            ..
        }) = &mut self.failing
        {
            budget.refund(mem::take(paid));
        }
    }

    /// The retry the caller slept before begins: what the budget reserved
    /// for it is spent. Call it when the sleep ends; if the call is dropped
    /// before, the reservation is refunded. (The next decision makes it
    /// too, for loops that skip this call.)
    #[inline]
    pub fn retry_begins(&mut self) {
        if let Some(failing) = &mut self.failing
            && failing.reserved != Paid::Nothing
        {
            failing.paid = mem::take(&mut failing.reserved);
        }
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
    /// use retry_runtime::{BreakerConfig, CircuitBreaker, Policy};
    /// use retry_runtime::engine::{Attempt, ByClassify, CallSite, CallState, NoHook, Protections, Step};
    ///
    /// static BREAKER: CircuitBreaker =
    ///     CircuitBreaker::new(BreakerConfig::new("disk").failure_threshold(1));
    /// static SITE: CallSite = CallSite::new("disk");
    ///
    /// let policy = Policy::new().base_delay(Duration::from_millis(1));
    /// let guards = Protections::new().breaker(&BREAKER);
    /// let mut attempts = CallState::blocking(&policy);
    /// let pass = attempts.start_attempt(&SITE, guards).expect("closed");
    /// let failed: Result<(), io::Error> = Err(io::ErrorKind::ConnectionReset.into());
    /// let step = attempts.decide_with(&policy, &SITE, pass, Attempt::Completed(failed), &mut ByClassify, &mut NoHook);
    /// // The failure tripped the breaker: no retry into it.
    /// assert!(matches!(step, Step::Return(Err(_))));
    /// assert!(attempts.start_attempt(&SITE, guards).is_err());
    /// ```
    pub fn start_attempt(
        &mut self,
        site: &'static CallSite,
        guards: Protections<'g>,
    ) -> Result<Pass<'g>, Rejected> {
        let permit = match guards.breaker {
            None => None,
            Some(breaker) => {
                let clock = self.clock;
                match breaker.acquire(|| clock.nanos()) {
                    Ok(permit) => Some(permit),
                    Err(rejected) => return Err(self.rejected(site, rejected)),
                }
            }
        };
        Ok(Pass {
            permit,
            budget: guards.budget,
        })
    }

    /// Ends a call the breaker refused: the retry that will not happen is
    /// refunded, and the call is recorded.
    #[cold]
    fn rejected(&mut self, site: &'static CallSite, rejected: Rejected) -> Rejected {
        self.refund_retry_not_made();
        let shown: fn(&Rejected, &mut fmt::Formatter<'_>) -> fmt::Result = fmt::Display::fmt;
        let ending = match self.made {
            0 => Ending::Rejected,
            _ => Ending::BreakerOpen,
        };
        telemetry::finished(
            site,
            ending,
            self.made,
            Some(Cause::Error(&rejected, Some(shown))),
        );
        rejected
    }

    /// Records one attempt and decides what comes next, following `policy`
    /// (the same one at every call). The hook runs only when a retry
    /// follows, before the caller sleeps.
    #[inline]
    pub fn decide<T, E>(
        &mut self,
        policy: &Policy<impl Copy>,
        site: &'static CallSite,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        self.decide_with(policy, site, Pass::default(), attempt, classifier, hook)
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
        policy: &Policy<impl Copy>,
        site: &'static CallSite,
        pass: Pass<'g>,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        self.decide_with_ok(policy, site, pass, attempt, classifier, &mut AcceptOk, hook)
    }

    /// [`decide_with`](Self::decide_with), also classifying `Ok` values
    /// with `values`: a transient one is retried as an error with its
    /// verdict would be, and returned as `Ok` when the call ends on it (see
    /// the [module](self) docs for each ending).
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, Verdict};
    /// use retry_runtime::engine::{Attempt, ByClassify, CallSite, CallState, NoHook, Pass, Step, WhenOk};
    ///
    /// static SITE: CallSite = CallSite::new("status");
    ///
    /// let policy = Policy::new().max_attempts(2).base_delay(Duration::from_millis(10));
    /// // A status code returned as `Ok`: 503 is worth another try, after its hint.
    /// let mut busy = WhenOk(|status: &u16| match status {
    ///     503 => Verdict::server().retry_after(Duration::from_secs(1)),
    ///     _ => Verdict::permanent(),
    /// });
    /// let mut attempts = CallState::blocking(&policy);
    /// let ok: Attempt<u16, io::Error> = Attempt::Completed(Ok(503));
    /// let step = attempts.decide_with_ok(&policy, &SITE, Pass::default(), ok, &mut ByClassify, &mut busy, &mut NoHook);
    /// assert!(matches!(step, Step::Sleep(d) if d == Duration::from_secs(1)));
    /// // Out of attempts: the last value is the result.
    /// let ok: Attempt<u16, io::Error> = Attempt::Completed(Ok(503));
    /// let step = attempts.decide_with_ok(&policy, &SITE, Pass::default(), ok, &mut ByClassify, &mut busy, &mut NoHook);
    /// assert!(matches!(step, Step::Return(Ok(503))));
    /// ```
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn decide_with_ok<T, E>(
        &mut self,
        policy: &Policy<impl Copy>,
        site: &'static CallSite,
        pass: Pass<'g>,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        values: &mut impl OkClassifier<T>,
        hook: &mut impl Hook<E>,
    ) -> Step<T, E> {
        self.decide_shown(
            || policy.erased(),
            site,
            pass,
            attempt,
            classifier,
            values,
            hook,
            None,
        )
    }

    /// [`decide_with_ok`](Self::decide_with_ok), showing errors in log events with
    /// `text` (the `#[retry]` expansion picks it where `E` is concrete),
    /// and making the policy only if the call failed: a first-try success
    /// never builds it.
    #[doc(hidden)]
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub fn decide_shown<T, E, Timeout: Copy>(
        &mut self,
        policy: impl FnOnce() -> Policy<Timeout>,
        site: &'static CallSite,
        pass: Pass<'g>,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        values: &mut impl OkClassifier<T>,
        hook: &mut impl Hook<E>,
        text: ErrorText<E>,
    ) -> Step<T, E> {
        // The success of a first attempt inlines at every call site;
        // anything else is a call. With `AcceptOk` the verdict is a
        // constant and its test folds away: the same code as without one.
        let unsettled = match Unsettled::judge(attempt, values) {
            Unsettled::Attempt(Attempt::Completed(Ok(value))) if self.made == 0 => {
                self.made = 1;
                first_try_succeeded(site, pass);
                return Step::Return(Ok(value));
            }
            unsettled => unsettled,
        };
        // Made here, where the expansion's policy is a constant to fold,
        // and handed on erased: the decision is then compiled once per
        // result, classifier and hook type, not once per annotated fn.
        let policy = policy().erased();
        self.decide_unsettled(&policy, site, pass, unsettled, classifier, hook, text)
    }

    /// The success of a first attempt, settled before anything else is
    /// made for it (the error's text, the classifier's and the hook's
    /// references): [`first_attempt`] while no attempt has been decided.
    /// For calls whose `Ok` values are all accepted (no `when_ok`): a value
    /// classifier must see the value first.
    #[doc(hidden)]
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    pub fn first_try_ok<T, E>(
        &self,
        site: (
            &'static CallSite,
            &'static telemetry::FirstTriesKey,
            impl FnOnce() -> &'static str,
        ),
        pass: Pass<'g>,
        attempt: Attempt<T, E>,
    ) -> Result<T, (Attempt<T, E>, Pass<'g>)> {
        match self.made {
            0 => first_attempt(site, pass, attempt, &mut AcceptOk)
                .map_err(|(attempt, pass, _)| (attempt, pass)),
            _ => Err((attempt, pass)),
        }
    }

    /// An `Ok` value classified transient: a failure that keeps the value.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn value_failed<T, E>(
        &mut self,
        policy: &Policy,
        site: &'static CallSite,
        pass: Pass<'g>,
        value: T,
        verdict: Verdict,
        hook: &mut impl Hook<E>,
        text: ErrorText<E>,
    ) -> Step<T, E> {
        self.failed(
            policy,
            site,
            pass,
            Failure::Value(value),
            verdict,
            hook,
            text,
        )
    }

    /// Every decision but a first-try success, on an attempt whose `Ok`
    /// value has been judged ([`Unsettled::judge`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decide_unsettled<T, E>(
        &mut self,
        policy: &Policy,
        site: &'static CallSite,
        pass: Pass<'g>,
        unsettled: Unsettled<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
        text: ErrorText<E>,
    ) -> Step<T, E> {
        match unsettled {
            Unsettled::Attempt(attempt) => {
                self.decide_after_first_try(policy, site, pass, attempt, classifier, hook, text)
            }
            Unsettled::Value(value, verdict) => {
                self.value_failed(policy, site, pass, value, verdict, hook, text)
            }
        }
    }

    /// Every decision but a first-try success.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn decide_after_first_try<T, E>(
        &mut self,
        policy: &Policy,
        site: &'static CallSite,
        pass: Pass<'g>,
        attempt: Attempt<T, E>,
        classifier: &mut impl Classifier<E>,
        hook: &mut impl Hook<E>,
        text: ErrorText<E>,
    ) -> Step<T, E> {
        match attempt {
            Attempt::Completed(Ok(value)) => {
                self.succeeded_after_retry(site, pass);
                Step::Return(Ok(value))
            }
            Attempt::Completed(Err(error)) => {
                let verdict = classifier.verdict(&error);
                self.failed(
                    policy,
                    site,
                    pass,
                    Failure::Error(error),
                    verdict,
                    hook,
                    text,
                )
            }
            Attempt::TimedOut(error) => {
                let failure = Failure::Error(error);
                self.failed(policy, site, pass, failure, Verdict::timeout(), hook, text)
            }
        }
    }

    /// Settles a success that followed a retry, and records it.
    fn succeeded_after_retry(&mut self, site: &'static CallSite, pass: Pass<'g>) {
        self.made = self.made.saturating_add(1);
        self.retry_begins();
        self.throttled = false;
        let Pass { permit, budget } = pass;
        if let Some(permit) = permit {
            let clock = self.clock;
            permit.settle(Outcome::Success, move || clock.nanos());
        }
        if let (Some(budget), Some(failing)) = (budget, &mut self.failing) {
            budget.refund(mem::take(&mut failing.paid));
        }
        telemetry::finished::<()>(site, Ending::SuccessAfterRetry, self.made, None);
    }

    /// Settles a failure (an error, or a transient `Ok` value) and decides
    /// between a retry and the end; the end returns the failure as it came.
    #[allow(clippy::too_many_arguments)]
    fn failed<T, E>(
        &mut self,
        policy: &Policy,
        site: &'static CallSite,
        pass: Pass<'g>,
        failure: Failure<T, E>,
        verdict: Verdict,
        hook: &mut impl Hook<E>,
        text: ErrorText<E>,
    ) -> Step<T, E> {
        self.made = self.made.saturating_add(1);
        self.retry_begins();
        self.throttled = verdict.kind() == Kind::Throttled;
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
        let give_up = |attempts: &Self, ending: Ending, failure: Failure<T, E>| {
            telemetry::finished(site, ending, attempts.made, Some(failure.cause(text)));
            Step::Return(failure.into_result())
        };
        let delay = match self.retry_delay(policy, &verdict) {
            Ok(delay) => delay,
            Err(ending) => return give_up(self, ending, failure),
        };
        // A retry into an open breaker would only be rejected.
        if breaker.is_some_and(CircuitBreaker::is_open) {
            return give_up(self, Ending::BreakerOpen, failure);
        }
        // Reserved last, so tokens go only to a retry that will be tried;
        // they are spent when it begins.
        if let Some(budget) = budget {
            let failing = self.failing.get_or_insert_default();
            failing.budget = Some(budget);
            failing.reserved = budget.withdraw(verdict.kind());
            if failing.reserved == Paid::Nothing {
                return give_up(self, Ending::Budget, failure);
            }
        }
        let max_attempts = policy.attempts_limit();
        telemetry::retrying(
            site,
            self.made,
            max_attempts,
            delay,
            verdict.kind(),
            failure.cause(text),
        );
        hook.on_retry(&RetryEvent {
            name: site.name(),
            attempt: self.made,
            max_attempts,
            delay,
            error: failure.error(),
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
        let backoff = &mut self.failing.get_or_insert_default().backoff;
        // The attempt that failed is number `made`: the retry after it is
        // retry number `made` too.
        let computed = backoff.next_delay(policy, self.made, &mut rng);
        let delay = match verdict.hint() {
            None => computed,
            Some(hint) if hint > policy.max_retry_after => return Err(Ending::HintTooLong),
            // The hint is a floor, above `max_delay` too: the server's
            // instruction outranks the client's own cap. Jitter only adds
            // to it, by 10% at most, and never past `max_retry_after`.
            Some(hint) => {
                let spread = match policy.jitter {
                    Jitter::None => Duration::ZERO,
                    _ => uniform(&mut rng, Duration::ZERO, hint / 10),
                };
                let floor = hint.saturating_add(spread).min(policy.max_retry_after);
                computed.max(floor)
            }
        };
        if let Some(started) = self.started {
            // The next attempt would start this long after the call did.
            let next = self
                .clock
                .now()
                .saturating_duration_since(started)
                .saturating_add(delay);
            if policy.max_elapsed.is_some_and(|limit| next > limit) {
                return Err(Ending::MaxElapsed);
            }
            // It must start with `min_attempt_time` of the deadline left.
            if let Some(deadline) = policy.deadline {
                let left = deadline.saturating_sub(next);
                if left.is_zero() || left < policy.min_attempt_time {
                    return Err(Ending::Deadline);
                }
            }
        }
        Ok(delay)
    }
}

impl Drop for CallState<'_> {
    #[inline]
    fn drop(&mut self) {
        // A retry reserved but never begun: the call was dropped in its
        // sleep. (A finished call has nothing reserved.)
        if let Some(Failing {
            budget: Some(budget),
            reserved,
            ..
        }) = &mut self.failing
        {
            budget.refund(mem::take(reserved));
        }
    }
}

/// Settles a first-try success with the breaker and the budget, and counts
/// it on its site: reads of shared state only, and one write to this
/// thread's own counter.
#[inline(always)]
fn first_try_succeeded(site: &'static CallSite, pass: Pass<'_>) {
    settle_first_try(pass);
    telemetry::first_try_succeeded(site);
}

/// What the retries of an annotated fn decide on: an attempt, or an `Ok`
/// value its `when_ok` classifier already called transient, with that
/// verdict (so the classifier does not judge the value twice).
#[doc(hidden)]
#[derive(Debug)]
pub enum Unsettled<T, E> {
    /// An attempt to decide on.
    Attempt(Attempt<T, E>),
    /// A value classified transient.
    Value(T, Verdict),
}

impl<T, E> Unsettled<T, E> {
    /// `attempt`, its `Ok` value judged by `values`: a transient one is a
    /// failure that keeps the value. (With `AcceptOk` this folds away.)
    #[inline(always)]
    pub(crate) fn judge(attempt: Attempt<T, E>, values: &mut impl OkClassifier<T>) -> Self {
        match attempt {
            Attempt::Completed(Ok(value)) => {
                let verdict = values.verdict_ok(&value);
                match verdict.is_transient() {
                    true => Unsettled::Value(value, verdict),
                    false => Unsettled::Attempt(Attempt::Completed(Ok(value))),
                }
            }
            attempt => Unsettled::Attempt(attempt),
        }
    }

    /// The first attempt, with the verdict [`first_attempt`] gave
    /// its value, if it gave one.
    pub fn judged(attempt: Attempt<T, E>, judgement: Judgement) -> Self {
        match (attempt, judgement.0) {
            (Attempt::Completed(Ok(value)), Some(verdict)) => Unsettled::Value(value, verdict),
            (attempt, _) => Unsettled::Attempt(attempt),
        }
    }
}

/// The verdict [`first_attempt`] gave a transient value, if it did.
/// Not `Copy`: a local of the fn moves it on, so it is not kept in the
/// fn's future.
#[doc(hidden)]
#[derive(Debug)]
pub struct Judgement(Option<Verdict>);

impl<T, E> From<Attempt<T, E>> for Unsettled<T, E> {
    fn from(attempt: Attempt<T, E>) -> Self {
        Unsettled::Attempt(attempt)
    }
}

/// The first attempt of an annotated fn: its `Ok` value, settled with the
/// breaker and the budget and counted as a first-try success in this
/// thread's own counter; or the attempt, its pass, and the verdict of
/// `values` (`when_ok`'s classifier; `AcceptOk`, which folds away, without
/// one) on a value it calls transient, for the retries to decide on (see
/// [`Unsettled::judged`]). `site` need not be registered yet: the
/// counter's first use on a thread registers it (`type_name` gives a
/// method's type).
#[doc(hidden)]
#[inline(always)]
#[allow(clippy::type_complexity)]
pub fn first_attempt<'g, T, E>(
    (site, counter, type_name): (
        &'static CallSite,
        &'static telemetry::FirstTriesKey,
        impl FnOnce() -> &'static str,
    ),
    pass: Pass<'g>,
    attempt: Attempt<T, E>,
    values: &mut impl OkClassifier<T>,
) -> Result<T, (Attempt<T, E>, Pass<'g>, Judgement)> {
    match Unsettled::judge(attempt, values) {
        Unsettled::Attempt(Attempt::Completed(Ok(value))) => {
            settle_first_try(pass);
            telemetry::annotated_first_try(counter, site, type_name);
            Ok(value)
        }
        Unsettled::Attempt(attempt) => Err((attempt, pass, Judgement(None))),
        Unsettled::Value(value, verdict) => Err((
            Attempt::Completed(Ok(value)),
            pass,
            Judgement(Some(verdict)),
        )),
    }
}

/// Settles a first-try success with the breaker and the budget.
#[inline(always)]
fn settle_first_try(pass: Pass<'_>) {
    let Pass { permit, budget } = pass;
    if let Some(permit) = permit {
        // Only a tripping outcome reads the clock; a success never trips.
        permit.settle(Outcome::Success, || 0);
    }
    if let Some(budget) = budget {
        budget.first_try_succeeded();
    }
}
