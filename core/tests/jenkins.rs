//! Jenkins: the run is the build; its description is set through the
//! remote access API (crumb and session cookie when the server issues
//! them), and statuses and PR comments go to the code host detection names
//! (GitHub Branch Source, GitLab plugin variables) with that host's token.
//! Each full run's requests are asserted exactly, and no server ever
//! receives another's token.

use std::path::Path;
use std::time::Duration;

use testrelay::detect::Env;
use testrelay::{CaseStatus, Config, ErrorKind, ProviderSettings, Reporter, TestCase};
use testrelay_ci_sim::{JenkinsBuild, Simulator};

const JENKINS_USER: &str = "ci-bot";
const JENKINS_TOKEN: &str = "11jenkinsapitoken0099";
const GITHUB_TOKEN: &str = "ghs_from_jenkins_4242";
const GITLAB_TOKEN: &str = "glpat-from-jenkins-77";
const SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";
const BUILD: &str = "/job/app/job/PR-5/17/";

fn config(dir: &Path, section: &str, api_url: String) -> Config {
    let mut config = Config {
        provider: "auto".into(),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        ..Config::default()
    };
    config.providers.insert(
        section.into(),
        ProviderSettings {
            api_url: Some(api_url),
            ..ProviderSettings::default()
        },
    );
    config
}

/// A Jenkins multibranch build of change 5, as its agent sets it up.
fn jenkins_env(server: &str, vars: &[(&str, &str)]) -> Env {
    let mut env = Env::new()
        .with_var("JENKINS_URL", format!("{server}/"))
        .with_var("BUILD_ID", "17")
        .with_var("BUILD_NUMBER", "17")
        .with_var("JOB_NAME", "app/PR-5")
        .with_var("BUILD_URL", format!("{server}{BUILD}"))
        .with_var("GIT_COMMIT", SHA);
    for (k, v) in vars {
        env = env.with_var(*k, *v);
    }
    env
}

fn run(config: Config, env: Env) -> testrelay::RunSummary {
    let reporter = Reporter::builder(config).env(env).start().unwrap();
    let mut failed = TestCase::new("s", "c", "breaks", CaseStatus::Failed);
    failed.message = Some("boom".into());
    reporter.record(failed).unwrap();
    reporter
        .record(TestCase::new("s", "c", "holds", CaseStatus::Passed))
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.provider, "jenkins");
    summary
}

fn calls(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn basic(user: &str, token: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"))
    )
}

#[test]
fn a_change_build_of_a_github_repo_sets_the_description_and_delegates_to_github() {
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((JENKINS_USER, JENKINS_TOKEN)), true, false);
    sim.set_github_token(Some(GITHUB_TOKEN));
    sim.seed_jenkins_build(BUILD, JenkinsBuild::default());
    let dir = tempfile::tempdir().unwrap();
    let env = jenkins_env(
        &sim.url(),
        &[
            ("CHANGE_ID", "5"),
            ("CHANGE_URL", "https://github.com/octo/app/pull/5"),
            ("GIT_URL", "https://github.com/octo/app.git"),
            ("JENKINS_USER", JENKINS_USER),
            ("JENKINS_API_TOKEN", JENKINS_TOKEN),
            ("GITHUB_TOKEN", GITHUB_TOKEN),
        ],
    );
    let summary = run(config(dir.path(), "github", sim.url()), env);
    assert_eq!(
        calls(&sim),
        [
            "GET /crumbIssuer/api/json".to_string(),
            format!("POST {BUILD}submitDescription"),
            // Jenkins redirects to the build page, which this server hides
            // from anonymous users; the build says the description is set.
            format!("GET {BUILD}"),
            format!("GET {BUILD}api/json"),
            format!("POST /repos/octo/app/statuses/{SHA}"),
            "GET /repos/octo/app/issues/5/comments".to_string(),
            "POST /repos/octo/app/issues/5/comments".to_string(),
        ],
        "{:?}",
        summary.not_delivered
    );
    let jenkins_auth = basic(JENKINS_USER, JENKINS_TOKEN);
    for r in sim.requests() {
        let all = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        if r.path.starts_with("/repos/") {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {GITHUB_TOKEN}").as_str())
            );
            assert!(!all.contains(&jenkins_auth) && !all.contains(JENKINS_TOKEN));
        } else {
            assert!(!all.contains(GITHUB_TOKEN), "Jenkins got the GitHub token");
        }
    }
    let requests = sim.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some(jenkins_auth.as_str())
    );
    let post = &requests[1];
    assert_eq!(post.header("authorization"), Some(jenkins_auth.as_str()));
    assert_eq!(post.header("cookie"), Some("JSESSIONID.sim=s1"));
    assert!(post.body_text().unwrap().contains("Jenkins-Crumb=crumb-s1"));
    let build = &sim.jenkins().builds[BUILD];
    assert_eq!(
        build
            .description
            .as_deref()
            .map(|d| d.starts_with("testrelay: 1 failed, 1 passed")),
        Some(true),
        "{build:?}"
    );
    let gh = sim.github();
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.statuses[0].state, "failure");
    assert_eq!(gh.comments.len(), 1);
    let delivered: Vec<&str> = summary
        .delivered
        .iter()
        .map(|d| d.operation.as_str())
        .collect();
    assert_eq!(delivered, ["create", "close", "status", "comment"]);
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
}

