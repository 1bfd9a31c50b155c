//! `retry` inside shell pipelines: only the attempt that ends the run
//! reaches stdout, stdin is replayed to every attempt, in constant memory
//! and binary-safe, and the spools leave nothing behind.

use std::io::Read;

use super::*;

impl Sandbox {
    /// Runs `line` with `sh -c` in the sandbox, `$0` being `retry` (and
    /// files bounded in size, as `bounded_retry` bounds them).
    fn pipeline(&self, line: &str) -> Run {
        run(assert_cmd::Command::new("sh")
            .current_dir(self.path())
            .args(["-c", &format!("ulimit -f 400000; {line}")])
            .arg(cargo_bin!("retry"))
            .timeout(HANG_GUARD))
    }

    /// A file of `len` bytes holding every byte value, newlines included.
    fn binary(&self, name: &str, len: usize) -> Vec<u8> {
        let bytes: Vec<u8> = (0..len)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        fs::write(self.path().join(name), &bytes).expect("write data");
        bytes
    }
}

/// The issue's scenario: a command that prints half a JSON document and
/// fails twice, then succeeds. The next program in the pipe gets one
/// document; the halves are on stderr, each before its attempt's log line
/// (on a line of its own: a newline is added after output without one).
#[test]
fn a_partial_document_never_reaches_the_pipe() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "api.sh",
        r#"echo "GET /entities" >&2
if [ "$n" -lt 3 ]; then printf '{"partial": 1'; exit 1; fi
printf '{"entities": [1, 2]}\n'
echo "200 OK" >&2"#,
    );
    let out =
        sandbox.pipeline(r#"{ "$0" -n 5 -d 1ms -- sh api.sh; echo $? > status; } | cat > out"#);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""));
    let received = sandbox.read("out");
    assert_eq!(received, "{\"entities\": [1, 2]}\n");
    let documents: Vec<Value> = serde_json::Deserializer::from_str(&received)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("valid JSON");
    assert_eq!(documents, [serde_json::json!({"entities": [1, 2]})]);
    assert_eq!(sandbox.read("status"), "0\n");
    assert_eq!(
        out.stderr,
        "GET /entities\n\
         {\"partial\": 1\n\
         retry: attempt 1/5 failed (exit 1); sleeping 1ms\n\
         GET /entities\n\
         {\"partial\": 1\n\
         retry: attempt 2/5 failed (exit 1); sleeping 2ms\n\
         GET /entities\n\
         200 OK\n\
         retry: attempt 3/5 succeeded\n"
    );
    // Before, and still with --stream: every attempt's stdout, run together.
    fs::remove_file(sandbox.path().join("runs")).expect("reset the count");
    let out = sandbox.pipeline(r#""$0" -n 5 -d 1ms --stream -- sh api.sh 2>/dev/null | cat > out"#);
    assert_eq!(out.code, Some(0));
    assert_eq!(
        sandbox.read("out"),
        "{\"partial\": 1{\"partial\": 1{\"entities\": [1, 2]}\n"
    );
}

/// When the attempts run out, the last one's stdout is the run's: it goes
/// with the exit status retry reports, as if the command had run alone.
#[test]
fn when_retries_run_out_the_last_attempts_output_is_the_runs() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", r#"echo "error body $n"; exit 22"#);
    let out = run(&mut sandbox.retry(&["-n", "3", "-d", "1ms", "sh", "fail.sh"]));
    assert_eq!(out.code, Some(22));
    assert_eq!(out.stdout, "error body 3\n");
    assert_eq!(
        out.stderr,
        "error body 1\n\
         retry: attempt 1/3 failed (exit 22); sleeping 1ms\n\
         error body 2\n\
         retry: attempt 2/3 failed (exit 22); sleeping 2ms\n\
         retry: attempt 3/3 failed (exit 22); giving up\n"
    );
}

