// Pins: `#[retry]` on the methods of a trait impl, for a trait declaring
// both an `fn` and an `async fn`.

use std::io;

use retry_runtime::retry;

trait Store {
    fn load(&self, key: &str) -> Result<String, io::Error>;
    async fn load_async(&self, key: &str) -> Result<String, io::Error>;
}

struct Disk;

impl Store for Disk {
    #[retry(max_attempts = 2)]
    fn load(&self, key: &str) -> Result<String, io::Error> {
        Ok(key.to_uppercase())
    }

    #[retry(max_attempts = 2)]
    async fn load_async(&self, key: &str) -> Result<String, io::Error> {
        Ok(key.to_uppercase())
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(Disk.load("a").unwrap(), "A");
    assert_eq!(Disk.load_async("b").await.unwrap(), "B");
}
