//! What a call shares with every other call to the same service (a
//! circuit breaker, a retry budget, an adaptive rate limiter), and the
//! pass one attempt carries from admission to decision.

use crate::breaker::{CircuitBreaker, Permit};
use crate::budget::RetryBudget;
use crate::rate_limit::AdaptiveRateLimiter;

/// The shared protections of a call: a circuit breaker, a retry budget
/// and an adaptive rate limiter, each optional. `Copy`; build one per call site.
///
/// ```
/// use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget};
/// use retry_runtime::engine::Protections;
///
/// static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("api"));
/// static BUDGET: RetryBudget = RetryBudget::new();
///
/// let guards = Protections::new().breaker(&BREAKER).budget(&BUDGET);
/// # let _ = guards;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Protections<'a> {
    pub(crate) breaker: Option<&'a CircuitBreaker>,
    pub(crate) budget: Option<&'a RetryBudget>,
    pub(crate) rate_limiter: Option<&'a AdaptiveRateLimiter>,
}

impl<'a> Protections<'a> {
    /// No breaker, no budget, no rate limiter.
    pub const fn new() -> Self {
        Self {
            breaker: None,
            budget: None,
            rate_limiter: None,
        }
    }

    /// Asks `breaker` before each attempt and reports each outcome to it.
    pub const fn breaker(mut self, breaker: &'a CircuitBreaker) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Pays for each retry from `budget`, and refunds it on success.
    pub const fn budget(mut self, budget: &'a RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Paces every attempt, the first included, through `limiter`, and
    /// tells it each answer; see
    /// [`CallState::pace`](crate::engine::CallState::pace).
    pub const fn rate_limiter(mut self, limiter: &'a AdaptiveRateLimiter) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }
}

/// One attempt's admission: the breaker's permit, if there is a breaker,
/// and the budget to settle with. Get it from
/// [`CallState::start_attempt`](crate::engine::CallState::start_attempt) before the attempt, hand it
/// to [`CallState::decide_with`](crate::engine::CallState::decide_with) after.
///
/// Dropping it instead (the attempt was cancelled or panicked) gives a
/// half-open breaker's probe place back.
#[derive(Debug, Default)]
pub struct Pass<'a> {
    pub(crate) permit: Option<Permit<'a>>,
    pub(crate) budget: Option<&'a RetryBudget>,
}

impl<'a> Pass<'a> {
    /// The pass of a call with a budget and no breaker: nothing to ask
    /// before the attempt, so it can be made after it.
    pub const fn budget(budget: &'a RetryBudget) -> Self {
        Self {
            permit: None,
            budget: Some(budget),
        }
    }
}
