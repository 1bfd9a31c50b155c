// `when` given a string: the predicate is a function or a closure.

use std::io;

use retry_runtime::retry;

fn is_transient(_: &io::Error) -> bool {
    true
}

#[retry(when = "is_transient")]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
