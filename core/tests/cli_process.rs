//! `testrelay run` and its command as processes: the command dies with
//! testrelay (even by `kill -9`), a timeout kills everything the command
//! started, and a Ctrl-C reaches the command, which testrelay then reports.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Polls `done` every 20 ms; fails after a generous 60 s guard (a hang,
/// not a measurement: nothing here asserts how long anything takes).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("gave up waiting for {what}");
}

/// The pid written by the command into `file`, once it is there.
fn pid_in(file: &Path) -> u32 {
    let mut pid = None;
    wait_for(&format!("{}", file.display()), || {
        pid = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse().ok());
        pid.is_some()
    });
    pid.unwrap()
}

/// True while `pid` is a live process (a zombie counts as gone: it has
/// exited and only waits for its parent to reap it).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

fn start_run(dir: &Path, args: &[&str], script: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .arg("run")
        .args(args)
        .args([
            "--output-dir",
            "out",
            "--history",
            "h.db",
            "--",
            "sh",
            "-c",
            script,
        ])
        .current_dir(dir)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

struct Reap(u32);

impl Drop for Reap {
    /// Leaves no process behind when an assertion fails.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn the_command_dies_with_testrelay_on_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut testrelay = start_run(dir.path(), &[], "echo $$ > child.pid; exec sleep 1000");
    let child = pid_in(&dir.path().join("child.pid"));
    let _reap = Reap(child);
    assert!(alive(child));
    testrelay.kill().unwrap(); // SIGKILL
    testrelay.wait().unwrap();
    wait_for("the command to die with testrelay", || !alive(child));
}

#[test]
fn a_timeout_kills_what_the_command_started() {
    let dir = tempfile::tempdir().unwrap();
    let mut testrelay = start_run(
        dir.path(),
        &["--timeout", "1"],
        "sleep 1000 & echo $! > grandchild.pid; wait",
    );
    let grandchild = pid_in(&dir.path().join("grandchild.pid"));
    let _reap = Reap(grandchild);
    let status = testrelay.wait().unwrap();
    assert_eq!(status.code(), Some(124));
    wait_for("the background job to be killed with its group", || {
        !alive(grandchild)
    });
}

#[test]
fn an_interrupt_reaches_the_command_and_the_run_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let script = "trap 'echo interrupted > trapped; exit 130' INT; echo $$ > child.pid; \
                  while :; do sleep 0.05; done";
    let mut testrelay = start_run(dir.path(), &[], script);
    let child = pid_in(&dir.path().join("child.pid"));
    let _reap = Reap(child);
    let status = Command::new("kill")
        .args(["-INT", &testrelay.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = testrelay.wait().unwrap();
    assert_eq!(out.code(), Some(130));
    assert!(
        dir.path().join("trapped").is_file(),
        "the command got no SIGINT"
    );
    // testrelay reported the (empty, failed) run after the command exited.
    assert!(dir.path().join("out/run.json").is_file());
}

/// With `ulimit -f`, a write past the limit used to kill testrelay with
/// SIGXFSZ, silently. Now the write fails and testrelay says so, with the
/// exit code for storage that cannot take more (4, not the user error 2).
#[test]
fn a_file_size_limit_is_an_error_that_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/junit/nextest.xml");
    let out = Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -f 4 && exec \"$0\" report \"$1\" --history h.db --output-dir out")
        .arg(env!("CARGO_BIN_EXE_testrelay"))
        .arg(&input)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{:?}: {err}", out.status);
    assert!(err.starts_with("testrelay: history "), "{err}");
    assert!(err.contains("file-size limit"), "{err}");
}
