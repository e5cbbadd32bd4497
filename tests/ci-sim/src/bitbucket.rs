//! Bitbucket Cloud REST API 2.0 emulation under `/2.0/repositories/`:
//! Code Insights reports and annotations (checked against the shapes in
//! Atlassian's Code Insights documentation, which the published OpenAPI
//! description lacks), build statuses, pull request comments and
//! Downloads.
//!
//! | Route | Answer |
//! |---|---|
//! | `PUT …/commit/{sha}/reports/{id}` | the report, created or replaced; `title` required, `report_type` one of SECURITY, COVERAGE, TEST, BUG, `result` one of PASSED, FAILED, PENDING, at most 10 `data` fields of a known type, `details` ≤ 2,000 characters |
//! | `GET …/commit/{sha}/reports/{id}` | the report |
//! | `POST …/reports/{id}/annotations` | the annotations; 1 to 100 a request, ≤ 1,000 a report, `external_id` required (the same id replaces), `summary` ≤ 450 characters, known `annotation_type`, `severity`, `result` |
//! | `POST …/commit/{sha}/statuses/build` | the status, created or updated by `key` (≤ 40 characters); `state` one of INPROGRESS, SUCCESSFUL, FAILED, STOPPED; `url` required |
//! | `GET`/`POST …/pullrequests/{id}/comments`, `PUT …/comments/{cid}` | paged `{values, pagelen, size, page, next}` (`pagelen` ≤ 100, default 10); `content.raw` required |
//! | `POST`/`GET …/downloads` | multipart `files` (a same name replaces the file); the list, paged |
//! | `GET …/downloads/{name}` | the file's bytes (Bitbucket itself redirects to the file's storage) |
//!
//! Authentication: `Authorization: Bearer <access token>` or Basic
//! `<user>:<app password>`; [`Bitbucket::token`] (and [`Bitbucket::username`]
//! for Basic) are the only ones accepted when set; otherwise 401. In
//! read-only mode writes get 403. Errors are Bitbucket's shape
//! (`{"type": "error", "error": {"message": ..}}`).
//!
//! As Bitbucket Pipelines' credential-free Code Insights proxy: a request
//! whose line names `http://api.bitbucket.org/2.0/…` (absolute-form, to
//! either address) is served without credentials for the reports and
//! annotations routes; any other route gets 403, another target 502, and a
//! request that carries `Authorization` 400.
//!
//! Admin routes: `GET /_sim/bitbucket/state`; `POST /_sim/bitbucket/config`
//! `{token?: string or null, username?: string or null, read_only?: bool}`;
//! `POST /_sim/bitbucket/seed-comments` `{repository, pull_request, count,
//! with_marker?}` → 201 `{"ids": [..]}`.

use serde::Serialize;
use serde_json::{Value, json};

use crate::admin::{bad_request, bool_setting, token_setting};
use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::{self, Reply};

const OWNED_PREFIX: &str = "/2.0/repositories/";
/// Where Bitbucket Pipelines' Code Insights proxy forwards to.
const PIPELINES_PROXY_TARGET: &str = "http://api.bitbucket.org";
/// Annotations a request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 100;
/// Annotations a report.
pub const MAX_ANNOTATIONS_PER_REPORT: usize = 1_000;
/// Characters of an annotation summary.
pub const MAX_SUMMARY_CHARS: usize = 450;
/// Characters of a build status key.
pub const MAX_KEY_CHARS: usize = 40;

const REPORT_TYPES: &[&str] = &["SECURITY", "COVERAGE", "TEST", "BUG"];
const REPORT_RESULTS: &[&str] = &["PASSED", "FAILED", "PENDING"];
const DATA_TYPES: &[&str] = &[
    "BOOLEAN",
    "DATE",
    "DURATION",
    "LINK",
    "NUMBER",
    "PERCENTAGE",
    "TEXT",
];
const ANNOTATION_TYPES: &[&str] = &["VULNERABILITY", "CODE_SMELL", "BUG"];
const SEVERITIES: &[&str] = &["CRITICAL", "HIGH", "MEDIUM", "LOW"];
const ANNOTATION_RESULTS: &[&str] = &["PASSED", "FAILED", "SKIPPED", "IGNORED"];
const STATUS_STATES: &[&str] = &["INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"];

