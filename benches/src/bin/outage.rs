//! Outage amplification for each protection: 1,000 clients, a 60 s outage
//! then recovery, a 3-attempt policy. Prints a table.
//!
//! `cargo run --release -p benches --bin outage`

use benches::outage::{Protection, Setup, run};

fn main() {
    let setup = Setup::STANDARD;
    println!(
        "{} clients, one call each per {:?}, server down for the first {:?} of {:?}; 3 attempts, 100 ms base, full jitter\n",
        setup.clients, setup.interval, setup.outage, setup.duration
    );
    println!(
        "| protection | calls in outage | requests in outage | requests per call | requests after | successes after |"
    );
    println!("|---|---|---|---|---|---|");
    for protection in Protection::ALL {
        let r = run(protection, setup);
        println!(
            "| {} | {} | {} | {:.4} | {} | {}/{} |",
            protection.name(),
            r.calls_in_outage,
            r.requests_in_outage,
            r.amplification(),
            r.requests_after,
            r.successes_after,
            r.calls_after
        );
    }
}
