//! The reqwest middleware against the flaky server: a GET retried after
//! the server's `retry-after-ms` hint, a POST without an idempotency key
//! sent once, the same POST with an `Idempotency-Key` retried. The
//! engine's own events (target `retry`) are printed as they happen.
//!
//! Run it with `cargo run -p examples --example reqwest_middleware`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use examples::flaky_server::FlakyServer;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, RequestBuilder};
use retry_runtime::middleware::RetryMiddleware;
use retry_runtime::{BreakerConfig, CircuitBreaker, Jitter, Policy, RetryBudget};

/// The LLM API's policy: three attempts, 250 ms doubling, jittered; a
/// server hint is honoured up to 10 s.
const LLM_API: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(250))
    .jitter(Jitter::Full)
    .max_retry_after(Duration::from_secs(10));

static LLM_BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("llm"));
static LLM_BUDGET: RetryBudget = RetryBudget::new();

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter("retry=debug")
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let server = FlakyServer::start().await?;
    println!(
        "reqwest_middleware: a reqwest client with RetryMiddleware, against {}",
        server.base_url()
    );
    let llm: ClientWithMiddleware = ClientBuilder::new(reqwest::Client::new())
        .with(
            RetryMiddleware::new(LLM_API)
                .name("llm.http")
                .breaker(&LLM_BREAKER)
                .budget(&LLM_BUDGET),
        )
        .build();

    println!("\nGET /llm/models: two 429s with a 300 ms retry-after-ms hint, then 200");
    let url = server.url("/llm/models?fault=429&fail=2&retry_after_ms=300");
    send(llm.get(url), &server, "/llm/models").await?;

    println!("\nPOST /llm/jobs without an idempotency key: a 503 is not sent again");
    let url = server.url("/llm/jobs?fault=503&fail=1");
    send(llm.post(url).body("prompt=hello"), &server, "/llm/jobs").await?;

    println!("\nPOST /llm/keyed-jobs with an Idempotency-Key: the 503 is retried");
    let url = server.url("/llm/keyed-jobs?fault=503&fail=1");
    let keyed = llm
        .post(url)
        .header("Idempotency-Key", "job-7")
        .body("prompt=hello");
    send(keyed, &server, "/llm/keyed-jobs").await?;

    if let Some(stats) = retry_runtime::stats("llm.http") {
        println!(
            "\nllm.http: {} calls, {} attempts, {} retries, {:.1?} waited",
            stats.calls, stats.attempts, stats.retries, stats.waited
        );
    }
    Ok(())
}

async fn send(
    request: RequestBuilder,
    server: &FlakyServer,
    path: &str,
) -> Result<(), reqwest_middleware::Error> {
    let started = Instant::now();
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    println!(
        "-> {status} after {} requests in {:.1?}: {body}",
        server.requests(path),
        started.elapsed()
    );
    Ok(())
}
