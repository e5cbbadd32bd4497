//! Fault-injection soak: runs of 10,000 cases reported by the CLI to the
//! GitHub simulator while it answers 30% of requests with 502, some with
//! 429 and `Retry-After`, drops connections and stalls; every other run is
//! killed with SIGKILL at a point of its own, and `flush` completes what is
//! left. Then: every run closed, no duplicate check run, comment or status
//! state, every case of every finished run in the history, and no process
//! past its watchdog.
//!
//! Bounded: `TESTRELAY_SOAK_RUNS` runs (default 4) of
//! `TESTRELAY_SOAK_CASES` cases (default 10,000); `scripts/soak.sh` runs a
//! longer one. Deterministic: the faults draw from seeded generators and
//! the kill points are fixed per run.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testrelay::history::History;
use testrelay_ci_sim::{Fault, SimOptions, Simulator};

const TOKEN: &str = "ghs_soak_token_271828";
const WATCHDOG: Duration = Duration::from_secs(240);

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn junit(path: &Path, cases: usize) {
    let mut xml = format!(r#"<testsuite name="soak" tests="{cases}">"#);
    for i in 0..cases {
        if i % 20 == 0 {
            xml.push_str(&format!(
                r#"<testcase classname="soak.c{}" name="t{i}" file="src/t.rs" line="{}"><failure message="expected {i}"/></testcase>"#,
                i % 7,
                i % 90 + 1
            ));
        } else {
            xml.push_str(&format!(
                r#"<testcase classname="soak.c{}" name="t{i}" time="0.001"/>"#,
                i % 7
            ));
        }
    }
    xml.push_str("</testsuite>");
    std::fs::write(path, xml).unwrap();
}

fn sha(i: usize) -> String {
    format!("{i:040x}")
}

fn config(sim: &Simulator, dir: &Path, i: usize) -> std::path::PathBuf {
    let path = dir.join(format!("config-{i}.json"));
    let json = serde_json::json!({
        "provider": "github",
        "api_url": sim.url(),
        "repository": "octo/soak",
        "commit_sha": sha(i),
        "pr_number": 100 + i,
        "test_run_id": format!("soak-{i}"),
        "output_dir": dir.join(format!("out-{i}")),
        "history_path": dir.join("history.db"),
        "retry": { "max_attempts": 8, "initial_backoff_ms": 5, "max_backoff_ms": 100 },
        "timeouts": { "connect_secs": 5, "read_secs": 10, "request_secs": 15, "finish_secs": 60 },
    });
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

fn spawn(args: &[&str], config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TESTRELAY_API_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child`, killing it with SIGKILL at `kill_after` if given.
/// Fails when it outlives the watchdog. Returns whether it was killed.
fn wait(mut child: Child, kill_after: Option<Duration>, what: &str) -> bool {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains(TOKEN), "{what}: {stderr}");
            return false;
        }
        if kill_after.is_some_and(|k| start.elapsed() >= k) {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        assert!(
            start.elapsed() < WATCHDOG,
            "{what} was still running after {WATCHDOG:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// How long a stalled request is held by the simulator.
const STALL: Duration = Duration::from_millis(1500);

#[test]
fn faults_and_kills_lose_nothing_and_duplicate_nothing() {
    let runs = count("TESTRELAY_SOAK_RUNS", 4);
    let cases = count("TESTRELAY_SOAK_CASES", 10_000);
    let sim = Simulator::start_with(SimOptions {
        handler_threads: 8,
        ..SimOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    junit(&file, cases);
    let arm = |sim: &Simulator| {
        sim.inject(Fault::status(502, "bad gateway", &[]).share(0.3, 11));
        sim.inject(
            Fault::status(429, r#"{"message":"slow down"}"#, &[("retry-after", "1")])
                .share(0.05, 12),
        );
        sim.inject(Fault::drop_connection().share(0.05, 13));
        sim.inject(Fault::delay(STALL).share(0.02, 14));
    };
    arm(&sim);
    let mut killed = vec![false; runs];
    for (i, was_killed) in killed.iter_mut().enumerate() {
        let config = config(&sim, dir.path(), i);
        let kill_after = (i % 2 == 1).then(|| Duration::from_millis(150 + (i as u64 * 397) % 1300));
        let child = spawn(&["report", file.to_str().unwrap()], &config);
        *was_killed = wait(child, kill_after, &format!("report {i}"));
        if *was_killed {
            // A request the killed process had sent may still be held by a
            // stall: the server acts on it after the client is gone. Let it
            // land before another process looks for what it made; a lookup
            // racing a create still in flight can find nothing (no API here
            // takes an idempotency key), which this test is not about.
            std::thread::sleep(STALL + Duration::from_millis(500));
        }
    }
    // Flush while the faults go on, then once more after they stop.
    let flush_config = config(&sim, dir.path(), 0);
    for round in 0..3 {
        let child = spawn(&["flush", "--force"], &flush_config);
        wait(child, None, &format!("flush {round}"));
    }
    sim.clear_faults();
    let child = spawn(&["flush", "--force"], &flush_config);
    wait(child, None, "final flush");

    let history = History::open(&dir.path().join("history.db")).unwrap();
    assert!(
        history.outbox_pending(None).unwrap().is_empty(),
        "outbox empty"
    );
    let gh = sim.github();
    for (i, was_killed) in killed.iter().enumerate() {
        let key = format!("soak-{i}");
        let runs: Vec<_> = gh
            .check_runs
            .iter()
            .filter(|c| c.external_id.as_deref() == Some(&key))
            .collect();
        let stored = history.run_cases(&key).unwrap_or_default();
        if runs.is_empty() && *was_killed && stored.is_empty() {
            // Killed before the run began: nothing was recorded, nothing owed.
            continue;
        }
        assert_eq!(runs.len(), 1, "one check run for {key}");
        assert_eq!(runs[0].status, "completed", "{key} closed");
        let comments = gh.comments.iter().filter(|c| c.issue == 100 + i as u64);
        assert_eq!(comments.count(), 1, "one comment for {key}");
        let states: Vec<&str> = gh
            .statuses
            .iter()
            .filter(|s| s.sha == sha(i))
            .map(|s| s.state.as_str())
            .collect();
        assert!(!states.is_empty(), "a status for {key}");
        assert!(
            states.iter().all(|s| *s == states[0]),
            "{key}: one final state, {states:?}"
        );
        eprintln!(
            "{key}: killed {was_killed}, {} cases stored, {} statuses, conclusion {:?}",
            stored.len(),
            states.len(),
            runs[0].conclusion
        );
        if !was_killed {
            assert_eq!(states.len(), 1, "{key}: one status");
            assert_eq!(stored.len(), cases, "{key}: every case in the history");
            assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
        }
    }
    assert!(killed.iter().any(|k| *k) || runs < 2, "some run was killed");
}
