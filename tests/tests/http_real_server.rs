//! Classification of real HTTP traffic: reqwest against a scripted server
//! on 127.0.0.1 that fails on purpose (statuses, hint headers in every form,
//! hostile values, refused and dropped connections, stalls).

use std::time::{Duration, SystemTime};

use retry_runtime::http::{HttpError, check};
use retry_runtime::{Classify, Kind, Verdict, retry};
use tests::api_error::ApiError;
use tests::raw_http::{RawServer, Reply, response};

async fn get(url: &str) -> Result<String, ApiError> {
    let response = check(reqwest::get(url).await?)?;
    Ok(response.text().await?)
}

async fn error_of(reply: Reply) -> (ApiError, u32) {
    let server = RawServer::start(vec![reply]).await;
    let error = get(&server.url("/x")).await.expect_err("scripted failure");
    (error, server.requests())
}

fn http_error(error: &ApiError) -> &HttpError {
    match error {
        ApiError::Http(e) => e,
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[tokio::test]
async fn retry_after_seconds_rides_on_a_503() {
    let (error, requests) = error_of(response(503, &[("Retry-After", b"2")], "down")).await;
    assert_eq!(requests, 1);
    assert_eq!(http_error(&error).status(), 503);
    assert_eq!(
        error.classify(),
        Verdict::server().retry_after(Duration::from_secs(2))
    );
    assert!(
        error
            .to_string()
            .starts_with("HTTP 503 from http://127.0.0.1:"),
        "{error}"
    );
}

#[tokio::test]
async fn retry_after_ms_wins_over_retry_after() {
    let headers: &[(&str, &[u8])] = &[("Retry-After", b"9"), ("retry-after-ms", b"1500.5")];
    let (error, _) = error_of(response(429, headers, "")).await;
    assert_eq!(
        error.classify(),
        Verdict::throttled().retry_after(Duration::from_micros(1_500_500))
    );
}

#[tokio::test]
async fn azure_header_is_read() {
    let (error, _) = error_of(response(429, &[("x-ms-retry-after-ms", b"250")], "")).await;
    assert_eq!(error.classify().hint(), Some(Duration::from_millis(250)));
}

#[tokio::test]
async fn retry_after_as_an_http_date() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(100));
    let (error, _) = error_of(response(503, &[("Retry-After", date.as_bytes())], "")).await;
    let hint = error.classify().hint().expect("a hint from the date");
    // The date has whole seconds and some real time passes before parsing.
    assert!(
        (Duration::from_secs(90)..=Duration::from_secs(100)).contains(&hint),
        "{hint:?}"
    );
}

#[tokio::test]
async fn hostile_hint_values_are_ignored() {
    let headers: &[(&str, &[u8])] = &[
        ("Retry-After", b"\xff\xfe"),
        ("retry-after-ms", b"-5"),
        ("x-ms-retry-after-ms", b"inf"),
    ];
    let (error, _) = error_of(response(503, headers, "")).await;
    assert_eq!(error.classify(), Verdict::server(), "no hint survives");
}

#[tokio::test]
async fn auth_and_client_errors_are_permanent() {
    let (error, _) = error_of(response(401, &[("Retry-After", b"1")], "")).await;
    assert_eq!(error.classify(), Verdict::auth());
    let (error, _) = error_of(response(404, &[], "")).await;
    assert_eq!(error.classify(), Verdict::client());
}

#[tokio::test]
async fn success_passes_through() {
    let server = RawServer::start(vec![response(200, &[], "hello")]).await;
    assert_eq!(get(&server.url("/")).await.ok().as_deref(), Some("hello"));
}

#[tokio::test]
async fn refused_connection_is_network() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let error = get(&format!("http://127.0.0.1:{port}/"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, ApiError::Transport(_)), "{error:?}");
    assert_eq!(error.classify(), Verdict::network());
}

#[tokio::test]
async fn connection_closed_before_answer_is_network() {
    let (error, requests) = error_of(Reply::Close).await;
    assert_eq!(requests, 1);
    assert!(matches!(error, ApiError::Transport(_)), "{error:?}");
    assert_eq!(error.classify(), Verdict::network());
}

