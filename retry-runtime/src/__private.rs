//! What the `#[retry]` expansion names. Not public API: no stability
//! promise, hidden from the docs.

use core::future::Future;

pub use core::time::Duration;
pub use tokio::time::sleep;

pub use crate::backoff::Jitter;
pub use crate::engine::{Attempt, Attempts, ByClassify, NoHook, Step, When};
pub use crate::error::{Rejected, TimedOut};
pub use crate::guards::{Guards, Pass};
pub use crate::policy::Policy;

/// Sleeps the current thread (for blocking fns).
pub fn sleep_blocking(delay: Duration) {
    std::thread::sleep(delay);
}

/// Error types that can stand for a timed-out attempt.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for a timed-out attempt: it does not implement `From<retry_runtime::TimedOut>`",
    label = "`#[retry]` with `timeout` or `policy` needs `From<retry_runtime::TimedOut>` on the error type",
    note = "a policy may carry a per-attempt timeout, so the error type must be able to say \"timed out\"",
    note = "with thiserror, add a variant: `#[error(transparent)] TimedOut(#[from] retry_runtime::TimedOut)`"
)]
pub trait FromTimedOut {
    /// The error for an attempt that timed out.
    fn from_timed_out(timed_out: TimedOut) -> Self;
}

impl<E: From<TimedOut>> FromTimedOut for E {
    fn from_timed_out(timed_out: TimedOut) -> Self {
        E::from(timed_out)
    }
}

/// Runs one attempt, bounded by `limit` when there is one. The expansion
/// passes `FromTimedOut::from_timed_out` as `timed_out`, so a missing
/// `From<TimedOut>` is reported once, at the user's key.
pub async fn timeout<F, T, E, G>(limit: Option<Duration>, body: F, timed_out: G) -> Attempt<T, E>
where
    F: Future<Output = Result<T, E>>,
    G: FnOnce(TimedOut) -> E,
{
    match limit {
        None => Attempt::Completed(body.await),
        Some(limit) => match tokio::time::timeout(limit, body).await {
            Ok(result) => Attempt::Completed(result),
            Err(_) => Attempt::TimedOut(timed_out(TimedOut::new(limit))),
        },
    }
}

/// Error types that can stand for a call a circuit breaker rejected.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for a call the circuit breaker rejected: it does not implement `From<retry_runtime::Rejected>`",
    label = "`#[retry]` with `breaker` needs `From<retry_runtime::Rejected>` on the error type",
    note = "while the breaker is open, the function returns this error at once instead of running",
    note = "with thiserror, add a variant: `#[error(transparent)] Rejected(#[from] retry_runtime::Rejected)`"
)]
pub trait FromRejected {
    /// The error for a rejected call.
    fn from_rejected(rejected: Rejected) -> Self;
}

impl<E: From<Rejected>> FromRejected for E {
    fn from_rejected(rejected: Rejected) -> Self {
        E::from(rejected)
    }
}

/// Asks the breaker to let the next attempt through. The expansion passes
/// `FromRejected::from_rejected` as `rejected`, in a closure spanned at the
/// `breaker` key, so a missing `From<Rejected>` is reported once, there.
pub fn admit<'a, E, G>(
    attempts: &mut Attempts,
    guards: Guards<'a>,
    rejected: G,
) -> Result<Pass<'a>, E>
where
    G: FnOnce(Rejected) -> E,
{
    attempts.admit(guards).map_err(rejected)
}
