//! Jenkins' remote access API: the crumb issuer (`GET
//! /crumbIssuer/api/json`, with a session cookie, 404 when crumbs are off),
//! builds under `/job/<name>[/job/<name>...]/<number>/` with `api/json`,
//! `testReport/api/json` (404 before a `junit` step ran), archived files
//! (`artifact/<relativePath>`) and
//! `submitDescription` (form field `description`; answers 302 to the build
//! page, as Jenkins does).
//!
//! Authentication: HTTP Basic user + API token (the only pair accepted when
//! set). Anonymous users may not read builds unless `anonymous_read` is
//! set, as on a server with "Overall/Read" for logged-in users only. A
//! POST needs the crumb (header or form field) together with the session
//! cookie it was issued with, when `crumbs` is on (the default).

use std::any::Any;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::record::RecordedRequest;
use crate::vendor::{Incoming, Vendor, Via};
use crate::wire::Reply;

/// One Jenkins build as the emulation holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JenkinsBuild {
    /// Its description, once set.
    pub description: Option<String>,
    /// `SUCCESS`, `UNSTABLE`, `FAILURE`, `ABORTED`, or `None` while building.
    pub result: Option<String>,
    /// Archived artifacts' relative paths.
    pub artifacts: Vec<String>,
    /// `(passCount, failCount, skipCount)` once a `junit` step ran.
    pub test_report: Option<(u64, u64, u64)>,
}

/// A snapshot of the emulated Jenkins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JenkinsState {
    /// Builds by path (`/job/app/17/`).
    pub builds: BTreeMap<String, JenkinsBuild>,
    /// Crumbs issued so far.
    pub crumbs_issued: u64,
}

/// The Jenkins emulation.
#[derive(Debug)]
pub struct Jenkins {
    state: JenkinsState,
    /// Archived files' contents by (build path, relative path).
    files: BTreeMap<(String, String), Vec<u8>>,
    /// The only `(user, token)` accepted; any non-empty pair when `None`.
    pub credentials: Option<(String, String)>,
    /// Whether POSTs need a crumb (the default).
    pub crumbs: bool,
    /// Whether anonymous users may read builds (default: no).
    pub anonymous_read: bool,
}

const CRUMB_FIELD: &str = "Jenkins-Crumb";

impl Jenkins {
    /// A Jenkins with crumbs on and no anonymous read.
    pub fn new(_options: &crate::SimOptions) -> Jenkins {
        Jenkins {
            state: JenkinsState::default(),
            files: BTreeMap::new(),
            credentials: None,
            crumbs: true,
            anonymous_read: false,
        }
    }

    /// A copy of its data.
    pub fn snapshot(&self) -> JenkinsState {
        self.state.clone()
    }

    /// Adds build `path` (`/job/app/17/`) with `build`.
    pub fn seed_build(&mut self, path: &str, build: JenkinsBuild) {
        self.state.builds.insert(path.to_owned(), build);
    }

    /// Archives `content` as `relative_path` of build `path` (created
    /// when missing).
    pub fn seed_artifact(&mut self, path: &str, relative_path: &str, content: &[u8]) {
        let build = self.state.builds.entry(path.to_owned()).or_default();
        if !build.artifacts.iter().any(|a| a == relative_path) {
            build.artifacts.push(relative_path.to_owned());
        }
        self.files.insert(
            (path.to_owned(), relative_path.to_owned()),
            content.to_vec(),
        );
    }

    fn user(&self, req: &RecordedRequest) -> Option<String> {
        let encoded = req.header("authorization")?.strip_prefix("Basic ")?;
        let decoded = crate::wire::base64_decode(encoded.trim())?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, token) = text.split_once(':')?;
        let ok = match &self.credentials {
            Some((u, t)) => u == user && t == token,
            None => !user.is_empty() && !token.is_empty(),
        };
        ok.then(|| user.to_owned())
    }

    fn crumb_for(&self, session: &str) -> String {
        format!("crumb-{session}")
    }
}

fn error(status: u16, message: &str) -> Reply {
    Reply::bytes(
        status,
        "text/html;charset=utf-8",
        format!("<html><body><h2>HTTP ERROR {status}</h2><p>{message}</p></body></html>")
            .into_bytes(),
    )
}

/// `/job/a/job/b/17/rest` → (`/job/a/job/b/17/`, `rest`).
fn split_build(path: &str) -> Option<(String, &str)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let mut build = String::new();
    loop {
        match parts.next()? {
            "job" => {
                let name = parts.next().filter(|n| !n.is_empty())?;
                build.push_str(&format!("/job/{name}"));
            }
            number if !build.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                build.push_str(&format!("/{number}/"));
                let consumed = build.len();
                let rest = path.get(consumed..).unwrap_or("");
                return Some((build, rest));
            }
            _ => return None,
        }
    }
}

