//! The retry budget's arithmetic: exact token counts after scripted calls,
//! through the function API, the blocking twin and the attribute.
//!
//! Each test has its own `static` budget: tests run in parallel. Hooks
//! record what is left at each retry, after the retry has been paid for.

use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Policy, Rejected, RetryBudget, RetryEvent, retry,
};
use tests::{Recorder, TestError, ms};
use tokio::time::sleep;

/// Fails with `script[n]` on call n (0-based), succeeds after the script.
async fn scripted(rec: &Recorder, script: &[TestError]) -> Result<u32, TestError> {
    let n = rec.call();
    match script.get(n as usize - 1) {
        Some(error) => Err(error.clone()),
        None => Ok(n),
    }
}

/// 100 ms between attempts, always.
fn steady(attempts: u32) -> Policy {
    Policy::new()
        .max_attempts(attempts)
        .base_delay(ms(100))
        .max_delay(ms(100))
}

/// Runs `script` under `policy` with `budget`; returns the result and the
/// tokens left at each retry.
async fn run(
    policy: Policy,
    budget: &'static RetryBudget,
    script: &[TestError],
) -> (Result<u32, TestError>, Vec<u32>) {
    let rec = Recorder::new();
    let seen = Mutex::new(Vec::new());
    let result = policy
        .retry(|| scripted(&rec, script))
        .budget(budget)
        .on_retry(|_: &RetryEvent<'_, TestError>| {
            seen.lock().expect("lock").push(budget.available())
        })
        .await;
    (result, seen.into_inner().expect("lock"))
}

const T: TestError = TestError::Transient;

static DEFAULT: RetryBudget = RetryBudget::new();
static SMALL: RetryBudget = RetryBudget::new().capacity(20);

#[test]
fn a_budget_starts_full() {
    assert_eq!(DEFAULT.available(), 500);
    assert_eq!(SMALL.available(), 20);
}

static REFUNDED: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn a_retry_that_succeeds_is_refunded_its_cost() {
    let (result, seen) = run(steady(3), &REFUNDED, &[T]).await;
    assert_eq!(result, Ok(2));
    assert_eq!(seen, [495]);
    assert_eq!(REFUNDED.available(), 500);
}

static KEPT: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn a_call_that_fails_keeps_what_its_retries_cost() {
    let (result, seen) = run(steady(3), &KEPT, &[T, T, T]).await;
    assert_eq!(result, Err(T));
    assert_eq!(seen, [495, 490]);
    assert_eq!(KEPT.available(), 490);
}

static LATEST: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn only_the_retry_that_succeeded_is_refunded() {
    let (result, seen) = run(steady(3), &LATEST, &[T, T]).await;
    assert_eq!(result, Ok(3));
    assert_eq!(seen, [495, 490]);
    assert_eq!(LATEST.available(), 495);
}

static TIMEOUTS: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn a_retry_after_a_timeout_costs_ten() {
    let rec = Recorder::new();
    let seen = Mutex::new(Vec::new());
    let result = steady(3)
        .timeout(Duration::from_secs(1))
        .retry(|| async {
            match rec.call() {
                1 => {
                    sleep(Duration::from_secs(2)).await;
                    Ok(1)
                }
                2 => Err(T),
                n => Ok(n),
            }
        })
        .budget(&TIMEOUTS)
        .on_retry(|_: &RetryEvent<'_, TestError>| {
            seen.lock().expect("lock").push(TIMEOUTS.available())
        })
        .await;
    assert_eq!(result, Ok(3));
    // 10 after the timeout, 5 after the transient error; the success
    // refunds the 5 of the retry that succeeded.
    assert_eq!(seen.into_inner().expect("lock"), [490, 485]);
    assert_eq!(TIMEOUTS.available(), 490);
}

static FIRST_TRIES: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn first_try_successes_refund_one_token_up_to_the_capacity() {
    assert_eq!(run(steady(3), &FIRST_TRIES, &[T, T, T]).await.0, Err(T));
    assert_eq!(FIRST_TRIES.available(), 490);
    for _ in 0..3 {
        assert_eq!(run(steady(3), &FIRST_TRIES, &[]).await, (Ok(1), vec![]));
    }
    assert_eq!(FIRST_TRIES.available(), 493);
    for _ in 0..10 {
        assert_eq!(run(steady(3), &FIRST_TRIES, &[]).await.0, Ok(1));
    }
    assert_eq!(FIRST_TRIES.available(), 500, "capped, not 503");
}

static CUSTOM: RetryBudget = RetryBudget::new()
    .capacity(100)
    .retry_cost(30)
    .timeout_cost(50)
    .first_try_refund(7);

#[tokio::test(start_paused = true)]
async fn custom_costs_and_refunds_apply() {
    let (result, seen) = run(steady(4), &CUSTOM, &[T, T, T]).await;
    assert_eq!(result, Ok(4));
    assert_eq!(seen, [70, 40, 10]);
    assert_eq!(CUSTOM.available(), 40);
    assert_eq!(run(steady(4), &CUSTOM, &[]).await.0, Ok(1));
    assert_eq!(CUSTOM.available(), 47);
}

