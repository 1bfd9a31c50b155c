//! A tower layer (feature `tower`): [`RetryLayer`] retries any tower
//! `Service` with the same [`Policy`](crate::Policy),
//! [`CircuitBreaker`](crate::CircuitBreaker) and
//! [`RetryBudget`](crate::RetryBudget) as `#[retry]`, and reports to the
//! same telemetry under its [name](RetryLayer::name).
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::time::Duration;
//! use retry_runtime::{Policy, Verdict};
//! use retry_runtime::tower::RetryLayer;
//! use tower::{Service, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // A service that is busy twice, then answers.
//! let calls = Arc::new(AtomicU32::new(0));
//! let counted = Arc::clone(&calls);
//! let flaky = service_fn(move |question: &'static str| {
//!     let call = counted.fetch_add(1, Ordering::SeqCst) + 1;
//!     let answer = if call < 3 { "busy" } else { "42" };
//!     async move { Ok::<_, std::io::Error>(format!("{question}: {answer}")) }
//! });
//! let layer = RetryLayer::new(Policy::new().base_delay(Duration::from_millis(1)))
//!     .name("answers")
//!     .classify_responses(|answer: &String| Verdict::from_bool(answer.ends_with("busy")));
//! let mut service = tower::Layer::layer(&layer, flaky);
//! let answer = service.ready().await.unwrap().call("question").await.unwrap();
//! assert_eq!(answer, "question: 42");
//! assert_eq!(calls.load(Ordering::SeqCst), 3);
//! # }
//! ```
//!
//! What each call does:
//!
//! - **Results.** Errors are classified by their
//!   [`Classify`](crate::Classify) impl (or [`RetryLayer::when`],
//!   [`RetryLayer::classify_errors`]); responses by
//!   [`ClassifyResponse`](crate::response::ClassifyResponse): HTTP
//!   responses by status by default ([`ByStatus`](crate::response::ByStatus):
//!   a 503 or a 429 is retried, its `Retry-After` or `retry-after-ms`
//!   honoured up to the policy's `max_retry_after`). When the attempts run
//!   out on such a response, that response is returned. For responses that
//!   are not HTTP, say [`accept_responses`](RetryLayer::accept_responses)
//!   or give a classifier.
//! - **Back-pressure.** The first attempt is sent on the service the caller
//!   polled ready; each retry polls the call's own copy of the service
//!   ready before sending, so a concurrency limit or a load shedder inside
//!   the layer sees every attempt. An error from `poll_ready` ends the call
//!   with that error (tower's contract: the service is unusable).
//! - **Requests.** Each attempt but the last needs a copy of the request
//!   for the next: [`CloneRequest`] makes it, with `Clone` by default. A
//!   request that cannot be copied is sent once and its result returned:
//!   no retry, never a panic.
//! - **Timeouts.** The policy's `timeout` bounds each attempt, so the
//!   service's error type implements `From<TimedOut>`; with a breaker, also
//!   `From<Rejected>`. `tower::BoxError` does both: wrap a service whose
//!   error does neither in `map_err(BoxError::from)`.
//! - **Deadline.** A policy's [`deadline`](crate::Policy::deadline) bounds
//!   the whole call, as in the function API: each attempt's timeout is
//!   clipped to what remains of it, no retry is made whose sleep would
//!   leave less than `min_attempt_time` of it (the call ends with the last
//!   answer), and when less than that remains before the first attempt the
//!   request is not sent: the call ends with `S::Error::from(TimedOut)`.
//! - **Sleeping** is on tokio's timer with the `tokio` feature (a default
//!   one), so tests can run it in virtual time, and the service's futures
//!   must then be polled inside a tokio runtime (in debug builds, one polled
//!   outside fails before its first attempt, saying so); without `tokio`,
//!   on a runtime-neutral timer, under any executor.

mod clone;
mod future;
mod layer;
mod service;

pub use clone::{ByClone, CloneRequest, SendOnce};
pub use future::ResponseFuture;
pub use layer::{DEFAULT_NAME, RetryLayer};
pub use service::RetryService;
