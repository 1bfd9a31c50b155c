// Pins: the variants the `From<TimedOut>` and `From<Rejected>` hints ask
// for need no `#[classify(...)]`: a variant (or struct) whose one field is
// `TimedOut` is a transient timeout, one whose field is `Rejected` is
// permanent; tuple and named fields, any path to the type.

use retry_runtime::{BreakerConfig, CircuitBreaker, Classify, Kind, Rejected, retry};

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("pass"));

#[derive(Debug, thiserror::Error, Classify)]
enum ApiError {
    #[error("unavailable")]
    #[classify(transient)]
    Unavailable,
    #[error(transparent)]
    TimedOut(#[from] retry_runtime::TimedOut),
    #[error(transparent)]
    Rejected(#[from] Rejected),
}

#[derive(Debug, Classify)]
struct Slow {
    cause: retry_runtime::TimedOut,
}

#[retry(max_attempts = 2, base_delay = "1ms", timeout = "1s", breaker = BREAKER)]
async fn fetch() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch().await.unwrap(), 1);
    let slow = Slow {
        cause: retry_runtime::TimedOut::new(std::time::Duration::from_secs(1)),
    };
    assert_eq!(slow.classify().kind(), Kind::Timeout);
    assert!(ApiError::Unavailable.classify().is_transient());
}
