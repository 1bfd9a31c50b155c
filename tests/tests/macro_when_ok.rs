//! `#[retry(when_ok = ...)]` in virtual time: which `Ok` values are
//! retried, the schedule (hints honoured), what each ending returns, how
//! the breaker counts a retried value, and what the hook sees.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Kind, Rejected, RetryEvent, Verdict, retry,
};
use tests::{Recorder, ms};

/// Answers the call's entry of `replies` (the last one once they run out).
fn reply(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    let n = rec.call() as usize;
    Ok(replies[(n - 1).min(replies.len() - 1)])
}

#[retry(max_attempts = 4, base_delay = "100ms", when_ok = |status| *status == 503)]
async fn busy_is_retried(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    reply(rec, replies)
}

#[tokio::test(start_paused = true)]
async fn a_true_retries_the_value_on_the_backoff_schedule() {
    let rec = Recorder::new();
    assert_eq!(
        busy_is_retried(&rec, &[503, 503, 200]).await.ok(),
        Some(200)
    );
    assert_eq!(rec.calls(), 3);
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn out_of_attempts_the_last_value_is_returned() {
    let rec = Recorder::new();
    assert_eq!(busy_is_retried(&rec, &[503]).await.ok(), Some(503));
    assert_eq!(rec.calls(), 4);
    assert_eq!(rec.gaps(), [ms(100), ms(200), ms(400)]);
}

#[tokio::test(start_paused = true)]
async fn a_value_the_closure_accepts_is_returned_at_once() {
    let rec = Recorder::new();
    assert_eq!(busy_is_retried(&rec, &[404, 200]).await.ok(), Some(404));
    assert_eq!(rec.calls(), 1);
}

/// A status with the server's hint, as a `Verdict`.
fn status_verdict(status: &u16) -> Verdict {
    match status {
        429 => Verdict::throttled().retry_after(Duration::from_secs(5)),
        503 => Verdict::server(),
        _ => Verdict::permanent(),
    }
}

/// What the hook saw: attempt, delay, kind, hint, whether an error came.
type Seen = (u32, Duration, Kind, Option<Duration>, bool);

static HOOKED: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn hook(event: &RetryEvent<'_, io::Error>) {
    HOOKED.lock().unwrap().push((
        event.attempt,
        event.delay,
        event.kind,
        event.hint,
        event.error.is_some(),
    ));
}

#[retry(
    max_attempts = 4,
    base_delay = "100ms",
    max_retry_after = "10s",
    when_ok = status_verdict,
    on_retry = hook
)]
async fn hinted(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    reply(rec, replies)
}

#[tokio::test(start_paused = true)]
async fn a_verdicts_hint_is_a_floor_and_the_hook_sees_no_error() {
    HOOKED.lock().unwrap().clear();
    let rec = Recorder::new();
    assert_eq!(hinted(&rec, &[429, 503, 200]).await.ok(), Some(200));
    // 5 s from the hint (over 100 ms), then the 200 ms backoff.
    assert_eq!(rec.gaps(), [Duration::from_secs(5), ms(200)]);
    assert_eq!(
        *HOOKED.lock().unwrap(),
        [
            (
                1,
                Duration::from_secs(5),
                Kind::Throttled,
                Some(Duration::from_secs(5)),
                false
            ),
            (2, ms(200), Kind::Server, None, false),
        ]
    );
}

#[retry(max_attempts = 4, base_delay = "100ms", max_retry_after = "1s", when_ok = status_verdict)]
async fn impatient(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    reply(rec, replies)
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_max_retry_after_returns_the_value_at_once() {
    let rec = Recorder::new();
    assert_eq!(impatient(&rec, &[429, 200]).await.ok(), Some(429));
    assert_eq!(rec.calls(), 1);
}

static CLASSIFIED: AtomicU32 = AtomicU32::new(0);

fn counted(status: &u16) -> bool {
    CLASSIFIED.fetch_add(1, Ordering::SeqCst);
    *status == 503
}

#[retry(max_attempts = 3, base_delay = "100ms", when_ok = counted)]
async fn classified_once(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    if rec.calls() == 1 {
        rec.call();
        return Err(io::ErrorKind::ConnectionReset.into());
    }
    reply(rec, replies)
}

#[tokio::test(start_paused = true)]
async fn the_closure_sees_each_ok_value_once_and_no_error() {
    let rec = Recorder::new();
    // Calls: 1 answers 503, 2 fails with a reset, 3 answers 200.
    assert_eq!(classified_once(&rec, &[503, 0, 200]).await.ok(), Some(200));
    assert_eq!(rec.calls(), 3);
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);
    assert_eq!(CLASSIFIED.load(Ordering::SeqCst), 2, "two Ok values");
}

static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("when-ok").failure_threshold(2));

#[retry(max_attempts = 5, base_delay = "100ms", breaker = BREAKER, when_ok = |status| *status == 503)]
async fn guarded(rec: &Recorder, replies: &[u16]) -> Result<u16, io::Error> {
    reply(rec, replies)
}

#[tokio::test(start_paused = true)]
async fn retried_values_count_against_the_breaker_and_the_tripping_one_is_returned() {
    let rec = Recorder::new();
    // Two transient values trip the breaker: the second is returned, no
    // retry into the open breaker.
    assert_eq!(guarded(&rec, &[503]).await.ok(), Some(503));
    assert_eq!(rec.calls(), 2);
    assert_eq!(BREAKER.state(), BreakerState::Open);
    // While it is open, the call is refused before any attempt.
    let refused = guarded(&rec, &[200]).await.expect_err("rejected");
    assert!(refused.get_ref().is_some_and(|e| e.is::<Rejected>()));
    assert_eq!(rec.calls(), 2);
}

#[retry(max_attempts = 3, base_delay = "1ms", when_ok = |n| *n < 3)]
fn counting_up(calls: &AtomicU32) -> Result<u32, io::Error> {
    Ok(calls.fetch_add(1, Ordering::SeqCst) + 1)
}

#[test]
fn a_blocking_fn_retries_values() {
    let calls = AtomicU32::new(0);
    assert_eq!(counting_up(&calls).ok(), Some(3));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
