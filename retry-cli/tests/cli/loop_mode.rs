//! `--every INTERVAL`: the command again and again, backing off after
//! failures and back to the interval after a success.

use std::io::Read;

use super::*;

#[test]
fn failures_back_off_exponentially_and_a_success_returns_to_the_interval() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "case $n in 2|3|4) exit 1 ;; esac");
    let out = run(&mut sandbox.retry(&words("--every 5ms -d 1ms --runs 6 sh turn.sh")));
    assert_eq!(out.code, Some(0));
    assert_eq!(sandbox.runs(), 6);
    assert_eq!(
        out.stderr,
        "retry: run 2/6 failed (exit 1); backing off: next run in 1ms (failure 1 in a row)\n\
         retry: run 3/6 failed (exit 1); backing off: next run in 2ms (failure 2 in a row)\n\
         retry: run 4/6 failed (exit 1); backing off: next run in 4ms (failure 3 in a row)\n\
         retry: run 5/6 succeeded after 3 failed runs; next run in 5ms\n\
         retry: run 6/6 succeeded; stopping: that was the last of --runs 6\n"
    );
}

#[test]
fn json_logs_every_run_and_each_backoff_step() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "case $n in 2|3|4|5) exit 3 ;; esac");
    // The backoff is capped at --max-delay.
    let line = "--every 9ms -d 1ms --max-delay 3ms --runs 6 --json sh turn.sh";
    let out = run(&mut sandbox.retry(&words(line)));
    assert_eq!(out.code, Some(0));
    let lines: Vec<Value> = out
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    let column = |key: &str| lines.iter().map(|l| l[key].clone()).collect::<Vec<_>>();
    assert_eq!(column("event"), ["run"; 6]);
    assert_eq!(column("run"), [1, 2, 3, 4, 5, 6]);
    assert_eq!(column("max_runs"), [6; 6]);
    assert_eq!(column("exit_code"), [0, 3, 3, 3, 3, 0]);
    assert_eq!(
        column("action"),
        [
            "interval", "backoff", "backoff", "backoff", "backoff", "stop"
        ]
    );
    assert_eq!(
        column("delay_ms"),
        [9.0, 1.0, 2.0, 3.0, 3.0]
            .map(Value::from)
            .into_iter()
            .chain([Value::Null])
            .collect::<Vec<_>>()
    );
    assert_eq!(column("failures_in_a_row"), [0, 1, 2, 3, 4, 0]);
    assert_eq!(column("refused"), [false; 6]);
}

#[test]
fn a_matching_line_backs_off_even_at_exit_0() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "turn.sh",
        r#"[ "$n" -eq 1 ] && echo "429: rate limit"; exit 0"#,
    );
    let line = [
        "--every",
        "5ms",
        "-d",
        "1ms",
        "--runs",
        "2",
        "--retry-if-output",
        "rate limit",
        "sh",
        "turn.sh",
    ];
    let out = run(&mut sandbox.retry(&line));
    // A failed run's stdout goes to stderr, as a retried attempt's does.
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""));
    assert_eq!(
        out.stderr,
        "429: rate limit\n\
         retry: run 1/2 failed (exit 0, output matched); backing off: next run in 1ms \
         (failure 1 in a row)\n\
         retry: run 2/2 succeeded after 1 failed run; stopping: that was the last of --runs 2\n"
    );
}

#[test]
fn a_stop_status_ends_the_loop() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", r#"[ "$n" -eq 3 ] && exit 4; exit 0"#);
    let out = run(&mut sandbox.retry(&words("--every 1ms --stop-on-exit 4 sh turn.sh")));
    assert_eq!(out.code, Some(4));
    assert_eq!(sandbox.runs(), 3);
    assert_eq!(
        out.stderr,
        "retry: run 3 failed (exit 4); stopping: exit status 4 is in --stop-on-exit\n"
    );
}

