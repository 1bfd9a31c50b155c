// `name` given an empty string.

use std::io;

use retry_runtime::retry;

#[retry(name = "")]
fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
