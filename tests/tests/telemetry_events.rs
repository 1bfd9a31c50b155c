//! The `tracing` events a user's log shows for a scripted run: exact
//! levels, messages and fields (target `retry`), captured by a real
//! subscriber.

use std::time::Duration;

use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget, Verdict, retry};
use tests::capture::{Captured, capture};
use tests::{Recorder, TestError, ms, script};
use tracing::Level;

#[retry(max_attempts = 3, base_delay = "100ms", name = "demo.fetch")]
async fn fetch(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

fn summary(event: &Captured) -> (Level, &str, &str) {
    (event.level, event.target.as_str(), event.message.as_str())
}

#[tokio::test(start_paused = true)]
async fn two_transient_failures_then_success() {
    let (events, _guard) = capture();
    let rec = Recorder::new();
    assert_eq!(
        fetch(&rec, &[TestError::Transient, TestError::Throttled(ms(300))]).await,
        Ok(3)
    );
    let events = events.all();
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(summary(&events[0]), (Level::WARN, "retry", "retrying"));
    assert_eq!(
        events[0].fields.get("retry.name").map(String::as_str),
        Some("demo.fetch")
    );
    assert_eq!(events[0].field("retry.attempt"), "1");
    assert_eq!(events[0].field("retry.max_attempts"), "3");
    assert_eq!(events[0].field("retry.delay_ms"), "100");
    assert_eq!(events[0].field("retry.kind"), "server");
    assert_eq!(events[0].field("error"), "transient failure");
    assert_eq!(events[1].field("retry.attempt"), "2");
    assert_eq!(
        events[1].field("retry.delay_ms"),
        "300",
        "the hint beat the 200 ms backoff"
    );
    assert_eq!(events[1].field("retry.kind"), "throttled");
    assert_eq!(events[1].field("error"), "throttled, retry after 300ms");
    assert_eq!(
        summary(&events[2]),
        (Level::DEBUG, "retry", "succeeded after retries")
    );
    assert_eq!(events[2].field("retry.attempts"), "3");
}

#[tokio::test(start_paused = true)]
async fn a_first_try_success_logs_nothing() {
    let (events, _guard) = capture();
    assert_eq!(fetch(&Recorder::new(), &[]).await, Ok(1));
    assert_eq!(events.all(), []);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_gives_up_at_once() {
    let (events, _guard) = capture();
    assert_eq!(
        fetch(&Recorder::new(), &[TestError::Permanent]).await,
        Err(TestError::Permanent)
    );
    let events = events.all();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(summary(&events[0]), (Level::ERROR, "retry", "giving up"));
    assert_eq!(events[0].field("retry.reason"), "permanent");
    assert_eq!(events[0].field("retry.attempts"), "1");
    assert_eq!(events[0].field("error"), "permanent failure");
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_call_warns_twice_then_gives_up() {
    let (events, _guard) = capture();
    let errors = [
        TestError::Transient,
        TestError::Transient,
        TestError::Transient,
    ];
    assert_eq!(
        fetch(&Recorder::new(), &errors).await,
        Err(TestError::Transient)
    );
    let events = events.all();
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::WARN, Level::WARN, Level::ERROR]);
    assert_eq!(events[2].field("retry.reason"), "exhausted");
    assert_eq!(events[2].field("retry.attempts"), "3");
}

#[tokio::test(start_paused = true)]
async fn a_hint_above_the_cap_is_named() {
    let (events, _guard) = capture();
    let hostile = TestError::Throttled(Duration::from_secs(86_400));
    assert_eq!(
        fetch(&Recorder::new(), std::slice::from_ref(&hostile)).await,
        Err(hostile)
    );
    let events = events.all();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].field("retry.reason"), "hint_too_long");
}

static EMPTY: RetryBudget = RetryBudget::new().capacity(0);

#[retry(max_attempts = 3, base_delay = "100ms", budget = EMPTY, name = "demo.budgeted")]
async fn budgeted(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Transient])
}

#[tokio::test(start_paused = true)]
async fn a_spent_budget_is_named() {
    let (events, _guard) = capture();
    assert_eq!(budgeted(&Recorder::new()).await, Err(TestError::Transient));
    let events = events.all();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].field("retry.reason"), "budget");
}

static BREAKER: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("demo-api")
        .failure_threshold(1)
        .open_for(Duration::from_secs(10)),
);

#[retry(max_attempts = 1, breaker = BREAKER, name = "demo.guarded")]
async fn guarded(rec: &Recorder, fail: bool) -> Result<u32, TestError> {
    if fail {
        script(rec, &[TestError::Transient])
    } else {
        Ok(rec.call())
    }
}

