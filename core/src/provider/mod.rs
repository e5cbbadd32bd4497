//! CI providers in their two roles, what each can do, and the registry that
//! builds them by name.
//!
//! Vendors play two roles, and testrelay keeps them apart:
//! - the **CI system** ([`CiProvider`]) runs the tests and shows the run:
//!   create, update and close it, store artifacts, and publish through its
//!   token-free channels (job summary, workflow commands);
//! - the **code host** ([`CodeHost`]) owns the commit and the pull request:
//!   the commit status and the one PR comment kept up to date
//!   ([`upsert_comment`], shared by every host).
//!
//! GitHub, GitLab and `local` play both roles. A CI that hosts no code has
//! its statuses and comments delivered to the code host that detection
//! names, with that host's own token and base URL ([`Registry::build`]).
//!
//! Each built-in vendor is one file holding one [`ProviderSpec`] (its name,
//! CI, token variables, default API URL and constructors) and the mapping of
//! testrelay's run, status and text to its vendor's paths, payloads and
//! status words, nothing else. Rendering happens before a provider is
//! called; HTTP, retries, pagination and redaction live in [`crate::http`];
//! which URL and token a provider gets is decided in one place
//! ([`endpoint`]). A capability a vendor lacks returns
//! `ErrorKind::Unsupported`, never a fake success.

mod azure;
mod bitbucket;
mod circleci;
pub mod endpoint;
mod github;
mod gitlab;
mod jenkins;
mod local;
pub mod teamcity;
mod travis;

#[cfg(feature = "fuzzing")]
pub(crate) use azure::logging_commands as azure_logging_commands;
#[cfg(feature = "fuzzing")]
pub(crate) use github::workflow_commands as github_workflow_commands;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::detect::{CiSystem, CodeHostKind, Detection, Env};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{RunStatus, TestRun, TestRunResult};

pub use azure::AzureProvider;
pub use bitbucket::BitbucketProvider;
pub use circleci::CircleciProvider;
pub use endpoint::{Credential, Endpoint, TokenKind, TokenVariable, UrlOrigin};
pub use github::GithubProvider;
pub use gitlab::GitlabProvider;
pub use jenkins::JenkinsProvider;
pub use local::LocalProvider;
pub use teamcity::TeamcityProvider;
pub use travis::TravisProvider;

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
    /// The run is shown from files on this machine, so links to local files
    /// (the HTML report) work for its readers.
    pub local_files: bool,
    /// The report files written at the end of the run are attached to it
    /// with `upload_artifact` (queued in the outbox like other artifacts),
    /// because the CI shows a run's attachments beside its results.
    pub attach_reports: bool,
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
    /// The CI's build (pipeline) id, where a vendor ties statuses to it
    /// (GitLab's `pipeline_id`).
    pub build_id: Option<String>,
    /// The repository the pull request lives in, when it is not
    /// `repository` (a GitLab merge request from a fork, built in the fork:
    /// its notes belong to the target project).
    pub pr_repository: Option<String>,
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

/// The CI-system role: the run as the CI shows it. Implementations are
/// synchronous and thread-safe; the Reporter calls them from its worker
/// threads.
pub trait CiProvider: Send + Sync {
    /// The registry name (`local`, `github`, ...).
    fn name(&self) -> &str;

    /// What this provider can really do.
    fn capabilities(&self) -> Capabilities;

    /// The code host this provider is itself, for vendors that play both
    /// roles (GitHub, GitLab, `local`); `None` (the default) for a CI that
    /// hosts no code, whose statuses and comments go to the detected host.
    fn code_host(&self) -> Option<&dyn CodeHost> {
        None
    }

    /// Creates the run in the CI system, or finds the one already created for
    /// `ctx.run_key` (a retried create must not make a second run).
    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle>;

    /// Posts progress for a running run.
    fn update_test_run(
        &self,
        ctx: &RunContext,
        handle: &RunHandle,
        update: &RunUpdate<'_>,
    ) -> Result<()>;

