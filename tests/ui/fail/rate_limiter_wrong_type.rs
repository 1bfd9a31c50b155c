// `rate_limiter` naming a static of another type.

use std::io;

use retry_runtime::{RetryBudget, retry};

static BUDGET: RetryBudget = RetryBudget::new();

#[retry(rate_limiter = BUDGET)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
