// Pins: `crate = path` for a renamed runtime, given as a path and as a
// string; the expansion then names nothing under `::retry_runtime`.

use std::io;

use retry_runtime as my_retry;

mod nested {
    pub use retry_runtime as again;
}

#[my_retry::retry(crate = my_retry, max_attempts = 2, timeout = "1s")]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

#[nested::again::retry(crate = "nested::again", max_attempts = 2)]
fn fetch_blocking() -> Result<u32, io::Error> {
    Ok(2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch().await.unwrap(), 1);
    assert_eq!(fetch_blocking().unwrap(), 2);
}
