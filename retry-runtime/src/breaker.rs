//! [`CircuitBreaker`]: stops calling a service that keeps failing, then
//! lets a few probes test it before traffic resumes.

mod config;
mod packed;

pub use config::{BreakerConfig, BreakerConfigError, FailureRate};

use core::fmt;
use core::time::Duration;

use crate::error::Rejected;
use crate::sync::{AtomicU64, Ordering};
use crate::telemetry;
use packed::PackedState;

/// A circuit breaker shared by every call to one service.
///
/// - **Closed**: calls go through; transient failures are counted. After
///   [`failure_threshold`](BreakerConfig::failure_threshold) of them in a
///   row (or a [`failure_rate`](BreakerConfig::failure_rate)), it trips.
/// - **Open**: calls fail at once with [`Rejected`], without running, for
///   [`open_for`](BreakerConfig::open_for).
/// - **Half-open**: the first call after that becomes a probe; up to
///   [`half_open_probes`](BreakerConfig::half_open_probes) probes go
///   through, other calls are rejected. When all of them succeed the
///   breaker closes; the first that fails opens it again for `open_for`.
///   Probes that have not answered within
///   [`probe_timeout`](BreakerConfig::probe_timeout) (by default
///   `open_for`, at least a second) stop holding their places: the next call becomes a fresh
///   probe, and the stale probes count for nothing when they end. So a probe
///   whose body hangs never wedges the breaker.
///
/// Only transient failures count: a permanent error (a 404, a 401) shows
/// the service answered, and counts as a success. A probe whose call is
/// cancelled (its future dropped) or panics gives its place back.
///
/// The state lives in one atomic word (plus the open-until time in a
/// second), so a breaker is lock-free, `const`-constructible and shared as
/// a `static`:
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{BreakerConfig, CircuitBreaker, Rejected, retry};
///
/// static FORGE_BREAKER: CircuitBreaker = CircuitBreaker::new(
///     BreakerConfig::new("forge").failure_threshold(5).open_for(Duration::from_secs(30)),
/// );
///
/// #[derive(Debug, thiserror::Error)]
/// enum ForgeError {
///     #[error(transparent)]
///     Rejected(#[from] Rejected),
///     #[error("forge unavailable")]
///     Unavailable,
/// }
/// # impl retry_runtime::Classify for ForgeError {
/// #     fn classify(&self) -> retry_runtime::Verdict { retry_runtime::Verdict::server() }
/// # }
///
/// #[retry(max_attempts = 3, breaker = FORGE_BREAKER)]
/// async fn fetch() -> Result<u32, ForgeError> {
///     Ok(1)
/// }
/// ```
///
/// Time comes from the async timer's clock for async calls (tokio's, with
/// the `tokio` feature, so paused-time tests can walk a breaker through
/// every state) and from the system clock for blocking ones; a breaker is
/// best used from one kind of call in tests.
pub struct CircuitBreaker {
    config: BreakerConfig,
    word: AtomicU64,
    // Nanoseconds (see `clock::nanos`, bit-cast from i64) at which an open
    // breaker may half-open.
    open_until: AtomicU64,
    // Until when (see `ordered`) the probes of a half-open breaker hold
    // their places: only ever moved later, by each probe admitted.
    probes_until: AtomicU64,
    // How many times it has opened; for telemetry only.
    trips: AtomicU64,
}

/// A breaker's state, as last recorded; see [`CircuitBreaker::state`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are rejected.
    Open,
    /// Probes go through, other calls are rejected.
    HalfOpen,
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        })
    }
}

/// How an admitted call ended, as the breaker counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Success, or a permanent error: the service answered.
    Success,
    /// A transient failure.
    Failure,
}

/// What a permit was given for, so its outcome lands in the right period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ticket {
    /// A call admitted while closed.
    Call { generation: u16 },
    /// A probe admitted while half-open.
    Probe { generation: u16 },
    /// The outcome has been recorded.
    Settled,
}

/// Permission for one attempt. Dropping it unsettled (the attempt was
/// cancelled or panicked) gives a probe's place back.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    ticket: Ticket,
}

