//! A deadline for the whole call (`deadline`, `Policy::deadline`): each
//! attempt is clipped to what remains, no attempt starts past it or with
//! less than `min_attempt_time` left, no sleep ends past it, and the call
//! ends with the last error, or `TimedOut` when no attempt ran. Exact
//! schedules on tokio's paused clock.

use std::time::Duration;

use retry_runtime::{Policy, TimedOut, retry};
use tests::{Recorder, TestError, ms, script};
use tokio::time::Instant;

/// Each attempt waits for an answer that never comes (a minute).
async fn hangs(rec: &Recorder) -> Result<u32, TestError> {
    rec.call();
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(0)
}

#[retry(
    max_attempts = 5,
    base_delay = "100ms",
    multiplier = 1.0,
    timeout = "400ms",
    deadline = "1200ms"
)]
async fn hanging_with_deadline(rec: &Recorder) -> Result<u32, TestError> {
    hangs(rec).await
}

#[tokio::test(start_paused = true)]
async fn the_last_attempt_is_clipped_to_what_remains_of_the_deadline() {
    let start = Instant::now();
    let rec = Recorder::new();
    let result = hanging_with_deadline(&rec).await;
    // 0-400 timed out, 500-900 timed out, 1000-1200: 200 ms left, so the
    // third attempt's timeout is 200 ms, not 400; then nothing is left.
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(200)))));
    assert_eq!(rec.calls(), 3);
    assert_eq!(rec.gaps(), [ms(500), ms(500)]);
    assert_eq!(start.elapsed(), ms(1200));
}

#[retry(max_attempts = 5, base_delay = "100ms", deadline = "1s")]
async fn hanging_without_timeout(rec: &Recorder) -> Result<u32, TestError> {
    hangs(rec).await
}

#[tokio::test(start_paused = true)]
async fn without_a_timeout_what_remains_is_the_attempts_timeout() {
    let start = Instant::now();
    let rec = Recorder::new();
    let result = hanging_without_timeout(&rec).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(1000)))));
    assert_eq!(rec.calls(), 1);
    assert_eq!(start.elapsed(), ms(1000));

    // The function API, the same.
    let start = Instant::now();
    let rec = Recorder::new();
    let policy = Policy::new()
        .max_attempts(5)
        .base_delay(ms(100))
        .deadline(ms(1000));
    let result = policy.retry(|| hangs(&rec)).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(1000)))));
    assert_eq!(rec.calls(), 1);
    assert_eq!(start.elapsed(), ms(1000));
}

#[tokio::test(start_paused = true)]
async fn the_function_api_clips_attempts_as_the_attribute_does() {
    let start = Instant::now();
    let rec = Recorder::new();
    let policy = Policy::new()
        .max_attempts(5)
        .base_delay(ms(100))
        .multiplier(1.0)
        .timeout(ms(400))
        .deadline(ms(1200));
    let result = policy.retry(|| hangs(&rec)).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(200)))));
    assert_eq!(rec.gaps(), [ms(500), ms(500)]);
    assert_eq!(start.elapsed(), ms(1200));
}

const FAILS: &[TestError] = &[
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
    TestError::Transient,
];

#[retry(max_attempts = 10, base_delay = "300ms", deadline = "1s")]
async fn always_failing(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, FAILS)
}

#[tokio::test(start_paused = true)]
async fn no_sleep_ends_past_the_deadline_and_the_last_error_is_returned() {
    let start = Instant::now();
    let rec = Recorder::new();
    // Failures at 0 and 300; the next delay, 600 ms, would start an
    // attempt at 900 (100 ms left: fine); the one after, 1200 ms, would
    // end past the deadline: the call ends at once with the error.
    assert_eq!(always_failing(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(300), ms(600)]);
    assert_eq!(start.elapsed(), ms(900));
}

#[retry(
    max_attempts = 10,
    base_delay = "300ms",
    deadline = "1s",
    min_attempt_time = "200ms"
)]
async fn failing_with_min_attempt_time(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, FAILS)
}

#[retry(max_attempts = 10, base_delay = "300ms", deadline = "904ms")]
async fn failing_4ms_short(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, FAILS)
}

#[retry(max_attempts = 10, base_delay = "300ms", deadline = "905ms")]
async fn failing_with_5ms_left(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, FAILS)
}

#[tokio::test(start_paused = true)]
async fn no_attempt_starts_with_less_than_min_attempt_time_left() {
    // 100 ms would be left at 900: less than 200, so no third attempt, and
    // no sleep towards it.
    let start = Instant::now();
    let rec = Recorder::new();
    assert_eq!(
        failing_with_min_attempt_time(&rec).await,
        Err(TestError::Transient)
    );
    assert_eq!(rec.gaps(), [ms(300)]);
    assert_eq!(start.elapsed(), ms(300));

    // The default minimum is 5 ms: 4 ms left is too little, 5 ms enough.
    let rec = Recorder::new();
    assert_eq!(failing_4ms_short(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(300)]);
    let rec = Recorder::new();
    assert_eq!(failing_with_5ms_left(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(300), ms(600)]);
}

