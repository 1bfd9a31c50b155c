// Pins: an inherent method taking `self` by value, whose body only borrows
// it (a body that moved `self` would fail: see tests/ui/fail/moved_argument.rs).

use std::io;

use retry_runtime::retry;

struct Request {
    url: String,
}

impl Request {
    #[retry(max_attempts = 2)]
    async fn send(self) -> Result<usize, io::Error> {
        Ok(self.url.len())
    }

    #[retry(max_attempts = 2)]
    fn send_blocking(self) -> Result<usize, io::Error> {
        Ok(self.url.len())
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    let url = "http://x".to_owned();
    assert_eq!(Request { url: url.clone() }.send().await.unwrap(), 8);
    assert_eq!(Request { url }.send_blocking().unwrap(), 8);
}
