//! The function API: retry a closure with a [`Policy`], no attribute needed.

use core::future::Future;
use core::marker::PhantomData;
use core::mem;
use core::panic::Location;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use core::time::Duration;

use pin_project_lite::pin_project;

use crate::attempt::AttemptContext;
use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
use crate::engine::{
    AcceptOk, Attempt, ByClassify, CallState, Classifier, Hook, IntoVerdict, NoHook, OkClassifier,
    Step, When, WhenOk,
};
use crate::error::{Rejected, TimedOut};
use crate::policy::Policy;
use crate::protections::{Pass, Protections};
use crate::telemetry::CallSite;
use crate::timeout::{ArmedTimeout, AttemptTimeout, NoTimeout, TimesOut};

impl<Tm: AttemptTimeout> Policy<Tm> {
    /// Retries the future `op` makes, following this policy.
    ///
    /// Errors are classified with their [`Classify`](crate::Classify) impl
    /// unless [`when`](Retry::when) gives a predicate; `Ok` values are the
    /// result unless [`when_ok`](Retry::when_ok) calls some transient. A policy with a
    /// timeout (`Policy<Duration>`, or `Policy<Option<Duration>>` from a
    /// file) bounds each attempt, and then the error type must implement
    /// `From<TimedOut>` (done for `std::io::Error`); a `Policy` without one
    /// retries any error type.
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let policy = Policy::new().base_delay(Duration::from_millis(1));
    /// let mut calls = 0;
    /// let answer = policy
    ///     .retry(|| {
    ///         calls += 1;
    ///         let fail = calls < 3;
    ///         async move {
    ///             if fail { Err(io::Error::from(io::ErrorKind::ConnectionReset)) } else { Ok(42) }
    ///         }
    ///     })
    ///     .name("answer")
    ///     .await;
    /// assert_eq!(answer.unwrap(), 42);
    /// assert_eq!(calls, 3);
    /// # }
    /// ```
    ///
    /// Unless [named](Retry::name), the call is named after where it is
    /// made, `file:line:column`, in events, metrics and statistics.
    #[track_caller]
    pub fn retry<F, Fut, T, E>(
        &self,
        op: F,
    ) -> Retry<F, Fut, ByClassify, NoHook, NoBreaker, E::Armed>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: TimesOut<Tm>,
    {
        let policy = self.erased().with_timeout(E::arm(self.timeout));
        Retry {
            op,
            options: Options::new(policy, Location::caller()),
            attempts: CallState::new(self),
            turn: (),
            state: State::Start,
        }
    }

    /// [`retry`](Self::retry), handing each attempt its
    /// [`AttemptContext`]: its number (1-based) and what remains of the
    /// policy's [`deadline`](Policy::deadline), to send to the server.
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let policy = Policy::new().base_delay(Duration::from_millis(1)).deadline(Duration::from_secs(5));
    /// let answer = policy
    ///     .retry_with_context(|attempt| async move {
    ///         assert!(attempt.remaining().is_some_and(|left| left <= Duration::from_secs(5)));
    ///         match attempt.number() {
    ///             1 => Err(io::Error::from(io::ErrorKind::ConnectionReset)),
    ///             n => Ok(n),
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(answer.unwrap(), 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn retry_with_context<F, Fut, T, E>(
        &self,
        op: F,
    ) -> Retry<WithContext<F>, Fut, ByClassify, NoHook, NoBreaker, E::Armed>
    where
        F: FnMut(AttemptContext) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: TimesOut<Tm>,
    {
        let policy = self.erased().with_timeout(E::arm(self.timeout));
        Retry {
            op: WithContext(op),
            options: Options::new(policy, Location::caller()),
            attempts: CallState::new(self),
            turn: (),
            state: State::Start,
        }
    }

    /// [`retry_blocking`](Self::retry_blocking), handing each attempt its
    /// [`AttemptContext`].
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// let mut seen = Vec::new();
    /// let result: Result<u32, io::Error> = Policy::new()
    ///     .base_delay(Duration::from_millis(1))
    ///     .retry_blocking_with_context(|attempt| {
    ///         seen.push(attempt.number());
    ///         Err(io::ErrorKind::ConnectionReset.into())
    ///     })
    ///     .call();
    /// assert!(result.is_err());
    /// assert_eq!(seen, [1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn retry_blocking_with_context<F, T, E>(
        &self,
        op: F,
    ) -> RetryBlocking<WithContext<F>, ByClassify, NoHook, NoBreaker, Tm>
    where
        F: FnMut(AttemptContext) -> Result<T, E>,
    {
        RetryBlocking {
            op: WithContext(op),
            options: Options::new(*self, Location::caller()),
        }
    }

