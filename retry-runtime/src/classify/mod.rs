//! Error classification: which failures are worth another attempt.

mod builtin;
mod chain;

use core::fmt;
use core::time::Duration;
use std::sync::Arc;

pub use chain::classify_chain;

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
    /// `"server"`, `"auth"`, `"client"` or `"other"`, as logs, metrics and
    /// `#[classify(kind = "...")]` write it.
    pub const fn as_str(self) -> &'static str {
        self.spec().name()
    }

    /// The row of the names table (`retry_spec`) for this kind: an
    /// exhaustive match, so a kind added here does not compile without its
    /// name, and `kind_names_are_the_tables` checks the other direction.
    const fn spec(self) -> retry_spec::Kind {
        match self {
            Kind::Timeout => retry_spec::Kind::Timeout,
            Kind::Network => retry_spec::Kind::Network,
            Kind::Throttled => retry_spec::Kind::Throttled,
            Kind::Server => retry_spec::Kind::Server,
            Kind::Auth => retry_spec::Kind::Auth,
            Kind::Client => retry_spec::Kind::Client,
            Kind::Other => retry_spec::Kind::Other,
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
/// Derive it with [`#[derive(Classify)]`](derive@crate::Classify), a
/// `#[classify(...)]` rule per variant (see there), or implement it by
/// hand:
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
    note = "for an error type of your own, derive it (`#[derive(retry_runtime::Classify)]`, a `#[classify(...)]` rule per variant) or implement it",
    note = "for another crate's error type, which the orphan rule keeps you from implementing it for: `reqwest::Error` needs `retry-runtime = {{ features = [\"reqwest\"] }}`, `http::StatusCode` and `http::Response<B>` need `features = [\"http\"]`, `anyhow::Error` needs `features = [\"anyhow\"]`; wrap any other type in an error type of your own",
    note = "or say in `#[retry(...)]` which errors to retry: `when = |e: &{Self}| ...`"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_stable_labels() {
        assert_eq!(Kind::Throttled.to_string(), "throttled");
        assert_eq!(Kind::Other.as_str(), "other");
    }

    /// `#[classify(kind = "...")]` expands to the variant of the names
    /// table's Rust name, transient as the table says: each row must be
    /// this enum's variant of that name, and the verdict builders agree.
    #[test]
    fn kind_names_are_the_tables() {
        // Exhaustive over the table: a row added there fails here until
        // `Kind` has it.
        fn from_spec(row: retry_spec::Kind) -> (Kind, Verdict) {
            use retry_spec::Kind as Row;
            match row {
                Row::Timeout => (Kind::Timeout, Verdict::timeout()),
                Row::Network => (Kind::Network, Verdict::network()),
                Row::Throttled => (Kind::Throttled, Verdict::throttled()),
                Row::Server => (Kind::Server, Verdict::server()),
                Row::Auth => (Kind::Auth, Verdict::auth()),
                Row::Client => (Kind::Client, Verdict::client()),
                Row::Other => (Kind::Other, Verdict::permanent()),
            }
        }
        for row in retry_spec::Kind::ALL {
            let (kind, verdict) = from_spec(row);
            assert_eq!(kind.spec(), row);
            assert_eq!(format!("{kind:?}"), format!("{row:?}"));
            assert_eq!(kind.as_str(), row.name());
            assert_eq!(verdict.kind(), kind);
            assert_eq!(verdict.is_transient(), row.is_transient(), "{row}");
        }
    }

    #[test]
    fn verdict_builders() {
        let hint = Duration::from_secs(3);
        let v = Verdict::server().retry_after(hint);
        assert_eq!(
            (v.is_transient(), v.kind(), v.hint()),
            (true, Kind::Server, Some(hint))
        );
        assert_eq!(Verdict::from_bool(false), Verdict::permanent());
        assert_eq!(Verdict::auth().kind(), Kind::Auth);
        assert!(!Verdict::client().is_transient());
    }

    #[test]
    fn wrappers_delegate() {
        let err = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).classify(),
            err.classify()
        );
        assert_eq!(
            <&std::io::Error as Classify>::classify(&&err),
            Verdict::network()
        );
        assert_eq!(Arc::new(err).classify(), Verdict::network());
    }
}
