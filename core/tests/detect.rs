//! CI detection: one test per CI system with the variables its docs list,
//! pull-request cases, false-positive guards, credential stripping and the
//! guarantee that token values never reach the result.

use std::collections::BTreeMap;

use serde_json::Value;
use testrelay::{CiSystem, Detection, Env, detect, normalize_branch};

const HEAD: &str = "9f3c1a7e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f";
const MERGE: &str = "1111111111111111111111111111111111111111";

fn env(vars: &[(&str, &str)]) -> Env {
    Env::from_vars(vars.iter().map(|(k, v)| (*k, *v)))
}

/// Every field of the detection except `sources` and `notes`, flattened to
/// strings (`code_host.kind`, ...); absent fields are left out.
fn flat(d: &Detection) -> BTreeMap<String, String> {
    let value = serde_json::to_value(d).expect("detection serializes");
    let mut out = BTreeMap::new();
    for (key, v) in value.as_object().expect("an object") {
        match v {
            Value::Null => {}
            _ if key == "sources" || key == "notes" => {}
            Value::String(s) => {
                out.insert(key.clone(), s.clone());
            }
            Value::Object(o) => {
                for (k2, v2) in o {
                    let s = v2.as_str().map_or_else(|| v2.to_string(), str::to_string);
                    out.insert(format!("{key}.{k2}"), s);
                }
            }
            other => {
                out.insert(key.clone(), other.to_string());
            }
        }
    }
    out
}

/// Asserts the detection holds exactly these fields (and no others).
fn assert_fields(d: &Detection, expected: &[(&str, &str)]) {
    let expected: BTreeMap<String, String> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(flat(d), expected, "notes: {:?}", d.notes);
}

fn source<'d>(d: &'d Detection, field: &str) -> &'d str {
    d.sources.get(field).map(String::as_str).unwrap_or("<none>")
}

// ---------------------------------------------------------------- GitHub

#[test]
fn github_actions_push() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_REPOSITORY_OWNER", "octo-org"),
        ("GITHUB_SHA", HEAD),
        ("GITHUB_REF", "refs/heads/feature/login"),
        ("GITHUB_REF_NAME", "feature/login"),
        ("GITHUB_REF_TYPE", "branch"),
        ("GITHUB_HEAD_REF", ""),
        ("GITHUB_BASE_REF", ""),
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_RUN_ID", "1658821493"),
        ("GITHUB_RUN_NUMBER", "3"),
        ("GITHUB_RUN_ATTEMPT", "1"),
        ("GITHUB_JOB", "test"),
        ("GITHUB_WORKFLOW", "CI"),
        ("GITHUB_ACTOR", "octocat"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_API_URL", "https://api.github.com"),
        ("GITHUB_GRAPHQL_URL", "https://api.github.com/graphql"),
        ("GITHUB_WORKSPACE", "/home/runner/app"),
        ("RUNNER_OS", "Linux"),
        ("GITHUB_TOKEN", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "github_actions"),
            ("provider", "github"),
            ("repository", "octo-org/app"),
            ("commit_sha", HEAD),
            ("branch", "feature/login"),
            ("build_id", "1658821493"),
            ("build_number", "3"),
            (
                "build_url",
                "https://github.com/octo-org/app/actions/runs/1658821493",
            ),
            ("job_name", "test"),
            ("api_url", "https://api.github.com"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo-org/app"),
            ("token_env", "GITHUB_TOKEN"),
            ("token_present", "true"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env GITHUB_ACTIONS");
    assert_eq!(source(&d, "branch"), "env GITHUB_REF");
    assert_eq!(source(&d, "commit_sha"), "env GITHUB_SHA");
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

fn github_pr_env() -> Env {
    env(&[
        ("CI", "true"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_SHA", MERGE),
        ("GITHUB_REF", "refs/pull/42/merge"),
        ("GITHUB_REF_NAME", "42/merge"),
        ("GITHUB_REF_TYPE", "branch"),
        ("GITHUB_HEAD_REF", "feature/login"),
        ("GITHUB_BASE_REF", "main"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", "_github_workflow/event.json"),
        ("GITHUB_RUN_ID", "1658821493"),
        ("GITHUB_RUN_NUMBER", "3"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("GITHUB_JOB", "test"),
        ("JOB_CHECK_RUN_ID", "51725241954"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_API_URL", "https://api.github.com"),
    ])
}

#[test]
fn github_pull_request_uses_the_event_file_head_not_the_merge_commit() {
    let event = format!(
        r#"{{"action":"synchronize","number":42,
            "pull_request":{{"number":42,
              "head":{{"sha":"{HEAD}","ref":"feature/login"}},
              "base":{{"sha":"2222222222222222222222222222222222222222","ref":"main"}}}}}}"#
    );
    let e = github_pr_env().with_file("_github_workflow/event.json", event);
    let d = detect(&e);
    assert_fields(
        &d,
        &[
            ("ci", "github_actions"),
            ("provider", "github"),
            ("repository", "octo-org/app"),
            ("commit_sha", HEAD),
            ("branch", "feature/login"),
            ("base_branch", "main"),
            ("pr_number", "42"),
            ("build_id", "1658821493"),
            ("build_number", "3"),
            (
                "build_url",
                "https://github.com/octo-org/app/actions/runs/1658821493/attempts/2",
            ),
            ("job_id", "51725241954"),
            ("job_name", "test"),
            (
                "job_url",
                "https://github.com/octo-org/app/actions/runs/1658821493/job/51725241954",
            ),
            ("api_url", "https://api.github.com"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo-org/app"),
            ("token_env", "GITHUB_TOKEN"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(
        source(&d, "commit_sha"),
        "file $GITHUB_EVENT_PATH pull_request.head.sha"
    );
    assert_eq!(
        source(&d, "pr_number"),
        "file $GITHUB_EVENT_PATH pull_request.number"
    );
    assert_eq!(source(&d, "branch"), "env GITHUB_HEAD_REF");
    assert_eq!(source(&d, "base_branch"), "env GITHUB_BASE_REF");
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn github_pull_request_without_event_file_falls_back_and_says_so() {
    let d = detect(&github_pr_env());
    assert_eq!(d.commit_sha.as_deref(), Some(MERGE));
    assert_eq!(d.pr_number, Some(42));
    assert_eq!(source(&d, "pr_number"), "env GITHUB_REF");
    assert_eq!(d.branch.as_deref(), Some("feature/login"));
    assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
    assert!(d.notes[0].contains("GITHUB_EVENT_PATH"), "{}", d.notes[0]);
    assert!(d.notes[0].contains("event.json"), "{}", d.notes[0]);
    assert!(d.notes[1].contains("merge commit"), "{}", d.notes[1]);
}

#[test]
fn github_workflow_run_reports_the_triggering_head() {
    let event = format!(
        r#"{{"workflow_run":{{"head_sha":"{HEAD}","head_branch":"feature/login",
            "pull_requests":[{{"number":7,"base":{{"ref":"main"}}}}]}}}}"#
    );
    let e = env(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo-org/app"),
        ("GITHUB_SHA", MERGE),
        ("GITHUB_REF", "refs/heads/main"),
        ("GITHUB_EVENT_NAME", "workflow_run"),
        ("GITHUB_EVENT_PATH", "event.json"),
    ])
    .with_file("event.json", event);
    let d = detect(&e);
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(d.branch.as_deref(), Some("feature/login"));
    assert_eq!(d.base_branch.as_deref(), Some("main"));
    assert_eq!(d.pr_number, Some(7));
    assert_eq!(
        source(&d, "branch"),
        "file $GITHUB_EVENT_PATH workflow_run.head_branch"
    );
}

#[test]
fn github_enterprise_server_derives_its_api_url() {
    let d = detect(&env(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "team/app"),
        ("GITHUB_SERVER_URL", "https://ghe.example.com/"),
        ("GITHUB_RUN_ID", "5"),
    ]));
    assert_eq!(d.api_url.as_deref(), Some("https://ghe.example.com/api/v3"));
    assert_eq!(
        d.build_url.as_deref(),
        Some("https://ghe.example.com/team/app/actions/runs/5")
    );
    let host = d.code_host.expect("code host");
    assert_eq!(host.host, "ghe.example.com");
}

#[test]
fn gitea_actions_is_not_taken_for_github() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("GITHUB_ACTIONS", "true"),
        ("GITEA_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "team/app"),
        ("GITHUB_SHA", HEAD),
    ]));
    assert_eq!(d.ci, None);
    assert_eq!(d.provider, "local");
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("Gitea"));
}

