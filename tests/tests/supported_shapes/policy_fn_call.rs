// Pins: `policy =` a function call (a `const fn` and a plain fn, with an
// argument), with inline overrides.

use std::io;
use std::time::Duration;

use retry_runtime::{Policy, retry};

const fn api() -> Policy {
    Policy::new().max_attempts(5)
}

fn scaled(factor: u32) -> Policy {
    Policy::new().base_delay(Duration::from_millis(10) * factor)
}

#[retry(policy = api())]
async fn plain() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = scaled(3), max_attempts = 2, jitter = "equal")]
async fn overridden() -> Result<(), io::Error> {
    Ok(())
}

#[retry(policy = Policy::new().max_attempts(2), name = "inline.policy")]
fn blocking() -> Result<(), io::Error> {
    Ok(())
}

#[tokio::test]
async fn compiles_and_runs() {
    plain().await.unwrap();
    overridden().await.unwrap();
    blocking().unwrap();
}
