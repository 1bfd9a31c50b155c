//! The runtime's own error values.

use core::fmt;
use core::time::Duration;
use std::io;

use crate::breaker::BreakerState;

/// An attempt ran past the policy's per-attempt `timeout`.
///
/// `#[retry(timeout = ...)]` (and `policy = ...`, since a policy may carry a
/// timeout) needs the function's error type to implement
/// `From<TimedOut>`. It is provided for `std::io::Error`; with thiserror,
/// add a variant:
///
/// ```
/// #[derive(Debug, thiserror::Error)]
/// enum ApiError {
///     #[error(transparent)]
///     TimedOut(#[from] retry_runtime::TimedOut),
///     #[error("server unavailable")]
///     Unavailable,
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("attempt timed out after {after:?}")]
#[non_exhaustive]
pub struct TimedOut {
    /// The timeout that elapsed.
    pub after: Duration,
}

impl TimedOut {
    /// A timeout that elapsed after `after`.
    pub const fn new(after: Duration) -> Self {
        Self { after }
    }
}

/// A timed-out attempt as an `io::Error` of kind `TimedOut`.
impl From<TimedOut> for io::Error {
    fn from(timed_out: TimedOut) -> Self {
        io::Error::new(io::ErrorKind::TimedOut, timed_out)
    }
}

/// A circuit breaker refused the call: it is open, or half-open with all
/// its probes taken. The call did not run.
///
/// `#[retry(breaker = ...)]` needs the function's error type to implement
/// `From<Rejected>`. It is provided for `std::io::Error`; with thiserror,
/// add a variant:
///
/// ```
/// #[derive(Debug, thiserror::Error)]
/// enum ApiError {
///     #[error(transparent)]
///     Rejected(#[from] retry_runtime::Rejected),
///     #[error("server unavailable")]
///     Unavailable,
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("circuit breaker `{breaker}` is {state}; {}", Resume(*.state, *.retry_in))]
#[non_exhaustive]
pub struct Rejected {
    /// The breaker's name, from its [`BreakerConfig`](crate::BreakerConfig).
    pub breaker: &'static str,
    /// [`Open`](BreakerState::Open), or [`HalfOpen`](BreakerState::HalfOpen)
    /// with every probe place taken.
    pub state: BreakerState,
    /// How long until the breaker lets a probe through at the latest: the
    /// rest of its open time, or, when half-open, until the running probes
    /// time out (they may answer sooner).
    pub retry_in: Duration,
}

impl Rejected {
    /// A rejection by the breaker named `breaker`, in `state`, which lets a
    /// probe through in `retry_in`.
    pub const fn new(breaker: &'static str, state: BreakerState, retry_in: Duration) -> Self {
        Self {
            breaker,
            state,
            retry_in,
        }
    }
}

/// When a rejected caller may try again, in words.
struct Resume(BreakerState, Duration);

impl fmt::Display for Resume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resume(BreakerState::HalfOpen, retry_in) => {
                write!(f, "its probes are running (they time out in {retry_in:?})")
            }
            Resume(_, retry_in) => write!(f, "it lets a probe through in {retry_in:?}"),
        }
    }
}

/// A rejected call as an `io::Error` of kind `Other`, carrying the
/// [`Rejected`] (reach it with `get_ref` and `downcast_ref`). Kind `Other`
/// classifies as permanent: an outer retry loop does not spin on an open
/// breaker.
impl From<Rejected> for io::Error {
    fn from(rejected: Rejected) -> Self {
        io::Error::other(rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_say_which_breaker_and_when() {
        let open = Rejected {
            breaker: "llm",
            state: BreakerState::Open,
            retry_in: Duration::from_millis(1500),
        };
        assert_eq!(
            open.to_string(),
            "circuit breaker `llm` is open; it lets a probe through in 1.5s"
        );
        let half_open = Rejected {
            state: BreakerState::HalfOpen,
            retry_in: Duration::from_secs(12),
            ..open
        };
        assert_eq!(
            half_open.to_string(),
            "circuit breaker `llm` is half-open; its probes are running (they time out in 12s)"
        );
        let io = io::Error::from(open);
        assert_eq!(io.kind(), io::ErrorKind::Other);
        let inner = io.get_ref().and_then(|e| e.downcast_ref::<Rejected>());
        assert_eq!(inner, Some(&open));
    }
}
