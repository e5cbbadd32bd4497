//! GitLab (REST API v4), both roles. Paths, payloads and status words only:
//! HTTP, retries, pagination and redaction are in [`crate::http`], text in
//! [`crate::report::markdown`].
//!
//! | testrelay | GitLab |
//! |---|---|
//! | test run (create, close) | the commit status named `status_context` on the head commit, attached to the running pipeline (`pipeline_id`), `running` then `success`/`failed`/`canceled` |
//! | live progress | not possible: GitLab refuses to post a status again in the state it has, so the description changes only at the end (`Unsupported`) |
//! | build status | the same commit status; posted only when its state differs |
//! | PR comment | one note on the merge request (by its project-scoped **IID**), found by our marker across every page and edited in place; a fork's merge request gets it on the target project |
//! | artifacts | generic packages: `PUT /projects/:id/packages/generic/testrelay/<run key>/<file>`, read back with `GET` |
//! | test results in the pipeline | the JUnit report artifact (`artifacts:reports:junit`), see `examples/ci/gitlab-ci.yml` |
//!
//! The project is `repository` (`CI_PROJECT_PATH` inside GitLab CI), a
//! namespace path or a numeric id. The API is `providers.gitlab.api_url`,
//! `CI_API_V4_URL` inside GitLab CI (self-managed servers), else
//! `https://gitlab.com/api/v4`.
//!
//! Tokens: a personal, project or group access token with the `api` scope
//! (`GITLAB_TOKEN`), sent as `PRIVATE-TOKEN`. Inside GitLab CI, without one,
//! the job's `CI_JOB_TOKEN` (sent as `JOB-TOKEN`) publishes artifacts; GitLab
//! does not let a job token post commit statuses or notes, so those are
//! refused before any request, said once, and stay in the outbox.

use std::path::Path;

use serde_json::{Value, json};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    ProviderSpec, RunContext, RunHandle, RunUpdate, Setup, TokenKind, TokenVariable,
};
use crate::detect::{CiSystem, CodeHostKind};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, Pagination, url_encode};
use crate::model::{RunStatus, TestRun, TestRunResult};

/// GitLab's limit on a commit status description, in characters.
const DESCRIPTION_MAX_CHARS: usize = 255;
/// GitLab's limit on a note body, in characters.
const NOTE_MAX_CHARS: usize = 1_000_000;
/// The generic package that holds every run's artifacts.
const PACKAGE: &str = "testrelay";

/// What to do with a job token where GitLab refuses it.
const JOB_TOKEN_FIX: &str = "GitLab does not let CI_JOB_TOKEN post commit statuses or merge \
    request notes: set GITLAB_TOKEN to a project access token with the `api` scope (Developer \
    role) to add them; artifacts are published with the job token, and the rest waits in the \
    outbox for `testrelay flush`";

/// Where GitLab users keep a token (after the explicit settings); the job
/// token only inside GitLab CI.
const TOKEN_VARIABLES: &[TokenVariable] = &[
    TokenVariable::access("GITLAB_TOKEN"),
    TokenVariable::job("CI_JOB_TOKEN"),
];

/// GitLab in the registry: GitLab CI's provider and the GitLab code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "gitlab",
        ci: Some(CiSystem::GitlabCi),
        code_host: Some(CodeHostKind::Gitlab),
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some("https://gitlab.com/api/v4"),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(GitlabProvider::from_setup(setup)?))
        }),
        build_host: Some(|setup| Ok(Box::new(GitlabProvider::from_setup(setup)?))),
    }
}

/// The GitLab provider. Thread-safe.
#[derive(Debug)]
pub struct GitlabProvider {
    http: HttpClient,
    /// The project, URL-encoded for paths.
    project: String,
    context: String,
    /// Only the job token is available (see the module docs).
    job_token_only: bool,
    /// Inside GitLab CI, the commit the running pipeline was made for
    /// (`CI_COMMIT_SHA`): in a merged-results pipeline the merge commit,
    /// not the MR head, and GitLab finds the pipeline only by its own.
    pipeline_sha: Option<String>,
    /// The run's build id is a GitLab pipeline (inside GitLab CI); a code
    /// host delegated to from another CI gets that CI's build id, which is
    /// no pipeline of this project.
    pipeline_ids: bool,
}

