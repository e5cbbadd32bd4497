//! The GitHub provider end to end through the Reporter, against the local
//! CI simulator: exact requests, comment upsert, call budget, redaction,
//! artifacts as release assets.

use std::path::Path;
use std::time::Duration;

use testrelay::detect::Env;
use testrelay::provider::{CiProvider, GithubProvider, RunContext, RunHandle, comment_marker};
use testrelay::{
    CaseStatus, Config, ErrorKind, Reporter, RetryPolicy, RunSummary, Secret, TestCase,
};
use testrelay_ci_sim::{Fault, Simulator};

const TOKEN: &str = "ghs_redaction_sweep_token_4242";

fn config(sim: &Simulator, dir: &Path) -> Config {
    Config {
        provider: "github".into(),
        api_url: Some(sim.url()),
        api_token: Some(Secret::new(TOKEN)),
        repository: Some("octo/app".into()),
        commit_sha: Some("abc123".into()),
        pr_number: Some(7),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        run_name: "unit tests".into(),
        ..Config::default()
    }
}

fn run(config: Config, cases: impl IntoIterator<Item = TestCase>) -> RunSummary {
    let reporter = Reporter::builder(config).env(Env::new()).start().unwrap();
    for case in cases {
        reporter.record(case).unwrap();
    }
    reporter.finish(Duration::from_secs(60)).unwrap()
}

fn failing(i: usize) -> TestCase {
    let mut c = TestCase::new("suite", "gpu", format!("fails_{i}"), CaseStatus::Failed);
    c.file = Some(format!("src/gpu_{}.rs", i % 3));
    c.line = Some(10 + i as u32);
    c.message = Some(format!("expected 4, got {i}"));
    c
}

fn passing(i: usize) -> TestCase {
    TestCase::new("suite", "gpu", format!("passes_{i}"), CaseStatus::Passed)
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn a_run_with_failures_makes_exactly_these_requests() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = run(
        config(&sim, dir.path()),
        (0..60).map(failing).chain((0..40).map(passing)),
    );
    assert!(
        summary
            .not_delivered
            .iter()
            .all(|n| n.operation.starts_with("artifact"))
    );
    assert_eq!(
        calls(&sim),
        [
            "GET /repos/octo/app/commits/abc123/check-runs",
            "POST /repos/octo/app/check-runs",
            "PATCH /repos/octo/app/check-runs/1",
            "PATCH /repos/octo/app/check-runs/1",
            "POST /repos/octo/app/statuses/abc123",
            "GET /repos/octo/app/issues/7/comments",
            "POST /repos/octo/app/issues/7/comments",
        ]
    );
    let gh = sim.github();
    assert_eq!(gh.check_runs.len(), 1);
    let check = &gh.check_runs[0];
    assert_eq!(check.name, "unit tests");
    assert_eq!(check.head_sha, "abc123");
    assert_eq!(check.status, "completed");
    assert_eq!(check.conclusion.as_deref(), Some("failure"));
    assert_eq!(
        check.external_id.as_deref(),
        Some(summary.result.test_run_id.as_str())
    );
    assert_eq!(check.annotations.len(), 60, "two batches: 50 + 10");
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.statuses[0].state, "failure");
    assert_eq!(gh.statuses[0].context, "testrelay");
    assert!(
        gh.statuses[0]
            .description
            .as_deref()
            .unwrap()
            .chars()
            .count()
            <= 140
    );
    assert_eq!(gh.comments.len(), 1);
    assert!(
        gh.comments[0]
            .body
            .starts_with(&comment_marker("testrelay"))
    );
    assert!(gh.comments[0].body.contains("fails_0"));
    // Every request carried the API headers.
    for r in sim.requests() {
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[test]
fn the_pr_comment_is_updated_in_place_across_runs() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    run(config(&sim, dir.path()), [failing(1)]);
    run(config(&sim, dir.path()), [passing(1)]);
    let gh = sim.github();
    assert_eq!(gh.comments.len(), 1, "never a second copy");
    assert!(gh.comments[0].body.contains("passes_1"));
    assert!(
        gh.comments[0].body.contains("Compared with"),
        "{}",
        gh.comments[0].body
    );
    assert_eq!(gh.check_runs.len(), 2, "each run is its own check run");
}

