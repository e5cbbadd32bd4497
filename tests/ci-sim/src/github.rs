//! GitHub REST emulation: check runs, commit statuses, issue comments and
//! release assets, with GitHub's response shapes, status codes, `Link`
//! pagination and `x-ratelimit-*` headers.
//!
//! Behaviour follows GitHub's REST reference (API version 2022-11-28):
//! - every route needs `Authorization: Bearer <t>` or `token <t>`; a missing
//!   or wrong token gets 401 `Bad credentials`;
//! - each authenticated request spends one unit of the `core` rate limit; at
//!   zero, requests get 403 `API rate limit exceeded` until the reset time,
//!   when the window refills;
//! - in read-only mode (a fork PR's token), creating or updating a check run
//!   gets 403 `Resource not accessible by integration`;
//! - request bodies are validated as GitHub does for the fields testrelay
//!   sends (required fields, enums, 50 annotations per request, 65,535
//!   characters of summary/text, 140 of status description, 65,536 of
//!   comment body); bad JSON gets 400 `Problems parsing JSON`, invalid
//!   fields 422.
//!
//! Where the simulator is simpler than GitHub (said here so no test relies on
//! more): every owner/repo exists and any SHA is accepted; lists of check
//! runs and statuses are newest first and `filter=latest` returns the same as
//! `filter=all`; draft releases are not found by tag (as on GitHub); an
//! asset is served directly (no redirect) when asked for with
//! `Accept: application/octet-stream`; the `html_url`s point at the
//! simulator but are not served.
//!
//! Uploads go to a second address, as on GitHub (`uploads.github.com`):
//! a release's `upload_url` is `{uploads}/repos/{o}/{r}/releases/{id}/assets{?name,label}`
//! and only that route is served there; the API address does not take
//! uploads. Each asset reports its `digest` (`sha256:<hex>`).

use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::admin::{self, bad_request};
use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::{self, Reply};

const DOCS: &str = "https://docs.github.com/rest";
const DOCS_CHECK_CREATE: &str = "https://docs.github.com/rest/checks/runs#create-a-check-run";
const DOCS_CHECK_UPDATE: &str = "https://docs.github.com/rest/checks/runs#update-a-check-run";
const DOCS_STATUS: &str = "https://docs.github.com/rest/commits/statuses#create-a-commit-status";
const DOCS_COMMENT: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
const DOCS_RELEASE: &str = "https://docs.github.com/rest/releases/releases#create-a-release";
const DOCS_ASSET: &str = "https://docs.github.com/rest/releases/assets#upload-a-release-asset";
const DOCS_RATE: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

/// Most characters GitHub takes in a check run's output summary or text.
pub const MAX_OUTPUT_CHARS: usize = 65_535;
/// Most annotations GitHub takes in one check-run request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// Most characters GitHub takes in a commit status description.
pub const MAX_STATUS_DESCRIPTION_CHARS: usize = 140;
/// Most characters GitHub takes in an issue comment body.
pub const MAX_COMMENT_CHARS: usize = 65_536;
/// Requests per hour in a fresh rate-limit window.
pub const RATE_LIMIT: u64 = 5_000;

/// Login of the account the simulator's tokens act as (what GitHub shows
/// for Actions' `GITHUB_TOKEN`).
pub const BOT_LOGIN: &str = "github-actions[bot]";
/// Login of the author of seeded comments that are not ours.
pub const OTHER_LOGIN: &str = "octocat";

const CHECK_STATUSES: &[&str] = &["queued", "in_progress", "completed"];
const CHECK_CONCLUSIONS: &[&str] = &[
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "timed_out",
];
const ANNOTATION_LEVELS: &[&str] = &["notice", "warning", "failure"];
const STATUS_STATES: &[&str] = &["error", "failure", "pending", "success"];

/// A snapshot of everything the emulated GitHub holds, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GithubState {
    /// Check runs, in creation order.
    pub check_runs: Vec<CheckRun>,
    /// Commit statuses, in creation order.
    pub statuses: Vec<CommitStatus>,
    /// Issue and PR comments, in creation order (seeded ones included).
    pub comments: Vec<IssueComment>,
    /// Releases with their assets, in creation order.
    pub releases: Vec<Release>,
}

/// A check run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRun {
    /// Its id (1, 2, ... in creation order).
    pub id: u64,
    /// Repository owner, as in the creating request's path.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Check name.
    pub name: String,
    /// Commit it belongs to.
    pub head_sha: String,
    /// The integrator's reference.
    pub external_id: Option<String>,
    /// The integrator's details page.
    pub details_url: Option<String>,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Set once completed.
    pub conclusion: Option<String>,
    /// ISO 8601.
    pub started_at: Option<String>,
    /// ISO 8601, set once completed.
    pub completed_at: Option<String>,
    /// The latest output.
    pub output: CheckOutput,
    /// Every annotation sent, accumulated over all requests.
    pub annotations: Vec<Annotation>,
    /// How many successful PATCH requests updated it.
    pub updates: u32,
}

/// A check run's output (annotations are kept on the run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckOutput {
    /// Output title.
    pub title: Option<String>,
    /// Output summary (Markdown).
    pub summary: Option<String>,
    /// Output details (Markdown).
    pub text: Option<String>,
}

/// One check-run annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// File path.
    pub path: String,
    /// First line.
    pub start_line: u64,
    /// Last line.
    pub end_line: u64,
    /// First column (same-line annotations only).
    pub start_column: Option<u64>,
    /// Last column (same-line annotations only).
    pub end_column: Option<u64>,
    /// `notice`, `warning` or `failure`.
    pub annotation_level: String,
    /// The message.
    pub message: String,
    /// Optional title.
    pub title: Option<String>,
    /// Optional details.
    pub raw_details: Option<String>,
}

/// A commit status as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitStatus {
    /// Its id.
    pub id: u64,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Commit SHA.
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    /// Link to the build.
    pub target_url: Option<String>,
    /// At most 140 characters.
    pub description: Option<String>,
    /// Context label (`default` when none was sent).
    pub context: String,
    /// ISO 8601.
    pub created_at: String,
}

/// An issue or PR comment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueComment {
    /// Its id.
    pub id: u64,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Issue or PR number.
    pub issue: u64,
    /// Markdown body.
    pub body: String,
    /// Author login ([`BOT_LOGIN`] for comments created through the API).
    pub user: String,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601.
    pub updated_at: String,
    /// How many successful PATCH requests updated it.
    pub updates: u32,
}