/// The deadline passed down by a caller, as gRPC propagates one.
#[retry(base_delay = "100ms", deadline = left)]
async fn with_callers_deadline(rec: &Recorder, left: Duration) -> Result<u32, TestError> {
    script(rec, &[])
}

#[tokio::test(start_paused = true)]
async fn with_too_little_left_no_attempt_runs_and_the_call_times_out() {
    let rec = Recorder::new();
    for left in [Duration::ZERO, ms(4)] {
        let result = with_callers_deadline(&rec, left).await;
        assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(left))));
    }
    assert_eq!(rec.calls(), 0, "the body never ran");
    // Enough left: it runs.
    assert_eq!(with_callers_deadline(&rec, ms(5)).await, Ok(1));

    let rec = Recorder::new();
    let result = Policy::new()
        .deadline(ms(4))
        .retry(|| async { script(&rec, &[]) })
        .await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(4)))));
    assert_eq!(rec.calls(), 0);
}

#[retry(
    max_attempts = 5,
    base_delay = "100ms",
    timeout = "800ms",
    max_elapsed = "1s"
)]
async fn hanging_with_max_elapsed(rec: &Recorder) -> Result<u32, TestError> {
    hangs(rec).await
}

#[retry(
    max_attempts = 5,
    base_delay = "100ms",
    timeout = "800ms",
    max_elapsed = "1s",
    deadline = "1s"
)]
async fn hanging_with_both(rec: &Recorder) -> Result<u32, TestError> {
    hangs(rec).await
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_bounds_the_sleeps_the_deadline_bounds_the_attempts_too() {
    // max_elapsed alone: the retry at 900 is allowed (its sleep ends before
    // 1 s), and the attempt then runs its whole 800 ms, to 1700.
    let start = Instant::now();
    let rec = Recorder::new();
    let result = hanging_with_max_elapsed(&rec).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(800)))));
    assert_eq!(rec.gaps(), [ms(900)]);
    assert_eq!(start.elapsed(), ms(1700));

    // With a deadline of 1 s too, that attempt gets the 100 ms left.
    let start = Instant::now();
    let rec = Recorder::new();
    let result = hanging_with_both(&rec).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(100)))));
    assert_eq!(rec.gaps(), [ms(900)]);
    assert_eq!(start.elapsed(), ms(1000));
}

#[retry(max_attempts = 3, base_delay = "100ms", deadline = "1s")]
async fn throttled(rec: &Recorder, hint: Duration) -> Result<u32, TestError> {
    script(rec, &[TestError::Throttled(hint)])
}

#[tokio::test(start_paused = true)]
async fn a_server_hint_past_the_deadline_ends_the_call_with_its_error() {
    // A 2 s hint cannot be honoured within 1 s: no sleep, the error now.
    let start = Instant::now();
    let rec = Recorder::new();
    let result = throttled(&rec, Duration::from_secs(2)).await;
    assert_eq!(result, Err(TestError::Throttled(Duration::from_secs(2))));
    assert_eq!(rec.calls(), 1);
    assert_eq!(start.elapsed(), Duration::ZERO);

    // A 300 ms hint fits: honoured (a floor above the 100 ms backoff).
    let rec = Recorder::new();
    assert_eq!(throttled(&rec, ms(300)).await, Ok(2));
    assert_eq!(rec.gaps(), [ms(300)]);

    // 996 ms leaves 4 ms: less than min_attempt_time, so no retry either.
    let rec = Recorder::new();
    let result = throttled(&rec, ms(996)).await;
    assert_eq!(result, Err(TestError::Throttled(ms(996))));
    assert_eq!(rec.calls(), 1);
}

#[retry(max_attempts = 10, base_delay = "20ms", deadline = "50ms")]
fn blocking_failing(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, FAILS)
}

#[test]
fn a_blocking_call_gets_no_retry_past_its_deadline() {
    // Failures at about 0 and 20 ms; the next retry, 40 ms later, would
    // start past 45 ms (the deadline less min_attempt_time): no retry.
    let rec = Recorder::new();
    assert_eq!(blocking_failing(&rec), Err(TestError::Transient));
    assert_eq!(rec.calls(), 2);

    let rec = Recorder::new();
    let result = Policy::new()
        .base_delay(ms(20))
        .max_attempts(10)
        .deadline(ms(50))
        .retry_blocking(|| script(&rec, FAILS))
        .call();
    assert_eq!(result, Err(TestError::Transient));
    assert_eq!(rec.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_log_names_the_deadline_as_the_reason() {
    let (events, _guard) = tests::capture::capture();
    let rec = Recorder::new();
    assert_eq!(always_failing(&rec).await, Err(TestError::Transient));
    let events = events.all();
    // Two retries, then the end.
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(events[2].field("retry.reason"), "deadline");
    assert_eq!(events[2].field("retry.attempts"), "3");

    // No attempt ran: zero attempts, and the reason is the deadline too.
    let (events, _guard) = tests::capture::capture();
    let result = with_callers_deadline(&Recorder::new(), ms(1)).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(1)))));
    let events = events.all();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].field("retry.reason"), "deadline");
    assert_eq!(events[0].field("retry.attempts"), "0");
}
