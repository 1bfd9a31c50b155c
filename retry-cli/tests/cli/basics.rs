//! CallState, statuses, logs, options and policy files.

use super::*;

#[test]
fn fails_twice_then_succeeds() {
    let sandbox = Sandbox::new();
    sandbox.script("flaky.sh", r#"echo "attempt $n"; [ "$n" -ge 3 ]"#);
    let out = run(&mut sandbox.retry(&["-n", "5", "-d", "1ms", "--", "sh", "flaky.sh"]));
    assert_eq!(out.code, Some(0));
    assert_eq!(sandbox.runs(), 3);
    // Only the attempt that ends the run reaches stdout; the others'
    // stdout goes to stderr, each before the line that logs it.
    assert_eq!(out.stdout, "attempt 3\n");
    assert_eq!(
        out.stderr,
        "attempt 1\n\
         retry: attempt 1/5 failed (exit 1); sleeping 1ms\n\
         attempt 2\n\
         retry: attempt 2/5 failed (exit 1); sleeping 2ms\n\
         retry: attempt 3/5 succeeded\n"
    );
}

#[test]
fn a_first_time_success_is_silent() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "echo fine");
    let out = run(&mut sandbox.retry(&["sh", "ok.sh"]));
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "fine\n", "")
    );
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn always_failing_exits_with_the_last_attempts_status() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit $((10 + n))");
    let out = run(&mut sandbox.retry(&["-n", "3", "-d", "1ms", "sh", "fail.sh"]));
    assert_eq!(out.code, Some(13));
    assert_eq!(sandbox.runs(), 3);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/3 failed (exit 11); sleeping 1ms\n\
         retry: attempt 2/3 failed (exit 12); sleeping 2ms\n\
         retry: attempt 3/3 failed (exit 13); giving up\n"
    );
}

#[test]
fn a_command_killed_by_a_signal_exits_128_plus_it() {
    let sandbox = Sandbox::new();
    sandbox.script("killed.sh", "kill -9 $$");
    let out = run(&mut sandbox.retry(&["-n", "2", "-d", "1ms", "sh", "killed.sh"]));
    assert_eq!(out.code, Some(128 + 9));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/2 failed (killed by SIGKILL); sleeping 1ms\n\
         retry: attempt 2/2 failed (killed by SIGKILL); giving up\n"
    );
}

#[test]
fn stop_on_exit_ends_at_a_listed_status() {
    let sandbox = Sandbox::new();
    // Exit 1, then 2, then (never reached) success.
    sandbox.script("stop.sh", r#"[ "$n" -ge 3 ] || exit "$n""#);
    let out = run(&mut sandbox.retry(&["-d", "1ms", "--stop-on-exit", "2,64-78", "sh", "stop.sh"]));
    assert_eq!(out.code, Some(2));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/3 failed (exit 1); sleeping 1ms\n\
         retry: attempt 2/3 failed (exit 2); not retrying: exit status 2 is in --stop-on-exit\n"
    );
}

#[test]
fn retry_on_exit_retries_only_listed_statuses() {
    let sandbox = Sandbox::new();
    // Exit 75 (temporary failure), then 1.
    sandbox.script("select.sh", r#"[ "$n" -eq 1 ] && exit 75; exit 1"#);
    let line = words("-n 5 -d 1ms --retry-on-exit 75 --retry-on-exit 76 sh select.sh");
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/5 failed (exit 75); sleeping 1ms\n\
         retry: attempt 2/5 failed (exit 1); not retrying: exit status 1 is not in --retry-on-exit\n"
    );
}

#[test]
fn retry_if_output_retries_matching_failures_and_passes_output_through() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "api.sh",
        r#"case $n in
  1) echo "HTTP 429 Too Many Requests" >&2 ;;
  2) echo "error: rate limit exceeded" ;;
  *) echo "404 not found" ;;
