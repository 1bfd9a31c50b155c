//! [`CloneRequest`]: how the layer keeps a copy of a request to send
//! again, and what happens when it cannot.

/// Makes the copy of a request that a retry sends. `None` means "this
/// request cannot be sent again": the attempt still runs, once, and it is
/// the call's last — no retry, no panic. The breaker and telemetry still
/// see it, and its result (a 503 response included) is returned as is.
///
/// Implemented by [`ByClone`] (the default: any `Req: Clone`), [`SendOnce`]
/// (never retry) and any `Fn(&Req) -> Option<Req>`:
///
/// - `http::Request<B>` is `Clone` when its body is: `Full<Bytes>`,
///   `Empty<Bytes>`, `String`, `Vec<u8>`, `Bytes` are; a streaming body
///   (hyper's `Incoming`, axum's `Body`) is not, so a layer over such
///   requests needs a closure or [`SendOnce`];
/// - `reqwest::Request` (reqwest's client is a tower `Service`) clones
///   when its body is not a stream: `|request: &reqwest::Request| request.try_clone()`.
///
/// ```
/// use retry_runtime::tower::{ByClone, CloneRequest, SendOnce};
///
/// assert_eq!(ByClone.clone_request(&String::from("GET /")), Some(String::from("GET /")));
/// assert_eq!(CloneRequest::<String>::clone_request(&SendOnce, &String::from("GET /")), None);
/// // Only small requests are kept for a retry.
/// let small = |request: &Vec<u8>| (request.len() <= 4).then(|| request.clone());
/// assert_eq!(small.clone_request(&vec![1, 2]), Some(vec![1, 2]));
/// assert_eq!(small.clone_request(&vec![0; 64]), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot copy requests of type `{Req}` for a retry",
    label = "`{Req}` is not `Clone`",
    note = "give the layer a way to copy them: `.clone_requests(|request: &{Req}| ...)` returning `Option<{Req}>` (`None`: sent once, not retried)",
    note = "or send every request once: `.clone_requests(SendOnce)`"
)]
pub trait CloneRequest<Req> {
    /// A copy of `request` for the next attempt, or `None` if it cannot be
    /// sent again.
    fn clone_request(&self, request: &Req) -> Option<Req>;
}

/// Copies requests with `Clone` (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByClone;

impl<Req: Clone> CloneRequest<Req> for ByClone {
    fn clone_request(&self, request: &Req) -> Option<Req> {
        Some(request.clone())
    }
}

/// Copies nothing: every request is sent once. Errors and responses still
/// go through the breaker, the budget's refunds and telemetry.
#[derive(Clone, Copy, Debug, Default)]
pub struct SendOnce;

impl<Req> CloneRequest<Req> for SendOnce {
    fn clone_request(&self, _: &Req) -> Option<Req> {
        None
    }
}

impl<Req, F: Fn(&Req) -> Option<Req>> CloneRequest<Req> for F {
    fn clone_request(&self, request: &Req) -> Option<Req> {
        self(request)
    }
}
