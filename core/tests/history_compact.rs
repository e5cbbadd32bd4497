//! `History::compact` on a real SQLite file: it deletes exactly the cases
//! and file durations outside the policy, and flaky scores, splits, trends,
//! the diff of the latest run and the run list read the same before and
//! after.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use testrelay::analysis::trends::{Grouping, Timeframe};
use testrelay::history::{CompactPolicy, DurationKey, History, HistoryFilter};
use testrelay::time::format_rfc3339;
use testrelay::{CaseStatus, Metric, TestRun};

mod history_support;

const HOUR_MS: i64 = 3_600_000;
const START_MS: i64 = 1_767_225_600_000;
const RUNS: usize = 40;
const TESTS: usize = 20;

/// Whether test `j` is in run `i`, and how it went: tests 10.. run only in
/// every other run (as in a sharded suite); some fail, some are skipped.
fn outcome(i: usize, j: usize) -> Option<CaseStatus> {
    if j >= 10 && i % 2 != j % 2 {
        return None;
    }
    Some(if (i * 7 + j * 3) % 11 == 0 {
        CaseStatus::Failed
    } else if (i + j) % 9 == 0 {
        CaseStatus::Skipped
    } else {
        CaseStatus::Passed
    })
}

fn branch(i: usize) -> &'static str {
    if i % 3 == 0 { "feature" } else { "main" }
}

/// Run `i` starts `i` hours after `START_MS`.
fn started(i: usize) -> i64 {
    START_MS + i as i64 * HOUR_MS
}

/// Records the 40 runs, each with a run-level metric and a metric of test 0.
fn build(path: &Path) -> History {
    let mut h = History::open(path).unwrap();
    for i in 0..RUNS {
        let key = format!("run-{i:02}");
        let cases: Vec<_> = (0..TESTS)
            .filter_map(|j| {
                outcome(i, j)
                    .map(|s| history_support::case(j, s, 0.1 * j as f64 + 0.01 * (i % 5) as f64))
            })
            .collect();
        let test0 = cases[0].id.clone();
        let at = format_rfc3339(started(i) + 500);
        let metric = |name: &str, value: f64, test_id: Option<String>| Metric {
            name: name.into(),
            value,
            unit: "ms".into(),
            test_id,
            recorded_at: at.clone(),
        };
        let run = TestRun {
            run_key: key.clone(),
            cases,
            metrics: vec![
                metric("build_time", 100.0 + (i % 7) as f64, None),
                metric("frame_time", 10.0 + (i % 4) as f64, Some(test0)),
            ],
            ..TestRun::default()
        };
        let meta = history_support::record(&key, branch(i), started(i));
        h.record_run(&meta, &run).unwrap();
    }
    h
}

/// Everything the analyses answer, as JSON, for windows up to `keep_runs`.
fn answers(h: &History, keep_runs: usize, branches: bool) -> BTreeMap<String, Value> {
    let now = started(RUNS);
    let mut out = BTreeMap::new();
    let mut put = |name: String, v: Value| {
        out.insert(name, v);
    };
    let ids: Vec<String> = (0..TESTS + 2)
        .map(|j| history_support::case(j, CaseStatus::Passed, 0.0).id)
        .collect();
    let files: Vec<String> = (0..8).map(|k| format!("src/mod{k}.rs")).collect();
    for window in 1..=keep_runs {
        let flaky = h.flaky_tests(window, None).unwrap();
        put(
            format!("flaky {window}"),
            serde_json::to_value(flaky).unwrap(),
        );
        if branches {
            for b in ["main", "feature"] {
                let flaky = h.flaky_tests(window, Some(b)).unwrap();
                put(
                    format!("flaky {window} {b}"),
                    serde_json::to_value(flaky).unwrap(),
                );
            }
        }
        for shards in [2, 3] {
            for index in 0..shards {
                let by_id = h
                    .split_tests(&ids, DurationKey::TestId, index, shards, window)
                    .unwrap();
                let by_file = h
                    .split_tests(&files, DurationKey::File, index, shards, window)
                    .unwrap();
                put(format!("split id {window} {index}/{shards}"), by_id.into());
                put(
                    format!("split file {window} {index}/{shards}"),
                    by_file.into(),
                );
            }
        }
        let durations = h.durations(DurationKey::TestId, &ids, window).unwrap();
        put(
            format!("durations {window}"),
            serde_json::to_value(durations).unwrap(),
        );
    }
    for metric in ["build_time", "frame_time"] {
        for grouping in [
            Grouping::Branch,
            Grouping::Commit,
            Grouping::TaskType,
            Grouping::Test,
        ] {
            for timeframe in [Timeframe::Day, Timeframe::All] {
                let report = h
                    .analyze_performance_trends(metric, grouping, timeframe, None, now)
                    .unwrap();
                put(
                    format!("trends {metric} {grouping:?} {timeframe:?}"),
                    serde_json::to_value(report).unwrap(),
                );
            }
        }
    }
    let latest = format!("run-{:02}", RUNS - 1);
    let diff = h.diff_against_previous(&latest).unwrap();
    put("diff".into(), serde_json::to_value(diff).unwrap());
    let runs = h.get_test_history(&HistoryFilter::default()).unwrap();
    put("runs".into(), serde_json::to_value(runs).unwrap());
    out
}

