//! The command line: options, their parsers and the help text.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use regex::bytes::Regex;
use retry_runtime::Jitter;

use crate::codes::CodeRange;

const ABOUT: &str = "Run a command until it succeeds, with exponential backoff between attempts.";

const AFTER_LONG_HELP: &str = "\
Durations are numbers with units: 250ms, 1.5s, 2m, 1h, or sums such as 1m30s.

An attempt that exits 0 succeeds. Any other attempt is retried, unless its
status is listed in --stop-on-exit; with --retry-on-exit or --retry-if-output,
only the failures they select are retried. An attempt stopped by --timeout is
always retried. The sleep before retry n is
min(max-delay, base-delay * multiplier^(n-1)), spread by --jitter.

Each retry is logged to standard error, for example:
  retry: attempt 2/5 failed (exit 1); sleeping 2.31s

Output: each attempt's stdout is kept in a temporary file until the attempt
ends. Then the stdout of the attempt that ends the run goes to retry's
stdout: the one that succeeded, or else the last one (when the attempts run
out, or a status, signal or breaker ends the run), because retry exits with
its status and the output goes with the status, as if COMMAND had run once.
Every other attempt's stdout goes to stderr, just before the line that logs
the attempt (followed by a newline if it lacks one), so that the next
program in a pipe never sees a failed attempt's output and you can still
read it. With --every, a successful run's stdout goes to stdout and a
failed run's to stderr. With --stream, every attempt's stdout passes
through as it arrives, as for a command whose output never ends (which
must not be kept: its file would grow without end). Stderr always passes
through as the command writes it.

Input: every attempt reads all of stdin, even if an earlier one read only
part. A file on stdin (< FILE) is read by each attempt from where it was
when retry started. Other input (a pipe) is kept in a temporary file as the
first attempt reads it, and every later attempt reads it again from the
start, then whatever more arrives; retry reads a pipe a little ahead of the
command (at most 64 KiB past what the command's pipe holds), even if the
command never reads it: inside `... | while read x; do ...; done`, give
retry </dev/null. With --stdin-once, and whenever stdin is a terminal, the
first attempt gets retry's stdin itself and later attempts read /dev/null.

The temporary files are in $TMPDIR (else /tmp) and have no name: nothing is
left behind however retry ends, even killed by SIGKILL.

Each attempt's environment has RETRY_ATTEMPT (1 for the first) and
RETRY_MAX_ATTEMPTS. A script without a #! line runs with /bin/sh, as env
and timeout run it.
Unless --foreground is given, COMMAND runs in a process group of its own, so
that --timeout and forwarded signals reach every process it starts.
SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to retry are passed on to COMMAND
(except, with --foreground, the terminal's own, which COMMAND has already
received), and no retry follows. One that arrives while retry writes out
the run's stdout stops it there, with status 128+S.

Exit status:
  N    the last attempt's status (with --every, the last run's), or 128+S if
       signal S ended it
  2    bad options or policy file
  75   the --breaker is open (or another process probes it): COMMAND did
       not run; try again later (EX_TEMPFAIL)
  125  retry itself failed (one cause: no temporary file in $TMPDIR)
  126  COMMAND cannot be executed
  127  COMMAND was not found
  141  retry's stdout was closed before the run's stdout was all written
       (as a command killed by SIGPIPE writing there)

Examples:
  retry -- curl -fsS http://localhost:8080/health
  retry -- curl -fsS http://localhost/entities | jq .
  producer | retry -- curl -fsS -X POST --data-binary @- http://localhost/import
  retry -n 5 -d 500ms --jitter -- ./sync.sh
  retry --retry-if-output '429|rate limit' -t 30s -- gh api /user
  retry --policy retry.toml --policy-name gitea_api -- tea issues list
  retry --every 60s --max-delay 30m --jitter --retry-if-output 'rate limit' \\
        --breaker anthropic -- ./agent-turn.sh";

