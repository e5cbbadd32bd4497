//! GitLab REST API v4 emulation: commit statuses, merge request notes and
//! generic packages, with GitLab's status codes, error bodies, offset
//! pagination headers and `RateLimit-*` headers.
//!
//! It serves paths under `/api/v4/projects/` on the main address; other
//! `/api/v4` paths (`GET /api/v4/projects` itself included) are not emulated
//! and get the simulator's own 404. `:id` is a project id or URL-encoded
//! full path; "job" says whether a CI job token is accepted.
//!
//! | Route | Job | Success |
//! |---|---|---|
//! | `POST /projects/:id/statuses/:sha` | no | 201, the status |
//! | `GET /projects/:id/repository/commits/:sha/statuses` | no | 200, paginated |
//! | `GET /projects/:id/merge_requests/:iid` | yes | 200, the merge request |
//! | `GET /projects/:id/merge_requests/:iid/notes` | yes | 200, paginated |
//! | `POST /projects/:id/merge_requests/:iid/notes` | no | 201, the note |
//! | `GET /projects/:id/merge_requests/:iid/notes/:note_id` | yes | 200, the note |
//! | `PUT /projects/:id/merge_requests/:iid/notes/:note_id` | no | 200, the note |
//! | `PUT /projects/:id/packages/generic/:name/:version/[dirs/]:file` | yes | 201 `{"message":"201 Created"}`; 200 and the file with `select=package_file` |
//! | `GET /projects/:id/packages/generic/:name/:version/[dirs/]:file` | yes | 200, the bytes |
//! | `GET /projects/:id/packages` | yes | 200, paginated |
//! | `GET /projects/:id/packages/:package_id` | yes | 200, the package |
//! | `GET /projects/:id/packages/:package_id/package_files` | yes | 200, paginated |
//!
//! # What follows GitLab
//!
//! Taken from GitLab's REST documentation (api/commits, api/notes,
//! api/packages, user/packages/generic_packages, api/rest "Pagination",
//! ci/jobs/ci_job_token, the rate-limit pages) and, where the documentation
//! is silent, from GitLab's source (the Grape endpoints and services):
//!
//! - Routes are matched first: an unknown route gets 404
//!   `{"error":"404 Not Found"}` whatever the credentials. Before that, every
//!   request (a throttled or unauthenticated one too) counts against the
//!   rate limit; past it, GitLab's throttle answers 429 with the text body
//!   `Retry later` (not JSON), `Retry-After` and `RateLimit-ResetTime`.
//! - Authentication: `PRIVATE-TOKEN: <t>` (or `?private_token=`) and
//!   `Authorization: Bearer <t>` are access tokens; `JOB-TOKEN: <t>` (or
//!   `?job_token=`) is a CI job token, and so is a bearer token equal to the
//!   configured job token on a route that allows job tokens (GitLab tells
//!   them apart by the token itself). On generic-package routes HTTP Basic
//!   is accepted too (any username; the password is the token; it counts as
//!   a job token when the username is `gitlab-ci-token` or the password is
//!   the configured job token). A wrong token gets 401
//!   `{"message":"401 Unauthorized"}`. A job token is honoured only where
//!   GitLab's job-token table allows it: generic packages, the packages API,
//!   `GET` of merge requests and of merge request notes. Elsewhere (commit
//!   statuses, creating or editing notes) GitLab does not look at it at all,
//!   so the request is unauthenticated and gets 401 `401 Unauthorized` (not
//!   403). A request without credentials gets 401, except the generic
//!   package download and the packages API, which GitLab lets through to the
//!   project lookup: 404 `{"message":"404 Project Not Found"}` (projects are
//!   private).
//! - Parameters come from the query string and a JSON or form body, as Grape
//!   merges them; Grape's validation errors are 400 `{"error":"state is
//!   missing"}`, `{"error":"state does not have a valid value"}`,
//!   `{"error":"page is invalid"}`.
//! - Projects are addressed by numeric id or URL-encoded full path
//!   (`group%2Fsub%2Fproject`, matched case-insensitively).
//! - Commit statuses: `POST /projects/:id/statuses/:sha` answers 201 with the
//!   status; a status of the same `name` and `ref` in the same pipeline that
//!   is still `pending` or `running` is updated in place through GitLab's
//!   state machine, otherwise a new status is created (and older ones of
//!   that name in the pipeline become `retried`, hidden from the list unless
//!   `all=true`). Posting the state a status already has (or another
//!   transition the state machine refuses) gets 400 with GitLab's message,
//!   e.g. `Cannot transition status via :run from :running (Reason(s): Status
//!   cannot transition via "run")` for `running` twice, `... via :enqueue
//!   from :pending ...` for `pending` twice, `... via :enqueue from :running
//!   ...` for `pending` after `running`, `... via :skip from :running ...`.
//!   A finished status (`success`, `failed`, `canceled`, `skipped`) is never
//!   updated: posting again, even the same state, creates a new one. The
//!   status joins the newest pipeline of the commit (of `ref`, of
//!   `pipeline_id` when given: 404 `404 Pipeline for pipeline_id, sha and ref
//!   Not Found` when there is none), else a new external pipeline; without
//!   `ref`, the pipeline's ref or the project's default branch is used.
//! - Merge request notes are addressed by the merge request's IID within its
//!   target project; lists are ordered by `created_at` (or `updated_at`),
//!   `desc` by default, with the id as tie-breaker; a body over 1,000,000
//!   characters gets 400 `400 Bad request - Note {:note=>["is too long
//!   (maximum is 1000000 characters)"]}`; only the author may edit a note
//!   (403 otherwise); an unknown merge request or note gets 404 `{"message":
//!   "404 Not found"}`.
//! - Generic packages: name `[A-Za-z0-9._+-]+`, version `[A-Za-z0-9_.+-]+`
//!   without `..`, file name of letters, digits and `._-+~@` not starting or
//!   ending with `~` or `@` (extra path segments before it are kept as a
//!   directory, stored URL-encoded as GitLab does); anything else 400
//!   `{"error":"package_version is invalid"}`. Upload answers 201
//!   `{"message":"201 Created"}`, or 200 with the package file under
//!   `select=package_file`; a second upload of the same name and version adds
//!   files to the same package, and the same file name again is allowed
//!   (the download then serves the newest) unless duplicates are turned off:
//!   400 `400 Bad request - Duplicate package is not allowed`. Downloads carry
//!   `X-Checksum-SHA256`; listings report `file_sha256`.
//! - Pagination: `page` (default 1), `per_page` (default 20, at most 100);
//!   headers `X-Page`, `X-Per-Page`, `X-Next-Page` and `X-Prev-Page` (empty
//!   when there is none), `X-Total`, `X-Total-Pages` (at least 1) and `Link`
//!   with `prev`, `next`, `first` and `last`. Like GitLab's, the links carry
//!   every request parameter, the route's own (`id`, `noteable_id`, ...) and
//!   the endpoint's defaults, sorted by name and form-encoded.
//! - Rate limits: every answer carries `RateLimit-Name`, `RateLimit-Limit`
//!   (per minute), `RateLimit-Observed`, `RateLimit-Remaining` and
//!   `RateLimit-Reset` (Unix seconds). A fresh window allows 2,000 requests
//!   a minute (GitLab.com's authenticated API limit).
//!
//! # Where the simulator is simpler (no test should rely on more)
//!
//! - Every commit exists and any SHA is accepted; there is no repository, so
//!   no `404 Commit Not Found` and no `404 References for commit Not Found`.
//! - Projects named in a request are created on first use (a path gets the
//!   next free id, an unknown id the path `sim/project-<id>`) unless
//!   auto-creation is off (config `auto_create: false`), when they get 404
//!   `404 Project Not Found`. Merge requests are created the same way, in
//!   the project addressed, except that an IID seeded as a fork merge
//!   request from a project is never created in that project, so a note
//!   sent to the source project gets GitLab's 404. There is no access
//!   control beyond the tokens: every accepted access token is the same user
//!   ([`BOT_USERNAME`]), may do everything (unless the simulator is read-only:
//!   then writes get 403 `{"message":"403 Forbidden"}`), and a job token may
//!   reach any project (no allowlist).
//! - Only the fields documented for each resource are returned; statuses
//!   have no stage other than `external`; notes are never system notes (so
//!   `activity_filter` is accepted but changes nothing), `created_at` and
//!   `internal` in a note request are ignored (GitLab ignores `created_at`
//!   too, unless the user is an owner); a job token acts as the same user as
//!   the access tokens. Packages compute SHA-256
//!   only (`file_md5` and `file_sha1` are null); `status=hidden` packages are
//!   left out of lists but are still downloadable. Bodies that are not JSON
//!   although declared so get 400 `{"error":"message body does not match
//!   declared format"}`.
//! - Link URLs point at the simulator; `web_url`s too, but are not served.
//!   GitLab leaves out `X-Total`, `X-Total-Pages` and the `last` link above
//!   10,000 records; the simulator always sends them.
//! - The rate limit is one window for every caller; `Retry-After` is the
//!   seconds left until the window's reset.
//!
//! # Not confirmed against a live GitLab
//!
//! Read from GitLab's source rather than seen on the wire: the 404 body of a
//! missing note, merge request or package (`404 Not found`, the API's
//! handler for unfound records), the 400 body of malformed JSON, which
//! defaults appear in `Link` URLs (Grape puts declared defaults into
//! `params`, which GitLab's link builder copies), and that `pending` after
//! `running` is refused with `:enqueue from :running`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Value, json};

use crate::admin::{self, bad_request};
use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::{self, Reply};

/// The path prefix the GitLab emulation serves.
const OWNED_PREFIX: &str = "/api/v4/projects/";

/// Requests per minute in a fresh rate-limit window (GitLab.com's limit for
/// authenticated API traffic).
pub const RATE_LIMIT: u64 = 2_000;
/// Length of a rate-limit window, in seconds.
pub const RATE_PERIOD_SECS: u64 = 60;
/// The throttle named in `RateLimit-Name`.
const RATE_LIMIT_NAME: &str = "throttle_authenticated_api";
/// Most characters GitLab takes in a note body.
pub const MAX_NOTE_CHARS: usize = 1_000_000;
/// Page size when the request names none.
pub const DEFAULT_PER_PAGE: usize = 20;
/// The largest page size honoured; larger requests get this many.
pub const MAX_PER_PAGE: usize = 100;
/// Default branch of the projects the simulator creates.
pub const DEFAULT_BRANCH: &str = "main";
/// Username of the account every accepted token acts as.
pub const BOT_USERNAME: &str = "testrelay-bot";
/// Username of the author of seeded notes that are not ours.
pub const OTHER_USERNAME: &str = "jdoe";
/// Most characters GitLab takes in a commit status `target_url`.
const MAX_TARGET_URL_CHARS: usize = 255;

/// The states `POST /projects/:id/statuses/:sha` accepts.
const STATUS_STATES: &[&str] = &[
    "pending", "running", "success", "failed", "canceled", "skipped",
];

/// The `package_type` values the packages API accepts.
const PACKAGE_TYPES: &[&str] = &[
    "conan",
    "maven",
    "npm",
    "pypi",
    "composer",
    "nuget",
    "helm",
    "terraform_module",
    "golang",
    "generic",
    "debian",
    "rpm",
    "ml_model",
];

/// A GitLab user as the emulation shows it.
#[derive(Debug, Clone, Copy)]
struct User {
    id: u64,
    username: &'static str,
    name: &'static str,
}

