// `context` is a bare key: it takes no value.

use std::io;

use retry_runtime::retry;

#[retry(context = true)]
async fn query() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
