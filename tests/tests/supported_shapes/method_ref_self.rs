// Pins: inherent methods taking `&self`, async and blocking.

use std::io;

use retry_runtime::retry;

struct Client {
    base: String,
}

impl Client {
    #[retry(max_attempts = 2)]
    async fn get(&self, path: &str) -> Result<String, io::Error> {
        Ok(format!("{}{path}", self.base))
    }

    #[retry(max_attempts = 2)]
    fn get_blocking(&self, path: &str) -> Result<String, io::Error> {
        Ok(format!("{}{path}", self.base))
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    let client = Client {
        base: "http://x".to_owned(),
    };
    assert_eq!(client.get("/a").await.unwrap(), "http://x/a");
    assert_eq!(client.get_blocking("/b").unwrap(), "http://x/b");
}
