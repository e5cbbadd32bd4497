//! CTRF and run-summary JSON: exact output, schema validation, round trip,
//! and reading foreign CTRF.
//!
//! The schema test needs Python 3 with `jsonschema` (`pip install jsonschema`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use testrelay::report::json::{read_ctrf, write_ctrf, write_run_json};
use testrelay::{Attempt, CaseStatus, ErrorKind, Metric, RunStatus, SuiteInfo, TestCase, TestRun};

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn case(suite: &str, classname: &str, name: &str, status: CaseStatus, secs: f64) -> TestCase {
    let mut c = TestCase::new(suite, classname, name, status);
    c.duration_seconds = secs;
    c
}

fn tiny_run() -> TestRun {
    let mut ok = case("unit", "pkg.Mod", "test_ok", CaseStatus::Passed, 0.25);
    ok.file = Some("tests/test_mod.py".into());
    ok.line = Some(3);
    let mut err = case("unit", "", "test_err", CaseStatus::Error, 1.5);
    err.message = Some("boom".into());
    err.details = Some("trace\nline 2".into());
    err.stdout = Some("a\nb\n".into());
    TestRun {
        run_key: "run-1".into(),
        name: "demo".into(),
        status: RunStatus::Failed,
        started_at: Some("2026-11-21T23:18:24.123Z".into()),
        finished_at: Some("2026-11-21T23:18:26.000Z".into()),
        duration_seconds: 1.877,
        cases: vec![ok, err],
        ..TestRun::default()
    }
}

/// Every field of the model set, including values milliseconds cannot hold.
fn rich_run() -> TestRun {
    let mut run = tiny_run();
    let mut flaky = case("", "Cls", "test_flaky", CaseStatus::Flaky, 0.000_123_4);
    flaky.attempts = vec![
        Attempt {
            status: CaseStatus::Error,
            duration_seconds: 1.0 / 3.0,
            message: Some("first".into()),
            details: Some("t1".into()),
            stdout: Some(String::new()),
            stderr: Some("e1\r\n".into()),
        },
        Attempt {
            status: CaseStatus::Failed,
            duration_seconds: 0.5,
            ..Attempt::default()
        },
    ];
    flaky.properties = BTreeMap::from([("owner".into(), "qa".into()), ("n".into(), "1".into())]);
    let mut unnamed = case("s2", "", "", CaseStatus::Skipped, 0.0);
    unnamed.message = Some("<skip> `x` | y".into());
    let mut failed = case("s2", "a > b", "t", CaseStatus::Failed, 2.0);
    failed.stderr = Some("only\n\nlines".into());
    failed.file = Some("x.rs".into());
    run.cases.extend([flaky, unnamed, failed]);
    run.suites = vec![SuiteInfo {
        name: "unit".into(),
        timestamp: Some("2026-11-21T23:18:24".into()),
        hostname: Some("h".into()),
        duration_seconds: Some(1.75),
        properties: BTreeMap::from([("k".into(), "v".into())]),
        stdout: Some("so".into()),
        stderr: None,
    }];
    run.metrics = vec![Metric {
        name: "frame_ms".into(),
        value: 16.7,
        unit: "ms".into(),
        test_id: Some(run.cases[0].id.clone()),
        recorded_at: "2026-11-21T23:18:25.000Z".into(),
    }];
    run.properties = BTreeMap::from([("branch".into(), "main".into())]);
    run
}