    /// The blocking twin of [`retry`](Self::retry): sleeps with
    /// `std::thread::sleep`. Ignores the policy's `timeout` (a blocking call
    /// cannot be interrupted).
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// let mut calls = 0;
    /// let result: Result<(), io::Error> = Policy::new()
    ///     .base_delay(Duration::from_millis(1))
    ///     .retry_blocking(|| {
    ///         calls += 1;
    ///         Err(io::ErrorKind::NotFound.into())
    ///     })
    ///     .call();
    /// assert!(result.is_err());
    /// assert_eq!(calls, 1); // NotFound is permanent: no retry
    /// ```
    #[track_caller]
    pub fn retry_blocking<F>(&self, op: F) -> RetryBlocking<F, ByClassify, NoHook, NoBreaker, Tm> {
        RetryBlocking {
            op,
            options: Options::new(*self, Location::caller()),
        }
    }
}

/// What makes each attempt of a function-API call: a closure
/// `FnMut() -> Out`, or one that takes the attempt's context, wrapped in
/// [`WithContext`] by [`Policy::retry_with_context`].
pub trait MakeAttempt<Out> {
    /// Starts one attempt; `context` is called only by a closure that
    /// takes it, so the others pay nothing for it.
    fn make_attempt(&mut self, context: impl FnOnce() -> AttemptContext) -> Out;
}

impl<F: FnMut() -> Out, Out> MakeAttempt<Out> for F {
    #[inline]
    fn make_attempt(&mut self, _: impl FnOnce() -> AttemptContext) -> Out {
        self()
    }
}

/// A closure that takes each attempt's [`AttemptContext`]; see
/// [`Policy::retry_with_context`].
#[derive(Clone, Copy, Debug)]
pub struct WithContext<F>(F);

impl<F: FnMut(AttemptContext) -> Out, Out> MakeAttempt<Out> for WithContext<F> {
    #[inline]
    fn make_attempt(&mut self, context: impl FnOnce() -> AttemptContext) -> Out {
        (self.0)(context())
    }
}

/// Marks a function-API call without a circuit breaker (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBreaker;

/// Marks a function-API call with a circuit breaker: its error type must
/// implement `From<Rejected>`, to say the breaker refused the call.
#[derive(Clone, Copy, Debug, Default)]
pub struct WithBreaker;

mod pacing;

pub use pacing::{Admission, Paced};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoBreaker {}
    impl Sealed for super::WithBreaker {}
    impl<K> Sealed for super::Paced<K> {}
}

/// How a function-API call gets each attempt admitted; implemented by
/// [`NoBreaker`], [`WithBreaker`] and [`Paced`] only. It puts the
/// `From<Rejected>` bound on the error type only when a breaker is set,
/// and `From<RateLimited>` only when a rate limiter is.
pub trait BreakerMarker<E>: Admission {
    /// The next attempt's pass, or the error that ends the call.
    fn start_attempt(
        attempts: &mut CallState<'static>,
        site: &'static CallSite,
        guards: Protections<'static>,
    ) -> Result<Pass<'static>, E>;

    /// Takes the rate limiter's turn for the next attempt, if the call has
    /// a rate limiter: the turn and how long to wait for it, or the error
    /// that ends the call. Without one (only `rate_limiter()` sets one, and
    /// it makes the marker [`Paced`]): no turn, no wait.
    #[inline(always)]
    fn pace(
        _attempts: &mut CallState<'static>,
        _site: &'static CallSite,
        _guards: Protections<'static>,
    ) -> Result<(Self::Turn, Duration), E> {
        Ok((Self::Turn::default(), Duration::ZERO))
    }

