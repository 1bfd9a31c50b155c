//! `--retry-if-output`: the command's output passes through to retry's own
//! stdout and stderr as it arrives (its stdout only with `--stream`: else
//! it is captured, and matched from there), and each line is matched on
//! the way: every byte, in order, however slowly retry's output is read.

use std::io::{self, PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use regex::bytes::Regex;

/// A line longer than this is matched in pieces of this size (keeping
/// [`OVERLAP`] bytes between pieces), so that a command printing without
/// newlines cannot make retry buffer without bound.
const MAX_LINE: usize = 64 * 1024;
/// How much of a cut line is kept for the next piece, so that a match
/// across the cut is still found (for matches up to this long).
const OVERLAP: usize = 4 * 1024;

/// Matches a byte stream line by line.
pub struct LineMatcher {
    regex: Regex,
    pending: Vec<u8>,
    matched: bool,
}

impl LineMatcher {
    /// A matcher for `regex`; `^` and `$` anchor at the ends of lines.
    pub fn new(regex: Regex) -> Self {
        Self {
            regex,
            pending: Vec::new(),
            matched: false,
        }
    }

    /// Matches the lines `chunk` completes; keeps the unfinished one.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.matched {
            return;
        }
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&rest[..end]);
            self.check_pending();
            self.pending.clear();
            rest = &rest[end + 1..];
        }
        self.pending.extend_from_slice(rest);
        if self.pending.len() > MAX_LINE {
            self.check_pending();
            let cut = self.pending.len() - OVERLAP;
            self.pending.drain(..cut);
        }
    }

    /// Matches the last line, if the stream did not end with a newline.
    pub fn finish(&mut self) -> bool {
        if !self.pending.is_empty() {
            self.check_pending();
            self.pending.clear();
        }
        self.matched
    }

    fn check_pending(&mut self) {
        let line = self.pending.strip_suffix(b"\r").unwrap_or(&self.pending);
        self.matched = self.matched || self.regex.is_match(line);
    }
}

/// The threads copying and matching one attempt's stdout and stderr (or
/// its stderr alone).
///
/// Each thread reads its pipe and writes what it read before reading more,
/// so a slow reader of retry's output slows the command down exactly as if
/// it wrote there itself, and nothing piles up in memory. When retry's
/// output is closed, the thread closes the pipe: the command's next write
/// fails with `EPIPE` (or `SIGPIPE`) as it would have without retry.
pub struct Tee {
    /// Dropped when the command has exited: wakes the threads to settle.
    exited: Option<PipeWriter>,
    settled: Receiver<bool>,
    streams: usize,
}

impl Tee {
    /// Starts copying each of the command's `streams` (its name for the
    /// thread, the command's pipe, and where it goes: retry's own stdout
    /// or stderr).
    pub fn start<R: Read + AsFd + Send + 'static>(
        regex: &Regex,
        streams: Vec<(&str, R, Box<dyn Write + Send>)>,
    ) -> io::Result<Self> {
        let (exit_read, exit_write) = io::pipe()?;
        let (tx, settled) = mpsc::channel();
        let count = streams.len();
        for (name, input, output) in streams {
            let pump = Pump {
                input: Some(input),
                output,
                exited: exit_read.try_clone()?,
                matcher: LineMatcher::new(regex.clone()),
                settled: Some(tx.clone()),
            };
            thread::Builder::new()
                .name(format!("tee {name}"))
                .spawn(move || pump.run())?;
        }
        Ok(Self {
            exited: Some(exit_write),
            settled,
            streams: count,
        })
    }

    /// To be called once the command has exited: waits until everything
    /// it wrote has been matched and passed on, however slowly retry's
    /// output is read, and tells whether a line matched.
    ///
    /// What the command wrote is in its pipes when it exits, so this ends
    /// once they are drained, even if a process the command left in the
    /// background holds them open: its later output still passes through
    /// while retry runs, but is not matched.
    pub fn finish(mut self) -> bool {
        drop(self.exited.take());
        let mut matched = false;
        for _ in 0..self.streams {
            match self.settled.recv() {
                Ok(found) => matched |= found,
                // A thread that is gone has nothing more to say.
                Err(_) => break,
            }
        }
        matched
    }
}

