// `breaker` with an error type that cannot say "rejected by the breaker".

use retry_runtime::{BreakerConfig, CircuitBreaker, Classify, Verdict, retry};

static DB_BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("db"));

#[derive(Debug)]
enum DbError {
    Busy,
}

impl Classify for DbError {
    fn classify(&self) -> Verdict {
        Verdict::transient()
    }
}

#[retry(max_attempts = 3, breaker = DB_BREAKER)]
async fn query() -> Result<u32, DbError> {
    Err(DbError::Busy)
}

fn main() {}
