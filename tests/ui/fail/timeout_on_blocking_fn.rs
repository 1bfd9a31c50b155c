// `timeout` cannot interrupt a blocking body.

use std::io;

use retry_runtime::retry;

#[retry(timeout = "1s")]
fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
