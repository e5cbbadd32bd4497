//! CI environment detection: which of 18 CI systems runs us, which testrelay
//! provider to use, and the identity of the build (repository, head commit,
//! branch, pull request, build and job, shard, API base URL), each value with
//! the variable or file it came from.
//!
//! Detection is pure code over an injected [`Env`]: tests build one from a
//! list of variables and in-memory files and never touch the process
//! environment; real use calls [`Env::from_process`].
//!
//! # Which CI, when several match
//!
//! 1. `CI` set to `false` or `0` (any case) means "not CI": nothing else is looked at.
//! 2. The first system whose marker is present wins, in this order (specific
//!    markers before generic ones, see [`CiSystem::DETECTION_ORDER`]):
//!    GitHub Actions (`GITHUB_ACTIONS`, but not when `GITEA_ACTIONS` or
//!    `FORGEJO_ACTIONS` says Gitea/Forgejo Actions is emulating it), GitLab CI
//!    (`GITLAB_CI`, before Woodpecker, which shares the `CI_COMMIT_*` names),
//!    Woodpecker (`CI=woodpecker`), Azure Pipelines (`TF_BUILD`), CircleCI
//!    (`CIRCLECI`), Travis CI (`TRAVIS`), Bitbucket Pipelines
//!    (`BITBUCKET_BUILD_NUMBER` or `BITBUCKET_COMMIT`), Buildkite
//!    (`BUILDKITE`), AppVeyor (`APPVEYOR`), Drone (`DRONE`), Semaphore
//!    (`SEMAPHORE`), Cirrus CI (`CIRRUS_CI`), Codefresh (`CF_BUILD_ID`),
//!    Bitrise (`BITRISE_IO`), Buddy (`BUDDY_WORKSPACE_ID` or `BUDDY`), AWS
//!    CodeBuild (`CODEBUILD_BUILD_ARN` or `CODEBUILD_BUILD_ID`), TeamCity
//!    (`TEAMCITY_VERSION`), and last Jenkins, which needs both `JENKINS_URL`
//!    and `BUILD_ID` (either alone is common on developer machines).
//!    `BUILD_NUMBER` alone, or a bare `CI=true`, detects nothing.
//!
//! Flag markers count when set to anything but an empty string, `false`, `0`,
//! `no` or `off` (any case), so `TF_BUILD=True` and `APPVEYOR=True` match.
//! Empty variables are treated as unset everywhere.
//!
//! # Guarantees
//!
//! - The commit is the head commit the developer pushed, never the CI's
//!   synthetic merge commit where the CI says which is which (GitHub's event
//!   file, Azure's `SYSTEM_PULLREQUEST_SOURCECOMMITID`, Travis's
//!   `TRAVIS_PULL_REQUEST_SHA`, GitLab's `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`,
//!   AppVeyor's `APPVEYOR_PULL_REQUEST_HEAD_COMMIT`, Semaphore's `SEMAPHORE_GIT_PR_SHA`).
//! - The branch is the source branch on pull requests, normalised with
//!   [`normalize_branch`]; the target branch is `base_branch`.
//! - Shard indexes are 0-based; 1-based variables are converted.
//! - Every URL kept has its credentials removed (`strip_url_credentials`).
//! - No token value is ever read into a [`Detection`]: `token_env` names the
//!   variable that holds the CI's job token and `token_present` says whether
//!   it is set.
//! - Detection never fails: a problem (an unreadable event file, a
//!   malformed number) leaves the field empty and adds a line to `notes`.

mod properties;
mod remote;
mod shards;
mod vendors;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::model::normalize_branch;

use crate::url::strip_url_credentials;
pub use shards::{SHARD_VARIABLES, ShardVariables, shard_variables};

