//! The user's classifiers and hook, checked against the call's types by
//! a fn whose bound says what is expected, called where the expansion
//! spans it at the user's token: a wrong one is reported there, once. What
//! the check returns implements the engine's trait with no bound left to
//! check (it carries the method as a fn pointer), so nothing after it
//! reports the error again. Each check borrows (for a loop that keeps the
//! classifier) or takes (for the retry state that owns it).

use crate::classify::Verdict;
use crate::engine::{
    Attempt, Classifier, Hook, IntoVerdict, OkClassifier, RetryEvent, When, WhenOk,
};
use crate::telemetry::ErrorText;

/// A classifier of `E`, checked; see the module's docs.
pub struct CheckedClassifier<C, E> {
    classifier: C,
    verdict: fn(&mut C, &E) -> Verdict,
}

impl<C, E> Classifier<E> for CheckedClassifier<C, E> {
    fn verdict(&mut self, error: &E) -> Verdict {
        (self.verdict)(&mut self.classifier, error)
    }
}

/// A classifier of `Ok` values of type `T`, checked; see the module's docs.
pub struct CheckedOkClassifier<V, T> {
    classifier: V,
    verdict_ok: fn(&mut V, &T) -> Verdict,
}

impl<V, T> OkClassifier<T> for CheckedOkClassifier<V, T> {
    fn verdict_ok(&mut self, value: &T) -> Verdict {
        (self.verdict_ok)(&mut self.classifier, value)
    }
}

/// A hook for errors of type `E`, checked; see the module's docs.
pub struct CheckedHook<H, E> {
    hook: H,
    on_retry: fn(&mut H, &RetryEvent<'_, E>),
}

impl<H, E> Hook<E> for CheckedHook<H, E> {
    fn on_retry(&mut self, event: &RetryEvent<'_, E>) {
        (self.on_retry)(&mut self.hook, event);
    }
}

/// Without `when`, the attempt's error `E` must implement `Classify`
/// (which is what makes `ByClassify` a classifier of `E`).
pub fn by_classify<'c, T, E, C: Classifier<E>>(
    _: &Attempt<T, E>,
    classifier: &'c mut C,
) -> CheckedClassifier<&'c mut C, E> {
    CheckedClassifier {
        classifier,
        verdict: |classifier, error| classifier.verdict(error),
    }
}

/// [`by_classify`], taking the classifier.
pub fn by_classify_owned<T, E, C: Classifier<E>>(
    _: &Attempt<T, E>,
    classifier: C,
) -> CheckedClassifier<C, E> {
    CheckedClassifier {
        classifier,
        verdict: C::verdict,
    }
}

/// `when` must be a `FnMut(&E) -> bool` for the attempt's error `E`.
pub fn when<'c, T, E, P: FnMut(&E) -> bool>(
    _: &Attempt<T, E>,
    predicate: &'c mut When<P>,
) -> CheckedClassifier<&'c mut When<P>, E> {
    CheckedClassifier {
        classifier: predicate,
        verdict: |predicate, error| predicate.verdict(error),
    }
}

/// [`when`], taking the predicate.
pub fn when_owned<T, E, P: FnMut(&E) -> bool>(
    _: &Attempt<T, E>,
    predicate: When<P>,
) -> CheckedClassifier<When<P>, E> {
    CheckedClassifier {
        classifier: predicate,
        verdict: Classifier::verdict,
    }
}

/// `when_ok` must be a `FnMut(&T) -> bool` (or `-> Verdict`) for the
/// attempt's value `T`. Without `when_ok` the expansion passes `AcceptOk`
/// as it is, and nothing of this runs.
pub fn when_ok<'c, T, E, P, V>(
    _: &Attempt<T, E>,
    classifier: &'c mut WhenOk<P>,
) -> CheckedOkClassifier<&'c mut WhenOk<P>, T>
where
    P: FnMut(&T) -> V,
    V: IntoVerdict,
{
    CheckedOkClassifier {
        classifier,
        verdict_ok: |classifier, value| classifier.verdict_ok(value),
    }
}

/// [`when_ok`], taking the classifier.
pub fn when_ok_owned<T, E, P, V>(
    _: &Attempt<T, E>,
    classifier: WhenOk<P>,
) -> CheckedOkClassifier<WhenOk<P>, T>
where
    P: FnMut(&T) -> V,
    V: IntoVerdict,
{
    CheckedOkClassifier {
        classifier,
        verdict_ok: OkClassifier::verdict_ok,
    }
}

/// The user's `on_retry` hook. (The error text comes first: it fixes `E`
/// before the hook is checked.)
pub fn hook<'h, E, H: Hook<E>>(_: &ErrorText<E>, hook: &'h mut H) -> CheckedHook<&'h mut H, E> {
    CheckedHook {
        hook,
        on_retry: |hook, event| hook.on_retry(event),
    }
}

/// [`hook`], taking the hook.
pub fn hook_owned<E, H: Hook<E>>(_: &ErrorText<E>, hook: H) -> CheckedHook<H, E> {
    CheckedHook {
        hook,
        on_retry: H::on_retry,
    }
}
