//! TeamCity's REST API under `/app/rest/builds/`: the build (`GET
//! /app/rest/builds/id:N`), its comment (`PUT .../comment`, text/plain),
//! its tags (`POST .../tags`, JSON `{"tag": [{"name": ..}]}` or a
//! text/plain name), artifact metadata (`GET
//! .../artifacts/metadata/<path>`, 404 when no such artifact) and content
//! (`GET .../artifacts/content/<path>`).
//!
//! Authentication: `Authorization: Bearer <token>` (the only one accepted
//! when a token is set, else any non-empty one); otherwise 401. A build a
//! request names is created, running, on first use.

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::Reply;

/// One TeamCity build as the emulation holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TeamcityBuild {
    /// The build id.
    pub id: u64,
    /// `queued`, `running` or `finished`.
    pub state: String,
    /// `SUCCESS`, `FAILURE` or `ERROR`.
    pub status: String,
    /// The build's comment, once set.
    pub comment: Option<String>,
    /// Its tags, in the order added, without duplicates.
    pub tags: Vec<String>,
    /// Artifact paths it has.
    pub artifacts: Vec<String>,
}

/// A snapshot of the emulated TeamCity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TeamcityState {
    /// Every build, by id.
    pub builds: BTreeMap<u64, TeamcityBuild>,
}

/// The TeamCity emulation.
#[derive(Debug, Default)]
pub struct Teamcity {
    state: TeamcityState,
    /// Artifact contents by (build id, path).
    files: BTreeMap<(u64, String), Vec<u8>>,
    /// The only token accepted; any non-empty one when `None`.
    pub token: Option<String>,
}

const PREFIX: &str = "/app/rest/builds/";

impl Teamcity {
    /// An empty TeamCity.
    pub fn new(_options: &crate::SimOptions) -> Teamcity {
        Teamcity::default()
    }

    /// A copy of its data.
    pub fn snapshot(&self) -> TeamcityState {
        self.state.clone()
    }

    /// Adds artifact `path` to build `id` (as an agent would upload it).
    pub fn seed_artifact(&mut self, id: u64, path: &str) {
        self.build(id).artifacts.push(path.to_owned());
    }

    /// Adds artifact `path` with `content` to build `id`.
    pub fn seed_artifact_content(&mut self, id: u64, path: &str, content: &[u8]) {
        if !self.build(id).artifacts.iter().any(|a| a == path) {
            self.seed_artifact(id, path);
        }
        self.files.insert((id, path.to_owned()), content.to_vec());
    }

    fn build(&mut self, id: u64) -> &mut TeamcityBuild {
        self.state
            .builds
            .entry(id)
            .or_insert_with(|| TeamcityBuild {
                id,
                state: "running".into(),
                status: "SUCCESS".into(),
                ..TeamcityBuild::default()
            })
    }

    fn authorized(&self, req: &RecordedRequest) -> bool {
        match req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
        {
            Some(t) if !t.is_empty() => self.token.as_deref().is_none_or(|want| want == t),
            _ => false,
        }
    }
}

fn error(status: u16, message: &str) -> Reply {
    Reply::bytes(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    )
}

fn build_json(b: &TeamcityBuild) -> Value {
    json!({
        "id": b.id,
        "state": b.state,
        "status": b.status,
        "comment": b.comment.as_ref().map(|c| json!({"text": c})),
        "tags": {"count": b.tags.len(), "tag": b.tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>()},
    })
}

impl Vendor for Teamcity {
    fn name(&self) -> &'static str {
        "teamcity"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        via == Via::Api && path.starts_with(PREFIX)
    }

    fn handle(&mut self, req: &RecordedRequest, _incoming: &Incoming<'_>) -> Reply {
        if !self.authorized(req) {
            return error(401, "Authentication required");
        }
        let rest = &req.path[PREFIX.len()..];
        let (locator, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(id) = locator
            .strip_prefix("id:")
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return error(400, "Unsupported build locator");
        };
        let method = req.method.as_str();
        match (method, tail) {
            ("GET", "") => Reply::json(200, &build_json(self.build(id))),
            ("PUT", "comment") => {
                let Some(text) = req.body_text() else {
                    return error(400, "the comment is not text");
                };
                if !req
                    .header("content-type")
                    .is_some_and(|c| c.starts_with("text/plain"))
                {
                    return error(415, "Unsupported Media Type");
                }
                self.build(id).comment = Some(text.to_owned());
                Reply::bytes(204, "text/plain", Vec::new())
            }
            ("POST", "tags") => {
                let names: Vec<String> = match req.json() {
                    Ok(v) => v["tag"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    Err(_) => req
                        .body_text()
                        .map(|t| vec![t.to_owned()])
                        .unwrap_or_default(),
                };
                if names.is_empty() {
                    return error(400, "no tag");
                }
                let build = self.build(id);
                for name in names {
                    if !build.tags.contains(&name) {
                        build.tags.push(name);
                    }
                }
                let tags = build_json(build)["tags"].clone();
                Reply::json(200, &tags)
            }
            ("GET", t) if t.starts_with("artifacts/metadata/") => {
                let path = crate::wire::percent_decode(&t["artifacts/metadata/".len()..], false);
                match self.build(id).artifacts.iter().find(|a| **a == path) {
                    Some(a) => Reply::json(200, &json!({"name": a, "size": 0})),
                    None => error(404, "No artifact found"),
                }
            }
            ("GET", t) if t.starts_with("artifacts/content/") => {
                let path = crate::wire::percent_decode(&t["artifacts/content/".len()..], false);
                match self.files.get(&(id, path)) {
                    Some(content) => Reply::bytes(200, "application/octet-stream", content.clone()),
                    None => error(404, "No artifact found"),
                }
            }
            _ => error(404, "no such TeamCity route"),
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
