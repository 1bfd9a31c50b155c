//! Classifying type-erased errors (`Box<dyn Error>`, `anyhow::Error`) by
//! walking their chain of sources.

use std::error::Error;
use std::io;

use super::{Classify, Verdict};
use crate::error::TimedOut;
use crate::http::HttpError;

/// The verdict of the first error in `error`'s chain (itself, then its
/// sources) whose type this crate knows: [`TimedOut`], [`HttpError`],
/// `std::io::Error`, tokio's `Elapsed` with the `tokio` feature, and
/// `reqwest::Error` with the `reqwest` feature. An error of no known type
/// is permanent: retrying what nobody classified could hammer a server for
/// a bug.
///
/// ```
/// use std::{error::Error, io};
/// use retry_runtime::{Verdict, classify_chain};
///
/// let reset: Box<dyn Error + Send + Sync> = Box::new(io::Error::from(io::ErrorKind::ConnectionReset));
/// assert_eq!(classify_chain(reset.as_ref()), Verdict::network());
/// let unknown: Box<dyn Error + Send + Sync> = "parse failure".into();
/// assert_eq!(classify_chain(unknown.as_ref()), Verdict::permanent());
/// ```
pub fn classify_chain(error: &(dyn Error + 'static)) -> Verdict {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(verdict) = known(error) {
            return verdict;
        }
        next = error.source();
    }
    Verdict::permanent()
}

fn known(error: &(dyn Error + 'static)) -> Option<Verdict> {
    if let Some(e) = error.downcast_ref::<TimedOut>() {
        return Some(e.classify());
    }
    if let Some(e) = error.downcast_ref::<HttpError>() {
        return Some(e.classify());
    }
    if let Some(e) = error.downcast_ref::<io::Error>() {
        return Some(e.classify());
    }
    #[cfg(feature = "tokio")]
    if let Some(e) = error.downcast_ref::<tokio::time::error::Elapsed>() {
        return Some(e.classify());
    }
    #[cfg(feature = "reqwest")]
    if let Some(e) = error.downcast_ref::<reqwest::Error>() {
        return Some(e.classify());
    }
    None
}

/// Walks the chain; see [`classify_chain`].
impl Classify for dyn Error + 'static {
    fn classify(&self) -> Verdict {
        classify_chain(self)
    }
}

/// Walks the chain; see [`classify_chain`].
impl Classify for dyn Error + Send + 'static {
    fn classify(&self) -> Verdict {
        classify_chain(self)
    }
}

/// Walks the chain; see [`classify_chain`]. With the blanket impl for
/// `Box<E>`, this covers `Box<dyn Error + Send + Sync>`.
impl Classify for dyn Error + Send + Sync + 'static {
    fn classify(&self) -> Verdict {
        classify_chain(self)
    }
}

/// Walks the chain; see [`classify_chain`].
#[cfg(feature = "anyhow")]
impl Classify for anyhow::Error {
    fn classify(&self) -> Verdict {
        classify_chain(self.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::time::Duration;

    use super::*;

    /// An application error that wraps another as its source.
    #[derive(Debug)]
    struct Context(Box<dyn Error + Send + Sync>);

    impl fmt::Display for Context {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("while fetching")
        }
    }

    impl Error for Context {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(self.0.as_ref())
        }
    }

    #[test]
    fn the_first_known_error_in_the_chain_decides() {
        let wrapped: Box<dyn Error + Send + Sync> =
            Box::new(Context(Box::new(io::Error::from(io::ErrorKind::TimedOut))));
        assert_eq!(wrapped.classify(), Verdict::timeout());

        let http: Box<dyn Error + Send + Sync> = Box::new(Context(Box::new(
            HttpError::new(429).with_retry_after(Duration::from_secs(2)),
        )));
        assert_eq!(
            http.classify(),
            Verdict::throttled().retry_after(Duration::from_secs(2))
        );

        let timed_out: Box<dyn Error> = Box::new(TimedOut::new(Duration::from_secs(1)));
        assert_eq!(timed_out.classify(), Verdict::timeout());
    }

    #[test]
    fn unknown_chains_are_permanent() {
        let unknown: Box<dyn Error + Send + Sync> = Box::new(Context("no idea".into()));
        assert_eq!(unknown.classify(), Verdict::permanent());
        let bare: Box<dyn Error + Send> = Box::new(fmt::Error);
        assert_eq!(bare.classify(), Verdict::permanent());
    }

    #[cfg(feature = "anyhow")]
    #[test]
    fn anyhow_walks_its_context_chain() {
        let error = anyhow::Error::new(io::Error::from(io::ErrorKind::ConnectionRefused))
            .context("calling the forge");
        assert_eq!(error.classify(), Verdict::network());
        assert_eq!(
            anyhow::anyhow!("plain message").classify(),
            Verdict::permanent()
        );
    }
}
