//! With the `tokio` feature (a default one), async retries sleep on tokio's
//! timer, so they must be polled inside a tokio runtime. In debug builds a
//! call polled outside one fails at its first poll, with a message naming
//! `#[retry]` (or the function API, or the layer) and the fix, instead of
//! at its first retry; these calls would all succeed at once, and still
//! fail. What counts is the poll, not where the future was made.
#![cfg(all(feature = "tokio", debug_assertions))]

use std::io;
use std::time::Duration;

use futures_executor::block_on;
use retry_runtime::{Policy, retry};

#[retry(max_attempts = 3, base_delay = "1ms")]
async fn succeeds() -> Result<u32, io::Error> {
    Ok(7)
}

#[test]
#[should_panic(
    expected = "#[retry] async fn `outside_tokio::succeeds` was polled outside a tokio runtime, and with retry-runtime's `tokio` feature (a default one) it sleeps on tokio's timer: poll it inside a tokio runtime (#[tokio::main], #[tokio::test], Runtime::block_on, a task spawned on one), or, to use another executor, depend on retry-runtime with `default-features = false`"
)]
fn an_annotated_fn_polled_outside_tokio_fails_at_its_first_poll() {
    let _ = block_on(succeeds());
}

#[test]
#[should_panic(
    expected = "the Policy::retry call `outside.function` was polled outside a tokio runtime"
)]
fn a_function_api_call_polled_outside_tokio_fails_at_its_first_poll() {
    let _ = block_on(
        Policy::new()
            .retry(|| async { Ok::<_, io::Error>(7) })
            .name("outside.function"),
    );
}

#[test]
#[should_panic(expected = "the Policy::retry call at retry-runtime/tests/outside_tokio.rs:")]
fn an_unnamed_function_api_call_is_named_by_where_it_is_made() {
    let _ = block_on(Policy::new().retry(|| async { Ok::<_, io::Error>(7) }));
}

#[cfg(feature = "tower")]
#[test]
#[should_panic(
    expected = "the call `outside.tower` through the tower RetryLayer was polled outside a tokio runtime"
)]
fn a_layer_call_polled_outside_tokio_fails_before_its_first_attempt() {
    use retry_runtime::tower::RetryLayer;
    use tower::{Service, service_fn};

    let service = service_fn(|question: &'static str| async move { Ok::<_, io::Error>(question) });
    let layer = RetryLayer::new(Policy::new())
        .name("outside.tower")
        .accept_responses();
    let mut service = tower::Layer::layer(&layer, service);
    // `service_fn` is always ready; the call's future is polled outside.
    let _ = block_on(service.call("question"));
}

#[test]
fn a_future_made_outside_and_polled_inside_a_runtime_works() {
    let annotated = succeeds();
    let function = Policy::new()
        .base_delay(Duration::from_millis(1))
        .retry(|| async { Ok::<_, io::Error>(8) });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(annotated).unwrap(), 7);
    assert_eq!(runtime.block_on(function).unwrap(), 8);
}
