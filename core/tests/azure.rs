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
    let reporter = Reporter::builder(config(&sim, dir.path()))
        .env(Env::new())
        .start()
        .unwrap();
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
        [format!("POST {PROJECT}/test/runs"),]
            .into_iter()
            // The attached artifact, then the five report files, each looked
            // for first so that a retry never attaches it twice; stored before
            // the texts that link them.
            .chain((0..6).flat_map(|_| {
                [
                    format!("GET {PROJECT}/test/Runs/1/attachments"),
                    format!("POST {PROJECT}/test/Runs/1/attachments"),
                ]
            }))
            .chain([
                format!("POST {PROJECT}/test/Runs/1/results"),
                format!("PATCH {PROJECT}/test/runs/1"),
                format!("POST {PROJECT}/git/repositories/{REPO}/pullRequests/7/statuses"),
                format!("GET {threads}"),
                format!("POST {threads}"),
            ])
            .collect::<Vec<_>>()
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
    // The attachment, byte for byte, and the reports beside it, each as
    // written in the output directory.
    let names: Vec<&str> = run
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "gpu trace.bin",
            "junit.xml",
            "results.json",
            "run.json",
            "report.html",
            "summary.md"
        ]
    );
    assert_eq!(run.attachments[0].content, [1u8, 2, 3, 0, 255]);
    for a in &run.attachments[1..] {
        let written = std::fs::read(dir.path().join("out").join(&a.file_name)).unwrap();
        assert_eq!(a.content, written, "{}", a.file_name);
    }
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

/// Waits (up to a generous bound, not a timing assertion) until `done`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < end, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn results_appear_while_the_run_is_in_progress() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sim, dir.path());
    config.update_interval_secs = 0;
    let reporter = Reporter::builder(config).env(Env::new()).start().unwrap();
    reporter.record(case(1, CaseStatus::Failed)).unwrap();
    reporter.record(case(2, CaseStatus::Passed)).unwrap();
    wait_until("the first results", || {
        sim.azure()
            .runs
            .first()
            .is_some_and(|r| r.results.len() == 2)
    });
    assert_eq!(sim.azure().runs[0].state, "InProgress");
    reporter.record(case(3, CaseStatus::Passed)).unwrap();
    wait_until("the third result", || {
        sim.azure().runs[0].results.len() == 3
    });
    assert_eq!(sim.azure().runs[0].state, "InProgress");
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let run = &sim.azure().runs[0];
    assert_eq!(run.state, "Completed");
    // Each result was sent once: appended, never sent again.
    let mut titles: Vec<&str> = run
        .results
        .iter()
        .map(|r| r["testCaseTitle"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    assert_eq!(titles, ["case_1", "case_2", "case_3"]);
}

#[test]
fn results_go_in_batches_of_a_thousand() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        (0..2_500).map(|i| case(i, CaseStatus::Passed)),
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let run = &sim.azure().runs[0];
    assert_eq!(run.results.len(), 2_500);
    assert_eq!(run.result_requests, 3);
}

#[test]
fn a_retried_create_finds_its_run_by_name_and_build() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The answer to the create is lost: the provider finds the run among
    // the build's runs instead of making a second.
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix(&format!("{PROJECT}/test/runs")),
    );
    let first = run(
        config(&sim, dir.path()),
        pipeline_env(),
        [case(1, CaseStatus::Failed)],
    );
    assert!(first.not_delivered.is_empty(), "{:?}", first.not_delivered);
    // The report files are attached first (each looked for, then
    // posted); then the results already there are read.
    let without_attachments: Vec<String> = calls(&sim)
        .into_iter()
        .filter(|c| !c.contains("/attachments"))
        .collect();
    assert_eq!(
        without_attachments[..4],
        [
            format!("GET {PROJECT}/test/runs"),
            format!("POST {PROJECT}/test/runs"),
            format!("GET {PROJECT}/test/runs"),
            format!("GET {PROJECT}/test/Runs/1/results"),
        ]
    );
    assert_eq!(sim.azure().runs.len(), 1, "{:?}", sim.azure().runs);
    assert_eq!(sim.azure().runs[0].results.len(), 1);
    // A rerun of the finished job (same build) gets a run of its own: the
    // completed one takes no more results.
    sim.clear_requests();
    let second = run(
        config(&sim, dir.path()),
        pipeline_env(),
        [case(1, CaseStatus::Passed), case(2, CaseStatus::Passed)],
    );
    assert!(
        second.not_delivered.is_empty(),
        "{:?}",
        second.not_delivered
    );
    let az = sim.azure();
    assert_eq!(az.runs.len(), 2);
    assert_eq!(
        az.runs[0].results.len(),
        1,
        "the first run is left as it was"
    );
    assert_eq!(az.runs[1].results.len(), 2);
    assert_eq!(az.runs[1].build_id.as_deref(), Some("42"));
    let list = &sim.requests()[0];
    assert_eq!(list.method, "GET");
    assert_eq!(
        list.query_param("buildUri"),
        Some("vstfs:///Build/Build/42")
    );
}

