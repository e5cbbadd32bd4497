//! Eight processes write one history file at the same time; every row must
//! arrive and no process may see SQLITE_BUSY.
//!
//! The writers are this test binary itself, started again with
//! `child_writer --exact` and environment variables naming the file and the
//! writer's index; without those variables `child_writer` does nothing.

mod history_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use history_support::{passing_run, record};
use rusqlite::Connection;
use testrelay::history::{History, HistoryFilter};
use testrelay::{CaseStatus, Metric, RunStatus};

const CHILD_DB: &str = "TESTRELAY_HISTORY_CHILD_DB";
const CHILD_INDEX: &str = "TESTRELAY_HISTORY_CHILD_INDEX";
const PROCESSES: usize = 8;
const RUNS: usize = 50;
const CASES: usize = 200;

fn run_key(process: usize, run: usize) -> String {
    format!("p{process}-r{run}")
}

/// One writer: `RUNS` runs of `CASES` cases (case 0 failed), one metric
/// each from the run and one recorded separately. Even writers use
/// `record_run`; odd writers use the incremental API in batches of 50.
#[test]
fn child_writer() {
    let (Ok(db), Ok(index)) = (std::env::var(CHILD_DB), std::env::var(CHILD_INDEX)) else {
        return;
    };
    let index: usize = index.parse().expect("writer index");
    let mut history = History::open(Path::new(&db)).expect("child: open");
    for r in 0..RUNS {
        let key = run_key(index, r);
        let mut run = passing_run(&key, CASES);
        run.cases[0].status = CaseStatus::Failed;
        run.metrics.push(Metric {
            name: "cases_per_s".into(),
            value: r as f64,
            ..Metric::default()
        });
        let mut meta = record(&key, "refs/heads/main", (index * RUNS + r) as i64);
        meta.status = RunStatus::Failed;
        if index % 2 == 0 {
            history.record_run(&meta, &run).expect("child: record_run");
        } else {
            let started = testrelay::history::RunRecord {
                status: RunStatus::Running,
                ..meta.clone()
            };
            history.begin_run(&started).expect("child: begin_run");
            for chunk in run.cases.chunks(50) {
                history.append_cases(&key, chunk).expect("child: append");
            }
            history
                .record_performance_metric(&key, None, "cases_per_s", r as f64, "")
                .expect("child: metric");
            history
                .complete_run(&key, RunStatus::Failed, meta.finished_at_ms, 1.0)
                .expect("child: complete_run");
        }
        history
            .record_performance_metric(&key, Some(&run.cases[1].id), "rss", 1.0, "MB")
            .expect("child: second metric");
    }
}

#[test]
fn eight_processes_write_one_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Not created beforehand: the writers also race to create the schema.
    let db = dir.path().join("shared/history.db");
    let exe = std::env::current_exe().expect("test binary path");
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_DB, &db)
                .env(CHILD_INDEX, i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn writer")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait for writer");
        assert!(
            out.status.success(),
            "writer {i} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The child really ran the writer (and not zero tests).
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("test child_writer ... ok"),
            "writer {i}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    let total_runs = (PROCESSES * RUNS) as i64;
    let conn = Connection::open(&db).expect("open for counting");
    let scalar = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(scalar("SELECT count(*) FROM test_runs"), total_runs);
    assert_eq!(
        scalar("SELECT count(*) FROM test_tasks"),
        total_runs * CASES as i64
    );
    assert_eq!(
        scalar("SELECT count(*) FROM performance_metrics"),
        total_runs * 2
    );
    assert_eq!(
        scalar("SELECT count(*) FROM performance_metrics WHERE task_id IS NOT NULL"),
        total_runs
    );
    assert_eq!(
        scalar("SELECT sum(total_tasks) FROM test_runs"),
        total_runs * CASES as i64
    );
    assert_eq!(
        scalar("SELECT sum(failed_tasks) FROM test_runs"),
        total_runs
    );
    assert_eq!(
        scalar("SELECT count(*) FROM test_runs WHERE status = 'failed' AND branch = 'main'"),
        total_runs
    );
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
    drop(conn);

    let history = History::open(&db).expect("open");
    let stored: BTreeSet<String> = history
        .get_test_history(&HistoryFilter::default())
        .expect("history")
        .into_iter()
        .map(|r| {
            assert_eq!(r.counts.total, CASES as u64, "{}", r.run.run_key);
            r.run.run_key
        })
        .collect();
    let expected: BTreeSet<String> = (0..PROCESSES)
        .flat_map(|p| (0..RUNS).map(move |r| run_key(p, r)))
        .collect();
    assert_eq!(stored, expected);
}
