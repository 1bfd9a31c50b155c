//! Hedged calls (`hedge`, `Retry::hedge`): after the hedge delay without
//! an answer another attempt starts, the first acceptable answer wins and
//! the others are dropped; `max_attempts`, the budget, the breaker, the
//! timeout and the deadline still apply. Exact outcomes on tokio's paused
//! clock; a drop guard counts the attempts cancelled.

use std::time::Duration;

use retry_runtime::attempt::AttemptContext;
use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget, TimedOut, retry};
use tests::{TestError, ms};
use tokio::time::Instant;

mod hedge_server;
use hedge_server::{Plan, Server};

/// Runs `plan` hedged after `delay` under `policy`; returns the result and
/// how long the call took.
async fn hedged(
    policy: Policy,
    delay: u64,
    server: &Server,
    plan: Plan,
) -> (Result<u32, TestError>, Duration) {
    let start = Instant::now();
    let result = policy
        .retry_with_context(|attempt: AttemptContext| server.answer(&plan, attempt.number(), start))
        .hedge(ms(delay))
        .await;
    (result, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn a_fast_hedge_wins_over_a_slow_first_attempt_which_is_dropped() {
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1)), (10, Ok(2))]);
    let (result, took) = hedged(Policy::new().max_attempts(3), 50, &server, plan).await;
    assert_eq!(result, Ok(2));
    assert_eq!(took, ms(60));
    assert_eq!(server.starts(), [ms(0), ms(50)]);
    assert_eq!(server.cancelled(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_answer_before_the_hedge_delay_starts_no_hedge() {
    let server = Server::default();
    let plan = Plan(vec![(30, Ok(7))]);
    let (result, took) = hedged(Policy::new(), 50, &server, plan).await;
    assert_eq!(result, Ok(7));
    assert_eq!(took, ms(30));
    assert_eq!(server.started(), 1);
    assert_eq!(server.cancelled(), 0);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_caps_the_attempts_in_flight() {
    let server = Server::default();
    // Every attempt is slow: three start, 50 ms apart, and no fourth.
    let plan = Plan(vec![(1000, Ok(1)), (1000, Ok(2))]);
    let (result, took) = hedged(Policy::new().max_attempts(3), 50, &server, plan).await;
    assert_eq!(result, Ok(1));
    assert_eq!(took, ms(1000));
    assert_eq!(server.starts(), [ms(0), ms(50), ms(100)]);
    assert_eq!(server.cancelled(), 2);
}

#[tokio::test(start_paused = true)]
async fn hedges_are_paid_from_the_budget_and_an_empty_one_starts_none() {
    static EMPTY: RetryBudget = RetryBudget::new().capacity(0);
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1)), (10, Ok(2))]);
    let start = Instant::now();
    let result = Policy::new()
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .budget(&EMPTY)
        .hedge(ms(50))
        .await;
    // No hedge: the call waits for the slow first attempt.
    assert_eq!(result, Ok(1));
    assert_eq!(start.elapsed(), ms(1000));
    assert_eq!(server.started(), 1);

    // A budget of 10 tokens, 5 per hedge: two hedges, the losers' tokens
    // spent, the winner's refunded.
    static TEN: RetryBudget = RetryBudget::new()
        .capacity(10)
        .retry_cost(5)
        .first_try_refund(0);
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1)), (1000, Ok(2)), (10, Ok(3))]);
    let start = Instant::now();
    let result = Policy::new()
        .max_attempts(5)
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .budget(&TEN)
        .hedge(ms(50))
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(start.elapsed(), ms(110));
    assert_eq!(server.starts(), [ms(0), ms(50), ms(100)]);
    assert_eq!(server.cancelled(), 2);
    assert_eq!(TEN.available(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_starts_the_next_attempt_at_once_and_cancels_nothing() {
    let server = Server::default();
    // Attempt 1 fails at 20 ms: attempt 2 starts then, not at 50 ms.
    // Attempt 2 is slow; attempt 3 starts 50 ms after it and wins.
    let plan = Plan(vec![
        (20, Err(TestError::Transient)),
        (1000, Ok(2)),
        (10, Ok(3)),
    ]);
    let (result, took) = hedged(Policy::new().max_attempts(3), 50, &server, plan).await;
    assert_eq!(result, Ok(3));
    assert_eq!(server.starts(), [ms(0), ms(20), ms(70)]);
    assert_eq!(took, ms(80));
    assert_eq!(server.cancelled(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failure_of_a_hedge_leaves_the_first_attempt_running() {
    let server = Server::default();
    let plan = Plan(vec![(300, Ok(1)), (10, Err(TestError::Transient))]);
    let (result, took) = hedged(Policy::new().max_attempts(2), 50, &server, plan).await;
    assert_eq!(result, Ok(1));
    assert_eq!(took, ms(300));
    assert_eq!(server.started(), 2);
    assert_eq!(server.cancelled(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_ends_the_call_at_once_and_drops_the_others() {
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1)), (10, Err(TestError::Permanent))]);
    let (result, took) = hedged(Policy::new().max_attempts(3), 50, &server, plan).await;
    assert_eq!(result, Err(TestError::Permanent));
    assert_eq!(took, ms(60));
    assert_eq!(server.started(), 2);
    assert_eq!(server.cancelled(), 1);
}

#[tokio::test(start_paused = true)]
async fn when_every_attempt_fails_the_last_failure_is_the_result() {
    let server = Server::default();
    // 1 fails at 100, 2 (started at 50) fails at 90 and starts 3 at once,
    // which fails at 95 (permanent would end it; this one is throttled).
    let plan = Plan(vec![
        (100, Err(TestError::Transient)),
        (40, Err(TestError::Transient)),
        (5, Err(TestError::Throttled(ms(0)))),
    ]);
    let (result, took) = hedged(Policy::new().max_attempts(3), 50, &server, plan).await;
    assert_eq!(result, Err(TestError::Transient));
    assert_eq!(server.starts(), [ms(0), ms(50), ms(90)]);
    assert_eq!(took, ms(100));
    assert_eq!(server.cancelled(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_server_hint_holds_the_next_attempt_back() {
    let server = Server::default();
    // Attempt 1 is throttled at 10 ms with a 200 ms hint: attempt 2 starts
    // at 210 ms, not at the hedge delay.
    let plan = Plan(vec![(10, Err(TestError::Throttled(ms(200)))), (10, Ok(2))]);
    let (result, took) = hedged(Policy::new(), 50, &server, plan).await;
    assert_eq!(result, Ok(2));
    assert_eq!(server.starts(), [ms(0), ms(210)]);
    assert_eq!(took, ms(220));

    // A hint above `max_retry_after` starts no more attempts.
    let server = Server::default();
    let plan = Plan(vec![(10, Err(TestError::Throttled(ms(5000)))), (10, Ok(2))]);
    let policy = Policy::new().max_retry_after(ms(1000));
    let (result, took) = hedged(policy, 50, &server, plan).await;
    assert_eq!(result, Err(TestError::Throttled(ms(5000))));
    assert_eq!(server.started(), 1);
    assert_eq!(took, ms(10));
}

#[tokio::test(start_paused = true)]
async fn the_timeout_bounds_each_attempt_and_the_deadline_the_call() {
    let server = Server::default();
    // Every attempt hangs: each times out 100 ms after it starts.
    let plan = Plan(vec![(60_000, Ok(1))]);
    let start = Instant::now();
    let result = Policy::new()
        .max_attempts(3)
        .timeout(ms(100))
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .hedge(ms(50))
        .await;
    // Starts at 0, 50, 100; the last times out at 200.
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(100)))));
    assert_eq!(server.starts(), [ms(0), ms(50), ms(100)]);
    assert_eq!(start.elapsed(), ms(200));

    let server = Server::default();
    let start = Instant::now();
    let result = Policy::new()
        .max_attempts(10)
        .deadline(ms(120))
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .hedge(ms(50))
        .await;
    // Starts at 0, 50, 100, each clipped to what remains (120, 70, 20 ms):
    // all time out at 120 ms, and no attempt starts after. They end in one
    // poll, settled in the order they are kept (the first, then the last
    // moved into its place, then the second): the second's failure is
    // the last, and the call's.
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(70)))));
    assert_eq!(server.starts(), [ms(0), ms(50), ms(100)]);
    assert_eq!(start.elapsed(), ms(120));
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_starts_no_hedge_and_rejects_a_new_call() {
    static BREAKER: CircuitBreaker =
        CircuitBreaker::new(BreakerConfig::new("hedged").failure_threshold(1));
    let server = Server::default();
    // The hedge fails and trips the breaker: no third attempt; the first
    // goes on and answers.
    let plan = Plan(vec![(300, Ok(1)), (10, Err(TestError::Transient))]);
    let start = Instant::now();
    let result = Policy::new()
        .max_attempts(3)
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .breaker(&BREAKER)
        .hedge(ms(50))
        .await;
    assert_eq!(result, Ok(1));
    assert_eq!(server.starts(), [ms(0), ms(50)]);
    assert_eq!(start.elapsed(), ms(300));

    let server = Server::default();
    let result = Policy::new()
        .retry_with_context(|attempt| server.answer(&plan, attempt.number(), start))
        .breaker(&BREAKER)
        .hedge(ms(50))
        .await;
    assert!(matches!(result, Err(TestError::Rejected(_))));
    assert_eq!(server.started(), 0);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_cancels_every_attempt_in_flight() {
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1))]);
    let call = hedged(Policy::new().max_attempts(3), 50, &server, plan);
    let outcome = tokio::time::timeout(ms(120), call).await;
    assert!(outcome.is_err());
    assert_eq!(server.started(), 3);
    assert_eq!(server.cancelled(), 3);
}