const BOT: User = User {
    id: 4242,
    username: BOT_USERNAME,
    name: "testrelay bot",
};

const OTHER: User = User {
    id: 4243,
    username: OTHER_USERNAME,
    name: "Jane Doe",
};

fn user(username: &str) -> User {
    if username == OTHER_USERNAME {
        OTHER
    } else {
        BOT
    }
}

// ----- the snapshot --------------------------------------------------------

/// A snapshot of everything the emulated GitLab holds, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GitlabState {
    /// Projects, in creation order.
    pub projects: Vec<Project>,
    /// Pipelines (made by commit statuses, or seeded), in creation order.
    pub pipelines: Vec<Pipeline>,
    /// Commit statuses, in creation order; one updated in place (a
    /// transition) appears once, with its latest state.
    pub statuses: Vec<CommitStatus>,
    /// Merge requests with their notes, in creation order.
    pub merge_requests: Vec<MergeRequest>,
    /// Generic packages with their files, in creation order.
    pub packages: Vec<Package>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    /// Its numeric id.
    pub id: u64,
    /// Its full path, `group/sub/project`.
    pub path_with_namespace: String,
    /// Its default branch.
    pub default_branch: String,
}

/// A pipeline that commit statuses belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pipeline {
    /// Its id.
    pub id: u64,
    /// The project it runs in.
    pub project_id: u64,
    /// Commit SHA.
    pub sha: String,
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// `external` (made by a commit status) or `seeded`.
    pub source: String,
}

/// A commit status (an external CI job) as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitStatus {
    /// Its id.
    pub id: u64,
    /// The project.
    pub project_id: u64,
    /// The pipeline it belongs to.
    pub pipeline_id: u64,
    /// Commit SHA.
    pub sha: String,
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// Its name (`default` when none was sent).
    pub name: String,
    /// `pending`, `running`, `success`, `failed`, `canceled` or `skipped`.
    pub status: String,
    /// Link to the build.
    pub target_url: Option<String>,
    /// Short description.
    pub description: Option<String>,
    /// Code coverage, percent.
    pub coverage: Option<f64>,
    /// Username of whoever created it.
    pub author: String,
    /// ISO 8601 with milliseconds.
    pub created_at: String,
    /// Set when it starts running.
    pub started_at: Option<String>,
    /// Set when it succeeds, fails or is canceled.
    pub finished_at: Option<String>,
    /// Whether a newer status of the same name in the same pipeline
    /// replaced it (hidden from lists without `all=true`).
    pub retried: bool,
    /// How many later requests updated it in place (transitions).
    pub updates: u32,
}

/// A merge request, in its target project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeRequest {
    /// Its global id (`noteable_id` of its notes).
    pub id: u64,
    /// Its IID within the target project.
    pub iid: u64,
    /// The target project, where it and its notes live.
    pub project_id: u64,
    /// The source project (another one for a fork merge request).
    pub source_project_id: u64,
    /// Source branch.
    pub source_branch: String,
    /// Target branch.
    pub target_branch: String,
    /// Head commit, if known.
    pub sha: Option<String>,
    /// Title.
    pub title: String,
    /// Its notes, in creation order (seeded ones included).
    pub notes: Vec<Note>,
}

/// A merge request note as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Its id.
    pub id: u64,
    /// Markdown body.
    pub body: String,
    /// Author's username ([`BOT_USERNAME`] for notes created through the
    /// API).
    pub author: String,
    /// Whether GitLab wrote it (activity, not a comment).
    pub system: bool,
    /// ISO 8601 with milliseconds.
    pub created_at: String,
    /// ISO 8601 with milliseconds.
    pub updated_at: String,
    /// How many successful PUT requests updated it.
    pub updates: u32,
    #[serde(skip)]
    created_ms: u64,
    #[serde(skip)]
    updated_ms: u64,
}

/// A generic package (one name and version) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Its id.
    pub id: u64,
    /// The project.
    pub project_id: u64,
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// `default` or `hidden`.
    pub status: String,
    /// ISO 8601 with milliseconds.
    pub created_at: String,
    /// Its files, in upload order (a re-uploaded name appears again).
    pub files: Vec<PackageFile>,
}

/// A file of a generic package (its bytes are served by the download
/// route, not kept in the snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageFile {
    /// Its id.
    pub id: u64,
    /// File name as stored (a directory prefix is URL-encoded into it).
    pub file_name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lowercase hex.
    pub file_sha256: String,
    /// ISO 8601 with milliseconds.
    pub created_at: String,
}

// ----- rate limit ------------------------------------------------------------

/// The throttle window: `observed` requests so far, throttled past `limit`
/// until `reset` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RateWindow {
    limit: u64,
    observed: u64,
    reset: u64,
}

impl RateWindow {
    fn fresh(now: u64) -> RateWindow {
        RateWindow {
            limit: RATE_LIMIT,
            observed: 0,
            reset: now + RATE_PERIOD_SECS,
        }
    }

    /// Counts one request (refilling a window whose reset has passed);
    /// whether it is over the limit.
    fn count(&mut self, now: u64) -> bool {
        if now >= self.reset {
            *self = RateWindow::fresh(now);
        }
        self.observed += 1;
        self.observed > self.limit
    }

    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.observed)
    }
}

// ----- the emulation ---------------------------------------------------------

/// The emulated GitLab: its data and its settings.
#[derive(Debug)]
pub(crate) struct Gitlab {
    state: GitlabState,
    /// Package file contents by file id.
    blobs: HashMap<u64, Vec<u8>>,
    /// (project id, IID) of merge requests seeded from another project, by
    /// source project: never auto-created there.
    fork_sources: Vec<(u64, u64)>,
    last_status_id: u64,
    last_mr_id: u64,
    last_note_id: u64,
    last_package_id: u64,
    last_file_id: u64,
    /// The only access token accepted; any non-empty token when `None`.
    pub token: Option<String>,
    /// The only job token accepted; any non-empty token when `None`.
    pub job_token: Option<String>,
    /// Writes (statuses, notes, package uploads) get 403.
    pub read_only: bool,
    /// A package may receive the same file name twice.
    pub allow_duplicates: bool,
    /// Unknown projects and merge requests are created on first use.
    pub auto_create: bool,
    rate: RateWindow,
}

impl Default for Gitlab {
    fn default() -> Gitlab {
        Gitlab {
            state: GitlabState::default(),
            blobs: HashMap::new(),
            fork_sources: Vec::new(),
            last_status_id: 0,
            last_mr_id: 0,
            last_note_id: 0,
            last_package_id: 0,
            last_file_id: 0,
            token: None,
            job_token: None,
            read_only: false,
            allow_duplicates: true,
            auto_create: true,
            rate: RateWindow::fresh(wire::now_epoch()),
        }
    }
}

/// Who is calling, once authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// An access token: the bot user.
    User,
    /// A CI job token (acting as the bot user too).
    Job,
    /// No credentials, on a route that lets GitLab get to the project lookup.
    Anonymous,
}

/// Credentials as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credential {
    Access(String),
    Job(String),
    Missing,
}

/// How a route authenticates (GitLab's route settings).
#[derive(Debug, Clone, Copy)]
struct AuthRule {
    /// `job_token_allowed`.
    job_token: bool,
    /// HTTP Basic with a token as the password.
    basic: bool,
    /// No `authenticate!`: a request without credentials reaches the project
    /// lookup (and gets 404 there, projects being private).
    anonymous: bool,
}

const STRICT: AuthRule = AuthRule {
    job_token: false,
    basic: false,
    anonymous: false,
};
const JOB_READ: AuthRule = AuthRule {
    job_token: true,
    basic: false,
    anonymous: false,
};
const PACKAGES_API: AuthRule = AuthRule {
    job_token: true,
    basic: false,
    anonymous: true,
};
const GENERIC_UPLOAD: AuthRule = AuthRule {
    job_token: true,
    basic: true,
    anonymous: false,
};
const GENERIC_DOWNLOAD: AuthRule = AuthRule {
    job_token: true,
    basic: true,
    anonymous: true,
};

/// The routes served, with their path parameters (decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    CreateStatus {
        sha: String,
    },
    ListStatuses {
        sha: String,
    },
    GetMergeRequest {
        iid: String,
    },
    ListNotes {
        iid: String,
    },
    CreateNote {
        iid: String,
    },
    GetNote {
        iid: String,
        note: String,
    },
    UpdateNote {
        iid: String,
        note: String,
    },
    Upload {
        name: String,
        version: String,
        path: Vec<String>,
        file: String,
    },
    Download {
        name: String,
        version: String,
        path: Vec<String>,
        file: String,
    },
    ListPackages,
    GetPackage {
        id: String,
    },
    ListPackageFiles {
        id: String,
    },
}

impl Route {
    /// The route and the project reference (id or path), or `None` for an
    /// unknown route.
    fn parse(method: &str, path: &str) -> Option<(String, Route)> {
        let rest = path.strip_prefix(OWNED_PREFIX)?;
        let decoded: Vec<String> = rest
            .split('/')
            .map(|s| wire::percent_decode(s, false))
            .collect();
        let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let s = |v: &&str| (*v).to_owned();
        let route = match (method, segments.as_slice()) {
            ("POST", [_, "statuses", sha]) => Route::CreateStatus { sha: s(sha) },
            ("GET", [_, "repository", "commits", sha, "statuses"]) => {
                Route::ListStatuses { sha: s(sha) }
            }
            ("GET", [_, "merge_requests", iid]) => Route::GetMergeRequest { iid: s(iid) },
            ("GET", [_, "merge_requests", iid, "notes"]) => Route::ListNotes { iid: s(iid) },
            ("POST", [_, "merge_requests", iid, "notes"]) => Route::CreateNote { iid: s(iid) },
            ("GET", [_, "merge_requests", iid, "notes", note]) => Route::GetNote {
                iid: s(iid),
                note: s(note),
            },
            ("PUT", [_, "merge_requests", iid, "notes", note]) => Route::UpdateNote {
                iid: s(iid),
                note: s(note),
            },
            ("PUT" | "GET", [_, "packages", "generic", name, version, dirs @ .., file])
                if !name.is_empty() && !version.is_empty() =>
            {
                let (name, version, file) = (s(name), s(version), s(file));
                let path = dirs.iter().map(s).collect();
                if method == "PUT" {
                    Route::Upload {
                        name,
                        version,
                        path,
                        file,
                    }
                } else {
                    Route::Download {
                        name,
                        version,
                        path,
                        file,
                    }
                }
            }
            ("GET", [_, "packages"]) => Route::ListPackages,
            ("GET", [_, "packages", id]) => Route::GetPackage { id: s(id) },
            ("GET", [_, "packages", id, "package_files"]) => Route::ListPackageFiles { id: s(id) },
            _ => return None,
        };
        let project = segments.first().filter(|p| !p.is_empty())?;
        Some(((*project).to_owned(), route))
    }

    fn auth(&self) -> AuthRule {
        match self {
            Route::CreateStatus { .. }
            | Route::ListStatuses { .. }
            | Route::CreateNote { .. }
            | Route::UpdateNote { .. } => STRICT,
            Route::GetMergeRequest { .. } | Route::ListNotes { .. } | Route::GetNote { .. } => {
                JOB_READ
            }
            Route::Upload { .. } => GENERIC_UPLOAD,
            Route::Download { .. } => GENERIC_DOWNLOAD,
            Route::ListPackages | Route::GetPackage { .. } | Route::ListPackageFiles { .. } => {
                PACKAGES_API
            }
        }
    }

