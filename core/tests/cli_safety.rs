//! The command line never lets text from test results (or the CI's own
//! values) drive the terminal or the CI reading the job log: no raw control
//! characters, no line that GitHub Actions (`::cmd::`, `##[cmd]`), Azure
//! Pipelines (`##vso[`) or TeamCity (`##teamcity[`) would execute. And it
//! fails cleanly on numbers out of range.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testrelay::{CaseStatus, TestCase, TestRun};

/// Names and messages that try every vendor's command syntax and the
/// terminal's escapes.
const HOSTILE: &[&str] = &[
    "::add-mask::hunter2",
    "::error file=a.rs,line=1::pwned",
    "\r::error::after a carriage return",
    "   ::stop-commands::tok",
    "##vso[task.setvariable variable=pwned]1",
    "text ##vso[task.complete result=Succeeded]done",
    "##[error]legacy",
    "##teamcity[buildStatus text='pwned']",
    "x ##teamcity[setParameter name='a' value='b']",
    "\x1b]0;title\x07",
    "\x1b[2J\x1b[H",
    "nul\0byte",
    "two\n::error::second line",
    "c1 \u{9b}31m csi",
];

fn cli(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.current_dir(dir)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("TF_BUILD")
        .env_remove("TEAMCITY_VERSION");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails when any line of `output` would be a CI command or holds a
/// control character other than tab.
fn assert_safe(output: &str, what: &str) {
    for line in output.split('\n') {
        let bad_char = line
            .chars()
            .find(|c| (c.is_control() && *c != '\t') || ('\u{202a}'..='\u{202e}').contains(c));
        assert!(
            bad_char.is_none(),
            "{what}: control character {bad_char:?} in {line:?}"
        );
        assert!(
            !line.trim_start().starts_with("::"),
            "{what}: workflow command line {line:?}"
        );
        for marker in ["##vso[", "##teamcity[", "##["] {
            assert!(!line.contains(marker), "{what}: {marker} in {line:?}");
        }
    }
}

fn hostile_run(status: CaseStatus) -> TestRun {
    let cases = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut c = TestCase::new("suite", *s, format!("{s} #{i}"), status);
            if status != CaseStatus::Passed {
                c.message = Some(format!("{s}\nsecond line {s}"));
            }
            c.file = Some(format!("{s}.rs"));
            c.line = Some(3);
            c.duration_seconds = 1.0 + i as f64;
            c
        })
        .collect();
    TestRun {
        name: "::error::run name ##vso[x]".into(),
        cases,
        ..TestRun::default()
    }
}

fn write_ctrf(path: &Path, run: &TestRun) {
    let file = std::fs::File::create(path).unwrap();
    testrelay::report::json::write_ctrf(run, file).unwrap();
}

fn report(dir: &Path, input: &Path, extra: &[&str]) -> Output {
    run(cli(dir)
        .arg("report")
        .arg(input)
        .args(["--fail-on", "never", "--output-dir", "out", "--history"])
        .arg("h.db")
        .args(extra))
}

#[test]
fn report_summary_carries_no_command_or_escape() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.json");
    write_ctrf(&input, &hostile_run(CaseStatus::Failed));
    let out = report(dir.path(), &input, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_safe(&shown, "report stdout");
    assert_safe(&text(&out.stderr), "report stderr");
    // The text is still there, made visible.
    assert!(shown.contains("\\::add-mask::hunter2"), "{shown}");
    assert!(shown.contains("##vso\\[task.setvariable"), "{shown}");
    assert!(shown.contains("␛]0;title␇"), "{shown}");
    assert!(shown.contains("two␊::error::second line"), "{shown}");
    assert!(shown.contains("␍::error::after"), "{shown}");
}

