//! The `local` provider: no network. The run's state, status, comment and
//! artifacts are files under `output_dir`, so a run outside CI (or a CI with
//! no API access) still leaves everything a person needs:
//!
//! | operation | file |
//! |-----------|------|
//! | create / update / close | `run-state.json` (a `TestRunResult` plus the run key) |
//! | set_build_status | `build-status.json` |
//! | add_pr_comment | `pr-comment.md` (replaced in place, never a second copy) |
//! | upload_artifact | `artifacts/<name>` |
//! | download_artifact | reads `artifacts/<name>` back |

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    ProviderSpec, RunContext, RunHandle, RunUpdate, Setup,
};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::{create_dir_all, write_bytes_atomic};
use crate::model::{RunStatus, TestRunResult};

/// Writes everything under one directory. Cheap to build; thread-safe
/// (every write replaces a whole file atomically).
#[derive(Debug, Clone)]
pub struct LocalProvider {
    dir: PathBuf,
    context: String,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    run_key: String,
    name: String,
    result: TestRunResult,
}

#[derive(Serialize)]
struct StatusFile<'a> {
    run_key: &'a str,
    commit_sha: Option<&'a str>,
    state: BuildState,
    description: &'a str,
}

/// `local` in the registry: no CI, no token, no network.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "local",
        ci: None,
        code_host: None,
        token_variables: &[],
        default_api_url: None,
        build: std::sync::Arc::new(|setup: &Setup<'_>| {
            Ok(Box::new(LocalProvider::new(setup.config)?))
        }),
        build_host: None,
    }
}

/// The file that holds the one PR comment.
const COMMENT_FILE: &str = "pr-comment.md";

impl LocalProvider {
    /// A provider writing under `config.output_dir`.
    ///
    /// Errors: none today; the directory is created on first write.
    pub fn new(config: &Config) -> Result<LocalProvider> {
        Ok(LocalProvider {
            dir: config.output_dir.clone(),
            context: config.status_context.clone(),
        })
    }

    /// Replaces the one comment file (`updated` when it existed).
    fn write_comment(&self, body: &str) -> Result<CommentRef> {
        let path = self.dir.join(COMMENT_FILE);
        let updated = path.exists();
        write_bytes_atomic(&path, body.as_bytes())?;
        Ok(CommentRef {
            id: COMMENT_FILE.into(),
            url: Some(file_url(&path)),
            updated,
        })
    }

    /// Checks that the run is the one this directory holds.
    fn check_run(&self, ctx: &RunContext, handle: Option<&RunHandle>) -> Result<StateFile> {
        match handle {
            Some(handle) => self.check_handle(handle),
            None => self.check_handle(&RunHandle {
                external_id: ctx.run_key.clone(),
                url: None,
            }),
        }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("run-state.json")
    }

    fn read_state(&self) -> Result<Option<StateFile>> {
        let path = self.state_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::new(
                    ErrorKind::Parse,
                    format!("{} is not a testrelay run state: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading", &path, e)),
        }
    }

    fn write_state(&self, state: &StateFile) -> Result<()> {
        let json = serde_json::to_vec_pretty(state)?;
        write_bytes_atomic(&self.state_path(), &json)
    }

    fn check_handle(&self, handle: &RunHandle) -> Result<StateFile> {
        match self.read_state()? {
            Some(state) if state.run_key == handle.external_id => Ok(state),
            Some(state) => Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{} belongs to run `{}`, not `{}`",
                    self.state_path().display(),
                    state.run_key,
                    handle.external_id
                ),
            )),
            None => Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no local run `{}`: {} does not exist",
                    handle.external_id,
                    self.state_path().display()
                ),
            )),
        }
    }

    fn save_update(
        &self,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
        status: RunStatus,
    ) -> Result<()> {
        let state = self.check_handle(handle)?;
        let mut result = update.run.result();
        result.test_run_id = handle.external_id.clone();
        result.status = status;
        self.write_state(&StateFile { result, ..state })
    }
}

fn file_url(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", abs.display())
}

impl CiProvider for LocalProvider {
    fn name(&self) -> &str {
        "local"
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
            annotations: false,
            local_files: true,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        if ctx.run_key.is_empty() {
            return Err(Error::invalid("a run needs a run key"));
        }
        let handle = RunHandle {
            external_id: ctx.run_key.clone(),
            url: Some(file_url(&self.state_path())),
        };
        if let Some(existing) = self.read_state()? {
            if existing.run_key == ctx.run_key {
                return Ok(handle);
            }
        }
        let result = TestRunResult {
            test_run_id: ctx.run_key.clone(),
            status: RunStatus::Running,
            total_tests: 0,
            passed_tests: 0,
            failed_tests: 0,
            skipped_tests: 0,
            error_tests: 0,
            flaky_tests: 0,
            duration_seconds: 0.0,
            metadata: serde_json::Map::new(),
        };
        self.write_state(&StateFile {
            run_key: ctx.run_key.clone(),
            name: ctx.name.clone(),
            result,
        })?;
        Ok(handle)
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
    ) -> Result<()> {
        self.save_update(handle, update, RunStatus::Running)
    }

