//! A local simulator of the CI vendors' HTTP APIs, for testing testrelay
//! without the internet: stateful emulation of the vendor routes with their
//! real response shapes, a record of every request, and fault injection.
//!
//! Each vendor is one module behind the `Vendor` trait (`src/vendor.rs`: the
//! paths it owns, its answers, the headers it adds to every response, a JSON
//! snapshot of its state and its admin routes), registered in one list
//! (`vendors`):
//! - [`github`]: check runs, commit statuses, issue comments and release
//!   assets under `/repos/`;
//! - [`gitlab`]: commit statuses, merge request notes and generic packages
//!   under `/api/v4/projects/`;
//! - [`teamcity`]: builds, their comment, tags and artifact metadata under
//!   `/app/rest/builds/`;
//! - [`jenkins`]: the crumb issuer and builds (`api/json`, `testReport`,
//!   `submitDescription`) under `/job/`;
//! - [`circleci`]: jobs, stored test results and artifacts under
//!   `/api/v2/project/`;
//! - [`travis`]: builds and jobs (API v3) under `/travis/` (Jenkins owns
//!   `/job/`).
//! - [`azure`]: Azure DevOps test runs, results and attachments, pull
//!   request threads and statuses under `/{organization}/{project}/_apis/`;
//! - [`bitbucket`]: Bitbucket Cloud Code Insights reports and annotations,
//!   build statuses, pull request comments and Downloads under
//!   `/2.0/repositories/`.
//!
//! Recording and fault injection are shared: every request to a vendor path
//! (admin routes excepted) is recorded, then the armed faults are tried, then
//! the owning vendor answers; a path no vendor owns gets 404 `{"message":
//! "no vendor emulation serves this path"}`.
//!
//! Rust tests use [`Simulator`] directly ([`Simulator::github`],
//! [`Simulator::gitlab`] and the `seed_*`/`set_*` methods); C and Node tests
//! run the `testrelay-ci-sim` binary, read the port from its first line of
//! output (`listening on http://127.0.0.1:PORT`) and use the admin routes:
//! `POST|DELETE /_sim/faults`, `GET|DELETE /_sim/requests`,
//! `POST /_sim/shutdown`, and per vendor `GET /_sim/<vendor>/state` plus
//! `POST /_sim/github/seed-comments`, `POST /_sim/github/config`,
//! `POST /_sim/gitlab/config`, `POST /_sim/gitlab/seed-project`,
//! `POST /_sim/gitlab/seed-merge-request`, `POST /_sim/gitlab/seed-notes` and
//! `POST /_sim/gitlab/seed-pipeline` (bodies and answers are described in
//! `src/admin.rs`).
//!
//! GitHub takes release-asset uploads on a host of its own
//! (`uploads.github.com`); the simulator serves them on a second address,
//! [`Simulator::uploads_url`], which the releases' `upload_url` names.
//!
//! The simulator binds 127.0.0.1 only. Clients connect to a relay thread
//! (so that a fault can really drop a connection, see `relay`), which hands
//! each connection to an internal tiny_http server; a fixed number of
//! handler threads answer the requests.
#![forbid(unsafe_code)]

mod admin;
pub mod azure;
pub mod bitbucket;
pub mod circleci;
pub mod faults;
pub mod github;
pub mod gitlab;
pub mod jenkins;
pub mod record;
mod relay;
pub mod teamcity;
pub mod travis;
mod vendor;
mod wire;

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

pub use azure::AzureState;
pub use bitbucket::BitbucketState;
pub use circleci::{CircleciJob, CircleciState};
pub use faults::{Fault, FaultKind, Matcher, Trigger};
pub use github::GithubState;
pub use gitlab::GitlabState;
pub use jenkins::{JenkinsBuild, JenkinsState};
pub use record::RecordedRequest;
pub use teamcity::TeamcityState;
pub use travis::{TravisItem, TravisState};

