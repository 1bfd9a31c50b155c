// `jitter` given twice, bare and named.

use std::io;

use retry_runtime::retry;

#[retry(jitter, max_attempts = 3, jitter = "full")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