#[test]
fn a_lost_answer_to_results_duplicates_none() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix(&format!("{PROJECT}/test/Runs/1/results")),
    );
    sim.inject(
        Fault::status(502, "Bad Gateway", &[])
            .method("POST")
            .path_prefix(&format!("{PROJECT}/test/Runs/1/results")),
    );
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        (0..1_500).map(|i| case(i, CaseStatus::Passed)),
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let run = &sim.azure().runs[0];
    assert_eq!(run.results.len(), 1_500, "every result once");
    let mut names: Vec<&str> = run
        .results
        .iter()
        .map(|r| r["automatedTestName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 1_500);
    assert_eq!(run.state, "Completed");
}

#[test]
fn the_thread_is_found_across_continuation_pages_and_edited_in_place() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_azure_thread_page_size(2);
    let seeded = sim.seed_azure_threads(REPO, 7, 5, Some(&comment_marker("testrelay")));
    sim.clear_requests();
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Passed)],
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let threads = format!("{PROJECT}/git/repositories/{REPO}/pullRequests/7/threads");
    let ours = seeded.last().unwrap();
    let thread_calls: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("/threads"))
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path,
                r.query_param("continuationToken").unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        thread_calls,
        [
            format!("GET {threads} -"),
            format!("GET {threads} 2"),
            format!("GET {threads} 4"),
            format!("PATCH {threads}/{ours}/comments/1 -"),
        ]
    );
    let az = sim.azure();
    assert_eq!(az.threads.len(), 5, "no second thread");
    let edited = &az.threads[4].comments[0];
    assert_eq!(edited.edits, 1);
    assert!(edited.content.contains("case_1"));
    assert_eq!(az.pr_statuses[0].state, "succeeded");
}

#[test]
fn rate_limits_and_server_errors_are_retried_without_duplicates() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.inject(
        Fault::status(429, r#"{"message":"throttled"}"#, &[("retry-after", "0")])
            .method("POST")
            .path_prefix(&format!("{PROJECT}/test/Runs/1/results")),
    );
    sim.inject(
        Fault::status(503, "Service Unavailable", &[])
            .method("PATCH")
            .path_prefix(&format!("{PROJECT}/test/runs/"))
            .times(2),
    );
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Failed), case(2, CaseStatus::Passed)],
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let az = sim.azure();
    assert_eq!(az.runs.len(), 1);
    assert_eq!(az.runs[0].results.len(), 2);
    assert_eq!(az.runs[0].state, "Completed");
    let c = calls(&sim);
    let count = |p: &str| c.iter().filter(|x| x.starts_with(p)).count();
    assert_eq!(count(&format!("POST {PROJECT}/test/Runs/1/results")), 2);
    assert_eq!(count(&format!("PATCH {PROJECT}/test/runs/1")), 3);
}

