// `deadline` with an error type that cannot say "timed out": a deadline
// clips attempts, as a per-attempt timeout does.

use retry_runtime::{Classify, Verdict, retry};

#[derive(Debug)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::transient()
    }
}

#[retry(deadline = "10s")]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