    /// Whether the body carries parameters (not file content).
    fn body_has_params(&self) -> bool {
        !matches!(self, Route::Upload { .. })
    }
}

/// The request being answered.
struct Ctx<'a> {
    base: &'a str,
    req: &'a RecordedRequest,
    params: Params,
    caller: Caller,
    /// The project reference as given in the path (decoded).
    project_ref: String,
}

impl Gitlab {
    /// A GitLab emulation accepting `options.gitlab_token` and
    /// `options.gitlab_job_token` (any non-empty token when `None`).
    pub fn new(options: &crate::SimOptions) -> Gitlab {
        Gitlab {
            token: options.gitlab_token.clone(),
            job_token: options.gitlab_job_token.clone(),
            ..Gitlab::default()
        }
    }

    /// A snapshot of the stored data.
    pub fn snapshot(&self) -> GitlabState {
        self.state.clone()
    }

    /// Sets the rate-limit window: `remaining` requests until `reset_epoch`
    /// (Unix seconds), then 429 until then; a fresh window of
    /// [`RATE_LIMIT`] requests a minute starts at `reset_epoch`.
    pub fn set_rate_limit(&mut self, remaining: u64, reset_epoch: u64) {
        let limit = RATE_LIMIT.max(remaining);
        self.rate = RateWindow {
            limit,
            observed: limit - remaining,
            reset: reset_epoch,
        };
    }

    // ----- answering ---------------------------------------------------------

    fn answer(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply {
        let now = wire::now_epoch();
        if self.rate.count(now) {
            return self.throttled(now);
        }
        let Some((project_ref, route)) = Route::parse(&req.method, &req.path) else {
            return route_not_found();
        };
        let caller = match self.authenticate(req, route.auth()) {
            Ok(caller) => caller,
            Err(reply) => return reply,
        };
        let params = match Params::parse(req, route.body_has_params()) {
            Ok(params) => params,
            Err(reply) => return reply,
        };
        let cx = Ctx {
            base: incoming.api_url,
            req,
            params,
            caller,
            project_ref,
        };
        let result = match &route {
            Route::CreateStatus { sha } => self.create_status(&cx, sha),
            Route::ListStatuses { sha } => self.list_statuses(&cx, sha),
            Route::GetMergeRequest { iid } => self.get_merge_request(&cx, iid),
            Route::ListNotes { iid } => self.list_notes(&cx, iid),
            Route::CreateNote { iid } => self.create_note(&cx, iid),
            Route::GetNote { iid, note } => self.get_note(&cx, iid, note),
            Route::UpdateNote { iid, note } => self.update_note(&cx, iid, note),
            Route::Upload {
                name,
                version,
                path,
                file,
            } => self.upload(&cx, name, version, path, file),
            Route::Download {
                name,
                version,
                path,
                file,
            } => self.download(&cx, name, version, path, file),
            Route::ListPackages => self.list_packages(&cx),
            Route::GetPackage { id } => self.get_package(&cx, id),
            Route::ListPackageFiles { id } => self.list_package_files(&cx, id),
        };
        result.unwrap_or_else(|reply| reply)
    }

    /// GitLab's throttle answer (Rack::Attack): plain text, `Retry-After`.
    fn throttled(&self, now: u64) -> Reply {
        let mut reply = Reply::bytes(429, "text/plain; charset=utf-8", b"Retry later\n".to_vec());
        let wait = self.rate.reset.saturating_sub(now).max(1);
        reply.set_header("retry-after", wait.to_string());
        reply.set_header("ratelimit-resettime", wire::http_date(self.rate.reset));
        reply
    }

    fn add_headers(&self, reply: &mut Reply, request_number: u64) {
        let rate = self.rate;
        reply.set_header("ratelimit-name", RATE_LIMIT_NAME);
        reply.set_header("ratelimit-limit", rate.limit.to_string());
        reply.set_header("ratelimit-observed", rate.observed.to_string());
        reply.set_header("ratelimit-remaining", rate.remaining().to_string());
        reply.set_header("ratelimit-reset", rate.reset.to_string());
        reply.set_header("x-request-id", format!("01SIM{request_number:021}"));
    }

    fn credential(&self, req: &RecordedRequest, rule: AuthRule) -> Credential {
        if let Some(t) = req
            .header("private-token")
            .or_else(|| req.query_param("private_token"))
        {
            return Credential::Access(t.trim().to_owned());
        }
        if let Some(value) = req.header("authorization") {
            let value = value.trim();
            let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
            if scheme.eq_ignore_ascii_case("bearer") {
                let token = rest.trim().to_owned();
                // GitLab takes a job token as a bearer token where job
                // tokens are allowed.
                if rule.job_token && self.job_token.as_deref() == Some(token.as_str()) {
                    return Credential::Job(token);
                }
                return Credential::Access(token);
            }
            if scheme.eq_ignore_ascii_case("basic") && rule.basic {
                let decoded = wire::base64_decode(rest.trim())
                    .and_then(|bytes| String::from_utf8(bytes).ok());
                return match decoded.as_deref().and_then(|d| d.split_once(':')) {
                    Some((user, password))
                        if user == "gitlab-ci-token"
                            || self.job_token.as_deref() == Some(password) =>
                    {
                        Credential::Job(password.to_owned())
                    }
                    Some((_, password)) => Credential::Access(password.to_owned()),
                    None => Credential::Access(String::new()),
                };
            }
        }
        if let Some(t) = req
            .header("job-token")
            .or_else(|| req.query_param("job_token"))
        {
            return Credential::Job(t.trim().to_owned());
        }
        Credential::Missing
    }

    fn authenticate(&self, req: &RecordedRequest, rule: AuthRule) -> Result<Caller, Reply> {
        let accepts = |expected: &Option<String>, given: &str| {
            !given.is_empty() && expected.as_deref().is_none_or(|e| e == given)
        };
        match self.credential(req, rule) {
            Credential::Access(t) if accepts(&self.token, &t) => Ok(Caller::User),
            Credential::Access(_) => Err(unauthorized()),
            // GitLab only looks for a job token on routes that allow one.
            Credential::Job(t) if rule.job_token => {
                if accepts(&self.job_token, &t) {
                    Ok(Caller::Job)
                } else {
                    Err(unauthorized())
                }
            }
            Credential::Job(_) | Credential::Missing if rule.anonymous => Ok(Caller::Anonymous),
            Credential::Job(_) | Credential::Missing => Err(unauthorized()),
        }
    }

    // ----- projects -------------------------------------------------------

    /// The index of the project `reference` (an id or a full path), if it
    /// exists.
    fn find_project(&self, reference: &str) -> Option<usize> {
        match reference.parse::<u64>() {
            Ok(id) => self.state.projects.iter().position(|p| p.id == id),
            Err(_) => self
                .state
                .projects
                .iter()
                .position(|p| p.path_with_namespace.eq_ignore_ascii_case(reference)),
        }
    }

    fn next_project_id(&self) -> u64 {
        self.state.projects.iter().map(|p| p.id).max().unwrap_or(0) + 1
    }

    /// Creates the project `reference` names (which must not exist); `None`
    /// for a path GitLab could not have.
    fn create_project(&mut self, reference: &str) -> Option<usize> {
        let (id, path) = match reference.parse::<u64>() {
            Ok(0) => return None,
            Ok(id) => (id, format!("sim/project-{id}")),
            Err(_) if valid_project_path(reference) => {
                (self.next_project_id(), reference.to_owned())
            }
            Err(_) => return None,
        };
        self.state.projects.push(Project {
            id,
            path_with_namespace: path,
            default_branch: DEFAULT_BRANCH.to_owned(),
        });
        Some(self.state.projects.len() - 1)
    }

    /// The project a request addresses: 404 for anonymous callers (projects
    /// are private) and for unknown projects when auto-creation is off.
    fn project(&mut self, cx: &Ctx<'_>) -> Result<usize, Reply> {
        if cx.caller == Caller::Anonymous {
            return Err(project_not_found());
        }
        if let Some(index) = self.find_project(&cx.project_ref) {
            return Ok(index);
        }
        if self.auto_create {
            if let Some(index) = self.create_project(&cx.project_ref) {
                return Ok(index);
            }
        }
        Err(project_not_found())
    }

    fn refuse_writes(&self) -> Result<(), Reply> {
        if self.read_only {
            Err(forbidden())
        } else {
            Ok(())
        }
    }

    // ----- commit statuses ----------------------------------------------

    fn create_status(&mut self, cx: &Ctx<'_>, sha: &str) -> Result<Reply, Reply> {
        let p = &cx.params;
        let state = p
            .choice("state", STATUS_STATES, None)?
            .ok_or_else(|| grape_error("state is missing"))?;
        let ref_param = p.string("ref")?.filter(|r| !r.is_empty());
        let target_url = p.string("target_url")?;
        let description = p.string("description")?;
        let name = match (p.string("name")?, p.string("context")?) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => "default".to_owned(),
        };
        let coverage = p.float("coverage")?;
        let pipeline_id = p.int("pipeline_id")?;
        let project = self.project(cx)?;
        self.refuse_writes()?;
        if target_url
            .as_ref()
            .is_some_and(|u| u.chars().count() > MAX_TARGET_URL_CHARS)
        {
            return Err(Reply::json(
                400,
                &json!({ "message": { "target_url": [
                    format!("is too long (maximum is {MAX_TARGET_URL_CHARS} characters)")
                ] } }),
            ));
        }
        let project_id = self.state.projects[project].id;

        // The newest pipeline of the commit (of `ref`, of `pipeline_id`).
        let matching = self
            .state
            .pipelines
            .iter()
            .filter(|pl| pl.project_id == project_id && pl.sha == sha)
            .filter(|pl| ref_param.as_ref().is_none_or(|r| pl.ref_name == *r))
            .filter(|pl| pipeline_id.is_none_or(|id| pl.id == id))
            .max_by_key(|pl| pl.id)
            .cloned();
        if pipeline_id.is_some() && matching.is_none() {
            return Err(message(
                404,
                "404 Pipeline for pipeline_id, sha and ref Not Found",
            ));
        }
        let ref_name = ref_param
            .or_else(|| matching.as_ref().map(|pl| pl.ref_name.clone()))
            .unwrap_or_else(|| self.state.projects[project].default_branch.clone());
        let pipeline = match matching {
            Some(pl) => pl.id,
            None => self.add_pipeline(project_id, sha, &ref_name, None, "external"),
        };

        let now = wire::iso8601_millis(wire::now_millis());
        let open = self.state.statuses.iter().rposition(|s| {
            s.pipeline_id == pipeline
                && s.name == name
                && s.ref_name == ref_name
                && !s.retried
                && matches!(s.status.as_str(), "pending" | "running")
        });
        let (from, mut status) = match open {
            Some(i) => (
                self.state.statuses[i].status.clone(),
                self.state.statuses[i].clone(),
            ),
            None => (
                "created".to_owned(),
                CommitStatus {
                    id: 0,
                    project_id,
                    pipeline_id: pipeline,
                    sha: sha.to_owned(),
                    ref_name: ref_name.clone(),
                    name: name.clone(),
                    status: "created".to_owned(),
                    target_url: None,
                    description: None,
                    coverage: None,
                    author: BOT_USERNAME.to_owned(),
                    created_at: now.clone(),
                    started_at: None,
                    finished_at: None,
                    retried: false,
                    updates: 0,
                },
            ),
        };
        transition(&mut status, &from, &state, &now)?;
        if target_url.is_some() {
            status.target_url = target_url;
        }
        if description.is_some() {
            status.description = description;
        }
        if coverage.is_some() {
            status.coverage = coverage;
        }
        match open {
            Some(i) => {
                status.updates += 1;
                self.state.statuses[i] = status.clone();
            }
            None => {
                self.last_status_id += 1;
                status.id = self.last_status_id;
                for older in &mut self.state.statuses {
                    if older.pipeline_id == pipeline && older.name == name {
                        older.retried = true;
                    }
                }
                self.state.statuses.push(status.clone());
            }
        }
        Ok(Reply::json(201, &status_json(&status, cx.base)))
    }

