//! The history store against real SQLite files in temp dirs: opening and
//! refusing files, recording, every query, prune and merge.

mod history_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use history_support::{case, passing_run, record};
use rusqlite::Connection;
use testrelay::history::{
    CaseOutcome, DurationKey, History, HistoryFilter, MergeStats, MetricPoint, PruneStats,
    RunRecord, RunSummary, SCHEMA_VERSION,
};
use testrelay::{Attempt, CaseStatus, Counts, ErrorKind, Metric, RunStatus, TestCase, TestRun};

/// 2026-01-01T00:00:00Z in Unix milliseconds.
const NEW_YEAR_MS: i64 = 1_767_225_600_000;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn count(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).expect("open for counting");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

fn keys(runs: &[RunSummary]) -> Vec<&str> {
    runs.iter().map(|r| r.run.run_key.as_str()).collect()
}

/// Records a run of `cases` under `key` on `branch`, started at `at`.
fn record_cases(h: &mut History, key: &str, branch: &str, at: i64, cases: Vec<TestCase>) -> i64 {
    let run = TestRun {
        cases,
        ..TestRun::default()
    };
    h.record_run(&record(key, branch, at), &run)
        .expect("record")
}

fn sidecars_exist(path: &Path) -> bool {
    ["-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name).exists()
    })
}

#[test]
fn open_creates_directories_and_the_current_schema() {
    let dir = temp();
    let path = dir.path().join("a/b/history.db");
    let h = History::open(&path).expect("open");
    assert_eq!(h.path(), path);
    drop(h);

    let conn = Connection::open(&path).unwrap();
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!((version, SCHEMA_VERSION), (4, 4));
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page_size, 16_384, "a new history uses 16 KiB pages");
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x5452_4C59);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let names = |kind: &str| -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = ?1 AND name NOT LIKE 'sqlite%' \
                 ORDER BY name",
            )
            .unwrap();
        stmt.query_map([kind], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<String>>>()
            .unwrap()
    };
    assert_eq!(
        names("table"),
        [
            "artifact_labels",
            "artifact_metadata",
            "artifact_values",
            "artifacts",
            "outbox",
            "performance_metrics",
            "run_files",
            "test_runs",
            "test_tasks",
            "tests"
        ]
    );
    assert_eq!(
        names("index"),
        [
            "artifact_labels_artifact",
            "artifact_metadata_artifact",
            "artifact_values_artifact",
            "artifacts_created",
            "artifacts_name",
            "artifacts_run",
            "artifacts_type",
            "outbox_due",
            "outbox_run",
            "performance_metrics_name",
            "performance_metrics_run",
            "performance_metrics_task",
            "run_files_run",
            "test_runs_branch",
            "test_runs_commit",
            "test_runs_created",
            "test_runs_provider",
            "test_tasks_run",
            "test_tasks_test",
            "tests_key"
        ]
    );
    drop(conn);

    // Opening again keeps what is there.
    let mut h = History::open(&path).unwrap();
    record_cases(&mut h, "r1", "main", NEW_YEAR_MS, vec![]);
    drop(h);
    let h = History::open(&path).unwrap();
    assert_eq!(
        keys(&h.get_test_history(&HistoryFilter::default()).unwrap()),
        ["r1"]
    );
}

#[test]
fn an_empty_existing_file_becomes_a_history() {
    let dir = temp();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    History::open(&path).expect("a zero-length file is an empty database");
    assert_eq!(count(&path, "test_runs"), 0);
}

