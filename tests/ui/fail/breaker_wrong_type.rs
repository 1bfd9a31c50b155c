// `breaker` naming a static that is not a `CircuitBreaker`.

use std::io;

use retry_runtime::{Policy, retry};

static API: Policy = Policy::new();

#[retry(breaker = API)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