    fn add_pipeline(
        &mut self,
        project_id: u64,
        sha: &str,
        ref_name: &str,
        id: Option<u64>,
        source: &str,
    ) -> u64 {
        let id =
            id.unwrap_or_else(|| self.state.pipelines.iter().map(|p| p.id).max().unwrap_or(0) + 1);
        self.state.pipelines.push(Pipeline {
            id,
            project_id,
            sha: sha.to_owned(),
            ref_name: ref_name.to_owned(),
            source: source.to_owned(),
        });
        id
    }

    fn list_statuses(&mut self, cx: &Ctx<'_>, sha: &str) -> Result<Reply, Reply> {
        let p = &cx.params;
        let ref_filter = p.string("ref")?.filter(|r| !r.is_empty());
        let stage = p.string("stage")?.filter(|s| !s.is_empty());
        let name = p.string("name")?.filter(|n| !n.is_empty());
        let pipeline_id = p.int("pipeline_id")?;
        let all = p.boolean("all")?.unwrap_or(false);
        let order_by = p
            .choice("order_by", &["id", "pipeline_id"], Some("id"))?
            .unwrap_or_default();
        let desc = p.choice("sort", &["asc", "desc"], Some("asc"))?.as_deref() == Some("desc");
        let paging = Paging::parse(p)?;
        let project = self.project(cx)?;
        let project_id = self.state.projects[project].id;
        let mut statuses: Vec<&CommitStatus> = self
            .state
            .statuses
            .iter()
            .filter(|s| s.project_id == project_id && s.sha == sha)
            .filter(|s| all || !s.retried)
            .filter(|s| ref_filter.as_ref().is_none_or(|r| s.ref_name == *r))
            .filter(|_| stage.as_deref().is_none_or(|st| st == "external"))
            .filter(|s| name.as_ref().is_none_or(|n| s.name == *n))
            .filter(|s| pipeline_id.is_none_or(|id| s.pipeline_id == id))
            .collect();
        statuses.sort_by_key(|s| {
            if order_by == "pipeline_id" {
                (s.pipeline_id, s.id)
            } else {
                (s.id, 0)
            }
        });
        if desc {
            statuses.reverse();
        }
        let page = paging.page(
            statuses.len(),
            cx,
            &[("sha", sha.to_owned())],
            &[("order_by", "id"), ("sort", "asc")],
        );
        let items: Vec<Value> = statuses[page.start..page.end]
            .iter()
            .map(|s| status_json(s, cx.base))
            .collect();
        Ok(page.apply(Reply::json(200, &Value::Array(items))))
    }

    // ----- merge requests and notes -------------------------------------

    /// The index of merge request `iid` of the addressed project (created if
    /// auto-creation is on, unless the IID is a fork merge request from this
    /// project), or 404.
    fn merge_request(&mut self, cx: &Ctx<'_>, iid: &str, field: &str) -> Result<usize, Reply> {
        let iid = parse_int(iid, field)?;
        let project = self.project(cx)?;
        let project_id = self.state.projects[project].id;
        if let Some(i) = self
            .state
            .merge_requests
            .iter()
            .position(|m| m.project_id == project_id && m.iid == iid)
        {
            return Ok(i);
        }
        let fork_source = self.fork_sources.contains(&(project_id, iid));
        if !self.auto_create || fork_source || iid == 0 {
            return Err(record_not_found());
        }
        Ok(self.add_merge_request(project_id, iid, project_id, MrDetails::default()))
    }

    fn add_merge_request(
        &mut self,
        project_id: u64,
        iid: u64,
        source_project_id: u64,
        details: MrDetails,
    ) -> usize {
        let MrDetails {
            source_branch,
            target_branch,
            sha,
            title,
        } = details;
        self.last_mr_id += 1;
        let default_branch = self
            .state
            .projects
            .iter()
            .find(|p| p.id == project_id)
            .map_or(DEFAULT_BRANCH, |p| p.default_branch.as_str())
            .to_owned();
        self.state.merge_requests.push(MergeRequest {
            id: self.last_mr_id,
            iid,
            project_id,
            source_project_id,
            source_branch: source_branch.unwrap_or_else(|| format!("feature-{iid}")),
            target_branch: target_branch.unwrap_or(default_branch),
            sha,
            title: title.unwrap_or_else(|| format!("Merge request !{iid}")),
            notes: Vec::new(),
        });
        if source_project_id != project_id {
            self.fork_sources.push((source_project_id, iid));
        }
        self.state.merge_requests.len() - 1
    }

    fn get_merge_request(&mut self, cx: &Ctx<'_>, iid: &str) -> Result<Reply, Reply> {
        let index = self.merge_request(cx, iid, "merge_request_iid")?;
        let mr = &self.state.merge_requests[index];
        Ok(Reply::json(200, &self.merge_request_json(mr, cx.base)))
    }

    fn list_notes(&mut self, cx: &Ctx<'_>, iid: &str) -> Result<Reply, Reply> {
        let p = &cx.params;
        let order_by = p
            .choice(
                "order_by",
                &["created_at", "updated_at"],
                Some("created_at"),
            )?
            .unwrap_or_default();
        let desc = p.choice("sort", &["asc", "desc"], Some("desc"))?.as_deref() == Some("desc");
        let filter = p
            .choice(
                "activity_filter",
                &["all_notes", "only_comments", "only_activity"],
                Some("all_notes"),
            )?
            .unwrap_or_default();
        let paging = Paging::parse(p)?;
        let index = self.merge_request(cx, iid, "noteable_id")?;
        let mr = &self.state.merge_requests[index];
        let mut notes: Vec<&Note> = mr
            .notes
            .iter()
            .filter(|n| match filter.as_str() {
                "only_comments" => !n.system,
                "only_activity" => n.system,
                _ => true,
            })
            .collect();
        notes.sort_by_key(|n| {
            let at = if order_by == "updated_at" {
                n.updated_ms
            } else {
                n.created_ms
            };
            (at, n.id)
        });
        if desc {
            notes.reverse();
        }
        let page = paging.page(
            notes.len(),
            cx,
            &[("noteable_id", mr.iid.to_string())],
            &[
                ("activity_filter", "all_notes"),
                ("order_by", "created_at"),
                ("sort", "desc"),
            ],
        );
        let items: Vec<Value> = notes[page.start..page.end]
            .iter()
            .map(|n| note_json(n, mr, cx.base))
            .collect();
        Ok(page.apply(Reply::json(200, &Value::Array(items))))
    }

    fn create_note(&mut self, cx: &Ctx<'_>, iid: &str) -> Result<Reply, Reply> {
        let body = cx
            .params
            .string("body")?
            .ok_or_else(|| grape_error("body is missing"))?;
        let index = self.merge_request(cx, iid, "noteable_id")?;
        self.refuse_writes()?;
        note_body_valid(&body, "Note")?;
        let now = wire::now_millis();
        self.last_note_id += 1;
        let note = Note {
            id: self.last_note_id,
            body,
            author: BOT_USERNAME.to_owned(),
            system: false,
            created_at: wire::iso8601_millis(now),
            updated_at: wire::iso8601_millis(now),
            updates: 0,
            created_ms: now,
            updated_ms: now,
        };
        let mr = &mut self.state.merge_requests[index];
        mr.notes.push(note);
        let mr = &self.state.merge_requests[index];
        let note = mr.notes.last().map(|n| note_json(n, mr, cx.base));
        Ok(Reply::json(201, &note.unwrap_or(Value::Null)))
    }

    fn find_note(&self, mr: usize, note: &str) -> Result<usize, Reply> {
        let id = parse_int(note, "note_id")?;
        self.state.merge_requests[mr]
            .notes
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(record_not_found)
    }

    fn get_note(&mut self, cx: &Ctx<'_>, iid: &str, note: &str) -> Result<Reply, Reply> {
        parse_int(note, "note_id")?;
        let index = self.merge_request(cx, iid, "noteable_id")?;
        let n = self.find_note(index, note)?;
        let mr = &self.state.merge_requests[index];
        Ok(Reply::json(200, &note_json(&mr.notes[n], mr, cx.base)))
    }

    fn update_note(&mut self, cx: &Ctx<'_>, iid: &str, note: &str) -> Result<Reply, Reply> {
        parse_int(note, "note_id")?;
        let body = cx.params.string("body")?;
        if body.as_deref().is_some_and(|b| b.trim().is_empty()) {
            return Err(grape_error("body is empty"));
        }
        let index = self.merge_request(cx, iid, "noteable_id")?;
        let n = self.find_note(index, note)?;
        let stored = &self.state.merge_requests[index].notes[n];
        if stored.author != BOT_USERNAME || stored.system {
            return Err(forbidden());
        }
        self.refuse_writes()?;
        if let Some(body) = body {
            note_body_valid(&body, "Failed to save note")?;
            let now = wire::now_millis();
            let stored = &mut self.state.merge_requests[index].notes[n];
            stored.body = body;
            stored.updated_ms = now;
            stored.updated_at = wire::iso8601_millis(now);
            stored.updates += 1;
        }
        let mr = &self.state.merge_requests[index];
        Ok(Reply::json(200, &note_json(&mr.notes[n], mr, cx.base)))
    }

    // ----- generic packages ----------------------------------------------

    fn upload(
        &mut self,
        cx: &Ctx<'_>,
        name: &str,
        version: &str,
        dirs: &[String],
        file: &str,
    ) -> Result<Reply, Reply> {
        validate_package_path(name, version, dirs, file)?;
        let status = cx.params.choice("status", &["default", "hidden"], None)?;
        let select = cx.params.choice("select", &["package_file"], None)?;
        let project = self.project(cx)?;
        self.refuse_writes()?;
        let project_id = self.state.projects[project].id;
        let file_name = stored_file_name(dirs, file);
        let now = wire::now_millis();
        let existing = self.state.packages.iter().rposition(|pk| {
            pk.project_id == project_id && pk.name == name && pk.version == version
        });
        if let Some(i) = existing {
            let duplicate = self.state.packages[i]
                .files
                .iter()
                .any(|f| f.file_name == file_name);
            if duplicate && !self.allow_duplicates {
                return Err(bad_request_400("Duplicate package is not allowed"));
            }
        }
        let index = match existing {
            Some(i) => i,
            None => {
                self.last_package_id += 1;
                self.state.packages.push(Package {
                    id: self.last_package_id,
                    project_id,
                    name: name.to_owned(),
                    version: version.to_owned(),
                    status: "default".to_owned(),
                    created_at: wire::iso8601_millis(now),
                    files: Vec::new(),
                });
                self.state.packages.len() - 1
            }
        };
        if let Some(status) = status {
            self.state.packages[index].status = status;
        }
        self.last_file_id += 1;
        let data = cx.req.body.clone();
        let file = PackageFile {
            id: self.last_file_id,
            file_name,
            size: data.len() as u64,
            file_sha256: sha256_hex(&data),
            created_at: wire::iso8601_millis(now),
        };
        self.blobs.insert(file.id, data);
        let package = &mut self.state.packages[index];
        package.files.push(file.clone());
        if select.is_some() {
            // `present` in a PUT endpoint: Grape's default 200.
            Ok(Reply::json(200, &package_file_detail_json(package, &file)))
        } else {
            Ok(Reply::json(201, &json!({ "message": "201 Created" })))
        }
    }