#[test]
fn comment_upsert_reads_every_page() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = comment_marker("testrelay");
    let ids = sim.seed_github_comments("octo", "app", 7, 250, Some(&marker));
    run(config(&sim, dir.path()), [passing(1)]);
    let pages = calls(&sim)
        .iter()
        .filter(|c| *c == "GET /repos/octo/app/issues/7/comments")
        .count();
    assert_eq!(pages, 3);
    let ours = *ids.last().unwrap();
    assert!(calls(&sim).contains(&format!("PATCH /repos/octo/app/issues/comments/{ours}")));
    assert!(!calls(&sim).contains(&"POST /repos/octo/app/issues/7/comments".to_string()));
    assert_eq!(sim.github().comments.len(), 250);
}

#[test]
fn the_token_scheme_is_configurable_for_older_enterprise_servers() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        auth_scheme: testrelay::AuthScheme::Token,
        ..config(&sim, dir.path())
    };
    run(config, [passing(1)]);
    let requests = sim.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        let auth: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(auth, [format!("token {TOKEN}")], "{} {}", r.method, r.path);
    }
}

#[test]
fn ten_thousand_passing_cases_cost_at_most_six_calls() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = run(config(&sim, dir.path()), (0..10_000).map(passing));
    assert_eq!(summary.result.total_tests, 10_000);
    assert_eq!(sim.requests().len(), 6, "{:?}", calls(&sim));
    assert_eq!(
        sim.github().check_runs[0].conclusion.as_deref(),
        Some("success")
    );
    assert_eq!(sim.github().statuses[0].state, "success");
}

#[test]
fn a_retried_create_finds_the_existing_check_run() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let provider = GithubProvider::new(&config(&sim, dir.path())).unwrap();
    let ctx = RunContext {
        run_key: "job-42".into(),
        commit_sha: Some("abc123".into()),
        ..RunContext::default()
    };
    let first = provider.create_test_run(&ctx).unwrap();
    let second = provider.create_test_run(&ctx).unwrap();
    assert_eq!(first, second);
    assert_eq!(sim.github().check_runs.len(), 1);
}

#[test]
fn no_file_or_message_contains_the_token() {
    let sim = Simulator::start().unwrap();
    sim.set_github_token(Some("a-different-token"));
    let dir = tempfile::tempdir().unwrap();
    // Every call fails with 401; the errors end up in the receipt and logs.
    let summary = run(config(&sim, dir.path()), [failing(1), passing(2)]);
    assert!(!summary.not_delivered.is_empty());
    let json = serde_json::to_string(&summary).unwrap();
    assert!(json.contains("Bad credentials"), "{json}");
    assert!(!json.contains(TOKEN));
    let mut files = vec![];
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let hit = bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes());
        assert!(!hit, "token found in {}", f.display());
    }
}

#[test]
fn inside_actions_the_summary_is_appended_to_the_job_summary() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary_file = dir.path().join("step_summary.md");
    std::fs::write(&summary_file, "earlier step\n").unwrap();
    let env = Env::new()
        .with_var("GITHUB_ACTIONS", "true")
        .with_var("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap());
    let reporter = Reporter::builder(config(&sim, dir.path()))
        .env(env)
        .start()
        .unwrap();
    reporter.record(failing(1)).unwrap();
    reporter.finish(Duration::from_secs(60)).unwrap();
    let text = std::fs::read_to_string(&summary_file).unwrap();
    assert!(text.starts_with("earlier step\n"), "{text}");
    assert!(
        text.contains(&comment_marker("testrelay")) && text.contains("fails_1"),
        "{text}"
    );
    assert!(!text.contains(TOKEN));
}

