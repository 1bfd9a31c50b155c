//! The README's main demo: a flaky HTTP server and three retried API
//! clients, shaped like an agent's dependencies (a code forge, an LLM API,
//! a local model server), each with its named policy, circuit breaker and
//! retry budget. Prints a timeline of every retry and a summary per API.
//!
//! Run it with `cargo run -p examples --example flaky_api`; `-- --help`
//! lists the options.

mod apis;
mod args;
mod scenes;
mod speed;
mod summary;
mod timeline;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use examples::flaky_server::FlakyServer;

use apis::{Clients, FORGE_API, FORGE_BREAKER, LLM_BREAKER, LOCAL_BREAKER};
use args::Args;
use summary::Api;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    args.speed.install();
    timeline::init();

    if args.serve {
        return serve().await;
    }
    let (server, base) = match &args.url {
        // A per-run prefix: the server keeps state per path, so a second
        // run against the same server starts afresh.
        Some(url) => (None, format!("{url}/run-{}", std::process::id())),
        None => match FlakyServer::start().await {
            Ok(server) => {
                let base = server.base_url();
                (Some(server), base)
            }
            Err(error) => return cannot_start(&error),
        },
    };

    let started = Instant::now();
    println!("flaky_api: three retried API clients against the flaky server at {base}");
    println!(
        "delays, timeouts and outages scaled by {} (--speed 1 for real time): the forge's {:?} base delay takes {:?}",
        args.speed.factor(),
        FORGE_API.base_delay,
        args.speed.scale(FORGE_API.base_delay),
    );
    scenes::run(&Clients::new(base), args.speed).await;

    let attempts = summary::print(&[
        Api {
            label: "forge",
            names: &["forge.get_issue"],
            breaker: &FORGE_BREAKER,
        },
        Api {
            label: "llm",
            names: &["llm.complete"],
            breaker: &LLM_BREAKER,
        },
        Api {
            label: "local_model",
            names: &["local_model.generate"],
            breaker: &LOCAL_BREAKER,
        },
    ]);

    println!();
    let mut code = ExitCode::SUCCESS;
    if let Some(server) = &server {
        // Every attempt is one request: the library's count and the
        // server's must agree (CI runs the demo and relies on this).
        let requests = server.total_requests();
        if u64::from(requests) == attempts {
            println!("the server received {requests} requests, one per attempt");
        } else {
            println!(
                "the server received {requests} requests, but {attempts} attempts were counted"
            );
            code = ExitCode::FAILURE;
        }
    }
    println!("wall time {:.2?}", started.elapsed());
    code
}

/// `--serve`: only the server, until the process is interrupted.
async fn serve() -> ExitCode {
    let server = match FlakyServer::start().await {
        Ok(server) => server,
        Err(error) => return cannot_start(&error),
    };
    println!("flaky server listening at {}", server.base_url());
    println!(
        "run the demo against it: cargo run -p examples --example flaky_api -- --url {}",
        server.base_url()
    );
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

fn cannot_start(error: &std::io::Error) -> ExitCode {
    eprintln!("cannot start the flaky server on 127.0.0.1: {error}");
    ExitCode::FAILURE
}