fn session_cookie(req: &RecordedRequest) -> Option<&str> {
    req.header("cookie")?
        .split(';')
        .map(str::trim)
        .find_map(|c| c.strip_prefix("JSESSIONID.sim="))
}

impl Vendor for Jenkins {
    fn name(&self) -> &'static str {
        "jenkins"
    }

    fn owns(&self, path: &str, via: Via) -> bool {
        via == Via::Api && (path.starts_with("/job/") || path == "/crumbIssuer/api/json")
    }

    fn handle(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply {
        let user = self.user(req);
        if req.header("authorization").is_some() && user.is_none() {
            return error(401, "Invalid password/token for user");
        }
        if req.path == "/crumbIssuer/api/json" {
            if !self.crumbs {
                return error(404, "Not Found");
            }
            self.state.crumbs_issued += 1;
            let session = format!("s{}", self.state.crumbs_issued);
            let mut reply = Reply::json(
                200,
                &json!({
                    "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                    "crumb": self.crumb_for(&session),
                    "crumbRequestField": CRUMB_FIELD,
                }),
            );
            reply.set_header(
                "set-cookie",
                format!("JSESSIONID.sim={session}; Path=/; HttpOnly"),
            );
            return reply;
        }
        let Some((build_path, rest)) = split_build(&req.path) else {
            return error(404, "Not Found");
        };
        if user.is_none() && !self.anonymous_read {
            return error(403, "anonymous is missing the Overall/Read permission");
        }
        let crumb_ok = |form: &[(String, String)]| {
            let sent = req
                .header(CRUMB_FIELD)
                .map(str::to_owned)
                .or_else(|| crate::wire::query_value(form, CRUMB_FIELD).map(str::to_owned));
            match (session_cookie(req), sent) {
                (Some(session), Some(crumb)) => crumb == self.crumb_for(session),
                _ => false,
            }
        };
        let Some(build) = self.state.builds.get(&build_path).cloned() else {
            return error(404, "Not Found");
        };
        match (req.method.as_str(), rest) {
            ("GET", "") => Reply::bytes(
                200,
                "text/html;charset=utf-8",
                b"<html><body>build</body></html>".to_vec(),
            ),
            ("GET", "api/json") => Reply::json(
                200,
                &json!({
                    "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
                    "building": build.result.is_none(),
                    "result": build.result,
                    "description": build.description,
                    "url": build_path,
                    "artifacts": build.artifacts.iter().map(|p| json!({
                        "fileName": p.rsplit('/').next().unwrap_or(p),
                        "relativePath": p,
                    })).collect::<Vec<_>>(),
                }),
            ),
            ("GET", t) if t.starts_with("artifact/") => {
                let relative = crate::wire::percent_decode(&t["artifact/".len()..], false);
                match self.files.get(&(build_path.clone(), relative)) {
                    Some(content) => Reply::bytes(200, "application/octet-stream", content.clone()),
                    None => error(404, "Not Found"),
                }
            }
            ("GET", "testReport/api/json") => match build.test_report {
                Some((pass, fail, skip)) => Reply::json(
                    200,
                    &json!({"_class": "hudson.tasks.junit.TestResult",
                            "passCount": pass, "failCount": fail, "skipCount": skip}),
                ),
                None => error(404, "Not Found"),
            },
            ("POST", "submitDescription") => {
                if user.is_none() {
                    return error(403, "anonymous is missing the Run/Update permission");
                }
                let form = req
                    .body_text()
                    .map(crate::wire::parse_query)
                    .unwrap_or_default();
                if self.crumbs && !crumb_ok(&form) {
                    return error(403, "No valid crumb was included in the request");
                }
                let Some(description) = crate::wire::query_value(&form, "description") else {
                    return error(400, "description is missing");
                };
                let description = description.to_owned();
                if let Some(b) = self.state.builds.get_mut(&build_path) {
                    b.description = Some(description);
                }
                let mut reply = Reply::bytes(302, "text/html;charset=utf-8", Vec::new());
                // Jenkins redirects to "."; its servlet container sends it
                // as an absolute URL.
                reply.set_header("location", format!("{}{build_path}", incoming.api_url));
                reply
            }
            _ => error(404, "Not Found"),
        }
    }

    fn decorate(&self, reply: &mut Reply, _request_number: u64) {
        reply.set_header("x-jenkins", "2.479.3");
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_paths_with_folders() {
        assert_eq!(
            split_build("/job/a/job/b/17/api/json"),
            Some(("/job/a/job/b/17/".to_owned(), "api/json"))
        );
        assert_eq!(
            split_build("/job/app/3/"),
            Some(("/job/app/3/".to_owned(), ""))
        );
        assert_eq!(split_build("/job/app/api/json"), None);
    }
}
