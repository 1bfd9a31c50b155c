// A negative number of attempts.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = -1)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