/// Everything the emulated Bitbucket holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BitbucketState {
    /// Code Insights reports.
    pub reports: Vec<Report>,
    /// Build statuses.
    pub statuses: Vec<BuildStatus>,
    /// Pull request comments.
    pub comments: Vec<Comment>,
    /// Downloads.
    pub downloads: Vec<Download>,
}

/// A Code Insights report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// `workspace/slug`.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// The report id (from the path).
    pub id: String,
    /// The body as last `PUT`.
    pub body: Value,
    /// How many times it was `PUT`.
    pub puts: u64,
    /// Its annotations.
    pub annotations: Vec<Value>,
}

/// A build status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BuildStatus {
    /// `workspace/slug`.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// Its key.
    pub key: String,
    /// Every state it was given, in order.
    pub states: Vec<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its link.
    pub url: String,
    /// Its description.
    pub description: Option<String>,
}

/// A pull request comment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// `workspace/slug`.
    pub repository: String,
    /// The pull request.
    pub pull_request: u64,
    /// `content.raw`.
    pub raw: String,
    /// How many times it was edited.
    pub edits: u64,
}

/// A file in Downloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Download {
    /// `workspace/slug`.
    pub repository: String,
    /// Its name.
    pub name: String,
    /// Its bytes.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Their number.
    pub size: u64,
}

/// The emulated Bitbucket Cloud.
#[derive(Debug, Default)]
pub struct Bitbucket {
    state: BitbucketState,
    last_id: u64,
    /// The only token (access token, or app password) accepted; any
    /// non-empty one when `None`.
    pub token: Option<String>,
    /// The only user accepted with an app password; any when `None`.
    pub username: Option<String>,
    /// Writes get 403.
    pub read_only: bool,
}

