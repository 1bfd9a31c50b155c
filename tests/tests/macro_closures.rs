//! Closures for `when` and `on_retry`: the closure, not `Classify`, decides
//! what retries, and the hook closure sees every retry; with the argument's
//! type written and left out, on async fns (virtual time, exact schedules)
//! and blocking fns (real sleeps of a few ms, the delays read by the hook).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use retry_runtime::{RetryEvent, retry};
use tests::{Recorder, TestError, ms, script};

// `when` retries only `Permanent` here, the opposite of `TestError`'s
// `Classify`, so each test shows the closure decided.

#[retry(
    max_attempts = 4,
    base_delay = "10ms",
    when = |e: &TestError| *e == TestError::Permanent
)]
async fn typed_when(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

#[tokio::test(start_paused = true)]
async fn a_typed_when_closure_decides() {
    let rec = Recorder::new();
    let errors = [TestError::Permanent, TestError::Permanent];
    assert_eq!(typed_when(&rec, &errors).await, Ok(3));
    assert_eq!(rec.gaps(), [ms(10), ms(20)]);

    let rec = Recorder::new();
    assert_eq!(
        typed_when(&rec, &[TestError::Transient]).await,
        Err(TestError::Transient)
    );
    assert_eq!(rec.calls(), 1, "Classify would have retried it");
}

#[retry(max_attempts = 3, base_delay = "10ms", when = |e| matches!(e, TestError::Permanent))]
async fn untyped_when(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

#[tokio::test(start_paused = true)]
async fn an_untyped_when_closure_decides() {
    let rec = Recorder::new();
    let errors = vec![TestError::Permanent; 5];
    assert_eq!(untyped_when(&rec, &errors).await, Err(TestError::Permanent));
    assert_eq!(rec.calls(), 3);
    assert_eq!(rec.gaps(), [ms(10), ms(20)]);

    let rec = Recorder::new();
    let errors = [TestError::Throttled(ms(1))];
    assert_eq!(
        untyped_when(&rec, &errors).await,
        Err(TestError::Throttled(ms(1)))
    );
    assert_eq!(rec.calls(), 1);
}

/// Read by `switched`'s `when` closure; no other test uses it.
static RETRY_PERMANENT: AtomicBool = AtomicBool::new(true);

#[retry(
    max_attempts = 3,
    base_delay = "10ms",
    when = |_| RETRY_PERMANENT.load(Ordering::SeqCst)
)]
async fn switched(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Permanent])
}

#[tokio::test(start_paused = true)]
async fn a_when_closure_reads_a_static() {
    RETRY_PERMANENT.store(true, Ordering::SeqCst);
    let rec = Recorder::new();
    assert_eq!(switched(&rec).await, Ok(2));
    assert_eq!(rec.gaps(), [ms(10)]);

    RETRY_PERMANENT.store(false, Ordering::SeqCst);
    let rec = Recorder::new();
    assert_eq!(switched(&rec).await, Err(TestError::Permanent));
    assert_eq!(rec.calls(), 1);
}

/// Each hook's record of (attempt, delay); one static per fn, since tests
/// run in parallel.
static TYPED_SEEN: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());
static UNTYPED_SEEN: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());
static BLOCKING_SEEN: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());

#[retry(
    max_attempts = 4,
    base_delay = "10ms",
    on_retry = |event: &RetryEvent<'_, TestError>| {
        TYPED_SEEN.lock().unwrap().push((event.attempt, event.delay));
    }
)]
async fn typed_hook(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    tests::flaky(rec, fail)
}

#[retry(
    max_attempts = 4,
    base_delay = "10ms",
    max_delay = "25ms",
    on_retry = |event| UNTYPED_SEEN.lock().unwrap().push((event.attempt, event.delay))
)]
async fn untyped_hook(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    tests::flaky(rec, fail)
}

#[tokio::test(start_paused = true)]
async fn on_retry_closures_see_every_retry() {
    let rec = Recorder::new();
    assert_eq!(typed_hook(&rec, 2).await, Ok(3));
    assert_eq!(rec.gaps(), [ms(10), ms(20)]);
    assert_eq!(*TYPED_SEEN.lock().unwrap(), [(1, ms(10)), (2, ms(20))]);

    let rec = Recorder::new();
    assert_eq!(untyped_hook(&rec, 9).await, Err(TestError::Transient));
    assert_eq!(rec.calls(), 4);
    assert_eq!(rec.gaps(), [ms(10), ms(20), ms(25)]);
    assert_eq!(
        *UNTYPED_SEEN.lock().unwrap(),
        [(1, ms(10)), (2, ms(20)), (3, ms(25))]
    );
}

#[retry(
    max_attempts = 4,
    base_delay = "1ms",
    when = |e| *e == TestError::Permanent,
    on_retry = |event| BLOCKING_SEEN.lock().unwrap().push((event.attempt, event.delay))
)]
fn blocking(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

#[test]
fn closures_on_a_blocking_fn() {
    let rec = Recorder::new();
    let errors = [
        TestError::Permanent,
        TestError::Permanent,
        TestError::Transient,
    ];
    assert_eq!(blocking(&rec, &errors), Err(TestError::Transient));
    assert_eq!(
        rec.calls(),
        3,
        "two permanent errors retried, then a transient one returned"
    );
    assert_eq!(*BLOCKING_SEEN.lock().unwrap(), [(1, ms(1)), (2, ms(2))]);
}
