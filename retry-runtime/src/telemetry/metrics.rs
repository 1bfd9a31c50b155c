//! The `metrics` facade: `retry_calls_total{name, outcome}`,
//! `retry_attempts_total{name}`, `retry_delay_seconds{name}` and
//! `retry_breaker_state{breaker}` (0 closed, 1 half-open, 2 open). Label
//! values are the names used in code, so cardinality stays bounded.
//!
//! Handles are asked of the installed recorder at each report, never
//! cached, so a recorder installed at any time receives every later count.
//! Their keys borrow labels each site makes once, from its name: a report
//! allocates nothing.
//! Retries and failures are reported as they happen. First-try successes
//! are not: a shared counter bumped by every thread's successful calls
//! would make them contend, so they are counted per thread on the call
//! site and reported in sums, once a second by a background thread named
//! `retry-metrics` (started with the first call), and whenever
//! [`flush_metrics`] is called.

use core::time::Duration;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, Once, PoisonError};

use metrics::{Key, Label, Level, Metadata};

use super::site::{CallSite, each_site};
use super::{Ending, Outcome};
use crate::breaker::BreakerState;

/// How often the background thread reports first-try successes.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// What the metrics macros would give: this module's path, level `INFO`.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// A call site's metric labels: `name`, and `name` with each `outcome`.
pub(crate) struct SiteLabels {
    name: [Label; 1],
    by_outcome: [[Label; 2]; Outcome::ALL.len()],
}

impl SiteLabels {
    fn new(name: &'static str) -> Self {
        let named = Label::from_static_parts("name", name);
        Self {
            name: [named.clone()],
            by_outcome: Outcome::ALL.map(|outcome| {
                [
                    named.clone(),
                    Label::from_static_parts("outcome", outcome.as_str()),
                ]
            }),
        }
    }
}

/// The site's labels, made at its first report. Its name is final by then:
/// a site made with a name has it from the start, and a method's site (the
/// `#[retry]` expansion's) reports only once registered with its type.
fn labels(site: &'static CallSite) -> &'static SiteLabels {
    site.metric_labels
        .get_or_init(|| SiteLabels::new(site.name()))
}

pub(super) fn retrying(site: &'static CallSite, delay: Duration) {
    let key = Key::from_static_parts("retry_delay_seconds", &labels(site).name);
    metrics::with_recorder(|recorder| recorder.register_histogram(&key, &METADATA))
        .record(delay.as_secs_f64());
}

pub(super) fn finished(site: &'static CallSite, ending: Ending, attempts: u32) {
    calls(site, ending.outcome(), 1, u64::from(attempts));
}

/// Adds `calls` calls ending in `outcome`, which made `attempts` attempts.
fn calls(site: &'static CallSite, outcome: Outcome, calls: u64, attempts: u64) {
    let labels = labels(site);
    counter("retry_calls_total", &labels.by_outcome[outcome as usize]).increment(calls);
    counter("retry_attempts_total", &labels.name).increment(attempts);
}

/// The installed recorder's counter `name` with `labels`.
fn counter(name: &'static str, labels: &'static [Label]) -> metrics::Counter {
    let key = Key::from_static_parts(name, labels);
    metrics::with_recorder(|recorder| recorder.register_counter(&key, &METADATA))
}

pub(super) fn breaker_changed(breaker: &'static str, state: BreakerState) {
    let value = match state {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    metrics::gauge!("retry_breaker_state", "breaker" => breaker).set(value);
}

/// Reports to the installed `metrics` recorder the first-try successes
/// counted since the last report, on every thread and call site.
///
/// A background thread does this once a second; call it yourself before
/// reading a recorder (in a test) or before the process exits, so none is
/// left out.
pub fn flush_metrics() {
    // One report at a time, so no count is reported twice.
    static REPORTING: Mutex<()> = Mutex::new(());
    let _one = REPORTING.lock().unwrap_or_else(PoisonError::into_inner);
    each_site(|_, site| {
        let total = site.first_tries();
        let reported = site.first_tries_reported.swap(total, Ordering::Relaxed);
        let new = total.wrapping_sub(reported);
        if new > 0 {
            calls(site, Outcome::SuccessFirstTry, new, new);
        }
    });
}

/// Starts the thread that reports first-try successes, once.
pub(super) fn start_reporting() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        // Without the thread, counts still reach the recorder at each
        // `flush_metrics`.
        let _ = std::thread::Builder::new()
            .name("retry-metrics".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    flush_metrics();
                }
            });
    });
}
