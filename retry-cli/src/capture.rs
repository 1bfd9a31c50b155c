//! An attempt's stdout, kept until retry knows where it belongs: retry's
//! stdout if the attempt ends the run, else retry's stderr.
//!
//! The spool is a temporary file without a name (`tempfile::tempfile`, in
//! `$TMPDIR`): on Linux it is opened with `O_TMPFILE` and never has one,
//! elsewhere it is unlinked as soon as it is created. The kernel frees it
//! when the last descriptor closes, so nothing is left behind however
//! retry ends, SIGKILL included, and memory use stays the same whatever
//! the size of the output.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::Signal;
use regex::bytes::Regex;

use crate::log::Log;
use crate::outcome::Status;
use crate::signals::{Event, Events};
use crate::tee::LineMatcher;

/// How much is read from the spool at a time.
const CHUNK: usize = 64 * 1024;

/// One attempt's stdout, in a file without a name.
#[derive(Debug)]
pub struct Captured {
    /// Shares its file offset with the command's stdout: read only with
    /// `read_at`, so that a process the command left behind, still
    /// writing, appends instead of overwriting what is read.
    file: File,
}

/// How passing the output on to retry's stdout ended.
#[derive(Debug)]
pub enum Passed {
    /// Every byte was written.
    Whole,
    /// retry's stdout is closed (its reader is gone).
    Closed,
    /// Reading the spool or writing failed.
    Failed(io::Error),
    /// retry received this signal before it was done.
    Interrupted(i32),
}

impl Passed {
    /// The status retry exits with, once it has passed on the output of
    /// the attempt that ended the run with status `code`; what went wrong
    /// is logged (`program` names the command).
    pub fn status(self, code: u8, program: &str, log: &Log) -> u8 {
        match self {
            Passed::Whole => code,
            // What a command writing there itself would die of.
            Passed::Closed => Status::Signaled(Signal::SIGPIPE as i32).code(),
            Passed::Failed(e) => {
                let reason = format!("cannot pass its output on to stdout: {e}");
                log.error(program, &reason, crate::OWN_FAILURE);
                crate::OWN_FAILURE
            }
            // The output is cut short: no success status for it.
            Passed::Interrupted(signal) => {
                let status = Status::Signaled(signal).code();
                log.interrupted_passing_on(signal, status);
                status
            }
        }
    }
}

impl Captured {
    /// An empty spool in the temporary directory.
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            file: tempfile::tempfile()?,
        })
    }

    /// The command's stdout: the spool itself, so that the command writes
    /// there directly.
    pub fn stdio(&self) -> io::Result<Stdio> {
        Ok(Stdio::from(self.file.try_clone()?))
    }

    /// Whether a line of the output matches `regex`.
    pub fn matches(&self, regex: &Regex) -> io::Result<bool> {
        let mut matcher = LineMatcher::new(regex.clone());
        self.each_chunk(|chunk| {
            matcher.feed(chunk);
            Ok(())
        })?;
        Ok(matcher.finish())
    }

    /// Writes the output to retry's stderr, followed by a newline if it
    /// does not end with one, so that retry's log line after it starts a
    /// line of its own. Errors are ignored, as the log's are: stderr is
    /// for people, and losing it must not end the run.
    pub fn pass_to_stderr(&self) {
        let Ok(mut stderr) = own(io::stderr().as_fd()) else {
            return;
        };
        let mut last = b'\n';
        let _ = self.each_chunk(|chunk| {
            last = chunk.last().copied().unwrap_or(last);
            stderr.write_all(chunk)
        });
        if last != b'\n' {
            let _ = stderr.write_all(b"\n");
        }
    }

    /// Writes the output to retry's stdout, byte for byte. A slow reader
    /// is waited for, but a signal retry receives meanwhile (one of
    /// [`crate::signals::FORWARDED`]) ends the wait: the copy goes on in
    /// its thread until retry exits.
    pub fn pass_to_stdout(self, events: &Events) -> Passed {
        match self.file.metadata() {
            Ok(meta) if meta.len() == 0 => return Passed::Whole,
            Ok(_) => {}
            Err(e) => return Passed::Failed(e),
        }
        let mut stdout = match own(io::stdout().as_fd()) {
            Ok(stdout) => stdout,
            Err(e) => return Passed::Failed(e),
        };
        let (done, result) = mpsc::channel();
        let waker = events.waker();
        let copy = move || {
            let written = self.each_chunk(|chunk| stdout.write_all(chunk));
            // The receiver is gone only if retry stopped waiting.
            let _ = done.send(written);
            let _ = waker.send(Event::Wake);
        };
        if let Err(e) = std::thread::Builder::new()
            .name("stdout".into())
            .spawn(copy)
        {
            return Passed::Failed(e);
        }
        loop {
            // Checked before each wait: the copy may end between the two.
            if let Ok(written) = result.try_recv() {
                return match written {
                    Ok(()) => Passed::Whole,
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Passed::Closed,
                    Err(e) => Passed::Failed(e),
                };
            }
            // The copy's end wakes this wait at once.
            if let Some(Event::Stop { signal, .. }) = events.next(Duration::from_secs(1)) {
                return Passed::Interrupted(signal);
            }
        }
    }

    /// Calls `each` with the output, a chunk at a time, from the start to
    /// the end the file has now (what a process the command left behind
    /// writes later is not read: it could go on forever).
    fn each_chunk(&self, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let end = self.file.metadata()?.len();
        let mut buffer = vec![0u8; CHUNK];
        let mut at = 0u64;
        while at < end {
            let want = usize::try_from(end - at).map_or(CHUNK, |left| left.min(CHUNK));
            let n = match self.file.read_at(&mut buffer[..want], at) {
                // Shorter than it was: someone truncated it.
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            each(&buffer[..n])?;
            at += n as u64;
        }
        Ok(())
    }
}

/// A descriptor of retry's own stdout or stderr to write to directly,
/// without the standard library's buffer or lock.
fn own(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<File> {
    Ok(File::from(fd.try_clone_to_owned()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(bytes: &[u8]) -> Captured {
        let captured = Captured::new().unwrap();
        // As the command writes it: through its own descriptor.
        let mut command_side = captured.file.try_clone().unwrap();
        command_side.write_all(bytes).unwrap();
        captured
    }

    #[test]
    fn every_line_of_the_spool_is_matched() {
        let regex = Regex::new("^rate limit$").unwrap();
        let mut text = vec![b'x'; 3 * CHUNK];
        text.extend_from_slice(b"\nrate limit\nlast");
        assert!(captured(&text).matches(&regex).unwrap());
        assert!(!captured(b"no\nrate limits\n").matches(&regex).unwrap());
        assert!(captured(b"first\nrate limit").matches(&regex).unwrap());
    }

    #[test]
    fn chunks_cover_the_file_exactly_even_after_the_offset_moved() {
        let text: Vec<u8> = (0..(2 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let spool = captured(&text);
        let mut read = Vec::new();
        spool
            .each_chunk(|chunk| {
                read.extend_from_slice(chunk);
                Ok(())
            })
            .unwrap();
        assert_eq!(read, text);
        // A late writer appends at the offset the command left.
        let mut late = spool.file.try_clone().unwrap();
        late.write_all(b"late").unwrap();
        let mut again = Vec::new();
        // Read to the end the file has when the reading starts.
        spool
            .each_chunk(|chunk| {
                again.extend_from_slice(chunk);
                Ok(())
            })
            .unwrap();
        assert_eq!(&again[..text.len()], &text[..]);
        assert_eq!(&again[text.len()..], b"late");
    }
}
