//! `retry`: runs a command again, with exponential backoff and jitter,
//! until it succeeds; the shell's door to the retry runtime.
//!
//! The backoff, the attempt count and `--max-elapsed` are the runtime's
//! engine ([`CallState`]); this crate starts processes, decides which of
//! their failures are worth a retry ([`rules`]) and logs each one.

// Panics on user input are bugs: no unwrap outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod args;
mod argv;
mod breaker_log;
mod capture;
mod child;
mod codes;
mod config;
mod guard;
mod log;
mod loop_log;
mod loop_mode;
mod outcome;
mod replay;
mod rules;
mod shared_breaker;
mod signals;
mod state;
mod tee;

use std::process::ExitCode;

use clap::CommandFactory;
use clap::error::ErrorKind;
use retry_runtime::engine::{Attempt, CallSite, CallState, NoHook, Step};

use crate::args::Args;
use crate::capture::Passed;
use crate::child::{Finished, Launch};
use crate::config::CommandPolicy;
use crate::guard::Guard;
use crate::log::{Log, Next, Style};
use crate::replay::Input;
use crate::rules::Rules;
use crate::signals::Events;

/// The command's calls, as the engine names them.
static SITE: CallSite = CallSite::new("retry");

/// retry's status when it fails itself (as GNU `timeout` uses it).
const OWN_FAILURE: u8 = 125;

/// retry's status when the shared breaker refuses to run the command:
/// EX_TEMPFAIL of sysexits.h, "try again later".
const REFUSED: u8 = 75;

fn main() -> ExitCode {
    let args = Args::from_command_line();
    let (policy, rules) = match config::policy(&args).and_then(|p| Ok((p, config::rules(&args)?))) {
        Ok(config) => config,
        // The usage-error format and exit status 2 of clap's own errors.
        Err(e) => Args::command().error(ErrorKind::ValueValidation, e).exit(),
    };
    let log = Log {
        style: match (args.quiet, args.json) {
            (true, _) => Style::Quiet,
            (false, true) => Style::Json,
            (false, false) => Style::Text,
        },
        max_attempts: policy.max_attempts,
        timeout: policy.timeout,
    };
    let events = match signals::listen() {
        Ok(events) => events,
        Err(e) => {
            eprintln!("retry: cannot listen for signals: {e}");
            return ExitCode::from(OWN_FAILURE);
        }
    };
    let guard = Guard {
        breaker: config::breaker(&args, &log),
        log: &log,
    };
    let launch = Launch {
        command: args.command,
        timeout: policy.timeout,
        kill_after: args.kill_after,
        foreground: args.foreground,
        output: args.retry_if_output,
        stream: args.stream,
    };
    let mut input = match Input::new(args.stdin_once) {
        Ok(input) => input,
        Err(e) => {
            log.error(
                &launch.program(),
                &format!(
                    "cannot keep standard input in a temporary file in {} (see TMPDIR; or \
                     give --stdin-once): {e}",
                    std::env::temp_dir().display()
                ),
                OWN_FAILURE,
            );
            return ExitCode::from(OWN_FAILURE);
        }
    };
    let code = match args.every {
        Some(interval) => loop_mode::run(
            interval,
            args.runs,
            &policy.untimed(),
            &rules,
            &launch,
            &mut input,
            &guard,
            &events,
        ),
        None => run(&policy, rules, &launch, &mut input, &guard, &events),
    };
    ExitCode::from(code)
}

/// Runs attempts until one succeeds or the policy, the rules or the
/// breaker end the run, and returns the status to exit with.
fn run(
    policy: &CommandPolicy,
    mut rules: Rules,
    launch: &Launch,
    input: &mut Input,
    guard: &Guard,
    events: &Events,
) -> u8 {
    let log = guard.log;
    let mut attempts = CallState::blocking(policy);
    loop {
        let n = attempts.made().saturating_add(1);
        let leave = match guard.admit() {
            Ok(leave) => leave,
            Err(refusal) => {
                let name = guard.name().unwrap_or_default();
                log.refused(name, &refusal, &launch.program(), REFUSED);
                return REFUSED;
            }
        };
        let env = [
            ("RETRY_ATTEMPT", n.to_string()),
            ("RETRY_MAX_ATTEMPTS", policy.max_attempts.to_string()),
        ];
        let finished = match launch.run(input, n == 1, &env, events) {
            Ok(finished) => finished,
            // Not retried: a missing or unexecutable command stays so.
            Err(e) => {
                log.cannot_start(&launch.program(), &e.reason(), e.code());
                return e.code();
            }
        };
        let outcome = finished.outcome;
        // An attempt cut short by a signal retry passed on says nothing
        // about the service: it is not counted (a probe's place is given
        // back as this process ends).
        let open = outcome.interrupted.is_none() && guard.settle(leave, rules.transient(&outcome));
        if let Some(signal) = outcome.interrupted {
            return end(n, finished, &Next::Interrupted(signal), launch, log, events);
        }
        let attempt = match (outcome.succeeded(), outcome.timed_out) {
            (true, _) => Attempt::Completed(Ok(outcome)),
            (false, true) => Attempt::TimedOut(outcome),
            (false, false) => Attempt::Completed(Err(outcome)),
        };
        let next = match attempts.decide(policy, &SITE, attempt, &mut rules, &mut NoHook) {
            Step::Return(Ok(_)) => Next::Done,
            Step::Return(Err(failed)) => why_not(policy, &rules, &attempts, &failed),
            // No retry into an open breaker.
            Step::Sleep(_) if open => Next::NotRetryable(format!(
                "breaker {} is open",
                guard.name().unwrap_or_default()
            )),
            // Nor one that could not be given the same input.
            Step::Sleep(_) if finished.trouble.is_some() => {
                Next::NotRetryable(finished.trouble.clone().unwrap_or_default())
            }
            Step::Sleep(delay) => Next::Sleep(delay),
        };
        let Next::Sleep(delay) = next else {
            return end(n, finished, &next, launch, log, events);
        };
        // Not the run's output: kept on stderr, where it can be read.
        if let Some(stdout) = &finished.stdout {
            stdout.pass_to_stderr();
        }
        log.attempt(n, &outcome, &next);
        if let Some(signal) = events.sleep(delay) {
            log.interrupted_while_sleeping(signal, outcome.code());
            return outcome.code();
        }
    }
}

/// Ends the run with attempt `n`: its stdout is the run's, passed on to
/// retry's stdout, then the attempt is logged with `next`. Returns the
/// status to exit with.
fn end(n: u32, finished: Finished, next: &Next, launch: &Launch, log: &Log, events: &Events) -> u8 {
    let outcome = finished.outcome;
    let passed = finished
        .stdout
        .map_or(Passed::Whole, |stdout| stdout.pass_to_stdout(events));
    log.attempt(n, &outcome, next);
    passed.status(outcome.code(), &launch.program(), log)
}

/// Why the engine returned a failure rather than sleeping: the rules
/// refused it, or the attempts ran out, or else (the only other limit the
/// engine applies without a server hint) `max_elapsed` would be passed.
fn why_not(
    policy: &CommandPolicy,
    rules: &Rules,
    attempts: &CallState,
    failed: &outcome::Outcome,
) -> Next {
    if !failed.timed_out
        && let Err(why) = rules.judge(failed)
    {
        return Next::NotRetryable(why);
    }
    match policy.max_elapsed {
        Some(limit) if attempts.made() < policy.max_attempts => Next::MaxElapsed(limit),
        _ => Next::NoAttemptsLeft,
    }
}
