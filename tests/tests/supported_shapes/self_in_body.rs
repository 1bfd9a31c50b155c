// Pins: `Self` (the type, its constructor and associated items) used inside
// a method body, async and blocking.

use std::io;

use retry_runtime::retry;

#[derive(Debug, PartialEq)]
struct Point {
    x: i32,
}

impl Point {
    const ORIGIN: i32 = 0;

    fn shifted(x: i32) -> Self {
        Self {
            x: x + Self::ORIGIN,
        }
    }

    #[retry(max_attempts = 2)]
    async fn load(x: i32) -> Result<Self, io::Error> {
        let p: Self = Self::shifted(x);
        Ok(Self { x: p.x })
    }

    #[retry(max_attempts = 2)]
    fn load_blocking(x: i32) -> Result<Self, io::Error> {
        Ok(Self::shifted(x))
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(Point::load(3).await.unwrap(), Point { x: 3 });
    assert_eq!(Point::load_blocking(4).unwrap(), Point { x: 4 });
}