impl Bitbucket {
    /// An empty Bitbucket.
    pub fn new(_options: &crate::SimOptions) -> Bitbucket {
        Bitbucket::default()
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Adds `count` comments by someone else to the pull request; with
    /// `marker`, the last one is ours. Returns their ids.
    pub fn seed_comments(
        &mut self,
        repository: &str,
        pull_request: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        (0..count)
            .map(|i| {
                let id = self.next_id();
                let raw = match marker {
                    Some(m) if i + 1 == count => format!("{m}\nan earlier summary"),
                    _ => format!("review comment {i}"),
                };
                self.state.comments.push(Comment {
                    id,
                    repository: repository.to_owned(),
                    pull_request,
                    raw,
                    edits: 0,
                });
                id
            })
            .collect()
    }

    fn authenticate(&self, req: &RecordedRequest) -> Result<(), Reply> {
        let header = req.header("authorization").unwrap_or("");
        let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
        let token_ok = |t: &str| !t.is_empty() && self.token.as_deref().is_none_or(|w| w == t);
        let ok = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => token_ok(value.trim()),
            "basic" => {
                let decoded = wire::base64_decode(value.trim()).unwrap_or_default();
                let text = String::from_utf8_lossy(&decoded).into_owned();
                match text.split_once(':') {
                    Some((user, pass)) => {
                        !user.is_empty()
                            && self.username.as_deref().is_none_or(|u| u == user)
                            && token_ok(pass)
                    }
                    None => false,
                }
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(error(401, "Access token expired or invalid."))
        }
    }

    /// Answers `req`; `proxied` requests came through the Pipelines proxy,
    /// which adds the pipeline's credentials itself.
    fn answer(&mut self, req: &RecordedRequest, base: &str, proxied: bool) -> Reply {
        if !proxied {
            if let Err(r) = self.authenticate(req) {
                return r;
            }
        }
        if req.method != "GET" && self.read_only {
            return error(
                403,
                "Your credentials lack one or more required privilege scopes.",
            );
        }
        let rest = &req.path[OWNED_PREFIX.len()..];
        let segs: Vec<String> = rest
            .split('/')
            .map(|s| wire::percent_decode(s, false))
            .collect();
        if segs.len() < 3 {
            return error(404, "Resource not found");
        }
        let repo = format!("{}/{}", segs[0], segs[1]);
        let tail: Vec<&str> = segs[2..].iter().map(String::as_str).collect();
        let result = match (req.method.as_str(), tail.as_slice()) {
            ("PUT", ["commit", sha, "reports", id]) => self.put_report(req, &repo, sha, id),
            ("GET", ["commit", sha, "reports", id]) => self
                .report(&repo, sha, id)
                .map(|i| Reply::json(200, &self.state.reports[i].body)),
            ("POST", ["commit", sha, "reports", id, "annotations"]) => {
                self.add_annotations(req, &repo, sha, id)
            }
            ("POST", ["commit", sha, "statuses", "build"]) => self.put_status(req, &repo, sha),
            ("GET", ["pullrequests", pr, "comments"]) => self.list_comments(req, base, &repo, pr),
            ("POST", ["pullrequests", pr, "comments"]) => self.create_comment(req, &repo, pr),
            ("PUT", ["pullrequests", pr, "comments", id]) => {
                self.update_comment(req, &repo, pr, id)
            }
            ("POST", ["downloads"]) => self.upload(req, &repo),
            ("GET", ["downloads"]) => Ok(self.list_downloads(req, base, &repo)),
            ("GET", ["downloads", name]) => self
                .state
                .downloads
                .iter()
                .find(|d| d.repository == repo && d.name == *name)
                .map(|d| Reply::bytes(200, "application/octet-stream", d.content.clone()))
                .ok_or_else(|| error(404, "Resource not found")),
            _ => Err(error(404, "Resource not found")),
        };
        result.unwrap_or_else(|e| e)
    }

    fn report(&self, repo: &str, sha: &str, id: &str) -> Result<usize, Reply> {
        self.state
            .reports
            .iter()
            .position(|r| r.repository == repo && r.commit == sha && r.id == id)
            .ok_or_else(|| error(404, "Report not found"))
    }

    fn put_report(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        sha: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let body = json_body(req)?;
        if body["title"].as_str().is_none_or(str::is_empty) {
            return Err(bad("title: required"));
        }
        let kind = body["report_type"].as_str().unwrap_or("");
        if !REPORT_TYPES.contains(&kind) {
            return Err(bad(&format!("report_type: invalid value {kind:?}")));
        }
        if let Some(result) = body["result"].as_str() {
            if !REPORT_RESULTS.contains(&result) {
                return Err(bad(&format!("result: invalid value {result:?}")));
            }
        }
        if body["details"]
            .as_str()
            .is_some_and(|d| d.chars().count() > 2_000)
        {
            return Err(bad("details: longer than 2000 characters"));
        }
        if let Some(data) = body.get("data") {
            let data = data.as_array().ok_or_else(|| bad("data: must be a list"))?;
            if data.len() > 10 {
                return Err(bad("data: at most 10 elements"));
            }
            for d in data {
                let t = d["type"].as_str().unwrap_or("");
                if d["title"].as_str().is_none()
                    || !DATA_TYPES.contains(&t)
                    || d.get("value").is_none()
                {
                    return Err(bad(&format!("data: invalid element {d}")));
                }
            }
        }
        let mut stored = body.clone();
        stored["uuid"] = json!(format!("{{report-{id}}}"));
        stored["external_id"] = json!(id);
        match self.report(repo, sha, id) {
            Ok(i) => {
                let r = &mut self.state.reports[i];
                r.body = stored.clone();
                r.puts += 1;
            }
            Err(_) => self.state.reports.push(Report {
                repository: repo.to_owned(),
                commit: sha.to_owned(),
                id: id.to_owned(),
                body: stored.clone(),
                puts: 1,
                annotations: Vec::new(),
            }),
        }
        Ok(Reply::json(200, &stored))
    }

    fn add_annotations(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        sha: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let i = self.report(repo, sha, id)?;
        let body = json_body(req)?;
        let list = body
            .as_array()
            .ok_or_else(|| bad("a list of annotations is expected"))?;
        if list.is_empty() || list.len() > MAX_ANNOTATIONS_PER_REQUEST {
            return Err(bad(&format!(
                "1 to {MAX_ANNOTATIONS_PER_REQUEST} annotations a request, not {}",
                list.len()
            )));
        }
        for a in list {
            let check = |key: &str, allowed: &[&str], required: bool| -> Result<(), Reply> {
                match a[key].as_str() {
                    Some(v) if allowed.contains(&v) => Ok(()),
                    None if !required => Ok(()),
                    other => Err(bad(&format!("{key}: invalid value {other:?}"))),
                }
            };
            if a["external_id"].as_str().is_none_or(str::is_empty) {
                return Err(bad("external_id: required"));
            }
            check("annotation_type", ANNOTATION_TYPES, true)?;
            check("severity", SEVERITIES, false)?;
            check("result", ANNOTATION_RESULTS, false)?;
            match a["summary"].as_str() {
                Some(s) if !s.is_empty() && s.chars().count() <= MAX_SUMMARY_CHARS => {}
                _ => return Err(bad("summary: required, at most 450 characters")),
            }
            if a.get("line")
                .is_some_and(|l| l.as_u64().is_none_or(|n| n < 1))
            {
                return Err(bad("line: must be a positive number"));
            }
        }
        let report = &mut self.state.reports[i];
        for a in list {
            let ext = a["external_id"].clone();
            match report
                .annotations
                .iter_mut()
                .find(|x| x["external_id"] == ext)
            {
                Some(existing) => *existing = a.clone(),
                None => report.annotations.push(a.clone()),
            }
        }
        if report.annotations.len() > MAX_ANNOTATIONS_PER_REPORT {
            report.annotations.truncate(MAX_ANNOTATIONS_PER_REPORT);
            return Err(bad("a report holds at most 1000 annotations"));
        }
        Ok(Reply::json(200, &body))
    }

    fn put_status(&mut self, req: &RecordedRequest, repo: &str, sha: &str) -> Result<Reply, Reply> {
        let body = json_body(req)?;
        let key = body["key"].as_str().unwrap_or("");
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(bad("key: required, at most 40 characters"));
        }
        let state = body["state"].as_str().unwrap_or("");
        if !STATUS_STATES.contains(&state) {
            return Err(bad(&format!("state: invalid value {state:?}")));
        }
        let url = body["url"]
            .as_str()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("url: required"))?;
        let found = self
            .state
            .statuses
            .iter()
            .position(|s| s.repository == repo && s.commit == sha && s.key == key);
        let i = match found {
            Some(i) => i,
            None => {
                self.state.statuses.push(BuildStatus {
                    repository: repo.to_owned(),
                    commit: sha.to_owned(),
                    key: key.to_owned(),
                    ..BuildStatus::default()
                });
                self.state.statuses.len() - 1
            }
        };
        let s = &mut self.state.statuses[i];
        s.states.push(state.to_owned());
        s.url = url.to_owned();
        s.name = body["name"].as_str().map(str::to_owned);
        s.description = body["description"].as_str().map(str::to_owned);
        let status = if found.is_some() { 200 } else { 201 };
        Ok(Reply::json(
            status,
            &json!({"type": "commitstatus", "key": key, "state": state, "url": url}),
        ))
    }

    fn list_comments(
        &self,
        req: &RecordedRequest,
        base: &str,
        repo: &str,
        pr: &str,
    ) -> Result<Reply, Reply> {
        let pr: u64 = pr.parse().map_err(|_| error(404, "Resource not found"))?;
        let all: Vec<Value> = self
            .state
            .comments
            .iter()
            .filter(|c| c.repository == repo && c.pull_request == pr)
            .map(comment_json)
            .collect();
        Ok(page(req, base, all))
    }

    fn create_comment(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        pr: &str,
    ) -> Result<Reply, Reply> {
        let pr: u64 = pr.parse().map_err(|_| error(404, "Resource not found"))?;
        let body = json_body(req)?;
        let raw = body["content"]["raw"]
            .as_str()
            .ok_or_else(|| bad("content.raw: required"))?;
        let c = Comment {
            id: self.next_id(),
            repository: repo.to_owned(),
            pull_request: pr,
            raw: raw.to_owned(),
            edits: 0,
        };
        let answer = comment_json(&c);
        self.state.comments.push(c);
        Ok(Reply::json(201, &answer))
    }

    fn update_comment(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        pr: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let pr: u64 = pr.parse().map_err(|_| error(404, "Resource not found"))?;
        let id: u64 = id.parse().map_err(|_| error(404, "Resource not found"))?;
        let body = json_body(req)?;
        let raw = body["content"]["raw"]
            .as_str()
            .ok_or_else(|| bad("content.raw: required"))?;
        let c = self
            .state
            .comments
            .iter_mut()
            .find(|c| c.repository == repo && c.pull_request == pr && c.id == id)
            .ok_or_else(|| error(404, "Comment not found"))?;
        c.raw = raw.to_owned();
        c.edits += 1;
        Ok(Reply::json(200, &comment_json(c)))
    }

    fn upload(&mut self, req: &RecordedRequest, repo: &str) -> Result<Reply, Reply> {
        let content_type = req.header("content-type").unwrap_or("");
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .filter(|_| content_type.starts_with("multipart/form-data"))
            .ok_or_else(|| bad("a multipart/form-data body is expected"))?;
        let (name, content) = parse_multipart(&req.body, boundary.trim_matches('"'))
            .ok_or_else(|| bad("the body has no `files` part with a filename"))?;
        let size = content.len() as u64;
        self.state
            .downloads
            .retain(|d| !(d.repository == repo && d.name == name));
        self.state.downloads.push(Download {
            repository: repo.to_owned(),
            name,
            content,
            size,
        });
        Ok(Reply::bytes(201, "text/plain", Vec::new()))
    }

    fn list_downloads(&self, req: &RecordedRequest, base: &str, repo: &str) -> Reply {
        let all: Vec<Value> = self
            .state
            .downloads
            .iter()
            .filter(|d| d.repository == repo)
            .map(|d| {
                json!({
                    "name": d.name,
                    "size": d.size,
                    "type": "repository_download",
                    "links": {"self": {"href": format!(
                        "https://api.bitbucket.org/2.0/repositories/{repo}/downloads/{}", d.name)}},
                })
            })
            .collect();
        page(req, base, all)
    }

    fn admin_config(&mut self, body: &[u8]) -> Reply {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return bad_request("the body must be a JSON object");
        };
        for (key, slot) in [("token", &mut self.token), ("username", &mut self.username)] {
            match token_setting(&map, key) {
                Ok(Some(t)) => *slot = t,
                Ok(None) => {}
                Err(r) => return r,
            }
        }
        match bool_setting(&map, "read_only") {
            Ok(Some(b)) => self.read_only = b,
            Ok(None) => {}
            Err(r) => return r,
        }
        Reply::json(
            200,
            &json!({"token_required": self.token.is_some(), "read_only": self.read_only}),
        )
    }

    fn admin_seed_comments(&mut self, body: &[u8]) -> Reply {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad_request("the body must be a JSON object");
        };
        let (Some(repo), Some(pr), Some(count)) = (
            v["repository"].as_str(),
            v["pull_request"].as_u64(),
            v["count"].as_u64(),
        ) else {
            return bad_request("expected {repository, pull_request, count, with_marker?}");
        };
        if count > crate::admin::MAX_SEEDED {
            return bad_request("too many comments");
        }
        let ids = self.seed_comments(repo, pr, count, v["with_marker"].as_str());
        Reply::json(201, &json!({ "ids": ids }))
    }
}

