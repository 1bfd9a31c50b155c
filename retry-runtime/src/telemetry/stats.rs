//! Per-name statistics kept with atomics: how many calls, attempts and
//! retries, how long they waited, and how they ended.
//!
//! Kept in the name table (see `names`): recording takes no lock and
//! allocates nothing, and a first-try success costs one lookup and one
//! relaxed increment.

use core::time::Duration;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Ending;
use super::names::{self, SLOTS, Slot};

/// Totals for one name, read with [`stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls that ended (the sum of the six outcomes below).
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
    /// Calls a circuit breaker rejected or stopped.
    pub rejected_open: u64,
}

struct Counters {
    outcomes: [AtomicU64; 6],
    // Attempts of calls other than first-try successes (those are one each).
    other_attempts: AtomicU64,
    retries: AtomicU64,
    waited_nanos: AtomicU64,
}

static TABLE: [Slot<Counters>; SLOTS] = [const {
    Slot {
        name: OnceLock::new(),
        value: Counters {
            outcomes: [const { AtomicU64::new(0) }; 6],
            other_attempts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            waited_nanos: AtomicU64::new(0),
        },
    }
}; SLOTS];

#[inline]
fn counters(name: &'static str) -> Option<&'static Counters> {
    names::find(&TABLE, name)
}

pub(super) fn retrying(name: &'static str, delay: Duration) {
    if let Some(counters) = counters(name) {
        counters.retries.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
        counters.waited_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

#[inline]
pub(super) fn finished(name: &'static str, ending: Ending, attempts: u32) {
    if let Some(counters) = counters(name) {
        counters.outcomes[ending.outcome_index()].fetch_add(1, Ordering::Relaxed);
        if ending != Ending::SuccessFirstTry {
            counters
                .other_attempts
                .fetch_add(u64::from(attempts), Ordering::Relaxed);
        }
    }
}

/// The totals of every call named `name` so far, or `None` if no call of
/// that name has ended (or retried) yet. Calls named alike at several
/// places add up.
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
    for c in names::all_named(&TABLE, name) {
        found = true;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let outcomes = c.outcomes.each_ref().map(load);
        totals.success_first_try += outcomes[0];
        totals.success_after_retry += outcomes[1];
        totals.failed_permanent += outcomes[2];
        totals.failed_exhausted += outcomes[3];
        totals.failed_budget += outcomes[4];
        totals.rejected_open += outcomes[5];
        totals.calls += outcomes.iter().sum::<u64>();
        totals.attempts += outcomes[0] + load(&c.other_attempts);
        totals.retries += load(&c.retries);
        waited_nanos += u128::from(load(&c.waited_nanos));
    }
    let secs = u64::try_from(waited_nanos / 1_000_000_000).unwrap_or(u64::MAX);
    totals.waited = Duration::new(secs, (waited_nanos % 1_000_000_000) as u32);
    found.then_some(totals)
}
