// `policy` given a value that is not a `Policy`.

use std::io;

use retry_runtime::retry;

const ATTEMPTS: u32 = 3;

#[retry(policy = ATTEMPTS)]
fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
