//! What the engine tells the outside about each call: `tracing` events
//! (feature `tracing`), `metrics` counters (feature `metrics`) and per-name
//! [`Stats`] (feature `stats`), all kept per [`CallSite`]. Every function
//! here compiles to nothing when its features are off.

#[cfg(any(feature = "stats", feature = "metrics"))]
mod first_tries;
#[cfg(feature = "tracing")]
mod log;
#[cfg(feature = "metrics")]
mod metrics;
mod site;
#[cfg(feature = "stats")]
mod stats;
pub(crate) mod text;

use core::fmt;
use core::time::Duration;

#[cfg(any(feature = "stats", feature = "metrics"))]
pub use first_tries::{FirstTriesKey, FirstTriesSlot};
#[cfg(feature = "metrics")]
pub use metrics::flush_metrics;
pub use site::CallSite;

/// Without `stats` or `metrics` nothing counts first tries: the key of an
/// annotated fn's counter is a stand-in.
#[cfg(not(any(feature = "stats", feature = "metrics")))]
#[doc(hidden)]
#[derive(Debug)]
pub struct FirstTriesKey;

/// One first-try success of an annotated fn, counted on this thread; the
/// first on a thread registers the site (`type_name` gives a method's
/// type). Without `stats` or `metrics`, nothing: the site is registered
/// when a call first fails.
#[inline(always)]
#[allow(unused_variables)]
pub(crate) fn annotated_first_try(
    key: &'static FirstTriesKey,
    site: &'static CallSite,
    type_name: impl FnOnce() -> &'static str,
) {
    #[cfg(any(feature = "stats", feature = "metrics"))]
    first_tries::count(key, site, type_name);
}
#[cfg(feature = "stats")]
pub use stats::{Stats, stats};

use crate::breaker::BreakerState;
use crate::classify::Kind;

/// Formats an error for events, when its type can be displayed.
pub(crate) type ErrorText<E> = Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result>;

/// What made an attempt fail, as events show it (only the `tracing`
/// events read it).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) enum Cause<'a, E> {
    /// An error, shown with its text (if its type has one).
    Error(&'a E, ErrorText<E>),
    /// An `Ok` value classified transient (`when_ok`); values are not shown.
    Value,
}

#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
impl<E> Cause<'_, E> {
    /// The `retry.on` field: which side of the `Result` failed.
    pub(crate) const fn on(&self) -> &'static str {
        match self {
            Cause::Error(..) => "error",
            Cause::Value => "ok",
        }
    }
}

/// How a call that needed more than its first try ended, in the detail the
/// log shows. (A first-try success is only counted:
/// [`first_try_succeeded`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// An attempt after a retry succeeded.
    SuccessAfterRetry,
    /// The error was permanent.
    Permanent,
    /// No attempts left.
    Exhausted,
    /// The server asked for a wait above `max_retry_after`.
    HintTooLong,
    /// The next sleep would have ended past `max_elapsed`.
    MaxElapsed,
    /// The deadline left too little for another attempt.
    Deadline,
    /// The retry budget could not pay for a retry.
    Budget,
    /// Attempts were made, then the circuit breaker was open.
    BreakerOpen,
    /// The circuit breaker refused the call before any attempt.
    Rejected,
    /// The adaptive rate limiter would have held the next attempt back
    /// longer than its `max_wait`.
    RateLimited,
}

/// How a call ended, as metrics and [`Stats`] count it: the limits that end
/// a call early count as exhausted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(any(feature = "metrics", feature = "stats")), allow(dead_code))]
pub(crate) enum Outcome {
    SuccessFirstTry,
    SuccessAfterRetry,
    FailedPermanent,
    FailedExhausted,
    FailedBudget,
    FailedBreakerOpen,
    RejectedOpen,
    RateLimited,
}

#[cfg_attr(not(any(feature = "metrics", feature = "stats")), allow(dead_code))]
impl Outcome {
    /// Every outcome, in the order of their discriminants.
    pub(crate) const ALL: [Outcome; 8] = [
        Outcome::SuccessFirstTry,
        Outcome::SuccessAfterRetry,
        Outcome::FailedPermanent,
        Outcome::FailedExhausted,
        Outcome::FailedBudget,
        Outcome::FailedBreakerOpen,
        Outcome::RejectedOpen,
        Outcome::RateLimited,
    ];

