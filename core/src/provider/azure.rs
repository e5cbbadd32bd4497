//! Azure DevOps (REST API 7.1): Azure Pipelines as the CI system, Azure
//! Repos as the code host. Paths, payloads and status words only: HTTP,
//! retries, pagination and redaction are in [`crate::http`], text in
//! [`crate::report::markdown`].
//!
//! | testrelay | Azure DevOps |
//! |---|---|
//! | test run (create) | `POST {project}/_apis/test/runs`: `automated: true`, `state: InProgress`, `build.id`; a retried create finds the open run by name among the build's runs (`buildUri=vstfs:///Build/Build/{id}`); a rerun of a finished job gets a run of its own |
//! | live progress | `POST …/test/Runs/{id}/results`, only the results not posted yet, ≤ 1,000 a request, so the Tests tab fills during the run |
//! | close | the remaining results, then `PATCH …/test/runs/{id}` `state: Completed` |
//! | artifacts | test-run attachments: `POST …/test/Runs/{id}/attachments`, the file base64-encoded in `stream`; larger than [`ATTACHMENT_MAX_BYTES`] is refused before anything is sent; read back with `GET …/attachments/{attachmentId}` |
//! | PR comment | one PR thread whose first comment carries our marker, found across `x-ms-continuationtoken` pages and edited in place (`PATCH …/threads/{t}/comments/{c}`) |
//! | build status | `POST …/pullRequests/{id}/statuses` (genre `testrelay`, name = status context); without a pull request, the commit's status (`…/commits/{sha}/statuses`) |
//! | token-free channel | logging commands on stdout inside Azure Pipelines: `task.logissue` for the first failures, `task.uploadsummary` with the Markdown summary |
//!
//! Outcomes: passed → `Passed`, failed → `Failed`, error → `Error`,
//! skipped → `NotExecuted`, flaky → `Passed` with the failed attempts in the
//! result's `comment`.
//!
//! Where things are: the API is the collection URL (`SYSTEM_COLLECTIONURI`
//! inside Azure Pipelines, `https://dev.azure.com/<organization>`), or
//! `providers.azure.api_url`. Inside Azure Pipelines the project is
//! `SYSTEM_TEAMPROJECTID` and the repository `BUILD_REPOSITORY_ID` (the
//! repository's **id**); elsewhere `repository` is
//! `<project>/<repository>` below the collection URL, or
//! `<organization>/<project>/<repository>` with the default
//! `https://dev.azure.com`.
//!
//! Tokens: `SYSTEM_ACCESSTOKEN` inside Azure Pipelines (sent as `Bearer`;
//! the pipeline must map it into the environment: `env: SYSTEM_ACCESSTOKEN:
//! $(System.AccessToken)`), or a personal access token (`AZURE_DEVOPS_EXT_PAT`,
//! or the explicit settings; sent as Basic with an empty user). A token that
//! looks like a JWT (the job's OAuth token) is sent as `Bearer` from any
//! source. Azure answers a bad PAT with `203` and an HTML sign-in page; that
//! is an authentication error here, never a success.
//!
//! A repository on GitHub built by Azure Pipelines has its statuses and
//! comments delivered to the GitHub code host (this provider is then no
//! code host itself).
//!
//! `##vso[task.complete result=SucceededWithIssues;]` is printed after a
//! failed run only when `TESTRELAY_AZURE_COMPLETE_TASK=true`: completing the
//! step is the pipeline's decision, never testrelay's by default.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    ProviderSpec, RunContext, RunHandle, RunUpdate, Setup, TokenKind, TokenVariable, UrlOrigin,
};
use crate::detect::{CiSystem, CodeHostKind};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, Pagination, Response, url_encode};
use crate::model::{CaseStatus, RunStatus, TestCase, TestRun, TestRunResult};

/// The REST API version every request names.
const API_VERSION: &str = "7.1";
/// Results per `POST …/results` request.
const RESULTS_PER_REQUEST: usize = 1_000;
/// The largest file attached to a run. The body carries it base64-encoded
/// (a third larger) in one JSON request; larger files are refused, never
/// cut.
pub const ATTACHMENT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Logging-command issues printed for the first failures.
const LOG_ISSUES: usize = 10;
/// Characters kept of a PR comment (Azure refuses longer comments).
const COMMENT_MAX_CHARS: usize = 150_000;
/// Characters kept of a PR status description.
const STATUS_DESCRIPTION_MAX_CHARS: usize = 400;
/// Characters kept of a result's error message.
const ERROR_MESSAGE_MAX_CHARS: usize = 4_000;
/// The genre of our PR and commit statuses.
const STATUS_GENRE: &str = "testrelay";
/// The variable that lets testrelay complete the running step.
const COMPLETE_TASK_VARIABLE: &str = "TESTRELAY_AZURE_COMPLETE_TASK";

