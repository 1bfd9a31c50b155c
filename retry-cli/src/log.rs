//! retry's own log on stderr: a line of text per failed attempt (or per
//! attempt, as JSON for machines), or nothing with `--quiet`.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::outcome::{Outcome, Status, signal_name};

/// How the log is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `retry: attempt 2/5 failed (exit 1); sleeping 2.31s`
    Text,
    /// One JSON object per line.
    Json,
    /// Errors only.
    Quiet,
}

/// What follows an attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// A retry, after this sleep.
    Sleep(Duration),
    /// Nothing: the attempt succeeded.
    Done,
    /// Nothing: no attempts are left.
    NoAttemptsLeft,
    /// Nothing: the next retry would end past `--max-elapsed`.
    MaxElapsed(Duration),
    /// Nothing: the rules do not retry this failure, for this reason.
    NotRetryable(String),
    /// Nothing: retry received this signal and passed it on.
    Interrupted(i32),
}

/// The log of one run.
pub struct Log {
    /// How it is written.
    pub style: Style,
    /// The policy's `max_attempts`, for "attempt 2/5".
    pub max_attempts: u32,
    /// The per-attempt timeout, for "timed out after 10s".
    pub timeout: Option<Duration>,
}

impl Log {
    /// Reports attempt `n` and what follows it. In text, a first attempt
    /// that succeeds is silent: only retrying is news.
    pub fn attempt(&self, n: u32, outcome: &Outcome, next: &Next) {
        match self.style {
            Style::Quiet => {}
            Style::Text if n == 1 && *next == Next::Done => {}
            Style::Text => self.line(&self.text(n, outcome, next)),
            Style::Json => self.json(&AttemptLine::new(n, self.max_attempts, outcome, next)),
        }
    }

    /// Reports a signal received while sleeping before a retry.
    pub fn interrupted_while_sleeping(&self, signal: i32, exit_code: u8) {
        match self.style {
            Style::Quiet => {}
            Style::Text => self.line(&format!(
                "retry: received {} while sleeping; not retrying",
                signal_name(signal)
            )),
            Style::Json => self.json(&InterruptedLine {
                event: "interrupted",
                signal: signal_name(signal),
                exit_code,
            }),
        }
    }

    /// Reports a signal received while the run's output was being passed
    /// on to stdout: retry stops there.
    pub fn interrupted_passing_on(&self, signal: i32, exit_code: u8) {
        match self.style {
            Style::Quiet => {}
            Style::Text => self.line(&format!(
                "retry: received {} while passing on the output; stopping",
                signal_name(signal)
            )),
            Style::Json => self.json(&InterruptedLine {
                event: "interrupted",
                signal: signal_name(signal),
                exit_code,
            }),
        }
    }

    /// Reports a command that cannot be started.
    pub fn cannot_start(&self, command: &str, reason: &str, exit_code: u8) {
        self.error(command, reason, exit_code);
    }

    /// Reports an error about `command` that ends the run; printed even
    /// with `--quiet`, since it is an error rather than progress.
    pub fn error(&self, command: &str, reason: &str, exit_code: u8) {
        match self.style {
            Style::Text | Style::Quiet => self.line(&format!("retry: {command}: {reason}")),
            Style::Json => self.json(&ErrorLine {
                event: "error",
                command,
                error: reason,
                exit_code,
            }),
        }
    }

    fn text(&self, n: u32, outcome: &Outcome, next: &Next) -> String {
        let result = if outcome.succeeded() {
            "succeeded".to_owned()
        } else {
            format!("failed ({})", self.failure(outcome))
        };
        let then = match next {
            Next::Sleep(delay) => format!("; sleeping {}", human(*delay)),
            Next::Done => String::new(),
            Next::NoAttemptsLeft => "; giving up".to_owned(),
            Next::MaxElapsed(limit) => format!(
                "; giving up: the next retry would end past --max-elapsed {}",
                retry_spec::duration::format(*limit)
            ),
            Next::NotRetryable(why) => format!("; not retrying: {why}"),
            Next::Interrupted(signal) => {
                format!("; received {}, not retrying", signal_name(*signal))
            }
        };
        format!("retry: attempt {n}/{} {result}{then}", self.max_attempts)
    }

