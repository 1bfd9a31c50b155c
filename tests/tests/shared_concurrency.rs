//! 10,000 tasks on a multi-threaded runtime hammer one breaker and one
//! budget; the invariants hold: never more half-open probes than permitted,
//! tokens never below zero or above capacity, no refund lost, and no
//! reservation kept by a call cancelled before its retry.
//!
//! Real (not paused) time: a multi-threaded runtime cannot pause its clock.
//! Nothing here waits on time, so nothing is timing-dependent; the counts
//! asserted are the ones every interleaving must give.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{BreakerConfig, BreakerState, CircuitBreaker, Policy, RetryBudget};
use tests::TestError;
use tokio::task::JoinSet;

const TASKS: u32 = 10_000;
const PROBES: u32 = 5;

/// Far longer than the test runs, however loaded the machine: no probe
/// goes stale here (that is tested in virtual time, in
/// `breaker_transitions.rs`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(3600);

static HAMMERED: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("hammered")
        .failure_threshold(1)
        .half_open_probes(PROBES)
        .open_for(Duration::ZERO)
        .probe_timeout(PROBE_TIMEOUT),
);

#[derive(Default)]
struct Probes {
    running: AtomicU32,
    most_at_once: AtomicU32,
    total: AtomicU32,
    normal: AtomicU32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_tasks_never_run_more_half_open_probes_than_permitted() {
    let tripped = Policy::new()
        .max_attempts(1)
        .retry(|| std::future::ready(Err::<(), _>(TestError::Transient)))
        .breaker(&HAMMERED)
        .await;
    assert_eq!(tripped, Err(TestError::Transient));
    assert_eq!(HAMMERED.state(), BreakerState::Open);

    // Open for zero: the first call half-opens it. While a probe's body
    // runs the breaker is half-open (it closes only after all probes,
    // this one included, succeed), and once closed nothing reopens it: a
    // body that sees `HalfOpen` is a probe, one that sees `Closed` is not.
    let probes = Arc::new(Probes::default());
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let probes = Arc::clone(&probes);
        tasks.spawn(async move {
            Policy::new()
                .max_attempts(1)
                .retry(|| {
                    let probes = Arc::clone(&probes);
                    async move {
                        if HAMMERED.state() == BreakerState::HalfOpen {
                            probes.total.fetch_add(1, Ordering::SeqCst);
                            let now = probes.running.fetch_add(1, Ordering::SeqCst) + 1;
                            probes.most_at_once.fetch_max(now, Ordering::SeqCst);
                            for _ in 0..3 {
                                tokio::task::yield_now().await;
                            }
                            probes.running.fetch_sub(1, Ordering::SeqCst);
                        } else {
                            probes.normal.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok::<(), TestError>(())
                    }
                })
                .breaker(&HAMMERED)
                .await
        });
    }
    let (mut succeeded, mut rejected) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.expect("no panic") {
            Ok(()) => succeeded += 1,
            Err(TestError::Rejected(r)) => {
                assert_eq!(r.state, BreakerState::HalfOpen);
                assert!(r.retry_in <= PROBE_TIMEOUT, "{r}");
                rejected += 1;
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
    let total = probes.total.load(Ordering::SeqCst);
    let most = probes.most_at_once.load(Ordering::SeqCst);
    let normal = probes.normal.load(Ordering::SeqCst);
    println!("probes {total} (at most {most} at once), normal {normal}, rejected {rejected}");
    assert_eq!(total, PROBES, "exactly the permitted probes ran");
    assert!(most <= PROBES, "{most} probes ran at once");
    assert_eq!(succeeded, total + normal);
    assert_eq!(succeeded + rejected, TASKS);
    assert_eq!(HAMMERED.state(), BreakerState::Closed);
}

static SHARED: RetryBudget = RetryBudget::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_tasks_retrying_at_once_keep_the_budget_in_bounds_and_lose_no_refund() {
    let done = Arc::new(AtomicBool::new(false));
    let monitor = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut samples = 0u64;
            while !done.load(Ordering::SeqCst) {
                assert!(SHARED.available() <= 500);
                samples += 1;
                tokio::task::yield_now().await;
            }
            samples
        })
    };
    // Each task fails once, then succeeds on its retry if the budget pays
    // for it; a paid retry is refunded when it succeeds.
    let in_flight = Arc::new(AtomicU32::new(0));
    let most_in_flight = Arc::new(AtomicU32::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let (in_flight, most_in_flight) = (Arc::clone(&in_flight), Arc::clone(&most_in_flight));
        tasks.spawn(async move {
            let mut attempt = 0;
            Policy::new()
                .max_attempts(2)
                .base_delay(Duration::ZERO)
                .retry(|| {
                    attempt += 1;
                    let retry = attempt > 1;
                    let (in_flight, most_in_flight) =
                        (Arc::clone(&in_flight), Arc::clone(&most_in_flight));
                    async move {
                        if !retry {
                            return Err(TestError::Transient);
                        }
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most_in_flight.fetch_max(now, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    }
                })
                .budget(&SHARED)
                .await
        });
    }
    let (mut retried, mut denied) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.expect("no panic") {
            Ok(()) => retried += 1,
            Err(TestError::Transient) => denied += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    done.store(true, Ordering::SeqCst);
    let samples = monitor
        .await
        .expect("the monitor saw no token count out of bounds");
    let most = most_in_flight.load(Ordering::SeqCst);
    println!(
        "retried {retried}, denied {denied}, at most {most} paid retries at once, {samples} samples"
    );
    assert_eq!(retried + denied, TASKS);
    // A denial means the bucket was empty: 100 paid retries were
    // outstanding, and each of those succeeded.
    assert!(retried >= 100);
    assert!(
        most <= 100,
        "{most} retries paid at once from 500 tokens at 5 each"
    );
    assert_eq!(
        SHARED.available(),
        500,
        "every paid retry succeeded and was refunded"
    );
}

static REFILLED: RetryBudget = RetryBudget::new().capacity(20_000).retry_cost(200);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_first_try_refunds_all_land() {
    // Drain it: 100 failing calls, each paying one retry of 200.
    for _ in 0..100 {
        let result = Policy::new()
            .max_attempts(2)
            .base_delay(Duration::ZERO)
            .retry(|| std::future::ready(Err::<(), _>(TestError::Transient)))
            .budget(&REFILLED)
            .await;
        assert_eq!(result, Err(TestError::Transient));
    }
    assert_eq!(REFILLED.available(), 0);
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        tasks.spawn(
            Policy::new()
                .retry(|| std::future::ready(Ok::<(), TestError>(())))
                .budget(&REFILLED),
        );
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.expect("no panic"), Ok(()));
    }
    // Below the capacity, so nothing is capped: one token per success.
    assert_eq!(REFILLED.available(), TASKS);
}

