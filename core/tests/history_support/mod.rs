//! Builders shared by the history tests and the history bench.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use testrelay::history::RunRecord;
use testrelay::{CaseStatus, RunStatus, TestCase, TestRun};

/// Case `i` of a synthetic suite: `pkg.Class{i % 10}.test_{i}` in
/// `src/mod{i % 7}.rs`, with the given status and duration.
pub fn case(i: usize, status: CaseStatus, duration_seconds: f64) -> TestCase {
    let mut case = TestCase {
        suite: "suite".into(),
        classname: format!("pkg.Class{}", i % 10),
        name: format!("test_{i}"),
        file: Some(format!("src/mod{}.rs", i % 7)),
        status,
        duration_seconds,
        ..TestCase::default()
    };
    case.ensure_id();
    case
}

/// A finished run record on `branch`, started at `started_at_ms`.
pub fn record(run_key: &str, branch: &str, started_at_ms: i64) -> RunRecord {
    RunRecord {
        run_key: run_key.into(),
        name: format!("run {run_key}"),
        provider: "local".into(),
        branch: Some(branch.into()),
        commit_sha: Some(format!("sha-{run_key}")),
        status: RunStatus::Passed,
        started_at_ms: Some(started_at_ms),
        finished_at_ms: Some(started_at_ms + 1_000),
        duration_seconds: 1.0,
        ..RunRecord::default()
    }
}

/// A run of `n` passing cases (`case(0..n)`, durations 0.001 * i).
pub fn passing_run(run_key: &str, n: usize) -> TestRun {
    TestRun {
        run_key: run_key.into(),
        cases: (0..n)
            .map(|i| case(i, CaseStatus::Passed, 0.001 * i as f64))
            .collect(),
        ..TestRun::default()
    }
}

/// The history benches' run: `n` cases of [`passing_run`], one in a
/// hundred failed with a message, like a bad day; on branch `main`.
pub fn bench_run(run_key: &str, n: usize) -> (RunRecord, TestRun) {
    let mut run = passing_run(run_key, n);
    for case in run.cases.iter_mut().step_by(100) {
        case.status = CaseStatus::Failed;
        case.message = Some("assertion failed: left == right".into());
    }
    (record(run_key, "main", 1_767_225_600_000), run)
}
