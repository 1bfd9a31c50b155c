// Pins: keys given as Rust expressions instead of literals: a
// `Duration` call, fields of a const struct, a const, a `Jitter` path.

use std::io;
use std::time::Duration;

use retry_runtime::{Jitter, retry};

struct Config {
    attempts: u32,
    growth: f64,
    cap: Duration,
}

const CONFIG: Config = Config {
    attempts: 4,
    growth: 1.5,
    cap: Duration::from_secs(5),
};

const TOTAL: Duration = Duration::from_secs(60);

#[retry(
    max_attempts = CONFIG.attempts,
    base_delay = Duration::from_millis(100),
    max_delay = CONFIG.cap,
    multiplier = CONFIG.growth,
    jitter = Jitter::Equal,
    max_elapsed = TOTAL,
    timeout = Duration::from_secs(1),
    max_retry_after = Duration::from_secs(10)
)]
async fn fetch() -> Result<u32, io::Error> {
    Ok(1)
}

#[retry(max_attempts = CONFIG.attempts + 1, base_delay = Duration::from_millis(1))]
fn fetch_blocking() -> Result<u32, io::Error> {
    Ok(2)
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(fetch().await.unwrap(), 1);
    assert_eq!(fetch_blocking().unwrap(), 2);
}
