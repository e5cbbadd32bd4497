//! CircleCI: results reach CircleCI through `store_test_results` reading
//! our JUnit (with the `file` and `classname` its test insights use), the
//! API reads them back with `CIRCLE_TOKEN`, and statuses and PR comments go
//! to the code host (GitHub from `CIRCLE_REPOSITORY_URL`, the PR from
//! `CIRCLE_PULL_REQUEST`) with that host's token. Every request is asserted
//! exactly; no server receives another's token.

use std::time::Duration;

use serde_json::json;
use testrelay::detect::{Env, detect};
use testrelay::provider::{Registry, RunContext};
use testrelay::report::junit::JunitProfile;
use testrelay::{CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, RunStatus, TestCase};
use testrelay_ci_sim::{CircleciJob, Simulator};

const CIRCLE_TOKEN: &str = "CCIPAT_circle_token_5151";
const GITHUB_TOKEN: &str = "ghs_from_circleci_6262";
const SHA: &str = "fedcba9876543210fedcba9876543210fedcba98";

fn env(tokens: &[(&str, &str)]) -> Env {
    let mut env = Env::new()
        .with_var("CIRCLECI", "true")
        .with_var("CIRCLE_PROJECT_USERNAME", "octo")
        .with_var("CIRCLE_PROJECT_REPONAME", "app")
        .with_var("CIRCLE_REPOSITORY_URL", "git@github.com:octo/app.git")
        .with_var("CIRCLE_PULL_REQUEST", "https://github.com/octo/app/pull/5")
        .with_var("CIRCLE_BRANCH", "feature")
        .with_var("CIRCLE_SHA1", SHA)
        .with_var("CIRCLE_BUILD_NUM", "88")
        .with_var("CIRCLE_JOB", "test")
        .with_var("CIRCLE_NODE_INDEX", "1")
        .with_var("CIRCLE_NODE_TOTAL", "4");
    for (k, v) in tokens {
        env = env.with_var(*k, *v);
    }
    env
}

fn config(dir: &std::path::Path, sim: &Simulator) -> Config {
    let mut config = Config {
        provider: "auto".into(),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        // What examples/ci/circleci-config.yml sets: CircleCI splits by
        // `file` and its test insights group by `classname`.
        junit_profile: JunitProfile::Full,
        ..Config::default()
    };
    for (name, url) in [
        ("github", sim.url()),
        ("circleci", format!("{}/api/v2", sim.url())),
    ] {
        config.providers.insert(
            name.into(),
            ProviderSettings {
                api_url: Some(url),
                ..ProviderSettings::default()
            },
        );
    }
    config
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| {
            let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if query.is_empty() {
                format!("{} {}", r.method, r.path)
            } else {
                format!("{} {}?{}", r.method, r.path, query.join("&"))
            }
        })
        .collect()
}

