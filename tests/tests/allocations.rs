//! The success path allocates nothing: a counting global allocator watches
//! calls through `#[retry]` and the function API that succeed at once, with
//! and without a circuit breaker and a retry budget, with `when_ok`, and
//! with the attempt's context (and a deadline, blocking).
//!
//! One test in this binary, so no other test thread allocates meanwhile.
//! (The library's own `metrics` reporter thread may: see the test.)

use std::alloc::System;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget, retry};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[retry(max_attempts = 5, base_delay = "100ms", jitter)]
async fn annotated(n: u32) -> Result<u32, io::Error> {
    Ok(n + 1)
}

#[retry(max_attempts = 5, base_delay = "100ms", jitter)]
fn annotated_blocking(n: u32) -> Result<u32, io::Error> {
    Ok(n + 1)
}

#[retry(max_attempts = 5, base_delay = "100ms", jitter, when_ok = |n| *n == 0)]
async fn annotated_when_ok(n: u32) -> Result<u32, io::Error> {
    Ok(n + 1)
}

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("alloc"));
static BUDGET: RetryBudget = RetryBudget::new();

#[retry(max_attempts = 5, base_delay = "100ms", jitter, breaker = BREAKER, budget = BUDGET)]
async fn guarded(n: u32) -> Result<u32, io::Error> {
    Ok(n + 1)
}

#[retry(max_attempts = 5, base_delay = "100ms", jitter, breaker = BREAKER, budget = BUDGET)]
fn guarded_blocking(n: u32) -> Result<u32, io::Error> {
    Ok(n + 1)
}

#[retry(max_attempts = 5, base_delay = "100ms", context)]
async fn with_context(n: u32) -> Result<u32, io::Error> {
    Ok(n + retry_runtime::attempt::current().map_or(0, |context| context.number()))
}

#[retry(max_attempts = 5, base_delay = "100ms", deadline = "10s", context)]
fn with_context_blocking(n: u32) -> Result<u32, io::Error> {
    Ok(n + retry_runtime::attempt::current().map_or(0, |context| context.number()))
}

const POLICY: Policy = Policy::new().max_attempts(5);

/// Polls a future that must finish at once, with no waker (the test runs
/// inside a tokio runtime's context, as async calls must with the `tokio`
/// feature, but nothing drives it).
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the success path should not wait"),
    }
}

/// Every kind of call, once each; the sum of their answers.
fn calls(n: u32) -> u32 {
    let mut total = 0;
    total += ready(annotated(n)).unwrap_or(0);
    total += annotated_blocking(n).unwrap_or(0);
    total += ready(POLICY.retry(|| async { Ok::<_, io::Error>(1) })).unwrap_or(0);
    total += POLICY
        .retry_blocking(|| Ok::<_, io::Error>(1))
        .call()
        .unwrap_or(0);
    total += ready(annotated_when_ok(n)).unwrap_or(0);
    total += ready(
        POLICY
            .retry(|| async { Ok::<_, io::Error>(1) })
            .when_ok(|n| *n == 0),
    )
    .unwrap_or(0);
    total += ready(guarded(n)).unwrap_or(0);
    total += guarded_blocking(n).unwrap_or(0);
    total += ready(
        POLICY
            .retry(|| async { Ok::<_, io::Error>(1) })
            .breaker(&BREAKER)
            .budget(&BUDGET),
    )
    .unwrap_or(0);
    total += POLICY
        .retry_blocking(|| Ok::<_, io::Error>(1))
        .breaker(&BREAKER)
        .budget(&BUDGET)
        .call()
        .unwrap_or(0);
    // A deadline and the attempt's context: n + 1 each.
    total += ready(with_context(n)).unwrap_or(0);
    total += with_context_blocking(n).unwrap_or(0);
    total += ready(
        POLICY.retry_with_context(|context| async move { Ok::<_, io::Error>(context.number()) }),
    )
    .unwrap_or(0);
    total
}

#[test]
fn successful_calls_allocate_nothing() {
    // The first call of each site registers it: once per site, not per
    // call. It also starts the `metrics` reporter thread (this binary has
    // the feature on), which allocates as it starts and once a second: the
    // counting allocator is global, so a window that overlaps one of those
    // moments is not about the success path. A success path that allocated
    // would show in every window of 1,000 rounds; one clean window proves
    // it does not.
    // Async calls are polled inside a runtime's context (in debug builds
    // one polled outside fails at once); entering it allocates nothing
    // per call.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let _entered = runtime.enter();
    calls(0);
    let mut windows = Vec::new();
    for _ in 0..10 {
        let region = Region::new(GLOBAL);
        let mut total = 0;
        for n in 0..1000 {
            total += calls(n);
        }
        let change = region.change();
        assert_eq!(total, 7 * 500_500 + 6 * 1000, "every call succeeded");
        if change.allocations == 0 && change.reallocations == 0 {
            return;
        }
        windows.push(change);
    }
    panic!("every window of 1,000 rounds allocated: {windows:#?}");
}
