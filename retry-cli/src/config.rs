//! The policy a run follows: the `--policy` file (or the defaults), then
//! the options given on the command line over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use retry_runtime::{Policy, PolicyError};
use retry_spec::PolicyKey;

/// The command's policy: its per-attempt timeout, from `-t` or a policy
/// file, is known only at run time.
pub type CommandPolicy = Policy<Option<Duration>>;

use crate::args::Args;
use crate::codes::Codes;
use crate::log::Log;
use crate::rules::Rules;
use crate::shared_breaker::{BreakerSettings, SharedBreaker, Trouble};
use crate::state;

/// A policy file or an option combination that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read policy file '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid policy (toml's message has the line and key).
    #[error("invalid policy file '{}':\n{message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's explanation.
        message: String,
    },
    /// `--policy-name` names no table of the file.
    #[error("policy file '{}' has no table [{name}]; its tables: {available}", path.display())]
    NoSuchPolicy {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The names it has, comma-separated.
        available: String,
    },
    /// The options combine into a policy `Policy::validate` rejects.
    #[error("{0}")]
    Invalid(String),
}

/// The policy: the file's (or `Policy::new()`), with each option given
/// replacing its field, validated as a whole.
pub fn policy(args: &Args) -> Result<CommandPolicy, ConfigError> {
    let mut policy = match &args.policy {
        Some(path) => load(path, args.policy_name.as_deref())?,
        None => Policy::new().maybe_timeout(None),
    };
    // One option per key of a policy file, by the same name: matched
    // exhaustively, so a key added to the table needs its option here.
    for key in PolicyKey::ALL {
        match key {
            PolicyKey::MaxAttempts => replace(&mut policy.max_attempts, args.max_attempts),
            PolicyKey::BaseDelay => replace(&mut policy.base_delay, args.base_delay),
            PolicyKey::MaxDelay => replace(&mut policy.max_delay, args.max_delay),
            PolicyKey::Multiplier => replace(&mut policy.multiplier, args.multiplier),
            PolicyKey::Jitter => replace(&mut policy.jitter, args.jitter),
            PolicyKey::MaxElapsed => replace(&mut policy.max_elapsed, args.max_elapsed.map(Some)),
            PolicyKey::Timeout => replace(&mut policy.timeout, args.timeout.map(Some)),
            // A command sends no server delay hints: nothing to cap. A
            // policy file may still hold the key, shared with the library.
            PolicyKey::MaxRetryAfter => {}
            // The command has no deadline option: a file's is refused
            // below rather than half applied.
            PolicyKey::Deadline | PolicyKey::MinAttemptTime => {}
        }
    }
    // Loop mode's backoff starts from its interval, unless told otherwise.
    if let (Some(interval), None) = (args.every, &args.policy) {
        if args.base_delay.is_none() {
            policy.base_delay = interval;
        }
        if args.max_delay.is_none() {
            policy.max_delay = policy.base_delay.saturating_mul(10);
        }
    }
    if let Some(deadline) = policy.deadline {
        return Err(ConfigError::Invalid(format!(
            "the policy sets deadline = \"{}\", which the retry command does not support; use --max-elapsed and --timeout",
            retry_spec::duration::format(deadline)
        )));
    }
    // A timeout of 0 means none, as GNU timeout's `timeout 0` does.
    if policy.timeout == Some(Duration::ZERO) {
        policy.timeout = None;
    }
    policy
        .validate()
        .map_err(|e| ConfigError::Invalid(explain(e)))?;
    Ok(policy)
}

/// The option's value, when given, in place of the field's.
fn replace<T>(field: &mut T, option: Option<T>) {
    if let Some(value) = option {
        *field = value;
    }
}

/// The retry rules of `--retry-on-exit`, `--stop-on-exit` and
/// `--retry-if-output`.
pub fn rules(args: &Args) -> Result<Rules, ConfigError> {
    let retry_on: Codes = args.retry_on_exit.iter().collect();
    if retry_on.contains(0) {
        return Err(ConfigError::Invalid(
            "--retry-on-exit lists 0, but exit status 0 is success and is never retried".into(),
        ));
    }
    Ok(Rules {
        retry_on,
        stop_on: args.stop_on_exit.iter().collect(),
        output_selects: args.retry_if_output.is_some(),
    })
}

