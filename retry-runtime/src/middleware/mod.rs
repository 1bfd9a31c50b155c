//! A reqwest middleware (feature `reqwest-middleware`): [`RetryMiddleware`]
//! retries requests sent through a `reqwest_middleware::ClientWithMiddleware`
//! with a [`Policy`], and optionally a [`CircuitBreaker`] and a
//! [`RetryBudget`], honouring the server's `Retry-After` and
//! `retry-after-ms` (up to the policy's `max_retry_after`).
//!
//! ```no_run
//! use std::time::Duration;
//! use retry_runtime::Policy;
//! use retry_runtime::middleware::RetryMiddleware;
//!
//! # async fn run() -> Result<(), reqwest_middleware::Error> {
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(RetryMiddleware::new(Policy::new().base_delay(Duration::from_millis(500))).name("forge.http"))
//!     .build();
//! let issue = client.get("http://127.0.0.1:8080/issues/7").send().await?;
//! # let _ = issue; Ok(()) }
//! ```
//!
//! What each request gets:
//!
//! - **Results.** Transport errors are classified by
//!   [`Classify`](crate::Classify) for `reqwest::Error` (a refused, reset or
//!   closed connection and a timeout are transient); responses by status
//!   ([`ByStatus`]: 408, 429, 500, 502, 503, 504, 520–524, 529 retried, with
//!   their delay hint). When the attempts run out on a retried response,
//!   that response is returned, not an error.
//! - **Which requests are sent again.** Only what is safe to send twice:
//!   the idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), and a
//!   POST, PATCH or other method only when it carries an `Idempotency-Key`
//!   header ([`idempotency_header`](RetryMiddleware::idempotency_header)
//!   names another) or the user opted in
//!   ([`retry_any_method`](RetryMiddleware::retry_any_method)). Replaying a
//!   POST after a 5xx can create a second payment, token or billed job.
//! - **Bodies that cannot be copied.** A request whose body is a stream
//!   (`reqwest::Request::try_clone` returns `None`) is sent once and its
//!   result returned: no retry, never a panic.
//! - A request that is not sent again still goes through the breaker and
//!   telemetry: its one attempt is the call's last.
//! - **Errors the middleware adds** are `reqwest_middleware::Error::Middleware`
//!   holding a [`Rejected`](crate::Rejected) (the breaker is open) or a
//!   [`TimedOut`] (the policy's per-attempt `timeout`, or its deadline).
//! - **Deadline.** A policy's [`deadline`](crate::Policy::deadline) bounds
//!   the whole call, as in the function API: each attempt's timeout is
//!   clipped to what remains of it, no retry is made whose sleep would
//!   leave less than `min_attempt_time` of it (the call ends with the last
//!   answer), and when less than that remains before the first attempt the
//!   request is not sent: the call ends with a `TimedOut`.

mod classify;
mod replay;

pub use replay::IDEMPOTENCY_KEY;

use http::{Extensions, HeaderName};
use reqwest::{Request, Response};
use reqwest_middleware::{Error, Next};

use self::replay::Replay;
use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
use crate::engine::{Attempt, ByClassify};
use crate::error::TimedOut;
use crate::protections::Protections;
use core::time::Duration;

use crate::policy::Policy;
use crate::response::round::{Next as Then, Round};
use crate::response::{ByStatus, ClassifyResponse};
use crate::telemetry::CallSite;

/// The name of the middleware's calls unless [`RetryMiddleware::name`]
/// gives one.
pub const DEFAULT_NAME: &str = "reqwest-middleware";

/// A `reqwest_middleware::Middleware` that retries; see the
/// [module](self) docs. `R` classifies responses: [`ByStatus`] unless
/// [`classify_responses`](Self::classify_responses) gives another.
#[derive(Clone, Debug)]
pub struct RetryMiddleware<R = ByStatus> {
    policy: Policy<Option<Duration>>,
    site: &'static CallSite,
    guards: Protections<'static>,
    replay: Replay,
    responses: R,
}

