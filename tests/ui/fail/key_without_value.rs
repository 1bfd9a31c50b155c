// A key that needs a value, given bare.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