/// `retry [OPTIONS] [--] COMMAND [ARGS]...`
#[derive(Debug, Parser)]
#[command(
    name = "retry",
    version,
    about = ABOUT,
    after_long_help = AFTER_LONG_HELP,
    override_usage = "retry [OPTIONS] [--] COMMAND [ARGS]...",
    max_term_width = 80
)]
pub struct Args {
    /// Runs in all, the first included [default: 3]
    ///
    /// 1 means no retry.
    #[arg(short = 'n', long, value_name = "N", help_heading = "Backoff",
          value_parser = attempts)]
    pub max_attempts: Option<u32>,

    /// Sleep before the first retry [default: 1s]
    ///
    /// Each later sleep is --multiplier times the one before, up to
    /// --max-delay.
    #[arg(short = 'd', long, value_name = "DURATION", help_heading = "Backoff",
          value_parser = duration)]
    pub base_delay: Option<Duration>,

    /// Longest sleep [default: 30s]
    #[arg(long, value_name = "DURATION", help_heading = "Backoff", value_parser = duration)]
    pub max_delay: Option<Duration>,

    /// Sleep growth per retry, >= 1 [default: 2]
    #[arg(long, value_name = "FACTOR", help_heading = "Backoff", value_parser = multiplier)]
    pub multiplier: Option<f64>,

    /// Randomize the sleeps; bare: full [default: none]
    ///
    /// Spread the sleeps so that clients failing together do not all come
    /// back together. For a sleep d: full = uniform in [0, d]; equal = d/2
    /// plus uniform in [0, d/2]; decorrelated = uniform in [base-delay, 3
    /// times the previous sleep]; none = d. `--jitter equal` (with a space)
    /// works too: a strategy name right after --jitter is its value.
    #[arg(long, value_name = "STRATEGY", help_heading = "Backoff", hide_possible_values = true,
          num_args = 0..=1, require_equals = true, default_missing_value = retry_spec::Jitter::RECOMMENDED.name(),
          value_parser = PossibleValuesParser::new(Jitter::NAMES).try_map(|name| name.parse::<Jitter>()))]
    pub jitter: Option<Jitter>,

    /// Retry only within this much time in all
    ///
    /// No retry starts whose sleep would end past this much time since the
    /// first attempt started.
    #[arg(long, value_name = "DURATION", help_heading = "Backoff", value_parser = duration)]
    pub max_elapsed: Option<Duration>,

    /// Read the settings above from a TOML file
    ///
    /// Its keys are the long option names with underscores (max_attempts,
    /// base_delay, ...) and its durations strings ("500ms"): the format of
    /// retry-runtime's serde feature. Options given on the command line
    /// override it.
    #[arg(short = 'p', long, value_name = "FILE", help_heading = "Backoff")]
    pub policy: Option<PathBuf>,

    /// Use table [NAME] of the policy file
    ///
    /// For a --policy file of named policies ([gitea_api], [llm_api], ...).
    // The comment is clap's help text, where `[NAME]` is TOML, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Backoff",
        requires = "policy"
    )]
    pub policy_name: Option<String>,

    /// Retry only these exit statuses (1,75,128-143)
    #[arg(long, value_name = "CODES", help_heading = "When to retry",
          value_delimiter = ',', value_parser = code_range)]
    pub retry_on_exit: Vec<CodeRange>,

    /// Never retry these exit statuses
    #[arg(long, value_name = "CODES", help_heading = "When to retry",
          value_delimiter = ',', value_parser = code_range)]
    pub stop_on_exit: Vec<CodeRange>,

    /// Retry if an output line matches REGEX
    ///
    /// For example '429|rate limit'. Lines of stdout and stderr alike.
    /// Stderr (and, with --stream, stdout) still passes through as it
    /// arrives, though through a pipe: COMMAND no longer sees a terminal.
    /// Every byte is passed on, however slowly it is read, and every line
    /// the command wrote is matched before retry decides. With --stream,
    /// when retry's own output is closed, so is COMMAND's (it gets
    /// SIGPIPE).
    #[arg(long, value_name = "REGEX", help_heading = "When to retry", value_parser = regex)]
    pub retry_if_output: Option<Regex>,

    /// Stop each attempt after this long
    ///
    /// First with SIGTERM, then, --kill-after later, with SIGKILL. 0 means
    /// no limit, as with GNU timeout.
    #[arg(short = 't', long, value_name = "DURATION", help_heading = "Attempts",
          value_parser = duration)]
    pub timeout: Option<Duration>,

    /// Grace from SIGTERM to SIGKILL
    ///
    /// How long --timeout waits after its SIGTERM before its SIGKILL.
    #[arg(long, value_name = "DURATION", help_heading = "Attempts", default_value = "5s",
          value_parser = duration)]
    pub kill_after: Duration,

    /// Keep COMMAND in retry's process group
    ///
    /// Then COMMAND can read the terminal, but signals and --timeout reach
    /// COMMAND alone, not the processes it starts.
    #[arg(long, help_heading = "Attempts")]
    pub foreground: bool,

    /// Pass each attempt's stdout on as it arrives
    ///
    /// For commands whose progress must be seen live, or whose output
    /// never ends. Then every attempt's stdout reaches retry's stdout,
    /// failed ones' included, instead of only the attempt that ends the
    /// run (see "Output" below).
    #[arg(long, help_heading = "Input and output")]
    pub stream: bool,

    /// Give stdin to the first attempt only
    ///
    /// Later attempts read /dev/null. For interactive or endless input,
    /// which cannot or should not be kept for a replay. Always so when
    /// stdin is a terminal.
    #[arg(long, help_heading = "Input and output")]
    pub stdin_once: bool,

    /// Loop mode: run COMMAND again and again, INTERVAL apart
    ///
    /// Replaces `while true; do COMMAND; sleep INTERVAL; done`. Each run is
    /// one attempt. After a failed run (an exit other than 0, a timeout, or
    /// a line matching --retry-if-output, whatever the exit status) the
    /// next run waits the backoff instead: --base-delay, then --multiplier
    /// times more after each further failure, up to --max-delay, spread by
    /// --jitter; back to INTERVAL after a success. Here (without
    /// --policy) --base-delay defaults to INTERVAL and --max-delay to 10
    /// times --base-delay. Ends after --runs, at a status
    /// in --stop-on-exit, or at SIGINT, SIGTERM, SIGHUP or SIGQUIT (passed
    /// on to a run in progress), with the last run's status. Each run's
    /// environment has RETRY_RUN (1, 2, ...), RETRY_ATTEMPT (1 plus the
    /// failed runs just before it) and RETRY_MAX_ATTEMPTS=0 (no limit).
    /// Each run reads all of stdin (see "Input" below); a successful run's
    /// stdout goes to stdout, a failed run's to stderr (see "Output").
    #[arg(long, value_name = "INTERVAL", help_heading = "Loop mode", value_parser = interval,
          conflicts_with_all = ["max_attempts", "max_elapsed", "retry_on_exit"])]
    pub every: Option<Duration>,

    /// With --every: stop after N runs [default: no limit]
    #[arg(long, value_name = "N", help_heading = "Loop mode", value_parser = attempts,
          requires = "every")]
    pub runs: Option<u32>,

    /// Share a circuit breaker NAME with other retry processes
    ///
    /// Its state is in STATE_DIR/breakers/NAME.json, updated under a file
    /// lock by every retry that names it. --breaker-threshold failed
    /// attempts in a row open it; while open, retry does not run COMMAND
    /// and exits with 75; after --breaker-open-for, one process's attempt
    /// probes: success closes it, failure opens it again. A failure counts
    /// if it would be retried (a status in --stop-on-exit counts as an
    /// answer, not a failure).
    #[arg(long, value_name = "NAME", help_heading = "Shared circuit breaker",
          value_parser = breaker_name)]
    pub breaker: Option<String>,

    /// Failed attempts in a row that open the breaker
    #[arg(long, value_name = "N", help_heading = "Shared circuit breaker", default_value = "5",
          value_parser = attempts, requires = "breaker")]
    pub breaker_threshold: u32,

    /// How long the breaker stays open before a probe
    #[arg(long, value_name = "DURATION", help_heading = "Shared circuit breaker",
          default_value = "30s", value_parser = duration, requires = "breaker")]
    pub breaker_open_for: Duration,

    /// How long a probe may run before another process may probe
    ///
    /// Also as soon as the probing process has died: a probe that never
    /// settles cannot keep the breaker half-open.
    #[arg(long, value_name = "DURATION", help_heading = "Shared circuit breaker",
          default_value = "10m", value_parser = duration, requires = "breaker")]
    pub breaker_probe_timeout: Duration,

    /// Where shared state lives [default: $XDG_STATE_HOME/retry, or
    /// ~/.local/state/retry]
    #[arg(
        long,
        value_name = "DIR",
        help_heading = "Shared circuit breaker",
        env = "RETRY_STATE_DIR"
    )]
    pub state_dir: Option<PathBuf>,

    /// Log nothing but errors
    #[arg(short = 'q', long, help_heading = "Logging", conflicts_with = "json")]
    pub quiet: bool,

    /// Log one JSON object per attempt
    ///
    /// Keys: event, attempt, max_attempts, succeeded, exit_code, signal,
    /// timed_out, output_matched, elapsed_ms, action (retry, done, give_up
    /// or interrupted), delay_ms and reason. With --every, one object per
    /// run (event "run"), with run, max_runs, refused and failures_in_a_row,
    /// and action interval, backoff or stop. Also events "interrupted",
    /// "error", "breaker_refused" and "warning".
    #[arg(long, help_heading = "Logging")]
    pub json: bool,

    /// The command to run, then its arguments
    #[arg(value_name = "COMMAND", required = true, trailing_var_arg = true,
          value_parser = clap::value_parser!(OsString))]
    pub command: Vec<OsString>,
}

