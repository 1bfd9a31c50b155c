// Attempts written as a string.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = "3")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
