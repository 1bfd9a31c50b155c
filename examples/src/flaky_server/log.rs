//! [`RequestLog`]: how many requests each path received, and since when.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::time::{Duration, Instant};

/// Requests received per path (query left out), so a test can say exactly
/// how many requests its retries made.
#[derive(Debug, Default)]
pub struct RequestLog {
    paths: Mutex<HashMap<String, Seen>>,
}

#[derive(Debug)]
struct Seen {
    count: u32,
    first: Instant,
}

impl RequestLog {
    /// Records one request to `path`: its 1-based number on that path, and
    /// the time since the path's first request.
    pub fn record(&self, path: &str) -> (u32, Duration) {
        let now = Instant::now();
        // A panic elsewhere while the lock was held left the counts intact.
        let mut paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = paths.entry(path.to_owned()).or_insert(Seen {
            count: 0,
            first: now,
        });
        seen.count = seen.count.saturating_add(1);
        (seen.count, now.saturating_duration_since(seen.first))
    }

    /// Requests received on `path` so far.
    pub fn requests(&self, path: &str) -> u32 {
        let paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        paths.get(path).map_or(0, |seen| seen.count)
    }

    /// Requests received on every path together.
    pub fn total(&self) -> u32 {
        let paths = self.paths.lock().unwrap_or_else(PoisonError::into_inner);
        paths.values().map(|seen| seen.count).sum()
    }
}
