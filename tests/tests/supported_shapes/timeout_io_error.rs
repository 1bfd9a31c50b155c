// Pins: `timeout` with `std::io::Error` (which has `From<TimedOut>`), and
// with a user error that has a `#[from] TimedOut` variant.

use std::io;
use std::time::Duration;

use retry_runtime::retry;
use tests::TestError;

#[retry(timeout = "50ms", max_attempts = 2, base_delay = "1ms")]
async fn slow() -> Result<(), io::Error> {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[retry(timeout = "1s")]
async fn fast() -> Result<u32, TestError> {
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn compiles_and_runs() {
    let error = slow().await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(fast().await, Ok(1));
}
