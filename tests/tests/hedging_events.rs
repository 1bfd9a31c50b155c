//! The events of a hedged call, alone in this test binary: `tracing`
//! caches each callsite's interest when it is first hit, and another test
//! hitting the `hedging` event at that moment on a thread without a
//! subscriber could leave this test's capture without it.

mod hedge_server;

use hedge_server::{Plan, Server};
use retry_runtime::Policy;
use tests::{TestError, ms};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_hedge_and_a_failure_are_logged() {
    use tests::capture::capture;
    let (events, _guard) = capture();
    let server = Server::default();
    // Attempt 1 fails at 20 ms (attempt 2 starts at once); attempt 2 is
    // slow, so attempt 3 is a hedge at 70 ms, and answers.
    let plan = Plan(vec![
        (20, Err(TestError::Transient)),
        (1000, Ok(2)),
        (10, Ok(3)),
    ]);
    let start = Instant::now();
    let result = Policy::new()
        .max_attempts(3)
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .name("hedged.read")
        .hedge(ms(50))
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(server.started(), 3);
    assert_eq!(server.starts(), [ms(0), ms(20), ms(70)]);
    assert_eq!(server.cancelled(), 1, "the slow second attempt");
    let events = events.all();
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.level, e.message.as_str(), e.field("retry.attempt")))
        .collect();
    assert_eq!(
        summary,
        [
            (tracing::Level::WARN, "retrying", "1"),
            (tracing::Level::INFO, "hedging", "3"),
            (tracing::Level::DEBUG, "succeeded after retries", ""),
        ],
        "{events:#?}"
    );
    assert_eq!(events[0].field("retry.delay_ms"), "0");
    assert_eq!(events[1].field("retry.after_ms"), "50");
    assert_eq!(events[1].field("retry.name"), "hedged.read");
    assert_eq!(events[2].field("retry.attempts"), "3");
}
