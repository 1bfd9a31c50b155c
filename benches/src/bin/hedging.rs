//! Hedged requests against a long-tailed server: p50/p95/p99 of 10,000
//! calls, and the extra attempts, without hedging and with a hedge delay of
//! 15 ms (just above the usual 8-12 ms answer). Prints a table.
//!
//! `cargo run --release -p benches --bin hedging`

use std::time::Duration;

use benches::hedging::{Hedging, Latency, run};

const CALLS: u64 = 10_000;
const SEED: u64 = 2026;

fn main() {
    let delay = Some(Duration::from_millis(15));
    let rows = [
        (
            "5% slow",
            Latency::TAIL,
            "no hedging",
            Hedging {
                delay: None,
                max_attempts: 1,
                budget: false,
            },
        ),
        (
            "5% slow",
            Latency::TAIL,
            "hedge 15ms, max 2",
            Hedging {
                delay,
                max_attempts: 2,
                budget: false,
            },
        ),
        (
            "5% slow",
            Latency::TAIL,
            "hedge 15ms, max 3",
            Hedging {
                delay,
                max_attempts: 3,
                budget: false,
            },
        ),
        (
            "5% slow",
            Latency::TAIL,
            "hedge 15ms, max 3, budget",
            Hedging {
                delay,
                max_attempts: 3,
                budget: true,
            },
        ),
        (
            "50% slow",
            Latency::DEGRADED,
            "no hedging",
            Hedging {
                delay: None,
                max_attempts: 1,
                budget: false,
            },
        ),
        (
            "50% slow",
            Latency::DEGRADED,
            "hedge 15ms, max 3",
            Hedging {
                delay,
                max_attempts: 3,
                budget: false,
            },
        ),
        (
            "50% slow",
            Latency::DEGRADED,
            "hedge 15ms, max 3, budget",
            Hedging {
                delay,
                max_attempts: 3,
                budget: true,
            },
        ),
    ];
    println!(
        "{CALLS} calls one after another; answers in 8-12 ms, the slow ones in 100 ms; seed {SEED}\n"
    );
    println!("| server | hedging | p50 | p95 | p99 | max | attempts | extra load |");
    println!("|---|---|---|---|---|---|---|---|");
    for (server, latency, label, hedging) in rows {
        let r = run(latency, hedging, CALLS, SEED);
        println!(
            "| {server} | {label} | {} ms | {} ms | {} ms | {} ms | {} | {:.1}% |",
            r.p50.as_millis(),
            r.p95.as_millis(),
            r.p99.as_millis(),
            r.max.as_millis(),
            r.attempts,
            r.extra_load_percent()
        );
    }
}
