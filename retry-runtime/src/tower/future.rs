//! [`ResponseFuture`]: one retried call through the layer, as a state
//! machine: wait for readiness, send, wait for the answer, sleep, again.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use core::time::Duration;

use pin_project_lite::pin_project;

use super::clone::CloneRequest;
use super::layer::Settings;
use crate::engine::{Attempt, Classifier};
use crate::error::TimedOut;
use crate::function_api::BreakerMarker;
use crate::protections::Pass;
use crate::response::ClassifyResponse;
use crate::response::round::{Next, Round};
use crate::timer::{Sleep, Timeout};

pin_project! {
    /// The future of a call through a [`RetryService`](super::RetryService):
    /// the inner service's response or error, after retries.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ResponseFuture<S, Req, Q, C, R, K>
    where
        S: ::tower::Service<Req>,
    {
        // This call's own copy of the service, polled ready before each retry.
        service: S,
        // Before an attempt, the request to send; during one, the copy
        // kept for the next (`None`: it could not be copied).
        request: Option<Req>,
        requests: Q,
        errors: C,
        responses: R,
        round: Round,
        #[pin]
        state: State<S::Future>,
        breaker: PhantomData<fn() -> K>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        // The service is ready: send (the first attempt, readied by the caller).
        Ready,
        // Wait for the service to be ready, then send (a retry).
        Waiting,
        // The pass lives as long as the attempt: dropping the call
        // mid-attempt gives a half-open breaker's probe place back.
        Running { #[pin] future: F, pass: Pass<'static> },
        // `limit`: the timeout, clipped to what remained of the deadline.
        RunningTimed { #[pin] future: Timeout<F>, pass: Pass<'static>, limit: Duration },
        Sleeping { #[pin] sleep: Sleep },
        Done,
    }
}

impl<S, Req, Q, C, R, K> ResponseFuture<S, Req, Q, C, R, K>
where
    S: ::tower::Service<Req>,
    Q: Clone,
    C: Clone,
    R: Clone,
{
    pub(super) fn new(service: S, request: Req, settings: &Settings<Q, C, R>) -> Self {
        Self {
            service,
            request: Some(request),
            requests: settings.requests.clone(),
            errors: settings.errors.clone(),
            responses: settings.responses.clone(),
            round: Round::new(settings.policy, settings.site, settings.guards),
            state: State::Ready,
            breaker: PhantomData,
        }
    }
}

impl<S, Req, Q, C, R, K> Future for ResponseFuture<S, Req, Q, C, R, K>
where
    S: ::tower::Service<Req>,
    S::Error: From<TimedOut>,
    Q: CloneRequest<Req>,
    C: Classifier<S::Error>,
    R: ClassifyResponse<S::Response>,
    K: BreakerMarker<S::Error>,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let (attempt, pass) = match this.state.as_mut().project() {
                StateProj::Waiting => {
                    if let Err(error) = ready!(this.service.poll_ready(cx)) {
                        // tower's contract: a service whose `poll_ready`
                        // failed cannot take requests any more.
                        this.state.set(State::Done);
                        return Poll::Ready(Err(error));
                    }
                    // The retry begins once the service can take it: a
                    // call dropped while waiting gets its budget back.
                    this.round.retry_begins();
                    this.state.set(State::Ready);
                    continue;
                }
                StateProj::Ready => {
                    // No attempt starts once the deadline leaves it no time.
                    let limit = match this.round.attempt_limit() {
                        Ok(limit) => limit,
                        Err(expired) => {
                            this.state.set(State::Done);
                            let error = S::Error::from(expired);
                            return Poll::Ready(Err(this.round.deadline_passed(error)));
                        }
                    };
                    let pass = match this.round.admit_as::<S::Error, K>() {
                        Ok(pass) => pass,
                        Err(rejected) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Err(rejected));
                        }
                    };
                    let Some(request) = this.request.take() else {
                        // A retry is decided only with a copy to send (see
                        // `Round::decide`), and the first attempt has its own.
                        unreachable!("an attempt without a request to send");
                    };
                    *this.request = this.requests.clone_request(&request);
                    let future = this.service.call(request);
                    match limit {
                        Some(limit) => this.state.set(State::RunningTimed {
                            future: crate::timer::timeout(limit, future),
                            pass,
                            limit,
                        }),
                        None => this.state.set(State::Running { future, pass }),
                    }
                    continue;
                }
                StateProj::Running { future, pass } => {
                    let result = ready!(future.poll(cx));
                    (Attempt::Completed(result), core::mem::take(pass))
                }
                StateProj::RunningTimed {
                    future,
                    pass,
                    limit,
                } => {
                    let attempt = match ready!(future.poll(cx)) {
                        Ok(result) => Attempt::Completed(result),
                        Err(_) => Attempt::TimedOut(S::Error::from(TimedOut::new(*limit))),
                    };
                    (attempt, core::mem::take(pass))
                }
                StateProj::Sleeping { sleep } => {
                    ready!(sleep.poll(cx));
                    this.state.set(State::Waiting);
                    continue;
                }
                StateProj::Done => panic!("`ResponseFuture` polled after it completed"),
            };
            let spare = this.request.take();
            match this
                .round
                .decide(pass, attempt, spare, this.errors, this.responses)
            {
                Next::Return(result) => {
                    this.state.set(State::Done);
                    return Poll::Ready(result);
                }
                Next::Retry { delay, request } => {
                    *this.request = Some(request);
                    this.state.set(State::Sleeping {
                        sleep: crate::timer::sleep(delay),
                    });
                }
            }
        }
    }
}

impl<S, Req, Q, C, R, K> fmt::Debug for ResponseFuture<S, Req, Q, C, R, K>
where
    S: ::tower::Service<Req>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Ready => "ready",
            State::Waiting => "waiting for the service",
            State::Running { .. } | State::RunningTimed { .. } => "attempt running",
            State::Sleeping { .. } => "sleeping before a retry",
            State::Done => "done",
        };
        f.debug_struct("ResponseFuture")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}
