//! Jenkins: the run is the build. Results and reports reach Jenkins through
//! files (the `junit` step reads our JUnit, `archiveArtifacts` our output
//! dir, see `examples/ci/Jenkinsfile`); the remote access API sets the
//! build description. A CI that hosts no code: commit statuses and PR
//! comments go to the code host detection names (`GIT_URL`, `CHANGE_URL`).
//!
//! | testrelay | Jenkins |
//! |---|---|
//! | test run | the running build (`BUILD_URL`); nothing is created |
//! | live progress | none (`Unsupported`): the `junit` step reads the results when the build step ends |
//! | close | `POST {build}/submitDescription` (form field `description`), with the crumb from `GET /crumbIssuer/api/json` and its session cookie when the server issues one; without credentials, `Unsupported` with a one-line note |
//! | artifacts | `archiveArtifacts` in the pipeline; there is no upload API (`Unsupported`); `get_artifact_url` finds an archived file by name in `{build}/api/json`, `download_artifact` reads `{build}/artifact/{relativePath}` |
//! | run status | `GET {build}/api/json` and `GET {build}/testReport/api/json` |
//! | status, PR comment | the code host's ([`super::Registry::build`]) |
//!
//! The server is `providers.jenkins.api_url`, else `JENKINS_URL` inside a
//! Jenkins build. Credentials: `JENKINS_USER` and an API token in
//! `JENKINS_API_TOKEN` (or `providers.jenkins.token`), sent as HTTP Basic;
//! a configured token of the form `user:token` carries both.
//! The build is `BUILD_URL` when it is on that server, else
//! `job/<a>/job/<b>/<BUILD_NUMBER>/` from `JOB_NAME` (folders).

use std::path::Path;

use serde_json::{Value, json};

use super::{
    ArtifactRef, Capabilities, CiProvider, ProviderSpec, RunContext, RunHandle, RunUpdate, Setup,
    TokenVariable,
};
use crate::config::{Config, Secret};
use crate::detect::CiSystem;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, url_encode};
use crate::model::{RunStatus, TestRun, TestRunResult};

/// Where Jenkins users keep an API token (the user is `JENKINS_USER`).
const TOKEN_VARIABLES: &[TokenVariable] = &[TokenVariable::access("JENKINS_API_TOKEN")];

/// Jenkins in the registry: Jenkins' provider; no code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "jenkins",
        ci: Some(CiSystem::Jenkins),
        code_host: None,
        token_variables: TOKEN_VARIABLES,
        default_api_url: None,
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(JenkinsProvider::from_setup(setup)?))
        }),
        build_host: None,
    }
}

/// The Jenkins provider. Thread-safe.
#[derive(Debug)]
pub struct JenkinsProvider {
    /// The server, without a trailing slash (empty when unknown).
    server: String,
    /// User and API token, when both are set.
    credentials: Option<(String, Secret)>,
    /// The build's path below the server from `JOB_NAME`/`BUILD_NUMBER`.
    job_build_path: Option<String>,
    config: Config,
}

impl JenkinsProvider {
    /// Builds the provider for a run (see [`Setup`]).
    ///
    /// Errors: none today; the server and credentials are checked when used.
    pub fn from_setup(setup: &Setup<'_>) -> Result<JenkinsProvider> {
        let credentials = setup.endpoint.credential.as_ref().and_then(|c| {
            match super::endpoint::user("jenkins", setup.config, setup.env, &["JENKINS_USER"]) {
                Some(user) => Some((user, c.secret.clone())),
                None => c
                    .secret
                    .expose()
                    .split_once(':')
                    .filter(|(u, t)| !u.is_empty() && !t.is_empty())
                    .map(|(u, t)| (u.to_string(), Secret::new(t))),
            }
        });
        let job_build_path = match (
            setup.detection.job_name.as_deref(),
            setup.detection.build_number.as_deref(),
        ) {
            (Some(job), Some(number)) if setup.inside(CiSystem::Jenkins) => {
                let mut path = String::new();
                for part in job.split('/').filter(|p| !p.is_empty()) {
                    path.push_str(&format!("/job/{}", url_encode(part)));
                }
                Some(format!("{path}/{}/", url_encode(number)))
            }
            _ => None,
        };
        Ok(JenkinsProvider {
            server: setup.endpoint.api_url.clone(),
            credentials,
            job_build_path,
            config: setup.config.clone(),
        })
    }

