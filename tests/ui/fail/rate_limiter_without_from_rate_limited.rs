// `rate_limiter` with an error type that cannot say "refused by the rate
// limiter".

use retry_runtime::{AdaptiveRateLimiter, Classify, Verdict, retry};

static API_LIMITER: AdaptiveRateLimiter = AdaptiveRateLimiter::new("api");

#[derive(Debug)]
enum ApiError {
    Busy,
}

impl Classify for ApiError {
    fn classify(&self) -> Verdict {
        Verdict::throttled()
    }
}

#[retry(max_attempts = 3, rate_limiter = API_LIMITER)]
async fn query() -> Result<u32, ApiError> {
    Err(ApiError::Busy)
}

fn main() {}
