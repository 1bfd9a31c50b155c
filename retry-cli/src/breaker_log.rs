//! What the log says about the shared breaker: refusals, probes taken
//! over, and state files that could not be used as they were.

use std::time::Duration;

use serde::Serialize;

use crate::log::{Log, Style, human};
use crate::shared_breaker::{Phase, Refusal, Trouble};

impl Log {
    /// The breaker refused to run `command`; retry exits with `exit_code`.
    /// Printed even with `--quiet`: the command did not run.
    pub fn refused(&self, breaker: &str, refusal: &Refusal, command: &str, exit_code: u8) {
        match self.style {
            Style::Text | Style::Quiet => self.line(&refusal_text(breaker, refusal, command)),
            Style::Json => self.json(&RefusedLine {
                event: "breaker_refused",
                breaker,
                state: phase_name(refusal.phase),
                retry_in_ms: refusal.retry_in.as_millis(),
                prober_pid: refusal.prober,
                exit_code,
            }),
        }
    }

    /// This process probes in place of one that died or ran too long.
    pub fn probe_taken_over(&self, breaker: &str, pid: u32) {
        let message = format!(
            "breaker {breaker}: the probe of process {pid} never settled; probing in its place"
        );
        self.note(&message);
    }

    /// The state file could not be used as it was.
    pub fn breaker_trouble(&self, breaker: &str, trouble: &Trouble) {
        let message = match trouble {
            Trouble::Corrupt(path, why) => format!(
                "breaker {breaker}: state file '{}' is corrupt ({why}); starting it afresh, closed",
                path.display()
            ),
            Trouble::Unusable(error) => {
                format!("breaker {breaker}: {error}; going on without the breaker")
            }
        };
        self.note(&message);
    }

    /// A warning: printed even with `--quiet`.
    fn note(&self, message: &str) {
        match self.style {
            Style::Text | Style::Quiet => self.line(&format!("retry: {message}")),
            Style::Json => self.json(&WarningLine {
                event: "warning",
                message,
            }),
        }
    }
}

fn refusal_text(breaker: &str, refusal: &Refusal, command: &str) -> String {
    let why = match (refusal.phase, refusal.prober) {
        (Phase::HalfOpen, Some(pid)) => format!("is half-open and process {pid} is probing"),
        _ => format!(
            "is open ({} failures in a row); next probe in {}",
            refusal.threshold,
            human(round_up_to_ms(refusal.retry_in))
        ),
    };
    format!("retry: breaker {breaker} {why}; not running {command}")
}

fn round_up_to_ms(duration: Duration) -> Duration {
    Duration::from_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Closed => "closed",
        Phase::Open => "open",
        Phase::HalfOpen => "half_open",
    }
}

#[derive(Serialize)]
struct RefusedLine<'a> {
    event: &'static str,
    breaker: &'a str,
    state: &'static str,
    retry_in_ms: u128,
    prober_pid: Option<u32>,
    exit_code: u8,
}

#[derive(Serialize)]
struct WarningLine<'a> {
    event: &'static str,
    message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_why_and_until_when() {
        let open = Refusal {
            phase: Phase::Open,
            retry_in: Duration::from_millis(25_400),
            prober: None,
            threshold: 5,
        };
        assert_eq!(
            refusal_text("forge", &open, "tea"),
            "retry: breaker forge is open (5 failures in a row); next probe in 25.4s; \
             not running tea"
        );
        let probing = Refusal {
            phase: Phase::HalfOpen,
            prober: Some(42),
            ..open
        };
        assert_eq!(
            refusal_text("forge", &probing, "tea"),
            "retry: breaker forge is half-open and process 42 is probing; not running tea"
        );
    }
}