use relay::RelayControl;
use vendor::{Incoming, Vendor, Via};
use wire::Reply;

/// Every emulated vendor, in the order their paths are tried. Adding a
/// vendor is one module implementing [`vendor::Vendor`] and one line here.
fn vendors(options: &SimOptions) -> Vec<Box<dyn Vendor>> {
    vec![
        Box::new(github::Github::new(options)),
        Box::new(gitlab::Gitlab::new(options)),
        Box::new(teamcity::Teamcity::new(options)),
        Box::new(jenkins::Jenkins::new(options)),
        Box::new(circleci::Circleci::new(options)),
        Box::new(travis::Travis::new(options)),
        Box::new(azure::Azure::new(options)),
        Box::new(bitbucket::Bitbucket::new(options)),
    ]
}

/// How to start a [`Simulator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// Port on 127.0.0.1; 0 (the default) lets the system choose.
    pub port: u16,
    /// Threads answering requests (default 4; at least 1 is used). A
    /// `Delay` fault holds one of them for its duration.
    pub handler_threads: usize,
    /// Largest request body accepted (default 32 MiB); larger ones get 413.
    pub max_body_bytes: usize,
    /// The only GitHub token accepted; any non-empty token when `None`.
    pub github_token: Option<String>,
    /// Port on 127.0.0.1 of the uploads address; 0 (the default) lets the
    /// system choose.
    pub uploads_port: u16,
    /// The only GitLab access token accepted (`PRIVATE-TOKEN`,
    /// `Authorization: Bearer`); any non-empty token when `None`.
    pub gitlab_token: Option<String>,
    /// The only GitLab CI job token accepted (`JOB-TOKEN`); any non-empty
    /// token when `None`.
    pub gitlab_job_token: Option<String>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            port: 0,
            handler_threads: 4,
            max_body_bytes: 32 << 20,
            github_token: None,
            uploads_port: 0,
            gitlab_token: None,
            gitlab_job_token: None,
        }
    }
}

/// Everything the handlers change, under one lock.
#[derive(Debug)]
struct State {
    requests: Vec<RecordedRequest>,
    faults: faults::FaultBook,
    vendors: Vec<Box<dyn Vendor>>,
}

impl State {
    /// The registered vendor of type `V`.
    fn vendor_mut<V: Vendor>(&mut self) -> Option<&mut V> {
        self.vendors
            .iter_mut()
            .find_map(|v| v.as_any_mut().downcast_mut::<V>())
    }

    /// The index of the vendor serving `path` through `via`.
    fn owner(&self, path: &str, via: Via) -> Option<usize> {
        self.vendors.iter().position(|v| v.owns(path, via))
    }
}

/// What the simulator's threads share.
struct Shared {
    base_url: String,
    uploads_url: String,
    max_body_bytes: usize,
    handler_threads: usize,
    state: Mutex<State>,
    stopping: Mutex<bool>,
    stop_requested: Condvar,
    relay: Arc<RelayControl>,
    server: tiny_http::Server,
    answered: AtomicU64,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_stopping(&self) -> bool {
        *self.stopping.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps `delay` (a `Delay` fault), or less when the simulator stops
    /// meanwhile, so a long delay never holds its shutdown.
    fn nap(&self, delay: std::time::Duration) {
        let stopping = self.stopping.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .stop_requested
            .wait_timeout_while(stopping, delay, |stopping| !*stopping);
    }

    /// Stops accepting work: wakes every handler, stops the relay once what
    /// is buffered is delivered, and wakes [`Simulator::wait_for_shutdown_request`].
    fn request_stop(&self) {
        let mut stopping = self.stopping.lock().unwrap_or_else(PoisonError::into_inner);
        if !*stopping {
            *stopping = true;
            for _ in 0..self.handler_threads {
                self.server.unblock();
            }
            self.relay.stop();
        }
        self.stop_requested.notify_all();
    }
}

/// A running simulator. Stops on [`Simulator::shutdown`] or when dropped.
pub struct Simulator {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Starts a simulator on 127.0.0.1 with a port the system chooses.
    ///
    /// # Errors
    /// When no socket can be bound or a thread cannot be started.
    pub fn start() -> io::Result<Simulator> {
        Simulator::start_with(SimOptions::default())
    }

