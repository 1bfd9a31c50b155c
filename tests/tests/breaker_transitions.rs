//! Every transition of the circuit breaker, in virtual time: exact call
//! counts, the exact error returned, and exactly when it half-opens.
//!
//! Each test has its own `static` breaker: tests run in parallel.

use std::time::Duration;

use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Policy, Rejected, TimedOut, retry,
};
use tests::{Recorder, TestError, ms};
use tokio::time::{Instant, advance, sleep};

const OPEN_FOR: Duration = Duration::from_secs(30);

const fn breaker(name: &'static str, threshold: u32) -> CircuitBreaker {
    CircuitBreaker::new(
        BreakerConfig::new(name)
            .failure_threshold(threshold)
            .open_for(OPEN_FOR),
    )
}

/// One call of one attempt through `breaker`; the body counts itself and
/// returns `outcome`.
async fn once(
    breaker: &'static CircuitBreaker,
    rec: &Recorder,
    outcome: Result<u32, TestError>,
) -> Result<u32, TestError> {
    Policy::new()
        .max_attempts(1)
        .retry(|| {
            rec.call();
            std::future::ready(outcome.clone())
        })
        .breaker(breaker)
        .await
}

fn rejected(name: &'static str, state: BreakerState, retry_in: Duration) -> Result<u32, TestError> {
    Err(TestError::Rejected(Rejected::new(name, state, retry_in)))
}

static TRIPS: CircuitBreaker = breaker("trips", 3);

#[tokio::test(start_paused = true)]
async fn closed_trips_after_the_threshold_then_fails_fast_without_running() {
    let rec = Recorder::new();
    for _ in 0..2 {
        assert_eq!(
            once(&TRIPS, &rec, Err(TestError::Transient)).await,
            Err(TestError::Transient)
        );
    }
    assert_eq!(TRIPS.state(), BreakerState::Closed);
    assert_eq!(
        once(&TRIPS, &rec, Err(TestError::Transient)).await,
        Err(TestError::Transient)
    );
    assert_eq!(TRIPS.state(), BreakerState::Open);

    let start = Instant::now();
    for _ in 0..5 {
        assert_eq!(
            once(&TRIPS, &rec, Ok(1)).await,
            rejected("trips", BreakerState::Open, OPEN_FOR)
        );
    }
    assert_eq!(rec.calls(), 3, "no body ran while open");
    assert_eq!(start.elapsed(), Duration::ZERO, "rejections are immediate");
}

static HALF_OPENS: CircuitBreaker = breaker("half_opens", 1);

#[tokio::test(start_paused = true)]
async fn open_half_opens_exactly_after_open_for_and_a_good_probe_closes_it() {
    let rec = Recorder::new();
    assert_eq!(
        once(&HALF_OPENS, &rec, Err(TestError::Transient)).await,
        Err(TestError::Transient)
    );

    advance(OPEN_FOR - ms(1)).await;
    assert_eq!(
        once(&HALF_OPENS, &rec, Ok(1)).await,
        rejected("half_opens", BreakerState::Open, ms(1))
    );
    assert_eq!(rec.calls(), 1);

    advance(ms(1)).await;
    assert_eq!(
        once(&HALF_OPENS, &rec, Ok(2)).await,
        Ok(2),
        "the probe runs"
    );
    assert_eq!(rec.calls(), 2);
    assert_eq!(HALF_OPENS.state(), BreakerState::Closed);
    assert_eq!(once(&HALF_OPENS, &rec, Ok(3)).await, Ok(3));
    assert_eq!(rec.calls(), 3);
}

static REOPENS: CircuitBreaker = breaker("reopens", 1);

