// An `Rc` held across `.await` makes the future `!Send`, reported where
// the future must be `Send`.

use std::io;
use std::rc::Rc;

use retry_runtime::retry;

fn assert_send<T: Send>(_: T) {}

#[retry(max_attempts = 2)]
async fn fetch() -> Result<usize, io::Error> {
    let shared = Rc::new(String::from("abc"));
    std::future::ready(()).await;
    Ok(shared.len())
}

fn main() {
    assert_send(fetch());
}
