use std::io;
use std::time::Duration;

use retry_runtime::{AdaptiveRateLimiter, Policy};

static LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");

async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {
    let _hedged = Policy::new()
        .retry(fetch)
        .rate_limiter(&LIMITER)
        .hedge(Duration::from_millis(50));
}
