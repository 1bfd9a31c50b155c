//! Where retry now behaves as env, nice and GNU timeout do, and what each
//! attempt is told about itself.

use std::io::Write;

use super::*;

impl Sandbox {
    /// Writes an executable file. Written by a shell, so that no writable
    /// descriptor of it is ever open in the test process (another test
    /// thread's fork could inherit it, and executing the file would then
    /// fail with "text file busy").
    fn executable(&self, name: &str, text: &str) {
        let status = std::process::Command::new("sh")
            .current_dir(self.path())
            .args([
                "-c",
                r#"printf '%s' "$1" > "$2" && chmod +x "$2""#,
                "sh",
                text,
                name,
            ])
            .status()
            .expect("sh");
        assert!(status.success());
    }
}

#[test]
fn a_script_without_a_shebang_runs_with_bin_sh() {
    let sandbox = Sandbox::new();
    sandbox.executable("plain", "echo run >> runs\necho \"args: $*\"\nexit 3\n");
    let out = run(&mut sandbox.retry(&["-n", "2", "-d", "1ms", "./plain", "a b", "c"]));
    assert_eq!(out.code, Some(3));
    assert_eq!(out.stdout, "args: a b c\n");
    assert!(
        out.stderr.starts_with("args: a b c\nretry: attempt 1/2"),
        "{}",
        out.stderr
    );
    assert_eq!(sandbox.runs(), 2);
    // Found in $PATH too, as execvp finds it.
    let path = format!(
        "{}:{}",
        sandbox.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(sandbox.retry(&["-n", "1", "plain", "x"]).env("PATH", path));
    assert_eq!((out.code, out.stdout.as_str()), (Some(3), "args: x\n"));
    assert_eq!(sandbox.runs(), 3);
}

#[test]
fn a_zero_timeout_means_no_limit() {
    let sandbox = Sandbox::new();
    // Long enough that an attempt stopped at once never gets to `echo`.
    sandbox.script("slowish.sh", "sleep 0.05\necho done");
    let out = run(&mut sandbox.retry(&["-n", "1", "-t", "0s", "sh", "slowish.sh"]));
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "done\n", "")
    );
    fs::write(sandbox.path().join("p.toml"), "timeout = \"0s\"\n").expect("write policy");
    let out = run(&mut sandbox.retry(&["-n", "1", "-p", "p.toml", "sh", "slowish.sh"]));
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "done\n"));
}

#[test]
fn a_jitter_strategy_may_follow_with_a_space() {
    let sandbox = Sandbox::new();
    sandbox.script("fail.sh", "exit 1");
    let out =
        run(&mut sandbox.retry(&["-n", "2", "-d", "1ms", "--jitter", "none", "sh", "fail.sh"]));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 2);
    assert_eq!(
        out.stderr,
        "retry: attempt 1/2 failed (exit 1); sleeping 1ms\n\
         retry: attempt 2/2 failed (exit 1); giving up\n"
    );
    let line = [
        "-n", "2", "-d", "1ms", "--jitter", "full", "--json", "sh", "fail.sh",
    ];
    let out = run(&mut sandbox.retry(&line));
    assert_eq!(out.code, Some(1));
    assert_eq!(sandbox.runs(), 4);
    let first: Value =
        serde_json::from_str(out.stderr.lines().next().expect("a line")).expect("JSON");
    let delay = first["delay_ms"].as_f64().expect("a delay");
    assert!((0.0..=1.0).contains(&delay), "{delay}");
}

#[test]
fn each_attempt_sees_its_number_in_the_environment() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "numbered.sh",
        r#"echo "$RETRY_ATTEMPT/$RETRY_MAX_ATTEMPTS"; [ "$RETRY_ATTEMPT" -ge 3 ]"#,
    );
    let out = run(&mut sandbox.retry(&["-n", "4", "-d", "1ms", "--stream", "sh", "numbered.sh"]));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "1/4\n2/4\n3/4\n")
    );
}

#[test]
fn a_signal_sent_to_retry_alone_reaches_a_foreground_command_once() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "trapper.sh",
        "trap 'echo INT >> got; exit 7' INT\ntouch ready\nwhile :; do sleep 0.01; done",
    );
    let mut child = sandbox.spawn(&["--foreground", "-n", "3", "sh", "trapper.sh"]);
    sandbox.await_file("ready");
    send(&child, Signal::SIGINT);
    assert_eq!(wait_bounded(&mut child).code(), Some(7));
    assert_eq!(sandbox.read("got"), "INT\n");
    assert_eq!(sandbox.runs(), 1);
}

/// Ctrl-C on a real terminal: a pseudo-terminal the test opens, made
/// retry's controlling terminal by `setsid -c`. The terminal signals retry
/// and the command, and retry must not pass the same signal on again.
#[test]
fn ctrl_c_reaches_a_foreground_command_once() {
    let sandbox = Sandbox::new();
    sandbox.script(
        "trapper.sh",
        "trap 'echo INT >> got' INT\ntrap 'echo TERM >> got; exit 7' TERM\n\
         touch ready\nwhile :; do sleep 0.01; done",
    );
    let pty = nix::pty::openpty(None, None).expect("open a pseudo-terminal");
    let mut retry = std::process::Command::new("setsid")
        .current_dir(sandbox.path())
        .arg("-c")
        .arg(cargo_bin!("retry"))
        .args(["--foreground", "-n", "3", "sh", "trapper.sh"])
        .stdin(pty.slave.try_clone().expect("terminal"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start retry");
    drop(pty.slave);
    sandbox.await_file("ready");
    // retry is stopped while the command takes the terminal's signal, so
    // that a second delivery, if retry made one, could not merge with the
    // first while it is pending.
    send(&retry, Signal::SIGSTOP);
    let mut keys = std::fs::File::from(pty.master);
    keys.write_all(b"\x03").expect("type Ctrl-C");
    let start = Instant::now();
    while sandbox.read("got").is_empty() {
        assert!(start.elapsed() < HANG_GUARD, "Ctrl-C never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    send(&retry, Signal::SIGCONT);
    // retry handles its signals in order: by the time it passes SIGTERM
    // on, it has passed the SIGINT on too, if it ever does.
    send(&retry, Signal::SIGTERM);
    assert_eq!(wait_bounded(&mut retry).code(), Some(7));
    assert_eq!(sandbox.read("got"), "INT\nTERM\n");
    assert_eq!(sandbox.runs(), 1);
}
