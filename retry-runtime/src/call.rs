//! The function API: retry a closure with a [`Policy`], no attribute needed.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::engine::{Attempt, Attempts, ByClassify, Classifier, Hook, NoHook, Step, When};
use crate::error::TimedOut;
use crate::policy::Policy;

/// The name calls made through the function API carry unless renamed.
const DEFAULT_NAME: &str = "retry";

impl Policy {
    /// Retries the future `op` makes, following this policy.
    ///
    /// Errors are classified with their [`Classify`](crate::Classify) impl
    /// unless [`when`](Retry::when) gives a predicate. The policy's
    /// `timeout`, if set, bounds each attempt, which is why the error type
    /// must implement `From<TimedOut>` (done for `std::io::Error`).
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
    pub fn retry<F, Fut>(&self, op: F) -> Retry<F, Fut>
    where
        F: FnMut() -> Fut,
        Fut: Future,
    {
        Retry {
            op,
            classifier: ByClassify,
            hook: NoHook,
            policy: *self,
            name: DEFAULT_NAME,
            attempts: Attempts::new(self),
            state: State::Start,
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
    pub fn retry_blocking<F>(&self, op: F) -> RetryBlocking<F> {
        RetryBlocking {
            op,
            classifier: ByClassify,
            hook: NoHook,
            policy: *self,
            name: DEFAULT_NAME,
        }
    }
}

pin_project! {
    /// A retrying call in progress; see [`Policy::retry`]. Configure it with
    /// [`when`](Self::when), [`on_retry`](Self::on_retry) and
    /// [`name`](Self::name), then `.await` it.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Retry<F, Fut, C = ByClassify, H = NoHook> {
        op: F,
        classifier: C,
        hook: H,
        policy: Policy,
        name: &'static str,
        attempts: Attempts,
        #[pin]
        state: State<Fut>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<Fut> {
        Start,
        Ready,
        Running { #[pin] body: Fut },
        RunningTimed { #[pin] body: tokio::time::Timeout<Fut> },
        Sleeping { #[pin] sleep: tokio::time::Sleep },
        Done,
    }
}

impl<F, Fut, C, H> Retry<F, Fut, C, H> {
    /// Retries the errors for which `predicate` returns true, instead of
    /// asking their `Classify` impl.
    pub fn when<P>(self, predicate: P) -> Retry<F, Fut, When<P>, H> {
        Retry {
            op: self.op,
            classifier: When(predicate),
            hook: self.hook,
            policy: self.policy,
            name: self.name,
            attempts: self.attempts,
            state: self.state,
        }
    }

    /// Calls `hook` before each sleep with a [`RetryEvent`](crate::RetryEvent).
    pub fn on_retry<G>(self, hook: G) -> Retry<F, Fut, C, G> {
        Retry {
            op: self.op,
            classifier: self.classifier,
            hook,
            policy: self.policy,
            name: self.name,
            attempts: self.attempts,
            state: self.state,
        }
    }

    /// Names the call in events (default `"retry"`).
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }
}

impl<F, Fut, T, E, C, H> Future for Retry<F, Fut, C, H>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<TimedOut>,
    C: Classifier<E>,
    H: Hook<E>,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let attempt = match this.state.as_mut().project() {
                StateProj::Start => {
                    // The clock of `max_elapsed` starts at the first poll.
                    *this.attempts = Attempts::new(this.policy);
                    this.state.set(State::Ready);
                    continue;
                }
                StateProj::Ready => {
                    let body = (this.op)();
                    match this.policy.timeout {
                        Some(limit) => this.state.set(State::RunningTimed {
                            body: tokio::time::timeout(limit, body),
                        }),
                        None => this.state.set(State::Running { body }),
                    }
                    continue;
                }
                StateProj::Running { body } => Attempt::Completed(ready!(body.poll(cx))),
                StateProj::RunningTimed { body } => match ready!(body.poll(cx)) {
                    Ok(result) => Attempt::Completed(result),
                    Err(_) => {
                        let limit = this.policy.timeout.unwrap_or_default();
                        Attempt::TimedOut(E::from(TimedOut::new(limit)))
                    }
                },
                StateProj::Sleeping { sleep } => {
                    ready!(sleep.poll(cx));
                    this.state.set(State::Ready);
                    continue;
                }
                StateProj::Done => panic!("`Retry` polled after it completed"),
            };
            match this
                .attempts
                .decide(this.policy, this.name, attempt, this.classifier, this.hook)
            {
                Step::Return(result) => {
                    this.state.set(State::Done);
                    return Poll::Ready(result);
                }
                Step::Sleep(delay) => this.state.set(State::Sleeping {
                    sleep: tokio::time::sleep(delay),
                }),
            }
        }
    }
}

/// A blocking retrying call; see [`Policy::retry_blocking`]. Configure it,
/// then run it with [`call`](Self::call).
#[must_use = "nothing runs until `.call()`"]
pub struct RetryBlocking<F, C = ByClassify, H = NoHook> {
    op: F,
    classifier: C,
    hook: H,
    policy: Policy,
    name: &'static str,
}

impl<F, C, H> RetryBlocking<F, C, H> {
    /// Retries the errors for which `predicate` returns true, instead of
    /// asking their `Classify` impl.
    pub fn when<P>(self, predicate: P) -> RetryBlocking<F, When<P>, H> {
        RetryBlocking {
            op: self.op,
            classifier: When(predicate),
            hook: self.hook,
            policy: self.policy,
            name: self.name,
        }
    }

    /// Calls `hook` before each sleep with a [`RetryEvent`](crate::RetryEvent).
    pub fn on_retry<G>(self, hook: G) -> RetryBlocking<F, C, G> {
        RetryBlocking {
            op: self.op,
            classifier: self.classifier,
            hook,
            policy: self.policy,
            name: self.name,
        }
    }

    /// Names the call in events (default `"retry"`).
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Runs the call: attempts, sleeps, and returns the final result.
    pub fn call<T, E>(mut self) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        C: Classifier<E>,
        H: Hook<E>,
    {
        let mut attempts = Attempts::blocking(&self.policy);
        loop {
            let attempt = Attempt::Completed((self.op)());
            match attempts.decide(
                &self.policy,
                self.name,
                attempt,
                &mut self.classifier,
                &mut self.hook,
            ) {
                Step::Return(result) => return result,
                Step::Sleep(delay) => std::thread::sleep(delay),
            }
        }
    }
}
