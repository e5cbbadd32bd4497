//! A GitHub session killed mid-run (SIGKILL) is completed by
//! `testrelay flush` from the history's outbox: the check run the dead
//! process created is closed, not duplicated, and exactly one comment and
//! one final status are posted.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use testrelay::detect::Env;
use testrelay::history::History;
use testrelay::{CaseStatus, Config, Reporter, Secret, TestCase};
use testrelay_ci_sim::Simulator;

const TOKEN: &str = "ghs_sigkill_recovery_token_5150";

fn config(api_url: String, dir: &Path) -> Config {
    Config {
        provider: "github".into(),
        api_url: Some(api_url),
        api_token: Some(Secret::new(TOKEN)),
        repository: Some("octo/app".into()),
        commit_sha: Some("abc123".into()),
        pr_number: Some(7),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        update_interval_secs: 0,
        ..Config::default()
    }
}

fn case(i: usize, status: CaseStatus) -> TestCase {
    let mut c = TestCase::new("suite", "gpu", format!("case_{i}"), status);
    c.file = Some("src/gpu.rs".into());
    c.line = Some(1 + i as u32 % 100);
    c
}

/// Child mode: a GitHub session that has created its check run and stored
/// 600 cases, then keeps recording failures until it is killed.
#[test]
fn child_reports_to_github_until_killed() {
    let (Ok(dir), Ok(url)) = (
        std::env::var("TESTRELAY_CHILD_DIR"),
        std::env::var("TESTRELAY_CHILD_API"),
    ) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let reporter = Reporter::builder(config(url, &dir))
        .env(Env::new())
        .start()
        .unwrap();
    for i in 0..500 {
        reporter.record(case(i, CaseStatus::Passed)).unwrap();
    }
    for i in 500..600 {
        reporter.record(case(i, CaseStatus::Failed)).unwrap();
    }
    reporter.sync(Duration::from_secs(60)).unwrap();
    println!("SYNCED {}", reporter.run_key());
    let mut i = 600;
    loop {
        reporter.record(case(i, CaseStatus::Failed)).unwrap();
        i += 1;
        if i % 50 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn flush(dir: &Path, api_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .env_clear()
        .env("TESTRELAY_API_URL", api_url)
        .env("TESTRELAY_API_TOKEN", TOKEN)
        .args(["flush", "--json", "--output-dir"])
        .arg(dir.join("out"))
        .arg("--history")
        .arg(dir.join("history.db"))
        .output()
        .unwrap()
}

#[test]
fn flush_after_sigkill_closes_the_same_check_run_and_comments_once() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_reports_to_github_until_killed",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("TESTRELAY_CHILD_DIR", dir.path())
        .env("TESTRELAY_CHILD_API", sim.url())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let run_key = std::io::BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .find_map(|line| {
            line.split_once("SYNCED ")
                .map(|(_, k)| k.trim().to_string())
        })
        .expect("child never synced");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let before = sim.github();
    assert_eq!(
        before.check_runs.len(),
        1,
        "the child created its check run"
    );
    assert_eq!(before.check_runs[0].status, "in_progress");
    assert!(before.comments.is_empty());

    let out = flush(dir.path(), &sim.url());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["runs"][0]["run_key"], run_key.as_str(), "{report}");
    assert_eq!(report["runs"][0]["abandoned"], true);

    let history = History::open(&dir.path().join("history.db")).unwrap();
    let stored = history.run_cases(&run_key).unwrap();
    let failed = stored
        .iter()
        .filter(|c| c.status == CaseStatus::Failed)
        .count();
    assert!(stored.len() >= 600, "{}", stored.len());
    assert!(failed >= 100, "{failed}");
    assert!(history.outbox_pending(None).unwrap().is_empty());

    let gh = sim.github();
    assert_eq!(gh.check_runs.len(), 1, "no second check run: {gh:?}");
    let check = &gh.check_runs[0];
    assert_eq!(check.external_id.as_deref(), Some(run_key.as_str()));
    assert_eq!(check.status, "completed");
    // The dead run closes as `error`, which a check run shows as a failure.
    assert_eq!(check.conclusion.as_deref(), Some("failure"));
    let title = check.output.title.as_deref().unwrap_or_default();
    assert!(
        title.contains(&format!("{failed} failed")),
        "the closed run counts every stored case: {title}"
    );
    assert_eq!(gh.comments.len(), 1, "{:?}", gh.comments);
    assert_eq!(gh.comments[0].issue, 7);
    let finals: Vec<_> = gh
        .statuses
        .iter()
        .filter(|s| s.state != "pending")
        .collect();
    assert_eq!(finals.len(), 1, "{:?}", gh.statuses);
    assert_eq!(finals[0].state, "error");

    // A second flush finds nothing to do and sends nothing.
    let requests = sim.requests().len();
    let again = flush(dir.path(), &sim.url());
    assert!(again.status.success());
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["runs"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(sim.requests().len(), requests);
}