    /// Starts a simulator with `options`.
    ///
    /// # Errors
    /// When the port is taken, no socket can be bound, or a thread cannot be
    /// started.
    pub fn start_with(options: SimOptions) -> io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let public = listener.local_addr()?;
        let uploads_listener = TcpListener::bind(("127.0.0.1", options.uploads_port))?;
        let uploads = uploads_listener.local_addr()?;
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|e| io::Error::other(format!("cannot start the internal HTTP server: {e}")))?;
        let internal = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the internal HTTP server has no IP address"))?;
        let relay = Arc::new(RelayControl::default());
        let state = State {
            requests: Vec::new(),
            faults: faults::FaultBook::default(),
            vendors: vendors(&options),
        };
        let shared = Arc::new(Shared {
            base_url: format!("http://{public}"),
            uploads_url: format!("http://{uploads}"),
            max_body_bytes: options.max_body_bytes,
            handler_threads: options.handler_threads.max(1),
            state: Mutex::new(state),
            stopping: Mutex::new(false),
            stop_requested: Condvar::new(),
            relay: Arc::clone(&relay),
            server,
            answered: AtomicU64::new(0),
        });
        // From here on, dropping `sim` stops whatever has started.
        let mut sim = Simulator {
            shared: Arc::clone(&shared),
            threads: Vec::new(),
        };
        sim.threads.push(relay::spawn(
            vec![listener, uploads_listener],
            internal,
            relay,
        )?);
        for i in 0..shared.handler_threads {
            let shared = Arc::clone(&shared);
            let handle = thread::Builder::new()
                .name(format!("ci-sim-handler-{i}"))
                .spawn(move || serve(&shared))?;
            sim.threads.push(handle);
        }
        Ok(sim)
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The base URL of the uploads address (GitHub's `uploads.github.com`),
    /// `http://127.0.0.1:PORT`.
    pub fn uploads_url(&self) -> String {
        self.shared.uploads_url.clone()
    }

    /// The port the simulator listens on.
    pub fn port(&self) -> u16 {
        self.shared
            .base_url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// Every request received so far (admin routes excepted), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.state().requests.clear();
    }

    /// Arms `fault` behind those already armed; returns how many are armed.
    pub fn inject(&self, fault: Fault) -> usize {
        self.shared.state().faults.arm(fault)
    }

    /// Disarms every fault; returns how many were armed.
    pub fn clear_faults(&self) -> usize {
        self.shared.state().faults.clear()
    }

    /// Runs `f` on the registered vendor of type `V` (`None` if it is not
    /// registered, which cannot happen for the built-in vendors).
    fn with_vendor<V: Vendor, R>(&self, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        self.shared.state().vendor_mut::<V>().map(f)
    }

    /// A snapshot of the emulated GitHub's data.
    pub fn github(&self) -> GithubState {
        self.with_vendor(|gh: &mut github::Github| gh.snapshot())
            .unwrap_or_default()
    }

    /// Sets GitHub's rate-limit window: `remaining` requests until
    /// `reset_epoch` (Unix seconds), when it refills to 5,000. At 0,
    /// requests get 403 `API rate limit exceeded` until then.
    pub fn set_rate_limit(&self, remaining: u64, reset_epoch: u64) {
        self.with_vendor(|gh: &mut github::Github| gh.set_rate_limit(remaining, reset_epoch));
    }

    /// Accepts only `token` from now on (any non-empty token when `None`).
    pub fn set_github_token(&self, token: Option<&str>) {
        self.with_vendor(|gh: &mut github::Github| gh.token = token.map(str::to_owned));
    }

    /// Read-only token mode: creating or updating a check run gets 403
    /// `Resource not accessible by integration`, as on a fork PR.
    pub fn set_github_read_only(&self, read_only: bool) {
        self.with_vendor(|gh: &mut github::Github| gh.read_only = read_only);
    }

    /// Adds `count` existing comments to issue `issue` of `owner/repo`; with
    /// `marker`, the last one is ours and starts with the marker. Returns
    /// their ids.
    pub fn seed_github_comments(
        &self,
        owner: &str,
        repo: &str,
        issue: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        self.with_vendor(|gh: &mut github::Github| {
            gh.seed_comments(owner, repo, issue, count, marker)
        })
        .unwrap_or_default()
    }

    /// A snapshot of the emulated GitLab's data.
    pub fn gitlab(&self) -> GitlabState {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.snapshot())
            .unwrap_or_default()
    }

