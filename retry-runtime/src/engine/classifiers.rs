//! What the engine asks of an attempt's result: whether an error
//! ([`Classifier`]) or an `Ok` value ([`OkClassifier`]) is worth another
//! attempt.

use crate::classify::{Classify, Verdict};

/// Decides whether an error is worth another attempt.
pub trait Classifier<E> {
    /// The verdict on `error`.
    fn verdict(&mut self, error: &E) -> Verdict;
}

/// Classifies with the error's own [`Classify`] impl (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByClassify;

impl<E: Classify> Classifier<E> for ByClassify {
    fn verdict(&mut self, error: &E) -> Verdict {
        error.classify()
    }
}

/// Classifies with a predicate: `true` retries (kind [`Kind::Other`](crate::Kind::Other)).
#[derive(Clone, Copy, Debug)]
pub struct When<F>(pub F);

impl<E, F: FnMut(&E) -> bool> Classifier<E> for When<F> {
    fn verdict(&mut self, error: &E) -> Verdict {
        Verdict::from_bool((self.0)(error))
    }
}

/// Decides whether an `Ok` value is worth another attempt: a transient
/// verdict retries it (its kind and hint used as an error's would be), any
/// other makes it the call's result.
///
/// Implemented by [`AcceptOk`] (the default: every `Ok` is a success) and
/// [`WhenOk`] (a closure or fn returning `bool` or [`Verdict`]).
pub trait OkClassifier<T> {
    /// The verdict on `value`.
    fn verdict_ok(&mut self, value: &T) -> Verdict;
}

/// Every `Ok` value is the call's result: only errors are retried (the
/// default; it adds nothing to the success path).
#[derive(Clone, Copy, Debug, Default)]
pub struct AcceptOk;

impl<T> OkClassifier<T> for AcceptOk {
    #[inline(always)]
    fn verdict_ok(&mut self, _: &T) -> Verdict {
        Verdict::permanent()
    }
}

/// Classifies `Ok` values with a function of the value that returns a
/// `bool` (`true` retries, kind [`Kind::Other`](crate::Kind::Other)) or a [`Verdict`] (its
/// kind and delay hint honoured, as
/// [`http::transient_response`](crate::http::transient_response) gives).
#[derive(Clone, Copy, Debug)]
pub struct WhenOk<F>(pub F);

impl<T, V: IntoVerdict, F: FnMut(&T) -> V> OkClassifier<T> for WhenOk<F> {
    #[inline]
    fn verdict_ok(&mut self, value: &T) -> Verdict {
        (self.0)(value).into_verdict()
    }
}

/// What a `when_ok` function may return: `bool` (`true` retries, kind
/// [`Kind::Other`](crate::Kind::Other), no hint) or a [`Verdict`].
#[diagnostic::on_unimplemented(
    message = "`when_ok` must return `bool` or `retry_runtime::Verdict`, not `{Self}`",
    label = "returns `{Self}`",
    note = "`true` (or a transient `Verdict`) retries the `Ok` value; `Verdict::server().retry_after(d)` also gives the kind and the server's delay hint"
)]
pub trait IntoVerdict {
    /// The verdict this answer stands for.
    fn into_verdict(self) -> Verdict;
}

impl IntoVerdict for bool {
    #[inline]
    fn into_verdict(self) -> Verdict {
        Verdict::from_bool(self)
    }
}

impl IntoVerdict for Verdict {
    #[inline]
    fn into_verdict(self) -> Verdict {
        self
    }
}