    /// Completes the run with its final result.
    fn close(&self, ctx: &RunContext, handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()>;

    /// Stores a file as an artifact of the run. `handle` is `None` when the
    /// run could not be created; a vendor whose artifact store needs the
    /// run then answers `Connection` (the upload waits in the outbox).
    fn upload_artifact(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef>;

    /// Where an uploaded artifact can be fetched. Errors: `NotFound`.
    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String>;

    /// Writes the content of the artifact `name` the run stored with this
    /// provider into `sink` as it arrives (artifact retrieval streams it
    /// into a temporary file of the cache, so memory stays bounded) and
    /// returns how many bytes it wrote. The default: `Unsupported`, naming
    /// the provider — a provider with a store it can read back overrides
    /// it. On an error `sink` may hold part of the content; the caller
    /// discards it.
    ///
    /// Errors: `Unsupported`; `NotFound` when the store has no such
    /// artifact; `sink`'s errors; the HTTP layer's kinds
    /// ([`HttpClient::download`](crate::http::HttpClient::download)).
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let _ = (ctx, name, sink);
        Err(Error::unsupported(format!(
            "the {} provider has no artifact store testrelay can download from",
            self.name()
        )))
    }

    /// The run's state as the CI system reports it.
    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult>;

    /// Publishes the final summary through the CI's token-free channels
    /// (GitHub's job summary and workflow commands), which work even when
    /// the API refused the run. Returns whether anything was published; the
    /// default publishes nothing.
    fn publish_summary(&self, update: &RunUpdate<'_>) -> Result<bool> {
        let _ = update;
        Ok(false)
    }

    /// The CI's live channel, for a CI that reads results from the build
    /// log as they are printed (TeamCity's service messages): a callback the
    /// Reporter adds to its event hooks when the run starts, so it sees
    /// each case on the collector thread as the case is taken off the
    /// queue (never inside `record`), each metric, and the end of the run.
    /// `None` (the default) for a CI that shows progress through
    /// `update_test_run` only.
    fn live_channel(&self) -> Option<LiveChannel> {
        None
    }
}

/// A provider's live channel: called with every Reporter [`Event`]
/// (see [`CiProvider::live_channel`]).
///
/// [`Event`]: crate::reporter::Event
pub type LiveChannel = Arc<dyn Fn(&crate::reporter::Event<'_>) + Send + Sync>;

/// A comment on a pull request, as [`CodeHost::list_comments`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostComment {
    /// The host's id of the comment.
    pub id: String,
    /// Its text.
    pub body: String,
}

/// The code-host role: the commit status and the one PR comment. Hosts
/// implement the primitives; [`CodeHost::add_pr_comment`] (shared by all,
/// through [`upsert_comment`]) keeps a single comment per status context.
pub trait CodeHost: Send + Sync {
    /// The host's name (`github`, `gitlab`, ...).
    fn host_name(&self) -> &str;

    /// The status context: the name of the commit status, and the key of
    /// the PR comment's marker.
    fn status_context(&self) -> &str;

    /// Sets the commit status of `ctx.commit_sha`.
    fn set_build_status(
        &self,
        ctx: &RunContext,
        state: BuildState,
        description: &str,
    ) -> Result<()>;

    /// Every comment on the run's pull request, all pages, oldest first.
    /// Errors: `Unsupported` when the run has no pull request.
    fn list_comments(&self, ctx: &RunContext) -> Result<Vec<HostComment>>;

    /// Posts a new comment on the run's pull request.
    fn create_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef>;

    /// Replaces the text of comment `id` on the run's pull request.
    fn update_comment(&self, ctx: &RunContext, id: &str, body: &str) -> Result<CommentRef>;

