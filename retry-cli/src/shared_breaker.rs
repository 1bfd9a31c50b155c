//! `--breaker NAME`: a circuit breaker shared by every `retry` process
//! that names it, its state in `STATE_DIR/breakers/NAME.json`.
//!
//! The semantics of the runtime's `CircuitBreaker`, across processes:
//! `threshold` transient failures in a row open it; while open, attempts
//! are refused for `open_for`; then one process's attempt is the probe
//! (half-open) and the others are refused until it settles: success
//! closes the breaker, failure opens it again. A probe whose process dies
//! (or that runs past `probe_timeout`) lets another process probe.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::state::{self, Contents, StateError};

/// How a breaker behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Its name, which names its file.
    pub name: String,
    /// Transient failures in a row that open it.
    pub threshold: u32,
    /// How long it stays open before a probe.
    pub open_for: Duration,
    /// How long a probe may run before another process may probe.
    pub probe_timeout: Duration,
}

/// The state file's contents (JSON; times are Unix milliseconds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerFile {
    /// `closed`, `open` or `half_open`.
    pub state: Phase,
    /// Transient failures in a row, while closed.
    pub failures: u32,
    /// Counts the periods (each trip and each close starts one), so that a
    /// late outcome from an earlier period is not counted in this one.
    pub generation: u64,
    /// While open: when a probe may go.
    pub open_until_ms: u64,
    /// While half-open: the probing process, and since when.
    pub probe: Option<Probe>,
    /// How many times it has opened.
    pub trips: u64,
}

/// A breaker's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Attempts run.
    #[default]
    Closed,
    /// Attempts are refused.
    Open,
    /// One process probes; the others are refused.
    HalfOpen,
}

/// The process probing a half-open breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// Its process id.
    pub pid: u32,
    /// When it started probing (Unix milliseconds).
    pub since_ms: u64,
}

/// Leave to run one attempt, to be settled with its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    generation: u64,
    probe: bool,
}

/// Why an attempt may not run now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Open, or half-open with another process probing.
    pub phase: Phase,
    /// When it may let an attempt through again, at the earliest.
    pub retry_in: Duration,
    /// The probing process, when half-open.
    pub prober: Option<u32>,
    /// The failures in a row that opened it.
    pub threshold: u32,
}

/// What [`SharedBreaker::admit`] says.
#[derive(Debug)]
pub enum Admission {
    /// Run the attempt. `taken_over` names a probe that died or ran past
    /// its time, whose place this attempt takes.
    Run {
        /// The leave.
        ticket: Ticket,
        /// The probe replaced, if any.
        taken_over: Option<u32>,
    },
    /// Do not run it.
    Refused(Refusal),
}

/// A problem with the state file that did not stop the attempt.
#[derive(Debug)]
pub enum Trouble {
    /// The file was not a breaker state; it has been started afresh.
    Corrupt(PathBuf, String),
    /// The file cannot be used: the attempt runs without the breaker.
    Unusable(StateError),
}

/// One named breaker, as this process sees it.
pub struct SharedBreaker {
    settings: BreakerSettings,
    path: PathBuf,
    pid: u32,
}

