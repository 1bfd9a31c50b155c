// `policy` on an async fn: a policy may carry a timeout, so the error type
// needs `From<TimedOut>` too.

use retry_runtime::{Classify, Policy, Verdict, retry};

#[derive(Debug)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::transient()
    }
}

const DB: Policy = Policy::new();

#[retry(policy = DB)]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
