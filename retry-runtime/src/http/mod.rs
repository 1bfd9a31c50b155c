//! HTTP: which statuses are worth retrying, and [`HttpError`], an error that
//! keeps the status and the server's delay hint so [`Classify`] can use both.
//!
//! | status | verdict | kind |
//! |---|---|---|
//! | 408 | transient | timeout |
//! | 429 | transient | throttled |
//! | 500, 502, 503, 504 | transient | server |
//! | 520–524 (origin errors behind a CDN), 529 (overloaded) | transient | server |
//! | 401, 403 | permanent | auth |
//! | other 4xx | permanent | client |
//! | other 5xx (501, 505, ...) | permanent | server |
//! | anything else | permanent | other |
//!
//! All of this needs no feature: [`status_verdict`], [`HttpError`] and
//! [`check`] work with any client through [`HttpResponse`]. The features
//! add what names other crates' types: `http` (`Classify` for
//! `http::StatusCode` and `http::Response<B>`, [`HttpResponse`] for
//! `http::Response<B>`, `hint_from_header_map`) and `reqwest`
//! (`Classify` for `reqwest::Error`, [`HttpResponse`] for its responses).

#[cfg(feature = "http")]
mod http_crate;
#[cfg(feature = "reqwest")]
mod reqwest_crate;

#[cfg(feature = "http")]
pub use http_crate::hint_from_header_map;

use core::fmt;
use core::time::Duration;
use std::time::SystemTime;

use crate::classify::{Classify, Kind, Verdict};
use crate::hints;

/// The verdict for an HTTP status code; see the [module](self) table.
///
/// ```
/// use retry_runtime::http::status_verdict;
///
/// assert!(status_verdict(503).is_transient());
/// assert!(!status_verdict(401).is_transient());
/// ```
pub const fn status_verdict(status: u16) -> Verdict {
    match status {
        408 => Verdict::timeout(),
        429 => Verdict::throttled(),
        500 | 502 | 503 | 504 | 520..=524 | 529 => Verdict::server(),
        401 | 403 => Verdict::auth(),
        400..=499 => Verdict::client(),
        500..=599 => Verdict::permanent().with_kind(Kind::Server),
        _ => Verdict::permanent(),
    }
}

/// A response with an error status, as [`check`] returns it: the status,
/// the server's delay hint, and the URL.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Classify, Kind, http::HttpError};
///
/// let error = HttpError::new(429).with_retry_after(Duration::from_secs(2));
/// let verdict = error.classify();
/// assert!(verdict.is_transient());
/// assert_eq!(verdict.kind(), Kind::Throttled);
/// assert_eq!(verdict.hint(), Some(Duration::from_secs(2)));
/// assert_eq!(error.to_string(), "HTTP 429 (retry after 2s)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    status: u16,
    retry_after: Option<Duration>,
    url: Option<String>,
}

