// Pins: inherent methods taking `&mut self` that mutate `self` on every
// attempt, async and blocking (why the expansion uses no closure for async).

use std::io;

use retry_runtime::retry;

struct Counter {
    calls: u32,
}

impl Counter {
    #[retry(max_attempts = 3)]
    async fn bump(&mut self) -> Result<u32, io::Error> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[retry(max_attempts = 3)]
    fn bump_blocking(&mut self) -> Result<u32, io::Error> {
        self.calls += 1;
        Ok(self.calls)
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    let mut counter = Counter { calls: 0 };
    assert_eq!(counter.bump().await.unwrap(), 1);
    assert_eq!(counter.bump_blocking().unwrap(), 2);
}
