//! Upgrading a schema version 1 history (as the last testrelay that wrote
//! version 1 left it: `data/history/v1.sql`) to the current schema, in place.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::{Value, json};
use testrelay::history::{DurationKey, History, HistoryFilter, MergeStats, SCHEMA_VERSION};
use testrelay::{CaseStatus, ErrorKind, TestCase, TestRun};

mod history_support;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/history")
        .join(name)
}

/// Writes the version 1 fixture to `path`.
fn write_v1(path: &Path) {
    let sql = std::fs::read_to_string(data("v1.sql")).expect("read v1.sql");
    Connection::open(path)
        .expect("create v1 file")
        .execute_batch(&sql)
        .expect("load v1.sql");
}

fn scalar(path: &Path, sql: &str) -> i64 {
    Connection::open(path)
        .expect("open")
        .query_row(sql, [], |r| r.get(0))
        .expect(sql)
}

/// What the queries answer, in the shape of `data/history/v1_expected.json`
/// (which testrelay wrote from the version 1 file before the upgrade).
fn answers(h: &History) -> Value {
    let ids = [
        "f4f0999098759883",
        "8380a3ab2b8b0095",
        "8db9267d70619c95",
        "custom-id",
        "unknown",
    ];
    let all = HistoryFilter::default();
    json!({
        "runs": h.get_test_history(&all).unwrap(),
        "run_1_cases": h.run_cases("run-1").unwrap(),
        "run_2_cases": h.run_cases("run-2").unwrap(),
        "outcomes": h.case_outcomes(None, 10, None).unwrap(),
        "frame_ms": h.metric_series("frame_ms", &all).unwrap(),
        "build_time": h.metric_series("build_time", &all).unwrap(),
        "durations_by_id": h.durations(DurationKey::TestId, &ids, 10).unwrap(),
        "durations_by_file": h
            .durations(DurationKey::File, &["tests/calc.py", "tests/net.py"], 10)
            .unwrap(),
    })
}

fn expected() -> Value {
    let text = std::fs::read_to_string(data("v1_expected.json")).expect("read expected");
    serde_json::from_str(&text).expect("expected JSON")
}

#[test]
fn opening_a_version_1_history_upgrades_it_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    write_v1(&path);
    assert_eq!(scalar(&path, "PRAGMA user_version"), 1);

    let mut h = History::open(&path).expect("upgrade");
    assert_eq!(
        scalar(&path, "PRAGMA user_version"),
        i64::from(SCHEMA_VERSION)
    );
    assert_eq!(SCHEMA_VERSION, 4);
    // Every case and metric is kept; identities are stored once: the 6
    // tests of the two runs plus the explicit id under its second name.
    assert_eq!(scalar(&path, "SELECT count(*) FROM test_tasks"), 11);
    assert_eq!(scalar(&path, "SELECT count(*) FROM tests"), 7);
    // Version 3 gave every test its lookup key: one per test id (the
    // explicit id has two names), none left at the column default.
    assert_eq!(
        scalar(&path, "SELECT count(DISTINCT test_key) FROM tests"),
        6
    );
    assert_eq!(
        scalar(&path, "SELECT count(*) FROM tests WHERE test_key = 0"),
        0
    );
    // An upgraded file keeps its page size (only new files get 16 KiB).
    assert_eq!(scalar(&path, "PRAGMA page_size"), 4096);
    assert_eq!(scalar(&path, "SELECT count(*) FROM performance_metrics"), 3);
    // Metrics still point at their cases (none was set to NULL by the
    // rebuild of test_tasks).
    assert_eq!(
        scalar(
            &path,
            "SELECT count(*) FROM performance_metrics WHERE task_id IS NOT NULL"
        ),
        2
    );
    assert_eq!(answers(&h), expected());

    // The upgraded file takes new runs, reusing the stored identities.
    let mut add = TestCase {
        suite: "suite".into(),
        classname: "calc.T".into(),
        name: "test_add".into(),
        file: Some("tests/calc.py".into()),
        status: CaseStatus::Failed,
        duration_seconds: 0.5,
        ..TestCase::default()
    };
    add.ensure_id();
    let run = TestRun {
        cases: vec![add.clone()],
        ..TestRun::default()
    };
    h.record_run(
        &history_support::record("run-3", "main", 1_767_232_800_000),
        &run,
    )
    .unwrap();
    assert_eq!(scalar(&path, "SELECT count(*) FROM tests"), 7);
    assert_eq!(h.run_cases("run-3").unwrap(), vec![add]);
    assert_eq!(
        h.durations(DurationKey::TestId, &["f4f0999098759883"], 10)
            .unwrap()["f4f0999098759883"],
        vec![0.5, 0.25, 0.125]
    );
    drop(h);

    // Opening again changes nothing.
    let h = History::open(&path).unwrap();
    assert_eq!(scalar(&path, "SELECT count(*) FROM tests"), 7);
    assert_eq!(h.run_cases("run-3").unwrap().len(), 1);
}

#[test]
fn a_version_1_file_is_not_merged_until_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    write_v1(&old);
    let before = std::fs::read(&old).unwrap();
    let mut h = History::open(&dir.path().join("combined.db")).unwrap();

    let err = h.merge(&old).expect_err("version 1 file");
    assert_eq!(err.kind(), ErrorKind::Database);
    assert_eq!(
        err.to_string(),
        format!(
            "history {} has schema version 1, this testrelay writes version {SCHEMA_VERSION}; \
             open it once with this testrelay (opening upgrades it), then merge again",
            old.display()
        )
    );
    assert_eq!(std::fs::read(&old).unwrap(), before);

    // Upgraded, it merges completely, and once.
    drop(History::open(&old).unwrap());
    let stats = h.merge(&old).unwrap();
    assert_eq!(
        stats,
        MergeStats {
            runs_added: 2,
            runs_skipped: 0,
            cases: 11,
            metrics: 3,
            artifacts: 0,
            artifacts_left: 0
        }
    );
    assert_eq!(answers(&h), expected());
    assert_eq!(h.merge(&old).unwrap().runs_added, 0);
    assert_eq!(answers(&h), expected());
}

#[test]
fn artifact_labels_of_before_version_4_become_searchable_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    write_v1(&path);
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO artifacts (run_id, name, path, size, sha256, content_type, labels, created_at)
             SELECT id, 'shot.png', 'out/shot.png', 3, 'abc', 'image/png',
                    '{\"kind\":\"screenshot\"}', 5 FROM test_runs WHERE run_key = 'run-1';",
        )
        .unwrap();
    let h = History::open(&path).expect("upgrade");
    let stored = h.run_artifacts("run-1").unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].labels.is_empty());
    assert_eq!(stored[0].metadata["kind"], "screenshot");
    assert_eq!(stored[0].semantic_type, "other");
    let query = testrelay::history::ArtifactQuery {
        metadata: [("kind".to_string(), "screenshot".to_string())].into(),
        ..Default::default()
    };
    assert_eq!(h.find_artifacts(&query).unwrap().len(), 1);
}
