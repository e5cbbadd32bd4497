//! Bitbucket Cloud (REST API 2.0): Bitbucket Pipelines as the CI system and
//! Bitbucket as the code host. Paths, payloads and status words only: HTTP,
//! retries, pagination and redaction are in [`crate::http`], text in
//! [`crate::report::markdown`].
//!
//! | testrelay | Bitbucket |
//! |---|---|
//! | test run | a Code Insights report on the head commit (`PUT …/commit/{sha}/reports/{id}`, `report_type: TEST`), `PENDING` while running, `PASSED`/`FAILED` at the end, with up to 10 data fields (totals, duration, a link); its id is stable per status context and run name, so a rerun replaces it |
//! | live progress | the same report `PUT` again with the counts so far |
//! | failures | annotations on the report (`POST …/annotations`, ≤ 100 a request, ≤ 1,000 a report, summary ≤ 450 characters, file and line when known), each with an `external_id` stable per test, so a rerun replaces instead of adding |
//! | build status | `POST …/commit/{sha}/statuses/build`, key = the status context (≤ 40 characters; longer contexts keep a prefix and a hash), `INPROGRESS` then `SUCCESSFUL`/`FAILED` |
//! | PR comment | one comment on the pull request (`content.raw`), found by our marker across `next` pages and edited in place |
//! | artifacts | Downloads (`POST …/downloads`, multipart `files`) as `testrelay-<run key>-<name>`; found again by listing them, read back with `GET …/downloads/{name}` |
//!
//! Tokens: a repository, project or workspace access token (Bearer) in
//! `BITBUCKET_ACCESS_TOKEN`, or an app password in `BITBUCKET_APP_PASSWORD`
//! with its user in `BITBUCKET_USERNAME` (Basic); the seed's `BB_ACCESS_TOKEN`,
//! `BB_APP_PASSWORD` and `BB_USERNAME` are read too. Without a token, inside
//! Bitbucket Pipelines (or wherever `providers.bitbucket.proxy` is set), the
//! Code Insights report and annotations go through Atlassian's
//! credential-free proxy (`http://localhost:29418`, to
//! `http://api.bitbucket.org/2.0`, which the proxy forwards with the
//! pipeline's own credentials: [`HttpClient::through_forward_proxy`]); the
//! build status, the PR comment and Downloads need a token and say so.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Value, json};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    ProviderSpec, RunContext, RunHandle, RunUpdate, Setup, TokenVariable,
};
use crate::detect::{CiSystem, CodeHostKind};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, Pagination, url_encode};
use crate::model::{RunStatus, TestCase, TestRun, TestRunResult};

/// The public API.
const API_URL: &str = "https://api.bitbucket.org/2.0";
/// The Pipelines proxy for Code Insights, used inside Pipelines without a
/// token.
pub const PIPELINES_PROXY: &str = "http://localhost:29418";
/// The API as the Pipelines proxy takes it: plain http, the proxy adds TLS
/// and credentials.
const PROXIED_API_URL: &str = "http://api.bitbucket.org/2.0";
/// Annotations a request, and a report.
const ANNOTATIONS_PER_REQUEST: usize = 100;
const ANNOTATIONS_PER_REPORT: usize = 1_000;
/// Characters of an annotation summary.
const ANNOTATION_SUMMARY_MAX_CHARS: usize = 450;
/// Characters of an annotation's details and a report's details.
const DETAILS_MAX_CHARS: usize = 2_000;
/// Characters of a build status key, and of its description.
const STATUS_KEY_MAX_CHARS: usize = 40;
const STATUS_DESCRIPTION_MAX_CHARS: usize = 255;
/// Bytes of a pull request comment testrelay posts.
pub const COMMENT_MAX_BYTES: usize = 32_768;
/// The largest file uploaded to Downloads (it is sent from memory).
pub const DOWNLOAD_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Where Bitbucket users keep a token (after the explicit settings).
const TOKEN_VARIABLES: &[TokenVariable] = &[
    TokenVariable::access("BITBUCKET_ACCESS_TOKEN"),
    TokenVariable::access("BITBUCKET_APP_PASSWORD"),
    TokenVariable::access("BB_ACCESS_TOKEN"),
    TokenVariable::access("BB_APP_PASSWORD"),
];
/// Where the app password's user is.
const USERNAME_VARIABLES: &[&str] = &["BITBUCKET_USERNAME", "BB_USERNAME"];

