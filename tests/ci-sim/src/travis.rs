//! Travis CI's API v3 read routes: `GET /build/{id}` and `GET /job/{id}`.
//! Jenkins' builds also live under `/job/`, so the simulator serves Travis
//! under the prefix `/travis` (point the travis provider's `api_url` at
//! `<simulator>/travis`).
//!
//! Requests need `Travis-API-Version: 3` (else 400) and `Authorization:
//! token <token>` (the only token accepted when one is set, else any
//! non-empty one; otherwise 403 `login_required`).

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::Reply;

/// A Travis build or job: its state and number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TravisItem {
    /// `created`, `started`, `passed`, `failed`, `errored`, `canceled`.
    pub state: String,
    /// The build or job number (`"12"`, `"12.1"`).
    pub number: String,
    /// For a job, its build's id.
    pub build_id: Option<u64>,
}

/// A snapshot of the emulated Travis CI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TravisState {
    /// Builds by id.
    pub builds: BTreeMap<u64, TravisItem>,
    /// Jobs by id.
    pub jobs: BTreeMap<u64, TravisItem>,
}

/// The Travis CI emulation.
#[derive(Debug, Default)]
pub struct Travis {
    state: TravisState,
    /// The only token accepted; any non-empty one when `None`.
    pub token: Option<String>,
}

const PREFIX: &str = "/travis/";

impl Travis {
    /// An empty Travis CI.
    pub fn new(_options: &crate::SimOptions) -> Travis {
        Travis::default()
    }

    /// A copy of its data.
    pub fn snapshot(&self) -> TravisState {
        self.state.clone()
    }

    /// Adds build `id` and its jobs.
    pub fn seed_build(&mut self, id: u64, build: TravisItem, jobs: Vec<(u64, TravisItem)>) {
        self.state.builds.insert(id, build);
        for (job_id, mut job) in jobs {
            job.build_id = Some(id);
            self.state.jobs.insert(job_id, job);
        }
    }
}

fn error(status: u16, error_type: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"@type": "error", "error_type": error_type, "error_message": message}),
    )
}

impl Vendor for Travis {
    fn name(&self) -> &'static str {
        "travis"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        via == Via::Api && path.starts_with(PREFIX)
    }

    fn handle(&mut self, req: &RecordedRequest, _incoming: &Incoming<'_>) -> Reply {
        if req.header("travis-api-version") != Some("3") {
            return error(400, "wrong_params", "Travis-API-Version: 3 is required");
        }
        let authorized = match req
            .header("authorization")
            .and_then(|h| h.strip_prefix("token "))
        {
            Some(t) if !t.is_empty() => self.token.as_deref().is_none_or(|want| want == t),
            _ => false,
        };
        if !authorized {
            return error(403, "login_required", "login required");
        }
        if req.method != "GET" {
            return error(405, "method_not_allowed", "method not allowed");
        }
        let rest = &req.path[PREFIX.len()..];
        let (kind, id) = match rest.split_once('/') {
            Some((kind, id)) => (kind, id.parse::<u64>().ok()),
            None => return error(404, "not_found", "resource not found"),
        };
        match (kind, id) {
            ("build", Some(id)) => match self.state.builds.get(&id) {
                Some(b) => Reply::json(
                    200,
                    &json!({"@type": "build", "id": id, "number": b.number, "state": b.state,
                            "duration": 61,
                            "jobs": self.state.jobs.iter().filter(|(_, j)| j.build_id == Some(id))
                                .map(|(jid, _)| json!({"@type": "job", "id": jid})).collect::<Vec<_>>()}),
                ),
                None => error(404, "not_found", "build not found (or insufficient access)"),
            },
            ("job", Some(id)) => match self.state.jobs.get(&id) {
                Some(j) => Reply::json(
                    200,
                    &json!({"@type": "job", "id": id, "number": j.number, "state": j.state,
                            "build": {"@type": "build", "id": j.build_id}}),
                ),
                None => error(404, "not_found", "job not found (or insufficient access)"),
            },
            _ => error(404, "not_found", "resource not found"),
        }
    }

    fn decorate(&self, _reply: &mut Reply, _request_number: u64) {}

    fn state_json(&self) -> Value {
        serde_json::to_value(&self.state).unwrap_or(Value::Null)
    }

    fn admin(&mut self, _method: &str, _route: &str, _body: &[u8]) -> Option<Reply> {
        None
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