    /// The build's path below the server, ending in `/`.
    fn build_path(&self, ctx: &RunContext) -> Result<String> {
        if self.server.is_empty() {
            return Err(Error::new(
                ErrorKind::Configuration,
                "the jenkins provider needs the server: JENKINS_URL inside a Jenkins build, or \
                 providers.jenkins.api_url",
            ));
        }
        let on_server = ctx
            .build_url
            .as_deref()
            .and_then(|u| u.strip_prefix(&self.server))
            .filter(|rest| rest.starts_with('/'));
        match (on_server, &self.job_build_path) {
            (Some(rest), _) if rest.ends_with('/') => Ok(rest.to_string()),
            (Some(rest), _) => Ok(format!("{rest}/")),
            (None, Some(path)) => Ok(path.clone()),
            (None, None) => Err(Error::new(
                ErrorKind::Configuration,
                "the jenkins provider reports into a running Jenkins build: BUILD_URL on the \
                 server, or JOB_NAME and BUILD_NUMBER, are needed",
            )),
        }
    }

    /// A client for the server: with credentials when set (anonymous reads
    /// otherwise), plus `extra` headers.
    fn client(&self, extra: &[(&'static str, String)]) -> Result<HttpClient> {
        let auth = match &self.credentials {
            Some((user, token)) => Auth::Basic(user.clone(), token.clone()),
            None => Auth::None,
        };
        let mut http = HttpClient::new(&self.server, auth, &self.config)?;
        for (name, value) in extra {
            http = http.with_header(name, value.clone());
        }
        Ok(http)
    }

    /// The crumb (field, value) and session cookie, when the server issues
    /// crumbs; `None` when it has no crumb issuer (404).
    fn crumb(&self, http: &HttpClient) -> Result<Option<(String, String, Option<String>)>> {
        match http.send("GET", "/crumbIssuer/api/json", Body::Empty) {
            Ok(resp) => {
                let cookie = resp
                    .header("set-cookie")
                    .and_then(|c| c.split(';').next())
                    .map(|c| c.trim().to_string())
                    .filter(|c| c.contains('='));
                let body = resp.json()?;
                let field = body["crumbRequestField"].as_str();
                let crumb = body["crumb"].as_str();
                match (field, crumb) {
                    (Some(f), Some(c)) => Ok(Some((f.to_string(), c.to_string(), cookie))),
                    _ => Err(Error::new(
                        ErrorKind::Parse,
                        "Jenkins' crumb issuer answered without crumb and crumbRequestField",
                    )),
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The run's status for `result` of a Jenkins build.
fn run_status(build: &Value) -> RunStatus {
    if build["building"].as_bool() == Some(true) {
        return RunStatus::Running;
    }
    match build["result"].as_str() {
        Some("SUCCESS") => RunStatus::Passed,
        Some("UNSTABLE" | "FAILURE") => RunStatus::Failed,
        Some("ABORTED") => RunStatus::Cancelled,
        Some("NOT_BUILT") => RunStatus::Pending,
        _ => RunStatus::Running,
    }
}

impl CiProvider for JenkinsProvider {
    fn name(&self) -> &str {
        "jenkins"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: false,
            build_status: false,
            pr_comments: false,
            artifacts: false,
            annotations: false,
            local_files: false,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        // The run is the build this process runs in: nothing to create.
        let path = self.build_path(ctx)?;
        Ok(RunHandle {
            external_id: ctx.build_id.clone().unwrap_or_else(|| path.clone()),
            url: Some(format!("{}{path}", self.server)),
        })
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        _handle: &RunHandle,
        _update: &RunUpdate<'_>,
    ) -> Result<()> {
        Err(Error::unsupported(
            "Jenkins reads the results from the JUnit file when the build step ends",
        ))
    }

    fn close(&self, ctx: &RunContext, _handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        if self.credentials.is_none() {
            return Err(Error::unsupported(
                "the build description was not set: set JENKINS_USER and JENKINS_API_TOKEN \
                 to add it (results reach Jenkins through the junit step)",
            ));
        }
        let path = self.build_path(ctx)?;
        // The description carries counts and the duration only: no text
        // from test results, so nothing of theirs becomes build-page markup.
        let description = format!("testrelay: {}", update.description);
        let mut form = format!("description={}&Submit=Submit", url_encode(&description));
        let http = self.client(&[])?;
        let http = match self.crumb(&http)? {
            Some((field, crumb, cookie)) => {
                form.push_str(&format!("&{}={}", url_encode(&field), url_encode(&crumb)));
                match cookie {
                    Some(cookie) => self.client(&[("cookie", cookie)])?,
                    None => http,
                }
            }
            None => http,
        };
        let sent = http.send(
            "POST",
            &format!("{path}submitDescription"),
            Body::Bytes(form.as_bytes(), "application/x-www-form-urlencoded"),
        );
        match sent {
            Ok(_) => Ok(()),
            // Jenkins answers with a redirect to the build page, which the
            // HTTP layer follows without credentials; a server that hides
            // builds from anonymous users refuses that page. The build
            // itself says whether the description was set.
            Err(e) if matches!(e.kind(), ErrorKind::Authentication | ErrorKind::Permission) => {
                let build = self
                    .client(&[])?
                    .send("GET", &format!("{path}api/json"), Body::Empty)?
                    .json()?;
                if build["description"].as_str() == Some(description.as_str()) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    fn upload_artifact(
        &self,
        _ctx: &RunContext,
        _handle: Option<&RunHandle>,
        _path: &Path,
        _name: &str,
    ) -> Result<ArtifactRef> {
        Err(Error::unsupported(
            "Jenkins has no artifact upload API: `archiveArtifacts` in the Jenkinsfile stores \
             the output directory",
        ))
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let path = self.build_path(ctx)?;
        let build = self
            .client(&[])?
            .send("GET", &format!("{path}api/json"), Body::Empty)?
            .json()?;
        build["artifacts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["relativePath"].as_str())
            .find(|p| *p == name || p.rsplit('/').next() == Some(name))
            .map(|p| {
                let encoded: Vec<String> = p.split('/').map(url_encode).collect();
                format!("{}{path}artifact/{}", self.server, encoded.join("/"))
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("the build archived no artifact `{name}`"),
                )
            })
    }

    /// The file `archiveArtifacts` stored (`GET {build}artifact/{relativePath}`,
    /// found by its file name in `{build}api/json`), streamed, with the
    /// credentials when set (anonymous reads otherwise).
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let url = self.get_artifact_url(ctx, None, name)?;
        Ok(self.client(&[])?.download(&url, sink)?.bytes)
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let path = self.build_path(ctx)?;
        let http = self.client(&[])?;
        let build = http
            .send("GET", &format!("{path}api/json"), Body::Empty)?
            .json()?;
        let mut result = TestRun {
            run_key: handle.external_id.clone(),
            status: run_status(&build),
            ..TestRun::default()
        }
        .result();
        match http.send("GET", &format!("{path}testReport/api/json"), Body::Empty) {
            Ok(resp) => {
                let report = resp.json()?;
                let n = |k: &str| report[k].as_u64().unwrap_or(0);
                result.failed_tests = n("failCount");
                result.passed_tests = n("passCount");
                result.skipped_tests = n("skipCount");
                result.total_tests =
                    result.failed_tests + result.passed_tests + result.skipped_tests;
            }
            // No junit step has run yet.
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(d) = build["description"].as_str() {
            result.metadata.insert("description".into(), json!(d));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_results() {
        assert_eq!(run_status(&json!({"building": true})), RunStatus::Running);
        assert_eq!(
            run_status(&json!({"building": false, "result": "UNSTABLE"})),
            RunStatus::Failed
        );
        assert_eq!(
            run_status(&json!({"building": false, "result": "ABORTED"})),
            RunStatus::Cancelled
        );
        assert_eq!(
            run_status(&json!({"building": false, "result": "SUCCESS"})),
            RunStatus::Passed
        );
    }
}