#[tokio::test(start_paused = true)]
async fn a_failed_probe_reopens_for_a_full_period_from_its_failure() {
    let rec = Recorder::new();
    assert_eq!(
        once(&REOPENS, &rec, Err(TestError::Transient)).await,
        Err(TestError::Transient)
    );
    advance(OPEN_FOR).await;
    assert_eq!(
        once(&REOPENS, &rec, Err(TestError::Transient)).await,
        Err(TestError::Transient)
    );
    assert_eq!(REOPENS.state(), BreakerState::Open);
    assert_eq!(
        once(&REOPENS, &rec, Ok(1)).await,
        rejected("reopens", BreakerState::Open, OPEN_FOR)
    );

    advance(OPEN_FOR - ms(1)).await;
    assert_eq!(
        once(&REOPENS, &rec, Ok(1)).await,
        rejected("reopens", BreakerState::Open, ms(1))
    );
    advance(ms(1)).await;
    assert_eq!(once(&REOPENS, &rec, Ok(4)).await, Ok(4));
    assert_eq!(REOPENS.state(), BreakerState::Closed);
    assert_eq!(rec.calls(), 3);
}

static PROBES: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("probes")
        .failure_threshold(1)
        .half_open_probes(2)
        .open_for(OPEN_FOR),
);

#[tokio::test(start_paused = true)]
async fn half_open_lets_through_only_the_permitted_probes_and_closes_when_all_succeed() {
    let rec = Recorder::new();
    assert_eq!(
        once(&PROBES, &rec, Err(TestError::Transient)).await,
        Err(TestError::Transient)
    );
    advance(OPEN_FOR).await;

    let rec = &rec;
    let probe = |n: u32, lasts: Duration| {
        Policy::new()
            .max_attempts(1)
            .retry(move || {
                rec.call();
                async move {
                    sleep(lasts).await;
                    Ok::<u32, TestError>(n)
                }
            })
            .breaker(&PROBES)
    };
    let late = |at: Duration| async move {
        sleep(at).await;
        let state = PROBES.state();
        (state, once(&PROBES, rec, Ok(9)).await)
    };
    // Probe 1 succeeds at 1s, probe 2 at 2s; a call at 1.5s finds one
    // place used by a success and one by a running probe.
    let (first, second, third, fourth, fifth) = tokio::join!(
        probe(1, ms(1000)),
        probe(2, ms(2000)),
        once(&PROBES, rec, Ok(3)),
        late(ms(1500)),
        late(ms(2500)),
    );
    assert_eq!(first, Ok(1));
    assert_eq!(second, Ok(2));
    // Rejected calls learn when the running probes time out: 30 s (the
    // default, `open_for`) after they were admitted.
    assert_eq!(third, rejected("probes", BreakerState::HalfOpen, OPEN_FOR));
    assert_eq!(
        fourth,
        (
            BreakerState::HalfOpen,
            rejected("probes", BreakerState::HalfOpen, ms(28_500))
        )
    );
    assert_eq!(
        fifth,
        (BreakerState::Closed, Ok(9)),
        "closed once both probes succeeded"
    );
    assert_eq!(rec.calls(), 1 + 2 + 1);
}

static PERMANENT: CircuitBreaker = breaker("permanent", 2);

#[tokio::test(start_paused = true)]
async fn permanent_errors_never_trip_it_and_reset_the_count_like_successes() {
    let rec = Recorder::new();
    for _ in 0..10 {
        assert_eq!(
            once(&PERMANENT, &rec, Err(TestError::Permanent)).await,
            Err(TestError::Permanent)
        );
    }
    assert_eq!(PERMANENT.state(), BreakerState::Closed);
    once(&PERMANENT, &rec, Err(TestError::Transient)).await.ok();
    once(&PERMANENT, &rec, Err(TestError::Permanent)).await.ok();
    once(&PERMANENT, &rec, Err(TestError::Transient)).await.ok();
    assert_eq!(
        PERMANENT.state(),
        BreakerState::Closed,
        "the 404 answered: not consecutive"
    );
    once(&PERMANENT, &rec, Err(TestError::Transient)).await.ok();
    assert_eq!(PERMANENT.state(), BreakerState::Open);
    assert_eq!(rec.calls(), 14);
}

static RATE: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("rate")
        .failure_threshold(100)
        .failure_rate(50, 4)
        .open_for(OPEN_FOR),
);

