//! Azure DevOps REST API 7.1 emulation: test runs, their results and
//! attachments (Test), pull request threads and statuses, commit statuses
//! (Git), under `/{organization}/{project}/_apis/`.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET test/runs?buildUri=…` | `{count, value}`: the runs of that build (all runs without it) |
//! | `POST test/runs` | the run; `name` required, `state` one of Azure's run states |
//! | `GET`/`PATCH test/runs/{id}` | the run (`state`, `comment`, `errorMessage`; `Completed` sets `completedDate`) |
//! | `POST test/Runs/{id}/results` | `{count, value}`; 1 to 1,000 results a request, each with a known `outcome`; 400 on a completed run |
//! | `GET test/Runs/{id}/results?$skip&$top` | `{count, value}` |
//! | `POST`/`GET test/Runs/{id}/attachments` | `stream` must be base64, `fileName` set, `attachmentType` known; 400 past [`Azure::attachment_max_bytes`] |
//! | `GET test/Runs/{id}/attachments/{attachmentId}` | the attachment's bytes |
//! | `GET`/`POST git/repositories/{repo}/pullRequests/{pr}/threads` | threads, [`Azure::thread_page_size`] a page, continued with `x-ms-continuationtoken` / `continuationToken` |
//! | `PATCH …/threads/{t}/comments/{c}` | the comment with its new `content` |
//! | `POST git/repositories/{repo}/pullRequests/{pr}/statuses`, `…/commits/{sha}/statuses` | the status; `state` one of Azure's, `context.name` required |
//!
//! Every request needs `api-version=7.1` (400 otherwise, as Azure answers an
//! unknown version). Authentication: `Authorization: Bearer <token>` or
//! `Basic base64(:<pat>)`; [`Azure::token`] is the only one accepted when
//! set. A refused PAT gets what Azure answers: **203** with an HTML sign-in
//! page; a refused bearer token or no credential gets 401. In read-only
//! mode every write gets 403 with Azure's permission message. Errors are
//! Azure's JSON shape (`$id`, `message`, `typeKey`, `errorCode`).
//!
//! Admin routes: `GET /_sim/azure/state`; `POST /_sim/azure/config`
//! `{token?: string or null, read_only?: bool, thread_page_size?: n}`;
//! `POST /_sim/azure/seed-threads` `{repository, pull_request, count,
//! with_marker?}` → 201 `{"ids": [..]}`.

use serde::Serialize;
use serde_json::{Value, json};

use crate::admin::{bad_request, bool_setting, token_setting};
use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::{self, Reply};

/// The only API version served.
pub const API_VERSION: &str = "7.1";
/// Most results one `POST …/results` may carry.
pub const MAX_RESULTS_PER_REQUEST: usize = 1_000;
/// Threads a page by default.
pub const DEFAULT_THREAD_PAGE_SIZE: usize = 100;

const RUN_STATES: &[&str] = &[
    "Unspecified",
    "NotStarted",
    "InProgress",
    "Completed",
    "Aborted",
    "Waiting",
    "Finalizing",
    "NeedsInvestigation",
];
const OUTCOMES: &[&str] = &[
    "Unspecified",
    "None",
    "Passed",
    "Failed",
    "Inconclusive",
    "Timeout",
    "Aborted",
    "Blocked",
    "NotExecuted",
    "Warning",
    "Error",
    "NotApplicable",
    "Paused",
    "InProgress",
    "NotImpacted",
];
const ATTACHMENT_TYPES: &[&str] = &[
    "GeneralAttachment",
    "AfnStrip",
    "BugFilingData",
    "CodeCoverage",
    "IntermediateCollectorData",
    "RunConfig",
    "TestImpactDetails",
    "TmiTestRunDeploymentFiles",
    "TmiTestRunReverseDeploymentFiles",
    "TmiTestResultDetail",
    "TmiTestRunSummary",
    "ConsoleLog",
];
const STATUS_STATES: &[&str] = &[
    "notSet",
    "pending",
    "succeeded",
    "failed",
    "error",
    "notApplicable",
];

