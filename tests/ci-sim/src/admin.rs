//! Admin routes under `/_sim/`, for tests written in C or JavaScript that
//! drive the binary over HTTP. They need no token and are neither recorded
//! nor subject to faults.
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `POST /_sim/faults` | a fault (see [`crate::faults::FaultSpec`]) | 201 `{"armed": n}` |
//! | `DELETE /_sim/faults` | | 200 `{"cleared": n}` |
//! | `GET /_sim/requests` | | 200, the recorded requests |
//! | `DELETE /_sim/requests` | | 200 `{"cleared": n}` |
//! | `GET /_sim/github/state` | | 200, the GitHub snapshot |
//! | `POST /_sim/github/seed-comments` | `{owner, repo, issue, count, with_marker?}` | 201 `{"ids": [..]}` |
//! | `POST /_sim/github/config` | `{token?: string or null, read_only?: bool, rate_limit?: {remaining, reset}}` | 200, the settings |
//! | `POST /_sim/shutdown` | | 200, then the simulator stops |

use serde::Deserialize;
use serde_json::{Value, json};

use crate::Shared;
use crate::faults::FaultSpec;
use crate::record::RecordedRequest;
use crate::wire::Reply;

/// The body of `POST /_sim/github/seed-comments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedComments {
    owner: String,
    repo: String,
    issue: u64,
    count: u64,
    with_marker: Option<String>,
}

/// Most comments one seed request may add.
const MAX_SEEDED: u64 = 10_000;

fn bad_request(message: &str) -> Reply {
    Reply::json(400, &json!({ "message": message }))
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
        ("GET", "/_sim/github/state") => Reply::json(200, &json!(shared.state().github.snapshot())),
        ("POST", "/_sim/github/seed-comments") => seed_comments(shared, req),
        ("POST", "/_sim/github/config") => configure_github(shared, req),
        ("POST", "/_sim/shutdown") => {
            return (Reply::json(200, &json!({ "stopping": true })), true);
        }
        (method, path) => Reply::json(
            404,
            &json!({ "message": format!("no admin route {method} {path}") }),
        ),
    };
    (reply, false)
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

fn seed_comments(shared: &Shared, req: &RecordedRequest) -> Reply {
    let seed = match serde_json::from_slice::<SeedComments>(&req.body) {
        Ok(seed) => seed,
        Err(e) => return bad_request(&format!("invalid seed-comments JSON: {e}")),
    };
    if seed.count > MAX_SEEDED {
        return bad_request(&format!("\"count\" is at most {MAX_SEEDED}"));
    }
    let ids = shared.state().github.seed_comments(
        &seed.owner,
        &seed.repo,
        seed.issue,
        seed.count,
        seed.with_marker.as_deref(),
    );
    Reply::json(201, &json!({ "ids": ids }))
}

fn configure_github(shared: &Shared, req: &RecordedRequest) -> Reply {
    let body = match serde_json::from_slice::<Value>(&req.body) {
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
    let token = match body.get("token") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(t)) if !t.is_empty() => Some(Some(t.clone())),
        Some(_) => return bad_request("\"token\" must be a non-empty string or null"),
    };
    let read_only = match body.get("read_only") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return bad_request("\"read_only\" must be a boolean"),
    };
    let rate = match body.get("rate_limit") {
        None => None,
        Some(v) => match (v["remaining"].as_u64(), v["reset"].as_u64()) {
            (Some(remaining), Some(reset)) => Some((remaining, reset)),
            _ => {
                return bad_request(
                    "\"rate_limit\" must be {\"remaining\": n, \"reset\": unix_seconds}",
                );
            }
        },
    };
    let mut state = shared.state();
    let github = &mut state.github;
    if let Some(token) = token {
        github.token = token;
    }
    if let Some(read_only) = read_only {
        github.read_only = read_only;
    }
    if let Some((remaining, reset)) = rate {
        github.set_rate_limit(remaining, reset);
    }
    Reply::json(
        200,
        &json!({ "token_required": github.token.is_some(), "read_only": github.read_only }),
    )
}
