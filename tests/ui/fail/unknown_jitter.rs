// A jitter strategy that does not exist.

use std::io;

use retry_runtime::retry;

#[retry(jitter = "fuzzy")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
