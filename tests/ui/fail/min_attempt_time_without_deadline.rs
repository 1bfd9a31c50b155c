// `min_attempt_time` without a `deadline` (or a policy that may carry one)
// has nothing to apply to.

use std::io;

use retry_runtime::retry;

#[retry(min_attempt_time = "10ms")]
async fn query() -> Result<u32, io::Error> {
    Ok(1)
}

fn main() {}