impl CircuitBreaker {
    /// A closed breaker behaving as `config` says.
    #[cfg(not(all(test, loom)))]
    pub const fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            word: AtomicU64::new(0),
            open_until: AtomicU64::new(0),
            probes_until: AtomicU64::new(0),
            trips: AtomicU64::new(0),
        }
    }

    /// `new` under loom, whose atomics cannot be built in a `const fn`.
    #[cfg(all(test, loom))]
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            word: AtomicU64::new(0),
            open_until: AtomicU64::new(0),
            probes_until: AtomicU64::new(0),
            trips: AtomicU64::new(0),
        }
    }

    /// The breaker's configuration.
    pub const fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The breaker's name, from its configuration.
    pub const fn name(&self) -> &'static str {
        self.config.name
    }

    /// How many times the breaker has opened (tripped from closed, or
    /// re-opened by a failed probe) since it was created.
    pub fn trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    /// The state as last recorded. An open breaker whose `open_for` has
    /// passed still reads `Open`: it half-opens at the next call.
    pub fn state(&self) -> BreakerState {
        match PackedState::unpack(self.word.load(Ordering::Acquire)) {
            PackedState::Closed { .. } => BreakerState::Closed,
            PackedState::Opening { .. } | PackedState::Open { .. } => BreakerState::Open,
            PackedState::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Whether calls are being rejected for the open duration (no retry
    /// should be scheduled then).
    pub(crate) fn is_open(&self) -> bool {
        self.state() == BreakerState::Open
    }

    /// Lets one attempt through, or says why not. `now` (nanoseconds, see
    /// `clock::nanos`) is read only while the breaker is open.
    pub(crate) fn acquire(&self, now: impl Fn() -> i64) -> Result<Permit<'_>, Rejected> {
        let mut time = None;
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let (next, ticket) = match PackedState::unpack(current) {
                // The common path: one load, no write.
                PackedState::Closed { generation, .. } => {
                    return Ok(self.permit(Ticket::Call { generation }));
                }
                PackedState::Opening { .. } => {
                    return Err(self.rejected(BreakerState::Open, self.config.open_for));
                }
                PackedState::Open { generation } => {
                    // Published before `Open`: this is this period's time,
                    // or a later one's if the state has moved on (and then
                    // the exchange below fails).
                    let until = self.open_until.load(Ordering::Acquire) as i64;
                    let now = *time.get_or_insert_with(&now);
                    if now < until {
                        let left = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
                        return Err(self.rejected(BreakerState::Open, Duration::from_nanos(left)));
                    }
                    self.hold_probes_from(now);
                    let probing = PackedState::HalfOpen {
                        generation,
                        in_flight: 1,
                        succeeded: 0,
                    };
                    (probing, Ticket::Probe { generation })
                }
                PackedState::HalfOpen {
                    generation,
                    in_flight,
                    succeeded,
                } if in_flight.saturating_add(succeeded) >= self.config.probes() => {
                    let now = *time.get_or_insert_with(&now);
                    let until = unordered(self.probes_until.load(Ordering::Acquire));
                    if now < until {
                        let left = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
                        return Err(
                            self.rejected(BreakerState::HalfOpen, Duration::from_nanos(left))
                        );
                    }
                    // The probes in flight are stale: a fresh period, whose
                    // first probe is this call. The stale ones' outcomes
                    // carry the old generation and are ignored.
                    self.hold_probes_from(now);
                    let generation = generation.wrapping_add(1);
                    let probing = PackedState::HalfOpen {
                        generation,
                        in_flight: 1,
                        succeeded: 0,
                    };
                    (probing, Ticket::Probe { generation })
                }
                PackedState::HalfOpen {
                    generation,
                    in_flight,
                    succeeded,
                } => {
                    self.hold_probes_from(*time.get_or_insert_with(&now));
                    let probing = PackedState::HalfOpen {
                        generation,
                        in_flight: in_flight + 1,
                        succeeded,
                    };
                    (probing, Ticket::Probe { generation })
                }
            };
            match self.word.compare_exchange_weak(
                current,
                next.pack(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    if let PackedState::Open { .. } = PackedState::unpack(current) {
                        telemetry::breaker_changed(self.config.name, BreakerState::HalfOpen);
                    }
                    return Ok(self.permit(ticket));
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Lets the probes admitted at `now` hold their places for the probe
    /// timeout. Written before the probe's exchange is tried: whoever then
    /// sees the probe in flight sees its deadline. Never moved earlier, so
    /// a thread that lost a race cannot shorten a later probe's time.
    fn hold_probes_from(&self, now: i64) {
        let limit = i64::try_from(self.config.probe_limit().as_nanos()).unwrap_or(i64::MAX);
        let until = ordered(now.saturating_add(limit));
        self.probes_until.fetch_max(until, Ordering::AcqRel);
    }

    fn permit(&self, ticket: Ticket) -> Permit<'_> {
        Permit {
            breaker: self,
            ticket,
        }
    }

    fn rejected(&self, state: BreakerState, retry_in: Duration) -> Rejected {
        Rejected::new(self.config.name, state, retry_in)
    }

    /// Records the outcome of an admitted attempt. `now` is read only if
    /// this outcome trips the breaker.
    fn settle(&self, ticket: Ticket, outcome: Outcome, now: impl Fn() -> i64) {
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let before = PackedState::unpack(current);
            let next = match (before, ticket) {
                (
                    PackedState::Closed {
                        generation,
                        consecutive,
                        calls,
                        failures,
                    },
                    Ticket::Call { generation: g },
                ) if generation == g => {
                    self.count(generation, consecutive, calls, failures, outcome)
                }
                (
                    PackedState::HalfOpen {
                        generation,
                        in_flight,
                        succeeded,
                    },
                    Ticket::Probe { generation: g },
                ) if generation == g => match outcome {
                    Outcome::Success if succeeded + 1 >= self.config.probes() => {
                        PackedState::Closed {
                            generation: generation.wrapping_add(1),
                            consecutive: 0,
                            calls: 0,
                            failures: 0,
                        }
                    }
                    Outcome::Success => PackedState::HalfOpen {
                        generation,
                        in_flight: in_flight.saturating_sub(1),
                        succeeded: succeeded + 1,
                    },
                    Outcome::Failure => PackedState::Opening {
                        generation: generation.wrapping_add(1),
                    },
                },
                // A permit from an earlier period, or a breaker that has
                // already tripped: nothing left to count.
                _ => return,
            };
            if next == before {
                // A success in a healthy closed breaker: no write, so the
                // success path does not contend on the shared word.
                return;
            }
            match self.word.compare_exchange_weak(
                current,
                next.pack(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    match (before, next) {
                        (_, PackedState::Opening { generation }) => self.open(generation, now()),
                        (PackedState::HalfOpen { .. }, PackedState::Closed { .. }) => {
                            telemetry::breaker_changed(self.config.name, BreakerState::Closed);
                        }
                        _ => {}
                    }
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// The closed state after one more outcome, or `Opening` if it trips.
    fn count(
        &self,
        generation: u16,
        consecutive: u32,
        calls: u32,
        failures: u32,
        outcome: Outcome,
    ) -> PackedState {
        let (consecutive, mut calls, mut failures) = match outcome {
            Outcome::Success => (0, calls + 1, failures),
            Outcome::Failure => (consecutive + 1, calls + 1, failures + 1),
        };
        let mut trip = consecutive >= self.config.threshold();
        match self.config.rate() {
            Some((trip_failures, window)) => {
                trip |= failures >= trip_failures;
                if calls >= window {
                    // The window is over and did not trip: start afresh.
                    (calls, failures) = (0, 0);
                }
            }
            // Without a rate, the window is not counted at all.
            None => (calls, failures) = (0, 0),
        }
        if trip {
            PackedState::Opening {
                generation: generation.wrapping_add(1),
            }
        } else {
            PackedState::Closed {
                generation,
                consecutive,
                calls,
                failures,
            }
        }
    }

    /// Finishes a trip: only the thread whose exchange set `Opening` gets
    /// here, and nothing else moves the state until it publishes `Open`.
    fn open(&self, generation: u16, now: i64) {
        let open_for = i64::try_from(self.config.open_for.as_nanos()).unwrap_or(i64::MAX);
        let until = now.saturating_add(open_for);
        self.open_until.store(until as u64, Ordering::Release);
        self.word
            .store(PackedState::Open { generation }.pack(), Ordering::Release);
        self.trips.fetch_add(1, Ordering::Relaxed);
        telemetry::breaker_changed(self.config.name, BreakerState::Open);
    }

    /// Gives back the place of a probe that ended without an outcome.
    fn abandon(&self, ticket: Ticket) {
        let Ticket::Probe { generation: g } = ticket else {
            return;
        };
        let mut current = self.word.load(Ordering::Acquire);
        loop {
            let next = match PackedState::unpack(current) {
                PackedState::HalfOpen {
                    generation,
                    in_flight,
                    succeeded,
                } if generation == g => PackedState::HalfOpen {
                    generation,
                    in_flight: in_flight.saturating_sub(1),
                    succeeded,
                },
                _ => return,
            };
            match self.word.compare_exchange_weak(
                current,
                next.pack(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

/// A time (signed nanoseconds) as an unsigned number in the same order, so
/// `fetch_max` compares it right.
fn ordered(nanos: i64) -> u64 {
    (nanos as u64) ^ (1 << 63)
}

/// The time `ordered` encoded.
fn unordered(bits: u64) -> i64 {
    (bits ^ (1 << 63)) as i64
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("config", &self.config)
            .finish()
    }
}

impl<'a> Permit<'a> {
    /// The breaker that gave this permit.
    pub(crate) fn breaker(&self) -> &'a CircuitBreaker {
        self.breaker
    }

    /// Whether this permit is a half-open probe (for tests).
    #[cfg(test)]
    pub(crate) fn is_probe(&self) -> bool {
        matches!(self.ticket, Ticket::Probe { .. })
    }

    /// Records how the attempt ended. `now` is read only if it trips the
    /// breaker.
    pub(crate) fn settle(mut self, outcome: Outcome, now: impl Fn() -> i64) {
        let ticket = core::mem::replace(&mut self.ticket, Ticket::Settled);
        self.breaker.settle(ticket, outcome, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.breaker.abandon(self.ticket);
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
