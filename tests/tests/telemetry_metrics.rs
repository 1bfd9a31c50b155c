//! Counters, histogram and gauge through the `metrics` facade, read back
//! from metrics-util's debugging recorder after a scripted run.
//!
//! One test in this binary: the recorder is global. It is installed after
//! the first calls, and receives every count made after it.

use std::collections::HashMap;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::{CompositeKey, MetricKind};
use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget, retry};
use tests::{Recorder, TestError, script};

#[retry(max_attempts = 3, base_delay = "100ms", name = "m.fetch")]
async fn fetch(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    script(rec, errors)
}

static EMPTY: RetryBudget = RetryBudget::new().capacity(0);

#[retry(max_attempts = 3, base_delay = "100ms", budget = EMPTY, name = "m.budgeted")]
async fn budgeted(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Transient])
}

static BREAKER: CircuitBreaker =
    CircuitBreaker::new(BreakerConfig::new("m-api").failure_threshold(1));

#[retry(max_attempts = 2, base_delay = "100ms", breaker = BREAKER, name = "m.guarded")]
async fn guarded(rec: &Recorder) -> Result<u32, TestError> {
    script(rec, &[TestError::Transient])
}

/// A metric's kind, name and sorted labels.
type MetricId = (MetricKind, String, Vec<(String, String)>);

/// Every recorded metric and its value.
fn snapshot(snapshotter: &metrics_util::debugging::Snapshotter) -> HashMap<MetricId, DebugValue> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value): (CompositeKey, _, _, DebugValue)| {
            let (kind, key) = key.into_parts();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            ((kind, key.name().to_owned(), labels), value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    labels.sort();
    labels
}

#[tokio::test(start_paused = true)]
async fn a_scripted_run_produces_exact_counters() {
    // Calls before any recorder is installed: a first-try success and a
    // retried call. Reported (to no recorder) by the flush, they must not
    // stop later calls of the same sites from reaching the recorder.
    assert_eq!(fetch(&Recorder::new(), &[]).await, Ok(1));
    assert_eq!(
        fetch(&Recorder::new(), &[TestError::Transient]).await,
        Ok(2)
    );
    retry_runtime::flush_metrics();

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this binary");

    // 2 transient failures then success; a permanent failure; an
    // exhausted call; a first-try success; a spent budget; a breaker that
    // trips on the first failure and rejects the next call.
    assert_eq!(
        fetch(
            &Recorder::new(),
            &[TestError::Transient, TestError::Transient]
        )
        .await,
        Ok(3)
    );
    assert_eq!(
        fetch(&Recorder::new(), &[TestError::Permanent]).await,
        Err(TestError::Permanent)
    );
    let always = [
        TestError::Transient,
        TestError::Transient,
        TestError::Transient,
    ];
    assert_eq!(
        fetch(&Recorder::new(), &always).await,
        Err(TestError::Transient)
    );
    assert_eq!(fetch(&Recorder::new(), &[]).await, Ok(1));
    assert_eq!(budgeted(&Recorder::new()).await, Err(TestError::Transient));
    assert_eq!(guarded(&Recorder::new()).await, Err(TestError::Transient));
    assert!(matches!(
        guarded(&Recorder::new()).await,
        Err(TestError::Rejected(_))
    ));

    // First-try successes are reported in sums (once a second, and now).
    retry_runtime::flush_metrics();
    let metrics = snapshot(&snapshotter);
    let counter = |name: &str, pairs: &[(&str, &str)]| match metrics.get(&(
        MetricKind::Counter,
        name.to_owned(),
        labels(pairs),
    )) {
        Some(DebugValue::Counter(n)) => *n,
        other => panic!("{name} {pairs:?}: {other:?}"),
    };
    let calls = |name: &str, outcome: &str| {
        counter("retry_calls_total", &[("name", name), ("outcome", outcome)])
    };
    assert_eq!(calls("m.fetch", "success_after_retry"), 1);
    assert_eq!(calls("m.fetch", "failed_permanent"), 1);
    assert_eq!(calls("m.fetch", "failed_exhausted"), 1);
    assert_eq!(calls("m.fetch", "success_first_try"), 1);
    assert_eq!(calls("m.budgeted", "failed_budget"), 1);
    assert_eq!(
        calls("m.guarded", "failed_breaker_open"),
        1,
        "an attempt made, then stopped by its own trip"
    );
    assert_eq!(
        calls("m.guarded", "rejected_open"),
        1,
        "refused without an attempt"
    );
    assert_eq!(
        counter("retry_attempts_total", &[("name", "m.fetch")]),
        3 + 1 + 3 + 1
    );
    assert_eq!(
        counter("retry_attempts_total", &[("name", "m.budgeted")]),
        1
    );

    match metrics.get(&(
        MetricKind::Histogram,
        "retry_delay_seconds".to_owned(),
        labels(&[("name", "m.fetch")]),
    )) {
        Some(DebugValue::Histogram(values)) => {
            let seconds: Vec<f64> = values.iter().map(|v| v.into_inner()).collect();
            assert_eq!(
                seconds,
                [0.1, 0.2, 0.1, 0.2],
                "two retries in each of two calls"
            );
        }
        other => panic!("histogram: {other:?}"),
    }
    match metrics.get(&(
        MetricKind::Gauge,
        "retry_breaker_state".to_owned(),
        labels(&[("breaker", "m-api")]),
    )) {
        Some(DebugValue::Gauge(state)) => assert_eq!(state.into_inner(), 2.0, "open"),
        other => panic!("gauge: {other:?}"),
    }
    assert_eq!(BREAKER.trips(), 1);
    let _ = Duration::ZERO;
}