/// The environment detection reads: variables, plus the files that some
/// variables name (GitHub's `GITHUB_EVENT_PATH`, TeamCity's properties files).
///
/// Files come from an in-memory set ([`Env::with_file`]) and, only when
/// enabled ([`Env::from_process`], [`Env::with_disk_files`]), from the disk;
/// an in-memory file shadows the disk. `Debug` shows variable names and file
/// paths, never values, so an `Env` holding tokens is safe to log.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    files: HashMap<String, String>,
    disk: bool,
}

impl Env {
    /// An empty environment: no variables, no files, no disk access.
    pub fn new() -> Env {
        Env::default()
    }

    /// The current process's environment, reading named files from the disk.
    /// Variables whose name or value is not valid UTF-8 are left out.
    pub fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Env {
            vars,
            files: HashMap::new(),
            disk: true,
        }
    }

    /// An environment holding exactly `vars`, with no files and no disk access.
    pub fn from_vars<I, K, V>(vars: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            ..Env::default()
        }
    }

    /// Sets one variable (replacing an earlier value).
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Env {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Adds an in-memory file: a variable naming `path` reads `contents`.
    pub fn with_file(mut self, path: impl Into<String>, contents: impl Into<String>) -> Env {
        self.files.insert(path.into(), contents.into());
        self
    }

    /// Lets file reads fall through to the disk (for tests using temp files).
    pub fn with_disk_files(mut self) -> Env {
        self.disk = true;
        self
    }

    /// The variable's value with surrounding whitespace trimmed; `None` when
    /// it is unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The contents of the file at `path`: the in-memory file if there is
    /// one, else the disk when enabled.
    ///
    /// Errors: `NotFound` when no such file exists (or disk access is off),
    /// `Io` when the disk read fails; both name the path.
    pub fn read_file(&self, path: &str) -> Result<String> {
        if let Some(contents) = self.files.get(path) {
            return Ok(contents.clone());
        }
        if !self.disk {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("reading {path}: no such file in the injected environment"),
            ));
        }
        let p = std::path::Path::new(path);
        std::fs::read_to_string(p).map_err(|e| Error::io("reading", p, e))
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: BTreeSet<&str> = self.vars.keys().map(String::as_str).collect();
        let files: BTreeSet<&str> = self.files.keys().map(String::as_str).collect();
        f.debug_struct("Env")
            .field("vars", &names)
            .field("files", &files)
            .field("disk", &self.disk)
            .finish()
    }
}

/// A CI system testrelay recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CiSystem {
    /// GitHub Actions.
    GithubActions,
    /// GitLab CI/CD.
    GitlabCi,
    /// Jenkins.
    Jenkins,
    /// Azure Pipelines.
    AzurePipelines,
    /// CircleCI.
    Circleci,
    /// Travis CI.
    TravisCi,
    /// Bitbucket Pipelines.
    BitbucketPipelines,
    /// TeamCity.
    Teamcity,
    /// Buildkite.
    Buildkite,
    /// AppVeyor.
    Appveyor,
    /// Drone.
    Drone,
    /// Woodpecker CI.
    Woodpecker,
    /// Semaphore 2.
    Semaphore,
    /// Cirrus CI.
    CirrusCi,
    /// AWS CodeBuild.
    AwsCodebuild,
    /// Codefresh.
    Codefresh,
    /// Bitrise.
    Bitrise,
    /// Buddy.
    Buddy,
}

impl CiSystem {
    /// The order in which markers are checked; the first match wins (see the module docs).
    pub const DETECTION_ORDER: [CiSystem; 18] = [
        CiSystem::GithubActions,
        CiSystem::GitlabCi,
        CiSystem::Woodpecker,
        CiSystem::AzurePipelines,
        CiSystem::Circleci,
        CiSystem::TravisCi,
        CiSystem::BitbucketPipelines,
        CiSystem::Buildkite,
        CiSystem::Appveyor,
        CiSystem::Drone,
        CiSystem::Semaphore,
        CiSystem::CirrusCi,
        CiSystem::Codefresh,
        CiSystem::Bitrise,
        CiSystem::Buddy,
        CiSystem::AwsCodebuild,
        CiSystem::Teamcity,
        CiSystem::Jenkins,
    ];

