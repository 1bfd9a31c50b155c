//! `--retry-if-output` with `--stream`: every byte passes through, however
//! slowly retry's output is read, and a closed output reaches the command.
//! (An endless command such as `yes` needs `--stream`: captured output is
//! kept until the attempt ends.)

use std::io::Read;

use super::*;

/// What `lines.sh` below prints on its first run, before its last line.
fn numbered_lines() -> String {
    (0..2000)
        .map(|i| format!("line {i:>5} of the output that a slow reader must get whole\n"))
        .collect()
}

/// The one test that spends real time: its reader must be slower than
/// the command, and stay slow after the command has exited, in steps of a
/// few milliseconds (about a second in all).
#[test]
fn a_slow_reader_gets_every_byte_and_the_last_line_is_matched() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "lines.sh",
        r#"if [ "$n" -eq 1 ]; then
  echo "warming up" >&2
  i=0
  while [ $i -lt 2000 ]; do
    printf 'line %5d of the output that a slow reader must get whole\n' $i
    i=$((i + 1))
  done
  echo "error: rate limit exceeded"
  touch exited
  exit 1
fi
echo ok"#,
    );
    let line = [
        "-n",
        "2",
        "-d",
        "1ms",
        "--stream",
        "--retry-if-output",
        "rate limit",
        "sh",
        "lines.sh",
    ];
    let mut child = sandbox.spawn(&line);
    let mut stderr = child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).expect("read stderr");
        text
    });
    // Nothing is read until the command has exited with its output in
    // the pipes; then it is read in small pieces, slowly.
    sandbox.await_file("exited");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut received = Vec::new();
    let mut piece = [0u8; 512];
    loop {
        let n = stdout.read(&mut piece).expect("read stdout");
        if n == 0 {
            break;
        }
        received.extend_from_slice(&piece[..n]);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(wait_bounded(&mut child).code(), Some(0));
    let expected = numbered_lines() + "error: rate limit exceeded\nok\n";
    assert_eq!(received.len(), expected.len());
    assert!(
        String::from_utf8_lossy(&received) == expected,
        "the output differs"
    );
    assert_eq!(
        log.join().expect("stderr thread"),
        "warming up\n\
         retry: attempt 1/2 failed (exit 1, output matched); sleeping 1ms\n\
         retry: attempt 2/2 succeeded\n"
    );
    assert_eq!(sandbox.runs(), 2);
}

#[test]
fn a_closed_output_reaches_the_command_as_if_it_wrote_there() {
    let sandbox = Sandbox::new();
    for (pattern, log) in [
        (
            "zzz",
            "retry: attempt 1/2 failed (killed by SIGPIPE); not retrying: \
             no output line matched --retry-if-output\n",
        ),
        // A match retries, and the next attempt finds the output closed too.
        (
            "^y$",
            "retry: attempt 1/2 failed (killed by SIGPIPE, output matched); sleeping 1ms\n\
             retry: attempt 2/2 failed (killed by SIGPIPE, output matched); giving up\n",
        ),
    ] {
        let mut child = sandbox.spawn(&[
            "-n",
            "2",
            "-d",
            "1ms",
            "--stream",
            "--retry-if-output",
            pattern,
            "yes",
        ]);
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read");
        assert_eq!(line, "y\n");
        drop(stdout);
        assert_eq!(wait_bounded(&mut child).code(), Some(128 + 13), "{pattern}");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read");
        assert_eq!(stderr, log, "{pattern}");
    }
}

#[test]
fn yes_into_head_ends() {
    let sandbox = Sandbox::new();
    // The issue's pipeline, word for word (but for --stream, which an
    // endless command needs), with retry's log kept aside.
    let pipeline =
        r#"ulimit -f 400000; "$0" -n 2 --stream --retry-if-output zzz -- yes 2>log | head -1"#;
    let out = run(assert_cmd::Command::new("sh")
        .current_dir(sandbox.path())
        .args(["-c", pipeline])
        .arg(cargo_bin!("retry"))
        .timeout(HANG_GUARD));
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "y\n"));
    assert_eq!(
        sandbox.read("log"),
        "retry: attempt 1/2 failed (killed by SIGPIPE); not retrying: \
         no output line matched --retry-if-output\n"
    );
}