#[test]
fn a_refusal_is_in_the_receipt_with_the_fix_and_never_the_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_azure_read_only(true);
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Failed)],
    );
    let create = summary
        .not_delivered
        .iter()
        .find(|n| n.operation == "create")
        .unwrap_or_else(|| panic!("{:?}", summary.not_delivered));
    assert_eq!(create.kind, ErrorKind::Permission);
    assert!(
        create.message.contains("Test Management"),
        "{}",
        create.message
    );
    assert!(
        create.message.contains("SYSTEM_ACCESSTOKEN"),
        "{}",
        create.message
    );
    for op in ["status", "comment"] {
        let n = summary
            .not_delivered
            .iter()
            .find(|n| n.operation == op)
            .unwrap_or_else(|| panic!("{op}: {:?}", summary.not_delivered));
        assert_eq!(n.kind, ErrorKind::Permission);
    }
    assert!(sim.azure().runs.is_empty());
    for n in &summary.not_delivered {
        assert!(!n.message.contains(PAT), "{}", n.message);
    }
}

#[test]
fn a_bad_pat_gets_the_sign_in_page_which_is_an_authentication_error() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_azure_token(Some("another-pat"));
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Passed)],
    );
    let create = summary
        .not_delivered
        .iter()
        .find(|n| n.operation == "create")
        .unwrap_or_else(|| panic!("{:?}", summary.not_delivered));
    assert_eq!(create.kind, ErrorKind::Authentication, "{}", create.message);
    assert!(create.message.contains("203"), "{}", create.message);
    assert!(create.message.contains("sign-in"), "{}", create.message);
    assert!(sim.azure().runs.is_empty());
    // The thread list gets the same page: an authentication error too.
    let comment = summary
        .not_delivered
        .iter()
        .find(|n| n.operation == "comment")
        .unwrap();
    assert_eq!(
        comment.kind,
        ErrorKind::Authentication,
        "{}",
        comment.message
    );
    for n in &summary.not_delivered {
        assert!(!n.message.contains(PAT), "{}", n.message);
    }
}

#[test]
fn an_attachment_over_the_limit_is_refused_before_any_request() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("core.dump");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(100 * 1024 * 1024 + 1).unwrap();
    let provider = Registry::with_builtins()
        .build(
            "azure",
            &config(&sim, dir.path()),
            &Env::new(),
            &testrelay::detect::Detection::none(),
        )
        .unwrap();
    let handle = testrelay::provider::RunHandle {
        external_id: "1".into(),
        url: None,
    };
    let err = provider
        .ci
        .upload_artifact(&RunContext::default(), Some(&handle), &big, "core.dump")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("core.dump"), "{err}");
    assert!(err.message().contains("nothing was uploaded"), "{err}");
    assert!(sim.requests().is_empty());
}

#[test]
fn a_github_repository_built_on_azure_pipelines_gets_github_statuses_and_comments() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sim, dir.path());
    config.repository = Some("proj/app".into());
    config.providers.insert(
        "github".into(),
        ProviderSettings {
            api_url: Some(sim.url()),
            token: Some(Secret::new("ghp_delegated")),
            ..ProviderSettings::default()
        },
    );
    let env = pipeline_env()
        .with_var("BUILD_REPOSITORY_PROVIDER", "GitHub")
        .with_var("BUILD_REPOSITORY_URI", "https://github.com/octo/app")
        .with_var("BUILD_REPOSITORY_NAME", "octo/app");
    let det = detect(&env);
    assert_eq!(
        det.code_host.as_ref().map(|h| h.kind.as_str()),
        Some("github")
    );
    let summary = run(config, env, [case(1, CaseStatus::Failed)]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let az = sim.azure();
    assert_eq!(az.runs.len(), 1, "the test run is on Azure");
    assert!(az.threads.is_empty() && az.pr_statuses.is_empty());
    let gh = sim.github();
    assert_eq!(gh.statuses.len(), 1, "{:?}", gh.statuses);
    for r in sim.requests() {
        if r.path.starts_with("/repos/") {
            assert_eq!(r.header("authorization"), Some("Bearer ghp_delegated"));
        } else {
            assert_eq!(r.header("authorization"), Some(basic(PAT).as_str()));
        }
    }
}