    fn close(&self, _ctx: &RunContext, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let status = if update.run.status.is_final() {
            update.run.status
        } else {
            update.run.counts().final_status()
        };
        self.save_update(handle, update, status)
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        self.check_run(ctx, handle)?;
        let safe = Path::new(name)
            .file_name()
            .filter(|n| !n.is_empty() && n.to_str() == Some(name))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "artifact name `{name}` must be a plain file name (no directories)"
                ))
            })?;
        let dir = self.dir.join("artifacts");
        create_dir_all(&dir)?;
        let dest = dir.join(safe);
        let size =
            std::fs::copy(path, &dest).map_err(|e| Error::io("copying artifact", path, e))?;
        Ok(ArtifactRef {
            name: name.to_string(),
            url: file_url(&dest),
            size,
        })
    }

    /// The copy in `artifacts/` of the output directory (shared by every
    /// run there: a later run's file of the same name replaces it, which
    /// the retriever's hash check notices).
    fn download_artifact(
        &self,
        _ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let safe = Path::new(name)
            .file_name()
            .filter(|n| !n.is_empty() && n.to_str() == Some(name))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "artifact name `{name}` must be a plain file name (no directories)"
                ))
            })?;
        let path = self.dir.join("artifacts").join(safe);
        let mut file = std::fs::File::open(&path)
            .map_err(|e| Error::io("opening the stored artifact", &path, e))?;
        std::io::copy(&mut file, sink)
            .map_err(|e| crate::fsutil::error_of_write(e, "copying the stored artifact", &path))
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        self.check_run(ctx, handle)?;
        let path = self.dir.join("artifacts").join(name);
        if Path::new(name).file_name().map(|n| n.to_str()) == Some(Some(name)) && path.is_file() {
            Ok(file_url(&path))
        } else {
            Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "no artifact `{name}` in {}",
                    self.dir.join("artifacts").display()
                ),
            ))
        }
    }

    fn get_test_run_status(&self, _ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        Ok(self.check_handle(handle)?.result)
    }
}

impl CodeHost for LocalProvider {
    fn host_name(&self) -> &str {
        "local"
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
        let json = serde_json::to_vec_pretty(&StatusFile {
            run_key: &ctx.run_key,
            commit_sha: ctx.commit_sha.as_deref(),
            state,
            description,
        })?;
        write_bytes_atomic(&self.dir.join("build-status.json"), &json)
    }

    /// The comment file, when there is one: this "host" keeps one comment,
    /// with or without a pull request.
    fn list_comments(&self, _ctx: &RunContext) -> Result<Vec<HostComment>> {
        let path = self.dir.join(COMMENT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(body) => Ok(vec![HostComment {
                id: COMMENT_FILE.into(),
                body,
            }]),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io("reading the PR comment file", &path, e)),
        }
    }

    fn create_comment(&self, _ctx: &RunContext, body: &str) -> Result<CommentRef> {
        self.write_comment(body)
    }

    fn update_comment(&self, _ctx: &RunContext, _id: &str, body: &str) -> Result<CommentRef> {
        self.write_comment(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CaseStatus, TestCase, TestRun};

    fn setup() -> (tempfile::TempDir, LocalProvider, RunContext) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            output_dir: dir.path().join("out"),
            ..Config::default()
        };
        let ctx = RunContext {
            run_key: "run-1".into(),
            name: "unit".into(),
            ..RunContext::default()
        };
        (dir, LocalProvider::new(&config).unwrap(), ctx)
    }

    #[test]
    fn lifecycle_writes_real_state() {
        let (_dir, p, ctx) = setup();
        let h = p.create_test_run(&ctx).unwrap();
        assert_eq!(h.external_id, "run-1");
        assert_eq!(
            p.get_test_run_status(&ctx, &h).unwrap().status,
            RunStatus::Running
        );
        // A retried create finds the same run.
        assert_eq!(p.create_test_run(&ctx).unwrap(), h);

        let mut run = TestRun {
            run_key: "run-1".into(),
            ..TestRun::default()
        };
        run.cases
            .push(TestCase::new("s", "c", "a", CaseStatus::Passed));
        run.cases
            .push(TestCase::new("s", "c", "b", CaseStatus::Failed));
        let update = RunUpdate {
            run: &run,
            summary_markdown: "",
            description: "",
        };
        p.update_test_run(&ctx, &h, &update).unwrap();
        let mid = p.get_test_run_status(&ctx, &h).unwrap();
        assert_eq!(
            (mid.status, mid.total_tests, mid.failed_tests),
            (RunStatus::Running, 2, 1)
        );
        p.close(&ctx, &h, &update).unwrap();
        assert_eq!(
            p.get_test_run_status(&ctx, &h).unwrap().status,
            RunStatus::Failed
        );
    }

    #[test]
    fn comment_is_updated_in_place() {
        let (dir, p, ctx) = setup();
        assert!(!p.add_pr_comment(&ctx, "first").unwrap().updated);
        assert!(p.add_pr_comment(&ctx, "second").unwrap().updated);
        let body = std::fs::read_to_string(dir.path().join("out/pr-comment.md")).unwrap();
        assert_eq!(body, "second");
    }

    #[test]
    fn artifacts_are_copied_and_names_checked() {
        let (dir, p, ctx) = setup();
        let h = p.create_test_run(&ctx).unwrap();
        let src = dir.path().join("log.txt");
        std::fs::write(&src, "hello").unwrap();
        let a = p.upload_artifact(&ctx, Some(&h), &src, "log.txt").unwrap();
        assert_eq!(a.size, 5);
        assert!(a.url.starts_with("file://") && a.url.ends_with("artifacts/log.txt"));
        assert_eq!(
            p.get_artifact_url(&ctx, Some(&h), "log.txt").unwrap(),
            a.url
        );
        assert_eq!(
            p.get_artifact_url(&ctx, Some(&h), "nope")
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        let err = p
            .upload_artifact(&ctx, Some(&h), &src, "../escape.txt")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        let err = p
            .upload_artifact(&ctx, Some(&h), &dir.path().join("missing"), "m")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn unknown_handle_is_not_found() {
        let (_dir, p, ctx) = setup();
        let h = RunHandle {
            external_id: "other".into(),
            url: None,
        };
        assert_eq!(
            p.get_test_run_status(&ctx, &h).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
}
