//! CircleCI's API v2 read routes under `/api/v2/project/`: a job (`GET
//! /api/v2/project/{slug}/job/{number}`), its stored test results (`GET
//! /api/v2/project/{slug}/{number}/tests`) and artifacts (`GET
//! /api/v2/project/{slug}/{number}/artifacts`), lists paginated with
//! `next_page_token` / `page-token`. The slug is `gh/<org>/<repo>` or
//! `bb/<workspace>/<repo>`. Stored artifacts' content is served at their
//! `url`, `/circle-artifacts/{slug}/{number}/0/{path}` (CircleCI's artifact
//! storage, which wants the token for a private project).
//!
//! Authentication: the `Circle-Token` header (the only token accepted when
//! one is set, else any non-empty one); otherwise 401. An unknown job is
//! 404 `{"message": "Job not found"}`.

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::Reply;

/// One CircleCI job as the emulation holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CircleciJob {
    /// `success`, `failed`, `running`, ...
    pub status: String,
    /// Stored test results, as `store_test_results` would keep them
    /// (`name`, `classname`, `file`, `result`, `message`, `run_time`, `source`).
    pub tests: Vec<Value>,
    /// Stored artifacts: `(path, url)`.
    pub artifacts: Vec<(String, String)>,
}

/// A snapshot of the emulated CircleCI.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CircleciState {
    /// Jobs by `(slug, number)`.
    pub jobs: BTreeMap<(String, u64), CircleciJob>,
}

/// The CircleCI emulation.
#[derive(Debug)]
pub struct Circleci {
    state: CircleciState,
    /// Stored artifacts' contents by the path of their URL.
    files: BTreeMap<String, Vec<u8>>,
    /// The only token accepted; any non-empty one when `None`.
    pub token: Option<String>,
    /// Items per page of a list (default 2, so lists paginate).
    pub page_size: usize,
}

const PREFIX: &str = "/api/v2/project/";
/// Where stored artifacts are served (CircleCI's artifact storage).
const FILES: &str = "/circle-artifacts/";

impl Circleci {
    /// An empty CircleCI.
    pub fn new(_options: &crate::SimOptions) -> Circleci {
        Circleci {
            state: CircleciState::default(),
            files: BTreeMap::new(),
            token: None,
            page_size: 2,
        }
    }

    /// A copy of its data.
    pub fn snapshot(&self) -> CircleciState {
        self.state.clone()
    }

    /// Adds job `number` of project `slug`.
    pub fn seed_job(&mut self, slug: &str, number: u64, job: CircleciJob) {
        self.state.jobs.insert((slug.to_owned(), number), job);
    }

    /// Stores `content` as artifact `path` of job `number` of `slug` (which
    /// must exist) and returns its URL below `base`; `None` for an unknown
    /// job.
    pub fn seed_artifact(
        &mut self,
        base: &str,
        slug: &str,
        number: u64,
        path: &str,
        content: &[u8],
    ) -> Option<String> {
        let job = self.state.jobs.get_mut(&(slug.to_owned(), number))?;
        let url_path = format!("{FILES}{slug}/{number}/0/{path}");
        let url = format!("{base}{url_path}");
        job.artifacts.push((path.to_owned(), url.clone()));
        self.files.insert(url_path, content.to_vec());
        Some(url)
    }

    fn page(&self, req: &RecordedRequest, items: Vec<Value>) -> Reply {
        let start: usize = req
            .query_param("page-token")
            .and_then(|t| t.strip_prefix("p"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let end = (start + self.page_size.max(1)).min(items.len());
        let next = (end < items.len()).then(|| format!("p{end}"));
        Reply::json(
            200,
            &json!({"items": items.get(start..end).unwrap_or(&[]), "next_page_token": next}),
        )
    }
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, &json!({ "message": text }))
}

impl Vendor for Circleci {
    fn name(&self) -> &'static str {
        "circleci"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        via == Via::Api && (path.starts_with(PREFIX) || path.starts_with(FILES))
    }

    fn handle(&mut self, req: &RecordedRequest, _incoming: &Incoming<'_>) -> Reply {
        let authorized = match req.header("circle-token") {
            Some(t) if !t.is_empty() => self.token.as_deref().is_none_or(|want| want == t),
            _ => false,
        };
        if !authorized {
            return message(401, "You must log in first.");
        }
        if req.method != "GET" {
            return message(405, "Method not allowed");
        }
        if req.path.starts_with(FILES) {
            return match self.files.get(&req.path) {
                Some(content) => Reply::bytes(200, "application/octet-stream", content.clone()),
                None => message(404, "Not found"),
            };
        }
        let parts: Vec<&str> = req.path[PREFIX.len()..].split('/').collect();
        let (slug, rest) = match parts.as_slice() {
            [vcs, org, repo, rest @ ..] => (format!("{vcs}/{org}/{repo}"), rest),
            _ => return message(404, "Project not found"),
        };
        let (number, what) = match rest {
            ["job", n] => (n.parse::<u64>().ok(), "job"),
            [n, "tests"] => (n.parse::<u64>().ok(), "tests"),
            [n, "artifacts"] => (n.parse::<u64>().ok(), "artifacts"),
            _ => return message(404, "Not found"),
        };
        let Some(job) = number
            .and_then(|n| self.state.jobs.get(&(slug.clone(), n)))
            .cloned()
        else {
            return message(404, "Job not found");
        };
        match what {
            "job" => Reply::json(
                200,
                &json!({
                    "number": number,
                    "status": job.status,
                    "web_url": format!("https://app.circleci.com/pipelines/{slug}/jobs/{}", number.unwrap_or(0)),
                }),
            ),
            "tests" => self.page(req, job.tests),
            _ => {
                let items = job
                    .artifacts
                    .iter()
                    .map(|(path, url)| json!({"path": path, "url": url, "node_index": 0}))
                    .collect();
                self.page(req, items)
            }
        }
    }

    fn decorate(&self, _reply: &mut Reply, _request_number: u64) {}

    fn state_json(&self) -> Value {
        let jobs: Vec<Value> = self
            .state
            .jobs
            .iter()
            .map(|((slug, n), j)| json!({"slug": slug, "number": n, "job": j}))
            .collect();
        json!({ "jobs": jobs })
    }

    fn admin(&mut self, _method: &str, _route: &str, _body: &[u8]) -> Option<Reply> {
        None
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
