//! Per-name statistics: exact totals after a scripted run, for the
//! attribute and the function API.

use std::time::Duration;

use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, Stats, retry, stats};
use tests::{Recorder, TestError, ms, script};

#[retry(max_attempts = 3, base_delay = "100ms", name = "stats.fetch")]
async fn fetch(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

#[tokio::test(start_paused = true)]
async fn totals_of_a_scripted_run() {
    assert_eq!(stats("stats.fetch"), None, "nothing recorded yet");
    assert_eq!(
        fetch(
            &Recorder::new(),
            &[TestError::Transient, TestError::Throttled(ms(350))]
        )
        .await,
        Ok(3)
    );
    assert_eq!(
        fetch(&Recorder::new(), &[TestError::Permanent]).await,
        Err(TestError::Permanent)
    );
    let always = [
        TestError::Transient,
        TestError::Transient,
        TestError::Transient,
    ];
    assert_eq!(
        fetch(&Recorder::new(), &always).await,
        Err(TestError::Transient)
    );
    assert_eq!(fetch(&Recorder::new(), &[]).await, Ok(1));

    let mut expected = Stats::default();
    expected.calls = 4;
    expected.attempts = 3 + 1 + 3 + 1;
    expected.retries = 4;
    expected.waited = ms(100) + ms(350) + ms(100) + ms(200);
    expected.success_first_try = 1;
    expected.success_after_retry = 1;
    expected.failed_permanent = 1;
    expected.failed_exhausted = 1;
    assert_eq!(stats("stats.fetch"), Some(expected));
}

#[test]
fn the_function_api_counts_under_its_name() {
    let mut calls = 0;
    let result: Result<u32, TestError> = Policy::new()
        .base_delay(Duration::from_millis(1))
        .retry_blocking(|| {
            calls += 1;
            if calls < 3 {
                Err(TestError::Transient)
            } else {
                Ok(calls)
            }
        })
        .name("stats.blocking")
        .call();
    assert_eq!(result, Ok(3));
    let totals = stats("stats.blocking").expect("recorded");
    assert_eq!(
        (
            totals.calls,
            totals.attempts,
            totals.retries,
            totals.success_after_retry
        ),
        (1, 3, 2, 1)
    );
    assert_eq!(totals.waited, ms(1) + ms(2));
}

static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("stats-api").failure_threshold(1));

#[retry(max_attempts = 3, base_delay = "100ms", breaker = BREAKER, name = "stats.guarded")]
async fn guarded(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Transient])
}

#[tokio::test(start_paused = true)]
async fn a_call_stopped_by_the_breaker_is_told_from_one_refused() {
    let rec = Recorder::new();
    assert_eq!(guarded(&rec).await, Err(TestError::Transient));
    assert!(matches!(guarded(&rec).await, Err(TestError::Rejected(_))));
    assert_eq!(rec.calls(), 1);
    let mut expected = Stats::default();
    expected.calls = 2;
    expected.attempts = 1;
    expected.failed_breaker_open = 1;
    expected.rejected_open = 1;
    assert_eq!(stats("stats.guarded"), Some(expected));
}

#[retry(max_attempts = 2, base_delay = "1ms", name = "stats.threads")]
fn on_any_thread(n: u32) -> Result<u32, TestError> {
    Ok(n)
}

/// First-try successes are counted per thread: every thread's count is in
/// the totals, while it runs and after it has exited.
#[test]
fn first_tries_on_running_and_exited_threads_are_all_counted() {
    let (counted, finish) = (
        std::sync::Arc::new(std::sync::Barrier::new(4)),
        std::sync::Arc::new(std::sync::Barrier::new(4)),
    );
    // Three threads that count 1,000 each, then wait to be let go.
    let running: Vec<_> = (0..3)
        .map(|_| {
            let (counted, finish) = (counted.clone(), finish.clone());
            std::thread::spawn(move || {
                for n in 0..1000 {
                    assert_eq!(on_any_thread(n), Ok(n));
                }
                counted.wait();
                finish.wait();
            })
        })
        .collect();
    // Two threads that count 500 each and exit.
    for _ in 0..2 {
        std::thread::spawn(|| {
            for n in 0..500 {
                assert_eq!(on_any_thread(n), Ok(n));
            }
        })
        .join()
        .unwrap();
    }
    counted.wait();
    let mut expected = Stats::default();
    expected.calls = 4000;
    expected.attempts = 4000;
    expected.success_first_try = 4000;
    assert_eq!(
        stats("stats.threads"),
        Some(expected),
        "three running, two exited"
    );

    finish.wait();
    for thread in running {
        thread.join().unwrap();
    }
    assert_eq!(on_any_thread(7), Ok(7));
    expected.calls += 1;
    expected.attempts += 1;
    expected.success_first_try += 1;
    assert_eq!(
        stats("stats.threads"),
        Some(expected),
        "all five exited, one more call here"
    );
}