impl Args {
    /// Parses retry's command line, exiting with a usage error (status 2)
    /// if it is wrong.
    pub fn from_command_line() -> Self {
        Self::parse_from(crate::argv::join_jitter_value(std::env::args_os()))
    }
}

fn attempts(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1 (1 means no retry)".to_owned()),
    }
}

fn interval(text: &str) -> Result<Duration, String> {
    match retry_spec::duration::parse(text) {
        Ok(interval) if interval.is_zero() => Err("expected a duration above 0".to_owned()),
        Ok(interval) => Ok(interval),
        Err(e) => Err(e.to_string()),
    }
}

fn breaker_name(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 100
        && !text.starts_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    match valid {
        true => Ok(text.to_owned()),
        false => Err(
            "expected up to 100 letters, digits, '_', '-' or '.', not starting \
                      with '.' (it names a file)"
                .to_owned(),
        ),
    }
}

fn duration(text: &str) -> Result<Duration, retry_spec::duration::ParseError> {
    retry_spec::duration::parse(text)
}

fn multiplier(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(factor) if factor.is_finite() && factor >= 1.0 => Ok(factor),
        _ => Err("expected a number of at least 1, such as 2 or 1.5".to_owned()),
    }
}

fn code_range(text: &str) -> Result<CodeRange, crate::codes::CodeError> {
    text.parse()
}

