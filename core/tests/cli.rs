//! The `testrelay` command line, run as a user would: on the real fixtures,
//! with the local provider and a history file in a temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo("tests/data/junit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    v
}

/// Runs the CLI with a private output dir and history; CI variables of the
/// machine running the tests are cleared so the provider is `local`.
fn testrelay(dir: &Path, args: &[&str], extra: &[PathBuf]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.args(args)
        .args(extra)
        .arg("--output-dir")
        .arg(dir.join("out"))
        .arg("--history")
        .arg(dir.join("history.db"))
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS");
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn python(script: &str, arg: &Path) -> Value {
    let out = Command::new("python3")
        .arg(repo(script))
        .arg(arg)
        .output()
        .expect("python3 is needed: run scripts/install-test-deps.sh");
    assert!(out.status.success(), "{script}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn report_on_real_fixtures_writes_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = testrelay(
        dir.path(),
        &["report", "--fail-on", "never", "--json"],
        &fixtures(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let r = &summary["result"];
    // 84 cases in 12 files, as junitparser counts them: every <testcase> is
    // a test, the repeated ones pytest-rerunfailures writes for its reruns
    // and TestNG for its retries and data-provider rows too.
    assert_eq!(r["total_tests"], 84, "{r}");
    assert_eq!(r["passed_tests"], 44);
    assert_eq!(r["failed_tests"], 22);
    assert_eq!(r["error_tests"], 3);
    assert_eq!(r["skipped_tests"], 15);
    assert_eq!(r["flaky_tests"], 0);
    assert_eq!(r["status"], "failed");
    assert_eq!(summary["provider"], "local");

    let outdir = dir.path().join("out");
    for name in [
        "junit.xml",
        "results.json",
        "run.json",
        "report.html",
        "summary.md",
    ] {
        assert!(outdir.join(name).is_file(), "{name} missing");
    }
    // The local provider's state files.
    let state: Value =
        serde_json::from_slice(&std::fs::read(outdir.join("run-state.json")).unwrap()).unwrap();
    assert_eq!(state["result"]["total_tests"], 84);
    assert_eq!(state["result"]["status"], "failed");
    let status: Value =
        serde_json::from_slice(&std::fs::read(outdir.join("build-status.json")).unwrap()).unwrap();
    assert_eq!(status["state"], "failure");
    let comment = std::fs::read_to_string(outdir.join("pr-comment.md")).unwrap();
    assert!(
        comment.starts_with("<!-- testrelay:testrelay -->"),
        "{comment}"
    );

    // junit.xml validates against junit-10.xsd ...
    let lint = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo("tests/data/schema/junit-10.xsd"))
        .arg(outdir.join("junit.xml"))
        .output()
        .expect("xmllint is needed: apt-get install libxml2-utils");
    assert!(lint.status.success(), "{}", stderr(&lint));
    // ... and junitparser reads the same totals back.
    let jp = python(
        "tests/tools/junitparser_totals.py",
        &outdir.join("junit.xml"),
    );
    assert_eq!(jp["recomputed"]["tests"], 84, "{}", jp["recomputed"]);
    assert_eq!(jp["recomputed"]["failures"], 22);
    assert_eq!(jp["recomputed"]["errors"], 3);
    assert_eq!(jp["recomputed"]["skipped"], 15);
    // results.json is valid CTRF.
    let ctrf = Command::new("python3")
        .arg(repo("tests/tools/ctrf_validate.py"))
        .arg(repo("tests/data/schema/ctrf-schema-0.0.json"))
        .arg(outdir.join("results.json"))
        .output()
        .unwrap();
    assert!(ctrf.status.success(), "{}{}", stdout(&ctrf), stderr(&ctrf));
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let pytest = vec![repo("tests/data/junit/pytest-xunit2.xml")];
    let nextest = vec![repo("tests/data/junit/nextest.xml")];
    let code = |args: &[&str], files: &[PathBuf]| testrelay(dir.path(), args, files).status.code();
    assert_eq!(code(&["report"], &pytest), Some(1));
    assert_eq!(code(&["report", "--fail-on", "errors"], &pytest), Some(1));
    // nextest.xml has failures but no errors.
    assert_eq!(code(&["report", "--fail-on", "errors"], &nextest), Some(0));
    assert_eq!(code(&["report", "--fail-on", "never"], &pytest), Some(0));
}

#[test]
fn terminal_summary_lists_failures_and_slowest() {
    let dir = tempfile::tempdir().unwrap();
    let out = testrelay(
        dir.path(),
        &["report"],
        &[repo("tests/data/junit/pytest-xunit2.xml")],
    );
    let text = stdout(&out);
    assert!(
        text.contains("FAILED — 10 tests: 5 passed, 2 failed, 1 errors, 2 skipped"),
        "{text}"
    );
    assert!(text.contains("Failures:"), "{text}");
    assert!(text.contains("Slowest:"), "{text}");
    assert!(text.contains("wrote "), "{text}");
}

#[test]
fn malformed_input_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = repo("tests/data/junit/synthetic/truncated.xml");
    let out = testrelay(dir.path(), &["report"], &[bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("testrelay: "), "{err}");
    assert!(
        err.contains("truncated.xml") && err.contains("line"),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn missing_files_and_bad_config_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = testrelay(dir.path(), &["report", "no/such/*.xml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no report file matches `no/such/*.xml`"));

    let config = dir.path().join("c.json");
    std::fs::write(&config, r#"{"enable_pr_coments": false}"#).unwrap();
    let out = testrelay(
        dir.path(),
        &["report", "--config", config.to_str().unwrap()],
        &[repo("tests/data/junit/nextest.xml")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("enable_pr_coments"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn hostile_names_are_escaped_in_html() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.xml");
    std::fs::write(
        &input,
        r#"<testsuite name="s" tests="1"><testcase classname="c" name="&lt;script&gt;alert(1)&lt;/script&gt;" time="1"><failure message="&lt;img src=x onerror=alert(1)&gt;">boom</failure></testcase></testsuite>"#,
    )
    .unwrap();
    let out = testrelay(dir.path(), &["report", "--fail-on", "never"], &[input]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn aggregate_merges_shards_and_finds_flaky_tests() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("shards");
    std::fs::create_dir_all(shards.join("a")).unwrap();
    std::fs::create_dir_all(shards.join("b")).unwrap();
    std::fs::write(
        shards.join("a/junit.xml"),
        r#"<testsuites><testsuite name="s"><testcase classname="c" name="t1" time="1"><failure message="boom"/></testcase><testcase classname="c" name="t2" time="2"/></testsuite></testsuites>"#,
    )
    .unwrap();
    std::fs::write(
        shards.join("b/junit.xml"),
        r#"<testsuites><testsuite name="s"><testcase classname="c" name="t1" time="1"/><testcase classname="c" name="t3" time="3"><skipped/></testcase></testsuite></testsuites>"#,
    )
    .unwrap();
    let out = testrelay(
        dir.path(),
        &[
            "aggregate",
            "--json",
            "--report-dir",
            shards.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let r = &summary["result"];
    assert_eq!(
        (
            r["total_tests"].as_u64(),
            r["flaky_tests"].as_u64(),
            r["failed_tests"].as_u64(),
            r["skipped_tests"].as_u64()
        ),
        (Some(3), Some(1), Some(0), Some(1)),
        "{r}"
    );
    assert_eq!(r["status"], "passed");
}

/// `testrelay run` with a shell command that writes `report` to `out.xml`.
fn run_cmd(dir: &Path, extra: &[&str], script: &str) -> Output {
    let mut args = vec!["run", "--junit"];
    let pattern = dir.join("*.xml").to_str().unwrap().to_string();
    args.push(&pattern);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", "--output-dir"]);
    let out_dir = dir.join("out");
    let history = dir.join("history.db");
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(&args)
        .arg(&out_dir)
        .arg("--history")
        .arg(&history)
        .args(["--", "sh", "-c", script])
        .current_dir(dir)
        .env("CI", "false")
        .output()
        .unwrap()
}

const ONE_FAILURE: &str = r#"<testsuite name="s"><testcase classname="c" name="ok" time="1"/><testcase classname="c" name="bad" time="1"><failure message="no"/></testcase></testsuite>"#;

#[test]
fn run_propagates_the_command_status() {
    let dir = tempfile::tempdir().unwrap();
    let write = format!("printf '%s' '{ONE_FAILURE}' > out.xml");
    let out = run_cmd(dir.path(), &[], &format!("{write}; echo streamed; exit 3"));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("streamed\n"),
        "the command's output comes first: {text}"
    );
    let summary: Value = serde_json::from_str(text.trim_start_matches("streamed\n")).unwrap();
    assert_eq!(summary["result"]["total_tests"], 2);
    assert_eq!(summary["result"]["failed_tests"], 1);
    assert_eq!(summary["result"]["status"], "failed");

    // --fail-on overrides the command's status.
    let out = run_cmd(
        dir.path(),
        &["--fail-on", "never"],
        &format!("{write}; exit 3"),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run_cmd(dir.path(), &[], &format!("{write}; exit 0"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn run_reads_only_reports_written_during_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.xml");
    std::fs::write(&old, ONE_FAILURE).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    // The command writes nothing and fails: the run is an error, not a pass.
    let out = run_cmd(dir.path(), &[], "exit 1");
    assert_eq!(out.status.code(), Some(1));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["result"]["total_tests"], 0);
    assert_eq!(summary["result"]["status"], "error");
}

#[test]
fn run_timeout_kills_the_command_and_reports_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let write = format!("printf '%s' '{ONE_FAILURE}' > out.xml");
    let out = run_cmd(
        dir.path(),
        &["--timeout", "1"],
        &format!("{write}; exec sleep 30"),
    );
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["result"]["status"], "timed_out");
    assert_eq!(summary["result"]["total_tests"], 2);
}

const PASS_THEN_FAIL: &str = r#"<testsuites><testsuite name="s"><testcase classname="c" name="t"/><testcase classname="c" name="t"><failure message="second try"/></testcase></testsuite><testsuite name="counts-only" tests="4" failures="1"/></testsuites>"#;

#[test]
fn same_named_cases_are_tests_unless_read_as_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("retried.xml");
    std::fs::write(&input, PASS_THEN_FAIL).unwrap();
    let totals = |out: &Output| {
        let summary: Value = serde_json::from_str(&stdout(out)).unwrap();
        let r = &summary["result"];
        (
            r["total_tests"].as_u64().unwrap(),
            r["passed_tests"].as_u64().unwrap(),
            r["failed_tests"].as_u64().unwrap(),
            r["flaky_tests"].as_u64().unwrap(),
        )
    };
    // Each element is a test; the suite with only counts stands for its
    // failure; the warning names the file and the suite.
    let out = testrelay(
        dir.path(),
        &["report", "--json"],
        std::slice::from_ref(&input),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(totals(&out), (3, 1, 2, 0));
    let err = stderr(&out);
    assert!(
        err.contains("retried.xml: suite \"counts-only\" declares 4 tests, 1 failed or errored"),
        "{err}"
    );
    // As attempts (flag, or config), the last one decides.
    let out = testrelay(
        dir.path(),
        &["report", "--json", "--same-name-cases", "attempts"],
        std::slice::from_ref(&input),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(totals(&out), (2, 0, 2, 0));
    let config = dir.path().join("attempts.json");
    std::fs::write(&config, r#"{"same_name_cases": "attempts"}"#).unwrap();
    let out = testrelay(
        dir.path(),
        &["report", "--json", "--config", config.to_str().unwrap()],
        std::slice::from_ref(&input),
    );
    assert_eq!(totals(&out), (2, 0, 2, 0));
    // The flag wins over the config.
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--json",
            "--config",
            config.to_str().unwrap(),
            "--same-name-cases",
            "tests",
        ],
        &[input],
    );
    assert_eq!(totals(&out), (3, 1, 2, 0));
}

#[test]
fn every_format_is_read_from_a_directory_a_glob_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    // One file per format, as runners name them.
    for (from, to) in [
        ("tests/data/test-reporter/dotnet-trx.trx", "dotnet.trx"),
        (
            "tests/data/test-reporter/dotnet-nunit.xml",
            "TestResult.xml",
        ),
        ("tests/data/nunit-plugin/NUnit-correct.xml", "nunit2.xml"),
        ("tests/data/xunit/efcore-microbenchmarks.xml", "xunit.xml"),
        ("tests/data/go/go-test.json", "go-test.json"),
        ("tests/data/junit/nextest.xml", "junit.xml"),
    ] {
        std::fs::copy(repo(from), results.join(to)).unwrap();
    }
    let expected_total = 11 + 9 + 28 + 65 + 22 + 5;
    let totals = |out: &Output| {
        let summary: Value = serde_json::from_str(&stdout(out)).unwrap_or_else(|e| {
            panic!("{e}: {}{}", stdout(out), stderr(out));
        });
        summary["result"]["total_tests"].as_u64().unwrap()
    };
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--json",
            "--fail-on",
            "never",
            results.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(totals(&out), expected_total);
    let pattern = format!("{}/*", results.display());
    let out = testrelay(dir.path(), &["report", "--json", &pattern], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(totals(&out), expected_total);
    let out = testrelay(
        dir.path(),
        &[
            "aggregate",
            "--json",
            "--report-dir",
            results.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(totals(&out), expected_total);

    // `run --results` reads a TRX the command wrote.
    let trx = std::fs::read_to_string(repo("tests/data/test-reporter/dotnet-xunitv3.trx")).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("source.txt"), trx).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args([
            "run",
            "--results",
            "TestResults/*.trx",
            "--json",
            "--output-dir",
        ])
        .arg(work.join("out"))
        .arg("--history")
        .arg(work.join("history.db"))
        .args([
            "--",
            "sh",
            "-c",
            "mkdir -p TestResults && cp source.txt TestResults/run.trx && exit 1",
        ])
        .current_dir(&work)
        .env("CI", "false")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["result"]["total_tests"], 4);
    assert_eq!(summary["result"]["failed_tests"], 3);
}
