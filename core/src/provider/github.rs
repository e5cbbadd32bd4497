//! GitHub: a test run is a check run; the build status is a commit status;
//! the PR comment is an issue comment found by its hidden marker and
//! updated in place. Paths, payloads and status words only: HTTP, retries
//! and redaction are in [`crate::http`], text in [`crate::report::markdown`].
//!
//! Needs `repository` (`owner/name`), a token (`api_token`, or `GITHUB_TOKEN`
//! inside Actions) and the head commit. The base URL is `api_url`
//! (`GITHUB_API_URL` inside Actions, GitHub Enterprise Server, or the
//! simulator in tests), `https://api.github.com` by default.
//!
//! At the end of a run it also appends the summary to the job summary file
//! (`job_summary_path`, `GITHUB_STEP_SUMMARY` inside Actions) and prints
//! `::error` workflow commands for the first 10 failures with a file
//! (`workflow_commands`, on inside Actions). Both need no token, so they
//! still work when the check run is refused (403: a fork PR's read-only
//! token or a personal token); the receipt then says how to grant access.
//!
//! Artifacts are release assets: the run's prerelease, tagged `release_tag`
//! (`testrelay-<run key>` by default) on the head commit, is found by tag or
//! created, and each file is streamed to the release's `upload_url` (on
//! `uploads.github.com`, or `<host>/api/uploads` on GHES) as
//! `application/octet-stream`. This needs `contents: write`. A file of 2 GiB or more is refused
//! before anything is sent. An upload whose name already exists in the
//! release (a retry after a lost response, or a replayed outbox entry)
//! returns the existing asset when it has the same size and digest. Names
//! are made what GitHub would rename them to ([`asset_name`]) before the
//! upload, so that such a retry finds the asset.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    ProviderSpec, RunContext, RunHandle, RunUpdate, Setup, TokenVariable, endpoint,
};
use crate::config::{AuthScheme, Config};
use crate::detect::{CiSystem, CodeHostKind, Detection, Env};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, url_encode};
use crate::model::{RunStatus, TestRun, TestRunResult};

/// GitHub's limit on a check run's `output.summary`, in characters.
const SUMMARY_MAX_CHARS: usize = 65_535;
/// GitHub's limit on annotations per request.
const ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub's limit on a commit status description, in characters.
const STATUS_DESCRIPTION_MAX_CHARS: usize = 140;
/// GitHub shows at most 10 error annotations from workflow commands per step.
const WORKFLOW_ERRORS_SHOWN: usize = 10;
/// GitHub's limit on one step's job summary, in bytes.
const JOB_SUMMARY_MAX_BYTES: u64 = 1024 * 1024;
/// GitHub's limit on a release asset: each file must be under 2 GiB.
const RELEASE_ASSET_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The `Accept` header of every request.
const GITHUB_ACCEPT: &str = "application/vnd.github+json, application/json";

/// The GitHub provider. Thread-safe.
#[derive(Debug)]
pub struct GithubProvider {
    http: HttpClient,
    repo: String,
    check_name: String,
    context: String,
    job_summary: Option<std::path::PathBuf>,
    workflow_commands: bool,
    release_tag: Option<String>,
    /// The release each check run's artifacts go to, learned by
    /// `create_test_run` (keyed by check-run id), so uploads need no lookup.
    targets: Mutex<HashMap<String, ReleaseTarget>>,
}

/// Where a run's artifacts go: the release tag and the commit it is made on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReleaseTarget {
    run_key: String,
    tag: String,
    sha: String,
}

/// Where GitHub users keep a token (after the explicit settings).
const TOKEN_VARIABLES: &[TokenVariable] = &[
    TokenVariable::access("GITHUB_TOKEN"),
    TokenVariable::access("GH_TOKEN"),
];

/// GitHub in the registry: GitHub Actions' provider and the GitHub code
/// host. Token: `GITHUB_TOKEN`, then `GH_TOKEN` (after the explicit
/// settings); API: `GITHUB_API_URL` inside Actions, else `api.github.com`.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "github",
        ci: Some(CiSystem::GithubActions),
        code_host: Some(CodeHostKind::Github),
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some("https://api.github.com"),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(GithubProvider::from_setup(setup)?))
        }),
        build_host: Some(|setup| Ok(Box::new(GithubProvider::from_setup(setup)?))),
    }
}

