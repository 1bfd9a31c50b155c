//! The timeline: the library's `tracing` events (target `retry`) through
//! tracing-subscriber's compact formatter, each stamped with the seconds
//! since the demo started instead of a wall-clock date.

use std::fmt;
use std::io::IsTerminal;
use std::time::Instant;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// Seconds since the demo started.
struct SinceStart(Instant);

impl FormatTime for SinceStart {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        write!(w, "{:>6.2}s", self.0.elapsed().as_secs_f64())
    }
}

/// Prints the `retry` events down to debug (retries, give-ups, successes
/// after retries, breaker changes, ignored hints); `RUST_LOG` overrides.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("retry=debug"));
    tracing_subscriber::fmt()
        .compact()
        .with_env_filter(filter)
        .with_timer(SinceStart(Instant::now()))
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
}