/// One stream's copy from the command's pipe to retry's output.
struct Pump<R> {
    /// `None` once closed because retry's output was.
    input: Option<R>,
    output: Box<dyn Write + Send>,
    /// Readable (at end of file) once the command has exited.
    exited: PipeReader,
    matcher: LineMatcher,
    /// Where the match result goes; `None` once sent.
    settled: Option<mpsc::Sender<bool>>,
}

impl<R: Read + AsFd> Pump<R> {
    fn run(mut self) {
        let mut buffer = vec![0u8; 64 * 1024];
        // Set once the command has exited: how much more may be read and
        // still be the command's (a pipe never holds more than its size).
        let mut left_after_exit: Option<usize> = None;
        while let Some(input) = &mut self.input {
            if self.settled.is_some() {
                let (ready, exited) = wait(input.as_fd(), self.exited.as_fd());
                if exited && left_after_exit.is_none() {
                    left_after_exit = Some(pipe_size(input.as_fd()));
                }
                // Exited and drained (or past what the pipe could hold):
                // every line the command wrote has been matched.
                if !ready || left_after_exit == Some(0) {
                    self.settle();
                    continue;
                }
            }
            let n = match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let chunk = &buffer[..n];
            if self.settled.is_some() {
                self.matcher.feed(chunk);
                left_after_exit = left_after_exit.map(|left| left.saturating_sub(n));
            }
            // Flushed at once: output passes through as it arrives.
            let written = self
                .output
                .write_all(chunk)
                .and_then(|()| self.output.flush());
            if written.is_err() {
                // retry's output is closed: close the pipe too, so that
                // the command finds out as if it wrote there itself.
                self.input = None;
            }
        }
        self.settle();
    }

    /// Sends the match result, once.
    fn settle(&mut self) {
        if let Some(settled) = self.settled.take() {
            // The receiver may be gone (retry is ending); nothing to do.
            let _ = settled.send(self.matcher.finish());
        }
    }
}

/// Waits until `input` has data (or its end) or `exited` is readable;
/// tells which of the two are.
fn wait(input: BorrowedFd<'_>, exited: BorrowedFd<'_>) -> (bool, bool) {
    let mut fds = [
        PollFd::new(input, PollFlags::POLLIN),
        PollFd::new(exited, PollFlags::POLLIN),
    ];
    loop {
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            // Cannot poll: read as if data were there (a read blocks
            // until there is), and treat the command as still running.
            Err(_) => return (true, false),
            Ok(_) => break,
        }
    }
    let any = |fd: &PollFd<'_>| fd.revents().is_some_and(|events| !events.is_empty());
    (any(&fds[0]), any(&fds[1]))
}

