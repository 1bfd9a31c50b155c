//! [`Policy`]: how one call is retried, as plain data with `const fn` builders.

use core::time::Duration;

use crate::backoff::{Delays, Jitter};
use crate::timeout::{AttemptTimeout, NoTimeout};

/// How a call is retried: how many attempts, how long to wait between them,
/// and which limits end the retrying early.
///
/// A `Policy` is plain `Copy` data built with `const fn` methods, so a
/// per-API policy can be a `const` or a `static`:
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Jitter, Policy};
///
/// const FORGE_API: Policy = Policy::new()
///     .max_attempts(3)
///     .base_delay(Duration::from_secs(1))
///     .jitter(Jitter::Full);
///
/// assert_eq!(FORGE_API.max_attempts, 3);
/// assert_eq!(FORGE_API.max_delay, Duration::from_secs(30)); // the default cap
/// ```
///
/// The builders accept any value and never panic. Out-of-range values are
/// clamped when the policy is used (zero attempts act as one, a multiplier
/// below 1.0 or NaN acts as 1.0); [`Policy::validate`] reports them as typed
/// errors for policies that come from configuration.
///
/// # In a configuration file (the `serde` feature)
///
/// With the `serde` feature, a `Policy` is `Serialize` and `Deserialize` as
/// a table of the attribute's keys, durations written as strings:
///
/// ```toml
/// max_attempts = 5
/// base_delay = "500ms"
/// max_delay = "30s"
/// multiplier = 2.0
/// jitter = "full"          # "none" | "full" | "equal" | "decorrelated"
/// max_elapsed = "2m"       # optional
/// timeout = "10s"          # optional
/// deadline = "30s"         # optional
/// min_attempt_time = "5ms"
/// max_retry_after = "60s"
/// ```
///
/// Every key is optional (the default is [`Policy::new`]'s value); an
/// unknown key, a bad duration or a value [`validate`](Self::validate)
/// rejects is a deserialization error naming the key. Named per-API
/// policies (`[forge_api]`, `[llm_api]`, ...) load as a
/// `HashMap<String, Policy>` or `BTreeMap<String, Policy>`.
///
/// # Whether attempts time out is in the type
///
/// `Policy` is `Policy<NoTimeout>`: no per-attempt timeout, so it retries
/// calls of any error type. [`timeout`](Policy::timeout) makes a
/// `Policy<Duration>`, whose attempts end after that long as
/// `E::from(TimedOut)`, so its error type must implement
/// `From<TimedOut>`: a compile error at the `policy` key (or at the
/// `.retry` call) says so when it does not. A policy read from a file is a
/// `Policy<Option<Duration>>`, its timeout known only at run time: it needs
/// `From<TimedOut>` too, unless [`untimed`](Policy::untimed) drops the
/// timeout.
///
/// A [`deadline`](Policy::deadline) bounds attempts too (each is clipped to
/// what remains of it), so it makes a `Policy` a `Policy<Option<Duration>>`:
/// its error type must say "timed out" as well.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Policy<Timeout = NoTimeout> {
    /// Total calls, the first included: `1` means no retry. Default 3.
    pub max_attempts: u32,
    /// The first retry's delay, before jitter. Default 1 s.
    pub base_delay: Duration,
    /// Cap on any single computed delay, jitter included. Default 30 s.
    pub max_delay: Duration,
    /// Growth of the delay per retry. Default 2.0.
    pub multiplier: f64,
    /// How delays are spread. Default [`Jitter::None`].
    pub jitter: Jitter,
    /// No retry starts whose delay would end past this much time since the
    /// call began. Default: no limit.
    pub max_elapsed: Option<Duration>,
    /// Per-attempt timeout (async calls only): [`NoTimeout`] (the default),
    /// a `Duration`, or an `Option<Duration>` known at run time.
    pub timeout: Timeout,
    /// The whole call's deadline, from its start: attempts, sleeps and
    /// hints included. See [`deadline`](Policy::deadline). Default: none.
    pub deadline: Option<Duration>,
    /// With a deadline, no attempt starts with less than this much of it
    /// left. Default 5 ms.
    pub min_attempt_time: Duration,
    /// Longest server delay hint (`Retry-After`) honoured; a longer hint ends
    /// the retrying with that error. Default 60 s.
    pub max_retry_after: Duration,
}

impl Policy {
    /// The default policy: 3 attempts, 1 s base delay doubling up to 30 s,
    /// no jitter, no elapsed limit, no timeout, server hints up to 60 s.
    pub const fn new() -> Self {
        Self {
            max_attempts: retry_spec::defaults::MAX_ATTEMPTS,
            base_delay: retry_spec::defaults::BASE_DELAY,
            max_delay: retry_spec::defaults::MAX_DELAY,
            multiplier: retry_spec::defaults::MULTIPLIER,
            jitter: Jitter::None,
            max_elapsed: None,
            timeout: NoTimeout,
            deadline: None,
            min_attempt_time: retry_spec::defaults::MIN_ATTEMPT_TIME,
            max_retry_after: retry_spec::defaults::MAX_RETRY_AFTER,
        }
    }
}

impl<Timeout: Copy> Policy<Timeout> {
    /// Total calls, the first included (`1` = no retry).
    pub const fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The first retry's delay, before jitter.
    pub const fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Cap on any single computed delay, jitter included.
    pub const fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Growth of the delay per retry (`>= 1.0`).
    pub const fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// How delays are spread; see [`Jitter`].
    pub const fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Never start a retry whose delay would end past `limit` since the call
    /// began.
    pub const fn max_elapsed(mut self, limit: Duration) -> Self {
        self.max_elapsed = Some(limit);
        self
    }

