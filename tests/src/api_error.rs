//! The error of an HTTP API client, as the tests' clients return it: one
//! `#[derive(Classify)]`, no hand-written impl, and a checked GET.

use std::time::Duration;

use retry_runtime::http::{HttpError, check};
use retry_runtime::{Classify, Rejected, TimedOut};

/// What a reqwest client of an HTTP API returns.
#[derive(Debug, thiserror::Error, Classify)]
pub enum ApiError {
    /// An error status, with its `Retry-After` hint.
    #[error(transparent)]
    #[classify(source)]
    Http(#[from] HttpError),
    /// reqwest failed: connect, timeout, a dropped connection, the body.
    #[error(transparent)]
    #[classify(source)]
    Transport(#[from] reqwest::Error),
    /// An I/O error outside reqwest.
    #[error(transparent)]
    #[classify(source)]
    Io(#[from] std::io::Error),
    /// An attempt ran past the policy's timeout.
    #[error(transparent)]
    #[classify(source)]
    TimedOut(#[from] TimedOut),
    /// A circuit breaker refused the call.
    #[error(transparent)]
    #[classify(permanent)]
    Rejected(#[from] Rejected),
}

impl ApiError {
    /// The HTTP status, for an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http(error) => Some(error.status()),
            _ => None,
        }
    }

    /// The server's delay hint, for an error status that carried one.
    pub fn hint(&self) -> Option<Duration> {
        match self {
            ApiError::Http(error) => error.hint(),
            _ => None,
        }
    }
}

/// GETs `url` and returns the body, turning an error status into
/// [`ApiError::Http`] with its hint (see `retry_runtime::http::check`).
pub async fn get_text(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    let response = check(client.get(url).send().await?)?;
    Ok(response.text().await?)
}