    /// Sets GitLab's rate-limit window: `remaining` requests until
    /// `reset_epoch` (Unix seconds), when a fresh window of 2,000 requests a
    /// minute starts. Past it, requests get 429 `Retry later` with
    /// `Retry-After` until then.
    pub fn set_gitlab_rate_limit(&self, remaining: u64, reset_epoch: u64) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.set_rate_limit(remaining, reset_epoch));
    }

    /// Accepts only `token` as a GitLab access token from now on (any
    /// non-empty token when `None`).
    pub fn set_gitlab_token(&self, token: Option<&str>) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.token = token.map(str::to_owned));
    }

    /// Accepts only `token` as a GitLab CI job token from now on (any
    /// non-empty token when `None`).
    pub fn set_gitlab_job_token(&self, token: Option<&str>) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.job_token = token.map(str::to_owned));
    }

    /// Read-only mode: creating statuses and notes, editing notes and
    /// uploading packages get 403 `403 Forbidden`.
    pub fn set_gitlab_read_only(&self, read_only: bool) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.read_only = read_only);
    }

    /// Whether a generic package may receive the same file name twice (the
    /// default); when not, the second upload gets 400 `Duplicate package is
    /// not allowed`.
    pub fn set_gitlab_allow_duplicates(&self, allow: bool) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.allow_duplicates = allow);
    }

    /// Whether projects and merge requests a request names are created on
    /// first use (the default); when not, unknown ones get 404.
    pub fn set_gitlab_auto_create(&self, auto_create: bool) {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.auto_create = auto_create);
    }

    /// Creates GitLab project `path` (`group/sub/project`) with `id` (the
    /// next free id when `None`); returns its id.
    ///
    /// # Errors
    /// When the path is not a full path, or the id or path belongs to
    /// another project.
    pub fn seed_gitlab_project(&self, id: Option<u64>, path: &str) -> Result<u64, String> {
        self.with_vendor(|gl: &mut gitlab::Gitlab| {
            gl.seed_project(id, path, None)
                .map(|p| p.id)
                .map_err(|(_, message)| message)
        })
        .unwrap_or_else(|| Err("no GitLab emulation".to_owned()))
    }

    /// Creates merge request `iid` in GitLab project `project` (an id or a
    /// path), from `source_project` when it is a fork merge request; returns
    /// its global id. Projects named are created if missing.
    ///
    /// # Errors
    /// When a project reference is invalid or the IID is taken.
    pub fn seed_gitlab_merge_request(
        &self,
        project: &str,
        iid: u64,
        source_project: Option<&str>,
    ) -> Result<u64, String> {
        self.with_vendor(|gl: &mut gitlab::Gitlab| {
            gl.seed_merge_request_from(project, iid, source_project)
        })
        .unwrap_or_else(|| Err("no GitLab emulation".to_owned()))
    }

    /// Adds `count` existing notes to merge request `iid` of GitLab project
    /// `project` (both created if missing), written earlier by someone else;
    /// with `marker`, the last one is ours and starts with the marker.
    /// Returns their ids (none when the project reference is invalid).
    pub fn seed_gitlab_notes(
        &self,
        project: &str,
        iid: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        self.with_vendor(|gl: &mut gitlab::Gitlab| gl.seed_notes(project, iid, count, marker))
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// Adds a pipeline of `sha` on `git_ref` to GitLab project `project`,
    /// with `id` (the next free id when `None`), as if GitLab CI ran it;
    /// returns its id.
    ///
    /// # Errors
    /// When the project reference is invalid or the id is taken.
    pub fn seed_gitlab_pipeline(
        &self,
        project: &str,
        sha: &str,
        git_ref: &str,
        id: Option<u64>,
    ) -> Result<u64, String> {
        self.with_vendor(|gl: &mut gitlab::Gitlab| {
            gl.seed_pipeline(project, sha, git_ref, id)
                .map_err(|(_, message)| message)
        })
        .unwrap_or_else(|| Err("no GitLab emulation".to_owned()))
    }

    /// A snapshot of the emulated TeamCity's builds.
    pub fn teamcity(&self) -> TeamcityState {
        self.with_vendor(|tc: &mut teamcity::Teamcity| tc.snapshot())
            .unwrap_or_default()
    }

    /// Accepts only `token` as a TeamCity token from now on.
    pub fn set_teamcity_token(&self, token: Option<&str>) {
        self.with_vendor(|tc: &mut teamcity::Teamcity| tc.token = token.map(str::to_owned));
    }

    /// Gives TeamCity build `id` the artifact `path`, as its agent would.
    pub fn seed_teamcity_artifact(&self, id: u64, path: &str) {
        self.with_vendor(|tc: &mut teamcity::Teamcity| tc.seed_artifact(id, path));
    }

    /// Gives TeamCity build `id` the artifact `path` with `content`, as its
    /// agent would upload it (`publishArtifacts`); served at
    /// `/app/rest/builds/id:{id}/artifacts/content/{path}`.
    pub fn seed_teamcity_artifact_content(&self, id: u64, path: &str, content: &[u8]) {
        self.with_vendor(|tc: &mut teamcity::Teamcity| {
            tc.seed_artifact_content(id, path, content);
        });
    }

    /// Archives `content` as `relative_path` of Jenkins build `build`
    /// (`/job/app/17/`), as `archiveArtifacts` would (the build is created
    /// when missing); served at `{build}artifact/{relative_path}`.
    pub fn seed_jenkins_artifact(&self, build: &str, relative_path: &str, content: &[u8]) {
        self.with_vendor(|j: &mut jenkins::Jenkins| {
            j.seed_artifact(build, relative_path, content);
        });
    }

    /// Stores `content` as artifact `path` of CircleCI job `number` of
    /// project `slug`, as `store_artifacts` would (the job must exist);
    /// returns its `url`, on the simulator (`/circle-artifacts/...`),
    /// which wants the `Circle-Token` as CircleCI's storage does for a
    /// private project.
    pub fn seed_circleci_artifact(
        &self,
        slug: &str,
        number: u64,
        path: &str,
        content: &[u8],
    ) -> Option<String> {
        let base = self.url();
        self.with_vendor(|c: &mut circleci::Circleci| {
            c.seed_artifact(&base, slug, number, path, content)
        })
        .flatten()
    }

    /// A snapshot of the emulated Jenkins.
    pub fn jenkins(&self) -> JenkinsState {
        self.with_vendor(|j: &mut jenkins::Jenkins| j.snapshot())
            .unwrap_or_default()
    }

    /// Adds Jenkins build `path` (`/job/app/17/`).
    pub fn seed_jenkins_build(&self, path: &str, build: JenkinsBuild) {
        self.with_vendor(|j: &mut jenkins::Jenkins| j.seed_build(path, build));
    }

    /// Jenkins settings: the only `(user, token)` accepted (any when
    /// `None`), whether POSTs need a crumb, whether anonymous users may
    /// read builds.
    pub fn set_jenkins(
        &self,
        credentials: Option<(&str, &str)>,
        crumbs: bool,
        anonymous_read: bool,
    ) {
        self.with_vendor(|j: &mut jenkins::Jenkins| {
            j.credentials = credentials.map(|(u, t)| (u.to_owned(), t.to_owned()));
            j.crumbs = crumbs;
            j.anonymous_read = anonymous_read;
        });
    }

    /// Adds CircleCI job `number` of project `slug` (`gh/octo/app`).
    pub fn seed_circleci_job(&self, slug: &str, number: u64, job: CircleciJob) {
        self.with_vendor(|c: &mut circleci::Circleci| c.seed_job(slug, number, job));
    }

    /// Accepts only `token` as a CircleCI token from now on.
    pub fn set_circleci_token(&self, token: Option<&str>) {
        self.with_vendor(|c: &mut circleci::Circleci| c.token = token.map(str::to_owned));
    }

    /// Adds Travis CI build `id` with its jobs.
    pub fn seed_travis_build(&self, id: u64, build: TravisItem, jobs: Vec<(u64, TravisItem)>) {
        self.with_vendor(|t: &mut travis::Travis| t.seed_build(id, build, jobs));
    }

    /// Accepts only `token` as a Travis CI token from now on.
    pub fn set_travis_token(&self, token: Option<&str>) {
        self.with_vendor(|t: &mut travis::Travis| t.token = token.map(str::to_owned));
    }

    /// Blocks until `POST /_sim/shutdown` (or [`Simulator::shutdown`] from
    /// another handle) asks the simulator to stop.
    pub fn wait_for_shutdown_request(&self) {
        let mut stopping = self
            .shared
            .stopping
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !*stopping {
            stopping = self
                .shared
                .stop_requested
                .wait(stopping)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stops the simulator and waits for its threads. Dropping it does the
    /// same.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.shared.request_stop();
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// A handler thread: answers requests until the simulator stops.
fn serve(shared: &Shared) {
    while let Ok(request) = shared.server.recv() {
        if shared.is_stopping() {
            break;
        }
        answer(shared, request);
    }
}

/// Reads, records and answers one request.
fn answer(shared: &Shared, mut request: tiny_http::Request) {
    let (recorded, too_large) = match read_request(&mut request, shared.max_body_bytes) {
        Ok(read) => read,
        Err(reply) => return respond(request, reply),
    };
    if recorded.path == "/_sim" || recorded.path.starts_with("/_sim/") {
        let (reply, then_stop) = admin::handle(shared, &recorded);
        respond(request, reply);
        if then_stop {
            shared.request_stop();
        }
        return;
    }
    let via = match request.remote_addr() {
        _ if recorded.proxy_target.is_some() => Via::ForwardProxy,
        Some(addr) if shared.relay.listener_of(*addr) == UPLOADS_LISTENER => Via::Uploads,
        _ => Via::Api,
    };
    let incoming = Incoming {
        api_url: &shared.base_url,
        uploads_url: &shared.uploads_url,
        via,
    };
    let (fault, owner) = {
        let mut state = shared.state();
        state.requests.push(recorded.clone());
        let fault = state.faults.fire(&recorded.method, &recorded.path);
        (fault, state.owner(&recorded.path, via))
    };
    let number = shared.answered.fetch_add(1, Ordering::Relaxed) + 1;
    let lose_response = fault == Some(FaultKind::LoseResponse);
    match fault {
        Some(FaultKind::DropConnection) => return drop_connection(shared, request),
        Some(FaultKind::Status {
            code,
            body,
            headers,
        }) => {
            let mut reply = fault_reply(code, body);
            decorate(shared, owner, &mut reply, number);
            for (name, value) in headers {
                reply.set_header(&name, value);
            }
            return respond(request, reply);
        }
        Some(FaultKind::Delay(delay)) => shared.nap(delay),
        Some(FaultKind::LoseResponse | FaultKind::Truncate(_)) | None => {}
    }
    let mut reply = if too_large {
        let mut reply = error_reply(
            413,
            &format!(
                "the request body is larger than the simulator's limit of {} bytes",
                shared.max_body_bytes
            ),
        );
        reply.set_header("connection", "close");
        reply
    } else if let Some(index) = owner {
        shared.state().vendors[index].handle(&recorded, &incoming)
    } else {
        error_reply(404, "no vendor emulation serves this path")
    };
    if lose_response {
        return drop_connection(shared, request);
    }
    decorate(shared, owner, &mut reply, number);
    if let Some(FaultKind::Truncate(keep)) = fault {
        return respond_truncated(shared, request, reply, keep);
    }
    respond(request, reply);
}

/// Writes `reply`'s head with its full `content-length` and only `keep`
/// bytes of its body, then ends the client's connection once they reached
/// it.
fn respond_truncated(shared: &Shared, request: tiny_http::Request, reply: Reply, keep: usize) {
    let Some(seen_from) = request.remote_addr().copied() else {
        return respond(
            request,
            error_reply(500, "the connection has no address to cut"),
        );
    };
    let mut head = format!("HTTP/1.1 {} Sim\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", reply.body.len()));
    let mut writer = request.into_writer();
    let _ = writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.write_all(&reply.body[..keep.min(reply.body.len())]))
        .and_then(|()| writer.flush());
    shared.relay.close_after_delivery(seen_from);
}

/// The index of the uploads address among the relay's listeners.
const UPLOADS_LISTENER: usize = 1;

/// The request as recorded (its body cut at `limit` bytes) and whether the
/// body was longer; the reply to send when the body cannot be read.
fn read_request(
    request: &mut tiny_http::Request,
    limit: usize,
) -> Result<(RecordedRequest, bool), Reply> {
    let method = request.method().as_str().to_ascii_uppercase();
    let (proxy_target, target) = wire::split_absolute_form(request.url());
    let (path, query) = wire::split_target(target);
    let headers = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    request
        .as_reader()
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| error_reply(400, &format!("the request body could not be read: {e}")))?;
    let too_large = body.len() > limit;
    body.truncate(limit);
    let recorded = RecordedRequest {
        method,
        path,
        query,
        headers,
        body,
        proxy_target,
    };
    Ok((recorded, too_large))
}