/// Where Azure DevOps users keep a token (after the explicit settings); the
/// job's access token only inside Azure Pipelines.
const TOKEN_VARIABLES: &[TokenVariable] = &[
    TokenVariable::access("AZURE_DEVOPS_EXT_PAT"),
    TokenVariable::job("SYSTEM_ACCESSTOKEN"),
];

/// What a refused token needs.
const SCOPES: &str = "Azure DevOps needs SYSTEM_ACCESSTOKEN mapped into the step's environment \
    (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)), with the build service allowed to \
    contribute to pull requests, or a PAT with the scopes Test Management (read & write), Code \
    (status) and Code (read & write) in AZURE_DEVOPS_EXT_PAT";

/// Azure DevOps in the registry: Azure Pipelines' provider and the Azure
/// Repos code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "azure",
        ci: Some(CiSystem::AzurePipelines),
        code_host: Some(CodeHostKind::Azure),
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some("https://dev.azure.com"),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(AzureProvider::from_setup(setup)?))
        }),
        build_host: Some(|setup| Ok(Box::new(AzureProvider::from_setup(setup)?))),
    }
}

/// The Azure DevOps provider. Thread-safe.
#[derive(Debug)]
pub struct AzureProvider {
    http: HttpClient,
    /// The same API with one attempt a request, for the two requests Azure
    /// cannot take twice (creating a run, adding results): after a lost
    /// answer the provider looks at what arrived before sending again.
    once: HttpClient,
    /// `/{organization}/{project}` or `/{project}` below the base URL,
    /// segments URL-encoded.
    prefix: String,
    /// The repository (id or name), URL-encoded; `None` when unknown.
    repository: Option<String>,
    /// Whether this provider is the run's code host (Azure Repos).
    host_role: bool,
    context: String,
    /// Logging commands on stdout (inside Azure Pipelines).
    logging_commands: bool,
    /// Where the summary file for `task.uploadsummary` goes.
    output_dir: PathBuf,
    /// `task.complete` after a failed run (the user asked for it).
    complete_task: bool,
    /// Per run id, the results already posted (storage, name).
    posted: Mutex<HashMap<String, HashSet<(String, String)>>>,
}

