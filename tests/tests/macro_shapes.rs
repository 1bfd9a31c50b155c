//! `#[retry]` on every function shape it supports, each asserting the exact
//! number of calls and, where it matters, the schedule of sleeps (virtual
//! time).

use std::fmt::Display;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_runtime::retry;
use tests::{Recorder, TestError, flaky, ms};

// --- free functions -------------------------------------------------------

#[retry(max_attempts = 4, base_delay = "100ms", max_delay = "250ms")]
async fn async_free(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    flaky(rec, fail)
}

#[tokio::test(start_paused = true)]
async fn async_free_fn_retries_on_schedule() {
    let rec = Recorder::new();
    assert_eq!(async_free(&rec, 3).await, Ok(4));
    assert_eq!(rec.gaps(), [ms(100), ms(200), ms(250)]);
}

#[tokio::test(start_paused = true)]
async fn async_free_fn_gives_up_after_max_attempts() {
    let rec = Recorder::new();
    assert_eq!(async_free(&rec, 10).await, Err(TestError::Transient));
    assert_eq!(rec.calls(), 4);
}

#[retry(max_attempts = 3, base_delay = "1ms")]
fn blocking_free(rec: &Recorder, fail: u32) -> Result<u32, TestError> {
    flaky(rec, fail)
}

#[test]
fn blocking_fn_retries_with_thread_sleep() {
    let rec = Recorder::new();
    assert_eq!(blocking_free(&rec, 2), Ok(3));
    assert_eq!(rec.calls(), 3);
    let rec = Recorder::new();
    assert_eq!(blocking_free(&rec, 5), Err(TestError::Transient));
    assert_eq!(rec.calls(), 3);
}

// --- methods --------------------------------------------------------------

struct Client {
    rec: Recorder,
    fail: u32,
    mutated: u32,
}

impl Client {
    fn new(fail: u32) -> Self {
        Self {
            rec: Recorder::new(),
            fail,
            mutated: 0,
        }
    }

    #[retry(base_delay = "10ms")]
    async fn by_ref(&self) -> Result<u32, TestError> {
        flaky(&self.rec, self.fail)
    }

    #[retry(base_delay = "10ms")]
    async fn by_mut(&mut self) -> Result<u32, TestError> {
        self.mutated += 1;
        flaky(&self.rec, self.fail)
    }

    #[retry(base_delay = "10ms")]
    async fn by_value(self) -> Result<u32, TestError> {
        flaky(&self.rec, self.fail)
    }

    #[retry(base_delay = "10ms")]
    async fn by_arc(self: Arc<Self>) -> Result<u32, TestError> {
        flaky(&self.rec, self.fail)
    }

    #[retry(base_delay = "10ms")]
    fn blocking_by_mut(&mut self) -> Result<u32, TestError> {
        self.mutated += 1;
        flaky(&self.rec, self.fail)
    }

    /// `Self` inside the body names the impl's type.
    #[retry(base_delay = "10ms")]
    async fn uses_self_type(&self) -> Result<Self, TestError> {
        flaky(&self.rec, self.fail)?;
        Ok(Self::new(0))
    }
}

#[tokio::test(start_paused = true)]
async fn methods_take_every_receiver() {
    let client = Client::new(2);
    assert_eq!(client.by_ref().await, Ok(3));
    assert_eq!(client.rec.gaps(), [ms(10), ms(20)]);

    let mut client = Client::new(2);
    assert_eq!(client.by_mut().await, Ok(3));
    assert_eq!(
        client.mutated, 3,
        "each attempt sees the previous one's mutation"
    );

    let client = Client::new(1);
    assert_eq!(client.by_value().await, Ok(2));

    let client = Arc::new(Client::new(1));
    assert_eq!(client.clone().by_arc().await, Ok(2));
    assert_eq!(client.rec.calls(), 2);

    let mut client = Client::new(1);
    assert_eq!(client.blocking_by_mut(), Ok(2));
    assert_eq!(client.mutated, 2);

    let client = Client::new(1);
    let built = client
        .uses_self_type()
        .await
        .expect("second attempt succeeds");
    assert_eq!(built.fail, 0);
    assert_eq!(client.rec.calls(), 2);
}

trait Fetch {
    async fn fetch(&self) -> Result<u32, TestError>;
    fn fetch_blocking(&self) -> Result<u32, TestError>;
}

impl Fetch for Client {
    #[retry(base_delay = "10ms")]
    async fn fetch(&self) -> Result<u32, TestError> {
        flaky(&self.rec, self.fail)
    }

    #[retry(base_delay = "1ms")]
    fn fetch_blocking(&self) -> Result<u32, TestError> {
        flaky(&self.rec, self.fail)
    }
}

