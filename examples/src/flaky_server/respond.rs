//! The server's one handler: count the request, then answer as the path's
//! plan says.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::http::{HeaderValue, StatusCode};
use hyper::{Request, Response};

use super::log::RequestLog;
use super::plan::{Fault, Hints, Plan};

/// The error that makes hyper close the connection without an answer: the
/// client sees the connection end mid-request.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// Answers one request.
pub async fn respond(
    log: Arc<RequestLog>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let path = request.uri().path().to_owned();
    // Counted before anything can fail: the count is what reached the server.
    let (n, since) = log.record(&path);
    let plan = match Plan::parse(request.uri().query().unwrap_or("")) {
        Ok(plan) => plan,
        Err(bad) => return Ok(text(StatusCode::BAD_REQUEST, bad.to_string())),
    };
    // The attempt number a retrying client sends (`x-retry-attempt`, as
    // the demo's clients do), echoed in the answer: a server could shed
    // retries first under load. A value that is not a number is ignored.
    let attempt = request
        .headers()
        .get("x-retry-attempt")
        .and_then(|value| value.to_str().ok()?.parse::<u32>().ok());
    let ok = || {
        let body = match attempt {
            Some(attempt) => format!("ok: request {n} to {path} (x-retry-attempt: {attempt})"),
            None => format!("ok: request {n} to {path}"),
        };
        text(StatusCode::OK, body)
    };
    match plan.fault_for(n, since) {
        None => Ok(ok()),
        Some(Fault::Status(code)) => {
            let Ok(status) = StatusCode::from_u16(code) else {
                return Ok(text(StatusCode::BAD_REQUEST, format!("no status {code}")));
            };
            let body = format!("fault: {code} on request {n} to {path}");
            Ok(with_hints(text(status, body), plan.hints))
        }
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(ok())
        }
        Some(Fault::Drop) => Err(Dropped),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

fn with_hints(mut response: Response<Full<Bytes>>, hints: Hints) -> Response<Full<Bytes>> {
    let headers = response.headers_mut();
    if let Some(seconds) = hints.retry_after {
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    if let Some(ms) = hints.retry_after_ms {
        headers.insert("retry-after-ms", HeaderValue::from(ms));
    }
    if let Some(offset) = hints.retry_after_date {
        let date = http_date(offset);
        // An HTTP-date is plain ASCII: this never fails.
        if let Ok(value) = HeaderValue::from_str(&date) {
            headers.insert("retry-after", value);
        }
    }
    response
}

/// An HTTP-date `offset` seconds from now (in the past when negative).
fn http_date(offset: i64) -> String {
    let now = SystemTime::now();
    let shift = Duration::from_secs(offset.unsigned_abs());
    let at = if offset >= 0 {
        now.checked_add(shift)
    } else {
        now.checked_sub(shift)
    };
    httpdate::fmt_http_date(at.unwrap_or(now))
}
