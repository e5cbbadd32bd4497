//! Admin routes under `/_sim/`, for tests written in C or JavaScript that
//! drive the binary over HTTP. They need no token and are neither recorded
//! nor subject to faults.
//!
//! Shared routes (this module):
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `POST /_sim/faults` | a fault (see [`crate::faults::FaultSpec`]) | 201 `{"armed": n}` |
//! | `DELETE /_sim/faults` | | 200 `{"cleared": n}` |
//! | `GET /_sim/requests` | | 200, the recorded requests |
//! | `DELETE /_sim/requests` | | 200 `{"cleared": n}` |
//! | `GET /_sim/<vendor>/state` | | 200, that vendor's snapshot (`github`, `gitlab`) |
//! | `POST /_sim/shutdown` | | 200, then the simulator stops |
//!
//! GitHub (`crate::github`):
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_sim/github/state` | | 200, the [`crate::GithubState`] snapshot |
//! | `POST /_sim/github/seed-comments` | `{owner, repo, issue, count, with_marker?}` | 201 `{"ids": [..]}` |
//! | `POST /_sim/github/config` | `{token?: string or null, read_only?: bool, rate_limit?: {remaining, reset}}` | 200, the settings |
//!
//! GitLab (`crate::gitlab`). A project is named by its id (a number, or a
//! string of digits) or its full path (`"group/sub/project"`); an admin route
//! creates a project it names that does not exist yet (a path gets the next
//! free id; an id without a path gets the path `sim/project-<id>`).
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /_sim/gitlab/state` | | 200, the [`crate::GitlabState`] snapshot |
//! | `POST /_sim/gitlab/config` | `{token?: string or null, job_token?: string or null, read_only?: bool, allow_duplicates?: bool, auto_create?: bool, rate_limit?: {remaining, reset}}` | 200 `{token_required, job_token_required, read_only, allow_duplicates, auto_create}` |
//! | `POST /_sim/gitlab/seed-project` | `{path, id?, default_branch?}` | 201 `{id, path_with_namespace, default_branch}`; 409 when the id or path belongs to another project |
//! | `POST /_sim/gitlab/seed-merge-request` | `{project, iid, source_project?, source_branch?, target_branch?, sha?, title?}` | 201 `{id, iid, project_id, source_project_id, target_project_id}`; 409 when the iid is taken |
//! | `POST /_sim/gitlab/seed-notes` | `{project, merge_request_iid, count, with_marker?}` | 201 `{"ids": [..]}` (creates the merge request if missing) |
//! | `POST /_sim/gitlab/seed-pipeline` | `{project, sha, ref, id?}` | 201 `{id, project_id, sha, ref}`; 409 when the id is taken |
//!
//! Bad bodies get 400 `{"message": ".."}`; unknown routes 404.

use serde_json::{Map, Value, json};

use crate::Shared;
use crate::faults::FaultSpec;
use crate::record::RecordedRequest;
use crate::wire::Reply;

/// Most comments or notes one seed request may add.
pub(crate) const MAX_SEEDED: u64 = 10_000;

/// 400 with `{"message": message}`.
pub(crate) fn bad_request(message: &str) -> Reply {
    Reply::json(400, &json!({ "message": message }))
}

/// A token setting of a config body: absent (`None`), `null` (any token,
/// `Some(None)`) or a non-empty string.
pub(crate) fn token_setting(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<Option<String>>, Reply> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(t)) if !t.is_empty() => Ok(Some(Some(t.clone()))),
        Some(_) => Err(bad_request(&format!(
            "\"{key}\" must be a non-empty string or null"
        ))),
    }
}

/// A boolean setting of a config body, if present.
pub(crate) fn bool_setting(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, Reply> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad_request(&format!("\"{key}\" must be a boolean"))),
    }
}

/// The `rate_limit` setting of a config body, `(remaining, reset)`, if
/// present.
pub(crate) fn rate_limit_setting(body: &Map<String, Value>) -> Result<Option<(u64, u64)>, Reply> {
    match body.get("rate_limit") {
        None => Ok(None),
        Some(v) => match (v["remaining"].as_u64(), v["reset"].as_u64()) {
            (Some(remaining), Some(reset)) => Ok(Some((remaining, reset))),
            _ => Err(bad_request(
                "\"rate_limit\" must be {\"remaining\": n, \"reset\": unix_seconds}",
            )),
        },
    }
}

/// Answers an admin request; the flag says whether to stop the simulator
/// once the answer is sent.
pub(crate) fn handle(shared: &Shared, req: &RecordedRequest) -> (Reply, bool) {
    let reply = match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/_sim/faults") => arm_fault(shared, req),
        ("DELETE", "/_sim/faults") => {
            let n = shared.state().faults.clear();
            Reply::json(200, &json!({ "cleared": n }))
        }
        ("GET", "/_sim/requests") => {
            let list: Vec<Value> = shared
                .state()
                .requests
                .iter()
                .map(RecordedRequest::to_json)
                .collect();
            Reply::json(200, &Value::Array(list))
        }
        ("DELETE", "/_sim/requests") => {
            let n = std::mem::take(&mut shared.state().requests).len();
            Reply::json(200, &json!({ "cleared": n }))
        }
        ("POST", "/_sim/shutdown") => {
            return (Reply::json(200, &json!({ "stopping": true })), true);
        }
        (method, path) => vendor_route(shared, req, method, path).unwrap_or_else(|| {
            Reply::json(
                404,
                &json!({ "message": format!("no admin route {method} {path}") }),
            )
        }),
    };
    (reply, false)
}

/// `/_sim/<vendor>/<route>`: the vendor's state, or one of its own routes.
fn vendor_route(shared: &Shared, req: &RecordedRequest, method: &str, path: &str) -> Option<Reply> {
    let (name, route) = path.strip_prefix("/_sim/")?.split_once('/')?;
    let mut state = shared.state();
    let vendor = state.vendors.iter_mut().find(|v| v.name() == name)?;
    match (method, route) {
        ("GET", "state") => Some(Reply::json(200, &vendor.state_json())),
        _ => vendor.admin(method, route, &req.body),
    }
}

fn arm_fault(shared: &Shared, req: &RecordedRequest) -> Reply {
    let fault = serde_json::from_slice::<FaultSpec>(&req.body)
        .map_err(|e| format!("invalid fault JSON: {e}"))
        .and_then(FaultSpec::into_fault);
    match fault {
        Ok(fault) => {
            let armed = shared.state().faults.arm(fault);
            Reply::json(201, &json!({ "armed": armed }))
        }
        Err(message) => bad_request(&message),
    }
}
