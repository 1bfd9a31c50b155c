// `breaker` naming a `const`: each use would be a new breaker that
// remembers nothing, so it is refused.

use std::io;

use retry_runtime::{BreakerConfig, CircuitBreaker, retry};

#[allow(clippy::declare_interior_mutable_const)]
const BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("api"));

#[retry(breaker = BREAKER)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