impl GitlabProvider {
    /// Builds the provider for a run (see [`Setup`]).
    ///
    /// Errors: `Configuration` when the project or the token is missing.
    pub fn from_setup(setup: &Setup<'_>) -> Result<GitlabProvider> {
        let project = setup
            .repository
            .map(|r| r.trim().trim_matches('/'))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the gitlab provider needs the project: set `repository` to its path \
                     (group/project) or id (CI_PROJECT_PATH inside GitLab CI)",
                )
            })?;
        let credential = setup.endpoint.credential.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "the gitlab provider needs a token: set GITLAB_TOKEN (a project access token \
                 with the `api` scope) or providers.gitlab.token",
            )
        })?;
        let job_token_only = credential.kind == TokenKind::Job;
        let auth = match credential.kind {
            TokenKind::Access => Auth::Header("private-token", credential.secret.clone()),
            TokenKind::Job => Auth::Header("job-token", credential.secret.clone()),
        };
        if job_token_only {
            log::warn!("testrelay: only CI_JOB_TOKEN is set. {JOB_TOKEN_FIX}");
        }
        let http = HttpClient::new(&setup.endpoint.api_url, auth, setup.config)?
            .with_pagination(Pagination::LinkOrNextPage);
        let pipeline_sha = setup
            .inside(CiSystem::GitlabCi)
            .then(|| setup.env.get("CI_COMMIT_SHA").map(str::to_string))
            .flatten();
        Ok(GitlabProvider {
            http,
            project: url_encode(project),
            context: setup.config.status_context.clone(),
            job_token_only,
            pipeline_sha,
            pipeline_ids: setup.inside(CiSystem::GitlabCi),
        })
    }

    /// Sends one request; a refusal names the scope GitLab needs.
    fn send(&self, method: &str, path: &str, body: Body<'_>) -> Result<crate::http::Response> {
        self.http.send(method, path, body).map_err(explain_refused)
    }

    /// Every item of a paginated list; a refusal names the scope.
    fn pages(&self, path: &str) -> Result<Vec<Value>> {
        self.http.get_all_pages(path).map_err(explain_refused)
    }

    /// Refuses, without a request, what a job token cannot do.
    fn needs_api_token(&self, what: &str) -> Result<()> {
        if self.job_token_only {
            return Err(Error::new(
                ErrorKind::Permission,
                format!("{what} not posted: {JOB_TOKEN_FIX}"),
            ));
        }
        Ok(())
    }

    /// The commit our status goes on: the pipeline's own when the status
    /// joins a pipeline (a merged-results pipeline runs on a merge commit),
    /// else the head commit.
    fn status_sha<'a>(&'a self, ctx: &'a RunContext) -> Result<&'a str> {
        match (&self.pipeline_sha, self.pipeline(ctx)) {
            (Some(sha), Some(_)) => Ok(sha),
            _ => self.head_sha(ctx),
        }
    }

    fn head_sha<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.commit_sha.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "GitLab needs the head commit: set `commit_sha` (found automatically inside \
                 GitLab CI)",
            )
        })
    }

    /// The pipeline the run's status joins: the run's build id, only inside
    /// GitLab CI (delegated to from another CI, the build id is that CI's).
    fn pipeline(&self, ctx: &RunContext) -> Option<u64> {
        pipeline_id(ctx).filter(|_| self.pipeline_ids)
    }

    /// Our commit status on the run's head commit (and pipeline), newest
    /// first, if GitLab has one.
    fn our_status(&self, ctx: &RunContext) -> Result<Option<Value>> {
        let sha = self.status_sha(ctx)?;
        let mut path = format!(
            "/projects/{}/repository/commits/{sha}/statuses?name={}&all=true&per_page=100",
            self.project,
            url_encode(&self.context)
        );
        if let Some(pipeline) = self.pipeline(ctx) {
            path.push_str(&format!("&pipeline_id={pipeline}"));
        }
        let statuses = self.pages(&path)?;
        Ok(statuses
            .into_iter()
            .filter(|s| s["name"].as_str() == Some(self.context.as_str()))
            .max_by_key(|s| s["id"].as_u64().unwrap_or(0)))
    }

    /// Posts our commit status in `state`, unless it already has that state.
    /// Returns the status as GitLab has it.
    fn post_state(&self, ctx: &RunContext, state: &str, description: &str) -> Result<Value> {
        self.needs_api_token("the commit status was")?;
        if let Some(existing) = self.our_status(ctx)? {
            if existing["status"].as_str() == Some(state) {
                return Ok(existing);
            }
        }
        let sha = self.status_sha(ctx)?;
        let mut body = json!({
            "state": state,
            "name": self.context,
            "description": crate::text::head_chars(description, DESCRIPTION_MAX_CHARS),
        });
        if let Some(url) = &ctx.build_url {
            body["target_url"] = json!(url);
        }
        if let Some(pipeline) = self.pipeline(ctx) {
            body["pipeline_id"] = json!(pipeline);
        } else if let Some(branch) = &ctx.branch {
            body["ref"] = json!(branch);
        }
        let posted = self.send(
            "POST",
            &format!("/projects/{}/statuses/{sha}", self.project),
            Body::Json(&body),
        );
        match posted {
            Ok(resp) => resp.json(),
            // A retry after a lost answer: GitLab refuses to move the status
            // into the state it already has. It is there, so it is done.
            Err(e) if e.kind() == ErrorKind::InvalidArgument => match self.our_status(ctx)? {
                Some(existing) if existing["status"].as_str() == Some(state) => Ok(existing),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The project that holds the merge request (a fork's MR lives on the
    /// target project), URL-encoded.
    fn mr_project(&self, ctx: &RunContext) -> String {
        ctx.pr_repository
            .as_deref()
            .map(|p| url_encode(p.trim_matches('/')))
            .unwrap_or_else(|| self.project.clone())
    }

    fn notes_path(&self, ctx: &RunContext) -> Result<String> {
        let iid = ctx.pr_number.ok_or_else(|| {
            Error::unsupported("no merge request for this run, so no merge request note")
        })?;
        Ok(format!(
            "/projects/{}/merge_requests/{iid}/notes",
            self.mr_project(ctx)
        ))
    }

    /// The package version that holds the run's artifacts: the run key in
    /// the characters GitLab allows.
    fn package_path(&self, ctx: &RunContext, name: &str) -> String {
        format!(
            "/projects/{}/packages/generic/{PACKAGE}/{}/{}",
            self.project,
            package_safe(&ctx.run_key),
            url_encode(&package_safe(name))
        )
    }
}

/// The pipeline the run belongs to, when the CI said (a number).
fn pipeline_id(ctx: &RunContext) -> Option<u64> {
    ctx.build_id.as_deref()?.trim().parse().ok()
}

/// `text` in the characters GitLab allows in a generic package's version
/// and file name: letters, digits, `_`, `+`, `-`, and single dots not at
/// either end; anything else becomes `-`.
fn package_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(c, '_' | '+' | '-')
            || (c == '.' && !out.ends_with('.') && !out.is_empty());
        out.push(if keep { c } else { '-' });
    }
    let trimmed = out.trim_end_matches('.');
    if trimmed.is_empty() {
        "artifact".to_string()
    } else {
        trimmed.to_string()
    }
}

/// GitLab's commit-status state for a finished run.
fn final_state(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Passed => "success",
        RunStatus::Failed | RunStatus::Error | RunStatus::TimedOut => "failed",
        RunStatus::Cancelled => "canceled",
        RunStatus::Pending => "pending",
        RunStatus::Running => "running",
    }
}