#[tokio::test(start_paused = true)]
async fn a_failure_rate_trips_within_a_window_and_a_good_window_starts_afresh() {
    let rec = Recorder::new();
    let script = [Err(TestError::Transient), Ok(1), Ok(1), Ok(1)];
    for outcome in script {
        once(&RATE, &rec, outcome).await.ok();
    }
    // 1 failure in a window of 4: below 50 %; the next window starts empty.
    once(&RATE, &rec, Err(TestError::Transient)).await.ok();
    once(&RATE, &rec, Ok(1)).await.ok();
    assert_eq!(RATE.state(), BreakerState::Closed);
    // The 2nd failure of this window reaches 50 % of 4 calls.
    once(&RATE, &rec, Err(TestError::Transient)).await.ok();
    assert_eq!(RATE.state(), BreakerState::Open);
    assert_eq!(rec.calls(), 7);
}

static SELF_TRIP: CircuitBreaker = breaker("self_trip", 2);

#[retry(max_attempts = 5, base_delay = "100ms", breaker = SELF_TRIP)]
async fn always_failing(rec: &Recorder) -> Result<u32, TestError> {
    rec.call();
    Err(TestError::Transient)
}

#[tokio::test(start_paused = true)]
async fn a_call_whose_failure_trips_the_breaker_stops_retrying_with_its_error() {
    let rec = Recorder::new();
    assert_eq!(always_failing(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.calls(), 2, "the 2nd failure tripped it: no 3rd attempt");
    assert_eq!(rec.gaps(), [ms(100)]);
    assert_eq!(
        always_failing(&rec).await,
        rejected("self_trip", BreakerState::Open, OPEN_FOR)
    );
    assert_eq!(rec.calls(), 2);
}

static TRIPPED_MEANWHILE: CircuitBreaker = breaker("meanwhile", 2);

#[tokio::test(start_paused = true)]
async fn a_retry_finding_the_breaker_opened_meanwhile_is_rejected() {
    let (rec_a, rec_b) = (Recorder::new(), Recorder::new());
    let retrying = Policy::new()
        .max_attempts(3)
        .base_delay(Duration::from_secs(1))
        .retry(|| {
            rec_a.call();
            std::future::ready(Err::<u32, _>(TestError::Transient))
        })
        .breaker(&TRIPPED_MEANWHILE);
    let other = async {
        sleep(ms(500)).await;
        once(&TRIPPED_MEANWHILE, &rec_b, Err(TestError::Transient)).await
    };
    let (a, b) = tokio::join!(retrying, other);
    // a failed at 0 s (1 of 2), b at 0.5 s tripped it; a's retry at 1 s
    // is rejected, open until 30.5 s.
    assert_eq!(b, Err(TestError::Transient));
    assert_eq!(a, rejected("meanwhile", BreakerState::Open, ms(29_500)));
    assert_eq!((rec_a.calls(), rec_b.calls()), (1, 1));
}

static CANCELLED: CircuitBreaker = breaker("cancelled", 1);

#[tokio::test(start_paused = true)]
async fn a_cancelled_probe_gives_its_place_back() {
    let rec = Recorder::new();
    once(&CANCELLED, &rec, Err(TestError::Transient)).await.ok();
    advance(OPEN_FOR).await;
    let hung = Policy::new()
        .max_attempts(1)
        .retry(|| {
            rec.call();
            std::future::pending::<Result<u32, TestError>>()
        })
        .breaker(&CANCELLED);
    assert!(
        tokio::time::timeout(Duration::from_secs(1), hung)
            .await
            .is_err()
    );
    assert_eq!(CANCELLED.state(), BreakerState::HalfOpen);
    assert_eq!(
        once(&CANCELLED, &rec, Ok(5)).await,
        Ok(5),
        "the next call is the probe"
    );
    assert_eq!(CANCELLED.state(), BreakerState::Closed);
    assert_eq!(rec.calls(), 3);
}

static STUCK: CircuitBreaker = breaker("stuck", 1);

#[tokio::test(start_paused = true)]
async fn a_probe_that_never_answers_stops_blocking_after_the_probe_timeout() {
    let rec = Recorder::new();
    once(&STUCK, &rec, Err(TestError::Transient)).await.ok();
    advance(OPEN_FOR).await;
    // The probe hangs: never completes, never dropped (no per-attempt
    // timeout). By default a probe may take as long as `open_for`.
    let hung = Policy::new()
        .max_attempts(1)
        .retry(|| {
            rec.call();
            std::future::pending::<Result<u32, TestError>>()
        })
        .breaker(&STUCK);
    let mut hung = Box::pin(hung);
    assert!(tokio::time::timeout(ms(1), hung.as_mut()).await.is_err());
    assert_eq!(STUCK.state(), BreakerState::HalfOpen);
    advance(Duration::from_secs(1) - ms(1)).await;
    assert_eq!(
        once(&STUCK, &rec, Ok(5)).await,
        rejected("stuck", BreakerState::HalfOpen, Duration::from_secs(29)),
        "the probe has 29 s left"
    );
    advance(Duration::from_secs(29)).await;
    assert_eq!(
        once(&STUCK, &rec, Ok(6)).await,
        Ok(6),
        "the probe timed out: the next call is a new probe"
    );
    assert_eq!(STUCK.state(), BreakerState::Closed);
    drop(hung);
    assert_eq!(
        STUCK.state(),
        BreakerState::Closed,
        "the stale probe counts for nothing"
    );
    assert_eq!(rec.calls(), 3);
}

static STUCK_SHORT: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("stuck_short")
        .failure_threshold(1)
        .open_for(OPEN_FOR)
        .probe_timeout(Duration::from_secs(5)),
);