impl RetryMiddleware {
    /// Retries with `policy`: responses by status, idempotent methods (and
    /// requests with an `Idempotency-Key`) only, no breaker, no budget,
    /// calls named `"reqwest-middleware"`.
    pub fn new(policy: impl Into<Policy<Option<Duration>>>) -> Self {
        let policy = policy.into();
        Self {
            policy,
            site: CallSite::named(DEFAULT_NAME),
            guards: Protections::new(),
            replay: Replay::default(),
            responses: ByStatus,
        }
    }
}

impl<R> RetryMiddleware<R> {
    /// Names the calls in events, metrics and [`stats`](crate::stats)
    /// (default `"reqwest-middleware"`): one name per API, say `"forge.http"`.
    pub fn name(mut self, name: &'static str) -> Self {
        self.site = CallSite::named(name);
        self
    }

    /// Asks `breaker` before each attempt and reports each outcome to it (a
    /// retried response counts as a failure); while it is open, requests
    /// fail at once with a [`Rejected`](crate::Rejected) error.
    pub fn breaker(mut self, breaker: &'static CircuitBreaker) -> Self {
        self.guards = self.guards.breaker(breaker);
        self
    }

    /// Pays for each retry from `budget`; see [`RetryBudget`].
    pub fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.guards = self.guards.budget(budget);
        self
    }

    /// The header whose presence makes a POST, PATCH or any other method
    /// safe to send again (default [`IDEMPOTENCY_KEY`], `Idempotency-Key`).
    pub fn idempotency_header(mut self, header: HeaderName) -> Self {
        self.replay.key = header;
        self
    }

    /// Sends any method again, idempotency key or not: for APIs whose POSTs
    /// are idempotent by design (a search, a query). Off by default.
    pub fn retry_any_method(mut self) -> Self {
        self.replay.any_method = true;
        self
    }

    /// Classifies responses with `classifier`, a
    /// [`ClassifyResponse`] such as a `Fn(&reqwest::Response) -> Verdict`.
    pub fn classify_responses<R2>(self, classifier: R2) -> RetryMiddleware<R2> {
        RetryMiddleware {
            policy: self.policy,
            site: self.site,
            guards: self.guards,
            replay: self.replay,
            responses: classifier,
        }
    }

    /// The copy of `request` a retry would send, if it may be sent again.
    fn spare(&self, allowed: bool, request: &Request) -> Option<Request> {
        if allowed { request.try_clone() } else { None }
    }
}

#[async_trait::async_trait]
impl<R> reqwest_middleware::Middleware for RetryMiddleware<R>
where
    R: ClassifyResponse<Response> + Send + Sync + 'static,
{
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let allowed = self.replay.allows(&request);
        let mut round = Round::new(self.policy, self.site, self.guards);
        let mut request = request;
        loop {
            // No attempt starts once the deadline leaves it no time.
            let limit = match round.attempt_limit() {
                Ok(limit) => limit,
                Err(expired) => return Err(round.deadline_passed(Error::middleware(expired))),
            };
            let pass = round.start_attempt().map_err(Error::middleware)?;
            let spare = self.spare(allowed, &request);
            let sent = next.clone().run(request, extensions);
            let attempt = match limit {
                None => Attempt::Completed(sent.await),
                Some(limit) => match crate::timer::timeout(limit, sent).await {
                    Ok(result) => Attempt::Completed(result),
                    Err(_) => Attempt::TimedOut(Error::middleware(TimedOut::new(limit))),
                },
            };
            match round.decide(pass, attempt, spare, &mut ByClassify, &self.responses) {
                Then::Return(result) => return result,
                Then::Retry {
                    delay,
                    request: again,
                } => {
                    crate::timer::sleep(delay).await;
                    round.retry_begins();
                    request = again;
                }
            }
        }
    }
}
