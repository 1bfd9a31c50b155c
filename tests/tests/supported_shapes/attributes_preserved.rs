// Pins: outer attributes (`#[must_use]`, doc comments, `#[allow]`) stay on
// the function, and `#[cfg]` on an argument is still honoured.

use std::io;

use retry_runtime::retry;

/// Fetches a value.
///
/// More documentation.
#[must_use = "the value is the point"]
#[allow(clippy::needless_pass_by_value)]
#[retry(max_attempts = 2)]
pub async fn fetch(
    #[cfg(any())] never_compiled: NoSuchType,
    #[cfg(not(any()))] id: u32,
) -> Result<u32, io::Error> {
    Ok(id)
}

/// A blocking one, documented after the attribute.
#[retry(max_attempts = 2)]
#[inline]
#[must_use]
pub fn fetch_blocking(#[cfg(any())] never_compiled: NoSuchType, id: u32) -> Result<u32, io::Error> {
    Ok(id)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch(1).await.unwrap(), 1);
    assert_eq!(fetch_blocking(2).unwrap(), 2);
}
