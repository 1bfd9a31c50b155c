//! Hedged calls: after a delay without an acceptable answer, another
//! attempt starts while the first runs on; the first acceptable answer
//! wins and the others are dropped. See [`Retry::hedge`].
//!
//! GRPC's hedging policy (proposal A6) is the reference: attempts are paid
//! from the retry budget, as retries are; a transient failure starts the
//! next attempt at once instead of waiting for the delay; a server's delay
//! hint (`Retry-After`) holds the next attempt back until it has passed.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::time::Instant;

use crate::attempt::AttemptContext;
use crate::breaker::Outcome;
use crate::budget::Paid;
use crate::classify::{Kind, Verdict};
use crate::clock::Clock;
use crate::engine::{Classifier, Hook, OkClassifier, RetryEvent};
use crate::error::TimedOut;
use crate::function_api::{BreakerMarker, MakeAttempt, Options, Retry};
use crate::protections::Pass;
use crate::telemetry::{self, CallSite, Cause, Ending};
use crate::timeout::ArmedTimeout;

/// A call without a rate limiter: only those can be hedged, since hedges
/// would go around the limiter's pacing.
#[diagnostic::on_unimplemented(
    message = "a call with a rate limiter cannot be hedged yet: its hedges would bypass the limiter",
    label = "remove `.rate_limiter(..)` or `.hedge(..)`"
)]
pub trait Unpaced: crate::function_api::Admission {}
impl Unpaced for crate::function_api::NoBreaker {}
impl Unpaced for crate::function_api::WithBreaker {}

impl<F, Fut, C, H, K: crate::function_api::Admission, Tm, O> Retry<F, Fut, C, H, K, Tm, O> {
    /// Hedges the call: each time `delay` passes without an acceptable
    /// answer, another attempt starts while the others run on, until
    /// `max_attempts` have started. The first acceptable answer wins and
    /// the attempts still running are dropped (cancelled). For idempotent
    /// requests whose slowest answers are much slower than the rest.
    ///
    /// - A transient failure of one attempt does not stop the others: it
    ///   starts the next attempt at once (or, if it carries a server hint,
    ///   once the hint has passed; a hint above `max_retry_after` starts
    ///   no more attempts). A permanent error ends the call with it at
    ///   once, dropping the others.
    /// - Every attempt after the first is paid from the
    ///   [`budget`](Self::budget), as a retry is (a hedge costs
    ///   `retry_cost`; the attempt after a timeout, `timeout_cost`). When
    ///   the budget cannot pay, no further attempt starts; those running
    ///   go on. The winner's cost is refunded.
    /// - Every attempt asks the [`breaker`](Self::breaker) and reports its
    ///   outcome to it; an open breaker starts no further attempt (and
    ///   rejects the call if it refuses the first).
    /// - The policy's `timeout` bounds each attempt, its `deadline` the
    ///   whole call; no attempt starts once the deadline has passed.
    /// - When every attempt has failed, the call returns the failure that
    ///   came last.
    ///
    /// There is no backoff between attempts: `base_delay` and `jitter` are
    /// not used. The `on_retry` hook runs before an attempt that follows a
    /// failure, with a delay of zero (or the hint).
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// # // Exact durations need tokio's paused clock (the `tokio` feature).
    /// # #[cfg(feature = "tokio")]
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let start = tokio::time::Instant::now();
    /// let answer = Policy::new()
    ///     .max_attempts(2)
    ///     .retry_with_context(|attempt| async move {
    ///         // The first attempt is slow; the hedge that starts after 50ms answers in 10ms.
    ///         let latency = if attempt.number() == 1 { 1_000 } else { 10 };
    ///         tokio::time::sleep(Duration::from_millis(latency)).await;
    ///         Ok::<_, io::Error>(attempt.number())
    ///     })
    ///     .hedge(Duration::from_millis(50))
    ///     .await;
    /// assert_eq!(answer.unwrap(), 2);
    /// assert_eq!(start.elapsed(), Duration::from_millis(60));
    /// # }
    /// # #[cfg(not(feature = "tokio"))] fn main() {}
    /// ```
    pub fn hedge(self, delay: Duration) -> Hedged<F, Fut, C, H, K, Tm, O>
    where
        Fut: Future,
        K: Unpaced,
    {
        let (op, options) = self.into_parts();
        Hedged {
            op,
            options,
            delay,
            started: 0,
            begun: None,
            running: Vec::new(),
            next: None,
            stopped: None,
            last: None,
            done: false,
            site: None,
        }
    }
}