#[test]
fn every_attempt_reads_all_of_stdin() {
    let sandbox = Sandbox::new();
    sandbox.script("consumer.sh", r#"cat > "stdin.$n"; [ "$n" -ge 3 ]"#);
    let out = sandbox.pipeline(r#"printf 'a\nb\n' | "$0" -d 1ms -- sh consumer.sh"#);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(sandbox.runs(), 3);
    for n in 1..=3 {
        assert_eq!(sandbox.read(&format!("stdin.{n}")), "a\nb\n", "attempt {n}");
    }
}

/// The first attempt reads one line of a megabyte and fails; the second
/// still gets every byte, the part retry had not read yet included.
#[test]
fn an_attempt_after_one_that_read_part_of_stdin_gets_all_of_it() {
    let sandbox = Sandbox::new();
    let mut input = b"first line\n".to_vec();
    input.extend(sandbox.binary("tail", 1 << 20));
    fs::write(sandbox.path().join("input"), &input).expect("write input");
    sandbox.script(
        "consumer.sh",
        r#"if [ "$n" -eq 1 ]; then read line; echo "$line" > stdin.1; exit 1; fi
cat > "stdin.$n""#,
    );
    let out = sandbox.pipeline(r#"cat input | "$0" -d 1ms -- sh consumer.sh"#);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(sandbox.read("stdin.1"), "first line\n");
    let second = fs::read(sandbox.path().join("stdin.2")).expect("stdin.2");
    assert_eq!(second.len(), input.len());
    assert!(second == input, "the replayed input differs");
}

/// A file on stdin is read by the attempts themselves, each from where it
/// was when retry started: retry reads none of it ahead, so that a `while
/// read` loop around retry keeps its lines.
#[test]
fn a_file_on_stdin_is_read_again_from_where_retry_found_it() {
    let sandbox = Sandbox::new();
    let mut input = b"skipped by the shell\nfirst line\n".to_vec();
    input.extend(sandbox.binary("tail", 1 << 20));
    fs::write(sandbox.path().join("input"), &input).expect("write input");
    sandbox.script(
        "consumer.sh",
        r#"if [ "$n" -eq 1 ]; then read line; echo "$line" > stdin.1; exit 1; fi
cat > "stdin.$n""#,
    );
    let out = sandbox.pipeline(r#"{ read skip; "$0" -d 1ms -- sh consumer.sh; } < input"#);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(sandbox.read("stdin.1"), "first line\n");
    let second = fs::read(sandbox.path().join("stdin.2")).expect("stdin.2");
    assert!(second == input[21..], "the second attempt's input differs");
    fs::write(sandbox.path().join("list"), "one\ntwo\nthree\n").expect("write list");
    let out = sandbox
        .pipeline(r#"while read word; do "$0" -- sh -c 'echo "got $0"' "$word"; done < list"#);
    assert_eq!(out.stdout, "got one\ngot two\ngot three\n");
}

/// Stdin reaches the first attempt as it arrives: the producer writes its
/// second line only once the command has read the first.
#[test]
fn stdin_is_passed_on_as_it_arrives() {
    let sandbox = Sandbox::new();
    sandbox.script("consumer.sh", "read first\ntouch got-first\ncat > rest");
    // Bounded, so that a retry that waits for the end of its input fails
    // the assertions instead of hanging.
    let producer = r#"{ echo first; i=0
while [ ! -f got-first ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
echo second; }"#;
    let out = sandbox.pipeline(&format!(r#"{producer} | "$0" -- sh consumer.sh"#));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(sandbox.path().join("got-first").exists());
    assert_eq!(sandbox.read("rest"), "second\n");
}

#[test]
fn with_stdin_once_later_attempts_read_nothing() {
    let sandbox = Sandbox::new();
    sandbox.script("consumer.sh", r#"cat > "stdin.$n"; [ "$n" -ge 2 ]"#);
    let out = sandbox.pipeline(r#"printf 'a\nb\n' | "$0" -d 1ms --stdin-once -- sh consumer.sh"#);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(sandbox.read("stdin.1"), "a\nb\n");
    assert_eq!(sandbox.read("stdin.2"), "");
}

/// Peak resident memory of a running process, in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kb * 1024
}

const FIFTY_MB: usize = 50 << 20;

/// 50 MB from each of two attempts: stdout gets exactly the second's, and
/// stderr the first's, while retry's memory stays far below the size of
/// either (its peak is read while it is still passing the output on).
#[test]
fn fifty_megabytes_pass_whole_in_constant_memory() {
    let sandbox = Sandbox::new();
    let big = sandbox.binary("big", FIFTY_MB);
    sandbox.script("big.sh", r#"cat big; [ "$n" -ge 2 ]"#);
    let mut child = sandbox.spawn(&["-n", "2", "-d", "1ms", "sh", "big.sh"]);
    let mut stderr = child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stderr.read_to_end(&mut bytes).expect("read stderr");
        bytes
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut received = vec![0u8; FIFTY_MB - (1 << 20)];
    stdout.read_exact(&mut received).expect("read stdout");
    let peak = peak_memory(child.id());
    stdout.read_to_end(&mut received).expect("read stdout");
    assert_eq!(wait_bounded(&mut child).code(), Some(0));
    assert!(peak < 16 << 20, "retry's peak memory: {peak} bytes");
    assert_eq!(received.len(), FIFTY_MB);
    assert!(received == big, "stdout differs from the second attempt's");
    let log = log.join().expect("stderr thread");
    assert!(
        log[..FIFTY_MB] == big[..],
        "stderr differs from the first attempt's"
    );
    // The data does not end with a newline: one is added before the log.
    assert_ne!(big.last(), Some(&b'\n'));
    assert_eq!(
        String::from_utf8_lossy(&log[FIFTY_MB..]),
        "\nretry: attempt 1/2 failed (exit 1); sleeping 1ms\nretry: attempt 2/2 succeeded\n"
    );
}

#[test]
fn fifty_megabytes_stream_whole() {
    let sandbox = Sandbox::new();
    let big = sandbox.binary("big", FIFTY_MB);
    sandbox.script(
        "big.sh",
        r#"cat big; [ "$n" -ge 2 ] || { echo again >&2; exit 1; }"#,
    );
    for extra in [&[][..], &["--retry-if-output", "^again$"]] {
        fs::remove_file(sandbox.path().join("runs")).ok();
        let mut line = vec!["-n", "2", "-d", "1ms", "--stream"];
        line.extend(extra);
        line.extend(["sh", "big.sh"]);
        let output = sandbox.retry(&line).output().expect("run retry");
        assert_eq!(output.status.code(), Some(0), "{extra:?}");
        assert_eq!(output.stdout.len(), 2 * FIFTY_MB, "{extra:?}");
        assert!(output.stdout[..FIFTY_MB] == big[..], "{extra:?}");
        assert!(output.stdout[FIFTY_MB..] == big[..], "{extra:?}");
    }
}

/// The names (`readlink`) of `pid`'s open files under `dir`.
fn open_files_under(pid: u32, dir: &Path) -> Vec<String> {
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc fd");
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| target.starts_with(&dir.to_string_lossy()[..]))
        .collect()
}

/// The spools live in `$TMPDIR` without a name: while an attempt runs,
/// retry holds two files there (stdin's and the attempt's stdout), both
/// deleted, and the directory lists nothing; a SIGTERM ends the run, the
/// attempt's output is passed on, and nothing is left.
#[test]
fn a_sigterm_during_a_buffered_run_leaves_no_spool_behind() {
    let sandbox = Sandbox::new();
    let spools = sandbox.path().join("spools");
    fs::create_dir(&spools).expect("spool dir");
    sandbox.script(
        "slow.sh",
        "printf 'so far'\nwhere=$(readlink /proc/$$/fd/1)\necho \"$where\" > where\n\
         trap 'exit 7' TERM\ntouch ready\nwhile :; do sleep 0.01; done",
    );
    let mut child = bounded_retry()
        .current_dir(sandbox.path())
        .env("TMPDIR", &spools)
        .args(["-n", "3", "sh", "slow.sh"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start retry");
    sandbox.await_file("ready");
    let held = open_files_under(child.id(), &spools);
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(held.iter().all(|f| f.ends_with(" (deleted)")), "{held:?}");
    let stdout_spool = sandbox.read("where");
    assert!(
        stdout_spool.starts_with(&spools.to_string_lossy()[..])
            && stdout_spool.trim_end().ends_with(" (deleted)"),
        "{stdout_spool}"
    );
    assert_eq!(fs::read_dir(&spools).expect("list").count(), 0);
    send(&child, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut child).code(), Some(7));
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(stdout, "so far");
    assert!(
        stderr.ends_with("retry: attempt 1/3 failed (exit 7); received SIGTERM, not retrying\n"),
        "{stderr}"
    );
    assert_eq!(fs::read_dir(&spools).expect("list").count(), 0);
}

/// Nothing is left behind even when retry is killed outright, while the
/// command it started still runs and still holds its spool.
#[test]
fn a_killed_retry_leaves_no_spool_behind() {
    let sandbox = Sandbox::new();
    let spools = sandbox.path().join("spools");
    fs::create_dir(&spools).expect("spool dir");
    sandbox.script(
        "slow.sh",
        "echo $$ > pid\nprintf 'so far'\ntouch ready\nwhile :; do sleep 0.01; done",
    );
    let mut child = bounded_retry()
        .current_dir(sandbox.path())
        .env("TMPDIR", &spools)
        .args(["sh", "slow.sh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start retry");
    sandbox.await_file("ready");
    send(&child, Signal::SIGKILL);
    wait_bounded(&mut child);
    let command: i32 = sandbox.read("pid").trim().parse().expect("pid");
    assert_eq!(fs::read_dir(&spools).expect("list").count(), 0);
    // The orphan, in its own process group, is the test's to stop.
    nix::sys::signal::killpg(Pid::from_raw(command), Signal::SIGKILL).expect("stop the command");
    assert_eq!(fs::read_dir(&spools).expect("list").count(), 0);
}

/// When the reader of retry's stdout goes away, retry stops writing and
/// exits as a writer killed by SIGPIPE would (141): the output was not
/// passed on whole.
#[test]
fn a_closed_stdout_ends_the_passing_on() {
    let sandbox = Sandbox::new();
    let out = sandbox.pipeline(r#"{ "$0" -- seq 1 300000; echo $? > status; } | head -1"#);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "1\n"));
    assert_eq!(sandbox.read("status"), "141\n");
    assert_eq!(out.stderr, "");
}

/// Whether `pid` has a thread named `name`.
fn has_thread(pid: u32, name: &str) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks
        .filter_map(|task| fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .any(|comm| comm.trim_end() == name)
}

/// A signal while retry waits for a reader to take the run's output ends
/// retry at once, with 128 + the signal: the output is incomplete.
#[test]
fn a_signal_while_the_output_is_passed_on_stops_retry() {
    let sandbox = Sandbox::new();
    sandbox.binary("big", 1 << 20);
    sandbox.script("big.sh", "cat big");
    let mut child = sandbox.spawn(&["sh", "big.sh"]);
    let stdout = child.stdout.take().expect("stdout");
    // Nobody reads: retry's thread named "stdout" is blocked writing.
    let start = Instant::now();
    while !has_thread(child.id(), "stdout") {
        assert!(
            start.elapsed() < HANG_GUARD,
            "retry never passed the output on"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    send(&child, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut child).code(), Some(128 + 15));
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(
        stderr,
        "retry: received SIGTERM while passing on the output; stopping\n"
    );
}

#[test]
fn without_a_usable_temporary_directory_retry_says_so() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path().join("missing");
    let retry = |args: &[&str]| {
        let mut command = sandbox.retry(args);
        command.env("TMPDIR", &missing).write_stdin("");
        run(&mut command)
    };
    let out = retry(&["true"]);
    assert_eq!(out.code, Some(125));
    let expected = format!(
        "retry: true: cannot keep standard input in a temporary file in {} \
         (see TMPDIR; or give --stdin-once): ",
        missing.display()
    );
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
    let out = retry(&["--stdin-once", "true"]);
    assert_eq!(out.code, Some(125));
    let expected = format!(
        "retry: true: cannot create a temporary file for its output in {} (see TMPDIR): ",
        missing.display()
    );
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
    // Streamed, with stdin passed on as it is, nothing needs one.
    let out = retry(&["--stdin-once", "--stream", "echo", "fine"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "fine\n"));
}

/// Loop mode: each successful run's stdout is whole on stdout, in order;
/// a failed run's goes to stderr.
#[test]
fn loop_mode_passes_on_the_output_of_successful_runs() {
    let sandbox = Sandbox::new();
    sandbox.script("turn.sh", r#"printf 'turn %s' "$n"; [ "$n" -ne 2 ]"#);
    let out = run(&mut sandbox.retry(&words("--every 1ms -d 1ms --runs 3 -q sh turn.sh")));
    assert_eq!(out.code, Some(0));
    assert_eq!(out.stdout, "turn 1turn 3");
    assert_eq!(out.stderr, "turn 2\n");
}
