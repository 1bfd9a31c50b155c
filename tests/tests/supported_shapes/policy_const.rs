// Pins: `policy =` a `const Policy`, alone and with inline overrides
// (including a `base_delay` above the default cap, allowed because the
// policy may raise it).

use std::io;
use std::time::Duration;

use retry_runtime::{Policy, retry};

const API: Policy = Policy::new()
    .max_attempts(4)
    .base_delay(Duration::from_millis(10))
    .max_delay(Duration::from_secs(120));

#[retry(policy = API)]
async fn plain() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = API, max_attempts = 2, base_delay = "45s", jitter)]
async fn overridden() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = API, max_attempts = 2)]
fn blocking() -> Result<(), io::Error> {
    Ok(())
}

#[tokio::test]
async fn compiles_and_runs() {
    plain().await.unwrap();
    overridden().await.unwrap();
    blocking().unwrap();
}
