//! The demo's story: what each API client is asked to survive, in order.
//! Each scene is a real call; the flaky server misbehaves as its `fault`
//! query says.

use std::future::Future;
use std::time::{Duration, Instant};

use retry_runtime::BreakerState;

use crate::apis::{ApiError, Clients, LOCAL_MODEL};
use crate::speed::Speed;

const PROMPT: &str = "Summarise issue 7 in one sentence.";

/// Plays every scene against `clients`, with durations scaled by `speed`.
pub async fn run(clients: &Clients, speed: Speed) {
    let ms = |seconds: f64| speed.millis(Duration::from_secs_f64(seconds));

    scene(
        "forge: a 503 with `Retry-After: 1`, then the issue (whole seconds: waited in real time)",
    );
    show(clients.get_issue(7, "fault=503&fail=1&retry_after=1")).await;
    scene("forge: two 500s, then the issue");
    show(clients.get_issue(8, "fault=500&fail=2")).await;
    scene("forge: 502 on every attempt: the attempts run out");
    show(clients.get_issue(9, "fault=502")).await;
    scene("forge: a 401: permanent, never retried");
    show(clients.get_issue(10, "fault=401")).await;

    let hint = ms(3.0);
    scene(&format!(
        "llm: a 429 with `retry-after-ms: {hint}`: the hint is a floor under the backoff"
    ));
    let fault = format!("fault=429&fail=1&retry_after_ms={hint}");
    show(clients.complete(1, PROMPT, &fault)).await;
    scene("llm: a 429 with `Retry-After: <HTTP-date 1 s ahead>`");
    show(clients.complete(2, PROMPT, "fault=429&fail=1&retry_after_date=1")).await;
    scene("llm: a hostile `Retry-After: 86400`: one request, no waiting");
    show(clients.complete(3, PROMPT, "fault=503&retry_after=86400")).await;

    let timeout = LOCAL_MODEL.timeout;
    scene(&format!(
        "local model: two answers slower than its {:?} per-attempt timeout",
        speed.scale(timeout)
    ));
    let fault = format!("fault=slow&delay_ms={}&fail=2", speed.millis(timeout * 2));
    show(clients.generate(1, PROMPT, &fault)).await;
    scene("local model: three connections closed mid-request");
    show(clients.generate(2, PROMPT, "fault=drop&fail=3")).await;

    outage(clients, speed).await;
}

/// The local model server goes down for 36 s (scaled) while the agent calls
/// it every 4 s: the breaker trips, fails calls fast, lets a probe through
/// now and then, and closes when a probe succeeds.
async fn outage(clients: &Clients, speed: Speed) {
    let window = speed.scale(Duration::from_secs(36));
    let pause = speed.scale(Duration::from_secs(4));
    scene(&format!(
        "local model: a {window:?} outage, called every {pause:?} until two calls succeed"
    ));
    let fault = format!("fault=503&for_ms={}", window.as_millis());
    let mut successes = 0;
    for _ in 0..20 {
        if show(clients.generate(3, PROMPT, &fault)).await {
            successes += 1;
            if successes == 2 {
                break;
            }
        }
        tokio::time::sleep(pause).await;
    }
}

fn scene(title: &str) {
    println!("\n== {title}");
}

/// Runs one call and prints how it ended; true if it succeeded.
async fn show(call: impl Future<Output = Result<String, ApiError>>) -> bool {
    let started = Instant::now();
    let result = call.await;
    let took = started.elapsed();
    match &result {
        Ok(body) => println!("   => ok after {took:.2?}: {body}"),
        Err(error) => println!("   => failed after {took:.2?}: {}", short(error)),
    }
    result.is_ok()
}

/// The error, with the breaker's wait rounded.
fn short(error: &ApiError) -> String {
    match error {
        ApiError::Rejected(r) if r.state == BreakerState::Open => format!(
            "rejected: circuit breaker `{}` is open for {:.0?} more",
            r.breaker, r.retry_in
        ),
        other => other.to_string(),
    }
}
