// Pins: the returned future is `Send` when the body's is, including with a
// `timeout`, a `policy` and a body that holds a reference across `.await`,
// so it can be spawned on a multi-threaded runtime.

use std::io;
use std::sync::Arc;

use retry_runtime::retry;

fn assert_send<T: Send>(_: T) {}

#[retry(max_attempts = 3, base_delay = "1ms", jitter)]
async fn fetch(shared: &Arc<String>) -> Result<usize, io::Error> {
    let held = shared.as_str();
    tokio::task::yield_now().await;
    Ok(held.len())
}

#[retry(timeout = "1s", policy = retry_runtime::Policy::new())]
async fn fetch_owned(shared: Arc<String>) -> Result<usize, io::Error> {
    tokio::task::yield_now().await;
    Ok(shared.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn compiles_and_runs() {
    let shared = Arc::new(String::from("abc"));
    assert_send(fetch(&shared));
    assert_send(fetch_owned(Arc::clone(&shared)));
    let spawned = tokio::spawn(fetch_owned(Arc::clone(&shared)));
    assert_eq!(spawned.await.unwrap().unwrap(), 3);
}