#[test]
fn a_gitlab_merge_request_build_delegates_to_gitlab_without_a_crumb() {
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((JENKINS_USER, JENKINS_TOKEN)), false, true);
    sim.set_gitlab_token(Some(GITLAB_TOKEN));
    sim.seed_jenkins_build(BUILD, JenkinsBuild::default());
    let dir = tempfile::tempdir().unwrap();
    let env = jenkins_env(
        &sim.url(),
        &[
            ("gitlabMergeRequestIid", "3"),
            ("gitlabSourceBranch", "feature"),
            ("GIT_URL", "https://gitlab.com/group/app.git"),
            ("JENKINS_USER", JENKINS_USER),
            ("JENKINS_API_TOKEN", JENKINS_TOKEN),
            ("GITLAB_TOKEN", GITLAB_TOKEN),
        ],
    );
    let summary = run(
        config(dir.path(), "gitlab", format!("{}/api/v4", sim.url())),
        env,
    );
    let project = "/api/v4/projects/group%2Fapp";
    assert_eq!(
        calls(&sim),
        [
            "GET /crumbIssuer/api/json".to_string(),
            format!("POST {BUILD}submitDescription"),
            format!("GET {BUILD}"),
            // A finished status is left as it is; else ours is found or posted.
            format!("GET {project}/repository/commits/{SHA}/statuses"),
            format!("GET {project}/repository/commits/{SHA}/statuses"),
            format!("POST {project}/statuses/{SHA}"),
            format!("GET {project}/merge_requests/3/notes"),
            format!("POST {project}/merge_requests/3/notes"),
        ],
        "{:?}",
        summary.not_delivered
    );
    for r in sim.requests() {
        let all = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        if r.path.starts_with("/api/v4/") {
            assert_eq!(r.header("private-token"), Some(GITLAB_TOKEN));
            assert!(r.header("authorization").is_none());
            // Jenkins' build number is not a GitLab pipeline.
            assert!(r.query_param("pipeline_id").is_none(), "{}", r.path);
            assert!(!all.contains("pipeline_id"), "{all}");
        } else {
            assert!(!all.contains(GITLAB_TOKEN), "Jenkins got the GitLab token");
        }
    }
    let gl = sim.gitlab();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    assert_eq!(
        sim.jenkins().builds[BUILD]
            .description
            .as_deref()
            .map(|d| d.contains("1 failed")),
        Some(true)
    );
    assert_eq!(gl.statuses.len(), 1);
    assert_eq!(gl.statuses[0].status, "failed");
    assert_eq!(gl.merge_requests.len(), 1);
    assert_eq!(gl.merge_requests[0].notes.len(), 1);
}

#[test]
fn without_credentials_the_build_is_left_alone_and_the_receipt_says_why_once() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = jenkins_env(
        &sim.url(),
        &[
            ("CHANGE_ID", "5"),
            ("GIT_URL", "https://github.com/octo/app.git"),
        ],
    );
    let summary = run(config(dir.path(), "github", sim.url()), env);
    assert!(calls(&sim).is_empty(), "{:?}", calls(&sim));
    let said: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind, n.pending))
        .collect();
    assert_eq!(
        said,
        [
            ("close", ErrorKind::Unsupported, false),
            ("status, comment", ErrorKind::Unsupported, false)
        ]
    );
    let close = &summary.not_delivered[0].message;
    assert!(
        close.contains("JENKINS_API_TOKEN") && !close.contains('\n'),
        "{close}"
    );
    assert!(summary.not_delivered[1].message.contains("GITHUB_TOKEN"));
}

#[test]
fn a_bitbucket_repository_without_a_bitbucket_token_is_named_in_the_receipt() {
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((JENKINS_USER, JENKINS_TOKEN)), true, false);
    sim.seed_jenkins_build(BUILD, JenkinsBuild::default());
    let dir = tempfile::tempdir().unwrap();
    let env = jenkins_env(
        &sim.url(),
        &[
            ("CHANGE_ID", "5"),
            ("GIT_URL", "https://bitbucket.org/team/app.git"),
            ("JENKINS_USER", JENKINS_USER),
            ("JENKINS_API_TOKEN", JENKINS_TOKEN),
            ("GITHUB_TOKEN", GITHUB_TOKEN),
        ],
    );
    let summary = run(config(dir.path(), "github", sim.url()), env);
    // The Jenkins side works; the GitHub token goes nowhere.
    assert_eq!(
        calls(&sim),
        [
            "GET /crumbIssuer/api/json".to_string(),
            format!("POST {BUILD}submitDescription"),
            format!("GET {BUILD}"),
            format!("GET {BUILD}api/json"),
        ]
    );
    for r in sim.requests() {
        assert!(!format!("{:?}", r.headers).contains(GITHUB_TOKEN));
    }
    let said: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind))
        .collect();
    assert_eq!(said, [("status, comment", ErrorKind::Unsupported)]);
    // The code host is Bitbucket: its own token would add them, never GitHub's.
    assert!(
        summary.not_delivered[0]
            .message
            .contains("BITBUCKET_ACCESS_TOKEN"),
        "{}",
        summary.not_delivered[0].message
    );
}

