use std::io;

use retry_runtime::{AdaptiveRateLimiter, retry};

static LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");

#[retry(hedge = "50ms", rate_limiter = LIMITER)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