    fn download(
        &mut self,
        cx: &Ctx<'_>,
        name: &str,
        version: &str,
        dirs: &[String],
        file: &str,
    ) -> Result<Reply, Reply> {
        validate_package_path(name, version, dirs, file)?;
        let project = self.project(cx)?;
        let project_id = self.state.projects[project].id;
        let file_name = stored_file_name(dirs, file);
        let package = self
            .state
            .packages
            .iter()
            .filter(|pk| pk.project_id == project_id && pk.name == name && pk.version == version)
            .max_by_key(|pk| pk.id)
            .ok_or_else(record_not_found)?;
        let found = package
            .files
            .iter()
            .rev()
            .find(|f| f.file_name == file_name)
            .ok_or_else(record_not_found)?;
        let data = self.blobs.get(&found.id).cloned().unwrap_or_default();
        let mut reply = Reply::bytes(200, "application/octet-stream", data);
        reply.set_header(
            "content-disposition",
            format!(
                "attachment; filename=\"{file}\"; filename*=UTF-8''{}",
                wire::percent_encode(file)
            ),
        );
        reply.set_header("x-checksum-sha256", found.file_sha256.clone());
        Ok(reply)
    }

    fn list_packages(&mut self, cx: &Ctx<'_>) -> Result<Reply, Reply> {
        let p = &cx.params;
        let order_by = p
            .choice(
                "order_by",
                &["created_at", "name", "version", "type"],
                Some("created_at"),
            )?
            .unwrap_or_default();
        let desc = p.choice("sort", &["asc", "desc"], Some("asc"))?.as_deref() == Some("desc");
        let package_type = p.choice("package_type", PACKAGE_TYPES, None)?;
        let name = p.string("package_name")?.map(|n| n.to_lowercase());
        let version = p.string("package_version")?;
        let status = p.choice(
            "status",
            &[
                "default",
                "hidden",
                "processing",
                "error",
                "pending_destruction",
            ],
            None,
        )?;
        let paging = Paging::parse(p)?;
        let project = self.project(cx)?;
        let project_id = self.state.projects[project].id;
        let mut packages: Vec<&Package> = self
            .state
            .packages
            .iter()
            .filter(|pk| pk.project_id == project_id)
            .filter(|_| package_type.as_deref().is_none_or(|t| t == "generic"))
            .filter(|pk| {
                name.as_ref()
                    .is_none_or(|n| pk.name.to_lowercase().contains(n.as_str()))
            })
            .filter(|pk| version.as_ref().is_none_or(|v| pk.version == *v))
            .filter(|pk| match &status {
                Some(s) => pk.status == *s,
                None => pk.status != "hidden",
            })
            .collect();
        packages.sort_by(|a, b| {
            let key = |pk: &Package| match order_by.as_str() {
                "name" => pk.name.clone(),
                "version" => pk.version.clone(),
                "type" => "generic".to_owned(),
                _ => String::new(),
            };
            key(a).cmp(&key(b)).then(a.id.cmp(&b.id))
        });
        if desc {
            packages.reverse();
        }
        let page = paging.page(
            packages.len(),
            cx,
            &[],
            &[("order_by", "created_at"), ("sort", "asc")],
        );
        let path = &self.state.projects[project].path_with_namespace;
        let items: Vec<Value> = packages[page.start..page.end]
            .iter()
            .map(|pk| package_json(pk, path, cx.base))
            .collect();
        Ok(page.apply(Reply::json(200, &Value::Array(items))))
    }

    fn find_package(&self, project: usize, id: &str) -> Result<usize, Reply> {
        let id = parse_int(id, "package_id")?;
        let project_id = self.state.projects[project].id;
        self.state
            .packages
            .iter()
            .position(|pk| pk.id == id && pk.project_id == project_id)
            .ok_or_else(record_not_found)
    }

    fn get_package(&mut self, cx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
        parse_int(id, "package_id")?;
        let project = self.project(cx)?;
        let index = self.find_package(project, id)?;
        let path = &self.state.projects[project].path_with_namespace;
        Ok(Reply::json(
            200,
            &package_json(&self.state.packages[index], path, cx.base),
        ))
    }

    fn list_package_files(&mut self, cx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
        parse_int(id, "package_id")?;
        let p = &cx.params;
        let order_by = p
            .choice("order_by", &["id", "created_at", "file_name"], Some("id"))?
            .unwrap_or_default();
        let desc = p.choice("sort", &["asc", "desc"], Some("asc"))?.as_deref() == Some("desc");
        let paging = Paging::parse(p)?;
        let project = self.project(cx)?;
        let index = self.find_package(project, id)?;
        let package = &self.state.packages[index];
        let mut files: Vec<&PackageFile> = package.files.iter().collect();
        if order_by == "file_name" {
            files.sort_by(|a, b| a.file_name.cmp(&b.file_name).then(a.id.cmp(&b.id)));
        } else {
            files.sort_by_key(|f| f.id);
        }
        if desc {
            files.reverse();
        }
        let page = paging.page(
            files.len(),
            cx,
            &[("package_id", package.id.to_string())],
            &[("order_by", "id"), ("sort", "asc")],
        );
        let items: Vec<Value> = files[page.start..page.end]
            .iter()
            .map(|f| package_file_json(package, f))
            .collect();
        Ok(page.apply(Reply::json(200, &Value::Array(items))))
    }

    // ----- JSON of stored things that needs the state -------------------

    fn merge_request_json(&self, mr: &MergeRequest, base: &str) -> Value {
        let path = self
            .state
            .projects
            .iter()
            .find(|p| p.id == mr.project_id)
            .map_or("", |p| p.path_with_namespace.as_str());
        json!({
            "id": mr.id,
            "iid": mr.iid,
            "project_id": mr.project_id,
            "title": mr.title,
            "description": Value::Null,
            "state": "opened",
            "target_branch": mr.target_branch,
            "source_branch": mr.source_branch,
            "source_project_id": mr.source_project_id,
            "target_project_id": mr.project_id,
            "author": user_json(BOT, base),
            "draft": false,
            "sha": mr.sha,
            "user_notes_count": mr.notes.iter().filter(|n| !n.system).count(),
            "web_url": format!("{base}/{path}/-/merge_requests/{}", mr.iid),
        })
    }

    // ----- seeding (admin routes and the Simulator's methods) ------------

    /// The project an admin request names (an id, a string of digits or a
    /// path), created if missing.
    fn ensure_project(&mut self, reference: &ProjectRef) -> Result<usize, String> {
        let text = reference.text();
        if let Some(index) = self.find_project(&text) {
            return Ok(index);
        }
        self.create_project(&text).ok_or_else(|| {
            format!("{text:?} is not a project id or a full path like group/project")
        })
    }

    /// Creates project `path` with `id` (the next free id when `None`); the
    /// existing project when both already name the same one.
    pub fn seed_project(
        &mut self,
        id: Option<u64>,
        path: &str,
        default_branch: Option<&str>,
    ) -> Result<Project, (u16, String)> {
        if !valid_project_path(path) {
            return Err((
                400,
                format!("{path:?} is not a full project path like group/project"),
            ));
        }
        let by_path = self.find_project(path);
        let by_id = id.and_then(|id| self.state.projects.iter().position(|p| p.id == id));
        let index = match (by_id, by_path, id) {
            (_, _, Some(0)) => return Err((400, "\"id\" must be positive".to_owned())),
            (Some(a), Some(b), _) if a == b => a,
            (None, None, id) => {
                self.state.projects.push(Project {
                    id: id.unwrap_or_else(|| self.next_project_id()),
                    path_with_namespace: path.to_owned(),
                    default_branch: DEFAULT_BRANCH.to_owned(),
                });
                self.state.projects.len() - 1
            }
            (None, Some(b), None) => b,
            (Some(a), _, _) => {
                let other = &self.state.projects[a].path_with_namespace;
                return Err((
                    409,
                    format!("project id {} is {other:?}", self.state.projects[a].id),
                ));
            }
            (None, Some(b), Some(_)) => {
                let other = self.state.projects[b].id;
                return Err((409, format!("project {path:?} has id {other}")));
            }
        };
        if let Some(branch) = default_branch {
            self.state.projects[index].default_branch = branch.to_owned();
        }
        Ok(self.state.projects[index].clone())
    }

    /// Creates merge request `iid` in `project`, from `seed.source_project`
    /// (a fork) or from `project`. Returns its index.
    fn seed_merge_request(&mut self, seed: SeedMergeRequest) -> Result<usize, (u16, String)> {
        let target = self.ensure_project(&seed.project).map_err(|m| (400, m))?;
        let target_id = self.state.projects[target].id;
        let source_id = match &seed.source_project {
            Some(source) => {
                let index = self.ensure_project(source).map_err(|m| (400, m))?;
                self.state.projects[index].id
            }
            None => target_id,
        };
        if seed.iid == 0 {
            return Err((400, "\"iid\" must be positive".to_owned()));
        }
        if self
            .state
            .merge_requests
            .iter()
            .any(|m| m.project_id == target_id && m.iid == seed.iid)
        {
            return Err((
                409,
                format!(
                    "project {target_id} already has merge request !{}",
                    seed.iid
                ),
            ));
        }
        let details = MrDetails {
            source_branch: seed.source_branch,
            target_branch: seed.target_branch,
            sha: seed.sha,
            title: seed.title,
        };
        Ok(self.add_merge_request(target_id, seed.iid, source_id, details))
    }

