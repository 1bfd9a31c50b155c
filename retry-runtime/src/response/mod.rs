//! Responses as well as errors: which `Ok` values of a service are worth
//! another attempt, for the [`tower`](crate::tower) layer and the reqwest
//! [`middleware`](crate::middleware) (an HTTP stack answers a 503 or a 429
//! with a response, not an error).
//!
//! A response whose verdict is transient is retried exactly as an error
//! with that verdict would be: its kind counts in telemetry and in the
//! retry budget, and its delay hint (`Retry-After`, `retry-after-ms`) is a
//! floor on the next delay, honoured up to the policy's `max_retry_after`.
//! When the call ends on such a response (attempts run out, the budget is
//! spent, the breaker opened, or the hint was too long), that response is
//! returned, not an error: the caller sees what the server said.
//!
//! A response with any other verdict is the call's result, and counts as a
//! success for the circuit breaker, the budget and telemetry.

mod classify;
pub(crate) mod round;

pub use classify::{AcceptAll, ByStatus, ClassifyResponse};
