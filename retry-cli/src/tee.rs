//! `--retry-if-output`: the command's output passes through to retry's own
//! stdout and stderr as it arrives, and each line is matched on the way.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

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

/// The two threads copying and matching one attempt's stdout and stderr.
pub struct Tee {
    matched: Arc<AtomicBool>,
    done: Receiver<()>,
    streams: usize,
}

impl Tee {
    /// Starts copying the command's `stdout` to `out` and its `stderr` to
    /// `err` (retry's own stdout and stderr).
    pub fn start(
        regex: &Regex,
        (stdout, out): (impl Read + Send + 'static, impl Write + Send + 'static),
        (stderr, err): (impl Read + Send + 'static, impl Write + Send + 'static),
    ) -> io::Result<Self> {
        let matched = Arc::new(AtomicBool::new(false));
        let (tx, done) = mpsc::channel();
        type Pair = (Box<dyn Read + Send>, Box<dyn Write + Send>);
        let pairs: [(&str, Pair); 2] = [
            ("stdout", (Box::new(stdout), Box::new(out))),
            ("stderr", (Box::new(stderr), Box::new(err))),
        ];
        for (name, (input, output)) in pairs {
            let mut matcher = LineMatcher::new(regex.clone());
            let matched = Arc::clone(&matched);
            let tx = tx.clone();
            thread::Builder::new()
                .name(format!("tee {name}"))
                .spawn(move || {
                    copy(input, output, &mut matcher);
                    if matcher.finish() {
                        matched.store(true, Ordering::Relaxed);
                    }
                    // The receiver may have stopped waiting; nothing to do.
                    let _ = tx.send(());
                })?;
        }
        Ok(Self {
            matched,
            done,
            streams: 2,
        })
    }

    /// Waits, at most `grace`, for both streams to end (the command has
    /// exited, so they end once its output is drained), and tells whether
    /// a line matched. A process the command left running in the
    /// background can hold a stream open for ever: past `grace` its output
    /// still passes through, but no longer counts.
    pub fn finish(self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        for _ in 0..self.streams {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.done.recv_timeout(left).is_err() {
                break;
            }
        }
        self.matched.load(Ordering::Relaxed)
    }
}

/// Copies `input` to `output` as it arrives, feeding `matcher`.
fn copy(mut input: impl Read, mut output: impl Write, matcher: &mut LineMatcher) {
    let mut buffer = [0u8; 8192];
    // After a failed write (retry's own output closed) the input is still
    // drained, so the command never blocks on a full pipe.
    let mut writable = true;
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let chunk = &buffer[..n];
        // Flushed at once: output passes through as it arrives.
        writable = writable
            && output
                .write_all(chunk)
                .and_then(|()| output.flush())
                .is_ok();
        matcher.feed(chunk);
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

    #[test]
    fn tee_reports_a_match_on_either_stream() {
        let regex = Regex::new("429").unwrap();
        let tee = Tee::start(
            &regex,
            (&b""[..], io::sink()),
            (&b"error 429\n"[..], io::sink()),
        );
        assert!(tee.unwrap().finish(Duration::from_secs(5)));
        let tee = Tee::start(&regex, (&b"fine\n"[..], io::sink()), (&b""[..], io::sink()));
        assert!(!tee.unwrap().finish(Duration::from_secs(5)));
    }
}
