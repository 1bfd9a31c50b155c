//! What one attempt came to: how the command ended, and why.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::Signal;

/// How the command's process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It exited with this status.
    Exited(u8),
    /// This signal killed it.
    Signaled(i32),
}

impl Status {
    /// The status a shell reports: the exit status, or 128 + the signal.
    pub fn code(self) -> u8 {
        match self {
            Status::Exited(code) => code,
            // Signals are 1..=64 on Linux; saturate rather than wrap if not.
            Status::Signaled(signal) => u8::try_from(128 + signal.clamp(0, 127)).unwrap_or(u8::MAX),
        }
    }
}

impl From<ExitStatus> for Status {
    fn from(status: ExitStatus) -> Self {
        match (status.code(), status.signal()) {
            // `code()` is the low 8 bits of the status on Unix.
            (Some(code), _) => Status::Exited(u8::try_from(code & 0xff).unwrap_or(u8::MAX)),
            (None, Some(signal)) => Status::Signaled(signal),
            // Stopped or continued: `wait` never reports these for a child
            // it did not ask to trace.
            (None, None) => Status::Exited(u8::MAX),
        }
    }
}

/// One finished attempt. `Copy`, so the run loop keeps it for the log
/// after handing it to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How the process ended.
    pub status: Status,
    /// `--timeout` elapsed and retry stopped the attempt.
    pub timed_out: bool,
    /// Whether a line of output matched `--retry-if-output` (`None` without
    /// the option).
    pub output_matched: Option<bool>,
    /// How long the attempt ran.
    pub elapsed: Duration,
    /// A signal retry received and passed on while the attempt ran: no
    /// retry may follow.
    pub interrupted: Option<i32>,
}

impl Outcome {
    /// Exit status 0 and not stopped by `--timeout`.
    pub fn succeeded(&self) -> bool {
        self.status == Status::Exited(0) && !self.timed_out
    }

    /// The status retry exits with when this is the last attempt.
    pub fn code(&self) -> u8 {
        // A command that exits 0 on the SIGTERM of `--timeout` did not
        // succeed; report the signal that stopped it, as if it had died of it.
        if self.timed_out && self.status == Status::Exited(0) {
            return Status::Signaled(Signal::SIGTERM as i32).code();
        }
        self.status.code()
    }
}

/// `"SIGTERM"` for 15, `"signal 99"` for a number with no name.
pub fn signal_name(signal: i32) -> String {
    match Signal::try_from(signal) {
        Ok(known) => known.as_str().to_owned(),
        Err(_) => format!("signal {signal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_follow_the_shell() {
        assert_eq!(Status::Exited(0).code(), 0);
        assert_eq!(Status::Exited(3).code(), 3);
        assert_eq!(Status::Signaled(15).code(), 143);
        assert_eq!(Status::Signaled(9).code(), 137);
        assert_eq!(
            Status::from(ExitStatus::from_raw(7 << 8)),
            Status::Exited(7)
        );
        assert_eq!(Status::from(ExitStatus::from_raw(9)), Status::Signaled(9));
    }

    #[test]
    fn a_timed_out_attempt_never_reports_success() {
        let outcome = Outcome {
            status: Status::Exited(0),
            timed_out: true,
            output_matched: None,
            elapsed: Duration::ZERO,
            interrupted: None,
        };
        assert!(!outcome.succeeded());
        assert_eq!(outcome.code(), 143);
    }

    #[test]
    fn signals_have_names() {
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(2), "SIGINT");
        assert_eq!(signal_name(99), "signal 99");
    }
}
