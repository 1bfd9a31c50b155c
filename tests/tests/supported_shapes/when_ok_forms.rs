// Pins: every form `when_ok` takes: a path to a generic fn
// (`http::transient_response`), a fn returning `bool`, an untyped closure
// (its argument typed from `Result<T, E>`, also through `#[async_trait]`'s
// boxed future), a typed closure behind an `io::Result` alias, a closure
// returning a `Verdict`, on a blocking fn and a method; beside `when`, a
// breaker, a budget and a timeout. Without `Classify` on the error, as long
// as `when` is given. Behaviour is asserted in `tests/macro_when_ok.rs`.

use std::io;
use std::time::Duration;

use async_trait::async_trait;
use retry_runtime::http::transient_response;
use retry_runtime::{BreakerConfig, CircuitBreaker, RetryBudget, Verdict, retry};

static BREAKER: CircuitBreaker = CircuitBreaker::new(BreakerConfig::new("shapes-when-ok"));
static BUDGET: RetryBudget = RetryBudget::new();

fn is_busy(reply: &String) -> bool {
    reply == "busy"
}

#[retry(when_ok = transient_response)]
async fn response() -> Result<http::Response<()>, io::Error> {
    Ok(http::Response::new(()))
}

#[retry(when_ok = is_busy)]
async fn by_fn() -> Result<String, io::Error> {
    Ok("done".to_owned())
}

#[retry(when_ok = |reply| reply == "busy", when = |e| e.kind() == io::ErrorKind::TimedOut)]
fn untyped_blocking() -> Result<String, io::Error> {
    Ok("done".to_owned())
}

#[retry(when_ok = |n: &u32| *n == 0)]
async fn typed_alias() -> io::Result<u32> {
    Ok(1)
}

#[retry(when_ok = |status| match status {
    503 => Verdict::server().retry_after(Duration::from_millis(1)),
    _ => Verdict::permanent(),
}, breaker = BREAKER, budget = BUDGET, timeout = "1s")]
async fn verdicts() -> Result<u16, io::Error> {
    Ok(200)
}

#[derive(Debug)]
struct NotClassified;

#[retry(when = |_| true, when_ok = |n| *n > 100)]
async fn without_classify() -> Result<u32, NotClassified> {
    Ok(7)
}

struct Queue(u32);

impl Queue {
    #[retry(when_ok = |depth| *depth > self.0)]
    async fn depth(&self) -> Result<u32, io::Error> {
        Ok(self.0)
    }
}

#[async_trait]
trait Forge: Send + Sync {
    async fn issue(&self, id: u64) -> Result<String, io::Error>;
}

struct Gitea;

#[async_trait]
impl Forge for Gitea {
    #[retry(when_ok = |body| body.is_empty())]
    async fn issue(&self, id: u64) -> Result<String, io::Error> {
        Ok(format!("issue {id}"))
    }
}

#[tokio::test]
async fn compiles_and_runs() {
    assert_eq!(response().await.unwrap().status(), 200);
    assert_eq!(by_fn().await.unwrap(), "done");
    assert_eq!(untyped_blocking().unwrap(), "done");
    assert_eq!(typed_alias().await.unwrap(), 1);
    assert_eq!(verdicts().await.unwrap(), 200);
    assert_eq!(without_classify().await.unwrap(), 7);
    assert_eq!(Queue(3).depth().await.unwrap(), 3);
    let forge: Box<dyn Forge> = Box::new(Gitea);
    assert_eq!(forge.issue(7).await.unwrap(), "issue 7");
}