/// Deterministic "random" bytes (xorshift64).
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn assert_refused(path: &Path, expected: &[&str]) {
    let before = std::fs::read(path).unwrap();
    let err = History::open(path).expect_err("must refuse");
    assert_eq!(err.kind(), ErrorKind::Database, "{err}");
    let message = err.to_string();
    for part in expected {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    assert!(
        message.contains("testrelay left it untouched; move the file away or set history_path"),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(std::fs::read(path).unwrap(), before, "file changed");
}

#[test]
fn random_bytes_are_not_a_database() {
    let dir = temp();
    let path = dir.path().join("history.db");
    std::fs::write(&path, noise(8192)).unwrap();
    assert_refused(&path, &["is not a SQLite database"]);
    assert!(!sidecars_exist(&path));
}

#[test]
fn a_damaged_database_is_reported_as_such() {
    let dir = temp();
    let path = dir.path().join("history.db");
    drop(History::open(&path).unwrap());
    // Keep the 100-byte file header, overwrite the rest of page 1 (the
    // schema table) with noise.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100..4096].copy_from_slice(&noise(3996));
    std::fs::write(&path, &bytes).unwrap();
    assert_refused(
        &path,
        &["is a damaged SQLite database (", "sqlite3 FILE .recover"],
    );
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_untouched() {
    let dir = temp();
    let path = dir.path().join("history.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE orders (id INTEGER PRIMARY KEY);
             INSERT INTO users (name) VALUES ('ada');",
        )
        .unwrap();
    }
    assert_refused(
        &path,
        &["is a SQLite database, but not a testrelay history (tables: orders, users)"],
    );
    assert!(!sidecars_exist(&path));
}

#[test]
fn another_applications_database_is_refused() {
    let dir = temp();
    let path = dir.path().join("history.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t (x);")
            .unwrap();
    }
    assert_refused(
        &path,
        &["is a SQLite database of another application (application_id 0x000004d2)"],
    );
}

#[test]
fn an_incomplete_history_is_refused() {
    let dir = temp();
    let path = dir.path().join("history.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA application_id = 0x54524C59; PRAGMA user_version = 1;
             CREATE TABLE test_runs (id INTEGER PRIMARY KEY);",
        )
        .unwrap();
    }
    assert_refused(
        &path,
        &[
            "is marked as a testrelay history (schema version 1) but is incomplete \
           (missing tables: artifacts, outbox, performance_metrics, run_files, test_tasks)",
        ],
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = temp();
    let path = dir.path().join("history.db");
    drop(History::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 7").unwrap();
    }
    let err = History::open(&path).expect_err("newer schema");
    assert_eq!(err.kind(), ErrorKind::Database);
    assert!(
        err.to_string().contains(
            "is a testrelay history of schema version 7, written by a newer testrelay \
             (this one understands up to version 4)"
        ),
        "{err}"
    );
}

#[test]
fn record_and_read_back_exactly() {
    let dir = temp();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();

    let mut failed = case(1, CaseStatus::Failed, 1.25);
    failed.message = Some("boom".into());
    failed.details = Some("trace\nline 2".into());
    failed.line = Some(42);
    let mut flaky = case(2, CaseStatus::Flaky, 0.75);
    flaky.attempts = vec![Attempt {
        status: CaseStatus::Failed,
        duration_seconds: 0.5,
        message: Some("first try".into()),
        ..Attempt::default()
    }];
    flaky.properties = BTreeMap::from([
        ("owner".to_string(), "me".to_string()),
        ("type".to_string(), "integration".to_string()),
    ]);
    let mut skipped = case(3, CaseStatus::Skipped, 0.0);
    skipped.message = Some("not today".into());
    let mut errored = case(4, CaseStatus::Error, 2.0);
    errored.file = None;
    errored.id = String::new();
    let mut passed = case(0, CaseStatus::Passed, 0.5);
    passed.stdout = Some("noise".into());
    let run = TestRun {
        run_key: "r1".into(),
        cases: vec![passed, failed, flaky.clone(), skipped, errored],
        metrics: vec![
            Metric {
                name: "frame_ms".into(),
                value: 16.5,
                unit: "ms".into(),
                test_id: Some(flaky.id.clone()),
                recorded_at: "2026-01-01T00:00:10.000Z".into(),
            },
            Metric {
                name: "frame_ms".into(),
                value: 17.0,
                unit: "ms".into(),
                test_id: None,
                recorded_at: String::new(),
            },
        ],
        ..TestRun::default()
    };
    let meta = RunRecord {
        run_key: "r1".into(),
        name: "nightly".into(),
        provider: "github".into(),
        repository: Some("o/r".into()),
        commit_sha: Some("abc".into()),
        branch: Some("refs/heads/main".into()),
        base_branch: Some("refs/heads/dev".into()),
        pr_number: Some(7),
        build_id: Some("99".into()),
        build_url: Some("https://ci.example/99".into()),
        shard_index: Some(1),
        shard_total: Some(4),
        status: RunStatus::Failed,
        started_at_ms: Some(NEW_YEAR_MS),
        finished_at_ms: Some(NEW_YEAR_MS + 60_000),
        duration_seconds: 60.0,
        metadata: BTreeMap::from([("env".to_string(), "ci".to_string())]),
    };
    let id = h.record_run(&meta, &run).unwrap();

    let history = h.get_test_history(&HistoryFilter::default()).unwrap();
    let expected = RunSummary {
        id,
        run: RunRecord {
            branch: Some("main".into()),
            base_branch: Some("dev".into()),
            ..meta.clone()
        },
        counts: Counts {
            total: 5,
            passed: 1,
            failed: 1,
            errors: 1,
            skipped: 1,
            flaky: 1,
        },
    };
    assert_eq!(history, vec![expected]);

    let mut want = run.cases.clone();
    want[0].stdout = None;
    want[4].ensure_id();
    assert_eq!(h.run_cases("r1").unwrap(), want);

    let series = h
        .metric_series("frame_ms", &HistoryFilter::default())
        .unwrap();
    assert_eq!(
        series,
        vec![
            MetricPoint {
                run_key: "r1".into(),
                recorded_at_ms: NEW_YEAR_MS,
                value: 17.0,
                unit: "ms".into(),
                branch: Some("main".into()),
                commit_sha: Some("abc".into()),
                test_id: None,
                task_type: None,
            },
            MetricPoint {
                run_key: "r1".into(),
                recorded_at_ms: NEW_YEAR_MS + 10_000,
                value: 16.5,
                unit: "ms".into(),
                branch: Some("main".into()),
                commit_sha: Some("abc".into()),
                test_id: Some(flaky.id.clone()),
                task_type: Some("integration".into()),
            },
        ]
    );

    let before = testrelay::time::now_unix_ms();
    let metric_id = h
        .record_performance_metric("r1", Some(&want[0].id), "mem", 1024.0, "bytes")
        .unwrap();
    let after = testrelay::time::now_unix_ms();
    assert_eq!(metric_id, 3);
    let mem = h.metric_series("mem", &HistoryFilter::default()).unwrap();
    assert_eq!(mem.len(), 1);
    assert!((before..=after).contains(&mem[0].recorded_at_ms));
    assert_eq!(
        (
            mem[0].value,
            mem[0].unit.as_str(),
            mem[0].task_type.as_deref()
        ),
        (1024.0, "bytes", Some("test"))
    );
    assert_eq!(
        h.record_performance_metric("nope", None, "mem", 1.0, "")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(h.run_cases("nope").unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn from_run_takes_the_runs_own_fields() {
    let run = TestRun {
        run_key: "k".into(),
        name: "n".into(),
        status: RunStatus::TimedOut,
        started_at: Some("2026-01-01T00:00:00Z".into()),
        finished_at: Some("2026-01-01T00:01:00.5Z".into()),
        duration_seconds: 60.5,
        properties: BTreeMap::from([("a".to_string(), "b".to_string())]),
        ..TestRun::default()
    };
    assert_eq!(
        RunRecord::from_run(&run).unwrap(),
        RunRecord {
            run_key: "k".into(),
            name: "n".into(),
            status: RunStatus::TimedOut,
            started_at_ms: Some(NEW_YEAR_MS),
            finished_at_ms: Some(NEW_YEAR_MS + 60_500),
            duration_seconds: 60.5,
            metadata: BTreeMap::from([("a".to_string(), "b".to_string())]),
            ..RunRecord::default()
        }
    );
    let bad = TestRun {
        started_at: Some("yesterday".into()),
        ..run
    };
    assert_eq!(
        RunRecord::from_run(&bad).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn recording_a_run_key_again_replaces_it() {
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let mut first = passing_run("r", 5);
    first.metrics.push(Metric {
        name: "m".into(),
        value: 1.0,
        ..Metric::default()
    });
    let id = h
        .record_run(&record("r", "main", NEW_YEAR_MS), &first)
        .unwrap();
    let second = TestRun {
        run_key: "r".into(),
        cases: vec![
            case(10, CaseStatus::Failed, 1.0),
            case(11, CaseStatus::Passed, 2.0),
            case(12, CaseStatus::Skipped, 0.0),
        ],
        ..TestRun::default()
    };
    let mut meta = record("r", "main", NEW_YEAR_MS + 5);
    meta.status = RunStatus::Failed;
    assert_eq!(h.record_run(&meta, &second).unwrap(), id);
    assert_eq!(h.record_run(&meta, &second).unwrap(), id);

    let runs = h.get_test_history(&HistoryFilter::default()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run, meta);
    assert_eq!(
        runs[0].counts,
        Counts {
            total: 3,
            passed: 1,
            failed: 1,
            skipped: 1,
            ..Counts::default()
        }
    );
    assert_eq!(h.run_cases("r").unwrap(), second.cases);
    // File totals are replaced too: case 0 (src/mod0.rs) is gone, the
    // skipped case 12 does not count.
    assert_eq!(
        h.durations(
            DurationKey::File,
            &["src/mod0.rs", "src/mod3.rs", "src/mod4.rs", "src/mod5.rs"],
            5
        )
        .unwrap(),
        BTreeMap::from([
            ("src/mod3.rs".to_string(), vec![1.0]),
            ("src/mod4.rs".to_string(), vec![2.0]),
        ])
    );
    assert_eq!(count(&path, "test_runs"), 1);
    assert_eq!(count(&path, "test_tasks"), 3);
    assert_eq!(count(&path, "performance_metrics"), 0);
}

#[test]
fn invalid_input_is_refused_before_anything_is_written() {
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let mut run = passing_run("r", 3);
    run.cases[2].duration_seconds = f64::NAN;
    let err = h
        .record_run(&record("r", "main", NEW_YEAR_MS), &run)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.to_string()
            .contains("test \"pkg.Class2.test_2\" has duration NaN"),
        "{err}"
    );

    let empty_key = record("", "main", 0);
    assert_eq!(
        h.record_run(&empty_key, &TestRun::default())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    let other_key = passing_run("other", 1);
    assert_eq!(
        h.record_run(&record("r", "main", 0), &other_key)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    let mut bad_metric = passing_run("r", 1);
    bad_metric.metrics.push(Metric {
        name: "m".into(),
        value: 1.0,
        recorded_at: "soon".into(),
        ..Metric::default()
    });
    assert_eq!(
        h.record_run(&record("r", "main", 0), &bad_metric)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(count(&path, "test_runs"), 0);
    assert_eq!(count(&path, "test_tasks"), 0);

    record_cases(&mut h, "r", "main", 0, vec![]);
    for (name, value) in [("", 1.0), ("m", f64::INFINITY)] {
        assert_eq!(
            h.record_performance_metric("r", None, name, value, "")
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
    }
}

#[test]
fn incremental_recording() {
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let mut meta = record("live", "main", NEW_YEAR_MS);
    meta.status = RunStatus::Running;
    meta.finished_at_ms = None;
    let id = h.begin_run(&meta).unwrap();
    let cases: Vec<TestCase> = (0..3)
        .map(|i| case(i, CaseStatus::Passed, 1.0))
        .chain([case(3, CaseStatus::Failed, 2.0)])
        .collect();
    h.append_cases("live", &cases[..2]).unwrap();
    let partial = h.get_test_history(&HistoryFilter::default()).unwrap();
    assert_eq!(partial[0].run.status, RunStatus::Running);
    assert_eq!(partial[0].counts.total, 2);
    // A metric for a case that has not arrived yet is linked on completion.
    h.record_performance_metric("live", Some(&cases[3].id), "rss", 5.0, "MB")
        .unwrap();
    h.append_cases("live", &cases[2..]).unwrap();
    let done = h
        .complete_run("live", RunStatus::Failed, Some(NEW_YEAR_MS + 9_000), 9.0)
        .unwrap();
    assert_eq!(done.id, id);
    assert_eq!(done.run.status, RunStatus::Failed);
    assert_eq!(done.run.finished_at_ms, Some(NEW_YEAR_MS + 9_000));
    assert_eq!(done.run.duration_seconds, 9.0);
    assert_eq!(
        done.counts,
        Counts {
            total: 4,
            passed: 3,
            failed: 1,
            ..Counts::default()
        }
    );
    assert_eq!(h.run_cases("live").unwrap(), cases);
    let rss = h.metric_series("rss", &HistoryFilter::default()).unwrap();
    assert_eq!(rss[0].task_type.as_deref(), Some("test"));

    assert_eq!(
        h.append_cases("ghost", &cases).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        h.complete_run("ghost", RunStatus::Passed, None, 0.0)
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

/// Runs a (main, 1000), b (refs/heads/main, github, 2000), c (dev, 3000),
/// d (refs/remotes/origin/main, 4000), e (main, 5000, still running).
fn four_runs(h: &mut History) {
    record_cases(h, "a", "main", 1000, vec![]);
    let mut b = record("b", "refs/heads/main", 2000);
    b.provider = "github".into();
    h.record_run(&b, &TestRun::default()).unwrap();
    record_cases(h, "c", "dev", 3000, vec![]);
    record_cases(h, "d", "refs/remotes/origin/main", 4000, vec![]);
    let mut e = record("e", "main", 5000);
    e.status = RunStatus::Running;
    h.begin_run(&e).unwrap();
}

#[test]
fn history_filters() {
    let dir = temp();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    four_runs(&mut h);
    let q = |f: HistoryFilter| -> Vec<String> {
        keys(&h.get_test_history(&f).unwrap())
            .into_iter()
            .map(String::from)
            .collect()
    };
    let branch = |b: &str| HistoryFilter {
        branch: Some(b.into()),
        ..HistoryFilter::default()
    };
    assert_eq!(q(HistoryFilter::default()), ["e", "d", "c", "b", "a"]);
    assert_eq!(q(branch("main")), ["e", "d", "b", "a"]);
    assert_eq!(q(branch("refs/heads/main")), ["e", "d", "b", "a"]);
    assert_eq!(q(branch("refs/remotes/origin/main")), ["e", "d", "b", "a"]);
    assert!(q(branch("origin/main")).is_empty());
    assert_eq!(
        q(HistoryFilter {
            provider: Some("github".into()),
            ..HistoryFilter::default()
        }),
        ["b"]
    );
    assert_eq!(
        q(HistoryFilter {
            since_ms: Some(2000),
            ..HistoryFilter::default()
        }),
        ["e", "d", "c", "b"]
    );
    assert_eq!(
        q(HistoryFilter {
            until_ms: Some(3000),
            ..HistoryFilter::default()
        }),
        ["b", "a"]
    );
    assert_eq!(
        q(HistoryFilter {
            since_ms: Some(2000),
            limit: Some(2),
            ..branch("main")
        }),
        ["e", "d"]
    );
    assert_eq!(
        q(HistoryFilter {
            commit_sha: Some("sha-c".into()),
            ..HistoryFilter::default()
        }),
        ["c"]
    );
    assert!(
        q(HistoryFilter {
            limit: Some(0),
            ..HistoryFilter::default()
        })
        .is_empty()
    );
}

#[test]
fn latest_run_skips_unfinished_runs_and_respects_before() {
    let dir = temp();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    four_runs(&mut h);
    let latest = |b: Option<&str>, before: Option<&str>| -> Option<String> {
        h.latest_run(b, before).unwrap().map(|r| r.run.run_key)
    };
    assert_eq!(latest(Some("main"), None).as_deref(), Some("d"));
    assert_eq!(latest(Some("main"), Some("d")).as_deref(), Some("b"));
    assert_eq!(latest(Some("refs/heads/main"), Some("a")), None);
    assert_eq!(latest(None, Some("d")).as_deref(), Some("c"));
    assert_eq!(latest(Some("dev"), Some("e")).as_deref(), Some("c"));
    assert_eq!(latest(None, None).as_deref(), Some("d"));
    assert_eq!(
        h.latest_run(Some("main"), Some("nope")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn case_outcomes_of_the_last_runs() {
    let dir = temp();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    let mut rerun = case(0, CaseStatus::Failed, 3.0);
    rerun.attempts = vec![Attempt {
        status: CaseStatus::Failed,
        duration_seconds: 2.0,
        ..Attempt::default()
    }];
    let c0 = case(0, CaseStatus::Passed, 1.0);
    let c1 = case(1, CaseStatus::Failed, 2.0);
    let mut run1 = record("run1", "main", 1000);
    run1.commit_sha = Some("X".into());
    let mut run2 = record("run2", "refs/heads/main", 2000);
    run2.commit_sha = Some("X".into());
    let with = |cases: Vec<TestCase>| TestRun {
        cases,
        ..TestRun::default()
    };
    h.record_run(&run1, &with(vec![c0.clone(), c1.clone()]))
        .unwrap();
    h.record_run(
        &run2,
        &with(vec![rerun.clone(), case(1, CaseStatus::Passed, 2.5)]),
    )
    .unwrap();
    record_cases(
        &mut h,
        "run3",
        "main",
        3000,
        vec![case(0, CaseStatus::Passed, 1.5)],
    );
    record_cases(
        &mut h,
        "dev1",
        "dev",
        2500,
        vec![case(0, CaseStatus::Error, 0.1)],
    );

    let outcome = |c: &TestCase, run: &str, at: i64, sha: &str| CaseOutcome {
        test_id: c.id.clone(),
        name: c.name.clone(),
        classname: c.classname.clone(),
        run_key: run.into(),
        run_started_at_ms: at,
        commit_sha: Some(sha.into()),
        status: c.status,
        duration_seconds: c.duration_seconds,
        attempts: c.attempts.clone(),
    };
    let o_run2 = outcome(&rerun, "run2", 2000, "X");
    let o_run3 = outcome(&case(0, CaseStatus::Passed, 1.5), "run3", 3000, "sha-run3");
    assert_eq!(
        h.case_outcomes(Some(&c0.id), 2, Some("main")).unwrap(),
        vec![o_run2.clone(), o_run3.clone()]
    );
    assert_eq!(
        h.case_outcomes(Some(&c0.id), 10, None).unwrap(),
        vec![
            outcome(&c0, "run1", 1000, "X"),
            o_run2.clone(),
            outcome(&case(0, CaseStatus::Error, 0.1), "dev1", 2500, "sha-dev1"),
            o_run3.clone(),
        ]
    );
    let mut all_main = [
        vec![o_run2, o_run3],
        vec![
            outcome(&c1, "run1", 1000, "X"),
            outcome(&case(1, CaseStatus::Passed, 2.5), "run2", 2000, "X"),
        ],
    ];
    all_main.sort_by(|a, b| a[0].test_id.cmp(&b[0].test_id));
    assert_eq!(
        h.case_outcomes(None, 2, Some("main")).unwrap(),
        all_main.concat()
    );
    assert!(h.case_outcomes(Some("none"), 5, None).unwrap().is_empty());
    assert!(h.case_outcomes(Some(&c0.id), 0, None).unwrap().is_empty());
}

#[test]
fn durations_by_test_and_by_file() {
    let dir = temp();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    // case(0) and case(7) live in src/mod0.rs, case(1) in src/mod1.rs.
    record_cases(
        &mut h,
        "run1",
        "main",
        1000,
        vec![
            case(0, CaseStatus::Passed, 1.0),
            case(7, CaseStatus::Passed, 0.5),
            case(1, CaseStatus::Skipped, 2.0),
        ],
    );
    record_cases(
        &mut h,
        "run2",
        "main",
        2000,
        vec![
            case(0, CaseStatus::Passed, 3.0),
            case(7, CaseStatus::Failed, 0.25),
            case(1, CaseStatus::Passed, 4.0),
        ],
    );
    record_cases(
        &mut h,
        "run3",
        "main",
        3000,
        vec![
            case(0, CaseStatus::Passed, 5.0),
            case(1, CaseStatus::Skipped, 6.0),
        ],
    );
    let ids = [
        case(0, CaseStatus::Passed, 0.0).id,
        case(1, CaseStatus::Passed, 0.0).id,
        case(7, CaseStatus::Passed, 0.0).id,
        "unknown".to_string(),
    ];
    assert_eq!(
        h.durations(DurationKey::TestId, &ids, 2).unwrap(),
        BTreeMap::from([
            (ids[0].clone(), vec![5.0, 3.0]),
            (ids[1].clone(), vec![4.0]),
            (ids[2].clone(), vec![0.25, 0.5]),
        ])
    );
    assert_eq!(
        h.durations(
            DurationKey::File,
            &["src/mod0.rs", "src/mod1.rs", "x.rs"],
            5
        )
        .unwrap(),
        BTreeMap::from([
            ("src/mod0.rs".to_string(), vec![5.0, 3.25, 1.5]),
            ("src/mod1.rs".to_string(), vec![4.0]),
        ])
    );
    assert!(
        h.durations(DurationKey::TestId, &ids, 0)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn prune_deletes_exactly_the_old_runs() {
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let metric = |name: &str| Metric {
        name: name.into(),
        value: 1.0,
        ..Metric::default()
    };
    let mut old = passing_run("old", 10);
    old.metrics = vec![metric("a"), metric("b")];
    h.record_run(&record("old", "main", 1000), &old).unwrap();
    let mut mid = passing_run("mid", 5);
    mid.metrics = vec![metric("a")];
    h.record_run(&record("mid", "main", 2000), &mid).unwrap();
    h.record_run(&record("new", "main", 3000), &passing_run("new", 3))
        .unwrap();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO artifacts (run_id, name, created_at)
               SELECT id, 'log.txt', 0 FROM test_runs WHERE run_key = 'old';
             INSERT INTO outbox (run_key, operation, idempotency_key, payload, created_at,
               next_attempt_at) VALUES ('old', 'comment', 'k1', '{}', 0, 0);",
        )
        .unwrap();
    }
    assert_eq!(
        h.prune(2000).unwrap(),
        PruneStats {
            runs: 1,
            cases: 10,
            metrics: 2,
            artifacts: 1
        }
    );
    assert_eq!(
        keys(&h.get_test_history(&HistoryFilter::default()).unwrap()),
        ["new", "mid"]
    );
    assert_eq!(count(&path, "test_tasks"), 8);
    // Test identities 5..10 ran only in "old" and go with it; 0..5 stay.
    assert_eq!(count(&path, "tests"), 5);
    assert_eq!(count(&path, "performance_metrics"), 1);
    assert_eq!(count(&path, "outbox"), 1);
    // passing_run(n) puts case i in src/mod{i % 7}.rs: 5 files for "mid", 3 for "new".
    assert_eq!(count(&path, "run_files"), 8);
    assert_eq!(h.prune(2000).unwrap(), PruneStats::default());
    assert_eq!(
        h.prune(i64::MAX).unwrap(),
        PruneStats {
            runs: 2,
            cases: 8,
            metrics: 1,
            artifacts: 0
        }
    );
    h.vacuum().unwrap();
    assert_eq!(count(&path, "test_tasks"), 0);
    assert_eq!(count(&path, "tests"), 0);
}

#[test]
fn merge_is_idempotent_by_run_key() {
    let dir = temp();
    let ours = dir.path().join("ours.db");
    let theirs = dir.path().join("theirs.db");
    let mut a = History::open(&ours).unwrap();
    record_cases(
        &mut a,
        "a1",
        "main",
        1000,
        (0..3).map(|i| case(i, CaseStatus::Passed, 1.0)).collect(),
    );
    record_cases(
        &mut a,
        "shared",
        "main",
        1500,
        (0..2).map(|i| case(i, CaseStatus::Passed, 1.0)).collect(),
    );

    {
        let mut b = History::open(&theirs).unwrap();
        record_cases(
            &mut b,
            "shared",
            "main",
            1500,
            (0..5).map(|i| case(i, CaseStatus::Failed, 9.0)).collect(),
        );
        let mut perf = case(20, CaseStatus::Passed, 0.5);
        perf.properties = BTreeMap::from([("type".to_string(), "perf".to_string())]);
        let b1 = TestRun {
            cases: (10..13)
                .map(|i| case(i, CaseStatus::Passed, 0.1))
                .chain([perf.clone()])
                .collect(),
            metrics: vec![Metric {
                name: "fps".into(),
                value: 60.0,
                unit: "1/s".into(),
                test_id: Some(perf.id.clone()),
                recorded_at: "2026-01-01T00:00:00Z".into(),
            }],
            ..TestRun::default()
        };
        b.record_run(&record("b1", "dev", 2000), &b1).unwrap();
        record_cases(
            &mut b,
            "b2",
            "dev",
            3000,
            vec![
                case(30, CaseStatus::Skipped, 0.0),
                case(31, CaseStatus::Error, 0.2),
            ],
        );
    }
    let theirs_before = std::fs::read(&theirs).unwrap();
    let theirs_view = History::open(&theirs).unwrap();

    let stats = a.merge(&theirs).unwrap();
    assert_eq!(
        stats,
        MergeStats {
            runs_added: 2,
            runs_skipped: 1,
            cases: 6,
            metrics: 1,
            artifacts: 0,
            artifacts_left: 0
        }
    );
    for key in ["b1", "b2"] {
        assert_eq!(
            a.run_cases(key).unwrap(),
            theirs_view.run_cases(key).unwrap()
        );
    }
    let summary_of = |h: &History, key: &str| {
        let runs = h.get_test_history(&HistoryFilter::default()).unwrap();
        runs.into_iter().find(|r| r.run.run_key == key).unwrap()
    };
    let (ours_b2, theirs_b2) = (summary_of(&a, "b2"), summary_of(&theirs_view, "b2"));
    assert_eq!(
        (&ours_b2.run, ours_b2.counts),
        (&theirs_b2.run, theirs_b2.counts)
    );
    assert_eq!(a.run_cases("shared").unwrap().len(), 2);
    let fps = a.metric_series("fps", &HistoryFilter::default()).unwrap();
    assert_eq!(fps.len(), 1);
    assert_eq!(
        (fps[0].run_key.as_str(), fps[0].task_type.as_deref()),
        ("b1", Some("perf"))
    );

    let files = ["src/mod5.rs", "src/mod6.rs"];
    let merged_files = a.durations(DurationKey::File, &files, 5).unwrap();
    assert_eq!(
        merged_files,
        BTreeMap::from([
            ("src/mod5.rs".to_string(), vec![0.1]),
            ("src/mod6.rs".to_string(), vec![0.5]),
        ])
    );
    assert_eq!(
        merged_files,
        theirs_view.durations(DurationKey::File, &files, 5).unwrap()
    );

    assert_eq!(
        a.merge(&theirs).unwrap(),
        MergeStats {
            runs_added: 0,
            runs_skipped: 3,
            cases: 0,
            metrics: 0,
            artifacts: 0,
            artifacts_left: 0
        }
    );
    assert_eq!(count(&ours, "test_runs"), 4);
    assert_eq!(count(&ours, "test_tasks"), 3 + 2 + 4 + 2);
    // Test identities are stored once: 0..3 here, then 10..13, 20, 30, 31.
    assert_eq!(count(&ours, "tests"), 3 + 4 + 2);
    assert_eq!(count(&ours, "performance_metrics"), 1);
    assert_eq!(count(&ours, "run_files"), 3 + 2 + 4 + 1);
    drop(theirs_view);
    assert_eq!(std::fs::read(&theirs).unwrap(), theirs_before);

    assert_eq!(
        a.merge(&dir.path().join("missing.db")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(!dir.path().join("missing.db").exists());
    assert_eq!(
        a.merge(&ours).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = a.merge(&foreign).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Database);
    assert!(
        err.to_string()
            .contains("not a testrelay history (tables: t)"),
        "{err}"
    );
}

#[test]
fn test_identities_are_stored_once_and_cases_read_back_as_recorded() {
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let first: Vec<TestCase> = (0..3).map(|i| case(i, CaseStatus::Passed, 1.0)).collect();
    record_cases(&mut h, "a", "main", 1000, first.clone());
    assert_eq!(count(&path, "tests"), 3);

    // The same tests again, one twice, and case 2's id under another name:
    // a second identity of that id, so it reads back as recorded.
    let mut renamed = case(2, CaseStatus::Failed, 2.0);
    renamed.name = "test_2_renamed".into();
    let second = vec![
        first[0].clone(),
        first[1].clone(),
        first[1].clone(),
        renamed,
    ];
    record_cases(&mut h, "b", "main", 2000, second.clone());
    assert_eq!(count(&path, "tests"), 4);
    assert_eq!(count(&path, "test_tasks"), 7);
    assert_eq!(h.run_cases("a").unwrap(), first);
    assert_eq!(h.run_cases("b").unwrap(), second);
    // Both identities of the id count as that test.
    assert_eq!(
        h.durations(DurationKey::TestId, &[first[2].id.as_str()], 5)
            .unwrap(),
        BTreeMap::from([(first[2].id.clone(), vec![2.0, 1.0])])
    );
}

#[test]
fn a_large_batch_resolves_every_identity_in_order() {
    // Large enough for the identities to be hashed on two threads; cases
    // without an id get their computed one; repeats share one identity.
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let mut cases: Vec<TestCase> = (0..30_000)
        .map(|i| case(i % 20_000, CaseStatus::Passed, 0.5))
        .collect();
    for c in cases.iter_mut().step_by(3) {
        c.id.clear();
    }
    record_cases(&mut h, "big", "main", 1000, cases.clone());
    assert_eq!(count(&path, "tests"), 20_000);
    assert_eq!(count(&path, "test_tasks"), 30_000);
    for c in cases.iter_mut() {
        c.ensure_id();
    }
    assert_eq!(h.run_cases("big").unwrap(), cases);
    // Again, against the stored identities (read in one scan).
    record_cases(&mut h, "big-2", "main", 2000, cases.clone());
    assert_eq!(count(&path, "tests"), 20_000);
    assert_eq!(h.run_cases("big-2").unwrap(), cases);
}

#[test]
fn identities_a_handle_keeps_between_batches_never_go_stale() {
    // A handle remembers every identity after a batch that read them all.
    // Whatever changes them behind its back (another process, or its own
    // prune) must make it look again: a pruned identity that it still used
    // would fail the commit, an identity another process added would be
    // stored twice.
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut one = History::open(&path).unwrap();
    let mut two = History::open(&path).unwrap();
    let cases = |range: std::ops::Range<usize>| -> Vec<TestCase> {
        range.map(|i| case(i, CaseStatus::Passed, 0.1)).collect()
    };

    // Another process prunes identities without changing max(tests.id).
    record_cases(&mut one, "a", "main", 1000, cases(0..100));
    record_cases(&mut two, "keep", "main", 5000, cases(99..100));
    assert_eq!(two.prune(2000).unwrap().runs, 1);
    assert_eq!(count(&path, "tests"), 1);
    record_cases(&mut one, "b", "main", 6000, cases(0..10));
    assert_eq!(one.run_cases("b").unwrap(), cases(0..10));
    assert_eq!(count(&path, "tests"), 11);

    // Another process adds identities this handle then records.
    record_cases(&mut one, "c", "main", 7000, cases(0..100));
    assert_eq!(count(&path, "tests"), 100);
    record_cases(&mut two, "d", "main", 8000, cases(200..210));
    record_cases(&mut one, "e", "main", 9000, cases(200..205));
    assert_eq!(
        count(&path, "tests"),
        110,
        "the other's tests were found, not added again"
    );
    assert_eq!(one.run_cases("e").unwrap(), cases(200..205));

    // The handle's own prune, again keeping max(tests.id).
    record_cases(&mut one, "f", "main", 10_000, cases(0..300));
    record_cases(&mut one, "g", "main", 20_000, cases(299..300));
    one.prune(15_000).unwrap();
    assert_eq!(count(&path, "tests"), 1);
    record_cases(&mut one, "h", "main", 21_000, cases(0..10));
    assert_eq!(one.run_cases("h").unwrap(), cases(0..10));
    assert_eq!(count(&path, "tests"), 11);
}

#[test]
fn a_small_run_into_a_large_history_finds_its_tests_one_by_one() {
    // With 40 identities stored, a run of 3 cases looks each one up instead
    // of loading them all; the result is the same.
    let dir = temp();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let many: Vec<TestCase> = (0..40).map(|i| case(i, CaseStatus::Passed, 1.0)).collect();
    record_cases(&mut h, "big", "main", 1000, many.clone());
    let mut renamed = many[7].clone();
    renamed.classname = "moved.Class".into();
    let small = vec![many[5].clone(), case(99, CaseStatus::Failed, 3.0), renamed];
    record_cases(&mut h, "small", "main", 2000, small.clone());
    assert_eq!(count(&path, "tests"), 42);
    assert_eq!(h.run_cases("small").unwrap(), small);
    assert_eq!(count(&path, "test_tasks"), 43);
}

#[test]
fn an_empty_path_is_named_as_such() {
    let err = History::open(std::path::Path::new("")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("path is empty"), "{err}");
    assert!(!err.message().contains("journal"), "{err}");
}
