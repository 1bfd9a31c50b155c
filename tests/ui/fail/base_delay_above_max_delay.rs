// `base_delay` longer than `max_delay`, both literals.

use std::io;

use retry_runtime::retry;

#[retry(base_delay = "10s", max_delay = "2s")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
