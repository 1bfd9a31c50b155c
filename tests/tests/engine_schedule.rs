//! The runtime without the macro: exact retry schedules in virtual time,
//! classification, server hints, `max_elapsed` and timeouts, through the
//! function API (`Policy::retry`) and the blocking twin.

use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{Jitter, Kind, Policy, RetryEvent, TimedOut};
use tests::{Recorder, TestError, ms};

/// Fails with `script[n]` on call n (0-based), succeeds after the script.
async fn scripted(rec: &Recorder, script: &[TestError]) -> Result<u32, TestError> {
    let n = rec.call();
    match script.get(n as usize - 1) {
        Some(error) => Err(error.clone()),
        None => Ok(n),
    }
}

fn fast() -> Policy {
    Policy::new().base_delay(ms(100)).max_delay(ms(250))
}

#[tokio::test(start_paused = true)]
async fn exact_schedule_with_cap() {
    let rec = Recorder::new();
    let script = [
        TestError::Transient,
        TestError::Transient,
        TestError::Transient,
    ];
    let result = fast()
        .max_attempts(4)
        .retry(|| scripted(&rec, &script))
        .await;
    assert_eq!(result, Ok(4));
    assert_eq!(rec.gaps(), [ms(100), ms(200), ms(250)]);
}

#[tokio::test(start_paused = true)]
async fn exhausted_returns_the_last_error() {
    let rec = Recorder::new();
    let script = [
        TestError::Transient,
        TestError::Transient,
        TestError::Throttled(ms(1)),
    ];
    let result = fast().retry(|| scripted(&rec, &script)).await;
    assert_eq!(result, Err(TestError::Throttled(ms(1))));
    assert_eq!(rec.calls(), 3);
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let rec = Recorder::new();
    let result = fast()
        .retry(|| scripted(&rec, &[TestError::Permanent]))
        .await;
    assert_eq!(result, Err(TestError::Permanent));
    assert_eq!(rec.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn one_attempt_means_no_retry() {
    let rec = Recorder::new();
    let result = fast()
        .max_attempts(1)
        .retry(|| scripted(&rec, &[TestError::Transient]))
        .await;
    assert_eq!(result, Err(TestError::Transient));
    assert_eq!(rec.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn zero_attempts_act_as_one() {
    let rec = Recorder::new();
    let result = fast()
        .max_attempts(0)
        .retry(|| scripted(&rec, &[TestError::Transient]))
        .await;
    assert_eq!(result, Err(TestError::Transient));
    assert_eq!(rec.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_server_hint_is_a_floor() {
    let rec = Recorder::new();
    // Hint 700 ms beats the 100 ms backoff; hint 50 ms loses to the 200 ms one.
    let script = [TestError::Throttled(ms(700)), TestError::Throttled(ms(50))];
    let result = fast().retry(|| scripted(&rec, &script)).await;
    assert_eq!(result, Ok(3));
    assert_eq!(rec.gaps(), [ms(700), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_the_cap_ends_the_retrying() {
    let rec = Recorder::new();
    let hostile = TestError::Throttled(Duration::from_secs(86_400));
    let result = fast()
        .retry(|| scripted(&rec, std::slice::from_ref(&hostile)))
        .await;
    assert_eq!(result, Err(hostile));
    assert_eq!(rec.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hint_at_the_cap_is_honoured() {
    let rec = Recorder::new();
    let policy = fast().max_retry_after(Duration::from_secs(5));
    let script = [TestError::Throttled(Duration::from_secs(5))];
    let result = policy.retry(|| scripted(&rec, &script)).await;
    assert_eq!(result, Ok(2));
    assert_eq!(rec.gaps(), [Duration::from_secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn jitter_adds_at_most_ten_percent_to_a_hint() {
    for _ in 0..50 {
        let rec = Recorder::new();
        let policy = fast().jitter(Jitter::Full);
        let script = [TestError::Throttled(ms(1000))];
        let result = policy.retry(|| scripted(&rec, &script)).await;
        assert_eq!(result, Ok(2));
        let gap = rec.gaps()[0];
        assert!((ms(1000)..=ms(1100)).contains(&gap), "{gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn jitter_never_takes_a_hint_past_max_retry_after() {
    for _ in 0..50 {
        let rec = Recorder::new();
        // The default cap, 60 s, and a hint exactly at it.
        let policy = fast().jitter(Jitter::Full);
        let script = [TestError::Throttled(Duration::from_secs(60))];
        let result = policy.retry(|| scripted(&rec, &script)).await;
        assert_eq!(result, Ok(2));
        assert_eq!(rec.gaps(), [Duration::from_secs(60)]);
    }
    for _ in 0..50 {
        let rec = Recorder::new();
        let policy = fast().jitter(Jitter::Full);
        let script = [TestError::Throttled(Duration::from_secs(58))];
        policy.retry(|| scripted(&rec, &script)).await.ok();
        let gap = rec.gaps()[0];
        assert!(
            (Duration::from_secs(58)..=Duration::from_secs(60)).contains(&gap),
            "{gap:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_hint_is_a_floor_above_max_delay() {
    // The server's explicit instruction outranks the client's own cap on
    // its backoff; `max_retry_after` is the hint's cap.
    let rec = Recorder::new();
    let policy = fast().max_delay(Duration::from_secs(1));
    let script = [TestError::Throttled(Duration::from_secs(50))];
    assert_eq!(policy.retry(|| scripted(&rec, &script)).await, Ok(2));
    assert_eq!(rec.gaps(), [Duration::from_secs(50)]);
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_stops_a_retry_that_would_end_too_late() {
    let rec = Recorder::new();
    // Sleeps 100 + 200 = 300 ms; the next (250 ms) would end at 550 > 500.
    let policy = fast().max_attempts(10).max_elapsed(ms(500));
    let script = [const { TestError::Transient }; 5];
    let result = policy.retry(|| scripted(&rec, &script)).await;
    assert_eq!(result, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_counts_the_time_attempts_take() {
    let rec = Recorder::new();
    let policy = fast().max_attempts(10).max_elapsed(ms(500));
    let result: Result<(), TestError> = policy
        .retry(|| async {
            rec.call();
            tokio::time::sleep(ms(150)).await;
            Err(TestError::Transient)
        })
        .await;
    assert_eq!(result, Err(TestError::Transient));
    // 150 run + 100 sleep + 150 run = 400; a 200 ms sleep would end at 600.
    assert_eq!(rec.gaps(), [ms(250)]);
}

#[tokio::test(start_paused = true)]
async fn timeouts_end_an_attempt_and_are_retried() {
    let rec = Recorder::new();
    let policy = fast().timeout(ms(50));
    let result: Result<u32, TestError> = policy
        .retry(|| async {
            let n = rec.call();
            if n < 3 {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Ok(n)
        })
        .await;
    assert_eq!(result, Ok(3));
    // Each slow attempt is cut at 50 ms, then the backoff sleeps.
    assert_eq!(rec.gaps(), [ms(150), ms(250)]);
}

#[tokio::test(start_paused = true)]
async fn a_last_timeout_returns_timed_out() {
    let policy = fast().max_attempts(2).timeout(ms(10));
    let result: Result<(), TestError> = policy
        .retry(|| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(())
        })
        .await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(10)))));
}

#[tokio::test(start_paused = true)]
async fn when_overrides_classify() {
    let rec = Recorder::new();
    let result = fast()
        .retry(|| scripted(&rec, &[TestError::Permanent, TestError::Permanent]))
        .when(|e: &TestError| *e == TestError::Permanent)
        .await;
    assert_eq!(result, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn on_retry_sees_each_failed_attempt() {
    let rec = Recorder::new();
    let seen = Mutex::new(Vec::new());
    let script = [TestError::Transient, TestError::Throttled(ms(400))];
    let result = fast()
        .retry(|| scripted(&rec, &script))
        .name("api.get")
        .on_retry(|event: &RetryEvent<'_, TestError>| {
            let mut seen = seen.lock().unwrap();
            seen.push((
                event.name,
                event.attempt,
                event.max_attempts,
                event.delay,
                event.kind,
                event.error.cloned(),
            ));
        })
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(
        seen.into_inner().unwrap(),
        [
            (
                "api.get",
                1,
                3,
                ms(100),
                Kind::Server,
                Some(TestError::Transient)
            ),
            (
                "api.get",
                2,
                3,
                ms(400),
                Kind::Throttled,
                Some(TestError::Throttled(ms(400)))
            ),
        ]
    );
}

#[test]
fn blocking_twin_sleeps_the_same_schedule() {
    let seen = Mutex::new(Vec::new());
    let mut calls = 0;
    let result: Result<u32, TestError> = Policy::new()
        .max_attempts(4)
        .base_delay(ms(1))
        .max_delay(ms(3))
        .retry_blocking(|| {
            calls += 1;
            if calls < 4 {
                Err(TestError::Transient)
            } else {
                Ok(calls)
            }
        })
        .on_retry(|event: &RetryEvent<'_, TestError>| seen.lock().unwrap().push(event.delay))
        .call();
    assert_eq!(result, Ok(4));
    assert_eq!(seen.into_inner().unwrap(), [ms(1), ms(2), ms(3)]);
}

#[test]
fn delays_iterator_has_one_delay_per_retry() {
    let policy = Policy::new()
        .max_attempts(6)
        .base_delay(ms(10))
        .multiplier(3.0)
        .max_delay(ms(500));
    let delays: Vec<_> = policy.delays().collect();
    assert_eq!(delays, [ms(10), ms(30), ms(90), ms(270), ms(500)]);
    assert_eq!(Policy::new().max_attempts(1).delays().count(), 0);
}

#[test]
fn seeded_delays_are_reproducible_and_within_bounds() {
    let policy = Policy::new()
        .max_attempts(8)
        .base_delay(ms(10))
        .max_delay(ms(200));
    for jitter in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let policy = policy.jitter(jitter);
        let a: Vec<_> = policy.delays_seeded(42).collect();
        let b: Vec<_> = policy.delays_seeded(42).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 7);
        let exponential: Vec<_> = policy.jitter(Jitter::None).delays().collect();
        for (n, (d, e)) in a.iter().zip(&exponential).enumerate() {
            match jitter {
                Jitter::Full => assert!(*d <= *e, "{jitter:?} retry {n}: {d:?} > {e:?}"),
                Jitter::Equal => assert!(*e / 2 <= *d && *d <= *e, "{jitter:?} retry {n}: {d:?}"),
                _ => assert!(ms(10) <= *d && *d <= ms(200), "{jitter:?} retry {n}: {d:?}"),
            }
        }
    }
}
