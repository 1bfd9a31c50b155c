// `when` takes the path of a fn, not a closure.

use std::io;

use retry_runtime::retry;

#[retry(when = |e| true)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
