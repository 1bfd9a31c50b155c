// A fn returning a boxed future whose body is not `#[async_trait]`'s
// `Box::pin(async move { .. })`: there is no block to retry.

use std::future::{Future, ready};
use std::io;
use std::pin::Pin;

use retry_runtime::retry;

#[retry(max_attempts = 3)]
fn fetch() -> Pin<Box<dyn Future<Output = Result<u32, io::Error>> + Send>> {
    Box::pin(ready(Ok(1)))
}

fn main() {}