/// One page of `all`, as Bitbucket pages (`page`, `pagelen`, `next`).
fn page(req: &RecordedRequest, base: &str, all: Vec<Value>) -> Reply {
    let num = |k: &str| req.query_param(k).and_then(|v| v.parse::<usize>().ok());
    let pagelen = num("pagelen").unwrap_or(10).clamp(1, 100);
    let page = num("page").unwrap_or(1).max(1);
    let start = (page - 1).saturating_mul(pagelen).min(all.len());
    let values: Vec<Value> = all.iter().skip(start).take(pagelen).cloned().collect();
    let mut body = json!({
        "values": values,
        "pagelen": pagelen,
        "size": all.len(),
        "page": page,
    });
    if start + pagelen < all.len() {
        body["next"] = json!(format!(
            "{base}{}?pagelen={pagelen}&page={}",
            req.path,
            page + 1
        ));
    }
    Reply::json(200, &body)
}

fn comment_json(c: &Comment) -> Value {
    json!({
        "id": c.id,
        "type": "pullrequest_comment",
        "deleted": false,
        "content": {"raw": c.raw, "markup": "markdown"},
        "links": {"html": {"href": format!(
            "https://bitbucket.org/{}/pull-requests/{}#comment-{}", c.repository, c.pull_request, c.id)}},
    })
}

