//! `Classify` and [`HttpResponse`] for the `http` crate's types.

use std::time::SystemTime;

use super::{HttpResponse, status_verdict};
use crate::classify::{Classify, Verdict};
use crate::hints;

/// By the status table of [`crate::http`].
impl Classify for http::StatusCode {
    fn classify(&self) -> Verdict {
        status_verdict(self.as_u16())
    }
}

/// By the status table, with the hint of the response's headers.
impl<B> Classify for http::Response<B> {
    fn classify(&self) -> Verdict {
        let verdict = status_verdict(self.status().as_u16());
        match hint_from_header_map(self.headers()) {
            Some(hint) if verdict.is_transient() => verdict.retry_after(hint),
            _ => verdict,
        }
    }
}

impl<B> HttpResponse for http::Response<B> {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers().get(name).map(http::HeaderValue::as_bytes)
    }
}

/// The server's delay hint in `headers`, read as [`hints::from_headers`]
/// does.
pub fn hint_from_header_map(headers: &http::HeaderMap) -> Option<std::time::Duration> {
    hints::from_headers(
        |name| headers.get(name).map(http::HeaderValue::as_bytes),
        SystemTime::now(),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Kind;

    fn response(status: u16, headers: &[(&str, &str)]) -> http::Response<()> {
        let mut builder = http::Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap_or_default()
    }

    #[test]
    fn status_codes_classify_by_the_table() {
        assert_eq!(
            http::StatusCode::SERVICE_UNAVAILABLE.classify(),
            Verdict::server()
        );
        assert_eq!(http::StatusCode::UNAUTHORIZED.classify().kind(), Kind::Auth);
        assert_eq!(http::StatusCode::NOT_FOUND.classify(), Verdict::client());
    }

    #[test]
    fn responses_carry_their_hint() {
        let throttled = response(429, &[("Retry-After-Ms", "1200")]);
        assert_eq!(
            throttled.classify(),
            Verdict::throttled().retry_after(Duration::from_millis(1200))
        );
        let unavailable = response(503, &[("retry-after", "4")]);
        assert_eq!(
            super::super::check(unavailable)
                .err()
                .and_then(|e| e.hint()),
            Some(Duration::from_secs(4))
        );
        let not_found = response(404, &[("retry-after", "4")]);
        assert_eq!(not_found.classify(), Verdict::client());
    }
}
