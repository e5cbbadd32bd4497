//! Replaying recorded requests to Prism, which serves a vendor's published
//! API description and answers a request it finds invalid with a 4xx and
//! the violations: shared by the contract tests of every provider.

use testrelay_ci_sim::RecordedRequest;

/// Headers that belong to one connection, not to the request.
const HOP_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
];

/// Prism's base URL from the variable `env` (set by the contract script
/// `script`, which starts Prism serving `what`); panics with how to run the
/// test when it is not set.
pub fn url(env: &str, what: &str, script: &str) -> String {
    match std::env::var(env) {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_string(),
        _ => panic!(
            "{env} is not set: this test needs Prism serving {what}; run {script}, which \
             starts it and runs this test"
        ),
    }
}

/// `name=value&...`, percent-encoded.
fn encode_query(query: &[(String, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Prism's verdict on one recorded request, replayed byte for byte with
/// `base_path` (the description's server path, e.g. Bitbucket's `/2.0`)
/// taken off its path: `None` when accepted, else the violations reported.
pub fn verdict(
    agent: &ureq::Agent,
    prism: &str,
    req: &RecordedRequest,
    base_path: &str,
) -> Option<String> {
    let path = req.path.strip_prefix(base_path).unwrap_or(&req.path);
    let mut url = format!("{prism}{path}");
    if !req.query.is_empty() {
        url.push('?');
        url.push_str(&encode_query(&req.query));
    }
    let mut builder = ureq::http::Request::builder()
        .method(req.method.as_str())
        .uri(&url);
    for (name, value) in &req.headers {
        if !HOP_HEADERS.contains(&name.as_str()) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let request = builder.body(req.body.clone()).expect("request");
    let mut response = agent
        .run(request)
        .unwrap_or_else(|e| panic!("Prism at {prism} did not answer {url}: {e}"));
    let status = response.status().as_u16();
    let violations = response
        .headers()
        .get("sl-violations")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let problem = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("problem+json"));
    let body = response.body_mut().read_to_string().unwrap_or_default();
    if status < 400 {
        return None;
    }
    Some(match (violations, problem) {
        (Some(v), _) => format!("HTTP {status}, sl-violations: {v}"),
        (None, true) => format!("HTTP {status}, {body}"),
        (None, false) => format!("HTTP {status} without violations: {body}"),
    })
}