impl SharedBreaker {
    /// The breaker `settings.name`, its file under `dir`.
    pub fn new(settings: BreakerSettings, dir: PathBuf) -> Self {
        let path = dir.join("breakers").join(format!("{}.json", settings.name));
        Self {
            settings,
            path,
            pid: std::process::id(),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// Asks to run one attempt. On `Err`, the attempt runs unguarded.
    pub fn admit(&self) -> (Result<Admission, Trouble>, Option<Trouble>) {
        let settings = &self.settings;
        let pid = self.pid;
        self.update(|file| admit(settings, file, now_ms(), pid, alive))
    }

    /// Records how an admitted attempt ended (`failed`: a transient
    /// failure); returns whether the breaker is open now.
    pub fn settle(&self, ticket: Ticket, failed: bool) -> (Result<bool, Trouble>, Option<Trouble>) {
        let settings = &self.settings;
        let pid = self.pid;
        self.update(|file| settle(settings, file, ticket, failed, now_ms(), pid))
    }

    /// Runs `step` on the file's state under its lock: the result, and a
    /// corrupt file's trouble if one was repaired on the way.
    fn update<R>(
        &self,
        step: impl FnOnce(&mut BreakerFile) -> R,
    ) -> (Result<R, Trouble>, Option<Trouble>) {
        let mut corrupt = None;
        let result = state::update(&self.path, |contents| {
            let (mut file, repair) = match contents {
                // Written at once, so that the file always shows the state.
                Contents::Empty => (BreakerFile::default(), true),
                Contents::Valid(file) => (file, false),
                Contents::Corrupt(why) => {
                    corrupt = Some(Trouble::Corrupt(self.path.clone(), why));
                    (BreakerFile::default(), true)
                }
            };
            let before = file.clone();
            let result = step(&mut file);
            let changed = repair || file != before;
            (changed.then_some(file), result)
        });
        (result.map_err(Trouble::Unusable), corrupt)
    }
}

/// The admission rule, on the state read under the lock.
fn admit(
    settings: &BreakerSettings,
    file: &mut BreakerFile,
    now: u64,
    pid: u32,
    alive: impl Fn(u32) -> bool,
) -> Admission {
    let run = |file: &BreakerFile, probe, taken_over| Admission::Run {
        ticket: Ticket {
            generation: file.generation,
            probe,
        },
        taken_over,
    };
    match file.state {
        Phase::Closed => run(file, false, None),
        Phase::Open if now < file.open_until_ms => Admission::Refused(Refusal {
            phase: Phase::Open,
            retry_in: Duration::from_millis(file.open_until_ms - now),
            prober: None,
            threshold: settings.threshold,
        }),
        Phase::Open => {
            file.state = Phase::HalfOpen;
            file.probe = Some(Probe { pid, since_ms: now });
            run(file, true, None)
        }
        Phase::HalfOpen => {
            let limit = millis(settings.probe_timeout);
            let live = file
                .probe
                .filter(|probe| alive(probe.pid) && now < probe.since_ms.saturating_add(limit));
            if let Some(probe) = live {
                return Admission::Refused(Refusal {
                    phase: Phase::HalfOpen,
                    retry_in: Duration::from_millis(
                        probe.since_ms.saturating_add(limit).saturating_sub(now),
                    ),
                    prober: Some(probe.pid),
                    threshold: settings.threshold,
                });
            }
            let gone = file.probe.map(|probe| probe.pid);
            file.probe = Some(Probe { pid, since_ms: now });
            run(file, true, gone)
        }
    }
}

/// The settling rule: counts a closed-period outcome, or ends a probe.
/// Returns whether the breaker is open afterwards.
fn settle(
    settings: &BreakerSettings,
    file: &mut BreakerFile,
    ticket: Ticket,
    failed: bool,
    now: u64,
    pid: u32,
) -> bool {
    let current = ticket.generation == file.generation;
    match file.state {
        Phase::Closed if current && !ticket.probe => {
            file.failures = if failed {
                file.failures.saturating_add(1)
            } else {
                0
            };
            if file.failures >= settings.threshold {
                trip(settings, file, now);
            }
        }
        Phase::HalfOpen if current && ticket.probe && file.probe.is_some_and(|p| p.pid == pid) => {
            if failed {
                trip(settings, file, now);
            } else {
                *file = BreakerFile {
                    generation: file.generation.wrapping_add(1),
                    trips: file.trips,
                    ..BreakerFile::default()
                };
            }
        }
        // An outcome from an earlier period, or a probe whose place was
        // taken: nothing to count.
        _ => {}
    }
    file.state == Phase::Open
}

fn trip(settings: &BreakerSettings, file: &mut BreakerFile, now: u64) {
    *file = BreakerFile {
        state: Phase::Open,
        failures: 0,
        generation: file.generation.wrapping_add(1),
        open_until_ms: now.saturating_add(millis(settings.open_for)),
        probe: None,
        trips: file.trips.saturating_add(1),
    };
}

/// Whether process `pid` exists (one that is not ours to signal does).
fn alive(pid: u32) -> bool {
    match i32::try_from(pid) {
        Ok(pid) if pid > 0 => kill(Pid::from_raw(pid), None) != Err(Errno::ESRCH),
        _ => false,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BreakerSettings {
        BreakerSettings {
            name: "api".into(),
            threshold: 2,
            open_for: Duration::from_secs(30),
            probe_timeout: Duration::from_secs(600),
        }
    }

    const ME: u32 = 10;
    const OTHER: u32 = 20;

    fn ticket(admission: Admission) -> Ticket {
        match admission {
            Admission::Run { ticket, .. } => ticket,
            Admission::Refused(refusal) => panic!("refused: {refusal:?}"),
        }
    }

    fn refusal(admission: Admission) -> Refusal {
        match admission {
            Admission::Refused(refusal) => refusal,
            Admission::Run { .. } => panic!("admitted"),
        }
    }

    #[test]
    fn threshold_failures_in_a_row_open_it_for_open_for() {
        let s = settings();
        let mut file = BreakerFile::default();
        let first = ticket(admit(&s, &mut file, 0, ME, |_| true));
        assert!(!settle(&s, &mut file, first, true, 1_000, ME));
        // A success in between starts the count again.
        assert!(!settle(&s, &mut file, first, false, 1_000, ME));
        assert_eq!(file.failures, 0);
        assert!(!settle(&s, &mut file, first, true, 1_000, ME));
        assert!(settle(&s, &mut file, first, true, 2_000, ME));
        assert_eq!(
            (file.state, file.open_until_ms, file.trips),
            (Phase::Open, 32_000, 1)
        );
        let refused = refusal(admit(&s, &mut file, 12_000, OTHER, |_| true));
        assert_eq!(refused.phase, Phase::Open);
        assert_eq!(refused.retry_in, Duration::from_secs(20));
        // A late outcome of the closed period counts for nothing.
        assert!(settle(&s, &mut file, first, false, 3_000, ME));
        assert_eq!(file.state, Phase::Open);
    }

    #[test]
    fn after_open_for_one_process_probes_and_its_outcome_decides() {
        let s = settings();
        let mut file = BreakerFile::default();
        trip(&s, &mut file, 0);
        let probe = ticket(admit(&s, &mut file, 30_000, ME, |_| true));
        assert_eq!(file.state, Phase::HalfOpen);
        let refused = refusal(admit(&s, &mut file, 30_001, OTHER, |_| true));
        assert_eq!((refused.phase, refused.prober), (Phase::HalfOpen, Some(ME)));
        // Success closes it.
        assert!(!settle(&s, &mut file, probe, false, 31_000, ME));
        assert_eq!(
            (file.state, file.failures, file.trips),
            (Phase::Closed, 0, 1)
        );
        // A failed probe opens it again, for open_for from then.
        trip(&s, &mut file, 40_000);
        let probe = ticket(admit(&s, &mut file, 70_000, ME, |_| true));
        assert!(settle(&s, &mut file, probe, true, 71_000, ME));
        assert_eq!(
            (file.state, file.open_until_ms, file.trips),
            (Phase::Open, 101_000, 3)
        );
    }

    #[test]
    fn a_dead_or_overdue_probe_gives_its_place() {
        let s = settings();
        let mut file = BreakerFile::default();
        trip(&s, &mut file, 0);
        let stale = ticket(admit(&s, &mut file, 30_000, OTHER, |_| true));
        // Its process is gone: the next comer probes at once.
        match admit(&s, &mut file, 30_001, ME, |pid| pid != OTHER) {
            Admission::Run { ticket, taken_over } => {
                assert!(ticket.probe);
                assert_eq!(taken_over, Some(OTHER));
            }
            Admission::Refused(refusal) => panic!("{refusal:?}"),
        }
        // The stale probe's outcome no longer counts.
        assert!(!settle(&s, &mut file, stale, true, 30_002, OTHER));
        assert_eq!(file.probe.map(|p| p.pid), Some(ME));
        // Alive but past the probe timeout: replaced too.
        let limit = 30_001 + 600_000;
        refusal(admit(&s, &mut file, limit - 1, OTHER, |_| true));
        ticket(admit(&s, &mut file, limit, OTHER, |_| true));
        assert_eq!(file.probe.map(|p| p.pid), Some(OTHER));
    }

    #[test]
    fn the_file_format_is_plain_json() {
        let file = BreakerFile {
            state: Phase::HalfOpen,
            failures: 0,
            generation: 3,
            open_until_ms: 5,
            probe: Some(Probe {
                pid: 7,
                since_ms: 9,
            }),
            trips: 2,
        };
        let text = serde_json::to_string(&file).unwrap();
        assert_eq!(
            text,
            r#"{"state":"half_open","failures":0,"generation":3,"open_until_ms":5,"probe":{"pid":7,"since_ms":9},"trips":2}"#
        );
        assert_eq!(serde_json::from_str::<BreakerFile>(&text).unwrap(), file);
    }
}