    /// Tells the rate limiter, if any, how the attempt of `turn` went,
    /// once it is decided on. Without one: nothing.
    #[inline(always)]
    fn answered(_attempts: &CallState<'static>, _guards: Protections<'static>, _turn: Self::Turn) {}
    /// The breaker's pass for one attempt of a [hedged](Retry::hedge)
    /// call, read on the clock `now`, without ending the call: `Err` says
    /// the breaker refused it.
    #[doc(hidden)]
    fn admit(guards: Protections<'static>, now: fn() -> i64) -> Result<Pass<'static>, E>;
}

impl<E> BreakerMarker<E> for NoBreaker {
    fn start_attempt(
        _: &mut CallState<'static>,
        _: &'static CallSite,
        guards: Protections<'static>,
    ) -> Result<Pass<'static>, E> {
        // No breaker to ask (only `breaker()` sets one, and it changes the
        // marker): the pass just carries the budget.
        Ok(guards.budget.map_or_else(Pass::default, Pass::budget))
    }

    fn admit(guards: Protections<'static>, _: fn() -> i64) -> Result<Pass<'static>, E> {
        Ok(guards.budget.map_or_else(Pass::default, Pass::budget))
    }
}

impl<E: From<Rejected>> BreakerMarker<E> for WithBreaker {
    fn start_attempt(
        attempts: &mut CallState<'static>,
        site: &'static CallSite,
        guards: Protections<'static>,
    ) -> Result<Pass<'static>, E> {
        attempts.start_attempt(site, guards).map_err(E::from)
    }

    fn admit(guards: Protections<'static>, now: fn() -> i64) -> Result<Pass<'static>, E> {
        let permit = match guards.breaker {
            Some(breaker) => Some(breaker.acquire(now).map_err(E::from)?),
            None => None,
        };
        Ok(Pass {
            permit,
            budget: guards.budget,
        })
    }
}

/// How a function-API call finds its [`CallSite`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Naming {
    /// Named after where it is made.
    Caller(&'static Location<'static>),
    /// Named by [`Retry::name`].
    Named(&'static str),
}

impl Naming {
    #[inline]
    pub(crate) fn site(self) -> &'static CallSite {
        match self {
            Naming::Caller(location) => CallSite::at(location),
            Naming::Named(name) => CallSite::named(name),
        }
    }

    /// The call, for a panic message (without interning its site).
    pub(crate) fn describe(self) -> String {
        match self {
            Naming::Caller(location) => format!("the Policy::retry call at {location}"),
            Naming::Named(name) => format!("the Policy::retry call `{name}`"),
        }
    }
}

/// What configures a function-API call, async or blocking: how errors
/// and `Ok` values are classified, the hook, the policy, the name and the
/// shared protections (`K` marks whether a breaker is among them).
pub(crate) struct Options<C, H, K, Tm, O> {
    pub(crate) classifier: C,
    pub(crate) values: O,
    pub(crate) hook: H,
    pub(crate) policy: Policy<Tm>,
    pub(crate) naming: Naming,
    pub(crate) guards: Protections<'static>,
    breaker: PhantomData<fn() -> K>,
}

impl<Tm> Options<ByClassify, NoHook, NoBreaker, Tm, AcceptOk> {
    fn new(policy: Policy<Tm>, caller: &'static Location<'static>) -> Self {
        Options {
            classifier: ByClassify,
            values: AcceptOk,
            hook: NoHook,
            policy,
            naming: Naming::Caller(caller),
            guards: Protections::new(),
            breaker: PhantomData,
        }
    }
}

impl<C, H, K, Tm, O> Options<C, H, K, Tm, O> {
    fn when<P>(self, predicate: P) -> Options<When<P>, H, K, Tm, O> {
        let Options {
            values,
            hook,
            policy,
            naming,
            guards,
            breaker,
            ..
        } = self;
        Options {
            classifier: When(predicate),
            values,
            hook,
            policy,
            naming,
            guards,
            breaker,
        }
    }

    fn when_ok<P>(self, classifier: P) -> Options<C, H, K, Tm, WhenOk<P>> {
        let Options {
            classifier: errors,
            hook,
            policy,
            naming,
            guards,
            breaker,
            ..
        } = self;
        Options {
            classifier: errors,
            values: WhenOk(classifier),
            hook,
            policy,
            naming,
            guards,
            breaker,
        }
    }

    fn on_retry<G>(self, hook: G) -> Options<C, G, K, Tm, O> {
        let Options {
            classifier,
            values,
            policy,
            naming,
            guards,
            breaker,
            ..
        } = self;
        Options {
            classifier,
            values,
            hook,
            policy,
            naming,
            guards,
            breaker,
        }
    }