impl GithubProvider {
    /// Builds the provider from the configuration alone: its explicit API
    /// URL and token (`providers.github`, or the flat `api_url` and
    /// `api_token`), else `https://api.github.com`.
    ///
    /// Errors: `Configuration` when `repository` or the token is missing.
    pub fn new(config: &Config) -> Result<GithubProvider> {
        let (env, detection) = (Env::new(), Detection::none());
        let endpoint = endpoint::resolve(&spec(), config, true, &env, &detection)?;
        GithubProvider::from_setup(&Setup {
            config,
            endpoint: &endpoint,
            env: &env,
            detection: &detection,
            repository: config.repository.as_deref(),
        })
    }

    /// Builds the provider for a run (see [`Setup`]). Inside GitHub Actions
    /// the job summary (`GITHUB_STEP_SUMMARY`) and workflow commands are on
    /// unless the configuration says otherwise.
    ///
    /// Errors: `Configuration` when the repository or the token is missing.
    pub fn from_setup(setup: &Setup<'_>) -> Result<GithubProvider> {
        let config = setup.config;
        let inside = setup.inside(CiSystem::GithubActions);
        let repo = setup
            .repository
            .map(str::to_string)
            .filter(|r| r.split('/').count() == 2 && !r.starts_with('/') && !r.ends_with('/'))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the github provider needs `repository` as owner/name \
                     (GITHUB_REPOSITORY inside Actions)",
                )
            })?;
        let token = setup
            .endpoint
            .credential
            .as_ref()
            .map(|c| c.secret.clone())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the github provider needs a token: set `api_token` (or \
                     providers.github.token), or GITHUB_TOKEN (map it from \
                     secrets.GITHUB_TOKEN inside Actions)",
                )
            })?;
        let base = setup.endpoint.api_url.as_str();
        let auth = match setup.endpoint.auth_scheme {
            AuthScheme::Bearer => Auth::Bearer(token),
            AuthScheme::Token => Auth::Token(token),
        };
        let http = HttpClient::new(base, auth, config)?
            // GitHub's JSON media type, and plain JSON for servers that only
            // know that one (GitHub's published OpenAPI description, served
            // by the contract tests' Prism, answers 406 to the first alone).
            .with_header("accept", GITHUB_ACCEPT)
            .with_header("x-github-api-version", "2022-11-28");
        Ok(GithubProvider {
            http,
            repo,
            check_name: config.run_name.clone(),
            context: config.status_context.clone(),
            job_summary: config.job_summary_path.clone().or_else(|| {
                inside
                    .then(|| setup.env.get("GITHUB_STEP_SUMMARY").map(Into::into))
                    .flatten()
            }),
            workflow_commands: config.workflow_commands.unwrap_or(inside),
            release_tag: config.release_tag.clone().filter(|t| !t.trim().is_empty()),
            targets: Mutex::new(HashMap::new()),
        })
    }

    /// The release target of the run `run_key` on commit `sha`.
    fn target(&self, run_key: &str, sha: &str) -> ReleaseTarget {
        ReleaseTarget {
            run_key: run_key.to_string(),
            tag: self
                .release_tag
                .clone()
                .unwrap_or_else(|| format!("testrelay-{}", tag_safe(run_key))),
            sha: sha.to_string(),
        }
    }

    /// The release target of the check run `handle`: remembered from
    /// `create_test_run`, else read from the check run (its external id is
    /// the run key).
    fn target_of(&self, handle: &RunHandle) -> Result<ReleaseTarget> {
        let known = self
            .targets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&handle.external_id)
            .cloned();
        if let Some(target) = known {
            return Ok(target);
        }
        let run = self.check_run(handle)?;
        match (run["external_id"].as_str(), run["head_sha"].as_str()) {
            (Some(key), Some(sha)) if !key.is_empty() => Ok(self.target(key, sha)),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "check run {} has no external_id, so it is not a testrelay run and has no \
                     artifact release",
                    handle.external_id
                ),
            )),
        }
    }

    /// The release target of a run: from its check run when there is one,
    /// else from the run key and head commit of `ctx`.
    fn target_for(&self, ctx: &RunContext, handle: Option<&RunHandle>) -> Result<ReleaseTarget> {
        match handle {
            Some(handle) => self.target_of(handle),
            None => Ok(self.target(&ctx.run_key, self.head_sha(ctx)?)),
        }
    }

    /// The check run `handle` as GitHub returns it.
    fn check_run(&self, handle: &RunHandle) -> Result<Value> {
        let path = format!("/repos/{}/check-runs/{}", self.repo, handle.external_id);
        self.http.send("GET", &path, Body::Empty)?.json()
    }

    /// The release tagged `target.tag`; with `create`, a prerelease on the
    /// target's commit is created when there is none.
    ///
    /// Errors: `NotFound` without `create`; the HTTP layer's kinds.
    fn release(&self, target: &ReleaseTarget, create: bool) -> Result<Value> {
        let by_tag = format!(
            "/repos/{}/releases/tags/{}",
            self.repo,
            url_encode(&target.tag)
        );
        match self.http.send("GET", &by_tag, Body::Empty) {
            Ok(resp) => return resp.json(),
            Err(e) if e.kind() == ErrorKind::NotFound && create => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "no release tagged `{}` in {}: no artifact was uploaded for run {}",
                        target.tag, self.repo, target.run_key
                    ),
                ));
            }
            Err(e) => return Err(e),
        }
        let body = json!({
            "tag_name": target.tag,
            "target_commitish": target.sha,
            "name": format!("{}: {}", self.check_name, target.run_key),
            "body": format!(
                "Artifacts of the testrelay run `{}` on {}.",
                target.run_key, target.sha
            ),
            "draft": false,
            "prerelease": true,
        });
        match self.http.send(
            "POST",
            &format!("/repos/{}/releases", self.repo),
            Body::Json(&body),
        ) {
            Ok(resp) => resp.json(),
            // 422: another process (a parallel shard) created it meanwhile.
            Err(e) if e.kind() == ErrorKind::InvalidArgument => self
                .http
                .send("GET", &by_tag, Body::Empty)
                .map_err(|_| e)?
                .json(),
            Err(e) => Err(explain_refused_release(e)),
        }
    }

    /// The release asset holding artifact `name` of the run.
    ///
    /// Errors: `NotFound` when the release has no such asset; the errors of
    /// [`GithubProvider::release`].
    fn existing_asset(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<Value> {
        let target = self.target_for(ctx, handle)?;
        let release = self.release(&target, false)?;
        let name = &asset_name(name);
        self.find_asset(&release, name)?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("release `{}` has no asset `{name}`", target.tag),
            )
        })
    }

    /// The asset called `name` in `release`, if any (every page of its list).
    fn find_asset(&self, release: &Value, name: &str) -> Result<Option<Value>> {
        let assets = self.http.get_all_pages(&format!(
            "/repos/{}/releases/{}/assets?per_page=100",
            self.repo,
            id_of(release)?
        ))?;
        Ok(assets
            .into_iter()
            .find(|a| a["name"].as_str() == Some(name)))
    }

    /// Appends the summary to the job summary file, within its 1 MiB
    /// limit. Returns whether it was appended.
    fn append_job_summary(&self, summary: &str) -> Result<bool> {
        use std::io::Write;
        let Some(path) = &self.job_summary else {
            return Ok(false);
        };
        let used = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if used + summary.len() as u64 + 1 > JOB_SUMMARY_MAX_BYTES {
            log::warn!("testrelay: the job summary is full (1 MiB); not appending");
            return Ok(false);
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io("opening the job summary", path, e))?;
        writeln!(file, "{summary}").map_err(|e| Error::io("writing the job summary", path, e))?;
        Ok(true)
    }

    fn head_sha<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.commit_sha.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "GitHub needs the head commit: set `commit_sha` (found automatically inside Actions)",
            )
        })
    }

    fn output(&self, update: &RunUpdate<'_>, annotations: &[Value]) -> Value {
        json!({
            "title": crate::text::head_chars(update.description, 1000),
            "summary": crate::text::head_chars(update.summary_markdown, SUMMARY_MAX_CHARS),
            "annotations": annotations,
        })
    }
}

