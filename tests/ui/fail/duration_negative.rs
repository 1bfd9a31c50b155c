// A negative duration string.

use std::io;

use retry_runtime::retry;

#[retry(base_delay = "-1s")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
