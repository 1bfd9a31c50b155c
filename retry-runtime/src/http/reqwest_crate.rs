//! `Classify` for `reqwest::Error` (async and blocking clients return the
//! same error type), and [`HttpResponse`] for `reqwest::Response` and, with
//! the `reqwest-blocking` feature, `reqwest::blocking::Response`.

use std::error::Error as _;

use super::{HttpResponse, status_verdict};
use crate::classify::{Classify, Verdict, classify_chain};

/// Timeouts are transient (kind timeout); failures to connect, and failures
/// while sending a request (a connection reset or closed before the
/// response), are transient (kind network); status errors (from
/// `error_for_status`) follow the status table; body and decode errors,
/// responses that are not valid HTTP (a bad version or status line, a bad
/// header, a head past hyper's limits), redirect loops and bad requests are
/// permanent.
///
/// `error_for_status` drops the response's headers, so its errors carry no
/// `Retry-After`: use [`check`](super::check) to keep it.
impl Classify for reqwest::Error {
    fn classify(&self) -> Verdict {
        if self.is_timeout() {
            return Verdict::timeout();
        }
        if self.is_connect() {
            return Verdict::network();
        }
        if let Some(status) = self.status() {
            return status_verdict(status.as_u16());
        }
        if self.is_body() || self.is_decode() || self.is_builder() || self.is_redirect() {
            return Verdict::permanent();
        }
        if is_malformed_response(self) {
            // A server that answers garbage answers the same garbage to an
            // immediate retry. Kind other, like a body that cannot be
            // decoded: the request was fine, so it is not a client error.
            return Verdict::permanent();
        }
        if self.is_request() {
            // An I/O error underneath says more (a refused connection is
            // network, an invalid input is not); otherwise the request
            // failed on its way out or before the answer: network.
            let underneath = self.source().map(classify_chain);
            return match underneath {
                Some(verdict) if verdict != Verdict::permanent() => verdict,
                _ => Verdict::network(),
            };
        }
        self.source().map_or(Verdict::permanent(), classify_chain)
    }
}

/// Whether hyper refused to parse what the server sent back. reqwest puts
/// hyper's error a few sources down its chain (under hyper-util's), so the
/// whole chain is searched. A connection closed before the answer completed
/// is hyper's "incomplete message", not a parse error: it stays network.
fn is_malformed_response(error: &reqwest::Error) -> bool {
    std::iter::successors(error.source(), |e| (*e).source())
        .filter_map(|e| e.downcast_ref::<hyper::Error>())
        .any(hyper::Error::is_parse)
}

impl HttpResponse for reqwest::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers().get(name).map(http::HeaderValue::as_bytes)
    }

    fn url_text(&self) -> Option<String> {
        Some(self.url().to_string())
    }
}

#[cfg(feature = "reqwest-blocking")]
impl HttpResponse for reqwest::blocking::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers().get(name).map(http::HeaderValue::as_bytes)
    }

    fn url_text(&self) -> Option<String> {
        Some(self.url().to_string())
    }
}
