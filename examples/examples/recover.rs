//! A flaky operation recovering under `#[retry]`: each failed attempt, the
//! delay before the next one, and the final outcome are printed.
//!
//! Run it with `cargo run -p examples --example recover`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::{Classify, RetryEvent, Verdict, retry};

/// The errors a remote service answers with.
#[derive(Debug, thiserror::Error)]
enum ServiceError {
    #[error("503 service unavailable")]
    Unavailable,
    #[error("429 too many requests (retry after {0:?})")]
    RateLimited(Duration),
    #[error("401 unauthorized")]
    Unauthorized,
    #[error(transparent)]
    TimedOut(#[from] retry_runtime::TimedOut),
}

impl Classify for ServiceError {
    fn classify(&self) -> Verdict {
        match self {
            ServiceError::Unavailable => Verdict::server(),
            ServiceError::RateLimited(hint) => Verdict::throttled().retry_after(*hint),
            ServiceError::Unauthorized => Verdict::auth(),
            ServiceError::TimedOut(_) => Verdict::timeout(),
        }
    }
}

/// What the pretend service answers to one call.
#[derive(Clone, Copy)]
enum Answer {
    Unavailable,
    RateLimited(Duration),
    Unauthorized,
}

/// A pretend remote service that answers each call from a script, then
/// succeeds.
struct Service {
    calls: AtomicU32,
    script: Vec<Answer>,
}

impl Service {
    fn new(script: Vec<Answer>) -> Self {
        Self {
            calls: AtomicU32::new(0),
            script,
        }
    }

    fn answer(&self) -> Result<u32, ServiceError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.script.get(n as usize) {
            Some(Answer::Unavailable) => Err(ServiceError::Unavailable),
            Some(Answer::RateLimited(hint)) => Err(ServiceError::RateLimited(*hint)),
            Some(Answer::Unauthorized) => Err(ServiceError::Unauthorized),
            None => Ok(n + 1),
        }
    }
}

fn print_retry(event: &RetryEvent<'_, ServiceError>) {
    // `error` is `None` only for an `Ok` value retried by `when_ok`: not here.
    let Some(error) = event.error else { return };
    println!(
        "  attempt {}/{} failed: {error} ({}); retrying in {:.1?}",
        event.attempt, event.max_attempts, event.kind, event.delay
    );
}

#[retry(max_attempts = 4, base_delay = "100ms", max_delay = "1s", jitter, on_retry = print_retry)]
async fn fetch_report(service: &Service) -> Result<u32, ServiceError> {
    service.answer()
}

async fn scenario(title: &str, script: Vec<Answer>) {
    println!("\n{title}");
    let service = Service::new(script);
    let started = Instant::now();
    let outcome = fetch_report(&service).await;
    let calls = service.calls.load(Ordering::SeqCst);
    match outcome {
        Ok(n) => println!(
            "  => succeeded on attempt {n} after {:.1?}",
            started.elapsed()
        ),
        Err(e) => println!(
            "  => gave up after {calls} call(s) and {:.1?}: {e}",
            started.elapsed()
        ),
    }
}

#[tokio::main]
async fn main() {
    use Answer::*;
    let hour = Duration::from_secs(3600);
    println!(
        "fetch_report: #[retry(max_attempts = 4, base_delay = \"100ms\", max_delay = \"1s\", jitter)]"
    );
    scenario(
        "1. two 503s, then success (jitter spreads each delay over [0, backoff])",
        vec![Unavailable; 2],
    )
    .await;
    scenario(
        "2. a 429 with a 300 ms hint: the hint is a floor",
        vec![RateLimited(Duration::from_millis(300))],
    )
    .await;
    scenario("3. a 401: permanent, never retried", vec![Unauthorized]).await;
    scenario(
        "4. a 429 asking for an hour: above max_retry_after (60s), no waiting",
        vec![RateLimited(hour)],
    )
    .await;
    scenario(
        "5. an outage: four 503s exhaust the attempts",
        vec![Unavailable; 4],
    )
    .await;
}
