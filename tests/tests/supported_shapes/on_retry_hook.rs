// Pins: `on_retry = path` with a hook for one error type, and with a hook
// generic over the error type.

use std::fmt::Debug;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::{RetryEvent, retry};

static RETRIES: AtomicU32 = AtomicU32::new(0);

fn count(event: &RetryEvent<'_, io::Error>) {
    assert!(event.attempt >= 1);
    RETRIES.fetch_add(1, Ordering::Relaxed);
}

fn log<E: Debug>(event: &RetryEvent<'_, E>) {
    eprintln!("{event:?}");
}

#[retry(max_attempts = 3, base_delay = "1ms", on_retry = count)]
fn flaky(calls: &AtomicU32) -> Result<u32, io::Error> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n < 3 {
        Err(io::ErrorKind::ConnectionReset.into())
    } else {
        Ok(n)
    }
}

#[retry(max_attempts = 2, on_retry = log)]
async fn logged() -> Result<u32, io::Error> {
    Ok(1)
}

#[tokio::test]
async fn compiles_and_runs() {
    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls).unwrap(), 3);
    assert_eq!(RETRIES.load(Ordering::Relaxed), 2);
    assert_eq!(logged().await.unwrap(), 1);
}
