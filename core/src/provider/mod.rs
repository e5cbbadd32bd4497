//! CI providers: the trait every CI system implements, what each can do, and
//! the registry that builds them by name.
//!
//! A provider only translates: it maps testrelay's run, status and text to
//! its vendor's paths, payloads and status words. Rendering (Markdown, status
//! descriptions) happens before a provider is called; HTTP, retries and
//! redaction live in one shared layer. A capability a vendor lacks returns
//! `ErrorKind::Unsupported`, never a fake success.

mod github;
mod local;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::detect::Detection;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{RunStatus, TestRun, TestRunResult};

pub use github::GithubProvider;
pub use local::LocalProvider;

/// What a provider can really do. Operations outside these return
/// `ErrorKind::Unsupported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capabilities {
    /// `create_test_run` / `update_test_run` / `close` create a run the CI shows.
    pub test_runs: bool,
    /// `update_test_run` shows live progress.
    pub live_updates: bool,
    /// `set_build_status` sets a commit or build status.
    pub build_status: bool,
    /// `add_pr_comment` posts one comment and updates it in place.
    pub pr_comments: bool,
    /// `upload_artifact` stores files.
    pub artifacts: bool,
    /// Failures are shown as annotations at file and line.
    pub annotations: bool,
}

/// What a provider is told about the run it reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunContext {
    /// Unique key of the run; providers use it for idempotency (external ids,
    /// comment markers).
    pub run_key: String,
    /// Display name.
    pub name: String,
    /// Repository (`owner/name`), when known.
    pub repository: Option<String>,
    /// Head commit the results belong to.
    pub commit_sha: Option<String>,
    /// Normalised branch name.
    pub branch: Option<String>,
    /// PR / MR number.
    pub pr_number: Option<u64>,
    /// URL of the CI build, for links.
    pub build_url: Option<String>,
}

/// A run as the CI system knows it, returned by `create_test_run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunHandle {
    /// The CI system's own id for the run (check-run id, test-run id, ...).
    pub external_id: String,
    /// Where a person can see it, when the CI system has such a page.
    pub url: Option<String>,
}

/// Commit / build status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildState {
    /// Tests are running.
    Pending,
    /// All tests passed.
    Success,
    /// Some test failed.
    Failure,
    /// The harness or reporting failed.
    Error,
}

impl BuildState {
    /// The status a run in `status` gives its commit.
    pub fn for_run(status: RunStatus) -> BuildState {
        match status {
            RunStatus::Passed => BuildState::Success,
            RunStatus::Failed => BuildState::Failure,
            RunStatus::Pending | RunStatus::Running => BuildState::Pending,
            RunStatus::Error | RunStatus::Cancelled | RunStatus::TimedOut => BuildState::Error,
        }
    }
}

/// The hidden marker that identifies testrelay's PR comment for a status
/// context, so each new run updates the same comment instead of posting
/// another. Providers search existing comments for exactly this text.
pub fn comment_marker(status_context: &str) -> String {
    crate::report::markdown::marker_comment(&format!("testrelay:{status_context}"))
}

/// What `update_test_run` and `close` send: the run so far and its rendered
/// summary (already within the provider's size budget).
#[derive(Debug, Clone, Copy)]
pub struct RunUpdate<'a> {
    /// The run, with the cases recorded so far.
    pub run: &'a TestRun,
    /// Markdown summary rendered by `report::markdown`.
    pub summary_markdown: &'a str,
    /// One-line description (≤ 140 characters).
    pub description: &'a str,
}

/// A posted comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRef {
    /// The code host's id of the comment.
    pub id: String,
    /// Link to the comment.
    pub url: Option<String>,
    /// True when an existing comment was updated rather than created.
    pub updated: bool,
}

/// A stored artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// Name under which it is stored.
    pub name: String,
    /// Where it can be fetched.
    pub url: String,
    /// Size in bytes.
    pub size: u64,
}

/// One CI system. Implementations are synchronous and thread-safe; the
/// Reporter calls them from its worker threads.
pub trait CiProvider: Send + Sync {
    /// The registry name (`local`, `github`, ...).
    fn name(&self) -> &str;

    /// What this provider can really do.
    fn capabilities(&self) -> Capabilities;

    /// Creates the run in the CI system, or finds the one already created for
    /// `ctx.run_key` (a retried create must not make a second run).
    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle>;