#[test]
fn a_refused_check_run_falls_back_to_status_summary_and_comment() {
    let sim = Simulator::start().unwrap();
    sim.set_github_read_only(true);
    let dir = tempfile::tempdir().unwrap();
    let summary_file = dir.path().join("step_summary.md");
    let cfg = Config {
        job_summary_path: Some(summary_file.clone()),
        ..config(&sim, dir.path())
    };
    let summary = run(cfg, [failing(1)]);
    let create = summary
        .not_delivered
        .iter()
        .find(|n| n.operation == "create")
        .expect("create is reported");
    assert_eq!(create.kind, testrelay::ErrorKind::Permission);
    assert!(
        create.message.contains("checks: write"),
        "{}",
        create.message
    );
    let delivered: Vec<&str> = summary
        .delivered
        .iter()
        .map(|d| d.operation.as_str())
        .collect();
    assert_eq!(delivered, ["summary", "status", "comment"]);
    let gh = sim.github();
    assert!(gh.check_runs.is_empty());
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.comments.len(), 1);
    assert!(
        std::fs::read_to_string(&summary_file)
            .unwrap()
            .contains("fails_1")
    );
}

/// Quick retries, so tests that lose a response do not wait.
fn quick_retries(config: Config) -> Config {
    Config {
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..config
    }
}

fn run_ctx() -> RunContext {
    RunContext {
        run_key: "run-42".into(),
        commit_sha: Some("abc123".into()),
        ..RunContext::default()
    }
}

/// `host:port` of a simulator URL.
fn authority(url: &str) -> &str {
    url.trim_start_matches("http://")
}

#[test]
fn an_attached_artifact_becomes_a_release_asset() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, "<testsuites tests=\"1\"/>").unwrap();
    let cfg = Config {
        test_run_id: Some("run 42".into()),
        ..config(&sim, dir.path())
    };
    let reporter = Reporter::builder(cfg).env(Env::new()).start().unwrap();
    reporter.record(passing(1)).unwrap();
    reporter
        .attach_artifact(&file, std::collections::BTreeMap::new())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    assert_eq!(
        calls(&sim),
        [
            "GET /repos/octo/app/commits/abc123/check-runs",
            "POST /repos/octo/app/check-runs",
            // The artifact is stored before the texts that link it.
            "GET /repos/octo/app/releases/tags/testrelay-run-42",
            "POST /repos/octo/app/releases",
            "POST /repos/octo/app/releases/2/assets",
            "PATCH /repos/octo/app/check-runs/1",
            "POST /repos/octo/app/statuses/abc123",
            "GET /repos/octo/app/issues/7/comments",
            "POST /repos/octo/app/issues/7/comments",
        ]
    );
    let requests = sim.requests();
    let create = requests[3].json().unwrap();
    assert_eq!(
        create,
        serde_json::json!({
            "tag_name": "testrelay-run-42",
            "target_commitish": "abc123",
            "name": "unit tests: run 42",
            "body": "Artifacts of the testrelay run `run 42` on abc123.",
            "draft": false,
            "prerelease": true,
        })
    );
    // The upload went to the release's upload_url: the uploads address.
    let upload = &requests[4];
    assert_eq!(upload.header("host"), Some(authority(&sim.uploads_url())));
    assert_ne!(upload.header("host"), Some(authority(&sim.url())));
    assert_eq!(
        upload.query,
        [("name".to_string(), "report.xml".to_string())]
    );
    assert_eq!(
        upload.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(upload.header("content-length"), Some("23"));
    assert_eq!(upload.body, b"<testsuites tests=\"1\"/>");
    assert_eq!(
        upload.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let gh = sim.github();
    assert_eq!(gh.releases.len(), 1);
    let release = &gh.releases[0];
    assert_eq!(
        (release.tag_name.as_str(), release.prerelease, release.draft),
        ("testrelay-run-42", true, false)
    );
    assert_eq!(release.assets.len(), 1);
    assert_eq!(release.assets[0].content_type, "application/octet-stream");
    assert_eq!(release.assets[0].data, b"<testsuites tests=\"1\"/>");
    let delivered = summary
        .delivered
        .iter()
        .find(|d| d.operation == "artifact:report.xml")
        .expect("the artifact is in the receipt");
    let url = format!(
        "{}/octo/app/releases/download/testrelay-run-42/report.xml",
        sim.url()
    );
    assert_eq!(delivered.url.as_deref(), Some(url.as_str()));
    // The PR comment and the check run's summary link the asset.
    let link = format!("[report.xml]({url})");
    let comment = requests[8].json().unwrap();
    assert!(
        comment["body"].as_str().unwrap().contains(&link),
        "{comment}"
    );
    let close = requests[5].json().unwrap();
    assert!(
        close["output"]["summary"].as_str().unwrap().contains(&link),
        "{close}"
    );
}

#[test]
fn a_failed_upload_leaves_the_artifact_unlinked_and_the_comment_posted() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (refused, kept) = (dir.path().join("refused.log"), dir.path().join("kept.log"));
    std::fs::write(&refused, "refused").unwrap();
    std::fs::write(&kept, "kept").unwrap();
    let cfg = Config {
        test_run_id: Some("run 43".into()),
        ..config(&sim, dir.path())
    };
    let reporter = Reporter::builder(cfg).env(Env::new()).start().unwrap();
    reporter.record(passing(1)).unwrap();
    // Uploaded in the order attached: the first is refused (a 403 is not
    // retried), the second stored.
    reporter
        .attach_artifact(&refused, Default::default())
        .unwrap();
    reporter.attach_artifact(&kept, Default::default()).unwrap();
    sim.inject(
        Fault::status(403, r#"{"message":"Resource not accessible"}"#, &[])
            .method("POST")
            .path_prefix("/repos/octo/app/releases/")
            .times(1),
    );
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    let failed: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind))
        .collect();
    assert_eq!(
        failed,
        [("artifact:refused.log", ErrorKind::Permission)],
        "{:?}",
        summary.not_delivered
    );
    let comments = sim.github().comments;
    assert_eq!(comments.len(), 1, "the comment is posted anyway");
    let body = &comments[0].body;
    let url = format!(
        "{}/octo/app/releases/download/testrelay-run-43/kept.log",
        sim.url()
    );
    assert!(body.contains(&format!("[kept.log]({url})")), "{body}");
    assert!(body.contains("`refused.log`"), "{body}");
    assert!(!body.contains("[refused.log]("), "{body}");
}

