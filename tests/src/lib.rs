//! Helpers shared by the workspace's tests: a scripted error type and a
//! recorder of when each attempt ran, on tokio's (virtual) clock.

pub mod api_error;
pub mod capture;
pub mod raw_http;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{Classify, Rejected, TimedOut, Verdict};
use tokio::time::Instant;

/// An error whose classification the test chooses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestError {
    /// Retryable.
    #[error("transient failure")]
    Transient,
    /// Not retryable.
    #[error("permanent failure")]
    Permanent,
    /// Retryable, with a server hint.
    #[error("throttled, retry after {0:?}")]
    Throttled(Duration),
    /// An attempt ran out of time.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    /// A circuit breaker refused the call.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// Converted from a `ParseIntError` by `?`.
    #[error("bad number")]
    BadNumber,
}

impl From<std::num::ParseIntError> for TestError {
    fn from(_: std::num::ParseIntError) -> Self {
        TestError::BadNumber
    }
}

impl Classify for TestError {
    fn classify(&self) -> Verdict {
        match self {
            TestError::Transient => Verdict::server(),
            TestError::Permanent | TestError::BadNumber => Verdict::client(),
            TestError::Throttled(hint) => Verdict::throttled().retry_after(*hint),
            TestError::TimedOut(_) => Verdict::timeout(),
            TestError::Rejected(_) => Verdict::permanent(),
        }
    }
}

/// Counts calls and records when each happened, relative to its creation.
pub struct Recorder {
    start: Instant,
    calls: AtomicU32,
    at: Mutex<Vec<Duration>>,
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            calls: AtomicU32::new(0),
            at: Mutex::new(Vec::new()),
        }
    }

    /// Records one call; returns its 1-based number.
    pub fn call(&self) -> u32 {
        self.at
            .lock()
            .expect("recorder lock")
            .push(self.start.elapsed());
        self.calls.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Calls recorded so far.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The waits between consecutive calls.
    pub fn gaps(&self) -> Vec<Duration> {
        let at = self.at.lock().expect("recorder lock");
        at.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

/// Records a call on `rec`, then fails with the call's entry of `errors`
/// (the first call gets the first), or succeeds with the call's number
/// once the script runs out.
pub fn script(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
    let n = rec.call();
    match errors.get(n as usize - 1) {
        Some(error) => Err(error.clone()),
        None => Ok(n),
    }
}

/// Records a call on `rec`; the first `fail` calls fail with a transient
/// error, later ones answer their call number.
pub fn flaky(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    let n = rec.call();
    if n <= fail {
        Err(TestError::Transient)
    } else {
        Ok(n)
    }
}

/// Aborts the test process if it is still alive `limit` of real time after
/// [`arm`](Self::arm), unless dropped first: turns a hang of a test on
/// tokio's paused clock into a failure. (A tokio timeout cannot: on a
/// paused clock it would fire at the runtime's first idle moment.)
pub struct Watchdog {
    _disarm: std::sync::mpsc::Sender<()>,
}

impl Watchdog {
    /// Starts watching the test `name`.
    pub fn arm(name: &'static str, limit: Duration) -> Self {
        let (disarm, disarmed) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            // Dropping the sender disconnects: the test ended in time.
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = disarmed.recv_timeout(limit) {
                eprintln!("{name}: still running after {limit:?} of real time: a hang");
                std::process::abort();
            }
        });
        Self { _disarm: disarm }
    }
}

/// Milliseconds, for short schedules in assertions.
pub const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
