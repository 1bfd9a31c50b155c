//! Retry's command line before clap reads it: the one rewrite clap cannot
//! express.

use std::ffi::OsString;

use clap::CommandFactory;
use retry_runtime::Jitter;

use crate::args::Args;

/// `--jitter full` (with a space) as `--jitter=full`: a strategy name right
/// after a bare `--jitter` is its value, not the command. Only the options
/// are looked at: the command and its arguments are passed on as they are.
pub fn join_jitter_value(line: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut command = Args::command();
    command.build();
    // The options whose value may be the next word.
    let takes_next = |arg: &clap::Arg| {
        !arg.is_positional() && arg.get_action().takes_values() && !arg.is_require_equals_set()
    };
    let longs: Vec<&str> = command
        .get_arguments()
        .filter(|arg| takes_next(arg))
        .filter_map(clap::Arg::get_long)
        .collect();
    let shorts: Vec<char> = command
        .get_arguments()
        .filter(|arg| takes_next(arg))
        .filter_map(clap::Arg::get_short)
        .collect();
    let mut words = line.into_iter().peekable();
    let mut joined: Vec<OsString> = words.next().into_iter().collect();
    while let Some(word) = words.next() {
        let text = word.to_str().unwrap_or("");
        let value_follows = if let Some(long) = text.strip_prefix("--") {
            if long.is_empty() {
                // `--`: the command follows.
                joined.push(word);
                break;
            }
            if long == "jitter"
                && let Some(name) = words.next_if(is_jitter_name)
            {
                let mut value = OsString::from("--jitter=");
                value.push(name);
                joined.push(value);
                continue;
            }
            longs.contains(&long)
        } else if let Some(cluster) = text.strip_prefix('-').filter(|c| !c.is_empty()) {
            // `-n5` carries its value; `-qn 5` takes the next word.
            let at = cluster.find(|c| shorts.contains(&c));
            at.is_some_and(|at| at + 1 == cluster.len())
        } else {
            // The command: it and everything after it are its own.
            joined.push(word);
            break;
        };
        joined.push(word);
        if value_follows && let Some(value) = words.next() {
            joined.push(value);
        }
    }
    joined.extend(words);
    joined
}

fn is_jitter_name(word: &OsString) -> bool {
    word.to_str().is_some_and(|w| Jitter::NAMES.contains(&w))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn joined(line: &[&str]) -> Vec<String> {
        let line = std::iter::once("retry").chain(line.iter().copied());
        join_jitter_value(line.map(OsString::from))
            .into_iter()
            .skip(1)
            .map(|word| word.into_string().unwrap())
            .collect()
    }

    #[test]
    fn a_strategy_name_after_a_spaced_jitter_is_its_value() {
        assert_eq!(
            joined(&["--jitter", "equal", "curl", "url"]),
            ["--jitter=equal", "curl", "url"]
        );
        let args = Args::parse_from(join_jitter_value(
            ["retry", "-n", "2", "--jitter", "full", "true"].map(OsString::from),
        ));
        assert_eq!(args.jitter, Some(Jitter::Full));
        assert_eq!(args.command, ["true"]);
        // Any other word is the command, as before.
        assert_eq!(joined(&["--jitter", "curl"]), ["--jitter", "curl"]);
        // Values of other options are skipped, never read as options.
        assert_eq!(
            joined(&["-d", "--jitter", "full", "x"]),
            ["-d", "--jitter", "full", "x"]
        );
        assert_eq!(
            joined(&["-qn", "3", "--jitter", "none", "x"]),
            ["-qn", "3", "--jitter=none", "x"]
        );
        assert_eq!(
            joined(&["-n3", "--jitter", "none", "x"]),
            ["-n3", "--jitter=none", "x"]
        );
        // The command's own words are never touched.
        for line in [
            &["--", "tool", "--jitter", "full"][..],
            &["tool", "--jitter", "full"],
            &["--jitter", "--", "full"],
        ] {
            assert_eq!(joined(line), line);
        }
    }
}
