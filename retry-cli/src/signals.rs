//! Signals retry receives, as events on a channel: the ones it passes on to
//! the command (and that end the retrying), and SIGCHLD, which wakes the
//! wait for an attempt as soon as it exits.

use std::io;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

/// The signals passed on to the running command; receiving one also means
/// "no further retries".
pub const FORWARDED: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// Something that happened while retry waited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// retry received one of [`FORWARDED`].
    Stop {
        /// The signal.
        signal: i32,
        /// Sent by the kernel, not by a process: the terminal's Ctrl-C,
        /// Ctrl-\\ or hangup, which reach its whole foreground process
        /// group at once.
        from_terminal: bool,
    },
    /// A child process changed state.
    Child,
    /// A thread of retry's own finished what it was waiting for (see
    /// [`Events::waker`]).
    Wake,
}

/// The stream of [`Event`]s.
pub struct Events {
    rx: Receiver<Event>,
    tx: Sender<Event>,
}

/// Starts listening. From here on the forwarded signals no longer kill
/// retry: they arrive as events, which the caller must act on.
pub fn listen() -> io::Result<Events> {
    let mut signals = SignalsInfo::<WithOrigin>::new(FORWARDED.iter().chain(&[SIGCHLD]))?;
    let (tx, rx) = mpsc::channel();
    let waker = tx.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for origin in signals.forever() {
                let event = if origin.signal == SIGCHLD {
                    Event::Child
                } else {
                    Event::Stop {
                        signal: origin.signal,
                        from_terminal: origin.cause == Cause::Kernel,
                    }
                };
                if tx.send(event).is_err() {
                    break;
                }
            }
        })?;
    Ok(Events { rx, tx: waker })
}

impl Events {
    /// A sender of [`Event::Wake`], for a thread whose end the caller
    /// awaits along with the signals.
    pub fn waker(&self) -> Sender<Event> {
        self.tx.clone()
    }

    /// The next event, or `None` if `limit` passes first.
    pub fn next(&self, limit: Duration) -> Option<Event> {
        match self.rx.recv_timeout(limit) {
            Ok(event) => Some(event),
            // The listener thread never ends while retry runs; if it did,
            // waiting out the limit keeps the caller's timing right.
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(limit);
                None
            }
            Err(RecvTimeoutError::Timeout) => None,
        }
    }

    /// Sleeps for `delay`, or until a forwarded signal arrives: then
    /// returns it.
    pub fn sleep(&self, delay: Duration) -> Option<i32> {
        // A delay past the end of the clock (`--max-delay` can be years)
        // sleeps until a signal: nobody waits that long anyway.
        let deadline = Instant::now().checked_add(delay);
        loop {
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return None;
            }
            if let Some(Event::Stop { signal, .. }) = self.next(left) {
                return Some(signal);
            }
        }
    }
}
