//! `testrelay report --attach`, `run --attach` and `testrelay artifacts`,
//! run as a user would, in a temporary directory.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn testrelay(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .current_dir(dir)
        .args(args)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = testrelay(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

const JUNIT: &str =
    r#"<testsuite name="unit" tests="1"><testcase classname="c" name="t" time="0.1"/></testsuite>"#;

/// Reports a run with `perf.json` (throughput `tp`) and a log attached;
/// returns its run key.
fn report(dir: &Path, tp: u32, label: &str) -> String {
    std::fs::write(dir.join("junit.xml"), JUNIT).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(
        dir.join("out/perf.json"),
        format!(r#"{{"metrics": {{"throughput": {tp}, "p95_ms": 12}}}}"#),
    )
    .unwrap();
    std::fs::write(
        dir.join("out/server.log"),
        format!("start\nthroughput {tp}\nstop\n"),
    )
    .unwrap();
    let summary = json(
        dir,
        &[
            "report",
            "junit.xml",
            "--attach",
            "out/*",
            "--label",
            label,
            "--provider",
            "local",
            "--fail-on",
            "never",
            "--json",
        ],
    );
    summary["result"]["test_run_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn attach_find_show_validate_compare() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = report(d, 1000, "nightly");
    // Keep the first run's perf report to compare with later.
    std::fs::copy(d.join("out/perf.json"), d.join("perf-first.json")).unwrap();
    let second = report(d, 1250, "pr");
    assert_ne!(first, second);
    // The run's summary lists what was attached; the HTML report links
    // each file relative to itself (test_results/ beside out/).
    let html = std::fs::read_to_string(d.join("test_results/report.html")).unwrap();
    assert!(
        html.contains(
            "<tr><td><a href=\"../out/server.log\">server.log</a></td><td>log</td><td>27 B</td></tr>"
        ),
        "{html}"
    );
    let summary = std::fs::read_to_string(d.join("test_results/summary.md")).unwrap();
    assert!(summary.contains("### Artifacts (2)"), "{summary}");
    assert!(
        summary.contains("| `perf.json` | `performance_report` | 47 B |"),
        "{summary}"
    );

    let listed = json(d, &["artifacts", "list", "--json"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["perf.json", "server.log"]);
    assert_eq!(listed[0]["run_key"], second.as_str());
    assert_eq!(listed[0]["semantic_type"], "performance_report");
    assert_eq!(listed[1]["semantic_type"], "log");
    assert_eq!(listed[0]["labels"], serde_json::json!(["pr"]));

    let found = json(
        d,
        &[
            "artifacts",
            "find",
            "--type",
            "performance_report",
            "--value",
            "metrics.throughput>=1100",
            "--json",
        ],
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["run_key"], second.as_str());
    let found = json(
        d,
        &[
            "artifacts",
            "find",
            "--label",
            "nightly",
            "--name",
            "*.log",
            "--json",
        ],
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["run_key"], first.as_str());
    let counts = json(d, &["artifacts", "find", "--group-by-type", "--json"]);
    assert_eq!(
        counts,
        serde_json::json!({"log": 2, "performance_report": 2})
    );
    let table = json(
        d,
        &[
            "artifacts",
            "find",
            "--metric",
            "metrics.throughput",
            "--json",
        ],
    );
    let values: Vec<f64> = table
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [1000.0, 1250.0]);

    let shown = json(
        d,
        &["artifacts", "show", "perf.json", "--run", &first, "--json"],
    );
    assert_eq!(shown["values"]["metrics.throughput"], 1000.0);

    // The second run's files are on disk as attached; the first run's were
    // overwritten by the second report.
    let out = testrelay(d, &["artifacts", "validate", "--json"]);
    assert!(out.status.success());
    let out = testrelay(d, &["artifacts", "validate", "--run", &first, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["validation"]["status"], "hash_mismatch");

    // A file against a history artifact: JSON deltas and percent.
    let cmp = json(
        d,
        &[
            "artifacts",
            "compare",
            "perf-first.json",
            &format!("{second}:perf.json"),
            "--json",
        ],
    );
    assert_eq!(cmp["identical"], false);
    let change = &cmp["details"]["changes"][0];
    assert_eq!(change["path"], "metrics.throughput");
    assert_eq!(change["delta"], 250.0);
    assert_eq!(change["percent"], 25.0);
    let md = ok(
        d,
        &[
            "artifacts",
            "compare",
            "perf-first.json",
            &format!("{second}:perf.json"),
        ],
    );
    assert!(
        md.contains("| `metrics.throughput` | changed | `1000` | `1250` | 250 | +25%"),
        "{md}"
    );
    // A history artifact whose file changed is refused, naming why.
    let out = testrelay(
        d,
        &[
            "artifacts",
            "compare",
            &format!("{first}:perf.json"),
            "perf-first.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hash mismatch"));
}

#[test]
fn a_pattern_matching_nothing_is_an_error_before_anything_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("junit.xml"), JUNIT).unwrap();
    let out = testrelay(
        d,
        &[
            "report",
            "junit.xml",
            "--attach",
            "nothing/*.png",
            "--provider",
            "local",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no file matches --attach `nothing/*.png`")
    );
    assert!(!d.join(".testrelay/history.db").exists());
}

#[cfg(unix)]
#[test]
fn run_attaches_what_the_command_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = format!("printf '%s' '{JUNIT}' > junit.xml && printf 'trace' > trace.log");
    ok(
        d,
        &[
            "run",
            "--results",
            "junit.xml",
            "--attach",
            "*.log",
            "--provider",
            "local",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    let listed = json(d, &["artifacts", "list", "--json"]);
    assert_eq!(listed[0]["name"], "trace.log");
    assert_eq!(listed[0]["size"], 5);
}