    /// Posts the run's PR comment, or updates the one posted before for the
    /// same status context (never a second copy). Not meant to be
    /// overridden: every host shares [`upsert_comment`].
    fn add_pr_comment(&self, ctx: &RunContext, body: &str) -> Result<CommentRef>
    where
        Self: Sized,
    {
        upsert_comment(self, ctx, body)
    }
}

/// The one comment upsert every code host uses: finds the comment that
/// carries our marker for the host's status context on any page, then
/// edits it, or creates one when there is none. Never a second copy.
///
/// Errors: the host's (`Unsupported` from a host whose comments need a pull
/// request, when the run has none).
pub fn upsert_comment(host: &dyn CodeHost, ctx: &RunContext, body: &str) -> Result<CommentRef> {
    let marker = comment_marker(host.status_context());
    let ours = host
        .list_comments(ctx)?
        .into_iter()
        .find(|c| c.body.contains(&marker));
    match ours {
        Some(c) => host.update_comment(ctx, &c.id, body),
        None => host.create_comment(ctx, body),
    }
}

/// Everything a provider's constructor gets: the configuration, the
/// endpoint (base URL and credential) decided by [`endpoint::resolve`], and
/// the environment and detection for vendor variables of its own CI.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The run's configuration.
    pub config: &'a Config,
    /// Base URL and credential for this vendor.
    pub endpoint: &'a Endpoint,
    /// The environment (the process's, or one injected by tests).
    pub env: &'a Env,
    /// What detection found.
    pub detection: &'a Detection,
    /// The repository on this vendor (for a delegated code host, the one
    /// detection names; else `config.repository`).
    pub repository: Option<&'a str>,
}

impl Setup<'_> {
    /// True when the process runs inside `ci`.
    pub fn inside(&self, ci: CiSystem) -> bool {
        self.detection.ci == Some(ci)
    }
}

/// Builds a CI-system provider.
pub type ProviderCtor = Arc<dyn Fn(&Setup<'_>) -> Result<Box<dyn CiProvider>> + Send + Sync>;
/// Builds a code host.
pub type HostCtor = fn(&Setup<'_>) -> Result<Box<dyn CodeHost>>;

/// One vendor: its name, the CI it serves, where its token and API URL
/// come from, and its constructors. Each built-in provider file defines
/// one; [`Registry::register`] makes one for a user's provider.
#[derive(Clone)]
pub struct ProviderSpec {
    /// The registry name (`github`, `gitlab`, ...), also the name of its
    /// configuration section (`providers.<name>`).
    pub name: &'static str,
    /// The CI system it serves: `auto` picks it there, and only there are
    /// that CI's own variables (API URL, job token) trusted.
    pub ci: Option<CiSystem>,
    /// The code host it is, for delegation from CIs that host no code.
    pub code_host: Option<CodeHostKind>,
    /// The variables its users keep a token in, in the order they are read
    /// (after the explicit settings and `TESTRELAY_API_TOKEN`).
    pub token_variables: &'static [TokenVariable],
    /// The vendor's public API, used when nothing else names one.
    pub default_api_url: Option<&'static str>,
    /// Builds the CI-system role.
    pub build: ProviderCtor,
    /// Builds the code-host role on its own (for delegation).
    pub build_host: Option<HostCtor>,
}

impl std::fmt::Debug for ProviderSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSpec")
            .field("name", &self.name)
            .field("ci", &self.ci)
            .field("code_host", &self.code_host)
            .finish_non_exhaustive()
    }
}

/// A provider ready for a run: the CI-system role, and the code host that
/// takes statuses and comments (the provider itself, a delegated host, or
/// none, with the reason).
#[derive(Clone)]
pub struct Provider {
    /// The CI-system role.
    pub ci: Arc<dyn CiProvider>,
    delegated: Option<Arc<dyn CodeHost>>,
    /// Why there is no code host, when there is none (said once in the
    /// receipt, with the token that would add statuses and comments).
    pub no_host_reason: Option<String>,
}

impl Provider {
    /// A provider whose statuses and comments go wherever `ci` says (itself,
    /// or nowhere).
    pub fn new(ci: Arc<dyn CiProvider>) -> Provider {
        Provider {
            ci,
            delegated: None,
            no_host_reason: None,
        }
    }

    /// The registry name of the CI-system role.
    pub fn name(&self) -> &str {
        self.ci.name()
    }

    /// The code host for statuses and comments, if any.
    pub fn host(&self) -> Option<&dyn CodeHost> {
        self.ci.code_host().or(self.delegated.as_deref())
    }
}

