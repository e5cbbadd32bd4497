//! The 18 CI systems: each one's marker and the variables (and files) its
//! build identity is read from. Sources are listed in priority order; the
//! first one present wins (see `Builder`).

use serde_json::Value;

use super::remote::host_and_path;
use super::{Builder, CiSystem, CodeHostKind, Env, Num, RepositoryHost, Text, properties};

/// True when the variable is set to anything but false/0/no/off (any case).
pub(super) fn truthy(env: &Env, name: &str) -> bool {
    env.get(name).is_some_and(|v| {
        !matches!(
            v.to_ascii_lowercase().as_str(),
            "false" | "0" | "no" | "off"
        )
    })
}

/// True inside Gitea or Forgejo Actions, which set `GITHUB_*` variables
/// (including `GITHUB_ACTIONS=true`) but are not GitHub.
pub(super) fn forge_emulates_github(env: &Env) -> bool {
    truthy(env, "GITEA_ACTIONS") || truthy(env, "FORGEJO_ACTIONS")
}

/// The marker that identifies `system`, described for `sources["ci"]`, or
/// `None` when it is absent.
pub(super) fn marker(system: CiSystem, env: &Env) -> Option<String> {
    let flag = |name: &str| truthy(env, name).then(|| format!("env {name}"));
    let set = |name: &str| env.get(name).is_some().then(|| format!("env {name}"));
    match system {
        CiSystem::GithubActions if forge_emulates_github(env) => None,
        CiSystem::GithubActions => flag("GITHUB_ACTIONS"),
        CiSystem::GitlabCi => flag("GITLAB_CI"),
        CiSystem::Woodpecker => env
            .get("CI")
            .filter(|v| v.eq_ignore_ascii_case("woodpecker"))
            .map(|_| "env CI=woodpecker".to_string()),
        CiSystem::AzurePipelines => flag("TF_BUILD"),
        CiSystem::Circleci => flag("CIRCLECI"),
        CiSystem::TravisCi => flag("TRAVIS"),
        CiSystem::BitbucketPipelines => {
            set("BITBUCKET_BUILD_NUMBER").or_else(|| set("BITBUCKET_COMMIT"))
        }
        CiSystem::Buildkite => flag("BUILDKITE"),
        CiSystem::Appveyor => flag("APPVEYOR"),
        CiSystem::Drone => flag("DRONE"),
        CiSystem::Semaphore => flag("SEMAPHORE"),
        CiSystem::CirrusCi => flag("CIRRUS_CI"),
        CiSystem::Codefresh => set("CF_BUILD_ID"),
        CiSystem::Bitrise => flag("BITRISE_IO"),
        CiSystem::Buddy => set("BUDDY_WORKSPACE_ID").or_else(|| flag("BUDDY")),
        CiSystem::AwsCodebuild => set("CODEBUILD_BUILD_ARN").or_else(|| set("CODEBUILD_BUILD_ID")),
        CiSystem::Teamcity => set("TEAMCITY_VERSION"),
        CiSystem::Jenkins => (env.get("JENKINS_URL").is_some() && env.get("BUILD_ID").is_some())
            .then(|| "env JENKINS_URL and BUILD_ID".to_string()),
    }
}

/// Reads the build identity of `system` into the builder.
pub(super) fn read(system: CiSystem, b: &mut Builder<'_>) {
    match system {
        CiSystem::GithubActions => github(b),
        CiSystem::GitlabCi => gitlab(b),
        CiSystem::Jenkins => jenkins(b),
        CiSystem::AzurePipelines => azure(b),
        CiSystem::Circleci => circleci(b),
        CiSystem::TravisCi => travis(b),
        CiSystem::BitbucketPipelines => bitbucket(b),
        CiSystem::Teamcity => teamcity(b),
        CiSystem::Buildkite => buildkite(b),
        CiSystem::Appveyor => appveyor(b),
        CiSystem::Drone => drone(b),
        CiSystem::Woodpecker => woodpecker(b),
        CiSystem::Semaphore => semaphore(b),
        CiSystem::CirrusCi => cirrus(b),
        CiSystem::AwsCodebuild => codebuild(b),
        CiSystem::Codefresh => codefresh(b),
        CiSystem::Bitrise => bitrise(b),
        CiSystem::Buddy => buddy(b),
    }
}

/// A code host named the way CIs report it (`github`, `GitHubEnterprise`,
/// `gitLab`, `bitbucket`, `TfsGit`, ...).
fn kind_named(name: &str) -> Option<CodeHostKind> {
    match name.to_ascii_lowercase().as_str() {
        "github" | "githubenterprise" => Some(CodeHostKind::Github),
        "gitlab" => Some(CodeHostKind::Gitlab),
        "bitbucket" => Some(CodeHostKind::Bitbucket),
        "tfsgit" => Some(CodeHostKind::Azure),
        _ => None,
    }
}

/// The string at `path` inside a JSON value.
fn json_str<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// `{server}/{rest}` with exactly one slash between them.
fn join_url(server: &str, rest: &str) -> String {
    format!(
        "{}/{}",
        server.trim_end_matches('/'),
        rest.trim_start_matches('/')
    )
}

