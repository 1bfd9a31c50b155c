//! What a cancelled call leaves behind in the shared protections: a call
//! dropped while it sleeps before a retry pays the retry budget nothing,
//! through the attribute and the function API alike; a retry whose attempt
//! has begun keeps its cost, as any retry made.
//!
//! Each test has its own `static` budget: tests run in parallel.

use std::time::Duration;

use retry_runtime::{Policy, RetryBudget, retry};
use tests::{Recorder, TestError, ms};
use tokio::time::timeout;

static ATTRIBUTE: RetryBudget = RetryBudget::new();

#[retry(max_attempts = 3, base_delay = "200ms", max_delay = "200ms", budget = ATTRIBUTE)]
async fn always_failing(rec: &Recorder) -> Result<u32, TestError> {
    rec.call();
    Err(TestError::Transient)
}

#[tokio::test(start_paused = true)]
async fn an_annotated_call_cancelled_in_its_sleep_pays_the_budget_nothing() {
    let rec = Recorder::new();
    for _ in 0..100 {
        // A request deadline shorter than the first backoff.
        assert!(timeout(ms(50), always_failing(&rec)).await.is_err());
    }
    assert_eq!(rec.calls(), 100, "one attempt each, no retry");
    assert_eq!(
        ATTRIBUTE.available(),
        500,
        "no retry happened: nothing spent"
    );
}

static FUNCTION: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn a_function_api_call_cancelled_in_its_sleep_pays_the_budget_nothing() {
    let rec = Recorder::new();
    let policy = Policy::new()
        .max_attempts(3)
        .base_delay(ms(200))
        .max_delay(ms(200));
    for _ in 0..100 {
        let call = policy
            .retry(|| async {
                rec.call();
                Err::<u32, _>(TestError::Transient)
            })
            .budget(&FUNCTION);
        assert!(timeout(ms(50), call).await.is_err());
    }
    assert_eq!(rec.calls(), 100);
    assert_eq!(FUNCTION.available(), 500);
}

static BEGUN: RetryBudget = RetryBudget::new();

#[tokio::test(start_paused = true)]
async fn a_retry_whose_attempt_began_keeps_its_cost() {
    let rec = Recorder::new();
    let call = Policy::new()
        .max_attempts(3)
        .base_delay(ms(200))
        .max_delay(ms(200))
        .retry(|| {
            let n = rec.call();
            async move {
                if n == 1 {
                    Err::<u32, _>(TestError::Transient)
                } else {
                    // The retry hangs until the deadline cancels it.
                    std::future::pending().await
                }
            }
        })
        .budget(&BEGUN);
    assert!(timeout(Duration::from_secs(1), call).await.is_err());
    assert_eq!(rec.calls(), 2);
    assert_eq!(
        BEGUN.available(),
        495,
        "the retry was made: its cost is spent"
    );
}

static FINISHED: RetryBudget = RetryBudget::new();

#[retry(max_attempts = 3, base_delay = "200ms", max_delay = "200ms", budget = FINISHED)]
async fn failing_then_hanging(rec: &Recorder) -> Result<u32, TestError> {
    if rec.call() == 1 {
        return Err(TestError::Transient);
    }
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn an_annotated_retry_whose_attempt_began_keeps_its_cost() {
    let rec = Recorder::new();
    assert!(
        timeout(Duration::from_secs(1), failing_then_hanging(&rec))
            .await
            .is_err()
    );
    assert_eq!(rec.calls(), 2);
    assert_eq!(FINISHED.available(), 495);
}