#[test]
fn a_bitbucket_pull_request_build_delegates_to_bitbucket() {
    const BITBUCKET_TOKEN: &str = "bbat-from-jenkins-55";
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((JENKINS_USER, JENKINS_TOKEN)), false, true);
    sim.seed_jenkins_build(BUILD, JenkinsBuild::default());
    let dir = tempfile::tempdir().unwrap();
    let env = jenkins_env(
        &sim.url(),
        &[
            ("CHANGE_ID", "5"),
            ("GIT_URL", "https://bitbucket.org/team/app.git"),
            ("JENKINS_USER", JENKINS_USER),
            ("JENKINS_API_TOKEN", JENKINS_TOKEN),
            ("BITBUCKET_ACCESS_TOKEN", BITBUCKET_TOKEN),
            ("GITHUB_TOKEN", GITHUB_TOKEN),
        ],
    );
    let summary = run(
        config(dir.path(), "bitbucket", format!("{}/2.0", sim.url())),
        env,
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    let repo = "/2.0/repositories/team/app";
    assert_eq!(
        calls(&sim),
        [
            "GET /crumbIssuer/api/json".to_string(),
            format!("POST {BUILD}submitDescription"),
            format!("GET {BUILD}"),
            format!("POST {repo}/commit/{SHA}/statuses/build"),
            format!("GET {repo}/pullrequests/5/comments"),
            format!("POST {repo}/pullrequests/5/comments"),
        ]
    );
    for r in sim.requests() {
        let all = format!("{:?}", r.headers);
        assert!(
            !all.contains(GITHUB_TOKEN),
            "the GitHub token went to {}",
            r.path
        );
        if r.path.starts_with("/2.0/") {
            let bearer = format!("Bearer {BITBUCKET_TOKEN}");
            assert_eq!(r.header("authorization"), Some(bearer.as_str()));
        } else {
            assert!(
                !all.contains(BITBUCKET_TOKEN),
                "Jenkins got the Bitbucket token"
            );
        }
    }
    let bb = sim.bitbucket();
    assert_eq!(bb.statuses.len(), 1);
    assert_eq!(bb.statuses[0].key, "testrelay");
    assert_eq!(bb.comments.len(), 1);
    assert!(bb.reports.is_empty(), "the run stays Jenkins'");
}

#[test]
fn the_build_reads_back_with_its_test_report_and_archived_artifacts() {
    use testrelay::RunStatus;
    use testrelay::detect::detect;
    use testrelay::provider::{Registry, RunContext};
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((JENKINS_USER, JENKINS_TOKEN)), true, false);
    sim.seed_jenkins_build(
        BUILD,
        JenkinsBuild {
            description: Some("testrelay: 1 failed, 2 passed".into()),
            result: Some("UNSTABLE".into()),
            artifacts: vec!["test_results/report.html".into()],
            test_report: Some((2, 1, 0)),
        },
    );
    let env = jenkins_env(
        &sim.url(),
        &[
            ("JENKINS_USER", JENKINS_USER),
            ("JENKINS_API_TOKEN", JENKINS_TOKEN),
        ],
    );
    let det = detect(&env);
    let provider = Registry::with_builtins()
        .build("jenkins", &Config::default(), &env, &det)
        .unwrap();
    let ctx = RunContext {
        build_id: det.build_id.clone(),
        build_url: det.build_url.clone(),
        ..RunContext::default()
    };
    let handle = provider.ci.create_test_run(&ctx).unwrap();
    assert_eq!(handle.external_id, "17");
    let result = provider.ci.get_test_run_status(&ctx, &handle).unwrap();
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        (result.total_tests, result.passed_tests, result.failed_tests),
        (3, 2, 1)
    );
    assert_eq!(
        provider
            .ci
            .get_artifact_url(&ctx, Some(&handle), "report.html")
            .unwrap(),
        format!("{}{BUILD}artifact/test_results/report.html", sim.url())
    );
    assert_eq!(
        provider
            .ci
            .get_artifact_url(&ctx, Some(&handle), "missing.bin")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        calls(&sim),
        [
            format!("GET {BUILD}api/json"),
            format!("GET {BUILD}testReport/api/json"),
            format!("GET {BUILD}api/json"),
            format!("GET {BUILD}api/json"),
        ]
    );
    let path = std::env::temp_dir();
    assert_eq!(
        provider
            .ci
            .upload_artifact(&ctx, Some(&handle), &path, "x")
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
}
