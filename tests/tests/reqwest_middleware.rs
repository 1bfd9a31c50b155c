//! The reqwest middleware end to end: a `reqwest_middleware` client against
//! a scripted HTTP server on 127.0.0.1, in virtual time. The server's log
//! gives the request counts, the bytes of each request and the exact waits
//! between attempts; where no server answers, a middleware inside the
//! retrying one records each attempt.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Extensions, HeaderName};
use http_body_util::Full;
use reqwest::{Request, Response};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next};
use retry_runtime::middleware::RetryMiddleware;
use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Classify, Policy, Rejected, RetryBudget, TimedOut,
    Verdict,
};
use tests::raw_http::{RawServer, Reply, response};
use tests::{Recorder, Watchdog};

/// Three attempts, 100 ms doubling, no jitter.
const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100));

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn reqwest_client() -> reqwest::Client {
    // No idle pool, so no pool timer runs on the paused clock.
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

fn client(retry: impl Middleware) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest_client()).with(retry).build()
}

/// Records each attempt that the retrying middleware sends on.
struct RecordAttempts(Arc<Recorder>);

#[async_trait::async_trait]
impl Middleware for RecordAttempts {
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        self.0.call();
        next.run(request, extensions).await
    }
}

/// The status and the body text.
async fn read(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// GET /a through `client`: the status and body it ends with.
async fn get_a(client: &ClientWithMiddleware, server: &RawServer) -> (u16, String) {
    let response = client.get(server.url("/a")).send().await;
    read(response.expect("a response")).await
}

fn answer(status: u16, body: &str) -> (u16, String) {
    (status, body.to_owned())
}

#[tokio::test(start_paused = true)]
async fn a_get_503_then_200_is_retried_after_the_retry_after() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"2")], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    assert_eq!(
        server.gaps(),
        [Duration::from_secs(2)],
        "the hint, not 100 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_ms_is_honoured_on_a_429() {
    let server = RawServer::start(vec![
        response(429, &[("retry-after-ms", b"1500")], "slow down"),
        response(200, &[], "fine"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(200, "fine"));
    assert_eq!(server.gaps(), [ms(1500)]);
}

#[tokio::test(start_paused = true)]
async fn out_of_attempts_the_last_503_is_returned() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[], "two"),
        response(503, &[], "three"),
        response(200, &[], "never asked"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(503, "three"));
    assert_eq!(server.requests(), 3);
    assert_eq!(server.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_max_retry_after_returns_the_response_at_once() {
    let server = RawServer::start(vec![
        response(429, &[("Retry-After", b"3600")], "tomorrow"),
        response(200, &[], "fine"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(429, "tomorrow"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_post_503_without_an_idempotency_key_is_sent_once() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"1")], "busy"),
        response(200, &[], "charged"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    let got = client
        .post(server.url("/payments"))
        .body("amount=5")
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(503, "busy"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_post_with_an_idempotency_key_is_retried_with_the_same_key_and_body() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"1")], "busy"),
        response(200, &[], "charged once"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    let got = client
        .post(server.url("/payments"))
        .header("Idempotency-Key", "order-7")
        .body("amount=5")
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(200, "charged once"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [Duration::from_secs(1)]);
    for request in server.received() {
        assert!(
            request.starts_with("POST /payments HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(
            request.contains("idempotency-key: order-7\r\n"),
            "{request}"
        );
        assert!(request.ends_with("\r\n\r\namount=5"), "{request}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_key_header_can_be_renamed_and_every_method_opted_in() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        response(200, &[], "fine"),
        response(503, &[], "busy"),
        response(503, &[], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    let renamed = client(
        RetryMiddleware::new(POLICY).idempotency_header(HeaderName::from_static("x-request-id")),
    );
    let got = renamed
        .post(server.url("/jobs"))
        .header("X-Request-Id", "job-1")
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    // `Idempotency-Key` no longer counts for this client.
    let got = renamed
        .post(server.url("/jobs"))
        .header("Idempotency-Key", "job-2")
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(503, "busy"));
    assert_eq!(server.requests(), 3);

    let opted_in = client(RetryMiddleware::new(POLICY).retry_any_method());
    let got = opted_in
        .post(server.url("/search"))
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(200, "fine"));
    assert_eq!(server.requests(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_streaming_body_is_sent_once_and_its_503_returned() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        response(200, &[], "stored"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    // reqwest holds a wrapped body as a stream, which it cannot copy.
    let body = reqwest::Body::wrap(Full::new(Bytes::from_static(b"chunk")));
    let request = client
        .put(server.url("/files/1"))
        .body(body)
        .build()
        .expect("request");
    assert!(request.try_clone().is_none(), "the premise: no copy");
    let got = client.execute(request).await.expect("a response");
    assert_eq!(read(got).await, answer(503, "busy"));
    assert_eq!(server.requests(), 1);
    assert!(server.received()[0].starts_with("PUT /files/1 HTTP/1.1\r\n"));
}

#[tokio::test(start_paused = true)]
async fn a_401_is_returned_without_a_retry() {
    let server = RawServer::start(vec![
        response(401, &[("Retry-After", b"1")], "who are you"),
        response(200, &[], "fine"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(401, "who are you"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_connection_closed_without_an_answer_is_retried() {
    let server = RawServer::start(vec![Reply::Close, response(200, &[], "fine")]).await;
    let client = client(RetryMiddleware::new(POLICY));
    assert_eq!(get_a(&client, &server).await, answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(100)]);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_until_the_attempts_run_out() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let attempts = Arc::new(Recorder::new());
    let client = ClientBuilder::new(reqwest_client())
        .with(RetryMiddleware::new(POLICY))
        .with(RecordAttempts(attempts.clone()))
        .build();
    let error = client
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(&error, reqwest_middleware::Error::Reqwest(e) if e.is_connect()),
        "{error:?}"
    );
    assert_eq!(error.classify(), Verdict::network());
    assert_eq!(attempts.calls(), 3);
    assert_eq!(attempts.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_attempt_is_cut_by_the_policy_timeout_and_retried() {
    let _watchdog = Watchdog::arm("middleware stalled attempt", Duration::from_secs(60));
    let server = RawServer::start(vec![Reply::Hang, response(200, &[], "fine")]).await;
    let client = client(RetryMiddleware::new(POLICY.timeout(ms(500))));
    assert_eq!(get_a(&client, &server).await, answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    assert_eq!(
        server.gaps(),
        [ms(500 + 100)],
        "the timeout, then the delay"
    );
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_stalls_the_error_says_timed_out() {
    let _watchdog = Watchdog::arm("middleware every attempt stalls", Duration::from_secs(60));
    let server = RawServer::start(vec![Reply::Hang, Reply::Hang, Reply::Hang]).await;
    let client = client(RetryMiddleware::new(POLICY.timeout(ms(500))));
    let error = client
        .get(server.url("/a"))
        .send()
        .await
        .expect_err("every attempt stalls");
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("expected the middleware's error, got {error:?}");
    };
    assert_eq!(
        inner.downcast_ref::<TimedOut>(),
        Some(&TimedOut::new(ms(500)))
    );
    assert_eq!(server.requests(), 3);
    assert_eq!(server.gaps(), [ms(500 + 100), ms(500 + 200)]);
}

static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("middleware.tests").failure_threshold(2));

#[tokio::test(start_paused = true)]
async fn an_open_breaker_rejects_requests_before_they_are_sent() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[], "two"),
        response(200, &[], "fine"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY).breaker(&BREAKER));
    assert_eq!(get_a(&client, &server).await, answer(503, "two"));
    assert_eq!(server.requests(), 2);
    assert_eq!(BREAKER.state(), BreakerState::Open);

    let error = client
        .get(server.url("/a"))
        .send()
        .await
        .expect_err("rejected");
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("expected the middleware's error, got {error:?}");
    };
    let rejected = inner.downcast_ref::<Rejected>().expect("a Rejected");
    assert_eq!(rejected.breaker, "middleware.tests");
    assert!(
        !error.classify().is_transient(),
        "an outer loop must not spin on it"
    );
    assert_eq!(server.requests(), 2, "the server saw nothing more");
}

/// One retry's worth of tokens.
static BUDGET: RetryBudget = RetryBudget::new().capacity(5).retry_cost(5);

#[tokio::test(start_paused = true)]
async fn the_budget_pays_for_one_retry_then_the_response_is_returned() {
    let server = RawServer::start(vec![response(503, &[], "down"); 4]).await;
    let client = client(RetryMiddleware::new(POLICY).budget(&BUDGET));
    assert_eq!(get_a(&client, &server).await, answer(503, "down"));
    assert_eq!(server.requests(), 2, "one retry paid for");
    assert_eq!(get_a(&client, &server).await, answer(503, "down"));
    assert_eq!(server.requests(), 3, "no retry left");
    assert_eq!(BUDGET.available(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_response_classifier_can_replace_the_status_table() {
    let server = RawServer::start(vec![
        response(200, &[("X-Queue", b"full")], "try later"),
        response(200, &[], "done"),
    ])
    .await;
    // An API that answers 200 with a header when it is too busy.
    let queue_full = |response: &Response| {
        Verdict::from_bool(
            response
                .headers()
                .get("x-queue")
                .is_some_and(|v| v == "full"),
        )
    };
    let client = client(RetryMiddleware::new(POLICY).classify_responses(queue_full));
    assert_eq!(get_a(&client, &server).await, answer(200, "done"));
    assert_eq!(server.requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn calls_are_counted_under_the_middlewares_name() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        response(200, &[], "fine"),
        response(503, &[], "busy"),
    ])
    .await;
    let client = client(RetryMiddleware::new(POLICY).name("middleware.tests.stats"));
    assert_eq!(get_a(&client, &server).await, answer(200, "fine"));
    // A POST without a key: one attempt, out of attempts.
    let got = client
        .post(server.url("/b"))
        .send()
        .await
        .expect("a response");
    assert_eq!(read(got).await, answer(503, "busy"));
    let stats = retry_runtime::stats("middleware.tests.stats").expect("registered");
    assert_eq!(stats.calls, 2);
    assert_eq!(stats.attempts, 3);
    assert_eq!(stats.retries, 1);
    assert_eq!(stats.success_after_retry, 1);
    assert_eq!(stats.failed_exhausted, 1);
}

/// The policy's deadline bounds the whole call through the middleware:
/// the second attempt gets only what remains of it (200 ms, not its 500 ms
/// timeout), and no third attempt starts past it.
#[tokio::test(start_paused = true)]
async fn the_deadline_clips_each_attempt_and_ends_the_call() {
    let _watchdog = Watchdog::arm("middleware deadline", Duration::from_secs(60));
    let server = RawServer::start(vec![Reply::Hang, Reply::Hang, Reply::Hang]).await;
    let client = client(RetryMiddleware::new(
        POLICY.timeout(ms(500)).deadline(ms(800)),
    ));
    let started = tokio::time::Instant::now();
    let error = client
        .get(server.url("/a"))
        .send()
        .await
        .expect_err("every attempt stalls");
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("expected the middleware's error, got {error:?}");
    };
    // Attempt 1: 0-500 ms (its timeout); 100 ms backoff; attempt 2:
    // 600-800 ms, clipped to the 200 ms left; a retry 200 ms later would
    // start past the deadline: the call ends with attempt 2's error.
    assert_eq!(
        inner.downcast_ref::<TimedOut>(),
        Some(&TimedOut::new(ms(200)))
    );
    assert_eq!(started.elapsed(), ms(800));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(600)]);
}

/// Less than `min_attempt_time` (5 ms by default) left before the first
/// attempt: nothing is sent, and the call ends with `TimedOut`.
#[tokio::test(start_paused = true)]
async fn a_deadline_shorter_than_min_attempt_time_sends_nothing() {
    let server = RawServer::start(vec![response(200, &[], "never sent")]).await;
    let client = client(RetryMiddleware::new(POLICY.deadline(ms(4))));
    let error = client
        .get(server.url("/a"))
        .send()
        .await
        .expect_err("no time for an attempt");
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("expected the middleware's error, got {error:?}");
    };
    assert_eq!(
        inner.downcast_ref::<TimedOut>(),
        Some(&TimedOut::new(ms(4)))
    );
    assert_eq!(server.requests(), 0);
}
