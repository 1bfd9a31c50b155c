//! Throttling: a fleet of clients asks more of a server than it can serve;
//! the server answers what is over its capacity with a 429. With and
//! without the adaptive rate limiter, how many answers are throttles and
//! how many calls complete.
//!
//! Real clients run on a paused tokio runtime (virtual time), each a loop
//! of logical calls through the library's function API. With the limiter
//! (`.rate_limiter(..)`), the retry loop makes each attempt first take its
//! turn from a shared [`AdaptiveRateLimiter`] (waiting for it, or ending
//! the call with `RateLimited` when the wait would pass the limiter's
//! `max_wait`) and reports each answer to it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use retry_runtime::{AdaptiveRateLimiter, Classify, Jitter, Policy, RateLimited, Verdict};
use tokio::time::Instant;

/// The shape of a run.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Concurrent clients.
    pub clients: u32,
    /// Time between a client's logical calls.
    pub interval: Duration,
    /// Requests the server serves per second; the rest get a 429.
    pub capacity: u32,
    /// How long the run lasts.
    pub duration: Duration,
    /// The server's answer time.
    pub latency: Duration,
}

impl Setup {
    /// 300 clients asking once a second each of a server that serves 200
    /// requests a second, for 60 s.
    pub const STANDARD: Setup = Setup {
        clients: 300,
        interval: Duration::from_secs(1),
        capacity: 200,
        duration: Duration::from_secs(60),
        latency: Duration::from_millis(10),
    };
}

/// What one run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Logical calls started.
    pub calls: u64,
    /// Calls that ended with an answer served.
    pub completed: u64,
    /// Requests that reached the server.
    pub requests: u64,
    /// Of those, answered with a 429.
    pub throttled: u64,
    /// Calls the limiter gave up (its wait would have passed `max_wait`).
    pub shed_by_limiter: u64,
}

/// The server's answer, classified as HTTP's 429.
#[derive(Debug, thiserror::Error)]
enum SimError {
    #[error("429 too many requests")]
    Throttled,
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
}

impl Classify for SimError {
    fn classify(&self) -> Verdict {
        match self {
            SimError::Throttled => Verdict::throttled(),
            SimError::RateLimited(_) => Verdict::permanent(),
        }
    }
}

/// The clients' policy: 3 attempts, 100 ms base, full jitter.
pub const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100))
    .jitter(Jitter::Full);

/// A server that serves `capacity` requests a second, with bursts of up
/// to a tenth of a second's worth: a token bucket, as API gateways use.
struct Server {
    start: Instant,
    capacity: f64,
    tokens: Cell<f64>,
    last: Cell<f64>,
}

impl Server {
    fn new(start: Instant, capacity: u32) -> Self {
        let capacity = f64::from(capacity);
        Self {
            start,
            capacity,
            tokens: Cell::new(capacity / 10.0),
            last: Cell::new(0.0),
        }
    }

    /// Whether a request arriving now is served (else throttled).
    fn admit(&self) -> bool {
        let now = self.start.elapsed().as_secs_f64();
        let refilled = self.tokens.get() + (now - self.last.get()) * self.capacity;
        self.last.set(now);
        let tokens = refilled.min(self.capacity / 10.0);
        if tokens >= 1.0 {
            self.tokens.set(tokens - 1.0);
            true
        } else {
            self.tokens.set(tokens);
            false
        }
    }
}

#[derive(Default)]
struct Counters {
    calls: Cell<u64>,
    completed: Cell<u64>,
    requests: Cell<u64>,
    throttled: Cell<u64>,
    shed_by_limiter: Cell<u64>,
}

fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

/// One run on a fresh paused runtime, with a fresh limiter when
/// `with_limiter`.
pub fn run(with_limiter: bool, setup: Setup) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    // A fresh limiter per run, as a static is per process: a few bytes
    // leaked per run.
    let limiter: Option<&'static AdaptiveRateLimiter> =
        with_limiter.then(|| &*Box::leak(Box::new(AdaptiveRateLimiter::new("sim"))));
    let counters = Rc::new(Counters::default());
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let start = Instant::now();
        let server = Rc::new(Server::new(start, setup.capacity));
        let clients: Vec<_> = (0..setup.clients)
            .map(|client| {
                let (server, counters) = (server.clone(), counters.clone());
                tokio::task::spawn_local(async move {
                    // Spread the clients over the first interval.
                    tokio::time::sleep(setup.interval * client / setup.clients).await;
                    while start.elapsed() < setup.duration {
                        let began = start.elapsed();
                        bump(&counters.calls);
                        match call(limiter, &server, &counters, setup).await {
                            Ok(()) => bump(&counters.completed),
                            Err(SimError::RateLimited(_)) => bump(&counters.shed_by_limiter),
                            Err(SimError::Throttled) => {}
                        }
                        let next = began + setup.interval;
                        tokio::time::sleep(next.saturating_sub(start.elapsed())).await;
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.expect("a client task");
        }
    });
    Report {
        calls: counters.calls.get(),
        completed: counters.completed.get(),
        requests: counters.requests.get(),
        throttled: counters.throttled.get(),
        shed_by_limiter: counters.shed_by_limiter.get(),
    }
}

/// One logical call: up to 3 attempts. With the limiter, the retry loop
/// paces every attempt through it, first attempts included, and tells it
/// which answers were throttles (kind `throttled`: the 429s).
async fn call(
    limiter: Option<&'static AdaptiveRateLimiter>,
    server: &Server,
    counters: &Counters,
    setup: Setup,
) -> Result<(), SimError> {
    let call = POLICY
        .retry(|| send(server, counters, setup))
        .name("throttle sim");
    match limiter {
        Some(limiter) => call.rate_limiter(limiter).await,
        None => call.await,
    }
}

/// One request to the server: served, or throttled with a 429.
async fn send(server: &Server, counters: &Counters, setup: Setup) -> Result<(), SimError> {
    bump(&counters.requests);
    tokio::time::sleep(setup.latency).await;
    if server.admit() {
        Ok(())
    } else {
        bump(&counters.throttled);
        Err(SimError::Throttled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 clients a second against a capacity of 40, for 20 s.
    const SMALL: Setup = Setup {
        clients: 60,
        interval: Duration::from_secs(1),
        capacity: 40,
        duration: Duration::from_secs(20),
        latency: Duration::from_millis(10),
    };

    #[test]
    fn unpaced_clients_are_throttled_on_every_excess_request() {
        let report = run(false, SMALL);
        assert_eq!(report.calls, 60 * 20, "one call per client per second");
        assert_eq!(report.shed_by_limiter, 0);
        // The server never serves more than its capacity (plus its burst);
        // calls begun before the 20 s end finish within the next second.
        let served = report.requests - report.throttled;
        assert!(served <= 40 * 21 + 4, "{report:?}");
        assert!(report.throttled > report.calls / 2, "{report:?}");
    }

    #[test]
    fn the_limiter_cuts_throttles_tenfold_and_every_call_is_accounted_for() {
        let without = run(false, SMALL);
        let with = run(true, SMALL);
        assert!(
            with.throttled * 10 < without.throttled,
            "{with:?} against {without:?}"
        );
        let served = with.requests - with.throttled;
        assert!(served <= 40 * 21 + 4, "{with:?}");
        // Each call completed, was shed, or ran out of attempts (3 throttles).
        let failed = with.calls - with.completed - with.shed_by_limiter;
        assert!(failed * 3 <= with.throttled, "{with:?}");
    }
}
