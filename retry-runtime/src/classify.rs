//! Error classification: which failures are worth another attempt.

use core::fmt;
use core::time::Duration;
use std::io;
use std::sync::Arc;

use crate::error::TimedOut;

/// What kind of failure an error is; used by telemetry and by the retry
/// budget (a timeout costs more than other retries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The operation took too long (an attempt timeout, HTTP 408).
    Timeout,
    /// The connection failed: refused, reset, aborted, unreachable.
    Network,
    /// The server asked us to slow down (HTTP 429).
    Throttled,
    /// The server failed (HTTP 5xx).
    Server,
    /// Credentials were refused (HTTP 401, 403).
    Auth,
    /// The request itself is wrong (other HTTP 4xx).
    Client,
    /// Anything else.
    Other,
}

impl Kind {
    /// A short lowercase label: `"timeout"`, `"network"`, `"throttled"`,
    /// `"server"`, `"auth"`, `"client"` or `"other"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Timeout => "timeout",
            Kind::Network => "network",
            Kind::Throttled => "throttled",
            Kind::Server => "server",
            Kind::Auth => "auth",
            Kind::Client => "client",
            Kind::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer of [`Classify`]: retry or not, what kind of failure, and the
/// server's delay hint if it sent one.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Kind, Verdict};
///
/// let v = Verdict::throttled().retry_after(Duration::from_secs(2));
/// assert!(v.is_transient());
/// assert_eq!(v.kind(), Kind::Throttled);
/// assert_eq!(v.hint(), Some(Duration::from_secs(2)));
/// assert!(!Verdict::auth().is_transient());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    transient: bool,
    kind: Kind,
    hint: Option<Duration>,
}

impl Verdict {
    /// Worth retrying, kind [`Kind::Other`].
    pub const fn transient() -> Self {
        Self {
            transient: true,
            kind: Kind::Other,
            hint: None,
        }
    }

    /// Not worth retrying, kind [`Kind::Other`].
    pub const fn permanent() -> Self {
        Self {
            transient: false,
            kind: Kind::Other,
            hint: None,
        }
    }

    /// Transient, kind [`Kind::Timeout`].
    pub const fn timeout() -> Self {
        Self::transient().with_kind(Kind::Timeout)
    }

    /// Transient, kind [`Kind::Network`].
    pub const fn network() -> Self {
        Self::transient().with_kind(Kind::Network)
    }

    /// Transient, kind [`Kind::Throttled`].
    pub const fn throttled() -> Self {
        Self::transient().with_kind(Kind::Throttled)
    }

    /// Transient, kind [`Kind::Server`].
    pub const fn server() -> Self {
        Self::transient().with_kind(Kind::Server)
    }

    /// Permanent, kind [`Kind::Auth`].
    pub const fn auth() -> Self {
        Self::permanent().with_kind(Kind::Auth)
    }

    /// Permanent, kind [`Kind::Client`].
    pub const fn client() -> Self {
        Self::permanent().with_kind(Kind::Client)
    }

    /// `transient()` when `retry` is true, else `permanent()`.
    pub const fn from_bool(retry: bool) -> Self {
        if retry {
            Self::transient()
        } else {
            Self::permanent()
        }
    }

    /// The same verdict with another kind.
    pub const fn with_kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// The server's delay hint (`Retry-After`). The engine waits at least
    /// this long; a hint above the policy's `max_retry_after` ends the
    /// retrying instead.
    pub const fn retry_after(mut self, hint: Duration) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Whether another attempt may succeed.
    pub const fn is_transient(&self) -> bool {
        self.transient
    }

    /// The kind of failure.
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// The server's delay hint, if any.
    pub const fn hint(&self) -> Option<Duration> {
        self.hint
    }
}

/// Errors that know whether they are worth retrying.
///
/// `#[retry]` retries an error when its verdict is transient, unless the
/// attribute's `when` key gives another rule.
///
/// ```
/// use retry_runtime::{Classify, Verdict};
///
/// enum ApiError { Unavailable, NotFound }
///
/// impl Classify for ApiError {
///     fn classify(&self) -> Verdict {
///         match self {
///             ApiError::Unavailable => Verdict::server(),
///             ApiError::NotFound => Verdict::client(),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `retry_runtime::Classify`, so retries cannot tell transient errors from permanent ones",
    label = "this error type needs `Classify`",
    note = "implement `retry_runtime::Classify` for `{Self}`, or give `when = path::to::predicate` (a `fn(&E) -> bool`) in `#[retry(...)]`"
)]
pub trait Classify {
    /// This error's verdict.
    fn classify(&self) -> Verdict;
}

impl<E: Classify + ?Sized> Classify for &E {
    fn classify(&self) -> Verdict {
        (**self).classify()
    }
}

impl<E: Classify + ?Sized> Classify for Box<E> {
    fn classify(&self) -> Verdict {
        (**self).classify()
    }
}

impl<E: Classify + ?Sized> Classify for Arc<E> {
    fn classify(&self) -> Verdict {
        (**self).classify()
    }
}

/// Timeouts, broken connections and interruptions are transient; everything
/// else (not found, permission denied, invalid data, ...) is permanent.
impl Classify for io::Error {
    fn classify(&self) -> Verdict {
        use io::ErrorKind as K;
        match self.kind() {
            K::TimedOut => Verdict::timeout(),
            K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::BrokenPipe
            | K::UnexpectedEof
            | K::AddrNotAvailable
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown => Verdict::network(),
            K::Interrupted | K::WouldBlock | K::ResourceBusy => Verdict::transient(),
            _ => Verdict::permanent(),
        }
    }
}

/// An attempt that ran out of time: transient, kind [`Kind::Timeout`].
impl Classify for TimedOut {
    fn classify(&self) -> Verdict {
        Verdict::timeout()
    }
}

/// tokio's timeout error: transient, kind [`Kind::Timeout`].
impl Classify for tokio::time::error::Elapsed {
    fn classify(&self) -> Verdict {
        Verdict::timeout()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_by_kind() {
        let verdict = |k| io::Error::from(k).classify();
        assert_eq!(verdict(io::ErrorKind::TimedOut), Verdict::timeout());
        assert_eq!(verdict(io::ErrorKind::ConnectionReset), Verdict::network());
        assert_eq!(
            verdict(io::ErrorKind::ConnectionRefused),
            Verdict::network()
        );
        assert_eq!(verdict(io::ErrorKind::Interrupted), Verdict::transient());
        assert_eq!(verdict(io::ErrorKind::NotFound), Verdict::permanent());
        assert_eq!(
            verdict(io::ErrorKind::PermissionDenied),
            Verdict::permanent()
        );
        assert_eq!(verdict(io::ErrorKind::InvalidData), Verdict::permanent());
    }

    #[test]
    fn timed_out_converts_to_a_transient_io_error() {
        let err = io::Error::from(TimedOut::new(Duration::from_secs(1)));
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(err.classify(), Verdict::timeout());
    }

    #[test]
    fn wrappers_delegate() {
        let err = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            Box::new(io::Error::from(io::ErrorKind::ConnectionReset)).classify(),
            err.classify()
        );
        assert_eq!(
            <&io::Error as Classify>::classify(&&err),
            Verdict::network()
        );
        assert_eq!(Arc::new(err).classify(), Verdict::network());
    }

    #[test]
    fn kinds_have_stable_labels() {
        assert_eq!(Kind::Throttled.to_string(), "throttled");
        assert_eq!(Kind::Other.as_str(), "other");
    }
}
