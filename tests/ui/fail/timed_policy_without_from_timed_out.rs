// A named policy that carries a timeout, on a fn whose error type cannot
// say "timed out": refused at the `policy` key.

use std::time::Duration;

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

const DB: Policy<Duration> = Policy::new().timeout(Duration::from_secs(2));

#[retry(policy = DB)]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
