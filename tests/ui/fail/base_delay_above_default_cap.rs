// `base_delay` longer than the default `max_delay` of 30s.

use std::io;

use retry_runtime::retry;

#[retry(base_delay = "1m")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
