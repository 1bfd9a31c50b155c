// Pins: `#[retry]` on a plain (blocking) `fn`: no runtime needed, and it is
// callable from `main` directly.

use std::io;

use retry_runtime::retry;

#[retry(max_attempts = 2, base_delay = "1ms")]
fn read_config(path: &str) -> Result<usize, io::Error> {
    Ok(path.len())
}

#[test]
fn compiles_and_runs() {
    assert_eq!(read_config("/etc/app.toml").unwrap(), 13);
}
