//! Contract test: every request the GitHub provider sends is accepted by
//! GitHub's published OpenAPI description (`@octokit/openapi`, served by
//! Prism on 127.0.0.1 by `scripts/test-contract.sh`, which sets
//! `TESTRELAY_PRISM_URL`).
//!
//! How: the real `GithubProvider` runs every operation it has against the
//! stateful CI simulator, so that every branch is taken (a check run found
//! by its external id, a marked comment on the second page updated in
//! place, a release created, an upload whose answer is lost and that is
//! then found in the assets list). Each request it sent, exactly as
//! recorded (method, path, query, headers, body bytes), is then sent to
//! Prism, whose validation must accept it: a 4xx with an `sl-violations`
//! header or a problem+json body fails the test and names the violations.
//!
//! Why not point the provider at Prism directly: Prism answers with the
//! description's static examples, and those name `https://api.github.com`
//! in `Link` headers and `https://uploads.github.com` in `upload_url`, so
//! following them would leave 127.0.0.1; the examples also never contain a
//! testrelay comment marker or external id, so the update and find paths
//! would never be taken.
//!
//! Uploads: the description declares the upload operation under a second
//! server (`https://uploads.github.com`). Prism matches the path and
//! validates the request (the `name` query, the content type, the body)
//! without checking the host, so the upload request is validated here, but
//! not which host it went to; the simulator tests check that it goes to
//! the release's `upload_url`.

use std::path::Path;

use testrelay::model::{CaseStatus, RunStatus, TestCase, TestRun};
use testrelay::provider::{
    BuildState, CiProvider, CodeHost, GithubProvider, RunContext, RunUpdate, comment_marker,
};
use testrelay::{Config, RetryPolicy, Secret};
use testrelay_ci_sim::{Fault, RecordedRequest, Simulator};

#[path = "support/prism.rs"]
mod prism;

const PRISM_ENV: &str = "TESTRELAY_PRISM_URL";

fn config(sim: &Simulator, dir: &Path) -> Config {
    Config {
        provider: "github".into(),
        api_url: Some(sim.url()),
        api_token: Some(Secret::new("ghs_contract_token")),
        repository: Some("octo/app".into()),
        output_dir: dir.join("out"),
        history_path: None,
        run_name: "unit tests".into(),
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..Config::default()
    }
}

fn ctx(pr: u64) -> RunContext {
    RunContext {
        run_key: "contract-run-1".into(),
        name: "unit tests".into(),
        repository: Some("octo/app".into()),
        commit_sha: Some("6dcb09b5b57875f334f61aebed695e2e4193db5e".into()),
        branch: Some("main".into()),
        pr_number: Some(pr),
        build_url: Some("https://ci.example.com/builds/17".into()),
        ..RunContext::default()
    }
}

fn failing(i: usize) -> TestCase {
    let mut c = TestCase::new("suite", "gpu", format!("fails_{i}"), CaseStatus::Failed);
    c.file = Some(format!("src/gpu_{}.rs", i % 3));
    c.line = Some(10 + i as u32);
    c.message = Some(format!("expected 4, got {i}"));
    c
}