/// A 403 on creating a check run says why and what to do: a fork PR's
/// read-only token or a personal token cannot create one.
fn explain_refused_check_run(e: Error) -> Error {
    if e.kind() != ErrorKind::Permission {
        return e;
    }
    Error::new(
        ErrorKind::Permission,
        format!(
            "{e}. GitHub refused the check run: a fork PR's read-only token or a personal \
             token cannot create one. The commit status, job summary and workflow commands \
             carry on; grant `checks: write` in the workflow's `permissions`, or use a \
             GitHub App token"
        ),
    )
}

/// A 403 on a release or an upload says which permission is missing.
fn explain_refused_release(e: Error) -> Error {
    if e.kind() != ErrorKind::Permission {
        return e;
    }
    Error::new(
        ErrorKind::Permission,
        format!(
            "{e}. Artifacts are release assets: grant `contents: write` in the workflow's \
             `permissions` (a fork PR's token cannot have it); the files stay in output_dir"
        ),
    )
}

/// `run_key` as a tag name: characters git refuses become `-`, and no
/// `..` remains.
fn tag_safe(run_key: &str) -> String {
    let mut out = String::with_capacity(run_key.len());
    for c in run_key.chars() {
        let keep = c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_')
            || (c == '.' && !out.ends_with('.'));
        out.push(if keep { c } else { '-' });
    }
    out.trim_end_matches('.').to_string()
}

