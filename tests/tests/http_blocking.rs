//! `#[retry]` on a sync fn with `reqwest::blocking` (runtime feature
//! `reqwest-blocking`), against the scripted server on 127.0.0.1. The
//! blocking client runs on a thread of its own (`spawn_blocking`): it must
//! not run inside the async runtime that serves. Blocking sleeps are real,
//! so the delays are a few ms.

use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::http::check;
use retry_runtime::{Classify, Verdict, retry};
use tests::api_error::ApiError;
use tests::raw_http::{RawServer, Reply, response};

#[retry(max_attempts = 3, base_delay = "1ms", max_delay = "5ms")]
fn fetch(client: &reqwest::blocking::Client, url: &str) -> Result<String, ApiError> {
    let response = check(client.get(url).send()?)?;
    Ok(response.text()?)
}

/// The delay of each retry of `fetch_recorded`, as its hook saw it (one
/// test calls it, so no other test's retries land here).
static DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

#[retry(
    max_attempts = 3,
    base_delay = "1ms",
    max_delay = "5ms",
    on_retry = |event| DELAYS.lock().expect("delays").push(event.delay)
)]
fn fetch_recorded(client: &reqwest::blocking::Client, url: &str) -> Result<String, ApiError> {
    let response = check(client.get(url).send()?)?;
    Ok(response.text()?)
}

type Fetch = fn(&reqwest::blocking::Client, &str) -> Result<String, ApiError>;

/// Calls `fetch(url)` on a blocking thread, bounded so a hang fails the
/// test instead of stalling it.
async fn on_blocking_thread(fetch: Fetch, url: String) -> Result<String, ApiError> {
    let call = tokio::task::spawn_blocking(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        fetch(&client, &url)
    });
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the blocking call ends")
        .expect("the blocking call does not panic")
}

#[tokio::test]
async fn a_503_with_a_hint_is_retried_after_the_hint() {
    let server = RawServer::start(vec![
        response(503, &[("retry-after-ms", b"20")], "busy"),
        response(200, &[], "done"),
    ])
    .await;
    let result = on_blocking_thread(fetch_recorded, server.url("/issues/7")).await;
    assert_eq!(result.ok().as_deref(), Some("done"));
    assert_eq!(server.requests(), 2);
    // The hint is a floor above the 1 ms backoff, and jitter is off.
    assert_eq!(*DELAYS.lock().expect("delays"), [Duration::from_millis(20)]);
}

#[tokio::test]
async fn a_401_is_returned_after_one_request() {
    let server = RawServer::start(vec![
        response(401, &[("Retry-After", b"1")], "who are you"),
        response(200, &[], "done"),
    ])
    .await;
    let error = on_blocking_thread(fetch, server.url("/issues/7"))
        .await
        .expect_err("a 401 is permanent");
    assert_eq!(server.requests(), 1);
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.classify(), Verdict::auth());
    assert!(
        error
            .to_string()
            .starts_with("HTTP 401 from http://127.0.0.1:"),
        "{error}"
    );
}

#[tokio::test]
async fn exhausted_attempts_return_the_last_error() {
    let server = RawServer::start(vec![
        response(502, &[], ""),
        response(503, &[], ""),
        response(504, &[], ""),
        response(200, &[], "too late"),
    ])
    .await;
    let error = on_blocking_thread(fetch, server.url("/"))
        .await
        .expect_err("three failures");
    assert_eq!(server.requests(), 3);
    assert_eq!(error.status(), Some(504));
}

/// A blocking fn cannot take `#[retry(timeout)]`; the client's own timeout
/// stands in, and classifies as a timeout, so it is retried.
#[tokio::test]
async fn the_blocking_clients_timeout_is_a_transient_timeout() {
    let server = RawServer::start(vec![Reply::Hang, Reply::Hang, response(200, &[], "done")]).await;
    let url = server.url("/slow");
    let call = tokio::task::spawn_blocking(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_millis(20))
            .build()
            .expect("client");
        let timed_out = client.get(&url).send().expect_err("the server stalls");
        (timed_out.classify(), fetch(&client, &url))
    });
    let (verdict, retried) = tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the blocking calls end")
        .expect("the blocking calls do not panic");
    assert_eq!(verdict, Verdict::timeout());
    // One stalled request alone, then `fetch`: a stalled attempt, a retry.
    assert_eq!(retried.ok().as_deref(), Some("done"));
    assert_eq!(server.requests(), 3);
}
