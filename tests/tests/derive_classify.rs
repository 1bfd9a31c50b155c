//! `#[derive(Classify)]`: fixed verdicts, kinds, defaults and delegation to
//! a field, alongside `thiserror::Error`, and used by `#[retry]`.

use std::io;
use std::time::Duration;

use retry_runtime::http::HttpError;
use retry_runtime::{Classify, Kind, Verdict, retry};
use tests::{Recorder, ms};

#[derive(Debug, thiserror::Error, Classify)]
enum ApiError {
    #[error("rate limited")]
    #[classify(transient, kind = "throttled")]
    RateLimited,
    #[error("upstream down")]
    #[classify(transient)]
    Down,
    #[error("bad token")]
    #[classify(kind = "auth")]
    Unauthorized,
    #[error("overloaded")]
    #[classify(kind = "server")]
    Overloaded { retry_in: Duration },
    #[error("no such issue {0}")]
    #[classify(permanent, kind = "client")]
    NotFound(u64),
    #[error(transparent)]
    #[classify(source)]
    Io(#[from] io::Error),
    #[error(transparent)]
    #[classify(from)]
    Http(#[from] HttpError),
    #[error("while {context}")]
    #[classify(source)]
    Wrapped {
        context: &'static str,
        #[source]
        inner: io::Error,
    },
    #[error(transparent)]
    #[classify(source)]
    TimedOut(#[from] retry_runtime::TimedOut),
}

impl ApiError {
    fn verdict(&self) -> Verdict {
        self.classify()
    }
}

#[test]
fn fixed_rules_and_kinds() {
    assert_eq!(ApiError::RateLimited.verdict(), Verdict::throttled());
    assert_eq!(ApiError::Down.verdict(), Verdict::transient());
    assert_eq!(ApiError::Unauthorized.verdict(), Verdict::auth());
    assert_eq!(
        ApiError::Overloaded { retry_in: ms(1) }.verdict(),
        Verdict::server()
    );
    assert_eq!(ApiError::NotFound(7).verdict(), Verdict::client());
}

#[test]
fn source_asks_the_field() {
    assert_eq!(
        ApiError::Io(io::ErrorKind::ConnectionReset.into()).verdict(),
        Verdict::network()
    );
    assert_eq!(
        ApiError::Io(io::ErrorKind::NotFound.into()).verdict(),
        Verdict::permanent()
    );
    let hint = Duration::from_secs(3);
    assert_eq!(
        ApiError::Http(HttpError::new(503).with_retry_after(hint)).verdict(),
        Verdict::server().retry_after(hint)
    );
    let timed_out = ApiError::TimedOut(retry_runtime::TimedOut::new(ms(5)));
    assert_eq!(timed_out.verdict(), Verdict::timeout());
    let wrapped = ApiError::Wrapped {
        context: "reading",
        inner: io::ErrorKind::TimedOut.into(),
    };
    assert_eq!(wrapped.verdict(), Verdict::timeout());
}

/// Variants without their own rule take the enum's default.
#[derive(Debug, Classify)]
#[classify(permanent, kind = "client")]
enum WithDefault {
    Invalid,
    #[classify(transient, kind = "network")]
    Reset,
}

#[derive(Debug, Classify)]
#[classify(transient, kind = "timeout")]
struct SlowStruct;

#[derive(Debug, Classify)]
#[classify(source)]
struct Wrapper<E>(E);

#[derive(Debug, Classify)]
enum Never {}

#[test]
fn defaults_structs_generics_and_empty_enums() {
    assert_eq!(WithDefault::Invalid.classify(), Verdict::client());
    assert_eq!(WithDefault::Reset.classify(), Verdict::network());
    assert_eq!(SlowStruct.classify(), Verdict::timeout());
    assert_eq!(
        Wrapper(io::Error::from(io::ErrorKind::BrokenPipe))
            .classify()
            .kind(),
        Kind::Network
    );
    assert_eq!(Wrapper(SlowStruct).classify(), Verdict::timeout());
    fn classifies<T: Classify>() {}
    classifies::<Never>();
}

#[retry(max_attempts = 4, base_delay = "10ms")]
async fn fetch(rec: &Recorder, script: &[fn() -> ApiError]) -> Result<u32, ApiError> {
    let n = rec.call();
    match script.get(n as usize - 1) {
        Some(error) => Err(error()),
        None => Ok(n),
    }
}

#[tokio::test(start_paused = true)]
async fn retry_uses_the_derived_verdicts() {
    let rec = Recorder::new();
    let script: [fn() -> ApiError; 2] = [
        || ApiError::Down,
        || ApiError::Io(io::ErrorKind::ConnectionReset.into()),
    ];
    assert_eq!(fetch(&rec, &script).await.ok(), Some(3));
    assert_eq!(rec.gaps(), [ms(10), ms(20)]);

    let rec = Recorder::new();
    let script: [fn() -> ApiError; 2] = [|| ApiError::Down, || ApiError::NotFound(1)];
    assert!(matches!(
        fetch(&rec, &script).await,
        Err(ApiError::NotFound(1))
    ));
    assert_eq!(rec.calls(), 2);
}

// --- variants the `From<TimedOut>` / `From<Rejected>` hints ask for -------

/// The variants exactly as the compiler's hints write them, with no
/// `#[classify(...)]`: the derive classifies them by their field's type.
/// The enum's default does not reach them; a variant's own rule does.
#[derive(Debug, thiserror::Error, Classify)]
#[classify(transient, kind = "server")]
enum HintedError {
    #[error("upstream down")]
    Down,
    #[error(transparent)]
    TimedOut(#[from] retry_runtime::TimedOut),
    #[error(transparent)]
    Rejected(#[from] retry_runtime::Rejected),
    #[error("gave up waiting for {inner}")]
    #[classify(permanent)]
    Abandoned { inner: retry_runtime::TimedOut },
}

#[test]
fn timed_out_and_rejected_fields_imply_their_verdict() {
    use retry_runtime::{BreakerState, Rejected, TimedOut};
    assert_eq!(
        HintedError::TimedOut(TimedOut::new(ms(50))).classify(),
        Verdict::timeout()
    );
    let rejected = Rejected::new("forge", BreakerState::Open, ms(100));
    assert_eq!(
        HintedError::Rejected(rejected).classify(),
        Verdict::permanent(),
        "the enum's transient default does not make an open breaker retryable"
    );
    assert_eq!(HintedError::Down.classify(), Verdict::server());
    let abandoned = HintedError::Abandoned {
        inner: TimedOut::new(ms(1)),
    };
    assert_eq!(abandoned.classify(), Verdict::permanent(), "own rule wins");
}

#[retry(max_attempts = 3, base_delay = "10ms", timeout = "50ms")]
async fn slow_then_fast(rec: &Recorder) -> Result<u32, HintedError> {
    let n = rec.call();
    if n == 1 {
        tokio::time::sleep(ms(100)).await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_attempt_of_a_hinted_error_is_retried() {
    let rec = Recorder::new();
    assert_eq!(slow_then_fast(&rec).await.ok(), Some(2));
    // 50 ms until the timeout, then the 10 ms delay.
    assert_eq!(rec.gaps(), [ms(60)]);
}
