//! Smoke test: the attribute retries with the exact schedule.

use retry_runtime::retry;
use tests::{Recorder, TestError, ms};

#[retry(max_attempts = 4, base_delay = "100ms", max_delay = "250ms")]
async fn flaky(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    let n = rec.call();
    if n <= fail {
        Err(TestError::Transient)
    } else {
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn smoke() {
    let rec = Recorder::new();
    assert_eq!(flaky(&rec, 3).await, Ok(4));
    assert_eq!(rec.gaps(), [ms(100), ms(200), ms(250)]);
}