/// A release as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// Its id.
    pub id: u64,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Tag name.
    pub tag_name: String,
    /// Branch or SHA the tag is made from.
    pub target_commitish: String,
    /// Display name.
    pub name: Option<String>,
    /// Release notes.
    pub body: Option<String>,
    /// Unpublished.
    pub draft: bool,
    /// Marked as a prerelease.
    pub prerelease: bool,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601; none for a draft.
    pub published_at: Option<String>,
    /// Uploaded assets, in upload order.
    pub assets: Vec<ReleaseAsset>,
}

/// A release asset as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseAsset {
    /// Its id.
    pub id: u64,
    /// File name.
    pub name: String,
    /// Display label.
    pub label: Option<String>,
    /// The upload's `Content-Type`.
    pub content_type: String,
    /// The uploaded bytes (base64 in JSON).
    #[serde(serialize_with = "as_base64")]
    pub data: Vec<u8>,
    /// ISO 8601.
    pub created_at: String,
}

fn as_base64<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&wire::base64(data))
}

/// The `core` rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RateLimit {
    limit: u64,
    remaining: u64,
    reset: u64,
    used: u64,
}

impl RateLimit {
    fn fresh(now: u64) -> RateLimit {
        RateLimit {
            limit: RATE_LIMIT,
            remaining: RATE_LIMIT,
            reset: now + 3600,
            used: 0,
        }
    }

    /// Spends one request, refilling the window once its reset time has
    /// passed; the 403 to send when nothing is left.
    fn spend(&mut self, now: u64) -> Option<Reply> {
        if now >= self.reset {
            *self = RateLimit::fresh(now);
        }
        if self.remaining == 0 {
            return Some(error(
                403,
                "API rate limit exceeded for installation. If you reach out to GitHub Support \
                 for help, please include the request ID.",
                DOCS_RATE,
            ));
        }
        self.remaining -= 1;
        self.used += 1;
        None
    }
}

/// The emulated GitHub: its data and its settings.
#[derive(Debug)]
pub(crate) struct Github {
    state: GithubState,
    last_id: u64,
    suites: Vec<(String, String, String, u64)>,
    /// The only token accepted; any non-empty token when `None`.
    pub token: Option<String>,
    /// Answer 403 to creating or updating check runs.
    pub read_only: bool,
    rate: RateLimit,
}

impl Default for Github {
    fn default() -> Github {
        Github {
            state: GithubState::default(),
            last_id: 0,
            suites: Vec::new(),
            token: None,
            read_only: false,
            rate: RateLimit::fresh(wire::now_epoch()),
        }
    }
}

/// The path prefix the GitHub emulation serves.
const OWNED_PREFIX: &str = "/repos/";