    /// Adds `count` notes to merge request `iid` of `project` (creating
    /// both if missing), as if written earlier by someone else; with
    /// `marker`, the last one is ours ([`BOT_USERNAME`]) and starts with the
    /// marker. Returns their ids.
    pub fn seed_notes(
        &mut self,
        project: &str,
        iid: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Result<Vec<u64>, String> {
        let project = self.ensure_project(&ProjectRef::Text(project.to_owned()))?;
        let project_id = self.state.projects[project].id;
        if iid == 0 {
            return Err("\"merge_request_iid\" must be positive".to_owned());
        }
        let index = match self
            .state
            .merge_requests
            .iter()
            .position(|m| m.project_id == project_id && m.iid == iid)
        {
            Some(i) => i,
            None => self.add_merge_request(project_id, iid, project_id, MrDetails::default()),
        };
        // In the past, one second apart, so that notes created now sort
        // after them.
        let start = wire::now_millis().saturating_sub((count + 1) * 1000);
        let mut ids = Vec::new();
        for i in 1..=count {
            let (body, author) = match marker {
                Some(m) if i == count => (
                    format!("{m}\nResults of an earlier run."),
                    BOT_USERNAME.to_owned(),
                ),
                _ => (
                    format!("Seeded note {i} of {count}."),
                    OTHER_USERNAME.to_owned(),
                ),
            };
            let at = start + i * 1000;
            self.last_note_id += 1;
            ids.push(self.last_note_id);
            self.state.merge_requests[index].notes.push(Note {
                id: self.last_note_id,
                body,
                author,
                system: false,
                created_at: wire::iso8601_millis(at),
                updated_at: wire::iso8601_millis(at),
                updates: 0,
                created_ms: at,
                updated_ms: at,
            });
        }
        Ok(ids)
    }

    /// Adds a pipeline of `sha` on `git_ref` in `project` (with `id`, or the
    /// next free one), as if GitLab CI had run it. Returns its id.
    pub fn seed_pipeline(
        &mut self,
        project: &str,
        sha: &str,
        git_ref: &str,
        id: Option<u64>,
    ) -> Result<u64, (u16, String)> {
        let project = self
            .ensure_project(&ProjectRef::Text(project.to_owned()))
            .map_err(|m| (400, m))?;
        if sha.is_empty() || git_ref.is_empty() {
            return Err((400, "\"sha\" and \"ref\" must not be empty".to_owned()));
        }
        if let Some(id) = id {
            if id == 0 {
                return Err((400, "\"id\" must be positive".to_owned()));
            }
            if self.state.pipelines.iter().any(|p| p.id == id) {
                return Err((409, format!("pipeline {id} exists")));
            }
        }
        let project_id = self.state.projects[project].id;
        Ok(self.add_pipeline(project_id, sha, git_ref, id, "seeded"))
    }

    fn admin_config(&mut self, body: &[u8]) -> Reply {
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => return bad_request("the config must be a JSON object"),
        };
        const KEYS: &[&str] = &[
            "token",
            "job_token",
            "read_only",
            "allow_duplicates",
            "auto_create",
            "rate_limit",
        ];
        if let Some(key) = body.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return bad_request(&format!(
                "unknown config field {key:?}: use {}",
                KEYS.join(", ")
            ));
        }
        let parsed = (|| {
            Ok::<_, Reply>((
                admin::token_setting(&body, "token")?,
                admin::token_setting(&body, "job_token")?,
                admin::bool_setting(&body, "read_only")?,
                admin::bool_setting(&body, "allow_duplicates")?,
                admin::bool_setting(&body, "auto_create")?,
                admin::rate_limit_setting(&body)?,
            ))
        })();
        let (token, job_token, read_only, allow_duplicates, auto_create, rate) = match parsed {
            Ok(settings) => settings,
            Err(reply) => return reply,
        };
        if let Some(token) = token {
            self.token = token;
        }
        if let Some(job_token) = job_token {
            self.job_token = job_token;
        }
        if let Some(read_only) = read_only {
            self.read_only = read_only;
        }
        if let Some(allow) = allow_duplicates {
            self.allow_duplicates = allow;
        }
        if let Some(auto) = auto_create {
            self.auto_create = auto;
        }
        if let Some((remaining, reset)) = rate {
            self.set_rate_limit(remaining, reset);
        }
        Reply::json(
            200,
            &json!({
                "token_required": self.token.is_some(),
                "job_token_required": self.job_token.is_some(),
                "read_only": self.read_only,
                "allow_duplicates": self.allow_duplicates,
                "auto_create": self.auto_create,
            }),
        )
    }

    fn admin_seed_project(&mut self, body: &[u8]) -> Reply {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Seed {
            path: String,
            id: Option<u64>,
            default_branch: Option<String>,
        }
        let seed = match serde_json::from_slice::<Seed>(body) {
            Ok(seed) => seed,
            Err(e) => return bad_request(&format!("invalid seed-project JSON: {e}")),
        };
        match self.seed_project(seed.id, &seed.path, seed.default_branch.as_deref()) {
            Ok(project) => Reply::json(201, &json!(project)),
            Err((status, message)) => Reply::json(status, &json!({ "message": message })),
        }
    }

    fn admin_seed_merge_request(&mut self, body: &[u8]) -> Reply {
        let seed = match serde_json::from_slice::<SeedMergeRequest>(body) {
            Ok(seed) => seed,
            Err(e) => return bad_request(&format!("invalid seed-merge-request JSON: {e}")),
        };
        match self.seed_merge_request(seed) {
            Ok(index) => {
                let mr = &self.state.merge_requests[index];
                Reply::json(
                    201,
                    &json!({
                        "id": mr.id,
                        "iid": mr.iid,
                        "project_id": mr.project_id,
                        "source_project_id": mr.source_project_id,
                        "target_project_id": mr.project_id,
                    }),
                )
            }
            Err((status, message)) => Reply::json(status, &json!({ "message": message })),
        }
    }

    fn admin_seed_notes(&mut self, body: &[u8]) -> Reply {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Seed {
            project: ProjectRef,
            merge_request_iid: u64,
            count: u64,
            with_marker: Option<String>,
        }
        let seed = match serde_json::from_slice::<Seed>(body) {
            Ok(seed) => seed,
            Err(e) => return bad_request(&format!("invalid seed-notes JSON: {e}")),
        };
        if seed.count > admin::MAX_SEEDED {
            return bad_request(&format!("\"count\" is at most {}", admin::MAX_SEEDED));
        }
        match self.seed_notes(
            &seed.project.text(),
            seed.merge_request_iid,
            seed.count,
            seed.with_marker.as_deref(),
        ) {
            Ok(ids) => Reply::json(201, &json!({ "ids": ids })),
            Err(message) => bad_request(&message),
        }
    }

    fn admin_seed_pipeline(&mut self, body: &[u8]) -> Reply {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Seed {
            project: ProjectRef,
            sha: String,
            #[serde(rename = "ref")]
            git_ref: String,
            id: Option<u64>,
        }
        let seed = match serde_json::from_slice::<Seed>(body) {
            Ok(seed) => seed,
            Err(e) => return bad_request(&format!("invalid seed-pipeline JSON: {e}")),
        };
        match self.seed_pipeline(&seed.project.text(), &seed.sha, &seed.git_ref, seed.id) {
            Ok(id) => {
                let pipeline = self.state.pipelines.iter().find(|p| p.id == id);
                Reply::json(
                    201,
                    &json!({
                        "id": id,
                        "project_id": pipeline.map(|p| p.project_id),
                        "sha": seed.sha,
                        "ref": seed.git_ref,
                    }),
                )
            }
            Err((status, message)) => Reply::json(status, &json!({ "message": message })),
        }
    }
}

/// A project named in an admin body: a number or a string (digits or a
/// path).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
enum ProjectRef {
    Id(u64),
    Text(String),
}

impl ProjectRef {
    fn text(&self) -> String {
        match self {
            ProjectRef::Id(id) => id.to_string(),
            ProjectRef::Text(t) => t.clone(),
        }
    }
}

/// The optional fields of a merge request being created.
#[derive(Debug, Default)]
struct MrDetails {
    source_branch: Option<String>,
    target_branch: Option<String>,
    sha: Option<String>,
    title: Option<String>,
}

/// The body of `POST /_sim/gitlab/seed-merge-request`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMergeRequest {
    project: ProjectRef,
    iid: u64,
    source_project: Option<ProjectRef>,
    source_branch: Option<String>,
    target_branch: Option<String>,
    sha: Option<String>,
    title: Option<String>,
}

impl Gitlab {
    /// [`Gitlab::seed_merge_request`] for the Simulator's method: returns
    /// the merge request's global id.
    pub fn seed_merge_request_from(
        &mut self,
        project: &str,
        iid: u64,
        source_project: Option<&str>,
    ) -> Result<u64, String> {
        let seed = SeedMergeRequest {
            project: ProjectRef::Text(project.to_owned()),
            iid,
            source_project: source_project.map(|s| ProjectRef::Text(s.to_owned())),
            source_branch: None,
            target_branch: None,
            sha: None,
            title: None,
        };
        self.seed_merge_request(seed)
            .map(|index| self.state.merge_requests[index].id)
            .map_err(|(_, message)| message)
    }
}

impl Vendor for Gitlab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        via == Via::Api && path.starts_with(OWNED_PREFIX)
    }

    fn handle(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply {
        self.answer(req, incoming)
    }

    fn decorate(&self, reply: &mut Reply, request_number: u64) {
        self.add_headers(reply, request_number);
    }

    fn state_json(&self) -> Value {
        json!(self.state)
    }

    fn admin(&mut self, method: &str, route: &str, body: &[u8]) -> Option<Reply> {
        match (method, route) {
            ("POST", "config") => Some(self.admin_config(body)),
            ("POST", "seed-project") => Some(self.admin_seed_project(body)),
            ("POST", "seed-merge-request") => Some(self.admin_seed_merge_request(body)),
            ("POST", "seed-notes") => Some(self.admin_seed_notes(body)),
            ("POST", "seed-pipeline") => Some(self.admin_seed_pipeline(body)),
            _ => None,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

// ----- state machine -------------------------------------------------------

/// Applies the event posting `state` fires to `status`, currently `from`
/// (`created` for a new status, else `pending` or `running`), as GitLab's
/// commit status state machine does; 400 with its message when the machine
/// refuses.
fn transition(status: &mut CommitStatus, from: &str, state: &str, now: &str) -> Result<(), Reply> {
    let refused = |event: &str, from: &str| {
        message(
            400,
            &format!(
                "Cannot transition status via :{event} from :{from} (Reason(s): Status cannot transition via \"{event}\")"
            ),
        )
    };
    match state {
        // enqueue: created (skipped, manual, scheduled) -> pending.
        "pending" if from == "created" => {}
        "pending" => return Err(refused("enqueue", from)),
        // enqueue (allowed to fail), then run: pending -> running.
        "running" if from == "running" => return Err(refused("run", from)),
        "running" => status.started_at = Some(now.to_owned()),
        // skip: created, pending -> skipped.
        "skipped" if from == "running" => return Err(refused("skip", from)),
        // success, drop, cancel: from created, pending or running.
        "success" | "failed" | "canceled" => status.finished_at = Some(now.to_owned()),
        _ => {}
    }
    status.status = state.to_owned();
    Ok(())
}

// ----- parameters ----------------------------------------------------------

/// The request's parameters: the query, overlaid by a JSON object or form
/// body, as Grape merges them.
#[derive(Debug, Default)]
struct Params(BTreeMap<String, Value>);

impl Params {
    fn parse(req: &RecordedRequest, body_has_params: bool) -> Result<Params, Reply> {
        let mut map = BTreeMap::new();
        for (k, v) in &req.query {
            map.insert(k.clone(), Value::String(v.clone()));
        }
        if body_has_params && !req.body.is_empty() {
            let content_type = req
                .header("content-type")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if content_type.contains("x-www-form-urlencoded") {
                for (k, v) in wire::parse_query(&String::from_utf8_lossy(&req.body)) {
                    map.insert(k, Value::String(v));
                }
            } else if content_type.contains("json") || content_type.is_empty() {
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(Value::Object(body)) => map.extend(body),
                    Ok(_) => {}
                    Err(_) if content_type.is_empty() => {}
                    Err(_) => {
                        return Err(grape_error("message body does not match declared format"));
                    }
                }
            }
        }
        Ok(Params(map))
    }

    /// Every parameter as text, for pagination links.
    fn texts(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k.clone(), text))
            })
            .collect()
    }

    fn string(&self, key: &str) -> Result<Option<String>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(grape_error(&format!("{key} is invalid"))),
        }
    }

    fn int(&self, key: &str) -> Result<Option<u64>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| grape_error(&format!("{key} is invalid"))),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| grape_error(&format!("{key} is invalid"))),
            Some(_) => Err(grape_error(&format!("{key} is invalid"))),
        }
    }

    /// An integer that may be negative or zero (pagination).
    fn signed(&self, key: &str) -> Result<Option<i64>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| grape_error(&format!("{key} is invalid"))),
            Some(Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| grape_error(&format!("{key} is invalid"))),
            Some(_) => Err(grape_error(&format!("{key} is invalid"))),
        }
    }

    fn float(&self, key: &str) -> Result<Option<f64>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| grape_error(&format!("{key} is invalid"))),
            Some(_) => Err(grape_error(&format!("{key} is invalid"))),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "y" | "on" => Ok(Some(true)),
                "false" | "f" | "0" | "no" | "n" | "off" => Ok(Some(false)),
                _ => Err(grape_error(&format!("{key} is invalid"))),
            },
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
            Some(_) => Err(grape_error(&format!("{key} is invalid"))),
        }
    }

    /// One of `allowed`, `default` when absent.
    fn choice(
        &self,
        key: &str,
        allowed: &[&str],
        default: Option<&str>,
    ) -> Result<Option<String>, Reply> {
        match self.string(key)? {
            None => Ok(default.map(str::to_owned)),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(_) => Err(grape_error(&format!("{key} does not have a valid value"))),
        }
    }
}

