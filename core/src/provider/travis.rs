//! Travis CI (API v3): a CI that hosts no code and has no API that writes
//! results or artifacts. The API reads the build and the job back; commit
//! statuses and PR comments go to GitHub (or the code host detection names
//! from `TRAVIS_BUILD_WEB_URL`).
//!
//! | testrelay | Travis CI |
//! |---|---|
//! | test run | the running job (`TRAVIS_JOB_ID`, in build `TRAVIS_BUILD_ID`); nothing is created |
//! | live progress, close, artifacts | none (`Unsupported`): Travis keeps no test results, and stores files only through its deploy/artifacts add-ons |
//! | run status | `GET /job/{id}` (the job's state) and `GET /build/{id}` (the build's), headers `Travis-API-Version: 3` |
//! | status, PR comment | the code host's ([`super::Registry::build`]) |
//!
//! Token: `TRAVIS_TOKEN` (from `travis token` or the account page), sent as
//! `Authorization: token <token>`. The API is `https://api.travis-ci.com`
//! unless `providers.travis.api_url` names another (Travis CI Enterprise).

use std::path::Path;

use serde_json::{Value, json};

use super::{
    ArtifactRef, Capabilities, CiProvider, ProviderSpec, RunContext, RunHandle, RunUpdate, Setup,
    TokenVariable,
};
use crate::detect::CiSystem;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, url_encode};
use crate::model::{RunStatus, TestRun, TestRunResult};

const TOKEN_VARIABLES: &[TokenVariable] = &[TokenVariable::access("TRAVIS_TOKEN")];

/// Travis CI in the registry: Travis CI's provider; no code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "travis",
        ci: Some(CiSystem::TravisCi),
        code_host: None,
        token_variables: TOKEN_VARIABLES,
        default_api_url: Some("https://api.travis-ci.com"),
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(TravisProvider::from_setup(setup)?))
        }),
        build_host: None,
    }
}

/// The Travis CI provider. Thread-safe.
#[derive(Debug)]
pub struct TravisProvider {
    http: Option<HttpClient>,
    /// The job this process runs in (`TRAVIS_JOB_ID`).
    job_id: Option<String>,
}

impl TravisProvider {
    /// Builds the provider for a run (see [`Setup`]).
    ///
    /// Errors: `Configuration` for an API URL that is not http(s).
    pub fn from_setup(setup: &Setup<'_>) -> Result<TravisProvider> {
        let http = match &setup.endpoint.credential {
            Some(c) => Some(
                HttpClient::new(
                    &setup.endpoint.api_url,
                    Auth::Token(c.secret.clone()),
                    setup.config,
                )?
                .with_header("travis-api-version", "3"),
            ),
            None => None,
        };
        Ok(TravisProvider {
            http,
            job_id: setup
                .detection
                .job_id
                .clone()
                .filter(|_| setup.inside(CiSystem::TravisCi)),
        })
    }

    fn build_id<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.build_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the travis provider reports into a running Travis CI job, and \
                     TRAVIS_BUILD_ID was not found",
                )
            })
    }

    fn http(&self) -> Result<&HttpClient> {
        self.http.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "reading the build needs Travis CI's API: set TRAVIS_TOKEN",
            )
        })
    }
}

/// The run status of a Travis build or job `state`.
fn state_status(state: Option<&str>) -> RunStatus {
    match state {
        Some("passed") => RunStatus::Passed,
        Some("failed") => RunStatus::Failed,
        Some("errored") => RunStatus::Error,
        Some("canceled") => RunStatus::Cancelled,
        Some("created" | "received" | "queued") => RunStatus::Pending,
        _ => RunStatus::Running,
    }
}

const NO_RESULTS_API: &str = "Travis CI has no API that stores test results or files: the \
    results stay in the job log and testrelay's reports";

impl CiProvider for TravisProvider {
    fn name(&self) -> &str {
        "travis"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            ..Capabilities::default()
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        // The run is the job this process runs in: nothing to create.
        let external_id = match &self.job_id {
            Some(job) => job.clone(),
            None => self.build_id(ctx)?.to_string(),
        };
        Ok(RunHandle {
            external_id,
            url: ctx.build_url.clone(),
        })
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        _handle: &RunHandle,
        _update: &RunUpdate<'_>,
    ) -> Result<()> {
        Err(Error::unsupported(NO_RESULTS_API))
    }

    fn close(&self, _ctx: &RunContext, _handle: &RunHandle, _update: &RunUpdate<'_>) -> Result<()> {
        Err(Error::unsupported(NO_RESULTS_API))
    }

    fn upload_artifact(
        &self,
        _ctx: &RunContext,
        _handle: Option<&RunHandle>,
        _path: &Path,
        _name: &str,
    ) -> Result<ArtifactRef> {
        Err(Error::unsupported(NO_RESULTS_API))
    }

    fn get_artifact_url(
        &self,
        _ctx: &RunContext,
        _handle: Option<&RunHandle>,
        _name: &str,
    ) -> Result<String> {
        Err(Error::unsupported(NO_RESULTS_API))
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let http = self.http()?;
        let build: Value = http
            .send(
                "GET",
                &format!("/build/{}", url_encode(self.build_id(ctx)?)),
                Body::Empty,
            )?
            .json()?;
        let job: Option<Value> = match &self.job_id {
            Some(id) => Some(
                http.send("GET", &format!("/job/{}", url_encode(id)), Body::Empty)?
                    .json()?,
            ),
            None => None,
        };
        let state = job
            .as_ref()
            .and_then(|j| j["state"].as_str())
            .or(build["state"].as_str());
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status: state_status(state),
            ..TestRun::default()
        }
        .result();
        if let Some(d) = build["duration"].as_f64() {
            result.duration_seconds = d;
        }
        result
            .metadata
            .insert("build_state".into(), build["state"].clone());
        if let Some(j) = &job {
            result
                .metadata
                .insert("job_state".into(), j["state"].clone());
            result
                .metadata
                .insert("job_number".into(), j["number"].clone());
        }
        result
            .metadata
            .insert("build_number".into(), json!(build["number"]));
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(state_status(Some("passed")), RunStatus::Passed);
        assert_eq!(state_status(Some("errored")), RunStatus::Error);
        assert_eq!(state_status(Some("started")), RunStatus::Running);
        assert_eq!(state_status(Some("created")), RunStatus::Pending);
    }
}