/// Everything the emulated Azure DevOps holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AzureState {
    /// Test runs, in creation order.
    pub runs: Vec<Run>,
    /// Pull request threads, in creation order.
    pub threads: Vec<Thread>,
    /// Pull request statuses, in creation order.
    pub pr_statuses: Vec<Status>,
    /// Commit statuses, in creation order.
    pub commit_statuses: Vec<Status>,
}

/// A test run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Run {
    /// Its id.
    pub id: u64,
    /// The organization and project it was created in (`org/project`).
    pub project: String,
    /// Its name.
    pub name: String,
    /// Its state (`InProgress`, `Completed`, ...).
    pub state: String,
    /// Whether it is automated.
    pub automated: bool,
    /// The build it belongs to.
    pub build_id: Option<String>,
    /// Its comment.
    pub comment: Option<String>,
    /// Its error message.
    pub error_message: Option<String>,
    /// Its results, in the order they were added.
    pub results: Vec<Value>,
    /// Its attachments.
    pub attachments: Vec<Attachment>,
    /// How many `POST …/results` requests it received.
    pub result_requests: u64,
}

/// A test-run attachment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attachment {
    /// Its id.
    pub id: u64,
    /// `fileName` as sent.
    pub file_name: String,
    /// `attachmentType` as sent.
    pub attachment_type: String,
    /// The decoded bytes.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Their number.
    pub size: u64,
}

/// A pull request thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Thread {
    /// Its id.
    pub id: u64,
    /// The repository as named in the path.
    pub repository: String,
    /// The pull request id.
    pub pull_request: u64,
    /// `status` as sent.
    pub status: Option<String>,
    /// Its comments.
    pub comments: Vec<ThreadComment>,
}

/// A comment in a thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ThreadComment {
    /// Its id within the thread (1, 2, ...).
    pub id: u64,
    /// Its text.
    pub content: String,
    /// Who wrote it.
    pub author: String,
    /// How many times it was edited.
    pub edits: u64,
}

/// A pull request or commit status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    /// Its id.
    pub id: u64,
    /// The repository as named in the path.
    pub repository: String,
    /// The pull request id or commit the status is on.
    pub target: String,
    /// `state` as sent.
    pub state: String,
    /// `description` as sent.
    pub description: Option<String>,
    /// `context.name`.
    pub context_name: String,
    /// `context.genre`.
    pub context_genre: Option<String>,
    /// `targetUrl` as sent.
    pub target_url: Option<String>,
}

/// The emulated Azure DevOps.
#[derive(Debug)]
pub struct Azure {
    state: AzureState,
    last_id: u64,
    /// The only token accepted; any non-empty token when `None`.
    pub token: Option<String>,
    /// Writes get 403.
    pub read_only: bool,
    /// Threads a page of `GET …/threads`.
    pub thread_page_size: usize,
    /// Largest attachment accepted, decoded.
    pub attachment_max_bytes: u64,
}

impl Azure {
    /// An empty Azure DevOps.
    pub fn new(_options: &crate::SimOptions) -> Azure {
        Azure {
            state: AzureState::default(),
            last_id: 0,
            token: None,
            read_only: false,
            thread_page_size: DEFAULT_THREAD_PAGE_SIZE,
            attachment_max_bytes: 100 * 1024 * 1024,
        }
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Adds `count` threads by someone else to the pull request; with
    /// `marker`, the last one is ours and starts with it. Returns their ids.
    pub fn seed_threads(
        &mut self,
        repository: &str,
        pull_request: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        (0..count)
            .map(|i| {
                let id = self.next_id();
                let content = match marker {
                    Some(m) if i + 1 == count => format!("{m}\nan earlier testrelay summary"),
                    _ => format!("review comment {i}"),
                };
                self.state.threads.push(Thread {
                    id,
                    repository: repository.to_owned(),
                    pull_request,
                    status: Some("active".into()),
                    comments: vec![ThreadComment {
                        id: 1,
                        content,
                        author: "reviewer".into(),
                        edits: 0,
                    }],
                });
                id
            })
            .collect()
    }

    fn authenticate(&self, req: &RecordedRequest) -> Result<(), Reply> {
        let header = req.header("authorization").unwrap_or("");
        let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
        let accepted = |t: &str| !t.is_empty() && self.token.as_deref().is_none_or(|w| w == t);
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" if accepted(value.trim()) => Ok(()),
            "basic" => {
                let decoded = wire::base64_decode(value.trim()).unwrap_or_default();
                let text = String::from_utf8_lossy(&decoded);
                let pat = text.split_once(':').map(|(_, p)| p).unwrap_or("");
                if accepted(pat) {
                    Ok(())
                } else {
                    // What Azure DevOps answers a bad PAT: its sign-in page.
                    Err(Reply::bytes(
                        203,
                        "text/html; charset=utf-8",
                        b"<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>".to_vec(),
                    ))
                }
            }
            _ => {
                let mut r = error(
                    401,
                    "TF400813: The user '' is not authorized to access this resource.",
                    "UnauthorizedRequestException",
                );
                r.set_header(
                    "www-authenticate",
                    "Bearer, Basic realm=\"https://dev.azure.com\"",
                );
                Err(r)
            }
        }
    }