/// The request being answered, with the simulator's base URLs.
struct Ctx<'a> {
    base: &'a str,
    uploads: &'a str,
    req: &'a RecordedRequest,
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Github {
    /// A snapshot of the stored data.
    pub fn snapshot(&self) -> GithubState {
        self.state.clone()
    }

    /// Sets the rate-limit window: `remaining` requests until `reset_epoch`.
    pub fn set_rate_limit(&mut self, remaining: u64, reset_epoch: u64) {
        self.rate = RateLimit {
            limit: RATE_LIMIT.max(remaining),
            remaining,
            reset: reset_epoch,
            used: RATE_LIMIT.saturating_sub(remaining),
        };
    }

    /// Adds `count` comments to an issue, as if written earlier by someone
    /// else; with `marker`, the last one is ours ([`BOT_LOGIN`]) and its body
    /// starts with the marker. Returns their ids.
    pub fn seed_comments(
        &mut self,
        owner: &str,
        repo: &str,
        issue: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        let now = wire::iso8601(wire::now_epoch());
        (1..=count)
            .map(|i| {
                let (body, user) = match marker {
                    Some(m) if i == count => (
                        format!("{m}\nResults of an earlier run."),
                        BOT_LOGIN.to_owned(),
                    ),
                    _ => (
                        format!("Seeded comment {i} of {count}."),
                        OTHER_LOGIN.to_owned(),
                    ),
                };
                let id = self.next_id();
                self.state.comments.push(IssueComment {
                    id,
                    owner: owner.to_owned(),
                    repo: repo.to_owned(),
                    issue,
                    body,
                    user,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                    updates: 0,
                });
                id
            })
            .collect()
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    fn suite_id(&mut self, owner: &str, repo: &str, sha: &str) -> u64 {
        if let Some((_, _, _, id)) = self
            .suites
            .iter()
            .find(|(o, r, s, _)| same(o, owner) && same(r, repo) && s == sha)
        {
            return *id;
        }
        let id = self.suites.len() as u64 + 1;
        self.suites
            .push((owner.to_owned(), repo.to_owned(), sha.to_owned(), id));
        id
    }

    /// Adds GitHub's per-response headers: the rate-limit window and a
    /// request id.
    fn add_headers(&self, reply: &mut Reply, request_number: u64) {
        let rate = self.rate;
        reply.set_header("x-ratelimit-limit", rate.limit.to_string());
        reply.set_header("x-ratelimit-remaining", rate.remaining.to_string());
        reply.set_header("x-ratelimit-reset", rate.reset.to_string());
        reply.set_header("x-ratelimit-used", rate.used.to_string());
        reply.set_header("x-ratelimit-resource", "core");
        reply.set_header(
            "x-github-request-id",
            format!("5150:51M:{request_number:06X}:{request_number:07X}:00000000"),
        );
        reply.set_header("x-github-api-version-selected", "2022-11-28");
    }

    /// Answers one request to a path under `/repos/`.
    fn answer(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply {
        if !self.authenticated(req) {
            return error(401, "Bad credentials", DOCS);
        }
        if let Some(limited) = self.rate.spend(wire::now_epoch()) {
            return limited;
        }
        let decoded: Vec<String> = req
            .path
            .split('/')
            .skip(1)
            .map(|s| wire::percent_decode(s, false))
            .collect();
        let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let cx = Ctx {
            base: incoming.api_url,
            uploads: incoming.uploads_url,
            req,
        };
        if incoming.via == Via::Uploads {
            return match (req.method.as_str(), segments.as_slice()) {
                ("POST", ["repos", o, r, "releases", id, "assets"]) => {
                    self.upload_asset(&cx, o, r, id)
                }
                _ => Err(not_found()),
            }
            .unwrap_or_else(|reply| reply);
        }
        let result = match (req.method.as_str(), segments.as_slice()) {
            ("POST", ["repos", o, r, "check-runs"]) => self.create_check_run(&cx, o, r),
            ("GET", ["repos", o, r, "check-runs", id]) => self.get_check_run(&cx, o, r, id),
            ("PATCH", ["repos", o, r, "check-runs", id]) => self.update_check_run(&cx, o, r, id),
            ("GET", ["repos", o, r, "check-runs", id, "annotations"]) => {
                self.list_annotations(&cx, o, r, id)
            }
            ("GET", ["repos", o, r, "commits", git_ref, "check-runs"]) => {
                self.list_check_runs(&cx, o, r, git_ref)
            }
            ("POST", ["repos", o, r, "statuses", sha]) => self.create_status(&cx, o, r, sha),
            ("GET", ["repos", o, r, "commits", git_ref, "statuses"]) => {
                self.list_statuses(&cx, o, r, git_ref)
            }
            ("GET", ["repos", o, r, "issues", "comments", id]) => self.get_comment(&cx, o, r, id),
            ("PATCH", ["repos", o, r, "issues", "comments", id]) => {
                self.update_comment(&cx, o, r, id)
            }
            ("GET", ["repos", o, r, "issues", n, "comments"]) => self.list_comments(&cx, o, r, n),
            ("POST", ["repos", o, r, "issues", n, "comments"]) => self.create_comment(&cx, o, r, n),
            ("POST", ["repos", o, r, "releases"]) => self.create_release(&cx, o, r),
            ("GET", ["repos", o, r, "releases", "tags", tag]) => {
                self.release_by_tag(&cx, o, r, tag)
            }
            ("GET", ["repos", o, r, "releases", "assets", id]) => self.get_asset(&cx, o, r, id),
            ("GET", ["repos", o, r, "releases", id, "assets"]) => self.list_assets(&cx, o, r, id),
            _ => Err(not_found()),
        };
        result.unwrap_or_else(|reply| reply)
    }

    fn authenticated(&self, req: &RecordedRequest) -> bool {
        let Some(value) = req.header("authorization") else {
            return false;
        };
        let Some((scheme, token)) = value.trim().split_once(' ') else {
            return false;
        };
        let token = token.trim();
        let scheme_ok =
            scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
        scheme_ok
            && !token.is_empty()
            && self
                .token
                .as_deref()
                .is_none_or(|accepted| accepted == token)
    }

    // ----- check runs -------------------------------------------------

    fn create_check_run(&mut self, cx: &Ctx<'_>, owner: &str, repo: &str) -> Result<Reply, Reply> {
        if self.read_only {
            return Err(not_accessible(DOCS_CHECK_CREATE));
        }
        let body = json_object(cx.req)?;
        let name = required_string(&body, "name")?;
        let head_sha = required_string(&body, "head_sha")?;
        let fields = CheckFields::parse(&body)?;
        let now = wire::iso8601(wire::now_epoch());
        let mut run = CheckRun {
            id: self.next_id(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            name,
            head_sha,
            external_id: None,
            details_url: None,
            status: "queued".to_owned(),
            conclusion: None,
            started_at: Some(now),
            completed_at: None,
            output: CheckOutput::default(),
            annotations: Vec::new(),
            updates: 0,
        };
        fields.apply(&mut run);
        let suite = self.suite_id(owner, repo, &run.head_sha);
        let reply = Reply::json(201, &check_run_json(&run, suite, cx.base));
        self.state.check_runs.push(run);
        Ok(reply)
    }

    fn find_check_run(&self, owner: &str, repo: &str, id: &str) -> Result<usize, Reply> {
        let id = parse_id(id)?;
        self.state
            .check_runs
            .iter()
            .position(|c| c.id == id && same(&c.owner, owner) && same(&c.repo, repo))
            .ok_or_else(not_found)
    }

    fn get_check_run(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let run = self.state.check_runs[self.find_check_run(owner, repo, id)?].clone();
        let suite = self.suite_id(owner, repo, &run.head_sha);
        Ok(Reply::json(200, &check_run_json(&run, suite, cx.base)))
    }

    fn update_check_run(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        if self.read_only {
            return Err(not_accessible(DOCS_CHECK_UPDATE));
        }
        let index = self.find_check_run(owner, repo, id)?;
        let body = json_object(cx.req)?;
        let name = optional_string(&body, "name")?;
        let fields = CheckFields::parse(&body)?;
        let run = &mut self.state.check_runs[index];
        if let Some(name) = name {
            run.name = name;
        }
        fields.apply(run);
        run.updates += 1;
        let run = run.clone();
        let suite = self.suite_id(owner, repo, &run.head_sha);
        Ok(Reply::json(200, &check_run_json(&run, suite, cx.base)))
    }

    fn list_annotations(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let run = &self.state.check_runs[self.find_check_run(owner, repo, id)?];
        let page = wire::paginate(run.annotations.len(), cx.base, &cx.req.path, &cx.req.query);
        let items: Vec<Value> = run.annotations[page.start..page.end]
            .iter()
            .map(|a| {
                let mut v = json!(a);
                v["blob_href"] = json!(format!(
                    "{}/{}/{}/blob/{}/{}",
                    cx.base, run.owner, run.repo, run.head_sha, a.path
                ));
                v
            })
            .collect();
        Ok(with_link(Reply::json(200, &Value::Array(items)), page.link))
    }

    fn list_check_runs(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        git_ref: &str,
    ) -> Result<Reply, Reply> {
        let query = &cx.req.query;
        let check_name = wire::query_value(query, "check_name");
        let status = checked_enum(
            wire::query_value(query, "status").map(str::to_owned),
            "status",
            CHECK_STATUSES,
        )?;
        checked_enum(
            wire::query_value(query, "filter").map(str::to_owned),
            "filter",
            &["latest", "all"],
        )?;
        let runs: Vec<CheckRun> = self
            .state
            .check_runs
            .iter()
            .rev()
            .filter(|c| same(&c.owner, owner) && same(&c.repo, repo) && same(&c.head_sha, git_ref))
            .filter(|c| check_name.is_none_or(|n| c.name == n))
            .filter(|c| status.as_deref().is_none_or(|s| c.status == s))
            .cloned()
            .collect();
        let page = wire::paginate(runs.len(), cx.base, &cx.req.path, query);
        let items: Vec<Value> = runs[page.start..page.end]
            .iter()
            .map(|run| {
                let suite = self.suite_id(owner, repo, &run.head_sha);
                check_run_json(run, suite, cx.base)
            })
            .collect();
        let body = json!({ "total_count": runs.len(), "check_runs": items });
        Ok(with_link(Reply::json(200, &body), page.link))
    }

    // ----- commit statuses -------------------------------------------

    fn create_status(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        sha: &str,
    ) -> Result<Reply, Reply> {
        let body = json_object(cx.req)?;
        let state = checked_enum(
            Some(required_string(&body, "state")?),
            "state",
            STATUS_STATES,
        )?
        .unwrap_or_default();
        let target_url = optional_string(&body, "target_url")?;
        let description = optional_string(&body, "description")?;
        let context = optional_string(&body, "context")?.unwrap_or_else(|| "default".to_owned());
        if let Some(d) = &description {
            let n = d.chars().count();
            if n > MAX_STATUS_DESCRIPTION_CHARS {
                return Err(validation_failed(
                    "Status",
                    "description",
                    "custom",
                    Some(&format!(
                        "description is too long (maximum is {MAX_STATUS_DESCRIPTION_CHARS} characters, got {n})"
                    )),
                    DOCS_STATUS,
                ));
            }
        }
        let status = CommitStatus {
            id: self.next_id(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            sha: sha.to_owned(),
            state,
            target_url,
            description,
            context,
            created_at: wire::iso8601(wire::now_epoch()),
        };
        let reply = Reply::json(201, &status_json(&status, cx.base));
        self.state.statuses.push(status);
        Ok(reply)
    }

    fn list_statuses(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        git_ref: &str,
    ) -> Result<Reply, Reply> {
        let statuses: Vec<&CommitStatus> = self
            .state
            .statuses
            .iter()
            .rev()
            .filter(|s| same(&s.owner, owner) && same(&s.repo, repo) && same(&s.sha, git_ref))
            .collect();
        let page = wire::paginate(statuses.len(), cx.base, &cx.req.path, &cx.req.query);
        let items: Vec<Value> = statuses[page.start..page.end]
            .iter()
            .map(|s| status_json(s, cx.base))
            .collect();
        Ok(with_link(Reply::json(200, &Value::Array(items)), page.link))
    }

    // ----- issue comments ----------------------------------------------

    fn list_comments(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        number: &str,
    ) -> Result<Reply, Reply> {
        let issue = parse_id(number)?;
        let comments: Vec<&IssueComment> = self
            .state
            .comments
            .iter()
            .filter(|c| same(&c.owner, owner) && same(&c.repo, repo) && c.issue == issue)
            .collect();
        let page = wire::paginate(comments.len(), cx.base, &cx.req.path, &cx.req.query);
        let items: Vec<Value> = comments[page.start..page.end]
            .iter()
            .map(|c| comment_json(c, cx.base))
            .collect();
        Ok(with_link(Reply::json(200, &Value::Array(items)), page.link))
    }

    fn create_comment(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        number: &str,
    ) -> Result<Reply, Reply> {
        let issue = parse_id(number)?;
        let body = comment_body(cx.req)?;
        let now = wire::iso8601(wire::now_epoch());
        let comment = IssueComment {
            id: self.next_id(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            issue,
            body,
            user: BOT_LOGIN.to_owned(),
            created_at: now.clone(),
            updated_at: now,
            updates: 0,
        };
        let reply = Reply::json(201, &comment_json(&comment, cx.base));
        self.state.comments.push(comment);
        Ok(reply)
    }

    fn find_comment(&self, owner: &str, repo: &str, id: &str) -> Result<usize, Reply> {
        let id = parse_id(id)?;
        self.state
            .comments
            .iter()
            .position(|c| c.id == id && same(&c.owner, owner) && same(&c.repo, repo))
            .ok_or_else(not_found)
    }

    fn get_comment(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let comment = &self.state.comments[self.find_comment(owner, repo, id)?];
        Ok(Reply::json(200, &comment_json(comment, cx.base)))
    }

    fn update_comment(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let index = self.find_comment(owner, repo, id)?;
        let body = comment_body(cx.req)?;
        let comment = &mut self.state.comments[index];
        comment.body = body;
        comment.updated_at = wire::iso8601(wire::now_epoch());
        comment.updates += 1;
        Ok(Reply::json(200, &comment_json(comment, cx.base)))
    }

    // ----- releases and assets -----------------------------------------

    fn create_release(&mut self, cx: &Ctx<'_>, owner: &str, repo: &str) -> Result<Reply, Reply> {
        let body = json_object(cx.req)?;
        let tag_name = required_string(&body, "tag_name")?;
        let target_commitish =
            optional_string(&body, "target_commitish")?.unwrap_or_else(|| "main".to_owned());
        let name = optional_string(&body, "name")?;
        let notes = optional_string(&body, "body")?;
        let draft = optional_bool(&body, "draft")?.unwrap_or(false);
        let prerelease = optional_bool(&body, "prerelease")?.unwrap_or(false);
        if self
            .state
            .releases
            .iter()
            .any(|r| same(&r.owner, owner) && same(&r.repo, repo) && r.tag_name == tag_name)
        {
            return Err(validation_failed(
                "Release",
                "tag_name",
                "already_exists",
                None,
                DOCS_RELEASE,
            ));
        }
        let now = wire::iso8601(wire::now_epoch());
        let release = Release {
            id: self.next_id(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            tag_name,
            target_commitish,
            name,
            body: notes,
            draft,
            prerelease,
            created_at: now.clone(),
            published_at: (!draft).then_some(now),
            assets: Vec::new(),
        };
        let mut reply = Reply::json(201, &release_json(&release, cx.base, cx.uploads));
        reply.set_header(
            "location",
            format!("{}/repos/{owner}/{repo}/releases/{}", cx.base, release.id),
        );
        self.state.releases.push(release);
        Ok(reply)
    }

    fn release_by_tag(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        tag: &str,
    ) -> Result<Reply, Reply> {
        let release = self
            .state
            .releases
            .iter()
            .find(|r| same(&r.owner, owner) && same(&r.repo, repo) && r.tag_name == tag && !r.draft)
            .ok_or_else(not_found)?;
        Ok(Reply::json(
            200,
            &release_json(release, cx.base, cx.uploads),
        ))
    }

    fn get_asset(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let id = parse_id(id)?;
        let (release, asset) = self
            .state
            .releases
            .iter()
            .filter(|r| same(&r.owner, owner) && same(&r.repo, repo))
            .find_map(|r| r.assets.iter().find(|a| a.id == id).map(|a| (r, a)))
            .ok_or_else(not_found)?;
        let wants_bytes = cx
            .req
            .header("accept")
            .is_some_and(|a| a.contains("application/octet-stream"));
        if wants_bytes {
            return Ok(Reply::bytes(200, &asset.content_type, asset.data.clone()));
        }
        Ok(Reply::json(200, &asset_json(release, asset, cx.base)))
    }

    /// The index of release `id` of `owner/repo`; 404 when there is none.
    fn release_index(&self, owner: &str, repo: &str, id: &str) -> Result<usize, Reply> {
        let id = parse_id(id)?;
        self.state
            .releases
            .iter()
            .position(|r| r.id == id && same(&r.owner, owner) && same(&r.repo, repo))
            .ok_or_else(not_found)
    }

    fn list_assets(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let release = &self.state.releases[self.release_index(owner, repo, id)?];
        let page = wire::paginate(release.assets.len(), cx.base, &cx.req.path, &cx.req.query);
        let items: Vec<Value> = release.assets[page.start..page.end]
            .iter()
            .map(|a| asset_json(release, a, cx.base))
            .collect();
        Ok(with_link(Reply::json(200, &Value::Array(items)), page.link))
    }

    fn upload_asset(
        &mut self,
        cx: &Ctx<'_>,
        owner: &str,
        repo: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let index = self.release_index(owner, repo, id)?;
        let name = wire::query_value(&cx.req.query, "name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                validation_failed("ReleaseAsset", "name", "missing_field", None, DOCS_ASSET)
            })?
            .to_owned();
        let name = renamed_asset(&name);
        let content_type = cx
            .req
            .header("content-type")
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                validation_failed(
                    "ReleaseAsset",
                    "content_type",
                    "missing_field",
                    Some("the Content-Type header is required"),
                    DOCS_ASSET,
                )
            })?
            .to_owned();
        let label = wire::query_value(&cx.req.query, "label").map(str::to_owned);
        if self.state.releases[index]
            .assets
            .iter()
            .any(|a| a.name == name)
        {
            return Err(validation_failed(
                "ReleaseAsset",
                "name",
                "already_exists",
                None,
                DOCS_ASSET,
            ));
        }
        let asset = ReleaseAsset {
            id: self.next_id(),
            name,
            label,
            content_type,
            data: cx.req.body.clone(),
            created_at: wire::iso8601(wire::now_epoch()),
        };
        let reply = Reply::json(
            201,
            &asset_json(&self.state.releases[index], &asset, cx.base),
        );
        self.state.releases[index].assets.push(asset);
        Ok(reply)
    }
}

impl Github {
    /// A GitHub emulation accepting `options.github_token` (any non-empty
    /// token when `None`).
    pub fn new(options: &crate::SimOptions) -> Github {
        Github {
            token: options.github_token.clone(),
            ..Github::default()
        }
    }
}

impl Vendor for Github {
    fn name(&self) -> &'static str {
        "github"
    }

    /// Paths under `/repos/`, on either address (the uploads address serves
    /// only the asset upload route, and 404 to the rest).
    fn owns(&self, path: &str, _via: Via) -> bool {
        path.starts_with(OWNED_PREFIX)
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
            ("POST", "seed-comments") => Some(self.admin_seed_comments(body)),
            ("POST", "config") => Some(self.admin_config(body)),
            _ => None,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

// ----- admin routes (documented in `crate::admin`) ----------------------

/// The body of `POST /_sim/github/seed-comments`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedComments {
    owner: String,
    repo: String,
    issue: u64,
    count: u64,
    with_marker: Option<String>,
}

impl Github {
    fn admin_seed_comments(&mut self, body: &[u8]) -> Reply {
        let seed = match serde_json::from_slice::<SeedComments>(body) {
            Ok(seed) => seed,
            Err(e) => return bad_request(&format!("invalid seed-comments JSON: {e}")),
        };
        if seed.count > admin::MAX_SEEDED {
            return bad_request(&format!("\"count\" is at most {}", admin::MAX_SEEDED));
        }
        let ids = self.seed_comments(
            &seed.owner,
            &seed.repo,
            seed.issue,
            seed.count,
            seed.with_marker.as_deref(),
        );
        Reply::json(201, &json!({ "ids": ids }))
    }

    fn admin_config(&mut self, body: &[u8]) -> Reply {
        let body = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => return bad_request("the config must be a JSON object"),
        };
        if let Some(key) = body
            .keys()
            .find(|k| !matches!(k.as_str(), "token" | "read_only" | "rate_limit"))
        {
            return bad_request(&format!(
                "unknown config field {key:?}: use token, read_only, rate_limit"
            ));
        }
        let token = match admin::token_setting(&body, "token") {
            Ok(token) => token,
            Err(reply) => return reply,
        };
        let read_only = match admin::bool_setting(&body, "read_only") {
            Ok(read_only) => read_only,
            Err(reply) => return reply,
        };
        let rate = match admin::rate_limit_setting(&body) {
            Ok(rate) => rate,
            Err(reply) => return reply,
        };
        if let Some(token) = token {
            self.token = token;
        }
        if let Some(read_only) = read_only {
            self.read_only = read_only;
        }
        if let Some((remaining, reset)) = rate {
            self.set_rate_limit(remaining, reset);
        }
        Reply::json(
            200,
            &json!({ "token_required": self.token.is_some(), "read_only": self.read_only }),
        )
    }
}

/// The optional check-run fields shared by create and update.
struct CheckFields {
    external_id: Option<String>,
    details_url: Option<String>,
    status: Option<String>,
    conclusion: Option<String>,
    started_at: Option<String>,
    completed_at: Option<String>,
    output: Option<(CheckOutput, Vec<Annotation>)>,
}

impl CheckFields {
    fn parse(body: &Map<String, Value>) -> Result<CheckFields, Reply> {
        let status = checked_enum(optional_string(body, "status")?, "status", CHECK_STATUSES)?;
        let conclusion = optional_string(body, "conclusion")?;
        if conclusion.as_deref() == Some("stale") {
            return Err(invalid(
                "\"conclusion\" cannot be set to stale: only GitHub sets it.",
            ));
        }
        let conclusion = checked_enum(conclusion, "conclusion", CHECK_CONCLUSIONS)?;
        let completed_at = optional_string(body, "completed_at")?;
        if conclusion.is_none()
            && (status.as_deref() == Some("completed") || completed_at.is_some())
        {
            return Err(invalid(
                "\"conclusion\" wasn't supplied: it is required with status completed or completed_at.",
            ));
        }
        let output = match body.get("output") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_output(v)?),
        };
        Ok(CheckFields {
            external_id: optional_string(body, "external_id")?,
            details_url: optional_string(body, "details_url")?,
            status,
            conclusion,
            started_at: optional_string(body, "started_at")?,
            completed_at,
            output,
        })
    }

    fn apply(self, run: &mut CheckRun) {
        if let Some(v) = self.external_id {
            run.external_id = Some(v);
        }
        if let Some(v) = self.details_url {
            run.details_url = Some(v);
        }
        if let Some(v) = self.started_at {
            run.started_at = Some(v);
        }
        if let Some(v) = self.status {
            run.status = v;
        }
        if let Some(v) = self.conclusion {
            run.conclusion = Some(v);
            run.status = "completed".to_owned();
        }
        if run.status == "completed" {
            run.completed_at = self
                .completed_at
                .or_else(|| run.completed_at.take())
                .or_else(|| Some(wire::iso8601(wire::now_epoch())));
        }
        if let Some((output, annotations)) = self.output {
            run.output.title = output.title;
            run.output.summary = output.summary;
            if output.text.is_some() {
                run.output.text = output.text;
            }
            run.annotations.extend(annotations);
        }
    }
}

