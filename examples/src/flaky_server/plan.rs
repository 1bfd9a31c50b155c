//! [`Plan`]: what one path does, read from its query string.

use core::fmt;
use core::time::Duration;

/// How a failing request fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and the plan's hint headers).
    Status(u16),
    /// Answer 200, but only after this long: a client with a shorter
    /// per-attempt timeout gives up first.
    Slow(Duration),
    /// Close the connection without answering.
    Drop,
}

/// The server's delay hints to send with a failing status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// `Retry-After: <seconds>`.
    pub retry_after: Option<u64>,
    /// `retry-after-ms: <milliseconds>`.
    pub retry_after_ms: Option<u64>,
    /// `Retry-After: <HTTP-date>`, this many seconds from now (negative: in
    /// the past).
    pub retry_after_date: Option<i64>,
}

/// Which requests to a path fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failing {
    /// Every request.
    Always,
    /// The first `n` requests; then the path recovers.
    First(u32),
    /// Every request during this window, counted from the path's first
    /// request: an outage, then recovery.
    For(Duration),
}

/// What a path does: which requests fail, how, and with which hints. A
/// query without `fault` plans success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// How failing requests fail; `None`: every request succeeds.
    pub fault: Option<Fault>,
    /// Which requests fail.
    pub failing: Failing,
    /// Hint headers sent with a failing status.
    pub hints: Hints,
}

/// A query the server does not understand; answered with 400, so a typo in
/// a test fails loudly instead of turning into a success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadQuery(pub String);

impl fmt::Display for BadQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad query: {}", self.0)
    }
}

impl Plan {
    /// Reads a query such as `fault=503&fail=2&retry_after=1`; see the
    /// [module](super) docs for every key.
    pub fn parse(query: &str) -> Result<Self, BadQuery> {
        let mut plan = Plan {
            fault: None,
            failing: Failing::Always,
            hints: Hints::default(),
        };
        let mut delay = Duration::from_secs(1);
        let mut slow = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "fault" => match value {
                    "slow" => slow = true,
                    "drop" => plan.fault = Some(Fault::Drop),
                    code => plan.fault = Some(Fault::Status(number(key, code)?)),
                },
                "delay_ms" => delay = Duration::from_millis(number(key, value)?),
                "fail" => plan.failing = limit(plan.failing, Failing::First(number(key, value)?))?,
                "for_ms" => {
                    let window = Duration::from_millis(number(key, value)?);
                    plan.failing = limit(plan.failing, Failing::For(window))?;
                }
                "retry_after" => plan.hints.retry_after = Some(number(key, value)?),
                "retry_after_ms" => plan.hints.retry_after_ms = Some(number(key, value)?),
                "retry_after_date" => plan.hints.retry_after_date = Some(number(key, value)?),
                // Anything else labels the request (`id=7`), as real APIs'
                // parameters would.
                _ => {}
            }
        }
        if slow {
            plan.fault = Some(Fault::Slow(delay));
        }
        Ok(plan)
    }

    /// The fault of the `n`th request (1-based) to the path, made `since`
    /// after its first; `None` to succeed.
    pub fn fault_for(&self, n: u32, since: Duration) -> Option<Fault> {
        let fails = match self.failing {
            Failing::Always => true,
            Failing::First(count) => n <= count,
            Failing::For(window) => since < window,
        };
        self.fault.filter(|_| fails)
    }
}

fn number<T: core::str::FromStr>(key: &str, value: &str) -> Result<T, BadQuery> {
    value
        .parse()
        .map_err(|_| BadQuery(format!("`{key}={value}`: not a number")))
}

/// `fail` and `for_ms` are two ways to end the failures; both at once would
/// leave a reader guessing which wins.
fn limit(current: Failing, new: Failing) -> Result<Failing, BadQuery> {
    match current {
        Failing::Always => Ok(new),
        _ => Err(BadQuery("give `fail` or `for_ms`, not both".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(query: &str) -> Plan {
        Plan::parse(query).expect("a valid query")
    }

    #[test]
    fn fail_n_times_then_succeed() {
        let p = plan("fault=503&fail=2&retry_after=1");
        assert_eq!(p.hints.retry_after, Some(1));
        let faults: Vec<_> = (1..=3).map(|n| p.fault_for(n, Duration::ZERO)).collect();
        assert_eq!(
            faults,
            [Some(Fault::Status(503)), Some(Fault::Status(503)), None]
        );
    }

    #[test]
    fn an_outage_window_ends() {
        let p = plan("fault=503&for_ms=800");
        assert_eq!(
            p.fault_for(9, Duration::from_millis(799)),
            Some(Fault::Status(503))
        );
        assert_eq!(p.fault_for(10, Duration::from_millis(800)), None);
    }

    #[test]
    fn faults_without_a_limit_never_end_and_no_fault_never_fails() {
        assert_eq!(
            plan("fault=401").fault_for(1000, Duration::MAX),
            Some(Fault::Status(401))
        );
        assert_eq!(plan("id=7").fault_for(1, Duration::ZERO), None);
        assert_eq!(plan("").fault, None);
    }

    #[test]
    fn slow_and_drop() {
        let slow = plan("delay_ms=250&fault=slow&fail=1");
        assert_eq!(slow.fault, Some(Fault::Slow(Duration::from_millis(250))));
        assert_eq!(plan("fault=drop").fault, Some(Fault::Drop));
        assert_eq!(
            plan("fault=slow").fault,
            Some(Fault::Slow(Duration::from_secs(1)))
        );
    }

    #[test]
    fn dates_may_be_in_the_past() {
        assert_eq!(
            plan("fault=429&retry_after_date=-5").hints.retry_after_date,
            Some(-5)
        );
    }

    #[test]
    fn bad_queries_are_refused() {
        assert!(Plan::parse("fault=5o3").is_err());
        assert!(Plan::parse("fault=503&fail=-1").is_err());
        assert!(Plan::parse("fault=503&fail=1&for_ms=5").is_err());
    }
}
