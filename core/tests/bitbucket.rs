//! The Bitbucket Cloud provider end to end, through the Reporter, the
//! provider and the CLI, against the local CI simulator: exact requests of
//! a full run, a rerun that replaces instead of adding, the comment upsert
//! across `next` pages, annotation limits, 429/5xx retries, refusals with
//! the fix, app passwords, Downloads found again, and `auto` inside
//! Bitbucket Pipelines.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use testrelay::detect::{Detection, Env};
use testrelay::provider::{Registry, RunContext, comment_marker};
use testrelay::{
    CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, RetryPolicy, RunSummary, Secret,
    TestCase,
};
use testrelay_ci_sim::{Fault, Simulator};

const TOKEN: &str = "bbat-redaction-sweep-4242";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const REPO: &str = "/2.0/repositories/team/app";

fn config(sim: &Simulator, dir: &Path) -> Config {
    let mut config = Config {
        provider: "bitbucket".into(),
        repository: Some("team/app".into()),
        commit_sha: Some(SHA.into()),
        branch: Some("feature".into()),
        pr_number: Some(7),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        run_name: "unit tests".into(),
        test_run_id: Some("bb-run-1".into()),
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..Config::default()
    };
    config.providers.insert(
        "bitbucket".into(),
        ProviderSettings {
            api_url: Some(format!("{}/2.0", sim.url())),
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
        c.file = Some("src/gpu.rs".into());
        c.line = Some(10 + i as u32);
    }
    c
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

const REPORT: &str = "testrelay-unit-tests";

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
    reporter
        .attach_artifact(&artifact, Default::default())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let report = format!("{REPO}/commit/{SHA}/reports/{REPORT}");
    let status = format!("POST {REPO}/commit/{SHA}/statuses/build");
    assert_eq!(
        calls(&sim),
        [
            format!("PUT {report}"),
            status.clone(),
            // The artifact is stored before the texts that link it.
            format!("POST {REPO}/downloads"),
            format!("PUT {report}"),
            format!("POST {report}/annotations"),
            status,
            format!("GET {REPO}/pullrequests/7/comments"),
            format!("POST {REPO}/pullrequests/7/comments"),
        ]
    );
    for r in sim.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    let bb = sim.bitbucket();
    let report = &bb.reports[0];
    assert_eq!(report.puts, 2);
    assert_eq!(report.body["report_type"], "TEST");
    assert_eq!(report.body["result"], "FAILED");
    let data = report.body["data"].as_array().unwrap();
    assert!(data.len() <= 10);
    assert!(
        data.iter()
            .any(|d| d["title"] == "Failed" && d["value"] == 3),
        "{data:?}"
    );
    assert_eq!(report.annotations.len(), 3);
    assert_eq!(report.annotations[0]["path"], "src/gpu.rs");
    assert_eq!(report.annotations[0]["line"], 10);
    assert_eq!(bb.statuses.len(), 1);
    assert_eq!(bb.statuses[0].key, "testrelay");
    assert_eq!(bb.statuses[0].states, ["INPROGRESS", "FAILED"]);
    assert_eq!(bb.comments.len(), 1);
    assert!(bb.comments[0].raw.starts_with(&comment_marker("testrelay")));
    let download = &bb.downloads[0];
    assert_eq!(download.name, "testrelay-bb-run-1-gpu-trace.bin");
    assert_eq!(download.content, [1u8, 2, 3, 0, 255]);
    // A fresh provider finds the download again; an unknown one is NotFound.
    let provider = Registry::with_builtins()
        .build(
            "bitbucket",
            &config(&sim, dir.path()),
            &Env::new(),
            &Detection::none(),
        )
        .unwrap();
    let ctx = RunContext {
        run_key: "bb-run-1".into(),
        ..RunContext::default()
    };
    let delivered = summary
        .delivered
        .iter()
        .find(|d| d.operation == "artifact:gpu trace.bin")
        .unwrap();
    assert_eq!(
        provider
            .ci
            .get_artifact_url(&ctx, None, "gpu trace.bin")
            .unwrap(),
        delivered.url.clone().unwrap()
    );
    let missing = provider
        .ci
        .get_artifact_url(&ctx, None, "other.bin")
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn a_rerun_replaces_the_report_annotations_status_and_comment() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The answer to the first report PUT is lost: PUT is idempotent.
    sim.inject(
        Fault::lose_response()
            .method("PUT")
            .path_prefix(&format!("{REPO}/commit/")),
    );
    let first = run(
        config(&sim, dir.path()),
        Env::new(),
        (0..5).map(|i| case(i, CaseStatus::Failed)),
    );
    assert!(first.not_delivered.is_empty(), "{:?}", first.not_delivered);
    let second = run(
        config(&sim, dir.path()),
        Env::new(),
        (0..5).map(|i| case(i, CaseStatus::Failed)),
    );
    assert!(
        second.not_delivered.is_empty(),
        "{:?}",
        second.not_delivered
    );
    let bb = sim.bitbucket();
    assert_eq!(bb.reports.len(), 1, "one report, replaced");
    assert_eq!(bb.reports[0].annotations.len(), 5, "stable external ids");
    assert_eq!(bb.statuses.len(), 1, "one status key");
    assert_eq!(bb.comments.len(), 1, "one comment, edited");
    assert_eq!(bb.comments[0].edits, 1);
}

#[test]
fn the_comment_is_found_across_next_pages_and_edited_in_place() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seeded =
        sim.seed_bitbucket_comments("team/app", 7, 230, Some(&comment_marker("testrelay")));
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
    let ours = seeded.last().unwrap();
    let comment_calls: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("/comments"))
        .map(|r| {
            format!(
                "{} {} {}",
                r.method,
                r.path,
                r.query_param("page").unwrap_or("-")
            )
        })
        .collect();
    let path = format!("{REPO}/pullrequests/7/comments");
    assert_eq!(
        comment_calls,
        [
            format!("GET {path} -"),
            format!("GET {path} 2"),
            format!("GET {path} 3"),
            format!("PUT {path}/{ours} -"),
        ]
    );
    let bb = sim.bitbucket();
    assert_eq!(bb.comments.len(), 230, "no second comment");
    assert!(bb.comments[229].raw.contains("case_1"));
    assert_eq!(bb.statuses[0].states, ["INPROGRESS", "SUCCESSFUL"]);
}

