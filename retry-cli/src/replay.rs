//! Standard input, given to every attempt in full. A file is read again by
//! each attempt from where it was when retry started. Other input (a pipe)
//! is kept, as retry reads it, in a temporary file without a name (as the
//! output spools are, see [`crate::capture`]), and each attempt reads it
//! from the start, then whatever more arrives.
//!
//! A pipe is read only as fast as the attempt takes it (plus what the
//! attempt's pipe holds), so a producer is slowed down, not buffered
//! without bound, and an attempt that reads only part of the input leaves
//! the rest unread until an attempt wants it.

use std::fs::File;
use std::io::{self, IsTerminal, PipeReader, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::process::Stdio;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// How much is read or written at a time.
const CHUNK: usize = 64 * 1024;

/// What each attempt reads.
#[derive(Debug)]
pub enum Input {
    /// The first attempt reads retry's stdin itself; later ones read
    /// `/dev/null`: `--stdin-once`, and always when stdin is a terminal
    /// (what was typed answered the attempt that asked, and a `retry` in
    /// the background must not read the terminal).
    Once,
    /// Every attempt reads all of it.
    Replay(Replay),
    /// Stdin is a file (`retry ... < file`): every attempt reads it from
    /// where it was when retry started, through the descriptor itself, so
    /// that retry reads nothing the command does not (a `while read`
    /// loop around retry keeps its lines).
    Rewind {
        /// retry's stdin (a copy of the descriptor: it shares the offset).
        stdin: File,
        /// Its offset when retry started.
        start: u64,
    },
}

impl Input {
    /// The input for `--stdin-once` (`once`) or by default.
    pub fn new(once: bool) -> io::Result<Self> {
        if once || io::stdin().is_terminal() {
            return Ok(Input::Once);
        }
        let mut source = File::from(io::stdin().as_fd().try_clone_to_owned()?);
        if source.metadata().is_ok_and(|meta| meta.is_file())
            && let Ok(start) = source.stream_position()
        {
            return Ok(Input::Rewind {
                stdin: source,
                start,
            });
        }
        Ok(Input::Replay(Replay {
            source,
            spool: tempfile::tempfile()?,
            kept: 0,
            ended: false,
        }))
    }

    /// The stdin of the `first` attempt or a later one. With
    /// [`Input::Replay`], a pipe for [`Replay::feed`]; with
    /// [`Input::Rewind`], retry's stdin, back at its start.
    pub fn stdio(&self, first: bool) -> io::Result<Stdio> {
        Ok(match (self, first) {
            (Input::Once, true) => Stdio::inherit(),
            (Input::Once, false) => Stdio::null(),
            (Input::Replay(_), _) => Stdio::piped(),
            (Input::Rewind { stdin, start }, _) => {
                // `Seek` is implemented for `&File`: the offset is the
                // kernel's, shared with every copy of the descriptor.
                let mut stdin: &File = stdin;
                stdin.seek(SeekFrom::Start(*start))?;
                Stdio::inherit()
            }
        })
    }
}

/// retry's stdin and what has been read of it.
#[derive(Debug)]
pub struct Replay {
    /// retry's stdin.
    source: File,
    /// Everything read from `source` so far.
    spool: File,
    /// How much that is.
    kept: u64,
    /// `source` is at its end: `spool` is the whole input.
    ended: bool,
}

impl Replay {
    /// Writes the input to `to`, an attempt's stdin, from the start: first
    /// what is kept, then what more arrives, kept on the way. Closes `to`
    /// at the end of the input; returns early when `stop` becomes readable
    /// (the attempt is over) or the command has closed its stdin.
    pub fn feed(&mut self, to: File, stop: &PipeReader) -> io::Result<()> {
        // Only retry holds this end of the pipe: waiting for room is
        // `poll`'s job, so that `stop` is always heard.
        let flags = OFlag::from_bits_retain(fcntl(&to, FcntlArg::F_GETFL)?);
        fcntl(&to, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        let mut buffer = vec![0u8; CHUNK];
        let mut sent = 0u64;
        loop {
            if sent < self.kept {
                let want = usize::try_from(self.kept - sent).map_or(CHUNK, |n| n.min(CHUNK));
                let n = match self.spool.read_at(&mut buffer[..want], sent) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                match send(&to, &buffer[..n], stop) {
                    Some(written) => sent += written as u64,
                    None => return Ok(()),
                }
                continue;
            }
            if self.ended || !more_input(self.source.as_fd(), to.as_fd(), stop.as_fd()) {
                return Ok(());
            }
            match self.source.read(&mut buffer) {
                Ok(0) => self.ended = true,
                Ok(n) => {
                    self.spool.write_all_at(&buffer[..n], self.kept)?;
                    self.kept += n as u64;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                    ) => {}
                // The input ends here, for every attempt alike.
                Err(e) => {
                    self.ended = true;
                    return Err(e);
                }
            }
        }
    }
}

/// Writes some of `bytes` to `to`; how many, or `None` if the attempt is
/// over or the command closed its stdin.
fn send(mut to: &File, bytes: &[u8], stop: &PipeReader) -> Option<usize> {
    loop {
        match to.write(bytes) {
            Ok(n) => return Some(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let mut fds = [
                    PollFd::new(to.as_fd(), PollFlags::POLLOUT),
                    PollFd::new(stop.as_fd(), PollFlags::POLLIN),
                ];
                if !wait(&mut fds) || ready(&fds[1]) {
                    return None;
                }
            }
            // EPIPE: nobody reads it any more.
            Err(_) => return None,
        }
    }
}

/// Waits until `source` has input (or its end); false if the attempt is
/// over first, or the command closed its stdin: then nothing more is read
/// for it.
fn more_input(source: BorrowedFd<'_>, to: BorrowedFd<'_>, stop: BorrowedFd<'_>) -> bool {
    let mut fds = [
        PollFd::new(source, PollFlags::POLLIN),
        // No events asked: POLLERR alone, when the read end is closed.
        PollFd::new(to, PollFlags::empty()),
        PollFd::new(stop, PollFlags::POLLIN),
    ];
    wait(&mut fds) && !ready(&fds[1]) && !ready(&fds[2])
}

/// Polls until something happens; false if polling itself fails.
fn wait(fds: &mut [PollFd<'_>]) -> bool {
    loop {
        match poll(fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => {}
            Err(_) => return false,
            Ok(_) => return true,
        }
    }
}

fn ready(fd: &PollFd<'_>) -> bool {
    fd.revents().is_some_and(|events| !events.is_empty())
}

#[cfg(test)]
mod tests {
    use std::os::fd::OwnedFd;

    use super::*;

    /// A replay of `source`, a pipe the test writes.
    fn replay(source: PipeReader) -> Replay {
        Replay {
            source: File::from(OwnedFd::from(source)),
            spool: tempfile::tempfile().unwrap(),
            kept: 0,
            ended: false,
        }
    }

    /// Feeds one attempt that reads up to `limit` bytes; returns them.
    fn attempt(replay: &mut Replay, limit: usize) -> Vec<u8> {
        let (command_side, to) = io::pipe().unwrap();
        let (stop_read, stop) = io::pipe().unwrap();
        std::thread::scope(|scope| {
            let feeder = scope.spawn(|| replay.feed(File::from(OwnedFd::from(to)), &stop_read));
            let mut got = Vec::new();
            command_side
                .take(limit as u64)
                .read_to_end(&mut got)
                .unwrap();
            // The attempt is over: it closed its stdin, then exited.
            drop(stop);
            feeder.join().unwrap().unwrap();
            got
        })
    }

    #[test]
    fn each_attempt_gets_the_whole_input_though_the_first_read_part() {
        let input: Vec<u8> = (0..300_000u32).map(|i| (i % 256) as u8).collect();
        let (source, mut producer) = io::pipe().unwrap();
        let writer = {
            let input = input.clone();
            std::thread::spawn(move || producer.write_all(&input).unwrap())
        };
        let mut replay = replay(source);
        let first = attempt(&mut replay, 10);
        assert_eq!(first, &input[..10]);
        // Read on demand: not the whole input for ten bytes.
        assert!(replay.kept < input.len() as u64, "{}", replay.kept);
        assert_eq!(attempt(&mut replay, usize::MAX), input);
        assert!(replay.ended);
        assert_eq!(attempt(&mut replay, usize::MAX), input);
        writer.join().unwrap();
    }

    #[test]
    fn an_attempt_that_reads_nothing_ends_when_told() {
        // The producer never writes nor closes, and the command keeps its
        // stdin open: only `stop` can end the feed.
        let (source, _producer) = io::pipe().unwrap();
        let mut replay = replay(source);
        let (_command_side, to) = io::pipe().unwrap();
        let (stop_read, stop) = io::pipe().unwrap();
        std::thread::scope(|scope| {
            let feeder = scope.spawn(|| replay.feed(File::from(OwnedFd::from(to)), &stop_read));
            drop(stop);
            feeder.join().unwrap().unwrap();
        });
        assert_eq!((replay.kept, replay.ended), (0, false));
    }
}