/// `name` as GitHub keeps a release asset's name: GitHub renames files
/// with characters other than letters, digits, `-`, `_` and `.` (a space
/// or a parenthesis becomes `.`) or with a leading or trailing period, and
/// the asset is then found only under the new name. Renaming first, the
/// same way, lets a retry find what an earlier attempt uploaded.
fn asset_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '.',
        })
        .collect();
    match safe.trim_matches('.') {
        "" => "artifact".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// The upload URL for `name` from a release's `upload_url`, a URI template
/// like `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}`:
/// the form-style query expands to `?name=<name>` (no label).
///
/// Errors: `Parse` when the template is not an http(s) URL.
fn upload_url(template: &str, name: &str) -> Result<String> {
    let base = template.split('{').next().unwrap_or_default();
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(Error::new(
            ErrorKind::Parse,
            format!("GitHub answered with an upload_url that is not a URL: `{template}`"),
        ));
    }
    let joiner = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{joiner}name={}", url_encode(name)))
}

/// The artifact an asset JSON describes.
fn asset_ref(asset: &Value) -> Result<ArtifactRef> {
    match (
        asset["name"].as_str(),
        asset["browser_download_url"].as_str(),
        asset["size"].as_u64(),
    ) {
        (Some(name), Some(url), Some(size)) => Ok(ArtifactRef {
            name: name.to_string(),
            url: url.to_string(),
            size,
        }),
        _ => Err(Error::new(
            ErrorKind::Parse,
            "GitHub answered with a release asset without name, browser_download_url or size",
        )),
    }
}

/// Whether `asset` holds the content of `path`: fully uploaded, same size,
/// and the same SHA-256 when GitHub reports a `digest`.
fn same_content(asset: &Value, path: &Path) -> Result<bool> {
    let record = crate::fsutil::hash_file(path)?;
    let digest_matches = asset["digest"]
        .as_str()
        .is_none_or(|d| d.eq_ignore_ascii_case(&format!("sha256:{}", record.sha256)));
    Ok(asset["state"].as_str().is_none_or(|s| s == "uploaded")
        && asset["size"].as_u64() == Some(record.size)
        && digest_matches)
}

/// The check-run conclusion for a finished run.
fn conclusion(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Passed => "success",
        RunStatus::Failed | RunStatus::Error => "failure",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed_out",
        RunStatus::Pending | RunStatus::Running => "neutral",
    }
}

/// The commit-status state for a build state.
fn status_state(state: BuildState) -> &'static str {
    match state {
        BuildState::Pending => "pending",
        BuildState::Success => "success",
        BuildState::Failure => "failure",
        BuildState::Error => "error",
    }
}