/// The `files` part of a multipart body: its filename and bytes.
fn parse_multipart(body: &[u8], boundary: &str) -> Option<(String, Vec<u8>)> {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let start = find(body, delimiter.as_bytes(), 0)? + delimiter.len() + 2;
    let headers_end = find(body, b"\r\n\r\n", start)?;
    let headers = String::from_utf8_lossy(&body[start..headers_end]).into_owned();
    if !headers.contains("name=\"files\"") {
        return None;
    }
    let name = headers
        .split("filename=\"")
        .nth(1)?
        .split('"')
        .next()?
        .to_owned();
    let content_start = headers_end + 4;
    let end = find(body, format!("\r\n{delimiter}").as_bytes(), content_start)?;
    Some((name, body[content_start..end].to_vec()))
}

fn json_body(req: &RecordedRequest) -> Result<Value, Reply> {
    req.json().map_err(|e| bad(&format!("invalid JSON: {e}")))
}

/// Bitbucket's error body.
fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"type": "error", "error": {"message": message}}),
    )
}

fn bad(message: &str) -> Reply {
    error(400, message)
}

/// What the Pipelines proxy (`http://localhost:29418`) takes, as Atlassian
/// documents it: a plain-http request for `http://api.bitbucket.org/2.0/…`
/// with no credentials of its own, to the Code Insights reports API only.
/// The simulator refuses a request carrying `Authorization` too, so a
/// credential sent through the proxy shows in tests.
fn pipelines_proxy_check(req: &RecordedRequest) -> Result<(), Reply> {
    if req.proxy_target.as_deref() != Some(PIPELINES_PROXY_TARGET) {
        return Err(error(
            502,
            &format!("the Pipelines proxy forwards to {PIPELINES_PROXY_TARGET} only"),
        ));
    }
    if req.header("authorization").is_some() {
        return Err(error(
            400,
            "the Pipelines proxy adds the credentials itself: a request through it carries none",
        ));
    }
    let insights = req.path.split('/').skip(5).take(3).collect::<Vec<_>>();
    if !matches!(insights.as_slice(), ["commit", _, "reports"]) {
        return Err(error(
            403,
            "the Pipelines proxy serves Code Insights reports only",
        ));
    }
    Ok(())
}

