// A duration string with a unit that is not one.

use std::io;

use retry_runtime::retry;

#[retry(base_delay = "1 parsec")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