/// GitHub Actions.
///
/// The head commit comes from the event file (`pull_request.head.sha`, or
/// `workflow_run.head_sha` for `workflow_run` events), because `GITHUB_SHA`
/// is the merge commit on `pull_request` and the base branch's commit on
/// `pull_request_target`/`workflow_run`. The job URL needs the job's check
/// run id, which Actions has only as the `job.check_run_id` expression: map
/// it to `JOB_CHECK_RUN_ID` in the workflow to get `job_id`/`job_url`.
fn github(b: &mut Builder<'_>) {
    let server = b
        .var("GITHUB_SERVER_URL")
        .map(crate::url::strip_url_credentials)
        .unwrap_or_else(|| "https://github.com".to_string());
    let server = server.trim_end_matches('/').to_string();
    let host = host_and_path(&server).map_or_else(|| "github.com".to_string(), |(h, _)| h);
    let event_name = b.var("GITHUB_EVENT_NAME").unwrap_or("");

    b.set_from(Text::Repository, "GITHUB_REPOSITORY");
    b.set_from(Text::Branch, "GITHUB_HEAD_REF");
    b.set_from(Text::BaseBranch, "GITHUB_BASE_REF");
    if let Some(path) = b.var("GITHUB_EVENT_PATH") {
        let event = b
            .env
            .read_file(path)
            .and_then(|text| Ok(serde_json::from_str::<Value>(&text)?));
        match event {
            Ok(event) => github_event(b, &event),
            Err(e) => b.note(format!("the GITHUB_EVENT_PATH file could not be used: {e}")),
        }
    }
    b.set_from(Text::CommitSha, "GITHUB_SHA");
    if event_name.starts_with("pull_request")
        && b.d.sources.get("commit_sha").map(String::as_str) == Some("env GITHUB_SHA")
    {
        b.note(
            "commit_sha is GITHUB_SHA, which on pull_request events is GitHub's merge commit, \
             not the head commit; the event file at GITHUB_EVENT_PATH was not usable",
        );
    }
    match b.var("GITHUB_REF") {
        Some(r) if r.starts_with("refs/heads/") => {
            b.put(Text::Branch, r, "env GITHUB_REF");
        }
        Some(r) => {
            let pr = r
                .strip_prefix("refs/pull/")
                .and_then(|rest| rest.split('/').next())
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(n) = pr {
                b.put_num(Num::PrNumber, n, "env GITHUB_REF");
            }
        }
        None if b.var("GITHUB_REF_TYPE") == Some("branch") => {
            b.set_from(Text::Branch, "GITHUB_REF_NAME");
        }
        None => {}
    }

    b.set_from(Text::BuildId, "GITHUB_RUN_ID");
    b.set_from(Text::BuildNumber, "GITHUB_RUN_NUMBER");
    if let (Some(repo), Some(run)) = (b.var("GITHUB_REPOSITORY"), b.var("GITHUB_RUN_ID")) {
        let run_url = format!("{server}/{repo}/actions/runs/{run}");
        let mut source =
            "derived from env GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID".to_string();
        let attempt = b
            .var("GITHUB_RUN_ATTEMPT")
            .and_then(|a| a.parse::<u32>().ok())
            .filter(|a| *a > 1);
        let build_url = match attempt {
            Some(a) => {
                source.push_str(", GITHUB_RUN_ATTEMPT");
                format!("{run_url}/attempts/{a}")
            }
            None => run_url.clone(),
        };
        b.put(Text::BuildUrl, &build_url, source);
        if let Some(job) = b.var("JOB_CHECK_RUN_ID") {
            b.put(
                Text::JobUrl,
                &format!("{run_url}/job/{job}"),
                "derived from env GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, JOB_CHECK_RUN_ID",
            );
        }
    }
    b.set_from(Text::JobId, "JOB_CHECK_RUN_ID");
    b.set_from(Text::JobName, "GITHUB_JOB");

    if !b.set_from(Text::ApiUrl, "GITHUB_API_URL") {
        let api = if host == "github.com" {
            "https://api.github.com".to_string()
        } else {
            format!("{server}/api/v3")
        };
        b.put(
            Text::ApiUrl,
            &api,
            "derived from env GITHUB_SERVER_URL (or github.com)",
        );
    }
    if let Some(repo) = b.var("GITHUB_REPOSITORY") {
        let host = RepositoryHost {
            kind: CodeHostKind::Github,
            host,
            repository: repo.to_string(),
        };
        b.set_code_host(host, "env GITHUB_SERVER_URL, GITHUB_REPOSITORY");
    }
    b.token("GITHUB_TOKEN");
}

/// The pull request (or triggering workflow run) described by the event file.
fn github_event(b: &mut Builder<'_>, event: &Value) {
    let src = |path: &str| format!("file $GITHUB_EVENT_PATH {path}");
    if let Some(pr) = event.get("pull_request").filter(|v| v.is_object()) {
        if let Some(sha) = json_str(pr, &["head", "sha"]) {
            b.put(Text::CommitSha, sha, src("pull_request.head.sha"));
        }
        if let Some(head) = json_str(pr, &["head", "ref"]) {
            b.put(Text::Branch, head, src("pull_request.head.ref"));
        }
        if let Some(base) = json_str(pr, &["base", "ref"]) {
            b.put(Text::BaseBranch, base, src("pull_request.base.ref"));
        }
        if let Some(n) = pr.get("number").and_then(Value::as_u64) {
            b.put_num(Num::PrNumber, n, src("pull_request.number"));
        }
    } else if let Some(run) = event.get("workflow_run").filter(|v| v.is_object()) {
        if let Some(sha) = json_str(run, &["head_sha"]) {
            b.put(Text::CommitSha, sha, src("workflow_run.head_sha"));
        }
        if let Some(head) = json_str(run, &["head_branch"]) {
            b.put(Text::Branch, head, src("workflow_run.head_branch"));
        }
        if let Some(pr) = run.get("pull_requests").and_then(|p| p.get(0)) {
            if let Some(base) = json_str(pr, &["base", "ref"]) {
                b.put(
                    Text::BaseBranch,
                    base,
                    src("workflow_run.pull_requests[0].base.ref"),
                );
            }
            if let Some(n) = pr.get("number").and_then(Value::as_u64) {
                b.put_num(
                    Num::PrNumber,
                    n,
                    src("workflow_run.pull_requests[0].number"),
                );
            }
        }
    }
}

