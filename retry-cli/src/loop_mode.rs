//! `--every INTERVAL`: the command run again and again, INTERVAL apart
//! after a success and with exponential backoff after failures: the
//! `while true; do COMMAND; sleep 60; done` of agent loops, without the
//! hammering when an API is down or rate-limits.

use std::time::Duration;

use retry_runtime::{Delays, Policy};

use crate::capture::Passed;
use crate::child::Launch;
use crate::guard::Guard;
use crate::log::Log;
use crate::outcome::{Outcome, Status};
use crate::replay::Input;
use crate::rules::Rules;
use crate::signals::Events;

/// When the next run starts.
pub struct Schedule {
    interval: Duration,
    /// The backoff's policy, never running out of delays.
    backoff: Policy,
    delays: Delays,
    /// Failed runs since the last success.
    failures: u32,
}

impl Schedule {
    /// Runs `interval` apart, backing off as `policy` says after failures.
    pub fn new(interval: Duration, policy: &Policy) -> Self {
        let backoff = policy.max_attempts(u32::MAX);
        Self {
            interval,
            backoff,
            delays: backoff.delays(),
            failures: 0,
        }
    }

    /// The wait after a run: the next backoff delay after a failure,
    /// else the interval (and the backoff starts over).
    pub fn after(&mut self, failed: bool) -> Duration {
        if failed {
            self.failures = self.failures.saturating_add(1);
            // u32::MAX - 1 delays: more runs than any loop will make.
            return self.delays.next().unwrap_or(self.backoff.max_delay);
        }
        if self.failures > 0 {
            self.failures = 0;
            self.delays = self.backoff.delays();
        }
        self.interval
    }

    /// Failed runs since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// What one run came to.
#[derive(Clone, Copy, Debug)]
pub enum Run {
    /// The command ran.
    Ran(Outcome),
    /// The shared breaker did not let it run.
    Refused,
}

impl Run {
    /// Whether the next run should back off: a failure, a timeout, a
    /// matching output line (even at exit 0), or a refusal.
    pub fn failed(&self) -> bool {
        match self {
            Run::Ran(outcome) => !outcome.succeeded() || outcome.output_matched == Some(true),
            Run::Refused => true,
        }
    }

    /// The status retry exits with if this is the last run.
    pub fn code(&self) -> u8 {
        match self {
            Run::Ran(outcome) => outcome.code(),
            Run::Refused => crate::REFUSED,
        }
    }
}

/// What follows a run.
#[derive(Clone, Debug, PartialEq)]
pub enum After {
    /// The next run, after this wait.
    Wait(Duration),
    /// None: the loop ends, for this reason.
    Stop(String),
}

/// Runs the loop until `--runs`, a `--stop-on-exit` status or a signal
/// ends it, and returns the status to exit with (the last run's).
#[allow(clippy::too_many_arguments)]
pub fn run(
    interval: Duration,
    max_runs: Option<u32>,
    policy: &Policy,
    rules: &Rules,
    launch: &Launch,
    input: &mut Input,
    guard: &Guard,
    events: &Events,
) -> u8 {
    let log: &Log = guard.log;
    let mut schedule = Schedule::new(interval, policy);
    let mut number: u32 = 0;
    loop {
        number = number.saturating_add(1);
        let (run, finished) = match guard.admit() {
            Ok(leave) => {
                let env = [
                    (
                        "RETRY_ATTEMPT",
                        schedule.failures().saturating_add(1).to_string(),
                    ),
                    ("RETRY_MAX_ATTEMPTS", "0".to_owned()),
                    ("RETRY_RUN", number.to_string()),
                ];
                let finished = match launch.run(input, number == 1, &env, events) {
                    Ok(finished) => finished,
                    Err(e) => {
                        log.cannot_start(&launch.program(), &e.reason(), e.code());
                        return e.code();
                    }
                };
                let outcome = finished.outcome;
                // Not counted if cut short by a signal (see main's run).
                if outcome.interrupted.is_none() {
                    guard.settle(leave, rules.transient(&outcome));
                }
                (Run::Ran(outcome), Some(finished))
            }
            Err(refusal) => {
                let name = guard.name().unwrap_or_default();
                log.refused(name, &refusal, &launch.program(), crate::REFUSED);
                (Run::Refused, None)
            }
        };
        let before = schedule.failures();
        let trouble = finished.as_ref().and_then(|f| f.trouble.clone());
        let after = match (run, max_runs) {
            (
                Run::Ran(Outcome {
                    interrupted: Some(signal),
                    ..
                }),
                _,
            ) => After::Stop(format!("received {}", crate::outcome::signal_name(signal))),
            (Run::Ran(outcome), _) if rules.stop_on.contains(outcome.code()) => After::Stop(
                format!("exit status {} is in --stop-on-exit", outcome.code()),
            ),
            (_, Some(max)) if number >= max => {
                After::Stop(format!("that was the last of --runs {max}"))
            }
            // The next run could not be given the same input.
            _ if trouble.is_some() => After::Stop(trouble.unwrap_or_default()),
            _ => After::Wait(schedule.after(run.failed())),
        };
        // A successful run's stdout is the loop's output; a failed one's
        // goes to stderr, as a retried attempt's does.
        let mut passed = Passed::Whole;
        match finished.and_then(|finished| finished.stdout) {
            Some(stdout) if !run.failed() => passed = stdout.pass_to_stdout(events),
            Some(stdout) => stdout.pass_to_stderr(),
            None => {}
        }
        // For a failure, the failures in a row with it; for a success, the
        // failures in a row it ended.
        let failures = before.saturating_add(u32::from(run.failed()));
        log.run(number, max_runs, &run, failures, &after);
        // Output that could not be passed on whole ends the loop.
        if !matches!(passed, Passed::Whole) {
            return passed.status(run.code(), &launch.program(), log);
        }
        match after {
            After::Stop(_) => return run.code(),
            After::Wait(wait) => {
                if let Some(signal) = events.sleep(wait) {
                    log.interrupted_between_runs(signal, run.code());
                    return run.code();
                }
            }
        }
    }
}

/// A refused run, as an outcome for the log: exit 75, no time spent.
pub fn refused_outcome() -> Outcome {
    Outcome {
        status: Status::Exited(crate::REFUSED),
        timed_out: false,
        output_matched: None,
        elapsed: Duration::ZERO,
        interrupted: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn failures_back_off_exponentially_and_a_success_resets() {
        let policy = Policy::new().base_delay(MS(100)).max_delay(MS(350));
        let mut schedule = Schedule::new(MS(1000), &policy);
        let waits: Vec<Duration> = [false, true, true, true, true, false, true, false]
            .into_iter()
            .map(|failed| schedule.after(failed))
            .collect();
        assert_eq!(waits, [1000, 100, 200, 350, 350, 1000, 100, 1000].map(MS));
        assert_eq!(schedule.failures(), 0);
        schedule.after(true);
        assert_eq!(schedule.failures(), 1);
    }

    #[test]
    fn the_backoff_never_runs_out() {
        let policy = Policy::new()
            .max_attempts(2)
            .base_delay(MS(1))
            .max_delay(MS(4));
        let mut schedule = Schedule::new(MS(10), &policy);
        let waits: Vec<Duration> = (0..6).map(|_| schedule.after(true)).collect();
        assert_eq!(waits, [1, 2, 4, 4, 4, 4].map(MS));
    }
}