fn parse_output(value: &Value) -> Result<(CheckOutput, Vec<Annotation>), Reply> {
    let Value::Object(m) = value else {
        return Err(invalid("\"output\" is not an object."));
    };
    let title =
        required_string(m, "title").map_err(|_| invalid("\"output.title\" wasn't supplied."))?;
    let summary = required_string(m, "summary")
        .map_err(|_| invalid("\"output.summary\" wasn't supplied."))?;
    let text = optional_string(m, "text")?;
    for (field, value) in [("summary", Some(&summary)), ("text", text.as_ref())] {
        let n = value.map_or(0, |v| v.chars().count());
        if n > MAX_OUTPUT_CHARS {
            return Err(invalid(&format!(
                "\"output.{field}\" is too long (maximum is {MAX_OUTPUT_CHARS} characters, got {n})."
            )));
        }
    }
    let annotations = match m.get("annotations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > MAX_ANNOTATIONS_PER_REQUEST {
                return Err(invalid(&format!(
                    "Only {MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request; got {}.",
                    items.len()
                )));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, a)| parse_annotation(i, a))
                .collect::<Result<_, _>>()?
        }
        Some(_) => return Err(invalid("\"output.annotations\" is not an array.")),
    };
    Ok((
        CheckOutput {
            title: Some(title),
            summary: Some(summary),
            text,
        },
        annotations,
    ))
}