static SPENT: RetryBudget = RetryBudget::new().capacity(12);

#[tokio::test(start_paused = true)]
async fn no_retry_happens_when_the_budget_cannot_pay_and_the_last_error_is_returned() {
    let rec = Recorder::new();
    let result = steady(5)
        .retry(|| scripted(&rec, &[T, T, T, T, T]))
        .budget(&SPENT)
        .await;
    assert_eq!(result, Err(T));
    assert_eq!(rec.calls(), 3, "12 tokens pay two retries of 5");
    assert_eq!(rec.gaps(), [ms(100), ms(100)]);
    assert_eq!(SPENT.available(), 2);

    let (result, seen) = run(steady(5), &SPENT, &[T]).await;
    assert_eq!((result, seen), (Err(T), vec![]), "2 tokens pay no retry");
    assert_eq!(SPENT.available(), 2);
}

static PERMANENT: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn permanent_errors_cost_nothing() {
    let (result, seen) = run(steady(3), &PERMANENT, &[TestError::Permanent]).await;
    assert_eq!((result, seen), (Err(TestError::Permanent), vec![]));
    assert_eq!(PERMANENT.available(), 500);
}

static EMPTY: RetryBudget = RetryBudget::new().capacity(0);
static FREE: RetryBudget = RetryBudget::new().capacity(10).retry_cost(0);

#[tokio::test(start_paused = true)]
async fn zero_capacity_allows_no_retry_and_zero_cost_retries_are_free() {
    let (result, seen) = run(steady(3), &EMPTY, &[T]).await;
    assert_eq!((result, seen), (Err(T), vec![]));
    let (result, seen) = run(steady(3), &FREE, &[T, T, T]).await;
    assert_eq!((result, seen), (Err(T), vec![10, 10]));
}

static WITH_BREAKER: RetryBudget = RetryBudget::new();
static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("budgeted").failure_threshold(2));

#[tokio::test(start_paused = true)]
async fn a_paid_retry_the_breaker_rejects_is_refunded() {
    let rec = Recorder::new();
    let retrying = Policy::new()
        .base_delay(Duration::from_secs(1))
        .retry(|| scripted(&rec, &[T, T, T]))
        .breaker(&BREAKER)
        .budget(&WITH_BREAKER);
    let tripping = async {
        sleep(ms(500)).await;
        let during = WITH_BREAKER.available();
        let other = Recorder::new();
        let tripped = Policy::new()
            .max_attempts(1)
            .retry(|| scripted(&other, &[T]))
            .breaker(&BREAKER)
            .budget(&WITH_BREAKER)
            .await;
        (during, tripped)
    };
    let (retried, (during, tripped)) = tokio::join!(retrying, tripping);
    assert_eq!(during, 495, "the first retry was paid");
    assert_eq!(tripped, Err(T));
    assert_eq!(
        retried,
        Err(TestError::Rejected(Rejected::new(
            "budgeted",
            BreakerState::Open,
            ms(29_500)
        )))
    );
    assert_eq!(rec.calls(), 1);
    assert_eq!(
        WITH_BREAKER.available(),
        500,
        "the rejected retry gave its 5 back"
    );
}

static BLOCKING: RetryBudget = RetryBudget::new();

#[test]
fn the_blocking_twin_pays_and_refunds_the_same() {
    let call = |fail: u32| {
        let mut n = 0;
        Policy::new()
            .base_delay(Duration::ZERO)
            .retry_blocking(|| {
                n += 1;
                if n <= fail { Err(T) } else { Ok(n) }
            })
            .budget(&BLOCKING)
            .call()
    };
    assert_eq!(call(1), Ok(2));
    assert_eq!(BLOCKING.available(), 500);
    assert_eq!(call(3), Err(T));
    assert_eq!(BLOCKING.available(), 490);
    assert_eq!(call(0), Ok(1));
    assert_eq!(BLOCKING.available(), 491);
}

static ATTRIBUTE: RetryBudget = RetryBudget::new().capacity(12);

#[retry(max_attempts = 4, base_delay = "100ms", max_delay = "100ms", budget = ATTRIBUTE)]
async fn annotated(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    let n = rec.call();
    if n <= fail { Err(T) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn the_attribute_pays_and_refunds_the_same() {
    let rec = Recorder::new();
    assert_eq!(annotated(&rec, 1).await, Ok(2));
    assert_eq!(ATTRIBUTE.available(), 12);
    let rec = Recorder::new();
    assert_eq!(annotated(&rec, 4).await, Err(T));
    assert_eq!(rec.calls(), 3, "two retries paid, the third not");
    assert_eq!(ATTRIBUTE.available(), 2);
}
