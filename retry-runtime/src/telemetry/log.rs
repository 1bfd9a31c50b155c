//! `tracing` events, target `retry`. Nothing but the error's `Display` is
//! logged of a call: no arguments, no request data.

use core::time::Duration;

use tracing::Level;
use tracing::field::{DisplayValue, display};

use super::{Cause, Ending, ErrorText, Shown};
use crate::breaker::BreakerState;
use crate::classify::Kind;

/// The `error` field: the error's `Display` when its type has one, else
/// no field at all (tracing records an `Option` field only when `Some`).
fn shown<'a, E>(error: &'a E, text: ErrorText<E>) -> Option<DisplayValue<Shown<'a, E>>> {
    text.map(|text| display(Shown(error, text)))
}

/// The `error` field of an event about `cause`: none for an `Ok` value.
fn error_of<'a, E>(cause: &Cause<'a, E>) -> Option<DisplayValue<Shown<'a, E>>> {
    match *cause {
        Cause::Error(error, text) => shown(error, text),
        Cause::Value => None,
    }
}

/// WARN, one per retry. `retry.on` says what failed: `"error"`, or `"ok"`
/// for an `Ok` value classified transient (`when_ok`), whose value is not
/// logged.
pub(super) fn retrying<E>(
    name: &'static str,
    attempt: u32,
    max_attempts: u32,
    delay: Duration,
    kind: Kind,
    cause: Cause<'_, E>,
) {
    tracing::event!(
        target: "retry",
        Level::WARN,
        retry.name = name,
        retry.attempt = attempt,
        retry.max_attempts = max_attempts,
        retry.delay_ms = delay.as_millis() as u64,
        retry.kind = kind.as_str(),
        retry.on = cause.on(),
        error = error_of(&cause),
        "retrying"
    );
}

/// INFO when a hedged call starts another attempt while the others run on.
pub(super) fn hedging(name: &'static str, attempt: u32, max_attempts: u32, after: Duration) {
    tracing::event!(
        target: "retry",
        Level::INFO,
        retry.name = name,
        retry.attempt = attempt,
        retry.max_attempts = max_attempts,
        retry.after_ms = after.as_millis() as u64,
        "hedging"
    );
}

/// ERROR when a call gives up after trying (or is rejected); DEBUG when it
/// succeeds after retries. (A first-try success logs nothing.)
pub(super) fn finished<E>(
    name: &'static str,
    ending: Ending,
    attempts: u32,
    cause: Option<Cause<'_, E>>,
) {
    match ending {
        Ending::SuccessAfterRetry => {
            tracing::event!(target: "retry", Level::DEBUG, retry.name = name, retry.attempts = attempts, "succeeded after retries");
        }
        ending => tracing::event!(
            target: "retry",
            Level::ERROR,
            retry.name = name,
            retry.attempts = attempts,
            retry.reason = ending.reason(),
            retry.on = cause.as_ref().map(Cause::on),
            error = cause.as_ref().and_then(error_of),
            "giving up"
        ),
    }
}

/// INFO on every state change of a breaker.
pub(super) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    tracing::event!(target: "retry", Level::INFO, retry.breaker = breaker, retry.state = %state, "circuit breaker state changed");
}
