//! Outage amplification: how many requests a fleet of clients sends a
//! server that rejects everything for a while, with no protection, with a
//! retry budget, with a circuit breaker, and with both.
//!
//! Real clients run on a paused tokio runtime (virtual time: a minute of
//! outage takes milliseconds), each a loop of logical calls through the
//! library's function API with the library's breaker and budget. The
//! server fails every request during the outage and answers after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use retry_runtime::{
    BreakerConfig, CircuitBreaker, Classify, Jitter, Policy, Rejected, RetryBudget, TimedOut,
    Verdict,
};
use tokio::time::Instant;

/// What protects the clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    /// Retries only.
    None,
    /// A shared retry budget (AWS standard shape: 500 tokens, 5 a retry).
    Budget,
    /// A shared circuit breaker (5 consecutive failures, open 5 s, 1 probe).
    Breaker,
    /// Both.
    Both,
}

impl Protection {
    /// All four, in table order.
    pub const ALL: [Protection; 4] = [
        Protection::None,
        Protection::Budget,
        Protection::Breaker,
        Protection::Both,
    ];

    /// A name for the table.
    pub fn name(self) -> &'static str {
        match self {
            Protection::None => "retries only",
            Protection::Budget => "retry budget",
            Protection::Breaker => "circuit breaker",
            Protection::Both => "budget + breaker",
        }
    }
}

/// The shape of a run.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Concurrent clients.
    pub clients: u32,
    /// How long the server rejects everything, from the start.
    pub outage: Duration,
    /// How long the run lasts in all.
    pub duration: Duration,
    /// Time between a client's logical calls.
    pub interval: Duration,
    /// The server's answer time.
    pub latency: Duration,
}

impl Setup {
    /// 1,000 clients, one call a second each, a 60 s outage, 120 s in all.
    pub const STANDARD: Setup = Setup {
        clients: 1000,
        outage: Duration::from_secs(60),
        duration: Duration::from_secs(120),
        interval: Duration::from_secs(1),
        latency: Duration::from_millis(10),
    };
}

/// What the server saw, by the start time of the logical call each
/// request served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Logical calls started during the outage.
    pub calls_in_outage: u64,
    /// Requests those calls sent.
    pub requests_in_outage: u64,
    /// Logical calls started after it.
    pub calls_after: u64,
    /// Requests those calls sent.
    pub requests_after: u64,
    /// Logical calls after the outage that succeeded.
    pub successes_after: u64,
}

impl Report {
    /// Requests per logical call during the outage.
    pub fn amplification(&self) -> f64 {
        self.requests_in_outage as f64 / self.calls_in_outage.max(1) as f64
    }
}

/// The simulated server's failure, classified like a 503.
#[derive(Debug, thiserror::Error)]
enum SimError {
    #[error("503")]
    Unavailable,
    #[error(transparent)]
    Rejected(#[from] Rejected),
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl Classify for SimError {
    fn classify(&self) -> Verdict {
        match self {
            SimError::Unavailable => Verdict::server(),
            SimError::Rejected(_) => Verdict::permanent(),
            SimError::TimedOut(_) => Verdict::timeout(),
        }
    }
}

#[derive(Default)]
struct Counters {
    calls_in_outage: AtomicU64,
    requests_in_outage: AtomicU64,
    calls_after: AtomicU64,
    requests_after: AtomicU64,
    successes_after: AtomicU64,
}

/// The clients' policy: 3 attempts, 100 ms base, full jitter.
pub const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100))
    .jitter(Jitter::Full);

/// One run on a fresh paused runtime (fresh breaker and budget).
pub fn run(protection: Protection, setup: Setup) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    // Leaked so the function API can take them as `&'static`, as a
    // program's statics are; a few bytes per run.
    let breaker: &'static CircuitBreaker = Box::leak(Box::new(CircuitBreaker::new(
        BreakerConfig::new("sim")
            .failure_threshold(5)
            .open_for(Duration::from_secs(5))
            .half_open_probes(1),
    )));
    let budget: &'static RetryBudget = Box::leak(Box::new(RetryBudget::new()));
    let counters = Arc::new(Counters::default());
    runtime.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for client in 0..setup.clients {
            let counters = counters.clone();
            tasks.push(tokio::spawn(async move {
                // Spread the clients over the first interval.
                tokio::time::sleep(setup.interval * client / setup.clients).await;
                while start.elapsed() < setup.duration {
                    let began = start.elapsed();
                    let in_outage = began < setup.outage;
                    let calls = if in_outage {
                        &counters.calls_in_outage
                    } else {
                        &counters.calls_after
                    };
                    calls.fetch_add(1, Ordering::Relaxed);
                    let request = || {
                        let counters = counters.clone();
                        async move {
                            // Counted with the logical call they serve.
                            let requests = if in_outage {
                                &counters.requests_in_outage
                            } else {
                                &counters.requests_after
                            };
                            requests.fetch_add(1, Ordering::Relaxed);
                            let down = start.elapsed() < setup.outage;
                            tokio::time::sleep(setup.latency).await;
                            if down {
                                Err(SimError::Unavailable)
                            } else {
                                Ok(())
                            }
                        }
                    };
                    let result = match protection {
                        Protection::None => POLICY.retry(request).name("sim").await,
                        Protection::Budget => {
                            POLICY.retry(request).budget(budget).name("sim").await
                        }
                        Protection::Breaker => {
                            POLICY.retry(request).breaker(breaker).name("sim").await
                        }
                        Protection::Both => {
                            POLICY
                                .retry(request)
                                .breaker(breaker)
                                .budget(budget)
                                .name("sim")
                                .await
                        }
                    };
                    if result.is_ok() && !in_outage {
                        counters.successes_after.fetch_add(1, Ordering::Relaxed);
                    }
                    let next = began + setup.interval;
                    tokio::time::sleep(next.saturating_sub(start.elapsed())).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("a client task");
        }
    });
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    Report {
        calls_in_outage: load(&counters.calls_in_outage),
        requests_in_outage: load(&counters.requests_in_outage),
        calls_after: load(&counters.calls_after),
        requests_after: load(&counters.requests_after),
        successes_after: load(&counters.successes_after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Down past the end of the run: every call fails, so counts are exact.
    const DOWN: Setup = Setup {
        clients: 20,
        outage: Duration::from_secs(1000),
        duration: Duration::from_secs(10),
        interval: Duration::from_secs(1),
        latency: Duration::from_millis(10),
    };

    #[test]
    fn unprotected_clients_triple_the_load() {
        let report = run(Protection::None, DOWN);
        assert_eq!(report.calls_in_outage, 200);
        assert_eq!(report.requests_in_outage, 600, "3 attempts per call");
    }

    #[test]
    fn the_budget_caps_retries_at_its_capacity() {
        let report = run(Protection::Budget, DOWN);
        // 500 tokens at 5 a retry: 100 retries, then first attempts only.
        assert_eq!(report.requests_in_outage, 200 + 100);
    }

    #[test]
    fn the_breaker_fails_calls_fast_and_recovers() {
        let setup = Setup {
            outage: Duration::from_secs(10),
            duration: Duration::from_secs(20),
            ..DOWN
        };
        let report = run(Protection::Breaker, setup);
        assert!(
            report.requests_in_outage < report.calls_in_outage,
            "{report:?}"
        );
        // After the outage, the breaker half-opens within its 5 s and closes
        // on the first good probe: most later calls get through.
        assert!(
            report.successes_after * 2 > report.calls_after,
            "{report:?}"
        );
    }
}
