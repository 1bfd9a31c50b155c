//! Model checks of the breaker's and the budget's compare-exchange loops:
//! loom runs each closure under every interleaving (and every memory
//! ordering outcome) the threads allow. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p retry-runtime --release --lib loom`.
//!
//! The models stay at two or three threads of a few operations each, so the
//! whole run takes seconds.

use core::time::Duration;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;

use crate::breaker::{BreakerConfig, BreakerState, CircuitBreaker, Outcome};
use crate::budget::{Paid, RetryBudget};
use crate::classify::Kind;

const OPEN_FOR: Duration = Duration::from_nanos(100);

fn at(t: i64) -> impl Fn() -> i64 {
    move || t
}

#[test]
fn loom_budget_never_pays_a_retry_twice() {
    loom::model(|| {
        // Room for one retry: two racing withdrawals, exactly one wins.
        let budget = Arc::new(RetryBudget::new().capacity(7));
        let other = Arc::clone(&budget);
        let racer = thread::spawn(move || other.withdraw(Kind::Server));
        let here = budget.withdraw(Kind::Server);
        let there = racer.join().expect("no panic");
        let paid = [here, there].iter().filter(|p| **p == Paid::Retry).count();
        assert_eq!(paid, 1);
        assert_eq!(budget.available(), 2);
    });
}

#[test]
fn loom_budget_refunds_are_neither_lost_nor_above_capacity() {
    loom::model(|| {
        let budget = Arc::new(RetryBudget::new().capacity(10));
        assert_eq!(budget.withdraw(Kind::Server), Paid::Retry);
        assert_eq!(budget.withdraw(Kind::Server), Paid::Retry);
        // Empty. One thread refunds a retry and a first try; another
        // refunds a retry and then tries to take one.
        let first = Arc::clone(&budget);
        let second = Arc::clone(&budget);
        let a = thread::spawn(move || {
            first.refund(Paid::Retry);
            first.first_try_succeeded();
        });
        let b = thread::spawn(move || {
            second.refund(Paid::Retry);
            second.withdraw(Kind::Server)
        });
        a.join().expect("no panic");
        let took = b.join().expect("no panic");
        // The withdrawal always finds the 5 tokens its own thread put back.
        assert_eq!(took, Paid::Retry);
        // +5 +1 (thread a) and +5 -5 (thread b), capped at 10 after each
        // step: 5 when a's refunds both land before b's withdrawal (the cap
        // eats a token), 6 when the first-try refund comes after it. A lost
        // update or a deposit above the cap gives anything else.
        let left = budget.available();
        assert!(left == 5 || left == 6, "available {left}");
    });
}

#[test]
fn loom_concurrent_failures_trip_once_with_a_consistent_open_time() {
    loom::model(|| {
        let breaker = Arc::new(CircuitBreaker::new(
            BreakerConfig::new("loom")
                .failure_threshold(2)
                .open_for(OPEN_FOR),
        ));
        let first = breaker.acquire(at(0)).expect("closed");
        let failer = Arc::clone(&breaker);
        let other = Arc::clone(&breaker);
        // The trip needs this thread's failure too, so it is admitted while
        // closed whatever the order.
        let failing = thread::spawn(move || {
            let second = failer.acquire(at(0)).expect("closed");
            second.settle(Outcome::Failure, at(10));
        });
        // A caller racing the trip: admitted while closed, or rejected
        // until 10 + OPEN_FOR, never a probe (a stale open time would
        // half-open it at once).
        let prober = thread::spawn(move || match other.acquire(at(50)) {
            Ok(permit) => assert!(!permit.is_probe()),
            Err(rejected) => assert!(rejected.retry_in > Duration::ZERO),
        });
        first.settle(Outcome::Failure, at(10));
        failing.join().expect("no panic");
        prober.join().expect("no panic");
        assert_eq!(breaker.state(), BreakerState::Open);
        let rejected = breaker.acquire(at(10)).expect_err("open");
        assert_eq!(rejected.retry_in, OPEN_FOR);
    });
}

