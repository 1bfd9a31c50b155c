// A `when` closure without its argument's type, on a fn whose return type
// is an alias (`io::Result<T>`) that hides the error type: the compiler
// asks for the type on the closure's argument (`|e: &io::Error|`).

use std::io;

use retry_runtime::retry;

#[retry(when = |e| e.kind() == io::ErrorKind::TimedOut)]
fn read() -> io::Result<u32> {
    Ok(1)
}

fn main() {}
