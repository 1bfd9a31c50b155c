//! What the success-path measurements share: one policy, the same policy
//! in backon's and tokio-retry's terms, and a way to poll a future that
//! must be ready at once. The criterion bench (`benches/overhead.rs`) and
//! the instruction counter (`bin/success_path.rs`) both use them, so they
//! measure the same thing.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use backon::ExponentialBuilder;
use retry_runtime::{Jitter, Policy};
use tokio_retry::strategy::{ExponentialBackoff, jitter};

/// 3 attempts, 100 ms base, full jitter: the policy of every wrapper.
pub const POLICY: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100))
    .jitter(Jitter::Full);

/// [`POLICY`] in backon's terms.
pub fn backon_policy() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_times(2)
        .with_jitter()
}

/// [`POLICY`] in tokio-retry's terms.
pub fn tokio_retry_policy() -> impl Iterator<Item = Duration> {
    ExponentialBackoff::from_millis(100).map(jitter).take(2)
}

/// Polls a future that must be ready at once, with a no-op waker: only the
/// wrapper is measured, not a runtime. Always inlined: called across the
/// crate boundary it was not, and its call then weighed in every figure
/// (async `#[retry]` counted 163 instructions instead of 105).
#[inline(always)]
pub fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the success path must not wait"),
    }
}

/// The calls every success-path measurement makes, defined in the crate
/// that measures them (a call across crates would not inline, and would
/// weigh in the figures): `direct` and `direct_blocking`, an operation
/// that succeeds at once, and `annotated` and `annotated_blocking`, the
/// same under `#[retry]` with [`POLICY`]'s settings.
#[macro_export]
macro_rules! success_path_fns {
    () => {
        async fn direct(n: u64) -> ::std::io::Result<u64> {
            Ok(::std::hint::black_box(n) + 1)
        }

        fn direct_blocking(n: u64) -> ::std::io::Result<u64> {
            Ok(::std::hint::black_box(n) + 1)
        }

        #[::retry_runtime::retry(max_attempts = 3, base_delay = "100ms", jitter)]
        async fn annotated(n: u64) -> ::std::io::Result<u64> {
            Ok(::std::hint::black_box(n) + 1)
        }

        #[::retry_runtime::retry(max_attempts = 3, base_delay = "100ms", jitter)]
        fn annotated_blocking(n: u64) -> ::std::io::Result<u64> {
            Ok(::std::hint::black_box(n) + 1)
        }
    };
}
