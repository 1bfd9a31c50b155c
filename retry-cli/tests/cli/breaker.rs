//! `--breaker NAME`: one circuit breaker shared by many retry processes
//! through a locked state file.

use std::io::Read;

use super::*;

impl Sandbox {
    /// The breaker's state file, parsed.
    fn breaker(&self, name: &str) -> Value {
        let path = self
            .path()
            .join("state/breakers")
            .join(format!("{name}.json"));
        let text = fs::read_to_string(&path).expect("state file");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Writes the breaker's state file.
    fn set_breaker(&self, name: &str, state: &Value) {
        let dir = self.path().join("state/breakers");
        fs::create_dir_all(&dir).expect("state dir");
        fs::write(dir.join(format!("{name}.json")), state.to_string()).expect("write state");
    }
}

/// `retry --state-dir state --breaker api ARGS...`
fn with_breaker<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut line = vec!["--state-dir", "state", "--breaker", "api"];
    line.extend_from_slice(args);
    line
}

/// An open breaker whose open period is over: the next attempt probes.
fn open_and_due() -> Value {
    serde_json::json!({"state": "open", "failures": 0, "generation": 1,
        "open_until_ms": 0, "probe": null, "trips": 1})
}

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    u64::try_from(since.expect("clock").as_millis()).expect("ms")
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut text)
        .expect("read stderr");
    text
}

#[test]
fn failures_in_a_row_open_it_and_then_the_command_does_not_run() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let line = with_breaker(&["--breaker-threshold", "2", "-n", "1", "sh", "fail.sh"]);
    for _ in 0..2 {
        assert_eq!(run(&mut sandbox.retry(&line)).code, Some(1));
    }
    let state = sandbox.breaker("api");
    assert_eq!(
        (state["state"].as_str(), state["trips"].as_u64()),
        (Some("open"), Some(1))
    );
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(75));
    assert_eq!(sandbox.runs(), 2);
    assert!(
        out.stderr
            .starts_with("retry: breaker api is open (2 failures in a row); next probe in "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("s; not running sh\n"),
        "{}",
        out.stderr
    );
    let out = run(&mut sandbox.retry(&[&["--json"][..], &line[..]].concat()));
    let refused: Value = serde_json::from_str(out.stderr.trim_end()).expect("one JSON line");
    assert_eq!(refused["event"], "breaker_refused");
    assert_eq!(refused["state"], "open");
    assert_eq!(refused["exit_code"], 75);
    assert!(
        refused["retry_in_ms"]
            .as_u64()
            .is_some_and(|ms| ms <= 30_000)
    );
    assert_eq!(sandbox.runs(), 2);
}

#[test]
fn no_retry_follows_into_a_breaker_its_own_failure_opened() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let out = run(&mut sandbox.retry(&with_breaker(&[
        "--breaker-threshold",
        "2",
        "-n",
        "5",
        "-d",
        "1ms",
        "sh",
        "fail.sh",
    ])));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/5 failed (exit 1); sleeping 1ms\n\
         retry: attempt 2/5 failed (exit 1); not retrying: breaker api is open\n"
    );
}

#[test]
fn a_stop_status_is_an_answer_not_a_failure() {
    let sandbox = Sandbox::new();
    sandbox.script("missing.sh", "exit 4");
    let line = with_breaker(&[
        "--breaker-threshold",
        "1",
        "--stop-on-exit",
        "4",
        "sh",
        "missing.sh",
    ]);
    for _ in 0..3 {
        assert_eq!(run(&mut sandbox.retry(&line)).code, Some(4));
    }
    assert_eq!(sandbox.runs(), 3);
    assert_eq!(sandbox.breaker("api")["state"], "closed");
}

#[test]
fn an_attempt_ended_by_a_passed_on_signal_is_not_counted() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "touch ready\nwhile :; do sleep 0.01; done");
    let mut child = sandbox.spawn(&with_breaker(&[
        "--breaker-threshold",
        "1",
        "sh",
        "turn.sh",
    ]));
    sandbox.await_file("ready");
    send(&child, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut child).code(), Some(128 + 15));
    let state = sandbox.breaker("api");
    assert_eq!(
        (state["state"].as_str(), state["failures"].as_u64()),
        (Some("closed"), Some(0))
    );
}