impl AzureProvider {
    /// Builds the provider for a run (see [`Setup`] and the module docs).
    ///
    /// Errors: `Configuration` when the project or the token is missing.
    pub fn from_setup(setup: &Setup<'_>) -> Result<AzureProvider> {
        let inside = setup.inside(CiSystem::AzurePipelines);
        let det = setup.detection;
        let repo_parts: Vec<&str> = setup
            .repository
            .map(|r| r.trim().trim_matches('/'))
            .unwrap_or_default()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let default_url = setup.endpoint.origin == UrlOrigin::Default;
        let (prefix, repository) = if inside && det.project_id.is_some() {
            let project = det.project_id.as_deref().unwrap_or_default();
            let repo = det
                .repository_id
                .clone()
                .or_else(|| repo_parts.last().map(|r| r.to_string()));
            (format!("/{}", url_encode(project)), repo)
        } else {
            match repo_parts.as_slice() {
                [org, project, repo] if default_url => (
                    format!("/{}/{}", url_encode(org), url_encode(project)),
                    Some(repo.to_string()),
                ),
                [_, project, repo] | [project, repo] if !default_url => {
                    (format!("/{}", url_encode(project)), Some(repo.to_string()))
                }
                [project] if !default_url => (format!("/{}", url_encode(project)), None),
                _ => {
                    return Err(Error::new(
                        ErrorKind::Configuration,
                        "the azure provider needs the project: set `repository` to \
                         <project>/<repository> and providers.azure.api_url to the collection \
                         URL (https://dev.azure.com/<organization>), or `repository` to \
                         <organization>/<project>/<repository> (found automatically inside \
                         Azure Pipelines)",
                    ));
                }
            }
        };
        let credential = setup.endpoint.credential.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "the azure provider needs a token: map SYSTEM_ACCESSTOKEN into the step's \
                 environment (env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)), or set \
                 AZURE_DEVOPS_EXT_PAT to a personal access token",
            )
        })?;
        let auth =
            if credential.kind == TokenKind::Job || looks_like_jwt(credential.secret.expose()) {
                Auth::Bearer(credential.secret.clone())
            } else {
                Auth::Basic(String::new(), credential.secret.clone())
            };
        let http = HttpClient::new(&setup.endpoint.api_url, auth.clone(), setup.config)?
            .with_header("accept", "application/json")
            .with_pagination(Pagination::ContinuationToken);
        let mut single = setup.config.clone();
        single.retry.max_attempts = 1;
        let once = HttpClient::new(&setup.endpoint.api_url, auth, &single)?
            .with_header("accept", "application/json");
        let host_role = match &det.code_host {
            Some(found) => found.kind == CodeHostKind::Azure,
            None => true,
        };
        let flag = |name: &str| {
            setup
                .env
                .get(name)
                .is_some_and(|v| matches!(v.trim(), "1" | "true" | "True" | "TRUE" | "yes"))
        };
        Ok(AzureProvider {
            http,
            once,
            prefix,
            repository: repository.map(|r| url_encode(&r)),
            host_role,
            context: setup.config.status_context.clone(),
            logging_commands: inside,
            output_dir: setup.config.output_dir.clone(),
            complete_task: flag(COMPLETE_TASK_VARIABLE),
            posted: Mutex::new(HashMap::new()),
        })
    }

    /// `path` below the project, with the API version.
    fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}/_apis/{path}{sep}api-version={API_VERSION}", self.prefix)
    }

    /// Sends one request: a sign-in page is an authentication error, a
    /// refusal names the scopes.
    fn send(&self, method: &str, path: &str, body: Body<'_>) -> Result<Response> {
        let resp = self
            .http
            .send(method, path, body)
            .map_err(explain_refused)?;
        check_signed_in(method, &resp)?;
        Ok(resp)
    }

    /// Sends a request Azure would carry out twice if it came twice, once.
    fn send_once(&self, method: &str, path: &str, body: Body<'_>) -> Result<Response> {
        let resp = self
            .once
            .send(method, path, body)
            .map_err(explain_refused)?;
        check_signed_in(method, &resp)?;
        Ok(resp)
    }

    /// Every item of a list, across continuation pages.
    fn pages(&self, path: &str) -> Result<Vec<Value>> {
        self.http.get_all_pages(path).map_err(|e| {
            // A sign-in page is not JSON: say what it is.
            if e.kind() == ErrorKind::Parse {
                Error::new(
                    ErrorKind::Authentication,
                    format!("{e}; Azure DevOps answered with a sign-in page: {SCOPES}"),
                )
            } else {
                explain_refused(e)
            }
        })
    }

    fn run_path(&self, id: &str) -> String {
        format!("test/runs/{}", url_encode(id))
    }

    /// The newest run named `ctx.name` of the run's build, if any; with
    /// `open_only`, only one not completed yet (a rerun of a finished job
    /// gets a run of its own: a completed run takes no more results).
    fn find_run(&self, ctx: &RunContext, open_only: bool) -> Result<Option<Value>> {
        let Some(build) = build_id(ctx) else {
            return Ok(None);
        };
        let uri = url_encode(&format!("vstfs:///Build/Build/{build}"));
        let runs =
            self.pages(&self.url(&format!("test/runs?buildUri={uri}&automated=true&$top=100")))?;
        Ok(runs
            .into_iter()
            .filter(|r| r["name"].as_str() == Some(ctx.name.as_str()))
            .filter(|r| !open_only || !matches!(r["state"].as_str(), Some("Completed" | "Aborted")))
            .max_by_key(|r| r["id"].as_u64().unwrap_or(0)))
    }

    /// The results already on run `id` (storage, name), from Azure.
    fn posted_on_server(&self, id: &str) -> Result<HashSet<(String, String)>> {
        let mut seen = HashSet::new();
        let mut skip = 0usize;
        loop {
            let resp = self.send(
                "GET",
                &self.url(&format!(
                    "test/Runs/{}/results?$skip={skip}&$top={RESULTS_PER_REQUEST}",
                    url_encode(id)
                )),
                Body::Empty,
            )?;
            let page = resp.json()?;
            let items = page["value"].as_array().cloned().unwrap_or_default();
            for r in &items {
                seen.insert((
                    r["automatedTestStorage"].as_str().unwrap_or("").to_string(),
                    r["automatedTestName"].as_str().unwrap_or("").to_string(),
                ));
            }
            if items.len() < RESULTS_PER_REQUEST {
                return Ok(seen);
            }
            skip += items.len();
        }
    }

    /// Posts the results of `run` that run `id` does not have yet.
    fn post_new_results(&self, id: &str, run: &TestRun) -> Result<()> {
        let known = self.lock().get(id).cloned();
        let mut posted = match known {
            Some(set) => set,
            None => self.posted_on_server(id)?,
        };
        let fresh: Vec<&TestCase> = run
            .cases
            .iter()
            .filter(|c| !posted.contains(&identity(c)))
            .collect();
        let path = self.url(&format!("test/Runs/{}/results", url_encode(id)));
        for batch in fresh.chunks(RESULTS_PER_REQUEST) {
            let body = Value::Array(batch.iter().map(|c| result_json(c)).collect());
            let sent = match self.send_once("POST", &path, Body::Json(&body)) {
                Ok(_) => Ok(()),
                // Refused before Azure did anything: send it again, waiting
                // as the server asks.
                Err(e) if e.kind() == ErrorKind::RateLimited => {
                    self.send("POST", &path, Body::Json(&body)).map(drop)
                }
                // The answer is unknown (lost, 5xx, out of time): read what
                // arrived, then send only the rest.
                Err(e) if unknown_outcome(&e) => self.posted_on_server(id).and_then(|on_server| {
                    posted = on_server;
                    let rest: Vec<Value> = batch
                        .iter()
                        .filter(|c| !posted.contains(&identity(c)))
                        .map(|c| result_json(c))
                        .collect();
                    if rest.is_empty() {
                        return Ok(());
                    }
                    self.send("POST", &path, Body::Json(&Value::Array(rest)))
                        .map(drop)
                }),
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                // What arrived is read again from Azure next time.
                self.lock().remove(id);
                return Err(e);
            }
            posted.extend(batch.iter().map(|c| identity(c)));
        }
        self.lock().insert(id.to_string(), posted);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashSet<(String, String)>>> {
        self.posted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The run's attachments.
    fn attachments(&self, id: &str) -> Result<Vec<Value>> {
        self.pages(&self.url(&format!("test/Runs/{}/attachments", url_encode(id))))
    }

    /// The run id for artifacts: the handle's, else the run found by name.
    fn run_id_for(&self, ctx: &RunContext, handle: Option<&RunHandle>) -> Result<String> {
        if let Some(h) = handle {
            return Ok(h.external_id.clone());
        }
        match self.find_run(ctx, false)? {
            Some(run) => Ok(id_of(&run)?.to_string()),
            None => Err(Error::new(
                ErrorKind::Connection,
                "the Azure test run is not created yet, so its attachments wait in the outbox",
            )),
        }
    }

    fn repository(&self) -> Result<&str> {
        self.repository.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "Azure Repos needs the repository: BUILD_REPOSITORY_ID inside Azure Pipelines, \
                 else `repository` as <project>/<repository>",
            )
        })
    }

    fn threads_path(&self, ctx: &RunContext) -> Result<String> {
        let pr = ctx.pr_number.ok_or_else(|| {
            Error::unsupported("no pull request for this run, so no pull request comment")
        })?;
        Ok(format!(
            "git/repositories/{}/pullRequests/{pr}/threads",
            self.repository()?
        ))
    }

    /// The `task.uploadsummary` file: the summary written under the output
    /// directory, as an absolute path.
    fn write_summary(&self, summary: &str) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.output_dir)
            .map_err(|e| Error::io("creating the output directory", &self.output_dir, e))?;
        let dir = std::fs::canonicalize(&self.output_dir)
            .map_err(|e| Error::io("resolving the output directory", &self.output_dir, e))?;
        let path = dir.join("testrelay-azure-summary.md");
        std::fs::write(&path, summary)
            .map_err(|e| Error::io("writing the Azure summary", &path, e))?;
        Ok(path)
    }
}

