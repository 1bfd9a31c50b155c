// Pins: every key at once, each written as a literal (or a path where the
// key takes one); `policy` is overridden by the inline keys.

use std::io;

use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget, RetryEvent, retry};

const BASE: Policy = Policy::new();
static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("all_keys"));
static BUDGET: RetryBudget = RetryBudget::new();

fn is_transient(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::ConnectionReset
}

fn log_retry(event: &RetryEvent<'_, io::Error>) {
    eprintln!(
        "{} attempt {} failed: {:?}",
        event.name, event.attempt, event.error
    );
}

#[retry(
    max_attempts = 5,
    base_delay = "250ms",
    max_delay = "10s",
    multiplier = 1.5,
    jitter = "full",
    max_elapsed = "1m",
    timeout = "2s",
    max_retry_after = "30s",
    when = is_transient,
    on_retry = log_retry,
    policy = BASE,
    breaker = BREAKER,
    budget = BUDGET,
    name = "pass.all_keys",
    crate = retry_runtime,
)]
async fn fetch(id: u32) -> Result<u32, io::Error> {
    Ok(id)
}

#[retry(
    max_attempts = 5,
    base_delay = "1.5s",
    max_delay = "2m",
    multiplier = 3,
    jitter,
    max_elapsed = "1h",
    max_retry_after = "500ms",
    when = is_transient,
    on_retry = log_retry,
    policy = BASE,
    breaker = BREAKER,
    budget = BUDGET,
    name = "pass.all_keys_blocking",
    crate = ::retry_runtime
)]
fn fetch_blocking(id: u32) -> Result<u32, io::Error> {
    Ok(id)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch(1).await.unwrap(), 1);
    assert_eq!(fetch_blocking(2).unwrap(), 2);
}