const TOKEN_FIX: &str = "set BITBUCKET_ACCESS_TOKEN to a repository access token with the \
    scopes repository:write and pullrequest:write (or an app password in \
    BITBUCKET_APP_PASSWORD with its user in BITBUCKET_USERNAME)";

/// Bitbucket in the registry: Bitbucket Pipelines' provider and the
/// Bitbucket Cloud code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "bitbucket",
        ci: Some(CiSystem::BitbucketPipelines),
        code_host: Some(CodeHostKind::Bitbucket),
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some(API_URL),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(BitbucketProvider::from_setup(setup)?))
        }),
        build_host: Some(|setup| Ok(Box::new(BitbucketProvider::from_setup(setup)?))),
    }
}

/// The Bitbucket provider. Thread-safe.
#[derive(Debug)]
pub struct BitbucketProvider {
    /// The API, with `NextInBody` pagination; `None` without a token (Code
    /// Insights through the Pipelines proxy only).
    http: Option<HttpClient>,
    /// The API for Code Insights (single requests).
    insights: HttpClient,
    /// `/repositories/{workspace}/{slug}`.
    repo_path: String,
    /// `workspace/slug`, for links.
    repository: String,
    context: String,
}

impl BitbucketProvider {
    /// Builds the provider for a run (see [`Setup`] and the module docs).
    ///
    /// Errors: `Configuration` when the repository is missing, or the token
    /// outside Bitbucket Pipelines.
    pub fn from_setup(setup: &Setup<'_>) -> Result<BitbucketProvider> {
        let repository = setup
            .repository
            .map(|r| r.trim().trim_matches('/').to_string())
            .filter(|r| r.split('/').count() == 2 && !r.contains("//"))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the bitbucket provider needs `repository` as workspace/repository \
                     (BITBUCKET_REPO_FULL_NAME inside Bitbucket Pipelines)",
                )
            })?;
        let (ws, slug) = repository.split_once('/').unwrap_or_default();
        let repo_path = format!("/repositories/{}/{}", url_encode(ws), url_encode(slug));
        let config = setup.config;
        let auth = setup.endpoint.credential.as_ref().map(|credential| {
            let username =
                super::endpoint::user("bitbucket", setup.config, setup.env, USERNAME_VARIABLES);
            match username {
                // An app password goes with its user; an access token never.
                Some(user) if !credential.source.contains("ACCESS_TOKEN") => {
                    Auth::Basic(user, credential.secret.clone())
                }
                _ => Auth::Bearer(credential.secret.clone()),
            }
        });
        let proxy = setup
            .config
            .providers
            .get("bitbucket")
            .and_then(|s| s.proxy.clone())
            .or_else(|| {
                setup
                    .inside(CiSystem::BitbucketPipelines)
                    .then(|| PIPELINES_PROXY.to_string())
            });
        let (http, insights) = match (auth, proxy) {
            (Some(auth), _) => (
                Some(
                    HttpClient::new(&setup.endpoint.api_url, auth.clone(), config)?
                        .with_pagination(Pagination::NextInBody),
                ),
                HttpClient::new(&setup.endpoint.api_url, auth, config)?,
            ),
            (None, Some(proxy)) => (
                None,
                HttpClient::through_forward_proxy(PROXIED_API_URL, &proxy, config)?,
            ),
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Configuration,
                    format!("the bitbucket provider needs a token: {TOKEN_FIX}"),
                ));
            }
        };
        Ok(BitbucketProvider {
            http,
            insights,
            repo_path,
            repository,
            context: config.status_context.clone(),
        })
    }

    fn head_sha<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.commit_sha.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "Bitbucket needs the head commit: set `commit_sha` (BITBUCKET_COMMIT inside \
                 Pipelines)",
            )
        })
    }

    /// The API client for everything but Code Insights.
    ///
    /// Errors: `Unsupported` without a token (through the Pipelines proxy
    /// only Code Insights is available).
    fn api(&self) -> Result<&HttpClient> {
        self.http.as_ref().ok_or_else(|| {
            Error::unsupported(format!(
                "without a token only the Code Insights report goes through Bitbucket \
                 Pipelines' proxy; build statuses, pull request comments and Downloads \
                 need one: {TOKEN_FIX}"
            ))
        })
    }

    /// The report's id: stable per status context and run name.
    fn report_id(&self, ctx: &RunContext) -> String {
        safe_id(&format!("{}-{}", self.context, ctx.name))
    }

    fn report_path(&self, ctx: &RunContext, id: &str) -> Result<String> {
        Ok(format!(
            "{}/commit/{}/reports/{}",
            self.repo_path,
            url_encode(self.head_sha(ctx)?),
            url_encode(id)
        ))
    }

    /// `PUT`s the report for `run` with `result`.
    fn put_report(&self, ctx: &RunContext, id: &str, run: &TestRun, result: &str) -> Result<()> {
        let counts = run.counts();
        let failed = counts.failed + counts.errors;
        let mut data = vec![
            json!({"title": "Total", "type": "NUMBER", "value": run.cases.len()}),
            json!({"title": "Passed", "type": "NUMBER", "value": counts.passed}),
            json!({"title": "Failed", "type": "NUMBER", "value": failed}),
            json!({"title": "Skipped", "type": "NUMBER", "value": counts.skipped}),
            json!({"title": "Flaky", "type": "NUMBER", "value": counts.flaky}),
            json!({"title": "Duration", "type": "DURATION",
                   "value": (run.duration_seconds.max(0.0) * 1000.0).round() as u64}),
        ];
        let mut body = json!({
            "title": crate::text::head_chars(&ctx.name, 450),
            "details": crate::text::head_chars(
                &format!(
                    "{} tests: {} passed, {failed} failed, {} skipped, {} flaky",
                    run.cases.len(),
                    counts.passed,
                    counts.skipped,
                    counts.flaky
                ),
                DETAILS_MAX_CHARS
            ),
            "report_type": "TEST",
            "reporter": "testrelay",
            "result": result,
        });
        if let Some(url) = &ctx.build_url {
            body["link"] = json!(url);
            data.push(json!({"title": "Full report", "type": "LINK",
                             "value": {"text": "build", "href": url}}));
        }
        data.truncate(10);
        body["data"] = Value::Array(data);
        self.insights
            .send("PUT", &self.report_path(ctx, id)?, Body::Json(&body))
            .map_err(explain_refused)?;
        Ok(())
    }

    /// Posts the failures as annotations, 100 a request, 1,000 at most.
    fn post_annotations(&self, ctx: &RunContext, id: &str, run: &TestRun) -> Result<()> {
        let path = format!("{}/annotations", self.report_path(ctx, id)?);
        let mut seen = HashSet::new();
        let annotations: Vec<Value> = run
            .failures()
            .filter(|c| seen.insert(annotation_id(id, c)))
            .take(ANNOTATIONS_PER_REPORT)
            .map(|c| annotation(id, c))
            .collect();
        for batch in annotations.chunks(ANNOTATIONS_PER_REQUEST) {
            self.insights
                .send("POST", &path, Body::Json(&Value::Array(batch.to_vec())))
                .map_err(explain_refused)?;
        }
        Ok(())
    }

    fn comments_path(&self, ctx: &RunContext) -> Result<String> {
        let pr = ctx.pr_number.ok_or_else(|| {
            Error::unsupported("no pull request for this run, so no pull request comment")
        })?;
        Ok(format!("{}/pullrequests/{pr}/comments", self.repo_path))
    }

    /// The Downloads name of `name` for this run.
    fn download_name(ctx: &RunContext, name: &str) -> String {
        file_safe(&format!("testrelay-{}-{name}", ctx.run_key))
    }

    fn download_url(&self, http: &HttpClient, file: &str) -> String {
        format!(
            "{}{}/downloads/{}",
            http.base_url(),
            self.repo_path,
            url_encode(file)
        )
    }
}

