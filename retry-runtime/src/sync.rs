//! The atomics the breaker and the budget are built on: `std`'s normally,
//! loom's in the crate's own tests under `cfg(loom)`, so the model checker
//! can explore every interleaving of their compare-exchange loops. (Only
//! the tests: loom is a dev-dependency.)

#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
