//! The `testrelay-ci-sim` binary, as C and Node tests use it: the port line,
//! serving, stopping through `POST /_sim/shutdown`, and GitLab's token
//! options and admin routes.

mod support;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{agent, send};

const BIN: &str = env!("CARGO_BIN_EXE_testrelay-ci-sim");

/// Kills the child if a test fails before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts the binary with `args` and returns it with its first stdout line.
fn start(args: &[&str]) -> (Running, String) {
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => panic!("cannot run {BIN}: {e}"),
    };
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    (Running(child), line)
}

/// Waits up to 5 s for the child to exit; its exit code.
fn wait_exit(running: &mut Running) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = running.0.try_wait() {
            return status.code();
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

fn port_of(line: &str) -> u16 {
    line.trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
}

#[test]
fn prints_port_serves_and_stops_on_request() {
    let (mut running, line) = start(&[]);
    let port = port_of(&line);
    assert_ne!(port, 0);
    let a = agent();
    let base = format!("http://127.0.0.1:{port}");
    let resp = send(
        &a,
        "POST",
        &format!("{base}/repos/o/r/issues/1/comments"),
        &[("authorization", "Bearer t")],
        Some(br#"{"body":"from C"}"#),
    );
    assert_eq!(resp.status, 201);
    let recorded = send(&a, "GET", &format!("{base}/_sim/requests"), &[], None);
    assert_eq!(recorded.json()[0]["body"], r#"{"body":"from C"}"#);
    let stop = send(&a, "POST", &format!("{base}/_sim/shutdown"), &[], None);
    assert_eq!(stop.status, 200);
    assert_eq!(wait_exit(&mut running), Some(0));
}

#[test]
fn port_and_token_options() {
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("no free port: {e}"),
    };
    let (mut running, line) = start(&["--port", &port.to_string(), "--token", "secret"]);
    assert_eq!(line, format!("listening on http://127.0.0.1:{port}\n"));
    let a = agent();
    let url = format!("http://127.0.0.1:{port}/repos/o/r/releases/tags/v1");
    assert_eq!(
        send(&a, "GET", &url, &[("authorization", "Bearer t")], None).status,
        401
    );
    assert_eq!(
        send(&a, "GET", &url, &[("authorization", "Bearer secret")], None).status,
        404
    );
    let _ = running.0.kill();
    let _ = running.0.wait();
}

#[test]
fn bad_arguments_exit_with_2() {
    let (mut running, line) = start(&["--port", "seventy"]);
    assert_eq!(line, "");
    assert_eq!(wait_exit(&mut running), Some(2));
}

#[test]
fn gitlab_tokens_and_admin_routes() {
    let (mut running, line) = start(&["--gitlab-token", "glpat-c", "--gitlab-job-token", "job-c"]);
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let a = agent();
    let admin = |route: &str, body: &str| {
        send(
            &a,
            "POST",
            &format!("{base}/_sim/gitlab/{route}"),
            &[],
            Some(body.as_bytes()),
        )
    };
    let project = admin("seed-project", r#"{"path":"acme/widgets","id":31}"#);
    assert_eq!(project.status, 201);
    let seeded = admin(
        "seed-notes",
        r#"{"project":31,"merge_request_iid":4,"count":25,"with_marker":"<!-- m -->"}"#,
    );
    assert_eq!(seeded.status, 201);
    assert_eq!(seeded.json()["ids"].as_array().map(Vec::len), Some(25));
    assert_eq!(
        admin(
            "seed-pipeline",
            r#"{"project":"acme/widgets","sha":"abc","ref":"main","id":8}"#
        )
        .status,
        201
    );

    let notes = format!("{base}/api/v4/projects/acme%2Fwidgets/merge_requests/4/notes");
    let wrong = send(&a, "GET", &notes, &[("private-token", "nope")], None);
    assert_eq!(wrong.status, 401);
    let page = send(
        &a,
        "GET",
        &format!("{notes}?page=2"),
        &[("job-token", "job-c")],
        None,
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-total"), Some("25"));
    assert_eq!(page.json().as_array().map(Vec::len), Some(5));
    let status = send(
        &a,
        "POST",
        &format!("{base}/api/v4/projects/31/statuses/abc"),
        &[("private-token", "glpat-c")],
        Some(br#"{"state":"running","name":"testrelay"}"#),
    );
    assert_eq!(status.status, 201);
    assert_eq!(status.json()["pipeline_id"], 8);

    let config = admin("config", r#"{"token":null,"read_only":true}"#);
    assert_eq!(config.json()["token_required"], false);
    assert_eq!(config.json()["read_only"], true);
    let denied = send(
        &a,
        "POST",
        &notes,
        &[("private-token", "anything")],
        Some(br#"{"body":"hi"}"#),
    );
    assert_eq!(denied.status, 403);

    let state = send(&a, "GET", &format!("{base}/_sim/gitlab/state"), &[], None).json();
    assert_eq!(state["projects"][0]["id"], 31);
    assert_eq!(
        state["merge_requests"][0]["notes"].as_array().map(Vec::len),
        Some(25)
    );
    assert_eq!(state["statuses"][0]["status"], "running");
    let recorded = send(&a, "GET", &format!("{base}/_sim/requests"), &[], None).json();
    assert_eq!(recorded.as_array().map(Vec::len), Some(4));

    let stop = send(&a, "POST", &format!("{base}/_sim/shutdown"), &[], None);
    assert_eq!(stop.status, 200);
    assert_eq!(wait_exit(&mut running), Some(0));
}
