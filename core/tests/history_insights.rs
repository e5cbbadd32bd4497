//! The history's insight queries on a real SQLite file: trends, flaky
//! tests, the diff against the previous run and shard splitting, with
//! exact expected values.

mod history_support;

use history_support::{case, record};
use testrelay::analysis::trends::{Direction, Grouping, Timeframe};
use testrelay::history::{DurationKey, History, NO_GROUP};
use testrelay::{CaseStatus, ErrorKind, Metric, TestCase, TestRun};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

fn open(dir: &tempfile::TempDir) -> History {
    History::open(&dir.path().join("history.db")).unwrap()
}

fn run_of(run_key: &str, cases: Vec<TestCase>) -> TestRun {
    TestRun {
        run_key: run_key.into(),
        cases,
        ..TestRun::default()
    }
}

/// Records `run_key` on `branch` at `T0 + day * DAY` with one `build_time`
/// value (seconds) recorded at the run's start.
fn metric_run(h: &mut History, run_key: &str, branch: &str, day: i64, value: f64) {
    let mut run = run_of(run_key, vec![]);
    run.metrics.push(Metric {
        name: "build_time".into(),
        value,
        unit: "s".into(),
        test_id: None,
        recorded_at: String::new(),
    });
    h.record_run(&record(run_key, branch, T0 + day * DAY), &run)
        .unwrap();
}

fn trend_history(dir: &tempfile::TempDir) -> History {
    let mut h = open(dir);
    for (i, value) in [10.0, 12.0, 14.0, 16.0].into_iter().enumerate() {
        metric_run(&mut h, &format!("m{i}"), "main", i as i64, value);
    }
    metric_run(&mut h, "d0", "refs/heads/dev", 4, 20.0);
    h
}

#[test]
fn trends_group_filter_and_judge_the_recorded_values() {
    let dir = tempfile::tempdir().unwrap();
    let h = trend_history(&dir);
    let now = T0 + 5 * DAY;

    let report = h
        .analyze_performance_trends("build_time", Grouping::Branch, Timeframe::All, None, now)
        .unwrap();
    assert_eq!(report.points, 5);
    let overall = report.overall.as_ref().unwrap();
    assert_eq!(overall.summary.count, 5);
    assert_eq!(overall.summary.mean, 14.4);
    assert_eq!((overall.summary.min, overall.summary.max), (10.0, 20.0));
    let labels: Vec<&str> = report.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(labels, ["dev", "main"]);
    let main = &report.groups[1];
    assert_eq!(main.summary.count, 4);
    assert_eq!(main.summary.mean, 13.0);
    assert_eq!(main.runs, 4);
    assert_eq!(main.first_half_mean, Some(11.0));
    assert_eq!(main.second_half_mean, Some(15.0));
    // Seconds: lower is better, so +36% is degrading.
    assert_eq!(main.direction, Direction::Degrading);
    let trend = main.trend.as_ref().unwrap();
    assert!((trend.slope - 2.0).abs() < 1e-9, "slope {}", trend.slope);
    assert!((trend.r_squared - 1.0).abs() < 1e-9);

    let week = h
        .analyze_performance_trends(
            "build_time",
            Grouping::Branch,
            Timeframe::Week,
            None,
            T0 + 9 * DAY,
        )
        .unwrap();
    assert_eq!(week.points, 3);
    assert_eq!(week.overall.unwrap().summary.mean, 50.0 / 3.0);

    let range = Timeframe::Range {
        from_ms: T0,
        to_ms: T0 + 2 * DAY,
    };
    let early = h
        .analyze_performance_trends("build_time", Grouping::Commit, range, None, now)
        .unwrap();
    let labels: Vec<&str> = early.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(labels, ["sha-m1", "sha-m0"]);
    assert_eq!(early.overall.unwrap().summary.mean, 11.0);

    let limited = h
        .analyze_performance_trends("build_time", Grouping::Test, Timeframe::All, Some(1), now)
        .unwrap();
    let labels: Vec<&str> = limited.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(labels, [NO_GROUP]);
    assert_eq!(limited.groups[0].summary.count, 5);

    let none = h
        .analyze_performance_trends("memory", Grouping::Branch, Timeframe::All, None, now)
        .unwrap();
    assert_eq!((none.points, none.overall, none.groups.len()), (0, None, 0));
}