    /// The stable identifier used in JSON (`github_actions`, `gitlab_ci`, ...).
    pub fn id(self) -> &'static str {
        match self {
            CiSystem::GithubActions => "github_actions",
            CiSystem::GitlabCi => "gitlab_ci",
            CiSystem::Jenkins => "jenkins",
            CiSystem::AzurePipelines => "azure_pipelines",
            CiSystem::Circleci => "circleci",
            CiSystem::TravisCi => "travis_ci",
            CiSystem::BitbucketPipelines => "bitbucket_pipelines",
            CiSystem::Teamcity => "teamcity",
            CiSystem::Buildkite => "buildkite",
            CiSystem::Appveyor => "appveyor",
            CiSystem::Drone => "drone",
            CiSystem::Woodpecker => "woodpecker",
            CiSystem::Semaphore => "semaphore",
            CiSystem::CirrusCi => "cirrus_ci",
            CiSystem::AwsCodebuild => "aws_codebuild",
            CiSystem::Codefresh => "codefresh",
            CiSystem::Bitrise => "bitrise",
            CiSystem::Buddy => "buddy",
        }
    }

    /// The product name for people ("GitHub Actions").
    pub fn name(self) -> &'static str {
        match self {
            CiSystem::GithubActions => "GitHub Actions",
            CiSystem::GitlabCi => "GitLab CI",
            CiSystem::Jenkins => "Jenkins",
            CiSystem::AzurePipelines => "Azure Pipelines",
            CiSystem::Circleci => "CircleCI",
            CiSystem::TravisCi => "Travis CI",
            CiSystem::BitbucketPipelines => "Bitbucket Pipelines",
            CiSystem::Teamcity => "TeamCity",
            CiSystem::Buildkite => "Buildkite",
            CiSystem::Appveyor => "AppVeyor",
            CiSystem::Drone => "Drone",
            CiSystem::Woodpecker => "Woodpecker CI",
            CiSystem::Semaphore => "Semaphore",
            CiSystem::CirrusCi => "Cirrus CI",
            CiSystem::AwsCodebuild => "AWS CodeBuild",
            CiSystem::Codefresh => "Codefresh",
            CiSystem::Bitrise => "Bitrise",
            CiSystem::Buddy => "Buddy",
        }
    }

    /// The testrelay provider for this CI: its own for the eight systems
    /// with one (`github`, `gitlab`, `jenkins`, `azure`, `circleci`,
    /// `travis`, `bitbucket`, `teamcity`), `local` for the others.
    pub fn provider(self) -> &'static str {
        match self {
            CiSystem::GithubActions => "github",
            CiSystem::GitlabCi => "gitlab",
            CiSystem::Jenkins => "jenkins",
            CiSystem::AzurePipelines => "azure",
            CiSystem::Circleci => "circleci",
            CiSystem::TravisCi => "travis",
            CiSystem::BitbucketPipelines => "bitbucket",
            CiSystem::Teamcity => "teamcity",
            _ => "local",
        }
    }
}

impl fmt::Display for CiSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A code host: the service that owns the commit and the pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeHostKind {
    /// GitHub or GitHub Enterprise Server.
    Github,
    /// GitLab (gitlab.com or self-managed).
    Gitlab,
    /// Bitbucket Cloud.
    Bitbucket,
    /// Azure Repos.
    Azure,
}

impl CodeHostKind {
    /// The lower-case name used in JSON (`github`, `gitlab`, `bitbucket`, `azure`).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeHostKind::Github => "github",
            CodeHostKind::Gitlab => "gitlab",
            CodeHostKind::Bitbucket => "bitbucket",
            CodeHostKind::Azure => "azure",
        }
    }

    /// The public service's host name (`github.com`, ...).
    pub fn default_host(self) -> &'static str {
        match self {
            CodeHostKind::Github => "github.com",
            CodeHostKind::Gitlab => "gitlab.com",
            CodeHostKind::Bitbucket => "bitbucket.org",
            CodeHostKind::Azure => "dev.azure.com",
        }
    }
}

