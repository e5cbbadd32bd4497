//! `testrelay report --provider github` as a user runs it, with the token,
//! repository and API URL taken from the environment and the API pointed at
//! the local simulator: inside a GitHub Actions job (an environment the test
//! builds), and outside one with the `TESTRELAY_*` variables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testrelay_ci_sim::{Fault, Simulator};

const TOKEN: &str = "ghs_cli_end_to_end_token_7311";
const HEAD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/junit")
        .join(name)
}

/// The CLI with an environment holding nothing of the machine's CI.
fn testrelay(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .arg("--output-dir")
        .arg(dir.join("out"))
        .arg("--history")
        .arg(dir.join("history.db"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn inside_actions_report_creates_check_run_status_comment_and_summary() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        format!(
            r#"{{"number":7,"pull_request":{{"number":7,"head":{{"sha":"{HEAD_SHA}","ref":"feature"}},"base":{{"ref":"main"}}}}}}"#
        ),
    )
    .unwrap();
    let summary = dir.path().join("step_summary.md");
    let env = [
        ("CI", "true".to_string()),
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_REPOSITORY", "octo/app".into()),
        ("GITHUB_TOKEN", TOKEN.into()),
        ("GITHUB_API_URL", sim.url()),
        ("GITHUB_SERVER_URL", "https://github.example".into()),
        (
            "GITHUB_SHA",
            "ffffffffffffffffffffffffffffffffffffffff".into(),
        ),
        ("GITHUB_EVENT_NAME", "pull_request".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_REF", "refs/pull/7/merge".into()),
        ("GITHUB_HEAD_REF", "feature".into()),
        ("GITHUB_BASE_REF", "main".into()),
        ("GITHUB_RUN_ID", "4242".into()),
        ("GITHUB_RUN_ATTEMPT", "1".into()),
        ("GITHUB_JOB", "test".into()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ("TESTRELAY_LOG", "trace".into()),
    ];
    // One 502 first, so the log has a retry to tell.
    sim.inject(Fault::status(502, "bad gateway", &[]).times(1));
    let file = fixture("pytest-xunit1.xml");
    let out = testrelay(
        dir.path(),
        &["report", "--provider", "github", file.to_str().unwrap()],
        &env,
    );
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    // Exit 1: the fixture has failing tests; everything was delivered.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    let gh = sim.github();
    assert_eq!(gh.check_runs.len(), 1, "{gh:?}");
    let check = &gh.check_runs[0];
    assert_eq!((check.owner.as_str(), check.repo.as_str()), ("octo", "app"));
    assert_eq!(
        check.head_sha, HEAD_SHA,
        "the PR head, not the merge commit"
    );
    assert_eq!(check.status, "completed");
    assert_eq!(check.conclusion.as_deref(), Some("failure"));
    assert_eq!(
        check.annotations.len(),
        3,
        "one annotation per failure or error: {check:?}"
    );
    assert_eq!(check.annotations[0].path, "test_sample.py");
    assert_eq!(check.annotations[0].start_line, 14);

    assert_eq!(gh.statuses.len(), 1, "{:?}", gh.statuses);
    assert_eq!(gh.statuses[0].sha, HEAD_SHA);
    assert_eq!(gh.statuses[0].state, "failure");

    assert_eq!(gh.comments.len(), 1, "{:?}", gh.comments);
    assert_eq!(gh.comments[0].issue, 7);
    assert!(gh.comments[0].body.contains("<!-- testrelay"), "marked");

    let body = check.output.summary.as_deref().unwrap_or_default();
    assert!(
        body.contains("(https://github.example/octo/app/actions/runs/4242)"),
        "links the build page, never a local path: {body}"
    );
    assert!(!body.contains(&dir.path().display().to_string()), "{body}");

    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(appended.contains("failed"), "{appended}");
    assert!(
        stdout.lines().filter(|l| l.starts_with("::error ")).count() >= 1,
        "workflow commands for the failures: {stdout}"
    );

    assert!(stderr.contains("will be retried"), "trace log: {stderr}");
    // Every request carried the token, and no output or log line shows it.
    assert!(sim.requests().iter().all(|r| {
        r.headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.contains(TOKEN))
    }));
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

#[test]
fn outside_ci_the_testrelay_variables_configure_github() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("GH_TOKEN", TOKEN.to_string()),
        ("TESTRELAY_API_URL", sim.url()),
        ("TESTRELAY_REPOSITORY", "octo/lib".into()),
        ("TESTRELAY_COMMIT_SHA", HEAD_SHA.into()),
        ("TESTRELAY_PR_NUMBER", "12".into()),
    ];
    let file = fixture("nextest.xml");
    let out = testrelay(
        dir.path(),
        &["report", "--provider", "github", file.to_str().unwrap()],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let gh = sim.github();
    assert_eq!(gh.check_runs.len(), 1);
    assert_eq!(gh.check_runs[0].repo, "lib");
    assert_eq!(gh.check_runs[0].head_sha, HEAD_SHA);
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.comments.len(), 1);
    assert_eq!(gh.comments[0].issue, 12);
}

#[test]
fn without_a_token_github_is_a_clear_configuration_error() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("TESTRELAY_API_URL", sim.url()),
        ("TESTRELAY_REPOSITORY", "octo/lib".into()),
        ("TESTRELAY_COMMIT_SHA", HEAD_SHA.into()),
    ];
    let file = fixture("nextest.xml");
    let out = testrelay(
        dir.path(),
        &["report", "--provider", "github", file.to_str().unwrap()],
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "a usage/configuration error");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("token"), "{stderr}");
    assert!(sim.requests().is_empty(), "nothing sent without a token");
}

/// A stand-in proxy: records the first line of every connection, answers 502.
fn fake_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut line = String::new();
            let _ = std::io::BufReader::new(&stream).read_line(&mut line);
            log.lock().unwrap().push(line.trim().to_string());
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, seen)
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let sim = Simulator::start().unwrap();
    let (proxy, seen) = fake_proxy();
    let file = fixture("nextest.xml");
    let run = |no_proxy: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"retry": {"max_attempts": 1}}"#).unwrap();
        let mut env = vec![
            ("GH_TOKEN", TOKEN.to_string()),
            ("HTTPS_PROXY", proxy.clone()),
            ("TESTRELAY_API_URL", sim.url()),
            ("TESTRELAY_REPOSITORY", "octo/lib".into()),
            ("TESTRELAY_COMMIT_SHA", HEAD_SHA.into()),
        ];
        if let Some(hosts) = no_proxy {
            env.push(("NO_PROXY", hosts.to_string()));
        }
        let args = [
            "report",
            "--provider",
            "github",
            "--config",
            config.to_str().unwrap(),
            file.to_str().unwrap(),
        ];
        testrelay(dir.path(), &args, &env)
    };

    run(None);
    let through_proxy = seen.lock().unwrap().clone();
    assert!(!through_proxy.is_empty(), "HTTPS_PROXY was not used");
    assert!(
        through_proxy[0].contains(&format!("127.0.0.1:{}", sim.port())),
        "the proxy was asked for the API host: {through_proxy:?}"
    );
    assert!(sim.requests().is_empty(), "nothing bypassed the proxy");

    seen.lock().unwrap().clear();
    run(Some("localhost,127.0.0.1"));
    assert!(
        seen.lock().unwrap().is_empty(),
        "NO_PROXY host went to the proxy"
    );
    assert_eq!(sim.github().check_runs.len(), 1);
}
