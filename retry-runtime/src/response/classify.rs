//! [`ClassifyResponse`] and the two classifiers every user needs: by HTTP
//! status, and "every response is a success".

use crate::classify::Verdict;
use crate::http::{HttpResponse, transient_response};

/// Decides whether a response is worth another attempt: a transient verdict
/// retries it (its hint honoured), any other makes it the call's result.
///
/// Implemented by [`ByStatus`] (HTTP responses), [`AcceptAll`] (no
/// response is retried) and any `Fn(&R) -> Verdict`:
///
/// ```
/// use retry_runtime::Verdict;
/// use retry_runtime::response::ClassifyResponse;
///
/// // A queue that answers "busy" instead of failing.
/// let busy = |reply: &&str| if *reply == "busy" { Verdict::server() } else { Verdict::permanent() };
/// assert!(busy.classify_response(&"busy").is_transient());
/// assert!(!busy.classify_response(&"done").is_transient());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot classify responses of type `{R}`",
    label = "no response classifier for `{R}`",
    note = "`ByStatus`, the default, classifies HTTP responses (`http::Response<B>`, `reqwest::Response`)",
    note = "for other responses, call `.accept_responses()` (none is retried) or `.classify_responses(|response| ...)`"
)]
pub trait ClassifyResponse<R> {
    /// The verdict on `response`.
    fn classify_response(&self, response: &R) -> Verdict;
}

/// Classifies HTTP responses by status, with the table of
/// [`crate::http`] (408, 429, 500, 502, 503, 504, 520–524 and 529 are
/// transient), and reads the delay hint of a transient one from its
/// headers as [`hints`](crate::hints) describes (`retry-after-ms`,
/// `x-ms-retry-after-ms`, `Retry-After`): [`transient_response`], as the
/// `when_ok` of `#[retry]` and the function API uses it.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Kind, Verdict};
/// use retry_runtime::response::{ByStatus, ClassifyResponse};
///
/// let throttled = http::Response::builder().status(429).header("Retry-After", "2").body(()).unwrap();
/// assert_eq!(ByStatus.classify_response(&throttled), Verdict::throttled().retry_after(Duration::from_secs(2)));
/// let ok = http::Response::new(());
/// assert!(!ByStatus.classify_response(&ok).is_transient());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ByStatus;

impl<R: HttpResponse> ClassifyResponse<R> for ByStatus {
    fn classify_response(&self, response: &R) -> Verdict {
        transient_response(response)
    }
}

/// Retries no response: every one is the call's result, and only errors
/// are retried. For services whose responses are not HTTP.
#[derive(Clone, Copy, Debug, Default)]
pub struct AcceptAll;

impl<R> ClassifyResponse<R> for AcceptAll {
    fn classify_response(&self, _: &R) -> Verdict {
        Verdict::permanent()
    }
}

impl<R, F: Fn(&R) -> Verdict> ClassifyResponse<R> for F {
    fn classify_response(&self, response: &R) -> Verdict {
        self(response)
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;
    use crate::Kind;

    struct Canned(u16, &'static [(&'static str, &'static [u8])]);

    impl HttpResponse for Canned {
        fn status_code(&self) -> u16 {
            self.0
        }
        fn header_bytes(&self, name: &str) -> Option<&[u8]> {
            self.1.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }
    }

    #[test]
    fn by_status_follows_the_table_and_reads_hints_of_transient_responses() {
        assert_eq!(
            ByStatus.classify_response(&Canned(503, &[("retry-after", b"3")])),
            Verdict::server().retry_after(Duration::from_secs(3))
        );
        assert_eq!(
            ByStatus.classify_response(&Canned(429, &[("retry-after-ms", b"250")])),
            Verdict::throttled().retry_after(Duration::from_millis(250))
        );
        // A hint on a response that is not retried changes nothing.
        assert_eq!(
            ByStatus.classify_response(&Canned(401, &[("retry-after", b"3")])),
            Verdict::auth()
        );
        assert_eq!(
            ByStatus.classify_response(&Canned(200, &[])),
            Verdict::permanent()
        );
        // A hostile hint is dropped, the status still retried.
        assert_eq!(
            ByStatus.classify_response(&Canned(503, &[("retry-after", b"\xff")])),
            Verdict::server()
        );
    }

    #[test]
    fn accept_all_retries_nothing_and_closures_decide() {
        assert!(
            !AcceptAll
                .classify_response(&Canned(503, &[]))
                .is_transient()
        );
        let odd = |n: &u32| Verdict::from_bool(n % 2 == 1).with_kind(Kind::Server);
        assert!(odd.classify_response(&3).is_transient());
        assert!(!odd.classify_response(&4).is_transient());
    }
}