/// The code host of the repository being built, for CIs that delegate commit
/// statuses and PR comments to it (CircleCI, Travis, Jenkins, TeamCity) and
/// for the hosts that are their own CI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositoryHost {
    /// Which service.
    pub kind: CodeHostKind,
    /// Its host name, e.g. `github.com` or a GitHub Enterprise host.
    pub host: String,
    /// The repository there: `owner/name` (GitHub, Bitbucket), the full
    /// namespace path (GitLab), `organization/project/repository` (Azure Repos).
    pub repository: String,
}

/// What [`detect`] found. `ci` and every field found from the environment
/// have an entry in `sources`; `provider` and `token_env` follow from `ci`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// The CI system, or `None` outside CI.
    pub ci: Option<CiSystem>,
    /// The testrelay provider to use (see [`CiSystem::provider`]); `local` outside CI.
    pub provider: &'static str,
    /// The repository as the CI names it, usually `owner/name` (GitLab: the
    /// project path; Azure: `BUILD_REPOSITORY_NAME`).
    pub repository: Option<String>,
    /// The clone URL, credentials removed.
    pub repository_url: Option<String>,
    /// The vendor's repository id where its API needs one (Azure `BUILD_REPOSITORY_ID`, Bitbucket UUID).
    pub repository_id: Option<String>,
    /// The vendor's project id where its API needs one (GitLab `CI_PROJECT_ID`, Azure `SYSTEM_TEAMPROJECTID`).
    pub project_id: Option<String>,
    /// The head commit (never a CI-made merge commit where the CI tells them apart).
    pub commit_sha: Option<String>,
    /// The branch built; on pull requests the source branch. Normalised.
    pub branch: Option<String>,
    /// The pull request's target branch.
    pub base_branch: Option<String>,
    /// The repository the pull request belongs to, when the build runs in
    /// another one (a GitLab merge request pipeline in the fork:
    /// `CI_MERGE_REQUEST_PROJECT_PATH`).
    pub pr_repository: Option<String>,
    /// The pull/merge request number people see (GitLab: the project-scoped IID).
    pub pr_number: Option<u64>,
    /// The vendor's other, global PR id where it differs from the number
    /// (GitLab `CI_MERGE_REQUEST_ID`, Azure `SYSTEM_PULLREQUEST_PULLREQUESTID`).
    pub pr_id: Option<u64>,
    /// The build/pipeline/workflow id.
    pub build_id: Option<String>,
    /// The build number or name people see, where it differs from the id.
    pub build_number: Option<String>,
    /// The build's web page.
    pub build_url: Option<String>,
    /// The job's id within the build.
    pub job_id: Option<String>,
    /// The job's name.
    pub job_name: Option<String>,
    /// The job's web page.
    pub job_url: Option<String>,
    /// This shard's index, 0-based.
    pub shard_index: Option<u32>,
    /// The number of shards.
    pub shard_total: Option<u32>,
    /// The CI vendor's API base URL.
    pub api_url: Option<String>,
    /// The code host of the repository, when derivable.
    pub code_host: Option<RepositoryHost>,
    /// The variable that holds the CI's job token (`GITHUB_TOKEN`,
    /// `CI_JOB_TOKEN`, `SYSTEM_ACCESSTOKEN`); never its value.
    pub token_env: Option<&'static str>,
    /// Whether the variable named by `token_env` is set.
    pub token_present: bool,
    /// Where each field came from, e.g. `"env GITHUB_HEAD_REF"` or
    /// `"file $GITHUB_EVENT_PATH pull_request.head.sha"`.
    pub sources: BTreeMap<&'static str, String>,
    /// Problems met and caveats, for people.
    pub notes: Vec<String>,
}

