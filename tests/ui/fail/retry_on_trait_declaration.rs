// `#[retry]` on a trait method's declaration, which has no body to retry.

use std::io;

use retry_runtime::retry;

trait Forge {
    #[retry(max_attempts = 3)]
    async fn fetch(&self) -> Result<u32, io::Error>;
}

fn main() {}
