//! The tower layer in a hyper-util client stack, against the flaky server:
//! the same policy, circuit breaker and retry budget as `#[retry]`, for
//! every request that goes through the stack. The engine's own events
//! (target `retry`) are printed as they happen.
//!
//! Run it with `cargo run -p examples --example tower_layer`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use bytes::Bytes;
use examples::flaky_server::FlakyServer;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retry_runtime::tower::RetryLayer;
use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget};
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};

/// The forge's policy: three attempts, 200 ms doubling, jittered; a server
/// hint is honoured up to 5 s.
const FORGE_API: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(200))
    .jitter(retry_runtime::Jitter::Full)
    .max_retry_after(Duration::from_secs(5));

static FORGE_BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("forge"));
static FORGE_BUDGET: RetryBudget = RetryBudget::new();

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter("retry=debug")
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let server = FlakyServer::start().await?;
    println!(
        "tower_layer: a hyper-util client behind RetryLayer, against {}",
        server.base_url()
    );

    // Outermost first: the retry layer, then boxed errors (a BoxError can
    // say "rejected by the breaker" and "timed out"), then the client.
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut forge = ServiceBuilder::new()
        .layer(
            RetryLayer::new(FORGE_API)
                .name("forge.http")
                .breaker(&FORGE_BREAKER)
                .budget(&FORGE_BUDGET),
        )
        .map_err(BoxError::from)
        .service(client);

    println!("\nGET /forge/issues/7: two 503s with a 300 ms retry-after-ms hint, then 200");
    let started = Instant::now();
    let url = server.url("/forge/issues/7?fault=503&fail=2&retry_after_ms=300");
    let response = forge.ready().await?.call(get(&url)?).await?;
    report(response, started, server.requests("/forge/issues/7")).await?;

    println!("\nGET /forge/issues/8: 503 every time; after 3 attempts the last 503 comes back");
    let started = Instant::now();
    let url = server.url("/forge/issues/8?fault=503");
    let response = forge.ready().await?.call(get(&url)?).await?;
    report(response, started, server.requests("/forge/issues/8")).await?;

    if let Some(stats) = retry_runtime::stats("forge.http") {
        println!(
            "\nforge.http: {} calls, {} attempts, {} retries, {:.1?} waited",
            stats.calls, stats.attempts, stats.retries, stats.waited
        );
    }
    Ok(())
}

fn get(url: &str) -> Result<Request<Full<Bytes>>, http::Error> {
    Request::get(url).body(Full::default())
}

async fn report(
    response: Response<Incoming>,
    started: Instant,
    requests: u32,
) -> Result<(), BoxError> {
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!(
        "-> {status} after {requests} requests in {:.1?}: {}",
        started.elapsed(),
        String::from_utf8_lossy(&body)
    );
    Ok(())
}
