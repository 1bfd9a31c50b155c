//! The contention simulation of Marc Brooker's "Exponential Backoff And
//! Jitter" (AWS Architecture Blog, 2015), with the delays drawn from this
//! library's own [`Policy`].
//!
//! N clients each want to write one shared row once, with optimistic
//! concurrency: a client reads the row's version, and its write, arriving
//! one network delay later, succeeds only if nobody wrote since that read.
//! A client whose write fails waits its policy's next delay, then reads and
//! writes again. Network delays are |Normal(10 ms, 2 ms)|. Time is virtual
//! (nanoseconds in a priority queue): nothing sleeps, and a seed fixes
//! every draw.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use retry_runtime::{Delays, Jitter, Policy};

/// A backoff strategy of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Retry at once.
    NoBackoff,
    /// Exponential backoff, no jitter.
    Exponential,
    /// Exponential backoff with the given jitter.
    Jittered(Jitter),
}

impl Strategy {
    /// The five strategies of the article, in its order.
    pub const ALL: [Strategy; 5] = [
        Strategy::NoBackoff,
        Strategy::Exponential,
        Strategy::Jittered(Jitter::Full),
        Strategy::Jittered(Jitter::Equal),
        Strategy::Jittered(Jitter::Decorrelated),
    ];

    /// A short name for tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::NoBackoff => "no backoff",
            Strategy::Exponential => "exponential",
            Strategy::Jittered(Jitter::Full) => "full jitter",
            Strategy::Jittered(Jitter::Equal) => "equal jitter",
            Strategy::Jittered(Jitter::Decorrelated) => "decorrelated",
            Strategy::Jittered(_) => "other jitter",
        }
    }

    /// The strategy's color in charts.
    pub fn color(self) -> &'static str {
        match self {
            Strategy::NoBackoff => "#d62728",
            Strategy::Exponential => "#7f7f7f",
            Strategy::Jittered(Jitter::Full) => "#1f77b4",
            Strategy::Jittered(Jitter::Equal) => "#2ca02c",
            _ => "#9467bd",
        }
    }

    /// The policy of the simulation: base 5 ms, cap 2 s, doubling, no limit
    /// on attempts.
    pub fn policy(self) -> Policy {
        let policy = Policy::new()
            .max_attempts(u32::MAX)
            .base_delay(Duration::from_millis(5))
            .max_delay(Duration::from_secs(2))
            .multiplier(2.0);
        match self {
            Strategy::NoBackoff => policy.base_delay(Duration::ZERO),
            Strategy::Exponential => policy.jitter(Jitter::None),
            Strategy::Jittered(jitter) => policy.jitter(jitter),
        }
    }
}

/// What one run cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Writes sent, successful or not.
    pub calls: u64,
    /// When the last client's write succeeded.
    pub completion: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The client reads the row (starting an attempt).
    Read { client: usize },
    /// The client's write arrives, conditional on the version it read.
    Write { client: usize, read_version: u64 },
}

/// One run with `clients` clients; `seed` fixes the network delays and the
/// jitter.
pub fn run(strategy: Strategy, clients: usize, seed: u64) -> Outcome {
    let policy = strategy.policy();
    let mut network_rng = StdRng::seed_from_u64(seed);
    let network: Normal<f64> = Normal::new(10.0e6, 2.0e6).expect("a valid normal distribution");
    let mut delays: Vec<Delays> = (0..clients)
        .map(|client| {
            policy.delays_seeded(seed.wrapping_mul(1_000_003).wrapping_add(client as u64))
        })
        .collect();
    // Min-heap on (time, sequence): ties resolve in scheduling order.
    let mut queue = BinaryHeap::new();
    let mut sequence = 0u64;
    let mut schedule = |queue: &mut BinaryHeap<_>, at: u64, event: Event| {
        queue.push(Reverse((at, sequence, event)));
        sequence += 1;
    };
    for client in 0..clients {
        schedule(&mut queue, 0, Event::Read { client });
    }
    let (mut version, mut calls, mut done, mut completion) = (0u64, 0u64, 0usize, 0u64);
    while let Some(Reverse((now, _, event))) = queue.pop() {
        match event {
            Event::Read { client } => {
                let latency = network.sample(&mut network_rng).abs() as u64;
                schedule(
                    &mut queue,
                    now + latency,
                    Event::Write {
                        client,
                        read_version: version,
                    },
                );
            }
            Event::Write {
                client,
                read_version,
            } => {
                calls += 1;
                if read_version == version {
                    version += 1;
                    done += 1;
                    completion = now;
                } else {
                    let delay = delays[client].next().unwrap_or_default();
                    let delay = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
                    schedule(
                        &mut queue,
                        now.saturating_add(delay),
                        Event::Read { client },
                    );
                }
            }
        }
    }
    debug_assert_eq!(done, clients);
    Outcome {
        calls,
        completion: Duration::from_nanos(completion),
    }
}

/// The mean of `runs` runs (seeds `0..runs`).
pub fn mean(strategy: Strategy, clients: usize, runs: u64) -> Outcome {
    let total =
        (0..runs)
            .map(|seed| run(strategy, clients, seed))
            .fold(Outcome::default(), |sum, o| Outcome {
                calls: sum.calls + o.calls,
                completion: sum.completion + o.completion,
            });
    Outcome {
        calls: total.calls / runs.max(1),
        completion: total.completion / runs.max(1) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_client_writes_once() {
        for strategy in Strategy::ALL {
            let outcome = run(strategy, 1, 3);
            assert_eq!(outcome.calls, 1, "{strategy:?}");
        }
    }

    #[test]
    fn every_client_finishes_and_runs_are_reproducible() {
        for strategy in Strategy::ALL {
            let first = run(strategy, 25, 42);
            assert_eq!(first, run(strategy, 25, 42), "{strategy:?}");
            // At least one write per client; the first write always wins.
            assert!(first.calls >= 25, "{strategy:?}: {first:?}");
        }
    }

    #[test]
    fn two_clients_reading_together_collide_once() {
        // Both read version 0 at t = 0; the first write to arrive wins and
        // the other fails exactly once (then writes alone).
        for seed in 0..20 {
            assert_eq!(run(Strategy::Exponential, 2, seed).calls, 3);
        }
    }

    #[test]
    fn the_policy_supplies_the_delays() {
        let delays: Vec<_> = Strategy::Exponential.policy().delays().take(4).collect();
        assert_eq!(delays, [5, 10, 20, 40].map(Duration::from_millis));
        assert!(
            Strategy::NoBackoff
                .policy()
                .delays()
                .take(10)
                .all(|d| d.is_zero())
        );
    }
}
