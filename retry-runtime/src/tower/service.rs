//! [`RetryService`]: the service the layer makes.

use core::fmt;
use core::marker::PhantomData;
use core::mem;
use core::task::{Context, Poll};

use super::clone::CloneRequest;
use super::future::ResponseFuture;
use super::layer::Settings;
use crate::engine::Classifier;
use crate::error::TimedOut;
use crate::function_api::BreakerMarker;
use crate::response::ClassifyResponse;

/// A service that retries the one it wraps; made by
/// [`RetryLayer`](super::RetryLayer).
///
/// Its error type is the inner service's, which must implement
/// `From<TimedOut>` (the policy may carry a per-attempt timeout) and, with
/// a breaker, `From<Rejected>`: a `BoxError` implements both, so an inner
/// service whose error is neither can be wrapped in
/// `MapErr(BoxError::from)`, as tower's own middleware expects.
pub struct RetryService<S, Q, C, R, K> {
    inner: S,
    settings: Settings<Q, C, R>,
    breaker: PhantomData<fn() -> K>,
}

impl<S, Q, C, R, K> RetryService<S, Q, C, R, K> {
    pub(super) fn new(inner: S, settings: Settings<Q, C, R>) -> Self {
        Self {
            inner,
            settings,
            breaker: PhantomData,
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Req, Q, C, R, K> ::tower::Service<Req> for RetryService<S, Q, C, R, K>
where
    S: ::tower::Service<Req> + Clone,
    S::Error: From<TimedOut>,
    Q: CloneRequest<Req> + Clone,
    C: Classifier<S::Error> + Clone,
    R: ClassifyResponse<S::Response> + Clone,
    K: BreakerMarker<S::Error>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, Req, Q, C, R, K>;

    /// The inner service's readiness: the first attempt is sent on it.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        // The service made ready goes with the call and a clone stays
        // behind (tower's pattern): the call polls its copy ready again
        // before each retry.
        let clone = self.inner.clone();
        let ready = mem::replace(&mut self.inner, clone);
        ResponseFuture::new(ready, request, &self.settings)
    }
}

impl<S: Clone, Q: Clone, C: Clone, R: Clone, K> Clone for RetryService<S, Q, C, R, K> {
    fn clone(&self) -> Self {
        Self::new(self.inner.clone(), self.settings.clone())
    }
}

impl<S: fmt::Debug, Q, C, R, K> fmt::Debug for RetryService<S, Q, C, R, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryService")
            .field("inner", &self.inner)
            .field("settings", &self.settings)
            .finish()
    }
}
