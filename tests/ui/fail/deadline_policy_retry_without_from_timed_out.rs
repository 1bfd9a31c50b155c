// The function API with a policy that carries a deadline, for a call whose
// error type cannot say "timed out": refused at the `.retry` call.

use std::time::Duration;

use retry_runtime::{Classify, Policy, Verdict};

#[derive(Debug)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::transient()
    }
}

const DB: Policy<Option<Duration>> = Policy::new().deadline(Duration::from_secs(10));

async fn query() -> Result<u32, DbError> {
    DB.retry(|| async { Err(DbError::Busy) }).await
}

fn main() {
    let _ = query();
}