    fn answer(&mut self, req: &RecordedRequest) -> Reply {
        if let Err(reply) = self.authenticate(req) {
            return reply;
        }
        if req.query_param("api-version") != Some(API_VERSION) {
            return error(
                400,
                &format!(
                    "The requested REST API version of {} is out of range for this server.",
                    req.query_param("api-version").unwrap_or("(none)")
                ),
                "VssVersionOutOfRangeException",
            );
        }
        let segs: Vec<String> = req
            .path
            .split('/')
            .map(|s| wire::percent_decode(s, false))
            .collect();
        // "", org, project, "_apis", area, ...
        let project = format!("{}/{}", segs[1], segs[2]);
        let rest: Vec<&str> = segs[4..].iter().map(String::as_str).collect();
        let write = req.method != "GET";
        if write && self.read_only {
            return error(
                403,
                "TF401027: You need the Git 'Contribute' or Test 'Create test runs' permission to \
                 perform this action.",
                "UnauthorizedAccessException",
            );
        }
        let result = match (req.method.as_str(), rest.as_slice()) {
            ("GET", ["test", "runs"]) => Ok(self.list_runs(req, &project)),
            ("POST", ["test", "runs"]) => self.create_run(req, &project),
            ("GET", ["test", "runs" | "Runs", id]) => self.run(&project, id).map(|i| {
                let run = &self.state.runs[i];
                Reply::json(200, &run_json(run))
            }),
            ("PATCH", ["test", "runs" | "Runs", id]) => self.update_run(req, &project, id),
            ("POST", ["test", "Runs" | "runs", id, "results"]) => {
                self.add_results(req, &project, id)
            }
            ("GET", ["test", "Runs" | "runs", id, "results"]) => {
                self.list_results(req, &project, id)
            }
            ("POST", ["test", "Runs" | "runs", id, "attachments"]) => {
                self.add_attachment(req, &project, id)
            }
            ("GET", ["test", "Runs" | "runs", id, "attachments", attachment]) => {
                self.run(&project, id).and_then(|i| {
                    self.state.runs[i]
                        .attachments
                        .iter()
                        .find(|a| a.id.to_string() == *attachment)
                        .map(|a| Reply::bytes(200, "application/octet-stream", a.content.clone()))
                        .ok_or_else(|| {
                            error(
                                404,
                                &format!("Attachment {attachment} not found."),
                                "TestObjectNotFoundException",
                            )
                        })
                })
            }
            ("GET", ["test", "Runs" | "runs", id, "attachments"]) => {
                self.run(&project, id).map(|i| {
                    let list: Vec<Value> = self.state.runs[i]
                        .attachments
                        .iter()
                        .map(|a| attachment_json(&project, id, a))
                        .collect();
                    Reply::json(200, &json!({ "count": list.len(), "value": list }))
                })
            }
            ("GET", ["git", "repositories", repo, "pullRequests", pr, "threads"]) => {
                self.list_threads(req, repo, pr)
            }
            ("POST", ["git", "repositories", repo, "pullRequests", pr, "threads"]) => {
                self.create_thread(req, repo, pr)
            }
            (
                "PATCH",
                [
                    "git",
                    "repositories",
                    repo,
                    "pullRequests",
                    pr,
                    "threads",
                    t,
                    "comments",
                    c,
                ],
            ) => self.update_comment(req, repo, pr, t, c),
            ("POST", ["git", "repositories", repo, "pullRequests", pr, "statuses"]) => {
                self.add_status(req, repo, pr, true)
            }
            ("POST", ["git", "repositories", repo, "commits", sha, "statuses"]) => {
                self.add_status(req, repo, sha, false)
            }
            _ => Err(error(
                404,
                "The requested resource does not exist in the emulation.",
                "NotFoundException",
            )),
        };
        result.unwrap_or_else(|e| e)
    }