impl<F, Fut: Future, C, H, K, Tm, O> Hedged<F, Fut, C, H, K, Tm, O> {
    /// Records the call on `site`: a hedged `#[retry]` fn's own.
    #[doc(hidden)]
    pub fn at_site(mut self, site: &'static CallSite) -> Self {
        self.site = Some(site);
        self
    }
}

/// A hedged call in progress; see [`Retry::hedge`]. `.await` it.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Hedged<F, Fut: Future, C, H, K, Tm, O> {
    op: F,
    options: Options<C, H, K, Tm, O>,
    delay: Duration,
    /// Attempts started so far.
    started: u32,
    /// When the call began, read only when the policy has a deadline.
    begun: Option<Instant>,
    running: Vec<Running<Fut>>,
    /// When the next attempt may start, unless one fails first.
    next: Option<Pin<Box<crate::timer::Sleep>>>,
    /// Why no further attempt may start, once that is known.
    stopped: Option<Ending>,
    /// The failure that came last, and its kind.
    last: Option<(Fut::Output, Kind)>,
    done: bool,
    /// The site of a `#[retry]` fn, which then names the call.
    site: Option<&'static CallSite>,
}

// Nothing is pinned in place: every attempt and the timer are boxed.
impl<F, Fut: Future, C, H, K, Tm, O> Unpin for Hedged<F, Fut, C, H, K, Tm, O> {}

/// One attempt in flight, with its breaker permit and what the budget took
/// for it. Dropping it cancels the attempt and releases the permit.
struct Running<Fut> {
    body: Pin<Box<Body<Fut>>>,
    number: u32,
    pass: Pass<'static>,
    paid: Paid,
}

pin_project_lite::pin_project! {
    #[project = BodyProjection]
    enum Body<Fut> {
        Plain { #[pin] body: Fut },
        Bounded { #[pin] body: crate::timer::Timeout<Fut>, timed_out: TimedOut },
    }
}

/// How an attempt ended: with the body's output, or past its limit.
enum Ended<R> {
    Completed(R),
    TimedOut(TimedOut),
}

impl<Fut: Future> Future for Body<Fut> {
    type Output = Ended<Fut::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            BodyProjection::Plain { body } => body.poll(cx).map(Ended::Completed),
            BodyProjection::Bounded { body, timed_out } => match body.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(output)) => Poll::Ready(Ended::Completed(output)),
                Poll::Ready(Err(_)) => Poll::Ready(Ended::TimedOut(*timed_out)),
            },
        }
    }
}

/// What starts an attempt after the first.
#[derive(Clone, Copy)]
enum Trigger {
    /// The hedge delay passed without an answer.
    Delay,
    /// An attempt failed with this kind.
    Failure(Kind),
}

/// What failed, for telemetry: an error, or a value classified transient.
fn cause_of<T, E>(failure: &Result<T, E>) -> Cause<'_, E> {
    match failure {
        Ok(_) => Cause::Value,
        Err(error) => Cause::Error(error, None),
    }
}

fn async_nanos() -> i64 {
    Clock::Async.nanos()
}