fn parse_annotation(index: usize, value: &Value) -> Result<Annotation, Reply> {
    let Value::Object(m) = value else {
        return Err(invalid(&format!(
            "\"output.annotations[{index}]\" is not an object."
        )));
    };
    let at = |e: Reply| {
        let message = serde_json::from_slice::<Value>(&e.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        invalid(&format!(
            "In output.annotations[{index}]: {}",
            message.trim_start_matches("Invalid request.\n\n")
        ))
    };
    let line = |key: &str| -> Result<u64, Reply> {
        optional_u64(m, key)
            .map_err(at)?
            .ok_or_else(|| at(invalid(&format!("\"{key}\" wasn't supplied."))))
    };
    let start_line = line("start_line")?;
    let end_line = line("end_line")?;
    let start_column = optional_u64(m, "start_column").map_err(at)?;
    let end_column = optional_u64(m, "end_column").map_err(at)?;
    if (start_column.is_some() || end_column.is_some()) && start_line != end_line {
        return Err(at(invalid(
            "start_column and end_column are only allowed when start_line equals end_line.",
        )));
    }
    let level = required_string(m, "annotation_level").map_err(at)?;
    Ok(Annotation {
        path: required_string(m, "path").map_err(at)?,
        start_line,
        end_line,
        start_column,
        end_column,
        annotation_level: checked_enum(Some(level), "annotation_level", ANNOTATION_LEVELS)
            .map_err(at)?
            .unwrap_or_default(),
        message: required_string(m, "message").map_err(at)?,
        title: optional_string(m, "title").map_err(at)?,
        raw_details: optional_string(m, "raw_details").map_err(at)?,
    })
}

fn comment_body(req: &RecordedRequest) -> Result<String, Reply> {
    let body = required_string(&json_object(req)?, "body")?;
    let n = body.chars().count();
    if n > MAX_COMMENT_CHARS {
        return Err(validation_failed(
            "IssueComment",
            "data",
            "unprocessable",
            Some(&format!(
                "Body is too long (maximum is {MAX_COMMENT_CHARS} characters, got {n})"
            )),
            DOCS_COMMENT,
        ));
    }
    Ok(body)
}

// ----- response bodies ------------------------------------------------

fn user_json(login: &str, base: &str) -> Value {
    let bot = login.ends_with("[bot]");
    json!({
        "login": login,
        "id": if bot { 41_898_282 } else { 583_231 },
        "node_id": if bot { "MDM6Qm90NDE4OTgyODI=" } else { "MDQ6VXNlcjU4MzIzMQ==" },
        "avatar_url": format!("{base}/avatars/{login}"),
        "url": format!("{base}/users/{login}"),
        "html_url": format!("{base}/{login}"),
        "type": if bot { "Bot" } else { "User" },
        "site_admin": false,
    })
}

fn check_run_json(run: &CheckRun, suite: u64, base: &str) -> Value {
    let url = format!(
        "{base}/repos/{}/{}/check-runs/{}",
        run.owner, run.repo, run.id
    );
    json!({
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": format!("CR_sim{}", run.id),
        "external_id": run.external_id,
        "url": url,
        "html_url": format!("{base}/{}/{}/runs/{}", run.owner, run.repo, run.id),
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.output.title,
            "summary": run.output.summary,
            "text": run.output.text,
            "annotations_count": run.annotations.len(),
            "annotations_url": format!("{url}/annotations"),
        },
        "name": run.name,
        "check_suite": { "id": suite },
        "app": {
            "id": 1,
            "slug": "testrelay-ci-sim",
            "node_id": "A_sim1",
            "name": "testrelay CI simulator",
        },
        "pull_requests": [],
    })
}

