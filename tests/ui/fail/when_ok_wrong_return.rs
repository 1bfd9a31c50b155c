// `when_ok` returns neither `bool` nor `Verdict`.

use std::io;

use retry_runtime::retry;

#[retry(when_ok = |status| *status + 1)]
async fn fetch() -> Result<u16, io::Error> {
    Ok(200)
}

fn main() {}