/// The shared breaker `--breaker` names, if any. Without a state
/// directory it is left out, with a warning: the command still runs.
pub fn breaker(args: &Args, log: &Log) -> Option<SharedBreaker> {
    let name = args.breaker.clone()?;
    let settings = BreakerSettings {
        name,
        threshold: args.breaker_threshold,
        open_for: args.breaker_open_for,
        probe_timeout: args.breaker_probe_timeout,
    };
    match state::state_dir(args.state_dir.as_deref()) {
        Ok(dir) => Some(SharedBreaker::new(settings, dir)),
        Err(e) => {
            log.breaker_trouble(&settings.name, &Trouble::Unusable(e));
            None
        }
    }
}

/// A validation error in the command line's terms. Only the delays can
/// clash here: each option is checked on its own while parsing, and the
/// file as it loads.
fn explain(error: PolicyError) -> String {
    match error {
        PolicyError::BaseAboveMax { base, max } => format!(
            "the base delay ({}) is longer than the maximum delay ({}); \
             lower --base-delay or raise --max-delay",
            retry_spec::duration::format(base),
            retry_spec::duration::format(max),
        ),
        other => other.to_string(),
    }
}

/// Reads a policy table, or with `name` the table `[name]` of a file of
/// named policies.
fn load(path: &Path, name: Option<&str>) -> Result<CommandPolicy, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let parse_error = |e: toml::de::Error| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    };
    let Some(name) = name else {
        return toml::from_str(&text).map_err(parse_error);
    };
    let mut named: BTreeMap<String, CommandPolicy> = toml::from_str(&text).map_err(parse_error)?;
    named.remove(name).ok_or_else(|| ConfigError::NoSuchPolicy {
        path: path.to_owned(),
        name: name.to_owned(),
        available: named
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use retry_runtime::Jitter;

    use super::*;

    fn args(line: &[&str]) -> Args {
        Args::parse_from(["retry"].iter().chain(line).chain(&["true"]))
    }

    #[test]
    fn without_a_file_options_override_the_defaults() {
        let policy = policy(&args(&["-n", "5", "-d", "1ms", "--jitter"])).unwrap();
        assert_eq!(
            policy,
            Policy::new()
                .max_attempts(5)
                .base_delay(Duration::from_millis(1))
                .jitter(Jitter::Full)
                .maybe_timeout(None)
        );
        assert_eq!(policy_of(&[]), Policy::new().maybe_timeout(None));
    }

    fn policy_of(line: &[&str]) -> CommandPolicy {
        policy(&args(line)).unwrap()
    }

    /// A value for `key`, as a policy file writes it and as its option
    /// takes it; `None` for a key with no option. Exhaustive, so a key
    /// added to the table is a compile error here until it is tested.
    fn sample(key: PolicyKey) -> Option<(&'static str, &'static str)> {
        Some(match key {
            PolicyKey::MaxAttempts => ("7", "7"),
            PolicyKey::BaseDelay => ("\"250ms\"", "250ms"),
            PolicyKey::MaxDelay => ("\"2m\"", "2m"),
            PolicyKey::Multiplier => ("1.5", "1.5"),
            PolicyKey::Jitter => ("\"decorrelated\"", "decorrelated"),
            PolicyKey::MaxElapsed => ("\"90s\"", "90s"),
            PolicyKey::Timeout => ("\"20s\"", "20s"),
            // Server hints are the library's; a command has none.
            PolicyKey::MaxRetryAfter => return None,
            // No deadline option yet: a file's deadline is refused (below).
            PolicyKey::Deadline | PolicyKey::MinAttemptTime => return None,
        })
    }

    #[test]
    fn a_policy_file_with_a_deadline_is_refused_not_half_applied() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, "deadline = \"30s\"\n").unwrap();
        let error = policy(&args(&["--policy", file.to_str().unwrap()])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the policy sets deadline = \"30s\", which the retry command does not support; use --max-elapsed and --timeout"
        );
    }

    /// The one table of keys (`retry_spec::PolicyKey`) holds for the CLI:
    /// each key's option is its name with dashes and sets what the key
    /// sets in a policy file, and every backoff option is such a key.
    #[test]
    fn each_policy_key_is_the_option_of_the_same_name() {
        use clap::CommandFactory;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        for key in PolicyKey::ALL {
            let option = format!("--{}", key.name().replace('_', "-"));
            let Some((in_file, on_line)) = sample(key) else {
                let command = Args::command();
                assert!(
                    command
                        .get_arguments()
                        .all(|a| a.get_long() != Some(&option[2..])),
                    "{option} exists, but the table says a command has no such option"
                );
                continue;
            };
            std::fs::write(&file, format!("{} = {in_file}\n", key.name())).unwrap();
            let from_file = policy_of(&["--policy", file.to_str().unwrap()]);
            let from_option = policy_of(&[&format!("{option}={on_line}")]);
            assert_eq!(from_file, from_option, "{key}");
            assert_ne!(
                from_option,
                Policy::new().into(),
                "{option} changed nothing"
            );
        }
        let keyed: Vec<String> = PolicyKey::ALL
            .into_iter()
            .filter(|key| sample(*key).is_some())
            .map(|key| key.name().replace('_', "-"))
            .collect();
        let command = Args::command();
        for arg in command.get_arguments() {
            if arg.get_help_heading() != Some("Backoff") {
                continue;
            }
            let long = arg.get_long().unwrap();
            assert!(
                keyed.iter().any(|k| k == long) || ["policy", "policy-name"].contains(&long),
                "--{long} sets the backoff but is no key of a policy file"
            );
        }
    }

    #[test]
    fn loop_mode_backs_off_from_its_interval() {
        let policy = policy_of(&["--every", "1m"]);
        assert_eq!(policy.base_delay, Duration::from_secs(60));
        assert_eq!(policy.max_delay, Duration::from_secs(600));
        let policy = policy_of(&["--every", "1m", "-d", "5s"]);
        assert_eq!(policy.base_delay, Duration::from_secs(5));
        assert_eq!(policy.max_delay, Duration::from_secs(50));
        let policy = policy_of(&["--every", "1m", "--max-delay", "1h"]);
        assert_eq!(policy.max_delay, Duration::from_secs(3600));
    }

    #[test]
    fn a_zero_timeout_is_no_timeout() {
        assert_eq!(policy_of(&["-t", "0s"]).timeout, None);
        assert_eq!(
            policy_of(&["-t", "2s"]).timeout,
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn clashing_delays_are_explained_in_options() {
        let message = policy(&args(&["-d", "1m"])).unwrap_err().to_string();
        assert_eq!(
            message,
            "the base delay (60s) is longer than the maximum delay (30s); \
             lower --base-delay or raise --max-delay"
        );
    }

    #[test]
    fn rules_come_from_their_options() {
        let rules = rules(&args(&["--retry-on-exit", "75", "--stop-on-exit", "2,3"])).unwrap();
        assert!(rules.retry_on.contains(75) && !rules.retry_on.contains(1));
        assert!(rules.stop_on.contains(3) && !rules.stop_on.contains(75));
        assert!(!rules.output_selects);
        assert!(
            super::rules(&args(&["--retry-if-output", "x"]))
                .unwrap()
                .output_selects
        );
        let message = super::rules(&args(&["--retry-on-exit", "0-5"]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("exit status 0 is success"), "{message}");
    }

    #[test]
    fn the_example_policy_file_has_the_per_api_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retry.toml");
        let ms = Duration::from_millis;
        for (name, attempts, base) in [
            ("gitea_api", 3, ms(1000)),
            ("anthropic_api", 2, ms(2000)),
            ("ollama_api", 5, ms(500)),
        ] {
            let policy = load(&path, Some(name)).unwrap();
            assert_eq!(
                (policy.max_attempts, policy.base_delay),
                (attempts, base),
                "{name}"
            );
            let jitter = if name == "anthropic_api" {
                Jitter::Full
            } else {
                Jitter::None
            };
            assert_eq!(policy.jitter, jitter, "{name}");
            // The rest are the defaults.
            assert_eq!(
                policy,
                Policy::new()
                    .max_attempts(attempts)
                    .base_delay(base)
                    .jitter(jitter)
                    .maybe_timeout(None)
            );
        }
    }

    #[test]
    fn a_missing_file_is_reported_with_its_path() {
        let message = policy(&args(&["--policy", "/no/such/policy.toml"]))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("cannot read policy file '/no/such/policy.toml': "),
            "{message}"
        );
    }
}
