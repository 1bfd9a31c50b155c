//! The adaptive rate limiter inside the retry loop: `rate_limiter = PATH`
//! and `.rate_limiter(&LIMITER)`. Against a scripted HTTP server on
//! 127.0.0.1, in virtual time: the server's log gives the instant of
//! every request, so the pacing is exact.
//!
//! The limiter's own arithmetic is tested in the runtime
//! (`rate_limit/tests.rs`); here a *shadow* limiter, driven by hand at the
//! same virtual instants, says what each wait must be, and the requests
//! must arrive exactly then: the integration takes a turn before every
//! attempt, sleeps what it says, and reports every answer, a 429 as a
//! throttle.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::http::{HttpError, check};
use retry_runtime::{
    AdaptiveRateLimiter, Classify, Policy, RateLimited, TimedOut, Verdict, retry, stats,
};
use tests::ms;
use tests::raw_http::{RawServer, Reply, response};

#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Network(#[from] reqwest::Error),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl Classify for ApiError {
    fn classify(&self) -> Verdict {
        match self {
            ApiError::Http(error) => error.classify(),
            ApiError::Network(error) => error.classify(),
            ApiError::RateLimited(_) => Verdict::permanent(),
            ApiError::TimedOut(_) => Verdict::timeout(),
        }
    }
}

fn client() -> reqwest::Client {
    // No idle pool, so no pool timer runs on the paused clock.
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    let response = check(client.get(url).send().await?)?;
    Ok(response.text().await?)
}

fn ok(body: &str) -> Reply {
    response(200, &[], body)
}

fn too_many() -> Reply {
    response(429, &[], "slow down")
}

/// Each request's instant, from the first one, out of the server's gaps.
fn instants(server: &RawServer) -> Vec<Duration> {
    let mut at = Duration::ZERO;
    let mut instants = vec![at];
    for gap in server.gaps() {
        at += gap;
        instants.push(at);
    }
    instants
}

/// When an attempt asked for at `asked_at` is sent after waiting `wait`:
/// tokio's timer wakes on whole milliseconds, rounding up.
fn woken(asked_at: Duration, wait: Duration) -> Duration {
    let at = asked_at + wait;
    let whole = ms(u64::try_from(at.as_millis()).expect("small"));
    if whole == at { whole } else { whole + ms(1) }
}

/// What a limiter driven by hand says about attempts asked for at the
/// instants of `plan` (from the first), each answered at once, throttled
/// or not: when each attempt is sent.
fn shadow(
    limiter: &AdaptiveRateLimiter,
    base: Instant,
    plan: &[(Duration, bool)],
) -> Vec<Duration> {
    plan.iter()
        .map(|&(asked_at, throttled)| {
            let turn = limiter.reserve(base + asked_at).expect("within max_wait");
            let sent = woken(asked_at, turn.wait());
            limiter.record(turn, throttled, base + sent);
            sent
        })
        .collect()
}

static PACED: AdaptiveRateLimiter = AdaptiveRateLimiter::new("paced");

#[retry(max_attempts = 2, base_delay = "100ms", rate_limiter = PACED, name = "rl.paced")]
async fn paced_get(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    fetch(client, url).await
}

