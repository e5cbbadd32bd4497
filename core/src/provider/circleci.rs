//! CircleCI (API v2): a CI that hosts no code and has no API that writes
//! results. Results and reports reach CircleCI through the
//! `store_test_results` and `store_artifacts` steps reading our output dir
//! (see `examples/ci/circleci-config.yml`); the API reads them back. Commit
//! statuses and PR comments go to the code host detection names (GitHub or
//! Bitbucket, from `CIRCLE_REPOSITORY_URL`, the PR from
//! `CIRCLE_PULL_REQUEST`).
//!
//! | testrelay | CircleCI |
//! |---|---|
//! | test run | the running job (`CIRCLE_BUILD_NUM`); nothing is created |
//! | live progress, close | none (`Unsupported`): `store_test_results` reads our JUnit when the job ends |
//! | artifacts | `store_artifacts` in the config; no upload API (`Unsupported`); `get_artifact_url` reads `GET /project/{slug}/{job}/artifacts` (by path or file name), `download_artifact` fetches that item's `url` |
//! | run status | `GET /project/{slug}/job/{job}` and the stored results, `GET /project/{slug}/{job}/tests` (every page) |
//! | status, PR comment | the code host's ([`super::Registry::build`]) |
//!
//! The project slug is `gh/<org>/<repo>` (GitHub) or `bb/<workspace>/<repo>`
//! (Bitbucket) from `CIRCLE_PROJECT_USERNAME`/`CIRCLE_PROJECT_REPONAME`.
//! Token: a personal API token in `CIRCLE_TOKEN`, sent as `Circle-Token`.

use std::path::Path;

use serde_json::{Value, json};

use super::{
    ArtifactRef, Capabilities, CiProvider, ProviderSpec, RunContext, RunHandle, RunUpdate, Setup,
    TokenVariable,
};
use crate::detect::{CiSystem, CodeHostKind};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, url_encode};
use crate::model::{RunStatus, TestRun, TestRunResult};

const TOKEN_VARIABLES: &[TokenVariable] = &[TokenVariable::access("CIRCLE_TOKEN")];

/// Pages read at most from a paginated list (CircleCI pages hold up to
/// 1,000 test results).
const MAX_PAGES: usize = 1_000;

/// CircleCI in the registry: CircleCI's provider; no code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "circleci",
        ci: Some(CiSystem::Circleci),
        code_host: None,
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some("https://circleci.com/api/v2"),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(CircleciProvider::from_setup(setup)?))
        }),
        build_host: None,
    }
}

/// The CircleCI provider. Thread-safe.
#[derive(Debug)]
pub struct CircleciProvider {
    http: Option<HttpClient>,
    /// The project slug, URL-encoded per segment (`gh/octo/app`).
    slug: Option<String>,
}

impl CircleciProvider {
    /// Builds the provider for a run (see [`Setup`]).
    ///
    /// Errors: `Configuration` for an API URL that is not http(s).
    pub fn from_setup(setup: &Setup<'_>) -> Result<CircleciProvider> {
        let http = match &setup.endpoint.credential {
            Some(c) => Some(HttpClient::new(
                &setup.endpoint.api_url,
                Auth::Header("circle-token", c.secret.clone()),
                setup.config,
            )?),
            None => None,
        };
        let vcs = match setup.detection.code_host.as_ref().map(|h| h.kind) {
            Some(CodeHostKind::Bitbucket) => "bb",
            _ => "gh",
        };
        let slug = setup
            .repository
            .or(setup.detection.repository.as_deref())
            .map(|r| {
                let parts: Vec<String> = r.trim_matches('/').split('/').map(url_encode).collect();
                format!("{vcs}/{}", parts.join("/"))
            });
        Ok(CircleciProvider { http, slug })
    }

    fn job<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.build_id
            .as_deref()
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the circleci provider reports into a running CircleCI job, and \
                     CIRCLE_BUILD_NUM was not found",
                )
            })
    }

    /// The client and `/project/{slug}`.
    fn api(&self, what: &str) -> Result<(&HttpClient, String)> {
        let http = self.http.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                format!("{what} needs CircleCI's API: set CIRCLE_TOKEN (a personal API token)"),
            )
        })?;
        let slug = self.slug.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "the circleci provider needs the project: set `repository` (org/repo)",
            )
        })?;
        Ok((http, format!("/project/{slug}")))
    }

    /// Every item of a CircleCI list (`items`, `next_page_token`).
    fn all_items(&self, http: &HttpClient, path: &str) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page_path = match &token {
                Some(t) => format!("{path}?page-token={}", url_encode(t)),
                None => path.to_string(),
            };
            let page = http.send("GET", &page_path, Body::Empty)?.json()?;
            let page_items = page["items"].as_array().ok_or_else(|| {
                Error::new(ErrorKind::Parse, "CircleCI answered a list without `items`")
            })?;
            items.extend(page_items.iter().cloned());
            token = page["next_page_token"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(String::from);
            if token.is_none() {
                return Ok(items);
            }
        }
        Err(Error::new(
            ErrorKind::Parse,
            format!("CircleCI kept answering more pages after {MAX_PAGES}"),
        ))
    }
}

/// The `scheme://host[:port]` of a URL, lower-case.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    Some(format!("{scheme}://{host}").to_ascii_lowercase())
}

