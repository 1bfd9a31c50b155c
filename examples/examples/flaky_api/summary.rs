//! The closing table: per API, what the library's statistics and the
//! breaker say happened.

use retry_runtime::{CircuitBreaker, Stats, stats};

/// One row: an API, the call names its methods carry, its breaker.
pub struct Api {
    /// The row's label.
    pub label: &'static str,
    /// The `name`s of its retried methods.
    pub names: &'static [&'static str],
    /// Its circuit breaker.
    pub breaker: &'static CircuitBreaker,
}

/// Prints the table; returns the attempts of every API together.
pub fn print(apis: &[Api]) -> u64 {
    let mut attempts = 0;
    println!(
        "\n{:<12} {:>5} {:>8} {:>7} {:>8}   {:>6} {:>8} {:>9} {:>9} {:>6} {:>12} {:>8}   {:>5}",
        "API",
        "calls",
        "attempts",
        "retries",
        "waited",
        "ok 1st",
        "ok retry",
        "permanent",
        "exhausted",
        "budget",
        "breaker open",
        "rejected",
        "trips"
    );
    for api in apis {
        let s = totals(api.names);
        attempts += s.attempts;
        println!(
            "{:<12} {:>5} {:>8} {:>7} {:>8}   {:>6} {:>8} {:>9} {:>9} {:>6} {:>12} {:>8}   {:>5}",
            api.label,
            s.calls,
            s.attempts,
            s.retries,
            format!("{:.2?}", s.waited),
            s.success_first_try,
            s.success_after_retry,
            s.failed_permanent,
            s.failed_exhausted,
            s.failed_budget,
            s.failed_breaker_open,
            s.rejected_open,
            api.breaker.trips(),
        );
    }
    attempts
}

/// The statistics of every name, added up.
fn totals(names: &[&str]) -> Stats {
    let mut sum = Stats::default();
    for s in names.iter().filter_map(|name| stats(name)) {
        sum.calls += s.calls;
        sum.attempts += s.attempts;
        sum.retries += s.retries;
        sum.waited += s.waited;
        sum.success_first_try += s.success_first_try;
        sum.success_after_retry += s.success_after_retry;
        sum.failed_permanent += s.failed_permanent;
        sum.failed_exhausted += s.failed_exhausted;
        sum.failed_budget += s.failed_budget;
        sum.failed_breaker_open += s.failed_breaker_open;
        sum.rejected_open += s.rejected_open;
    }
    sum
}
