//! A stand-in server for the hedging tests: each attempt follows a plan
//! (a latency, then a result), and the server counts attempts started and
//! cancelled (dropped before they answered), and when each started.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tests::{TestError, ms};
use tokio::time::Instant;

/// What each attempt does: answer after a latency, with a result.
#[derive(Clone)]
pub struct Plan(pub Vec<(u64, Result<u32, TestError>)>);

/// Counts attempts started, finished and dropped unfinished (cancelled),
/// and when each started.
#[derive(Default)]
pub struct Server {
    started: AtomicU32,
    cancelled: AtomicU32,
    starts: Mutex<Vec<Duration>>,
}

/// Counts a cancellation if dropped before `finish`.
struct DropGuard<'a> {
    server: &'a Server,
    finished: bool,
}

impl Drop for DropGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.server.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Server {
    /// Attempt `number` following `plan` (the last entry repeats).
    pub async fn answer(&self, plan: &Plan, number: u32, since: Instant) -> Result<u32, TestError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.starts.lock().unwrap().push(since.elapsed());
        let mut guard = DropGuard {
            server: self,
            finished: false,
        };
        let index = (number as usize - 1).min(plan.0.len() - 1);
        let (latency, result) = plan.0[index].clone();
        tokio::time::sleep(ms(latency)).await;
        guard.finished = true;
        result
    }

    pub fn started(&self) -> u32 {
        self.started.load(Ordering::SeqCst)
    }

    pub fn cancelled(&self) -> u32 {
        self.cancelled.load(Ordering::SeqCst)
    }

    pub fn starts(&self) -> Vec<Duration> {
        self.starts.lock().unwrap().clone()
    }
}
