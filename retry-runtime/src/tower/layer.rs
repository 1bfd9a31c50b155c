//! [`RetryLayer`]: what the layer is built from, and its builder.

use core::fmt;
use core::marker::PhantomData;

use super::clone::ByClone;
use super::service::RetryService;
use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
use crate::engine::{ByClassify, When};
use crate::function_api::{NoBreaker, WithBreaker};
use crate::protections::Protections;
use core::time::Duration;

use crate::policy::Policy;
use crate::response::{AcceptAll, ByStatus};
use crate::telemetry::CallSite;

/// The name of a layer's calls unless [`RetryLayer::name`] gives one.
pub const DEFAULT_NAME: &str = "tower";

/// A tower [`Layer`](::tower::Layer) that retries the service it wraps
/// with a [`Policy`], and optionally a [`CircuitBreaker`] and a
/// [`RetryBudget`]; see the [module](super) docs.
///
/// Its type parameters are its parts, each set by a builder method:
/// `Q` copies requests ([`clone_requests`](Self::clone_requests)), `C`
/// classifies errors ([`classify_errors`](Self::classify_errors),
/// [`when`](Self::when)), `R` classifies responses
/// ([`classify_responses`](Self::classify_responses),
/// [`accept_responses`](Self::accept_responses)), and `K` marks whether a
/// breaker is set ([`breaker`](Self::breaker)).
pub struct RetryLayer<Q = ByClone, C = ByClassify, R = ByStatus, K = NoBreaker> {
    pub(super) settings: Settings<Q, C, R>,
    pub(super) breaker: PhantomData<fn() -> K>,
}

/// Everything a call needs from its layer; each service holds a copy, and
/// each call clones the classifiers it uses.
#[derive(Clone)]
pub(super) struct Settings<Q, C, R> {
    pub(super) policy: Policy<Option<Duration>>,
    pub(super) site: &'static CallSite,
    pub(super) guards: Protections<'static>,
    pub(super) requests: Q,
    pub(super) errors: C,
    pub(super) responses: R,
}

impl RetryLayer {
    /// A layer retrying with `policy`: requests copied with `Clone`,
    /// errors classified by their [`Classify`](crate::Classify) impl, HTTP
    /// responses by status ([`ByStatus`]), no breaker, no budget, calls
    /// named `"tower"`.
    pub fn new(policy: impl Into<Policy<Option<Duration>>>) -> Self {
        let policy = policy.into();
        Self {
            settings: Settings {
                policy,
                site: CallSite::named(DEFAULT_NAME),
                guards: Protections::new(),
                requests: ByClone,
                errors: ByClassify,
                responses: ByStatus,
            },
            breaker: PhantomData,
        }
    }
}

impl<Q, C, R, K> RetryLayer<Q, C, R, K> {
    /// Names the calls in events, metrics and [`stats`](crate::stats)
    /// (default `"tower"`): one name per upstream, say `"billing.http"`.
    pub fn name(mut self, name: &'static str) -> Self {
        self.settings.site = CallSite::named(name);
        self
    }

    /// Pays for each retry from `budget`; see [`RetryBudget`].
    pub fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.settings.guards = self.settings.guards.budget(budget);
        self
    }

    /// Asks `breaker` before each attempt and reports each outcome to it
    /// (a retried response counts as a failure); while it is open, calls
    /// fail at once with `E::from(Rejected)`, so the service's error type
    /// must implement `From<Rejected>` (a `BoxError` does).
    pub fn breaker(self, breaker: &'static CircuitBreaker) -> RetryLayer<Q, C, R, WithBreaker> {
        let mut settings = self.settings;
        settings.guards = settings.guards.breaker(breaker);
        RetryLayer {
            settings,
            breaker: PhantomData,
        }
    }

    /// Copies requests for retries with `cloner`: a
    /// [`CloneRequest`](super::CloneRequest) such as
    /// [`SendOnce`](super::SendOnce) or a `Fn(&Req) -> Option<Req>`.
    pub fn clone_requests<Q2>(self, cloner: Q2) -> RetryLayer<Q2, C, R, K> {
        self.with(|s| Settings {
            policy: s.policy,
            site: s.site,
            guards: s.guards,
            requests: cloner,
            errors: s.errors,
            responses: s.responses,
        })
    }

    /// Classifies errors with `classifier`, an engine
    /// [`Classifier`](crate::engine::Classifier), instead of their `Classify` impl.
    pub fn classify_errors<C2>(self, classifier: C2) -> RetryLayer<Q, C2, R, K> {
        self.with(|s| Settings {
            policy: s.policy,
            site: s.site,
            guards: s.guards,
            requests: s.requests,
            errors: classifier,
            responses: s.responses,
        })
    }

    /// Retries the errors for which `predicate` returns true (kind
    /// "other"), instead of asking their `Classify` impl.
    pub fn when<P>(self, predicate: P) -> RetryLayer<Q, When<P>, R, K> {
        self.classify_errors(When(predicate))
    }

    /// Classifies responses with `classifier`: a
    /// [`ClassifyResponse`](crate::response::ClassifyResponse) such as a
    /// `Fn(&Response) -> Verdict`. A transient verdict retries the
    /// response, honouring its hint.
    pub fn classify_responses<R2>(self, classifier: R2) -> RetryLayer<Q, C, R2, K> {
        self.with(|s| Settings {
            policy: s.policy,
            site: s.site,
            guards: s.guards,
            requests: s.requests,
            errors: s.errors,
            responses: classifier,
        })
    }

    /// Retries no response, only errors: for services whose responses are
    /// not HTTP ([`ByStatus`], the default, classifies HTTP responses only).
    pub fn accept_responses(self) -> RetryLayer<Q, C, AcceptAll, K> {
        self.classify_responses(AcceptAll)
    }

    fn with<Q2, C2, R2>(
        self,
        change: impl FnOnce(Settings<Q, C, R>) -> Settings<Q2, C2, R2>,
    ) -> RetryLayer<Q2, C2, R2, K> {
        RetryLayer {
            settings: change(self.settings),
            breaker: PhantomData,
        }
    }
}

impl<S, Q: Clone, C: Clone, R: Clone, K> ::tower::Layer<S> for RetryLayer<Q, C, R, K> {
    type Service = RetryService<S, Q, C, R, K>;

    fn layer(&self, inner: S) -> Self::Service {
        RetryService::new(inner, self.settings.clone())
    }
}

impl<Q: Clone, C: Clone, R: Clone, K> Clone for RetryLayer<Q, C, R, K> {
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            breaker: PhantomData,
        }
    }
}

impl<Q, C, R, K> fmt::Debug for RetryLayer<Q, C, R, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.fmt(f)
    }
}

impl<Q, C, R> fmt::Debug for Settings<Q, C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("name", &self.site.name())
            .field("policy", &self.policy)
            .field("guards", &self.guards)
            .finish_non_exhaustive()
    }
}