impl<F, Fut, T, E, C, H, K, Tm, O> Hedged<F, Fut, C, H, K, Tm, O>
where
    F: MakeAttempt<Fut>,
    Fut: Future<Output = Result<T, E>>,
    C: Classifier<E>,
    O: OkClassifier<T>,
    H: Hook<E>,
    K: BreakerMarker<E>,
    Tm: ArmedTimeout<E>,
{
    fn site(&self) -> &'static CallSite {
        self.site.unwrap_or_else(|| self.options.naming.site())
    }

    /// What remains of the deadline: `Ok(None)` without one, `Err` when
    /// no attempt may start.
    fn remaining(&self) -> Result<Option<Duration>, TimedOut> {
        let policy = &self.options.policy;
        let (Some(deadline), Some(begun)) = (policy.deadline, self.begun) else {
            return Ok(None);
        };
        let left = deadline.saturating_sub(Clock::Async.now().saturating_duration_since(begun));
        if left.is_zero() || left < policy.min_attempt_time {
            return Err(TimedOut::new(deadline));
        }
        Ok(Some(left))
    }

    /// Starts the first attempt; `Err` ends the call (breaker refused it,
    /// or the deadline leaves no time).
    fn start_first(&mut self) -> Result<(), E> {
        crate::timer::expect_runtime(|| match self.site {
            Some(site) => format!("#[retry] async fn `{}`", site.name()),
            None => self.options.naming.describe(),
        });
        if self.options.policy.deadline.is_some() {
            self.begun = Some(Clock::Async.now());
        }
        let site = self.site();
        let remaining = match (self.remaining(), self.options.policy.timeout.timed_out()) {
            (Ok(remaining), _) => remaining,
            (Err(expired), Some(timed_out)) => {
                let error = timed_out(expired);
                telemetry::finished(site, Ending::Deadline, 0, Some(Cause::Error(&error, None)));
                return Err(error);
            }
            (Err(_), None) => None,
        };
        let pass = match K::admit(self.options.guards, async_nanos) {
            Ok(pass) => pass,
            Err(rejected) => {
                telemetry::finished(
                    site,
                    Ending::Rejected,
                    0,
                    Some(Cause::Error(&rejected, None)),
                );
                return Err(rejected);
            }
        };
        self.launch(pass, Paid::Nothing, remaining);
        Ok(())
    }

    /// Starts another attempt if the limits allow it, else records why
    /// none may start.
    fn start_next(&mut self, trigger: Trigger) {
        if self.stopped.is_some() {
            return;
        }
        let policy = &self.options.policy;
        let max_attempts = policy.attempts_limit();
        if self.started >= max_attempts {
            self.stopped = Some(Ending::Exhausted);
            return;
        }
        let Ok(remaining) = self.remaining() else {
            self.stopped = Some(Ending::Deadline);
            return;
        };
        let guards = self.options.guards;
        if guards.breaker.is_some_and(|breaker| breaker.is_open()) {
            self.stopped = Some(Ending::BreakerOpen);
            return;
        }
        let kind = match trigger {
            Trigger::Delay => Kind::Other,
            Trigger::Failure(kind) => kind,
        };
        let paid = match guards.budget {
            None => Paid::Nothing,
            Some(budget) => match budget.withdraw(kind) {
                Paid::Nothing => {
                    self.stopped = Some(Ending::Budget);
                    return;
                }
                paid => paid,
            },
        };
        let Ok(pass) = K::admit(guards, async_nanos) else {
            if let Some(budget) = guards.budget {
                budget.refund(paid);
            }
            self.stopped = Some(Ending::BreakerOpen);
            return;
        };
        if let Trigger::Delay = trigger {
            telemetry::hedging(self.site(), self.started + 1, max_attempts, self.delay);
        }
        self.launch(pass, paid, remaining);
    }

    /// Makes attempt number `started + 1` and arms the timer of the next.
    fn launch(&mut self, pass: Pass<'static>, paid: Paid, remaining: Option<Duration>) {
        let number = self.started + 1;
        let deadline = match (self.options.policy.deadline, self.begun) {
            (Some(deadline), Some(begun)) => begun.checked_add(deadline),
            _ => None,
        };
        let body = self
            .op
            .make_attempt(|| AttemptContext::new(number, deadline, Clock::Async));
        let body = match self.options.policy.timeout.clipped(remaining) {
            Some((limit, _)) => Body::Bounded {
                body: crate::timer::timeout(limit, body),
                timed_out: TimedOut::new(limit),
            },
            None => Body::Plain { body },
        };
        self.started = number;
        self.running.push(Running {
            body: Box::pin(body),
            number,
            pass,
            paid,
        });
        self.next = Some(Box::pin(crate::timer::sleep(self.delay)));
    }

    /// Settles an attempt that ended. `Some` ends the call.
    fn settle(&mut self, running: Running<Fut>, ended: Ended<Fut::Output>) -> Option<Fut::Output> {
        let Running {
            number, pass, paid, ..
        } = running;
        let site = self.site();
        let (failure, verdict) = match ended {
            Ended::Completed(Ok(value)) => {
                let verdict = self.options.values.verdict_ok(&value);
                if !verdict.is_transient() {
                    self.won(pass, paid);
                    return Some(Ok(value));
                }
                (Ok(value), verdict)
            }
            Ended::Completed(Err(error)) => {
                let verdict = self.options.classifier.verdict(&error);
                (Err(error), verdict)
            }
            Ended::TimedOut(timed_out) => match self.options.policy.timeout.timed_out() {
                Some(error) => (Err(error(timed_out)), Verdict::timeout()),
                // Only an error that can say "timed out" has a limit.
                None => return None,
            },
        };
        if let Some(permit) = pass.permit {
            let outcome = match verdict.is_transient() {
                true => Outcome::Failure,
                false => Outcome::Success,
            };
            permit.settle(outcome, async_nanos);
        }
        if !verdict.is_transient() {
            telemetry::finished(
                site,
                Ending::Permanent,
                self.started,
                Some(cause_of(&failure)),
            );
            return Some(failure);
        }
        match verdict.hint() {
            Some(hint) if hint > self.options.policy.max_retry_after => {
                self.stopped.get_or_insert(Ending::HintTooLong);
            }
            // The server asked for a pause: the next attempt waits for it.
            Some(hint) => {
                self.notify(number, hint, &failure, &verdict);
                self.next = Some(Box::pin(crate::timer::sleep(hint)));
            }
            None => {
                let started = self.started;
                self.start_next(Trigger::Failure(verdict.kind()));
                if self.started > started {
                    self.notify(number, Duration::ZERO, &failure, &verdict);
                }
            }
        }
        self.last = Some((failure, verdict.kind()));
        None
    }

    /// Tells the hook and telemetry that attempt `number` failed and
    /// another follows after `delay`.
    fn notify(&mut self, number: u32, delay: Duration, failure: &Result<T, E>, verdict: &Verdict) {
        let site = self.site();
        let max_attempts = self.options.policy.attempts_limit();
        telemetry::retrying(
            site,
            number,
            max_attempts,
            delay,
            verdict.kind(),
            cause_of(failure),
        );
        self.options.hook.on_retry(&RetryEvent {
            name: site.name(),
            attempt: number,
            max_attempts,
            delay,
            error: failure.as_ref().err(),
            kind: verdict.kind(),
            hint: verdict.hint(),
        });
    }

    /// Settles the winner with the breaker and the budget, and records the
    /// call.
    fn won(&mut self, pass: Pass<'static>, paid: Paid) {
        let site = self.site();
        let Pass { permit, budget } = pass;
        if let Some(permit) = permit {
            permit.settle(Outcome::Success, async_nanos);
        }
        if self.started == 1 {
            if let Some(budget) = budget {
                budget.first_try_succeeded();
            }
            telemetry::first_try_succeeded(site);
        } else {
            if let Some(budget) = budget {
                budget.refund(paid);
            }
            telemetry::finished::<()>(site, Ending::SuccessAfterRetry, self.started, None);
        }
    }

    /// Polls every attempt in flight; `Some` ends the call.
    fn poll_running(&mut self, cx: &mut Context<'_>) -> Option<Fut::Output> {
        let mut index = 0;
        while index < self.running.len() {
            match self.running[index].body.as_mut().poll(cx) {
                Poll::Pending => index += 1,
                Poll::Ready(ended) => {
                    let running = self.running.swap_remove(index);
                    if let Some(result) = self.settle(running, ended) {
                        return Some(result);
                    }
                    // An attempt started by the failure sits at the end:
                    // this loop reaches it and polls it once.
                }
            }
        }
        None
    }

    /// The call ends with its last failure.
    fn give_up(&mut self) -> Fut::Output {
        let ending = self.stopped.unwrap_or(Ending::Exhausted);
        let (failure, _) = self
            .last
            .take()
            .expect("a hedged call ends only after an attempt failed");
        telemetry::finished(self.site(), ending, self.started, Some(cause_of(&failure)));
        failure
    }
}

