//! `Classify` for `reqwest_middleware::Error`.

use crate::classify::{Classify, Verdict, classify_chain};

/// A reqwest error by its own `Classify` impl (timeouts and failed
/// connections transient, ...); a middleware's error by its chain (see
/// [`classify_chain`]): this crate's [`TimedOut`](crate::TimedOut) is
/// transient, its [`Rejected`](crate::Rejected) permanent, an unknown
/// error permanent.
impl Classify for reqwest_middleware::Error {
    fn classify(&self) -> Verdict {
        match self {
            reqwest_middleware::Error::Reqwest(error) => error.classify(),
            reqwest_middleware::Error::Middleware(error) => {
                let error: &(dyn std::error::Error + Send + Sync + 'static) = error.as_ref();
                classify_chain(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;
    use crate::{BreakerState, Rejected, TimedOut};

    #[test]
    fn middleware_errors_classify_by_their_chain() {
        let timed_out =
            reqwest_middleware::Error::middleware(TimedOut::new(Duration::from_secs(1)));
        assert_eq!(timed_out.classify(), Verdict::timeout());
        let rejected = reqwest_middleware::Error::middleware(Rejected::new(
            "api",
            BreakerState::Open,
            Duration::from_secs(1),
        ));
        assert!(!rejected.classify().is_transient());
        let reset = reqwest_middleware::Error::middleware(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        ));
        assert_eq!(reset.classify(), Verdict::network());
    }
}