/// GitLab CI. The MR number is the project-scoped IID; the global id is `pr_id`.
fn gitlab(b: &mut Builder<'_>) {
    b.set_from(Text::Repository, "CI_PROJECT_PATH");
    b.set_from(Text::RepositoryUrl, "CI_REPOSITORY_URL");
    b.set_from(Text::ProjectId, "CI_PROJECT_ID");
    // Merged-results pipelines run on a merge commit; the source branch SHA is the head.
    b.set_from(Text::CommitSha, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA");
    b.set_from(Text::CommitSha, "CI_COMMIT_SHA");
    b.set_from(Text::Branch, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME");
    b.set_from(Text::Branch, "CI_COMMIT_BRANCH");
    if b.var("CI_COMMIT_TAG").is_none() {
        b.set_from(Text::Branch, "CI_COMMIT_REF_NAME");
    }
    b.set_from(Text::BaseBranch, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
    if b.var("CI_MERGE_REQUEST_PROJECT_PATH") != b.var("CI_PROJECT_PATH") {
        b.set_from(Text::PrRepository, "CI_MERGE_REQUEST_PROJECT_PATH");
    }
    b.env_num(Num::PrNumber, "CI_MERGE_REQUEST_IID");
    b.env_num(Num::PrId, "CI_MERGE_REQUEST_ID");
    b.set_from(Text::BuildId, "CI_PIPELINE_ID");
    b.set_from(Text::BuildNumber, "CI_PIPELINE_IID");
    b.set_from(Text::BuildUrl, "CI_PIPELINE_URL");
    b.set_from(Text::JobId, "CI_JOB_ID");
    b.set_from(Text::JobName, "CI_JOB_NAME");
    b.set_from(Text::JobUrl, "CI_JOB_URL");
    b.shard(CiSystem::GitlabCi);
    if !b.set_from(Text::ApiUrl, "CI_API_V4_URL") {
        if let Some(server) = b.var("CI_SERVER_URL") {
            b.put(
                Text::ApiUrl,
                &join_url(server, "api/v4"),
                "derived from env CI_SERVER_URL",
            );
        }
    }
    let server_host = b
        .var("CI_SERVER_HOST")
        .map(|h| (h.to_ascii_lowercase(), "CI_SERVER_HOST"))
        .or_else(|| {
            let url = b.var("CI_SERVER_URL")?;
            Some((host_and_path(url)?.0, "CI_SERVER_URL"))
        });
    if let (Some((host, host_var)), Some(repo)) = (server_host, b.var("CI_PROJECT_PATH")) {
        let code_host = RepositoryHost {
            kind: CodeHostKind::Gitlab,
            host,
            repository: repo.to_string(),
        };
        b.set_code_host(code_host, format!("env {host_var}, CI_PROJECT_PATH"));
    }
    b.token("CI_JOB_TOKEN");
}

/// Jenkins: multibranch (`BRANCH_NAME`, `CHANGE_*`), the git plugin
/// (`GIT_*`), the GitHub pull request builder (`ghprb*`) and the GitLab
/// plugin (`gitlab*`).
fn jenkins(b: &mut Builder<'_>) {
    let is_change = b.var("CHANGE_ID").is_some();
    b.set_from(Text::CommitSha, "ghprbActualCommit");
    b.set_from(Text::CommitSha, "GIT_COMMIT");
    b.set_from(Text::Branch, "CHANGE_BRANCH");
    b.set_from(Text::Branch, "ghprbSourceBranch");
    b.set_from(Text::Branch, "gitlabSourceBranch");
    b.set_from(Text::Branch, "GIT_LOCAL_BRANCH");
    if !is_change {
        // On a change (PR) build BRANCH_NAME and GIT_BRANCH are `PR-5`, not a branch.
        b.set_from(Text::Branch, "BRANCH_NAME");
        if let Some(git_branch) = b.var("GIT_BRANCH") {
            let name = git_branch
                .strip_prefix("refs/remotes/")
                .unwrap_or(git_branch);
            let name = name.strip_prefix("origin/").unwrap_or(name);
            b.put(Text::Branch, name, "env GIT_BRANCH (remote prefix removed)");
        }
    }
    b.set_from(Text::BaseBranch, "CHANGE_TARGET");
    b.set_from(Text::BaseBranch, "ghprbTargetBranch");
    b.set_from(Text::BaseBranch, "gitlabTargetBranch");
    b.env_num(Num::PrNumber, "CHANGE_ID");
    b.env_num(Num::PrNumber, "ghprbPullId");
    b.env_num(Num::PrNumber, "gitlabMergeRequestIid");
    b.set_from(Text::BuildId, "BUILD_ID");
    b.set_from(Text::BuildNumber, "BUILD_NUMBER");
    b.set_from(Text::BuildUrl, "BUILD_URL");
    b.set_from(Text::JobName, "JOB_NAME");
    b.set_from(Text::JobUrl, "JOB_URL");
    b.set_from(Text::ApiUrl, "JENKINS_URL");
    b.set_from(Text::RepositoryUrl, "GIT_URL");
    b.remote("CHANGE_URL", None, false);
    b.remote("ghprbPullLink", None, false);
    b.remote("GIT_URL", None, true);
}

/// Azure Pipelines. On PR builds `BUILD_SOURCEVERSION` and
/// `BUILD_SOURCEBRANCH` describe the merge; the `SYSTEM_PULLREQUEST_*`
/// variables describe the head. GitHub repositories get a PR number
/// (`…PULLREQUESTNUMBER`); for Azure Repos the PR id is the number people see.
fn azure(b: &mut Builder<'_>) {
    let provider = b.var("BUILD_REPOSITORY_PROVIDER").unwrap_or("");
    b.set_from(Text::Repository, "BUILD_REPOSITORY_NAME");
    b.set_from(Text::RepositoryUrl, "BUILD_REPOSITORY_URI");
    b.set_from(Text::RepositoryId, "BUILD_REPOSITORY_ID");
    b.set_from(Text::ProjectId, "SYSTEM_TEAMPROJECTID");
    b.set_from(Text::CommitSha, "SYSTEM_PULLREQUEST_SOURCECOMMITID");
    b.set_from(Text::CommitSha, "BUILD_SOURCEVERSION");
    if b.var("BUILD_REASON") == Some("PullRequest")
        && b.d.sources.get("commit_sha").map(String::as_str) == Some("env BUILD_SOURCEVERSION")
    {
        b.note(
            "commit_sha is BUILD_SOURCEVERSION, which on PR builds is the merge commit; \
             SYSTEM_PULLREQUEST_SOURCECOMMITID was not set",
        );
    }
    b.set_from(Text::Branch, "SYSTEM_PULLREQUEST_SOURCEBRANCH");
    if let Some(source) = b.var("BUILD_SOURCEBRANCH") {
        // refs/pull/N/merge and refs/tags/x are not branches.
        if source.starts_with("refs/heads/") || !source.starts_with("refs/") {
            b.put(Text::Branch, source, "env BUILD_SOURCEBRANCH");
        }
    }
    b.set_from(Text::BaseBranch, "SYSTEM_PULLREQUEST_TARGETBRANCH");
    b.env_num(Num::PrNumber, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER");
    if provider.eq_ignore_ascii_case("TfsGit") {
        b.env_num(Num::PrNumber, "SYSTEM_PULLREQUEST_PULLREQUESTID");
    }
    b.env_num(Num::PrId, "SYSTEM_PULLREQUEST_PULLREQUESTID");
    b.set_from(Text::BuildId, "BUILD_BUILDID");
    b.set_from(Text::BuildNumber, "BUILD_BUILDNUMBER");
    let server = b.var("SYSTEM_TEAMFOUNDATIONSERVERURI");
    let project = b.var("SYSTEM_TEAMPROJECTID");
    if let (Some(server), Some(project), Some(id)) = (server, project, b.var("BUILD_BUILDID")) {
        let build_url = join_url(server, &format!("{project}/_build/results?buildId={id}"));
        let source =
            "derived from env SYSTEM_TEAMFOUNDATIONSERVERURI, SYSTEM_TEAMPROJECTID, BUILD_BUILDID";
        b.put(Text::BuildUrl, &build_url, source);
        if let (Some(job), Some(task)) = (b.var("SYSTEM_JOBID"), b.var("SYSTEM_TASKINSTANCEID")) {
            b.put(
                Text::JobUrl,
                &format!("{build_url}&view=logs&j={job}&t={task}"),
                format!("{source}, SYSTEM_JOBID, SYSTEM_TASKINSTANCEID"),
            );
        }
    }
    b.set_from(Text::JobId, "SYSTEM_JOBID");
    b.set_from(Text::JobName, "SYSTEM_JOBDISPLAYNAME");
    b.set_from(Text::JobName, "SYSTEM_JOBNAME");
    b.shard(CiSystem::AzurePipelines);
    b.set_from(Text::ApiUrl, "SYSTEM_COLLECTIONURI");
    b.set_from(Text::ApiUrl, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI");
    if let Some(kind) = kind_named(provider) {
        b.remote("BUILD_REPOSITORY_URI", Some(kind), false);
    }
    b.token("SYSTEM_ACCESSTOKEN");
}

/// CircleCI. `CIRCLE_PR_NUMBER` exists on fork PRs only, where
/// `CIRCLE_BRANCH` is `pull/N`; otherwise the number is parsed from the
/// `CIRCLE_PULL_REQUEST` URL, whose host also names the code host.
fn circleci(b: &mut Builder<'_>) {
    if let (Some(user), Some(repo)) = (
        b.var("CIRCLE_PROJECT_USERNAME"),
        b.var("CIRCLE_PROJECT_REPONAME"),
    ) {
        b.put(
            Text::Repository,
            &format!("{user}/{repo}"),
            "env CIRCLE_PROJECT_USERNAME, CIRCLE_PROJECT_REPONAME",
        );
    }
    b.set_from(Text::RepositoryUrl, "CIRCLE_REPOSITORY_URL");
    b.remote("CIRCLE_PULL_REQUEST", None, false);
    b.remote("CIRCLE_REPOSITORY_URL", None, true);
    b.set_from(Text::CommitSha, "CIRCLE_SHA1");
    match b.var("CIRCLE_BRANCH") {
        Some(branch) if is_pull_ref(branch) => b.note(format!(
            "CIRCLE_BRANCH is {branch} (a fork pull request), so the source branch is unknown"
        )),
        Some(_) => {
            b.set_from(Text::Branch, "CIRCLE_BRANCH");
        }
        None => {}
    }
    b.env_num(Num::PrNumber, "CIRCLE_PR_NUMBER");
    b.env_trailing_num(Num::PrNumber, "CIRCLE_PULL_REQUEST");
    if let Some(first) = b
        .var("CIRCLE_PULL_REQUESTS")
        .and_then(|l| l.split(',').next())
    {
        if let Some(n) = super::trailing_number(first) {
            b.put_num(Num::PrNumber, n, "env CIRCLE_PULL_REQUESTS (first entry)");
        }
    }
    b.set_from(Text::BuildId, "CIRCLE_BUILD_NUM");
    b.set_from(Text::BuildUrl, "CIRCLE_BUILD_URL");
    b.set_from(Text::JobName, "CIRCLE_JOB");
    b.shard(CiSystem::Circleci);
    b.put(
        Text::ApiUrl,
        "https://circleci.com/api/v2",
        "default (CircleCI cloud)",
    );
}

/// `pull/123`: what some CIs put where the branch name would be on fork PRs.
fn is_pull_ref(branch: &str) -> bool {
    branch
        .strip_prefix("pull/")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// Travis CI. On PR builds `TRAVIS_BRANCH` is the target branch and
/// `TRAVIS_COMMIT` the merge commit; the head is `TRAVIS_PULL_REQUEST_*`.
fn travis(b: &mut Builder<'_>) {
    let is_pr = b
        .var("TRAVIS_PULL_REQUEST")
        .is_some_and(|v| !v.eq_ignore_ascii_case("false"))
        || b.var("TRAVIS_EVENT_TYPE") == Some("pull_request");
    b.set_from(Text::Repository, "TRAVIS_REPO_SLUG");
    b.set_from(Text::CommitSha, "TRAVIS_PULL_REQUEST_SHA");
    b.set_from(Text::CommitSha, "TRAVIS_COMMIT");
    if is_pr {
        b.set_from(Text::Branch, "TRAVIS_PULL_REQUEST_BRANCH");
        b.set_from(Text::BaseBranch, "TRAVIS_BRANCH");
        if b.d.sources.get("commit_sha").map(String::as_str) == Some("env TRAVIS_COMMIT") {
            b.note("commit_sha is TRAVIS_COMMIT, the merge commit; TRAVIS_PULL_REQUEST_SHA was not set");
        }
    } else if b.var("TRAVIS_TAG").is_none() {
        b.set_from(Text::Branch, "TRAVIS_BRANCH");
    }
    b.env_num(Num::PrNumber, "TRAVIS_PULL_REQUEST");
    b.set_from(Text::BuildId, "TRAVIS_BUILD_ID");
    b.set_from(Text::BuildNumber, "TRAVIS_BUILD_NUMBER");
    b.set_from(Text::BuildUrl, "TRAVIS_BUILD_WEB_URL");
    b.set_from(Text::JobId, "TRAVIS_JOB_ID");
    b.set_from(Text::JobName, "TRAVIS_JOB_NAME");
    b.set_from(Text::JobUrl, "TRAVIS_JOB_WEB_URL");
    b.put(
        Text::ApiUrl,
        "https://api.travis-ci.com",
        "default (travis-ci.com)",
    );
    // Build pages live under /{github|gitlab|bitbucket}/{owner}/{repo}/builds/N.
    let kind = b
        .var("TRAVIS_BUILD_WEB_URL")
        .and_then(host_and_path)
        .and_then(|(_, path)| {
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            kind_named(first).filter(|k| *k != CodeHostKind::Azure)
        });
    if let Some(kind) = kind {
        b.code_host_on_default_host(kind, "TRAVIS_BUILD_WEB_URL");
    }
}

/// Bitbucket Pipelines.
fn bitbucket(b: &mut Builder<'_>) {
    if !b.set_from(Text::Repository, "BITBUCKET_REPO_FULL_NAME") {
        if let (Some(ws), Some(slug)) = (b.var("BITBUCKET_WORKSPACE"), b.var("BITBUCKET_REPO_SLUG"))
        {
            b.put(
                Text::Repository,
                &format!("{ws}/{slug}"),
                "env BITBUCKET_WORKSPACE, BITBUCKET_REPO_SLUG",
            );
        }
    }
    b.set_from(Text::RepositoryUrl, "BITBUCKET_GIT_HTTP_ORIGIN");
    b.set_from(Text::RepositoryId, "BITBUCKET_REPO_UUID");
    b.set_from(Text::CommitSha, "BITBUCKET_COMMIT");
    b.set_from(Text::Branch, "BITBUCKET_BRANCH");
    b.set_from(Text::BaseBranch, "BITBUCKET_PR_DESTINATION_BRANCH");
    b.env_num(Num::PrNumber, "BITBUCKET_PR_ID");
    b.set_from(Text::BuildId, "BITBUCKET_PIPELINE_UUID");
    b.set_from(Text::BuildNumber, "BITBUCKET_BUILD_NUMBER");
    if let (Some(repo), Some(n)) = (b.d.repository.clone(), b.var("BITBUCKET_BUILD_NUMBER")) {
        b.put(
            Text::BuildUrl,
            &format!("https://bitbucket.org/{repo}/addon/pipelines/home#!/results/{n}"),
            "derived from repository and env BITBUCKET_BUILD_NUMBER",
        );
    }
    b.set_from(Text::JobId, "BITBUCKET_STEP_UUID");
    b.shard(CiSystem::BitbucketPipelines);
    b.put(
        Text::ApiUrl,
        "https://api.bitbucket.org/2.0",
        "default (Bitbucket Cloud)",
    );
    if let Some(repo) = b.d.repository.clone() {
        let source = b.d.sources.get("repository").cloned().unwrap_or_default();
        let host = RepositoryHost {
            kind: CodeHostKind::Bitbucket,
            host: "bitbucket.org".to_string(),
            repository: repo,
        };
        b.set_code_host(host, source);
    }
}

/// TeamCity parameters: the build properties file named by
/// `TEAMCITY_BUILD_PROPERTIES_FILE` and the configuration properties file it
/// names in `teamcity.configuration.properties.file` (looked at first).
struct TeamcityProps {
    files: Vec<(&'static str, std::collections::BTreeMap<String, String>)>,
}

impl TeamcityProps {
    const BUILD_FILE: &'static str = "file $TEAMCITY_BUILD_PROPERTIES_FILE";
    const CONFIG_FILE: &'static str = "file teamcity.configuration.properties.file";

    fn load(b: &mut Builder<'_>) -> TeamcityProps {
        let mut files = Vec::new();
        let Some(path) = b.var("TEAMCITY_BUILD_PROPERTIES_FILE") else {
            return TeamcityProps { files };
        };
        match b.env.read_file(path) {
            Ok(text) => {
                let build = properties::parse(&text);
                if let Some(config_path) = build.get("teamcity.configuration.properties.file") {
                    match b.env.read_file(config_path) {
                        Ok(text) => files.push((Self::CONFIG_FILE, properties::parse(&text))),
                        Err(e) => b.note(format!(
                            "the TeamCity configuration properties file could not be read: {e}"
                        )),
                    }
                }
                files.push((Self::BUILD_FILE, build));
            }
            Err(e) => b.note(format!(
                "the TEAMCITY_BUILD_PROPERTIES_FILE file could not be read: {e}"
            )),
        }
        TeamcityProps { files }
    }

    /// The parameter's non-empty value and a description of where it was found.
    fn get(&self, key: &str) -> Option<(&str, String)> {
        self.files.iter().find_map(|(label, map)| {
            map.get(key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (v, format!("{label} {key}")))
        })
    }

    fn put(&self, b: &mut Builder<'_>, field: Text, key: &str) {
        if let Some((value, source)) = self.get(key) {
            b.put(field, value, source);
        }
    }
}

/// TeamCity. Branch, build id, server URL and PR parameters are not
/// environment variables; they are read from the properties files.
fn teamcity(b: &mut Builder<'_>) {
    let props = TeamcityProps::load(b);
    b.set_from(Text::CommitSha, "BUILD_VCS_NUMBER");
    props.put(b, Text::CommitSha, "build.vcs.number");
    props.put(b, Text::Branch, "teamcity.pullRequest.source.branch");
    if let Some((branch, source)) = props.get("teamcity.build.branch") {
        // `<default>` means "no branch specification"; `pull/N` is a PR's logical name.
        if branch != "<default>" && !is_pull_ref(branch) {
            b.put(Text::Branch, branch, source);
        }
    }
    props.put(b, Text::BaseBranch, "teamcity.pullRequest.target.branch");
    if let Some((n, source)) = props.get("teamcity.pullRequest.number") {
        match n.parse::<u64>() {
            Ok(n) => {
                b.put_num(Num::PrNumber, n, source);
            }
            Err(_) => b.note("teamcity.pullRequest.number is not a whole number; ignored"),
        }
    }
    props.put(b, Text::BuildId, "teamcity.build.id");
    b.set_from(Text::BuildNumber, "BUILD_NUMBER");
    b.set_from(Text::JobName, "TEAMCITY_BUILDCONF_NAME");
    let server = props
        .get("teamcity.serverUrl")
        .map(|(s, source)| (s.to_string(), source))
        .or_else(|| {
            // Not set by TeamCity itself: a build parameter users export
            // (`env.TEAMCITY_SERVER_URL=%teamcity.serverUrl%`).
            b.var("TEAMCITY_SERVER_URL")
                .map(|s| (s.trim().to_string(), "env TEAMCITY_SERVER_URL".to_string()))
        })
        .filter(|(s, _)| !s.is_empty());
    if let Some((server, server_source)) = server {
        if let Some((id, id_source)) = props.get("teamcity.build.id") {
            b.put(
                Text::BuildUrl,
                &join_url(&server, &format!("viewLog.html?buildId={id}")),
                format!("derived from {server_source}, {id_source}"),
            );
        }
        b.put(
            Text::ApiUrl,
            &join_url(&server, "app/rest"),
            format!("derived from {server_source}"),
        );
    }
    if let Some((url, source)) = props.get("vcsroot.url") {
        let url = url.to_string();
        b.put(Text::RepositoryUrl, &url, source.clone());
        b.remote_value(&url, source, None, true);
    }
}

/// Buildkite. `BUILDKITE_COMMIT` is `HEAD` on builds started without a
/// commit; that is not a commit id, so it is left out.
fn buildkite(b: &mut Builder<'_>) {
    b.set_from(Text::RepositoryUrl, "BUILDKITE_REPO");
    b.remote("BUILDKITE_REPO", None, true);
    match b.var("BUILDKITE_COMMIT") {
        Some(c) if c.eq_ignore_ascii_case("HEAD") => {
            b.note(
                "BUILDKITE_COMMIT is HEAD (a build started without a commit); resolve it with git",
            );
        }
        Some(_) => {
            b.set_from(Text::CommitSha, "BUILDKITE_COMMIT");
        }
        None => {}
    }
    b.set_from(Text::Branch, "BUILDKITE_BRANCH");
    b.set_from(Text::BaseBranch, "BUILDKITE_PULL_REQUEST_BASE_BRANCH");
    b.env_num(Num::PrNumber, "BUILDKITE_PULL_REQUEST");
    b.set_from(Text::BuildId, "BUILDKITE_BUILD_ID");
    b.set_from(Text::BuildNumber, "BUILDKITE_BUILD_NUMBER");
    b.set_from(Text::BuildUrl, "BUILDKITE_BUILD_URL");
    b.set_from(Text::JobId, "BUILDKITE_JOB_ID");
    b.set_from(Text::JobName, "BUILDKITE_LABEL");
    if let (Some(url), Some(job)) = (b.d.build_url.clone(), b.var("BUILDKITE_JOB_ID")) {
        b.put(
            Text::JobUrl,
            &format!("{url}#{job}"),
            "derived from env BUILDKITE_BUILD_URL, BUILDKITE_JOB_ID",
        );
    }
    b.shard(CiSystem::Buildkite);
}

/// AppVeyor. On PR builds `APPVEYOR_REPO_BRANCH` is the target branch and
/// the head is `APPVEYOR_PULL_REQUEST_HEAD_*`.
fn appveyor(b: &mut Builder<'_>) {
    let is_pr = b.var("APPVEYOR_PULL_REQUEST_NUMBER").is_some();
    b.set_from(Text::Repository, "APPVEYOR_REPO_NAME");
    b.set_from(Text::CommitSha, "APPVEYOR_PULL_REQUEST_HEAD_COMMIT");
    b.set_from(Text::CommitSha, "APPVEYOR_REPO_COMMIT");
    if is_pr {
        b.set_from(Text::Branch, "APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH");
        b.set_from(Text::BaseBranch, "APPVEYOR_REPO_BRANCH");
    } else if !b.flag("APPVEYOR_REPO_TAG") {
        b.set_from(Text::Branch, "APPVEYOR_REPO_BRANCH");
    }
    b.env_num(Num::PrNumber, "APPVEYOR_PULL_REQUEST_NUMBER");
    b.set_from(Text::BuildId, "APPVEYOR_BUILD_ID");
    b.set_from(Text::BuildNumber, "APPVEYOR_BUILD_NUMBER");
    b.set_from(Text::JobId, "APPVEYOR_JOB_ID");
    b.set_from(Text::JobName, "APPVEYOR_JOB_NAME");
    let (base, base_var) = match b.var("APPVEYOR_URL") {
        Some(url) => (url.to_string(), "APPVEYOR_URL"),
        None => (
            "https://ci.appveyor.com".to_string(),
            "https://ci.appveyor.com",
        ),
    };
    if let (Some(account), Some(slug)) = (
        b.var("APPVEYOR_ACCOUNT_NAME"),
        b.var("APPVEYOR_PROJECT_SLUG"),
    ) {
        let project = join_url(&base, &format!("project/{account}/{slug}"));
        if let Some(version) = b.var("APPVEYOR_BUILD_VERSION") {
            b.put(
                Text::BuildUrl,
                &format!("{project}/build/{version}"),
                format!("derived from {base_var}, env APPVEYOR_ACCOUNT_NAME, APPVEYOR_PROJECT_SLUG, APPVEYOR_BUILD_VERSION"),
            );
        }
        if let Some(job) = b.var("APPVEYOR_JOB_ID") {
            b.put(
                Text::JobUrl,
                &format!("{project}/build/job/{job}"),
                format!("derived from {base_var}, env APPVEYOR_ACCOUNT_NAME, APPVEYOR_PROJECT_SLUG, APPVEYOR_JOB_ID"),
            );
        }
    }
    let kind = b
        .var("APPVEYOR_REPO_PROVIDER")
        .and_then(kind_named)
        .filter(|k| *k != CodeHostKind::Azure);
    if let Some(kind) = kind {
        b.code_host_on_default_host(kind, "APPVEYOR_REPO_PROVIDER");
    }
}

/// Drone. On PR builds `DRONE_BRANCH` is the target branch.
fn drone(b: &mut Builder<'_>) {
    let is_pr =
        b.var("DRONE_BUILD_EVENT") == Some("pull_request") || b.var("DRONE_PULL_REQUEST").is_some();
    b.set_from(Text::Repository, "DRONE_REPO");
    b.set_from(Text::RepositoryUrl, "DRONE_GIT_HTTP_URL");
    b.set_from(Text::CommitSha, "DRONE_COMMIT_SHA");
    if is_pr {
        b.set_from(Text::Branch, "DRONE_SOURCE_BRANCH");
        b.set_from(Text::BaseBranch, "DRONE_TARGET_BRANCH");
    } else if b.var("DRONE_TAG").is_none() {
        b.set_from(Text::Branch, "DRONE_BRANCH");
    }
    b.env_num(Num::PrNumber, "DRONE_PULL_REQUEST");
    b.set_from(Text::BuildId, "DRONE_BUILD_NUMBER");
    b.set_from(Text::BuildUrl, "DRONE_BUILD_LINK");
    b.set_from(Text::JobName, "DRONE_STEP_NAME");
    b.remote("DRONE_REPO_LINK", None, false);
    b.remote("DRONE_GIT_HTTP_URL", None, true);
}

/// Woodpecker CI. On PR pipelines `CI_COMMIT_BRANCH` is the target branch.
fn woodpecker(b: &mut Builder<'_>) {
    let is_pr = b
        .var("CI_PIPELINE_EVENT")
        .is_some_and(|e| e.starts_with("pull_request"));
    if !b.set_from(Text::Repository, "CI_REPO") {
        if let (Some(owner), Some(name)) = (b.var("CI_REPO_OWNER"), b.var("CI_REPO_NAME")) {
            b.put(
                Text::Repository,
                &format!("{owner}/{name}"),
                "env CI_REPO_OWNER, CI_REPO_NAME",
            );
        }
    }
    b.set_from(Text::RepositoryUrl, "CI_REPO_CLONE_URL");
    b.set_from(Text::CommitSha, "CI_COMMIT_SHA");
    if is_pr {
        b.set_from(Text::Branch, "CI_COMMIT_SOURCE_BRANCH");
        b.set_from(Text::BaseBranch, "CI_COMMIT_TARGET_BRANCH");
    } else {
        b.set_from(Text::Branch, "CI_COMMIT_BRANCH");
    }
    b.env_num(Num::PrNumber, "CI_COMMIT_PULL_REQUEST");
    b.set_from(Text::BuildId, "CI_PIPELINE_NUMBER");
    b.set_from(Text::BuildUrl, "CI_PIPELINE_URL");
    b.set_from(Text::JobName, "CI_STEP_NAME");
    b.set_from(Text::JobUrl, "CI_STEP_URL");
    let hint = b
        .var("CI_FORGE_TYPE")
        .and_then(kind_named)
        .filter(|k| *k != CodeHostKind::Azure);
    b.remote("CI_REPO_URL", hint, false);
    b.remote("CI_REPO_CLONE_URL", hint, true);
}

/// Semaphore 2. On PR workflows `SEMAPHORE_GIT_BRANCH` is the target branch
/// and `SEMAPHORE_GIT_SHA` the merge commit; the head is `SEMAPHORE_GIT_PR_*`.
fn semaphore(b: &mut Builder<'_>) {
    let ref_type = b.var("SEMAPHORE_GIT_REF_TYPE").unwrap_or("");
    let is_pr = ref_type == "pull-request";
    b.set_from(Text::Repository, "SEMAPHORE_GIT_REPO_SLUG");
    b.set_from(Text::RepositoryUrl, "SEMAPHORE_GIT_URL");
    b.set_from(Text::CommitSha, "SEMAPHORE_GIT_PR_SHA");
    b.set_from(Text::CommitSha, "SEMAPHORE_GIT_SHA");
    if is_pr {
        b.set_from(Text::Branch, "SEMAPHORE_GIT_PR_BRANCH");
        b.set_from(Text::Branch, "SEMAPHORE_GIT_WORKING_BRANCH");
        b.set_from(Text::BaseBranch, "SEMAPHORE_GIT_BRANCH");
    } else if ref_type != "tag" {
        b.set_from(Text::Branch, "SEMAPHORE_GIT_BRANCH");
    }
    b.env_num(Num::PrNumber, "SEMAPHORE_GIT_PR_NUMBER");
    b.set_from(Text::BuildId, "SEMAPHORE_WORKFLOW_ID");
    b.set_from(Text::BuildNumber, "SEMAPHORE_WORKFLOW_NUMBER");
    b.set_from(Text::JobId, "SEMAPHORE_JOB_ID");
    b.set_from(Text::JobName, "SEMAPHORE_JOB_NAME");
    if let Some(org) = b.var("SEMAPHORE_ORGANIZATION_URL") {
        if let Some(workflow) = b.var("SEMAPHORE_WORKFLOW_ID") {
            b.put(
                Text::BuildUrl,
                &join_url(org, &format!("workflows/{workflow}")),
                "derived from env SEMAPHORE_ORGANIZATION_URL, SEMAPHORE_WORKFLOW_ID",
            );
        }
        if let Some(job) = b.var("SEMAPHORE_JOB_ID") {
            b.put(
                Text::JobUrl,
                &join_url(org, &format!("jobs/{job}")),
                "derived from env SEMAPHORE_ORGANIZATION_URL, SEMAPHORE_JOB_ID",
            );
        }
    }
    b.shard(CiSystem::Semaphore);
    let hint = b
        .var("SEMAPHORE_GIT_PROVIDER")
        .and_then(kind_named)
        .filter(|k| *k != CodeHostKind::Azure);
    b.remote("SEMAPHORE_GIT_URL", hint, true);
    if let Some(kind) = hint {
        b.code_host_on_default_host(kind, "SEMAPHORE_GIT_PROVIDER");
    }
}

/// Cirrus CI (GitHub repositories only).
fn cirrus(b: &mut Builder<'_>) {
    b.set_from(Text::Repository, "CIRRUS_REPO_FULL_NAME");
    b.set_from(Text::RepositoryUrl, "CIRRUS_REPO_CLONE_URL");
    b.set_from(Text::CommitSha, "CIRRUS_CHANGE_IN_REPO");
    b.set_from(Text::Branch, "CIRRUS_BRANCH");
    b.set_from(Text::BaseBranch, "CIRRUS_BASE_BRANCH");
    b.env_num(Num::PrNumber, "CIRRUS_PR");
    b.set_from(Text::BuildId, "CIRRUS_BUILD_ID");
    b.set_from(Text::JobId, "CIRRUS_TASK_ID");
    b.set_from(Text::JobName, "CIRRUS_TASK_NAME");
    if let Some(id) = b.var("CIRRUS_BUILD_ID") {
        b.put(
            Text::BuildUrl,
            &format!("https://cirrus-ci.com/build/{id}"),
            "derived from env CIRRUS_BUILD_ID",
        );
    }
    if let Some(id) = b.var("CIRRUS_TASK_ID") {
        b.put(
            Text::JobUrl,
            &format!("https://cirrus-ci.com/task/{id}"),
            "derived from env CIRRUS_TASK_ID",
        );
    }
    b.remote("CIRRUS_REPO_CLONE_URL", Some(CodeHostKind::Github), true);
}

/// AWS CodeBuild. Branch and PR come from webhook builds only.
fn codebuild(b: &mut Builder<'_>) {
    b.set_from(Text::RepositoryUrl, "CODEBUILD_SOURCE_REPO_URL");
    b.remote("CODEBUILD_SOURCE_REPO_URL", None, true);
    b.set_from(Text::CommitSha, "CODEBUILD_RESOLVED_SOURCE_VERSION");
    b.set_from(Text::Branch, "CODEBUILD_WEBHOOK_HEAD_REF");
    b.set_from(Text::BaseBranch, "CODEBUILD_WEBHOOK_BASE_REF");
    for name in ["CODEBUILD_WEBHOOK_TRIGGER", "CODEBUILD_SOURCE_VERSION"] {
        let Some(value) = b.var(name) else {
            continue;
        };
        if let Some(n) = value
            .strip_prefix("pr/")
            .and_then(|n| n.parse::<u64>().ok())
        {
            b.put_num(Num::PrNumber, n, format!("env {name} (pr/N)"));
        } else if let Some(branch) = value.strip_prefix("branch/") {
            if name == "CODEBUILD_WEBHOOK_TRIGGER" {
                b.put(Text::Branch, branch, format!("env {name} (branch/NAME)"));
            }
        }
    }
    b.set_from(Text::BuildId, "CODEBUILD_BUILD_ID");
    b.set_from(Text::BuildNumber, "CODEBUILD_BUILD_NUMBER");
    if let (Some(region), Some(id)) = (b.var("AWS_REGION"), b.var("CODEBUILD_BUILD_ID")) {
        b.put(
            Text::BuildUrl,
            &format!("https://console.aws.amazon.com/codebuild/home?region={region}#/builds/{id}/view/new"),
            "derived from env AWS_REGION, CODEBUILD_BUILD_ID",
        );
    }
}

/// Codefresh.
fn codefresh(b: &mut Builder<'_>) {
    if let (Some(owner), Some(name)) = (b.var("CF_REPO_OWNER"), b.var("CF_REPO_NAME")) {
        b.put(
            Text::Repository,
            &format!("{owner}/{name}"),
            "env CF_REPO_OWNER, CF_REPO_NAME",
        );
    }
    b.set_from(Text::CommitSha, "CF_REVISION");
    b.set_from(Text::Branch, "CF_BRANCH");
    b.set_from(Text::BaseBranch, "CF_PULL_REQUEST_TARGET");
    b.env_num(Num::PrNumber, "CF_PULL_REQUEST_NUMBER");
    b.env_num(Num::PrNumber, "CF_PULL_REQUEST_ID");
    b.set_from(Text::BuildId, "CF_BUILD_ID");
    b.set_from(Text::BuildUrl, "CF_BUILD_URL");
    b.set_from(Text::JobName, "CF_PIPELINE_NAME");
    b.remote("CF_COMMIT_URL", None, false);
}

/// Bitrise.
fn bitrise(b: &mut Builder<'_>) {
    b.set_from(Text::RepositoryUrl, "GIT_REPOSITORY_URL");
    b.remote("GIT_REPOSITORY_URL", None, true);
    b.set_from(Text::CommitSha, "BITRISE_GIT_COMMIT");
    b.set_from(Text::CommitSha, "GIT_CLONE_COMMIT_HASH");
    b.set_from(Text::Branch, "BITRISE_GIT_BRANCH");
    b.set_from(Text::BaseBranch, "BITRISEIO_GIT_BRANCH_DEST");
    b.env_num(Num::PrNumber, "BITRISE_PULL_REQUEST");
    b.set_from(Text::BuildId, "BITRISE_BUILD_SLUG");
    b.set_from(Text::BuildNumber, "BITRISE_BUILD_NUMBER");
    b.set_from(Text::BuildUrl, "BITRISE_BUILD_URL");
    b.set_from(Text::JobName, "BITRISE_TRIGGERED_WORKFLOW_ID");
}

/// Buddy. Current agents set `BUDDY_RUN_*`; the older `BUDDY_EXECUTION_*`
/// names are read as fallbacks.
fn buddy(b: &mut Builder<'_>) {
    b.set_from(Text::Repository, "BUDDY_REPO_SLUG");
    b.remote("BUDDY_SCM_URL", None, false);
    b.set_from(Text::CommitSha, "BUDDY_RUN_COMMIT");
    b.set_from(Text::CommitSha, "BUDDY_EXECUTION_REVISION");
    b.set_from(Text::Branch, "BUDDY_RUN_PR_HEAD_BRANCH");
    b.set_from(Text::Branch, "BUDDY_EXECUTION_PULL_REQUEST_HEAD_BRANCH");
    b.set_from(Text::Branch, "BUDDY_RUN_BRANCH");
    b.set_from(Text::Branch, "BUDDY_EXECUTION_BRANCH");
    b.set_from(Text::BaseBranch, "BUDDY_RUN_PR_BASE_BRANCH");
    b.set_from(Text::BaseBranch, "BUDDY_EXECUTION_PULL_REQUEST_BASE_BRANCH");
    b.env_num(Num::PrNumber, "BUDDY_RUN_PR_NO");
    b.env_num(Num::PrNumber, "BUDDY_EXECUTION_PULL_REQUEST_NO");
    b.env_trailing_num(Num::PrNumber, "BUDDY_EXECUTION_PULL_REQUEST_ID");
    b.set_from(Text::BuildId, "BUDDY_RUN_HASH");
    b.set_from(Text::BuildId, "BUDDY_EXECUTION_ID");
    b.set_from(Text::BuildUrl, "BUDDY_RUN_URL");
    b.set_from(Text::BuildUrl, "BUDDY_EXECUTION_URL");
    b.set_from(Text::JobName, "BUDDY_PIPELINE_NAME");
}
