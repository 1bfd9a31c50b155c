// Pins: generic type parameters, bounds in angle brackets and in a
// `where` clause, and a generic error type classified through `Classify`.

use std::fmt::Debug;

use retry_runtime::{Classify, retry};

#[retry(max_attempts = 2)]
async fn first<T: Clone, E>(items: &[T], empty: fn() -> E) -> Result<T, E>
where
    T: Debug + Send + Sync,
    E: Classify + Send,
{
    items.first().cloned().ok_or_else(empty)
}

#[retry(max_attempts = 2)]
fn last<T, E>(items: &[T], empty: fn() -> E) -> Result<T, E>
where
    T: Clone,
    E: Classify,
{
    items.last().cloned().ok_or_else(empty)
}

fn not_found() -> std::io::Error {
    std::io::ErrorKind::NotFound.into()
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(first(&[1, 2], not_found).await.unwrap(), 1);
    assert_eq!(last(&[1, 2], not_found).unwrap(), 2);
}
