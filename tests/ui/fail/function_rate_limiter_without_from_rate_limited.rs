// `.rate_limiter(..)` in the function API with an error type that cannot
// say "refused by the rate limiter".

use std::num::ParseIntError;

use retry_runtime::{AdaptiveRateLimiter, Policy};

static API_LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");

async fn fetch() -> Result<u32, ParseIntError> {
    Policy::new()
        .retry(|| async { "1".parse::<u32>() })
        .when(|_| false)
        .rate_limiter(&API_LIMITER)
        .await
}

fn main() {}
