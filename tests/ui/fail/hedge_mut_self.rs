// `hedge` runs attempts concurrently: they cannot all borrow `&mut self`.

use std::io;

use retry_runtime::retry;

struct Counter {
    calls: u32,
}

impl Counter {
    #[retry(hedge = "50ms")]
    async fn bump(&mut self) -> Result<u32, io::Error> {
        self.calls += 1;
        Ok(self.calls)
    }
}

fn main() {}
