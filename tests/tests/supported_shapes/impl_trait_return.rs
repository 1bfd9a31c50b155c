// Pins: `impl Trait` inside the return type (`Result<impl Display, E>`),
// async and blocking.

use std::fmt::Display;
use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 2)]
async fn label(id: u32) -> Result<impl Display, io::Error> {
    Ok(format!("#{id}"))
}

#[retry(max_attempts = 2)]
fn label_blocking(id: u32) -> Result<impl Display, io::Error> {
    Ok(id * 2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(label(7).await.unwrap().to_string(), "#7");
    assert_eq!(label_blocking(7).unwrap().to_string(), "14");
}