    /// The `outcome` label, and the name of the [`Stats`] field.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Outcome::SuccessFirstTry => "success_first_try",
            Outcome::SuccessAfterRetry => "success_after_retry",
            Outcome::FailedPermanent => "failed_permanent",
            Outcome::FailedExhausted => "failed_exhausted",
            Outcome::FailedBudget => "failed_budget",
            Outcome::FailedBreakerOpen => "failed_breaker_open",
            Outcome::RejectedOpen => "rejected_open",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

#[cfg_attr(
    not(any(feature = "tracing", feature = "metrics", feature = "stats")),
    allow(dead_code)
)]
impl Ending {
    /// The `reason` of a give-up event.
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Ending::SuccessAfterRetry => "success",
            Ending::Permanent => "permanent",
            Ending::Exhausted => "exhausted",
            Ending::HintTooLong => "hint_too_long",
            Ending::MaxElapsed => "max_elapsed",
            Ending::Deadline => "deadline",
            Ending::Budget => "budget",
            Ending::BreakerOpen => "breaker_open",
            Ending::Rejected => "rejected",
            Ending::RateLimited => "rate_limited",
        }
    }

    /// The outcome it is counted under.
    pub(crate) const fn outcome(self) -> Outcome {
        match self {
            Ending::SuccessAfterRetry => Outcome::SuccessAfterRetry,
            Ending::Permanent => Outcome::FailedPermanent,
            Ending::Exhausted | Ending::HintTooLong | Ending::MaxElapsed | Ending::Deadline => {
                Outcome::FailedExhausted
            }
            Ending::Budget => Outcome::FailedBudget,
            Ending::BreakerOpen => Outcome::FailedBreakerOpen,
            Ending::Rejected => Outcome::RejectedOpen,
            Ending::RateLimited => Outcome::RateLimited,
        }
    }
}

/// An error shown through its `ErrorText`.
#[cfg(feature = "tracing")]
pub(crate) struct Shown<'a, E>(
    pub(crate) &'a E,
    pub(crate) fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result,
);

#[cfg(feature = "tracing")]
impl<E> fmt::Display for Shown<'_, E> {
    /// At most `text::MAX_TEXT` bytes of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Whole<'a, E>(&'a Shown<'a, E>);
        impl<E> fmt::Display for Whole<'_, E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                (self.0.1)(self.0.0, f)
            }
        }
        let mut bounded = text::Bounded::new(f);
        fmt::write(&mut bounded, format_args!("{}", Whole(self)))?;
        bounded.finish()
    }
}

/// A call succeeded at its first attempt: the one event every call that
/// needed no retry records, so it touches nothing but its own thread's
/// counter of its own site.
#[inline]
#[allow(unused_variables)]
pub(crate) fn first_try_succeeded(site: &'static CallSite) {
    site.first_try();
}

/// One retry is about to sleep.
#[allow(unused_variables)]
pub(crate) fn retrying<E>(
    site: &'static CallSite,
    attempt: u32,
    max_attempts: u32,
    delay: Duration,
    kind: Kind,
    cause: Cause<'_, E>,
) {
    #[cfg(feature = "tracing")]
    log::retrying(site.name(), attempt, max_attempts, delay, kind, cause);
    #[cfg(feature = "metrics")]
    metrics::retrying(site, delay);
    #[cfg(feature = "stats")]
    stats::retrying(site, delay);
}

/// A hedged call starts attempt number `attempt` while the others run on,
/// `after` the previous one started.
#[allow(unused_variables)]
pub(crate) fn hedging(site: &'static CallSite, attempt: u32, max_attempts: u32, after: Duration) {
    #[cfg(feature = "tracing")]
    log::hedging(site.name(), attempt, max_attempts, after);
}

/// A call that needed more than a first try ended after `attempts`
/// attempts; `cause` is what failed last, if it gave up.
#[allow(unused_variables)]
pub(crate) fn finished<E>(
    site: &'static CallSite,
    ending: Ending,
    attempts: u32,
    cause: Option<Cause<'_, E>>,
) {
    #[cfg(feature = "tracing")]
    log::finished(site.name(), ending, attempts, cause);
    #[cfg(feature = "metrics")]
    metrics::finished(site, ending, attempts);
    #[cfg(feature = "stats")]
    stats::finished(site, ending, attempts);
}

/// A circuit breaker moved to `state`.
#[allow(unused_variables)]
pub(crate) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    #[cfg(feature = "tracing")]
    log::breaker_changed(breaker, state);
    #[cfg(feature = "metrics")]
    metrics::breaker_changed(breaker, state);
}
