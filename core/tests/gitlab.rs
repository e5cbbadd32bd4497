//! The GitLab provider end to end, through the Reporter and the CLI, against
//! the local CI simulator: exact requests of a full run, the note upsert
//! across pages, retries that duplicate nothing, the job-token case, fork
//! merge requests, rate limits and refusals that name the missing scope.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use testrelay::detect::Env;
use testrelay::provider::{Registry, RunContext, comment_marker};
use testrelay::{
    CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, RetryPolicy, RunSummary, Secret,
    TestCase,
};
use testrelay_ci_sim::{Fault, SimOptions, Simulator};

const TOKEN: &str = "glpat-redaction-sweep-4242";
const JOB_TOKEN: &str = "glcbt-job-token-4242";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn config(sim: &Simulator, dir: &Path) -> Config {
    let mut config = Config {
        provider: "gitlab".into(),
        repository: Some("group/app".into()),
        commit_sha: Some(SHA.into()),
        branch: Some("feature".into()),
        pr_number: Some(7),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        run_name: "unit tests".into(),
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..Config::default()
    };
    config.providers.insert(
        "gitlab".into(),
        ProviderSettings {
            api_url: Some(format!("{}/api/v4", sim.url())),
            token: Some(Secret::new(TOKEN)),
            ..ProviderSettings::default()
        },
    );
    config
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
    }
    c
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

const PROJECT: &str = "/api/v4/projects/group%2Fapp";

#[test]
fn a_run_with_failures_makes_exactly_these_requests() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("gpu trace.bin");
    std::fs::write(&artifact, [1u8, 2, 3]).unwrap();
    let reporter = Reporter::builder(config(&sim, dir.path()))
        .env(Env::new())
        .start()
        .unwrap();
    for i in 0..5 {
        reporter.record(case(i, CaseStatus::Failed)).unwrap();
        reporter.record(case(100 + i, CaseStatus::Passed)).unwrap();
    }
    reporter
        .attach_artifact(&artifact, Default::default())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let statuses = format!("GET {PROJECT}/repository/commits/{SHA}/statuses");
    assert_eq!(
        calls(&sim),
        [
            statuses.clone(),
            format!("POST {PROJECT}/statuses/{SHA}"),
            // The artifact is stored before the texts that link it.
            format!(
                "PUT {PROJECT}/packages/generic/testrelay/{}/gpu-trace.bin",
                { summary.result.test_run_id.replace(' ', "-") }
            ),
            statuses.clone(),
            format!("POST {PROJECT}/statuses/{SHA}"),
            statuses,
            format!("GET {PROJECT}/merge_requests/7/notes"),
            format!("POST {PROJECT}/merge_requests/7/notes"),
        ]
    );
    let gl = sim.gitlab();
    // One commit status, moved from running to failed in place.
    assert_eq!(gl.statuses.len(), 1, "{:?}", gl.statuses);
    let status = &gl.statuses[0];
    assert_eq!(status.name, "testrelay");
    assert_eq!(status.status, "failed");
    assert_eq!(status.ref_name, "feature");
    assert!(status.description.as_deref().unwrap().contains("5"));
    assert!(status.description.as_deref().unwrap().chars().count() <= 255);
    // One note on the MR, carrying the marker and the failures.
    let mr = &gl.merge_requests[0];
    assert_eq!(mr.iid, 7);
    assert_eq!(mr.notes.len(), 1);
    assert!(mr.notes[0].body.starts_with(&comment_marker("testrelay")));
    assert!(mr.notes[0].body.contains("case_0"));
    // It links the artifact to its generic package file.
    let link = format!(
        "[gpu trace.bin]({}{PROJECT}/packages/generic/testrelay/{}/gpu-trace.bin)",
        sim.url(),
        summary.result.test_run_id.replace(' ', "-")
    );
    assert!(mr.notes[0].body.contains(&link), "{}", mr.notes[0].body);
    // The artifact, byte for byte.
    let package = &gl.packages[0];
    assert_eq!(package.name, "testrelay");
    assert_eq!(package.files[0].file_name, "gpu-trace.bin");
    assert_eq!(package.files[0].size, 3);
    // Every request carried the access token in GitLab's header, and no
    // other credential.
    for r in sim.requests() {
        assert_eq!(
            r.header("private-token"),
            Some(TOKEN),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("job-token"), None);
    }
    // The receipt names the delivered artifact's URL.
    let artifact = summary
        .delivered
        .iter()
        .find(|d| d.operation == "artifact:gpu trace.bin")
        .unwrap();
    let url = artifact.url.as_deref().unwrap();
    assert!(url.contains("/packages/generic/testrelay/"), "{url}");
    // A provider that did not upload it finds it again by the run key.
    let provider = Registry::with_builtins()
        .create("gitlab", &config(&sim, dir.path()))
        .unwrap();
    let ctx = RunContext {
        run_key: summary.result.test_run_id.clone(),
        ..RunContext::default()
    };
    assert_eq!(
        provider
            .get_artifact_url(&ctx, None, "gpu trace.bin")
            .unwrap(),
        url
    );
    let missing = provider
        .get_artifact_url(&ctx, None, "other.bin")
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn the_note_is_found_across_three_pages_and_edited_in_place() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 250 notes by others, then ours: three pages of 100.
    let seeded = sim.seed_gitlab_notes("group/app", 7, 251, Some(&comment_marker("testrelay")));
    assert_eq!(seeded.len(), 251);
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
    let notes: Vec<String> = calls(&sim)
        .into_iter()
        .filter(|c| c.contains("/notes"))
        .collect();
    let ours = seeded.last().unwrap();
    assert_eq!(
        notes,
        [
            format!("GET {PROJECT}/merge_requests/7/notes"),
            format!("GET {PROJECT}/merge_requests/7/notes"),
            format!("GET {PROJECT}/merge_requests/7/notes"),
            format!("PUT {PROJECT}/merge_requests/7/notes/{ours}"),
        ]
    );
    let mr = &sim.gitlab().merge_requests[0];
    assert_eq!(mr.notes.len(), 251, "no second note");
    assert!(mr.notes[250].body.contains("case_1"));
    assert_eq!(sim.gitlab().statuses[0].status, "success");
}

