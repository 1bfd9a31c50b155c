//! A deadline for the whole call, as gRPC's deadline and Envoy's route
//! timeout: [`Policy::deadline`] and what it means for the policy's type.
//!
//! The engine enforces it in two places: when it decides on a retry (no
//! sleep that would leave less than `min_attempt_time` of the deadline for
//! the next attempt: the call ends with the error in hand), and when an
//! attempt starts (the attempt's timeout is clipped to what remains; the
//! first attempt does not start at all when less than `min_attempt_time`
//! remains, and the call ends with `TimedOut`).

use core::time::Duration;

use crate::policy::Policy;
use crate::timeout::NoTimeout;

impl Policy<NoTimeout> {
    /// A deadline for the whole call, attempts, sleeps and server hints
    /// included, counted from the call's start (its first poll).
    ///
    /// - Each attempt's timeout is clipped to what remains of it (with no
    ///   per-attempt [`timeout`](Policy::timeout), what remains is the
    ///   attempt's timeout).
    /// - No retry is made whose delay would leave less than
    ///   [`min_attempt_time`](Policy::min_attempt_time) of it: the call
    ///   ends with that attempt's error.
    /// - When less than `min_attempt_time` remains before the first
    ///   attempt (a deadline passed down from a caller that has run out),
    ///   the call ends with `E::from(TimedOut)` and the body never runs.
    ///
    /// Attempts time out, so the policy becomes a
    /// `Policy<Option<Duration>>` and its error type must implement
    /// `From<TimedOut>`, as with a per-attempt timeout. A blocking call
    /// cannot be interrupted: there the deadline bounds the retries and
    /// sleeps only, and the first attempt always runs.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// const SEARCH: Policy<Option<Duration>> = Policy::new()
    ///     .max_attempts(5)
    ///     .deadline(Duration::from_secs(10));
    /// assert_eq!(SEARCH.deadline, Some(Duration::from_secs(10)));
    /// assert_eq!(SEARCH.timeout, None); // attempts get what remains
    /// ```
    pub const fn deadline(self, limit: Duration) -> Policy<Option<Duration>> {
        self.maybe_timeout(None).deadline(limit)
    }
}

impl Policy<Duration> {
    /// A deadline for the whole call; each attempt's timeout is the
    /// shorter of the per-attempt timeout and what remains of it. See
    /// [`Policy::deadline`](Policy#method.deadline).
    pub const fn deadline(mut self, limit: Duration) -> Self {
        self.deadline = Some(limit);
        self
    }
}

impl Policy<Option<Duration>> {
    /// A deadline for the whole call; each attempt's timeout is the
    /// shorter of the per-attempt timeout, if any, and what remains of it.
    /// See [`Policy::deadline`](Policy#method.deadline).
    pub const fn deadline(mut self, limit: Duration) -> Self {
        self.deadline = Some(limit);
        self
    }
}

/// The shorter of an attempt's own timeout and what remains of the
/// deadline.
#[inline]
pub(crate) fn clip(timeout: Option<Duration>, remaining: Option<Duration>) -> Option<Duration> {
    match (timeout, remaining) {
        (Some(timeout), Some(remaining)) => Some(timeout.min(remaining)),
        (timeout, remaining) => timeout.or(remaining),
    }
}