/// `text` in the characters Bitbucket takes in ids: letters, digits, `-`,
/// `_`, `.`; others become `-`.
fn safe_id(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A file name for Downloads.
fn file_safe(text: &str) -> String {
    let s = safe_id(text);
    let s = s.trim_start_matches('.');
    if s.is_empty() {
        "artifact".into()
    } else {
        s.to_string()
    }
}

/// The stable external id of a test's annotation in report `report`.
fn annotation_id(report: &str, case: &TestCase) -> String {
    let id = case.id_or_computed();
    format!("{report}-{id}")
}

fn annotation(report: &str, case: &TestCase) -> Value {
    let summary = format!(
        "{}: {}",
        case.full_name(),
        case.message.as_deref().unwrap_or(case.status.as_str())
    );
    let mut a = json!({
        "external_id": annotation_id(report, case),
        "annotation_type": "BUG",
        "summary": crate::text::head_chars(&summary, ANNOTATION_SUMMARY_MAX_CHARS),
        "severity": "HIGH",
        "result": "FAILED",
    });
    if let Some(details) = case.details.as_deref().or(case.message.as_deref()) {
        a["details"] = json!(crate::text::head_chars(details, DETAILS_MAX_CHARS));
    }
    if let Some(file) = &case.file {
        a["path"] = json!(file);
        if let Some(line) = case.line.filter(|l| *l > 0) {
            a["line"] = json!(line);
        }
    }
    a
}

/// The build status key of a status context: the context when it fits in
/// 40 characters, else its first 31 and 8 hex digits of its hash.
fn status_key(context: &str) -> String {
    if context.chars().count() <= STATUS_KEY_MAX_CHARS {
        return context.to_string();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(context.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", crate::text::head_chars(context, 31))
}

fn status_state(state: BuildState) -> &'static str {
    match state {
        BuildState::Pending => "INPROGRESS",
        BuildState::Success => "SUCCESSFUL",
        BuildState::Failure | BuildState::Error => "FAILED",
    }
}

fn report_result(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Passed => "PASSED",
        RunStatus::Pending | RunStatus::Running => "PENDING",
        _ => "FAILED",
    }
}

/// A 401 or 403 names the scopes.
fn explain_refused(e: Error) -> Error {
    match e.kind() {
        ErrorKind::Authentication | ErrorKind::Permission => {
            Error::new(e.kind(), format!("{e}. Bitbucket: {TOKEN_FIX}"))
        }
        _ => e,
    }
}

/// `body` cut to Bitbucket's comment limit, saying so.
fn comment_body(body: &str) -> String {
    if body.len() <= COMMENT_MAX_BYTES {
        return body.to_string();
    }
    let note = "\n\n… (cut to Bitbucket's comment limit; see the full report)";
    let mut end = COMMENT_MAX_BYTES - note.len();
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &body[..end])
}

