// Pins: a `Result` alias as the return type (`io::Result<T>`, and a local
// alias with the error fixed).

use std::io;

use retry_runtime::retry;

type Fallible<T> = std::result::Result<T, io::Error>;

#[retry(max_attempts = 2)]
async fn read() -> io::Result<u32> {
    Ok(1)
}

#[retry(max_attempts = 2)]
fn read_blocking() -> Fallible<u32> {
    Ok(2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(read().await.unwrap(), 1);
    assert_eq!(read_blocking().unwrap(), 2);
}
