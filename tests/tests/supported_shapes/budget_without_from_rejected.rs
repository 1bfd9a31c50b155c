// Pins: `budget` alone puts no bound on the error type (only `breaker`
// needs `From<Rejected>`).

use retry_runtime::{Classify, RetryBudget, Verdict, retry};

static BUDGET: RetryBudget = RetryBudget::new();

#[derive(Debug)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::transient()
    }
}

#[retry(budget = BUDGET, base_delay = "1ms")]
async fn query(fail: bool) -> Result<u32, DbError> {
    if fail { Err(DbError::Busy) } else { Ok(1) }
}

#[retry(budget = BUDGET, base_delay = "1ms")]
fn query_blocking() -> Result<u32, DbError> {
    Ok(2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(query(false).await.unwrap(), 1);
    assert!(matches!(query(true).await, Err(DbError::Busy)));
    assert_eq!(query_blocking().unwrap(), 2);
}
