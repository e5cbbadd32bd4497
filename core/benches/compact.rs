//! The size budget of `history compact`: a 10,000-test suite run 20 times a
//! day for a year (7,300 runs, 73M cases) compacts to at most 100 MB.
//!
//! Run with `cargo bench -p testrelay --bench compact`. Every run of the
//! year is recorded with `History::record_run`: its summary and its three
//! metrics always; its 10,000 cases too for the last 40 runs (more than the
//! 30 that `--keep-runs 30` keeps of every test), which is what compacting
//! the full year keeps: the other 72.6M cases would be recorded only to be
//! deleted, and those runs' summaries then count 0 tests instead of 10,000
//! (a few bytes less per run). With `TESTRELAY_BENCH_FULL_YEAR=1` every
//! case of the year is recorded (73M; hours on a small machine), compacting
//! once a week as a cached history would be, so the file never holds more
//! than about 170 runs of cases. What is kept does not depend on how often
//! compaction ran. The setup prints the sizes and fails when the budget is
//! exceeded; criterion then times one day's compaction (20 new runs into
//! the compacted year).
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use testrelay::history::{CompactPolicy, History, RunRecord};
use testrelay::time::format_rfc3339;
use testrelay::{CaseStatus, Metric, RunStatus, TestCase, TestRun};

const TESTS: usize = 10_000;
const RUNS_PER_DAY: usize = 20;
const DAYS: usize = 365;
const BUDGET_BYTES: u64 = 100 * 1_000_000;
const START_MS: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;
const POLICY: CompactPolicy = CompactPolicy {
    keep_runs: 30,
    keep_days: 0,
};

/// The 10,000 tests: 500 files of 20 tests, in 100 classes.
fn suite() -> Vec<TestCase> {
    (0..TESTS)
        .map(|i| {
            let mut case = TestCase {
                suite: "unit".into(),
                classname: format!("com.example.module{}.Class{}", i % 100, i % 250),
                name: format!("test_behaviour_{i}"),
                file: Some(format!("src/module{}/file{}.rs", i % 100, i % 500)),
                ..TestCase::default()
            };
            case.ensure_id();
            case
        })
        .collect()
}

/// Run `n` of the year: about 1% of the tests fail (with a message),
/// 0.5% are skipped; durations vary from run to run; three run metrics.
fn run(suite: &[TestCase], n: usize) -> (RunRecord, TestRun) {
    let started =
        START_MS + (n / RUNS_PER_DAY) as i64 * DAY_MS + (n % RUNS_PER_DAY) as i64 * 60_000;
    let key = format!("run-{n:05}");
    let cases = suite
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let roll = (i * 7919 + n * 104_729) % 1000;
            let mut case = c.clone();
            case.duration_seconds = 0.001 * ((i * 31 + n * 17) % 900) as f64 + 0.05;
            if roll < 10 {
                case.status = CaseStatus::Failed;
                case.message = Some(format!("assertion failed: expected {i}, got {n}"));
            } else if roll < 15 {
                case.status = CaseStatus::Skipped;
            } else {
                case.status = CaseStatus::Passed;
            }
            case
        })
        .collect();
    let at = format_rfc3339(started + 600_000);
    let metric = |name: &str, value: f64, unit: &str| Metric {
        name: name.into(),
        value,
        unit: unit.into(),
        test_id: None,
        recorded_at: at.clone(),
    };
    let test_run = TestRun {
        run_key: key.clone(),
        cases,
        metrics: vec![
            metric("build_time", 120.0 + (n % 13) as f64, "s"),
            metric("binary_size", 4.2e7 + (n % 7) as f64, "bytes"),
            metric("peak_memory", 8.0e8 + (n % 11) as f64, "bytes"),
        ],
        ..TestRun::default()
    };
    let branch = if n % 4 == 0 { "main" } else { "feature" };
    let meta = RunRecord {
        run_key: key.clone(),
        name: "unit".into(),
        provider: "github".into(),
        branch: Some(branch.into()),
        commit_sha: Some(format!("{n:040x}")),
        status: RunStatus::Failed,
        started_at_ms: Some(started),
        finished_at_ms: Some(started + 600_000),
        duration_seconds: 600.0,
        ..RunRecord::default()
    };
    (meta, test_run)
}

/// Records runs `from..to` into `history`; with `cases_from`, the runs
/// before it without their cases.
fn record(history: &mut History, suite: &[TestCase], from: usize, to: usize, cases_from: usize) {
    for n in from..to {
        let (meta, mut test_run) = run(suite, n);
        if n < cases_from {
            test_run.cases.clear();
        }
        history.record_run(&meta, &test_run).expect("record");
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Records the year into `path`, compacting weekly, then once more.
fn year(path: &Path, suite: &[TestCase]) {
    let mut history = History::open(path).expect("open");
    let end = |day: usize| START_MS + day as i64 * DAY_MS;
    let runs = DAYS * RUNS_PER_DAY;
    let full = std::env::var("TESTRELAY_BENCH_FULL_YEAR").is_ok_and(|v| v == "1");
    let cases_from = if full { 0 } else { runs - 40 };
    for week in 0..DAYS.div_ceil(7) {
        let first = week * 7 * RUNS_PER_DAY;
        let last = ((week + 1) * 7).min(DAYS) * RUNS_PER_DAY;
        record(&mut history, suite, first, last, cases_from);
        let stats = history
            .compact(&POLICY, end((week + 1) * 7))
            .expect("compact");
        eprintln!(
            "week {:2}: {} runs recorded, {:.1} MB -> {:.1} MB",
            week + 1,
            last,
            mb(stats.bytes_before),
            mb(stats.bytes_after)
        );
    }
    let stats = history.compact(&POLICY, end(DAYS)).expect("compact");
    eprintln!(
        "a year: {runs} runs of {TESTS} tests ({} cases recorded) compacted to {:.1} MB \
         (budget {:.0} MB)",
        (runs - cases_from) * TESTS,
        mb(stats.bytes_after),
        mb(BUDGET_BYTES)
    );
    assert!(
        stats.bytes_after <= BUDGET_BYTES,
        "over budget: {} bytes",
        stats.bytes_after
    );
}

fn compact_a_year(c: &mut Criterion) {
    let suite = suite();
    let prepared = tempfile::tempdir().expect("temp dir");
    let path = prepared.path().join("history.db");
    year(&path, &suite);

    let mut group = c.benchmark_group("history");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    group.bench_function("compact_a_day_into_a_compacted_year", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let copy = dir.path().join("history.db");
                std::fs::copy(&path, &copy).expect("copy");
                let mut history = History::open(&copy).expect("open");
                let first = DAYS * RUNS_PER_DAY;
                record(&mut history, &suite, first, first + RUNS_PER_DAY, 0);
                (dir, history)
            },
            |(dir, mut history)| {
                history
                    .compact(&POLICY, START_MS + (DAYS + 1) as i64 * DAY_MS)
                    .expect("compact");
                (dir, history)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, compact_a_year);
criterion_main!(benches);