#[test]
fn a_second_run_for_the_same_commit_adds_no_note_and_a_lost_answer_no_status() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The answer to creating the running status is lost: the retry finds it.
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix(&format!("{PROJECT}/statuses/")),
    );
    let first = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Failed)],
    );
    assert!(first.not_delivered.is_empty(), "{:?}", first.not_delivered);
    let second = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Passed)],
    );
    assert!(
        second.not_delivered.is_empty(),
        "{:?}",
        second.not_delivered
    );
    let gl = sim.gitlab();
    assert_eq!(gl.merge_requests[0].notes.len(), 1, "one note, edited");
    assert!(gl.merge_requests[0].notes[0].body.contains("passed"));
    // GitLab keeps a finished status and adds the next run's as a new one,
    // marking the older one retried: one current status, never two.
    let current: Vec<_> = gl.statuses.iter().filter(|s| !s.retried).collect();
    assert_eq!(current.len(), 1, "{:?}", gl.statuses);
    assert_eq!(current[0].status, "success");
}

#[test]
fn with_only_the_job_token_artifacts_are_published_and_the_rest_waits() {
    let sim = Simulator::start_with(SimOptions {
        gitlab_job_token: Some(JOB_TOKEN.into()),
        ..SimOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("log.txt");
    std::fs::write(&artifact, "hello").unwrap();
    let mut config = config(&sim, dir.path());
    config.providers.get_mut("gitlab").unwrap().token = None;
    let env = Env::new()
        .with_var("GITLAB_CI", "true")
        .with_var("CI_JOB_TOKEN", JOB_TOKEN);
    let reporter = Reporter::builder(config).env(env).start().unwrap();
    reporter.record(case(1, CaseStatus::Failed)).unwrap();
    reporter
        .attach_artifact(&artifact, Default::default())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    // Only the upload reached GitLab, with the job token in its header.
    let requests = sim.requests();
    assert_eq!(requests.len(), 1, "{:?}", calls(&sim));
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].header("job-token"), Some(JOB_TOKEN));
    assert_eq!(sim.gitlab().packages[0].files[0].size, 5);
    // The rest waits in the outbox, and says what would add it.
    for op in ["create", "status", "comment"] {
        let n = summary
            .not_delivered
            .iter()
            .find(|n| n.operation == op)
            .unwrap_or_else(|| panic!("{op} in {:?}", summary.not_delivered));
        assert_eq!(n.kind, ErrorKind::Permission);
        assert!(n.pending, "{op} stays in the outbox");
        assert!(n.message.contains("GITLAB_TOKEN") && n.message.contains("api"));
        assert!(!n.message.contains(JOB_TOKEN));
    }
}

#[test]
fn a_fork_merge_request_gets_its_note_on_the_target_project() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.seed_gitlab_merge_request("group/app", 7, Some("contributor/app"))
        .unwrap();
    let mut config = config(&sim, dir.path());
    config.repository = None;
    config.commit_sha = None;
    config.branch = None;
    config.pr_number = None;
    // A merge request pipeline running in the fork.
    let env = Env::new()
        .with_var("GITLAB_CI", "true")
        .with_var("CI_PROJECT_PATH", "contributor/app")
        .with_var("CI_MERGE_REQUEST_PROJECT_PATH", "group/app")
        .with_var("CI_MERGE_REQUEST_IID", "7")
        .with_var("CI_COMMIT_SHA", SHA)
        .with_var("CI_COMMIT_REF_NAME", "feature");
    let summary = run(config, env, [case(1, CaseStatus::Passed)]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let gl = sim.gitlab();
    let fork = gl
        .projects
        .iter()
        .find(|p| p.path_with_namespace == "contributor/app")
        .unwrap();
    assert_eq!(
        gl.statuses[0].project_id, fork.id,
        "the status is the fork's"
    );
    let mr = gl.merge_requests.iter().find(|m| m.iid == 7).unwrap();
    assert_eq!(mr.notes.len(), 1, "the note is on the target project's MR");
}