    /// Per-attempt timeout: an attempt still running after `limit` is
    /// dropped and counts as a transient failure of kind
    /// [`Kind::Timeout`](crate::Kind::Timeout). Applies to async calls only;
    /// a blocking body cannot be interrupted. The policy's type says so:
    /// its error type must implement `From<TimedOut>`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// const LOCAL_MODEL: Policy<Duration> = Policy::new().timeout(Duration::from_secs(10));
    /// assert_eq!(LOCAL_MODEL.timeout, Duration::from_secs(10));
    /// ```
    pub const fn timeout(self, limit: Duration) -> Policy<Duration> {
        self.with_timeout(limit)
    }

    /// A per-attempt timeout known only at run time (`None`: none), as a
    /// policy read from a file has: its error type must implement
    /// `From<TimedOut>` in either case.
    pub const fn maybe_timeout(self, limit: Option<Duration>) -> Policy<Option<Duration>> {
        self.with_timeout(limit)
    }

    /// The same policy without its per-attempt timeout and without its
    /// [`deadline`](Policy::deadline) (which times attempts out too),
    /// usable with any error type: for a policy read from a file that you
    /// know carries neither, or for code that needs no timeout.
    pub const fn untimed(mut self) -> Policy {
        self.deadline = None;
        self.with_timeout(NoTimeout)
    }

    /// The policy as the engine reads it: the timeout's type erased, the
    /// deadline kept.
    pub(crate) const fn erased(self) -> Policy {
        self.with_timeout(NoTimeout)
    }

    /// With a [`deadline`](Policy::deadline), no attempt starts with less
    /// than `least` of it left (default 5 ms): an attempt that short could
    /// hardly succeed, and would only add load.
    pub const fn min_attempt_time(mut self, least: Duration) -> Self {
        self.min_attempt_time = least;
        self
    }

    pub(crate) const fn with_timeout<T>(self, timeout: T) -> Policy<T> {
        Policy {
            max_attempts: self.max_attempts,
            base_delay: self.base_delay,
            max_delay: self.max_delay,
            multiplier: self.multiplier,
            jitter: self.jitter,
            max_elapsed: self.max_elapsed,
            timeout,
            deadline: self.deadline,
            min_attempt_time: self.min_attempt_time,
            max_retry_after: self.max_retry_after,
        }
    }

    /// Longest server delay hint honoured; a longer one ends the retrying
    /// with the error that carried it.
    pub const fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Checks the values a configuration could get wrong.
    ///
    /// ```
    /// use retry_runtime::{Policy, PolicyError};
    ///
    /// assert_eq!(Policy::new().max_attempts(0).validate(), Err(PolicyError::ZeroAttempts));
    /// assert!(Policy::new().validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.max_attempts == 0 {
            return Err(PolicyError::ZeroAttempts);
        }
        if !self.multiplier.is_finite() || self.multiplier < 1.0 {
            return Err(PolicyError::Multiplier(self.multiplier));
        }
        if self.base_delay > self.max_delay {
            return Err(PolicyError::BaseAboveMax {
                base: self.base_delay,
                max: self.max_delay,
            });
        }
        Ok(())
    }

    /// The delays of one call's retries: `max_attempts - 1` of them, jitter
    /// applied, server hints and `max_elapsed` left out (they depend on the
    /// errors and the clock).
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// let policy = Policy::new()
    ///     .max_attempts(4)
    ///     .base_delay(Duration::from_millis(100))
    ///     .max_delay(Duration::from_millis(250));
    /// let delays: Vec<_> = policy.delays().collect();
    /// assert_eq!(delays, [100, 200, 250].map(Duration::from_millis));
    /// ```
    pub fn delays(&self) -> Delays {
        Delays::new(self.erased(), None)
    }

    /// Like [`delays`](Self::delays), with jitter drawn from a generator
    /// seeded with `seed`: the same seed gives the same schedule, for
    /// simulations and reproducible tests.
    pub fn delays_seeded(&self, seed: u64) -> Delays {
        Delays::new(self.erased(), Some(seed))
    }

    /// `max_attempts` as the engine uses it: at least 1.
    #[inline]
    pub(crate) const fn attempts_limit(&self) -> u32 {
        if self.max_attempts == 0 {
            1
        } else {
            self.max_attempts
        }
    }
}

/// A policy without a timeout, as a policy whose timeout is known at run
/// time (the type of a policy read from a file).
impl From<Policy> for Policy<Option<Duration>> {
    fn from(policy: Policy) -> Self {
        policy.with_timeout(None)
    }
}

/// A policy with a timeout, as a policy whose timeout is known at run time.
impl From<Policy<Duration>> for Policy<Option<Duration>> {
    fn from(policy: Policy<Duration>) -> Self {
        policy.with_timeout(Some(policy.timeout))
    }
}

impl<Timeout: AttemptTimeout> Policy<Timeout> {
    /// The per-attempt timeout, if there is one.
    pub fn timeout_limit(&self) -> Option<Duration> {
        self.timeout.limit()
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

/// A [`Policy`] value out of range, reported by [`Policy::validate`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// `max_attempts` is 0; it counts total calls, so 1 is the least.
    #[error("max_attempts is 0; it counts total calls, the first included, so use 1 for no retry")]
    ZeroAttempts,
    /// The multiplier is below 1.0, NaN or infinite.
    #[error("multiplier {0} is out of range; use a finite value >= 1.0")]
    Multiplier(f64),
    /// `base_delay` is longer than `max_delay`.
    #[error("base_delay {base:?} is longer than max_delay {max:?}")]
    BaseAboveMax {
        /// The base delay.
        base: Duration,
        /// The cap.
        max: Duration,
    },
}
