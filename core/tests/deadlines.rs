//! Every wait has a deadline: a process whose CI answers `Retry-After:
//! 86400`, or does not answer at all, still ends after its finish timeout,
//! and `flush` after `timeouts.finish_secs`, with what was not delivered
//! kept in the outbox. The tests give each process a watchdog far above
//! its timeout and fail if it is still running then; they assert no
//! duration.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testrelay::history::History;
use testrelay_ci_sim::{Fault, SimOptions, Simulator};

const TOKEN: &str = "ghs_deadline_token_5150";
const WATCHDOG: Duration = Duration::from_secs(180);

fn config_file(dir: &Path, finish_secs: u64) -> std::path::PathBuf {
    let path = dir.join("config.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"provider": "github", "repository": "octo/app", "commit_sha": "abc123",
                "output_dir": "{out}", "history_path": "{db}",
                "timeouts": {{"connect_secs": 10, "read_secs": 600, "request_secs": 600,
                              "finish_secs": {finish_secs}}}}}"#,
            out = dir.join("out").display(),
            db = dir.join("history.db").display(),
        ),
    )
    .unwrap();
    path
}

fn testrelay(sim: &Simulator, dir: &Path, args: &[&str], finish_secs: u64) -> Child {
    let junit = dir.join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>"#,
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(args)
        .arg("--config")
        .arg(config_file(dir, finish_secs))
        .args(if args[0] == "report" {
            vec![junit.display().to_string()]
        } else {
            vec![]
        })
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TESTRELAY_API_URL", sim.url())
        .env("TESTRELAY_API_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` up to the watchdog; kills it and fails past that.
fn ends(mut child: Child, what: &str) -> String {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!("{what} was still running after {WATCHDOG:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn pending(dir: &Path) -> usize {
    History::open(&dir.join("history.db"))
        .unwrap()
        .outbox_pending(None)
        .unwrap()
        .len()
}

#[test]
fn a_day_long_retry_after_does_not_hold_report_or_flush() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.inject(Fault::status(429, "{}", &[("retry-after", "86400")]).share(1.0, 7));
    let text = ends(testrelay(&sim, dir.path(), &["report"], 5), "report");
    assert!(text.contains("deadline"), "{text}");
    assert!(!text.contains(TOKEN));
    assert!(pending(dir.path()) > 0, "what was not delivered is kept");
    let text = ends(
        testrelay(&sim, dir.path(), &["flush", "--force"], 5),
        "flush",
    );
    assert!(!text.contains(TOKEN), "{text}");
    assert!(pending(dir.path()) > 0);
    // Once the CI answers again, flush delivers the rest.
    sim.clear_faults();
    ends(
        testrelay(&sim, dir.path(), &["flush", "--force"], 30),
        "flush",
    );
    assert_eq!(pending(dir.path()), 0);
    assert_eq!(sim.github().check_runs.len(), 1);
}

#[test]
fn a_silent_server_does_not_hold_the_process() {
    let sim = Simulator::start_with(SimOptions {
        handler_threads: 8,
        ..SimOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Every request is held for ten minutes; the request limits allow it.
    sim.inject(Fault::delay(Duration::from_secs(600)).share(1.0, 7));
    let text = ends(testrelay(&sim, dir.path(), &["report"], 4), "report");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(pending(dir.path()) > 0);
}