#[tokio::test(start_paused = true)]
async fn after_a_429_every_attempt_first_ones_included_is_paced() {
    let server = RawServer::start(vec![
        too_many(),
        ok("one"),
        ok("two"),
        ok("three"),
        ok("four"),
    ])
    .await;
    let client = client();
    let url = server.url("/paced");
    // Call 1: the 429 (not yet paced: the limiter has seen no throttle),
    // then its retry, 100 ms later. Calls 2 to 4 follow at once, each
    // with one attempt: first attempts, paced now.
    assert_eq!(paced_get(&client, &url).await.expect("retried"), "one");
    for body in ["two", "three", "four"] {
        assert_eq!(paced_get(&client, &url).await.expect("paced"), body);
    }
    assert_eq!(server.requests(), 5);

    // The same turns, taken by hand: each call asks the moment the
    // previous answer came; the retry asks after its 100 ms backoff.
    let expected = {
        let by_hand = AdaptiveRateLimiter::new("by hand");
        let base = Instant::now();
        let mut sent = shadow(&by_hand, base, &[(Duration::ZERO, true)]);
        sent.extend(shadow_after(&by_hand, base, sent[0] + ms(100), 4));
        sent
    };
    assert_eq!(instants(&server), expected);
    assert_eq!(expected, [ms(0), ms(100), ms(141), ms(272), ms(396)]);
    // The 429 cut the pace to 70% of the sending rate measured so far
    // (one attempt in its first tenth of a second: 10/s, cut to 7/s),
    // with one token in hand: the retry found tokens refilled for
    // 100 ms, the first attempts after it wait for theirs.
    let gaps = server.gaps();
    assert_eq!(gaps[0], ms(100), "the retry's backoff, no wait");
    assert!(
        gaps[1..].iter().all(|gap| *gap > Duration::ZERO),
        "first attempts after a throttle wait: {gaps:?}"
    );
    let totals = stats("rl.paced").expect("recorded");
    assert_eq!((totals.calls, totals.attempts), (4, 5));
}

/// `count` attempts, each asked for the moment the one before was
/// answered, the first at `from`; none throttled.
fn shadow_after(
    limiter: &AdaptiveRateLimiter,
    base: Instant,
    from: Duration,
    count: usize,
) -> Vec<Duration> {
    let mut asked_at = from;
    (0..count)
        .map(|_| {
            let turn = limiter.reserve(base + asked_at).expect("within max_wait");
            let sent = woken(asked_at, turn.wait());
            limiter.record(turn, false, base + sent);
            asked_at = sent;
            sent
        })
        .collect()
}

static IMPATIENT: AdaptiveRateLimiter = AdaptiveRateLimiter::new("impatient").max_wait(ms(50));

#[retry(max_attempts = 1, rate_limiter = IMPATIENT, name = "rl.impatient")]
async fn impatient_get(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    fetch(client, url).await
}

#[tokio::test(start_paused = true)]
async fn a_wait_over_max_wait_ends_the_call_with_rate_limited() {
    let server = RawServer::start(vec![too_many(), ok("in hand"), ok("never sent")]).await;
    let client = client();
    let url = server.url("/impatient");
    let first = impatient_get(&client, &url).await.expect_err("429");
    assert!(
        matches!(&first, ApiError::Http(e) if e.status() == 429),
        "{first:?}"
    );
    // The token in hand goes at once.
    assert_eq!(impatient_get(&client, &url).await.expect("sent"), "in hand");
    // The next one is a seventh of a second away (7/s): over 50 ms.
    let started = tokio::time::Instant::now();
    let refused = impatient_get(&client, &url).await.expect_err("refused");
    let ApiError::RateLimited(refused) = refused else {
        panic!("expected RateLimited, got {refused:?}");
    };
    assert_eq!(refused.limiter, "impatient");
    let by_hand = AdaptiveRateLimiter::new("impatient").max_wait(ms(50));
    let now = Instant::now();
    for throttled in [true, false] {
        let turn = by_hand.reserve(now).expect("no wait yet");
        assert_eq!(turn.wait(), Duration::ZERO);
        by_hand.record(turn, throttled, now);
    }
    assert_eq!(Err(refused), by_hand.reserve(now));
    assert_eq!(refused.wait.as_millis(), 142, "1/7 s");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "refused at once, not after a wait"
    );
    assert_eq!(server.requests(), 2, "the refused attempt was never sent");
    let totals = stats("rl.impatient").expect("recorded");
    assert_eq!(totals.rate_limited, 1);
    assert_eq!(totals.calls, 3);
}

static BOUNDED: AdaptiveRateLimiter = AdaptiveRateLimiter::new("bounded");

#[retry(max_attempts = 1, deadline = "100ms", rate_limiter = BOUNDED, name = "rl.bounded")]
async fn bounded_get(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    fetch(client, url).await
}

