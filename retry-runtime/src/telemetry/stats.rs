//! Per-name statistics: how many calls, attempts and retries, how long
//! they waited, and how they ended.
//!
//! Kept on each [`CallSite`]: first-try successes in per-thread counters,
//! the rest in the site's shared atomics (they follow a failure, which is
//! rare and costs far more). Reading sums every site of the name.

use core::time::Duration;
use std::sync::atomic::{AtomicU64, Ordering};

use super::site::{CallSite, each_site};
use super::{Ending, Outcome};

/// Totals for one name, read with [`stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls that ended (the sum of the eight outcomes below).
    pub calls: u64,
    /// Attempts made, the first ones included.
    pub attempts: u64,
    /// Retries made (sleeps started).
    pub retries: u64,
    /// Total time the retries slept (or were told to sleep).
    pub waited: Duration,
    /// Calls whose first attempt succeeded.
    pub success_first_try: u64,
    /// Calls that succeeded after one retry or more.
    pub success_after_retry: u64,
    /// Calls that ended on a permanent error.
    pub failed_permanent: u64,
    /// Calls that ran out of attempts, of `max_elapsed`, or met a server
    /// hint above `max_retry_after`.
    pub failed_exhausted: u64,
    /// Calls that ended because the retry budget could not pay.
    pub failed_budget: u64,
    /// Calls that made attempts and then stopped because the circuit
    /// breaker had opened.
    pub failed_breaker_open: u64,
    /// Calls a circuit breaker refused before any attempt.
    pub rejected_open: u64,
    /// Calls the adaptive rate limiter ended: the next attempt would have
    /// waited longer than its `max_wait`.
    pub rate_limited: u64,
}

/// A site's counts of everything but first-try successes.
pub(crate) struct Counters {
    outcomes: [AtomicU64; Outcome::ALL.len()],
    // Attempts of calls other than first-try successes (those are one each).
    other_attempts: AtomicU64,
    retries: AtomicU64,
    waited_nanos: AtomicU64,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Self {
            outcomes: [const { AtomicU64::new(0) }; Outcome::ALL.len()],
            other_attempts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            waited_nanos: AtomicU64::new(0),
        }
    }
}

pub(super) fn retrying(site: &CallSite, delay: Duration) {
    let counters = &site.counters;
    counters.retries.fetch_add(1, Ordering::Relaxed);
    let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
    counters.waited_nanos.fetch_add(nanos, Ordering::Relaxed);
}

/// A call that did not succeed at its first try ended.
pub(super) fn finished(site: &CallSite, ending: Ending, attempts: u32) {
    let counters = &site.counters;
    counters.outcomes[ending.outcome() as usize].fetch_add(1, Ordering::Relaxed);
    counters
        .other_attempts
        .fetch_add(u64::from(attempts), Ordering::Relaxed);
}

/// The totals of every call named `name` so far, or `None` if no call of
/// that name has been made yet. Calls named alike at several places add
/// up.
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use retry_runtime::{Policy, stats};
///
/// let mut calls = 0;
/// let result: Result<u32, io::Error> = Policy::new()
///     .base_delay(Duration::from_millis(1))
///     .retry_blocking(|| {
///         calls += 1;
///         if calls < 2 { Err(io::ErrorKind::ConnectionReset.into()) } else { Ok(calls) }
///     })
///     .name("docs.example")
///     .call();
/// assert_eq!(result.ok(), Some(2));
/// let totals = stats("docs.example").expect("recorded");
/// assert_eq!((totals.calls, totals.attempts, totals.retries), (1, 2, 1));
/// assert_eq!(totals.success_after_retry, 1);
/// assert_eq!(totals.waited, Duration::from_millis(1));
/// ```
pub fn stats(name: &str) -> Option<Stats> {
    let mut found = false;
    let mut totals = Stats::default();
    let mut waited_nanos = 0u128;
    each_site(|site_name, site| {
        if site_name != name {
            return;
        }
        found = true;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let c = &site.counters;
        let first_tries = site.first_tries();
        let count = |outcome: Outcome| match outcome {
            Outcome::SuccessFirstTry => first_tries,
            outcome => load(&c.outcomes[outcome as usize]),
        };
        totals.success_first_try += count(Outcome::SuccessFirstTry);
        totals.success_after_retry += count(Outcome::SuccessAfterRetry);
        totals.failed_permanent += count(Outcome::FailedPermanent);
        totals.failed_exhausted += count(Outcome::FailedExhausted);
        totals.failed_budget += count(Outcome::FailedBudget);
        totals.failed_breaker_open += count(Outcome::FailedBreakerOpen);
        totals.rejected_open += count(Outcome::RejectedOpen);
        totals.rate_limited += count(Outcome::RateLimited);
        totals.calls += Outcome::ALL.iter().map(|o| count(*o)).sum::<u64>();
        totals.attempts += first_tries + load(&c.other_attempts);
        totals.retries += load(&c.retries);
        waited_nanos += u128::from(load(&c.waited_nanos));
    });
    let secs = u64::try_from(waited_nanos / 1_000_000_000).unwrap_or(u64::MAX);
    totals.waited = Duration::new(secs, (waited_nanos % 1_000_000_000) as u32);
    found.then_some(totals)
}