// ---------------------------------------------------------------- GitLab

#[test]
fn gitlab_branch_pipeline() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_SERVER_URL", "https://gitlab.example.com"),
        ("CI_SERVER_HOST", "gitlab.example.com"),
        ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
        ("CI_PROJECT_ID", "4711"),
        ("CI_PROJECT_PATH", "group/sub/app"),
        ("CI_PROJECT_URL", "https://gitlab.example.com/group/sub/app"),
        (
            "CI_REPOSITORY_URL",
            "https://gitlab-ci-token:glcbt-64_sEcReT@gitlab.example.com/group/sub/app.git",
        ),
        ("CI_COMMIT_SHA", HEAD),
        ("CI_COMMIT_REF_NAME", "main"),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_PIPELINE_ID", "1234567"),
        ("CI_PIPELINE_IID", "89"),
        ("CI_PIPELINE_SOURCE", "push"),
        (
            "CI_PIPELINE_URL",
            "https://gitlab.example.com/group/sub/app/-/pipelines/1234567",
        ),
        ("CI_JOB_ID", "987654"),
        ("CI_JOB_NAME", "test 2/3"),
        (
            "CI_JOB_URL",
            "https://gitlab.example.com/group/sub/app/-/jobs/987654",
        ),
        ("CI_NODE_INDEX", "2"),
        ("CI_NODE_TOTAL", "3"),
        ("CI_JOB_TOKEN", "glcbt-64_sEcReT"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "gitlab_ci"),
            ("provider", "gitlab"),
            ("repository", "group/sub/app"),
            (
                "repository_url",
                "https://gitlab.example.com/group/sub/app.git",
            ),
            ("project_id", "4711"),
            ("commit_sha", HEAD),
            ("branch", "main"),
            ("build_id", "1234567"),
            ("build_number", "89"),
            (
                "build_url",
                "https://gitlab.example.com/group/sub/app/-/pipelines/1234567",
            ),
            ("job_id", "987654"),
            ("job_name", "test 2/3"),
            (
                "job_url",
                "https://gitlab.example.com/group/sub/app/-/jobs/987654",
            ),
            ("shard_index", "1"),
            ("shard_total", "3"),
            ("api_url", "https://gitlab.example.com/api/v4"),
            ("code_host.kind", "gitlab"),
            ("code_host.host", "gitlab.example.com"),
            ("code_host.repository", "group/sub/app"),
            ("token_env", "CI_JOB_TOKEN"),
            ("token_present", "true"),
        ],
    );
    assert_eq!(source(&d, "branch"), "env CI_COMMIT_BRANCH");
    assert_eq!(
        source(&d, "shard_index"),
        "env CI_NODE_INDEX (1-based, converted)"
    );
}

#[test]
fn gitlab_merge_request_uses_the_iid_and_the_source_branch_head() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_PROJECT_PATH", "group/app"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_COMMIT_SHA", MERGE),
        ("CI_COMMIT_REF_NAME", "feature/x"),
        ("CI_MERGE_REQUEST_IID", "17"),
        ("CI_MERGE_REQUEST_ID", "123456789"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", HEAD),
        (
            "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
            "2222222222222222222222222222222222222222",
        ),
    ]));
    assert_eq!(d.pr_number, Some(17));
    assert_eq!(source(&d, "pr_number"), "env CI_MERGE_REQUEST_IID");
    assert_eq!(d.pr_id, Some(123_456_789));
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(
        source(&d, "commit_sha"),
        "env CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"
    );
    assert_eq!(d.branch.as_deref(), Some("feature/x"));
    assert_eq!(
        source(&d, "branch"),
        "env CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"
    );
    assert_eq!(d.base_branch.as_deref(), Some("main"));
}

// ---------------------------------------------------------------- Jenkins

