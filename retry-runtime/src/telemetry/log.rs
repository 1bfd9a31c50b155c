//! `tracing` events, target `retry`. Nothing but the error's `Display` is
//! logged of a call: no arguments, no request data.

use core::time::Duration;

use tracing::Level;

use super::{Ending, ErrorText, Shown};
use crate::breaker::BreakerState;
use crate::classify::Kind;

/// WARN, one per retry.
pub(super) fn retrying<E>(
    name: &'static str,
    attempt: u32,
    max_attempts: u32,
    delay: Duration,
    kind: Kind,
    (error, text): (&E, ErrorText<E>),
) {
    let delay_ms = delay.as_millis() as u64;
    let kind = kind.as_str();
    match text {
        Some(text) => tracing::event!(
            target: "retry",
            Level::WARN,
            retry.name = name,
            retry.attempt = attempt,
            retry.max_attempts = max_attempts,
            retry.delay_ms = delay_ms,
            retry.kind = kind,
            error = %Shown(error, text),
            "retrying"
        ),
        None => tracing::event!(
            target: "retry",
            Level::WARN,
            retry.name = name,
            retry.attempt = attempt,
            retry.max_attempts = max_attempts,
            retry.delay_ms = delay_ms,
            retry.kind = kind,
            "retrying"
        ),
    }
}

/// ERROR when a call gives up after trying (or is rejected); DEBUG when it
/// succeeds after retries; nothing for a first-try success.
pub(super) fn finished<E>(
    name: &'static str,
    ending: Ending,
    attempts: u32,
    error: Option<(&E, ErrorText<E>)>,
) {
    match (ending, error) {
        (Ending::SuccessFirstTry, _) => {}
        (Ending::SuccessAfterRetry, _) => {
            tracing::event!(target: "retry", Level::DEBUG, retry.name = name, retry.attempts = attempts, "succeeded after retries");
        }
        (ending, Some((error, Some(text)))) => tracing::event!(
            target: "retry",
            Level::ERROR,
            retry.name = name,
            retry.attempts = attempts,
            retry.reason = ending.reason(),
            error = %Shown(error, text),
            "giving up"
        ),
        (ending, _) => tracing::event!(
            target: "retry",
            Level::ERROR,
            retry.name = name,
            retry.attempts = attempts,
            retry.reason = ending.reason(),
            "giving up"
        ),
    }
}

/// INFO on every state change of a breaker.
pub(super) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    tracing::event!(target: "retry", Level::INFO, retry.breaker = breaker, retry.state = %state, "circuit breaker state changed");
}
