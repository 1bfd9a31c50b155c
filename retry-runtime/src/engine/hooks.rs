//! What the engine tells an `on_retry` hook before each sleep.

use core::fmt;
use core::time::Duration;

use crate::classify::Kind;

/// What an `on_retry` hook sees, just before the engine sleeps.
#[non_exhaustive]
pub struct RetryEvent<'a, E> {
    /// The call's name (`module::fn` unless the attribute names it).
    pub name: &'static str,
    /// The attempt that failed, 1-based.
    pub attempt: u32,
    /// The policy's limit on attempts.
    pub max_attempts: u32,
    /// How long the engine is about to sleep.
    pub delay: Duration,
    /// The error of the failed attempt; `None` when the attempt returned
    /// `Ok` and its value was classified transient (the `when_ok` key).
    pub error: Option<&'a E>,
    /// Its kind, from the classification.
    pub kind: Kind,
    /// The server's delay hint, if the error (or value) carried one.
    pub hint: Option<Duration>,
}

impl<E: fmt::Debug> fmt::Debug for RetryEvent<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryEvent")
            .field("name", &self.name)
            .field("attempt", &self.attempt)
            .field("max_attempts", &self.max_attempts)
            .field("delay", &self.delay)
            .field("error", &self.error)
            .field("kind", &self.kind)
            .field("hint", &self.hint)
            .finish()
    }
}

/// Called before each sleep; any `FnMut(&RetryEvent<'_, E>)` is one.
pub trait Hook<E> {
    /// The engine is about to sleep before the next attempt.
    fn on_retry(&mut self, event: &RetryEvent<'_, E>);
}

/// The hook that does nothing (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHook;

impl<E> Hook<E> for NoHook {
    fn on_retry(&mut self, _: &RetryEvent<'_, E>) {}
}

impl<E, F: FnMut(&RetryEvent<'_, E>)> Hook<E> for F {
    fn on_retry(&mut self, event: &RetryEvent<'_, E>) {
        self(event)
    }
}