#[test]
fn json_output_is_safe_and_keeps_every_value() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.json");
    let run_in = hostile_run(CaseStatus::Failed);
    write_ctrf(&input, &run_in);
    let name = "##vso[task.complete]\x1b[2J\u{9b}";
    let out = report(dir.path(), &input, &["--json", "--name", name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_safe(&shown, "report --json");
    let summary: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(summary["run_name"], name);
    // The history keeps the names exactly; `history --json` prints them safely.
    let out = run(cli(dir.path()).args(["history", "--json", "--history", "h.db"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_safe(&text(&out.stdout), "history --json");
}

#[test]
fn flaky_and_history_tables_carry_no_command_or_escape() {
    let dir = tempfile::tempdir().unwrap();
    let failing = dir.path().join("a.json");
    let passing = dir.path().join("b.json");
    write_ctrf(&failing, &hostile_run(CaseStatus::Failed));
    write_ctrf(&passing, &hostile_run(CaseStatus::Passed));
    for input in [&failing, &passing, &failing] {
        let out = report(dir.path(), input, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    for args in [
        &["flaky", "--history", "h.db"][..],
        &["flaky", "--json", "--history", "h.db"],
        &["history", "--history", "h.db"],
    ] {
        let out = run(cli(dir.path()).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert_safe(&shown, &format!("{args:?}"));
        assert_safe(&text(&out.stderr), &format!("{args:?} stderr"));
        if args.len() == 3 && args[0] == "flaky" {
            assert!(shown.contains("##vso\\[task.setvariable"), "{shown}");
            assert!(shown.contains("␛]0;title␇"), "{shown}");
            // One row per test plus the header: names stay on their line.
            assert_eq!(shown.lines().count(), HOSTILE.len() + 1, "{shown}");
        }
    }
}

#[test]
fn errors_and_detection_carry_no_command_or_escape() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir
        .path()
        .join("##vso[task.complete result=Succeeded]\x1b[2J.xml");
    std::fs::write(&bad, "<testsuite><testcase name='x'>").unwrap();
    let out = report(dir.path(), &bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_safe(&err, "error line");
    assert!(err.contains("##vso\\[task.complete"), "{err}");

    let out = run(cli(dir.path())
        .arg("detect")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REF_NAME", "::add-mask::x")
        .env("GITHUB_HEAD_REF", "evil\r::error::##vso[x]\x1b[2J")
        .env("GITHUB_EVENT_NAME", "pull_request"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_safe(&text(&out.stdout), "detect");
}

#[test]
fn split_prints_its_items_safely() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(cli(dir.path()).args([
        "split",
        "--shards",
        "1",
        "--index",
        "0",
        "--history",
        "none.db",
        "ok_test",
        "::add-mask::x",
        "a\x1b[2Jb",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert_safe(&shown, "split");
    assert!(shown.lines().any(|l| l == "ok_test"), "{shown}");
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

#[test]
fn a_plain_run_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = report(dir.path(), &repo("tests/data/junit/pytest-xunit2.xml"), &[]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(
            "  test_sample.test_fails_with_assertion [failed]\n      AssertionError: sums differ\n"
        ),
        "{shown}"
    );
}

/// A user error (exit 2, one line naming the problem), never a panic (101)
/// or an abort.
fn assert_user_error(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn numbers_out_of_range_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("tests/data/junit/nextest.xml");
    let config = dir.path().join("c.json");
    std::fs::write(
        &config,
        r#"{"timeouts": {"finish_secs": 18446744073709551615}}"#,
    )
    .unwrap();
    let out = report(dir.path(), &input, &["--config", "c.json"]);
    assert_user_error(&out, "timeouts.finish_secs");

    let out = run(cli(dir.path()).args(["run", "--timeout", "18446744073709551615", "--", "true"]));
    assert_user_error(&out, "--timeout");
}

#[test]
fn an_empty_history_path_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.json"), r#"{"history_path": ""}"#).unwrap();
    let out = run(cli(dir.path())
        .arg("report")
        .arg(repo("tests/data/junit/nextest.xml"))
        .args(["--config", "c.json", "--output-dir", "out"]));
    assert_user_error(&out, "`history_path` is empty");
    assert!(!text(&out.stderr).contains("journal"));
}

/// `split` with an enormous shard count answers at once, within a 256 MB
/// address-space limit (it used to allocate a record per shard: 400 MB
/// for ten million, an abort for a hundred billion, a panic for 2^64 - 1).
#[cfg(target_os = "linux")]
#[test]
fn split_memory_does_not_grow_with_the_shard_count() {
    let dir = tempfile::tempdir().unwrap();
    for (shards, index, expected) in [
        ("18446744073709551615", "0", "fast\n"),
        ("100000000000", "1", "slow\n"),
        ("10000000", "9999999", ""),
    ] {
        let script = format!(
            "ulimit -v 262144 && exec \"$0\" split --shards {shards} --index {index} --history none.db slow fast"
        );
        let out = run(Command::new("sh")
            .current_dir(dir.path())
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_testrelay")));
        assert!(
            out.status.success(),
            "{shards}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        // No history: both get the same estimate; names in order.
        assert_eq!(text(&out.stdout), expected, "{shards}/{index}");
    }
}
