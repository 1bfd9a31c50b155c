//! Blocking fns need no async runtime, whatever the features: they sleep
//! on the thread (`std::thread::sleep`) and read the system clock.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, retry};

fn no_tokio_runtime() {
    assert!(
        tokio::runtime::Handle::try_current().is_err(),
        "this test must run outside tokio"
    );
}

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("blocking.no_runtime"));

#[retry(max_attempts = 3, base_delay = "2ms", max_elapsed = "10s", breaker = BREAKER)]
fn reset_twice(calls: &AtomicU32) -> Result<u32, io::Error> {
    no_tokio_runtime();
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 {
        return Err(io::ErrorKind::ConnectionReset.into());
    }
    Ok(call)
}

#[test]
fn a_blocking_annotated_fn_retries_with_no_runtime() {
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    assert_eq!(reset_twice(&calls).unwrap(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // Slept 2 ms, then 4 ms, on this thread (a lower bound only).
    assert!(started.elapsed() >= Duration::from_millis(6));
}

#[test]
fn the_blocking_function_api_retries_with_no_runtime() {
    let mut calls = 0;
    let answer = Policy::new()
        .base_delay(Duration::from_millis(2))
        .retry_blocking(|| {
            no_tokio_runtime();
            calls += 1;
            if calls < 3 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(calls)
            }
        })
        .call();
    assert_eq!(answer.unwrap(), 3);
    assert_eq!(calls, 3);
}