#[test]
fn a_retried_upload_does_not_duplicate_the_asset() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.bin");
    std::fs::write(&file, [0u8, 1, 2, 3, 255]).unwrap();
    let provider = GithubProvider::new(&quick_retries(config(&sim, dir.path()))).unwrap();
    let handle = provider.create_test_run(&run_ctx()).unwrap();
    // The first upload is stored, but its answer is lost: the HTTP layer
    // retries, GitHub says `already_exists`, and the provider finds the
    // asset it made.
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix("/repos/octo/app/releases/2/assets"),
    );
    sim.clear_requests();
    let first = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "trace.bin")
        .unwrap();
    assert_eq!(
        calls(&sim),
        [
            "GET /repos/octo/app/releases/tags/testrelay-run-42",
            "POST /repos/octo/app/releases",
            "POST /repos/octo/app/releases/2/assets",
            "POST /repos/octo/app/releases/2/assets",
            "GET /repos/octo/app/releases/2/assets",
        ]
    );
    assert_eq!(first.name, "trace.bin");
    assert_eq!(first.size, 5);
    // Replaying the upload (an outbox entry after a crash) finds it too.
    let again = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "trace.bin")
        .unwrap();
    assert_eq!(again, first);
    let gh = sim.github();
    assert_eq!(gh.releases.len(), 1);
    assert_eq!(gh.releases[0].assets.len(), 1, "never a second copy");
    assert_eq!(
        gh.releases[0].assets[0].content_type,
        "application/octet-stream"
    );
    // Other content under the same name is an error, not a silent success.
    std::fs::write(&file, [9u8, 9, 9, 9, 9]).unwrap();
    let err = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "trace.bin")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("other content"), "{err}");
    assert_eq!(sim.github().releases[0].assets[0].data, [0u8, 1, 2, 3, 255]);
}

