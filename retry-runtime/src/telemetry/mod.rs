//! What the engine tells the outside about each call: `tracing` events
//! (feature `tracing`), `metrics` counters (feature `metrics`) and per-name
//! [`Stats`] (feature `stats`). Every function here compiles to nothing
//! when its features are off.

#[cfg(feature = "tracing")]
mod log;
#[cfg(feature = "metrics")]
mod metrics;
#[cfg(any(feature = "metrics", feature = "stats"))]
mod names;
#[cfg(feature = "stats")]
mod stats;

use core::fmt;
use core::time::Duration;

#[cfg(feature = "stats")]
pub use stats::{Stats, stats};

use crate::breaker::BreakerState;
use crate::classify::Kind;

/// Formats an error for events, when its type can be displayed.
pub(crate) type ErrorText<E> = Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result>;

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The first attempt succeeded.
    SuccessFirstTry,
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
    /// The retry budget could not pay for a retry.
    Budget,
    /// The circuit breaker was open.
    Rejected,
}

// Read only by the features that report endings.
#[cfg_attr(
    not(all(feature = "tracing", any(feature = "metrics", feature = "stats"))),
    allow(dead_code)
)]
impl Ending {
    /// The `reason` of a give-up event.
    #[cfg(feature = "tracing")]
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Ending::SuccessFirstTry | Ending::SuccessAfterRetry => "success",
            Ending::Permanent => "permanent",
            Ending::Exhausted => "exhausted",
            Ending::HintTooLong => "hint_too_long",
            Ending::MaxElapsed => "max_elapsed",
            Ending::Budget => "budget",
            Ending::Rejected => "rejected",
        }
    }

    /// The position of the call's outcome in [`OUTCOMES`]: six values, so
    /// the limits that end a call early count as exhausted.
    #[cfg(any(feature = "metrics", feature = "stats"))]
    pub(crate) const fn outcome_index(self) -> usize {
        match self {
            Ending::SuccessFirstTry => 0,
            Ending::SuccessAfterRetry => 1,
            Ending::Permanent => 2,
            Ending::Exhausted | Ending::HintTooLong | Ending::MaxElapsed => 3,
            Ending::Budget => 4,
            Ending::Rejected => 5,
        }
    }
}

/// The outcomes a call is counted under (the `outcome` label).
#[cfg(feature = "metrics")]
pub(crate) const OUTCOMES: [&str; 6] = [
    "success_first_try",
    "success_after_retry",
    "failed_permanent",
    "failed_exhausted",
    "failed_budget",
    "rejected_open",
];

/// An error shown through its `ErrorText`.
#[cfg(feature = "tracing")]
pub(crate) struct Shown<'a, E>(
    pub(crate) &'a E,
    pub(crate) fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result,
);

#[cfg(feature = "tracing")]
impl<E> fmt::Display for Shown<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.1)(self.0, f)
    }
}

/// One retry is about to sleep.
#[allow(unused_variables)]
pub(crate) fn retrying<E>(
    name: &'static str,
    attempt: u32,
    max_attempts: u32,
    delay: Duration,
    kind: Kind,
    error: (&E, ErrorText<E>),
) {
    #[cfg(feature = "tracing")]
    log::retrying(name, attempt, max_attempts, delay, kind, error);
    #[cfg(feature = "metrics")]
    metrics::retrying(name, delay);
    #[cfg(feature = "stats")]
    stats::retrying(name, delay);
}

/// A call ended after `attempts` attempts; `error` is its error, if it
/// failed.
#[allow(unused_variables)]
pub(crate) fn finished<E>(
    name: &'static str,
    ending: Ending,
    attempts: u32,
    error: Option<(&E, ErrorText<E>)>,
) {
    #[cfg(feature = "tracing")]
    log::finished(name, ending, attempts, error);
    #[cfg(feature = "metrics")]
    metrics::finished(name, ending, attempts);
    #[cfg(feature = "stats")]
    stats::finished(name, ending, attempts);
}

/// A circuit breaker moved to `state`.
#[allow(unused_variables)]
pub(crate) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    #[cfg(feature = "tracing")]
    log::breaker_changed(breaker, state);
    #[cfg(feature = "metrics")]
    metrics::breaker_changed(breaker, state);
}