/// The (storage, name) a result is known by on Azure.
fn identity(case: &TestCase) -> (String, String) {
    (case.suite.clone(), case.full_name())
}

/// The build the run belongs to, when the CI said (a number).
fn build_id(ctx: &RunContext) -> Option<u64> {
    ctx.build_id.as_deref()?.trim().parse().ok()
}

/// Whether a request that failed with `e` may have been carried out (a
/// lost answer, a server error, the deadline).
fn unknown_outcome(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout)
}

/// Whether `token` has the shape of a JWT (the job's OAuth token).
fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && token.starts_with("eyJ")
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

/// Azure's answer to a bad PAT: 203 with its HTML sign-in page.
fn check_signed_in(method: &str, resp: &Response) -> Result<()> {
    let html = resp
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"));
    if resp.status == 203 || html {
        return Err(Error::new(
            ErrorKind::Authentication,
            format!(
                "{method}: Azure DevOps answered HTTP {} with a sign-in page: the token was not \
                 accepted. {SCOPES}",
                resp.status
            ),
        ));
    }
    Ok(())
}

/// A 401 or 403 names the scopes that are needed.
fn explain_refused(e: Error) -> Error {
    match e.kind() {
        ErrorKind::Authentication | ErrorKind::Permission => {
            Error::new(e.kind(), format!("{e}. {SCOPES}"))
        }
        _ => e,
    }
}

