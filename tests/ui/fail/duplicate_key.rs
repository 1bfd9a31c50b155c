// The same key twice: the second one is reported.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 3, base_delay = "1s", max_attempts = 5)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