impl Detection {
    /// The result outside CI: provider `local`, nothing else.
    pub fn none() -> Detection {
        Detection {
            ci: None,
            provider: "local",
            repository: None,
            repository_url: None,
            repository_id: None,
            project_id: None,
            commit_sha: None,
            branch: None,
            base_branch: None,
            pr_repository: None,
            pr_number: None,
            pr_id: None,
            build_id: None,
            build_number: None,
            build_url: None,
            job_id: None,
            job_name: None,
            job_url: None,
            shard_index: None,
            shard_total: None,
            api_url: None,
            code_host: None,
            token_env: None,
            token_present: false,
            sources: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// True when a CI system was detected.
    pub fn is_ci(&self) -> bool {
        self.ci.is_some()
    }

    /// Renders the result for `testrelay detect`: one `field: value (source)`
    /// line per field found, then the token hint and any notes.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let mut line = |field: &str, value: &str, source: Option<&String>| {
            out.push_str(field);
            out.push_str(": ");
            out.push_str(value);
            if let Some(source) = source {
                out.push_str(" (");
                out.push_str(source);
                out.push(')');
            }
            out.push('\n');
        };
        let ci = self.ci.map_or("none detected", CiSystem::name);
        line("ci", ci, self.sources.get("ci"));
        line("provider", self.provider, None);
        for field in Text::ALL {
            if let Some(value) = self.text(field) {
                line(field.key(), value, self.sources.get(field.key()));
            }
        }
        let numbers = [
            ("pr_number", self.pr_number),
            ("pr_id", self.pr_id),
            ("shard_index", self.shard_index.map(u64::from)),
            ("shard_total", self.shard_total.map(u64::from)),
        ];
        for (key, value) in numbers {
            if let Some(value) = value {
                line(key, &value.to_string(), self.sources.get(key));
            }
        }
        if let Some(host) = &self.code_host {
            let value = format!("{} {} {}", host.kind.as_str(), host.host, host.repository);
            line("code_host", &value, self.sources.get("code_host"));
        }
        if let Some(token) = self.token_env {
            let state = if self.token_present { "set" } else { "not set" };
            line("token", &format!("{token} ({state})"), None);
        }
        for note in &self.notes {
            line("note", note, None);
        }
        out
    }

    fn text(&self, field: Text) -> Option<&str> {
        match field {
            Text::Repository => self.repository.as_deref(),
            Text::RepositoryUrl => self.repository_url.as_deref(),
            Text::RepositoryId => self.repository_id.as_deref(),
            Text::ProjectId => self.project_id.as_deref(),
            Text::CommitSha => self.commit_sha.as_deref(),
            Text::Branch => self.branch.as_deref(),
            Text::BaseBranch => self.base_branch.as_deref(),
            Text::PrRepository => self.pr_repository.as_deref(),
            Text::BuildId => self.build_id.as_deref(),
            Text::BuildNumber => self.build_number.as_deref(),
            Text::BuildUrl => self.build_url.as_deref(),
            Text::JobId => self.job_id.as_deref(),
            Text::JobName => self.job_name.as_deref(),
            Text::JobUrl => self.job_url.as_deref(),
            Text::ApiUrl => self.api_url.as_deref(),
        }
    }

    fn text_slot(&mut self, field: Text) -> &mut Option<String> {
        match field {
            Text::Repository => &mut self.repository,
            Text::RepositoryUrl => &mut self.repository_url,
            Text::RepositoryId => &mut self.repository_id,
            Text::ProjectId => &mut self.project_id,
            Text::CommitSha => &mut self.commit_sha,
            Text::Branch => &mut self.branch,
            Text::BaseBranch => &mut self.base_branch,
            Text::PrRepository => &mut self.pr_repository,
            Text::BuildId => &mut self.build_id,
            Text::BuildNumber => &mut self.build_number,
            Text::BuildUrl => &mut self.build_url,
            Text::JobId => &mut self.job_id,
            Text::JobName => &mut self.job_name,
            Text::JobUrl => &mut self.job_url,
            Text::ApiUrl => &mut self.api_url,
        }
    }
}

