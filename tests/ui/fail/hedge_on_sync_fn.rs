// `hedge` needs an `async fn`: a blocking fn cannot run attempts concurrently.

use std::io;

use retry_runtime::retry;

#[retry(hedge = "50ms")]
fn read_config() -> Result<String, io::Error> {
    std::fs::read_to_string("config.toml")
}

fn main() {}