    fn breaker(self, breaker: &'static CircuitBreaker) -> Options<C, H, K::Breaker, Tm, O>
    where
        K: Admission,
    {
        let guards = self.guards.breaker(breaker);
        self.guarded(guards)
    }

    /// The same options with `guards`, and the marker `K2` that says what
    /// they hold.
    pub(super) fn guarded<K2>(self, guards: Protections<'static>) -> Options<C, H, K2, Tm, O> {
        let Options {
            classifier,
            values,
            hook,
            policy,
            naming,
            ..
        } = self;
        Options {
            classifier,
            values,
            hook,
            policy,
            naming,
            guards,
            breaker: PhantomData,
        }
    }
}

pin_project! {
    /// A retrying call in progress; see [`Policy::retry`]. Configure it with
    /// [`when`](Self::when), [`when_ok`](Self::when_ok),
    /// [`on_retry`](Self::on_retry), [`name`](Self::name),
    /// [`breaker`](Self::breaker) and [`budget`](Self::budget), then
    /// `.await` it.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Retry<F, Fut, C = ByClassify, H = NoHook, K = NoBreaker, Tm = NoTimeout, O = AcceptOk>
    where
        K: Admission,
    {
        op: F,
        options: Options<C, H, K, Tm, O>,
        attempts: CallState<'static>,
        // The rate limiter's turn for the attempt in progress (nothing, a
        // zero-sized `()`, without a limiter).
        turn: K::Turn,
        #[pin]
        state: State<Fut>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<Fut> {
        Start,
        // The pass lives as long as the attempt: dropping the future
        // mid-attempt releases the breaker's permit.
        Running { #[pin] body: Fut, pass: Pass<'static> },
        RunningTimed {
            #[pin] body: crate::timer::Timeout<Fut>,
            pass: Pass<'static>,
            // What the attempt fails with if it runs past its limit (the
            // timeout, or what remained of the deadline).
            timed_out: TimedOut,
        },
        Sleeping { #[pin] sleep: crate::timer::Sleep },
        // Waiting for the rate limiter's turn.
        Pacing { #[pin] sleep: crate::timer::Sleep, pass: Pass<'static> },
        Done,
    }
}

/// What remains of the deadline for the next attempt, or the error the
/// call ends with when it leaves no time (only an error that can say
/// "timed out" can end it; a deadline on a `Policy<NoTimeout>`'s field
/// cannot).
#[inline]
fn deadline_left<E, Tm: ArmedTimeout<E>>(
    remaining: Result<Option<Duration>, TimedOut>,
    policy: &Policy<Tm>,
) -> Result<Option<Duration>, E> {
    match (remaining, policy.timeout.timed_out()) {
        (Ok(remaining), _) => Ok(remaining),
        (Err(expired), Some(timed_out)) => Err(timed_out(expired)),
        (Err(_), None) => Ok(None),
    }
}

/// What the next attempt begins with, in one transition of the state:
/// the attempt running, or a wait for the rate limiter's turn; `Err` ends
/// the call (the deadline passed, the breaker or the rate limiter refused).
#[inline]
fn begin_attempt<F, Fut, T, E, K, Tm>(
    op: &mut F,
    attempts: &mut CallState<'static>,
    turn: &mut K::Turn,
    (policy, site, guards): (&Policy<Tm>, &'static CallSite, Protections<'static>),
) -> Result<State<Fut>, E>
where
    F: MakeAttempt<Fut>,
    Fut: Future<Output = Result<T, E>>,
    K: BreakerMarker<E>,
    Tm: ArmedTimeout<E>,
{
    let remaining = match deadline_left(attempts.remaining(policy), policy) {
        Ok(remaining) => remaining,
        Err(expired) => return Err(attempts.deadline_passed(site, expired)),
    };
    let pass = K::start_attempt(attempts, site, guards)?;
    // Nothing without a rate limiter: no turn, no wait.
    let (next_turn, wait) = K::pace(attempts, site, guards)?;
    *turn = next_turn;
    if !wait.is_zero() {
        let left = attempts.remaining_after(policy, wait);
        if let Err(expired) = deadline_left(left, policy) {
            return Err(attempts.deadline_passed(site, expired));
        }
        return Ok(State::Pacing {
            sleep: crate::timer::sleep(wait),
            pass,
        });
    }
    Ok(start(op, attempts, policy, remaining, pass))
}

/// Moves to `next`, or ends the call with its error (returned).
#[inline]
fn enter<Fut, E>(mut state: Pin<&mut State<Fut>>, next: Result<State<Fut>, E>) -> Option<E> {
    match next {
        Ok(next) => {
            state.set(next);
            None
        }
        Err(error) => {
            state.set(State::Done);
            Some(error)
        }
    }
}

/// The next attempt, started: bounded by the policy's timeout clipped to
/// `remaining` of the deadline, if either applies.
#[inline]
fn start<F, Fut, T, E, Tm>(
    op: &mut F,
    attempts: &CallState<'static>,
    policy: &Policy<Tm>,
    remaining: Option<Duration>,
    pass: Pass<'static>,
) -> State<Fut>
where
    F: MakeAttempt<Fut>,
    Fut: Future<Output = Result<T, E>>,
    Tm: ArmedTimeout<E>,
{
    let body = op.make_attempt(|| attempts.context(policy));
    match policy.timeout.clipped(remaining) {
        Some((limit, _)) => State::RunningTimed {
            body: crate::timer::timeout(limit, body),
            pass,
            timed_out: TimedOut::new(limit),
        },
        None => State::Running { body, pass },
    }
}

impl<F, Fut, C, H, K: Admission, Tm, O> Retry<F, Fut, C, H, K, Tm, O> {
    /// Retries the errors for which `predicate` returns true, instead of
    /// asking their `Classify` impl.
    pub fn when<P>(self, predicate: P) -> Retry<F, Fut, When<P>, H, K, Tm, O> {
        Retry {
            op: self.op,
            options: self.options.when(predicate),
            attempts: self.attempts,
            turn: Default::default(),
            state: self.state,
        }
    }

    /// Retries the `Ok` values `classifier` calls transient, as an error
    /// would be; when the call ends on one (attempts spent, a hint above
    /// `max_retry_after`, the budget spent, the breaker opened), that value
    /// is the result, as `Ok`. `classifier` returns `bool` (`true` retries)
    /// or a [`Verdict`](crate::Verdict), whose kind and delay hint are
    /// honoured; [`http::transient_response`](crate::http::transient_response)
    /// is one for HTTP responses.
    ///
    /// ```
    /// use std::io;
    /// use std::time::Duration;
    /// use retry_runtime::Policy;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut calls = 0;
    /// let answer = Policy::new()
    ///     .base_delay(Duration::from_millis(1))
    ///     .retry(|| {
    ///         calls += 1;
    ///         let reply = if calls < 3 { "busy" } else { "done" };
    ///         async move { Ok::<_, io::Error>(reply) }
    ///     })
    ///     .when_ok(|reply| *reply == "busy")
    ///     .await;
    /// assert_eq!(answer.unwrap(), "done");
    /// assert_eq!(calls, 3);
    /// # }
    /// ```
    pub fn when_ok<P, T, E, V>(self, classifier: P) -> Retry<F, Fut, C, H, K, Tm, WhenOk<P>>
    where
        Fut: Future<Output = Result<T, E>>,
        P: FnMut(&T) -> V,
        V: IntoVerdict,
    {
        Retry {
            op: self.op,
            options: self.options.when_ok(classifier),
            attempts: self.attempts,
            turn: Default::default(),
            state: self.state,
        }
    }

    /// Calls `hook` before each sleep with a [`RetryEvent`](crate::RetryEvent).
    pub fn on_retry<G>(self, hook: G) -> Retry<F, Fut, C, G, K, Tm, O> {
        Retry {
            op: self.op,
            options: self.options.on_retry(hook),
            attempts: self.attempts,
            turn: Default::default(),
            state: self.state,
        }
    }

    /// Names the call in events, metrics and statistics (`stats()`)
    /// (default: where the call is made, `file:line:column`).
    pub fn name(mut self, name: &'static str) -> Self {
        self.options.naming = Naming::Named(name);
        self
    }

    /// Pays for each retry from `budget`; see [`RetryBudget`].
    pub fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.options.guards = self.options.guards.budget(budget);
        self
    }

    /// Asks `breaker` before each attempt and reports each outcome to it;
    /// while it is open the call fails at once with `E::from(Rejected)`.
    ///
    /// ```
    /// use std::io;
    /// use retry_runtime::{BreakerConfig, CircuitBreaker, Policy, Rejected};
    ///
    /// static BREAKER: CircuitBreaker =
    ///     CircuitBreaker::new(BreakerConfig::new("db").failure_threshold(1));
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let down = || async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused)) };
    /// let first = Policy::new().retry(down).breaker(&BREAKER).await.unwrap_err();
    /// assert_eq!(first.kind(), io::ErrorKind::ConnectionRefused); // tripped it: no retry
    /// let second = Policy::new().retry(down).breaker(&BREAKER).await.unwrap_err();
    /// assert!(second.get_ref().is_some_and(|e| e.is::<Rejected>()));
    /// # }
    /// ```
    pub fn breaker(
        self,
        breaker: &'static CircuitBreaker,
    ) -> Retry<F, Fut, C, H, K::Breaker, Tm, O> {
        Retry {
            op: self.op,
            options: self.options.breaker(breaker),
            attempts: self.attempts,
            turn: Default::default(),
            state: self.state,
        }
    }
}

impl<F, Fut, C, H, K: Admission, Tm, O> Retry<F, Fut, C, H, K, Tm, O> {
    /// What makes each attempt, and the call's configuration.
    pub(crate) fn into_parts(self) -> (F, Options<C, H, K, Tm, O>) {
        (self.op, self.options)
    }
}

impl<F, Fut, T, E, C, H, K, Tm, O> Future for Retry<F, Fut, C, H, K, Tm, O>
where
    F: MakeAttempt<Fut>,
    Fut: Future<Output = Result<T, E>>,
    C: Classifier<E>,
    O: OkClassifier<T>,
    H: Hook<E>,
    K: BreakerMarker<E>,
    Tm: ArmedTimeout<E>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Options {
            classifier,
            values,
            hook,
            policy,
            naming,
            guards,
            ..
        } = this.options;
        let (site, guards) = (naming.site(), *guards);
        loop {
            // `None`: the next attempt begins (from the start, or after a
            // sleep); `Some`: an attempt ended, to decide on.
            let ended = match this.state.as_mut().project() {
                StateProj::Start => {
                    // With tokio's timer, outside a tokio runtime: fail at
                    // the first poll (debug builds), not the first retry.
                    crate::timer::expect_runtime(|| naming.describe());
                    // The clock of `max_elapsed` starts at the first poll.
                    *this.attempts = CallState::new(policy);
                    None
                }
                StateProj::Pacing { sleep, pass } => {
                    ready!(sleep.poll(cx));
                    let pass = mem::take(pass);
                    let next = match deadline_left(this.attempts.remaining(policy), policy) {
                        Ok(remaining) => Ok(start(this.op, this.attempts, policy, remaining, pass)),
                        Err(expired) => Err(this.attempts.deadline_passed(site, expired)),
                    };
                    if let Some(error) = enter(this.state.as_mut(), next) {
                        return Poll::Ready(Err(error));
                    }
                    continue;
                }
                StateProj::Running { body, pass } => {
                    Some((Attempt::Completed(ready!(body.poll(cx))), mem::take(pass)))
                }
                StateProj::RunningTimed {
                    body,
                    pass,
                    timed_out,
                } => match (ready!(body.poll(cx)), policy.timeout.timed_out()) {
                    (Ok(result), _) => Some((Attempt::Completed(result), mem::take(pass))),
                    (Err(_), Some(error)) => {
                        Some((Attempt::TimedOut(error(*timed_out)), mem::take(pass)))
                    }
                    // Only an error that can say "timed out" starts a timed
                    // attempt: never reached (the next attempt begins).
                    (Err(_), None) => None,
                },
                StateProj::Sleeping { sleep } => {
                    ready!(sleep.poll(cx));
                    this.attempts.retry_begins();
                    None
                }
                StateProj::Done => panic!("`Retry` polled after it completed"),
            };
            let Some((attempt, pass)) = ended else {
                let next = begin_attempt::<_, _, _, _, K, _>(
                    this.op,
                    this.attempts,
                    this.turn,
                    (policy, site, guards),
                );
                if let Some(error) = enter(this.state.as_mut(), next) {
                    return Poll::Ready(Err(error));
                }
                continue;
            };
            let step = this
                .attempts
                .decide_with_ok(policy, site, pass, attempt, classifier, values, hook);
            K::answered(this.attempts, guards, *this.turn);
            match step {
                Step::Return(result) => {
                    this.state.set(State::Done);
                    return Poll::Ready(result);
                }
                Step::Sleep(delay) => this.state.set(State::Sleeping {
                    sleep: crate::timer::sleep(delay),
                }),
            }
        }
    }
}

