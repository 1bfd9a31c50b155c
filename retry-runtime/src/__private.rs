//! What the `#[retry]` expansion names. Not public API: no stability
//! promise, hidden from the docs.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

pub use core::any::type_name;
pub use core::time::Duration;
// Chosen by the features: tokio's, or a runtime-neutral timer.
pub use crate::timer::sleep;

pub use crate::attempt::{AttemptContext, InContext};
pub use crate::backoff::Jitter;
pub use crate::engine::{
    AcceptOk, Attempt, ByClassify, CallState, Hook, NoHook, RetryEvent, Step, Unsettled, When,
    WhenOk, first_attempt,
};

use core::ops::Deref;

use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
pub use crate::error::{Rejected, TimedOut};
pub use crate::policy::Policy;
pub use crate::protections::{Pass, Protections};
pub use crate::rate_limit::RateLimited;
use crate::rate_limit::{AdaptiveRateLimiter, Turn};
#[cfg(any(feature = "stats", feature = "metrics"))]
pub use crate::telemetry::FirstTriesSlot;
pub use crate::telemetry::{CallSite, FirstTriesKey};
pub use std::thread_local;

/// `first_try_counter!(KEY)`: the slot of an annotated fn's per-thread
/// first-try counter, as a `thread_local!` named `KEY` (a stand-in
/// without `stats` or `metrics`).
/// A macro, so that the runtime's features, not the user's crate's,
/// decide what is emitted.
pub use crate::__retry_first_try_counter as first_try_counter;

#[cfg(any(feature = "stats", feature = "metrics"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_first_try_counter {
    ($key:ident) => {
        $crate::__private::thread_local! {
            static $key: $crate::__private::FirstTriesSlot = const { $crate::__private::FirstTriesSlot::empty() };
        }
    };
}

#[cfg(not(any(feature = "stats", feature = "metrics")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_first_try_counter {
    ($key:ident) => {
        static $key: $crate::__private::FirstTriesKey = $crate::__private::FirstTriesKey;
    };
}
use crate::timeout::TimedOutAs;
pub use crate::timeout::{ArmedTimeout, TimesOut};

mod checks;
mod retries;
pub use checks::{
    CheckedClassifier, CheckedHook, CheckedOkClassifier, by_classify, by_classify_owned, hook,
    hook_owned, when, when_ok, when_ok_owned, when_owned,
};
pub use retries::{Bounded, Retries, Retrying, Sleeping, retrying};

use crate::telemetry::text;

/// What makes the attempts of a hedged fn, checked once, here: a body
/// that moves an argument out is reported here, and only here.
#[inline(always)]
pub fn attempt_maker<F: FnMut(AttemptContext) -> Fut, Fut>(make: F) -> F {
    make
}

/// What makes the attempts of an async fn whose first attempt runs up
/// front (one async closure, called once per attempt), checked once, here:
/// a body that moves an argument out cannot run twice, and is reported
/// here, at the argument.
#[inline(always)]
pub fn async_attempt_maker<F: AsyncFnMut() -> R, R>(make: F) -> F {
    make
}

/// Sleeps the current thread (for blocking fns).
pub fn sleep_blocking(delay: Duration) {
    std::thread::sleep(delay);
}

/// The first thing an async annotated fn does when polled: with the
/// `tokio` feature, in debug builds, fail now, naming the fn and the fix,
/// if no tokio runtime is current, rather than at the first retry's sleep.
/// Nothing in release builds.
#[inline(always)]
pub fn expect_runtime(site: &'static CallSite) {
    crate::timer::expect_runtime(|| format!("#[retry] async fn `{}`", site.name()));
}

/// The name of a fn that has no `Self` type: never asked for.
pub fn no_type() -> &'static str {
    ""
}

/// The policy as the retry loop reads it, its timeout's type erased (the
/// loop gets the timeout as an [`AttemptLimit`]).
pub fn erased_policy<Tm: Copy>(policy: Policy<Tm>) -> Policy {
    policy.erased()
}

