// Pins: `#[retry]` on the methods of an `#[async_trait]` impl, with every
// key that shapes the expansion: a breaker, a budget, a timeout, a hook and
// a predicate. Behaviour is asserted in `tests/async_trait_methods.rs`.

use std::io;

use async_trait::async_trait;
use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget, RetryEvent, retry};

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("shapes-forge"));
static BUDGET: RetryBudget = RetryBudget::new();

#[async_trait]
trait Forge: Send + Sync {
    async fn issue(&self, id: u64) -> Result<String, io::Error>;
    async fn close(&mut self, id: u64) -> io::Result<()>;
}

struct Gitea {
    closed: Vec<u64>,
}

#[async_trait]
impl Forge for Gitea {
    #[retry(max_attempts = 3, timeout = "2s", breaker = BREAKER, budget = BUDGET, jitter)]
    async fn issue(&self, id: u64) -> Result<String, io::Error> {
        Ok(format!("issue {id} of {}", self.closed.len()))
    }

    #[retry(when = |e: &io::Error| e.kind() == io::ErrorKind::TimedOut, on_retry = |event: &RetryEvent<'_, io::Error>| assert!(event.attempt > 0))]
    async fn close(&mut self, id: u64) -> io::Result<()> {
        self.closed.push(id);
        Ok(())
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    let mut forge: Box<dyn Forge> = Box::new(Gitea { closed: Vec::new() });
    forge.close(3).await.unwrap();
    assert_eq!(forge.issue(7).await.unwrap(), "issue 7 of 1");
}