/// Detects the CI system and the build's identity from `env`.
///
/// Never fails: see the module docs for the rules, the priority order when
/// several systems match, and what lands in `notes`.
pub fn detect(env: &Env) -> Detection {
    if let Some(ci) = env.get("CI") {
        if ci.eq_ignore_ascii_case("false") || ci == "0" {
            let mut d = Detection::none();
            d.sources.insert("ci", format!("env CI={ci}: not CI"));
            return d;
        }
    }
    for system in CiSystem::DETECTION_ORDER {
        if let Some(marker) = vendors::marker(system, env) {
            let mut b = Builder {
                env,
                d: Detection::none(),
            };
            b.d.ci = Some(system);
            b.d.provider = system.provider();
            b.d.sources.insert("ci", marker);
            vendors::read(system, &mut b);
            return b.d;
        }
    }
    let mut d = Detection::none();
    if vendors::forge_emulates_github(env) {
        d.notes.push(
            "Gitea/Forgejo Actions sets GITHUB_* variables, but its API is not GitHub's; \
             no CI provider applies"
                .to_string(),
        );
    } else if env.get("CI").is_some() {
        d.notes
            .push("CI is set, but no known CI system's variables are present".to_string());
    }
    d
}

/// A text field of [`Detection`], for the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    Repository,
    RepositoryUrl,
    RepositoryId,
    ProjectId,
    CommitSha,
    Branch,
    BaseBranch,
    PrRepository,
    BuildId,
    BuildNumber,
    BuildUrl,
    JobId,
    JobName,
    JobUrl,
    ApiUrl,
}

impl Text {
    const ALL: [Text; 15] = [
        Text::Repository,
        Text::RepositoryUrl,
        Text::RepositoryId,
        Text::ProjectId,
        Text::CommitSha,
        Text::Branch,
        Text::BaseBranch,
        Text::PrRepository,
        Text::BuildId,
        Text::BuildNumber,
        Text::BuildUrl,
        Text::JobId,
        Text::JobName,
        Text::JobUrl,
        Text::ApiUrl,
    ];

    fn key(self) -> &'static str {
        match self {
            Text::Repository => "repository",
            Text::RepositoryUrl => "repository_url",
            Text::RepositoryId => "repository_id",
            Text::ProjectId => "project_id",
            Text::CommitSha => "commit_sha",
            Text::Branch => "branch",
            Text::BaseBranch => "base_branch",
            Text::PrRepository => "pr_repository",
            Text::BuildId => "build_id",
            Text::BuildNumber => "build_number",
            Text::BuildUrl => "build_url",
            Text::JobId => "job_id",
            Text::JobName => "job_name",
            Text::JobUrl => "job_url",
            Text::ApiUrl => "api_url",
        }
    }

    /// Applies the field's rule: branches normalised, URLs stripped of credentials.
    fn clean(self, value: &str) -> String {
        match self {
            Text::Branch | Text::BaseBranch => normalize_branch(value),
            Text::RepositoryUrl | Text::BuildUrl | Text::JobUrl | Text::ApiUrl => {
                strip_url_credentials(value)
            }
            _ => value.trim().to_string(),
        }
    }
}

/// A numeric field of [`Detection`], for the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    PrNumber,
    PrId,
}

impl Num {
    fn key(self) -> &'static str {
        match self {
            Num::PrNumber => "pr_number",
            Num::PrId => "pr_id",
        }
    }
}

/// Fills a [`Detection`] field by field. Every setter keeps the first value
/// set (so callers list sources in priority order) and records its source.
struct Builder<'e> {
    env: &'e Env,
    d: Detection,
}