#[test]
fn a_name_github_would_rename_is_found_again_after_a_lost_answer() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.bin");
    std::fs::write(&file, [7u8; 3]).unwrap();
    let provider = GithubProvider::new(&quick_retries(config(&sim, dir.path()))).unwrap();
    let handle = provider.create_test_run(&run_ctx()).unwrap();
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix("/repos/octo/app/releases/2/assets"),
    );
    let first = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "gpu trace (run 1).bin")
        .unwrap();
    assert_eq!(first.name, "gpu.trace..run.1..bin");
    let again = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "gpu trace (run 1).bin")
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(sim.github().releases[0].assets.len(), 1);
    assert_eq!(
        provider
            .get_artifact_url(&run_ctx(), Some(&handle), "gpu trace (run 1).bin")
            .unwrap(),
        first.url
    );
}

#[test]
fn a_file_of_two_gib_is_refused_before_anything_is_sent() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("core.dump");
    // Sparse: the size is real, the disk blocks are not.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let provider = GithubProvider::new(&config(&sim, dir.path())).unwrap();
    let handle = RunHandle {
        external_id: "1".into(),
        url: None,
    };
    let err = provider
        .upload_artifact(&run_ctx(), Some(&handle), &big, "core.dump")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let message = err.to_string();
    assert!(
        message.contains("2147483648 bytes") && message.contains("under 2 GiB"),
        "{message}"
    );
    assert!(message.contains("core.dump"), "{message}");
    assert!(sim.requests().is_empty(), "{:?}", calls(&sim));
}

#[test]
fn get_artifact_url_is_the_browser_download_url() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("screen.png");
    std::fs::write(&file, b"\x89PNG").unwrap();
    let cfg = Config {
        release_tag: Some("ci-artifacts".into()),
        ..config(&sim, dir.path())
    };
    let provider = GithubProvider::new(&cfg).unwrap();
    let handle = provider.create_test_run(&run_ctx()).unwrap();
    let uploaded = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "screen.png")
        .unwrap();
    let expected = format!(
        "{}/octo/app/releases/download/ci-artifacts/screen.png",
        sim.url()
    );
    assert_eq!(uploaded.url, expected);
    assert_eq!(sim.github().releases[0].tag_name, "ci-artifacts");
    assert_eq!(
        provider
            .get_artifact_url(&run_ctx(), Some(&handle), "screen.png")
            .unwrap(),
        expected
    );
    let missing = provider
        .get_artifact_url(&run_ctx(), Some(&handle), "other.png")
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains("other.png"), "{missing}");
    // A provider that did not create the run reads the run key and commit
    // from the check run.
    let fresh = GithubProvider::new(&cfg).unwrap();
    sim.clear_requests();
    assert_eq!(
        fresh
            .get_artifact_url(&run_ctx(), Some(&handle), "screen.png")
            .unwrap(),
        expected
    );
    assert_eq!(
        calls(&sim),
        [
            "GET /repos/octo/app/check-runs/1",
            "GET /repos/octo/app/releases/tags/ci-artifacts",
            "GET /repos/octo/app/releases/2/assets",
        ]
    );
    // Without a release there is nothing to find, and nothing is created.
    let untagged = GithubProvider::new(&config(&sim, dir.path())).unwrap();
    let err = untagged
        .get_artifact_url(&run_ctx(), Some(&handle), "screen.png")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("testrelay-run-42"), "{err}");
    assert_eq!(sim.github().releases.len(), 1);
}

#[test]
fn a_refused_release_says_which_permission_to_grant() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.txt");
    std::fs::write(&file, "trace").unwrap();
    let provider = GithubProvider::new(&config(&sim, dir.path())).unwrap();
    let handle = provider.create_test_run(&run_ctx()).unwrap();
    sim.inject(
        Fault::status(
            403,
            r#"{"message":"Resource not accessible by integration","status":"403"}"#,
            &[],
        )
        .method("POST")
        .path_prefix("/repos/octo/app/releases"),
    );
    let err = provider
        .upload_artifact(&run_ctx(), Some(&handle), &file, "log.txt")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    let message = err.to_string();
    assert!(
        message.contains("Resource not accessible by integration")
            && message.contains("contents: write"),
        "{message}"
    );
    assert!(!message.contains(TOKEN));
    assert!(sim.github().releases.is_empty());
}