/// GitLab's commit-status state for a build state.
fn status_state(state: BuildState) -> &'static str {
    match state {
        BuildState::Pending => "pending",
        BuildState::Success => "success",
        BuildState::Failure | BuildState::Error => "failed",
    }
}

/// A 401 or 403 names the scope that is missing.
fn explain_refused(e: Error) -> Error {
    match e.kind() {
        ErrorKind::Authentication | ErrorKind::Permission => Error::new(
            e.kind(),
            format!(
                "{e}. GitLab needs a token with the `api` scope and at least the Developer \
                 role on the project (a project access token in GITLAB_TOKEN)"
            ),
        ),
        _ => e,
    }
}

fn id_of(v: &Value) -> Result<u64> {
    v["id"]
        .as_u64()
        .ok_or_else(|| Error::new(ErrorKind::Parse, "GitLab answered without an `id`"))
}

impl CiProvider for GitlabProvider {
    fn name(&self) -> &str {
        "gitlab"
    }

    fn code_host(&self) -> Option<&dyn CodeHost> {
        Some(self)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: false,
            build_status: true,
            pr_comments: true,
            artifacts: true,
            annotations: false,
            local_files: false,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        let status = self.post_state(ctx, "running", "testrelay: tests are running")?;
        Ok(RunHandle {
            external_id: id_of(&status)?.to_string(),
            url: status["target_url"].as_str().map(String::from),
        })
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        _handle: &RunHandle,
        _update: &RunUpdate<'_>,
    ) -> Result<()> {
        Err(Error::unsupported(
            "GitLab does not take a running commit status again, so progress shows when the \
             run closes",
        ))
    }