/// A blocking retrying call; see [`Policy::retry_blocking`]. Configure it
/// (as [`Retry`]), then run it with [`call`](Self::call).
#[must_use = "nothing runs until `.call()`"]
pub struct RetryBlocking<F, C = ByClassify, H = NoHook, K = NoBreaker, Tm = NoTimeout, O = AcceptOk>
{
    op: F,
    options: Options<C, H, K, Tm, O>,
}

impl<F, C, H, K, Tm: AttemptTimeout, O> RetryBlocking<F, C, H, K, Tm, O> {
    /// Retries the errors for which `predicate` returns true, instead of
    /// asking their `Classify` impl.
    pub fn when<P>(self, predicate: P) -> RetryBlocking<F, When<P>, H, K, Tm, O> {
        RetryBlocking {
            op: self.op,
            options: self.options.when(predicate),
        }
    }

    /// Retries the `Ok` values `classifier` calls transient; see
    /// [`Retry::when_ok`].
    pub fn when_ok<P, T, E, V>(self, classifier: P) -> RetryBlocking<F, C, H, K, Tm, WhenOk<P>>
    where
        F: FnMut() -> Result<T, E>,
        P: FnMut(&T) -> V,
        V: IntoVerdict,
    {
        RetryBlocking {
            op: self.op,
            options: self.options.when_ok(classifier),
        }
    }

