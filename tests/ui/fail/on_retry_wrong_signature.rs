// `on_retry` names a hook for another error type.

use std::io;

use retry_runtime::{RetryEvent, retry};

fn log_retry(event: &RetryEvent<'_, String>) {
    eprintln!("{:?}", event.error);
}

#[retry(on_retry = log_retry)]
async fn fetch() -> Result<(), io::Error> {
    Ok(())
}

fn main() {}