#[test]
fn concurrent_invocations_lose_no_update() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    sandbox.script("ok.sh", "exit 0");
    let count = 16;
    for (script, code, failures) in [("fail.sh", 1, count), ("ok.sh", 0, 0)] {
        let line = with_breaker(&["--breaker-threshold", "1000", "-n", "1", "sh", script]);
        let mut children: Vec<Child> = (0..count).map(|_| sandbox.spawn(&line)).collect();
        for child in &mut children {
            assert_eq!(wait_bounded(child).code(), Some(code));
        }
        assert_eq!(sandbox.breaker("api")["failures"], failures);
    }
}

#[test]
fn concurrent_failures_open_it_once_and_the_rest_are_refused() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let line = with_breaker(&[
        "--breaker-threshold",
        "5",
        "--breaker-open-for",
        "1h",
        "-n",
        "1",
        "sh",
        "fail.sh",
    ]);
    let mut children: Vec<Child> = (0..16).map(|_| sandbox.spawn(&line)).collect();
    let codes: Vec<i32> = children
        .iter_mut()
        .map(|child| wait_bounded(child).code().expect("an exit status"))
        .collect();
    let ran = codes.iter().filter(|&&code| code == 1).count();
    let refused = codes.iter().filter(|&&code| code == 75).count();
    assert_eq!(ran + refused, 16, "{codes:?}");
    assert!(ran >= 5, "{codes:?}");
    assert_eq!(sandbox.runs(), ran);
    let state = sandbox.breaker("api");
    assert_eq!(
        (state["state"].as_str(), state["trips"].as_u64()),
        (Some("open"), Some(1))
    );
}

#[test]
fn half_open_lets_exactly_one_process_probe() {
    let sandbox = Sandbox::new();
    sandbox.set_breaker("api", &open_and_due());
    sandbox.script("probe.sh", "while [ ! -f go ]; do sleep 0.01; done");
    let line = with_breaker(&["-n", "1", "sh", "probe.sh"]);
    let mut children: Vec<Child> = (0..10).map(|_| sandbox.spawn(&line)).collect();
    // Nine are refused while the tenth probes (and waits for `go`).
    let start = Instant::now();
    let mut refused = Vec::new();
    while refused.len() < 9 {
        assert!(
            start.elapsed() < HANG_GUARD,
            "only {} refused",
            refused.len()
        );
        for (i, child) in children.iter_mut().enumerate() {
            if !refused.contains(&i) && child.try_wait().expect("wait").is_some() {
                refused.push(i);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    for &i in &refused {
        assert_eq!(wait_bounded(&mut children[i]).code(), Some(75));
        let stderr = stderr_of(&mut children[i]);
        assert!(stderr.contains("is half-open and process "), "{stderr}");
    }
    assert_eq!(sandbox.runs(), 1);
    assert_eq!(sandbox.breaker("api")["state"], "half_open");
    fs::write(sandbox.path().join("go"), "").expect("go");
    let probe = (0..10).find(|i| !refused.contains(i)).expect("the probe");
    assert_eq!(wait_bounded(&mut children[probe]).code(), Some(0));
    let state = sandbox.breaker("api");
    assert_eq!(
        (state["state"].as_str(), state["failures"].as_u64()),
        (Some("closed"), Some(0))
    );
}

#[test]
fn a_failed_probe_opens_it_again() {
    let sandbox = Sandbox::new();
    sandbox.set_breaker("api", &open_and_due());
    sandbox.script("fail.sh", "exit 1");
    let out = run(&mut sandbox.retry(&with_breaker(&["-n", "3", "-d", "1ms", "sh", "fail.sh"])));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 1);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/3 failed (exit 1); not retrying: breaker api is open\n"
    );
    let state = sandbox.breaker("api");
    assert_eq!(
        (state["state"].as_str(), state["trips"].as_u64()),
        (Some("open"), Some(2))
    );
}

#[test]
fn a_probe_whose_process_died_does_not_wedge_the_breaker() {
    let sandbox = Sandbox::new();
    sandbox.set_breaker("api", &open_and_due());
    sandbox.script(
        "hang.sh",
        "echo $$ > hang.pid\nwhile [ ! -f go ]; do sleep 0.01; done",
    );
    let mut first = sandbox.spawn(&with_breaker(&["-n", "1", "sh", "hang.sh"]));
    sandbox.await_file("hang.pid");
    send(&first, Signal::SIGKILL);
    wait_bounded(&mut first);
    // Its command lives on in its own process group; end it too.
    fs::write(sandbox.path().join("go"), "").expect("go");
    sandbox.script("ok.sh", "exit 0");
    let out = run(&mut sandbox.retry(&with_breaker(&["-n", "1", "sh", "ok.sh"])));
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.stderr,
        format!(
            "retry: breaker api: the probe of process {} never settled; probing in its place\n",
            first.id()
        )
    );
    assert_eq!(sandbox.breaker("api")["state"], "closed");
}