    /// Calls `hook` before each sleep with a [`RetryEvent`](crate::RetryEvent).
    pub fn on_retry<G>(self, hook: G) -> RetryBlocking<F, C, G, K, Tm, O> {
        RetryBlocking {
            op: self.op,
            options: self.options.on_retry(hook),
        }
    }

    /// Names the call in events, metrics and statistics (`stats()`)
    /// (default: where the call is made, `file:line:column`).
    pub fn name(mut self, name: &'static str) -> Self {
        self.options.naming = Naming::Named(name);
        self
    }

    /// Pays for each retry from `budget`; see [`RetryBudget`].
    pub fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.options.guards = self.options.guards.budget(budget);
        self
    }

    /// Asks `breaker` before each attempt and reports each outcome to it;
    /// while it is open the call fails at once with `E::from(Rejected)`.
    /// Its time comes from the system clock.
    pub fn breaker(
        self,
        breaker: &'static CircuitBreaker,
    ) -> RetryBlocking<F, C, H, K::Breaker, Tm, O>
    where
        K: Admission,
    {
        RetryBlocking {
            op: self.op,
            options: self.options.breaker(breaker),
        }
    }

    /// Runs the call: attempts, sleeps, and returns the final result.
    pub fn call<T, E>(mut self) -> Result<T, E>
    where
        F: MakeAttempt<Result<T, E>>,
        C: Classifier<E>,
        O: OkClassifier<T>,
        H: Hook<E>,
        K: BreakerMarker<E>,
    {
        let Options {
            mut classifier,
            mut values,
            mut hook,
            policy,
            naming,
            guards,
            ..
        } = self.options;
        let site = naming.site();
        let mut attempts = CallState::blocking(&policy);
        loop {
            let pass = K::start_attempt(&mut attempts, site, guards)?;
            let (turn, wait) = K::pace(&mut attempts, site, guards)?;
            if !wait.is_zero() {
                // The wait counts against `max_elapsed` and the deadline
                // of later retries; a blocking attempt is never cut short.
                std::thread::sleep(wait);
            }
            let attempt = Attempt::Completed(self.op.make_attempt(|| attempts.context(&policy)));
            let step = attempts.decide_with_ok(
                &policy,
                site,
                pass,
                attempt,
                &mut classifier,
                &mut values,
                &mut hook,
            );
            K::answered(&attempts, guards, turn);
            match step {
                Step::Return(result) => return result,
                Step::Sleep(delay) => {
                    std::thread::sleep(delay);
                    attempts.retry_begins();
                }
            }
        }
    }
}
