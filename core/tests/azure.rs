//! The Azure DevOps provider end to end, through the Reporter, the provider
//! and the CLI, against the local CI simulator: exact requests of a full
//! run, results appended during the run, a retried create that makes no
//! second run, the thread upsert across continuation pages, 429/5xx
//! retries, refusals (403, a bad PAT's 203 sign-in page), the attachment
//! limit, `auto` inside Azure Pipelines with the job token, and delegation
//! to GitHub for a GitHub repository.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use testrelay::detect::{Env, detect};
use testrelay::provider::{Registry, RunContext, comment_marker};
use testrelay::{
    CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, RetryPolicy, RunSummary, Secret,
    TestCase,
};
use testrelay_ci_sim::{Fault, Simulator};

const PAT: &str = "azpat4242redactionsweep4242abcdefghijklmnopqrstuvwx";
const JOB_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJidWlsZCJ9.c2lnbmF0dXJlNDI0Mg";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const PROJECT: &str = "/org/proj/_apis";
const REPO: &str = "6a3f2c1e-0000-4000-8000-00000000abcd";

fn config(sim: &Simulator, dir: &Path) -> Config {
    let mut config = Config {
        provider: "azure".into(),
        repository: Some(format!("proj/{REPO}")),
        commit_sha: Some(SHA.into()),
        branch: Some("feature".into()),
        pr_number: Some(7),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        run_name: "unit tests".into(),
        test_run_id: Some("azure-run-1".into()),
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..Config::default()
    };
    config.providers.insert(
        "azure".into(),
        ProviderSettings {
            api_url: Some(format!("{}/org", sim.url())),
            token: Some(Secret::new(PAT)),
            ..ProviderSettings::default()
        },
    );
    config
}

fn pipeline_env() -> Env {
    Env::new()
        .with_var("TF_BUILD", "True")
        .with_var("BUILD_BUILDID", "42")
}

fn run(config: Config, env: Env, cases: impl IntoIterator<Item = TestCase>) -> RunSummary {
    let reporter = Reporter::builder(config).env(env).start().unwrap();
    for case in cases {
        reporter.record(case).unwrap();
    }
    reporter.finish(Duration::from_secs(60)).unwrap()
}

fn case(i: usize, status: CaseStatus) -> TestCase {
    let mut c = TestCase::new("suite", "gpu", format!("case_{i}"), status);
    if status == CaseStatus::Failed {
        c.message = Some(format!("expected 4, got {i}"));
        c.details = Some(format!("at gpu.rs:{i}"));
    }
    c.duration_seconds = 0.5;
    c
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn basic(secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{secret}"))
    )
}

#[test]
fn a_full_run_makes_exactly_these_requests() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("gpu trace.bin");
    std::fs::write(&artifact, [1u8, 2, 3, 0, 255]).unwrap();
    let reporter = Reporter::builder(config(&sim, dir.path())).env(Env::new()).start().unwrap();
    for i in 0..3 {
        reporter.record(case(i, CaseStatus::Failed)).unwrap();
        reporter.record(case(100 + i, CaseStatus::Passed)).unwrap();
    }
    reporter.record(case(200, CaseStatus::Skipped)).unwrap();
    reporter.record(case(201, CaseStatus::Error)).unwrap();
    let mut flaky = case(202, CaseStatus::Flaky);
    flaky.attempts.push(testrelay::model::Attempt {
        status: CaseStatus::Failed,
        duration_seconds: 0.1,
        message: Some("timed out once".into()),
        details: None,
        stdout: None,
        stderr: None,
    });
    reporter.record(flaky).unwrap();
    reporter
        .attach_artifact(&artifact, Default::default())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let threads = format!("{PROJECT}/git/repositories/{REPO}/pullRequests/7/threads");
    assert_eq!(
        calls(&sim),
        [
            format!("POST {PROJECT}/test/runs"),
            format!("POST {PROJECT}/test/Runs/1/results"),
            format!("PATCH {PROJECT}/test/runs/1"),
            format!("POST {PROJECT}/git/repositories/{REPO}/pullRequests/7/statuses"),
            format!("GET {threads}"),
            format!("POST {threads}"),
            format!("GET {PROJECT}/test/Runs/1/attachments"),
            format!("POST {PROJECT}/test/Runs/1/attachments"),
        ]
    );
    for r in sim.requests() {
        assert_eq!(r.query_param("api-version"), Some("7.1"), "{}", r.path);
        assert_eq!(r.header("authorization"), Some(basic(PAT).as_str()));
    }
    let az = sim.azure();
    assert_eq!(az.runs.len(), 1);
    let run = &az.runs[0];
    assert_eq!(run.name, "unit tests");
    assert!(run.automated);
    assert_eq!(run.state, "Completed");
    assert_eq!(run.results.len(), 9);
    let outcome = |name: &str| {
        run.results
            .iter()
            .find(|r| r["testCaseTitle"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(outcome("case_0")["outcome"], "Failed");
    assert_eq!(outcome("case_0")["errorMessage"], "expected 4, got 0");
    assert_eq!(outcome("case_0")["stackTrace"], "at gpu.rs:0");
    assert_eq!(outcome("case_0")["durationInMs"], 500.0);
    assert_eq!(outcome("case_0")["automatedTestStorage"], "suite");
    assert_eq!(outcome("case_100")["outcome"], "Passed");
    assert_eq!(outcome("case_200")["outcome"], "NotExecuted");
    assert_eq!(outcome("case_201")["outcome"], "Error");
    let flaky = outcome("case_202");
    assert_eq!(flaky["outcome"], "Passed");
    assert!(
        flaky["comment"]
            .as_str()
            .unwrap()
            .contains("timed out once")
    );
    // The attachment, byte for byte.
    assert_eq!(run.attachments.len(), 1);
    assert_eq!(run.attachments[0].file_name, "gpu trace.bin");
    assert_eq!(run.attachments[0].content, [1u8, 2, 3, 0, 255]);
    // One thread, our marker first; one PR status with our context.
    assert_eq!(az.threads.len(), 1);
    assert!(
        az.threads[0].comments[0]
            .content
            .starts_with(&comment_marker("testrelay"))
    );
    assert_eq!(az.pr_statuses.len(), 1);
    assert_eq!(az.pr_statuses[0].state, "failed");
    assert_eq!(az.pr_statuses[0].context_name, "testrelay");
    // A fresh provider finds the attachment again by the run's name; an
    // unknown one is NotFound.
    let provider = Registry::with_builtins()
        .build(
            "azure",
            &self::config(&sim, dir.path()),
            &Env::new(),
            &testrelay::detect::Detection::none(),
        )
        .unwrap();
    let ctx = RunContext {
        run_key: "azure-run-1".into(),
        name: "unit tests".into(),
        ..RunContext::default()
    };
    let handle = testrelay::provider::RunHandle {
        external_id: "1".into(),
        url: None,
    };
    let url = provider
        .ci
        .get_artifact_url(&ctx, Some(&handle), "gpu trace.bin")
        .unwrap();
    assert!(url.contains("/test/Runs/1/attachments/"), "{url}");
    let missing = provider
        .ci
        .get_artifact_url(&ctx, Some(&handle), "other.bin")
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