// The attribute: the same engine.

#[retry(max_attempts = 3, hedge = "50ms")]
async fn fetch(server: &Server, plan: &Plan, start: Instant) -> Result<u32, TestError> {
    let number = retry_runtime::attempt::current().map_or(0, |attempt| attempt.number());
    server.answer(plan, number, start).await
}

#[tokio::test(start_paused = true)]
async fn the_attribute_hedges_alike() {
    let server = Server::default();
    let plan = Plan(vec![(1000, Ok(1)), (10, Ok(2))]);
    let start = Instant::now();
    let result = fetch(&server, &plan, start).await;
    assert_eq!(result, Ok(2));
    assert_eq!(start.elapsed(), ms(60));
    assert_eq!(server.starts(), [ms(0), ms(50)]);
    assert_eq!(server.cancelled(), 1);
}

/// A client whose method is hedged: `&self` is shared by the attempts.
struct Client {
    server: Server,
    plan: Plan,
}

static CLIENT_BUDGET: RetryBudget = RetryBudget::new()
    .capacity(10)
    .retry_cost(5)
    .first_try_refund(0);

fn only_transient(error: &TestError) -> bool {
    matches!(error, TestError::Transient)
}

impl Client {
    #[retry(max_attempts = 4, hedge = "50ms", timeout = "500ms", budget = CLIENT_BUDGET, when = only_transient)]
    async fn get(&self, path: String, start: Instant) -> Result<u32, TestError> {
        let number = retry_runtime::attempt::current().map_or(0, |attempt| attempt.number());
        assert_eq!(path, "/item");
        let parsed: u32 = "1".parse()?;
        Ok(self.server.answer(&self.plan, number, start).await? + parsed * 100)
    }
}

