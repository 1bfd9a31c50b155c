//! Outages of the demo's flaky server, with the shared protections: a
//! circuit breaker that trips and recovers through a probe, and 200
//! concurrent callers whose retries a budget bounds. Real sockets on
//! 127.0.0.1, real reqwest, the real clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use examples::flaky_server::FlakyServer;
use retry_runtime::{
    BreakerConfig, BreakerState, CircuitBreaker, Jitter, Policy, RetryBudget, retry,
};
use tests::api_error::{ApiError, get_text};

/// Three attempts, 10 ms base, full jitter: two retries wanted per call.
const API: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(10))
    .jitter(Jitter::Full);

/// Counts this call's attempts in `tries`: the body runs once per attempt
/// the breaker admits, and each such attempt is one request.
async fn get(client: &reqwest::Client, url: &str, tries: &AtomicU32) -> Result<String, ApiError> {
    tries.fetch_add(1, Ordering::Relaxed);
    get_text(client, url).await
}

// --- an outage window, without and with a breaker ---------------------------

/// Enough attempts to outlast a short outage, 50 ms apart.
const PATIENT: Policy = Policy::new()
    .max_attempts(20)
    .base_delay(Duration::from_millis(50))
    .max_delay(Duration::from_millis(50));

#[retry(policy = PATIENT)]
async fn fetch_patiently(
    client: &reqwest::Client,
    url: &str,
    tries: &AtomicU32,
) -> Result<String, ApiError> {
    get(client, url, tries).await
}

#[tokio::test]
async fn retries_outlast_an_outage_window() {
    let server = FlakyServer::start().await.expect("bind 127.0.0.1");
    let client = reqwest::Client::new();
    let tries = AtomicU32::new(0);
    let started = Instant::now();
    let body = fetch_patiently(&client, &server.url("/r?fault=503&for_ms=200"), &tries)
        .await
        .expect("the service recovers after 200 ms");
    let requests = server.requests("/r");
    assert_eq!(body, format!("ok: request {requests} to /r"));
    assert_eq!(requests, tries.load(Ordering::Relaxed));
    assert!(requests >= 2, "at least one failure, then the success");
    assert!(started.elapsed() >= Duration::from_millis(200));
}

static TRIPPING: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("tripping")
        .failure_threshold(3)
        .open_for(Duration::from_millis(250)),
);

#[retry(policy = API, breaker = TRIPPING)]
async fn fetch_guarded(
    client: &reqwest::Client,
    url: &str,
    tries: &AtomicU32,
) -> Result<String, ApiError> {
    get(client, url, tries).await
}

#[tokio::test]
async fn an_outage_trips_the_breaker_and_a_probe_finds_the_recovery() {
    let server = FlakyServer::start().await.expect("bind 127.0.0.1");
    let client = reqwest::Client::new();
    let url = server.url("/r?fault=503&fail=3");
    let tries = AtomicU32::new(0);

    // Three 503s in a row trip the breaker.
    let error = fetch_guarded(&client, &url, &tries)
        .await
        .expect_err("503s");
    assert!(
        matches!(&error, ApiError::Http(e) if e.status() == 503),
        "{error:?}"
    );
    assert_eq!(server.requests("/r"), 3);
    assert_eq!(TRIPPING.state(), BreakerState::Open);

    // While open, calls fail fast without reaching the server.
    let error = fetch_guarded(&client, &url, &tries)
        .await
        .expect_err("open");
    assert!(
        matches!(&error, ApiError::Rejected(r) if r.breaker == "tripping"),
        "{error:?}"
    );
    assert_eq!(server.requests("/r"), 3);

    // After `open_for`, one probe goes through; it succeeds and closes it.
    let opened = Instant::now();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let body = fetch_guarded(&client, &url, &tries)
        .await
        .expect("recovered");
    assert!(opened.elapsed() >= Duration::from_millis(250));
    assert_eq!(body, "ok: request 4 to /r");
    assert_eq!(server.requests("/r"), 4);
    assert_eq!(tries.load(Ordering::Relaxed), 4);
    assert_eq!(TRIPPING.state(), BreakerState::Closed);
}

// --- 200 concurrent callers during an outage --------------------------------

const CALLERS: u32 = 200;
const CAPACITY: u32 = 100;
const RETRY_COST: u32 = 5;

/// How many retries the whole crowd may make while nothing succeeds: every
/// retry that reaches the server is paid for and never refunded.
const RETRIES_ALLOWED: u32 = CAPACITY / RETRY_COST;

static CROWD_BREAKER: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("crowd")
        .failure_threshold(5)
        .open_for(Duration::from_secs(60)),
);
static CROWD_BUDGET: RetryBudget = RetryBudget::new().capacity(CAPACITY).retry_cost(RETRY_COST);

