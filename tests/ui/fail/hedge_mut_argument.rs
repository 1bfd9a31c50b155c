// `hedge` runs attempts concurrently: they cannot all borrow a `&mut` argument.

use std::io;

use retry_runtime::retry;

#[retry(hedge = "50ms")]
async fn fill(buffer: &mut Vec<u8>) -> Result<usize, io::Error> {
    buffer.push(1);
    Ok(buffer.len())
}

fn main() {}
