// Pins: `#[retry]` on a plain `async fn` at module level, with no keys, and
// a call that succeeds on the first attempt (so nothing sleeps).

use std::io;

use retry_runtime::retry;

#[retry]
async fn fetch(id: u64) -> Result<u64, io::Error> {
    Ok(id + 1)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch(41).await.unwrap(), 42);
}
