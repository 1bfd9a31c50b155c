//! Every scenario of the demo's flaky server, end to end: real sockets on
//! 127.0.0.1, real reqwest, `#[retry]` on the real clock with millisecond
//! delays. Each test asserts how many requests the server received, how
//! the call ended, and lower bounds on the time it waited (never upper
//! bounds: the machine is shared).

use std::time::{Duration, Instant};

use examples::flaky_server::FlakyServer;
use retry_runtime::{Classify, Kind, Policy, retry};
use tests::api_error::{ApiError, get_text};

/// Four attempts, 20 ms doubling, no jitter: the waits are known, so their
/// sum is a lower bound on the call's time.
const API: Policy = Policy::new()
    .max_attempts(4)
    .base_delay(Duration::from_millis(20));

/// The same, and each attempt gets 100 ms.
const API_WITH_TIMEOUT: Policy<Duration> = API.timeout(Duration::from_millis(100));

/// Accepts server hints up to 500 ms only.
const SHORT_HINTS: Policy = API.max_retry_after(Duration::from_millis(500));

async fn get(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    get_text(client, url).await
}

#[retry(policy = API)]
async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    get(client, url).await
}

#[retry(policy = API_WITH_TIMEOUT)]
async fn fetch_with_timeout(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    get(client, url).await
}

#[retry(policy = SHORT_HINTS)]
async fn fetch_short_hints(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    get(client, url).await
}

struct Setup {
    server: FlakyServer,
    client: reqwest::Client,
}

async fn setup() -> Setup {
    Setup {
        server: FlakyServer::start().await.expect("bind 127.0.0.1"),
        client: reqwest::Client::new(),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn a_healthy_path_answers_at_once() {
    let Setup { server, client } = setup().await;
    let body = fetch(&client, &server.url("/ok")).await.expect("200");
    assert_eq!(body, "ok: request 1 to /ok");
    assert_eq!(server.requests("/ok"), 1);
}

#[tokio::test]
async fn plain_500s_are_retried_on_the_backoff_schedule() {
    let Setup { server, client } = setup().await;
    let started = Instant::now();
    let body = fetch(&client, &server.url("/r?fault=500&fail=3"))
        .await
        .expect("the 4th attempt succeeds");
    assert_eq!(body, "ok: request 4 to /r");
    assert_eq!(server.requests("/r"), 4);
    assert!(
        started.elapsed() >= ms(20 + 40 + 80),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_502_outage_exhausts_the_attempts() {
    let Setup { server, client } = setup().await;
    let started = Instant::now();
    let error = fetch(&client, &server.url("/r?fault=502"))
        .await
        .expect_err("502 every time");
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.classify().kind(), Kind::Server);
    assert_eq!(server.requests("/r"), 4);
    assert!(started.elapsed() >= ms(20 + 40 + 80));
}

#[tokio::test]
async fn retry_after_ms_on_a_429_is_a_floor_under_the_backoff() {
    let Setup { server, client } = setup().await;
    let started = Instant::now();
    let body = fetch(
        &client,
        &server.url("/r?fault=429&fail=2&retry_after_ms=150"),
    )
    .await
    .expect("the 3rd attempt succeeds");
    assert_eq!(body, "ok: request 3 to /r");
    assert_eq!(server.requests("/r"), 3);
    // Both waits honour the 150 ms hint, not the 20 and 40 ms backoff.
    assert!(started.elapsed() >= ms(300), "{:?}", started.elapsed());
}

#[tokio::test]
async fn retry_after_seconds_on_a_503_is_read_and_capped() {
    // Whole seconds are too long for a test to wait: a policy that accepts
    // hints up to 500 ms shows the 1 s hint was read, by refusing it.
    let Setup { server, client } = setup().await;
    let error = fetch_short_hints(&client, &server.url("/r?fault=503&fail=1&retry_after=1"))
        .await
        .expect_err("a 1 s hint is above the 500 ms cap");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.hint(), Some(Duration::from_secs(1)));
    assert_eq!(server.requests("/r"), 1, "no retry, no wait");
}

#[tokio::test]
async fn retry_after_as_an_http_date_in_the_past_means_now() {
    let Setup { server, client } = setup().await;
    let started = Instant::now();
    let body = fetch(
        &client,
        &server.url("/r?fault=429&fail=1&retry_after_date=-30"),
    )
    .await
    .expect("the 2nd attempt succeeds");
    assert_eq!(body, "ok: request 2 to /r");
    assert_eq!(server.requests("/r"), 2);
    assert!(started.elapsed() >= ms(20), "the backoff still applies");
}

#[tokio::test]
async fn retry_after_as_an_http_date_an_hour_ahead_ends_the_call() {
    let Setup { server, client } = setup().await;
    let error = fetch(&client, &server.url("/r?fault=429&retry_after_date=3600"))
        .await
        .expect_err("an hour is above the default 60 s cap");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.classify().kind(), Kind::Throttled);
    let hint = error.hint().expect("the date was read");
    // The date has whole seconds and a little real time passes.
    assert!(hint > Duration::from_secs(3590), "{hint:?}");
    assert_eq!(server.requests("/r"), 1);
}

#[tokio::test]
async fn a_hostile_retry_after_costs_one_request() {
    let Setup { server, client } = setup().await;
    let error = fetch(&client, &server.url("/r?fault=503&retry_after=86400"))
        .await
        .expect_err("a day is above the cap");
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.hint(), Some(Duration::from_secs(86_400)));
    assert_eq!(server.requests("/r"), 1);
}

