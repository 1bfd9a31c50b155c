//! The retries of an async `#[retry]` fn whose first attempt failed. The
//! fn makes what they need where its types are concrete (so a misuse is
//! reported at the user's token), and its loop only awaits the attempts and
//! the sleeps: the decisions, the sleep's state, the breaker and the budget
//! are here, type-checked once and compiled once per result and error
//! type, not once per fn. (A loop here, generic over the fn's attempts,
//! would compile less still, but rustc cannot then prove the fn's future
//! `Send` when it borrows: "implementation of `Send` is not general
//! enough".)

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use core::time::Duration;

use super::{
    AttemptLimit, CheckedClassifier, CheckedHook, ErrorText, InContext, Timed, in_context, timed,
};
use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
use crate::engine::{CallState, OkClassifier, Step, Unsettled};
use crate::error::Rejected;
use crate::policy::Policy;
use crate::protections::{Pass, Protections};
use crate::telemetry::CallSite;

/// What the retries need, made by the fn once its first attempt has
/// failed, and handed to [`retrying`].
pub struct Retries<C, H, V, E> {
    /// The policy, its timeout's type erased (a bounded loop gets the
    /// timeout in [`Bounded`]).
    pub policy: Policy,
    /// The call site, registered.
    pub site: &'static CallSite,
    /// The call's state: made before the first attempt when a clock or a
    /// guard needed it then, else now.
    pub attempts: CallState<'static>,
    /// The classifier, checked against the error type.
    pub classifier: CheckedClassifier<C, E>,
    /// The classifier of `Ok` values: `AcceptOk`, or `when_ok`'s, checked.
    pub values: V,
    /// The hook, checked against the error type.
    pub hook: CheckedHook<H, E>,
    /// How the error shows in log events.
    pub text: ErrorText<E>,
    /// The shared breaker, and how its rejection becomes the call's error.
    pub breaker: Option<(&'static CircuitBreaker, RejectedAs<E>)>,
    /// The shared retry budget.
    pub budget: Option<&'static RetryBudget>,
}

/// How a call the breaker rejected becomes the call's error.
pub type RejectedAs<E> = fn(Rejected) -> E;

impl<C, H, V, E> Retries<C, H, V, E> {
    /// The delay before the next attempt, or the call's result. Generic
    /// over the result, the classifiers and the hook only, so every fn
    /// with those types shares it.
    #[inline]
    fn decide<T>(
        &mut self,
        pass: Pass<'static>,
        unsettled: Unsettled<T, E>,
    ) -> Result<Duration, Result<T, E>>
    where
        V: OkClassifier<T>,
    {
        // A retry's `Ok` value is judged here (the first attempt's was, by
        // `first_attempt`: a transient one comes as `Value`).
        let unsettled = match unsettled {
            Unsettled::Attempt(attempt) => Unsettled::judge(attempt, &mut self.values),
            value => value,
        };
        let step = self.attempts.decide_unsettled(
            &self.policy,
            self.site,
            pass,
            unsettled,
            &mut self.classifier,
            &mut self.hook,
            self.text,
        );
        match step {
            Step::Return(result) => Err(result),
            Step::Sleep(delay) => Ok(delay),
        }
    }

    /// The retry slept for begins: its pass, or the error that ends the
    /// call when the breaker refuses it.
    #[inline]
    fn begin_retry(&mut self) -> Result<Pass<'static>, E> {
        self.attempts.retry_begins();
        let Some((breaker, rejected)) = self.breaker else {
            return Ok(Pass {
                permit: None,
                budget: self.budget,
            });
        };
        let guards = Protections::new().breaker(breaker);
        let guards = match self.budget {
            Some(budget) => guards.budget(budget),
            None => guards,
        };
        self.attempts
            .start_attempt(self.site, guards)
            .map_err(rejected)
    }

    /// The attempt `body`, bounded by `bounded`'s limit and run in its
    /// context if asked; `Err` ends the call: the deadline leaves no time
    /// for it.
    fn bounded<T, F>(&mut self, bounded: &Bounded<E>, body: F) -> Result<Timed<InContext<F>, E>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let context = match bounded.context {
            true => Some(self.attempts.context(&self.policy)),
            false => None,
        };
        let remaining = self.attempts.remaining(&self.policy);
        timed(bounded.limit, remaining, in_context(context, body))
            .map_err(|expired| self.attempts.deadline_passed(self.site, expired))
    }
}