/// A policy's timeout readied for the call's error type `E`, its own type
/// erased: what bounds each attempt ([`timed`]).
pub struct AttemptLimit<E> {
    limit: Option<Duration>,
    timed_out: Option<TimedOutAs<E>>,
}

impl<E> Clone for AttemptLimit<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for AttemptLimit<E> {}

impl<E> AttemptLimit<E> {
    /// No limit: the attempt runs as long as it takes.
    pub const NONE: Self = Self {
        limit: None,
        timed_out: None,
    };
}

impl<E> ArmedTimeout<E> for AttemptLimit<E> {
    fn limit(&self) -> Option<(Duration, TimedOutAs<E>)> {
        self.limit.zip(self.timed_out)
    }

    fn timed_out(&self) -> Option<TimedOutAs<E>> {
        self.timed_out
    }
}

/// The policy's timeout readied for `E`. The expansion spans the call at
/// the `timeout`, `deadline` or `policy` key, so a timeout the error type
/// cannot express (`E: TimesOut<Tm>`) is reported once, there; what it
/// returns needs nothing more.
#[inline]
pub fn arm_timeout<E: TimesOut<Tm>, Tm>(timeout: Tm) -> AttemptLimit<E> {
    let armed = E::arm(timeout);
    AttemptLimit {
        limit: armed.limit().map(|(limit, _)| limit),
        timed_out: armed.timed_out(),
    }
}

/// One attempt of `body`, bounded by `limit` (see [`arm_timeout`]) when it
/// has one, clipped to `remaining` of the deadline
/// ([`CallState::remaining`]). `Err`: the deadline leaves no time for the
/// attempt, which must not start; the call ends with this error.
pub fn timed<F, T, E>(
    limit: AttemptLimit<E>,
    remaining: Result<Option<Duration>, TimedOut>,
    body: F,
) -> Result<Timed<F, E>, E>
where
    F: Future<Output = Result<T, E>>,
{
    let remaining = match (remaining, limit.timed_out()) {
        (Ok(remaining), _) => remaining,
        (Err(expired), Some(timed_out)) => return Err(timed_out(expired)),
        // A deadline set on the field of a `Policy<NoTimeout>`, whose error
        // cannot say "timed out": it cannot end or clip the attempt.
        (Err(_), None) => None,
    };
    Ok(match limit.clipped(remaining) {
        None => Timed::Plain { body },
        Some((limit, timed_out)) => Timed::Bounded {
            body: crate::timer::timeout(limit, body),
            timed_out: TimedOut::new(limit),
            error: timed_out,
        },
    })
}