#[tokio::test(start_paused = true)]
async fn a_hedged_method_shares_self_and_its_arguments_across_attempts() {
    let client = Client {
        server: Server::default(),
        // Every attempt hangs past the timeout but the third.
        plan: Plan(vec![(60_000, Ok(1)), (60_000, Ok(2)), (20, Ok(3))]),
    };
    let start = Instant::now();
    let result = client.get("/item".to_owned(), start).await;
    // Two hedges, 5 tokens each, empty the budget: no fourth attempt; the
    // third answers at 120 ms. Its tokens come back, the second's do not.
    assert_eq!(result, Ok(103));
    assert_eq!(start.elapsed(), ms(120));
    assert_eq!(client.server.starts(), [ms(0), ms(50), ms(100)]);
    assert_eq!(client.server.cancelled(), 2);
    assert_eq!(CLIENT_BUDGET.available(), 5);
}

#[retry(max_attempts = 3, hedge = "50ms")]
async fn fetch_owned(server: std::sync::Arc<Server>, plan: Plan) -> Result<u32, TestError> {
    let number = retry_runtime::attempt::current().map_or(0, |attempt| attempt.number());
    server.answer(&plan, number, Instant::now()).await
}

#[tokio::test(start_paused = true)]
async fn a_hedged_fn_future_is_send_and_can_be_spawned() {
    let server = std::sync::Arc::new(Server::default());
    let plan = Plan(vec![(1000, Ok(1)), (10, Ok(2))]);
    let start = Instant::now();
    let result = tokio::spawn(fetch_owned(server.clone(), plan))
        .await
        .unwrap();
    assert_eq!(result, Ok(2));
    assert_eq!(start.elapsed(), ms(60));
    assert_eq!(server.started(), 2);
    assert_eq!(server.cancelled(), 1);
}

#[retry(
    max_attempts = 3,
    hedge = "50ms",
    when = |error| matches!(error, TestError::Transient),
    when_ok = |value| *value == 0,
    on_retry = |event| assert_eq!(event.attempt, 1)
)]
async fn fetch_with_closures(
    server: &Server,
    plan: &Plan,
    start: Instant,
) -> Result<u32, TestError> {
    let number = retry_runtime::attempt::current().map_or(0, |attempt| attempt.number());
    server.answer(plan, number, start).await
}

#[tokio::test(start_paused = true)]
async fn closures_in_the_keys_infer_their_types() {
    let server = Server::default();
    // Attempt 1 answers 0 at 10 ms: a transient value, so attempt 2 starts
    // at once and answers.
    let plan = Plan(vec![(10, Ok(0)), (10, Ok(2))]);
    let start = Instant::now();
    let result = fetch_with_closures(&server, &plan, start).await;
    assert_eq!(result, Ok(2));
    assert_eq!(server.starts(), [ms(0), ms(10)]);
    assert_eq!(start.elapsed(), ms(20));
}

#[async_trait::async_trait]
trait Store: Send + Sync {
    async fn read(&self, plan: &Plan, start: Instant) -> Result<u32, TestError>;
}

#[async_trait::async_trait]
impl Store for Server {
    #[retry(max_attempts = 2, hedge = "50ms")]
    async fn read(&self, plan: &Plan, start: Instant) -> Result<u32, TestError> {
        let number = retry_runtime::attempt::current().map_or(0, |attempt| attempt.number());
        self.answer(plan, number, start).await
    }
}

#[tokio::test(start_paused = true)]
async fn an_async_trait_method_hedges_through_dyn_trait() {
    let server = Server::default();
    let store: &dyn Store = &server;
    let plan = Plan(vec![(1000, Ok(1)), (10, Ok(2))]);
    let start = Instant::now();
    assert_eq!(store.read(&plan, start).await, Ok(2));
    assert_eq!(start.elapsed(), ms(60));
    assert_eq!(server.cancelled(), 1);
}