impl HttpError {
    /// An error for `status`, with no hint and no URL.
    pub const fn new(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            url: None,
        }
    }

    /// The same error with the server's delay hint.
    pub fn with_retry_after(mut self, hint: Duration) -> Self {
        self.retry_after = Some(hint);
        self
    }

    /// The same error with the URL that answered.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The status code.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The server's delay hint, if it sent a usable one.
    pub const fn hint(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The URL that answered, if known.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        if let Some(hint) = self.retry_after {
            write!(f, " (retry after {hint:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}

/// By the status table; a hint is attached to transient verdicts only (a
/// `Retry-After` on a 404 changes nothing).
impl Classify for HttpError {
    fn classify(&self) -> Verdict {
        let verdict = status_verdict(self.status);
        match self.retry_after {
            Some(hint) if verdict.is_transient() => verdict.retry_after(hint),
            _ => verdict,
        }
    }
}

/// A response [`check`] can judge: `reqwest::Response` (feature `reqwest`),
/// `reqwest::blocking::Response` (feature `reqwest-blocking`) and
/// `http::Response<B>` (feature `http`) implement it.
pub trait HttpResponse {
    /// The status code.
    fn status_code(&self) -> u16;
    /// A header's raw value, by lowercase name.
    fn header_bytes(&self, name: &str) -> Option<&[u8]>;
    /// The URL that answered, if the response knows it.
    fn url_text(&self) -> Option<String> {
        None
    }
}

/// The verdict on an HTTP response a client returned as `Ok`: by the
/// status table, with the server's delay hint of a transient one read from
/// its headers as [`hints`] describes (`retry-after-ms`,
/// `x-ms-retry-after-ms`, `Retry-After`). A 503 or a 429 is transient,
/// its hint honoured exactly as an error's; a 200, a 401 or a 404 is the
/// call's result.
///
/// It is the ready-made `when_ok` for a fn that returns responses rather
/// than errors (reqwest without `error_for_status`, a tower HTTP service),
/// for any [`HttpResponse`]: `http::Response<B>` (feature `http`),
/// `reqwest::Response` (feature `reqwest`), `reqwest::blocking::Response`
/// (feature `reqwest-blocking`). The tower layer and the reqwest middleware
/// classify responses with it too.
///
/// ```ignore
/// #[retry(max_attempts = 3, base_delay = "500ms", jitter, when_ok = retry_runtime::http::transient_response)]
/// async fn get_issue(client: &reqwest::Client, url: &str) -> Result<reqwest::Response, reqwest::Error> {
///     client.get(url).send().await // a 503 is `Ok` here, and retried
/// }
/// ```
pub fn transient_response<R: HttpResponse>(response: &R) -> Verdict {
    let verdict = status_verdict(response.status_code());
    // Only a response that will be retried needs its headers read.
    if !verdict.is_transient() {
        return verdict;
    }
    match hints::from_headers(|name| response.header_bytes(name), SystemTime::now()) {
        Some(hint) => verdict.retry_after(hint),
        None => verdict,
    }
}

/// Passes a response with a status below 400 through, and turns any other
/// into an [`HttpError`] that keeps the status, the server's delay hint
/// (see [`hints`]) and the URL. Use it inside a retried
/// function so `Retry-After` reaches the engine:
///
/// ```ignore
/// #[retry(max_attempts = 3, base_delay = "500ms", jitter)]
/// async fn get_issue(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
///     let response = retry_runtime::http::check(client.get(url).send().await?)?;
///     Ok(response.text().await?)
/// }
/// ```
///
/// A blocking fn does the same with `reqwest::blocking` (feature
/// `reqwest-blocking`):
///
/// ```ignore
/// #[retry(max_attempts = 3, base_delay = "500ms", jitter)]
/// fn get_issue(client: &reqwest::blocking::Client, url: &str) -> Result<String, ApiError> {
///     let response = retry_runtime::http::check(client.get(url).send()?)?;
///     Ok(response.text()?)
/// }
/// ```
pub fn check<R: HttpResponse>(response: R) -> Result<R, HttpError> {
    let status = response.status_code();
    if status < 400 {
        return Ok(response);
    }
    let mut error = HttpError::new(status);
    if let Some(hint) = hints::from_headers(|name| response.header_bytes(name), SystemTime::now()) {
        error = error.with_retry_after(hint);
    }
    if let Some(url) = response.url_text() {
        error = error.with_url(url);
    }
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_in_the_table() {
        assert_eq!(status_verdict(408), Verdict::timeout());
        assert_eq!(status_verdict(429), Verdict::throttled());
        for code in [500, 502, 503, 504, 520, 521, 522, 523, 524, 529] {
            assert_eq!(status_verdict(code), Verdict::server(), "{code}");
        }
        assert_eq!(status_verdict(401), Verdict::auth());
        assert_eq!(status_verdict(403), Verdict::auth());
        for code in [400, 402, 404, 405, 409, 410, 413, 418, 422, 451, 499] {
            assert_eq!(status_verdict(code), Verdict::client(), "{code}");
        }
        for code in [501, 505, 507, 511, 599] {
            assert_eq!(
                status_verdict(code),
                Verdict::permanent().with_kind(Kind::Server),
                "{code}"
            );
        }
        for code in [0, 100, 200, 204, 301, 304, 600, u16::MAX] {
            assert_eq!(status_verdict(code), Verdict::permanent(), "{code}");
        }
    }

    #[test]
    fn hints_only_ride_on_transient_statuses() {
        let hint = Duration::from_secs(5);
        assert_eq!(
            HttpError::new(503).with_retry_after(hint).classify(),
            Verdict::server().retry_after(hint)
        );
        assert_eq!(
            HttpError::new(404).with_retry_after(hint).classify(),
            Verdict::client()
        );
    }

    #[test]
    fn display_says_status_url_and_hint() {
        let error = HttpError::new(503)
            .with_url("http://127.0.0.1/x")
            .with_retry_after(Duration::from_millis(1500));
        assert_eq!(
            error.to_string(),
            "HTTP 503 from http://127.0.0.1/x (retry after 1.5s)"
        );
        assert_eq!(HttpError::new(500).to_string(), "HTTP 500");
    }

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
    fn check_keeps_successes_and_the_hint_of_failures() {
        assert!(check(Canned(200, &[])).is_ok());
        assert!(check(Canned(304, &[])).is_ok());
        let error = check(Canned(503, &[("retry-after", b"3")])).err();
        assert_eq!(
            error,
            Some(HttpError::new(503).with_retry_after(Duration::from_secs(3)))
        );
        let error = check(Canned(429, &[("retry-after", b"\xff")])).err();
        assert_eq!(
            error,
            Some(HttpError::new(429)),
            "an unusable hint is dropped"
        );
    }
}
