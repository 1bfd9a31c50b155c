//! Without the `tokio` feature, async retries sleep and time out on a
//! runtime-neutral timer: annotated fns, the function API and the tower
//! layer run to completion, with retries, on `futures-executor`'s
//! `block_on`, with no tokio runtime anywhere.
//!
//! `cargo test -p retry-runtime --no-default-features` (and `--features
//! tower` for the layer's case); with `tokio` on, this file is empty.
#![cfg(not(feature = "tokio"))]

use std::future::pending;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures_executor::block_on;
use retry_runtime::{Policy, RetryEvent, TimedOut, retry};

/// Proof that no tokio runtime is polling the call.
fn no_tokio_runtime() {
    assert!(
        tokio::runtime::Handle::try_current().is_err(),
        "this test must run outside tokio"
    );
}

static DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

fn record(event: &RetryEvent<'_, io::Error>) {
    DELAYS.lock().unwrap().push(event.delay);
}

#[retry(max_attempts = 3, base_delay = "5ms", on_retry = record)]
async fn reset_twice(calls: &AtomicU32) -> Result<u32, io::Error> {
    no_tokio_runtime();
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 {
        return Err(io::ErrorKind::ConnectionReset.into());
    }
    Ok(call)
}

#[test]
fn an_annotated_async_fn_retries_on_a_non_tokio_executor() {
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    assert_eq!(block_on(reset_twice(&calls)).unwrap(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        *DELAYS.lock().unwrap(),
        [Duration::from_millis(5), Duration::from_millis(10)]
    );
    // The sleeps were real (a lower bound only: the machine may be slow).
    assert!(started.elapsed() >= Duration::from_millis(15));
}

#[retry(max_attempts = 2, base_delay = "1ms", timeout = "20ms")]
async fn hangs_once(calls: &AtomicU32) -> Result<u32, io::Error> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call == 1 {
        pending::<()>().await;
    }
    Ok(call)
}

#[retry(max_attempts = 2, base_delay = "1ms", timeout = "10ms")]
async fn always_hangs(calls: &AtomicU32) -> Result<u32, io::Error> {
    calls.fetch_add(1, Ordering::SeqCst);
    pending().await
}

#[test]
fn attempts_time_out_on_the_neutral_timer() {
    let calls = AtomicU32::new(0);
    assert_eq!(block_on(hangs_once(&calls)).unwrap(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let calls = AtomicU32::new(0);
    let error = block_on(always_hangs(&calls)).unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    let timed_out = error.get_ref().and_then(|e| e.downcast_ref::<TimedOut>());
    assert_eq!(timed_out, Some(&TimedOut::new(Duration::from_millis(10))));
}

#[test]
fn the_function_api_retries_and_times_out_on_a_non_tokio_executor() {
    let calls = AtomicU32::new(0);
    let policy = Policy::new()
        .base_delay(Duration::from_millis(2))
        .timeout(Duration::from_millis(10));
    let answer = block_on(
        policy
            .retry(|| {
                no_tokio_runtime();
                let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    match call {
                        1 => Err(io::Error::from(io::ErrorKind::ConnectionReset)),
                        2 => pending().await,
                        _ => Ok(call),
                    }
                }
            })
            .name("neutral.function"),
    );
    // A reset, a timed-out attempt, then the answer.
    assert_eq!(answer.unwrap(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[cfg(feature = "tower")]
#[test]
fn the_tower_layer_retries_on_a_non_tokio_executor() {
    use retry_runtime::Verdict;
    use retry_runtime::tower::RetryLayer;
    use std::sync::Arc;
    use tower::{Service, ServiceExt, service_fn};

    let calls = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let flaky = service_fn(move |question: &'static str| {
        no_tokio_runtime();
        let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = if call < 3 { "busy" } else { "42" };
        async move { Ok::<_, io::Error>(format!("{question}: {answer}")) }
    });
    let layer = RetryLayer::new(Policy::new().base_delay(Duration::from_millis(2)))
        .name("neutral.tower")
        .classify_responses(|answer: &String| Verdict::from_bool(answer.ends_with("busy")));
    let mut service = tower::Layer::layer(&layer, flaky);
    let answer = block_on(async { service.ready().await?.call("question").await });
    assert_eq!(answer.unwrap(), "question: 42");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