#[tokio::test(start_paused = true)]
async fn trait_impl_methods_retry() {
    let client = Client::new(2);
    assert_eq!(client.fetch().await, Ok(3));
    let client = Client::new(1);
    assert_eq!(client.fetch_blocking(), Ok(2));
}

// --- generics, lifetimes, impl Trait --------------------------------------

#[retry(base_delay = "10ms")]
async fn generic<T, F>(rec: &Recorder, make: F) -> Result<T, TestError>
where
    F: Fn(u32) -> T,
{
    flaky(rec, 1).map(&make)
}

#[retry(base_delay = "10ms")]
async fn borrows<'a>(rec: &Recorder, text: &'a str) -> Result<&'a str, TestError> {
    flaky(rec, 1)?;
    Ok(&text[1..])
}

struct Named {
    rec: Recorder,
    name: String,
}

impl Named {
    #[retry(base_delay = "10ms")]
    fn elided(&self) -> Result<&str, TestError> {
        flaky(&self.rec, 1)?;
        Ok(self.name.trim())
    }
}

#[retry(base_delay = "10ms")]
async fn impl_trait_arg_and_return(
    rec: &Recorder,
    label: impl Display,
) -> Result<impl Display, TestError> {
    let n = flaky(rec, 1)?;
    Ok(format!("{label}#{n}"))
}

#[tokio::test(start_paused = true)]
async fn generics_lifetimes_and_impl_trait() {
    let rec = Recorder::new();
    assert_eq!(generic(&rec, |n| n * 10).await, Ok(20));

    let rec = Recorder::new();
    let text = String::from("xyz");
    assert_eq!(borrows(&rec, &text).await, Ok("yz"));
    assert_eq!(rec.calls(), 2);

    let named = Named {
        rec: Recorder::new(),
        name: " hi ".into(),
    };
    assert_eq!(named.elided(), Ok("hi"));
    assert_eq!(named.rec.calls(), 2);

    let rec = Recorder::new();
    let shown = impl_trait_arg_and_return(&rec, "call")
        .await
        .expect("succeeds")
        .to_string();
    assert_eq!(shown, "call#2");
}

// --- return and ? ---------------------------------------------------------

#[retry(base_delay = "10ms")]
async fn early_return(rec: &Recorder) -> Result<u32, TestError> {
    let n = rec.call();
    if n == 1 {
        return Err(TestError::Transient); // ends this attempt only
    }
    Ok(n)
}

#[retry(base_delay = "10ms")]
async fn question_mark(rec: &Recorder, inputs: &[&str]) -> Result<u32, TestError> {
    let n = rec.call();
    let parsed: u32 = inputs[n as usize - 1].parse()?; // converts with From
    if n == 1 {
        Err(TestError::Transient)
    } else {
        Ok(parsed)
    }
}

#[tokio::test(start_paused = true)]
async fn return_and_question_mark_end_one_attempt() {
    let rec = Recorder::new();
    assert_eq!(early_return(&rec).await, Ok(2));

    let rec = Recorder::new();
    assert_eq!(question_mark(&rec, &["1", "2"]).await, Ok(2));
    assert_eq!(rec.calls(), 2);

    // `?` converted ParseIntError into BadNumber, which is permanent.
    let rec = Recorder::new();
    assert_eq!(
        question_mark(&rec, &["x", "2"]).await,
        Err(TestError::BadNumber)
    );
    assert_eq!(rec.calls(), 1);
}

// --- attributes preserved, Send ------------------------------------------

/// Documented, must_use, and with a cfg'd argument.
#[must_use]
#[retry(base_delay = "10ms")]
async fn with_attributes(rec: &Recorder, #[cfg(any())] _never: u8) -> Result<u32, TestError> {
    flaky(rec, 1)
}

#[tokio::test(start_paused = true)]
async fn attributes_are_kept() {
    let rec = Recorder::new();
    assert_eq!(with_attributes(&rec).await, Ok(2));
}

#[retry(base_delay = "10ms")]
async fn shared_counter(counter: Arc<AtomicU32>) -> Result<u32, io::Error> {
    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::task::yield_now().await;
    if n < 3 {
        Err(io::ErrorKind::ConnectionReset.into())
    } else {
        Ok(n)
    }
}

#[test]
fn futures_are_send_and_run_on_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    let counter = Arc::new(AtomicU32::new(0));
    let handle = runtime.spawn(shared_counter(counter.clone()));
    let result = runtime.block_on(handle).expect("task did not panic");
    assert_eq!(result.expect("third attempt succeeds"), 3);
    assert_eq!(counter.load(Ordering::SeqCst), 3);
}
