// Pins: `impl Trait` in argument position, async and blocking.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 2)]
async fn length(text: impl AsRef<str>) -> Result<usize, io::Error> {
    Ok(text.as_ref().len())
}

#[retry(max_attempts = 2)]
fn sum(numbers: impl IntoIterator<Item = u32> + Clone) -> Result<u32, io::Error> {
    Ok(numbers.clone().into_iter().sum())
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(length("abc").await.unwrap(), 3);
    assert_eq!(sum(vec![1, 2, 3]).unwrap(), 6);
}
