// `max_attempts = 0` would never call the function.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 0)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
