//! Which failed attempts are worth another: the classifier the runtime's
//! engine asks about each one.

use retry_runtime::Verdict;
use retry_runtime::engine::Classifier;

use crate::codes::Codes;
use crate::outcome::Outcome;

/// The retry rules of `--retry-on-exit`, `--stop-on-exit` and
/// `--retry-if-output`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// `--retry-on-exit`: only these statuses retry (empty = not given).
    pub retry_on: Codes,
    /// `--stop-on-exit`: these statuses never retry; wins over the others.
    pub stop_on: Codes,
    /// `--retry-if-output` was given: a matching output selects a retry.
    pub output_selects: bool,
}

impl Rules {
    /// `Ok` when a failed attempt should be retried, else why not, in words
    /// for the log. (Timeouts never get here: the engine always retries
    /// them.)
    pub fn judge(&self, outcome: &Outcome) -> Result<(), String> {
        let code = outcome.code();
        if self.stop_on.contains(code) {
            return Err(format!("{} is in --stop-on-exit", describe(code)));
        }
        let selective = !self.retry_on.is_empty() || self.output_selects;
        if !selective || self.retry_on.contains(code) || outcome.output_matched == Some(true) {
            return Ok(());
        }
        let mut reasons = Vec::with_capacity(2);
        if !self.retry_on.is_empty() {
            reasons.push(format!("{} is not in --retry-on-exit", describe(code)));
        }
        if self.output_selects {
            reasons.push("no output line matched --retry-if-output".to_owned());
        }
        let why = reasons.join(" and ");
        Err(why)
    }
}

impl Rules {
    /// Whether `outcome` is a failure worth a retry (what the shared
    /// breaker counts): a timeout, or a failure the rules retry. Other
    /// failures are answers, as a 404 is to the runtime's breaker.
    pub fn transient(&self, outcome: &Outcome) -> bool {
        !outcome.succeeded() && (outcome.timed_out || self.judge(outcome).is_ok())
    }
}

fn describe(code: u8) -> String {
    format!("exit status {code}")
}

impl Classifier<Outcome> for Rules {
    fn verdict(&mut self, outcome: &Outcome) -> Verdict {
        Verdict::from_bool(self.judge(outcome).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::codes::CodeRange;
    use crate::outcome::Status;

    fn failed(code: u8, matched: Option<bool>) -> Outcome {
        Outcome {
            status: Status::Exited(code),
            timed_out: false,
            output_matched: matched,
            elapsed: Duration::ZERO,
            interrupted: None,
        }
    }

    fn codes(list: &[u8]) -> Codes {
        list.iter()
            .map(|&c| CodeRange(c..=c))
            .collect::<Vec<_>>()
            .iter()
            .collect()
    }

    #[test]
    fn by_default_every_failure_retries() {
        let rules = Rules::default();
        assert_eq!(rules.judge(&failed(1, None)), Ok(()));
        assert_eq!(rules.judge(&failed(255, None)), Ok(()));
        let killed = Outcome {
            status: Status::Signaled(9),
            ..failed(0, None)
        };
        assert_eq!(rules.judge(&killed), Ok(()));
    }

    #[test]
    fn stop_codes_win() {
        let rules = Rules {
            stop_on: codes(&[2]),
            retry_on: codes(&[2, 3]),
            output_selects: true,
        };
        assert_eq!(
            rules.judge(&failed(2, Some(true))),
            Err("exit status 2 is in --stop-on-exit".into())
        );
        assert_eq!(rules.judge(&failed(3, Some(false))), Ok(()));
    }

    #[test]
    fn retry_codes_select() {
        let rules = Rules {
            retry_on: codes(&[75]),
            ..Rules::default()
        };
        assert_eq!(rules.judge(&failed(75, None)), Ok(()));
        assert_eq!(
            rules.judge(&failed(1, None)),
            Err("exit status 1 is not in --retry-on-exit".into())
        );
    }

    #[test]
    fn matching_output_selects() {
        let rules = Rules {
            output_selects: true,
            ..Rules::default()
        };
        assert_eq!(rules.judge(&failed(1, Some(true))), Ok(()));
        assert_eq!(
            rules.judge(&failed(1, Some(false))),
            Err("no output line matched --retry-if-output".into())
        );
        let both = Rules {
            output_selects: true,
            retry_on: codes(&[75]),
            ..Rules::default()
        };
        assert_eq!(both.judge(&failed(75, Some(false))), Ok(()));
        assert_eq!(
            both.judge(&failed(1, Some(false))),
            Err(
                "exit status 1 is not in --retry-on-exit and no output line matched \
                 --retry-if-output"
                    .into()
            )
        );
    }
}
