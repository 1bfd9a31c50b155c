//! Throttling with and without the adaptive rate limiter: 300 clients, one
//! call a second each, against a server that serves 200 requests a second
//! and answers the rest with a 429; a 3-attempt policy. Prints a table.
//!
//! `cargo run --release -p benches --bin throttle`

use benches::throttle::{Setup, run};

fn main() {
    let setup = Setup::STANDARD;
    println!(
        "{} clients, one call each per {:?}, server capacity {} requests/s, {:?}; 3 attempts, 100 ms base, full jitter\n",
        setup.clients, setup.interval, setup.capacity, setup.duration
    );
    println!("| clients | calls | completed | requests | throttled | shed by the limiter |");
    println!("|---|---|---|---|---|---|");
    for with_limiter in [false, true] {
        let r = run(with_limiter, setup);
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            if with_limiter {
                "adaptive rate limiter"
            } else {
                "retries only"
            },
            r.calls,
            r.completed,
            r.requests,
            r.throttled,
            r.shed_by_limiter
        );
    }
}