#[tokio::test]
async fn client_timeout_is_timeout() {
    let server = RawServer::start(vec![Reply::Hang]).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(50))
        .build()
        .expect("client");
    let error = client
        .get(server.url("/slow"))
        .send()
        .await
        .expect_err("the server stalls");
    assert_eq!(error.classify(), Verdict::timeout());
}

#[tokio::test]
async fn a_truncated_body_is_permanent() {
    let truncated =
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly ten!!".to_vec();
    let (error, _) = error_of(Reply::Raw(truncated)).await;
    assert!(
        matches!(error, ApiError::Transport(ref e) if e.is_body() || e.is_decode()),
        "{error:?}"
    );
    assert_eq!(error.classify(), Verdict::permanent());
}

#[tokio::test]
async fn error_for_status_follows_the_table() {
    let server = RawServer::start(vec![response(502, &[], "")]).await;
    let response = reqwest::get(server.url("/")).await.expect("a response");
    let error = response.error_for_status().expect_err("502");
    assert_eq!(error.classify(), Verdict::server());
}

#[tokio::test]
async fn anyhow_chains_are_walked() {
    let (error, _) = error_of(response(503, &[("Retry-After", b"1")], "")).await;
    let ApiError::Http(http) = error else {
        panic!("expected HTTP")
    };
    let wrapped = anyhow::Error::new(http).context("loading issue 7");
    assert_eq!(
        wrapped.classify(),
        Verdict::server().retry_after(Duration::from_secs(1))
    );
}

// --- #[retry] end to end -----------------------------------------------

#[retry(max_attempts = 4, base_delay = "1ms", max_delay = "5ms")]
async fn fetch(url: &str) -> Result<String, ApiError> {
    get(url).await
}

#[tokio::test]
async fn retries_transient_statuses_until_success() {
    let server = RawServer::start(vec![
        response(503, &[], ""),
        response(429, &[("retry-after-ms", b"30")], ""),
        Reply::Close,
        response(200, &[], "done"),
    ])
    .await;
    let started = std::time::Instant::now();
    assert_eq!(fetch(&server.url("/")).await.ok().as_deref(), Some("done"));
    assert_eq!(server.requests(), 4);
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "the 30 ms hint was honoured"
    );
}

#[tokio::test]
async fn a_hostile_retry_after_ends_the_call_at_once() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"86400")], ""),
        response(200, &[], ""),
    ])
    .await;
    let error = fetch(&server.url("/"))
        .await
        .expect_err("hint above max_retry_after");
    assert_eq!(server.requests(), 1);
    assert_eq!(http_error(&error).hint(), Some(Duration::from_secs(86_400)));
    assert_eq!(error.classify().kind(), Kind::Server);
}

/// A hint too large to represent is longer than any cap: it ends the call
/// like `86400` does, instead of being ignored and retried with backoff.
#[tokio::test]
async fn an_overflowing_hint_ends_the_call_at_once() {
    let huge_ms = format!("1{}", "0".repeat(400));
    let cases: [(&str, &[u8]); 4] = [
        ("Retry-After", b"99999999999999999999"),
        ("retry-after-ms", b"1e400"),
        ("retry-after-ms", huge_ms.as_bytes()),
        ("x-ms-retry-after-ms", b"99999999999999999999999"),
    ];
    for (header, value) in cases {
        let shown = String::from_utf8_lossy(value);
        let server = RawServer::start(vec![
            response(503, &[(header, value)], ""),
            response(200, &[], "retried"),
        ])
        .await;
        let error = fetch(&server.url("/"))
            .await
            .expect_err(&format!("{header}: {shown} is above max_retry_after"));
        assert_eq!(server.requests(), 1, "{header}: {shown}");
        assert_eq!(http_error(&error).status(), 503, "{header}: {shown}");
        assert_eq!(
            http_error(&error).hint(),
            Some(Duration::MAX),
            "{header}: {shown}"
        );
    }
}

#[tokio::test]
async fn a_401_is_never_retried() {
    let server = RawServer::start(vec![response(401, &[], ""), response(200, &[], "")]).await;
    let error = fetch(&server.url("/")).await.expect_err("401");
    assert_eq!(http_error(&error).status(), 401);
    assert_eq!(server.requests(), 1);
}