impl<'e> Builder<'e> {
    /// The variable's non-empty, trimmed value.
    fn var(&self, name: &str) -> Option<&'e str> {
        self.env.get(name)
    }

    /// True when the variable is set to something other than false/0/no/off.
    fn flag(&self, name: &str) -> bool {
        vendors::truthy(self.env, name)
    }

    fn has(&self, field: Text) -> bool {
        self.d.text(field).is_some()
    }

    /// Sets `field` to `value` unless it is already set or `value` is empty
    /// after cleaning. Returns whether it was set.
    fn put(&mut self, field: Text, value: &str, source: impl Into<String>) -> bool {
        if self.has(field) {
            return false;
        }
        let value = field.clean(value);
        if value.is_empty() {
            return false;
        }
        *self.d.text_slot(field) = Some(value);
        self.d.sources.insert(field.key(), source.into());
        true
    }

    /// Sets `field` from the variable `name` (see [`Builder::put`]).
    fn set_from(&mut self, field: Text, name: &str) -> bool {
        match self.var(name) {
            Some(value) => self.put(field, value, format!("env {name}")),
            None => false,
        }
    }

    fn num_slot(&mut self, field: Num) -> &mut Option<u64> {
        match field {
            Num::PrNumber => &mut self.d.pr_number,
            Num::PrId => &mut self.d.pr_id,
        }
    }

    /// Sets a numeric field unless already set.
    fn put_num(&mut self, field: Num, value: u64, source: impl Into<String>) -> bool {
        let slot = self.num_slot(field);
        if slot.is_some() {
            return false;
        }
        *slot = Some(value);
        self.d.sources.insert(field.key(), source.into());
        true
    }

    /// Sets a numeric field from a variable holding a whole number. `false`
    /// (Travis's and Buildkite's "not a PR") is skipped quietly; anything
    /// else that is not a number is skipped with a note.
    fn env_num(&mut self, field: Num, name: &str) -> bool {
        let Some(raw) = self.var(name) else {
            return false;
        };
        if raw.eq_ignore_ascii_case("false") {
            return false;
        }
        match raw.parse::<u64>() {
            Ok(n) => self.put_num(field, n, format!("env {name}")),
            Err(_) => {
                self.note(format!("{name} is not a whole number; ignored"));
                false
            }
        }
    }

    /// Sets a numeric field from the trailing number of a variable such as
    /// a PR URL (`https://github.com/o/r/pull/12` → 12) or `pr/12`.
    fn env_trailing_num(&mut self, field: Num, name: &str) -> bool {
        match self.var(name).and_then(trailing_number) {
            Some(n) => self.put_num(field, n, format!("env {name} (trailing number)")),
            None => false,
        }
    }

    /// Sets the shard from `ci`'s index and total variables
    /// ([`SHARD_VARIABLES`]), converting a 1-based index. Inconsistent
    /// values are skipped with a note.
    fn shard(&mut self, ci: CiSystem) {
        let Some(&ShardVariables {
            index: index_var,
            total: total_var,
            one_based,
            ..
        }) = shard_variables(ci)
        else {
            return;
        };
        let (Some(index), Some(total)) = (self.var(index_var), self.var(total_var)) else {
            return;
        };
        let (Ok(index), Ok(total)) = (index.parse::<u32>(), total.parse::<u32>()) else {
            self.note(format!(
                "{index_var}/{total_var} are not whole numbers; shard ignored"
            ));
            return;
        };
        let index = if one_based {
            index.checked_sub(1)
        } else {
            Some(index)
        };
        match index {
            Some(index) if index < total => {
                self.d.shard_index = Some(index);
                self.d.shard_total = Some(total);
                let base = if one_based {
                    " (1-based, converted)"
                } else {
                    ""
                };
                self.d
                    .sources
                    .insert("shard_index", format!("env {index_var}{base}"));
                self.d
                    .sources
                    .insert("shard_total", format!("env {total_var}"));
            }
            _ => self.note(format!(
                "{index_var} is outside 1..={total_var} (or 0..{total_var}); shard ignored"
            )),
        }
    }

    /// Sets the code host (and the repository, if still unset) from a URL
    /// variable. `clone_url` also accepts an unrecognised host for the
    /// repository path; web URLs (PR, commit pages) need a known code host.
    fn remote(&mut self, name: &str, hint: Option<CodeHostKind>, clone_url: bool) {
        if let Some(url) = self.var(name) {
            self.remote_value(url, format!("env {name}"), hint, clone_url);
        }
    }

    /// [`Builder::remote`] for a URL read from somewhere else than a variable.
    fn remote_value(
        &mut self,
        url: &str,
        source: String,
        hint: Option<CodeHostKind>,
        clone_url: bool,
    ) {
        match remote::code_host_from_url(url, hint) {
            Some(host) => {
                self.put(Text::Repository, &host.repository, source.clone());
                self.set_code_host(host, source);
            }
            None if clone_url => {
                if let Some(repo) = remote::repository_from_clone_url(url) {
                    self.put(Text::Repository, &repo, source);
                }
            }
            None => {}
        }
    }

    /// Sets the code host from a kind the CI reported (in `kind_var`) and
    /// the repository already found, on the kind's public host.
    fn code_host_on_default_host(&mut self, kind: CodeHostKind, kind_var: &str) {
        if let Some(repository) = self.d.repository.clone() {
            let source = match self.d.sources.get("repository") {
                Some(repo_source) => format!("{repo_source}; kind from env {kind_var}"),
                None => format!("kind from env {kind_var}"),
            };
            let host = RepositoryHost {
                kind,
                host: kind.default_host().to_string(),
                repository,
            };
            self.set_code_host(host, source);
        }
    }

    fn set_code_host(&mut self, host: RepositoryHost, source: impl Into<String>) {
        if self.d.code_host.is_none() {
            self.d.code_host = Some(host);
            self.d.sources.insert("code_host", source.into());
        }
    }

    /// Records the job-token variable's name and whether it is set.
    fn token(&mut self, name: &'static str) {
        self.d.token_env = Some(name);
        self.d.token_present = self.var(name).is_some();
    }

    fn note(&mut self, note: impl Into<String>) {
        self.d.notes.push(note.into());
    }
}

