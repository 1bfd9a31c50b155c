//! Retry on `Ok`: reqwest without `error_for_status` returns a 503 or a
//! 429 as `Ok(Response)`, and `when_ok` (the attribute's key, the function
//! API's builder) retries it. Against a scripted HTTP server on 127.0.0.1,
//! in virtual time: the server's log gives the request count and the exact
//! waits between attempts.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::Response;
use retry_runtime::http::transient_response;
use retry_runtime::{Kind, Policy, RetryBudget, RetryEvent, retry, stats};
use tests::capture::capture;
use tests::ms;
use tests::raw_http::{RawServer, Reply, response};

fn client() -> reqwest::Client {
    // No idle pool, so no pool timer runs on the paused clock.
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

/// The status and the body text.
async fn read(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

fn answer(status: u16, body: &str) -> (u16, String) {
    (status, body.to_owned())
}

#[retry(max_attempts = 3, base_delay = "100ms", when_ok = transient_response, name = "ok.get")]
async fn get(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

#[tokio::test(start_paused = true)]
async fn a_503_and_a_429_returned_as_ok_are_retried_after_their_hints() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"2")], "busy"),
        response(429, &[("retry-after-ms", b"1500")], "slow down"),
        response(200, &[], "fine"),
    ])
    .await;
    let got = get(&client(), &server.url("/a")).await.expect("a response");
    assert_eq!(read(got).await, answer(200, "fine"));
    assert_eq!(server.requests(), 3);
    assert_eq!(
        server.gaps(),
        [Duration::from_secs(2), ms(1500)],
        "the hints, not 100 ms and 200 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn out_of_attempts_the_last_value_is_returned_as_ok() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(502, &[], "two"),
        response(503, &[], "three"),
        response(200, &[], "never asked"),
    ])
    .await;
    let got = get(&client(), &server.url("/a"))
        .await
        .expect("the last response, not an error");
    assert_eq!(read(got).await, answer(503, "three"));
    assert_eq!(server.requests(), 3);
    assert_eq!(server.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_max_retry_after_returns_the_value_at_once() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"120")], "in two minutes"),
        response(200, &[], "fine"),
    ])
    .await;
    // The default `max_retry_after` is 60 s: one request, no wait.
    let started = tokio::time::Instant::now();
    let got = get(&client(), &server.url("/a")).await.expect("the 503");
    assert_eq!(read(got).await, answer(503, "in two minutes"));
    assert_eq!(server.requests(), 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_200_and_a_404_are_results_at_once() {
    let server = RawServer::start(vec![
        response(404, &[("Retry-After", b"1")], "no such issue"),
        response(200, &[], "fine"),
    ])
    .await;
    let got = get(&client(), &server.url("/a")).await.expect("the 404");
    assert_eq!(read(got).await, answer(404, "no such issue"));
    assert_eq!(server.requests(), 1);
}

// --- `when_ok` and `when` in one fn ----------------------------------------

/// Errors that failed on the wire are retried (`when`), and 5xx/429
/// responses (`when_ok`).
#[retry(
    max_attempts = 4,
    base_delay = "100ms",
    when = |e| e.is_request(),
    when_ok = transient_response
)]
async fn get_both(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

/// Only responses are retried: `when` refuses every error.
#[retry(max_attempts = 4, base_delay = "100ms", when = |_| false, when_ok = transient_response)]
async fn get_values_only(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

#[tokio::test(start_paused = true)]
async fn errors_go_to_when_and_values_to_when_ok() {
    let server = RawServer::start(vec![
        Reply::Close,
        response(503, &[("Retry-After", b"1")], "busy"),
        Reply::Close,
        response(200, &[], "fine"),
    ])
    .await;
    let got = get_both(&client(), &server.url("/a"))
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(200, "fine"));
    assert_eq!(server.requests(), 4);
    // 100 ms after the closed connection; the 503's 1 s hint over the
    // 200 ms backoff; 400 ms after the second closed connection.
    assert_eq!(server.gaps(), [ms(100), Duration::from_secs(1), ms(400)]);
}

#[tokio::test(start_paused = true)]
async fn an_error_when_refuses_ends_the_call_after_a_retried_value() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        Reply::Close,
        response(200, &[], "never asked"),
    ])
    .await;
    let error = get_values_only(&client(), &server.url("/a"))
        .await
        .expect_err("the closed connection, not retried");
    assert!(error.is_request(), "{error:?}");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(100)]);
}

// --- The other endings ---------------------------------------------------

static EMPTY: RetryBudget = RetryBudget::new().capacity(0);