#[retry(policy = API, breaker = CROWD_BREAKER, budget = CROWD_BUDGET, name = "crowd")]
async fn crowd_fetch(
    client: &reqwest::Client,
    url: &str,
    tries: &AtomicU32,
) -> Result<String, ApiError> {
    get(client, url, tries).await
}

/// A breaker that never trips here: the budget alone limits the retries.
static LENIENT_BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("lenient").failure_threshold(10_000));
static LENIENT_BUDGET: RetryBudget = RetryBudget::new().capacity(CAPACITY).retry_cost(RETRY_COST);

#[retry(policy = API, breaker = LENIENT_BREAKER, budget = LENIENT_BUDGET, name = "lenient")]
async fn lenient_fetch(
    client: &reqwest::Client,
    url: &str,
    tries: &AtomicU32,
) -> Result<String, ApiError> {
    get(client, url, tries).await
}

/// What the crowd did: the attempts each call made, and each call's result.
struct Crowd {
    tries: Vec<u32>,
    results: Vec<Result<String, ApiError>>,
}

impl Crowd {
    fn first_attempts(&self) -> u32 {
        self.tries.iter().filter(|&&t| t > 0).count() as u32
    }

    fn retries(&self) -> u32 {
        self.tries.iter().map(|t| t.saturating_sub(1)).sum()
    }
}

/// Starts `CALLERS` calls at once with `call`, and waits for all of them.
async fn crowd<F, Fut>(call: F) -> Crowd
where
    F: Fn(Arc<AtomicU32>) -> Fut,
    Fut: Future<Output = Result<String, ApiError>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CALLERS {
        let tries = Arc::new(AtomicU32::new(0));
        let call = call(Arc::clone(&tries));
        tasks.spawn(async move { (call.await, tries.load(Ordering::Relaxed)) });
    }
    let mut crowd = Crowd {
        tries: Vec::new(),
        results: Vec::new(),
    };
    while let Some(joined) = tasks.join_next().await {
        let (result, tries) = joined.expect("no task panics");
        crowd.results.push(result);
        crowd.tries.push(tries);
    }
    crowd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_callers_in_an_outage_make_no_more_requests_than_the_budget_allows() {
    let server = FlakyServer::start().await.expect("bind 127.0.0.1");
    let client = reqwest::Client::new();
    let url = server.url("/down?fault=503");
    let crowd = crowd(|tries| {
        let (client, url) = (client.clone(), url.clone());
        async move { crowd_fetch(&client, &url, &tries).await }
    })
    .await;

    let requests = server.requests("/down");
    // At most one first attempt per caller, plus what the budget pays for.
    assert!(
        requests <= CALLERS + RETRIES_ALLOWED,
        "{requests} requests > {CALLERS} + {RETRIES_ALLOWED}"
    );
    // Every attempt the callers made is one request the server counted...
    assert_eq!(requests, crowd.first_attempts() + crowd.retries());
    // ...and every retry among them was paid for, none refunded.
    assert_eq!(
        CAPACITY - CROWD_BUDGET.available(),
        crowd.retries() * RETRY_COST
    );
    for result in &crowd.results {
        match result {
            Err(ApiError::Http(e)) => assert_eq!(e.status(), 503),
            Err(ApiError::Rejected(r)) => assert_eq!(r.breaker, "crowd"),
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(CROWD_BREAKER.state(), BreakerState::Open);
    // The library's own statistics tell the same story.
    let stats = retry_runtime::stats("crowd").expect("calls were made");
    assert_eq!(stats.calls, u64::from(CALLERS));
    assert_eq!(stats.attempts, u64::from(requests));
    // `retries` counts sleeps started; the breaker may reject what follows.
    assert!(stats.retries >= u64::from(crowd.retries()));
    assert_eq!(stats.success_first_try + stats.success_after_retry, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_breaker_out_of_the_way_the_budget_bound_is_exact() {
    let server = FlakyServer::start().await.expect("bind 127.0.0.1");
    let client = reqwest::Client::new();
    let url = server.url("/down?fault=503");
    let crowd = crowd(|tries| {
        let (client, url) = (client.clone(), url.clone());
        async move { lenient_fetch(&client, &url, &tries).await }
    })
    .await;

    // 200 callers want 400 retries; the budget pays for exactly 20.
    assert_eq!(server.requests("/down"), CALLERS + RETRIES_ALLOWED);
    assert_eq!(crowd.retries(), RETRIES_ALLOWED);
    assert_eq!(LENIENT_BUDGET.available(), 0);
    assert_eq!(LENIENT_BREAKER.state(), BreakerState::Closed);
    for result in &crowd.results {
        assert!(
            matches!(result, Err(ApiError::Http(e)) if e.status() == 503),
            "{result:?}"
        );
    }
}
