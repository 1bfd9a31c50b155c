//! A runtime-neutral timer: `futures-timer`'s `Delay`, which a thread of
//! its own fires, so any executor can poll it; and the system clock.

use core::future::{Future, IntoFuture};
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::time::Instant;

use futures_timer::Delay;
use pin_project_lite::pin_project;

/// A sleep in progress.
pub type Sleep = Delay;

/// Sleeps for `duration`.
#[inline]
pub fn sleep(duration: Duration) -> Sleep {
    Delay::new(duration)
}

/// Now, on the system clock.
#[inline]
pub fn now() -> Instant {
    Instant::now()
}

/// The attempt ran past its limit.
#[derive(Debug)]
pub struct Elapsed;

pin_project! {
    /// `future`, bounded by `limit`; see [`timeout`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        limit: Delay,
    }
}

/// `future`'s output, or `Err(Elapsed)` if it is still running after
/// `limit` (it is then dropped with the returned future).
#[inline]
pub fn timeout<F: IntoFuture>(limit: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        limit: Delay::new(limit),
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The future first: one that is ready wins over a limit reached in
        // the same poll.
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(this.limit).poll(cx).map(|()| Err(Elapsed))
    }
}