/// One annotation per failed case that has a file (GitHub needs a path).
fn annotations(run: &TestRun) -> Vec<Value> {
    run.failures()
        .filter_map(|case| {
            let path = case.file.as_deref()?;
            let line = case.line.unwrap_or(1).max(1);
            Some(json!({
                "path": path,
                "start_line": line,
                "end_line": line,
                "annotation_level": "failure",
                "title": crate::text::head_chars(&case.full_name(), 255),
                "message": crate::text::head_chars(case.message.as_deref().unwrap_or("failed"), 64 * 1024),
            }))
        })
        .collect()
}

/// `::error file=F,line=L,title=T::message` for the first failures that
/// have a file, escaped as the workflow-command syntax requires.
pub(crate) fn workflow_commands(run: &TestRun) -> Vec<String> {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    run.failures()
        .filter_map(|case| {
            let file = case.file.as_deref()?;
            let line = case.line.unwrap_or(1).max(1);
            Some(format!(
                "::error file={},line={line},title={}::{}",
                prop(file),
                prop(&case.full_name()),
                data(case.message.as_deref().unwrap_or("failed"))
            ))
        })
        .take(WORKFLOW_ERRORS_SHOWN)
        .collect()
}

fn id_of(v: &Value) -> Result<u64> {
    v["id"].as_u64().ok_or_else(|| {
        Error::new(
            ErrorKind::Parse,
            "GitHub answered without an `id`".to_string(),
        )
    })
}

impl CiProvider for GithubProvider {
    fn name(&self) -> &str {
        "github"
    }

    fn code_host(&self) -> Option<&dyn CodeHost> {
        Some(self)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: true,
            build_status: true,
            pr_comments: true,
            artifacts: true,
            annotations: true,
            local_files: false,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        let sha = self.head_sha(ctx)?;
        // A retried create finds the run it made: same name, same external id.
        let existing = self.http.send(
            "GET",
            &format!(
                "/repos/{}/commits/{sha}/check-runs?check_name={}&filter=all",
                self.repo,
                url_encode(&self.check_name)
            ),
            Body::Empty,
        )?;
        let found = existing.json()?["check_runs"].as_array().and_then(|runs| {
            runs.iter()
                .find(|r| r["external_id"].as_str() == Some(ctx.run_key.as_str()))
                .cloned()
        });
        let run = match found {
            Some(run) => run,
            None => {
                let mut body = json!({
                    "name": self.check_name,
                    "head_sha": sha,
                    "status": "in_progress",
                    "started_at": crate::time::now_rfc3339(),
                    "external_id": ctx.run_key,
                });
                if let Some(url) = &ctx.build_url {
                    body["details_url"] = json!(url);
                }
                self.http
                    .send(
                        "POST",
                        &format!("/repos/{}/check-runs", self.repo),
                        Body::Json(&body),
                    )
                    .map_err(explain_refused_check_run)?
                    .json()?
            }
        };
        let handle = RunHandle {
            external_id: id_of(&run)?.to_string(),
            url: run["html_url"].as_str().map(String::from),
        };
        self.targets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(handle.external_id.clone(), self.target(&ctx.run_key, sha));
        Ok(handle)
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
    ) -> Result<()> {
        let body = json!({ "status": "in_progress", "output": self.output(update, &[]) });
        self.http.send(
            "PATCH",
            &format!("/repos/{}/check-runs/{}", self.repo, handle.external_id),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn close(&self, _ctx: &RunContext, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let all = annotations(update.run);
        let mut batches = all.chunks(ANNOTATIONS_PER_REQUEST);
        let path = format!("/repos/{}/check-runs/{}", self.repo, handle.external_id);
        let body = json!({
            "status": "completed",
            "conclusion": conclusion(update.run.status),
            "completed_at": crate::time::now_rfc3339(),
            "output": self.output(update, batches.next().unwrap_or(&[])),
        });
        self.http.send("PATCH", &path, Body::Json(&body))?;
        for batch in batches {
            let body = json!({ "output": self.output(update, batch) });
            self.http.send("PATCH", &path, Body::Json(&body))?;
        }
        Ok(())
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io("reading the artifact", path, e))?
            .len();
        if size >= RELEASE_ASSET_MAX_BYTES {
            return Err(Error::invalid(format!(
                "artifact {} is {size} bytes; GitHub release assets must be under 2 GiB \
                 ({RELEASE_ASSET_MAX_BYTES} bytes): compress or split it (it stays in place)",
                path.display()
            )));
        }
        let target = self.target_for(ctx, handle)?;
        let release = self.release(&target, true)?;
        let template = release["upload_url"].as_str().ok_or_else(|| {
            Error::new(
                ErrorKind::Parse,
                format!(
                    "GitHub answered release `{}` without an upload_url",
                    target.tag
                ),
            )
        })?;
        let name = &asset_name(name);
        let url = upload_url(template, name)?;
        // GitHub's published description accepts only this type for the
        // upload body (its docs show the file's own type; downloads are
        // served as attachments either way). The real type is in the history.
        let body = Body::File(path, "application/octet-stream");
        match self.http.send("POST", &url, body) {
            Ok(resp) => asset_ref(&resp.json()?),
            // 422 `already_exists`: an earlier attempt got through (its
            // answer was lost) or an earlier process uploaded it.
            Err(e) if e.kind() == ErrorKind::InvalidArgument => {
                match self.find_asset(&release, name)? {
                    Some(asset) if same_content(&asset, path)? => asset_ref(&asset),
                    Some(_) => Err(Error::invalid(format!(
                        "release `{}` already has an asset `{name}` with other content than {}; \
                         delete that asset or attach the file under another name",
                        target.tag,
                        path.display()
                    ))),
                    None => Err(e),
                }
            }
            Err(e) => Err(explain_refused_release(e)),
        }
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let asset = self.existing_asset(ctx, handle, name)?;
        Ok(asset_ref(&asset)?.url)
    }

    /// The release asset's bytes (`GET …/releases/assets/{id}` with
    /// `accept: application/octet-stream`), streamed.
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let asset = self.existing_asset(ctx, None, name)?;
        let id = asset["id"].as_u64().ok_or_else(|| {
            Error::new(
                ErrorKind::Parse,
                "GitHub answered with a release asset without id",
            )
        })?;
        let download = self
            .http
            .with_header_replaced("accept", "application/octet-stream")
            .download(&format!("/repos/{}/releases/assets/{id}", self.repo), sink)?;
        Ok(download.bytes)
    }