#[test]
fn refusals_name_the_scope_and_never_the_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_gitlab_token(Some("another-token"));
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Passed)],
    );
    let create = summary
        .not_delivered
        .iter()
        .find(|n| n.operation == "create")
        .unwrap();
    assert_eq!(create.kind, ErrorKind::Authentication);
    assert!(create.message.contains("`api` scope"), "{}", create.message);
    for n in &summary.not_delivered {
        assert!(!n.message.contains(TOKEN));
    }
}

#[test]
fn a_rate_limit_is_waited_out() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.inject(
        Fault::status(429, "Retry later\n", &[("retry-after", "1")])
            .method("POST")
            .path_prefix(&format!("{PROJECT}/statuses/")),
    );
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
    let posts = calls(&sim)
        .iter()
        .filter(|c| c.starts_with("POST") && c.contains("/statuses/"))
        .count();
    assert_eq!(posts, 3, "the refused post, its retry, and the final state");
    assert_eq!(sim.gitlab().statuses[0].status, "success");
}

#[test]
fn auto_inside_gitlab_ci_reports_from_the_cli() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="2" failures="1">
             <testcase classname="c" name="ok"/>
             <testcase classname="c" name="bad"><failure message="boom"/></testcase>
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
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("{}/api/v4", sim.url()))
        .env("CI_PROJECT_PATH", "group/app")
        .env("CI_COMMIT_SHA", SHA)
        .env("CI_COMMIT_REF_NAME", "feature")
        .env("CI_MERGE_REQUEST_IID", "7")
        .env(
            "CI_PIPELINE_URL",
            "https://gitlab.example/group/app/-/pipelines/1",
        )
        .env("GITLAB_TOKEN", TOKEN)
        .env("TESTRELAY_LOG", "trace")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("gitlab"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    let gl = sim.gitlab();
    assert_eq!(gl.statuses.len(), 1, "{text}");
    assert_eq!(gl.statuses[0].status, "failed");
    assert_eq!(
        gl.statuses[0].target_url.as_deref(),
        Some("https://gitlab.example/group/app/-/pipelines/1")
    );
    assert_eq!(gl.merge_requests[0].notes.len(), 1);
    assert!(gl.merge_requests[0].notes[0].body.contains("bad"));
}

#[test]
fn in_a_merged_results_pipeline_the_status_joins_the_jobs_pipeline() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let merge_commit = "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5";
    let pipeline = sim
        .seed_gitlab_pipeline(
            "group/app",
            merge_commit,
            "refs/merge-requests/7/merge",
            Some(4800),
        )
        .unwrap();
    let mut config = config(&sim, dir.path());
    config.commit_sha = None;
    config.branch = None;
    config.pr_number = None;
    let env = Env::new()
        .with_var("GITLAB_CI", "true")
        .with_var("CI_PROJECT_PATH", "group/app")
        .with_var("CI_MERGE_REQUEST_IID", "7")
        .with_var("CI_MERGE_REQUEST_EVENT_TYPE", "merged_result")
        .with_var("CI_COMMIT_SHA", merge_commit)
        .with_var("CI_COMMIT_REF_NAME", "refs/merge-requests/7/merge")
        .with_var("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", SHA)
        .with_var("CI_PIPELINE_ID", pipeline.to_string());
    let summary = run(config, env, [case(1, CaseStatus::Failed)]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let gl = sim.gitlab();
    assert_eq!(gl.statuses.len(), 1, "{:?}", gl.statuses);
    assert_eq!(gl.statuses[0].pipeline_id, 4800);
    assert_eq!(gl.statuses[0].sha, merge_commit);
    assert_eq!(gl.statuses[0].status, "failed");
    assert_eq!(gl.pipelines.len(), 1, "no pipeline of our own");
}

#[test]
fn a_cancelled_run_stays_canceled() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reporter = Reporter::builder(config(&sim, dir.path()))
        .env(Env::new())
        .start()
        .unwrap();
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    reporter
        .set_run_status(testrelay::RunStatus::Cancelled)
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let gl = sim.gitlab();
    assert_eq!(gl.statuses.len(), 1, "{:?}", gl.statuses);
    assert_eq!(gl.statuses[0].status, "canceled");
}
