//! The tower layer end to end: a hyper-util client stack against a
//! scripted HTTP server on 127.0.0.1 (the server's own log gives the
//! request counts and, on tokio's paused clock, the exact waits between
//! attempts), and services written here to pin down `poll_ready`, the
//! breaker, the budget and responses that are not HTTP.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retry_runtime::tower::{RetryLayer, SendOnce};
use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Classify, Policy, Rejected, RetryBudget, Verdict,
};
use tests::raw_http::{RawServer, Reply, response};
use tests::{Recorder, Watchdog};
use tower::{BoxError, Layer, Service, ServiceExt};

/// Three attempts, 100 ms doubling, no jitter.
const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100));

type Body = Full<Bytes>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A hyper-util client, its errors boxed as tower's middleware expects.
fn upstream() -> impl Service<Request<Body>, Response = Response<Incoming>, Error = BoxError> + Clone
{
    Client::builder(TokioExecutor::new())
        .build_http::<Body>()
        .map_err(BoxError::from)
}

/// The same, recording each attempt that leaves the stack.
fn recorded(
    attempts: Arc<Recorder>,
) -> impl Service<Request<Body>, Response = Response<Incoming>, Error = BoxError> + Clone {
    upstream().map_request(move |request: Request<Body>| {
        attempts.call();
        request
    })
}

fn get(url: &str) -> Request<Body> {
    Request::get(url).body(Body::default()).expect("request")
}

/// Sends `request` once the service is ready; the status and body text.
async fn send<S, B>(service: &mut S, request: Request<B>) -> Result<(StatusCode, String), BoxError>
where
    S: Service<Request<B>, Response = Response<Incoming>, Error = BoxError>,
{
    let response = service.ready().await?.call(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn answer(status: u16, body: &str) -> (StatusCode, String) {
    (
        StatusCode::from_u16(status).expect("status"),
        body.to_owned(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_503_is_retried_after_its_retry_after_and_the_200_returned() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"2")], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "fine"));
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
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "fine"));
    assert_eq!(server.gaps(), [ms(1500)]);
}

