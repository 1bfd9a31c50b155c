//! Brooker's contention simulation over N = 10..190 clients for each
//! strategy (the mean of 100 seeded runs per point): prints the tables and
//! writes `docs/storm-calls.svg` and `docs/storm-time.svg`.
//!
//! `cargo run --release -p benches --bin storm [-- RUNS]`

use std::fs;
use std::path::Path;

use benches::chart::{Labels, Series, line_chart};
use benches::storm::{Outcome, Strategy, mean};

fn main() -> std::io::Result<()> {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let clients: Vec<usize> = (10..=190).step_by(10).collect();
    let results: Vec<Vec<Outcome>> = Strategy::ALL
        .iter()
        .map(|&s| clients.iter().map(|&n| mean(s, n, runs)).collect())
        .collect();

    let header: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
    println!(
        "Brooker's contention simulation, mean of {runs} runs per point (base 5 ms, cap 2 s, network |N(10 ms, 2 ms)|)\n"
    );
    println!("total calls (writes sent, failed ones included)");
    println!(
        "| N | {} |\n|---|{}",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for (i, n) in clients.iter().enumerate() {
        let row: Vec<String> = results.iter().map(|r| r[i].calls.to_string()).collect();
        println!("| {n} | {} |", row.join(" | "));
    }
    println!("\ncompletion time of the last client, ms");
    println!(
        "| N | {} |\n|---|{}",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for (i, n) in clients.iter().enumerate() {
        let row: Vec<String> = results
            .iter()
            .map(|r| format!("{:.0}", r[i].completion.as_secs_f64() * 1e3))
            .collect();
        println!("| {n} | {} |", row.join(" | "));
    }

    // The strategy far above the others is left out of each chart, so the
    // rest stay readable; the tables have it.
    let series = |value: fn(&Outcome) -> f64, left_out: Strategy| -> Vec<Series> {
        Strategy::ALL
            .iter()
            .zip(&results)
            .filter(|(s, _)| **s != left_out)
            .map(|(s, r)| Series {
                name: s.name().to_owned(),
                points: clients
                    .iter()
                    .zip(r)
                    .map(|(&n, o)| (n as f64, value(o)))
                    .collect(),
                color: s.color(),
            })
            .collect()
    };
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    fs::create_dir_all(&docs)?;
    let calls = Labels {
        title: "Total calls (no backoff is off the scale: see the table)",
        x: "clients (N)",
        y: "calls",
    };
    let call_series = series(|o| o.calls as f64, Strategy::NoBackoff);
    fs::write(
        docs.join("storm-calls.svg"),
        line_chart(&calls, &call_series),
    )?;
    let time = Labels {
        title: "Completion time (exponential without jitter is off the scale: see the table)",
        x: "clients (N)",
        y: "milliseconds",
    };
    let time_series = series(|o| o.completion.as_secs_f64() * 1e3, Strategy::Exponential);
    fs::write(docs.join("storm-time.svg"), line_chart(&time, &time_series))?;
    println!("\nwrote docs/storm-calls.svg and docs/storm-time.svg");
    Ok(())
}