esac
exit 1"#,
    );
    let mut line = words("-n 5 -d 1ms --retry-if-output");
    line.extend(["429|rate limit", "sh", "api.sh"]);
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 3);
    // The last attempt ends the run: its stdout is retry's. A match in
    // captured stdout counts as in stderr.
    assert_eq!(out.stdout, "404 not found\n");
    assert_eq!(
        out.stderr,
        "HTTP 429 Too Many Requests\n\
         retry: attempt 1/5 failed (exit 1, output matched); sleeping 1ms\n\
         error: rate limit exceeded\n\
         retry: attempt 2/5 failed (exit 1, output matched); sleeping 2ms\n\
         retry: attempt 3/5 failed (exit 1); not retrying: \
         no output line matched --retry-if-output\n"
    );
    // With --stream, every attempt's stdout passes through as it comes.
    let mut line = words("-n 5 -d 1ms --stream --retry-if-output");
    line.extend(["429|rate limit", "sh", "api.sh"]);
    fs::remove_file(sandbox.path().join("runs")).expect("reset the count");
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "error: rate limit exceeded\n404 not found\n");
    assert_eq!(
        out.stderr,
        "HTTP 429 Too Many Requests\n\
         retry: attempt 1/5 failed (exit 1, output matched); sleeping 1ms\n\
         retry: attempt 2/5 failed (exit 1, output matched); sleeping 2ms\n\
         retry: attempt 3/5 failed (exit 1); not retrying: \
         no output line matched --retry-if-output\n"
    );
}

#[test]
fn exit_zero_succeeds_even_when_the_output_matches() {
    let sandbox = Sandbox::new();
    sandbox.script("ok.sh", "echo 'rate limit: 10 left'");
    let out = run(&mut sandbox.retry(&["--retry-if-output", "rate limit", "sh", "ok.sh"]));
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    assert_eq!(out.stdout, "rate limit: 10 left\n");
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn matched_output_passes_through_while_the_command_runs() {
    let sandbox = Sandbox::new();
    // Prints a line, then waits for the test to answer it.
    sandbox.script(
        "chatty.sh",
        "echo waiting\nwhile [ ! -f go ]; do sleep 0.01; done\necho done",
    );
    let mut child = sandbox.spawn(&["--stream", "--retry-if-output", "x", "sh", "chatty.sh"]);
    // Should the line be held back until the command exits, this answer
    // unblocks it late, and the assertion below fails instead of hanging.
    let go = sandbox.path().join("go");
    let watchdog = go.clone();
    std::thread::spawn(move || {
        std::thread::sleep(HANG_GUARD);
        let _ = fs::write(watchdog, "");
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    assert_eq!(line, "waiting\n");
    assert!(
        !go.exists(),
        "the line arrived only after the command was unblocked"
    );
    fs::write(&go, "").expect("answer");
    line.clear();
    stdout.read_line(&mut line).expect("read");
    assert_eq!(line, "done\n");
    assert_eq!(wait_bounded(&mut child).code(), Some(0));
}

#[test]
fn a_timed_out_attempt_is_terminated_and_retried() {
    let sandbox = Sandbox::new();
    // `sleep` is a child of the shell: the timeout must reach the whole
    // process group, or it would hold retry's stdout open for 30 s.
    sandbox.script("slow.sh", "sleep 30");
    // 100ms leaves a loaded machine time to start the shell before the
    // SIGTERM, so that each run is recorded.
    let line = ["-n", "2", "-d", "1ms", "-t", "100ms", "sh", "slow.sh"];
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(128 + 15));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/2 failed (timed out after 100ms, killed by SIGTERM); sleeping 1ms\n\
         retry: attempt 2/2 failed (timed out after 100ms, killed by SIGTERM); giving up\n"
    );
}

#[test]
fn a_timed_out_attempt_that_ignores_sigterm_is_killed() {
    let sandbox = Sandbox::new();
    sandbox.script("stubborn.sh", "trap '' TERM\nsleep 30");
    let line = words("-n 1 -t 100ms --kill-after 20ms sh stubborn.sh");
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(128 + 9));
    assert_eq!(sandbox.runs(), 1);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/1 failed (timed out after 100ms, killed by SIGKILL); giving up\n"
    );
}

