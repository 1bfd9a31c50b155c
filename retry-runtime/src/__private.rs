//! What the `#[retry]` expansion names. Not public API: no stability
//! promise, hidden from the docs.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

pub use core::time::Duration;
pub use tokio::time::sleep;

pub use crate::backoff::Jitter;
pub use crate::engine::{Attempt, Attempts, ByClassify, Hook, NoHook, RetryEvent, Step, When};
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
    name: &'static str,
    guards: Guards<'a>,
    rejected: G,
) -> Result<Pass<'a>, E>
where
    G: FnOnce(Rejected) -> E,
{
    attempts.admit(name, guards).map_err(rejected)
}

/// How `E` shows in log events: picked at the expansion's call site, where
/// `E` is concrete, by autoref specialization — its `Display` when it has
/// one ([`ShowDisplay`]), else nothing ([`ShowNothing`]).
pub struct ErrorTextOf<E>(PhantomData<fn(&E)>);

impl<E> ErrorTextOf<E> {
    /// `attempt` back, with the picker for its error type. By value: a
    /// borrow of the attempt would keep it alive across the next await.
    pub fn pick<T>(attempt: Attempt<T, E>) -> (Attempt<T, E>, Self) {
        (attempt, Self(PhantomData))
    }
}

/// Chosen first, when `E: Display`.
pub trait ShowDisplay<E> {
    /// `E`'s `Display`.
    fn error_text(&self) -> ErrorText<E>;
}

impl<E: fmt::Display> ShowDisplay<E> for ErrorTextOf<E> {
    fn error_text(&self) -> ErrorText<E> {
        Some(<E as fmt::Display>::fmt)
    }
}

/// Chosen otherwise (one autoref further).
pub trait ShowNothing<E> {
    /// Nothing: the events leave the error out.
    fn error_text(&self) -> ErrorText<E>;
}

impl<E> ShowNothing<E> for &ErrorTextOf<E> {
    fn error_text(&self) -> ErrorText<E> {
        None
    }
}

/// A hook that also tells the engine how to show errors. It holds the
/// user's hook as `dyn Hook<E>`, so its own `Hook<E>` impl needs no bound
/// and a wrong hook is reported once, by [`with_text`].
pub struct WithText<'h, E> {
    hook: &'h mut dyn Hook<E>,
    text: ErrorText<E>,
}

impl<E> Hook<E> for WithText<'_, E> {
    fn on_retry(&mut self, event: &RetryEvent<'_, E>) {
        self.hook.on_retry(event);
    }

    fn error_text(&self) -> ErrorText<E> {
        self.text
    }
}

/// How an error shows in events.
pub type ErrorText<E> = Option<fn(&E, &mut fmt::Formatter<'_>) -> fmt::Result>;

/// Wraps the user's hook; its `Hook<E>` bound is checked here, where the
/// expansion spans the call at the user's `on_retry` path.
/// (The text comes first: it fixes `E` before the hook is checked.)
pub fn with_text<E, H: Hook<E>>(text: ErrorText<E>, hook: &mut H) -> WithText<'_, E> {
    WithText { hook, text }
}