    /// `exit 1`, `killed by SIGKILL`, `timed out after 10s, killed by
    /// SIGTERM`, `exit 1, output matched`.
    pub(crate) fn failure(&self, outcome: &Outcome) -> String {
        let mut parts = Vec::with_capacity(3);
        if outcome.timed_out {
            parts.push(match self.timeout {
                Some(limit) => format!("timed out after {}", retry_spec::duration::format(limit)),
                None => "timed out".to_owned(),
            });
        }
        parts.push(match outcome.status {
            Status::Exited(code) => format!("exit {code}"),
            Status::Signaled(signal) => format!("killed by {}", signal_name(signal)),
        });
        if outcome.output_matched == Some(true) {
            parts.push("output matched".to_owned());
        }
        parts.join(", ")
    }

    pub(crate) fn line(&self, text: &str) {
        // Logging must not end the run: a closed stderr is ignored.
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub(crate) fn json(&self, value: &impl Serialize) {
        if let Ok(text) = serde_json::to_string(value) {
            self.line(&text);
        }
    }
}

/// One attempt, for `--json`. Every key is always present (null when it
/// does not apply), so consumers need no schema per action.
#[derive(Debug, Serialize)]
struct AttemptLine {
    event: &'static str,
    attempt: u32,
    max_attempts: u32,
    succeeded: bool,
    /// The status the shell sees: the exit status, or 128 + the signal.
    exit_code: u8,
    /// The signal that ended the attempt, if one did.
    signal: Option<String>,
    timed_out: bool,
    /// Null without `--retry-if-output`.
    output_matched: Option<bool>,
    elapsed_ms: f64,
    /// `retry`, `done`, `give_up` or `interrupted`.
    action: &'static str,
    /// The sleep before the retry, when the action is `retry`.
    delay_ms: Option<f64>,
    /// Why nothing follows, when the action is `give_up` or `interrupted`.
    reason: Option<String>,
}

impl AttemptLine {
    fn new(n: u32, max_attempts: u32, outcome: &Outcome, next: &Next) -> Self {
        let (action, delay_ms, reason) = match next {
            Next::Sleep(delay) => ("retry", Some(millis(*delay)), None),
            Next::Done => ("done", None, None),
            Next::NoAttemptsLeft => ("give_up", None, Some("no attempts left".to_owned())),
            Next::MaxElapsed(limit) => (
                "give_up",
                None,
                Some(format!(
                    "the next retry would end past --max-elapsed {}",
                    retry_spec::duration::format(*limit)
                )),
            ),
            Next::NotRetryable(why) => ("give_up", None, Some(why.clone())),
            Next::Interrupted(signal) => (
                "interrupted",
                None,
                Some(format!("received {}", signal_name(*signal))),
            ),
        };
        Self {
            event: "attempt",
            attempt: n,
            max_attempts,
            succeeded: outcome.succeeded(),
            exit_code: outcome.code(),
            signal: match outcome.status {
                Status::Signaled(signal) => Some(signal_name(signal)),
                Status::Exited(_) => None,
            },
            timed_out: outcome.timed_out,
            output_matched: outcome.output_matched,
            elapsed_ms: millis(outcome.elapsed),
            action,
            delay_ms,
            reason,
        }
    }
}

#[derive(Debug, Serialize)]
struct InterruptedLine {
    event: &'static str,
    signal: String,
    exit_code: u8,
}

#[derive(Debug, Serialize)]
struct ErrorLine<'a> {
    event: &'static str,
    command: &'a str,
    error: &'a str,
    exit_code: u8,
}

/// Milliseconds, to the microsecond.
pub(crate) fn millis(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}

