// The async form of `moved_argument`: the body moves `s` into the attempt.

use std::io;

use retry_runtime::retry;

#[retry]
async fn consume(s: String) -> Result<(), io::Error> {
    drop(s);
    Ok(())
}

fn main() {}