fn regex(text: &str) -> Result<Regex, regex::Error> {
    Regex::new(text)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;
    use retry_runtime::Policy;

    use super::*;
    use crate::codes::Codes;

    fn parse(line: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("retry").chain(line.iter().copied()))
    }

    fn parsed(line: &[&str]) -> Args {
        parse(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    fn rejected(line: &[&str]) -> String {
        match parse(line) {
            Ok(args) => panic!("{line:?} accepted: {args:?}"),
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "{e}");
                e.to_string()
            }
        }
    }

    #[test]
    fn the_clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn no_options_leaves_the_policy_to_the_file_or_defaults() {
        let args = parsed(&["--", "curl", "-f", "url"]);
        assert_eq!(args.command, ["curl", "-f", "url"]);
        assert_eq!(args.max_attempts, None);
        assert_eq!(args.base_delay, None);
        assert_eq!(args.jitter, None);
        assert_eq!(args.timeout, None);
        assert_eq!(args.kill_after, Duration::from_secs(5));
        assert!(args.retry_on_exit.is_empty() && args.stop_on_exit.is_empty());
        assert!(!args.quiet && !args.json && !args.foreground);
    }

    #[test]
    fn options_parse_to_their_values() {
        let mut line: Vec<&str> = "-n 5 -d 250ms --max-delay 1m30s --multiplier 1.5 \
            --jitter=decorrelated --max-elapsed 2m -t 10s --kill-after 1s \
            --retry-on-exit 1,75 --retry-on-exit 128-130 --stop-on-exit 2 --json"
            .split_whitespace()
            .collect();
        line.extend([
            "--retry-if-output",
            "429|rate limit",
            "--",
            "./call.sh",
            "--flag",
        ]);
        let args = parsed(&line);
        assert_eq!(args.max_attempts, Some(5));
        assert_eq!(args.base_delay, Some(Duration::from_millis(250)));
        assert_eq!(args.max_delay, Some(Duration::from_secs(90)));
        assert_eq!(args.multiplier, Some(1.5));
        assert_eq!(args.jitter, Some(Jitter::Decorrelated));
        assert_eq!(args.max_elapsed, Some(Duration::from_secs(120)));
        assert_eq!(args.timeout, Some(Duration::from_secs(10)));
        assert_eq!(args.kill_after, Duration::from_secs(1));
        let retry_on: Codes = args.retry_on_exit.iter().collect();
        let listed: Vec<u8> = (0..=255).filter(|&c| retry_on.contains(c)).collect();
        assert_eq!(listed, [1, 75, 128, 129, 130]);
        let stop_on: Codes = args.stop_on_exit.iter().collect();
        assert!(stop_on.contains(2) && !stop_on.contains(1));
        assert!(
            args.retry_if_output
                .is_some_and(|re| re.is_match(b"HTTP 429"))
        );
        assert!(args.json);
        assert_eq!(args.command, ["./call.sh", "--flag"]);
    }

    #[test]
    fn a_bare_jitter_means_full_and_never_takes_the_command() {
        let args = parsed(&["--jitter", "curl", "url"]);
        assert_eq!(args.jitter, Some(Jitter::Full));
        assert_eq!(args.command, ["curl", "url"]);
        assert_eq!(
            parsed(&["--jitter=none", "true"]).jitter,
            Some(Jitter::None)
        );
    }

    #[test]
    fn the_command_needs_no_double_dash_and_keeps_its_options() {
        let args = parsed(&["-n", "2", "ls", "-la", "--quiet"]);
        assert_eq!(args.max_attempts, Some(2));
        assert!(!args.quiet);
        assert_eq!(args.command, ["ls", "-la", "--quiet"]);
    }

    #[test]
    fn bad_values_are_usage_errors_that_say_why() {
        assert!(rejected(&["-n", "0", "true"]).contains("at least 1 (1 means no retry)"));
        assert!(rejected(&["-n", "-3", "true"]).contains("unexpected argument '-3'"));
        assert!(rejected(&["-d", "5 parsecs", "true"]).contains("unknown unit `parsecs`"));
        assert!(rejected(&["--max-delay", "30", "true"]).contains("`30` has no unit"));
        assert!(rejected(&["--multiplier", "0.5", "true"]).contains("at least 1"));
        assert!(rejected(&["--multiplier", "NaN", "true"]).contains("at least 1"));
        assert!(rejected(&["--jitter=fuzzy", "true"]).contains("[possible values: none, full"));
        assert!(rejected(&["--retry-on-exit", "300", "true"]).contains("not an exit status"));
        assert!(rejected(&["--stop-on-exit", "9-3", "true"]).contains("empty range"));
        assert!(rejected(&["--retry-if-output", "(", "true"]).contains("regex parse error"));
        assert!(rejected(&["--quiet", "--json", "true"]).contains("cannot be used with"));
        assert!(rejected(&["--policy-name", "x", "true"]).contains("--policy <FILE>"));
        assert!(rejected(&["--no-such-option", "true"]).contains("unexpected argument"));
        assert_eq!(
            parse(&["-n", "3"]).map(|_| ()).unwrap_err().kind(),
            ErrorKind::MissingRequiredArgument
        );
    }

    #[test]
    fn the_defaults_the_help_states_are_the_policy_defaults() {
        let help = Args::command().render_help().to_string();
        let policy = Policy::new();
        for stated in [
            format!("[default: {}]", policy.max_attempts),
            format!(
                "[default: {}]",
                retry_spec::duration::format(policy.base_delay)
            ),
            format!(
                "[default: {}]",
                retry_spec::duration::format(policy.max_delay)
            ),
            format!("[default: {}]", policy.multiplier),
            format!("[default: {}]", policy.jitter),
        ] {
            assert!(help.contains(&stated), "{stated} missing from:\n{help}");
        }
    }
}