fn status_json(s: &CommitStatus, base: &str) -> Value {
    json!({
        "url": format!("{base}/repos/{}/{}/statuses/{}", s.owner, s.repo, s.sha),
        "avatar_url": Value::Null,
        "id": s.id,
        "node_id": format!("SC_sim{}", s.id),
        "state": s.state,
        "description": s.description,
        "target_url": s.target_url,
        "context": s.context,
        "created_at": s.created_at,
        "updated_at": s.created_at,
        "creator": user_json(BOT_LOGIN, base),
    })
}

fn comment_json(c: &IssueComment, base: &str) -> Value {
    let repo_url = format!("{base}/repos/{}/{}", c.owner, c.repo);
    json!({
        "id": c.id,
        "node_id": format!("IC_sim{}", c.id),
        "url": format!("{repo_url}/issues/comments/{}", c.id),
        "html_url": format!("{base}/{}/{}/issues/{}#issuecomment-{}", c.owner, c.repo, c.issue, c.id),
        "body": c.body,
        "user": user_json(&c.user, base),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "issue_url": format!("{repo_url}/issues/{}", c.issue),
        "author_association": if c.user == BOT_LOGIN { "NONE" } else { "MEMBER" },
    })
}

fn release_json(r: &Release, base: &str, uploads: &str) -> Value {
    let url = format!("{base}/repos/{}/{}/releases/{}", r.owner, r.repo, r.id);
    json!({
        "url": url,
        "html_url": format!("{base}/{}/{}/releases/tag/{}", r.owner, r.repo, wire::percent_encode(&r.tag_name)),
        "assets_url": format!("{url}/assets"),
        "upload_url": format!(
            "{uploads}/repos/{}/{}/releases/{}/assets{{?name,label}}",
            r.owner, r.repo, r.id
        ),
        "tarball_url": format!("{base}/repos/{}/{}/tarball/{}", r.owner, r.repo, wire::percent_encode(&r.tag_name)),
        "zipball_url": format!("{base}/repos/{}/{}/zipball/{}", r.owner, r.repo, wire::percent_encode(&r.tag_name)),
        "id": r.id,
        "node_id": format!("RE_sim{}", r.id),
        "tag_name": r.tag_name,
        "target_commitish": r.target_commitish,
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "created_at": r.created_at,
        "published_at": r.published_at,
        "author": user_json(BOT_LOGIN, base),
        "assets": r.assets.iter().map(|a| asset_json(r, a, base)).collect::<Vec<_>>(),
    })
}

