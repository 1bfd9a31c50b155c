// `timeout` with an error type that cannot say "timed out".

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

#[retry(timeout = "1s")]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