    fn close(&self, ctx: &RunContext, _handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let status = if update.run.status.is_final() {
            update.run.status
        } else {
            update.run.counts().final_status()
        };
        self.post_state(ctx, final_state(status), update.description)?;
        Ok(())
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io("reading the artifact", path, e))?
            .len();
        let package = self.package_path(ctx, name);
        self.send(
            "PUT",
            &package,
            Body::File(path, "application/octet-stream"),
        )?;
        Ok(ArtifactRef {
            name: package_safe(name),
            url: format!("{}{package}", self.http.base_url()),
            size,
        })
    }

    /// The generic package file (`GET`, the route a job token may use
    /// too), streamed.
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let download = self
            .http
            .download(&self.package_path(ctx, name), sink)
            .map_err(explain_refused)?;
        Ok(download.bytes)
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let version = package_safe(&ctx.run_key);
        let file = package_safe(name);
        let packages = self.pages(&format!(
            "/projects/{}/packages?package_type=generic&package_name={PACKAGE}&per_page=100",
            self.project
        ))?;
        for package in packages
            .iter()
            .filter(|p| p["name"].as_str() == Some(PACKAGE))
            .filter(|p| p["version"].as_str() == Some(version.as_str()))
        {
            let files = self.pages(&format!(
                "/projects/{}/packages/{}/package_files?per_page=100",
                self.project,
                id_of(package)?
            ))?;
            if files.iter().any(|f| f["file_name"].as_str() == Some(&file)) {
                return Ok(format!(
                    "{}{}",
                    self.http.base_url(),
                    self.package_path(ctx, name)
                ));
            }
        }
        Err(Error::new(
            ErrorKind::NotFound,
            format!("no artifact `{file}` in the generic package {PACKAGE} {version}"),
        ))
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let status = self.our_status(ctx)?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no commit status `{}` on the run's commit", self.context),
            )
        })?;
        let run_status = match status["status"].as_str() {
            Some("success") => RunStatus::Passed,
            Some("failed") => RunStatus::Failed,
            Some("canceled") => RunStatus::Cancelled,
            Some("pending" | "created") => RunStatus::Pending,
            _ => RunStatus::Running,
        };
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status: run_status,
            ..TestRun::default()
        }
        .result();
        if let Some(description) = status["description"].as_str() {
            result
                .metadata
                .insert("description".into(), json!(description));
        }
        Ok(result)
    }
}

impl CodeHost for GitlabProvider {
    fn host_name(&self) -> &str {
        "gitlab"
    }

    fn status_context(&self) -> &str {
        &self.context
    }

    /// The build status is the run's own commit status: once `close` has
    /// made it final, it stays as `close` left it (a cancelled run stays
    /// `canceled`, not `failed`).
    fn set_build_status(
        &self,
        ctx: &RunContext,
        state: BuildState,
        description: &str,
    ) -> Result<()> {
        self.needs_api_token("the commit status was")?;
        let done = self.our_status(ctx)?.is_some_and(|s| {
            matches!(
                s["status"].as_str(),
                Some("success" | "failed" | "canceled")
            )
        });
        if !done {
            self.post_state(ctx, status_state(state), description)?;
        }
        Ok(())
    }

    fn list_comments(&self, ctx: &RunContext) -> Result<Vec<HostComment>> {
        let path = self.notes_path(ctx)?;
        self.needs_api_token("the merge request note was")?;
        let notes = self.pages(&format!("{path}?sort=asc&order_by=created_at&per_page=100"))?;
        notes
            .iter()
            .filter(|n| !n["system"].as_bool().unwrap_or(false))
            .map(|n| {
                Ok(HostComment {
                    id: id_of(n)?.to_string(),
                    body: n["body"].as_str().unwrap_or_default().to_string(),
                })
            })
            .collect()
    }

    fn create_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef> {
        let path = self.notes_path(ctx)?;
        self.needs_api_token("the merge request note was")?;
        let note = json!({ "body": crate::text::head_chars(body, NOTE_MAX_CHARS) });
        let resp = self.send("POST", &path, Body::Json(&note))?;
        Ok(CommentRef {
            id: id_of(&resp.json()?)?.to_string(),
            url: None,
            updated: false,
        })
    }

    fn update_comment(&self, ctx: &RunContext, id: &str, body: &str) -> Result<CommentRef> {
        let path = self.notes_path(ctx)?;
        self.needs_api_token("the merge request note was")?;
        let note = json!({ "body": crate::text::head_chars(body, NOTE_MAX_CHARS) });
        let resp = self.send("PUT", &format!("{path}/{id}"), Body::Json(&note))?;
        Ok(CommentRef {
            id: id_of(&resp.json()?)?.to_string(),
            url: None,
            updated: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_tables() {
        assert_eq!(final_state(RunStatus::Passed), "success");
        assert_eq!(final_state(RunStatus::TimedOut), "failed");
        assert_eq!(final_state(RunStatus::Cancelled), "canceled");
        assert_eq!(status_state(BuildState::Error), "failed");
        assert_eq!(status_state(BuildState::Pending), "pending");
    }

    #[test]
    fn package_names_use_the_characters_gitlab_allows() {
        assert_eq!(
            package_safe("gitlab_ci-17-test job-testrelay"),
            "gitlab_ci-17-test-job-testrelay"
        );
        assert_eq!(package_safe("junit report (1).xml"), "junit-report--1-.xml");
        assert_eq!(package_safe("..a..b.."), "-.a.-b.-");
        assert_eq!(package_safe("../../etc/passwd"), "-.-.--etc-passwd");
        assert_eq!(package_safe(""), "artifact");
    }
}
