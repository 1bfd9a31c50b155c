//! Each `#[retry]` key changes behaviour exactly as documented (virtual
//! time, exact schedules and call counts).

use std::io;
use std::sync::LazyLock;
use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{Jitter, Kind, Policy, RetryEvent, TimedOut, retry};
use tests::{Recorder, TestError, flaky, ms};

// --- backoff keys ----------------------------------------------------------

#[retry(
    max_attempts = 5,
    base_delay = "10ms",
    multiplier = 3,
    max_delay = "1s"
)]
async fn tripling(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 4)
}

#[tokio::test(start_paused = true)]
async fn multiplier_sets_the_growth() {
    let rec = Recorder::new();
    assert_eq!(tripling(&rec).await, Ok(5));
    assert_eq!(rec.gaps(), [ms(10), ms(30), ms(90), ms(270)]);
}

#[retry(max_attempts = 3)]
async fn defaults(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 2)
}

#[tokio::test(start_paused = true)]
async fn default_delays_are_one_then_two_seconds() {
    let rec = Recorder::new();
    assert_eq!(defaults(&rec).await, Ok(3));
    assert_eq!(rec.gaps(), [Duration::from_secs(1), Duration::from_secs(2)]);
}

static DELAYS: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

fn record_delay(event: &RetryEvent<'_, TestError>) {
    DELAYS.lock().unwrap().push(event.delay);
}

