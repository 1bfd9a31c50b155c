//! Call sites: every `#[retry]` fn and every function-API call site keeps
//! its own statistics, with no limit on how many, and default names tell
//! call sites apart (a method's includes its type; a function-API call's
//! is where it is made).

use std::sync::Mutex;

use retry_runtime::{Policy, RetryEvent, Stats, retry, stats};
use tests::{Recorder, TestError, ms, script};

/// The statistics of `calls` calls, `first_tries` of them first-try
/// successes and the rest successes after one 1 ms retry.
fn expected(calls: u64, first_tries: u64) -> Stats {
    let retried = calls - first_tries;
    let mut totals = Stats::default();
    totals.calls = calls;
    totals.attempts = first_tries + 2 * retried;
    totals.retries = retried;
    totals.waited = ms(retried);
    totals.success_first_try = first_tries;
    totals.success_after_retry = retried;
    totals
}

#[tokio::test(start_paused = true)]
async fn a_thousand_function_api_sites_each_keep_exact_statistics() {
    let names: Vec<&'static str> = (0..1000)
        .map(|i| &*Box::leak(format!("sites.function.{i}").into_boxed_str()))
        .collect();
    let policy = Policy::new().base_delay(ms(1)).max_delay(ms(1));
    for (i, name) in names.iter().enumerate() {
        // Site i: i % 3 + 1 calls, the first of which fails once.
        for call in 0..(i % 3 + 1) {
            let rec = Recorder::new();
            let errors: &[TestError] = if call == 0 {
                &[TestError::Transient]
            } else {
                &[]
            };
            let result = policy
                .retry(|| async { script(&rec, errors) })
                .name(name)
                .await;
            assert!(result.is_ok());
        }
    }
    for (i, name) in names.iter().enumerate() {
        let calls = (i % 3 + 1) as u64;
        assert_eq!(stats(name), Some(expected(calls, calls - 1)), "{name}");
    }
}

/// Ten modules `m0`..`m9`, each holding `$body`, and `run_all` calling
/// each one's `run_all`.
macro_rules! ten {
    ($($body:tt)*) => {
        pub mod m0 { use super::*; $($body)* }
        pub mod m1 { use super::*; $($body)* }
        pub mod m2 { use super::*; $($body)* }
        pub mod m3 { use super::*; $($body)* }
        pub mod m4 { use super::*; $($body)* }
        pub mod m5 { use super::*; $($body)* }
        pub mod m6 { use super::*; $($body)* }
        pub mod m7 { use super::*; $($body)* }
        pub mod m8 { use super::*; $($body)* }
        pub mod m9 { use super::*; $($body)* }
        pub async fn run_all() {
            m0::run_all().await; m1::run_all().await; m2::run_all().await;
            m3::run_all().await; m4::run_all().await; m5::run_all().await;
            m6::run_all().await; m7::run_all().await; m8::run_all().await;
            m9::run_all().await;
        }
    };
}

/// One annotated fn, `f`, named by default after its module; `run_all`
/// calls it twice: once failing first, once succeeding at once.
macro_rules! site {
    () => {
        #[retry(base_delay = "1ms", max_delay = "1ms")]
        pub async fn f(rec: &Recorder, errors: &[TestError]) -> Result<u32, TestError> {
            script(rec, errors)
        }

        pub async fn run_all() {
            assert_eq!(f(&Recorder::new(), &[TestError::Transient]).await, Ok(2));
            assert_eq!(f(&Recorder::new(), &[]).await, Ok(1));
        }
    };
}

/// 300 annotated fns, more than the 256 names the first version counted.
mod sites {
    use super::*;
    ten! { ten! { pub mod a { use super::*; site!(); } pub mod b { use super::*; site!(); } pub mod c { use super::*; site!(); }
    pub async fn run_all() { a::run_all().await; b::run_all().await; c::run_all().await; } } }
}

#[tokio::test(start_paused = true)]
async fn three_hundred_annotated_fns_each_keep_exact_statistics() {
    sites::run_all().await;
    for i in 0..10 {
        for j in 0..10 {
            for leaf in ["a", "b", "c"] {
                let name = format!("{}::sites::m{i}::m{j}::{leaf}::f", module_path!());
                assert_eq!(stats(&name), Some(expected(2, 1)), "{name}");
            }
        }
    }
}

trait Fetch {
    async fn fetch(&self, rec: &Recorder) -> Result<u32, TestError>;
}

struct Forge;
struct Llm;

impl Fetch for Forge {
    #[retry(base_delay = "1ms")]
    async fn fetch(&self, rec: &Recorder) -> Result<u32, TestError> {
        script(rec, &[])
    }
}

impl Fetch for Llm {
    #[retry(base_delay = "1ms")]
    async fn fetch(&self, rec: &Recorder) -> Result<u32, TestError> {
        script(rec, &[TestError::Transient])
    }
}

/// A generic type: its sites are named without the type's arguments.
struct Client<T>(T);

impl<T> Client<T> {
    #[retry(base_delay = "1ms")]
    fn get(&self, rec: &Recorder) -> Result<u32, TestError> {
        script(rec, &[])
    }
}

#[tokio::test(start_paused = true)]
async fn two_impls_of_one_trait_method_are_named_apart() {
    assert_eq!(Forge.fetch(&Recorder::new()).await, Ok(1));
    assert_eq!(Forge.fetch(&Recorder::new()).await, Ok(1));
    assert_eq!(Llm.fetch(&Recorder::new()).await, Ok(2));
    let module = module_path!();
    assert_eq!(
        stats(&format!("{module}::Forge::fetch")),
        Some(expected(2, 2))
    );
    assert_eq!(
        stats(&format!("{module}::Llm::fetch")),
        Some(expected(1, 0))
    );
    assert_eq!(stats(&format!("{module}::fetch")), None, "no shared name");
}

#[test]
fn a_generic_type_names_its_methods_without_its_arguments() {
    assert_eq!(Client(1u8).get(&Recorder::new()), Ok(1));
    assert_eq!(Client("text").get(&Recorder::new()), Ok(1));
    let name = format!("{}::Client::get", module_path!());
    assert_eq!(stats(&name), Some(expected(2, 2)));
}

#[tokio::test(start_paused = true)]
async fn a_function_api_call_is_named_after_where_it_is_made() {
    let seen = Mutex::new(Vec::new());
    let rec = Recorder::new();
    let policy = Policy::new().base_delay(ms(1));
    let line = line!() + 1;
    let call = policy.retry(|| async { script(&rec, &[TestError::Transient]) });
    let result = call
        .on_retry(|event: &RetryEvent<'_, TestError>| seen.lock().expect("lock").push(event.name))
        .await;
    assert_eq!(result, Ok(2));
    let names = seen.into_inner().expect("lock");
    assert_eq!(names.len(), 1);
    let prefix = format!("{}:{line}:", file!());
    let column = names[0].strip_prefix(&prefix).expect("file:line:");
    assert!(column.parse::<u32>().is_ok(), "{}", names[0]);
    assert_eq!(stats(names[0]), Some(expected(1, 0)));
}