/// The number at the end of `s`, ignoring a trailing `/`.
fn trailing_number(s: &str) -> Option<u64> {
    let s = s.trim().trim_end_matches('/');
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    s[s.len() - digits..].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_branches() {
        assert_eq!(normalize_branch("refs/heads/feature/x"), "feature/x");
        assert_eq!(normalize_branch("heads/main"), "heads/main");
        assert_eq!(normalize_branch(" main "), "main");
        assert_eq!(normalize_branch("refs/tags/v1"), "refs/tags/v1");
    }

    #[test]
    fn trailing_numbers() {
        assert_eq!(trailing_number("https://github.com/o/r/pull/12"), Some(12));
        assert_eq!(trailing_number("pr/7/"), Some(7));
        assert_eq!(trailing_number("pull/"), None);
        assert_eq!(trailing_number(""), None);
    }

    #[test]
    fn env_debug_shows_names_not_values() {
        let env = Env::new()
            .with_var("GITHUB_TOKEN", "ghs_topsecret")
            .with_file("/e.json", "{\"secret\":\"ghs_topsecret\"}");
        let shown = format!("{env:?}");
        assert!(shown.contains("GITHUB_TOKEN"));
        assert!(!shown.contains("ghs_topsecret"));
    }

    #[test]
    fn reads_injected_files_and_refuses_the_disk_by_default() {
        let env = Env::new().with_file("/a", "x");
        assert_eq!(env.read_file("/a").unwrap(), "x");
        let err = env.read_file("missing/event.json").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains("missing/event.json"));
    }

    #[test]
    fn reads_temp_files_when_disk_is_enabled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, "{}").unwrap();
        let path = path.to_string_lossy().into_owned();
        assert!(Env::new().read_file(&path).is_err());
        assert_eq!(Env::new().with_disk_files().read_file(&path).unwrap(), "{}");
    }
}
