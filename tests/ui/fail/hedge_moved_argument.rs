// A hedged body shares its arguments with the other attempts: it cannot
// move one (clone it inside the body instead).

use std::io;

use retry_runtime::retry;

fn consume(name: String) -> Result<usize, io::Error> {
    Ok(name.len())
}

#[retry(hedge = "50ms")]
async fn lookup(name: String) -> Result<usize, io::Error> {
    consume(name)
}

fn main() {}
