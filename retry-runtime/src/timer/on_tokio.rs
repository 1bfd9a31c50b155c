//! tokio's timer and clock (virtual under `tokio::time::pause`).

use std::time::Instant;

pub use tokio::time::{Sleep, Timeout, sleep, timeout};

/// Now, on tokio's clock.
#[inline]
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
