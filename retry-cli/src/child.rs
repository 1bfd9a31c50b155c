//! Running one attempt: start the command, pass signals on to it, stop it
//! at its timeout, and wait for it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
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

use crate::capture::Captured;
use crate::outcome::{Outcome, Status};
use crate::replay::Input;
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
    /// `--stream`: the command's stdout is retry's (or, with `output`,
    /// passes through as it arrives), instead of being captured.
    pub stream: bool,
}

/// The command could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// Starting the program failed.
    #[error("{0}")]
    Exec(#[from] io::Error),
    /// Its stdin, a file, could not be rewound for it.
    #[error("cannot read standard input again from its start: {0}")]
    Input(io::Error),
    /// No temporary file could be made for its output.
    #[error("cannot create a temporary file for its output in {} (see TMPDIR): {source}",
            std::env::temp_dir().display())]
    Spool {
        /// Why.
        source: io::Error,
    },
}

impl SpawnError {
    /// The status a shell uses for it: 127 when there is no such command,
    /// 126 when it cannot be executed; 125 (retry's own failure) without
    /// a temporary file.
    pub fn code(&self) -> u8 {
        match self {
            SpawnError::Exec(e) if e.kind() == io::ErrorKind::NotFound => 127,
            SpawnError::Exec(_) => 126,
            SpawnError::Spool { .. } | SpawnError::Input(_) => crate::OWN_FAILURE,
        }
    }

    /// A shell's wording: "command not found", "permission denied", ...
    pub fn reason(&self) -> String {
        match self {
            SpawnError::Exec(e) => match e.kind() {
                io::ErrorKind::NotFound => "command not found".to_owned(),
                io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => e.to_string(),
            },
            SpawnError::Spool { .. } | SpawnError::Input(_) => self.to_string(),
        }
    }
}

/// One attempt, over.
#[derive(Debug)]
pub struct Finished {
    /// How it ended.
    pub outcome: Outcome,
    /// Its stdout, kept until the run knows where it goes (`None` with
    /// `--stream`: it went to retry's stdout as it came).
    pub stdout: Option<Captured>,
    /// Why no other attempt can be like this one, if so: its input or its
    /// output could not be kept whole.
    pub trouble: Option<String>,
}

impl Launch {
    /// Runs one attempt to its end, with `env` added to the command's
    /// environment and `input` as its stdin (the `first` attempt's or a
    /// later one's).
    pub fn run(
        &self,
        input: &mut Input,
        first: bool,
        env: &[(&str, String)],
        events: &Events,
    ) -> Result<Finished, SpawnError> {
        let started = Instant::now();
        let (program, args) = self
            .command
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no command given"))?;
        let captured = match self.stream {
            true => None,
            false => Some(Captured::new().map_err(|source| SpawnError::Spool { source })?),
        };
        // Told, by being closed, that the attempt is over.
        let (stop_read, stop) = io::pipe()?;
        let start = |program: &OsStr, args: &[OsString]| {
            let stdin = input.stdio(first).map_err(SpawnError::Input)?;
            Ok(self
                .command(program, args, stdin, captured.as_ref(), env)?
                .spawn()?)
        };
        let mut child = match start(program, args) {
            Ok(child) => child,
            // A script without a `#!` line: run it with /bin/sh, as
            // execvp does (and so env, nice and timeout).
            Err(SpawnError::Exec(e)) if e.raw_os_error() == Some(Errno::ENOEXEC as i32) => {
                let script = locate(program).ok_or(e)?;
                let args: Vec<OsString> = std::iter::once(script.into_os_string())
                    .chain(args.iter().cloned())
                    .collect();
                start(OsStr::new("/bin/sh"), &args)?
            }
            Err(e) => return Err(e),
        };
        let tee = match &self.output {
            Some(regex) => match self.tee(regex, &mut child) {
                Ok(tee) => Some(tee),
                Err(e) => return Err(abandon(&mut child, e)),
            },
            None => None,
        };
        let stdin = child.stdin.take();
        let (outcome, mut trouble) = std::thread::scope(|scope| {
            let feeder = match (input, stdin) {
                (Input::Replay(replay), Some(stdin)) => {
                    let to = File::from(OwnedFd::from(stdin));
                    let feed = move || replay.feed(to, &stop_read);
                    let spawned = std::thread::Builder::new()
                        .name("stdin".into())
                        .spawn_scoped(scope, feed);
                    match spawned {
                        Ok(feeder) => Some(feeder),
                        Err(e) => return Err(abandon(&mut child, e)),
                    }
                }
                _ => None,
            };
            let outcome = self.wait(&mut child, started, events);
            drop(stop);
            let trouble = match feeder.map(|feeder| feeder.join()) {
                None | Some(Ok(Ok(()))) => None,
                Some(Ok(Err(e))) => Some(format!("standard input could not be kept: {e}")),
                Some(Err(_)) => Some("standard input could not be kept".to_owned()),
            };
            Ok((outcome?, trouble))
        })?;
        let mut outcome = outcome;
        if let Some(regex) = &self.output {
            let teed = tee.is_some_and(Tee::finish);
            let spooled = match captured.as_ref().map(|c| c.matches(regex)) {
                Some(Ok(matched)) => matched,
                None => false,
                Some(Err(e)) => {
                    trouble.get_or_insert(format!("its output could not be read back: {e}"));
                    false
                }
            };
            outcome.output_matched = Some(teed || spooled);
        }
        Ok(Finished {
            outcome,
            stdout: captured,
            trouble,
        })
    }

    /// The program's name, for the log.
    pub fn program(&self) -> String {
        self.command
            .first()
            .map(|program| program.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The command for one attempt, not yet started: `stdin` as its stdin,
    /// and its stdout into `captured` if given.
    fn command(
        &self,
        program: &OsStr,
        args: &[OsString],
        stdin: Stdio,
        captured: Option<&Captured>,
        env: &[(&str, String)],
    ) -> io::Result<Command> {
        let mut command = Command::new(program);
        command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin);
        if !self.foreground {
            // A group of its own: a timeout or a forwarded signal reaches
            // every process the command starts, not just the first.
            command.process_group(0);
        }
        if self.output.is_some() {
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        if let Some(captured) = captured {
            command.stdout(captured.stdio()?);
        }
        Ok(command)
    }

    /// Starts matching (and passing on) what the command writes to its
    /// pipes: stderr, and stdout too unless it is captured.
    fn tee(&self, regex: &Regex, child: &mut Child) -> io::Result<Tee> {
        let mut streams: Vec<(&str, File, Box<dyn Write + Send>)> = Vec::with_capacity(2);
        if let Some(stdout) = child.stdout.take() {
            streams.push((
                "stdout",
                File::from(OwnedFd::from(stdout)),
                Box::new(io::stdout()),
            ));
        }
        if let Some(stderr) = child.stderr.take() {
            streams.push((
                "stderr",
                File::from(OwnedFd::from(stderr)),
                Box::new(io::stderr()),
            ));
        }
        Tee::start(regex, streams)
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

/// Stops a command that retry cannot serve (no thread to drain its output
/// or feed its input), rather than leave it blocked on a pipe; returns
/// `error`, why.
fn abandon(child: &mut Child, error: io::Error) -> SpawnError {
    let _ = child.kill();
    let _ = child.wait();
    SpawnError::Exec(error)
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