static CANCELLED: RetryBudget = RetryBudget::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_calls_cancelled_in_their_sleep_give_back_every_reservation() {
    // Every task fails at once; the budget pays 100 retries of 5 from its
    // 500 tokens, the other calls end at once on the empty budget. The 100
    // paid-for callers sleep an hour before their retry, and are aborted.
    let attempted = Arc::new(AtomicU32::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let attempted = Arc::clone(&attempted);
        tasks.spawn(async move {
            Policy::new()
                .max_attempts(2)
                .base_delay(Duration::from_secs(3600))
                .retry(|| {
                    attempted.fetch_add(1, Ordering::SeqCst);
                    std::future::ready(Err::<(), _>(TestError::Transient))
                })
                .budget(&CANCELLED)
                .await
        });
    }
    let mut ended = 0;
    while ended < TASKS - 100 {
        let result = tasks.join_next().await.expect("tasks left");
        assert_eq!(result.expect("no panic"), Err(TestError::Transient));
        ended += 1;
    }
    assert_eq!(CANCELLED.available(), 0, "100 retries reserved");
    assert_eq!(tasks.len(), 100);
    tasks.abort_all();
    let mut aborted = 0;
    while let Some(result) = tasks.join_next().await {
        assert!(result.expect_err("aborted in its sleep").is_cancelled());
        aborted += 1;
    }
    assert_eq!(aborted, 100);
    assert_eq!(attempted.load(Ordering::SeqCst), TASKS, "no retry began");
    assert_eq!(
        CANCELLED.available(),
        500,
        "every reservation came back: no retry happened"
    );
}