#[test]
fn flaky_tests_score_flips_and_reruns_per_branch() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(&dir);
    let flips = [
        CaseStatus::Passed,
        CaseStatus::Failed,
        CaseStatus::Passed,
        CaseStatus::Failed,
    ];
    for (day, flip) in flips.into_iter().enumerate() {
        let rerun = if day == 3 {
            CaseStatus::Flaky
        } else {
            CaseStatus::Passed
        };
        let key = format!("r{day}");
        let cases = vec![
            case(0, CaseStatus::Passed, 1.0),
            case(1, flip, 1.0),
            case(2, rerun, 1.0),
        ];
        h.record_run(
            &record(&key, "main", T0 + day as i64 * DAY),
            &run_of(&key, cases),
        )
        .unwrap();
    }
    let dev = vec![case(0, CaseStatus::Failed, 1.0)];
    h.record_run(&record("d", "dev", T0 + 4 * DAY), &run_of("d", dev))
        .unwrap();

    let main = h.flaky_tests(30, Some("main")).unwrap();
    let got: Vec<(&str, f64, usize, usize, usize, usize)> = main
        .iter()
        .map(|f| {
            (
                f.full_name.as_str(),
                f.score,
                f.flips,
                f.runs,
                f.failures,
                f.in_run_reruns,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("pkg.Class1.test_1", 1.0, 3, 4, 2, 0),
            ("pkg.Class2.test_2", 0.5, 0, 4, 0, 1),
        ]
    );
    assert_eq!(main[0].test_id, case(1, CaseStatus::Passed, 0.0).id);

    let everywhere = h.flaky_tests(30, None).unwrap();
    let names: Vec<(&str, f64)> = everywhere
        .iter()
        .map(|f| (f.full_name.as_str(), f.score))
        .collect();
    assert_eq!(
        names,
        [
            ("pkg.Class1.test_1", 1.0),
            ("pkg.Class2.test_2", 0.5),
            ("pkg.Class0.test_0", 0.25),
        ]
    );

    let last_two = h.flaky_tests(2, Some("main")).unwrap();
    let runs: Vec<(usize, usize)> = last_two.iter().map(|f| (f.runs, f.flips)).collect();
    assert_eq!(runs, [(2, 1), (2, 0)]);

    assert_eq!(
        h.flaky_tests(0, None).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

/// [`record`] named `unit`, the name every run of the diff test shares.
fn unit(run_key: &str, branch: &str, started_at_ms: i64) -> testrelay::history::RunRecord {
    testrelay::history::RunRecord {
        name: "unit".into(),
        ..record(run_key, branch, started_at_ms)
    }
}

#[test]
fn diff_compares_with_the_previous_run_or_the_pr_base() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(&dir);
    use CaseStatus::{Failed, Passed};
    let p1 = vec![
        case(0, Passed, 1.0),
        case(1, Failed, 1.0),
        case(2, Failed, 1.0),
        case(3, Passed, 1.0),
    ];
    let p2 = vec![
        case(0, Failed, 1.0),
        case(1, Passed, 1.0),
        case(2, Failed, 1.0),
        case(4, Passed, 1.0),
    ];
    h.record_run(&unit("f0", "feature", T0), &run_of("f0", vec![]))
        .unwrap();
    h.record_run(&unit("p1", "main", T0 + DAY), &run_of("p1", p1))
        .unwrap();
    // Another kind of run in between is not what p2 is compared with.
    let other = vec![case(9, Passed, 1.0)];
    h.record_run(&record("i1", "main", T0 + DAY + 1), &run_of("i1", other))
        .unwrap();
    h.record_run(&unit("p2", "main", T0 + 2 * DAY), &run_of("p2", p2))
        .unwrap();
    let mut pr = unit("pr", "feature", T0 + 3 * DAY);
    pr.pr_number = Some(7);
    pr.base_branch = Some("main".into());
    h.record_run(&pr, &run_of("pr", vec![case(0, Passed, 1.0)]))
        .unwrap();
    h.record_run(
        &unit("f1", "feature", T0 + 4 * DAY),
        &run_of("f1", vec![case(0, Passed, 1.0)]),
    )
    .unwrap();

    let diff = h.diff_against_previous("p2").unwrap().unwrap();
    let names = |list: &[testrelay::analysis::diff::DiffEntry]| -> Vec<String> {
        list.iter().map(|e| e.full_name.clone()).collect()
    };
    assert_eq!(diff.previous_run.as_deref(), Some("p1"));
    assert_eq!(names(&diff.new_failures), ["pkg.Class0.test_0"]);
    assert_eq!(names(&diff.fixed), ["pkg.Class1.test_1"]);
    assert_eq!(names(&diff.still_failing), ["pkg.Class2.test_2"]);
    assert_eq!(names(&diff.new_tests), ["pkg.Class4.test_4"]);
    assert_eq!(names(&diff.removed_tests), ["pkg.Class3.test_3"]);
    assert!(diff.newly_skipped.is_empty());

    assert_eq!(h.diff_against_previous("p1").unwrap(), None);
    assert_eq!(h.diff_against_previous("i1").unwrap(), None);

    // A PR run is compared with its base branch's latest run, not with f0.
    let pr_diff = h.diff_against_previous("pr").unwrap().unwrap();
    assert_eq!(pr_diff.previous_run.as_deref(), Some("p2"));
    assert_eq!(names(&pr_diff.fixed), ["pkg.Class0.test_0"]);
    assert_eq!(pr_diff.removed_tests.len(), 3);

    let next = h.diff_against_previous("f1").unwrap().unwrap();
    assert_eq!(next.previous_run.as_deref(), Some("pr"));
    assert!(next.new_failures.is_empty() && next.fixed.is_empty());

    let err = h.diff_against_previous("nope").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("\"nope\""), "{err}");
}