    fn list_runs(&self, req: &RecordedRequest, project: &str) -> Reply {
        let build = req
            .query_param("buildUri")
            .and_then(|u| u.strip_prefix("vstfs:///Build/Build/"))
            .map(str::to_owned);
        let list: Vec<Value> = self
            .state
            .runs
            .iter()
            .filter(|r| r.project == project)
            .filter(|r| build.is_none() || r.build_id == build)
            .map(run_json)
            .collect();
        Reply::json(200, &json!({ "count": list.len(), "value": list }))
    }

    fn run(&self, project: &str, id: &str) -> Result<usize, Reply> {
        let id: u64 = id.parse().map_err(|_| bad("runId must be a number"))?;
        self.state
            .runs
            .iter()
            .position(|r| r.id == id && r.project == project)
            .ok_or_else(|| {
                error(
                    404,
                    &format!("Test run {id} not found."),
                    "TestObjectNotFoundException",
                )
            })
    }

    fn create_run(&mut self, req: &RecordedRequest, project: &str) -> Result<Reply, Reply> {
        let body = json_body(req)?;
        let name = body["name"]
            .as_str()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| bad("The test run name cannot be empty."))?;
        let state = body["state"].as_str().unwrap_or("NotStarted");
        if !RUN_STATES.contains(&state) {
            return Err(bad(&format!("Invalid state {state}.")));
        }
        let build_id = match &body["build"]["id"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => return Err(bad("build.id must be a string")),
        };
        let id = self.next_id();
        let run = Run {
            id,
            project: project.to_owned(),
            name: name.to_owned(),
            state: state.to_owned(),
            automated: body["automated"].as_bool().unwrap_or(false),
            build_id,
            ..Run::default()
        };
        let answer = run_json(&run);
        self.state.runs.push(run);
        Ok(Reply::json(200, &answer))
    }

    fn update_run(
        &mut self,
        req: &RecordedRequest,
        project: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let i = self.run(project, id)?;
        let body = json_body(req)?;
        if let Some(state) = body["state"].as_str() {
            if !RUN_STATES.contains(&state) {
                return Err(bad(&format!("Invalid state {state}.")));
            }
            self.state.runs[i].state = state.to_owned();
        }
        if let Some(c) = body["comment"].as_str() {
            self.state.runs[i].comment = Some(c.to_owned());
        }
        if let Some(m) = body["errorMessage"].as_str() {
            self.state.runs[i].error_message = Some(m.to_owned());
        }
        Ok(Reply::json(200, &run_json(&self.state.runs[i])))
    }

    fn add_results(
        &mut self,
        req: &RecordedRequest,
        project: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let i = self.run(project, id)?;
        if self.state.runs[i].state == "Completed" {
            return Err(bad(&format!(
                "Test run {id} is completed: results cannot be added to it."
            )));
        }
        let body = json_body(req)?;
        let results = body
            .as_array()
            .ok_or_else(|| bad("The request body must be an array of results."))?;
        if results.is_empty() || results.len() > MAX_RESULTS_PER_REQUEST {
            return Err(bad(&format!(
                "A request may add 1 to {MAX_RESULTS_PER_REQUEST} results, not {}.",
                results.len()
            )));
        }
        for r in results {
            let outcome = r["outcome"].as_str().unwrap_or("");
            if !OUTCOMES.contains(&outcome) {
                return Err(bad(&format!("Invalid outcome '{outcome}'.")));
            }
            if r["testCaseTitle"].as_str().is_none_or(str::is_empty) {
                return Err(bad("testCaseTitle is required."));
            }
            if !r["durationInMs"].is_null() && !r["durationInMs"].is_number() {
                return Err(bad("durationInMs must be a number."));
            }
        }
        let mut answered = Vec::new();
        for r in results {
            let rid = self.next_id();
            let mut stored = r.clone();
            stored["id"] = json!(rid);
            answered.push(json!({ "id": rid, "testRun": { "id": id } }));
            self.state.runs[i].results.push(stored);
        }
        self.state.runs[i].result_requests += 1;
        Ok(Reply::json(
            200,
            &json!({ "count": answered.len(), "value": answered }),
        ))
    }

    fn list_results(&self, req: &RecordedRequest, project: &str, id: &str) -> Result<Reply, Reply> {
        let i = self.run(project, id)?;
        let num = |k: &str, d: usize| {
            req.query_param(k)
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(d)
        };
        let (skip, top) = (num("$skip", 0), num("$top", 1_000).min(10_000));
        let list: Vec<Value> = self.state.runs[i]
            .results
            .iter()
            .skip(skip)
            .take(top)
            .cloned()
            .collect();
        Ok(Reply::json(
            200,
            &json!({ "count": list.len(), "value": list }),
        ))
    }

    fn add_attachment(
        &mut self,
        req: &RecordedRequest,
        project: &str,
        id: &str,
    ) -> Result<Reply, Reply> {
        let i = self.run(project, id)?;
        let body = json_body(req)?;
        let file_name = body["fileName"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("fileName is required."))?;
        let kind = body["attachmentType"]
            .as_str()
            .unwrap_or("GeneralAttachment");
        if !ATTACHMENT_TYPES.contains(&kind) {
            return Err(bad(&format!("Invalid attachmentType '{kind}'.")));
        }
        let content = body["stream"]
            .as_str()
            .and_then(wire::base64_decode)
            .ok_or_else(|| bad("stream must be base64-encoded content."))?;
        if content.len() as u64 > self.attachment_max_bytes {
            return Err(bad(
                "The attachment is larger than the maximum size allowed.",
            ));
        }
        let aid = self.next_id();
        let attachment = Attachment {
            id: aid,
            file_name: file_name.to_owned(),
            attachment_type: kind.to_owned(),
            size: content.len() as u64,
            content,
        };
        let answer = attachment_json(project, id, &attachment);
        self.state.runs[i].attachments.push(attachment);
        Ok(Reply::json(
            200,
            &json!({ "id": aid, "url": answer["url"] }),
        ))
    }

    fn pull_request(pr: &str) -> Result<u64, Reply> {
        pr.parse()
            .map_err(|_| bad("pullRequestId must be a number"))
    }

    fn list_threads(&self, req: &RecordedRequest, repo: &str, pr: &str) -> Result<Reply, Reply> {
        let pr = Self::pull_request(pr)?;
        let all: Vec<&Thread> = self
            .state
            .threads
            .iter()
            .filter(|t| t.repository == repo && t.pull_request == pr)
            .collect();
        let start = match req.query_param("continuationToken") {
            Some(t) => t
                .parse::<usize>()
                .map_err(|_| bad("invalid continuationToken"))?,
            None => 0,
        };
        let size = self.thread_page_size.max(1);
        let page: Vec<Value> = all
            .iter()
            .skip(start)
            .take(size)
            .map(|t| thread_json(t))
            .collect();
        let mut reply = Reply::json(200, &json!({ "count": page.len(), "value": page }));
        if start + size < all.len() {
            reply.set_header("x-ms-continuationtoken", (start + size).to_string());
        }
        Ok(reply)
    }

    fn create_thread(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        pr: &str,
    ) -> Result<Reply, Reply> {
        let pr = Self::pull_request(pr)?;
        let body = json_body(req)?;
        let comments = body["comments"]
            .as_array()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("A thread needs at least one comment."))?;
        let mut stored = Vec::new();
        for (n, c) in comments.iter().enumerate() {
            let content = c["content"]
                .as_str()
                .ok_or_else(|| bad("comments[].content is required."))?;
            stored.push(ThreadComment {
                id: n as u64 + 1,
                content: content.to_owned(),
                author: "testrelay".into(),
                edits: 0,
            });
        }
        let thread = Thread {
            id: self.next_id(),
            repository: repo.to_owned(),
            pull_request: pr,
            status: body["status"].as_str().map(str::to_owned),
            comments: stored,
        };
        let answer = thread_json(&thread);
        self.state.threads.push(thread);
        Ok(Reply::json(200, &answer))
    }

    fn update_comment(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        pr: &str,
        thread: &str,
        comment: &str,
    ) -> Result<Reply, Reply> {
        let pr = Self::pull_request(pr)?;
        let body = json_body(req)?;
        let content = body["content"]
            .as_str()
            .ok_or_else(|| bad("content is required."))?
            .to_owned();
        let (t, c): (u64, u64) = match (thread.parse(), comment.parse()) {
            (Ok(t), Ok(c)) => (t, c),
            _ => return Err(bad("threadId and commentId must be numbers")),
        };
        let found = self
            .state
            .threads
            .iter_mut()
            .filter(|th| th.repository == repo && th.pull_request == pr && th.id == t)
            .flat_map(|th| th.comments.iter_mut())
            .find(|cm| cm.id == c)
            .ok_or_else(|| {
                error(
                    404,
                    "The comment does not exist.",
                    "CommentNotFoundException",
                )
            })?;
        found.content = content;
        found.edits += 1;
        let answer = json!({ "id": found.id, "content": found.content, "commentType": "text" });
        Ok(Reply::json(200, &answer))
    }

    fn add_status(
        &mut self,
        req: &RecordedRequest,
        repo: &str,
        target: &str,
        on_pr: bool,
    ) -> Result<Reply, Reply> {
        if on_pr {
            Self::pull_request(target)?;
        }
        let body = json_body(req)?;
        let state = body["state"].as_str().unwrap_or("");
        if !STATUS_STATES.contains(&state) {
            return Err(bad(&format!("Invalid status state '{state}'.")));
        }
        let name = body["context"]["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("context.name is required."))?;
        let status = Status {
            id: self.next_id(),
            repository: repo.to_owned(),
            target: target.to_owned(),
            state: state.to_owned(),
            description: body["description"].as_str().map(str::to_owned),
            context_name: name.to_owned(),
            context_genre: body["context"]["genre"].as_str().map(str::to_owned),
            target_url: body["targetUrl"].as_str().map(str::to_owned),
        };
        let answer = json!({
            "id": status.id,
            "state": status.state,
            "description": status.description,
            "context": { "name": status.context_name, "genre": status.context_genre },
        });
        if on_pr {
            self.state.pr_statuses.push(status);
        } else {
            self.state.commit_statuses.push(status);
        }
        Ok(Reply::json(200, &answer))
    }

    fn admin_config(&mut self, body: &[u8]) -> Reply {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return bad_request("the body must be a JSON object");
        };
        match token_setting(&map, "token") {
            Ok(Some(t)) => self.token = t,
            Ok(None) => {}
            Err(r) => return r,
        }
        match bool_setting(&map, "read_only") {
            Ok(Some(b)) => self.read_only = b,
            Ok(None) => {}
            Err(r) => return r,
        }
        if let Some(v) = map.get("thread_page_size") {
            match v.as_u64().filter(|n| *n > 0) {
                Some(n) => self.thread_page_size = n as usize,
                None => return bad_request("\"thread_page_size\" must be a positive number"),
            }
        }
        Reply::json(
            200,
            &json!({
                "token_required": self.token.is_some(),
                "read_only": self.read_only,
                "thread_page_size": self.thread_page_size,
            }),
        )
    }

    fn admin_seed_threads(&mut self, body: &[u8]) -> Reply {
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
            return bad_request("too many threads");
        }
        let ids = self.seed_threads(repo, pr, count, v["with_marker"].as_str());
        Reply::json(201, &json!({ "ids": ids }))
    }
}

