// Pins: the expansion's own names cannot clash with the user's: arguments
// and locals named like them (`policy`, `attempts`, `__retry_policy`,
// `__retry_attempts`, ...), and types named like the runtime's
// (`Policy`, `Step`, `Duration`) in scope.

#![allow(dead_code, non_snake_case)]

use std::io;

use retry_runtime::retry;

struct Policy;
struct Step;
struct CallState;
struct Duration;

#[retry(max_attempts = 2, base_delay = "1ms")]
async fn fetch(policy: u32, __retry_policy: u32, __retry_attempts: u32) -> Result<u32, io::Error> {
    let attempts = 1;
    let __retry_attempt = 2;
    let __retry_result = 3;
    let __retry_delay = 4;
    let result = 5;
    let delay = 6;
    Ok(policy
        + __retry_policy
        + __retry_attempts
        + attempts
        + __retry_attempt
        + __retry_result
        + __retry_delay
        + result
        + delay)
}

#[retry(max_attempts = 2, base_delay = "1ms")]
fn fetch_blocking(policy: u32, __retry_attempts: u32) -> Result<u32, io::Error> {
    let __retry_policy = 1;
    let __retry_fake_return = 2;
    Ok(policy + __retry_attempts + __retry_policy + __retry_fake_return)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(
        fetch(1, 2, 3).await.unwrap(),
        1 + 2 + 3 + 1 + 2 + 3 + 4 + 5 + 6
    );
    assert_eq!(fetch_blocking(1, 2).unwrap(), 1 + 2 + 1 + 2);
}
