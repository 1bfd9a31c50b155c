// `rate_limiter` naming a `const`: each use would be a new limiter that
// learns nothing, so it is refused.

use std::io;

use retry_runtime::{AdaptiveRateLimiter, retry};

#[allow(clippy::declare_interior_mutable_const)]
const LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");

#[retry(rate_limiter = LIMITER)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
