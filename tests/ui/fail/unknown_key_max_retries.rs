// `max_retries`, the key of the Python configs our users come from: the
// error names our key and converts the count, since ours counts the first
// call too.

use std::io;

use retry_runtime::retry;

#[retry(max_retries = 4)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