/// Runs `permit`'s call while counting the probes running at once, which
/// must never exceed the single permitted one.
fn run_counted(permit: &crate::breaker::Permit<'_>, running: &AtomicU32) {
    if permit.is_probe() {
        let now_running = running.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(now_running <= 1, "{now_running} probes at once");
        running.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn loom_half_open_gives_out_no_more_probes_than_permitted() {
    loom::model(|| {
        let breaker = Arc::new(CircuitBreaker::new(
            BreakerConfig::new("loom")
                .failure_threshold(1)
                .half_open_probes(1)
                .open_for(OPEN_FOR),
        ));
        breaker
            .acquire(at(0))
            .expect("closed")
            .settle(Outcome::Failure, at(0));
        let running = Arc::new(AtomicU32::new(0));
        let (other, counter) = (Arc::clone(&breaker), Arc::clone(&running));
        // One caller's probe succeeds, the other's is cancelled.
        let succeeding = thread::spawn(move || match other.acquire(at(100)) {
            Ok(permit) => {
                run_counted(&permit, &counter);
                let probe = permit.is_probe();
                permit.settle(Outcome::Success, at(100));
                probe
            }
            Err(_) => false,
        });
        if let Ok(permit) = breaker.acquire(at(100)) {
            run_counted(&permit, &running);
            drop(permit);
        }
        let succeeded = succeeding.join().expect("no panic");
        if succeeded {
            assert_eq!(breaker.state(), BreakerState::Closed);
        } else {
            // Rejected while the other held the place, which it then gave
            // back: the next caller is the probe.
            assert_eq!(breaker.state(), BreakerState::HalfOpen);
            assert!(breaker.acquire(at(100)).is_ok_and(|p| p.is_probe()));
        }
    });
}

#[test]
fn loom_a_released_probe_and_a_failed_probe_race_without_leaking_a_place() {
    loom::model(|| {
        let breaker = Arc::new(CircuitBreaker::new(
            BreakerConfig::new("loom")
                .failure_threshold(1)
                .half_open_probes(2)
                .open_for(OPEN_FOR),
        ));
        breaker
            .acquire(at(0))
            .expect("closed")
            .settle(Outcome::Failure, at(0));
        let dropper = Arc::clone(&breaker);
        let failer = Arc::clone(&breaker);
        // One probe is abandoned (its call cancelled) while another fails;
        // the abandoning thread may also come after the failure, and then
        // it is rejected or, if it comes late, its release is stale.
        let a = thread::spawn(move || drop(dropper.acquire(at(100))));
        let b = thread::spawn(move || {
            let failed = failer.acquire(at(100)).expect("a probe place is free");
            failed.settle(Outcome::Failure, at(100));
        });
        a.join().expect("no panic");
        b.join().expect("no panic");
        // Whatever the order, the failure reopened the breaker for a full
        // period, and the next half-open period has both places free.
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.acquire(at(199)).is_err());
        let next = [breaker.acquire(at(200)), breaker.acquire(at(200))];
        assert!(next.iter().all(|p| p.as_ref().is_ok_and(|p| p.is_probe())));
        assert!(breaker.acquire(at(200)).is_err());
    });
}

#[test]
fn loom_a_stale_probe_racing_its_replacement_never_wedges_the_breaker() {
    loom::model(|| {
        let breaker = Arc::new(CircuitBreaker::new(
            BreakerConfig::new("loom")
                .failure_threshold(1)
                .open_for(OPEN_FOR)
                .probe_timeout(Duration::from_nanos(50)),
        ));
        breaker
            .acquire(at(0))
            .expect("closed")
            .settle(Outcome::Failure, at(0));
        // A probe admitted at 100 that answers only at 160, past its
        // timeout, while a caller at 150 replaces it.
        let stale = breaker.acquire(at(100)).expect("the probe");
        let other = Arc::clone(&breaker);
        let replacing = thread::spawn(move || {
            if let Ok(permit) = other.acquire(at(150)) {
                assert!(permit.is_probe());
                permit.settle(Outcome::Success, at(150));
            }
        });
        stale.settle(Outcome::Failure, at(160));
        replacing.join().expect("no panic");
        // Either the stale failure landed first (it reopened the breaker,
        // and the caller was rejected), or the caller replaced the stale
        // probe, its success closed the breaker, and the stale failure was
        // ignored.
        let state = breaker.state();
        assert!(
            state == BreakerState::Closed || state == BreakerState::Open,
            "{state:?}"
        );
        // Never half-open with a place held by nobody.
        if state == BreakerState::Open {
            assert_eq!(
                breaker.acquire(at(160)).expect_err("open").retry_in,
                OPEN_FOR
            );
        }
    });
}

#[test]
fn loom_a_cancelled_reservation_comes_back_whatever_races_it() {
    loom::model(|| {
        // Room for one retry. One call reserves it and is dropped in its
        // sleep (the reservation is refunded); another tries to take one.
        let budget = Arc::new(RetryBudget::new().capacity(5));
        let other = Arc::clone(&budget);
        let cancelled = thread::spawn(move || {
            let reserved = other.withdraw(Kind::Server);
            other.refund(reserved);
        });
        let taken = budget.withdraw(Kind::Server);
        cancelled.join().expect("no panic");
        let expected = if taken == Paid::Retry { 0 } else { 5 };
        assert_eq!(budget.available(), expected);
    });
}