#[tokio::test(start_paused = true)]
async fn without_hints_the_backoff_schedule_is_followed() {
    let server = RawServer::start(vec![
        response(500, &[], "one"),
        response(502, &[], "two"),
        response(200, &[], "three"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "three"));
    assert_eq!(server.requests(), 3);
    assert_eq!(server.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn out_of_attempts_the_last_response_is_returned() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[], "two"),
        response(503, &[], "three"),
        response(200, &[], "never asked"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("a response, not an error"), answer(503, "three"));
    assert_eq!(server.requests(), 3);
    assert_eq!(server.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_max_retry_after_returns_that_response_at_once() {
    let server = RawServer::start(vec![
        response(503, &[("Retry-After", b"120")], "come back in two minutes"),
        response(200, &[], "fine"),
    ])
    .await;
    // The default `max_retry_after` is 60 s.
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(
        got.expect("the 503"),
        answer(503, "come back in two minutes")
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_401_is_returned_without_a_retry() {
    let server = RawServer::start(vec![
        response(401, &[("Retry-After", b"1")], "who are you"),
        response(200, &[], "fine"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("the 401"), answer(401, "who are you"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_until_the_attempts_run_out() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let attempts = Arc::new(Recorder::new());
    let mut service = RetryLayer::new(POLICY).layer(recorded(attempts.clone()));
    let error = send(&mut service, get(&format!("http://127.0.0.1:{port}/")))
        .await
        .expect_err("nothing listens");
    assert_eq!(error.classify(), Verdict::network(), "{error:?}");
    assert_eq!(attempts.calls(), 3);
    assert_eq!(attempts.gaps(), [ms(100), ms(200)]);
}

#[tokio::test(start_paused = true)]
async fn a_reset_connection_is_retried() {
    let server = RawServer::start(vec![Reply::Reset, response(200, &[], "fine")]).await;
    let mut service = RetryLayer::new(POLICY).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    assert_eq!(server.gaps(), [ms(100)]);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_attempt_is_cut_by_the_policy_timeout_and_retried() {
    let _watchdog = Watchdog::arm("tower stalled attempt", Duration::from_secs(60));
    let server = RawServer::start(vec![Reply::Hang, response(200, &[], "fine")]).await;
    let mut service = RetryLayer::new(POLICY.timeout(ms(500))).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "fine"));
    assert_eq!(server.requests(), 2);
    assert_eq!(
        server.gaps(),
        [ms(500 + 100)],
        "the timeout, then the delay"
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_type_that_is_not_clone_is_sent_once_with_send_once() {
    // A boxed body cannot be cloned, so neither can its request.
    type Streamed = BoxBody<Bytes, Infallible>;
    let server =
        RawServer::start(vec![response(503, &[], "busy"), response(200, &[], "fine")]).await;
    let client = Client::builder(TokioExecutor::new())
        .build_http::<Streamed>()
        .map_err(BoxError::from);
    let mut service = RetryLayer::new(POLICY)
        .clone_requests(SendOnce)
        .layer(client);
    let request = Request::put(server.url("/upload"))
        .body(Full::new(Bytes::from_static(b"chunk")).boxed())
        .expect("request");
    let got = send(&mut service, request).await;
    assert_eq!(got.expect("the 503, returned"), answer(503, "busy"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cloner_can_refuse_to_copy_some_requests() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        response(503, &[], "busy"),
        response(200, &[], "fine"),
    ])
    .await;
    // Only GETs are kept for a retry.
    let gets_only =
        |request: &Request<Body>| (request.method() == Method::GET).then(|| request.clone());
    let mut service = RetryLayer::new(POLICY)
        .clone_requests(gets_only)
        .layer(upstream());
    let post = Request::post(server.url("/orders"))
        .body(Body::from("amount=5"))
        .expect("request");
    let got = send(&mut service, post).await;
    assert_eq!(got.expect("the 503, returned"), answer(503, "busy"));
    assert_eq!(server.requests(), 1);

    let got = send(&mut service, get(&server.url("/orders"))).await;
    assert_eq!(got.expect("an answer"), answer(200, "fine"));
    assert_eq!(server.requests(), 3);
}

/// A service that takes a request only after `poll_ready` said so: it
/// answers `Pending` once before each `Ready`, counts readiness granted,
/// and counts calls made without it. It can fail its `n`th readiness.
struct Gate<S> {
    inner: S,
    ready: bool,
    waited: bool,
    log: Arc<GateLog>,
}

#[derive(Default)]
struct GateLog {
    granted: AtomicU32,
    calls: AtomicU32,
    calls_without_readiness: AtomicU32,
    fail_readiness: Option<u32>,
}

impl<S: Clone> Clone for Gate<S> {
    fn clone(&self) -> Self {
        // A clone is not ready: readiness belongs to one instance.
        Gate {
            inner: self.inner.clone(),
            ready: false,
            waited: false,
            log: self.log.clone(),
        }
    }
}

impl<S: Service<R, Error = io::Error>, R> Service<R> for Gate<S> {
    type Response = S::Response;
    type Error = io::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        if self.ready {
            return Poll::Ready(Ok(()));
        }
        if !self.waited {
            self.waited = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.waited = false;
        let n = self.log.granted.fetch_add(1, Ordering::SeqCst) + 1;
        if self.log.fail_readiness == Some(n) {
            return Poll::Ready(Err(io::Error::other("the worker is gone")));
        }
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: R) -> S::Future {
        self.log.calls.fetch_add(1, Ordering::SeqCst);
        if !std::mem::take(&mut self.ready) {
            self.log
                .calls_without_readiness
                .fetch_add(1, Ordering::SeqCst);
        }
        self.inner.call(request)
    }
}

/// Fails its first two calls with a connection reset, then answers.
fn resets_twice() -> impl Service<(), Response = u32, Error = io::Error, Future: Send> + Clone {
    let calls = Arc::new(AtomicU32::new(0));
    tower::service_fn(move |()| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            if n <= 2 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(n)
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn each_retry_waits_for_poll_ready_on_the_calls_own_service() {
    let log = Arc::new(GateLog::default());
    let gate = Gate {
        inner: resets_twice(),
        ready: false,
        waited: false,
        log: log.clone(),
    };
    let mut service = RetryLayer::new(POLICY).accept_responses().layer(gate);
    let answer = service.ready().await.expect("ready").call(()).await;
    assert_eq!(answer.expect("the third attempt"), 3);
    assert_eq!(log.calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        log.granted.load(Ordering::SeqCst),
        3,
        "one readiness per attempt"
    );
    assert_eq!(log.calls_without_readiness.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn an_error_from_poll_ready_before_a_retry_ends_the_call_with_it() {
    let log = Arc::new(GateLog {
        fail_readiness: Some(2),
        ..GateLog::default()
    });
    let gate = Gate {
        inner: resets_twice(),
        ready: false,
        waited: false,
        log: log.clone(),
    };
    let mut service = RetryLayer::new(POLICY).accept_responses().layer(gate);
    let error = service
        .ready()
        .await
        .expect("ready")
        .call(())
        .await
        .expect_err("the gate failed");
    assert_eq!(error.to_string(), "the worker is gone");
    assert_eq!(log.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn responses_that_are_not_http_are_accepted_unless_a_classifier_says_otherwise() {
    fn busy_twice(
        calls: Arc<AtomicU32>,
    ) -> impl Service<(), Response = &'static str, Error = io::Error> + Clone {
        tower::service_fn(move |()| {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok(if n <= 2 { "busy" } else { "done" }) }
        })
    }

    let calls = Arc::new(AtomicU32::new(0));
    let mut accepting = RetryLayer::new(POLICY)
        .accept_responses()
        .layer(busy_twice(calls.clone()));
    let answer = accepting.ready().await.expect("ready").call(()).await;
    assert_eq!(answer.expect("an answer"), "busy");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let calls = Arc::new(AtomicU32::new(0));
    let busy = |answer: &&'static str| Verdict::from_bool(*answer == "busy");
    let mut classifying = RetryLayer::new(POLICY)
        .classify_responses(busy)
        .layer(busy_twice(calls.clone()));
    let answer = classifying.ready().await.expect("ready").call(()).await;
    assert_eq!(answer.expect("an answer"), "done");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn errors_can_be_classified_with_a_predicate() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let not_found = tower::service_fn(move |()| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Err::<u32, _>(io::Error::from(io::ErrorKind::NotFound)) }
    });
    // NotFound is permanent by `Classify`; the predicate retries it.
    let mut service = RetryLayer::new(POLICY)
        .accept_responses()
        .when(|error: &io::Error| error.kind() == io::ErrorKind::NotFound)
        .layer(not_found);
    let result = service.ready().await.expect("ready").call(()).await;
    assert_eq!(result.expect_err("always").kind(), io::ErrorKind::NotFound);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("tower.tests").failure_threshold(2));

#[tokio::test(start_paused = true)]
async fn an_open_breaker_rejects_calls_before_they_reach_the_server() {
    let server = RawServer::start(vec![
        response(503, &[], "one"),
        response(503, &[], "two"),
        response(200, &[], "fine"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY).breaker(&BREAKER).layer(upstream());
    // Two 503s trip it: no third attempt into an open breaker, and the
    // last response is returned.
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("the 503"), answer(503, "two"));
    assert_eq!(server.requests(), 2);
    assert_eq!(BREAKER.state(), BreakerState::Open);

    let error = send(&mut service, get(&server.url("/a")))
        .await
        .expect_err("rejected");
    let rejected = error.downcast_ref::<Rejected>().expect("a Rejected");
    assert_eq!(rejected.breaker, "tower.tests");
    assert_eq!(server.requests(), 2, "the server saw nothing more");
}

/// One retry's worth of tokens.
static BUDGET: RetryBudget = RetryBudget::new().capacity(5).retry_cost(5);

#[tokio::test(start_paused = true)]
async fn the_budget_pays_for_one_retry_then_the_response_is_returned() {
    let server = RawServer::start(vec![response(503, &[], "down"); 4]).await;
    let mut service = RetryLayer::new(POLICY).budget(&BUDGET).layer(upstream());
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("the 503"), answer(503, "down"));
    assert_eq!(server.requests(), 2, "one retry paid for");
    assert_eq!(BUDGET.available(), 0);
    let got = send(&mut service, get(&server.url("/a"))).await;
    assert_eq!(got.expect("the 503"), answer(503, "down"));
    assert_eq!(server.requests(), 3, "no retry left");
}

#[tokio::test(start_paused = true)]
async fn calls_are_counted_under_the_layers_name() {
    let server = RawServer::start(vec![
        response(503, &[], "busy"),
        response(200, &[], "fine"),
        response(200, &[], "fine"),
    ])
    .await;
    let mut service = RetryLayer::new(POLICY)
        .name("tower.tests.stats")
        .layer(upstream());
    for _ in 0..2 {
        let got = send(&mut service, get(&server.url("/a"))).await;
        assert_eq!(got.expect("an answer"), answer(200, "fine"));
    }
    let stats = retry_runtime::stats("tower.tests.stats").expect("registered");
    assert_eq!(stats.calls, 2);
    assert_eq!(stats.attempts, 3);
    assert_eq!(stats.retries, 1);
    assert_eq!(stats.waited, ms(100));
    assert_eq!(stats.success_first_try, 1);
    assert_eq!(stats.success_after_retry, 1);
}

/// The policy's deadline bounds the whole call through the layer: the
/// second attempt gets only what remains of it (200 ms, not its 500 ms
/// timeout), and no third attempt starts past it.
#[tokio::test(start_paused = true)]
async fn the_deadline_clips_each_attempt_and_ends_the_call() {
    let _watchdog = Watchdog::arm("tower deadline", Duration::from_secs(60));
    let server = RawServer::start(vec![Reply::Hang, Reply::Hang, Reply::Hang]).await;
    let policy = POLICY.timeout(ms(500)).deadline(ms(800));
    let mut service = RetryLayer::new(policy).layer(upstream());
    let started = tokio::time::Instant::now();
    let error = send(&mut service, get(&server.url("/a")))
        .await
        .expect_err("every attempt stalls");
    // Attempt 1: 0-500 ms (its timeout); 100 ms backoff; attempt 2:
    // 600-800 ms, clipped to the 200 ms left; a retry 200 ms later would
    // start past the deadline: the call ends with attempt 2's error.
    assert_eq!(
        error.downcast_ref::<retry_runtime::TimedOut>(),
        Some(&retry_runtime::TimedOut::new(ms(200)))
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
    let mut service = RetryLayer::new(POLICY.deadline(ms(4))).layer(upstream());
    let error = send(&mut service, get(&server.url("/a")))
        .await
        .expect_err("no time for an attempt");
    assert_eq!(
        error.downcast_ref::<retry_runtime::TimedOut>(),
        Some(&retry_runtime::TimedOut::new(ms(4)))
    );
    assert_eq!(server.requests(), 0);
}