pin_project_lite::pin_project! {
    /// An attempt in progress; see [`timed`].
    #[project = TimedProjection]
    pub enum Timed<F, E> {
        /// No limit.
        Plain { #[pin] body: F },
        /// With a limit, and how an attempt past it becomes an `E`.
        Bounded {
            #[pin] body: crate::timer::Timeout<F>,
            timed_out: TimedOut,
            error: fn(TimedOut) -> E,
        },
    }
}

impl<F, T, E> Future for Timed<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Attempt<T, E>;

    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Self::Output> {
        use core::task::Poll;
        match self.project() {
            TimedProjection::Plain { body } => body.poll(cx).map(Attempt::Completed),
            TimedProjection::Bounded {
                body,
                timed_out,
                error,
            } => match body.poll(cx) {
                Poll::Ready(Ok(result)) => Poll::Ready(Attempt::Completed(result)),
                Poll::Ready(Err(_)) => Poll::Ready(Attempt::TimedOut(error(*timed_out))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The body of a `#[retry(context)]` async fn, polled with `context` as
/// [`attempt::current`](crate::attempt::current).
/// (`None`: polled as it is.)
pub fn in_context<F: Future>(context: Option<AttemptContext>, body: F) -> InContext<F> {
    InContext::new(context, body)
}

/// The body of a `#[retry(context)]` blocking fn, called with `context` as
/// [`attempt::current`](crate::attempt::current).
pub fn in_context_blocking<R>(context: AttemptContext, body: impl FnOnce() -> R) -> R {
    crate::attempt::scoped(context, body)
}

/// Error types that can stand for a call a circuit breaker rejected.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for a call the circuit breaker rejected: it does not implement `From<retry_runtime::Rejected>`",
    label = "`#[retry]` with `breaker` needs `From<retry_runtime::Rejected>` on the error type",
    note = "while the breaker is open, the function returns this error at once instead of running",
    note = "with thiserror, add a variant: `#[error(transparent)] Rejected(#[from] retry_runtime::Rejected)`"
)]
pub trait FromRejected {
    /// The error for a rejected call.
    fn from_rejected(rejected: Rejected) -> Self;
}

impl<E: From<Rejected>> FromRejected for E {
    fn from_rejected(rejected: Rejected) -> Self {
        E::from(rejected)
    }
}

/// Asks the breaker to let the next attempt through. The expansion passes
/// `FromRejected::from_rejected` as `rejected`, in a closure spanned at the
/// `breaker` key, so a missing `From<Rejected>` is reported once, there.
pub fn start_attempt<E, G>(
    attempts: &mut CallState<'static>,
    site: &'static CallSite,
    guards: Protections<'static>,
    rejected: G,
) -> Result<Pass<'static>, E>
where
    G: FnOnce(Rejected) -> E,
{
    attempts.start_attempt(site, guards).map_err(rejected)
}

/// How `E` shows in log events: picked at the expansion's call site, where
/// `E` is concrete, by autoref specialization — with its causes when it is
/// a `std::error::Error` ([`ShowCauses`]), its alternate `Display` when it
/// has one ([`ShowDisplay`], the whole chain of an `anyhow::Error`), else
/// nothing ([`ShowNothing`]).
pub struct ErrorTextOf<E>(PhantomData<fn(&E)>);

impl<E> ErrorTextOf<E> {
    /// `attempt` back, with the picker for its error type. By value: a
    /// borrow of the attempt would keep it alive across the next await.
    pub fn pick<T>(attempt: Attempt<T, E>) -> (Attempt<T, E>, Self) {
        (attempt, Self(PhantomData))
    }
}

/// How an error shows in events.
pub type ErrorText<E> = Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result>;

// Method lookup on `&&&picker` tries `&self` methods of the impls for
// `&&ErrorTextOf`, then `&ErrorTextOf`, then `ErrorTextOf`: the first whose
// bound holds is chosen.

/// Chosen first, when `E: std::error::Error`.
pub trait ShowCauses<E> {
    /// `E`'s `Display` and its causes.
    fn error_text(&self) -> ErrorText<E>;
}

impl<E: std::error::Error> ShowCauses<E> for &&ErrorTextOf<E> {
    fn error_text(&self) -> ErrorText<E> {
        Some(text::with_causes::<E>)
    }
}

/// Chosen next, when `E: Display`.
pub trait ShowDisplay<E> {
    /// `E`'s alternate `Display`.
    fn error_text(&self) -> ErrorText<E>;
}

impl<E: fmt::Display> ShowDisplay<E> for &ErrorTextOf<E> {
    fn error_text(&self) -> ErrorText<E> {
        Some(text::alternate::<E>)
    }
}

/// Chosen otherwise.
pub trait ShowNothing<E> {
    /// Nothing: the events leave the error out.
    fn error_text(&self) -> ErrorText<E>;
}

impl<E> ShowNothing<E> for ErrorTextOf<E> {
    fn error_text(&self) -> ErrorText<E> {
        None
    }
}

/// What `breaker = path` may name: a `static CircuitBreaker`, or a static
/// that derefs to one (`LazyLock<CircuitBreaker>`, `&'static
/// CircuitBreaker`).
#[diagnostic::on_unimplemented(
    message = "`breaker` must name a `static CircuitBreaker`, and `{Self}` is not one",
    label = "not a `CircuitBreaker`",
    note = "declare it as `static NAME: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new(\"name\"));` (or a `LazyLock<CircuitBreaker>`)"
)]
pub trait SharedBreaker: Sync {
    /// The breaker.
    fn breaker(&self) -> &CircuitBreaker;
}

impl SharedBreaker for CircuitBreaker {
    fn breaker(&self) -> &CircuitBreaker {
        self
    }
}

impl<T: Deref<Target = CircuitBreaker> + Sync> SharedBreaker for T {
    fn breaker(&self) -> &CircuitBreaker {
        self
    }
}

/// What `budget = path` may name: a `static RetryBudget`, or a static that
/// derefs to one.
#[diagnostic::on_unimplemented(
    message = "`budget` must name a `static RetryBudget`, and `{Self}` is not one",
    label = "not a `RetryBudget`",
    note = "declare it as `static NAME: RetryBudget = RetryBudget::new();` (or a `LazyLock<RetryBudget>`)"
)]
pub trait SharedBudget: Sync {
    /// The budget.
    fn budget(&self) -> &RetryBudget;
}