/// The cases the policy keeps, worked out from `outcome` rather than SQL:
/// per test its last `keep_runs` runs, its last `keep_runs` runs where it
/// was not skipped, every case of a metric (test 0's), and runs from
/// `since` on.
fn expected_cases(keep_runs: usize, since: usize) -> usize {
    let mut kept = BTreeSet::new();
    for j in 0..TESTS {
        let runs: Vec<usize> = (0..RUNS)
            .rev()
            .filter(|&i| outcome(i, j).is_some())
            .collect();
        kept.extend(runs.iter().take(keep_runs).map(|&i| (i, j)));
        let ran = runs
            .iter()
            .filter(|&&i| outcome(i, j) != Some(CaseStatus::Skipped));
        kept.extend(ran.take(keep_runs).map(|&i| (i, j)));
        kept.extend(
            runs.iter()
                .filter(|&&i| i >= since || j == 0)
                .map(|&i| (i, j)),
        );
    }
    kept.len()
}

fn count(path: &Path, table: &str) -> usize {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as usize
}

#[test]
fn compaction_keeps_what_the_analyses_read() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.db");
    let mut h = build(&path);
    let total = count(&path, "test_tasks");
    let files = count(&path, "run_files");
    let keep_runs = 6;
    let before = answers(&h, keep_runs, false);
    let wide = |h: &History| {
        h.durations(DurationKey::File, &["src/mod1.rs"], 20)
            .unwrap()
    };
    let wide_before = wide(&h);
    let policy = CompactPolicy {
        keep_runs,
        keep_days: 0,
    };
    let stats = h.compact(&policy, started(RUNS)).unwrap();
    let kept = expected_cases(keep_runs, RUNS);
    assert!(kept < total / 2, "{kept} of {total}");
    assert_eq!(count(&path, "test_tasks"), kept);
    assert_eq!(stats.cases as usize, total - kept);
    // Each of the 7 files keeps its last 6 runs.
    assert_eq!(count(&path, "run_files"), 7 * keep_runs);
    assert_eq!(stats.file_durations as usize, files - 7 * keep_runs);
    assert_eq!(count(&path, "test_runs"), RUNS);
    assert_eq!(count(&path, "performance_metrics"), 2 * RUNS);
    assert!(stats.bytes_after < stats.bytes_before, "{stats:?}");
    assert_eq!(
        stats.bytes_after,
        std::fs::metadata(&path).unwrap().len(),
        "the write-ahead log is empty after compaction"
    );
    let after = answers(&h, keep_runs, false);
    for (name, value) in &before {
        assert_eq!(&after[name], value, "{name}");
    }
    // A window wider than what was kept does see less.
    assert_eq!(wide_before["src/mod1.rs"].len(), 20);
    assert_eq!(wide(&h)["src/mod1.rs"].len(), keep_runs);
    // Compacting again deletes nothing; the file stays a usable history.
    let again = h.compact(&policy, started(RUNS)).unwrap();
    assert_eq!((again.cases, again.file_durations), (0, 0));
    drop(h);
    let reopened = History::open(&path).unwrap();
    assert_eq!(answers(&reopened, keep_runs, false), before);
}

#[test]
fn recent_days_stay_whole_so_branch_filters_read_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.db");
    let mut h = build(&path);
    // A day before the 40th hour: runs 16.. stay whole, which holds every
    // test's last 4 runs on each branch.
    let keep_runs = 4;
    let before = answers(&h, keep_runs, true);
    let policy = CompactPolicy {
        keep_runs,
        keep_days: 1,
    };
    h.compact(&policy, started(RUNS)).unwrap();
    assert_eq!(count(&path, "test_tasks"), expected_cases(keep_runs, 16));
    let after = answers(&h, keep_runs, true);
    for (name, value) in &before {
        assert_eq!(&after[name], value, "{name}");
    }
}

#[test]
fn keeping_no_runs_is_refused_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("history.db");
    let mut h = build(&path);
    let total = count(&path, "test_tasks");
    let policy = CompactPolicy {
        keep_runs: 0,
        keep_days: 30,
    };
    let err = h.compact(&policy, started(RUNS)).unwrap_err();
    assert_eq!(err.kind(), testrelay::ErrorKind::InvalidArgument);
    assert!(err.message().contains("at least 1"), "{err}");
    assert_eq!(count(&path, "test_tasks"), total);
}