#[test]
fn annotations_stay_within_bitbucket_limits() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<TestCase> = (0..1_250).map(|i| case(i, CaseStatus::Failed)).collect();
    cases[0].message = Some("x".repeat(2_000));
    let summary = run(config(&sim, dir.path()), Env::new(), cases);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let posts = calls(&sim)
        .iter()
        .filter(|c| c.ends_with("/annotations"))
        .count();
    assert_eq!(posts, 10, "1,000 annotations, 100 a request");
    let report = &sim.bitbucket().reports[0];
    assert_eq!(report.annotations.len(), 1_000);
    for a in &report.annotations {
        assert!(a["summary"].as_str().unwrap().chars().count() <= 450);
    }
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.inject(
        Fault::status(
            429,
            "Rate limit for this resource has been exceeded",
            &[("retry-after", "0")],
        )
        .method("POST")
        .path_prefix(&format!("{REPO}/commit/")),
    );
    sim.inject(
        Fault::status(503, "Service Unavailable", &[])
            .method("POST")
            .path_prefix(&format!("{REPO}/pullrequests/"))
            .times(2),
    );
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Failed)],
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let bb = sim.bitbucket();
    assert_eq!(bb.comments.len(), 1);
    assert_eq!(bb.statuses[0].states, ["INPROGRESS", "FAILED"]);
    let c = calls(&sim);
    assert_eq!(
        c.iter()
            .filter(|x| x.starts_with(&format!("POST {REPO}/pullrequests/")))
            .count(),
        3
    );
}