#[tokio::test(start_paused = true)]
async fn breaker_transitions_are_logged() {
    let (events, _guard) = capture();
    let rec = Recorder::new();
    assert_eq!(guarded(&rec, true).await, Err(TestError::Transient));
    assert!(matches!(
        guarded(&rec, false).await,
        Err(TestError::Rejected(_))
    ));
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(guarded(&rec, false).await, Ok(2));
    assert_eq!(BREAKER.trips(), 1);
    let seen: Vec<(Level, String, String)> = events
        .all()
        .iter()
        .map(|e| {
            (
                e.level,
                e.message.clone(),
                format!("{} {}", e.field("retry.breaker"), e.field("retry.state")),
            )
        })
        .collect();
    let expected = [
        (
            Level::INFO,
            "circuit breaker state changed",
            "demo-api open",
        ),
        (Level::ERROR, "giving up", " "),
        (Level::ERROR, "giving up", " "),
        (
            Level::INFO,
            "circuit breaker state changed",
            "demo-api half-open",
        ),
        (
            Level::INFO,
            "circuit breaker state changed",
            "demo-api closed",
        ),
    ];
    let expected: Vec<(Level, String, String)> = expected
        .iter()
        .map(|(l, m, f)| (*l, (*m).to_owned(), (*f).to_owned()))
        .collect();
    assert_eq!(seen, expected);
    let reasons: Vec<String> = events
        .all()
        .iter()
        .map(|e| e.field("retry.reason").to_owned())
        .collect();
    assert_eq!(reasons, ["", "exhausted", "rejected", "", ""]);
}

/// An error type without `Display`: its events carry no `error` field.
#[derive(Debug, PartialEq)]
struct Code(u16);

fn retry_every_code(_: &Code) -> bool {
    true
}

#[retry(max_attempts = 2, base_delay = "10ms", when = retry_every_code, name = "demo.code")]
async fn coded() -> Result<u32, Code> {
    Err(Code(7))
}

#[tokio::test(start_paused = true)]
async fn errors_without_display_are_left_out() {
    let (events, _guard) = capture();
    assert_eq!(coded().await, Err(Code(7)));
    let events = events.all();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(summary(&events[0]), (Level::WARN, "retry", "retrying"));
    assert_eq!(events[0].field("retry.kind"), "other");
    assert_eq!(events[1].field("retry.reason"), "exhausted");
    assert!(
        events.iter().all(|e| !e.fields.contains_key("error")),
        "{events:#?}"
    );
}

static TRIPPED: CircuitBreaker = CircuitBreaker::new(
    BreakerConfig::new("demo-tripped")
        .failure_threshold(1)
        .open_for(Duration::from_secs(10)),
);

#[retry(max_attempts = 3, base_delay = "100ms", breaker = TRIPPED, name = "demo.tripped")]
async fn trips_its_breaker(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Transient])
}

#[tokio::test(start_paused = true)]
async fn a_call_stopped_by_an_open_breaker_is_not_a_rejection() {
    let (events, _guard) = capture();
    let rec = Recorder::new();
    assert_eq!(trips_its_breaker(&rec).await, Err(TestError::Transient));
    assert!(matches!(
        trips_its_breaker(&rec).await,
        Err(TestError::Rejected(_))
    ));
    let ended: Vec<(String, String, String)> = events
        .all()
        .iter()
        .filter(|e| e.message == "giving up")
        .map(|e| {
            (
                e.field("retry.attempts").to_owned(),
                e.field("retry.reason").to_owned(),
                e.field("error").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ended,
        [
            (
                "1".into(),
                "breaker_open".into(),
                "transient failure".into()
            ),
            (
                "0".into(),
                "rejected".into(),
                "circuit breaker `demo-tripped` is open; it lets a probe through in 10s".into()
            ),
        ]
    );
}

/// An `anyhow::Error` carrying its cause under a context.
fn wrapped_in_context(_: &anyhow::Error) -> bool {
    true
}

#[retry(max_attempts = 1, when = wrapped_in_context, name = "demo.anyhow")]
async fn with_context() -> anyhow::Result<u32> {
    let cause = anyhow::anyhow!("HTTP 503 from /status/503");
    Err(cause.context("httpbin flaky"))
}

/// A `std::error::Error` whose cause is its `source()`.
#[derive(Debug, thiserror::Error)]
#[error("fetching the issue")]
struct Outer(#[source] std::io::Error);

impl retry_runtime::Classify for Outer {
    fn classify(&self) -> Verdict {
        Verdict::permanent()
    }
}

#[retry(max_attempts = 1, name = "demo.chain")]
async fn with_source() -> Result<u32, Outer> {
    Err(Outer(std::io::Error::other("connection reset by peer")))
}

#[tokio::test(start_paused = true)]
async fn events_show_the_whole_chain_of_causes() {
    let (events, _guard) = capture();
    assert!(with_context().await.is_err());
    assert!(with_source().await.is_err());
    let errors: Vec<String> = events
        .all()
        .iter()
        .map(|e| e.field("error").to_owned())
        .collect();
    assert_eq!(
        errors,
        [
            "httpbin flaky: HTTP 503 from /status/503",
            "fetching the issue: connection reset by peer"
        ]
    );
}