    fn publish_summary(&self, update: &RunUpdate<'_>) -> Result<bool> {
        let mut published = self.append_job_summary(update.summary_markdown)?;
        if self.workflow_commands {
            for line in workflow_commands(update.run) {
                println!("{line}");
                published = true;
            }
        }
        Ok(published)
    }

    fn get_test_run_status(&self, _ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let run = self.check_run(handle)?;
        let status = match (run["status"].as_str(), run["conclusion"].as_str()) {
            (Some("completed"), Some("success")) => RunStatus::Passed,
            (Some("completed"), Some("cancelled")) => RunStatus::Cancelled,
            (Some("completed"), Some("timed_out")) => RunStatus::TimedOut,
            (Some("completed"), _) => RunStatus::Failed,
            (Some("queued"), _) => RunStatus::Pending,
            _ => RunStatus::Running,
        };
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status,
            ..TestRun::default()
        }
        .result();
        if let Some(title) = run["output"]["title"].as_str() {
            result.metadata.insert("title".into(), json!(title));
        }
        Ok(result)
    }
}

impl CodeHost for GithubProvider {
    fn host_name(&self) -> &str {
        "github"
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
        let sha = self.head_sha(ctx)?;
        let mut body = json!({
            "state": status_state(state),
            "description": crate::text::head_chars(description, STATUS_DESCRIPTION_MAX_CHARS),
            "context": self.context,
        });
        if let Some(url) = &ctx.build_url {
            body["target_url"] = json!(url);
        }
        self.http.send(
            "POST",
            &format!("/repos/{}/statuses/{sha}", self.repo),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn list_comments(&self, ctx: &RunContext) -> Result<Vec<HostComment>> {
        let number = pr_number(ctx)?;
        let comments = self.http.get_all_pages(&format!(
            "/repos/{}/issues/{number}/comments?per_page=100",
            self.repo
        ))?;
        comments
            .iter()
            .map(|c| {
                Ok(HostComment {
                    id: id_of(c)?.to_string(),
                    body: c["body"].as_str().unwrap_or_default().to_string(),
                })
            })
            .collect()
    }

    fn create_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef> {
        let number = pr_number(ctx)?;
        let resp = self.http.send(
            "POST",
            &format!("/repos/{}/issues/{number}/comments", self.repo),
            Body::Json(&json!({ "body": body })),
        )?;
        comment_ref(&resp.json()?, false)
    }

    fn update_comment(&self, _ctx: &RunContext, id: &str, body: &str) -> Result<CommentRef> {
        let resp = self.http.send(
            "PATCH",
            &format!("/repos/{}/issues/comments/{id}", self.repo),
            Body::Json(&json!({ "body": body })),
        )?;
        comment_ref(&resp.json()?, true)
    }
}

/// The run's pull request number. Errors: `Unsupported` without one.
fn pr_number(ctx: &RunContext) -> Result<u64> {
    ctx.pr_number
        .ok_or_else(|| Error::unsupported("no pull request for this run, so no PR comment"))
}

/// The comment a GitHub comment JSON describes.
fn comment_ref(c: &Value, updated: bool) -> Result<CommentRef> {
    Ok(CommentRef {
        id: id_of(c)?.to_string(),
        url: c["html_url"].as_str().map(String::from),
        updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_tables() {
        assert_eq!(conclusion(RunStatus::Passed), "success");
        assert_eq!(conclusion(RunStatus::Error), "failure");
        assert_eq!(conclusion(RunStatus::TimedOut), "timed_out");
        assert_eq!(status_state(BuildState::Error), "error");
        assert_eq!(url_encode("unit tests/é"), "unit%20tests%2F%C3%A9");
        assert_eq!(crate::text::head_chars("héllo", 2), "hé");
        assert_eq!(tag_safe("unit tests-17:00..x."), "unit-tests-17-00.-x");
        assert_eq!(tag_safe("github-99-build-shard1"), "github-99-build-shard1");
        assert_eq!(asset_name("junit report (1).xml"), "junit.report..1..xml");
        assert_eq!(asset_name(".hidden~é.png."), "hidden...png");
        assert_eq!(asset_name("screenshot-01_a.png"), "screenshot-01_a.png");
        assert_eq!(asset_name("..."), "artifact");
    }

    #[test]
    fn upload_url_templates_expand() {
        assert_eq!(
            upload_url(
                "https://uploads.github.com/repos/o/r/releases/7/assets{?name,label}",
                "junit report.xml"
            )
            .unwrap(),
            "https://uploads.github.com/repos/o/r/releases/7/assets?name=junit%20report.xml"
        );
        assert_eq!(
            upload_url(
                "https://ghe.example/api/uploads/repos/o/r/releases/7/assets",
                "a.png"
            )
            .unwrap(),
            "https://ghe.example/api/uploads/repos/o/r/releases/7/assets?name=a.png"
        );
        let err = upload_url("{?name,label}", "a").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse);
    }

    #[test]
    fn workflow_commands_are_escaped_and_capped() {
        let mut run = TestRun::default();
        for i in 0..12 {
            let mut c = crate::model::TestCase::new(
                "s",
                "a,b",
                format!("t:{i}"),
                crate::CaseStatus::Failed,
            );
            c.file = Some("src/x.rs".into());
            c.line = Some(3);
            c.message = Some("100% wrong\nsecond line".into());
            run.cases.push(c);
        }
        let lines = workflow_commands(&run);
        assert_eq!(lines.len(), 10);
        assert_eq!(
            lines[0],
            "::error file=src/x.rs,line=3,title=a%2Cb.t%3A0::100%25 wrong%0Asecond line"
        );
    }

    #[test]
    fn configuration_is_checked() {
        let err = GithubProvider::new(&Config::default()).unwrap_err();
        assert!(err.to_string().contains("repository"));
        let err = GithubProvider::new(&Config {
            repository: Some("o/r".into()),
            ..Config::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("token"));
    }
}