#[test]
fn a_live_probe_past_its_time_gives_its_place() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "exit 0");
    // A live process (this test) probing since a minute ago.
    let me = std::process::id();
    let probing_since = |since_ms: u64| {
        serde_json::json!({"state": "half_open", "failures": 0, "generation": 1,
            "open_until_ms": 0, "probe": {"pid": me, "since_ms": since_ms}, "trips": 1})
    };
    sandbox.set_breaker("api", &probing_since(now_ms()));
    let line = with_breaker(&["--breaker-probe-timeout", "1m", "-n", "1", "sh", "ok.sh"]);
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(75));
    assert_eq!(
        out.stderr,
        format!("retry: breaker api is half-open and process {me} is probing; not running sh\n")
    );
    sandbox.set_breaker("api", &probing_since(now_ms() - 61_000));
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(0));
    assert_eq!(sandbox.runs(), 1);
    assert_eq!(sandbox.breaker("api")["state"], "closed");
}

#[test]
fn a_corrupt_state_file_is_reported_and_started_afresh() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "echo ran");
    let dir = sandbox.path().join("state/breakers");
    fs::create_dir_all(&dir).expect("dir");
    fs::write(dir.join("api.json"), "{\"state\": \"sideways\"").expect("write");
    let out = run(&mut sandbox.retry(&with_breaker(&["sh", "ok.sh"])));
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "ran\n"));
    assert!(
        out.stderr
            .starts_with("retry: breaker api: state file 'state/breakers/api.json' is corrupt ("),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("); starting it afresh, closed\n"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);
    assert_eq!(sandbox.breaker("api")["state"], "closed");
}

#[test]
fn an_unusable_state_dir_is_reported_and_the_command_still_runs() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "echo ran");
    fs::write(sandbox.path().join("plain"), "").expect("write");
    let line = [
        "--state-dir",
        "plain/state",
        "--breaker",
        "api",
        "-q",
        "sh",
        "ok.sh",
    ];
    let out = run(&mut sandbox.retry(&line));
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "ran\n"));
    assert_eq!(
        out.stderr,
        "retry: breaker api: cannot use 'plain/state/breakers': Not a directory (os error 20); \
         going on without the breaker\n"
    );
}

#[test]
fn the_state_dir_comes_from_the_environment_or_the_xdg_default() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "exit 0");
    let line = ["--breaker", "api", "sh", "ok.sh"];
    let file = |dir: &str| sandbox.path().join(dir).join("breakers/api.json");
    let out = run(sandbox.retry(&line).env("RETRY_STATE_DIR", "from-env"));
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    assert!(file("from-env").exists());
    let xdg = sandbox.path().join("xdg");
    let out = run(sandbox
        .retry(&line)
        .env_remove("RETRY_STATE_DIR")
        .env("XDG_STATE_HOME", &xdg));
    assert_eq!(out.code, Some(0));
    assert!(file("xdg/retry").exists());
    let home = sandbox.path().join("home");
    let out = run(sandbox
        .retry(&line)
        .env_remove("RETRY_STATE_DIR")
        .env_remove("XDG_STATE_HOME")
        .env("HOME", &home));
    assert_eq!(out.code, Some(0));
    assert!(file("home/.local/state/retry").exists());
}

#[test]
fn a_breaker_name_must_be_a_file_name() {
    let sandbox = Sandbox::new();
    for name in ["../x", ".hidden", "a/b", ""] {
        let out = run(&mut sandbox.retry(&["--breaker", name, "true"]));
        assert_eq!(out.code, Some(2), "{name}: {}", out.stderr);
        assert!(out.stderr.contains("it names a file"), "{}", out.stderr);
    }
}