#[test]
fn jenkins_multibranch_pull_request() {
    let d = detect(&env(&[
        ("JENKINS_URL", "https://jenkins.example.com/"),
        ("BUILD_ID", "57"),
        ("BUILD_NUMBER", "57"),
        ("BUILD_TAG", "jenkins-app-PR-5-57"),
        (
            "BUILD_URL",
            "https://jenkins.example.com/job/app/job/PR-5/57/",
        ),
        ("JOB_NAME", "app/PR-5"),
        ("JOB_URL", "https://jenkins.example.com/job/app/job/PR-5/"),
        ("BRANCH_NAME", "PR-5"),
        ("CHANGE_ID", "5"),
        ("CHANGE_BRANCH", "feature/x"),
        ("CHANGE_TARGET", "main"),
        ("CHANGE_URL", "https://github.com/octo/app/pull/5"),
        ("GIT_COMMIT", HEAD),
        ("GIT_BRANCH", "PR-5"),
        (
            "GIT_URL",
            "https://bot:ghp_jenkinsSecret@github.com/octo/app.git",
        ),
        ("WORKSPACE", "/var/lib/jenkins/workspace/app_PR-5"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "jenkins"),
            ("provider", "jenkins"),
            ("repository", "octo/app"),
            ("repository_url", "https://github.com/octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "5"),
            ("build_id", "57"),
            ("build_number", "57"),
            (
                "build_url",
                "https://jenkins.example.com/job/app/job/PR-5/57/",
            ),
            ("job_name", "app/PR-5"),
            ("job_url", "https://jenkins.example.com/job/app/job/PR-5/"),
            ("api_url", "https://jenkins.example.com/"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env JENKINS_URL and BUILD_ID");
    assert_eq!(source(&d, "code_host"), "env CHANGE_URL");
    assert_eq!(source(&d, "branch"), "env CHANGE_BRANCH");
}

#[test]
fn jenkins_git_plugin_branch_loses_its_remote_prefix() {
    let d = detect(&env(&[
        ("JENKINS_URL", "https://jenkins.example.com/"),
        ("BUILD_ID", "12"),
        ("GIT_BRANCH", "origin/release/1.x"),
        ("GIT_COMMIT", HEAD),
        ("GIT_URL", "https://git.example.com/team/app.git"),
    ]));
    assert_eq!(d.branch.as_deref(), Some("release/1.x"));
    assert_eq!(
        source(&d, "branch"),
        "env GIT_BRANCH (remote prefix removed)"
    );
    assert_eq!(d.repository.as_deref(), Some("team/app"));
    assert_eq!(d.code_host, None);
}

// ---------------------------------------------------------------- Azure

#[test]
fn azure_pipelines_branch_build() {
    let d = detect(&env(&[
        ("TF_BUILD", "True"),
        ("AGENT_NAME", "Hosted Agent"),
        ("BUILD_REASON", "IndividualCI"),
        ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
        ("BUILD_REPOSITORY_NAME", "app"),
        (
            "BUILD_REPOSITORY_ID",
            "5b1f0c3e-7a4b-4c6d-9e2f-0a1b2c3d4e5f",
        ),
        (
            "BUILD_REPOSITORY_URI",
            "https://contoso@dev.azure.com/contoso/Web/_git/app",
        ),
        ("BUILD_SOURCEVERSION", HEAD),
        ("BUILD_SOURCEBRANCH", "refs/heads/feature/x"),
        ("BUILD_SOURCEBRANCHNAME", "x"),
        ("BUILD_BUILDID", "321"),
        ("BUILD_BUILDNUMBER", "20240101.3"),
        (
            "SYSTEM_TEAMFOUNDATIONSERVERURI",
            "https://dev.azure.com/contoso/",
        ),
        (
            "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
            "https://dev.azure.com/contoso/",
        ),
        ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/contoso/"),
        ("SYSTEM_TEAMPROJECT", "Web"),
        (
            "SYSTEM_TEAMPROJECTID",
            "7c3b0b6e-1111-2222-3333-444455556666",
        ),
        ("SYSTEM_JOBID", "12f1170f-54f2-53f3-20dd-22fc7dff55f9"),
        (
            "SYSTEM_TASKINSTANCEID",
            "b09e6ec9-b7ba-5e58-f1cb-40fd5f6cc6b7",
        ),
        ("SYSTEM_JOBDISPLAYNAME", "Test (linux)"),
        ("SYSTEM_JOBPOSITIONINPHASE", "1"),
        ("SYSTEM_TOTALJOBSINPHASE", "2"),
        ("SYSTEM_ACCESSTOKEN", "azure-job-token-value"),
    ]));
    let build_url = "https://dev.azure.com/contoso/7c3b0b6e-1111-2222-3333-444455556666/_build/results?buildId=321";
    let job_url = format!(
        "{build_url}&view=logs&j=12f1170f-54f2-53f3-20dd-22fc7dff55f9&t=b09e6ec9-b7ba-5e58-f1cb-40fd5f6cc6b7"
    );
    assert_fields(
        &d,
        &[
            ("ci", "azure_pipelines"),
            ("provider", "azure"),
            ("repository", "app"),
            (
                "repository_url",
                "https://dev.azure.com/contoso/Web/_git/app",
            ),
            ("repository_id", "5b1f0c3e-7a4b-4c6d-9e2f-0a1b2c3d4e5f"),
            ("project_id", "7c3b0b6e-1111-2222-3333-444455556666"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("build_id", "321"),
            ("build_number", "20240101.3"),
            ("build_url", build_url),
            ("job_id", "12f1170f-54f2-53f3-20dd-22fc7dff55f9"),
            ("job_name", "Test (linux)"),
            ("job_url", &job_url),
            ("shard_index", "0"),
            ("shard_total", "2"),
            ("api_url", "https://dev.azure.com/contoso/"),
            ("code_host.kind", "azure"),
            ("code_host.host", "dev.azure.com"),
            ("code_host.repository", "contoso/Web/app"),
            ("token_env", "SYSTEM_ACCESSTOKEN"),
            ("token_present", "true"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env TF_BUILD");
    assert_eq!(source(&d, "api_url"), "env SYSTEM_COLLECTIONURI");
}

#[test]
fn azure_pull_request_from_a_github_repository() {
    let d = detect(&env(&[
        ("TF_BUILD", "True"),
        ("BUILD_REASON", "PullRequest"),
        ("BUILD_REPOSITORY_PROVIDER", "GitHub"),
        ("BUILD_REPOSITORY_NAME", "octo/app"),
        ("BUILD_REPOSITORY_URI", "https://github.com/octo/app"),
        ("BUILD_SOURCEVERSION", MERGE),
        ("BUILD_SOURCEBRANCH", "refs/pull/7/merge"),
        ("BUILD_SOURCEBRANCHNAME", "merge"),
        ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "feature/x"),
        ("SYSTEM_PULLREQUEST_TARGETBRANCH", "main"),
        ("SYSTEM_PULLREQUEST_SOURCECOMMITID", HEAD),
        ("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "7"),
        ("SYSTEM_PULLREQUEST_PULLREQUESTID", "1234567890"),
        ("SYSTEM_PULLREQUEST_ISFORK", "False"),
    ]));
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(
        source(&d, "commit_sha"),
        "env SYSTEM_PULLREQUEST_SOURCECOMMITID"
    );
    assert_eq!(d.branch.as_deref(), Some("feature/x"));
    assert_eq!(d.base_branch.as_deref(), Some("main"));
    assert_eq!(d.pr_number, Some(7));
    assert_eq!(
        source(&d, "pr_number"),
        "env SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"
    );
    assert_eq!(d.pr_id, Some(1_234_567_890));
    let host = d.code_host.as_ref().expect("code host");
    assert_eq!(
        (host.kind.as_str(), host.repository.as_str()),
        ("github", "octo/app")
    );
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn azure_repos_pull_request_number_is_the_pull_request_id() {
    let d = detect(&env(&[
        ("TF_BUILD", "True"),
        ("BUILD_REASON", "PullRequest"),
        ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
        ("BUILD_REPOSITORY_NAME", "app"),
        ("BUILD_SOURCEVERSION", MERGE),
        ("BUILD_SOURCEBRANCH", "refs/pull/99/merge"),
        ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/feature/x"),
        ("SYSTEM_PULLREQUEST_TARGETBRANCH", "refs/heads/main"),
        ("SYSTEM_PULLREQUEST_SOURCECOMMITID", HEAD),
        ("SYSTEM_PULLREQUEST_PULLREQUESTID", "99"),
    ]));
    assert_eq!(d.pr_number, Some(99));
    assert_eq!(
        source(&d, "pr_number"),
        "env SYSTEM_PULLREQUEST_PULLREQUESTID"
    );
    assert_eq!(d.pr_id, Some(99));
    assert_eq!(d.branch.as_deref(), Some("feature/x"));
    assert_eq!(d.base_branch.as_deref(), Some("main"));
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
}

#[test]
fn azure_pull_request_without_source_commit_notes_the_merge_commit() {
    let d = detect(&env(&[
        ("TF_BUILD", "True"),
        ("BUILD_REASON", "PullRequest"),
        ("BUILD_SOURCEVERSION", MERGE),
    ]));
    assert_eq!(d.commit_sha.as_deref(), Some(MERGE));
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("merge commit"));
}

// ---------------------------------------------------------------- CircleCI

#[test]
fn circleci_branch_with_an_open_pull_request() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("CIRCLECI", "true"),
        ("CIRCLE_PROJECT_USERNAME", "octo"),
        ("CIRCLE_PROJECT_REPONAME", "app"),
        ("CIRCLE_REPOSITORY_URL", "git@github.com:octo/app.git"),
        ("CIRCLE_SHA1", HEAD),
        ("CIRCLE_BRANCH", "feature/x"),
        ("CIRCLE_BUILD_NUM", "812"),
        ("CIRCLE_BUILD_URL", "https://circleci.com/gh/octo/app/812"),
        ("CIRCLE_JOB", "test"),
        ("CIRCLE_WORKFLOW_ID", "6c7e2b9a-3f4d-4e1a-9b8c-7d6e5f4a3b2c"),
        ("CIRCLE_NODE_INDEX", "3"),
        ("CIRCLE_NODE_TOTAL", "4"),
        ("CIRCLE_PULL_REQUEST", "https://github.com/octo/app/pull/31"),
        (
            "CIRCLE_PULL_REQUESTS",
            "https://github.com/octo/app/pull/31",
        ),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "circleci"),
            ("provider", "circleci"),
            ("repository", "octo/app"),
            ("repository_url", "git@github.com:octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("pr_number", "31"),
            ("build_id", "812"),
            ("build_url", "https://circleci.com/gh/octo/app/812"),
            ("job_name", "test"),
            ("shard_index", "3"),
            ("shard_total", "4"),
            ("api_url", "https://circleci.com/api/v2"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(
        source(&d, "pr_number"),
        "env CIRCLE_PULL_REQUEST (trailing number)"
    );
    assert_eq!(source(&d, "code_host"), "env CIRCLE_PULL_REQUEST");
    assert_eq!(source(&d, "shard_index"), "env CIRCLE_NODE_INDEX");
}

#[test]
fn circleci_fork_pull_request() {
    let d = detect(&env(&[
        ("CIRCLECI", "true"),
        ("CIRCLE_PROJECT_USERNAME", "octo"),
        ("CIRCLE_PROJECT_REPONAME", "app"),
        ("CIRCLE_REPOSITORY_URL", "https://github.com/octo/app"),
        ("CIRCLE_SHA1", HEAD),
        ("CIRCLE_BRANCH", "pull/31"),
        ("CIRCLE_PR_NUMBER", "31"),
        ("CIRCLE_PR_USERNAME", "forker"),
        ("CIRCLE_PR_REPONAME", "app"),
        ("CIRCLE_PULL_REQUEST", "https://github.com/octo/app/pull/31"),
    ]));
    assert_eq!(d.pr_number, Some(31));
    assert_eq!(source(&d, "pr_number"), "env CIRCLE_PR_NUMBER");
    assert_eq!(d.repository.as_deref(), Some("octo/app"));
    assert_eq!(d.branch, None);
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("pull/31"), "{}", d.notes[0]);
}

#[test]
fn circleci_on_bitbucket_delegates_to_bitbucket() {
    let d = detect(&env(&[
        ("CIRCLECI", "true"),
        ("CIRCLE_REPOSITORY_URL", "git@bitbucket.org:team/app.git"),
        (
            "CIRCLE_PULL_REQUEST",
            "https://bitbucket.org/team/app/pull-requests/9",
        ),
    ]));
    let host = d.code_host.as_ref().expect("code host");
    assert_eq!(
        (
            host.kind.as_str(),
            host.host.as_str(),
            host.repository.as_str()
        ),
        ("bitbucket", "bitbucket.org", "team/app")
    );
    assert_eq!(d.repository.as_deref(), Some("team/app"));
    assert_eq!(d.pr_number, Some(9));
}

// ---------------------------------------------------------------- Travis

#[test]
fn travis_push_build() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("TRAVIS", "true"),
        ("TRAVIS_REPO_SLUG", "octo/app"),
        ("TRAVIS_COMMIT", HEAD),
        ("TRAVIS_BRANCH", "main"),
        ("TRAVIS_PULL_REQUEST", "false"),
        ("TRAVIS_EVENT_TYPE", "push"),
        ("TRAVIS_BUILD_ID", "271828"),
        ("TRAVIS_BUILD_NUMBER", "314"),
        (
            "TRAVIS_BUILD_WEB_URL",
            "https://app.travis-ci.com/github/octo/app/builds/271828",
        ),
        ("TRAVIS_JOB_ID", "161803"),
        ("TRAVIS_JOB_NUMBER", "314.1"),
        ("TRAVIS_JOB_NAME", "unit"),
        (
            "TRAVIS_JOB_WEB_URL",
            "https://app.travis-ci.com/github/octo/app/jobs/161803",
        ),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "travis_ci"),
            ("provider", "travis"),
            ("repository", "octo/app"),
            ("commit_sha", HEAD),
            ("branch", "main"),
            ("build_id", "271828"),
            ("build_number", "314"),
            (
                "build_url",
                "https://app.travis-ci.com/github/octo/app/builds/271828",
            ),
            ("job_id", "161803"),
            ("job_name", "unit"),
            (
                "job_url",
                "https://app.travis-ci.com/github/octo/app/jobs/161803",
            ),
            ("api_url", "https://api.travis-ci.com"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(
        source(&d, "code_host"),
        "env TRAVIS_REPO_SLUG; kind from env TRAVIS_BUILD_WEB_URL"
    );
}

#[test]
fn travis_pull_request_uses_the_head_sha_and_source_branch() {
    let d = detect(&env(&[
        ("TRAVIS", "true"),
        ("TRAVIS_REPO_SLUG", "octo/app"),
        ("TRAVIS_COMMIT", MERGE),
        ("TRAVIS_BRANCH", "main"),
        ("TRAVIS_PULL_REQUEST", "12"),
        ("TRAVIS_PULL_REQUEST_BRANCH", "feature/x"),
        ("TRAVIS_PULL_REQUEST_SHA", HEAD),
        ("TRAVIS_PULL_REQUEST_SLUG", "forker/app"),
        ("TRAVIS_EVENT_TYPE", "pull_request"),
    ]));
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(source(&d, "commit_sha"), "env TRAVIS_PULL_REQUEST_SHA");
    assert_eq!(d.branch.as_deref(), Some("feature/x"));
    assert_eq!(d.base_branch.as_deref(), Some("main"));
    assert_eq!(source(&d, "base_branch"), "env TRAVIS_BRANCH");
    assert_eq!(d.pr_number, Some(12));
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

// ---------------------------------------------------------------- Bitbucket

#[test]
fn bitbucket_pipelines_pull_request_step() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("BITBUCKET_BUILD_NUMBER", "58"),
        ("BITBUCKET_COMMIT", HEAD),
        ("BITBUCKET_BRANCH", "feature/x"),
        ("BITBUCKET_REPO_FULL_NAME", "team/app"),
        ("BITBUCKET_WORKSPACE", "team"),
        ("BITBUCKET_REPO_SLUG", "app"),
        (
            "BITBUCKET_REPO_UUID",
            "{0c9a0b1e-1111-2222-3333-444455556666}",
        ),
        (
            "BITBUCKET_PIPELINE_UUID",
            "{1d2e3f40-aaaa-bbbb-cccc-ddddeeeeffff}",
        ),
        (
            "BITBUCKET_STEP_UUID",
            "{2e3f4051-aaaa-bbbb-cccc-ddddeeeeffff}",
        ),
        ("BITBUCKET_PR_ID", "14"),
        ("BITBUCKET_PR_DESTINATION_BRANCH", "main"),
        ("BITBUCKET_GIT_HTTP_ORIGIN", "http://bitbucket.org/team/app"),
        (
            "BITBUCKET_CLONE_DIR",
            "/opt/atlassian/pipelines/agent/build",
        ),
        ("BITBUCKET_PARALLEL_STEP", "1"),
        ("BITBUCKET_PARALLEL_STEP_COUNT", "3"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "bitbucket_pipelines"),
            ("provider", "bitbucket"),
            ("repository", "team/app"),
            ("repository_url", "http://bitbucket.org/team/app"),
            ("repository_id", "{0c9a0b1e-1111-2222-3333-444455556666}"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "14"),
            ("build_id", "{1d2e3f40-aaaa-bbbb-cccc-ddddeeeeffff}"),
            ("build_number", "58"),
            (
                "build_url",
                "https://bitbucket.org/team/app/addon/pipelines/home#!/results/58",
            ),
            ("job_id", "{2e3f4051-aaaa-bbbb-cccc-ddddeeeeffff}"),
            ("shard_index", "1"),
            ("shard_total", "3"),
            ("api_url", "https://api.bitbucket.org/2.0"),
            ("code_host.kind", "bitbucket"),
            ("code_host.host", "bitbucket.org"),
            ("code_host.repository", "team/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env BITBUCKET_BUILD_NUMBER");
}

// ---------------------------------------------------------------- TeamCity

const TC_BUILD_PROPS: &str = "/opt/buildagent/temp/buildTmp/teamcity.build4242.properties";
const TC_CONFIG_PROPS: &str = "/opt/buildagent/temp/buildTmp/teamcity.config4242.properties";

#[test]
fn teamcity_reads_branch_pr_and_server_from_properties_files() {
    let build_props = format!(
        "#TeamCity build properties without 'system.' prefix\n\
         #Mon Jan 01 00:00:00 UTC 2024\n\
         agent.name=Agent 1\n\
         teamcity.build.id=4242\n\
         teamcity.buildType.id=App_Tests\n\
         teamcity.configuration.properties.file={TC_CONFIG_PROPS}\n\
         teamcity.version=2024.03 (build 156364)\n"
    );
    let config_props = "#TeamCity configuration parameters\n\
         teamcity.build.branch=pull/77\n\
         teamcity.build.branch.is_default=false\n\
         teamcity.pullRequest.number=77\n\
         teamcity.pullRequest.source.branch=feature/x\n\
         teamcity.pullRequest.target.branch=main\n\
         teamcity.serverUrl=https\\://teamcity.example.com\n\
         vcsroot.url=https\\://github.com/octo/app.git\n\
         build.vcs.number=ignored-because-the-env-var-wins\n";
    let e = env(&[
        ("TEAMCITY_VERSION", "2024.03 (build 156364)"),
        ("TEAMCITY_PROJECT_NAME", "App"),
        ("TEAMCITY_BUILDCONF_NAME", "Tests"),
        ("BUILD_NUMBER", "145"),
        ("BUILD_VCS_NUMBER", HEAD),
        ("TEAMCITY_BUILD_PROPERTIES_FILE", TC_BUILD_PROPS),
    ])
    .with_file(TC_BUILD_PROPS, build_props)
    .with_file(TC_CONFIG_PROPS, config_props);
    let d = detect(&e);
    assert_fields(
        &d,
        &[
            ("ci", "teamcity"),
            ("provider", "teamcity"),
            ("repository", "octo/app"),
            ("repository_url", "https://github.com/octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "77"),
            ("build_id", "4242"),
            ("build_number", "145"),
            (
                "build_url",
                "https://teamcity.example.com/viewLog.html?buildId=4242",
            ),
            ("job_name", "Tests"),
            ("api_url", "https://teamcity.example.com/app/rest"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "commit_sha"), "env BUILD_VCS_NUMBER");
    assert_eq!(
        source(&d, "branch"),
        "file teamcity.configuration.properties.file teamcity.pullRequest.source.branch"
    );
    assert_eq!(
        source(&d, "build_id"),
        "file $TEAMCITY_BUILD_PROPERTIES_FILE teamcity.build.id"
    );
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn teamcity_without_properties_file_still_detects_and_notes_a_missing_one() {
    let d = detect(&env(&[
        ("TEAMCITY_VERSION", "2024.03"),
        ("BUILD_NUMBER", "145"),
        ("BUILD_VCS_NUMBER", HEAD),
    ]));
    assert_eq!(d.ci, Some(CiSystem::Teamcity));
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(d.build_number.as_deref(), Some("145"));
    assert!(d.notes.is_empty());

    let d = detect(&env(&[
        ("TEAMCITY_VERSION", "2024.03"),
        ("TEAMCITY_BUILD_PROPERTIES_FILE", "missing.properties"),
    ]));
    assert_eq!(d.ci, Some(CiSystem::Teamcity));
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("missing.properties"), "{}", d.notes[0]);
}

// ---------------------------------------------------------------- Buildkite

#[test]
fn buildkite_pull_request_on_a_parallel_job() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("BUILDKITE", "true"),
        ("BUILDKITE_REPO", "git@github.com:octo/app.git"),
        ("BUILDKITE_COMMIT", HEAD),
        ("BUILDKITE_BRANCH", "feature/x"),
        ("BUILDKITE_PULL_REQUEST", "23"),
        ("BUILDKITE_PULL_REQUEST_BASE_BRANCH", "main"),
        ("BUILDKITE_BUILD_ID", "0189f0c2-1111-2222-3333-444455556666"),
        ("BUILDKITE_BUILD_NUMBER", "1514"),
        (
            "BUILDKITE_BUILD_URL",
            "https://buildkite.com/octo/app/builds/1514",
        ),
        ("BUILDKITE_JOB_ID", "0189f0c2-7777-8888-9999-aaaabbbbcccc"),
        ("BUILDKITE_LABEL", ":rust: test"),
        ("BUILDKITE_PARALLEL_JOB", "2"),
        ("BUILDKITE_PARALLEL_JOB_COUNT", "5"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "buildkite"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "git@github.com:octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "23"),
            ("build_id", "0189f0c2-1111-2222-3333-444455556666"),
            ("build_number", "1514"),
            ("build_url", "https://buildkite.com/octo/app/builds/1514"),
            ("job_id", "0189f0c2-7777-8888-9999-aaaabbbbcccc"),
            ("job_name", ":rust: test"),
            (
                "job_url",
                "https://buildkite.com/octo/app/builds/1514#0189f0c2-7777-8888-9999-aaaabbbbcccc",
            ),
            ("shard_index", "2"),
            ("shard_total", "5"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
}

#[test]
fn buildkite_head_is_not_a_commit_and_false_is_not_a_pr() {
    let d = detect(&env(&[
        ("BUILDKITE", "true"),
        ("BUILDKITE_COMMIT", "HEAD"),
        ("BUILDKITE_PULL_REQUEST", "false"),
        ("BUILDKITE_BRANCH", "main"),
    ]));
    assert_eq!(d.commit_sha, None);
    assert_eq!(d.pr_number, None);
    assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
    assert!(d.notes[0].contains("HEAD"));
}

// ---------------------------------------------------------------- AppVeyor

#[test]
fn appveyor_pull_request() {
    let d = detect(&env(&[
        ("APPVEYOR", "True"),
        ("CI", "True"),
        ("APPVEYOR_URL", "https://ci.appveyor.com"),
        ("APPVEYOR_API_URL", "http://localhost:1032/"),
        ("APPVEYOR_ACCOUNT_NAME", "octo"),
        ("APPVEYOR_PROJECT_ID", "447936"),
        ("APPVEYOR_PROJECT_NAME", "app"),
        ("APPVEYOR_PROJECT_SLUG", "app"),
        ("APPVEYOR_BUILD_ID", "16428432"),
        ("APPVEYOR_BUILD_NUMBER", "7"),
        ("APPVEYOR_BUILD_VERSION", "1.0.7"),
        ("APPVEYOR_JOB_ID", "v8xadmxjx5ys0fhw"),
        ("APPVEYOR_JOB_NAME", "Environment: PY=3.12"),
        ("APPVEYOR_JOB_NUMBER", "1"),
        ("APPVEYOR_PULL_REQUEST_NUMBER", "5"),
        ("APPVEYOR_PULL_REQUEST_TITLE", "Add a feature"),
        ("APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME", "forker/app"),
        ("APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", "pr-feature"),
        ("APPVEYOR_PULL_REQUEST_HEAD_COMMIT", HEAD),
        ("APPVEYOR_REPO_PROVIDER", "gitHub"),
        ("APPVEYOR_REPO_SCM", "git"),
        ("APPVEYOR_REPO_NAME", "octo/app"),
        ("APPVEYOR_REPO_BRANCH", "master"),
        ("APPVEYOR_REPO_COMMIT", MERGE),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "appveyor"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("commit_sha", HEAD),
            ("branch", "pr-feature"),
            ("base_branch", "master"),
            ("pr_number", "5"),
            ("build_id", "16428432"),
            ("build_number", "7"),
            (
                "build_url",
                "https://ci.appveyor.com/project/octo/app/build/1.0.7",
            ),
            ("job_id", "v8xadmxjx5ys0fhw"),
            ("job_name", "Environment: PY=3.12"),
            (
                "job_url",
                "https://ci.appveyor.com/project/octo/app/build/job/v8xadmxjx5ys0fhw",
            ),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(
        source(&d, "commit_sha"),
        "env APPVEYOR_PULL_REQUEST_HEAD_COMMIT"
    );
}

// ---------------------------------------------------------------- Drone

#[test]
fn drone_pull_request() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("DRONE", "true"),
        ("DRONE_REPO", "octo/app"),
        ("DRONE_REPO_LINK", "https://github.com/octo/app"),
        ("DRONE_GIT_HTTP_URL", "https://github.com/octo/app.git"),
        ("DRONE_COMMIT_SHA", HEAD),
        ("DRONE_BRANCH", "main"),
        ("DRONE_SOURCE_BRANCH", "feature/x"),
        ("DRONE_TARGET_BRANCH", "main"),
        ("DRONE_PULL_REQUEST", "42"),
        ("DRONE_BUILD_EVENT", "pull_request"),
        ("DRONE_BUILD_NUMBER", "22"),
        ("DRONE_BUILD_LINK", "https://drone.example.com/octo/app/22"),
        ("DRONE_STEP_NAME", "test"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "drone"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "https://github.com/octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "42"),
            ("build_id", "22"),
            ("build_url", "https://drone.example.com/octo/app/22"),
            ("job_name", "test"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "branch"), "env DRONE_SOURCE_BRANCH");
}

// ---------------------------------------------------------------- Woodpecker

#[test]
fn woodpecker_pull_request() {
    let d = detect(&env(&[
        ("CI", "woodpecker"),
        ("CI_REPO", "owner/app"),
        ("CI_REPO_OWNER", "owner"),
        ("CI_REPO_NAME", "app"),
        ("CI_REPO_URL", "https://codeberg.org/owner/app"),
        ("CI_REPO_CLONE_URL", "https://codeberg.org/owner/app.git"),
        ("CI_COMMIT_SHA", HEAD),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_COMMIT_SOURCE_BRANCH", "feature/x"),
        ("CI_COMMIT_TARGET_BRANCH", "main"),
        ("CI_COMMIT_PULL_REQUEST", "12"),
        ("CI_PIPELINE_EVENT", "pull_request"),
        ("CI_PIPELINE_NUMBER", "8"),
        (
            "CI_PIPELINE_URL",
            "https://ci.codeberg.org/repos/1/pipeline/8",
        ),
        ("CI_STEP_NAME", "test"),
        (
            "CI_STEP_URL",
            "https://ci.codeberg.org/repos/1/pipeline/8/3",
        ),
        ("CI_FORGE_TYPE", "forgejo"),
        ("CI_FORGE_URL", "https://codeberg.org"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "woodpecker"),
            ("provider", "local"),
            ("repository", "owner/app"),
            ("repository_url", "https://codeberg.org/owner/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "12"),
            ("build_id", "8"),
            ("build_url", "https://ci.codeberg.org/repos/1/pipeline/8"),
            ("job_name", "test"),
            ("job_url", "https://ci.codeberg.org/repos/1/pipeline/8/3"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env CI=woodpecker");
}

#[test]
fn gitlab_is_checked_before_woodpecker_and_woodpecker_is_not_gitlab() {
    let shared = [
        ("CI_COMMIT_SHA", HEAD),
        ("CI_COMMIT_BRANCH", "main"),
        ("CI_PIPELINE_URL", "https://ci.example.com/p/1"),
    ];
    let gitlab = env(&shared)
        .with_var("CI", "true")
        .with_var("GITLAB_CI", "true");
    assert_eq!(detect(&gitlab).ci, Some(CiSystem::GitlabCi));
    let woodpecker = env(&shared).with_var("CI", "woodpecker");
    let d = detect(&woodpecker);
    assert_eq!(d.ci, Some(CiSystem::Woodpecker));
    assert_eq!(d.token_env, None);
}

// ---------------------------------------------------------------- Semaphore

#[test]
fn semaphore_pull_request_on_a_parallel_job() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("SEMAPHORE", "true"),
        ("SEMAPHORE_GIT_REPO_SLUG", "octo/app"),
        ("SEMAPHORE_GIT_URL", "git@github.com:octo/app.git"),
        ("SEMAPHORE_GIT_PROVIDER", "github"),
        ("SEMAPHORE_GIT_REF_TYPE", "pull-request"),
        ("SEMAPHORE_GIT_REF", "refs/semaphoreci/abc"),
        ("SEMAPHORE_GIT_SHA", MERGE),
        ("SEMAPHORE_GIT_PR_SHA", HEAD),
        ("SEMAPHORE_GIT_BRANCH", "main"),
        ("SEMAPHORE_GIT_WORKING_BRANCH", "feature/x"),
        ("SEMAPHORE_GIT_PR_BRANCH", "feature/x"),
        ("SEMAPHORE_GIT_PR_NUMBER", "3"),
        ("SEMAPHORE_GIT_PR_SLUG", "forker/app"),
        (
            "SEMAPHORE_WORKFLOW_ID",
            "0dd982e8-32f5-4037-983e-4de01ac7fb1e",
        ),
        ("SEMAPHORE_WORKFLOW_NUMBER", "42"),
        (
            "SEMAPHORE_PIPELINE_ID",
            "ea3e6bba-d19a-45d7-86a0-e78a2301b616",
        ),
        ("SEMAPHORE_JOB_ID", "a26d42cf-89ac-4c3f-9e2d-51bb231897bf"),
        ("SEMAPHORE_JOB_NAME", "Tests 2/4"),
        ("SEMAPHORE_ORGANIZATION_URL", "https://octo.semaphoreci.com"),
        ("SEMAPHORE_JOB_INDEX", "2"),
        ("SEMAPHORE_JOB_COUNT", "4"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "semaphore"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "git@github.com:octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "3"),
            ("build_id", "0dd982e8-32f5-4037-983e-4de01ac7fb1e"),
            ("build_number", "42"),
            (
                "build_url",
                "https://octo.semaphoreci.com/workflows/0dd982e8-32f5-4037-983e-4de01ac7fb1e",
            ),
            ("job_id", "a26d42cf-89ac-4c3f-9e2d-51bb231897bf"),
            ("job_name", "Tests 2/4"),
            (
                "job_url",
                "https://octo.semaphoreci.com/jobs/a26d42cf-89ac-4c3f-9e2d-51bb231897bf",
            ),
            ("shard_index", "1"),
            ("shard_total", "4"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "commit_sha"), "env SEMAPHORE_GIT_PR_SHA");
}

// ---------------------------------------------------------------- Cirrus

#[test]
fn cirrus_ci_pull_request() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("CIRRUS_CI", "true"),
        ("CIRRUS_REPO_FULL_NAME", "octo/app"),
        ("CIRRUS_REPO_CLONE_URL", "https://github.com/octo/app.git"),
        ("CIRRUS_CHANGE_IN_REPO", HEAD),
        ("CIRRUS_BRANCH", "feature/x"),
        ("CIRRUS_BASE_BRANCH", "main"),
        ("CIRRUS_PR", "239"),
        ("CIRRUS_BUILD_ID", "5612345678901234"),
        ("CIRRUS_TASK_ID", "6723456789012345"),
        ("CIRRUS_TASK_NAME", "test"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "cirrus_ci"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "https://github.com/octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "239"),
            ("build_id", "5612345678901234"),
            ("build_url", "https://cirrus-ci.com/build/5612345678901234"),
            ("job_id", "6723456789012345"),
            ("job_name", "test"),
            ("job_url", "https://cirrus-ci.com/task/6723456789012345"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
}

// ---------------------------------------------------------------- CodeBuild

#[test]
fn aws_codebuild_webhook_pull_request() {
    let id = "app-tests:b1e6661e-e4f2-4156-9ab9-82a19EXAMPLE";
    let d = detect(&env(&[
        ("CODEBUILD_BUILD_ID", id),
        (
            "CODEBUILD_BUILD_ARN",
            "arn:aws:codebuild:us-east-1:123456789012:build/app-tests:b1e6661e-e4f2-4156-9ab9-82a19EXAMPLE",
        ),
        ("CODEBUILD_BUILD_NUMBER", "17"),
        ("AWS_REGION", "us-east-1"),
        (
            "CODEBUILD_SOURCE_REPO_URL",
            "https://github.com/octo/app.git",
        ),
        ("CODEBUILD_SOURCE_VERSION", "pr/8"),
        ("CODEBUILD_RESOLVED_SOURCE_VERSION", HEAD),
        ("CODEBUILD_WEBHOOK_TRIGGER", "pr/8"),
        ("CODEBUILD_WEBHOOK_EVENT", "PULL_REQUEST_UPDATED"),
        ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature/x"),
        ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "aws_codebuild"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "https://github.com/octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "8"),
            ("build_id", id),
            ("build_number", "17"),
            (
                "build_url",
                "https://console.aws.amazon.com/codebuild/home?region=us-east-1#/builds/app-tests:b1e6661e-e4f2-4156-9ab9-82a19EXAMPLE/view/new",
            ),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env CODEBUILD_BUILD_ARN");
    assert_eq!(
        source(&d, "pr_number"),
        "env CODEBUILD_WEBHOOK_TRIGGER (pr/N)"
    );
}

// ---------------------------------------------------------------- Codefresh

#[test]
fn codefresh_pull_request() {
    let d = detect(&env(&[
        ("CF_BUILD_ID", "5d2f6a1b2c3d4e5f6a7b8c9d"),
        (
            "CF_BUILD_URL",
            "https://g.codefresh.io/build/5d2f6a1b2c3d4e5f6a7b8c9d",
        ),
        ("CF_BRANCH", "feature/x"),
        ("CF_REVISION", HEAD),
        ("CF_REPO_OWNER", "octo"),
        ("CF_REPO_NAME", "app"),
        ("CF_PULL_REQUEST_NUMBER", "800"),
        ("CF_PULL_REQUEST_TARGET", "main"),
        ("CF_PIPELINE_NAME", "app/tests"),
        (
            "CF_COMMIT_URL",
            "https://github.com/octo/app/commit/9f3c1a7e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f",
        ),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "codefresh"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "800"),
            ("build_id", "5d2f6a1b2c3d4e5f6a7b8c9d"),
            (
                "build_url",
                "https://g.codefresh.io/build/5d2f6a1b2c3d4e5f6a7b8c9d",
            ),
            ("job_name", "app/tests"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
}

// ---------------------------------------------------------------- Bitrise

#[test]
fn bitrise_pull_request() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("BITRISE_IO", "true"),
        ("BITRISE_GIT_BRANCH", "feature/x"),
        ("BITRISEIO_GIT_BRANCH_DEST", "main"),
        ("BITRISE_GIT_COMMIT", HEAD),
        ("GIT_CLONE_COMMIT_HASH", MERGE),
        ("BITRISE_PULL_REQUEST", "4"),
        ("BITRISE_BUILD_NUMBER", "101"),
        ("BITRISE_BUILD_SLUG", "a1b2c3d4e5f60718"),
        (
            "BITRISE_BUILD_URL",
            "https://app.bitrise.io/build/a1b2c3d4e5f60718",
        ),
        ("BITRISE_TRIGGERED_WORKFLOW_ID", "primary"),
        ("GIT_REPOSITORY_URL", "git@github.com:octo/app.git"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "bitrise"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("repository_url", "git@github.com:octo/app.git"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "4"),
            ("build_id", "a1b2c3d4e5f60718"),
            ("build_number", "101"),
            ("build_url", "https://app.bitrise.io/build/a1b2c3d4e5f60718"),
            ("job_name", "primary"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "commit_sha"), "env BITRISE_GIT_COMMIT");
}

// ---------------------------------------------------------------- Buddy

#[test]
fn buddy_pull_request_run() {
    let d = detect(&env(&[
        ("BUDDY", "true"),
        ("BUDDY_WORKSPACE_ID", "12345"),
        ("BUDDY_REPO_SLUG", "octo/app"),
        ("BUDDY_SCM_URL", "https://github.com/octo/app"),
        ("BUDDY_RUN_COMMIT", HEAD),
        ("BUDDY_RUN_BRANCH", "feature/x"),
        ("BUDDY_RUN_PR_NO", "1"),
        ("BUDDY_RUN_PR_HEAD_BRANCH", "feature/x"),
        ("BUDDY_RUN_PR_BASE_BRANCH", "main"),
        ("BUDDY_RUN_HASH", "5d9dc42c422f5a268b389"),
        (
            "BUDDY_RUN_URL",
            "https://app.buddy.works/ws/app/pipelines/pipeline/1/execution/5d9dc42c422f5a268b389",
        ),
        ("BUDDY_PIPELINE_NAME", "Tests"),
    ]));
    assert_fields(
        &d,
        &[
            ("ci", "buddy"),
            ("provider", "local"),
            ("repository", "octo/app"),
            ("commit_sha", HEAD),
            ("branch", "feature/x"),
            ("base_branch", "main"),
            ("pr_number", "1"),
            ("build_id", "5d9dc42c422f5a268b389"),
            (
                "build_url",
                "https://app.buddy.works/ws/app/pipelines/pipeline/1/execution/5d9dc42c422f5a268b389",
            ),
            ("job_name", "Tests"),
            ("code_host.kind", "github"),
            ("code_host.host", "github.com"),
            ("code_host.repository", "octo/app"),
            ("token_present", "false"),
        ],
    );
    assert_eq!(source(&d, "ci"), "env BUDDY_WORKSPACE_ID");
}

#[test]
fn buddy_older_execution_variables_still_work() {
    let d = detect(&env(&[
        ("BUDDY_WORKSPACE_ID", "12345"),
        ("BUDDY_EXECUTION_REVISION", HEAD),
        ("BUDDY_EXECUTION_BRANCH", "main"),
        ("BUDDY_EXECUTION_PULL_REQUEST_ID", "pull/7"),
        ("BUDDY_EXECUTION_ID", "77"),
    ]));
    assert_eq!(d.pr_number, Some(7));
    assert_eq!(
        source(&d, "pr_number"),
        "env BUDDY_EXECUTION_PULL_REQUEST_ID (trailing number)"
    );
    assert_eq!(d.commit_sha.as_deref(), Some(HEAD));
    assert_eq!(d.build_id.as_deref(), Some("77"));
}

// ---------------------------------------------------------------- guards

#[test]
fn ci_false_means_not_ci_even_with_markers() {
    for value in ["false", "FALSE", "False", "0"] {
        let d = detect(&env(&[
            ("CI", value),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/app"),
        ]));
        assert_eq!(d.ci, None, "CI={value}");
        assert_eq!(d.provider, "local");
        assert_eq!(d.repository, None);
        assert_eq!(source(&d, "ci"), format!("env CI={value}: not CI"));
    }
}

#[test]
fn jenkins_needs_both_jenkins_url_and_build_id() {
    let d = detect(&env(&[
        ("JENKINS_URL", "https://jenkins.example.com/"),
        ("GIT_COMMIT", HEAD),
    ]));
    assert_eq!(d.ci, None);
    let d = detect(&env(&[("BUILD_ID", "5"), ("BUILD_NUMBER", "5")]));
    assert_eq!(d.ci, None);
}

#[test]
fn build_number_alone_or_bare_ci_detects_nothing() {
    let d = detect(&env(&[("BUILD_NUMBER", "145")]));
    assert_eq!(d, Detection::none());
    let d = detect(&env(&[("CI", "1")]));
    assert_eq!(d.ci, None);
    assert_eq!(d.provider, "local");
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("no known CI"));
    assert_eq!(detect(&Env::new()), Detection::none());
}

#[test]
fn false_flags_do_not_match() {
    let d = detect(&env(&[
        ("TF_BUILD", "False"),
        ("TRAVIS", "0"),
        ("CIRCLECI", ""),
    ]));
    assert_eq!(d.ci, None);
}

#[test]
fn specific_markers_win_over_jenkins() {
    let d = detect(&env(&[
        ("JENKINS_URL", "https://jenkins.example.com/"),
        ("BUILD_ID", "5"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "octo/app"),
    ]));
    assert_eq!(d.ci, Some(CiSystem::GithubActions));
    assert_eq!(d.provider, "github");
}

#[test]
fn inconsistent_shards_are_ignored_with_a_note() {
    let d = detect(&env(&[
        ("GITLAB_CI", "true"),
        ("CI_NODE_INDEX", "0"),
        ("CI_NODE_TOTAL", "3"),
    ]));
    assert_eq!((d.shard_index, d.shard_total), (None, None));
    assert_eq!(d.notes.len(), 1);
    let d = detect(&env(&[
        ("CIRCLECI", "true"),
        ("CIRCLE_NODE_INDEX", "4"),
        ("CIRCLE_NODE_TOTAL", "4"),
    ]));
    assert_eq!((d.shard_index, d.shard_total), (None, None));
}

#[test]
fn a_malformed_pr_number_is_skipped_with_a_note() {
    let d = detect(&env(&[
        ("GITLAB_CI", "true"),
        ("CI_MERGE_REQUEST_IID", "seventeen"),
    ]));
    assert_eq!(d.pr_number, None);
    assert_eq!(
        d.notes,
        vec!["CI_MERGE_REQUEST_IID is not a whole number; ignored".to_string()]
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn credentials_are_stripped_from_every_url_kept() {
    let d = detect(&env(&[
        (
            "JENKINS_URL",
            "https://admin:jenkinsPass@jenkins.example.com/",
        ),
        ("BUILD_ID", "9"),
        (
            "BUILD_URL",
            "https://admin:jenkinsPass@jenkins.example.com/job/app/9/",
        ),
        (
            "JOB_URL",
            "https://jenkins.example.com/job/app/?token=jobTriggerToken",
        ),
        (
            "GIT_URL",
            "https://x-access-token:ghs_cloneToken@github.com/octo/app.git",
        ),
    ]));
    assert_eq!(d.api_url.as_deref(), Some("https://jenkins.example.com/"));
    assert_eq!(
        d.build_url.as_deref(),
        Some("https://jenkins.example.com/job/app/9/")
    );
    assert_eq!(
        d.job_url.as_deref(),
        Some("https://jenkins.example.com/job/app/")
    );
    assert_eq!(
        d.repository_url.as_deref(),
        Some("https://github.com/octo/app.git")
    );
    let json = serde_json::to_string(&d).unwrap();
    for secret in ["jenkinsPass", "jobTriggerToken", "ghs_cloneToken"] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
}

#[test]
fn token_values_never_appear_in_the_detection() {
    const SECRET: &str = "tok_9bQ3xZ7mK2vL8pR4";
    let cases = [
        env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_TOKEN", SECRET),
            ("GITHUB_SERVER_URL", &format!("https://{SECRET}@github.com")),
            ("GITHUB_RUN_ID", "1"),
        ]),
        env(&[
            ("GITLAB_CI", "true"),
            ("CI_JOB_TOKEN", SECRET),
            (
                "CI_REPOSITORY_URL",
                &format!("https://gitlab-ci-token:{SECRET}@gitlab.com/g/p.git"),
            ),
            ("CI_PROJECT_PATH", "g/p"),
        ]),
        env(&[
            ("TF_BUILD", "True"),
            ("SYSTEM_ACCESSTOKEN", SECRET),
            (
                "BUILD_REPOSITORY_URI",
                &format!("https://{SECRET}@dev.azure.com/org/proj/_git/repo"),
            ),
            ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
        ]),
        env(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_TOKEN", SECRET),
            (
                "CIRCLE_REPOSITORY_URL",
                &format!("https://user:{SECRET}@github.com/octo/app.git"),
            ),
        ]),
    ];
    for e in &cases {
        let d = detect(e);
        assert!(d.ci.is_some());
        let debug = format!("{d:?}");
        let json = serde_json::to_string(&d).unwrap();
        let human = d.to_human();
        for (what, text) in [("Debug", &debug), ("JSON", &json), ("human", &human)] {
            assert!(!text.contains(SECRET), "token in {what}: {text}");
        }
        assert!(!format!("{e:?}").contains(SECRET));
    }
    let d = detect(&cases[0]);
    assert_eq!(d.token_env, Some("GITHUB_TOKEN"));
    assert!(d.token_present);
}

// ---------------------------------------------------------------- rendering

#[test]
fn to_human_lists_fields_with_their_sources() {
    let d = detect(&env(&[
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_PROJECT_PATH", "g/p"),
        ("CI_COMMIT_SHA", HEAD),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x"),
        ("CI_MERGE_REQUEST_IID", "3"),
        ("CI_SERVER_HOST", "gitlab.com"),
    ]));
    let expected = format!(
        "ci: GitLab CI (env GITLAB_CI)\n\
         provider: gitlab\n\
         repository: g/p (env CI_PROJECT_PATH)\n\
         commit_sha: {HEAD} (env CI_COMMIT_SHA)\n\
         branch: feature/x (env CI_MERGE_REQUEST_SOURCE_BRANCH_NAME)\n\
         pr_number: 3 (env CI_MERGE_REQUEST_IID)\n\
         code_host: gitlab gitlab.com g/p (env CI_SERVER_HOST, CI_PROJECT_PATH)\n\
         token: CI_JOB_TOKEN (not set)\n"
    );
    assert_eq!(d.to_human(), expected);
    assert_eq!(
        Detection::none().to_human(),
        "ci: none detected\nprovider: local\n"
    );
}

#[test]
fn every_ci_maps_to_its_provider() {
    let providers: Vec<(&str, &str)> = CiSystem::DETECTION_ORDER
        .iter()
        .map(|c| (c.id(), c.provider()))
        .collect();
    assert_eq!(providers.len(), 18);
    let own: Vec<&str> = providers
        .iter()
        .filter(|(_, p)| *p != "local")
        .map(|(_, p)| *p)
        .collect();
    assert_eq!(
        own,
        [
            "github",
            "gitlab",
            "azure",
            "circleci",
            "travis",
            "bitbucket",
            "teamcity",
            "jenkins"
        ]
    );
    for c in CiSystem::DETECTION_ORDER {
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            Value::String(c.id().to_string())
        );
    }
}

#[test]
fn normalize_branch_strips_ref_prefixes() {
    assert_eq!(normalize_branch("refs/heads/main"), "main");
    // `heads/x` may be a real branch name: only full refs are shortened.
    assert_eq!(normalize_branch("heads/feature/a"), "heads/feature/a");
    assert_eq!(normalize_branch("refs/remotes/origin/a"), "a");
    assert_eq!(normalize_branch("feature/a"), "feature/a");
}