fn parse_int(text: &str, field: &str) -> Result<u64, Reply> {
    text.parse::<u64>()
        .map_err(|_| grape_error(&format!("{field} is invalid")))
}

// ----- pagination -----------------------------------------------------------

/// The requested page: `page` (values below 1 mean 1) and `per_page` as
/// asked (values below 1 mean the default) and as served (at most 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Paging {
    page: usize,
    asked_per_page: usize,
    per_page: usize,
}

/// One page of a list: the item range and the headers to send.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Page {
    start: usize,
    end: usize,
    headers: Vec<(&'static str, String)>,
}

impl Page {
    fn apply(self, mut reply: Reply) -> Reply {
        for (name, value) in self.headers {
            reply.set_header(name, value);
        }
        reply
    }
}

impl Paging {
    fn parse(params: &Params) -> Result<Paging, Reply> {
        let page = params.signed("page")?.unwrap_or(1).max(1);
        let asked = params
            .signed("per_page")?
            .filter(|&n| n > 0)
            .map_or(DEFAULT_PER_PAGE, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            });
        Ok(Paging {
            page: usize::try_from(page).unwrap_or(usize::MAX),
            asked_per_page: asked,
            per_page: asked.min(MAX_PER_PAGE),
        })
    }

    /// The page of `total` items, with GitLab's headers; links keep the
    /// request's parameters, add the route's `route_params` and the
    /// endpoint's `defaults`, and sort them by name (Rails' `to_query`).
    fn page(
        self,
        total: usize,
        cx: &Ctx<'_>,
        route_params: &[(&str, String)],
        defaults: &[(&str, &str)],
    ) -> Page {
        let Paging {
            page,
            asked_per_page,
            per_page,
        } = self;
        let pages = total.div_ceil(per_page);
        let start = page.saturating_sub(1).saturating_mul(per_page).min(total);
        let end = start.saturating_add(per_page).min(total);
        let out_of_range = page > pages;
        let next = (page < pages).then(|| page + 1);
        let prev = (page > 1 && !out_of_range).then(|| page - 1);
        let total_pages = pages.max(1);

        let mut query = cx.params.texts();
        query.insert("id".to_owned(), cx.project_ref.clone());
        for (k, v) in route_params {
            query.insert((*k).to_owned(), v.clone());
        }
        for (k, v) in defaults {
            query
                .entry((*k).to_owned())
                .or_insert_with(|| (*v).to_owned());
        }
        query.insert("per_page".to_owned(), asked_per_page.to_string());
        let mut link_to = |n: usize| {
            query.insert("page".to_owned(), n.to_string());
            let encoded: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
                .collect();
            format!("<{}{}?{}>", cx.base, cx.req.path, encoded.join("&"))
        };
        let mut links = Vec::new();
        if let Some(p) = prev {
            links.push(format!("{}; rel=\"prev\"", link_to(p)));
        }
        if let Some(n) = next {
            links.push(format!("{}; rel=\"next\"", link_to(n)));
        }
        links.push(format!("{}; rel=\"first\"", link_to(1)));
        links.push(format!("{}; rel=\"last\"", link_to(total_pages)));
        let text = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
        Page {
            start,
            end,
            headers: vec![
                ("x-per-page", per_page.to_string()),
                ("x-page", page.to_string()),
                ("x-next-page", text(next)),
                ("x-prev-page", text(prev)),
                ("link", links.join(", ")),
                ("x-total", total.to_string()),
                ("x-total-pages", total_pages.to_string()),
            ],
        }
    }
}

/// `CGI.escape`: percent-encoding with `+` for spaces.
fn form_encode(s: &str) -> String {
    wire::percent_encode(s).replace("%20", "+")
}

// ----- validation ----------------------------------------------------------

/// A full path GitLab could have: `namespace/.../project`, each part of
/// letters, digits, `_`, `-` and `.`.
fn valid_project_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

/// The generic package name, version, directories and file name, checked as
/// GitLab's route does; 400 naming every invalid part.
fn validate_package_path(
    name: &str,
    version: &str,
    dirs: &[String],
    file: &str,
) -> Result<(), Reply> {
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    let version_ok = !version.is_empty()
        && !version.contains("..")
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '.' | '-'));
    let file_part_ok = |f: &str| {
        !f.is_empty()
            && f != "."
            && f != ".."
            && !f.starts_with(['~', '@'])
            && !f.ends_with(['~', '@'])
            && f.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '~' | '@')
            })
    };
    let mut errors = Vec::new();
    if !name_ok {
        errors.push("package_name is invalid");
    }
    if !version_ok {
        errors.push("package_version is invalid");
    }
    if !dirs.iter().all(|d| file_part_ok(d)) {
        errors.push("path is invalid");
    }
    if !file_part_ok(file) {
        errors.push("file_name is invalid");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(grape_error(&errors.join(", ")))
    }
}

/// The stored name of a package file: with directories, the whole path
/// URL-encoded (as GitLab's `URI.encode_uri_component`).
fn stored_file_name(dirs: &[String], file: &str) -> String {
    if dirs.is_empty() {
        return file.to_owned();
    }
    let mut path = dirs.join("/");
    path.push('/');
    path.push_str(file);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A note body GitLab saves: not blank, at most [`MAX_NOTE_CHARS`]
/// characters; else 400 with `prefix` and the model's errors.
fn note_body_valid(body: &str, prefix: &str) -> Result<(), Reply> {
    if body.trim().is_empty() {
        return Err(bad_request_400(&format!(
            "{prefix} {{:note=>[\"can't be blank\"]}}"
        )));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(bad_request_400(&format!(
            "{prefix} {{:note=>[\"is too long (maximum is {MAX_NOTE_CHARS} characters)\"]}}"
        )));
    }
    Ok(())
}

// ----- JSON shapes -----------------------------------------------------------

fn user_json(u: User, base: &str) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "name": u.name,
        "state": "active",
        "locked": false,
        "avatar_url": format!("{base}/uploads/-/system/user/avatar/{}/avatar.png", u.id),
        "web_url": format!("{base}/{}", u.username),
    })
}

fn status_json(s: &CommitStatus, base: &str) -> Value {
    json!({
        "id": s.id,
        "sha": s.sha,
        "ref": s.ref_name,
        "status": s.status,
        "name": s.name,
        "target_url": s.target_url,
        "description": s.description,
        "created_at": s.created_at,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "allow_failure": false,
        "coverage": s.coverage,
        "pipeline_id": s.pipeline_id,
        "author": user_json(user(&s.author), base),
    })
}

fn note_json(n: &Note, mr: &MergeRequest, base: &str) -> Value {
    json!({
        "id": n.id,
        "type": Value::Null,
        "body": n.body,
        "attachment": Value::Null,
        "author": user_json(user(&n.author), base),
        "created_at": n.created_at,
        "updated_at": n.updated_at,
        "system": n.system,
        "noteable_id": mr.id,
        "noteable_type": "MergeRequest",
        "project_id": mr.project_id,
        "resolvable": false,
        "confidential": false,
        "internal": false,
        "imported": false,
        "imported_from": "none",
        "noteable_iid": mr.iid,
        "commands_changes": {},
    })
}

fn package_json(pk: &Package, project_path: &str, base: &str) -> Value {
    json!({
        "id": pk.id,
        "name": pk.name,
        "version": pk.version,
        "package_type": "generic",
        "status": pk.status,
        "_links": {
            "web_path": format!("/{project_path}/-/packages/{}", pk.id),
            "delete_api_path": format!("{base}/api/v4/projects/{}/packages/{}", pk.project_id, pk.id),
        },
        "created_at": pk.created_at,
        "last_downloaded_at": Value::Null,
        "pipelines": [],
        "tags": [],
    })
}

fn package_file_json(pk: &Package, f: &PackageFile) -> Value {
    json!({
        "id": f.id,
        "package_id": pk.id,
        "created_at": f.created_at,
        "file_name": f.file_name,
        "size": f.size,
        "file_md5": Value::Null,
        "file_sha1": Value::Null,
        "file_sha256": f.file_sha256,
        "pipelines": [],
    })
}

/// The package file record `select=package_file` returns.
fn package_file_detail_json(pk: &Package, f: &PackageFile) -> Value {
    json!({
        "id": f.id,
        "package_id": pk.id,
        "created_at": f.created_at,
        "updated_at": f.created_at,
        "size": f.size,
        "file_store": 1,
        "file_md5": Value::Null,
        "file_sha1": Value::Null,
        "file_name": f.file_name,
        "file": {
            "url": format!("/{}/packages/{}/files/{}/{}", &f.file_sha256[..2], pk.id, f.id, f.file_name),
        },
        "file_sha256": f.file_sha256,
        "verification_retry_at": Value::Null,
        "verified_at": Value::Null,
        "verification_failure": Value::Null,
        "verification_retry_count": Value::Null,
        "verification_checksum": Value::Null,
        "verification_state": 0,
        "verification_started_at": Value::Null,
        "new_file_path": Value::Null,
    })
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ----- errors ----------------------------------------------------------------

/// `{"message": text}` with `status`.
fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "message": text }))
}

/// Grape's parameter errors: 400 `{"error": ..}`.
fn grape_error(text: &str) -> Reply {
    Reply::json(400, &json!({ "error": text }))
}

/// `bad_request!(reason)`: 400 `400 Bad request - reason`.
fn bad_request_400(reason: &str) -> Reply {
    message(400, &format!("400 Bad request - {reason}"))
}

fn unauthorized() -> Reply {
    message(401, "401 Unauthorized")
}

fn forbidden() -> Reply {
    message(403, "403 Forbidden")
}

fn project_not_found() -> Reply {
    message(404, "404 Project Not Found")
}

/// A record looked up with `find` (note, merge request, package).
fn record_not_found() -> Reply {
    message(404, "404 Not found")
}