/// The answer of a `Status` fault: `body` as JSON when it parses as JSON,
/// else as text.
fn fault_reply(code: u16, body: String) -> Reply {
    let content_type = if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
        wire::JSON_TYPE
    } else {
        "text/plain; charset=utf-8"
    };
    Reply::bytes(code, content_type, body.into_bytes())
}

/// Adds the headers the owning vendor (by index) sends on every response.
fn decorate(shared: &Shared, owner: Option<usize>, reply: &mut Reply, number: u64) {
    if let Some(index) = owner {
        shared.state().vendors[index].decorate(reply, number);
    }
}

/// Cuts the client connection the request came through, without a response.
fn drop_connection(shared: &Shared, request: tiny_http::Request) {
    match request.remote_addr().copied() {
        Some(seen_from) => {
            shared.relay.cut(seen_from);
            // tiny_http answers a dropped request with a 500 of its own; the
            // relay has already closed that connection, so nobody gets it.
            drop(request);
        }
        // Only Unix-socket requests lack an address; the relay uses TCP.
        None => respond(
            request,
            error_reply(500, "the connection has no address to cut"),
        ),
    }
}

/// A JSON error body for the simulator's own (non-vendor) errors.
fn error_reply(status: u16, message: &str) -> Reply {
    Reply::json(status, &serde_json::json!({ "message": message }))
}

fn respond(request: tiny_http::Request, reply: Reply) {
    let mut response = tiny_http::Response::from_data(reply.body)
        .with_status_code(tiny_http::StatusCode(reply.status));
    for (name, value) in &reply.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    // A client that went away is not the simulator's error.
    let _ = request.respond(response);
}