/// Whether `url` is on the API's origin or an `https` host of CircleCI's
/// artifact storage (`*.circle-artifacts.com`).
fn is_circleci_host(url: &str, api: &str) -> bool {
    let Some(of_url) = origin(url) else {
        return false;
    };
    Some(&of_url) == origin(api).as_ref()
        || of_url
            .strip_prefix("https://")
            .is_some_and(|host| host.ends_with(".circle-artifacts.com"))
}

/// The run status of a CircleCI job status.
fn job_status(status: Option<&str>) -> RunStatus {
    match status {
        Some("success") => RunStatus::Passed,
        Some("failed") => RunStatus::Failed,
        Some("infrastructure_fail") => RunStatus::Error,
        Some("timedout") => RunStatus::TimedOut,
        Some("canceled") => RunStatus::Cancelled,
        Some("queued" | "not_run" | "blocked" | "on_hold" | "not_running") => RunStatus::Pending,
        _ => RunStatus::Running,
    }
}

impl CiProvider for CircleciProvider {
    fn name(&self) -> &str {
        "circleci"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            ..Capabilities::default()
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        // The run is the job this process runs in: nothing to create.
        Ok(RunHandle {
            external_id: self.job(ctx)?.to_string(),
            url: ctx.build_url.clone(),
        })
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        _handle: &RunHandle,
        _update: &RunUpdate<'_>,
    ) -> Result<()> {
        Err(Error::unsupported(
            "CircleCI shows results when store_test_results reads them at the end of the job",
        ))
    }

    fn close(&self, _ctx: &RunContext, _handle: &RunHandle, _update: &RunUpdate<'_>) -> Result<()> {
        Err(Error::unsupported(
            "CircleCI has no API that writes results: store_test_results reads the JUnit file \
             in the output directory when the job ends",
        ))
    }

    fn upload_artifact(
        &self,
        _ctx: &RunContext,
        _handle: Option<&RunHandle>,
        _path: &Path,
        _name: &str,
    ) -> Result<ArtifactRef> {
        Err(Error::unsupported(
            "CircleCI has no artifact upload API: store_artifacts in the config stores the \
             output directory",
        ))
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let (http, project) = self.api("finding an artifact")?;
        let items = self.all_items(http, &format!("{project}/{}/artifacts", self.job(ctx)?))?;
        items
            .iter()
            .find(|a| {
                a["path"]
                    .as_str()
                    .is_some_and(|p| p == name || p.rsplit('/').next() == Some(name))
            })
            .and_then(|a| a["url"].as_str().map(String::from))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("the job stored no artifact `{name}`"),
                )
            })
    }

    /// The file `store_artifacts` stored: its `url` from the job's
    /// artifact list, streamed. The `Circle-Token` goes along only to
    /// CircleCI's own hosts (the API's, `*.circle-artifacts.com`), which
    /// need it for a private project; any other host gets no credential.
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let url = self.get_artifact_url(ctx, None, name)?;
        let (http, _) = self.api("downloading an artifact")?;
        let download = if is_circleci_host(&url, &http.base_url()) {
            http.download(&url, sink)?
        } else {
            http.without_auth().download(&url, sink)?
        };
        Ok(download.bytes)
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let (http, project) = self.api("reading the job")?;
        let job = self.job(ctx)?;
        let details = http
            .send("GET", &format!("{project}/job/{job}"), Body::Empty)?
            .json()?;
        let tests = self.all_items(http, &format!("{project}/{job}/tests"))?;
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status: job_status(details["status"].as_str()),
            ..TestRun::default()
        }
        .result();
        for t in &tests {
            result.total_tests += 1;
            match t["result"].as_str() {
                Some("success") => result.passed_tests += 1,
                Some("skipped") => result.skipped_tests += 1,
                Some("failure") => result.failed_tests += 1,
                _ => result.error_tests += 1,
            }
            result.duration_seconds += t["run_time"].as_f64().unwrap_or(0.0);
        }
        if let Some(url) = details["web_url"].as_str() {
            result.metadata.insert("web_url".into(), json!(url));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_only_to_circleci_hosts() {
        let api = "https://circleci.com/api/v2";
        assert!(is_circleci_host(
            "https://output.circle-artifacts.com/output/job/1/artifacts/0/a.json",
            api
        ));
        assert!(is_circleci_host("https://circleci.com/x", api));
        assert!(!is_circleci_host(
            "http://output.circle-artifacts.com/a",
            api
        ));
        assert!(!is_circleci_host(
            "https://evil.example/circle-artifacts.com",
            api
        ));
        assert!(!is_circleci_host(
            "https://circle-artifacts.com.evil.example/a",
            api
        ));
        assert!(is_circleci_host(
            "http://127.0.0.1:9/a",
            "http://127.0.0.1:9/api/v2"
        ));
        assert!(!is_circleci_host(
            "http://127.0.0.1:10/a",
            "http://127.0.0.1:9/api/v2"
        ));
    }

    #[test]
    fn job_statuses() {
        assert_eq!(job_status(Some("success")), RunStatus::Passed);
        assert_eq!(job_status(Some("failed")), RunStatus::Failed);
        assert_eq!(job_status(Some("timedout")), RunStatus::TimedOut);
        assert_eq!(job_status(Some("running")), RunStatus::Running);
        assert_eq!(job_status(Some("queued")), RunStatus::Pending);
    }
}