fn id_of(v: &Value) -> Result<u64> {
    v["id"]
        .as_u64()
        .ok_or_else(|| Error::new(ErrorKind::Parse, "Azure DevOps answered without an `id`"))
}

/// Azure's outcome for a case.
fn outcome(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Passed | CaseStatus::Flaky => "Passed",
        CaseStatus::Failed => "Failed",
        CaseStatus::Error => "Error",
        CaseStatus::Skipped => "NotExecuted",
    }
}

/// One result of `POST …/results`.
fn result_json(case: &TestCase) -> Value {
    let mut r = json!({
        "testCaseTitle": case.name,
        "automatedTestName": case.full_name(),
        "automatedTestStorage": case.suite,
        "automatedTestType": "testrelay",
        "outcome": outcome(case.status),
        "state": "Completed",
        "durationInMs": (case.duration_seconds.max(0.0) * 1000.0).round(),
    });
    if let Some(message) = &case.message {
        r["errorMessage"] = json!(crate::text::head_chars(message, ERROR_MESSAGE_MAX_CHARS));
    }
    if let Some(details) = &case.details {
        r["stackTrace"] = json!(details);
    }
    if case.status == CaseStatus::Flaky {
        let failed: Vec<String> = case
            .attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.status.is_failure())
            .map(|(i, a)| {
                format!(
                    "attempt {}: {}{}",
                    i + 1,
                    a.status.as_str(),
                    a.message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        r["comment"] = json!(crate::text::head_chars(
            &format!(
                "flaky: passed after {} failed attempt(s)\n{}",
                failed.len(),
                failed.join("\n")
            ),
            ERROR_MESSAGE_MAX_CHARS
        ));
    }
    r
}

/// Azure's PR/commit status state for a build state.
fn status_state(state: BuildState) -> &'static str {
    match state {
        BuildState::Pending => "pending",
        BuildState::Success => "succeeded",
        BuildState::Failure => "failed",
        BuildState::Error => "error",
    }
}

/// A logging-command property value, escaped as the agent expects.
fn vso_property(value: &str) -> String {
    vso_data(value).replace(';', "%3B").replace(']', "%5D")
}

/// A logging-command message, escaped as the agent expects. A `##vso[` or
/// `##[` inside it becomes `##vso\\[` / `##\\[` (as the CLI's terminal
/// text does), so that it cannot be read as a command of its own.
fn vso_data(value: &str) -> String {
    value
        .replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace("##vso[", "##vso\\[")
        .replace("##[", "##\\[")
}

/// `task.logissue` lines for the first failures.
fn log_issues(run: &TestRun) -> Vec<String> {
    run.failures()
        .take(LOG_ISSUES)
        .map(|case| {
            let mut props = vec!["type=error".to_string()];
            if let Some(file) = &case.file {
                props.push(format!("sourcepath={}", vso_property(file)));
                if let Some(line) = case.line {
                    props.push(format!("linenumber={line}"));
                }
            }
            let message = format!(
                "{}: {}",
                case.full_name(),
                case.message.as_deref().unwrap_or("failed")
            );
            format!(
                "##vso[task.logissue {};]{}",
                props.join(";"),
                vso_data(&message)
            )
        })
        .collect()
}

/// Every logging command for the end of `run`; `summary_file` for
/// `task.uploadsummary`.
pub(crate) fn logging_commands(
    run: &TestRun,
    summary_file: Option<&Path>,
    complete: bool,
) -> Vec<String> {
    let mut lines = log_issues(run);
    if let Some(file) = summary_file {
        lines.push(format!(
            "##vso[task.uploadsummary]{}",
            vso_data(&file.display().to_string())
        ));
    }
    let failed = run.counts().final_status() != RunStatus::Passed;
    if complete && failed {
        lines.push(format!(
            "##vso[task.complete result=SucceededWithIssues;]{}",
            vso_data("testrelay: some tests failed")
        ));
    }
    lines
}

impl CiProvider for AzureProvider {
    fn name(&self) -> &str {
        "azure"
    }

    fn code_host(&self) -> Option<&dyn CodeHost> {
        self.host_role.then_some(self as &dyn CodeHost)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: true,
            build_status: self.host_role,
            pr_comments: self.host_role,
            artifacts: true,
            annotations: self.logging_commands,
            local_files: false,
            attach_reports: true,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        let handle = |run: &Value| -> Result<RunHandle> {
            Ok(RunHandle {
                external_id: id_of(run)?.to_string(),
                url: run["webAccessUrl"].as_str().map(String::from),
            })
        };
        if let Some(existing) = self.find_run(ctx, true)? {
            return handle(&existing);
        }
        let mut body = json!({
            "name": ctx.name,
            "automated": true,
            "state": "InProgress",
        });
        if let Some(build) = build_id(ctx) {
            body["build"] = json!({ "id": build.to_string() });
        }
        let path = self.url("test/runs");
        let run = match self.send_once("POST", &path, Body::Json(&body)) {
            Ok(resp) => resp.json()?,
            Err(e) if e.kind() == ErrorKind::RateLimited => {
                self.send("POST", &path, Body::Json(&body))?.json()?
            }
            // The answer is unknown: the run may exist. Find it before
            // making one.
            Err(e) if unknown_outcome(&e) => match self.find_run(ctx, true)? {
                Some(existing) => return handle(&existing),
                None => self.send("POST", &path, Body::Json(&body))?.json()?,
            },
            Err(e) => return Err(e),
        };
        let created = handle(&run)?;
        self.lock()
            .insert(created.external_id.clone(), HashSet::new());
        Ok(created)
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
    ) -> Result<()> {
        self.post_new_results(&handle.external_id, update.run)
    }

    fn close(&self, _ctx: &RunContext, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        self.post_new_results(&handle.external_id, update.run)?;
        let mut body = json!({
            "state": "Completed",
            "comment": crate::text::head_chars(update.description, 1000),
        });
        if matches!(
            update.run.status,
            RunStatus::Error | RunStatus::Cancelled | RunStatus::TimedOut
        ) {
            body["errorMessage"] =
                json!(format!("testrelay: the run {}", update.run.status.as_str()));
        }
        self.send(
            "PATCH",
            &self.url(&self.run_path(&handle.external_id)),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        use base64::Engine;
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io("reading the artifact", path, e))?
            .len();
        if size > ATTACHMENT_MAX_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "`{name}` is {size} bytes, over the {} MiB testrelay attaches to an Azure \
                     test run; nothing was uploaded (publish it with the pipeline's \
                     PublishPipelineArtifact task instead)",
                    ATTACHMENT_MAX_BYTES / (1024 * 1024)
                ),
            ));
        }
        let id = self.run_id_for(ctx, handle)?;
        // A retried upload (a lost answer, a replayed outbox entry) finds
        // the attachment it made.
        if let Some(existing) = self.attachments(&id)?.into_iter().find(|a| {
            a["fileName"].as_str() == Some(name) && a["size"].as_u64().is_none_or(|s| s == size)
        }) {
            return Ok(ArtifactRef {
                name: name.to_string(),
                url: existing["url"].as_str().unwrap_or_default().to_string(),
                size,
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io("reading the artifact", path, e))?;
        let body = json!({
            "stream": base64::engine::general_purpose::STANDARD.encode(bytes),
            "fileName": name,
            "comment": "testrelay",
            "attachmentType": "GeneralAttachment",
        });
        let resp = self.send(
            "POST",
            &self.url(&format!("test/Runs/{}/attachments", url_encode(&id))),
            Body::Json(&body),
        )?;
        let attached = resp.json()?;
        Ok(ArtifactRef {
            name: name.to_string(),
            url: attached["url"].as_str().unwrap_or_default().to_string(),
            size,
        })
    }

    /// The run's attachment called `name` (`GET …/attachments/{id}`, its
    /// content).
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let run = self.run_id_for(ctx, None)?;
        let attachment = self
            .attachments(&run)?
            .into_iter()
            .find(|a| a["fileName"].as_str() == Some(name))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("Azure test run {run} has no attachment `{name}`"),
                )
            })?;
        let id = id_of(&attachment)?;
        let download = self
            .http
            .with_header_replaced("accept", "application/octet-stream")
            .download(
                &self.url(&format!("test/Runs/{}/attachments/{id}", url_encode(&run))),
                sink,
            )
            .map_err(explain_refused)?;
        // A sign-in page instead of the file: what went into `sink` is
        // discarded with this error.
        let head = Response {
            status: download.status,
            headers: download.headers,
            body: Vec::new(),
        };
        check_signed_in("GET", &head)?;
        Ok(download.bytes)
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let id = match self.run_id_for(ctx, handle) {
            Err(e) if e.kind() == ErrorKind::Connection => {
                return Err(Error::new(ErrorKind::NotFound, e.message().to_string()));
            }
            other => other?,
        };
        self.attachments(&id)?
            .into_iter()
            .find(|a| a["fileName"].as_str() == Some(name))
            .and_then(|a| a["url"].as_str().map(String::from))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("Azure test run {id} has no attachment `{name}`"),
                )
            })
    }

    fn get_test_run_status(&self, _ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let run = self
            .send(
                "GET",
                &self.url(&self.run_path(&handle.external_id)),
                Body::Empty,
            )?
            .json()?;
        let status = match run["state"].as_str() {
            Some("Completed") => {
                if run["unanalyzedTests"].as_u64().unwrap_or(0) > 0 {
                    RunStatus::Failed
                } else {
                    RunStatus::Passed
                }
            }
            Some("Aborted") => RunStatus::Cancelled,
            Some("NotStarted" | "Waiting" | "Unspecified") => RunStatus::Pending,
            _ => RunStatus::Running,
        };
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status,
            ..TestRun::default()
        }
        .result();
        for key in ["totalTests", "passedTests", "unanalyzedTests"] {
            if let Some(n) = run[key].as_u64() {
                result.metadata.insert(key.into(), json!(n));
            }
        }
        Ok(result)
    }

    fn publish_summary(&self, update: &RunUpdate<'_>) -> Result<bool> {
        if !self.logging_commands {
            return Ok(false);
        }
        let file = self.write_summary(update.summary_markdown)?;
        for line in logging_commands(update.run, Some(&file), self.complete_task) {
            println!("{line}");
        }
        Ok(true)
    }
}

