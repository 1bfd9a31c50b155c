// Pins: a method with `self: Arc<Self>`, async and blocking.

use std::io;
use std::sync::Arc;

use retry_runtime::retry;

struct Service {
    name: &'static str,
}

impl Service {
    #[retry(max_attempts = 2)]
    async fn ping(self: Arc<Self>) -> Result<&'static str, io::Error> {
        Ok(self.name)
    }

    #[retry(max_attempts = 2)]
    fn ping_blocking(self: Arc<Self>) -> Result<&'static str, io::Error> {
        Ok(self.name)
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    let service = Arc::new(Service { name: "svc" });
    assert_eq!(Arc::clone(&service).ping().await.unwrap(), "svc");
    assert_eq!(service.ping_blocking().unwrap(), "svc");
}
