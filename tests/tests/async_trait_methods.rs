//! `#[retry]` on the methods of an `#[async_trait]` impl: the attribute
//! recognises the method `#[async_trait]` has rewritten and retries the
//! user's block inside its boxed future, which stays `Send`, so the method
//! is called through `dyn Trait` and spawned on a multi-threaded runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use retry_runtime::{RetryBudget, retry, stats};
use tests::{Recorder, TestError, ms, script};

#[async_trait]
trait Forge: Send + Sync {
    async fn issue(&self, rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError>;
    async fn count(&mut self) -> Result<u32, TestError>;
    async fn parse(&self, text: String) -> Result<u32, TestError>;
}

struct Gitea {
    calls: u32,
}

static BUDGET: RetryBudget = RetryBudget::new();

#[async_trait]
impl Forge for Gitea {
    #[retry(max_attempts = 3, base_delay = "100ms", budget = BUDGET)]
    async fn issue(&self, rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
        script(rec, errors)
    }

    /// `&mut self`: each attempt sees what the last one left.
    #[retry(max_attempts = 4, base_delay = "10ms", max_delay = "10ms")]
    async fn count(&mut self) -> Result<u32, TestError> {
        self.calls += 1;
        tokio::task::yield_now().await;
        if self.calls < 3 {
            return Err(TestError::Transient);
        }
        Ok(self.calls)
    }

    /// An owned argument the body only borrows, and `?` converting.
    #[retry(max_attempts = 2, base_delay = "10ms")]
    async fn parse(&self, text: String) -> Result<u32, TestError> {
        let n: u32 = text.trim().parse()?;
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn a_method_called_through_dyn_trait_retries_on_its_schedule() {
    let forge: Box<dyn Forge> = Box::new(Gitea { calls: 0 });
    let rec = Recorder::new();
    let result = forge
        .issue(&rec, &[TestError::Transient, TestError::Throttled(ms(300))])
        .await;
    assert_eq!(result, Ok(3));
    assert_eq!(rec.gaps(), [ms(100), ms(300)]);
    assert_eq!(
        BUDGET.available(),
        495,
        "the retry that succeeded is refunded"
    );
    let name = format!("{}::Gitea::issue", module_path!());
    let totals = stats(&name).expect("named after the impl's type");
    assert_eq!((totals.calls, totals.attempts, totals.retries), (1, 3, 2));
}

#[tokio::test(start_paused = true)]
async fn a_mut_self_method_and_an_owned_argument() {
    let mut forge: Box<dyn Forge> = Box::new(Gitea { calls: 0 });
    assert_eq!(forge.count().await, Ok(3));
    assert_eq!(forge.parse(" 42 ".to_owned()).await, Ok(42));
    assert_eq!(
        forge.parse("forty-two".to_owned()).await,
        Err(TestError::BadNumber),
        "`?` converted the error, which is permanent: one attempt"
    );
}

/// A service behind `Arc<dyn Trait>`, as applications hold their clients.
struct Flaky {
    failures_left: AtomicU32,
    calls: AtomicU32,
}

#[async_trait]
trait Service: Send + Sync {
    async fn call(&self) -> Result<u32, TestError>;
}

#[async_trait]
impl Service for Flaky {
    #[retry(max_attempts = 5, base_delay = "1ms", max_delay = "1ms")]
    async fn call(&self) -> Result<u32, TestError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::task::yield_now().await;
        let failing = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if failing {
            Err(TestError::Transient)
        } else {
            Ok(n)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_on_a_multi_threaded_runtime() {
    let service: Arc<dyn Service> = Arc::new(Flaky {
        failures_left: AtomicU32::new(3),
        calls: AtomicU32::new(0),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let service = Arc::clone(&service);
        // Compiles only if the retrying future is `Send`.
        tasks.spawn(async move { service.call().await });
    }
    let mut ok = 0;
    while let Some(result) = tasks.join_next().await {
        assert!(result.expect("no panic").is_ok());
        ok += 1;
    }
    assert_eq!(ok, 4);
    let flaky_calls = 4 + 3;
    let totals = stats(&format!("{}::Flaky::call", module_path!())).expect("recorded");
    assert_eq!(
        (totals.calls, totals.attempts, totals.retries),
        (4, flaky_calls, 3)
    );
}