/// A multipart/form-data body with one file in the field `files`.
fn multipart(file_name: &str, bytes: &[u8]) -> (Vec<u8>, String) {
    let boundary = format!("testrelay-{:016x}", {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(bytes);
        u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    });
    let quoted = file_name.replace(['"', '\r', '\n'], "_");
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; \
             filename=\"{quoted}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

fn id_of(v: &Value) -> Result<u64> {
    v["id"]
        .as_u64()
        .ok_or_else(|| Error::new(ErrorKind::Parse, "Bitbucket answered without an `id`"))
}

impl CiProvider for BitbucketProvider {
    fn name(&self) -> &str {
        "bitbucket"
    }

    fn code_host(&self) -> Option<&dyn CodeHost> {
        Some(self)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: true,
            build_status: self.http.is_some(),
            pr_comments: self.http.is_some(),
            artifacts: self.http.is_some(),
            annotations: true,
            local_files: false,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        let id = self.report_id(ctx);
        let run = TestRun {
            status: RunStatus::Running,
            ..TestRun::default()
        };
        self.put_report(ctx, &id, &run, "PENDING")?;
        // The build status shows the run in progress until it closes (it
        // needs a token; without one Pipelines shows its own step status).
        if self.http.is_some() {
            self.set_build_status(ctx, BuildState::Pending, "testrelay: tests are running")?;
        }
        Ok(RunHandle {
            external_id: id,
            url: Some(format!(
                "https://bitbucket.org/{}/commits/{}",
                self.repository,
                self.head_sha(ctx)?
            )),
        })
    }

    fn update_test_run(
        &self,
        ctx: &RunContext,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
    ) -> Result<()> {
        self.put_report(ctx, &handle.external_id, update.run, "PENDING")
    }

    fn close(&self, ctx: &RunContext, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let status = if update.run.status.is_final() {
            update.run.status
        } else {
            update.run.counts().final_status()
        };
        self.put_report(ctx, &handle.external_id, update.run, report_result(status))?;
        self.post_annotations(ctx, &handle.external_id, update.run)
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        let http = self.api()?;
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io("reading the artifact", path, e))?
            .len();
        if size > DOWNLOAD_MAX_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "`{name}` is {size} bytes, over the {} MiB testrelay uploads to Bitbucket \
                     Downloads; nothing was uploaded",
                    DOWNLOAD_MAX_BYTES / (1024 * 1024)
                ),
            ));
        }
        let file = Self::download_name(ctx, name);
        let bytes = std::fs::read(path).map_err(|e| Error::io("reading the artifact", path, e))?;
        let (body, content_type) = multipart(&file, &bytes);
        http.send(
            "POST",
            &format!("{}/downloads", self.repo_path),
            Body::Bytes(&body, &content_type),
        )
        .map_err(explain_refused)?;
        Ok(ArtifactRef {
            name: file.clone(),
            url: self.download_url(http, &file),
            size,
        })
    }

    /// The Downloads file (`GET …/downloads/{name}`; Bitbucket answers with
    /// a redirect to the file, which the HTTP layer follows without the
    /// credential).
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let file = Self::download_name(ctx, name);
        let download = self
            .api()?
            .download(
                &format!("{}/downloads/{}", self.repo_path, url_encode(&file)),
                sink,
            )
            .map_err(explain_refused)?;
        Ok(download.bytes)
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let http = self.api()?;
        let file = Self::download_name(ctx, name);
        let all = http
            .get_all_pages(&format!("{}/downloads?pagelen=100", self.repo_path))
            .map_err(explain_refused)?;
        all.iter()
            .find(|d| d["name"].as_str() == Some(file.as_str()))
            .map(|_| self.download_url(http, &file))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("Bitbucket Downloads has no `{file}`"),
                )
            })
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let report = self
            .insights
            .send(
                "GET",
                &self.report_path(ctx, &handle.external_id)?,
                Body::Empty,
            )
            .map_err(explain_refused)?
            .json()?;
        let status = match report["result"].as_str() {
            Some("PASSED") => RunStatus::Passed,
            Some("FAILED") => RunStatus::Failed,
            _ => RunStatus::Running,
        };
        Ok(TestRun {
            run_key: handle.external_id.clone(),
            status,
            ..TestRun::default()
        }
        .result())
    }
}