#[retry(max_attempts = 1, breaker = STUCK_SHORT)]
async fn hangs_on_its_second_call(rec: &Recorder) -> Result<u32, TestError> {
    match rec.call() {
        1 => Err(TestError::Transient),
        2 => std::future::pending().await,
        n => Ok(n),
    }
}

#[tokio::test(start_paused = true)]
async fn an_annotated_probe_that_hangs_stops_blocking_after_its_probe_timeout() {
    let rec = Recorder::new();
    assert_eq!(
        hangs_on_its_second_call(&rec).await,
        Err(TestError::Transient)
    );
    advance(OPEN_FOR).await;
    let mut hung = std::pin::pin!(hangs_on_its_second_call(&rec));
    assert!(tokio::time::timeout(ms(1), hung.as_mut()).await.is_err());
    let mut rejected_calls = 0;
    // A call a second for a minute: only those in the first 5 s are
    // rejected.
    for _ in 0..60 {
        match hangs_on_its_second_call(&rec).await {
            Err(TestError::Rejected(_)) => rejected_calls += 1,
            Ok(_) => {}
            other => panic!("unexpected {other:?}"),
        }
        advance(ms(1000)).await;
    }
    assert_eq!(rejected_calls, 5);
    assert_eq!(STUCK_SHORT.state(), BreakerState::Closed);
    assert_eq!(rec.calls(), 2 + 55);
}

static PANICKED: CircuitBreaker = breaker("panicked", 1);

async fn explode() -> Result<u32, TestError> {
    panic!("the probe's body panicked (expected by this test)")
}

#[tokio::test(start_paused = true)]
async fn a_panicking_probe_gives_its_place_back() {
    let rec = Recorder::new();
    once(&PANICKED, &rec, Err(TestError::Transient)).await.ok();
    advance(OPEN_FOR).await;
    let probe = tokio::spawn(
        Policy::new()
            .max_attempts(1)
            .retry(explode)
            .breaker(&PANICKED),
    );
    assert!(probe.await.expect_err("the task panicked").is_panic());
    assert_eq!(PANICKED.state(), BreakerState::HalfOpen);
    assert_eq!(once(&PANICKED, &rec, Ok(6)).await, Ok(6));
    assert_eq!(PANICKED.state(), BreakerState::Closed);
}

static TIMEOUTS: CircuitBreaker = breaker("timeouts", 1);

#[tokio::test(start_paused = true)]
async fn a_timed_out_attempt_counts_as_a_failure() {
    let rec = Recorder::new();
    let result = Policy::new()
        .max_attempts(3)
        .timeout(Duration::from_secs(1))
        .retry(|| {
            rec.call();
            async {
                sleep(Duration::from_secs(2)).await;
                Ok::<u32, TestError>(1)
            }
        })
        .breaker(&TIMEOUTS)
        .await;
    assert_eq!(
        result,
        Err(TestError::TimedOut(TimedOut::new(Duration::from_secs(1))))
    );
    assert_eq!(rec.calls(), 1);
    assert_eq!(TIMEOUTS.state(), BreakerState::Open);
}