#[test]
fn a_refusal_is_in_the_receipt_with_the_fix_and_never_the_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_bitbucket_read_only(true);
    let summary = run(
        config(&sim, dir.path()),
        Env::new(),
        [case(1, CaseStatus::Failed)],
    );
    for op in ["create", "status", "comment"] {
        let n = summary
            .not_delivered
            .iter()
            .find(|n| n.operation == op)
            .unwrap_or_else(|| panic!("{op}: {:?}", summary.not_delivered));
        assert_eq!(n.kind, ErrorKind::Permission, "{}", n.message);
        assert!(
            n.message.contains("BITBUCKET_ACCESS_TOKEN"),
            "{}",
            n.message
        );
        assert!(n.message.contains("pullrequest:write"), "{}", n.message);
        assert!(!n.message.contains(TOKEN));
    }
    let bb = sim.bitbucket();
    assert!(bb.reports.is_empty() && bb.statuses.is_empty() && bb.comments.is_empty());
}

#[test]
fn an_app_password_goes_with_its_user() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    sim.set_bitbucket_credentials(Some("app-pass-1"), Some("ci-bot"));
    let mut config = config(&sim, dir.path());
    config.providers.get_mut("bitbucket").unwrap().token = None;
    // The seed's names.
    let env = Env::new()
        .with_var("BB_USERNAME", "ci-bot")
        .with_var("BB_APP_PASSWORD", "app-pass-1");
    let summary = run(config, env, [case(1, CaseStatus::Passed)]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ci-bot:app-pass-1")
    );
    for r in sim.requests() {
        assert_eq!(r.header("authorization"), Some(basic.as_str()));
    }
    assert_eq!(sim.bitbucket().reports[0].body["result"], "PASSED");
}

#[test]
fn auto_inside_bitbucket_pipelines_reports_from_the_cli() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="2" failures="1">
             <testcase classname="c" name="ok"/>
             <testcase classname="c" name="bad" file="src/c.rs" line="9"><failure message="boom"/></testcase>
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
        .env("BITBUCKET_BUILD_NUMBER", "17")
        .env("BITBUCKET_REPO_FULL_NAME", "team/app")
        .env("BITBUCKET_COMMIT", SHA)
        .env("BITBUCKET_BRANCH", "feature")
        .env("BITBUCKET_PR_ID", "7")
        .env("BITBUCKET_ACCESS_TOKEN", TOKEN)
        .env("TESTRELAY_API_URL", format!("{}/2.0", sim.url()))
        .env("TESTRELAY_LOG", "trace")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(TOKEN), "{text}");
    let bb = sim.bitbucket();
    assert_eq!(bb.reports.len(), 1, "{text}");
    assert_eq!(bb.reports[0].body["result"], "FAILED");
    assert_eq!(bb.reports[0].annotations.len(), 1);
    assert_eq!(bb.reports[0].annotations[0]["line"], 9);
    assert_eq!(bb.statuses[0].states, ["INPROGRESS", "FAILED"]);
    assert!(
        bb.statuses[0]
            .url
            .contains("/addon/pipelines/home#!/results/17"),
        "{}",
        bb.statuses[0].url
    );
    assert_eq!(bb.comments.len(), 1);
}

/// The environment of a Bitbucket Pipelines step, without a token.
fn pipelines_env() -> Env {
    Env::new()
        .with_var("CI", "true")
        .with_var("BITBUCKET_BUILD_NUMBER", "17")
        .with_var("BITBUCKET_REPO_FULL_NAME", "team/app")
        .with_var("BITBUCKET_COMMIT", SHA)
        .with_var("BITBUCKET_BRANCH", "feature")
        .with_var("BITBUCKET_PR_ID", "7")
}