impl CodeHost for BitbucketProvider {
    fn host_name(&self) -> &str {
        "bitbucket"
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
        let http = self.api()?;
        let sha = self.head_sha(ctx)?;
        let url = ctx
            .build_url
            .clone()
            .unwrap_or_else(|| format!("https://bitbucket.org/{}/commits/{sha}", self.repository));
        // `type` is required by Bitbucket's published description of every
        // object; the API itself does not insist.
        let body = json!({
            "type": "commitstatus",
            "key": status_key(&self.context),
            "state": status_state(state),
            "name": self.context,
            "url": url,
            "description": crate::text::head_chars(description, STATUS_DESCRIPTION_MAX_CHARS),
        });
        http.send(
            "POST",
            &format!(
                "{}/commit/{}/statuses/build",
                self.repo_path,
                url_encode(sha)
            ),
            Body::Json(&body),
        )
        .map_err(explain_refused)?;
        Ok(())
    }

    fn list_comments(&self, ctx: &RunContext) -> Result<Vec<HostComment>> {
        let path = self.comments_path(ctx)?;
        let http = self.api()?;
        let comments = http
            .get_all_pages(&format!("{path}?pagelen=100"))
            .map_err(explain_refused)?;
        comments
            .iter()
            .filter(|c| !c["deleted"].as_bool().unwrap_or(false))
            .map(|c| {
                Ok(HostComment {
                    id: id_of(c)?.to_string(),
                    body: c["content"]["raw"].as_str().unwrap_or_default().to_string(),
                })
            })
            .collect()
    }