pin_project_lite::pin_project! {
    /// The state of an async annotated fn's retries, boxed: made only once
    /// its first attempt has failed, so a call that succeeds at once
    /// allocates nothing, and the fn's future holds a pointer rather than
    /// the call's state and the sleep. The fn's loop awaits the attempts
    /// (whose type is concrete there) and [`sleep`](Self::sleep); the rest
    /// is these methods, compiled once per result and error type rather
    /// than once per fn.
    pub struct Retrying<C, H, V, E> {
        retries: Retries<C, H, V, E>,
        // The pass of the attempt in progress.
        pass: Pass<'static>,
        bounded: Bounded<E>,
        #[pin]
        nap: Nap,
    }
}

pin_project_lite::pin_project! {
    #[project = NapProjection]
    enum Nap {
        Awake,
        Asleep { #[pin] sleep: crate::timer::Sleep },
    }
}

/// The retries of a fn whose first attempt failed, with that attempt's
/// pass, and the bounds of each retry ([`Retrying::bounded`]).
pub fn retrying<C, H, V, E>(
    retries: Retries<C, H, V, E>,
    pass: Pass<'static>,
    bounded: Bounded<E>,
) -> Pin<Box<Retrying<C, H, V, E>>> {
    Box::pin(Retrying {
        retries,
        pass,
        bounded,
        nap: Nap::Awake,
    })
}

impl<C, H, V, E> Retrying<C, H, V, E> {
    /// Decides on `attempt`: `Ok` when a retry follows (after
    /// [`sleep`](Self::sleep)), else the call's result.
    pub fn decide<T>(self: Pin<&mut Self>, attempt: Unsettled<T, E>) -> Result<(), Result<T, E>>
    where
        V: OkClassifier<T>,
    {
        let mut this = self.project();
        let pass = core::mem::take(this.pass);
        let delay = this.retries.decide(pass, attempt)?;
        this.nap.set(Nap::Asleep {
            sleep: crate::timer::sleep(delay),
        });
        Ok(())
    }

    /// The sleep before the retry.
    pub fn sleep(self: Pin<&mut Self>) -> Sleeping<'_, C, H, V, E> {
        Sleeping { retrying: self }
    }

    /// The retry slept for begins; `Err` ends the call: the breaker
    /// refused it.
    pub fn begin_retry(self: Pin<&mut Self>) -> Result<(), E> {
        let this = self.project();
        *this.pass = this.retries.begin_retry()?;
        Ok(())
    }

    /// The retry `body`, bounded by the limit and run in its context if
    /// asked; `Err` ends the call: the deadline leaves no time for it.
    pub fn bounded<T, F>(self: Pin<&mut Self>, body: F) -> Result<Timed<InContext<F>, E>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let this = self.project();
        this.retries.bounded(this.bounded, body)
    }
}

/// The sleep before a retry; see [`Retrying::sleep`].
pub struct Sleeping<'r, C, H, V, E> {
    retrying: Pin<&'r mut Retrying<C, H, V, E>>,
}

impl<C, H, V, E> Future for Sleeping<'_, C, H, V, E> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut nap = self.retrying.as_mut().project().nap;
        if let NapProjection::Asleep { sleep } = nap.as_mut().project() {
            ready!(sleep.poll(cx));
            nap.set(Nap::Awake);
        }
        Poll::Ready(())
    }
}

/// How each retry runs when a timeout or a deadline bounds it, or it runs
/// in its context ([`Retrying::bounded`]).
pub struct Bounded<E> {
    /// The attempt's limit: a timeout, the deadline's remainder.
    pub limit: AttemptLimit<E>,
    /// Whether the attempt runs in its context (`#[retry(context)]`).
    pub context: bool,
}

impl<E> Bounded<E> {
    /// Retries awaited as they are.
    pub const NONE: Self = Self {
        limit: AttemptLimit::NONE,
        context: false,
    };
}