#[tokio::test(start_paused = true)]
async fn a_wait_past_the_deadline_ends_the_call_at_once_as_the_deadline_does() {
    let server = RawServer::start(vec![too_many(), ok("in hand"), ok("never sent")]).await;
    let client = client();
    let url = server.url("/bounded");
    assert!(bounded_get(&client, &url).await.is_err());
    assert_eq!(bounded_get(&client, &url).await.expect("sent"), "in hand");
    // The next turn is 1/7 s away, past the 100 ms deadline: no wait, no
    // attempt, `TimedOut` as when the deadline passes.
    let started = tokio::time::Instant::now();
    let error = bounded_get(&client, &url).await.expect_err("deadline");
    assert!(
        matches!(&error, ApiError::TimedOut(t) if t.after == ms(100)),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(server.requests(), 2);
}

static DROPPED: AdaptiveRateLimiter = AdaptiveRateLimiter::new("dropped");

#[retry(max_attempts = 1, rate_limiter = DROPPED, name = "rl.dropped")]
async fn dropped_get(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    fetch(client, url).await
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_while_it_waits_for_its_turn_leaves_the_limiter_consistent() {
    let server = RawServer::start(vec![too_many(), ok("in hand"), ok("after")]).await;
    let client = client();
    let url = server.url("/dropped");
    assert!(dropped_get(&client, &url).await.is_err());
    assert_eq!(dropped_get(&client, &url).await.expect("sent"), "in hand");
    // This call waits ~143 ms for its turn; dropped after 10 ms, it sends
    // nothing and reports nothing, but its turn stays taken.
    let dropped = tokio::time::timeout(ms(10), dropped_get(&client, &url)).await;
    assert!(dropped.is_err(), "still waiting when dropped");
    assert_eq!(server.requests(), 2);
    // The next call queues behind the dropped turn, as the limiter says.
    assert_eq!(dropped_get(&client, &url).await.expect("sent"), "after");
    let expected = {
        let by_hand = AdaptiveRateLimiter::new("by hand");
        let base = Instant::now();
        let plan = [(Duration::ZERO, true), (Duration::ZERO, false)];
        let mut sent = shadow(&by_hand, base, &plan);
        let _never_reported = by_hand.reserve(base).expect("the dropped call's turn");
        sent.extend(shadow_after(&by_hand, base, ms(10), 1));
        sent
    };
    assert_eq!(instants(&server), expected);
    assert!(
        expected[2] > ms(250),
        "behind two turns at 7/s: {expected:?}"
    );
}

static FUNCTION: AdaptiveRateLimiter = AdaptiveRateLimiter::new("function");

#[tokio::test(start_paused = true)]
async fn the_function_api_paces_alike() {
    let server = RawServer::start(vec![
        too_many(),
        ok("one"),
        ok("two"),
        ok("three"),
        ok("four"),
    ])
    .await;
    let client = client();
    let url = server.url("/function");
    let policy = Policy::new().max_attempts(2).base_delay(ms(100));
    for body in ["one", "two", "three", "four"] {
        let got = policy
            .retry(|| fetch(&client, &url))
            .rate_limiter(&FUNCTION)
            .name("rl.function")
            .await;
        assert_eq!(got.expect("answered"), body);
    }
    let expected = {
        let by_hand = AdaptiveRateLimiter::new("by hand");
        let base = Instant::now();
        let mut sent = shadow(&by_hand, base, &[(Duration::ZERO, true)]);
        sent.extend(shadow_after(&by_hand, base, sent[0] + ms(100), 4));
        sent
    };
    assert_eq!(instants(&server), expected);
}

static FUNCTION_IMPATIENT: AdaptiveRateLimiter =
    AdaptiveRateLimiter::new("function impatient").max_wait(ms(50));

#[tokio::test(start_paused = true)]
async fn the_function_api_ends_with_rate_limited_too_and_a_breaker_joins_it() {
    use retry_runtime::{BreakerConfig, CircuitBreaker, Rejected};

    #[derive(Debug, thiserror::Error)]
    enum Guarded {
        #[error(transparent)]
        Api(#[from] ApiError),
        #[error(transparent)]
        Rejected(#[from] Rejected),
        #[error(transparent)]
        RateLimited(#[from] RateLimited),
    }
    impl Classify for Guarded {
        fn classify(&self) -> Verdict {
            match self {
                Guarded::Api(error) => error.classify(),
                _ => Verdict::permanent(),
            }
        }
    }
    static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("function"));

    let server = RawServer::start(vec![too_many(), ok("in hand"), ok("never sent")]).await;
    let client = client();
    let url = server.url("/function-impatient");
    let call = || {
        Policy::new()
            .max_attempts(1)
            .retry(|| async { Ok::<_, Guarded>(fetch(&client, &url).await?) })
            .rate_limiter(&FUNCTION_IMPATIENT)
            .breaker(&BREAKER)
    };
    assert!(matches!(call().await, Err(Guarded::Api(ApiError::Http(_)))));
    assert_eq!(call().await.expect("in hand"), "in hand");
    let refused = call().await.expect_err("refused");
    assert!(
        matches!(&refused, Guarded::RateLimited(r) if r.limiter == "function impatient"),
        "{refused:?}"
    );
    assert_eq!(server.requests(), 2);
}

static BLOCKING: AdaptiveRateLimiter = AdaptiveRateLimiter::new("blocking").max_wait(ms(50));
static BLOCKING_CALLS: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, thiserror::Error)]
enum BlockingError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
}

impl Classify for BlockingError {
    fn classify(&self) -> Verdict {
        match self {
            BlockingError::Http(error) => error.classify(),
            BlockingError::RateLimited(_) => Verdict::permanent(),
        }
    }
}

/// A 429 at the first call, then 200s.
#[retry(max_attempts = 1, rate_limiter = BLOCKING)]
fn blocking_call() -> Result<u32, BlockingError> {
    match BLOCKING_CALLS.fetch_add(1, Ordering::SeqCst) {
        0 => Err(HttpError::new(429).into()),
        n => Ok(n),
    }
}

#[test]
fn blocking_fns_and_retry_blocking_are_paced_too() {
    // Blocking sleeps are real: this test only meets waits of zero and
    // refusals, never a real wait.
    assert!(matches!(blocking_call(), Err(BlockingError::Http(_))));
    assert_eq!(blocking_call().expect("in hand"), 1);
    assert!(
        matches!(blocking_call(), Err(BlockingError::RateLimited(r)) if r.limiter == "blocking")
    );
    assert_eq!(
        BLOCKING_CALLS.load(Ordering::SeqCst),
        2,
        "the refused attempt never ran"
    );

    // The function API's blocking twin shares the same limiter: refused too.
    let mut ran = 0;
    let refused = Policy::new()
        .retry_blocking(|| {
            ran += 1;
            Ok::<_, BlockingError>(ran)
        })
        .rate_limiter(&BLOCKING)
        .call();
    assert!(matches!(refused, Err(BlockingError::RateLimited(_))));
    assert_eq!(ran, 0);
}

static WITH_POLICY: AdaptiveRateLimiter = AdaptiveRateLimiter::new("with policy");
const API: Policy<Duration> = Policy::new()
    .max_attempts(2)
    .base_delay(Duration::from_millis(100))
    .timeout(Duration::from_secs(1));

/// With a named policy (which may carry a deadline) the key works alike.
#[retry(policy = API, rate_limiter = WITH_POLICY)]
async fn with_policy(client: &reqwest::Client, url: &str) -> Result<String, ApiError> {
    fetch(client, url).await
}

#[tokio::test(start_paused = true)]
async fn the_key_combines_with_a_named_policy() {
    let server = RawServer::start(vec![too_many(), ok("after the backoff")]).await;
    let got = with_policy(&client(), &server.url("/policy")).await;
    assert_eq!(got.expect("retried"), "after the backoff");
    // The retry found a token (7/s for 100 ms): no wait beyond the backoff.
    assert_eq!(server.gaps(), [ms(100)]);
    assert!(WITH_POLICY.fill_rate().is_some(), "the 429 was reported");
}
