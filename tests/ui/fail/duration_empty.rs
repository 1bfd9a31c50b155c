// An empty duration string.

use std::io;

use retry_runtime::retry;

#[retry(max_delay = "")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
