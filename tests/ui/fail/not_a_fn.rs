// The attribute on a struct.

use retry_runtime::retry;

#[retry(max_attempts = 3)]
struct Client {
    url: String,
}

fn main() {}
