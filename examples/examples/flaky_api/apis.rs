//! The three APIs an agent depends on, each with its named policy, its own
//! circuit breaker and its own retry budget, and a reqwest client whose
//! method is annotated with `#[retry]`.
//!
//! The policies are written in real time; `--speed` scales them (see
//! `speed.rs`) when the lazily built statics are first used.

use std::sync::LazyLock;
use std::time::Duration;

use retry_runtime::attempt;
use retry_runtime::http::{HttpError, check};
use retry_runtime::{
    BreakerConfig, CircuitBreaker, Classify, Policy, Rejected, RetryBudget, TimedOut, retry,
};

use crate::speed::Speed;

/// Every error the three clients return; `Classify` decides which retry.
#[derive(Debug, thiserror::Error, Classify)]
pub enum ApiError {
    /// An error status; keeps the server's `Retry-After`.
    #[error(transparent)]
    #[classify(source)]
    Http(#[from] HttpError),
    /// The request failed on the wire (refused, reset, closed early).
    /// Shown with its causes: reqwest's own text only says "error sending
    /// request".
    #[error("{}", Causes(.0))]
    #[classify(source)]
    Transport(#[from] reqwest::Error),
    /// An attempt ran past the policy's timeout.
    #[error(transparent)]
    #[classify(source)]
    TimedOut(#[from] TimedOut),
    /// The API's circuit breaker is open: the call did not run.
    #[error(transparent)]
    #[classify(permanent)]
    Rejected(#[from] Rejected),
}

/// An error and its sources, joined by `: `.
struct Causes<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

// --- the code forge: 3 attempts, 1 s base -----------------------------------

/// The code forge's policy, in real time.
pub const FORGE_API: Policy<Duration> = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_secs(1))
    .timeout(Duration::from_secs(10));
const FORGE_BREAKER_CONFIG: BreakerConfig = BreakerConfig::new("forge")
    .failure_threshold(5)
    .open_for(Duration::from_secs(30));

static FORGE_POLICY: LazyLock<Policy<Duration>> =
    LazyLock::new(|| Speed::current().policy(FORGE_API));
/// The forge's breaker.
pub static FORGE_BREAKER: LazyLock<CircuitBreaker> =
    LazyLock::new(|| CircuitBreaker::new(Speed::current().breaker(FORGE_BREAKER_CONFIG)));
static FORGE_BUDGET: RetryBudget = RetryBudget::new();

// --- the LLM API: 2 attempts, 2 s base, hints up to a minute ----------------

/// The LLM API's policy, in real time. Its rate limits come with
/// `Retry-After`, honoured up to a minute (the default cap, said here).
pub const LLM_API: Policy<Duration> = Policy::new()
    .max_attempts(2)
    .base_delay(Duration::from_secs(2))
    .timeout(Duration::from_secs(60))
    .max_retry_after(Duration::from_secs(60));
const LLM_BREAKER_CONFIG: BreakerConfig = BreakerConfig::new("llm")
    .failure_threshold(3)
    .open_for(Duration::from_secs(60));

static LLM_POLICY: LazyLock<Policy<Duration>> = LazyLock::new(|| Speed::current().policy(LLM_API));
/// The LLM API's breaker.
pub static LLM_BREAKER: LazyLock<CircuitBreaker> =
    LazyLock::new(|| CircuitBreaker::new(Speed::current().breaker(LLM_BREAKER_CONFIG)));
static LLM_BUDGET: RetryBudget = RetryBudget::new().capacity(50);

// --- the local model server: 5 attempts, 0.5 s base --------------------------

/// The local model server's policy, in real time.
pub const LOCAL_MODEL: Policy<Duration> = Policy::new()
    .max_attempts(5)
    .base_delay(Duration::from_millis(500))
    .max_delay(Duration::from_secs(5))
    .timeout(Duration::from_secs(20));
const LOCAL_BREAKER_CONFIG: BreakerConfig = BreakerConfig::new("local_model")
    .failure_threshold(5)
    .open_for(Duration::from_secs(10));

static LOCAL_POLICY: LazyLock<Policy<Duration>> =
    LazyLock::new(|| Speed::current().policy(LOCAL_MODEL));
/// The local model server's breaker.
pub static LOCAL_BREAKER: LazyLock<CircuitBreaker> =
    LazyLock::new(|| CircuitBreaker::new(Speed::current().breaker(LOCAL_BREAKER_CONFIG)));
static LOCAL_BUDGET: RetryBudget = RetryBudget::new();

// --- the clients ------------------------------------------------------------

/// The three clients, sharing one connection pool.
///
/// Each method takes a `fault`: the query that tells the flaky server how
/// to misbehave on this call (see `examples::flaky_server`). The server
/// keeps its state per path, so each scene uses its own issue, chat or job.
#[derive(Clone, Debug)]
pub struct Clients {
    http: reqwest::Client,
    base: String,
}

impl Clients {
    /// Clients of the server at `base` (`http://host:port`).
    pub fn new(base: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            base,
        }
    }

    /// The forge: an issue's text.
    #[retry(policy = FORGE_POLICY, breaker = FORGE_BREAKER, budget = FORGE_BUDGET, jitter, context, name = "forge.get_issue")]
    pub async fn get_issue(&self, number: u64, fault: &str) -> Result<String, ApiError> {
        let path = format!("/forge/issues/{number}");
        let request = self.http.get(format!("{}{path}?{fault}", self.base));
        send(request, &path).await
    }

    /// The LLM API: the next message of chat `chat`, answering `prompt`.
    #[retry(policy = LLM_POLICY, breaker = LLM_BREAKER, budget = LLM_BUDGET, jitter, context, name = "llm.complete")]
    pub async fn complete(&self, chat: u32, prompt: &str, fault: &str) -> Result<String, ApiError> {
        let path = format!("/llm/chats/{chat}/messages");
        // The request, body included, is built per attempt: a retried body
        // cannot give away what it received once.
        let request = self.http.post(format!("{}{path}?{fault}", self.base));
        send(request.body(prompt.to_owned()), &path).await
    }

    /// The local model server: a generation from `prompt` for job `job`.
    #[retry(policy = LOCAL_POLICY, breaker = LOCAL_BREAKER, budget = LOCAL_BUDGET, jitter, context, name = "local_model.generate")]
    pub async fn generate(&self, job: u32, prompt: &str, fault: &str) -> Result<String, ApiError> {
        let path = format!("/local/jobs/{job}/generate");
        let request = self.http.post(format!("{}{path}?{fault}", self.base));
        send(request.body(prompt.to_owned()), &path).await
    }
}

/// Sends one request and reads the answer's text; `check` turns an error
/// status into an `HttpError` that keeps the server's `Retry-After`.
///
/// Errors name `path` rather than the full URL: the host is the same for
/// every call and the query is the demo's instruction to the server, both
/// noise in the timeline. (An application would keep the URL.)
///
/// Inside a `#[retry(context)]` body, it tells the server which attempt
/// this is (`x-retry-attempt: 2` for the first retry).
async fn send(request: reqwest::RequestBuilder, path: &str) -> Result<String, ApiError> {
    let request = match attempt::current() {
        Some(context) => request.header("x-retry-attempt", context.number()),
        None => request,
    };
    let response = request.send().await.map_err(reqwest::Error::without_url)?;
    let response = check(response).map_err(|error| error.with_url(path))?;
    Ok(response.text().await.map_err(reqwest::Error::without_url)?)
}