fn asset_json(r: &Release, a: &ReleaseAsset, base: &str) -> Value {
    json!({
        "url": format!("{base}/repos/{}/{}/releases/assets/{}", r.owner, r.repo, a.id),
        "browser_download_url": format!(
            "{base}/{}/{}/releases/download/{}/{}",
            r.owner, r.repo, wire::percent_encode(&r.tag_name), wire::percent_encode(&a.name)
        ),
        "id": a.id,
        "node_id": format!("RA_sim{}", a.id),
        "name": a.name,
        "label": a.label,
        "state": "uploaded",
        "content_type": a.content_type,
        "size": a.data.len(),
        "digest": format!("sha256:{}", sha256_hex(&a.data)),
        "download_count": 0,
        "created_at": a.created_at,
        "updated_at": a.created_at,
        "uploader": user_json(BOT_LOGIN, base),
    })
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_link(mut reply: Reply, link: Option<String>) -> Reply {
    if let Some(link) = link {
        reply.set_header("link", link);
    }
    reply
}

// ----- errors and field readers ---------------------------------------

/// GitHub's error body: message, documentation URL and the status as text.
fn error(status: u16, message: &str, docs: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "message": message, "documentation_url": docs, "status": status.to_string() }),
    )
}

fn not_found() -> Reply {
    error(404, "Not Found", DOCS)
}

fn not_accessible(docs: &str) -> Reply {
    error(403, "Resource not accessible by integration", docs)
}

/// 422 for a body that does not match the endpoint's schema.
fn invalid(detail: &str) -> Reply {
    error(422, &format!("Invalid request.\n\n{detail}"), DOCS)
}

/// 422 `Validation Failed` with one entry in `errors`.
fn validation_failed(
    resource: &str,
    field: &str,
    code: &str,
    message: Option<&str>,
    docs: &str,
) -> Reply {
    let mut entry = json!({ "resource": resource, "code": code, "field": field });
    if let Some(m) = message {
        entry["message"] = json!(m);
    }
    Reply::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": [entry],
            "documentation_url": docs,
            "status": "422",
        }),
    )
}

fn parse_id(segment: &str) -> Result<u64, Reply> {
    segment
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(not_found)
}

fn json_object(req: &RecordedRequest) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid("The request body must be a JSON object.")),
        Err(_) => Err(error(400, "Problems parsing JSON", DOCS)),
    }
}

fn optional_string(m: &Map<String, Value>, key: &str) -> Result<Option<String>, Reply> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(&format!("\"{key}\" is not a string: {other}."))),
    }
}

fn required_string(m: &Map<String, Value>, key: &str) -> Result<String, Reply> {
    optional_string(m, key)?.ok_or_else(|| invalid(&format!("\"{key}\" wasn't supplied.")))
}

fn optional_bool(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, Reply> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(invalid(&format!("\"{key}\" is not a boolean: {other}."))),
    }
}

fn optional_u64(m: &Map<String, Value>, key: &str) -> Result<Option<u64>, Reply> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|&n| n > 0)
            .map(Some)
            .ok_or_else(|| invalid(&format!("\"{key}\" is not a positive integer: {v}."))),
    }
}

fn checked_enum(
    value: Option<String>,
    key: &str,
    allowed: &[&str],
) -> Result<Option<String>, Reply> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(invalid(&format!(
            "\"{key}\" is {v:?}, not one of: {}.",
            allowed.join(", ")
        ))),
        other => Ok(other),
    }
}

