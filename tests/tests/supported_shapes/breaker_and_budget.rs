// Pins: `breaker` and `budget` naming a `static`, a `&'static` reference
// static, a path into a module and a `LazyLock`; with a `policy`, on async
// and blocking fns and on methods; the future stays `Send`.

use std::io;
use std::sync::LazyLock;
use std::time::Duration;

use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, Rejected, RetryBudget, retry};

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("api"));
static BUDGET: RetryBudget = RetryBudget::new().capacity(100);
static BREAKER_REF: &CircuitBreaker = &BREAKER;
static BUDGET_REF: &RetryBudget = &BUDGET;
static LAZY_BREAKER: LazyLock<CircuitBreaker> = LazyLock::new(|| {
    CircuitBreaker::new(BreakerConfig::new("lazy").open_for(Duration::from_secs(5)))
});

mod shared {
    use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget};

    pub const LLM_API: Policy = Policy::new().max_attempts(2);
    pub static LLM_BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("llm"));
    pub static LLM_BUDGET: RetryBudget = RetryBudget::new();
}

#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error(transparent)]
    Rejected(#[from] Rejected),
    #[error(transparent)]
    TimedOut(#[from] retry_runtime::TimedOut),
    #[error("unavailable")]
    Unavailable,
}

impl retry_runtime::Classify for ApiError {
    fn classify(&self) -> retry_runtime::Verdict {
        match self {
            ApiError::Unavailable => retry_runtime::Verdict::server(),
            _ => retry_runtime::Verdict::permanent(),
        }
    }
}

#[retry(breaker = BREAKER, budget = BUDGET)]
async fn both() -> Result<u32, ApiError> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[retry(breaker = BREAKER_REF, budget = BUDGET_REF)]
async fn through_references() -> Result<u32, io::Error> {
    Ok(2)
}

#[retry(breaker = LAZY_BREAKER)]
fn blocking_lazy() -> Result<u32, ApiError> {
    Ok(3)
}

#[retry(policy = shared::LLM_API, breaker = shared::LLM_BREAKER, budget = shared::LLM_BUDGET, jitter)]
async fn per_api(prompt: &str) -> Result<usize, ApiError> {
    if prompt.is_empty() {
        return Err(ApiError::Unavailable);
    }
    Ok(prompt.len())
}

struct Client;

impl Client {
    #[retry(breaker = BREAKER, timeout = "1s")]
    async fn get(&self, id: u32) -> Result<u32, ApiError> {
        Ok(id)
    }

    #[retry(budget = BUDGET, policy = Policy::new())]
    fn get_blocking(&mut self, id: u32) -> Result<u32, ApiError> {
        Ok(id)
    }
}

fn assert_send<T: Send>(_: T) {}

#[tokio::test(flavor = "multi_thread")]
async fn compiles_and_runs() {
    assert_send(both());
    assert_send(per_api("x"));
    assert_eq!(both().await.unwrap(), 1);
    assert_eq!(through_references().await.unwrap(), 2);
    assert_eq!(blocking_lazy().unwrap(), 3);
    assert_eq!(per_api("abc").await.unwrap(), 3);
    assert_eq!(Client.get(4).await.unwrap(), 4);
    assert_eq!(Client.get_blocking(5).unwrap(), 5);
    assert_eq!(tokio::spawn(both()).await.unwrap().unwrap(), 1);
}