fn run_json(run: &Run) -> Value {
    let passed = run
        .results
        .iter()
        .filter(|r| r["outcome"] == "Passed")
        .count();
    let failed = run
        .results
        .iter()
        .filter(|r| {
            matches!(
                r["outcome"].as_str(),
                Some("Failed" | "Error" | "Timeout" | "Aborted")
            )
        })
        .count();
    let mut v = json!({
        "id": run.id,
        "name": run.name,
        "state": run.state,
        "isAutomated": run.automated,
        "totalTests": run.results.len(),
        "passedTests": passed,
        "unanalyzedTests": failed,
        "webAccessUrl": format!("https://dev.azure.com/{}/_TestManagement/Runs?runId={}", run.project, run.id),
    });
    if let Some(b) = &run.build_id {
        v["build"] = json!({ "id": b });
    }
    if let Some(c) = &run.comment {
        v["comment"] = json!(c);
    }
    v
}

fn attachment_json(project: &str, run: &str, a: &Attachment) -> Value {
    json!({
        "id": a.id,
        "fileName": a.file_name,
        "attachmentType": a.attachment_type,
        "size": a.size,
        "url": format!("https://dev.azure.com/{project}/_apis/test/Runs/{run}/attachments/{}", a.id),
    })
}

fn thread_json(t: &Thread) -> Value {
    let comments: Vec<Value> = t
        .comments
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "parentCommentId": 0,
                "content": c.content,
                "commentType": "text",
                "isDeleted": false,
                "author": { "displayName": c.author },
            })
        })
        .collect();
    json!({ "id": t.id, "status": t.status, "comments": comments, "isDeleted": false })
}

