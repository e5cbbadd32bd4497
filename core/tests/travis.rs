//! Travis CI: the build and the job are read through API v3 with
//! `TRAVIS_TOKEN`; statuses and PR comments go to GitHub with GitHub's
//! token. Every request is asserted exactly; no server receives another's
//! token.

use std::time::Duration;

use testrelay::detect::{Env, detect};
use testrelay::provider::{Registry, RunContext};
use testrelay::{CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, RunStatus, TestCase};
use testrelay_ci_sim::{Simulator, TravisItem};

const TRAVIS_TOKEN: &str = "travis_token_abc_31337";
const GITHUB_TOKEN: &str = "ghs_from_travis_2121";
const SHA: &str = "aaaabbbbccccddddeeeeffff0000111122223333";

fn env() -> Env {
    Env::new()
        .with_var("TRAVIS", "true")
        .with_var("TRAVIS_REPO_SLUG", "octo/app")
        .with_var("TRAVIS_PULL_REQUEST", "5")
        .with_var("TRAVIS_PULL_REQUEST_SHA", SHA)
        .with_var("TRAVIS_PULL_REQUEST_BRANCH", "feature")
        .with_var("TRAVIS_BRANCH", "main")
        .with_var("TRAVIS_BUILD_ID", "900")
        .with_var("TRAVIS_JOB_ID", "901")
        .with_var(
            "TRAVIS_BUILD_WEB_URL",
            "https://app.travis-ci.com/github/octo/app/builds/900",
        )
        .with_var("TRAVIS_TOKEN", TRAVIS_TOKEN)
        .with_var("GITHUB_TOKEN", GITHUB_TOKEN)
}

#[test]
fn a_pr_job_delegates_to_github_and_reads_build_and_job_back() {
    let sim = Simulator::start().unwrap();
    sim.set_github_token(Some(GITHUB_TOKEN));
    sim.set_travis_token(Some(TRAVIS_TOKEN));
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        provider: "auto".into(),
        output_dir: dir.path().join("out"),
        history_path: Some(dir.path().join("history.db")),
        ..Config::default()
    };
    for (name, url) in [
        ("github", sim.url()),
        ("travis", format!("{}/travis", sim.url())),
    ] {
        config.providers.insert(
            name.into(),
            ProviderSettings {
                api_url: Some(url),
                ..ProviderSettings::default()
            },
        );
    }
    let env = env();
    let reporter = Reporter::builder(config.clone())
        .env(env.clone())
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "passes", CaseStatus::Passed))
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.provider, "travis");
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            format!("POST /repos/octo/app/statuses/{SHA}"),
            "GET /repos/octo/app/issues/5/comments".to_string(),
            "POST /repos/octo/app/issues/5/comments".to_string(),
        ],
        "{:?}",
        summary.not_delivered
    );
    for r in sim.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {GITHUB_TOKEN}").as_str())
        );
    }
    assert_eq!(sim.github().statuses[0].state, "success");
    let said: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind))
        .collect();
    assert_eq!(said, [("close", ErrorKind::Unsupported)]);

    sim.clear_requests();
    sim.seed_travis_build(
        900,
        TravisItem {
            state: "started".into(),
            number: "12".into(),
            build_id: None,
        },
        vec![(
            901,
            TravisItem {
                state: "passed".into(),
                number: "12.1".into(),
                build_id: None,
            },
        )],
    );
    let det = detect(&env);
    let provider = Registry::with_builtins()
        .build("travis", &config, &env, &det)
        .unwrap();
    let ctx = RunContext {
        build_id: det.build_id.clone(),
        ..RunContext::default()
    };
    let handle = provider.ci.create_test_run(&ctx).unwrap();
    assert_eq!(handle.external_id, "901");
    let result = provider.ci.get_test_run_status(&ctx, &handle).unwrap();
    // The job (our run) passed while the build still runs other jobs.
    assert_eq!(result.status, RunStatus::Passed);
    assert_eq!(result.metadata["build_state"], "started");
    assert_eq!(result.metadata["job_number"], "12.1");
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(calls, ["GET /travis/build/900", "GET /travis/job/901"]);
    for r in sim.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("token {TRAVIS_TOKEN}").as_str())
        );
        assert_eq!(r.header("travis-api-version"), Some("3"));
    }
    assert_eq!(
        provider
            .ci
            .get_artifact_url(&ctx, Some(&handle), "x")
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
}
