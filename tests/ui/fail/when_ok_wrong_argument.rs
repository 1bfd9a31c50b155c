// `when_ok` names a fn of another value type than the function's `Ok`.

use std::io;

use retry_runtime::retry;

fn is_busy(reply: &String) -> bool {
    reply == "busy"
}

#[retry(when_ok = is_busy)]
async fn fetch() -> Result<u16, io::Error> {
    Ok(200)
}

fn main() {}