static ZEROS: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("zeros")
        .failure_threshold(0)
        .half_open_probes(0)
        .open_for(Duration::ZERO),
);

#[tokio::test(start_paused = true)]
async fn zero_threshold_and_zero_probes_act_as_one_and_zero_open_for_half_opens_at_once() {
    let rec = Recorder::new();
    once(&ZEROS, &rec, Err(TestError::Transient)).await.ok();
    assert_eq!(ZEROS.state(), BreakerState::Open, "one failure trips it");
    let probe = Policy::new()
        .max_attempts(1)
        .retry(|| {
            rec.call();
            async {
                sleep(ms(10)).await;
                Ok::<u32, TestError>(1)
            }
        })
        .breaker(&ZEROS);
    let (first, second) = tokio::join!(probe, once(&ZEROS, &rec, Ok(2)));
    assert_eq!(first, Ok(1));
    assert_eq!(
        second,
        rejected("zeros", BreakerState::HalfOpen, Duration::from_secs(1)),
        "a breaker that half-opens at once gives its probe a second"
    );
    assert_eq!(ZEROS.state(), BreakerState::Closed);
    assert_eq!(rec.calls(), 2);
}

static SERVICE: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("service")
        .failure_threshold(3)
        .open_for(Duration::from_secs(10)),
);

#[retry(max_attempts = 1, breaker = SERVICE)]
async fn service(rec: &Recorder, up: bool) -> Result<u32, TestError> {
    rec.call();
    if up {
        Ok(rec.calls())
    } else {
        Err(TestError::Transient)
    }
}

#[tokio::test(start_paused = true)]
async fn the_attribute_fails_fast_while_open_and_recovers_through_half_open() {
    let rec = Recorder::new();
    for _ in 0..3 {
        assert_eq!(service(&rec, false).await, Err(TestError::Transient));
    }
    let start = Instant::now();
    for _ in 0..100 {
        assert!(matches!(
            service(&rec, true).await,
            Err(TestError::Rejected(_))
        ));
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(rec.calls(), 3);
    advance(Duration::from_secs(10)).await;
    assert_eq!(service(&rec, true).await, Ok(4));
    assert_eq!(SERVICE.state(), BreakerState::Closed);
    assert_eq!(service(&rec, true).await, Ok(5));
}

static BLOCKING_OPEN: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("blocking")
        .failure_threshold(1)
        .open_for(Duration::from_secs(3600)),
);
static BLOCKING_PROBE: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("blocking_probe")
        .failure_threshold(1)
        .open_for(Duration::ZERO),
);

#[test]
fn blocking_calls_trip_reject_and_probe_on_the_system_clock() {
    let calls = std::cell::Cell::new(0);
    let call = |breaker: &'static CircuitBreaker, outcome: Result<u32, TestError>| {
        Policy::new()
            .max_attempts(1)
            .retry_blocking(|| {
                calls.set(calls.get() + 1);
                outcome.clone()
            })
            .breaker(breaker)
            .call()
    };
    assert_eq!(
        call(&BLOCKING_OPEN, Err(TestError::Transient)),
        Err(TestError::Transient)
    );
    match call(&BLOCKING_OPEN, Ok(1)) {
        Err(TestError::Rejected(rejected)) => {
            assert_eq!(
                (rejected.breaker, rejected.state),
                ("blocking", BreakerState::Open)
            );
            assert!(rejected.retry_in <= Duration::from_secs(3600));
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(calls.get(), 1);

    assert_eq!(
        call(&BLOCKING_PROBE, Err(TestError::Transient)),
        Err(TestError::Transient)
    );
    assert_eq!(BLOCKING_PROBE.state(), BreakerState::Open);
    assert_eq!(
        call(&BLOCKING_PROBE, Ok(2)),
        Ok(2),
        "open for zero: the next call probes"
    );
    assert_eq!(BLOCKING_PROBE.state(), BreakerState::Closed);
    assert_eq!(calls.get(), 3);
}
