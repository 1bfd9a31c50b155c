//! Whether a policy's attempts time out, in its type: [`NoTimeout`], a
//! `Duration`, or an `Option<Duration>` known only at run time. Only the
//! last two need the call's error type to say "timed out".

use core::time::Duration;

use crate::error::TimedOut;

/// The timeout of a [`Policy`](crate::Policy) that has none (the default):
/// its calls may have any error type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoTimeout;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoTimeout {}
    impl Sealed for core::time::Duration {}
    impl Sealed for Option<core::time::Duration> {}
}

/// What a [`Policy`](crate::Policy)'s `timeout` field may be:
/// [`NoTimeout`], `Duration` or `Option<Duration>`.
pub trait AttemptTimeout: Copy + sealed::Sealed {
    /// The per-attempt limit, if there is one.
    fn limit(self) -> Option<Duration>;
}

impl AttemptTimeout for NoTimeout {
    fn limit(self) -> Option<Duration> {
        None
    }
}

impl AttemptTimeout for Duration {
    fn limit(self) -> Option<Duration> {
        Some(self)
    }
}

impl AttemptTimeout for Option<Duration> {
    fn limit(self) -> Option<Duration> {
        self
    }
}

/// An error type that can end the attempts of a policy whose timeout is
/// `Tm`: any type for [`NoTimeout`]; for a `Duration` or an
/// `Option<Duration>`, one that can say "timed out" (`From<TimedOut>`).
#[diagnostic::on_unimplemented(
    message = "this policy's attempts time out, and `{Self}` cannot say \"timed out\": it does not implement `From<retry_runtime::TimedOut>`",
    label = "a policy whose timeout is a `{Tm}`, for errors of type `{Self}`",
    note = "give the error type a variant for it; with thiserror: `#[error(transparent)] TimedOut(#[from] retry_runtime::TimedOut)` (`#[derive(Classify)]` classifies it as a transient timeout, no rule needed)",
    note = "or use a policy without a timeout or a deadline: `Policy` (= `Policy<NoTimeout>`), or `.untimed()` on this one"
)]
pub trait TimesOut<Tm>: Sized {
    /// The timeout, ready to bound attempts.
    type Armed: ArmedTimeout<Self>;

    /// Readies `timeout` for attempts that fail with `Self`.
    fn arm(timeout: Tm) -> Self::Armed;
}

/// How an attempt past its limit becomes the call's error `E`.
pub type TimedOutAs<E> = fn(TimedOut) -> E;

/// A policy's timeout readied for a call's error type `E`; see
/// [`TimesOut`].
pub trait ArmedTimeout<E>: Copy {
    /// The limit, and how an attempt past it becomes an `E`.
    fn limit(&self) -> Option<(Duration, TimedOutAs<E>)>;

    /// How an attempt past its limit becomes an `E`, if `E` can say so:
    /// what a [deadline](crate::Policy::deadline) needs to clip attempts.
    fn timed_out(&self) -> Option<TimedOutAs<E>>;

    /// The attempt's limit: the shorter of the timeout and `remaining` of
    /// the deadline, when `E` can say "timed out".
    #[inline]
    fn clipped(&self, remaining: Option<Duration>) -> Option<(Duration, TimedOutAs<E>)> {
        let timed_out = self.timed_out()?;
        let own = self.limit().map(|(limit, _)| limit);
        crate::deadline::clip(own, remaining).map(|limit| (limit, timed_out))
    }
}

impl<E> ArmedTimeout<E> for NoTimeout {
    fn limit(&self) -> Option<(Duration, TimedOutAs<E>)> {
        None
    }

    fn timed_out(&self) -> Option<TimedOutAs<E>> {
        None
    }
}

/// A timeout readied for attempts failing with `E`: the limit, if any, and
/// `E::from` for an attempt past it.
pub struct Limit<E> {
    limit: Option<Duration>,
    timed_out: TimedOutAs<E>,
}

impl<E> Clone for Limit<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Limit<E> {}

impl<E> core::fmt::Debug for Limit<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Limit").field("limit", &self.limit).finish()
    }
}

impl<E> ArmedTimeout<E> for Limit<E> {
    fn limit(&self) -> Option<(Duration, TimedOutAs<E>)> {
        self.limit.map(|limit| (limit, self.timed_out))
    }

    fn timed_out(&self) -> Option<TimedOutAs<E>> {
        Some(self.timed_out)
    }
}

impl<E> TimesOut<NoTimeout> for E {
    type Armed = NoTimeout;

    fn arm(_: NoTimeout) -> NoTimeout {
        NoTimeout
    }
}

impl<E: From<TimedOut>> TimesOut<Duration> for E {
    type Armed = Limit<E>;

    fn arm(timeout: Duration) -> Limit<E> {
        Limit {
            limit: Some(timeout),
            timed_out: E::from,
        }
    }
}

impl<E: From<TimedOut>> TimesOut<Option<Duration>> for E {
    type Armed = Limit<E>;

    fn arm(timeout: Option<Duration>) -> Limit<E> {
        Limit {
            limit: timeout,
            timed_out: E::from,
        }
    }
}
