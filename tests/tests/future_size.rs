//! The future of an annotated async fn stays small: no larger than the
//! larger of the body's future and the sleep future, plus 64 bytes. An
//! async fn runs its first attempt before its retry loop is made, and
//! holds the loop boxed, made only once that attempt fails: its future is
//! its body's and a pointer, plus the call's state when a clock must start
//! first (a deadline, `max_elapsed`). A budget adds nothing, a breaker
//! adds its permit (held across the body's await so a dropped future
//! releases it); a `when_ok` fn (whose loop runs every attempt) adds
//! nothing but what its classifier captures.

use std::mem::size_of_val;
use std::time::Duration;

use retry_runtime::engine::CallState;
use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget, retry};
use tests::TestError;

async fn body(buffer: [u8; 200]) -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(u32::from(buffer[0]))
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter)]
async fn small_body() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter)]
async fn large_body() -> Result<u32, TestError> {
    body([0; 200]).await
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, max_elapsed = "1m")]
async fn large_with_clock() -> Result<u32, TestError> {
    body([0; 200]).await
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, when_ok = |n| *n == 0)]
async fn small_when_ok() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, when_ok = is_zero)]
async fn small_when_ok_fn() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

/// `max_elapsed` starts a clock before the first attempt, so the call's
/// state is made up front, and kept in the fn's future beside the body's.
#[retry(max_attempts = 4, base_delay = "10ms", jitter, max_elapsed = "1m")]
async fn small_with_clock() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[tokio::test]
async fn when_ok_adds_nothing_but_its_captures() {
    let sleep = size_of_val(&tokio::time::sleep(Duration::from_millis(1)));
    let small = size_of_val(&async {
        tokio::task::yield_now().await;
        Ok::<u32, TestError>(1)
    });
    let with_closure = size_of_val(&small_when_ok());
    println!("when_ok: small body {small} B -> {with_closure} B");
    assert_eq!(size_of_val(&small_when_ok_fn()), with_closure);
    assert!(
        with_closure <= small.max(sleep) + 64,
        "{with_closure} > max({small}, {sleep}) + 64"
    );
}

#[tokio::test]
async fn boxed_retry_state_leaves_the_body_and_two_pointers() {
    let small = size_of_val(&async {
        tokio::task::yield_now().await;
        Ok::<u32, TestError>(1)
    });
    let large = size_of_val(&body([0; 200]));
    // The body's future (in the closure's), beside it the pointer to the
    // retry state and the sleep's borrow of it, the states' tags: 16 bytes
    // more for the small body, 24 for the large one (rustc 1.95).
    let (annotated_small, annotated_large) =
        (size_of_val(&small_body()), size_of_val(&large_body()));
    assert!(
        annotated_small <= small + 24,
        "{annotated_small} > {small} + 24"
    );
    assert!(
        annotated_large <= large + 24,
        "{annotated_large} > {large} + 24"
    );
}

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("size"));
static BUDGET: RetryBudget = RetryBudget::new();

#[retry(max_attempts = 4, base_delay = "10ms", jitter, budget = BUDGET)]
async fn small_budgeted() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, breaker = BREAKER)]
async fn small_breaker() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, breaker = BREAKER, budget = BUDGET)]
async fn small_guarded() -> Result<u32, TestError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(max_attempts = 4, base_delay = "10ms", jitter, breaker = BREAKER, budget = BUDGET)]
async fn large_guarded() -> Result<u32, TestError> {
    body([0; 200]).await
}

#[tokio::test]
async fn annotated_futures_add_at_most_64_bytes() {
    let sleep = size_of_val(&tokio::time::sleep(Duration::from_millis(1)));
    let small = size_of_val(&async {
        tokio::task::yield_now().await;
        Ok::<u32, TestError>(1)
    });
    let large = size_of_val(&body([0; 200]));

    let annotated_small = size_of_val(&small_body());
    let annotated_large = size_of_val(&large_body());
    println!(
        "sleep {sleep} B; small body {small} B -> {annotated_small} B; large body {large} B -> {annotated_large} B"
    );
    assert!(
        annotated_small <= small.max(sleep) + 64,
        "{annotated_small} > max({small}, {sleep}) + 64"
    );
    assert!(
        annotated_large <= large.max(sleep) + 64,
        "{annotated_large} > max({large}, {sleep}) + 64"
    );
}

#[tokio::test]
async fn a_budget_adds_nothing_and_a_breaker_at_most_its_pass() {
    let plain = size_of_val(&small_with_clock());
    let budgeted = size_of_val(&small_budgeted());
    let breaker = size_of_val(&small_breaker());
    let guarded = size_of_val(&small_guarded());
    let large = size_of_val(&large_with_clock());
    let large_guarded = size_of_val(&large_guarded());
    let pass = size_of::<retry_runtime::engine::Pass<'static>>();
    println!(
        "small body: plain {plain} B, budget {budgeted} B, breaker {breaker} B, both {guarded} B; \
         large body: plain {large} B, both {large_guarded} B; pass {pass} B"
    );
    assert_eq!(budgeted, size_of_val(&small_body()));
    assert!(breaker <= plain + pass, "{breaker} > {plain} + {pass}");
    assert!(guarded <= plain + pass, "{guarded} > {plain} + {pass}");
    assert!(
        large_guarded <= large + pass,
        "{large_guarded} > {large} + {pass}"
    );
}

#[test]
fn the_per_call_state_is_small() {
    assert!(
        size_of::<CallState>() <= 48,
        "CallState is {} bytes",
        size_of::<CallState>()
    );
}