#[retry(max_attempts = 3, base_delay = "100ms", budget = EMPTY, when_ok = transient_response)]
async fn get_budgeted(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

#[tokio::test(start_paused = true)]
async fn a_spent_budget_returns_the_value() {
    let server = RawServer::start(vec![response(503, &[], "busy"), response(200, &[], "")]).await;
    let got = get_budgeted(&client(), &server.url("/a"))
        .await
        .expect("the 503");
    assert_eq!(read(got).await, answer(503, "busy"));
    assert_eq!(server.requests(), 1);
}

#[retry(max_attempts = 5, base_delay = "100ms", max_elapsed = "1s", when_ok = transient_response)]
async fn get_bounded(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

#[tokio::test(start_paused = true)]
async fn a_hint_past_max_elapsed_returns_the_value() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[("Retry-After", b"2")], "two"),
        response(200, &[], "never asked"),
    ])
    .await;
    let got = get_bounded(&client(), &server.url("/a"))
        .await
        .expect("the second 503");
    assert_eq!(read(got).await, answer(503, "two"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(100)]);
}

// --- Telemetry -------------------------------------------------------------

#[retry(max_attempts = 2, base_delay = "100ms", when_ok = transient_response, name = "ok.logged")]
async fn get_logged(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    client.get(url).send().await
}

#[tokio::test(start_paused = true)]
async fn a_retried_value_shows_in_events_and_stats_like_an_error() {
    let server = RawServer::start(vec![
        response(429, &[("Retry-After", b"1")], "slow down"),
        response(503, &[], "still busy"),
    ])
    .await;
    let (events, guard) = capture();
    let got = get_logged(&client(), &server.url("/a"))
        .await
        .expect("the last 503");
    drop(guard);
    assert_eq!(read(got).await, answer(503, "still busy"));
    let events: Vec<_> = events
        .all()
        .into_iter()
        .filter(|e| e.target == "retry")
        .collect();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0].message, "retrying");
    assert_eq!(events[0].field("retry.on"), "ok");
    assert_eq!(events[0].field("retry.kind"), "throttled");
    assert_eq!(events[0].field("retry.delay_ms"), "1000");
    assert!(
        !events[0].fields.contains_key("error"),
        "values are not logged"
    );
    assert_eq!(events[1].message, "giving up");
    assert_eq!(events[1].field("retry.reason"), "exhausted");
    assert_eq!(events[1].field("retry.on"), "ok");
    assert_eq!(events[1].field("retry.attempts"), "2");

    let totals = stats("ok.logged").expect("recorded");
    assert_eq!((totals.calls, totals.attempts, totals.retries), (1, 2, 1));
    assert_eq!(
        totals.failed_exhausted, 1,
        "the service never answered well"
    );
    assert_eq!(totals.waited, Duration::from_secs(1));
}

// --- The function API ------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_function_api_retries_values_and_tells_the_hook() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"3")], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    let (client, url) = (client(), server.url("/a"));
    let seen = Mutex::new(Vec::new());
    let got = Policy::new()
        .base_delay(ms(100))
        .retry(|| client.get(&url).send())
        .when_ok(transient_response)
        .on_retry(|event: &RetryEvent<'_, reqwest::Error>| {
            let error = event.error.map(ToString::to_string);
            seen.lock()
                .unwrap()
                .push((event.attempt, event.delay, event.kind, event.hint, error));
        })
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(200, "fine"));
    assert_eq!(server.gaps(), [Duration::from_secs(3)]);
    assert_eq!(
        seen.into_inner().unwrap(),
        [(
            1,
            Duration::from_secs(3),
            Kind::Server,
            Some(Duration::from_secs(3)),
            None
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn the_function_api_returns_the_last_value() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[], "two"),
        response(200, &[], "never asked"),
    ])
    .await;
    let (client, url) = (client(), server.url("/a"));
    let got = Policy::new()
        .max_attempts(2)
        .base_delay(ms(100))
        .retry(|| client.get(&url).send())
        .when_ok(|response: &Response| response.status().is_server_error())
        .await
        .expect("the last 503");
    assert_eq!(read(got).await, answer(503, "two"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(100)]);
}

// --- A blocking fn -------------------------------------------------------

#[retry(max_attempts = 3, base_delay = "1ms", when_ok = transient_response)]
fn get_blocking(
    client: &reqwest::blocking::Client,
    url: &str,
) -> Result<reqwest::blocking::Response, reqwest::Error> {
    client.get(url).send()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_fn_retries_values_too() {
    let server = RawServer::start(vec![
        response(503, &[("retry-after-ms", b"20")], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    let url = server.url("/a");
    let (status, body) = tokio::task::spawn_blocking(move || {
        let client = reqwest::blocking::Client::new();
        let response = get_blocking(&client, &url).expect("a response");
        (response.status().as_u16(), response.text().expect("body"))
    })
    .await
    .expect("no panic");
    assert_eq!((status, body.as_str()), (200, "fine"));
    assert_eq!(server.requests(), 2);
    // Real time here: the gap is at least the 20 ms hint (no upper bound).
    assert!(server.gaps()[0] >= ms(20), "{:?}", server.gaps());
}