    fn create_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef> {
        let path = self.comments_path(ctx)?;
        let http = self.api()?;
        let made = http
            .send(
                "POST",
                &path,
                Body::Json(&json!({
                    "type": "pullrequest_comment",
                    "content": { "raw": comment_body(body) },
                })),
            )
            .map_err(explain_refused)?
            .json()?;
        Ok(CommentRef {
            id: id_of(&made)?.to_string(),
            url: made["links"]["html"]["href"].as_str().map(String::from),
            updated: false,
        })
    }

    fn update_comment(&self, ctx: &RunContext, id: &str, body: &str) -> Result<CommentRef> {
        let path = self.comments_path(ctx)?;
        let http = self.api()?;
        let made = http
            .send(
                "PUT",
                &format!("{path}/{}", url_encode(id)),
                Body::Json(&json!({
                    "type": "pullrequest_comment",
                    "content": { "raw": comment_body(body) },
                })),
            )
            .map_err(explain_refused)?
            .json()?;
        Ok(CommentRef {
            id: id_of(&made)?.to_string(),
            url: made["links"]["html"]["href"].as_str().map(String::from),
            updated: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CaseStatus;

    #[test]
    fn status_keys_fit_and_stay_stable() {
        assert_eq!(status_key("testrelay"), "testrelay");
        let long = "testrelay / a very long status context for the gpu shard 3";
        let key = status_key(long);
        assert_eq!(key.chars().count(), 40);
        assert_eq!(key, status_key(long));
        assert_ne!(key, status_key(&format!("{long}x")));
    }

    #[test]
    fn annotations_keep_the_limits() {
        let mut c = TestCase::new("s", "k", "t", CaseStatus::Failed);
        c.message = Some("x".repeat(1_000));
        c.file = Some("src/a.rs".into());
        c.line = Some(4);
        let a = annotation("r", &c);
        assert_eq!(a["summary"].as_str().unwrap().chars().count(), 450);
        assert_eq!(a["path"], "src/a.rs");
        assert_eq!(a["line"], 4);
        assert_eq!(a["external_id"], annotation_id("r", &c));
        assert_eq!(vocab(), ("INPROGRESS", "FAILED", "PENDING"));
    }

    fn vocab() -> (&'static str, &'static str, &'static str) {
        (
            status_state(BuildState::Pending),
            status_state(BuildState::Error),
            report_result(RunStatus::Running),
        )
    }

    #[test]
    fn comments_are_cut_to_the_limit_on_a_char_boundary() {
        let body = "é".repeat(COMMENT_MAX_BYTES);
        let cut = comment_body(&body);
        assert!(cut.len() <= COMMENT_MAX_BYTES);
        assert!(cut.ends_with("see the full report)"));
        assert_eq!(comment_body("short"), "short");
    }

    #[test]
    fn multipart_carries_the_file() {
        let (body, ct) = multipart("a\"b.txt", b"hello");
        let text = String::from_utf8(body).unwrap();
        let boundary = ct.split("boundary=").nth(1).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"files\"; filename=\"a_b.txt\""));
        assert!(text.contains("\r\n\r\nhello\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
