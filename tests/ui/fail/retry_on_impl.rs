// `#[retry]` on an `impl` block instead of on its methods.

use std::io;

use retry_runtime::retry;

struct Client;

#[retry(max_attempts = 3)]
impl Client {
    async fn fetch(&self) -> Result<u32, io::Error> {
        Ok(1)
    }
}

fn main() {}