#[test]
fn sigterm_to_retry_reaches_the_command_and_ends_the_retrying() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "trapper.sh",
        "trap 'echo TERM >> got; exit 7' TERM\ntouch ready\nwhile :; do sleep 0.01; done",
    );
    let mut child = sandbox.spawn(&["-n", "5", "-d", "1ms", "sh", "trapper.sh"]);
    sandbox.await_file("ready");
    send(&child, Signal::SIGTERM);
    let status = wait_bounded(&mut child);
    assert_eq!(status.code(), Some(7));
    assert_eq!(sandbox.read("got"), "TERM\n");
    assert_eq!(sandbox.runs(), 1);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read");
    assert!(
        stderr.ends_with("retry: attempt 1/5 failed (exit 7); received SIGTERM, not retrying\n"),
        "{stderr}"
    );
}

#[test]
fn sigint_during_the_sleep_ends_the_retrying() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 4");
    let mut child = sandbox.spawn(&["-d", "30s", "sh", "fail.sh"]);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read");
    assert_eq!(line, "retry: attempt 1/3 failed (exit 4); sleeping 30s\n");
    send(&child, Signal::SIGINT);
    assert_eq!(wait_bounded(&mut child).code(), Some(4));
    line.clear();
    stderr.read_line(&mut line).expect("read");
    assert_eq!(
        line,
        "retry: received SIGINT while sleeping; not retrying\n"
    );
    assert_eq!(sandbox.runs(), 1);
}

#[test]
fn a_missing_command_is_reported_once_with_127() {
    let sandbox = Sandbox::new();
    let out = run(&mut sandbox.retry(&["-n", "5", "-d", "1ms", "no-such-command-for-retry"]));
    assert_eq!(out.code, Some(127));
    assert_eq!(
        out.stderr,
        "retry: no-such-command-for-retry: command not found\n"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn a_file_that_is_not_executable_is_reported_once_with_126() {
    let sandbox = Sandbox::new();
    sandbox.script("plain.sh", "exit 0");
    let out = run(&mut sandbox.retry(&["-n", "5", "-d", "1ms", "./plain.sh"]));
    assert_eq!(out.code, Some(126));
    assert_eq!(out.stderr, "retry: ./plain.sh: permission denied\n");
    assert_eq!(sandbox.runs(), 0);
}

#[test]
fn bad_options_exit_2_and_run_nothing() {
    let sandbox = Sandbox::new();
    sandbox.script("count.sh", "exit 0");
    for (args, says) in [
        (
            &["--max-atempts", "3"][..],
            "unexpected argument '--max-atempts'",
        ),
        (&["-n", "0"], "at least 1"),
        (&["--base-delay", "5 parsecs"], "unknown unit `parsecs`"),
        (&["--multiplier", "0.5"], "at least 1"),
        (
            &["--jitter=fuzzy"],
            "possible values: none, full, equal, decorrelated",
        ),
        (&["--retry-on-exit", "0"], "exit status 0 is success"),
        (&["--stop-on-exit", "256"], "not an exit status"),
        (&["--retry-if-output", "(429"], "regex parse error"),
        (&["-d", "1m"], "lower --base-delay or raise --max-delay"),
        (&["--quiet", "--json"], "cannot be used with"),
        (
            &["--policy", "missing.toml"],
            "cannot read policy file 'missing.toml'",
        ),
    ] {
        let mut line = args.to_vec();
        line.extend(["sh", "count.sh"]);
        let out = run(&mut sandbox.retry(&line));
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    let out = run(&mut sandbox.retry(&["-n", "3"]));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("required arguments were not provided"),
        "{}",
        out.stderr
    );
    assert_eq!(sandbox.runs(), 0);
}

#[test]
fn json_logs_one_object_per_attempt() {
    let sandbox = Sandbox::new();
    sandbox.script("flaky.sh", r#"[ "$n" -ge 3 ]"#);
    let out = run(&mut sandbox.retry(&["-n", "4", "-d", "1ms", "--json", "sh", "flaky.sh"]));
    assert_eq!(out.code, Some(0));
    let lines: Vec<Value> = out
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    assert_eq!(lines.len(), 3, "{}", out.stderr);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["event"], "attempt");
        assert_eq!(line["attempt"], i + 1);
        assert_eq!(line["max_attempts"], 4);
        assert_eq!(line["signal"], Value::Null);
        assert_eq!(line["timed_out"], false);
        assert_eq!(line["output_matched"], Value::Null);
        assert!(
            line["elapsed_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{line}"
        );
    }
    let column = |key: &str| lines.iter().map(|l| l[key].clone()).collect::<Vec<_>>();
    assert_eq!(column("succeeded"), [false, false, true]);
    assert_eq!(column("exit_code"), [1, 1, 0]);
    assert_eq!(column("action"), ["retry", "retry", "done"]);
    assert_eq!(
        column("delay_ms"),
        [Value::from(1.0), Value::from(2.0), Value::Null]
    );
    assert_eq!(column("reason"), [Value::Null, Value::Null, Value::Null]);
}

#[test]
fn json_reports_giving_up_and_a_missing_command() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 3");
    let out = run(&mut sandbox.retry(&["-n", "1", "--json", "sh", "fail.sh"]));
    let line: Value = serde_json::from_str(out.stderr.trim_end()).expect("one JSON line");
    assert_eq!(line["action"], "give_up");
    assert_eq!(line["reason"], "no attempts left");
    assert_eq!(line["exit_code"], 3);

    let out = run(&mut sandbox.retry(&["--json", "no-such-command-for-retry"]));
    assert_eq!(out.code, Some(127));
    let line: Value = serde_json::from_str(out.stderr.trim_end()).expect("one JSON line");
    assert_eq!(line["event"], "error");
    assert_eq!(line["command"], "no-such-command-for-retry");
    assert_eq!(line["error"], "command not found");
    assert_eq!(line["exit_code"], 127);
}

#[test]
fn quiet_logs_nothing_but_errors() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let out = run(&mut sandbox.retry(&["-q", "-d", "1ms", "sh", "fail.sh"]));
    assert_eq!((out.code, out.stderr.as_str()), (Some(1), ""));
    assert_eq!(sandbox.runs(), 3);
    let out = run(&mut sandbox.retry(&["-q", "no-such-command-for-retry"]));
    assert_eq!(
        out.stderr,
        "retry: no-such-command-for-retry: command not found\n"
    );
}

