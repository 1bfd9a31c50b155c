// Pins: `when` and `on_retry` take closures, with the argument's type
// written or left out (read from `Result<T, E>`), on async and blocking
// fns, in methods, with a renamed crate; also a call that returns a
// predicate, and a closure that reads a static.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use retry_runtime::{RetryEvent, retry};

static RETRY_TIMEOUTS: AtomicBool = AtomicBool::new(true);
static HOOK_CALLS: AtomicU32 = AtomicU32::new(0);

fn fail_with(calls: &AtomicU32, kind: io::ErrorKind) -> Result<u32, io::Error> {
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n < 2 { Err(kind.into()) } else { Ok(n) }
}

#[retry(
    base_delay = "1ms",
    when = |e: &io::Error| e.kind() == io::ErrorKind::TimedOut,
    on_retry = |event: &RetryEvent<'_, io::Error>| {
        HOOK_CALLS.fetch_add(event.attempt, Ordering::Relaxed);
    }
)]
async fn typed(calls: &AtomicU32) -> Result<u32, io::Error> {
    fail_with(calls, io::ErrorKind::TimedOut)
}

#[retry(
    base_delay = "1ms",
    when = |e| e.kind() == io::ErrorKind::TimedOut && RETRY_TIMEOUTS.load(Ordering::Relaxed),
    on_retry = |event| eprintln!("attempt {} failed: {:?}", event.attempt, event.error)
)]
fn untyped_blocking(calls: &AtomicU32) -> Result<u32, io::Error> {
    fail_with(calls, io::ErrorKind::TimedOut)
}

/// A predicate factory, as tenacity's `retry_if_exception_type`.
fn retry_on(kind: io::ErrorKind) -> impl Fn(&io::Error) -> bool {
    move |e| e.kind() == kind
}

#[retry(base_delay = "1ms", when = retry_on(io::ErrorKind::Interrupted))]
async fn made(calls: &AtomicU32) -> Result<u32, io::Error> {
    fail_with(calls, io::ErrorKind::Interrupted)
}

/// An alias hides `E`: the closure's argument is written.
#[retry(base_delay = "1ms", when = |e: &io::Error| e.kind() == io::ErrorKind::WouldBlock)]
fn aliased(calls: &AtomicU32) -> io::Result<u32> {
    fail_with(calls, io::ErrorKind::WouldBlock)
}

#[derive(Debug, PartialEq)]
enum DbError {
    Busy,
}

struct Db {
    calls: AtomicU32,
}

impl Db {
    #[retry(base_delay = "1ms", when = |e| *e == DbError::Busy, on_retry = |_| ())]
    async fn query(&self) -> Result<u32, DbError> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if n < 2 { Err(DbError::Busy) } else { Ok(n) }
    }
}

mod renamed {
    use retry_runtime as my_retry;

    #[my_retry::retry(crate = my_retry, when = |_| true, on_retry = |event| assert!(event.attempt > 0))]
    pub fn fetch() -> Result<u32, std::io::Error> {
        Ok(1)
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(typed(&AtomicU32::new(0)).await.unwrap(), 2);
    assert_eq!(HOOK_CALLS.load(Ordering::Relaxed), 1);
    assert_eq!(untyped_blocking(&AtomicU32::new(0)).unwrap(), 2);
    assert_eq!(made(&AtomicU32::new(0)).await.unwrap(), 2);
    assert_eq!(aliased(&AtomicU32::new(0)).unwrap(), 2);
    let db = Db {
        calls: AtomicU32::new(0),
    };
    assert_eq!(db.query().await, Ok(2));
    assert_eq!(renamed::fetch().unwrap(), 1);
}
