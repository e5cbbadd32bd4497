//! JUnit writer: exact output, schema validation (xmllint + junit-10.xsd),
//! and a read-back by junitparser (an independent reader).
//!
//! Needs `xmllint` (Debian: `apt-get install libxml2-utils`) and Python 3
//! with `junitparser` (`pip install junitparser`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testrelay::config::JunitProfile;
use testrelay::report::junit::writer::{write_junit, write_junit_with};
use testrelay::{Attempt, CaseStatus, RunStatus, SuiteInfo, TestCase, TestRun};

/// Text with every kind of trouble: control characters (illegal in XML 1.0),
/// U+FFFE/U+FFFF (illegal), a CDATA terminator, markup, quotes, whitespace
/// that parsers normalize, and non-ASCII.
const HOSTILE: &str = "a\u{1}b\u{1B}[31m\u{FFFE}\u{FFFF} ]]> <script>alert('x')</script> & \"q\"\ttab\nnl\r\ncrlf é😀";
/// `HOSTILE` without the characters XML cannot carry.
const HOSTILE_CLEAN: &str = "ab[31m ]]> <script>alert('x')</script> & \"q\"\ttab\nnl\r\ncrlf é😀";

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn case(suite: &str, classname: &str, name: &str, status: CaseStatus, secs: f64) -> TestCase {
    let mut c = TestCase::new(suite, classname, name, status);
    c.duration_seconds = secs;
    c
}

fn attempt(status: CaseStatus, message: &str) -> Attempt {
    Attempt {
        status,
        duration_seconds: 0.25,
        message: Some(message.to_string()),
        ..Attempt::default()
    }
}

/// The small run of the golden test.
fn tiny_run() -> TestRun {
    let mut ok = case("unit", "pkg.Mod", "test_ok", CaseStatus::Passed, 0.001);
    ok.file = Some("tests/test_mod.py".into());
    ok.line = Some(3);
    let mut bad = case("unit", "pkg.Mod", "test_bad", CaseStatus::Failed, 0.5);
    bad.message = Some("assert 1 == 2".into());
    bad.details = Some("Traceback\nAssertionError".into());
    bad.stdout = Some("out\n".into());
    bad.attempts = vec![attempt(CaseStatus::Failed, "first try")];
    let mut flaky = case("unit", "", "test_flaky", CaseStatus::Flaky, 2.0);
    let mut first = attempt(CaseStatus::Error, "boom");
    first.details = Some("trace".into());
    first.stderr = Some("err".into());
    flaky.attempts = vec![first];
    let mut skip = case("", "", "skip_me", CaseStatus::Skipped, 0.0);
    skip.message = Some("not today".into());
    TestRun {
        run_key: "k1".into(),
        name: "demo".into(),
        status: RunStatus::Failed,
        started_at: Some("2026-11-21T23:18:24.123Z".into()),
        duration_seconds: 2.75,
        cases: vec![ok, bad, flaky, skip],
        suites: vec![SuiteInfo {
            name: "unit".into(),
            timestamp: Some("2026-11-21T23:18:00".into()),
            hostname: Some("ci-1".into()),
            properties: BTreeMap::from([("python".into(), "3.11".into())]),
            ..SuiteInfo::default()
        }],
        ..TestRun::default()
    }
}

/// A run with every outcome, reruns, properties, outputs and hostile text.
fn rich_run() -> TestRun {
    let mut run = tiny_run();
    let mut err = case(
        "integration",
        "db.Conn",
        "test_connect",
        CaseStatus::Error,
        1.0,
    );
    err.message = Some(HOSTILE.into());
    err.details = Some(HOSTILE.into());
    err.stdout = Some(HOSTILE.into());
    err.stderr = Some("line1\r\nline2".into());
    err.file = Some("tests/db.rs".into());
    err.line = Some(42);
    err.properties = BTreeMap::from([("owner".into(), HOSTILE.into())]);
    err.attempts = vec![
        attempt(CaseStatus::Failed, "first"),
        attempt(CaseStatus::Passed, "not a failure"),
        attempt(CaseStatus::Error, "second"),
    ];
    let mut hostile_name = case(
        "integration",
        HOSTILE,
        HOSTILE,
        CaseStatus::Passed,
        0.0000015,
    );
    hostile_name.properties = BTreeMap::from([(HOSTILE.into(), "v".into())]);
    run.cases.push(err);
    run.cases.push(hostile_name);
    run.cases.push(case(
        "integration",
        "db.Conn",
        "test_slow",
        CaseStatus::Passed,
        1234.5678,
    ));
    run.suites.push(SuiteInfo {
        name: "integration".into(),
        stdout: Some("suite out".into()),
        duration_seconds: Some(1240.1),
        ..SuiteInfo::default()
    });
    run
}