/// The pipe's capacity: a bound on what it held when the command exited.
fn pipe_size(fd: BorrowedFd<'_>) -> usize {
    // 1 MiB is Linux's default maximum for F_SETPIPE_SZ.
    const FALLBACK: usize = 1024 * 1024;
    #[cfg(target_os = "linux")]
    {
        nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETPIPE_SZ)
            .ok()
            .and_then(|size| usize::try_from(size).ok())
            .unwrap_or(FALLBACK)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        FALLBACK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, chunks: &[&[u8]]) -> bool {
        let mut matcher = LineMatcher::new(Regex::new(pattern).unwrap());
        for chunk in chunks {
            matcher.feed(chunk);
        }
        matcher.finish()
    }

    #[test]
    fn a_line_split_across_chunks_still_matches() {
        assert!(matches(
            "rate limit",
            &[b"HTTP 429: rate li", b"mit exceeded\n"]
        ));
        assert!(matches("429|rate limit", &[b"ok\n", b"status 429"]));
        assert!(!matches("429", &[b"no\n", b"match\n"]));
    }

    #[test]
    fn anchors_apply_per_line() {
        assert!(matches("^error$", &[b"first\nerror\nlast\n"]));
        assert!(matches("^error$", &[b"first\r\nerror\r\n"]));
        assert!(!matches("^error$", &[b"an error here\n"]));
        // A match never spans two lines.
        assert!(!matches("rate limit", &[b"rate\nlimit\n"]));
    }

    #[test]
    fn output_that_is_not_utf8_is_matched() {
        assert!(matches("429", &[b"\xff\xfe 429 \xc0\n"]));
    }

    #[test]
    fn an_endless_line_is_matched_in_bounded_pieces() {
        let mut matcher = LineMatcher::new(Regex::new("needle").unwrap());
        let filler = vec![b'x'; MAX_LINE];
        matcher.feed(&filler);
        matcher.feed(&filler);
        assert!(matcher.pending.len() <= MAX_LINE);
        matcher.feed(b"nee");
        matcher.feed(b"dle");
        matcher.feed(&filler);
        matcher.feed(&filler);
        assert!(matcher.finish());
    }

    /// A pipe holding `text`, with its write end closed (or, with
    /// `keep_open`, returned: a background process still holding it).
    fn pipe_with(text: &[u8], keep_open: bool) -> (PipeReader, Option<PipeWriter>) {
        let (reader, mut writer) = io::pipe().unwrap();
        writer.write_all(text).unwrap();
        (reader, keep_open.then_some(writer))
    }

    /// The two streams of an attempt: `out` to `to`, `err` to nowhere.
    fn both(
        out: PipeReader,
        to: impl Write + Send + 'static,
        err: PipeReader,
    ) -> Vec<(&'static str, PipeReader, Box<dyn Write + Send>)> {
        vec![
            ("stdout", out, Box::new(to)),
            ("stderr", err, Box::new(io::sink())),
        ]
    }

    #[test]
    fn tee_reports_a_match_on_either_stream() {
        let regex = Regex::new("429").unwrap();
        let (out, _) = pipe_with(b"", false);
        let (err, _) = pipe_with(b"error 429\n", false);
        let tee = Tee::start(&regex, both(out, io::sink(), err)).unwrap();
        assert!(tee.finish());
        let (out, _) = pipe_with(b"fine\n", false);
        let (err, _) = pipe_with(b"", false);
        let tee = Tee::start(&regex, both(out, io::sink(), err)).unwrap();
        assert!(!tee.finish());
    }

    /// A `Write` that keeps what it is given, for the test to read.
    #[derive(Clone, Default)]
    struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Recorder {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn finish_returns_once_the_pipes_are_drained_though_still_open() {
        let regex = Regex::new("429").unwrap();
        // Both write ends stay open, as a background process would hold
        // them: the command's output is what the pipes hold at its exit.
        let (out, _held_out) = pipe_with(b"first\nstatus 429", true);
        let (err, _held_err) = pipe_with(b"", true);
        let recorded = Recorder::default();
        let tee = Tee::start(&regex, both(out, recorded.clone(), err)).unwrap();
        assert!(tee.finish());
        assert_eq!(*recorded.0.lock().unwrap(), b"first\nstatus 429");
    }

    #[test]
    fn a_background_writer_cannot_hold_the_match_back() {
        let regex = Regex::new("429").unwrap();
        let (out, mut writer) = io::pipe().unwrap();
        let (err, _held) = pipe_with(b"", true);
        writer.write_all(b"status 429\n").unwrap();
        // Writes until told to stop: the pipe is never empty.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        let firehose = thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::Relaxed)
                && writer.write_all(&[b'y'; 4096]).is_ok()
            {}
        });
        let tee = Tee::start(&regex, both(out, io::sink(), err)).unwrap();
        assert!(tee.finish());
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        firehose.join().unwrap();
    }

    #[test]
    fn a_closed_output_closes_the_pipe() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let regex = Regex::new("never").unwrap();
        let (out, writer) = pipe_with(b"first\n", true);
        let (err, _held) = pipe_with(b"", true);
        let tee = Tee::start(&regex, both(out, Closed, err)).unwrap();
        let mut writer = writer.unwrap();
        // The command's writes fail once retry's output has failed.
        let start = std::time::Instant::now();
        while writer.write_all(b"more\n").is_ok() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "pipe never closed"
            );
            thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(!tee.finish());
    }
}