#[test]
fn a_shard_is_compared_with_the_same_shard_of_the_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(&dir);
    use CaseStatus::{Failed, Passed};
    // Two pipelines of two shards each; shard 0 runs tests 0..2, shard 1
    // runs 2..4. Then a run of everything, not sharded.
    let shard = |key: &str, index: u32, total: u32, at: i64| {
        let mut meta = unit(key, "main", at);
        meta.shard_index = Some(index);
        meta.shard_total = Some(total);
        meta
    };
    let cases = |range: std::ops::Range<usize>, status: CaseStatus| -> Vec<TestCase> {
        range.map(|i| case(i, status, 1.0)).collect()
    };
    let runs = [
        (shard("a0", 0, 2, T0), cases(0..2, Passed)),
        (shard("a1", 1, 2, T0 + 1), cases(2..4, Failed)),
        (shard("b0", 0, 2, T0 + DAY), cases(0..2, Failed)),
        (shard("b1", 1, 2, T0 + DAY + 1), cases(2..4, Passed)),
        (unit("all", "main", T0 + 2 * DAY), cases(0..4, Passed)),
        (shard("c0", 0, 4, T0 + 3 * DAY), cases(0..1, Passed)),
    ];
    for (meta, cases) in runs {
        let key = meta.run_key.clone();
        h.record_run(&meta, &run_of(&key, cases)).unwrap();
    }

    let b1 = h.diff_against_previous("b1").unwrap().unwrap();
    assert_eq!(b1.previous_run.as_deref(), Some("a1"));
    assert_eq!(b1.fixed.len(), 2);
    assert!(b1.new_tests.is_empty() && b1.removed_tests.is_empty());
    let b0 = h.diff_against_previous("b0").unwrap().unwrap();
    assert_eq!(b0.previous_run.as_deref(), Some("a0"));
    assert_eq!(b0.new_failures.len(), 2);
    // A run that is not sharded is compared with runs that are not; a
    // shard of another shard count with nothing before it.
    assert_eq!(h.diff_against_previous("all").unwrap(), None);
    assert_eq!(h.diff_against_previous("c0").unwrap(), None);
}