#[test]
fn a_pr_job_delegates_to_github_and_reads_its_results_back() {
    let sim = Simulator::start().unwrap();
    sim.set_github_token(Some(GITHUB_TOKEN));
    sim.set_circleci_token(Some(CIRCLE_TOKEN));
    let dir = tempfile::tempdir().unwrap();
    let env = env(&[
        ("CIRCLE_TOKEN", CIRCLE_TOKEN),
        ("GITHUB_TOKEN", GITHUB_TOKEN),
    ]);
    let reporter = Reporter::builder(config(dir.path(), &sim))
        .env(env.clone())
        .start()
        .unwrap();
    let mut failed = TestCase::new("unit", "app.Math", "divides", CaseStatus::Failed);
    failed.file = Some("src/math.rs".into());
    failed.message = Some("division by zero".into());
    reporter.record(failed).unwrap();
    reporter
        .record(TestCase::new(
            "unit",
            "app.Math",
            "adds",
            CaseStatus::Passed,
        ))
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.provider, "circleci");

    // CircleCI itself gets nothing during the run: store_test_results reads
    // the JUnit file, with file and classname for test insights.
    assert_eq!(
        calls(&sim),
        [
            format!("POST /repos/octo/app/statuses/{SHA}"),
            "GET /repos/octo/app/issues/5/comments?per_page=100".to_string(),
            "POST /repos/octo/app/issues/5/comments".to_string(),
        ],
        "{:?}",
        summary.not_delivered
    );
    let junit = summary
        .reports
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "xml"))
        .expect("a JUnit report");
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains(r#"classname="app.Math""#) && xml.contains(r#"file="src/math.rs""#),
        "{xml}"
    );
    let not_delivered: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind, n.pending))
        .collect();
    assert_eq!(not_delivered, [("close", ErrorKind::Unsupported, false)]);
    assert!(
        summary.not_delivered[0]
            .message
            .contains("store_test_results")
    );
    let gh = sim.github();
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.comments.len(), 1);

    // Read back through API v2, as CircleCI stored them (two pages).
    sim.clear_requests();
    sim.seed_circleci_job(
        "gh/octo/app",
        88,
        CircleciJob {
            status: "failed".into(),
            tests: vec![
                json!({"name": "divides", "classname": "app.Math", "file": "src/math.rs",
                       "result": "failure", "message": "division by zero", "run_time": 0.5, "source": "unknown"}),
                json!({"name": "adds", "classname": "app.Math", "file": "src/math.rs",
                       "result": "success", "message": "", "run_time": 0.25, "source": "unknown"}),
                json!({"name": "later", "classname": "app.Math", "file": "src/math.rs",
                       "result": "skipped", "message": "", "run_time": 0.0, "source": "unknown"}),
            ],
            artifacts: vec![(
                "test_results/report.html".into(),
                "https://output.circle-artifacts.com/output/job/x/artifacts/0/test_results/report.html".into(),
            )],
        },
    );
    let config = config(dir.path(), &sim);
    let det = detect(&env);
    let provider = Registry::with_builtins()
        .build("circleci", &config, &env, &det)
        .unwrap();
    let ctx = RunContext {
        build_id: det.build_id.clone(),
        ..RunContext::default()
    };
    let handle = provider.ci.create_test_run(&ctx).unwrap();
    assert_eq!(handle.external_id, "88");
    let result = provider.ci.get_test_run_status(&ctx, &handle).unwrap();
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        (
            result.total_tests,
            result.passed_tests,
            result.failed_tests,
            result.skipped_tests
        ),
        (3, 1, 1, 1)
    );
    let url = provider
        .ci
        .get_artifact_url(&ctx, Some(&handle), "report.html")
        .unwrap();
    assert!(url.ends_with("test_results/report.html"), "{url}");
    assert_eq!(
        calls(&sim),
        [
            "GET /api/v2/project/gh/octo/app/job/88",
            "GET /api/v2/project/gh/octo/app/88/tests",
            "GET /api/v2/project/gh/octo/app/88/tests?page-token=p2",
            "GET /api/v2/project/gh/octo/app/88/artifacts",
        ]
    );
    for r in sim.requests() {
        assert_eq!(r.header("circle-token"), Some(CIRCLE_TOKEN));
        assert!(!format!("{:?}", r.headers).contains(GITHUB_TOKEN));
    }
    let err = provider
        .ci
        .upload_artifact(&ctx, Some(&handle), junit, "junit.xml")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[test]
fn without_tokens_nothing_is_sent_and_the_receipt_names_the_github_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reporter = Reporter::builder(config(dir.path(), &sim))
        .env(env(&[]))
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "ok", CaseStatus::Passed))
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(sim.requests().is_empty());
    let said: Vec<_> = summary
        .not_delivered
        .iter()
        .filter(|n| n.operation.contains("status") || n.operation.contains("comment"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", summary.not_delivered);
    assert_eq!(said[0].operation, "status, comment");
    assert!(
        said[0].message.contains("GITHUB_TOKEN"),
        "{}",
        said[0].message
    );
}
