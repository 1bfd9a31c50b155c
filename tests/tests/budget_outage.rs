//! A simulated outage: every call fails transiently. With a retry budget,
//! the retries all callers make together stay within what the budget
//! allows (capacity / cost = 100 with the defaults), however many calls
//! there are; without one, every call retries in full.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{BreakerConfig, CircuitBreaker, Jitter, Policy, RetryBudget};
use tests::{Recorder, TestError};

/// Three attempts, jittered: two retries wanted per call.
const API: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(10))
    .jitter(Jitter::Full);

async fn down(rec: &Recorder) -> Result<u32, TestError> {
    rec.call();
    Err(TestError::Transient)
}

async fn up(rec: &Recorder) -> Result<u32, TestError> {
    Ok(rec.call())
}

static SEQUENTIAL: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn sequential_calls_during_an_outage_retry_only_what_the_budget_pays_for() {
    let rec = Recorder::new();
    for _ in 0..300 {
        let result = API.retry(|| down(&rec)).budget(&SEQUENTIAL).await;
        assert_eq!(result, Err(TestError::Transient));
    }
    // 300 first attempts + exactly 100 retries (500 tokens / 5): the first
    // 50 calls retry twice, the other 250 not at all.
    assert_eq!(rec.calls(), 400);
    assert_eq!(SEQUENTIAL.available(), 0);

    let unbudgeted = Recorder::new();
    for _ in 0..300 {
        API.retry(|| down(&unbudgeted)).await.ok();
    }
    assert_eq!(unbudgeted.calls(), 900, "without a budget: 3x the load");
}

static CONCURRENT: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn concurrent_calls_during_an_outage_share_the_same_hundred_retries() {
    let calls = Arc::new(AtomicU32::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let calls = Arc::clone(&calls);
        tasks.spawn(async move {
            API.retry(|| {
                calls.fetch_add(1, Ordering::Relaxed);
                std::future::ready(Err::<u32, _>(TestError::Transient))
            })
            .budget(&CONCURRENT)
            .await
        });
    }
    let mut failed = 0;
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.expect("no panic"), Err(TestError::Transient));
        failed += 1;
    }
    assert_eq!(failed, 300);
    assert_eq!(calls.load(Ordering::Relaxed), 300 + 100);
    assert_eq!(CONCURRENT.available(), 0);
}

static RECOVERING: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn successes_between_outages_buy_back_one_retry_per_five() {
    let rec = Recorder::new();
    for _ in 0..300 {
        API.retry(|| down(&rec)).budget(&RECOVERING).await.ok();
    }
    assert_eq!(RECOVERING.available(), 0);
    // The service recovers for 50 calls: each first-try success refunds 1.
    for _ in 0..50 {
        assert!(API.retry(|| up(&rec)).budget(&RECOVERING).await.is_ok());
    }
    assert_eq!(RECOVERING.available(), 50);
    // The next outage gets exactly 50 / 5 = 10 retries.
    let second = Recorder::new();
    for _ in 0..100 {
        API.retry(|| down(&second)).budget(&RECOVERING).await.ok();
    }
    assert_eq!(second.calls(), 100 + 10);
    assert_eq!(RECOVERING.available(), 0);
}

static WITH_BREAKER: RetryBudget = RetryBudget::new();
static OUTAGE_BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("outage").failure_threshold(5));

#[tokio::test(start_paused = true)]
async fn a_breaker_and_a_budget_together_stop_the_traffic_after_five_failures() {
    let rec = Recorder::new();
    let mut rejected = 0;
    for _ in 0..300 {
        let result = API
            .retry(|| down(&rec))
            .breaker(&OUTAGE_BREAKER)
            .budget(&WITH_BREAKER)
            .await;
        if matches!(result, Err(TestError::Rejected(_))) {
            rejected += 1;
        }
    }
    // Call 1: 3 attempts (2 retries paid); call 2: its 2nd failure is the
    // 5th in a row, which trips the breaker: no retry into it. The other
    // 298 calls are rejected without running.
    assert_eq!(rec.calls(), 5);
    assert_eq!(rejected, 298);
    assert_eq!(WITH_BREAKER.available(), 500 - 3 * 5);
}
