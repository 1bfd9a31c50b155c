//! The attempt's context inside the body: which attempt this is, and how
//! much of the call's [deadline](crate::Policy::deadline) remains, so a
//! client can tell the server (an `x-retry-attempt` header lets it shed
//! retries first, as the SRE book recommends) and pass the deadline down
//! (`grpc-timeout`-style).
//!
//! - In a `#[retry(context)]` body, [`current`] returns it. The key is
//!   opt-in because it costs the success path a few instructions: the
//!   expansion wraps the body so that a thread-local holds the context
//!   while the body runs (for an `async fn`, during each poll of the body,
//!   so it works on any executor and needs no task-local; for a blocking
//!   fn, around the body's call).
//! - In the function API, [`Policy::retry_with_context`] and
//!   [`Policy::retry_blocking_with_context`] pass it to the closure as an
//!   argument: nothing to look up, and nothing paid by calls without it.
//!
//! ```
//! use std::io;
//! use retry_runtime::{attempt, retry};
//!
//! #[retry(max_attempts = 3, base_delay = "1ms", context)]
//! fn fetch(log: &mut Vec<u32>) -> Result<u32, io::Error> {
//!     let number = attempt::current().map_or(0, |context| context.number());
//!     log.push(number);
//!     if number < 3 { Err(io::ErrorKind::ConnectionReset.into()) } else { Ok(number) }
//! }
//!
//! let mut log = Vec::new();
//! assert_eq!(fetch(&mut log).unwrap(), 3);
//! assert_eq!(log, [1, 2, 3]);
//! assert!(attempt::current().is_none()); // outside a body
//! ```
//!
//! [`Policy::retry_with_context`]: crate::Policy::retry_with_context
//! [`Policy::retry_blocking_with_context`]: crate::Policy::retry_blocking_with_context

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::time::Instant;

use crate::clock::Clock;

/// One attempt's context: its number and the call's deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptContext {
    number: u32,
    deadline: Option<Instant>,
    clock: Clock,
}

impl AttemptContext {
    pub(crate) fn new(number: u32, deadline: Option<Instant>, clock: Clock) -> Self {
        Self {
            number,
            deadline,
            clock,
        }
    }

    /// The attempt's number, 1-based: 1 for the first call, 2 for the
    /// first retry.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Whether this attempt is a retry (its number is above 1).
    pub fn is_retry(&self) -> bool {
        self.number > 1
    }

    /// What remains of the call's deadline now (read from the clock at each
    /// call: tokio's for async calls, the system's for blocking ones), or
    /// `None` when the policy has no deadline. Zero once it has passed.
    pub fn remaining(&self) -> Option<Duration> {
        let deadline = self.deadline?;
        Some(deadline.saturating_duration_since(self.clock.now()))
    }
}

std::thread_local! {
    // `const` and without a destructor: the cheapest thread-local there is.
    static CURRENT: Cell<Option<AttemptContext>> = const { Cell::new(None) };
}

/// The context of the attempt running on this thread: inside a
/// `#[retry(context)]` body, while it runs; `None` anywhere else (outside a
/// body, or in a body whose attribute has no `context` key).
pub fn current() -> Option<AttemptContext> {
    CURRENT.with(Cell::get)
}

/// Runs `f` with `context` as the current one, the previous one restored
/// after it, also if it panics.
pub(crate) fn scoped<R>(context: AttemptContext, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<AttemptContext>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|current| current.replace(Some(context))));
    f()
}

pin_project_lite::pin_project! {
    /// A body future whose polls see `context` as [`current`]; see the
    /// module's docs.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct InContext<F> {
        // `None`: the body is polled as it is.
        context: Option<AttemptContext>,
        #[pin]
        body: F,
    }
}

impl<F> InContext<F> {
    pub(crate) fn new(context: Option<AttemptContext>, body: F) -> Self {
        Self { context, body }
    }
}

impl<F: Future> Future for InContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match *this.context {
            Some(context) => scoped(context, || this.body.poll(cx)),
            None => this.body.poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore_also_on_panic() {
        let outer = AttemptContext::new(1, None, Clock::System);
        let inner = AttemptContext::new(2, None, Clock::System);
        assert_eq!(current(), None);
        scoped(outer, || {
            assert_eq!(current(), Some(outer));
            scoped(inner, || assert_eq!(current().map(|c| c.number()), Some(2)));
            assert_eq!(current(), Some(outer));
            let panicked = std::panic::catch_unwind(|| scoped(inner, || panic!("body")));
            assert!(panicked.is_err());
            assert_eq!(current(), Some(outer));
        });
        assert_eq!(current(), None);
    }

    #[test]
    fn remaining_counts_down_to_zero() {
        let now = Instant::now();
        let later = AttemptContext::new(1, Some(now + Duration::from_secs(3600)), Clock::System);
        assert!(
            later
                .remaining()
                .is_some_and(|left| left > Duration::from_secs(3500))
        );
        let passed = AttemptContext::new(1, Some(now), Clock::System);
        assert_eq!(passed.remaining(), Some(Duration::ZERO));
        assert_eq!(
            AttemptContext::new(1, None, Clock::System).remaining(),
            None
        );
    }
}