#[retry(max_attempts = 6, base_delay = "100ms", max_delay = "400ms", jitter, on_retry = record_delay)]
async fn jittered(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[tokio::test(start_paused = true)]
async fn bare_jitter_is_full_jitter_under_the_cap() {
    DELAYS.lock().unwrap().clear();
    let rec = Recorder::new();
    assert_eq!(jittered(&rec).await, Ok(6));
    let delays = DELAYS.lock().unwrap().clone();
    // tokio's timer ticks in whole milliseconds, rounding deadlines up.
    let slept: Vec<_> = delays
        .iter()
        .map(|d| ms(d.as_nanos().div_ceil(1_000_000) as u64))
        .collect();
    assert_eq!(rec.gaps(), slept, "the engine slept what the hook saw");
    let caps = [100, 200, 400, 400, 400].map(ms);
    for (delay, cap) in delays.iter().zip(caps) {
        assert!(*delay <= cap, "{delay:?} > {cap:?}");
    }
    assert_eq!(Jitter::RECOMMENDED, Jitter::Full);
}

#[retry(
    max_attempts = 10,
    base_delay = "100ms",
    max_delay = "250ms",
    max_elapsed = "500ms"
)]
async fn bounded(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 9)
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_bounds_the_whole_call() {
    let rec = Recorder::new();
    assert_eq!(bounded(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);
}

// --- timeouts and hints ----------------------------------------------------

#[retry(base_delay = "100ms", timeout = "50ms")]
async fn slow_then_fast(rec: &Recorder) -> Result<u32, TestError> {
    let n = rec.call();
    if n == 1 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn timeout_cuts_a_slow_attempt() {
    let rec = Recorder::new();
    assert_eq!(slow_then_fast(&rec).await, Ok(2));
    assert_eq!(rec.gaps(), [ms(150)]);
}

#[retry(max_attempts = 2, timeout = "20ms")]
async fn always_slow() -> Result<(), io::Error> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_final_timeout_becomes_the_error() {
    let error = always_slow().await.expect_err("every attempt times out");
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    let inner = error.get_ref().and_then(|e| e.downcast_ref::<TimedOut>());
    assert_eq!(inner, Some(&TimedOut::new(ms(20))));
}

#[retry(base_delay = "10ms", max_retry_after = "2s")]
async fn hinted(rec: &Recorder, hint: Duration) -> Result<u32, TestError> {
    let n = rec.call();
    if n == 1 {
        Err(TestError::Throttled(hint))
    } else {
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn hints_are_floors_up_to_max_retry_after() {
    let rec = Recorder::new();
    assert_eq!(hinted(&rec, ms(1500)).await, Ok(2));
    assert_eq!(rec.gaps(), [ms(1500)]);

    let rec = Recorder::new();
    assert_eq!(
        hinted(&rec, ms(2001)).await,
        Err(TestError::Throttled(ms(2001)))
    );
    assert_eq!(rec.calls(), 1);
}

// --- classification and hooks ---------------------------------------------

/// An error type with no `Classify` impl: `when` decides.
#[derive(Debug, PartialEq)]
struct Status(u16);

fn is_unavailable(status: &Status) -> bool {
    status.0 == 503
}

#[retry(base_delay = "10ms", when = is_unavailable)]
async fn by_status(rec: &Recorder, status: u16) -> Result<u32, Status> {
    let n = rec.call();
    if n == 1 { Err(Status(status)) } else { Ok(n) }
}

#[tokio::test(start_paused = true)]
async fn when_chooses_what_to_retry() {
    let rec = Recorder::new();
    assert_eq!(by_status(&rec, 503).await, Ok(2));
    let rec = Recorder::new();
    assert_eq!(by_status(&rec, 404).await, Err(Status(404)));
    assert_eq!(rec.calls(), 1);
}

/// What `log_event` saw: name, attempt, max_attempts, delay, kind.
type Seen = (&'static str, u32, u32, Duration, Kind);

static EVENTS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn log_event(event: &RetryEvent<'_, TestError>) {
    EVENTS.lock().unwrap().push((
        event.name,
        event.attempt,
        event.max_attempts,
        event.delay,
        event.kind,
    ));
}

#[retry(max_attempts = 3, base_delay = "10ms", on_retry = log_event, name = "forge.get_issue")]
async fn named(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 2)
}

#[retry(max_attempts = 2, base_delay = "10ms", on_retry = log_event)]
async fn unnamed(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 1)
}

#[tokio::test(start_paused = true)]
async fn on_retry_and_name() {
    EVENTS.lock().unwrap().clear();
    assert_eq!(named(&Recorder::new()).await, Ok(3));
    assert_eq!(unnamed(&Recorder::new()).await, Ok(2));
    assert_eq!(
        *EVENTS.lock().unwrap(),
        [
            ("forge.get_issue", 1, 3, ms(10), Kind::Server),
            ("forge.get_issue", 2, 3, ms(20), Kind::Server),
            ("macro_keys::unnamed", 1, 2, ms(10), Kind::Server),
        ]
    );
}

// --- policies --------------------------------------------------------------

const FORGE: Policy = Policy::new()
    .max_attempts(3)
    .base_delay(Duration::from_millis(100));
static LLM: Policy = Policy::new()
    .max_attempts(2)
    .base_delay(Duration::from_millis(200));
static LOCAL: LazyLock<Policy> = LazyLock::new(|| Policy::new().max_attempts(5).base_delay(ms(50)));

fn from_config() -> Policy {
    Policy::new().max_attempts(4).base_delay(ms(7))
}

struct Config {
    attempts: u32,
}

const CONFIG: Config = Config { attempts: 2 };

#[retry(policy = FORGE)]
async fn with_const(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[retry(policy = LLM)]
async fn with_static(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[retry(policy = LOCAL)]
async fn with_lazy(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[retry(policy = from_config())]
async fn with_call(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[retry(policy = FORGE, max_attempts = CONFIG.attempts, base_delay = Duration::from_millis(30))]
async fn with_overrides(rec: &Recorder) -> Result<u32, TestError> {
    flaky(rec, 5)
}

#[tokio::test(start_paused = true)]
async fn policies_from_consts_statics_lazies_and_calls() {
    let rec = Recorder::new();
    assert_eq!(with_const(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(100), ms(200)]);

    let rec = Recorder::new();
    assert_eq!(with_static(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(200)]);

    let rec = Recorder::new();
    assert_eq!(with_lazy(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(50), ms(100), ms(200), ms(400)]);

    let rec = Recorder::new();
    assert_eq!(with_call(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(7), ms(14), ms(28)]);

    let rec = Recorder::new();
    assert_eq!(with_overrides(&rec).await, Err(TestError::Transient));
    assert_eq!(rec.gaps(), [ms(30)], "inline keys override the policy's");
}

// --- crate path --------------------------------------------------------------

mod renamed {
    use retry_runtime as my_retry;
    use tests::{Recorder, TestError};

    #[my_retry::retry(crate = my_retry, base_delay = "10ms")]
    pub async fn through_alias(rec: &Recorder) -> Result<u32, TestError> {
        tests::flaky(rec, 1)
    }
}

#[tokio::test(start_paused = true)]
async fn crate_key_names_a_renamed_dependency() {
    let rec = Recorder::new();
    assert_eq!(renamed::through_alias(&rec).await, Ok(2));
}
