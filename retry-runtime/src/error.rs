//! The runtime's own error values.

use core::time::Duration;
use std::io;

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