fn to_ctrf(run: &TestRun) -> String {
    let mut buf = Vec::new();
    write_ctrf(run, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn ctrf_of_a_tiny_run_is_exact() {
    let text = to_ctrf(&tiny_run());
    assert!(text.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let run = tiny_run();
    let expected = json!({
        "reportFormat": "CTRF",
        "specVersion": "0.0.0",
        "runId": "run-1",
        "generatedBy": format!("testrelay {version}"),
        "results": {
            "tool": {"name": "testrelay", "version": version},
            "summary": {
                "tests": 2, "passed": 1, "failed": 1, "skipped": 0,
                "pending": 0, "other": 0, "flaky": 0,
                "start": 1_795_303_104_123_i64, "stop": 1_795_303_106_000_i64,
                "duration": 1877
            },
            "tests": [
                {
                    "testId": run.cases[0].id,
                    "name": "test_ok",
                    "status": "passed",
                    "duration": 250,
                    "suite": ["unit", "pkg.Mod"],
                    "filePath": "tests/test_mod.py",
                    "line": 3
                },
                {
                    "testId": run.cases[1].id,
                    "name": "test_err",
                    "status": "failed",
                    "rawStatus": "error",
                    "duration": 1500,
                    "suite": ["unit"],
                    "message": "boom",
                    "trace": "trace\nline 2",
                    "stdout": ["a", "b", ""]
                }
            ],
            "environment": {"reportName": "demo"},
            "extra": {
                "testrelay": {
                    "status": "failed",
                    "startedAt": "2026-11-21T23:18:24.123Z",
                    "finishedAt": "2026-11-21T23:18:26.000Z",
                    "durationSeconds": 1.877
                }
            }
        }
    });
    assert_eq!(value, expected);
}

#[test]
fn ctrf_validates_against_the_ctrf_schema() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("ctrf.json");
    std::fs::write(&report, to_ctrf(&rich_run())).unwrap();
    let schema = repo_path("tests/data/schema/ctrf-schema-0.0.json");
    let script = repo_path("tests/tools/ctrf_validate.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&schema)
        .arg(&report)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); install Python 3 and `pip install jsonschema`")
        });
    assert!(
        out.status.success(),
        "CTRF schema violations (needs `pip install jsonschema`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "valid\n");
}

#[test]
fn reading_our_ctrf_gives_back_the_same_run() {
    let run = rich_run();
    let back = read_ctrf(to_ctrf(&run).as_bytes(), "ctrf.json").unwrap();
    assert_eq!(back.cases, run.cases);
    assert_eq!(back, run);
}

#[test]
fn run_without_timestamps_round_trips_too() {
    let mut run = rich_run();
    run.started_at = None;
    run.finished_at = None;
    run.run_key.clear();
    run.name.clear();
    run.status = RunStatus::TimedOut;
    let back = read_ctrf(to_ctrf(&run).as_bytes(), "ctrf.json").unwrap();
    assert_eq!(back, run);
}

#[test]
fn foreign_ctrf_without_extras_is_read() {
    let doc = json!({
        "results": {
            "tool": {"name": "jest"},
            "summary": {"tests": 5, "passed": 2, "failed": 1, "skipped": 1, "pending": 1,
                        "other": 0, "start": 1_795_303_104_000_i64, "stop": 1_795_303_110_500_i64},
            "tests": [
                {"name": "adds", "status": "passed", "duration": 12.6,
                 "suite": ["math.test.js", "calc", "add"], "flaky": true, "retries": 1,
                 "retryAttempts": [{"attempt": 1, "status": "failed", "duration": 3,
                                    "message": "m", "stdout": ["x", "y"]}]},
                {"name": "subtracts", "status": "failed", "duration": 7, "suite": "math > sub",
                 "message": "expected 1", "trace": "at x", "stdout": "whole text",
                 "labels": {"tier": 1, "tags": ["a", "b"], "owner": "me"},
                 "extra": {"vendor": true}},
                {"name": "todo", "status": "pending", "duration": 0},
                {"name": "crash", "status": "other", "duration": 1, "rawStatus": "interrupted"},
                {"name": "plain", "status": "passed", "duration": 0}
            ]
        }
    });
    let run = read_ctrf(doc.to_string().as_bytes(), "jest.json").unwrap();
    assert_eq!(run.run_key, "");
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.started_at.as_deref(), Some("2026-11-21T23:18:24.000Z"));
    assert_eq!(run.finished_at.as_deref(), Some("2026-11-21T23:18:30.500Z"));
    assert_eq!(run.duration_seconds, 6.5);
    let statuses: Vec<CaseStatus> = run.cases.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [
            CaseStatus::Flaky,
            CaseStatus::Failed,
            CaseStatus::Skipped,
            CaseStatus::Error,
            CaseStatus::Passed
        ]
    );
    let adds = &run.cases[0];
    assert_eq!(adds.suite, "math.test.js");
    assert_eq!(adds.classname, "calc > add");
    assert_eq!(adds.duration_seconds, 0.0126);
    assert_eq!(
        adds.id,
        TestCase::compute_id("math.test.js", "calc > add", "adds", None)
    );
    assert_eq!(
        adds.attempts,
        [Attempt {
            status: CaseStatus::Failed,
            duration_seconds: 0.003,
            message: Some("m".into()),
            stdout: Some("x\ny".into()),
            ..Attempt::default()
        }]
    );
    let sub = &run.cases[1];
    assert_eq!(
        (sub.suite.as_str(), sub.classname.as_str()),
        ("math > sub", "")
    );
    assert_eq!(sub.message.as_deref(), Some("expected 1"));
    assert_eq!(sub.details.as_deref(), Some("at x"));
    assert_eq!(sub.stdout.as_deref(), Some("whole text"));
    assert_eq!(
        sub.properties,
        BTreeMap::from([
            ("owner".to_string(), "me".to_string()),
            ("tags".to_string(), "[\"a\",\"b\"]".to_string()),
            ("tier".to_string(), "1".to_string()),
        ])
    );
}

#[test]
fn bad_ctrf_input_is_a_parse_error_naming_the_source() {
    let err = read_ctrf("{\"results\": [".as_bytes(), "shard-3.json").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.message().starts_with("shard-3.json: "),
        "{}",
        err.message()
    );
    assert!(err.message().contains("line 1"), "{}", err.message());

    let err = read_ctrf(
        "{\"reportFormat\":\"JUnit\",\"results\":{}}".as_bytes(),
        "x.json",
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(err.message().contains("not \"CTRF\""), "{}", err.message());

    let doc = r#"{"results":{"tests":[{"name":"a","status":"exploded","duration":1}]}}"#;
    let err = read_ctrf(doc.as_bytes(), "y.json").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert!(
        err.message()
            .contains("results.tests[0] (\"a\") has status \"exploded\""),
        "{}",
        err.message()
    );

    let err = read_ctrf("{}".as_bytes(), "z.json").unwrap_err();
    assert!(
        err.message().contains("missing field `results`"),
        "{}",
        err.message()
    );
}

#[test]
fn run_json_is_the_test_run_result() {
    let mut run = tiny_run();
    run.properties = BTreeMap::from([("commit".into(), "abc".into())]);
    let mut buf = Vec::new();
    write_run_json(&run, &mut buf).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(
        value,
        json!({
            "test_run_id": "run-1",
            "status": "failed",
            "total_tests": 2,
            "passed_tests": 1,
            "failed_tests": 0,
            "skipped_tests": 0,
            "error_tests": 1,
            "flaky_tests": 0,
            "duration_seconds": 1.877,
            "metadata": {"commit": "abc"}
        })
    );
    let parsed = testrelay::TestRunResult::from_json(std::str::from_utf8(&buf).unwrap()).unwrap();
    assert_eq!(parsed, run.result());
}