/// GitHub renames an uploaded asset whose name has characters other than
/// letters, digits, `-`, `_` and `.`, or a leading or trailing period
/// ("GitHub renames asset filenames that have special characters,
/// non-alphanumeric characters, and leading or trailing periods"): each such
/// character becomes `.` (as seen for spaces, parentheses, `~` and `:`).
fn renamed_asset(name: &str) -> String {
    let dotted: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '.'
            }
        })
        .collect();
    dotted.trim_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:1";
    const UPLOADS: &str = "http://127.0.0.1:2";

    fn request(method: &str, target: &str, body: &str) -> RecordedRequest {
        let (path, query) = wire::split_target(target);
        RecordedRequest {
            method: method.to_owned(),
            path,
            query,
            headers: vec![("authorization".to_owned(), "Bearer t".to_owned())],
            body: body.as_bytes().to_vec(),
            proxy_target: None,
        }
    }

    fn send(gh: &mut Github, method: &str, target: &str, body: &str) -> (u16, Value) {
        let incoming = Incoming {
            api_url: BASE,
            uploads_url: UPLOADS,
            via: Via::Api,
        };
        let reply = gh.handle(&request(method, target, body), &incoming);
        let value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        (reply.status, value)
    }

    #[test]
    fn authentication_schemes() {
        let mut gh = Github::default();
        let mut req = request("GET", "/repos/o/r/releases/tags/v1", "");
        for (value, ok) in [
            ("Bearer t", true),
            ("token t", true),
            ("bearer  t ", true),
            ("Basic t", false),
            ("Bearer ", false),
            ("t", false),
        ] {
            req.headers = vec![("authorization".to_owned(), value.to_owned())];
            assert_eq!(gh.authenticated(&req), ok, "{value:?}");
        }
        gh.token = Some("right".to_owned());
        req.headers = vec![("authorization".to_owned(), "token wrong".to_owned())];
        assert!(!gh.authenticated(&req));
        req.headers = vec![("authorization".to_owned(), "token right".to_owned())];
        assert!(gh.authenticated(&req));
    }

    #[test]
    fn check_run_validation_errors() {
        let mut gh = Github::default();
        let cases = [
            (r#"{"head_sha":"a"}"#, "\"name\" wasn't supplied."),
            (r#"{"name":"n"}"#, "\"head_sha\" wasn't supplied."),
            (
                r#"{"name":"n","head_sha":"a","status":"waiting"}"#,
                "\"status\" is \"waiting\"",
            ),
            (
                r#"{"name":"n","head_sha":"a","conclusion":"stale"}"#,
                "stale",
            ),
            (
                r#"{"name":"n","head_sha":"a","status":"completed"}"#,
                "\"conclusion\" wasn't supplied",
            ),
            (
                r#"{"name":"n","head_sha":"a","output":{"summary":"s"}}"#,
                "\"output.title\" wasn't supplied.",
            ),
            (
                r#"{"name":"n","head_sha":"a","output":{"title":"t"}}"#,
                "\"output.summary\" wasn't supplied.",
            ),
            (
                r#"{"name":"n","head_sha":"a","output":{"title":"t","summary":"s","annotations":[{"path":"p","start_line":1,"end_line":2,"start_column":1,"annotation_level":"failure","message":"m"}]}}"#,
                "In output.annotations[0]: start_column",
            ),
            (
                r#"{"name":"n","head_sha":"a","output":{"title":"t","summary":"s","annotations":[{"path":"p","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}"#,
                "\"annotation_level\" is \"error\"",
            ),
        ];
        for (body, expected) in cases {
            let (status, v) = send(&mut gh, "POST", "/repos/o/r/check-runs", body);
            assert_eq!(status, 422, "{body}");
            let message = v["message"].as_str().unwrap_or_default();
            assert!(message.contains(expected), "{body}: {message}");
        }
        assert!(gh.snapshot().check_runs.is_empty());
        let (status, v) = send(&mut gh, "POST", "/repos/o/r/check-runs", "{");
        assert_eq!(
            (status, v["message"].as_str()),
            (400, Some("Problems parsing JSON"))
        );
    }

    #[test]
    fn conclusion_completes_the_run() {
        let mut gh = Github::default();
        let (status, v) = send(
            &mut gh,
            "POST",
            "/repos/o/r/check-runs",
            r#"{"name":"n","head_sha":"a","conclusion":"success"}"#,
        );
        assert_eq!(status, 201);
        assert_eq!(v["status"], "completed");
        assert!(v["completed_at"].is_string());
    }

    #[test]
    fn rate_limit_window_spends_and_refills() {
        let mut rate = RateLimit::fresh(1000);
        assert_eq!(rate.reset, 4600);
        assert!(rate.spend(1000).is_none());
        assert_eq!((rate.remaining, rate.used), (RATE_LIMIT - 1, 1));
        rate.remaining = 0;
        let limited = rate.spend(1001).map(|r| r.status);
        assert_eq!(limited, Some(403));
        assert!(rate.spend(4600).is_none());
        assert_eq!(
            (rate.remaining, rate.used, rate.reset),
            (RATE_LIMIT - 1, 1, 8200)
        );
    }

    #[test]
    fn decorate_sets_rate_headers() {
        let mut gh = Github::default();
        gh.set_rate_limit(7, 1_900_000_000);
        let mut reply = Reply::json(200, &json!({}));
        gh.add_headers(&mut reply, 26);
        assert_eq!(reply.header("x-ratelimit-remaining"), Some("7"));
        assert_eq!(reply.header("x-ratelimit-reset"), Some("1900000000"));
        assert_eq!(reply.header("x-ratelimit-limit"), Some("5000"));
        assert_eq!(reply.header("x-ratelimit-used"), Some("4993"));
        assert_eq!(reply.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(
            reply.header("x-github-request-id"),
            Some("5150:51M:00001A:000001A:00000000")
        );
    }

    #[test]
    fn seeded_marker_comment_is_last_and_ours() {
        let mut gh = Github::default();
        let ids = gh.seed_comments("o", "r", 3, 4, Some("<!-- m -->"));
        assert_eq!(ids, vec![1, 2, 3, 4]);
        let comments = gh.snapshot().comments;
        assert_eq!(comments[0].user, OTHER_LOGIN);
        assert_eq!(comments[3].user, BOT_LOGIN);
        assert!(comments[3].body.starts_with("<!-- m -->\n"));
    }
}
