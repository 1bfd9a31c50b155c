//! [`RetryBudget`]: a token bucket shared by many calls that bounds how much
//! extra load their retries add when a service is failing.

use core::fmt;

use crate::classify::Kind;
use crate::sync::{AtomicU32, Ordering};

/// A token bucket that pays for retries, in the shape of the AWS SDKs'
/// "standard" retry mode.
///
/// The bucket starts full. Every retry takes [`retry_cost`](Self::retry_cost)
/// tokens (a retry after a timeout takes [`timeout_cost`](Self::timeout_cost));
/// when the tokens are not there, the retry does not happen and the call
/// returns its last error. A call that succeeds on its first try puts
/// [`first_try_refund`](Self::first_try_refund) token back; a call that
/// succeeds on a retry puts back what that retry cost. The bucket never
/// holds more than its capacity.
///
/// So while a service fails every call, the callers sharing a budget make at
/// most `capacity / retry_cost` retries in all (100 with the defaults), then
/// no more until successes refill it: retries cannot multiply the load on a
/// service that is down.
///
/// `new` and the builders are `const fn`, so a budget is a plain `static`
/// with no lazy initialisation; it is lock-free and shared by reference:
///
/// ```
/// use retry_runtime::{RetryBudget, retry};
///
/// static FORGE_BUDGET: RetryBudget = RetryBudget::new().capacity(100);
///
/// #[retry(max_attempts = 3, budget = FORGE_BUDGET)]
/// async fn fetch() -> Result<u32, std::io::Error> {
///     Ok(1)
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(fetch().await.unwrap(), 1);
/// assert_eq!(FORGE_BUDGET.available(), 100);
/// # }
/// ```
///
/// Any values are accepted: a capacity of 0 (or a cost above the capacity)
/// allows no retry at all, a cost of 0 makes retries free.
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    first_try_refund: u32,
    // Tokens taken out, not tokens left: the initial value is then 0 for any
    // capacity, so the builders never have to touch the atomic.
    spent: AtomicU32,
}

/// What a call has paid for its latest retry; the engine refunds it if that
/// retry succeeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Paid {
    #[default]
    Nothing,
    Retry,
    TimeoutRetry,
}

impl RetryBudget {
    /// A full bucket of 500 tokens; a retry costs 5, a retry after a timeout
    /// 10, a first-try success refunds 1 (the AWS SDK defaults).
    #[cfg(not(all(test, loom)))]
    pub const fn new() -> Self {
        Self::with_spent(AtomicU32::new(0))
    }

    /// `new` under loom, whose atomics cannot be built in a `const fn`.
    #[cfg(all(test, loom))]
    pub fn new() -> Self {
        Self::with_spent(AtomicU32::new(0))
    }

    const fn with_spent(spent: AtomicU32) -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
            first_try_refund: 1,
            spent,
        }
    }

    /// The most tokens the bucket holds, and how many it starts with.
    pub const fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// Tokens one retry takes (any failure but a timeout).
    pub const fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// Tokens one retry after a timeout ([`Kind::Timeout`]) takes: a
    /// timed-out service is the likeliest to be overloaded.
    pub const fn timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    /// Tokens a call that succeeds on its first try puts back.
    pub const fn first_try_refund(mut self, tokens: u32) -> Self {
        self.first_try_refund = tokens;
        self
    }

    /// Tokens in the bucket now, between 0 and the capacity.
    pub fn available(&self) -> u32 {
        self.capacity
            .saturating_sub(self.spent.load(Ordering::Relaxed))
    }

    /// Takes the cost of a retry after a failure of `kind`; `Nothing` when
    /// the bucket cannot pay, and then no retry may happen.
    pub(crate) fn withdraw(&self, kind: Kind) -> Paid {
        let (cost, paid) = match kind {
            Kind::Timeout => (self.timeout_cost, Paid::TimeoutRetry),
            _ => (self.retry_cost, Paid::Retry),
        };
        // The bucket guards no other memory: relaxed ordering suffices.
        let mut spent = self.spent.load(Ordering::Relaxed);
        loop {
            let Some(after) = spent.checked_add(cost).filter(|t| *t <= self.capacity) else {
                return Paid::Nothing;
            };
            match self.spent.compare_exchange_weak(
                spent,
                after,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return paid,
                Err(actual) => spent = actual,
            }
        }
    }

    /// Puts back what `paid` took.
    pub(crate) fn refund(&self, paid: Paid) {
        let tokens = match paid {
            Paid::Nothing => return,
            Paid::Retry => self.retry_cost,
            Paid::TimeoutRetry => self.timeout_cost,
        };
        self.deposit(tokens);
    }

    /// Puts back the refund of a first-try success.
    pub(crate) fn first_try_succeeded(&self) {
        self.deposit(self.first_try_refund);
    }

    fn deposit(&self, tokens: u32) {
        let mut spent = self.spent.load(Ordering::Relaxed);
        loop {
            // A full bucket stays full without a write: the common success
            // path then never contends on the shared cache line.
            if spent == 0 || tokens == 0 {
                return;
            }
            let after = spent.saturating_sub(tokens);
            match self.spent.compare_exchange_weak(
                spent,
                after,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => spent = actual,
            }
        }
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("capacity", &self.capacity)
            .field("retry_cost", &self.retry_cost)
            .field("timeout_cost", &self.timeout_cost)
            .field("first_try_refund", &self.first_try_refund)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn withdrawals_stop_at_empty_and_refunds_at_full() {
        let budget = RetryBudget::new().capacity(12);
        assert_eq!(budget.withdraw(Kind::Server), Paid::Retry);
        assert_eq!(budget.withdraw(Kind::Network), Paid::Retry);
        assert_eq!(budget.available(), 2);
        assert_eq!(budget.withdraw(Kind::Server), Paid::Nothing);
        assert_eq!(budget.available(), 2, "a refused withdrawal takes nothing");
        budget.refund(Paid::Retry);
        assert_eq!(budget.available(), 7);
        budget.refund(Paid::TimeoutRetry);
        assert_eq!(budget.available(), 12, "never above capacity");
        budget.first_try_succeeded();
        assert_eq!(budget.available(), 12);
    }

    #[test]
    fn timeouts_cost_more() {
        let budget = RetryBudget::new();
        assert_eq!(budget.withdraw(Kind::Timeout), Paid::TimeoutRetry);
        assert_eq!(budget.available(), 490);
        budget.first_try_succeeded();
        assert_eq!(budget.available(), 491);
    }

    #[test]
    fn out_of_range_values_are_sane() {
        let empty = RetryBudget::new().capacity(0);
        assert_eq!(empty.withdraw(Kind::Server), Paid::Nothing);
        let free = RetryBudget::new().retry_cost(0).capacity(0);
        assert_eq!(free.withdraw(Kind::Server), Paid::Retry);
        let dear = RetryBudget::new().retry_cost(u32::MAX);
        assert_eq!(dear.withdraw(Kind::Server), Paid::Nothing);
        assert_eq!(dear.available(), 500);
    }
}