impl SharedBudget for RetryBudget {
    fn budget(&self) -> &RetryBudget {
        self
    }
}

impl<T: Deref<Target = RetryBudget> + Sync> SharedBudget for T {
    fn budget(&self) -> &RetryBudget {
        self
    }
}

/// What `rate_limiter = path` may name: a `static AdaptiveRateLimiter`, or
/// a static that derefs to one.
#[diagnostic::on_unimplemented(
    message = "`rate_limiter` must name a `static AdaptiveRateLimiter`, and `{Self}` is not one",
    label = "not an `AdaptiveRateLimiter`",
    note = "declare it as `static NAME: AdaptiveRateLimiter = AdaptiveRateLimiter::new(\"name\");` (or a `LazyLock<AdaptiveRateLimiter>`)"
)]
pub trait SharedRateLimiter: Sync {
    /// The limiter.
    fn rate_limiter(&self) -> &AdaptiveRateLimiter;
}

impl SharedRateLimiter for AdaptiveRateLimiter {
    fn rate_limiter(&self) -> &AdaptiveRateLimiter {
        self
    }
}

impl<T: Deref<Target = AdaptiveRateLimiter> + Sync> SharedRateLimiter for T {
    fn rate_limiter(&self) -> &AdaptiveRateLimiter {
        self
    }
}

/// Error types that can stand for an attempt the rate limiter refused.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for an attempt the rate limiter refused: it does not implement `From<retry_runtime::RateLimited>`",
    label = "`#[retry]` with `rate_limiter` needs `From<retry_runtime::RateLimited>` on the error type",
    note = "when the limiter would hold an attempt back longer than its `max_wait`, the function returns this error instead",
    note = "with thiserror, add a variant: `#[error(transparent)] RateLimited(#[from] retry_runtime::RateLimited)`"
)]
pub trait FromRateLimited {
    /// The error for a refused attempt.
    fn from_rate_limited(limited: RateLimited) -> Self;
}

impl<E: From<RateLimited>> FromRateLimited for E {
    fn from_rate_limited(limited: RateLimited) -> Self {
        E::from(limited)
    }
}

/// Takes the next attempt's turn from the rate limiter. The expansion
/// passes `FromRateLimited::from_rate_limited` as `limited`, in a closure
/// spanned at the `rate_limiter` key, so a missing `From<RateLimited>` is
/// reported once, there.
pub fn pace<E, G>(
    attempts: &mut CallState<'static>,
    site: &'static CallSite,
    limiter: &'static AdaptiveRateLimiter,
    limited: G,
) -> Result<Turn, E>
where
    G: FnOnce(RateLimited) -> E,
{
    attempts.pace(site, limiter).map_err(limited)
}

/// `Err(E::from(TimedOut))` when the rate limiter's wait would leave the
/// next attempt too little of the deadline (`remaining`, from
/// [`CallState::remaining_after`]); nothing when `E` cannot say "timed
/// out" (a deadline on the field of a `Policy<NoTimeout>`).
pub fn paced_deadline<E, Tm>(
    timeout: Tm,
    remaining: Result<Option<Duration>, TimedOut>,
) -> Result<(), E>
where
    E: TimesOut<Tm>,
{
    match (remaining, E::arm(timeout).timed_out()) {
        (Err(expired), Some(timed_out)) => Err(timed_out(expired)),
        _ => Ok(()),
    }
}
