//! `Classify` for the standard library's and tokio's errors, and the
//! runtime's own.

use std::io;

use super::{Classify, Verdict};
use crate::error::TimedOut;

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

/// An attempt that ran out of time: transient, kind [`Kind::Timeout`](crate::Kind::Timeout).
impl Classify for TimedOut {
    fn classify(&self) -> Verdict {
        Verdict::timeout()
    }
}

/// tokio's timeout error: transient, kind [`Kind::Timeout`](crate::Kind::Timeout).
#[cfg(feature = "tokio")]
impl Classify for tokio::time::error::Elapsed {
    fn classify(&self) -> Verdict {
        Verdict::timeout()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn io_errors_by_kind() {
        let verdict = |k| io::Error::from(k).classify();
        assert_eq!(verdict(io::ErrorKind::TimedOut), Verdict::timeout());
        for network in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::NotConnected,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::HostUnreachable,
            io::ErrorKind::NetworkUnreachable,
            io::ErrorKind::NetworkDown,
            io::ErrorKind::AddrNotAvailable,
        ] {
            assert_eq!(verdict(network), Verdict::network(), "{network:?}");
        }
        for other in [
            io::ErrorKind::Interrupted,
            io::ErrorKind::WouldBlock,
            io::ErrorKind::ResourceBusy,
        ] {
            assert_eq!(verdict(other), Verdict::transient(), "{other:?}");
        }
        for permanent in [
            io::ErrorKind::NotFound,
            io::ErrorKind::PermissionDenied,
            io::ErrorKind::InvalidData,
            io::ErrorKind::InvalidInput,
            io::ErrorKind::AlreadyExists,
            io::ErrorKind::Unsupported,
            io::ErrorKind::Other,
        ] {
            assert_eq!(verdict(permanent), Verdict::permanent(), "{permanent:?}");
        }
    }

    #[test]
    fn timed_out_converts_to_a_transient_io_error() {
        let err = io::Error::from(TimedOut::new(Duration::from_secs(1)));
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(err.classify(), Verdict::timeout());
        assert_eq!(TimedOut::new(Duration::ZERO).classify(), Verdict::timeout());
    }

    #[cfg(feature = "tokio")]
    #[tokio::test(start_paused = true)]
    async fn tokio_elapsed_is_a_timeout() {
        let elapsed = tokio::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
            .await
            .expect_err("pending never finishes");
        assert_eq!(elapsed.classify(), Verdict::timeout());
    }
}
