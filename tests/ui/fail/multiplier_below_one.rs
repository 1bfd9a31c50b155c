// A multiplier below 1.0 would shrink the delays.

use std::io;

use retry_runtime::retry;

#[retry(multiplier = 0.5)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
