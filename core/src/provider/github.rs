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
//! Not yet here: artifacts as release assets (`Unsupported`).

use serde_json::{Value, json};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CommentRef, RunContext, RunHandle,
    RunUpdate, comment_marker,
};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient};
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

/// The GitHub provider. Thread-safe.
#[derive(Debug)]
pub struct GithubProvider {
    http: HttpClient,
    repo: String,
    check_name: String,
    context: String,
    job_summary: Option<std::path::PathBuf>,
    workflow_commands: bool,
}

impl GithubProvider {
    /// Builds the provider from the configuration.
    ///
    /// Errors: `Configuration` when `repository` or the token is missing.
    pub fn new(config: &Config) -> Result<GithubProvider> {
        let repo = config
            .repository
            .clone()
            .filter(|r| r.split('/').count() == 2 && !r.starts_with('/') && !r.ends_with('/'))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the github provider needs `repository` as owner/name \
                     (GITHUB_REPOSITORY inside Actions)",
                )
            })?;
        let token = config.api_token.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "the github provider needs a token: set `api_token`, or GITHUB_TOKEN inside Actions",
            )
        })?;
        let base = config
            .api_url
            .as_deref()
            .unwrap_or("https://api.github.com");
        let http = HttpClient::new(base, Auth::Bearer(token), config)?
            .with_header("accept", "application/vnd.github+json")
            .with_header("x-github-api-version", "2022-11-28");
        Ok(GithubProvider {
            http,
            repo,
            check_name: config.run_name.clone(),
            context: config.status_context.clone(),
            job_summary: config.job_summary_path.clone(),
            workflow_commands: config.workflow_commands.unwrap_or(false),
        })
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
            "title": truncate_chars(update.description, 1000),
            "summary": truncate_chars(update.summary_markdown, SUMMARY_MAX_CHARS),
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
                "title": truncate_chars(&case.full_name(), 255),
                "message": truncate_chars(case.message.as_deref().unwrap_or("failed"), 64 * 1024),
            }))
        })
        .collect()
}

/// `::error file=F,line=L,title=T::message` for the first failures that
/// have a file, escaped as the workflow-command syntax requires.
fn workflow_commands(run: &TestRun) -> Vec<String> {
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

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
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

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: true,
            build_status: true,
            pr_comments: true,
            artifacts: false,
            annotations: true,
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
        Ok(RunHandle {
            external_id: id_of(&run)?.to_string(),
            url: run["html_url"].as_str().map(String::from),
        })
    }

    fn update_test_run(&self, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let body = json!({ "status": "in_progress", "output": self.output(update, &[]) });
        self.http.send(
            "PATCH",
            &format!("/repos/{}/check-runs/{}", self.repo, handle.external_id),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn close(&self, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
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

    fn set_build_status(
        &self,
        ctx: &RunContext,
        state: BuildState,
        description: &str,
    ) -> Result<()> {
        let sha = self.head_sha(ctx)?;
        let mut body = json!({
            "state": status_state(state),
            "description": truncate_chars(description, STATUS_DESCRIPTION_MAX_CHARS),
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

    fn add_pr_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef> {
        let Some(number) = ctx.pr_number else {
            return Err(Error::unsupported(
                "no pull request for this run, so no PR comment",
            ));
        };
        let marker = comment_marker(&self.context);
        let comments = self.http.get_all_pages(&format!(
            "/repos/{}/issues/{number}/comments?per_page=100",
            self.repo
        ))?;
        let ours = comments
            .iter()
            .find(|c| c["body"].as_str().is_some_and(|b| b.contains(&marker)));
        let payload = json!({ "body": body });
        let (resp, updated) = match ours {
            Some(c) => (
                self.http.send(
                    "PATCH",
                    &format!("/repos/{}/issues/comments/{}", self.repo, id_of(c)?),
                    Body::Json(&payload),
                )?,
                true,
            ),
            None => (
                self.http.send(
                    "POST",
                    &format!("/repos/{}/issues/{number}/comments", self.repo),
                    Body::Json(&payload),
                )?,
                false,
            ),
        };
        let c = resp.json()?;
        Ok(CommentRef {
            id: id_of(&c)?.to_string(),
            url: c["html_url"].as_str().map(String::from),
            updated,
        })
    }

    fn upload_artifact(&self, _: &RunHandle, _: &std::path::Path, _: &str) -> Result<ArtifactRef> {
        Err(Error::unsupported(
            "the github provider does not upload artifacts yet (release assets are planned); \
             the files stay in output_dir for actions/upload-artifact",
        ))
    }

    fn get_artifact_url(&self, _: &RunHandle, _: &str) -> Result<String> {
        Err(Error::unsupported(
            "the github provider does not upload artifacts yet",
        ))
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

    fn get_test_run_status(&self, handle: &RunHandle) -> Result<TestRunResult> {
        let run = self
            .http
            .send(
                "GET",
                &format!("/repos/{}/check-runs/{}", self.repo, handle.external_id),
                Body::Empty,
            )?
            .json()?;
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

/// Percent-encodes a query value.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
        assert_eq!(truncate_chars("héllo", 2), "hé");
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
