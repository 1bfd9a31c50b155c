// Pins: inner attributes of the body (`#![allow(..)]`) stay inside the body.
use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 2, base_delay = "1ms")]
fn blocking() -> io::Result<u32> {
    #![allow(unused_variables)]
    let unused = 1;
    Ok(1)
}

#[retry(max_attempts = 2, base_delay = "1ms")]
async fn asynchronous() -> io::Result<u32> {
    #![allow(unused_variables)]
    let unused = 1;
    Ok(1)
}

#[test]
fn compiles_and_runs() {
    let _ = blocking();
    let _ = asynchronous();
}