/// Every operation of the provider, against the simulator; returns what it
/// recorded.
fn drive_the_provider(sim: &Simulator, dir: &Path) -> Vec<RecordedRequest> {
    let provider = GithubProvider::new(&config(sim, dir)).expect("provider");
    let marker = comment_marker("testrelay");
    // 150 comments on PR 7, ours last: the upsert reads two pages and
    // updates it; PR 8 has none, so a comment is created.
    sim.seed_github_comments("octo", "app", 7, 150, Some(&marker));

    let handle = provider.create_test_run(&ctx(7)).expect("create");
    let again = provider
        .create_test_run(&ctx(7))
        .expect("find by external id");
    assert_eq!(again, handle);

    let mut run = TestRun {
        run_key: "contract-run-1".into(),
        name: "unit tests".into(),
        status: RunStatus::Running,
        ..TestRun::default()
    };
    run.cases.extend((0..60).map(failing));
    run.cases
        .push(TestCase::new("suite", "gpu", "passes", CaseStatus::Passed));
    let summary = format!("{marker}\n## unit tests\n\n61 tests, **60 failed**\n");
    let update = RunUpdate {
        run: &run,
        summary_markdown: &summary,
        description: "60 of 61 failed",
    };
    provider
        .update_test_run(&ctx(7), &handle, &update)
        .expect("update");
    run.status = RunStatus::Failed;
    let update = RunUpdate {
        run: &run,
        summary_markdown: &summary,
        description: "60 of 61 failed",
    };
    provider
        .close(&ctx(7), &handle, &update)
        .expect("finish, with annotations in two batches");
    for state in [
        BuildState::Pending,
        BuildState::Success,
        BuildState::Failure,
        BuildState::Error,
    ] {
        provider
            .set_build_status(&ctx(7), state, "60 of 61 failed")
            .expect("commit status");
    }
    let updated = provider.add_pr_comment(&ctx(7), &summary).expect("update");
    assert!(updated.updated);
    let created = provider.add_pr_comment(&ctx(8), &summary).expect("create");
    assert!(!created.updated);

    let bin = dir.join("trace.bin");
    std::fs::write(&bin, [0u8, 1, 2, 3, 255]).expect("write artifact");
    // The first upload's answer is lost: the retry gets `already_exists`
    // and the provider lists the release's assets.
    sim.inject(
        Fault::lose_response()
            .method("POST")
            .path_prefix("/repos/octo/app/releases/"),
    );
    let asset = provider
        .upload_artifact(&ctx(7), Some(&handle), &bin, "trace.bin")
        .expect("upload");
    assert_eq!(asset.size, 5);
    let xml = dir.join("junit.xml");
    std::fs::write(&xml, "<testsuites/>").expect("write artifact");
    provider
        .upload_artifact(&ctx(7), Some(&handle), &xml, "junit.xml")
        .expect("upload xml");
    assert_eq!(
        provider
            .get_artifact_url(&ctx(7), Some(&handle), "trace.bin")
            .expect("artifact url"),
        asset.url
    );
    let status = provider
        .get_test_run_status(&ctx(7), &handle)
        .expect("status");
    assert_eq!(status.status, RunStatus::Failed);
    // A provider that did not create the run reads it from the check run.
    let fresh = GithubProvider::new(&config(sim, dir)).expect("provider");
    fresh
        .get_artifact_url(&ctx(7), Some(&handle), "junit.xml")
        .expect("artifact url from a fresh provider");
    sim.requests()
}

