//! A minimal HTTP client for the simulator's integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::Duration;

use serde_json::Value;

/// The token the tests send.
pub const TOKEN: &str = "sim-test-token";

/// One response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An agent that returns every status as a response, uses no proxy and
/// gives up after `timeout`.
pub fn agent_with_timeout(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// [`agent_with_timeout`] with 5 seconds.
pub fn agent() -> ureq::Agent {
    agent_with_timeout(Duration::from_secs(5))
}

/// Sends one request; `body` is sent (as JSON unless a content-type header
/// is given) when present.
pub fn try_send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Resp, ureq::Error> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let has_type = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    let response = match body {
        Some(body) => {
            if !has_type {
                builder = builder.header("content-type", "application/json");
            }
            let request = builder.body(body.to_vec()).map_err(ureq::Error::from)?;
            agent.run(request)?
        }
        None => {
            let request = builder.body(()).map_err(ureq::Error::from)?;
            agent.run(request)?
        }
    };
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// [`try_send`] that fails the test on a transport error.
pub fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    match try_send(agent, method, url, headers, body) {
        Ok(resp) => resp,
        Err(e) => panic!("{method} {url} failed: {e}"),
    }
}

/// Sends an authenticated GitHub API request with a JSON body.
pub fn gh(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Resp {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("authorization", auth.as_str()),
        ("accept", "application/vnd.github+json"),
        ("x-github-api-version", "2022-11-28"),
    ];
    let bytes = body.map(|b| b.to_string().into_bytes());
    send(agent, method, url, &headers, bytes.as_deref())
}
