//! Which requests may be sent twice: [`Replay`].

use http::{HeaderName, Method};

/// The header that marks a request as safe to send again, unless
/// [`RetryMiddleware::idempotency_header`](super::RetryMiddleware::idempotency_header)
/// names another: `Idempotency-Key` (IETF draft
/// `draft-ietf-httpapi-idempotency-key-header`; Stripe's and others').
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Which requests a retry may send again.
#[derive(Clone, Debug)]
pub(super) struct Replay {
    /// The header whose presence makes any method replayable.
    pub(super) key: HeaderName,
    /// Every method replayable, key or not (the user opted in).
    pub(super) any_method: bool,
}

impl Default for Replay {
    fn default() -> Self {
        Self {
            key: IDEMPOTENCY_KEY,
            any_method: false,
        }
    }
}

impl Replay {
    /// Whether `request` may be sent again: its method is idempotent
    /// (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT, DELETE), it
    /// carries the idempotency key, or the user opted in for every method.
    pub(super) fn allows(&self, request: &reqwest::Request) -> bool {
        self.any_method
            || is_idempotent(request.method())
            || request.headers().contains_key(&self.key)
    }
}

/// RFC 9110's idempotent methods. POST, PATCH, CONNECT and extension
/// methods are not: sending one twice may do its work twice.
fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> reqwest::Request {
        let url = reqwest::Url::parse("http://127.0.0.1/x").expect("valid");
        let mut request = reqwest::Request::new(method, url);
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("valid");
            let value = http::HeaderValue::from_str(value).expect("valid");
            request.headers_mut().insert(name, value);
        }
        request
    }

    #[test]
    fn idempotent_methods_replay_and_others_need_the_key() {
        let replay = Replay::default();
        for method in ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] {
            let method = Method::from_bytes(method.as_bytes()).expect("valid");
            assert!(replay.allows(&request(method.clone(), &[])), "{method}");
        }
        for method in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!replay.allows(&request(method.clone(), &[])), "{method}");
            assert!(
                replay.allows(&request(method.clone(), &[("Idempotency-Key", "k1")])),
                "{method} with a key"
            );
        }
    }

    #[test]
    fn the_key_header_is_configurable_and_every_method_can_be_allowed() {
        let custom = Replay {
            key: HeaderName::from_static("x-request-id"),
            any_method: false,
        };
        assert!(custom.allows(&request(Method::POST, &[("X-Request-Id", "7")])));
        assert!(!custom.allows(&request(Method::POST, &[("Idempotency-Key", "7")])));
        let any = Replay {
            any_method: true,
            ..Replay::default()
        };
        assert!(any.allows(&request(Method::POST, &[])));
    }
}
