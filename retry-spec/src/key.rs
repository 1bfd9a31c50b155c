//! The keys of `#[retry(...)]`, and the subset that is plain data: the
//! fields of a `Policy`, which policy files and the `retry` command set.

name_table! {
    /// A key of `#[retry(...)]`, in the order the docs list them.
    ///
    /// The macro parses a key by this table and handles each row in an
    /// exhaustive match, so a key cannot be listed without being parsed.
    pub enum Key {
        /// Total calls, the first included.
        MaxAttempts => "max_attempts",
        /// The first retry's delay.
        BaseDelay => "base_delay",
        /// Cap on any computed delay.
        MaxDelay => "max_delay",
        /// Growth of the delay per retry.
        Multiplier => "multiplier",
        /// Spread of the delays.
        Jitter => "jitter",
        /// No retry starts whose delay would end past this total.
        MaxElapsed => "max_elapsed",
        /// Per-attempt timeout.
        Timeout => "timeout",
        /// Deadline of the whole call, every attempt and sleep included.
        Deadline => "deadline",
        /// Least time left of the deadline for an attempt to start.
        MinAttemptTime => "min_attempt_time",
        /// Longest server delay hint honoured.
        MaxRetryAfter => "max_retry_after",
        /// Which errors retry (code).
        When => "when",
        /// Which `Ok` values retry (code).
        WhenOk => "when_ok",
        /// Called before each sleep (code).
        OnRetry => "on_retry",
        /// A named policy that the other keys override.
        Policy => "policy",
        /// A shared circuit breaker.
        Breaker => "breaker",
        /// A shared retry budget.
        Budget => "budget",
        /// A shared adaptive rate limiter.
        RateLimiter => "rate_limiter",
        /// Hedge delay: another attempt starts, concurrently, after it.
        Hedge => "hedge",
        /// Makes the attempt's context readable in the body.
        Context => "context",
        /// The call's name in events, metrics and stats.
        Name => "name",
        /// The path of a renamed `retry-runtime` dependency.
        Crate => "crate",
    }
}

impl Key {
    /// The policy field this key sets, or `None` for a key that names code
    /// or a shared object rather than a value a file could hold.
    pub const fn policy_key(self) -> Option<PolicyKey> {
        Some(match self {
            Key::MaxAttempts => PolicyKey::MaxAttempts,
            Key::BaseDelay => PolicyKey::BaseDelay,
            Key::MaxDelay => PolicyKey::MaxDelay,
            Key::Multiplier => PolicyKey::Multiplier,
            Key::Jitter => PolicyKey::Jitter,
            Key::MaxElapsed => PolicyKey::MaxElapsed,
            Key::Timeout => PolicyKey::Timeout,
            Key::Deadline => PolicyKey::Deadline,
            Key::MinAttemptTime => PolicyKey::MinAttemptTime,
            Key::MaxRetryAfter => PolicyKey::MaxRetryAfter,
            Key::When
            | Key::WhenOk
            | Key::OnRetry
            | Key::Policy
            | Key::Breaker
            | Key::Budget
            | Key::RateLimiter
            | Key::Hedge
            | Key::Context
            | Key::Name
            | Key::Crate => return None,
        })
    }
}

/// A field of a `Policy`: the keys of a policy file (the runtime's `serde`
/// feature), of the `retry` command's options, and of the attribute's
/// values, under the attribute's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKey {
    /// `max_attempts`: a whole number >= 1.
    MaxAttempts,
    /// `base_delay`: a duration.
    BaseDelay,
    /// `max_delay`: a duration.
    MaxDelay,
    /// `multiplier`: a number >= 1.0.
    Multiplier,
    /// `jitter`: a [`Jitter`](crate::Jitter) name.
    Jitter,
    /// `max_elapsed`: a duration, optional.
    MaxElapsed,
    /// `timeout`: a duration, optional.
    Timeout,
    /// `deadline`: a duration, optional.
    Deadline,
    /// `min_attempt_time`: a duration.
    MinAttemptTime,
    /// `max_retry_after`: a duration.
    MaxRetryAfter,
}

impl PolicyKey {
    /// Every policy key, in the order of [`Key::ALL`].
    pub const ALL: [PolicyKey; 10] = [
        PolicyKey::MaxAttempts,
        PolicyKey::BaseDelay,
        PolicyKey::MaxDelay,
        PolicyKey::Multiplier,
        PolicyKey::Jitter,
        PolicyKey::MaxElapsed,
        PolicyKey::Timeout,
        PolicyKey::Deadline,
        PolicyKey::MinAttemptTime,
        PolicyKey::MaxRetryAfter,
    ];

    /// Every policy key's name, in the order of [`ALL`](Self::ALL).
    pub const NAMES: [&'static str; 10] = {
        let mut names = [""; 10];
        let mut i = 0;
        while i < names.len() {
            names[i] = PolicyKey::ALL[i].name();
            i += 1;
        }
        names
    };

    /// The attribute's key of the same name.
    pub const fn key(self) -> Key {
        match self {
            PolicyKey::MaxAttempts => Key::MaxAttempts,
            PolicyKey::BaseDelay => Key::BaseDelay,
            PolicyKey::MaxDelay => Key::MaxDelay,
            PolicyKey::Multiplier => Key::Multiplier,
            PolicyKey::Jitter => Key::Jitter,
            PolicyKey::MaxElapsed => Key::MaxElapsed,
            PolicyKey::Timeout => Key::Timeout,
            PolicyKey::Deadline => Key::Deadline,
            PolicyKey::MinAttemptTime => Key::MinAttemptTime,
            PolicyKey::MaxRetryAfter => Key::MaxRetryAfter,
        }
    }

    /// The name, as the attribute and policy files write it.
    pub const fn name(self) -> &'static str {
        self.key().name()
    }

    /// The policy key of `name`, if it is one of [`NAMES`](Self::NAMES).
    pub fn from_name(name: &str) -> Option<Self> {
        Key::from_name(name)?.policy_key()
    }
}

impl core::fmt::Display for PolicyKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_read_back() {
        for (i, key) in Key::ALL.into_iter().enumerate() {
            assert_eq!(Key::NAMES[i], key.name());
            assert_eq!(Key::from_name(key.name()), Some(key));
            assert!(
                key.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{key}"
            );
            assert_eq!(
                Key::NAMES.iter().filter(|n| **n == key.name()).count(),
                1,
                "{key}"
            );
        }
        assert_eq!(Key::from_name("max_retries"), None);
    }

    #[test]
    fn policy_keys_are_the_keys_that_hold_data_in_the_same_order() {
        let from_keys: Vec<PolicyKey> = Key::ALL.into_iter().filter_map(Key::policy_key).collect();
        assert_eq!(from_keys, PolicyKey::ALL);
        for key in PolicyKey::ALL {
            assert_eq!(key.key().policy_key(), Some(key));
            assert_eq!(PolicyKey::from_name(key.name()), Some(key));
        }
        assert_eq!(
            PolicyKey::NAMES,
            [
                "max_attempts",
                "base_delay",
                "max_delay",
                "multiplier",
                "jitter",
                "max_elapsed",
                "timeout",
                "deadline",
                "min_attempt_time",
                "max_retry_after"
            ]
        );
        assert_eq!(PolicyKey::from_name("when"), None);
        assert_eq!(PolicyKey::from_name("when_ok"), None);
    }

    #[test]
    fn names_are_listed_for_messages() {
        assert_eq!(
            PolicyKey::from_name("crate").map(PolicyKey::name),
            None,
            "crate is code, not data"
        );
        assert!(Key::listed("`").ends_with(", `name` or `crate`"));
    }
}
