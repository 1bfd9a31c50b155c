//! The atomics the breaker and the budget are built on: `std`'s normally,
//! loom's under `cfg(loom)` so the model checker can explore every
//! interleaving of their compare-exchange loops.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
