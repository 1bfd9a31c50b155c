//! The state machine with explicit times (nanoseconds), no clock involved.

use super::*;

const SEC: i64 = 1_000_000_000;

fn breaker(config: BreakerConfig) -> CircuitBreaker {
    CircuitBreaker::new(config.open_for(Duration::from_secs(10)))
}

fn at(t: i64) -> impl Fn() -> i64 {
    move || t
}

fn fail(b: &CircuitBreaker, t: i64) {
    b.acquire(at(t))
        .expect("admitted")
        .settle(Outcome::Failure, at(t));
}

fn succeed(b: &CircuitBreaker, t: i64) {
    b.acquire(at(t))
        .expect("admitted")
        .settle(Outcome::Success, at(t));
}

#[test]
fn trips_after_the_threshold_and_rejects_until_open_for_has_passed() {
    let b = breaker(BreakerConfig::new("t").failure_threshold(3));
    fail(&b, 0);
    fail(&b, 0);
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, SEC);
    assert_eq!(b.state(), BreakerState::Open);
    let rejected = b.acquire(at(5 * SEC)).expect_err("open");
    assert_eq!(
        rejected,
        Rejected {
            breaker: "t",
            state: BreakerState::Open,
            retry_in: Duration::from_secs(6),
        }
    );
    assert!(b.acquire(at(11 * SEC - 1)).is_err());
    let probe = b
        .acquire(at(11 * SEC))
        .expect("a probe once open_for passed");
    assert!(probe.is_probe());
    assert_eq!(b.state(), BreakerState::HalfOpen);
    probe.settle(Outcome::Success, at(11 * SEC));
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn a_success_resets_the_consecutive_count() {
    let b = breaker(BreakerConfig::new("t").failure_threshold(2));
    fail(&b, 0);
    succeed(&b, 0);
    fail(&b, 0);
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, 0);
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn a_failed_probe_reopens_from_its_own_time() {
    let b = breaker(BreakerConfig::new("t").failure_threshold(1));
    fail(&b, 0);
    let probe = b.acquire(at(10 * SEC)).expect("probe");
    probe.settle(Outcome::Failure, at(12 * SEC));
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(
        b.acquire(at(12 * SEC)).expect_err("reopened").retry_in,
        Duration::from_secs(10)
    );
    assert!(b.acquire(at(22 * SEC)).is_ok());
}

#[test]
fn half_open_admits_exactly_the_probes_and_closes_when_all_succeed() {
    let b = breaker(
        BreakerConfig::new("t")
            .failure_threshold(1)
            .half_open_probes(2),
    );
    fail(&b, 0);
    let first = b.acquire(at(10 * SEC)).expect("probe 1");
    let second = b.acquire(at(10 * SEC)).expect("probe 2");
    let third = b.acquire(at(10 * SEC)).expect_err("no third probe");
    // The probes hold their places for the probe timeout (`open_for`).
    assert_eq!(
        (third.state, third.retry_in),
        (BreakerState::HalfOpen, Duration::from_secs(10))
    );
    first.settle(Outcome::Success, at(10 * SEC));
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert!(
        b.acquire(at(10 * SEC)).is_err(),
        "a succeeded probe keeps its place"
    );
    second.settle(Outcome::Success, at(10 * SEC));
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn a_dropped_probe_gives_its_place_back() {
    let b = breaker(BreakerConfig::new("t").failure_threshold(1));
    fail(&b, 0);
    let probe = b.acquire(at(10 * SEC)).expect("probe");
    assert!(b.acquire(at(10 * SEC)).is_err());
    drop(probe);
    assert_eq!(b.state(), BreakerState::HalfOpen);
    succeed(&b, 10 * SEC);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn late_outcomes_from_an_earlier_period_are_ignored() {
    let b = breaker(
        BreakerConfig::new("t")
            .failure_threshold(1)
            .half_open_probes(2),
    );
    let slow_call = b.acquire(at(0)).expect("closed");
    assert!(!slow_call.is_probe());
    fail(&b, 0);
    // The call admitted while closed ends while the breaker is open.
    slow_call.settle(Outcome::Failure, at(1));
    let old_probe = b.acquire(at(10 * SEC)).expect("probe");
    b.acquire(at(10 * SEC))
        .expect("probe")
        .settle(Outcome::Failure, at(10 * SEC));
    // Next period: the old probe's release must not free a new place.
    let new_probes = [b.acquire(at(20 * SEC)), b.acquire(at(20 * SEC))];
    assert!(new_probes.iter().all(Result::is_ok));
    drop(old_probe);
    assert!(
        b.acquire(at(20 * SEC)).is_err(),
        "still two probes in flight"
    );
}

#[test]
fn failure_rate_trips_within_a_window_and_resets_after_it() {
    // 50 % of 4 calls: trips at the 2nd failure among 4 calls.
    let b = breaker(
        BreakerConfig::new("t")
            .failure_threshold(100)
            .failure_rate(50, 4),
    );
    fail(&b, 0);
    succeed(&b, 0);
    succeed(&b, 0);
    succeed(&b, 0);
    // That window ended with 1 failure in 4; the next starts afresh.
    fail(&b, 0);
    assert_eq!(b.state(), BreakerState::Closed);
    succeed(&b, 0);
    fail(&b, 0);
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn zero_open_for_half_opens_at_the_next_call() {
    let b = CircuitBreaker::new(
        BreakerConfig::new("t")
            .failure_threshold(1)
            .open_for(Duration::ZERO),
    );
    fail(&b, 5);
    assert_eq!(b.state(), BreakerState::Open);
    assert!(b.acquire(at(5)).is_ok());
}

#[test]
fn huge_open_for_saturates_instead_of_overflowing() {
    let b = CircuitBreaker::new(
        BreakerConfig::new("t")
            .failure_threshold(1)
            .open_for(Duration::MAX),
    );
    fail(&b, SEC);
    let rejected = b.acquire(at(i64::MAX - 1)).expect_err("open for ever");
    assert_eq!(rejected.retry_in, Duration::from_nanos(1));
}
