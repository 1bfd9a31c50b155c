//! Make any fallible function survive transient failures.
//!
//! Annotate it, and it retries with exponential backoff and jitter, retries
//! only the errors worth retrying, and honours a server's delay hints
//! without letting a hostile server stall it:
//!
//! ```
//! use std::io;
//! use retry_runtime::retry;
//!
//! #[retry(max_attempts = 3, base_delay = "10ms", jitter)]
//! async fn fetch(counter: &std::sync::atomic::AtomicU32) -> Result<u32, io::Error> {
//!     let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
//!     if n < 3 { Err(io::ErrorKind::ConnectionReset.into()) } else { Ok(n) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let counter = Default::default();
//! assert_eq!(fetch(&counter).await.unwrap(), 3);
//! # }
//! ```
//!
//! The attribute's reference, every key with an example, is on
//! [`retry`](macro@retry); the derive's on [`Classify`](derive@Classify).
//! The parts, usable without the attribute:
//! - [`Policy`]: attempts, delays, limits, as `const`-buildable plain data;
//!   [`Policy::delays`] is the schedule as an iterator.
//! - [`Jitter`]: the spreading strategies of Brooker's "Exponential Backoff
//!   And Jitter".
//! - [`Classify`] / [`Verdict`] / [`Kind`]: which errors are transient;
//!   `when_ok` (the key, [`Retry::when_ok`]) which `Ok` values are, with
//!   [`http::transient_response`] for HTTP responses.
//! - [`Policy::retry`] and [`Policy::retry_blocking`]: the function API.
//! - [`engine`]: the engine both of them drive ([`engine::CallState`] and
//!   its parts), for hand-written loops; [`function_api`] and [`timeout`]
//!   hold the types that appear in the function API's signatures.
//! - [`Policy::deadline`](Policy#method.deadline): a deadline for the whole
//!   call, attempts included; [`attempt`]: the attempt's number and what
//!   remains of the deadline, inside the body.
//! - [`CircuitBreaker`] and [`RetryBudget`]: protections shared by every
//!   call to one service, as `static`s: the breaker fails calls fast while
//!   the service is down, the budget bounds how many retries all the calls
//!   make together. `#[retry(breaker = .., budget = ..)]` or
//!   `.breaker(..)`/`.budget(..)` on the function API.
//!
//! The sections below are the README's "Using it" (`docs/using.md`, which
//! the README repeats, less the examples' hidden setup lines), compiled and
//! run here as doctests.
//!
#![doc = include_str!("../../docs/using.md")]
//!
//! ## Cargo features
//!
//! Each feature, from `Cargo.toml`. The status table, `HttpError`, `check`
//! and the hint parsers ([`hints`]) need no feature.
//!
#![doc = document_features::document_features!()]
#![deny(missing_docs)]
// Panics on user input are bugs: no unwrap outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod attempt;
mod backoff;
mod breaker;
mod budget;
mod classify;
mod clock;
mod deadline;
pub mod engine;
mod error;
pub mod function_api;
mod hedge;
pub mod hints;
pub mod http;
#[cfg(feature = "reqwest-middleware")]
pub mod middleware;
mod policy;
#[cfg(feature = "serde")]
mod policy_serde;
mod protections;
pub mod rate_limit;
#[cfg(any(feature = "tower", feature = "reqwest-middleware"))]
pub mod response;
mod sync;
mod telemetry;
pub mod timeout;
mod timer;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(all(test, loom))]
mod loom_tests;

#[doc(hidden)]
pub mod __private;

pub use backoff::{Delays, Jitter, UnknownJitter};
pub use breaker::{BreakerConfig, BreakerConfigError, BreakerState, CircuitBreaker, FailureRate};
pub use budget::RetryBudget;
pub use classify::{Classify, Kind, Verdict, classify_chain};
pub use engine::RetryEvent;
pub use error::{Rejected, TimedOut};
pub use function_api::{Retry, RetryBlocking};
pub use hedge::{Hedged, Unpaced};
pub use policy::{Policy, PolicyError};
pub use rate_limit::{AdaptiveRateLimiter, RateLimited, Turn};
#[cfg(feature = "metrics")]
pub use telemetry::flush_metrics;
#[cfg(feature = "stats")]
pub use telemetry::{Stats, stats};
pub use timeout::NoTimeout;

// The references live on the re-exports, where users read them and where
// their examples are doctests of this crate (a doctest of the macro crate
// could not use the runtime without a dev-dependency back on it).
#[doc = include_str!("../../docs/attribute.md")]
#[doc(inline)]
pub use retry_macros::retry;

#[doc = include_str!("../../docs/classify-derive.md")]
#[doc(inline)]
pub use retry_macros::Classify;