#[test]
fn each_run_sees_its_number_and_its_failures_in_the_environment() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "turn.sh",
        r#"echo "$RETRY_RUN $RETRY_ATTEMPT $RETRY_MAX_ATTEMPTS"; [ "$n" -ne 2 ] && [ "$n" -ne 3 ]"#,
    );
    let out = run(&mut sandbox.retry(&words("--every 1ms --runs 5 -q sh turn.sh")));
    assert_eq!(out.code, Some(0));
    // Successful runs' stdout on stdout, failed runs' on stderr.
    assert_eq!(out.stdout, "1 1 0\n4 3 0\n5 1 0\n");
    assert_eq!(out.stderr, "2 1 0\n3 2 0\n");
}

#[test]
fn a_signal_between_runs_ends_the_loop_with_the_last_status() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "exit 0");
    let mut child = sandbox.spawn(&words("--every 30s --json sh turn.sh"));
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read");
    let first: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(
        (first["run"].as_u64(), first["action"].as_str()),
        (Some(1), Some("interval"))
    );
    // Logged just before the sleep: the signal comes between runs.
    send(&child, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut child).code(), Some(0));
    line.clear();
    stderr.read_to_string(&mut line).expect("read");
    let last: Value = serde_json::from_str(line.trim_end()).expect("one JSON line");
    assert_eq!(last["event"], "interrupted");
    assert_eq!(last["signal"], "SIGTERM");
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn a_signal_while_backing_off_ends_the_loop_with_the_failed_status() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "exit 5");
    let mut child = sandbox.spawn(&words("--every 1ms -d 30s sh turn.sh"));
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read");
    assert_eq!(
        line,
        "retry: run 1 failed (exit 5); backing off: next run in 30s (failure 1 in a row)\n"
    );
    send(&child, Signal::SIGINT);
    assert_eq!(wait_bounded(&mut child).code(), Some(5));
    line.clear();
    stderr.read_to_string(&mut line).expect("read");
    assert_eq!(
        line,
        "retry: received SIGINT while waiting for the next run; stopping\n"
    );
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn a_signal_during_a_run_is_passed_on_and_ends_the_loop() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "turn.sh",
        "trap 'exit 7' TERM\ntouch ready\nwhile :; do sleep 0.01; done",
    );
    let mut child = sandbox.spawn(&words("--every 1ms sh turn.sh"));
    sandbox.await_file("ready");
    send(&child, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut child).code(), Some(7));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    // (The shell may first report its `sleep` as "Terminated".)
    assert!(
        stderr.ends_with("\nretry: run 1 failed (exit 7); stopping: received SIGTERM\n")
            || stderr == "retry: run 1 failed (exit 7); stopping: received SIGTERM\n",
        "{stderr}"
    );
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn an_open_breaker_skips_runs_and_backs_off() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", "exit 0");
    let dir = sandbox.path().join("state/breakers");
    fs::create_dir_all(&dir).expect("dir");
    let open = serde_json::json!({"state": "open", "failures": 0, "generation": 1,
        "open_until_ms": u64::MAX / 2, "probe": null, "trips": 1});
    fs::write(dir.join("api.json"), open.to_string()).expect("write");
    let line = "--every 5ms -d 1ms --runs 2 --state-dir state --breaker api sh turn.sh";
    let out = run(&mut sandbox.retry(&words(line)));
    assert_eq!(out.code, Some(75));
    assert_eq!(sandbox.runs(), 0);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stderr);
    assert!(
        lines[0].starts_with("retry: breaker api is open"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "retry: run 1/2 refused by the breaker; backing off: next run in 1ms (failure 1 in a row)"
    );
    assert_eq!(
        lines[3],
        "retry: run 2/2 refused by the breaker; stopping: that was the last of --runs 2"
    );
}

#[test]
fn loop_options_that_do_not_fit_are_usage_errors() {
    let sandbox = Sandbox::new();
    for (line, says) in [
        ("--every 1s -n 3 true", "cannot be used with"),
        ("--every 1s --retry-on-exit 1 true", "cannot be used with"),
        ("--every 1s --max-elapsed 1m true", "cannot be used with"),
        ("--runs 2 true", "--every <INTERVAL>"),
        ("--every 0s true", "above 0"),
    ] {
        let out = run(&mut sandbox.retry(&words(line)));
        assert_eq!(out.code, Some(2), "{line}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{line}: {}", out.stderr);
    }
}
