//! The timer async retries sleep on and time attempts out with, and the
//! clock they read: tokio's with the `tokio` feature, a runtime-neutral
//! one (`futures-timer`, and the system clock) without it. Everything that
//! sleeps or times out goes through here, so the choice is made once, by
//! the features; the macro's expansion names only `__private::sleep` and
//! `__private::timed`, whatever the features.

use core::fmt;

#[cfg(not(feature = "tokio"))]
mod neutral;
#[cfg(feature = "tokio")]
mod on_tokio;

#[cfg(not(feature = "tokio"))]
pub use neutral::{Sleep, Timeout, now, sleep, timeout};
#[cfg(feature = "tokio")]
pub use on_tokio::{Sleep, Timeout, now, sleep, timeout};

/// With the `tokio` feature, in debug builds: panics, naming `what` and the
/// fix, unless a tokio runtime is current. Called at the first poll of an
/// async call, so a call that would panic at its first retry ("there is no
/// reactor running") fails at once instead, in every test that runs it.
/// Release builds skip it: asking tokio (`Handle::try_current`, a
/// thread-local read and a clone and drop of the runtime's shared handle,
/// two atomic operations on one cache line for every thread) measured 46
/// instructions per call, on a success path of 104 (see BENCHMARKS.md).
#[inline(always)]
pub fn expect_runtime<D: fmt::Display>(what: impl FnOnce() -> D) {
    #[cfg(all(feature = "tokio", debug_assertions))]
    if tokio::runtime::Handle::try_current().is_err() {
        outside_runtime(&what());
    }
    #[cfg(not(all(feature = "tokio", debug_assertions)))]
    let _ = what;
}

#[cfg(all(feature = "tokio", debug_assertions))]
#[cold]
#[inline(never)]
fn outside_runtime(what: &dyn fmt::Display) -> ! {
    panic!(
        "{what} was polled outside a tokio runtime, and with retry-runtime's `tokio` feature (a default one) \
         it sleeps on tokio's timer: poll it inside a tokio runtime (#[tokio::main], #[tokio::test], \
         Runtime::block_on, a task spawned on one), or, to use another executor, depend on retry-runtime \
         with `default-features = false` (adding back the other features you use) to sleep on a \
         runtime-neutral timer"
    )
}
