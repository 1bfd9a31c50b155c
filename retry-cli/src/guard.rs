//! The shared breaker (if `--breaker` is given) around each attempt, with
//! its troubles logged: a state file that cannot be used never stops the
//! command.

use crate::log::Log;
use crate::shared_breaker::{Admission, Refusal, SharedBreaker, Ticket, Trouble};

/// What guards the attempts of one run.
pub struct Guard<'a> {
    /// The breaker, if any.
    pub breaker: Option<SharedBreaker>,
    /// Where troubles are reported.
    pub log: &'a Log,
}

/// Leave to run one attempt: settle it with [`Guard::settle`].
#[derive(Debug)]
pub struct Leave(Option<Ticket>);

impl Guard<'_> {
    /// Asks the breaker to let one attempt run.
    pub fn admit(&self) -> Result<Leave, Refusal> {
        let Some(breaker) = &self.breaker else {
            return Ok(Leave(None));
        };
        let (admission, corrupt) = breaker.admit();
        self.report(breaker, corrupt);
        match admission {
            Ok(Admission::Run { ticket, taken_over }) => {
                if let Some(pid) = taken_over {
                    self.log.probe_taken_over(breaker.name(), pid);
                }
                Ok(Leave(Some(ticket)))
            }
            Ok(Admission::Refused(refusal)) => Err(refusal),
            Err(trouble) => {
                self.report(breaker, Some(trouble));
                Ok(Leave(None))
            }
        }
    }

    /// Records how the attempt ended (`failed`: a failure worth a retry);
    /// returns whether the breaker is open now (then no retry follows).
    pub fn settle(&self, leave: Leave, failed: bool) -> bool {
        let (Some(breaker), Leave(Some(ticket))) = (&self.breaker, leave) else {
            return false;
        };
        let (open, corrupt) = breaker.settle(ticket, failed);
        self.report(breaker, corrupt);
        open.unwrap_or_else(|trouble| {
            self.report(breaker, Some(trouble));
            false
        })
    }

    /// The breaker's name, if there is one.
    pub fn name(&self) -> Option<&str> {
        self.breaker.as_ref().map(SharedBreaker::name)
    }

    fn report(&self, breaker: &SharedBreaker, trouble: Option<Trouble>) {
        if let Some(trouble) = trouble {
            self.log.breaker_trouble(breaker.name(), &trouble);
        }
    }
}