fn render(run: &TestRun, profile: JunitProfile) -> String {
    let mut buf = Vec::new();
    write_junit_with(run, profile, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run_tool(program: &str, args: &[&std::ffi::OsStr], install_hint: &str) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install it: {install_hint}"))
}

fn xmllint_validate(file: &Path) -> std::process::Output {
    let schema = repo_path("tests/data/schema/junit-10.xsd");
    run_tool(
        "xmllint",
        &[
            "--noout".as_ref(),
            "--schema".as_ref(),
            schema.as_os_str(),
            file.as_os_str(),
        ],
        "apt-get install libxml2-utils",
    )
}

fn junitparser_read(file: &Path) -> Value {
    let script = repo_path("tests/tools/junitparser_totals.py");
    let out = run_tool(
        "python3",
        &[script.as_os_str(), file.as_os_str()],
        "Python 3 with `pip install junitparser`",
    );
    assert!(
        out.status.success(),
        "junitparser_totals.py failed (is junitparser installed? `pip install junitparser`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn golden_output_for_a_tiny_run() {
    let mut buf = Vec::new();
    write_junit(&tiny_run(), &mut buf).unwrap();
    let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="demo" tests="4" failures="1" errors="0" time="2.75">
  <testsuite name="unit" tests="3" failures="1" errors="0" skipped="0" time="2.501" timestamp="2026-11-21T23:18:00" hostname="ci-1">
    <properties>
      <property name="python" value="3.11"/>
    </properties>
    <testcase name="test_ok" classname="pkg.Mod" time="0.001" file="tests/test_mod.py" line="3"/>
    <testcase name="test_bad" classname="pkg.Mod" time="0.5">
      <failure message="assert 1 == 2" type="failure">Traceback
AssertionError</failure>
      <rerunFailure message="first try" type="failure"/>
      <system-out>out
</system-out>
    </testcase>
    <testcase name="test_flaky" classname="unit" time="2">
      <flakyError message="boom" type="error">
        <stackTrace>trace</stackTrace>
        <system-err>err</system-err>
      </flakyError>
    </testcase>
  </testsuite>
  <testsuite name="demo" tests="1" failures="0" errors="0" skipped="1" time="0" timestamp="2026-11-21T23:18:24.123Z">
    <testcase name="skip_me" classname="demo" time="0">
      <skipped message="not today"/>
    </testcase>
  </testsuite>
</testsuites>
"#;
    assert_eq!(String::from_utf8(buf).unwrap(), expected);
}

#[test]
fn strict_output_validates_against_junit_10_xsd() {
    let dir = tempfile::tempdir().unwrap();
    for (name, run) in [("tiny", tiny_run()), ("rich", rich_run())] {
        let xml = render(&run, JunitProfile::Strict);
        let file = write_temp(&dir, &format!("{name}.xml"), &xml);
        let out = xmllint_validate(&file);
        assert!(
            out.status.success(),
            "{name}: xmllint rejected the Strict output:\n{}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn strict_drops_what_the_schema_lacks_and_full_keeps_it() {
    let strict = render(&rich_run(), JunitProfile::Strict);
    assert!(!strict.contains(" file="));
    assert!(!strict.contains(" line="));
    assert_eq!(
        strict.matches("<properties>").count(),
        1,
        "suite properties only"
    );
    let full = render(&rich_run(), JunitProfile::Full);
    assert!(full.contains(r#"file="tests/db.rs" line="42""#));
    assert_eq!(full.matches("<properties>").count(), 3);
    // The schema does not know testcase@file, so Full is not junit-10 valid:
    // this pins down why the Strict profile exists.
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(&dir, "full.xml", &full);
    let out = xmllint_validate(&file);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("attribute 'file'"));
}

#[test]
fn junitparser_reads_back_the_same_totals_and_text() {
    let run = rich_run();
    let counts = run.counts();
    let dir = tempfile::tempdir().unwrap();
    for profile in [JunitProfile::Full, JunitProfile::Strict] {
        let file = write_temp(&dir, "r.xml", &render(&run, profile));
        let seen = junitparser_read(&file);
        let expected_totals = serde_json::json!({
            "tests": counts.total,
            "failures": counts.failed,
            "errors": counts.errors,
            "skipped": counts.skipped,
        });
        assert_eq!(
            seen["root"],
            serde_json::json!({
                "tests": counts.total,
                "failures": counts.failed,
                "errors": counts.errors,
            }),
            "{profile:?}"
        );
        assert_eq!(seen["written"], expected_totals, "{profile:?}");
        assert_eq!(seen["recomputed"], expected_totals, "{profile:?}");

        let suites = seen["suites"].as_array().unwrap();
        let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["unit", "demo", "integration"]);
        let integration = &suites[2];
        assert_eq!(integration["time"], 1240.1);
        assert_eq!(integration["system_out"], "suite out");
        assert_eq!(integration["timestamp"], "2026-11-21T23:18:24.123Z");

        let err = &integration["cases"][0];
        assert_eq!(err["name"], "test_connect");
        assert_eq!(err["time"], 1.0);
        let result = &err["results"][0];
        assert_eq!(result["tag"], "error");
        assert_eq!(result["type"], "error");
        assert_eq!(result["message"], HOSTILE_CLEAN);
        assert_eq!(result["text"], HOSTILE_CLEAN);
        assert_eq!(err["system_out"], HOSTILE_CLEAN);
        assert_eq!(err["system_err"], "line1\r\nline2");
        let interim: Vec<(&str, &str)> = err["interim"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["tag"].as_str().unwrap(), r["message"].as_str().unwrap()))
            .collect();
        assert_eq!(
            interim,
            [("rerunFailure", "first"), ("rerunError", "second")]
        );

        let hostile = &integration["cases"][1];
        assert_eq!(hostile["name"], HOSTILE_CLEAN);
        assert_eq!(hostile["classname"], HOSTILE_CLEAN);
        assert_eq!(hostile["time"], 0.000002);
        assert_eq!(hostile["results"], serde_json::json!([]));

        let slow = &integration["cases"][2];
        assert_eq!(slow["time"], 1234.5678);

        if profile == JunitProfile::Full {
            assert_eq!(err["file"], "tests/db.rs");
            assert_eq!(err["line"], "42");
            assert_eq!(err["properties"]["owner"], HOSTILE_CLEAN);
            assert_eq!(hostile["properties"][HOSTILE_CLEAN], "v");
        } else {
            assert_eq!(err["file"], Value::Null);
            assert_eq!(err["properties"], serde_json::json!({}));
        }

        let flaky = &suites[0]["cases"][2];
        assert_eq!(
            flaky["results"],
            serde_json::json!([]),
            "flaky counts as passed"
        );
        assert_eq!(flaky["interim"][0]["tag"], "flakyError");
        assert_eq!(flaky["interim"][0]["stack_trace"], "trace");
        assert_eq!(flaky["interim"][0]["system_err"], "err");
    }
}

#[test]
fn cdata_terminator_and_markup_are_escaped_text() {
    let xml = render(&rich_run(), JunitProfile::Full);
    assert!(!xml.contains("]]>"));
    assert!(!xml.contains("<script>"));
    assert!(xml.contains("]]&gt; &lt;script&gt;alert('x')&lt;/script&gt; &amp; "));
    for illegal in ['\u{1}', '\u{1B}', '\u{FFFE}', '\u{FFFF}'] {
        assert!(!xml.contains(illegal), "{illegal:?} must be stripped");
    }
}

#[test]
fn empty_run_is_an_empty_testsuites() {
    let run = TestRun {
        name: "none".into(),
        ..TestRun::default()
    };
    let xml = render(&run, JunitProfile::Full);
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"none\" tests=\"0\" failures=\"0\" errors=\"0\" time=\"0\"/>\n"
    );
}

#[test]
fn write_errors_are_io_errors() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = write_junit(&rich_run(), Broken).unwrap_err();
    assert_eq!(err.kind(), testrelay::ErrorKind::Io);
    assert!(err.message().contains("disk full"), "{}", err.message());
}