impl<F, Fut, T, E, C, H, K, Tm, O> Future for Hedged<F, Fut, C, H, K, Tm, O>
where
    F: MakeAttempt<Fut>,
    Fut: Future<Output = Result<T, E>>,
    C: Classifier<E>,
    O: OkClassifier<T>,
    H: Hook<E>,
    K: BreakerMarker<E>,
    Tm: ArmedTimeout<E>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "`Hedged` polled after it completed");
        if this.started == 0
            && let Err(error) = this.start_first()
        {
            this.done = true;
            return Poll::Ready(Err(error));
        }
        loop {
            if let Some(result) = this.poll_running(cx) {
                // The losers are dropped here: cancelled, permits released.
                this.running.clear();
                this.next = None;
                this.done = true;
                return Poll::Ready(result);
            }
            let more =
                this.stopped.is_none() && this.started < this.options.policy.attempts_limit();
            if this.running.is_empty() && (!more || this.next.is_none()) {
                this.next = None;
                this.done = true;
                return Poll::Ready(this.give_up());
            }
            let Some(next) = this.next.as_mut() else {
                return Poll::Pending;
            };
            if !more || next.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.next = None;
            let trigger = match (&this.last, this.running.is_empty()) {
                // A hint's pause ended, with nothing else running: a retry.
                (Some((_, kind)), true) => Trigger::Failure(*kind),
                _ => Trigger::Delay,
            };
            // Then loop: poll the attempt just started, or end if none could.
            this.start_next(trigger);
        }
    }
}