fn json_body(req: &RecordedRequest) -> Result<Value, Reply> {
    req.json()
        .map_err(|e| bad(&format!("The request body is not valid JSON: {e}")))
}

/// Azure's error body.
fn error(status: u16, message: &str, type_key: &str) -> Reply {
    Reply::json(
        status,
        &json!({
            "$id": "1",
            "innerException": null,
            "message": message,
            "typeName": format!("Microsoft.TeamFoundation.{type_key}"),
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": 3000,
        }),
    )
}

fn bad(message: &str) -> Reply {
    error(400, message, "InvalidArgumentValueException")
}

impl Vendor for Azure {
    fn name(&self) -> &'static str {
        "azure"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        let segs: Vec<&str> = path.split('/').collect();
        via == Via::Api
            && segs.len() > 5
            && segs[0].is_empty()
            && !segs[1].is_empty()
            && !segs[2].is_empty()
            && segs[3] == "_apis"
    }

    fn handle(&mut self, req: &RecordedRequest, _incoming: &Incoming<'_>) -> Reply {
        self.answer(req)
    }

    fn decorate(&self, reply: &mut Reply, request_number: u64) {
        reply.set_header(
            "activityid",
            format!("00000000-0000-0000-0000-{request_number:012}"),
        );
    }

    fn state_json(&self) -> Value {
        json!(self.state)
    }

    fn admin(&mut self, method: &str, route: &str, body: &[u8]) -> Option<Reply> {
        match (method, route) {
            ("POST", "config") => Some(self.admin_config(body)),
            ("POST", "seed-threads") => Some(self.admin_seed_threads(body)),
            _ => None,
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl crate::Simulator {
    /// A snapshot of the emulated Azure DevOps.
    pub fn azure(&self) -> AzureState {
        self.with_vendor(|az: &mut Azure| az.state.clone())
            .unwrap_or_default()
    }

    /// Accepts only `token` (bearer, or a PAT in Basic) from now on; any
    /// non-empty token when `None`.
    pub fn set_azure_token(&self, token: Option<&str>) {
        self.with_vendor(|az: &mut Azure| az.token = token.map(str::to_owned));
    }

    /// Read-only mode: every write gets 403.
    pub fn set_azure_read_only(&self, read_only: bool) {
        self.with_vendor(|az: &mut Azure| az.read_only = read_only);
    }

    /// Threads a page of `GET …/threads`.
    pub fn set_azure_thread_page_size(&self, size: usize) {
        self.with_vendor(|az: &mut Azure| az.thread_page_size = size.max(1));
    }

    /// Adds `count` threads by a reviewer to pull request `pull_request` of
    /// `repository`; with `marker`, the last one is ours. Returns their ids.
    pub fn seed_azure_threads(
        &self,
        repository: &str,
        pull_request: u64,
        count: u64,
        marker: Option<&str>,
    ) -> Vec<u64> {
        self.with_vendor(|az: &mut Azure| az.seed_threads(repository, pull_request, count, marker))
            .unwrap_or_default()
    }
}
