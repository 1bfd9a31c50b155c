// Pins: `policy =` a `static LazyLock<Policy>` built at run time, with
// inline overrides.

use std::io;
use std::sync::LazyLock;
use std::time::Duration;

use retry_runtime::{Policy, retry};

static FROM_ENV: LazyLock<Policy> = LazyLock::new(|| {
    let attempts = std::env::var("RETRY_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    Policy::new().max_attempts(attempts)
});

#[retry(policy = FROM_ENV)]
async fn plain() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = FROM_ENV, base_delay = "5ms", max_delay = Duration::from_millis(50))]
fn overridden() -> Result<(), io::Error> {
    Ok(())
}

#[tokio::test]
async fn compiles_and_runs() {
    plain().await.unwrap();
    overridden().unwrap();
}
