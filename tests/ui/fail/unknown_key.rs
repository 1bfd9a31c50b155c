// A typo in a key: the error names the nearest valid key and lists them all.

use std::io;

use retry_runtime::retry;

#[retry(max_attempt = 3)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