/// A duration for people: `2.31s`, `73.1ms`, `250us`, `0s`.
pub fn human(duration: Duration) -> String {
    fn trimmed(number: String) -> String {
        match number.contains('.') {
            true => number
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_owned(),
            false => number,
        }
    }
    if duration >= Duration::from_secs(1) {
        format!("{}s", trimmed(format!("{:.2}", duration.as_secs_f64())))
    } else if duration >= Duration::from_millis(1) {
        format!(
            "{}ms",
            trimmed(format!("{:.1}", duration.as_secs_f64() * 1e3))
        )
    } else if duration.is_zero() {
        "0s".to_owned()
    } else {
        format!("{}us", duration.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status) -> Outcome {
        Outcome {
            status,
            timed_out: false,
            output_matched: None,
            elapsed: Duration::from_micros(1500),
            interrupted: None,
        }
    }

    fn log() -> Log {
        Log {
            style: Style::Text,
            max_attempts: 5,
            timeout: Some(Duration::from_secs(10)),
        }
    }

    #[test]
    fn durations_read_like_a_person_wrote_them() {
        assert_eq!(human(Duration::from_millis(2314)), "2.31s");
        assert_eq!(human(Duration::from_secs(2)), "2s");
        assert_eq!(human(Duration::from_secs(90)), "90s");
        assert_eq!(human(Duration::from_micros(73_140)), "73.1ms");
        assert_eq!(human(Duration::from_millis(1)), "1ms");
        assert_eq!(human(Duration::from_micros(250)), "250us");
        assert_eq!(human(Duration::ZERO), "0s");
    }

    #[test]
    fn text_lines_say_what_failed_and_what_follows() {
        let log = log();
        let exit1 = outcome(Status::Exited(1));
        assert_eq!(
            log.text(2, &exit1, &Next::Sleep(Duration::from_millis(2310))),
            "retry: attempt 2/5 failed (exit 1); sleeping 2.31s"
        );
        assert_eq!(
            log.text(5, &exit1, &Next::NoAttemptsLeft),
            "retry: attempt 5/5 failed (exit 1); giving up"
        );
        assert_eq!(
            log.text(
                1,
                &outcome(Status::Signaled(9)),
                &Next::MaxElapsed(Duration::from_secs(120))
            ),
            "retry: attempt 1/5 failed (killed by SIGKILL); giving up: the next retry would end \
             past --max-elapsed 120s"
        );
        let timed_out = Outcome {
            timed_out: true,
            ..outcome(Status::Signaled(15))
        };
        assert_eq!(
            log.text(3, &timed_out, &Next::Sleep(Duration::from_millis(4))),
            "retry: attempt 3/5 failed (timed out after 10s, killed by SIGTERM); sleeping 4ms"
        );
        let matched = Outcome {
            output_matched: Some(true),
            ..exit1
        };
        assert_eq!(
            log.text(
                1,
                &matched,
                &Next::NotRetryable("exit status 1 is in --stop-on-exit".into())
            ),
            "retry: attempt 1/5 failed (exit 1, output matched); not retrying: exit status 1 is \
             in --stop-on-exit"
        );
        assert_eq!(
            log.text(3, &outcome(Status::Exited(0)), &Next::Done),
            "retry: attempt 3/5 succeeded"
        );
        assert_eq!(
            log.text(2, &outcome(Status::Signaled(15)), &Next::Interrupted(15)),
            "retry: attempt 2/5 failed (killed by SIGTERM); received SIGTERM, not retrying"
        );
    }

    #[test]
    fn json_lines_have_every_key() {
        let line = AttemptLine::new(
            2,
            5,
            &outcome(Status::Exited(1)),
            &Next::Sleep(Duration::from_micros(2_310_500)),
        );
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            r#"{"event":"attempt","attempt":2,"max_attempts":5,"succeeded":false,"exit_code":1,"signal":null,"timed_out":false,"output_matched":null,"elapsed_ms":1.5,"action":"retry","delay_ms":2310.5,"reason":null}"#
        );
        let line = AttemptLine::new(1, 5, &outcome(Status::Signaled(9)), &Next::NoAttemptsLeft);
        let value = serde_json::to_value(&line).unwrap();
        assert_eq!(value["exit_code"], 137);
        assert_eq!(value["signal"], "SIGKILL");
        assert_eq!(value["action"], "give_up");
        assert_eq!(value["reason"], "no attempts left");
    }
}
