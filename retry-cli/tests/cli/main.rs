//! The `retry` binary, run for real against small shell scripts in temporary
//! directories (helpers here, tests in the modules by subject). Each script appends a line to `runs` per run, so the tests
//! count runs exactly; delays are a millisecond or two, so that a retry
//! costs nothing, and the only real waiting is the two timeout tests'
//! (about 0.3 s in all).

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use tempfile::TempDir;

/// A bound on any run, so a broken build fails a test instead of hanging
/// the suite. Never reached by a passing test.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// A temporary directory holding the scripts and what they record.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a script that records each run in `runs` and has the run's
    /// number in `$n`, then runs `body`. Scripts are run as `sh NAME`: a
    /// file just written and then executed directly can fail with "text
    /// file busy" while another test thread forks.
    fn script(&self, name: &str, body: &str) {
        let text = format!("echo run >> runs\nn=$(wc -l < runs)\n{body}\n");
        fs::write(self.path().join(name), text).expect("write script");
    }

    fn runs(&self) -> usize {
        fs::read_to_string(self.path().join("runs")).map_or(0, |text| text.lines().count())
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    /// `retry ARGS...` in the sandbox.
    fn retry(&self, args: &[&str]) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(bounded_retry());
        command
            .current_dir(self.path())
            .args(args)
            .timeout(HANG_GUARD);
        command
    }

    /// `retry ARGS...` in the sandbox, in the background.
    fn spawn(&self, args: &[&str]) -> Child {
        bounded_retry()
            .current_dir(self.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start retry")
    }

    /// Waits until the file `name` exists.
    fn await_file(&self, name: &str) {
        let start = Instant::now();
        while !self.path().join(name).exists() {
            assert!(start.elapsed() < HANG_GUARD, "{name} never appeared");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The `retry` binary, started by `sh` with a bound on the size of any
/// file it or its commands write (`ulimit -f`: 200 MB or more): a broken
/// build that spools an endless output fails its test (SIGXFSZ) instead of
/// filling the disk. `exec`: retry keeps the pid the test signals.
fn bounded_retry() -> std::process::Command {
    let mut command = std::process::Command::new("sh");
    command
        .args(["-c", r#"ulimit -f 400000 && exec "$0" "$@""#])
        .arg(cargo_bin!("retry"));
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(command: &mut assert_cmd::Command) -> Run {
    let output = command.output().expect("run retry");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A command line of words without spaces.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn wait_bounded(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for retry") {
            return status;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("retry did not exit");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn send(child: &Child, signal: Signal) {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    kill(pid, signal).expect("signal retry");
}

mod basics;
mod breaker;
mod edges;
mod loop_mode;
mod output;
mod pipelines;