impl Vendor for Bitbucket {
    fn name(&self) -> &'static str {
        "bitbucket"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        matches!(via, Via::Api | Via::ForwardProxy) && path.starts_with(OWNED_PREFIX)
    }

    fn handle(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply {
        if incoming.via == Via::ForwardProxy {
            if let Err(refused) = pipelines_proxy_check(req) {
                return refused;
            }
        }
        self.answer(req, incoming.api_url, incoming.via == Via::ForwardProxy)
    }

    fn decorate(&self, reply: &mut Reply, request_number: u64) {
        reply.set_header("x-request-count", request_number.to_string());
    }

    fn state_json(&self) -> Value {
        json!(self.state)
    }

    fn admin(&mut self, method: &str, route: &str, body: &[u8]) -> Option<Reply> {
        match (method, route) {
            ("POST", "config") => Some(self.admin_config(body)),
            ("POST", "seed-comments") => Some(self.admin_seed_comments(body)),
            _ => None,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl crate::Simulator {
    /// A snapshot of the emulated Bitbucket.
    pub fn bitbucket(&self) -> BitbucketState {
        self.with_vendor(|bb: &mut Bitbucket| bb.state.clone())
            .unwrap_or_default()
    }

    /// Accepts only `token` (and, for Basic, `username`) from now on.
    pub fn set_bitbucket_credentials(&self, token: Option<&str>, username: Option<&str>) {
        self.with_vendor(|bb: &mut Bitbucket| {
            bb.token = token.map(str::to_owned);
            bb.username = username.map(str::to_owned);
        });
    }

    /// Read-only mode: writes get 403.
    pub fn set_bitbucket_read_only(&self, read_only: bool) {
        self.with_vendor(|bb: &mut Bitbucket| bb.read_only = read_only);
    }

    /// Adds `count` comments by a reviewer to pull request `pull_request` of
    /// `repository` (`workspace/slug`); with `marker`, the last one is ours.
    pub fn seed_bitbucket_comments(
        &self,
        repository: &str,
        pull_request: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        self.with_vendor(|bb: &mut Bitbucket| {
            bb.seed_comments(repository, pull_request, count, marker)
        })
        .unwrap_or_default()
    }
}
