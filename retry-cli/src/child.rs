//! Running one attempt: start the command, pass signals on to it, stop it
//! at its timeout, and wait for it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use regex::bytes::Regex;

use crate::outcome::{Outcome, Status};
use crate::signals::{Event, Events};
use crate::tee::Tee;

/// Even with SIGCHLD to wake it, the wait looks at the child this often,
/// in case a SIGCHLD was consumed by an earlier wake-up.
const POLL: Duration = Duration::from_millis(50);

/// How each attempt is started and bounded.
pub struct Launch {
    /// The program and its arguments.
    pub command: Vec<OsString>,
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Wait between the timeout's SIGTERM and its SIGKILL.
    pub kill_after: Duration,
    /// Keep the command in retry's process group.
    pub foreground: bool,
    /// `--retry-if-output`: pipe and match the output.
    pub output: Option<Regex>,
}

/// The command could not be started.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SpawnError(#[from] io::Error);

impl SpawnError {
    /// The status a shell uses for it: 127 when there is no such command,
    /// 126 when it cannot be executed.
    pub fn code(&self) -> u8 {
        if self.0.kind() == io::ErrorKind::NotFound {
            127
        } else {
            126
        }
    }

    /// A shell's wording: "command not found", "permission denied", ...
    pub fn reason(&self) -> String {
        match self.0.kind() {
            io::ErrorKind::NotFound => "command not found".to_owned(),
            io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => self.0.to_string(),
        }
    }
}

impl Launch {
    /// Runs one attempt to its end, with `env` added to the command's
    /// environment. Only the first attempt gets retry's standard input:
    /// it cannot be read twice.
    pub fn run(
        &self,
        first: bool,
        env: &[(&str, String)],
        events: &Events,
    ) -> Result<Outcome, SpawnError> {
        let started = Instant::now();
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no command given"))?;
        let mut child = match self.command(program, args, first, env).spawn() {
            Ok(child) => child,
            // A script without a `#!` line: run it with /bin/sh, as
            // execvp does (and so env, nice and timeout).
            Err(e) if e.raw_os_error() == Some(Errno::ENOEXEC as i32) => {
                let script = locate(program).ok_or(e)?;
                let args: Vec<OsString> = std::iter::once(script.into_os_string())
                    .chain(args.iter().cloned())
                    .collect();
                self.command(OsStr::new("/bin/sh"), &args, first, env)
                    .spawn()?
            }
            Err(e) => return Err(e.into()),
        };
        let tee = match (&self.output, child.stdout.take(), child.stderr.take()) {
            (Some(regex), Some(stdout), Some(stderr)) => {
                // The same type for both streams, as `Tee` wants.
                let (stdout, stderr) = (OwnedFd::from(stdout), OwnedFd::from(stderr));
                let (stdout, stderr) = (File::from(stdout), File::from(stderr));
                match Tee::start(regex, (stdout, io::stdout()), (stderr, io::stderr())) {
                    Ok(tee) => Some(tee),
                    Err(e) => {
                        // No thread to drain its output: stop it rather
                        // than leave it blocked on a full pipe.
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(e.into());
                    }
                }
            }
            _ => None,
        };
        let mut outcome = self.wait(&mut child, started, events)?;
        outcome.output_matched = tee.map(Tee::finish);
        Ok(outcome)
    }

    /// The program's name, for the log.
    pub fn program(&self) -> String {
        self.command
            .first()
            .map(|program| program.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The command for one attempt, not yet started.
    fn command(
        &self,
        program: &OsStr,
        args: &[OsString],
        first: bool,
        env: &[(&str, String)],
    ) -> Command {
        let mut command = Command::new(program);
        command.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        command.stdin(if first {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
        if !self.foreground {
            // A group of its own: a timeout or a forwarded signal reaches
            // every process the command starts, not just the first.
            command.process_group(0);
        }
        if self.output.is_some() {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        command
    }

    /// Waits for `child`, passing on forwarded signals, and enforcing the
    /// timeout with SIGTERM, then SIGKILL after `kill_after`.
    fn wait(&self, child: &mut Child, started: Instant, events: &Events) -> io::Result<Outcome> {
        let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
        // What happens at `deadline`: SIGTERM first, SIGKILL after.
        let mut next = Signal::SIGTERM;
        let mut deadline = self.timeout.and_then(|t| started.checked_add(t));
        let mut timed_out = false;
        let mut interrupted = None;
        loop {
            // `try_wait` reaps the child; until then its pid cannot be
            // reused, so the signals below never reach a stranger.
            if let Some(status) = child.try_wait()? {
                return Ok(Outcome {
                    status: Status::from(status),
                    timed_out,
                    output_matched: None,
                    elapsed: started.elapsed(),
                    interrupted,
                });
            }
            let now = Instant::now();
            match deadline {
                Some(at) if at <= now => {
                    timed_out = true;
                    self.signal(pid, next);
                    deadline = match next {
                        Signal::SIGTERM => now.checked_add(self.kill_after),
                        _ => None,
                    };
                    next = Signal::SIGKILL;
                    continue;
                }
                _ => {}
            }
            let wait = deadline.map_or(POLL, |at| (at - now).min(POLL));
            if let Some(Event::Stop {
                signal,
                from_terminal,
            }) = events.next(wait)
            {
                interrupted = Some(signal);
                // In retry's process group the command got the terminal's
                // signal too: passing it on would deliver it twice.
                let received = self.foreground && from_terminal;
                if let (false, Ok(signal)) = (received, Signal::try_from(signal)) {
                    self.signal(pid, signal);
                }
            }
        }
    }

    /// Sends `signal` to the command's process group (or, with
    /// `--foreground`, to the command alone).
    fn signal(&self, pid: Pid, signal: Signal) {
        // An error means the processes are gone already: nothing to stop.
        let _ = if self.foreground {
            kill(pid, signal)
        } else {
            killpg(pid, signal)
        };
    }
}

/// The file `program` names, found as execvp finds it: a name with a `/`
/// is a path, any other is looked up in `$PATH`.
fn locate(program: &OsStr) -> Option<PathBuf> {
    let path = Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') {
        return Some(path.to_owned());
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|dir| dir.join(path))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}
