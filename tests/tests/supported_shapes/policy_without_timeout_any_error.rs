// Pins: a named policy without a timeout, and the function API with one,
// retry an error type that cannot say "timed out" (no `From<TimedOut>`):
// only a policy that carries a timeout needs it.

use retry_runtime::{Classify, Policy, Verdict, retry};

#[derive(Debug, PartialEq)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::permanent()
    }
}

const DB: Policy = Policy::new();

#[retry(policy = DB)]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

async fn through_the_function_api() -> Result<u32, DbError> {
    DB.retry(|| async { Err(DbError::Busy) }).await
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(query().await, Err(DbError::Busy));
    assert_eq!(through_the_function_api().await, Err(DbError::Busy));
}
