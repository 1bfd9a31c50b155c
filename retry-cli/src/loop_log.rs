//! What the log says about each run of `--every`: every backoff step, in
//! text and as JSON.

use serde::Serialize;

use crate::log::{Log, Style, human, millis};
use crate::loop_mode::{After, Run, refused_outcome};
use crate::outcome::{Status, signal_name};

impl Log {
    /// Reports run `number` (of `max_runs`) and what follows it.
    /// `failures` is, for a failed run, the failures in a row with it; for
    /// a success, the failures in a row it ended. In text, a success after
    /// a success is silent: only backing off (and its end) is news.
    pub fn run(&self, number: u32, max_runs: Option<u32>, run: &Run, failures: u32, after: &After) {
        match self.style {
            Style::Quiet => {}
            Style::Text => {
                if let Some(text) = self.run_text(number, max_runs, run, failures, after) {
                    self.line(&text);
                }
            }
            Style::Json => self.json(&RunLine::new(number, max_runs, run, failures, after)),
        }
    }

    /// Reports a signal received while waiting for the next run.
    pub fn interrupted_between_runs(&self, signal: i32, exit_code: u8) {
        match self.style {
            Style::Quiet => {}
            Style::Text => self.line(&format!(
                "retry: received {} while waiting for the next run; stopping",
                signal_name(signal)
            )),
            Style::Json => self.json(&InterruptedLine {
                event: "interrupted",
                signal: signal_name(signal),
                exit_code,
            }),
        }
    }

    fn run_text(
        &self,
        number: u32,
        max_runs: Option<u32>,
        run: &Run,
        failures: u32,
        after: &After,
    ) -> Option<String> {
        let label = match max_runs {
            Some(max) => format!("run {number}/{max}"),
            None => format!("run {number}"),
        };
        let result = match run {
            Run::Refused => "refused by the breaker".to_owned(),
            Run::Ran(outcome) if run.failed() => format!("failed ({})", self.failure(outcome)),
            Run::Ran(_) if failures > 0 => {
                let runs = if failures == 1 { "run" } else { "runs" };
                format!("succeeded after {failures} failed {runs}")
            }
            Run::Ran(_) => "succeeded".to_owned(),
        };
        let then = match after {
            After::Stop(why) => format!("stopping: {why}"),
            After::Wait(wait) if run.failed() => format!(
                "backing off: next run in {} (failure {failures} in a row)",
                human(*wait)
            ),
            // A success after a success: nothing new.
            After::Wait(_) if failures == 0 => return None,
            After::Wait(wait) => format!("next run in {}", human(*wait)),
        };
        Some(format!("retry: {label} {result}; {then}"))
    }
}

#[derive(Debug, Serialize)]
struct InterruptedLine {
    event: &'static str,
    signal: String,
    exit_code: u8,
}

/// One run, as JSON.
#[derive(Debug, Serialize)]
struct RunLine {
    event: &'static str,
    run: u32,
    max_runs: Option<u32>,
    refused: bool,
    succeeded: bool,
    exit_code: u8,
    signal: Option<String>,
    timed_out: bool,
    output_matched: Option<bool>,
    elapsed_ms: f64,
    failures_in_a_row: u32,
    /// `interval`, `backoff` or `stop`.
    action: &'static str,
    delay_ms: Option<f64>,
    reason: Option<String>,
}

impl RunLine {
    fn new(number: u32, max_runs: Option<u32>, run: &Run, failures: u32, after: &After) -> Self {
        let outcome = match run {
            Run::Ran(outcome) => *outcome,
            Run::Refused => refused_outcome(),
        };
        let (action, delay_ms, reason) = match after {
            After::Wait(wait) if run.failed() => ("backoff", Some(millis(*wait)), None),
            After::Wait(wait) => ("interval", Some(millis(*wait)), None),
            After::Stop(why) => ("stop", None, Some(why.clone())),
        };
        Self {
            event: "run",
            run: number,
            max_runs,
            refused: matches!(run, Run::Refused),
            succeeded: !run.failed(),
            exit_code: run.code(),
            signal: match outcome.status {
                Status::Signaled(signal) => Some(signal_name(signal)),
                Status::Exited(_) => None,
            },
            timed_out: outcome.timed_out,
            output_matched: outcome.output_matched,
            elapsed_ms: millis(outcome.elapsed),
            // A success ends the failures in a row.
            failures_in_a_row: if run.failed() { failures } else { 0 },
            action,
            delay_ms,
            reason,
        }
    }
}
