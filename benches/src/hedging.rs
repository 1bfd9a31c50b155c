//! Hedged requests against a server with a long tail: most answers come in
//! about 10 ms, a few take ten times as long. Without hedging, the slow
//! answers are the p99; with a hedge delay just above the usual latency, a
//! slow attempt is overtaken by a second one. What it costs: the extra
//! attempts the server sees (the losers are cancelled, but they were sent).
//!
//! Calls run one after another on a paused tokio runtime (virtual time),
//! through the library's function API; each attempt's latency is drawn
//! from a seeded RNG, so every run prints the same figures.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use retry_runtime::{Policy, RetryBudget};
use tokio::time::Instant;

/// The server's answer times.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    /// Share of answers that are slow, in percent.
    pub slow_percent: u32,
    /// A usual answer: uniform in this range, in ms.
    pub fast_ms: (u64, u64),
    /// A slow answer, in ms.
    pub slow_ms: u64,
}

impl Latency {
    /// 95% of answers in 8-12 ms, 5% in 100 ms (10x slower).
    pub const TAIL: Latency = Latency {
        slow_percent: 5,
        fast_ms: (8, 12),
        slow_ms: 100,
    };

    /// A degraded server: half the answers are slow.
    pub const DEGRADED: Latency = Latency {
        slow_percent: 50,
        ..Latency::TAIL
    };

    fn draw(self, rng: &mut StdRng) -> Duration {
        let ms = if rng.random_range(0..100) < self.slow_percent {
            self.slow_ms
        } else {
            rng.random_range(self.fast_ms.0..=self.fast_ms.1)
        };
        Duration::from_millis(ms)
    }
}

/// How the calls are made.
#[derive(Clone, Copy, Debug)]
pub struct Hedging {
    /// The hedge delay; `None`: no hedging, one attempt per call.
    pub delay: Option<Duration>,
    /// At most this many attempts per call.
    pub max_attempts: u32,
    /// Pay hedges from a `RetryBudget` with the default settings.
    pub budget: bool,
}

/// What a run saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Calls made.
    pub calls: u64,
    /// Attempts the server received, the cancelled ones included.
    pub attempts: u64,
    /// Call latencies at the 50th, 95th and 99th percentiles, and the
    /// longest.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// The slowest call.
    pub max: Duration,
}

impl Report {
    /// Extra attempts per call, in percent of the calls.
    pub fn extra_load_percent(&self) -> f64 {
        (self.attempts - self.calls) as f64 * 100.0 / self.calls as f64
    }
}

/// `calls` calls, one after another, with a fresh RNG seeded by `seed`.
pub fn run(latency: Latency, hedging: Hedging, calls: u64, seed: u64) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let budget: &'static RetryBudget = Box::leak(Box::new(RetryBudget::new()));
    let rng = RefCell::new(StdRng::seed_from_u64(seed));
    let attempts = Cell::new(0u64);
    let mut took = Vec::with_capacity(calls as usize);
    runtime.block_on(async {
        let attempt = || {
            attempts.set(attempts.get() + 1);
            let wait = latency.draw(&mut rng.borrow_mut());
            async move {
                tokio::time::sleep(wait).await;
                Ok::<_, io::Error>(())
            }
        };
        let policy = Policy::new().max_attempts(hedging.max_attempts);
        for _ in 0..calls {
            let start = Instant::now();
            let result = match (hedging.delay, hedging.budget) {
                (None, _) => attempt().await,
                (Some(delay), false) => policy.retry(attempt).hedge(delay).await,
                (Some(delay), true) => policy.retry(attempt).budget(budget).hedge(delay).await,
            };
            result.expect("every attempt succeeds");
            took.push(start.elapsed());
        }
    });
    took.sort();
    let at = |percent: usize| took[(took.len() * percent / 100).min(took.len() - 1)];
    Report {
        calls,
        attempts: attempts.get(),
        p50: at(50),
        p95: at(95),
        p99: at(99),
        max: *took.last().expect("at least one call"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_hedging_the_slow_answers_are_the_p99_and_hedging_removes_them() {
        let plain = Hedging {
            delay: None,
            max_attempts: 1,
            budget: false,
        };
        let report = run(Latency::TAIL, plain, 2_000, 7);
        assert_eq!(report.attempts, 2_000);
        assert_eq!(report.p99, Duration::from_millis(100));
        let hedged = Hedging {
            delay: Some(Duration::from_millis(15)),
            max_attempts: 3,
            budget: false,
        };
        let report = run(Latency::TAIL, hedged, 2_000, 7);
        assert!(report.p99 <= Duration::from_millis(27), "{report:?}");
        assert!(report.attempts > 2_000, "{report:?}");
    }
}