    /// Posts progress for a running run.
    fn update_test_run(&self, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()>;

    /// Completes the run with its final result.
    fn close(&self, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()>;

    /// Sets the commit or build status.
    fn set_build_status(
        &self,
        ctx: &RunContext,
        state: BuildState,
        description: &str,
    ) -> Result<()>;

    /// Posts the run's PR comment, or updates the one posted before for the
    /// same run key (never a second copy).
    fn add_pr_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef>;

    /// Stores a file as an artifact of the run.
    fn upload_artifact(&self, handle: &RunHandle, path: &Path, name: &str) -> Result<ArtifactRef>;

    /// Where an uploaded artifact can be fetched. Errors: `NotFound`.
    fn get_artifact_url(&self, handle: &RunHandle, name: &str) -> Result<String>;

    /// The run's state as the CI system reports it.
    fn get_test_run_status(&self, handle: &RunHandle) -> Result<TestRunResult>;

    /// Publishes the final summary through the CI's token-free channels
    /// (GitHub's job summary and workflow commands), which work even when
    /// the API refused the run. Returns whether anything was published; the
    /// default publishes nothing.
    fn publish_summary(&self, update: &RunUpdate<'_>) -> Result<bool> {
        let _ = update;
        Ok(false)
    }
}

/// Builds a provider from the configuration.
pub type ProviderCtor = Arc<dyn Fn(&Config) -> Result<Box<dyn CiProvider>> + Send + Sync>;

/// The provider factory: names to constructors. Users may register their own.
#[derive(Clone)]
pub struct Registry {
    ctors: BTreeMap<String, ProviderCtor>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::with_builtins()
    }
}

impl Registry {
    /// A registry with no providers.
    pub fn empty() -> Registry {
        Registry {
            ctors: BTreeMap::new(),
        }
    }

    /// A registry with every built-in provider.
    pub fn with_builtins() -> Registry {
        let mut r = Registry::empty();
        r.register("local", |config| Ok(Box::new(LocalProvider::new(config)?)));
        r.register("github", |config| {
            Ok(Box::new(GithubProvider::new(config)?))
        });
        r
    }

    /// Adds (or replaces) the provider called `name`.
    pub fn register(
        &mut self,
        name: &str,
        ctor: impl Fn(&Config) -> Result<Box<dyn CiProvider>> + Send + Sync + 'static,
    ) {
        self.ctors.insert(name.to_ascii_lowercase(), Arc::new(ctor));
    }

    /// Names of the registered providers, sorted.
    pub fn available(&self) -> Vec<String> {
        self.ctors.keys().cloned().collect()
    }

    /// The provider name `requested` stands for: `auto` becomes the detected
    /// CI's provider when one is registered, otherwise `local`; any other
    /// name is lower-cased.
    pub fn resolve_name(&self, requested: &str, detection: &Detection) -> String {
        let requested = requested.trim().to_ascii_lowercase();
        if requested != "auto" {
            return requested;
        }
        if self.ctors.contains_key(detection.provider) {
            detection.provider.to_string()
        } else {
            if detection.is_ci() {
                log::warn!(
                    "testrelay: detected {}, but no `{}` provider is registered; using `local`",
                    detection.ci.map(|c| c.name()).unwrap_or("a CI"),
                    detection.provider
                );
            }
            "local".to_string()
        }
    }

    /// Builds the provider `name` (after resolving `auto`).
    ///
    /// Errors: `Configuration` for an unknown name (listing the known ones),
    /// or whatever the provider's constructor returns.
    pub fn create(&self, name: &str, config: &Config) -> Result<Box<dyn CiProvider>> {
        let resolved = if name.trim().eq_ignore_ascii_case("auto") {
            self.resolve_name(
                name,
                &crate::detect::detect(&crate::detect::Env::from_process()),
            )
        } else {
            self.resolve_name(name, &Detection::none())
        };
        match self.ctors.get(&resolved) {
            Some(ctor) => ctor(config),
            None => Err(Error::new(
                ErrorKind::Configuration,
                format!(
                    "unknown provider `{name}`; available: auto, {}",
                    self.available().join(", ")
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_knows_local_and_rejects_unknown() {
        let r = Registry::with_builtins();
        assert_eq!(
            r.available(),
            vec!["github".to_string(), "local".to_string()]
        );
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            output_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        assert_eq!(r.resolve_name("auto", &Detection::none()), "local");
        let github =
            crate::detect::detect(&crate::detect::Env::new().with_var("GITHUB_ACTIONS", "true"));
        assert_eq!(r.resolve_name("auto", &github), "github");
        let gitlab =
            crate::detect::detect(&crate::detect::Env::new().with_var("GITLAB_CI", "true"));
        // No gitlab provider is registered yet: auto falls back to local.
        assert_eq!(r.resolve_name("auto", &gitlab), "local");
        assert_eq!(r.resolve_name("GitHub", &github), "github");
        assert_eq!(r.create("LOCAL", &config).unwrap().name(), "local");
        let err = r.create("gitlub", &config).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.to_string().contains("gitlub") && err.to_string().contains("local"));
    }

    #[test]
    fn build_state_and_marker() {
        assert_eq!(BuildState::for_run(RunStatus::Passed), BuildState::Success);
        assert_eq!(BuildState::for_run(RunStatus::Failed), BuildState::Failure);
        assert_eq!(BuildState::for_run(RunStatus::TimedOut), BuildState::Error);
        assert_eq!(BuildState::for_run(RunStatus::Running), BuildState::Pending);
        assert_eq!(comment_marker("testrelay"), "<!-- testrelay:testrelay -->");
        let hostile = comment_marker("x-->\n<b>");
        assert_eq!(hostile.matches("-->").count(), 1, "{hostile}");
    }

    #[test]
    fn users_can_register_their_own() {
        let mut r = Registry::empty();
        r.register("mine", |_| Err(Error::unsupported("mine is read-only")));
        assert_eq!(r.available(), vec!["mine".to_string()]);
        let err = r.create("mine", &Config::default()).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }
}
