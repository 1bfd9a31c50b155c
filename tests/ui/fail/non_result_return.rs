// A return type that is not a `Result`: nothing to tell failure by.

use retry_runtime::retry;

#[retry]
async fn count() -> u32 {
    1
}

fn main() {}
