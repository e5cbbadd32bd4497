//! Metrics in (JUnit properties written by pytest, a metric JSON file,
//! `testrelay metric record`) and regressions out (summary.md, the PR
//! comment, the HTML report, the check run, the job summary and
//! `--fail-on regression`), with the history a real SQLite file built here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testrelay::config::PerformanceSettings;
use testrelay::history::{History, RunRecord};
use testrelay::time::now_unix_ms;
use testrelay::{RunStatus, TestRun};
use testrelay_ci_sim::Simulator;

const HOUR_MS: i64 = 3_600_000;
const HEAD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// A run pytest wrote with `record_property("metric.latency_ms", 12.5)` and
/// five more metrics (see tests/data/junit/src/pytest-metrics).
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/junit/pytest-metrics.xml")
}

fn fixture_run() -> TestRun {
    testrelay::report::load_report(&fixture()).unwrap()
}

fn test_id(run: &TestRun, name: &str) -> String {
    run.cases
        .iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
        .clone()
}

/// The CLI with an environment holding nothing of the machine's CI, its
/// reports in `dir/out` and its history in `dir/history.db`.
fn testrelay(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir)
        .args(args)
        .arg("--history")
        .arg(dir.join("history.db"));
    if args[0] != "metric" {
        cmd.arg("--output-dir").arg(dir.join("out"));
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Ten finished runs named `testrelay` on `branch`, an hour apart and
/// ending an hour ago, each with `values[i]` as `latency_ms` of the test
/// `test`.
fn seed_baseline(db: &Path, branch: &str, test: &str, values: &[f64]) {
    let mut h = History::open(db).unwrap();
    let start = now_unix_ms() - (values.len() as i64 + 1) * HOUR_MS;
    for (i, v) in values.iter().enumerate() {
        let key = format!("{branch}-{i}");
        h.begin_run(&RunRecord {
            run_key: key.clone(),
            name: "testrelay".into(),
            branch: Some(branch.into()),
            status: RunStatus::Running,
            started_at_ms: Some(start + i as i64 * HOUR_MS),
            ..RunRecord::default()
        })
        .unwrap();
        h.record_performance_metric(&key, Some(test), "latency_ms", *v, "ms")
            .unwrap();
        h.complete_run(&key, RunStatus::Passed, None, 1.0).unwrap();
    }
}

/// Baseline values around 10 ms: the fixture's 12.5 ms is 25% slower.
const FAST: [f64; 10] = [10.0, 10.1, 9.9, 10.05, 9.95, 10.0, 10.2, 9.8, 10.1, 9.9];
/// Baseline values around 15 ms: the fixture's 12.5 ms is 17% faster.
const SLOW: [f64; 10] = [15.0, 15.2, 14.8, 15.1, 14.9, 15.0, 15.3, 14.7, 15.1, 14.9];
/// Baseline values around 12.4 ms with spread: 12.5 ms is noise.
const NOISE: [f64; 10] = [12.1, 12.8, 12.3, 12.6, 11.9, 12.7, 12.2, 12.5, 12.4, 12.3];

fn local_env(branch: &str) -> Vec<(&'static str, String)> {
    vec![("CI", "false".into()), ("TESTRELAY_BRANCH", branch.into())]
}

fn latency(summary: &Value) -> &Value {
    summary["performance"]["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "latency_ms")
        .unwrap_or_else(|| panic!("no latency_ms in {summary}"))
}

#[test]
fn junit_properties_arrive_as_stored_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--json",
            "--provider",
            "local",
            file.to_str().unwrap(),
        ],
        &local_env("main"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("\"metric.label\" is not a finite number"),
        "{}",
        text(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = summary["result"]["test_run_id"].as_str().unwrap();
    let h = History::open(&dir.path().join("history.db")).unwrap();
    let run = fixture_run();
    let mut stored: Vec<(String, f64, String, Option<String>)> = h
        .run_metrics(key)
        .unwrap()
        .into_iter()
        .map(|m| (m.name, m.value, m.unit, m.test_id))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    let search = Some(test_id(&run, "test_search_latency"));
    assert_eq!(
        stored,
        [
            (
                "accuracy_pct".into(),
                97.5,
                "%".into(),
                Some(test_id(&run, "test_model_accuracy"))
            ),
            (
                "binary_size_bytes".into(),
                1_843_200.0,
                "bytes".into(),
                None
            ),
            ("build_s".into(), 84.25, "s".into(), None),
            ("latency_ms".into(), 12.5, "ms".into(), search.clone()),
            ("p99_latency_ms".into(), 13.0, "ms".into(), search),
            (
                "throughput".into(),
                5200.0,
                "ops/s".into(),
                Some(test_id(&run, "test_encode_throughput"))
            ),
        ]
    );
    // Without a baseline every metric is new; nothing regressed.
    let comparisons = summary["performance"]["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 6);
    assert!(comparisons.iter().all(|c| c["verdict"] == "new"));
}

#[test]
fn a_metrics_file_adds_run_and_per_test_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("bench.json");
    std::fs::write(
        &metrics,
        r#"{"startup": {"cold_ms": 420, "warm_ms": 85},
            "tests": {"test_bench.test_without_metrics": {"rss": {"value": 31.5, "unit": "MiB"}}}}"#,
    )
    .unwrap();
    let file = fixture();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--json",
            "--provider",
            "local",
            "--metrics",
            metrics.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        &local_env("main"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = summary["result"]["test_run_id"].as_str().unwrap();
    let h = History::open(&dir.path().join("history.db")).unwrap();
    let run = fixture_run();
    let stored = h.run_metrics(key).unwrap();
    let find = |name: &str| stored.iter().find(|m| m.name == name).unwrap();
    assert_eq!(
        (
            find("startup.cold_ms").value,
            find("startup.cold_ms").unit.as_str()
        ),
        (420.0, "ms")
    );
    assert_eq!(find("startup.warm_ms").value, 85.0);
    assert_eq!(find("startup.cold_ms").test_id, None);
    let rss = find("rss");
    assert_eq!((rss.value, rss.unit.as_str()), (31.5, "MiB"));
    assert_eq!(rss.test_id, Some(test_id(&run, "test_without_metrics")));
    // And the file's metrics are in the run's reports with the JUnit ones.
    let run_json: Value = serde_json::from_str(&read(dir.path().join("out/results.json"))).unwrap();
    assert!(run_json.to_string().contains("startup.cold_ms"));

    // A malformed file is an error naming the key; nothing is reported.
    std::fs::write(&metrics, r#"{"startup": {"cold_ms": "slow"}}"#).unwrap();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--metrics",
            metrics.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        &local_env("main"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`startup.cold_ms` is a string"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(h.get_test_history(&Default::default()).unwrap().len(), 1);
}

#[test]
fn metric_record_goes_into_the_run_report_opens_later() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("testrelay.json");
    std::fs::write(
        &config,
        r#"{"test_run_id": "nightly-42", "provider": "local"}"#,
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let env = local_env("main");
    let out = testrelay(
        dir.path(),
        &[
            "metric", "record", "deploy_s", "31.5", "--config", cfg, "--json",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["run_key"], "nightly-42");
    assert_eq!(receipt["created_run"], true);
    assert_eq!(receipt["unit"], "s");
    // Tied to a test by its name; an explicit unit.
    let out = testrelay(
        dir.path(),
        &[
            "metric", "record", "heap", "-3.5", "--unit", "MiB", "--test", "a.b", "--config", cfg,
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("recorded into run nightly-42"));

    let file = fixture();
    let out = testrelay(
        dir.path(),
        &["report", "--json", "--config", cfg, file.to_str().unwrap()],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["result"]["test_run_id"], "nightly-42");
    let h = History::open(&dir.path().join("history.db")).unwrap();
    let stored = h.run_metrics("nightly-42").unwrap();
    let deploy = stored.iter().find(|m| m.name == "deploy_s").unwrap();
    assert_eq!((deploy.value, deploy.test_id.as_deref()), (31.5, None));
    let heap = stored.iter().find(|m| m.name == "heap").unwrap();
    assert_eq!((heap.value, heap.unit.as_str()), (-3.5, "MiB"));
    assert_eq!(heap.test_id.as_deref(), Some("a.b"));
    assert!(
        stored.iter().any(|m| m.name == "latency_ms"),
        "the JUnit metrics too"
    );
    let names: Vec<&str> = summary["performance"]["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"deploy_s"), "{names:?}");
    let run = h.find_run("nightly-42").unwrap().unwrap();
    assert_eq!(run.run.status, RunStatus::Passed);

    // After the run is reported, a late metric is added to it.
    let out = testrelay(
        dir.path(),
        &["metric", "record", "late", "1", "--config", cfg, "--json"],
        &env,
    );
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["created_run"], false);
    assert_eq!(h.run_metrics("nightly-42").unwrap().len(), stored.len() + 1);
}

#[test]
fn metric_record_in_a_ci_job_names_the_run_of_that_job() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("CI", "true".to_string()),
        ("GITLAB_CI", "true".into()),
        ("CI_PIPELINE_ID", "5150".into()),
        ("CI_JOB_ID", "77".into()),
        ("CI_COMMIT_REF_NAME", "main".into()),
    ];
    let out = testrelay(
        dir.path(),
        &["metric", "record", "bundle_kb", "812", "--json"],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = fixture();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--json",
            "--provider",
            "local",
            file.to_str().unwrap(),
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["result"]["test_run_id"], receipt["run_key"]);
    let h = History::open(&dir.path().join("history.db")).unwrap();
    let key = receipt["run_key"].as_str().unwrap();
    assert!(
        h.run_metrics(key)
            .unwrap()
            .iter()
            .any(|m| m.name == "bundle_kb" && m.unit == "KB")
    );

    // Outside a CI build and without test_run_id there is no run to name.
    let out = testrelay(
        dir.path(),
        &["metric", "record", "x", "1"],
        &local_env("main"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("test_run_id"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_seeded_regression_fails_the_build_and_shows_everywhere_locally() {
    let dir = tempfile::tempdir().unwrap();
    let run = fixture_run();
    let search = test_id(&run, "test_search_latency");
    // The baseline is on main; this run is on a feature branch, compared
    // with main because the configuration names it the default branch.
    seed_baseline(&dir.path().join("history.db"), "main", &search, &FAST);
    seed_baseline(&dir.path().join("history.db"), "feature", &search, &SLOW);
    let config = dir.path().join("testrelay.json");
    std::fs::write(
        &config,
        r#"{"provider": "local", "performance": {"default_branch": "main"}}"#,
    )
    .unwrap();
    let file = fixture();
    let args = [
        "report",
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "failures,regression",
        file.to_str().unwrap(),
    ];
    let out = testrelay(dir.path(), &args, &local_env("feature"));
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("Performance (against the last 10 runs of main): 1 regressions"),
        "{stdout}"
    );
    assert!(stdout.contains("REGRESSION  latency_ms [test_bench.test_search_latency]: 10 → 12.5 ms (+25.0%, p <0.001)"), "{stdout}");

    let row = "| 🔴 regression | `latency_ms` | `test_bench.test_search_latency` | 10 ms | 12.5 ms | +25.0% | <0.001 (t) |";
    let summary = read(dir.path().join("out/summary.md"));
    assert!(summary.contains("### Performance"), "{summary}");
    assert!(summary.contains(row), "{summary}");
    assert!(
        summary.contains("against the last 10 runs of `main`"),
        "{summary}"
    );
    let comment = read(dir.path().join("out/pr-comment.md"));
    assert!(comment.contains(row), "{comment}");
    let html = read(dir.path().join("out/report.html"));
    assert!(
        html.contains("<tr class=\"reg\"><td>regression</td><td class=\"nm\">latency_ms</td><td class=\"nm\">test_bench.test_search_latency</td><td>10 ms</td><td>12.5 ms</td><td>+25.0%</td><td>&lt;0.001 (t)</td>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"#performance\">Performance</a>"));

    // Without `regression` in --fail-on, the passing tests decide.
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--config",
            config.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        &local_env("feature"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_improvement_is_shown_and_noise_does_not_fail() {
    for (values, verdict, mark) in [
        (SLOW, "improvement", "| 🟢 improvement | `latency_ms` |"),
        (NOISE, "unchanged", "|  | `latency_ms` |"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let run = fixture_run();
        seed_baseline(
            &dir.path().join("history.db"),
            "main",
            &test_id(&run, "test_search_latency"),
            &values,
        );
        let file = fixture();
        let out = testrelay(
            dir.path(),
            &[
                "report",
                "--json",
                "--provider",
                "local",
                "--fail-on",
                "regression",
                file.to_str().unwrap(),
            ],
            &local_env("main"),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{verdict}: {}",
            text(&out.stderr)
        );
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        let c = latency(&summary);
        assert_eq!(c["verdict"], verdict, "{c}");
        assert_eq!(c["baseline_runs"], 10);
        assert_eq!(c["test"], "single_value");
        let md = read(dir.path().join("out/summary.md"));
        assert!(md.contains(mark), "{verdict}: {md}");
        if verdict == "unchanged" {
            // Not significant, and under the 5% minimum change anyway.
            assert!(c["p_value"].as_f64().unwrap() > 0.05, "{c}");
            assert!(c["change_pct"].as_f64().unwrap().abs() < 5.0, "{c}");
        }
    }
}

#[test]
fn a_pull_request_is_compared_with_its_base_branch_on_github() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = fixture_run();
    let search = test_id(&run, "test_search_latency");
    let db = dir.path().join("history.db");
    // The base branch is fast; the PR branch's own history is slow, and
    // would make 12.5 ms an improvement.
    seed_baseline(&db, "main", &search, &FAST);
    seed_baseline(&db, "feature", &search, &SLOW);
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        format!(
            r#"{{"number":7,"pull_request":{{"number":7,"head":{{"sha":"{HEAD_SHA}","ref":"feature"}},"base":{{"ref":"main"}}}}}}"#
        ),
    )
    .unwrap();
    let step_summary = dir.path().join("step_summary.md");
    let env = [
        ("CI", "true".to_string()),
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_REPOSITORY", "octo/app".into()),
        ("GITHUB_TOKEN", "ghs_performance_test_token_5521".into()),
        ("GITHUB_API_URL", sim.url()),
        ("GITHUB_SERVER_URL", "https://github.example".into()),
        (
            "GITHUB_SHA",
            "ffffffffffffffffffffffffffffffffffffffff".into(),
        ),
        ("GITHUB_EVENT_NAME", "pull_request".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_REF", "refs/pull/7/merge".into()),
        ("GITHUB_HEAD_REF", "feature".into()),
        ("GITHUB_BASE_REF", "main".into()),
        ("GITHUB_RUN_ID", "4242".into()),
        ("GITHUB_RUN_ATTEMPT", "1".into()),
        ("GITHUB_JOB", "test".into()),
        ("GITHUB_STEP_SUMMARY", step_summary.display().to_string()),
    ];
    let file = fixture();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "--provider",
            "github",
            "--fail-on",
            "failures,regression",
            file.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let row = "| 🔴 regression | `latency_ms` | `test_bench.test_search_latency` | 10 ms | 12.5 ms | +25.0% |";
    let gh = sim.github();
    let check = gh.check_runs.first().expect("a check run");
    let output = check.output.summary.as_deref().unwrap_or_default();
    assert!(
        output.contains("### Performance") && output.contains(row),
        "{output}"
    );
    assert!(output.contains("runs of `main`"), "{output}");
    assert_eq!(gh.comments.len(), 1);
    assert!(gh.comments[0].body.contains(row), "{}", gh.comments[0].body);
    let job_summary = read(step_summary);
    assert!(job_summary.contains(row), "{job_summary}");
}

#[test]
fn the_history_picks_the_baseline_branch_and_the_last_n_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    seed_baseline(&db, "main", "t1", &FAST);
    seed_baseline(&db, "feature", "t1", &SLOW);
    let mut h = History::open(&db).unwrap();
    let pr = RunRecord {
        run_key: "pr".into(),
        name: "testrelay".into(),
        branch: Some("topic".into()),
        base_branch: Some("refs/heads/main".into()),
        pr_number: Some(7),
        status: RunStatus::Running,
        ..RunRecord::default()
    };
    h.begin_run(&pr).unwrap();
    h.record_performance_metric("pr", Some("t1"), "latency_ms", 12.5, "ms")
        .unwrap();
    h.complete_run("pr", RunStatus::Passed, None, 1.0).unwrap();
    let settings = PerformanceSettings {
        baseline_runs: 4,
        ..PerformanceSettings::default()
    };
    let report = h.compare_metrics("pr", &settings).unwrap().unwrap();
    // Stored and shown normalised.
    assert_eq!(report.baseline_branch.as_deref(), Some("main"));
    assert_eq!(report.baseline_runs, 4);
    let c = &report.comparisons[0];
    // The last four runs of main, oldest first, then this run.
    assert_eq!(c.recent, [10.2, 9.8, 10.1, 9.9, 12.5]);
    assert!(report.has_regression());
    // Not a PR: its own branch (feature), where 12.5 is an improvement.
    h.begin_run(&RunRecord {
        pr_number: None,
        run_key: "push".into(),
        branch: Some("feature".into()),
        ..pr.clone()
    })
    .unwrap();
    h.record_performance_metric("push", Some("t1"), "latency_ms", 12.5, "ms")
        .unwrap();
    h.complete_run("push", RunStatus::Passed, None, 1.0)
        .unwrap();
    let report = h.compare_metrics("push", &settings).unwrap().unwrap();
    assert_eq!(report.baseline_branch.as_deref(), Some("feature"));
    assert_eq!(report.comparisons[0].verdict.as_str(), "improvement");
    // A run without metrics has no report; an unknown key is NotFound.
    h.begin_run(&RunRecord {
        run_key: "bare".into(),
        ..RunRecord::default()
    })
    .unwrap();
    assert_eq!(h.compare_metrics("bare", &settings).unwrap(), None);
    assert_eq!(
        h.compare_metrics("nope", &settings).unwrap_err().kind(),
        testrelay::ErrorKind::NotFound
    );
}
