// `when` names a fn whose argument is not `&E` for the fn's error type.

use std::io;

use retry_runtime::retry;

fn is_transient(error: &String) -> bool {
    error.is_empty()
}

#[retry(when = is_transient)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