#[test]
fn without_a_token_code_insights_go_through_the_pipelines_proxy() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sim, dir.path());
    // The simulator stands in for `http://localhost:29418`.
    let section = config.providers.get_mut("bitbucket").unwrap();
    section.token = None;
    section.api_url = None;
    section.proxy = Some(sim.url());
    let summary = run(
        config,
        pipelines_env(),
        [case(1, CaseStatus::Failed), case(2, CaseStatus::Passed)],
    );
    let report = format!("{REPO}/commit/{SHA}/reports/{REPORT}");
    assert_eq!(
        calls(&sim),
        [
            format!("PUT {report}"),
            format!("PUT {report}"),
            format!("POST {report}/annotations"),
        ]
    );
    for r in sim.requests() {
        // Absolute-form to the proxy, for the API it forwards to, and no
        // credential of ours.
        assert_eq!(r.proxy_target.as_deref(), Some("http://api.bitbucket.org"));
        assert_eq!(r.header("host"), Some("api.bitbucket.org"));
        assert_eq!(r.header("authorization"), None);
    }
    let bb = sim.bitbucket();
    assert_eq!(bb.reports.len(), 1);
    assert_eq!(bb.reports[0].body["result"], "FAILED");
    assert_eq!(bb.reports[0].annotations.len(), 1);
    assert!(bb.statuses.is_empty() && bb.comments.is_empty());
    // What needs a token says so, once each, and is not retried later.
    for op in ["status", "comment"] {
        let n = summary
            .not_delivered
            .iter()
            .find(|n| n.operation == op)
            .unwrap_or_else(|| panic!("{op}: {:?}", summary.not_delivered));
        assert_eq!(n.kind, ErrorKind::Unsupported, "{}", n.message);
        assert!(
            n.message.contains("BITBUCKET_ACCESS_TOKEN"),
            "{}",
            n.message
        );
        assert!(!n.pending);
    }
    assert!(
        !summary
            .not_delivered
            .iter()
            .any(|n| n.operation == "create"),
        "{:?}",
        summary.not_delivered
    );
}

#[test]
fn with_a_token_the_proxy_is_not_used() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&sim, dir.path());
    // A proxy that does not exist: a request to it would fail the run.
    config.providers.get_mut("bitbucket").unwrap().proxy = Some("http://127.0.0.1:9".into());
    let summary = run(config, pipelines_env(), [case(1, CaseStatus::Passed)]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    assert!(sim.requests().iter().all(|r| r.proxy_target.is_none()));
    assert_eq!(sim.bitbucket().reports[0].body["result"], "PASSED");
}

#[test]
fn the_test_proxy_refuses_what_the_pipelines_proxy_refuses() {
    // Our client through the test proxy, to routes and with headers the
    // Pipelines proxy does not take: each is refused, so the happy-path
    // test above proves something.
    let sim = Simulator::start().unwrap();
    let config = Config {
        retry: RetryPolicy {
            initial_backoff_ms: 1,
            max_backoff_ms: 5,
            ..RetryPolicy::default()
        },
        ..Config::default()
    };
    let client = testrelay::http::HttpClient::through_forward_proxy(
        "http://api.bitbucket.org/2.0",
        &sim.url(),
        &config,
    )
    .unwrap();
    let status = client
        .send(
            "POST",
            &format!("/repositories/team/app/commit/{SHA}/statuses/build"),
            testrelay::http::Body::Empty,
        )
        .unwrap_err();
    assert_eq!(status.kind(), ErrorKind::Permission, "{status}");
    // A body larger than the transport's buffers arrives whole (the
    // simulator parsed it and judged its `details`).
    let big = serde_json::json!({
        "title": "t", "report_type": "TEST", "result": "PASSED",
        "details": "x".repeat(300_000),
    });
    let whole = client
        .send(
            "PUT",
            &format!("/repositories/team/app/commit/{SHA}/reports/r1"),
            testrelay::http::Body::Json(&big),
        )
        .unwrap_err();
    assert_eq!(whole.kind(), ErrorKind::InvalidArgument, "{whole}");
    assert!(whole.to_string().contains("details"), "{whole}");
    let elsewhere = testrelay::http::HttpClient::through_forward_proxy(
        "http://example.org/2.0",
        &sim.url(),
        &config,
    )
    .unwrap()
    .send(
        "GET",
        "/repositories/team/app",
        testrelay::http::Body::Empty,
    )
    .unwrap_err();
    assert_eq!(elsewhere.kind(), ErrorKind::Connection, "{elsewhere}");
    // https cannot go through a plain forward proxy.
    let https = testrelay::http::HttpClient::through_forward_proxy(
        "https://api.bitbucket.org/2.0",
        &sim.url(),
        &config,
    )
    .unwrap_err();
    assert_eq!(https.kind(), ErrorKind::Configuration);
}
