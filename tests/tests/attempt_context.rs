//! The attempt's context inside the body: `#[retry(context)]` makes
//! `attempt::current()` answer the attempt's number and what remains of the
//! deadline, in async and blocking bodies; the function API hands it to the
//! closure. Exact values on tokio's paused clock.

use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::attempt::{self, AttemptContext};
use retry_runtime::{Policy, retry};
use tests::{Recorder, TestError, ms, script};

/// What each attempt saw: its number and the deadline's remainder.
type Seen = Mutex<Vec<(u32, Option<Duration>)>>;

fn see(seen: &Seen, context: Option<AttemptContext>) {
    let context = context.expect("inside a body with `context`");
    seen.lock()
        .unwrap()
        .push((context.number(), context.remaining()));
}

const TWICE: &[TestError] = &[TestError::Transient, TestError::Transient];

#[retry(max_attempts = 3, base_delay = "100ms", deadline = "1s", context)]
async fn fetch(rec: &Recorder, seen: &Seen) -> Result<u32, TestError> {
    see(seen, attempt::current());
    // Still there after an await: the context is set at every poll.
    tokio::time::sleep(ms(50)).await;
    see(seen, attempt::current());
    script(rec, TWICE)
}

#[tokio::test(start_paused = true)]
async fn an_async_body_reads_its_attempt_number_and_the_deadline_left() {
    let (rec, seen) = (Recorder::new(), Seen::default());
    assert_eq!(fetch(&rec, &seen).await, Ok(3));
    // Attempts start at 0, 150 (50 + 100) and 400 (200 + 200).
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (1, Some(ms(1000))),
            (1, Some(ms(950))),
            (2, Some(ms(850))),
            (2, Some(ms(800))),
            (3, Some(ms(600))),
            (3, Some(ms(550))),
        ]
    );
    assert_eq!(attempt::current(), None, "not outside the body");
}

#[retry(max_attempts = 3, base_delay = "1ms", context)]
fn fetch_blocking(rec: &Recorder, seen: &Seen) -> Result<u32, TestError> {
    see(seen, attempt::current());
    script(rec, TWICE)
}

#[retry(max_attempts = 2, base_delay = "1ms")]
fn without_the_key(rec: &Recorder) -> Result<Option<AttemptContext>, TestError> {
    rec.call();
    Ok(attempt::current())
}

#[test]
fn a_blocking_body_reads_its_attempt_number_and_only_with_the_key() {
    let (rec, seen) = (Recorder::new(), Seen::default());
    assert_eq!(fetch_blocking(&rec, &seen), Ok(3));
    assert_eq!(*seen.lock().unwrap(), [(1, None), (2, None), (3, None)]);
    assert_eq!(attempt::current(), None);
    assert_eq!(without_the_key(&Recorder::new()), Ok(None));
}

#[tokio::test(start_paused = true)]
async fn the_function_api_hands_the_context_to_the_closure() {
    let (rec, seen) = (Recorder::new(), Seen::default());
    let policy = Policy::new().base_delay(ms(100)).deadline(ms(1000));
    let result = policy
        .retry_with_context(|context| {
            see(&seen, Some(context));
            async { script(&rec, TWICE) }
        })
        .await;
    assert_eq!(result, Ok(3));
    // Attempts at 0, 100 and 300.
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, Some(ms(1000))), (2, Some(ms(900))), (3, Some(ms(700)))]
    );

    let numbers = Mutex::new(Vec::new());
    let result = Policy::new()
        .base_delay(ms(1))
        .retry_blocking_with_context(|context| {
            numbers
                .lock()
                .unwrap()
                .push((context.number(), context.is_retry()));
            script(&Recorder::new(), &[])
        })
        .call();
    assert_eq!(result, Ok(1));
    assert_eq!(*numbers.lock().unwrap(), [(1, false)]);
}

#[retry(max_attempts = 2, base_delay = "1ms", context)]
async fn outer(rec: &Recorder, seen: &Seen) -> Result<u32, TestError> {
    inner(seen).await?;
    see(seen, attempt::current());
    script(rec, &[TestError::Transient])
}

#[retry(max_attempts = 1, context)]
async fn inner(seen: &Seen) -> Result<u32, TestError> {
    see(seen, attempt::current());
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn a_nested_call_has_its_own_context_and_restores_the_outer_one() {
    let (rec, seen) = (Recorder::new(), Seen::default());
    assert_eq!(outer(&rec, &seen).await, Ok(2));
    // Inner's first attempt each time, then outer's own attempt again.
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, None), (1, None), (1, None), (2, None)]
    );
}
