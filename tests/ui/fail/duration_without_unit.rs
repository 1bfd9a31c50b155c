// A bare number as a duration: seconds or milliseconds?

use std::io;

use retry_runtime::retry;

#[retry(base_delay = 5)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
