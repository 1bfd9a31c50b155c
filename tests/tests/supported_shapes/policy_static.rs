// Pins: `policy =` a `static Policy` (and a path to it), with inline
// overrides.

use std::io;
use std::time::Duration;

use retry_runtime::{Policy, retry};

static API: Policy = Policy::new().max_attempts(4);

mod policies {
    pub static SLOW: retry_runtime::Policy =
        retry_runtime::Policy::new().base_delay(std::time::Duration::from_secs(2));
}

#[retry(policy = API)]
async fn plain() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = policies::SLOW, max_delay = Duration::from_secs(3), multiplier = 1.2)]
async fn overridden() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = API, timeout = "1s")]
async fn with_timeout() -> Result<(), io::Error> {
    Ok(())
}

#[tokio::test]
async fn compiles_and_runs() {
    plain().await.unwrap();
    overridden().await.unwrap();
    with_timeout().await.unwrap();
}
