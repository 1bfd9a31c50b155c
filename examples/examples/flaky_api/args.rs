//! The demo's command line, read with `std::env::args`.

use crate::speed::Speed;

/// What the command line asked for.
#[derive(Debug)]
pub struct Args {
    /// Call this server instead of starting the built-in one.
    pub url: Option<String>,
    /// Run only the flaky server, until interrupted.
    pub serve: bool,
    /// The delay scale.
    pub speed: Speed,
}

/// The help text.
pub const USAGE: &str = "\
usage: cargo run -p examples --example flaky_api [-- OPTIONS]

Starts a flaky HTTP server on 127.0.0.1 and calls it through three retried
API clients (a code forge, an LLM API, a local model server).

options:
  --speed F   scale every delay, timeout and outage by F (default 0.05;
              1 = the policies' real durations)
  --url URL   call the flaky server at URL instead of starting one
  --serve     only run the flaky server and print its URL (for --url)
  --help      this text";

impl Args {
    /// Reads the options after the program name; `Err` carries a message
    /// for the user (the usage, for `--help`).
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut parsed = Args {
            url: None,
            serve: false,
            speed: Speed::DEFAULT,
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--url" => {
                    let url = args.next().ok_or("--url needs a URL")?;
                    parsed.url = Some(url.trim_end_matches('/').to_owned());
                }
                "--speed" => {
                    let factor = args.next().ok_or("--speed needs a number")?;
                    parsed.speed = Speed::parse(&factor)?;
                }
                "--serve" => parsed.serve = true,
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            }
        }
        if parsed.serve && parsed.url.is_some() {
            return Err("--serve starts its own server: give --serve or --url".to_owned());
        }
        Ok(parsed)
    }
}