#[test]
#[ignore = "needs Prism serving GitHub's OpenAPI description: run scripts/test-contract.sh"]
fn every_request_of_the_github_provider_is_valid_for_the_published_description() {
    let prism = prism::url(
        PRISM_ENV,
        "GitHub's OpenAPI description",
        "scripts/test-contract.sh",
    );
    let sim = Simulator::start().expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let requests = drive_the_provider(&sim, dir.path());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    // A control: Prism really validates (a wrong status state is refused).
    let mut broken = requests
        .iter()
        .find(|r| r.method == "POST" && r.path.contains("/statuses/"))
        .expect("a commit status was sent")
        .clone();
    broken.body = br#"{"state":"passed","context":"testrelay"}"#.to_vec();
    let control = prism::verdict(&agent, &prism, &broken, "");
    assert!(
        control.as_deref().is_some_and(|v| v.contains("state")),
        "Prism accepted an invalid commit status, so it is not validating: {control:?}"
    );

    let mut operations = std::collections::BTreeSet::new();
    let mut rejected = Vec::new();
    for req in &requests {
        let call = format!("{} {}", req.method, req.path);
        operations.insert(normalize(&call));
        if let Some(violation) = prism::verdict(&agent, &prism, req, "") {
            rejected.push(format!("{call}: {violation}"));
        }
    }
    assert!(
        rejected.is_empty(),
        "Prism rejected {} of {} requests:\n{}",
        rejected.len(),
        requests.len(),
        rejected.join("\n")
    );
    // Every operation the provider has was exercised (and so validated).
    let expected = [
        "GET /repos/{o}/{r}/check-runs/{id}",
        "GET /repos/{o}/{r}/commits/{sha}/check-runs",
        "GET /repos/{o}/{r}/issues/{n}/comments",
        "GET /repos/{o}/{r}/releases/tags/{tag}",
        "GET /repos/{o}/{r}/releases/{id}/assets",
        "PATCH /repos/{o}/{r}/check-runs/{id}",
        "PATCH /repos/{o}/{r}/issues/comments/{id}",
        "POST /repos/{o}/{r}/check-runs",
        "POST /repos/{o}/{r}/issues/{n}/comments",
        "POST /repos/{o}/{r}/releases",
        "POST /repos/{o}/{r}/releases/{id}/assets",
        "POST /repos/{o}/{r}/statuses/{sha}",
    ];
    assert_eq!(
        operations.iter().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
}

/// A call with its ids, numbers, SHA and tag replaced by placeholders.
fn normalize(call: &str) -> String {
    let (method, path) = call.split_once(' ').unwrap_or(("", call));
    let parts: Vec<&str> = path.split('/').collect();
    let mut out: Vec<String> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let prev = if i > 0 { parts[i - 1] } else { "" };
        let replaced = match (i, prev) {
            (2, _) => "{o}",
            (3, _) => "{r}",
            (_, "check-runs" | "comments" | "releases") if part.parse::<u64>().is_ok() => "{id}",
            (_, "issues") if part.parse::<u64>().is_ok() => "{n}",
            (_, "statuses" | "commits") => "{sha}",
            (_, "tags") => "{tag}",
            _ => part,
        };
        out.push(replaced.to_string());
    }
    format!("{method} {}", out.join("/"))
}

#[test]
#[ignore = "needs Prism serving GitHub's OpenAPI description: run scripts/test-contract.sh"]
fn the_provider_reads_the_answers_the_description_documents() {
    // Pointed at Prism itself, the provider must understand the documented
    // example answers. Only the operations whose answers name no other
    // address: the comment list's example `Link` header and the release's
    // `upload_url` point at api.github.com and uploads.github.com, which
    // this test must not reach (they are covered by the replay above).
    let prism = prism::url(
        PRISM_ENV,
        "GitHub's OpenAPI description",
        "scripts/test-contract.sh",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = Config {
        api_url: Some(prism),
        api_token: Some(Secret::new("ghs_contract_token")),
        repository: Some("octo/app".into()),
        output_dir: dir.path().join("out"),
        history_path: None,
        ..Config::default()
    };
    let provider = GithubProvider::new(&cfg).expect("provider");
    let handle = provider.create_test_run(&ctx(7)).expect("create");
    assert_eq!(handle.external_id, "4", "the documented example's id");
    let mut run = TestRun {
        run_key: "contract-run-1".into(),
        status: RunStatus::Failed,
        ..TestRun::default()
    };
    run.cases.push(failing(1));
    let update = RunUpdate {
        run: &run,
        summary_markdown: "1 failed",
        description: "1 of 1 failed",
    };
    provider
        .update_test_run(&ctx(7), &handle, &update)
        .expect("update");
    provider.close(&ctx(7), &handle, &update).expect("finish");
    provider
        .set_build_status(&ctx(7), BuildState::Failure, "1 of 1 failed")
        .expect("commit status");
    let status = provider
        .get_test_run_status(&ctx(7), &handle)
        .expect("status");
    assert_eq!(
        status.metadata.get("title"),
        Some(&serde_json::json!("Mighty Readme report"))
    );
}