#[test]
fn a_policy_file_sets_the_defaults_and_options_override_it() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    fs::write(
        sandbox.path().join("policy.toml"),
        "max_attempts = 2\nbase_delay = \"1ms\"\nmax_delay = \"1ms\"\n",
    )
    .expect("write policy");
    let out = run(&mut sandbox.retry(&["--policy", "policy.toml", "sh", "fail.sh"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/2 failed (exit 1); sleeping 1ms\n\
         retry: attempt 2/2 failed (exit 1); giving up\n"
    );
    run(&mut sandbox.retry(&["--policy", "policy.toml", "-n", "4", "sh", "fail.sh"]));
    assert_eq!(sandbox.runs(), 2 + 4);
}

#[test]
fn a_named_policy_is_picked_from_a_file_of_them() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    fs::write(
        sandbox.path().join("apis.toml"),
        "[gitea_api]\nmax_attempts = 3\nbase_delay = \"1ms\"\n\n\
         [ollama_api]\nmax_attempts = 5\nbase_delay = \"1ms\"\n",
    )
    .expect("write policies");
    let line = [
        "--policy",
        "apis.toml",
        "--policy-name",
        "gitea_api",
        "sh",
        "fail.sh",
    ];
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 3);
    let out = run(&mut sandbox.retry(&["-p", "apis.toml", "--policy-name", "nope", "true"]));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("has no table [nope]; its tables: gitea_api, ollama_api"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bad_policy_file_is_a_usage_error_naming_the_key() {
    let sandbox = Sandbox::new();
    for (text, says) in [
        ("max_retries = 3\n", "unknown field `max_retries`"),
        ("base_delay = \"soon\"\n", "invalid `base_delay` \"soon\""),
        ("max_attempts = 0\n", "max_attempts is 0"),
        ("multiplier = 0.5\n", "multiplier 0.5 is out of range"),
    ] {
        fs::write(sandbox.path().join("bad.toml"), text).expect("write policy");
        let out = run(&mut sandbox.retry(&["--policy", "bad.toml", "true"]));
        assert_eq!(out.code, Some(2), "{text}: {}", out.stderr);
        assert!(
            out.stderr.contains("invalid policy file 'bad.toml'"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(says), "{text}: {}", out.stderr);
    }
}

#[test]
fn with_stdin_once_standard_input_goes_to_the_first_attempt_only() {
    let sandbox = Sandbox::new();
    sandbox.script("reader.sh", r#"cat > "stdin.$n"; [ "$n" -ge 2 ]"#);
    let out = run(sandbox
        .retry(&["-d", "1ms", "--stdin-once", "sh", "reader.sh"])
        .write_stdin("hello\n"));
    assert_eq!(out.code, Some(0));
    assert_eq!(sandbox.read("stdin.1"), "hello\n");
    assert_eq!(sandbox.read("stdin.2"), "");
    assert!(sandbox.path().join("stdin.2").exists());
}

#[test]
fn max_elapsed_gives_up_instead_of_sleeping_past_it() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let out = run(&mut sandbox.retry(&["-d", "1s", "--max-elapsed", "500ms", "sh", "fail.sh"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 1);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/3 failed (exit 1); giving up: the next retry would end past \
         --max-elapsed 500ms\n"
    );
}

#[test]
fn help_and_version_exit_0() {
    let sandbox = Sandbox::new();
    let out = run(&mut sandbox.retry(&["--help"]));
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout.starts_with("Run a command until it succeeds"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Usage: retry [OPTIONS] [--] COMMAND [ARGS]...")
    );
    assert!(out.stdout.contains("Exit status:"));
    for documented in [
        "--every <INTERVAL>",
        "--runs <N>",
        "--breaker <NAME>",
        "--breaker-threshold <N>",
        "--breaker-open-for <DURATION>",
        "--breaker-probe-timeout <DURATION>",
        "--state-dir <DIR>",
        "[env: RETRY_STATE_DIR=",
        "  75   the --breaker is open",
        "RETRY_ATTEMPT",
        "RETRY_RUN",
        "with SIGKILL. 0 means no",
        "--stream",
        "--stdin-once",
        "Output: each attempt's stdout is kept in a temporary file",
        "the last one (when the attempts run\nout",
        "Input: every attempt reads all of stdin",
        "  141  retry's stdout was closed",
    ] {
        assert!(
            out.stdout.contains(documented),
            "{documented} missing from --help"
        );
    }
    let out = run(&mut sandbox.retry(&["--version"]));
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, format!("retry {}\n", env!("CARGO_PKG_VERSION")));
}

/// The shipped per-API policy file, as the README shows it, through the
/// binary: each table's attempts (its delays are the unit tests' concern:
/// `-d 1ms` keeps this test fast).
#[test]
fn the_example_policy_file_gives_each_api_its_attempts() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retry.toml");
    let file = file.to_str().expect("a UTF-8 path");
    for (name, attempts) in [("gitea_api", 3), ("anthropic_api", 2), ("ollama_api", 5)] {
        let before = sandbox.runs();
        let line = [
            "-p",
            file,
            "--policy-name",
            name,
            "-d",
            "1ms",
            "-q",
            "sh",
            "fail.sh",
        ];
        assert_eq!(run(&mut sandbox.retry(&line)).code, Some(1));
        assert_eq!(sandbox.runs() - before, attempts, "{name}");
    }
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .expect("README.md");
    let shipped = fs::read_to_string(file).expect("retry.toml");
    assert!(
        readme.contains(&format!("```toml\n{shipped}```")),
        "the README's copy of retry-cli/examples/retry.toml differs"
    );
}