/// The provider factory: names to [`ProviderSpec`]s. Users may register
/// their own.
#[derive(Clone)]
pub struct Registry {
    specs: BTreeMap<String, ProviderSpec>,
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
            specs: BTreeMap::new(),
        }
    }

    /// A registry with every built-in provider.
    pub fn with_builtins() -> Registry {
        let mut r = Registry::empty();
        for spec in [
            local::spec(),
            github::spec(),
            gitlab::spec(),
            azure::spec(),
            bitbucket::spec(),
            jenkins::spec(),
            teamcity::spec(),
            circleci::spec(),
            travis::spec(),
        ] {
            r.register_spec(spec);
        }
        r
    }

    /// Adds (or replaces) a vendor.
    pub fn register_spec(&mut self, spec: ProviderSpec) {
        self.specs.insert(spec.name.to_ascii_lowercase(), spec);
    }

    /// Adds (or replaces) the provider called `name`, built from the
    /// configuration alone: it serves no detected CI and reads no token
    /// variables; a provider that is its own code host says so through
    /// [`CiProvider::code_host`].
    pub fn register(
        &mut self,
        name: &str,
        ctor: impl Fn(&Config) -> Result<Box<dyn CiProvider>> + Send + Sync + 'static,
    ) {
        let name: &'static str = Box::leak(name.to_ascii_lowercase().into_boxed_str());
        self.register_spec(ProviderSpec {
            name,
            ci: None,
            code_host: None,
            token_variables: &[],
            default_api_url: None,
            build: Arc::new(move |setup: &Setup<'_>| ctor(setup.config)),
            build_host: None,
        });
    }

    /// Names of the registered providers, sorted.
    pub fn available(&self) -> Vec<String> {
        self.specs.keys().cloned().collect()
    }

    /// The vendor called `name` (lower-case), if registered.
    pub fn spec(&self, name: &str) -> Option<&ProviderSpec> {
        self.specs.get(&name.trim().to_ascii_lowercase())
    }

    /// The registered provider that serves `ci`, if any.
    pub fn provider_for(&self, ci: CiSystem) -> Option<String> {
        self.specs
            .values()
            .find(|s| s.ci == Some(ci))
            .map(|s| s.name.to_string())
    }

    /// The provider name `requested` stands for: `auto` becomes the provider
    /// registered for the detected CI, otherwise `local`; any other name is
    /// lower-cased.
    pub fn resolve_name(&self, requested: &str, detection: &Detection) -> String {
        let requested = requested.trim().to_ascii_lowercase();
        if requested != "auto" {
            return requested;
        }
        let Some(ci) = detection.ci else {
            return "local".to_string();
        };
        match self.specs.values().find(|s| s.ci == Some(ci)) {
            Some(spec) => spec.name.to_string(),
            None => {
                log::warn!(
                    "testrelay: detected {}, but no provider for it is registered; using `local`",
                    ci.name()
                );
                "local".to_string()
            }
        }
    }

    fn spec_or_error(&self, name: &str) -> Result<&ProviderSpec> {
        self.spec(name).ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                format!(
                    "unknown provider `{name}`; available: auto, {}",
                    self.available().join(", ")
                ),
            )
        })
    }

    /// Builds the CI-system role of `name` (after resolving `auto` against
    /// the process's environment) from the configuration alone: its
    /// explicit settings, else the vendor's public API.
    ///
    /// Errors: `Configuration` for an unknown name (listing the known ones),
    /// or whatever the provider's constructor returns.
    pub fn create(&self, name: &str, config: &Config) -> Result<Box<dyn CiProvider>> {
        let (env, detection) = if name.trim().eq_ignore_ascii_case("auto") {
            let env = Env::from_process();
            let detection = crate::detect::detect(&env);
            (env, detection)
        } else {
            (Env::new(), Detection::none())
        };
        let resolved = self.resolve_name(name, &detection);
        let spec = self.spec_or_error(&resolved)?;
        let endpoint = endpoint::resolve(spec, config, true, &Env::new(), &Detection::none())?;
        (spec.build)(&Setup {
            config,
            endpoint: &endpoint,
            env: &env,
            detection: &detection,
            repository: config.repository.as_deref(),
        })
    }

    /// Builds the provider `name` (already resolved from `auto`) for a run
    /// in `env`: the CI-system role with its endpoint, and, for a CI that
    /// hosts no code, the code host detection names, with that host's own
    /// endpoint. A code host that cannot be built (no token, an unknown
    /// server) is left out with the reason; the CI-system role still works.
    ///
    /// Errors: `Configuration` for an unknown provider or configuration
    /// section, or an endpoint that breaks the token rules; the CI-system
    /// constructor's errors.
    pub fn build(
        &self,
        name: &str,
        config: &Config,
        env: &Env,
        detection: &Detection,
    ) -> Result<Provider> {
        for section in config.providers.keys() {
            if self.spec(section).is_none() {
                return Err(Error::new(
                    ErrorKind::Configuration,
                    format!(
                        "unknown configuration section `providers.{section}`; providers: {}",
                        self.available().join(", ")
                    ),
                ));
            }
        }
        let spec = self.spec_or_error(name)?;
        let endpoint = endpoint::resolve(spec, config, true, env, detection)?;
        let ci: Arc<dyn CiProvider> = Arc::from((spec.build)(&Setup {
            config,
            endpoint: &endpoint,
            env,
            detection,
            repository: config.repository.as_deref(),
        })?);
        let mut provider = Provider::new(ci);
        if provider.host().is_some() {
            return Ok(provider);
        }
        match self.delegated_host(config, env, detection) {
            Ok(host) => provider.delegated = Some(host),
            Err(reason) => provider.no_host_reason = Some(reason),
        }
        Ok(provider)
    }

    /// The code host detection names, built with its own endpoint, or why
    /// there is none.
    fn delegated_host(
        &self,
        config: &Config,
        env: &Env,
        detection: &Detection,
    ) -> std::result::Result<Arc<dyn CodeHost>, String> {
        let Some(found) = &detection.code_host else {
            return Err("no code host was detected for this repository, so commit \
                        statuses and PR comments are not posted"
                .to_string());
        };
        let spec = self
            .specs
            .values()
            .find(|s| s.code_host == Some(found.kind) && s.build_host.is_some())
            .ok_or_else(|| {
                format!(
                    "the repository is on {}, and testrelay has no {} code host yet, so \
                     commit statuses and PR comments are not posted",
                    found.host,
                    found.kind.as_str()
                )
            })?;
        let build = spec.build_host.ok_or_else(String::new)?;
        let endpoint =
            endpoint::resolve(spec, config, false, env, detection).map_err(|e| e.to_string())?;
        if endpoint.credential.is_none() {
            let variables: Vec<&str> = spec.token_variables.iter().map(|t| t.name).collect();
            return Err(format!(
                "no {} token is set, so commit statuses and PR comments are not posted; set \
                 providers.{}.token (or {}) to add them",
                spec.name,
                spec.name,
                variables.join(" or ")
            ));
        }
        build(&Setup {
            config,
            endpoint: &endpoint,
            env,
            detection,
            repository: Some(&found.repository),
        })
        .map(Arc::from)
        .map_err(|e| e.to_string())
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
            [
                "azure",
                "bitbucket",
                "circleci",
                "github",
                "gitlab",
                "jenkins",
                "local",
                "teamcity",
                "travis"
            ]
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
        assert_eq!(r.resolve_name("auto", &gitlab), "gitlab");
        let azure = crate::detect::detect(&crate::detect::Env::new().with_var("TF_BUILD", "True"));
        assert_eq!(r.resolve_name("auto", &azure), "azure");
        let bitbucket = crate::detect::detect(
            &crate::detect::Env::new().with_var("BITBUCKET_BUILD_NUMBER", "7"),
        );
        assert_eq!(r.resolve_name("auto", &bitbucket), "bitbucket");
        // A CI without a provider of its own falls back to local.
        let buildkite =
            crate::detect::detect(&crate::detect::Env::new().with_var("BUILDKITE", "true"));
        assert_eq!(r.resolve_name("auto", &buildkite), "local");
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
    fn provider_sections_are_checked() {
        let config =
            Config::from_json(r#"{"providers": {"gitlub": {"api_url": "https://x"}}}"#).unwrap();
        let env = Env::new();
        let err = Registry::with_builtins()
            .build("local", &config, &env, &Detection::none())
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.message().contains("providers.gitlub"), "{err}");
        let err =
            Config::from_json(r#"{"providers": {"gitlab": {"api_ur": "https://x"}}}"#).unwrap_err();
        assert!(err.message().contains("api_ur"), "{err}");
        let token =
            Config::from_json(r#"{"providers": {"gitlab": {"token": "glpat-x"}}}"#).unwrap();
        assert!(!format!("{token:?}").contains("glpat-x"));
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