/// No route matches.
fn route_not_found() -> Reply {
    Reply::json(404, &json!({ "error": "404 Not Found" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:1";

    fn request(method: &str, target: &str, body: &str) -> RecordedRequest {
        let (path, query) = wire::split_target(target);
        RecordedRequest {
            method: method.to_owned(),
            path,
            query,
            headers: vec![
                ("private-token".to_owned(), "t".to_owned()),
                ("content-type".to_owned(), "application/json".to_owned()),
            ],
            body: body.as_bytes().to_vec(),
            proxy_target: None,
        }
    }

    fn send_req(gl: &mut Gitlab, req: &RecordedRequest) -> (u16, Value) {
        let incoming = Incoming {
            api_url: BASE,
            uploads_url: BASE,
            via: Via::Api,
        };
        let reply = gl.handle(req, &incoming);
        let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        (reply.status, value)
    }

    fn send(gl: &mut Gitlab, method: &str, target: &str, body: &str) -> (u16, Value) {
        send_req(gl, &request(method, target, body))
    }

    #[test]
    fn routes_parse_with_encoded_project_paths() {
        let parse = |m: &str, p: &str| Route::parse(m, p);
        assert_eq!(
            parse("POST", "/api/v4/projects/g%2Fs%2Fp/statuses/abc"),
            Some((
                "g/s/p".to_owned(),
                Route::CreateStatus {
                    sha: "abc".to_owned()
                }
            ))
        );
        assert_eq!(
            parse("PUT", "/api/v4/projects/7/packages/generic/n/1.0/dir/f.txt"),
            Some((
                "7".to_owned(),
                Route::Upload {
                    name: "n".to_owned(),
                    version: "1.0".to_owned(),
                    path: vec!["dir".to_owned()],
                    file: "f.txt".to_owned(),
                }
            ))
        );
        assert_eq!(parse("GET", "/api/v4/projects/g/p/statuses/abc"), None);
        assert_eq!(parse("DELETE", "/api/v4/projects/1/packages"), None);
        assert_eq!(parse("GET", "/api/v4/projects//packages"), None);
    }

    #[test]
    fn credentials_by_header_query_and_basic() {
        let gl = Gitlab::default();
        let mut req = request("GET", "/api/v4/projects/1/packages", "");
        req.headers.clear();
        assert_eq!(gl.credential(&req, GENERIC_DOWNLOAD), Credential::Missing);
        req.headers = vec![("job-token".to_owned(), "j".to_owned())];
        assert_eq!(gl.credential(&req, STRICT), Credential::Job("j".to_owned()));
        req.headers = vec![("authorization".to_owned(), "Bearer b".to_owned())];
        assert_eq!(
            gl.credential(&req, STRICT),
            Credential::Access("b".to_owned())
        );
        let basic = format!("Basic {}", wire::base64(b"gitlab-ci-token:jt"));
        req.headers = vec![("authorization".to_owned(), basic.clone())];
        assert_eq!(
            gl.credential(&req, GENERIC_UPLOAD),
            Credential::Job("jt".to_owned())
        );
        assert_eq!(gl.credential(&req, STRICT), Credential::Missing);
        let with_job = Gitlab {
            job_token: Some("jt".to_owned()),
            ..Gitlab::default()
        };
        req.headers = vec![("authorization".to_owned(), "Bearer jt".to_owned())];
        assert_eq!(
            with_job.credential(&req, JOB_READ),
            Credential::Job("jt".to_owned())
        );
        assert_eq!(
            with_job.credential(&req, STRICT),
            Credential::Access("jt".to_owned())
        );
        let basic = format!("Basic {}", wire::base64(b"me:pat"));
        req.headers = vec![("authorization".to_owned(), basic)];
        assert_eq!(
            gl.credential(&req, GENERIC_UPLOAD),
            Credential::Access("pat".to_owned())
        );
        req.headers.clear();
        req.query = vec![("private_token".to_owned(), "q".to_owned())];
        assert_eq!(
            gl.credential(&req, STRICT),
            Credential::Access("q".to_owned())
        );
    }

    #[test]
    fn job_token_is_ignored_where_not_allowed() {
        let mut gl = Gitlab::default();
        let mut req = request(
            "POST",
            "/api/v4/projects/g%2Fp/statuses/abc",
            r#"{"state":"running"}"#,
        );
        req.headers[0] = ("job-token".to_owned(), "j".to_owned());
        assert_eq!(
            send_req(&mut gl, &req),
            (401, json!({ "message": "401 Unauthorized" }))
        );
        let mut req = request("PUT", "/api/v4/projects/g%2Fp/packages/generic/n/1/f", "x");
        req.headers[0] = ("job-token".to_owned(), "j".to_owned());
        assert_eq!(send_req(&mut gl, &req).0, 201);
    }

    #[test]
    fn state_machine_messages() {
        let mut gl = Gitlab::default();
        let post = |gl: &mut Gitlab, state: &str| {
            send(
                gl,
                "POST",
                "/api/v4/projects/g%2Fp/statuses/abc",
                &format!(r#"{{"state":"{state}","name":"t"}}"#),
            )
        };
        assert_eq!(post(&mut gl, "pending").0, 201);
        let (status, v) = post(&mut gl, "pending");
        assert_eq!(status, 400);
        assert_eq!(
            v["message"],
            "Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via \"enqueue\")"
        );
        assert_eq!(post(&mut gl, "running").0, 201);
        let (_, v) = post(&mut gl, "running");
        assert_eq!(
            v["message"],
            "Cannot transition status via :run from :running (Reason(s): Status cannot transition via \"run\")"
        );
        let (_, v) = post(&mut gl, "pending");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains(":enqueue from :running")
        );
        let (_, v) = post(&mut gl, "skipped");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains(":skip from :running")
        );
        let (status, v) = post(&mut gl, "success");
        assert_eq!((status, v["status"].as_str()), (201, Some("success")));
        assert!(v["finished_at"].is_string() && v["started_at"].is_string());
        // Finished: the same state again makes a new status.
        let (status, again) = post(&mut gl, "success");
        assert_eq!(status, 201);
        assert_ne!(again["id"], v["id"]);
        let statuses = gl.snapshot().statuses;
        assert_eq!(statuses.len(), 2);
        assert!(statuses[0].retried && !statuses[1].retried);
        assert_eq!(statuses[0].updates, 2);
    }

    #[test]
    fn rate_window_counts_and_refills() {
        let mut rate = RateWindow::fresh(1000);
        assert_eq!(rate.reset, 1060);
        assert!(!rate.count(1000));
        assert_eq!((rate.observed, rate.remaining()), (1, RATE_LIMIT - 1));
        rate.observed = RATE_LIMIT;
        assert!(rate.count(1001));
        assert_eq!(rate.remaining(), 0);
        assert!(!rate.count(1060));
        assert_eq!((rate.observed, rate.reset), (1, 1120));
    }

    #[test]
    fn throttled_answer_is_text_with_retry_after() {
        let mut gl = Gitlab::default();
        let reset = wire::now_epoch() + 30;
        gl.set_rate_limit(0, reset);
        let incoming = Incoming {
            api_url: BASE,
            uploads_url: BASE,
            via: Via::Api,
        };
        let reply = gl.handle(
            &request("GET", "/api/v4/projects/1/packages", ""),
            &incoming,
        );
        assert_eq!(reply.status, 429);
        assert_eq!(reply.body, b"Retry later\n");
        let wait: u64 = reply
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        assert!((1..=30).contains(&wait), "{wait}");
        assert_eq!(
            reply.header("ratelimit-resettime"),
            Some(wire::http_date(reset).as_str())
        );
    }

    #[test]
    fn pagination_headers_and_links() {
        let req = request(
            "GET",
            "/api/v4/projects/g%2Fp/merge_requests/1/notes?per_page=3&page=2",
            "",
        );
        let params = Params::parse(&req, false).unwrap_or_default();
        let cx = Ctx {
            base: BASE,
            req: &req,
            params,
            caller: Caller::User,
            project_ref: "g/p".to_owned(),
        };
        let paging = Paging::parse(&cx.params).unwrap_or(Paging {
            page: 0,
            asked_per_page: 0,
            per_page: 1,
        });
        let page = paging.page(
            8,
            &cx,
            &[("noteable_id", "1".to_owned())],
            &[("sort", "desc")],
        );
        assert_eq!((page.start, page.end), (3, 6));
        let header = |name: &str| {
            page.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(header("x-page"), "2");
        assert_eq!(header("x-next-page"), "3");
        assert_eq!(header("x-prev-page"), "1");
        assert_eq!(header("x-total"), "8");
        assert_eq!(header("x-total-pages"), "3");
        let url = |n: usize| {
            format!(
                "<{BASE}/api/v4/projects/g%2Fp/merge_requests/1/notes?id=g%2Fp&noteable_id=1&page={n}&per_page=3&sort=desc>"
            )
        };
        assert_eq!(
            header("link"),
            format!(
                "{}; rel=\"prev\", {}; rel=\"next\", {}; rel=\"first\", {}; rel=\"last\"",
                url(1),
                url(3),
                url(1),
                url(3)
            )
        );
        let last = Paging { page: 3, ..paging }.page(8, &cx, &[], &[]);
        assert_eq!((last.start, last.end), (6, 8));
        let beyond = Paging { page: 9, ..paging }.page(8, &cx, &[], &[]);
        assert_eq!((beyond.start, beyond.end), (8, 8));
        let empty = Paging { page: 1, ..paging }.page(0, &cx, &[], &[]);
        let value = |p: &Page, name: &str| {
            p.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(value(&empty, "x-total-pages").as_deref(), Some("1"));
        assert_eq!(value(&empty, "x-next-page").as_deref(), Some(""));
        assert_eq!(value(&beyond, "x-prev-page").as_deref(), Some(""));
    }

    #[test]
    fn package_names_follow_the_documented_rules() {
        assert!(validate_package_path("my_pkg-1.0+x", "1.0.0-rc_1+b", &[], "file.tar.gz").is_ok());
        let error = |n: &str, v: &str, f: &str| {
            validate_package_path(n, v, &[], f)
                .err()
                .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap_or(Value::Null))
        };
        assert_eq!(
            error("a b", "1", "f"),
            Some(json!({ "error": "package_name is invalid" }))
        );
        assert_eq!(
            error("a", "1..2", "~f"),
            Some(json!({ "error": "package_version is invalid, file_name is invalid" }))
        );
        assert!(error("a", "1", "f@x~y").is_none());
        assert_eq!(
            stored_file_name(&["d".to_owned()], "f+1.txt"),
            "d%2Ff%2B1.txt"
        );
    }

    #[test]
    fn notes_validate_body_length_and_author() {
        let mut gl = Gitlab::default();
        let url = "/api/v4/projects/g%2Fp/merge_requests/5/notes";
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        let (status, v) = send(&mut gl, "POST", url, &json!({ "body": long }).to_string());
        assert_eq!(status, 400);
        assert_eq!(
            v["message"],
            "400 Bad request - Note {:note=>[\"is too long (maximum is 1000000 characters)\"]}"
        );
        let (status, v) = send(&mut gl, "POST", url, "{}");
        assert_eq!((status, v), (400, json!({ "error": "body is missing" })));
        let ids = gl.seed_notes("g/p", 5, 2, None).unwrap_or_default();
        let (status, _) = send(
            &mut gl,
            "PUT",
            &format!("{url}/{}", ids[0]),
            r#"{"body":"mine now"}"#,
        );
        assert_eq!(status, 403);
    }
}
