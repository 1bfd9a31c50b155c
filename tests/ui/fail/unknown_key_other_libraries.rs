// Other retry libraries' names for our keys: each names the key it stands
// for, with what to know about it.

use std::io;

use retry_runtime::retry;

fn is_transient(_: &io::Error) -> bool {
    true
}

#[retry(
    tries = 3,
    initial_delay = "1s",
    max_backoff = "10s",
    factor = 3,
    retry_if = is_transient,
    total_timeout = "1m"
)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