impl CodeHost for AzureProvider {
    fn host_name(&self) -> &str {
        "azure"
    }

    fn status_context(&self) -> &str {
        &self.context
    }

    fn set_build_status(
        &self,
        ctx: &RunContext,
        state: BuildState,
        description: &str,
    ) -> Result<()> {
        let repo = self.repository()?;
        let path = match (ctx.pr_number, ctx.commit_sha.as_deref()) {
            (Some(pr), _) => format!("git/repositories/{repo}/pullRequests/{pr}/statuses"),
            (None, Some(sha)) => {
                format!(
                    "git/repositories/{repo}/commits/{}/statuses",
                    url_encode(sha)
                )
            }
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Configuration,
                    "Azure Repos needs a pull request or the head commit for a status",
                ));
            }
        };
        let mut body = json!({
            "state": status_state(state),
            "description": crate::text::head_chars(description, STATUS_DESCRIPTION_MAX_CHARS),
            "context": { "name": self.context, "genre": STATUS_GENRE },
        });
        if let Some(url) = &ctx.build_url {
            body["targetUrl"] = json!(url);
        }
        self.send("POST", &self.url(&path), Body::Json(&body))?;
        Ok(())
    }

    fn list_comments(&self, ctx: &RunContext) -> Result<Vec<HostComment>> {
        let path = self.threads_path(ctx)?;
        let threads = self.pages(&self.url(&path))?;
        let mut comments = Vec::new();
        for thread in &threads {
            let thread_id = id_of(thread)?;
            for c in thread["comments"].as_array().into_iter().flatten() {
                if c["isDeleted"].as_bool().unwrap_or(false)
                    || c["commentType"].as_str() == Some("system")
                {
                    continue;
                }
                comments.push(HostComment {
                    id: format!("{thread_id}/{}", id_of(c)?),
                    body: c["content"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(comments)
    }

    fn create_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef> {
        let path = self.threads_path(ctx)?;
        let thread = json!({
            "comments": [{
                "parentCommentId": 0,
                "content": crate::text::head_chars(body, COMMENT_MAX_CHARS),
                "commentType": "text",
            }],
            "status": "active",
        });
        let made = self
            .send("POST", &self.url(&path), Body::Json(&thread))?
            .json()?;
        let comment = id_of(&made["comments"][0]).unwrap_or(1);
        Ok(CommentRef {
            id: format!("{}/{comment}", id_of(&made)?),
            url: None,
            updated: false,
        })
    }

    fn update_comment(&self, ctx: &RunContext, id: &str, body: &str) -> Result<CommentRef> {
        let path = self.threads_path(ctx)?;
        let (thread, comment) = id.split_once('/').ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("`{id}` is not an Azure thread/comment id"),
            )
        })?;
        let patch = json!({ "content": crate::text::head_chars(body, COMMENT_MAX_CHARS) });
        self.send(
            "PATCH",
            &self.url(&format!(
                "{path}/{}/comments/{}",
                url_encode(thread),
                url_encode(comment)
            )),
            Body::Json(&patch),
        )?;
        Ok(CommentRef {
            id: id.to_string(),
            url: None,
            updated: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attempt;

    #[test]
    fn outcomes_and_states() {
        assert_eq!(outcome(CaseStatus::Passed), "Passed");
        assert_eq!(outcome(CaseStatus::Failed), "Failed");
        assert_eq!(outcome(CaseStatus::Error), "Error");
        assert_eq!(outcome(CaseStatus::Skipped), "NotExecuted");
        assert_eq!(outcome(CaseStatus::Flaky), "Passed");
        assert_eq!(status_state(BuildState::Success), "succeeded");
        assert_eq!(status_state(BuildState::Error), "error");
    }

    #[test]
    fn a_flaky_result_keeps_its_failed_attempts_in_the_comment() {
        let mut c = TestCase::new("s", "k", "t", CaseStatus::Flaky);
        c.attempts.push(Attempt {
            status: CaseStatus::Failed,
            duration_seconds: 1.0,
            message: Some("boom".into()),
            details: None,
            stdout: None,
            stderr: None,
        });
        c.duration_seconds = 0.25;
        let r = result_json(&c);
        assert_eq!(r["outcome"], "Passed");
        assert_eq!(r["durationInMs"], 250.0);
        let comment = r["comment"].as_str().unwrap();
        assert!(comment.contains("1 failed attempt"), "{comment}");
        assert!(comment.contains("attempt 1: failed: boom"), "{comment}");
    }

    #[test]
    fn jwt_tokens_are_recognised() {
        assert!(looks_like_jwt("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"));
        assert!(!looks_like_jwt(
            "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst"
        ));
        assert!(!looks_like_jwt("eyJ.only-two"));
    }

    #[test]
    fn logging_commands_cannot_be_injected() {
        let mut run = TestRun::default();
        let mut c = TestCase::new("s", "k", "t]x;y", CaseStatus::Failed);
        c.file = Some("src/a;b].rs".into());
        c.line = Some(7);
        c.message =
            Some("100% bad]\r\n##vso[task.complete result=Failed;]pwned ##[error]x ;]".into());
        run.cases.push(c);
        let lines = logging_commands(&run, Some(Path::new("/o/sum;]\nx.md")), false);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let name = run.cases[0].full_name();
        assert_eq!(
            lines[0],
            format!(
                "##vso[task.logissue type=error;sourcepath=src/a%3Bb%5D.rs;linenumber=7;]{name}: \
                 100%AZP25 bad]%0D%0A##vso\\[task.complete result=Failed;]pwned \
                 ##\\[error]x ;]"
            )
        );
        for line in &lines {
            assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
            assert_eq!(line.matches("##vso[").count(), 1, "{line}");
            assert!(line.starts_with("##vso["), "{line}");
            assert!(!line.contains("##["), "{line}");
        }
        assert_eq!(lines[1], "##vso[task.uploadsummary]/o/sum;]%0Ax.md");
        // The step is completed only when asked, and only after failures.
        let asked = logging_commands(&run, None, true);
        assert_eq!(
            asked.last().unwrap(),
            "##vso[task.complete result=SucceededWithIssues;]testrelay: some tests failed"
        );
        run.cases[0].status = CaseStatus::Passed;
        assert!(logging_commands(&run, None, true).is_empty());
    }
}