#[test]
fn auto_inside_azure_pipelines_reports_from_the_cli_with_the_job_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="2" failures="1">
             <testcase classname="c" name="ok"/>
             <testcase classname="c" name="bad" file="src/c.rs" line="9"><failure message="boom]; ##vso[task.complete result=Failed;]x"/></testcase>
           </testsuite>"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(["report", "--output-dir"])
        .arg(dir.path().join("out"))
        .arg("--history")
        .arg(dir.path().join("history.db"))
        .arg(&junit)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TF_BUILD", "True")
        .env("SYSTEM_COLLECTIONURI", format!("{}/org/", sim.url()))
        .env("SYSTEM_TEAMPROJECTID", "proj")
        .env("BUILD_REPOSITORY_ID", REPO)
        .env("BUILD_REPOSITORY_NAME", "app")
        .env("BUILD_REPOSITORY_PROVIDER", "TfsGit")
        .env("BUILD_BUILDID", "42")
        .env("BUILD_SOURCEVERSION", SHA)
        .env("BUILD_SOURCEBRANCH", "refs/heads/feature")
        .env("BUILD_REASON", "PullRequest")
        .env("SYSTEM_PULLREQUEST_PULLREQUESTID", "7")
        .env("SYSTEM_PULLREQUEST_SOURCECOMMITID", SHA)
        .env("SYSTEM_ACCESSTOKEN", JOB_TOKEN)
        .env("TESTRELAY_LOG", "trace")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains(JOB_TOKEN), "{text}");
    let az = sim.azure();
    assert_eq!(az.runs.len(), 1, "{text}");
    assert_eq!(az.runs[0].state, "Completed");
    assert_eq!(az.runs[0].build_id.as_deref(), Some("42"));
    assert_eq!(az.runs[0].results.len(), 2);
    assert_eq!(az.threads.len(), 1, "{text}");
    assert_eq!(az.threads[0].repository, REPO);
    assert_eq!(az.pr_statuses.len(), 1);
    for r in sim.requests() {
        assert!(r.path.starts_with("/org/proj/_apis/"), "{}", r.path);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {JOB_TOKEN}").as_str())
        );
    }
    // Logging commands: one issue at the file and line, the summary; the
    // step is never completed by default; nothing injected.
    // (The human summary the CLI prints also carries the message; making
    // terminal text safe is the CLI's own output layer.)
    let commands: Vec<&str> = stdout.lines().filter(|l| l.starts_with("##vso[")).collect();
    assert_eq!(commands.len(), 2, "{stdout}");
    assert!(
        commands[0]
            .starts_with("##vso[task.logissue type=error;sourcepath=src/c.rs;linenumber=9;]"),
        "{}",
        commands[0]
    );
    assert!(
        commands[1].starts_with("##vso[task.uploadsummary]"),
        "{}",
        commands[1]
    );
    for line in &commands {
        assert_eq!(line.matches("##vso[").count(), 1, "{line}");
    }
    assert!(
        !commands
            .iter()
            .any(|l| l.starts_with("##vso[task.complete")),
        "{stdout}"
    );
    let summary_file = commands[1].trim_start_matches("##vso[task.uploadsummary]");
    let summary = std::fs::read_to_string(summary_file).unwrap();
    assert!(summary.contains("bad"), "{summary}");
}

#[test]
fn reports_are_attached_under_their_names_unless_artifacts_are_off() {
    // A user's artifact named like a report wins over the report.
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, dir.path());
    cfg.report_formats = vec![
        testrelay::config::ReportFormat::Html,
        testrelay::config::ReportFormat::Markdown,
    ];
    let mine = dir.path().join("summary.md");
    std::fs::write(&mine, "mine").unwrap();
    let reporter = Reporter::builder(cfg).env(Env::new()).start().unwrap();
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    reporter.attach_artifact(&mine, Default::default()).unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let run = &sim.azure().runs[0];
    let names: Vec<&str> = run
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(names, ["summary.md", "report.html"]);
    assert_eq!(run.attachments[0].content, b"mine");

    // With artifacts off, nothing is attached.
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&sim, dir.path());
    cfg.enable_artifacts = false;
    let summary = run_with(cfg);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    assert!(sim.azure().runs[0].attachments.is_empty());
    assert!(!calls(&sim).iter().any(|c| c.contains("attachments")));
}

fn run_with(config: Config) -> RunSummary {
    run(config, Env::new(), [case(1, CaseStatus::Passed)])
}
