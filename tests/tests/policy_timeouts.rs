//! Whether a policy's attempts time out is in its type: a named policy
//! without a timeout (and the function API with one) retries an error type
//! that cannot say "timed out"; a `Policy<Duration>` bounds each attempt;
//! a policy read from a file, `Policy<Option<Duration>>`, applies the
//! timeout it was given, or none.

use std::sync::LazyLock;
use std::time::Duration;

use retry_runtime::{Classify, Policy, TimedOut, Verdict, retry};
use tests::raw_http::{RawServer, Reply, response};
use tests::{Recorder, TestError, ms, script};

/// An error type with no `From<TimedOut>`, as a foreign one would be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Busy;

impl Classify for Busy {
    fn classify(&self) -> Verdict {
        Verdict::server()
    }
}

const GITEA_API: Policy = Policy::new().max_attempts(3).base_delay(ms(100));

#[retry(policy = GITEA_API)]
async fn busy_twice(rec: &Recorder) -> Result<u32, Busy> {
    if rec.call() < 3 { Err(Busy) } else { Ok(3) }
}

#[tokio::test(start_paused = true)]
async fn a_policy_without_a_timeout_retries_any_error_type() {
    let rec = Recorder::new();
    assert_eq!(busy_twice(&rec).await, Ok(3));
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);

    let rec = Recorder::new();
    let result = GITEA_API
        .retry(|| async { if rec.call() < 2 { Err(Busy) } else { Ok(2) } })
        .await;
    assert_eq!(result, Ok(2));
    assert_eq!(rec.gaps(), [ms(100)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_function_api_retries_a_reqwest_error_with_a_named_policy() {
    // A connection closed without an answer, then a 200: `reqwest::Error`
    // has no `From<TimedOut>`, and needs none.
    let server = RawServer::start(vec![Reply::Close, response(200, &[], "ok")]).await;
    let client = reqwest::Client::new();
    let url = server.url("/issues/7");
    let policy = Policy::new().base_delay(ms(1));
    let response = policy
        .retry(|| client.get(&url).send())
        .await
        .expect("the retry got the 200");
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests(), 2);
}

const LOCAL_MODEL: Policy<Duration> = Policy::new()
    .max_attempts(3)
    .base_delay(ms(10))
    .max_delay(ms(10))
    .timeout(ms(500));

#[retry(policy = LOCAL_MODEL)]
async fn slow_then_quick(rec: &Recorder) -> Result<u32, TestError> {
    let n = rec.call();
    if n < 3 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn a_policy_with_a_timeout_bounds_each_attempt() {
    let rec = Recorder::new();
    assert_eq!(slow_then_quick(&rec).await, Ok(3));
    // Each slow attempt ran its 500 ms, then the 10 ms backoff.
    assert_eq!(rec.gaps(), [ms(510), ms(510)]);
}

/// Policies as a loop's configuration file gives them.
static LOADED: LazyLock<std::collections::HashMap<String, Policy<Option<Duration>>>> =
    LazyLock::new(|| {
        toml::from_str(
            r#"
            [local_model]
            max_attempts = 2
            base_delay = "10ms"
            timeout = "200ms"

            [forge]
            max_attempts = 2
            base_delay = "10ms"
            "#,
        )
        .expect("a valid file")
    });

static LOCAL_FROM_FILE: LazyLock<Policy<Option<Duration>>> =
    LazyLock::new(|| LOADED["local_model"]);

#[retry(policy = LOCAL_FROM_FILE)]
async fn hangs(rec: &Recorder) -> Result<u32, TestError> {
    rec.call();
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn a_policy_from_a_file_applies_the_timeout_it_was_given() {
    let rec = Recorder::new();
    let result = hangs(&rec).await;
    assert_eq!(result, Err(TestError::TimedOut(TimedOut::new(ms(200)))));
    assert_eq!(rec.gaps(), [ms(210)]);
}

#[tokio::test(start_paused = true)]
async fn a_policy_from_a_file_without_a_timeout_can_drop_its_type() {
    // The file gave the forge no timeout: `untimed` turns it into a
    // `Policy`, for an error type that cannot say "timed out".
    let forge = LOADED["forge"];
    assert_eq!(forge.timeout, None);
    let rec = Recorder::new();
    let result = forge
        .untimed()
        .retry(|| async { script(&rec, &[TestError::Transient]).map_err(|_| Busy) })
        .await;
    assert_eq!(result, Ok(2));
}
