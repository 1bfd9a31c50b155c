//! The per-API idiom: one named `Policy` constant, one `static` breaker and
//! one `static` budget per service, combined in the attribute. Each API
//! follows its own schedule, and an outage of one trips only its own
//! breaker and spends only its own budget.
//!
//! The Python config this mirrors counts retries, `Policy` counts attempts:
//! `{'gitea_api': {'max_retries': 3, 'base_delay': 1.0}, 'anthropic_api':
//! {'max_retries': 2, 'base_delay': 2.0}, 'ollama_api': {'max_retries': 5,
//! 'base_delay': 0.5}}`.
//!
//! One test, in phases: the statics are shared by everything in it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{BreakerState, Rejected, retry};
use tests::{Recorder, TestError, ms};
use tokio::time::advance;

mod apis {
    use std::time::Duration;

    use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, RetryBudget};

    /// The forge (Gitea): `max_retries` 3, 1 s base.
    pub const FORGE_API: Policy = Policy::new()
        .max_attempts(4)
        .base_delay(Duration::from_secs(1));
    /// The LLM API: `max_retries` 2, 2 s base; jittered at the call site.
    pub const LLM_API: Policy = Policy::new()
        .max_attempts(3)
        .base_delay(Duration::from_secs(2));
    /// The local model server: `max_retries` 5, 0.5 s base, 5 s cap.
    pub const LOCAL_MODEL: Policy = Policy::new()
        .max_attempts(6)
        .base_delay(Duration::from_millis(500))
        .max_delay(Duration::from_secs(5));

    pub static FORGE_BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("forge"));
    pub static LLM_BREAKER: CircuitBreaker = CircuitBreaker::new(
        BreakerConfig::new("llm")
            .failure_threshold(3)
            .open_for(Duration::from_secs(60)),
    );
    pub static LOCAL_BREAKER: CircuitBreaker = CircuitBreaker::new(
        BreakerConfig::new("local_model")
            .failure_threshold(10)
            .open_for(Duration::from_secs(5)),
    );

    pub static FORGE_BUDGET: RetryBudget = RetryBudget::new();
    pub static LLM_BUDGET: RetryBudget = RetryBudget::new().capacity(50);
    pub static LOCAL_BUDGET: RetryBudget = RetryBudget::new();
}

use apis::*;

/// A fake service: fails the next `failures` calls, then answers.
struct Service {
    rec: Recorder,
    failures: AtomicU32,
}

impl Service {
    fn failing(failures: u32) -> Self {
        Self {
            rec: Recorder::new(),
            failures: AtomicU32::new(failures),
        }
    }

    fn call(&self) -> Result<u32, TestError> {
        let n = self.rec.call();
        match self.failures.load(Ordering::SeqCst) {
            0 => Ok(n),
            left => {
                self.failures.store(left - 1, Ordering::SeqCst);
                Err(TestError::Transient)
            }
        }
    }
}

#[retry(policy = FORGE_API, breaker = FORGE_BREAKER, budget = FORGE_BUDGET)]
async fn forge_get_issue(forge: &Service) -> Result<u32, TestError> {
    forge.call()
}

#[retry(policy = LLM_API, breaker = LLM_BREAKER, budget = LLM_BUDGET, jitter)]
async fn llm_complete(llm: &Service) -> Result<u32, TestError> {
    llm.call()
}

#[retry(policy = LOCAL_MODEL, breaker = LOCAL_BREAKER, budget = LOCAL_BUDGET)]
async fn local_generate(local: &Service) -> Result<u32, TestError> {
    local.call()
}

#[tokio::test(start_paused = true)]
async fn each_api_keeps_its_own_schedule_breaker_and_budget() {
    // Phase 1: each API recovers after its own number of failures, on its
    // own schedule; each budget pays its own retries, and refunds the one
    // that succeeded.
    let forge = Service::failing(3);
    assert_eq!(forge_get_issue(&forge).await, Ok(4));
    assert_eq!(forge.rec.gaps(), [1, 2, 4].map(Duration::from_secs));
    assert_eq!(FORGE_BUDGET.available(), 500 - 3 * 5 + 5);

    let local = Service::failing(5);
    assert_eq!(local_generate(&local).await, Ok(6));
    assert_eq!(local.rec.gaps(), [500, 1000, 2000, 4000, 5000].map(ms));
    assert_eq!(LOCAL_BUDGET.available(), 500 - 5 * 5 + 5);

    let llm = Service::failing(2);
    assert_eq!(llm_complete(&llm).await, Ok(3));
    let gaps = llm.rec.gaps();
    assert_eq!(gaps.len(), 2);
    assert!(
        gaps[0] <= Duration::from_secs(2) && gaps[1] <= Duration::from_secs(4),
        "full jitter: {gaps:?}"
    );
    assert_eq!(LLM_BUDGET.available(), 50 - 2 * 5 + 5);

    // Phase 2: the LLM API goes down. Its three failures trip its breaker;
    // the next LLM call fails fast. The forge and the local model are
    // untouched.
    let llm_down = Service::failing(u32::MAX);
    assert_eq!(llm_complete(&llm_down).await, Err(TestError::Transient));
    assert_eq!(llm_down.rec.calls(), 3);
    assert_eq!(LLM_BREAKER.state(), BreakerState::Open);
    assert_eq!(LLM_BUDGET.available(), 45 - 2 * 5);
    let rejected = Rejected::new("llm", BreakerState::Open, Duration::from_secs(60));
    assert_eq!(
        llm_complete(&llm_down).await,
        Err(TestError::Rejected(rejected))
    );
    assert_eq!(llm_down.rec.calls(), 3, "no call reached the LLM");

    let forge = Service::failing(0);
    assert_eq!(forge_get_issue(&forge).await, Ok(1));
    let local = Service::failing(0);
    assert_eq!(local_generate(&local).await, Ok(1));
    assert_eq!(FORGE_BREAKER.state(), BreakerState::Closed);
    assert_eq!(LOCAL_BREAKER.state(), BreakerState::Closed);
    assert_eq!(
        (FORGE_BUDGET.available(), LOCAL_BUDGET.available()),
        (491, 481)
    );

    // Phase 3: a minute later the LLM API is back; the probe closes its
    // breaker.
    advance(Duration::from_secs(60)).await;
    let llm_back = Service::failing(0);
    assert_eq!(llm_complete(&llm_back).await, Ok(1));
    assert_eq!(LLM_BREAKER.state(), BreakerState::Closed);
}
