//! The `metrics` facade: `retry_calls_total{name, outcome}`,
//! `retry_attempts_total{name}`, `retry_delay_seconds{name}` and
//! `retry_breaker_state{breaker}` (0 closed, 1 half-open, 2 open). Label
//! values are the names used in code, so cardinality stays bounded.
//!
//! A name's handles are registered with the recorder on the name's first
//! use and kept in the name table, so later calls allocate nothing: install
//! the recorder before the first retried call.

use core::time::Duration;
use std::sync::OnceLock;

use metrics::{Counter, Histogram};

use super::names::{self, SLOTS, Slot};
use super::{Ending, OUTCOMES};
use crate::breaker::BreakerState;

struct Handles {
    calls: [Counter; 6],
    attempts: Counter,
    delay: Histogram,
}

static TABLE: [Slot<OnceLock<Handles>>; SLOTS] = [const {
    Slot {
        name: OnceLock::new(),
        value: OnceLock::new(),
    }
}; SLOTS];

fn handles(name: &'static str) -> Option<&'static Handles> {
    let slot = names::find(&TABLE, name)?;
    Some(slot.get_or_init(|| Handles {
        calls: OUTCOMES.map(
            |outcome| metrics::counter!("retry_calls_total", "name" => name, "outcome" => outcome),
        ),
        attempts: metrics::counter!("retry_attempts_total", "name" => name),
        delay: metrics::histogram!("retry_delay_seconds", "name" => name),
    }))
}

pub(super) fn retrying(name: &'static str, delay: Duration) {
    if let Some(handles) = handles(name) {
        handles.delay.record(delay.as_secs_f64());
    }
}

pub(super) fn finished(name: &'static str, ending: Ending, attempts: u32) {
    if let Some(handles) = handles(name) {
        handles.calls[ending.outcome_index()].increment(1);
        handles.attempts.increment(u64::from(attempts));
    }
}

pub(super) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    let value = match state {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    metrics::gauge!("retry_breaker_state", "breaker" => breaker).set(value);
}
