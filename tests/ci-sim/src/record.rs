//! Every request the simulator received, as tests assert on it.

use serde_json::{Value, json};

use crate::wire;

/// One request as received. Admin routes (`/_sim/...`) are not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, uppercase (`"POST"`).
    pub method: String,
    /// Request path without the query, as sent (still percent-encoded).
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Headers in order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body (at most the simulator's body limit).
    pub body: Vec<u8>,
    /// `http://host[:port]` when the request line was in absolute-form
    /// (`PUT http://host/path HTTP/1.1`): a request to the simulator as a
    /// forward proxy. `path` is then the part after the origin.
    pub proxy_target: Option<String>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        wire::query_value(&self.query, name)
    }

    /// The body as UTF-8 text, if it is valid UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    /// When the body is not valid JSON (an empty body is not).
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The JSON form served by `GET /_sim/requests`: the body as UTF-8 text
    /// (`"body_encoding": "utf8"`) or, when it is not text, as base64.
    pub(crate) fn to_json(&self) -> Value {
        let pairs = |list: &[(String, String)]| -> Vec<Value> {
            list.iter().map(|(k, v)| json!([k, v])).collect()
        };
        let (body, encoding) = match self.body_text() {
            Some(text) => (text.to_owned(), "utf8"),
            None => (wire::base64(&self.body), "base64"),
        };
        json!({
            "method": self.method,
            "path": self.path,
            "query": pairs(&self.query),
            "headers": pairs(&self.headers),
            "body": body,
            "body_encoding": encoding,
            "proxy_target": self.proxy_target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(body: &[u8]) -> RecordedRequest {
        RecordedRequest {
            method: "POST".to_owned(),
            path: "/x".to_owned(),
            query: vec![("a".to_owned(), "1".to_owned())],
            headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
            body: body.to_vec(),
            proxy_target: None,
        }
    }

    #[test]
    fn helpers_find_values() {
        let r = sample(br#"{"k":2}"#);
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert_eq!(r.query_param("a"), Some("1"));
        assert_eq!(r.query_param("b"), None);
        assert_eq!(r.json().ok(), Some(json!({"k": 2})));
        assert!(sample(b"").json().is_err());
    }

    #[test]
    fn wire_form_uses_base64_for_binary() {
        assert_eq!(sample(b"hi").to_json()["body"], "hi");
        let bin = sample(&[0xff, 0x00]).to_json();
        assert_eq!(bin["body"], "/wA=");
        assert_eq!(bin["body_encoding"], "base64");
        assert_eq!(bin["query"], json!([["a", "1"]]));
    }
}