#[tokio::test]
async fn a_401_is_never_retried() {
    let Setup { server, client } = setup().await;
    let error = fetch(&client, &server.url("/r?fault=401&retry_after=1"))
        .await
        .expect_err("401 every time");
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.classify().kind(), Kind::Auth);
    assert!(!error.classify().is_transient());
    assert_eq!(server.requests("/r"), 1);
}

#[tokio::test]
async fn slow_answers_trip_the_per_attempt_timeout() {
    let Setup { server, client } = setup().await;
    let started = Instant::now();
    let body = fetch_with_timeout(&client, &server.url("/r?fault=slow&delay_ms=10000&fail=2"))
        .await
        .expect("the 3rd attempt answers at once");
    assert_eq!(body, "ok: request 3 to /r");
    assert_eq!(server.requests("/r"), 3);
    // Two attempts ran out their 100 ms, with 20 and 40 ms between.
    assert!(started.elapsed() >= ms(2 * 100 + 20 + 40));
}

#[tokio::test]
async fn a_server_that_stays_slow_ends_in_a_timeout() {
    let Setup { server, client } = setup().await;
    let error = fetch_with_timeout(&client, &server.url("/r?fault=slow&delay_ms=10000"))
        .await
        .expect_err("every attempt times out");
    assert!(
        matches!(error, ApiError::TimedOut(t) if t.after == ms(100)),
        "{error:?}"
    );
    assert_eq!(error.classify().kind(), Kind::Timeout);
    assert_eq!(server.requests("/r"), 4);
}

#[tokio::test]
async fn a_connection_closed_mid_request_is_a_transient_network_error() {
    let Setup { server, client } = setup().await;
    // Without retries first: what reqwest itself sees.
    let error = get(&client, &server.url("/once?fault=drop"))
        .await
        .expect_err("no answer");
    assert!(
        matches!(&error, ApiError::Transport(e) if e.is_request()),
        "{error:?}"
    );
    assert_eq!(error.classify().kind(), Kind::Network);
    assert!(error.classify().is_transient());
    assert_eq!(server.requests("/once"), 1);

    let body = fetch(&client, &server.url("/r?fault=drop&fail=2"))
        .await
        .expect("the 3rd attempt is answered");
    assert_eq!(body, "ok: request 3 to /r");
    assert_eq!(server.requests("/r"), 3);
}

#[tokio::test]
async fn paths_count_separately_and_bad_queries_fail_loudly() {
    let Setup { server, client } = setup().await;
    let error = fetch(&client, &server.url("/typo?fault=5o3"))
        .await
        .expect_err("400");
    assert_eq!(error.status(), Some(400), "permanent: not retried");
    fetch(&client, &server.url("/a")).await.expect("200");
    fetch(&client, &server.url("/a?id=2")).await.expect("200");
    assert_eq!(
        (
            server.requests("/typo"),
            server.requests("/a"),
            server.requests("/b")
        ),
        (1, 2, 0)
    );
    assert_eq!(server.total_requests(), 3);
}

/// Sends the attempt's number, read from its context, as `x-retry-attempt`.
#[retry(policy = API, context)]
async fn fetch_saying_attempt(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    let number = retry_runtime::attempt::current().map_or(0, |context| context.number());
    let request = client.get(url).header("x-retry-attempt", number);
    let response = request.send().await?;
    let response = retry_runtime::http::check(response)?;
    Ok(response.text().await?)
}

#[tokio::test]
async fn the_server_receives_the_attempt_number_of_each_retry() {
    let Setup { server, client } = setup().await;
    let body = fetch_saying_attempt(&client, &server.url("/r?fault=500&fail=2"))
        .await
        .expect("the 3rd attempt succeeds");
    assert_eq!(body, "ok: request 3 to /r (x-retry-attempt: 3)");
    // A later call starts again from attempt 1.
    let body = fetch_saying_attempt(&client, &server.url("/r"))
        .await
        .expect("200");
    assert_eq!(body, "ok: request 4 to /r (x-retry-attempt: 1)");
}