#[test]
fn split_uses_mean_durations_and_the_median_for_unknown_tests() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(&dir);
    for (day, first) in [(0, 4.0), (1, 6.0)] {
        let key = format!("s{day}");
        let cases = vec![
            case(0, CaseStatus::Passed, first),
            case(1, CaseStatus::Passed, 3.0),
            case(2, CaseStatus::Passed, 2.0),
            case(3, CaseStatus::Failed, 1.0),
        ];
        h.record_run(&record(&key, "main", T0 + day * DAY), &run_of(&key, cases))
            .unwrap();
    }
    let id = |i: usize| case(i, CaseStatus::Passed, 0.0).id;
    // Means 5, 3, 2, 1; the unknown test gets the median 2.5.
    let tests = vec![id(3), id(2), "unknown".to_string(), id(1), id(0)];
    let shard0 = h
        .split_tests(&tests, DurationKey::TestId, 0, 2, 10)
        .unwrap();
    let shard1 = h
        .split_tests(&tests, DurationKey::TestId, 1, 2, 10)
        .unwrap();
    assert_eq!(shard0, [id(0), id(2)]);
    assert_eq!(shard1, [id(1), "unknown".to_string(), id(3)]);

    let files: Vec<String> = (0..4).map(|i| format!("src/mod{i}.rs")).collect();
    let by_file = h.split_tests(&files, DurationKey::File, 0, 2, 10).unwrap();
    assert_eq!(by_file, ["src/mod0.rs", "src/mod3.rs"]);

    // Only the newest run: src/mod0.rs takes 6 s, alone on shard 0.
    let newest = h.split_tests(&files, DurationKey::File, 0, 2, 1).unwrap();
    assert_eq!(newest, ["src/mod0.rs"]);

    let err = h
        .split_tests(&tests, DurationKey::TestId, 2, 2, 10)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);

    // Tests given by name, as runners take them. "test_3" names two tests
    // (pkg.Class3 and other.C), so it is unknown and gets the median 2.5.
    let mut twin = case(3, CaseStatus::Passed, 9.0);
    twin.classname = "other.C".into();
    twin.id = String::new();
    h.record_run(
        &record("s2", "main", T0 + 2 * DAY),
        &run_of("s2", vec![twin]),
    )
    .unwrap();
    let names: Vec<String> = [
        "pkg.Class3.test_3",
        "test_2",
        "test_3",
        "pkg.Class1::test_1",
        "src/mod0.rs::test_0",
    ]
    .map(String::from)
    .to_vec();
    let one_shard = h
        .split_tests(&names, DurationKey::TestId, 0, 1, 10)
        .unwrap();
    assert_eq!(
        one_shard,
        [
            "src/mod0.rs::test_0",
            "pkg.Class1::test_1",
            "test_3",
            "test_2",
            "pkg.Class3.test_3"
        ]
    );
    let ids = h
        .test_ids_by_name(&["pkg.Class2#test_2", "test_3", "nothing", "test_0"])
        .unwrap();
    assert_eq!(
        ids,
        std::collections::BTreeMap::from([
            ("pkg.Class2#test_2".to_string(), id(2)),
            ("test_0".to_string(), id(0)),
        ])
    );
}
