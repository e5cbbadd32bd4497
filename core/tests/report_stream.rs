//! The streamed report writers (`JunitStream`, `CtrfStream`) write the same
//! bytes as the writers of a whole run, on every result file real runners
//! wrote under `tests/data/` (the copy of `../shared/fixtures/` included),
//! on merged shards, and on runs whose suites interleave.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use testrelay::config::JunitProfile;
use testrelay::report::aggregate::merge_runs;
use testrelay::report::json::{CtrfStream, write_ctrf};
use testrelay::report::junit::{JunitStream, write_junit_with};
use testrelay::report::results::{ReadOptions, read_file};
use testrelay::{CaseStatus, TestCase, TestRun};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every result file under `tests/data/` that testrelay reads, as a run
/// with fixed timestamps (the writers put "now" where a run has none).
fn fixture_runs() -> Vec<(PathBuf, TestRun)> {
    let mut files = Vec::new();
    for dir in ["junit", "test-reporter", "go", "nunit-plugin", "xunit"] {
        files_under(&repo(&format!("tests/data/{dir}")), &mut files);
    }
    files.sort();
    let runs: Vec<(PathBuf, TestRun)> = files
        .into_iter()
        .filter_map(|path| {
            let mut run = read_file(&path, &ReadOptions::default()).ok()?.run;
            run.started_at
                .get_or_insert_with(|| "2026-01-02T03:04:05Z".into());
            run.finished_at = Some("2026-01-02T03:05:06Z".into());
            Some((path, run))
        })
        .collect();
    assert!(runs.len() >= 20, "only {} fixtures read", runs.len());
    assert!(
        runs.iter().any(|(_, r)| r.cases.len() > 50),
        "no fixture with many cases"
    );
    runs
}

/// The run without its cases: what the streams get at the end.
fn frame(run: &TestRun) -> TestRun {
    TestRun {
        cases: Vec::new(),
        ..run.clone()
    }
}

fn streamed_junit(run: &TestRun, profile: JunitProfile) -> Vec<u8> {
    let mut stream = JunitStream::new(Cursor::new(Vec::new()), &run.name, profile);
    for case in &run.cases {
        stream.push(case).unwrap();
    }
    let mut out = Vec::new();
    stream.finish(&frame(run), &mut out).unwrap();
    out
}

fn streamed_ctrf(run: &TestRun) -> Vec<u8> {
    let mut stream = CtrfStream::new(Cursor::new(Vec::new()));
    for case in &run.cases {
        stream.push(case).unwrap();
    }
    let mut out = Vec::new();
    stream.finish(&frame(run), &mut out).unwrap();
    out
}

/// Both writers of each format give the same bytes for `run`.
fn assert_same(what: &str, run: &TestRun) {
    for profile in [JunitProfile::Full, JunitProfile::Strict] {
        let mut whole = Vec::new();
        write_junit_with(run, profile, &mut whole).unwrap();
        let streamed = streamed_junit(run, profile);
        assert!(
            whole == streamed,
            "{what}: JUnit ({profile:?}) differs:\n--- whole\n{}\n--- streamed\n{}",
            String::from_utf8_lossy(&whole),
            String::from_utf8_lossy(&streamed)
        );
    }
    let mut whole = Vec::new();
    write_ctrf(run, &mut whole).unwrap();
    let streamed = streamed_ctrf(run);
    assert!(
        whole == streamed,
        "{what}: CTRF differs:\n--- whole\n{}\n--- streamed\n{}",
        String::from_utf8_lossy(&whole),
        String::from_utf8_lossy(&streamed)
    );
    serde_json::from_slice::<serde_json::Value>(&streamed).expect("the streamed CTRF is JSON");
}

#[test]
fn streamed_reports_equal_the_whole_run_reports_on_every_fixture() {
    for (path, run) in fixture_runs() {
        assert_same(&path.display().to_string(), &run);
    }
}

#[test]
fn streamed_reports_equal_the_whole_run_reports_of_merged_shards() {
    let runs: Vec<TestRun> = fixture_runs().into_iter().map(|(_, r)| r).collect();
    // Every fixture as one shard, and the same shards twice (every case
    // matched with itself), and a shard merged with a rerun that passed.
    assert_same("all fixtures merged", &merge_runs(runs.clone()));
    assert_same(
        "all fixtures merged twice",
        &merge_runs(runs.iter().chain(runs.iter()).cloned()),
    );
    let first = runs
        .iter()
        .find(|r| r.cases.iter().any(|c| c.status == CaseStatus::Failed))
        .expect("a fixture with a failure")
        .clone();
    let mut rerun = first.clone();
    for case in &mut rerun.cases {
        case.status = CaseStatus::Passed;
        case.message = None;
        case.details = None;
    }
    let merged = merge_runs([first, rerun]);
    assert!(merged.cases.iter().any(|c| c.status == CaseStatus::Flaky));
    assert_same("a shard and its passing rerun", &merged);
}

#[test]
fn streamed_reports_equal_the_whole_run_reports_when_suites_interleave() {
    let mut run = TestRun {
        name: "interleaved <run>".into(),
        started_at: Some("2026-01-02T03:04:05Z".into()),
        finished_at: Some("2026-01-02T03:05:06Z".into()),
        ..TestRun::default()
    };
    let statuses = [
        CaseStatus::Passed,
        CaseStatus::Failed,
        CaseStatus::Skipped,
        CaseStatus::Error,
        CaseStatus::Flaky,
    ];
    for i in 0..40 {
        // Suites a, b, (none: the run's name), a, b, ... and a last suite
        // seen once, in the middle.
        let suite = match i % 3 {
            0 => "a & a",
            1 => "b",
            _ => "",
        };
        let suite = if i == 17 { "once" } else { suite };
        let mut case = TestCase::new(suite, "cls", format!("case {i}"), statuses[i % 5]);
        case.duration_seconds = 0.001 * i as f64 + 0.0000001;
        if case.status != CaseStatus::Passed {
            case.message = Some(format!("line one\nline \"two\" {i}\r\n\u{1b}[0m"));
            case.details = Some("at x\n\tat y ]]>".into());
        }
        if i % 4 == 0 {
            case.stdout = Some("out\n".into());
            case.properties.insert("k".into(), format!("v{i}"));
        }
        if i == 5 {
            case.name = String::new();
        }
        run.cases.push(case);
    }
    assert_same("interleaved suites", &run);
    assert_same("no cases", &frame(&run));
}
