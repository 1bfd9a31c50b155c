//! A call that retries allocates once, whatever its number of retries: the
//! retry state of an async `#[retry]` fn, boxed when its first attempt
//! fails. Its reports allocate nothing, with every telemetry feature this
//! crate turns on (`metrics` among them: the facade's keys borrow labels
//! each call site makes once). A counting global allocator watches calls
//! that fail twice and then succeed, on a runtime whose clock is paused
//! (the sleeps take no real time; tokio's timer allocates nothing for
//! them).
//!
//! One test in this binary, so no other test thread allocates meanwhile.

use std::alloc::System;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::retry;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Fails with a transient error twice in every three calls of the body.
#[retry(max_attempts = 3, base_delay = "10ms", jitter)]
async fn fails_twice(attempts: &AtomicU32) -> Result<u32, io::Error> {
    match attempts.fetch_add(1, Ordering::Relaxed) % 3 {
        2 => Ok(7),
        _ => Err(io::ErrorKind::ConnectionReset.into()),
    }
}

#[test]
fn a_call_that_retries_twice_allocates_once() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let attempts = AtomicU32::new(0);
    // The first call registers the site and starts what the features
    // start (the `metrics` reporter thread allocates as it starts and once
    // a second: a window that overlaps one of those moments is not about
    // the retries, hence several windows).
    assert_eq!(runtime.block_on(fails_twice(&attempts)).ok(), Some(7));
    let mut windows = Vec::new();
    for _ in 0..10 {
        let region = Region::new(GLOBAL);
        let answers = runtime.block_on(async {
            let mut answers = 0;
            for _ in 0..100 {
                answers += fails_twice(&attempts).await.unwrap_or(0);
            }
            answers
        });
        let change = region.change();
        assert_eq!(answers, 700, "every call succeeded on its third attempt");
        assert_eq!(attempts.load(Ordering::Relaxed) % 3, 0);
        if change.allocations == 100 && change.reallocations == 0 {
            return;
        }
        windows.push(change);
    }
    panic!("no window of 100 calls allocated once per call: {windows:#?}");
}
