//! Fault injection: what to do instead of (or before) the normal answer, to
//! which requests, and how often.
//!
//! A [`Fault`] is armed with [`crate::Simulator::inject`] or
//! `POST /_sim/faults`. For every request (admin routes excepted) the armed
//! faults are tried in the order they were armed; the first whose matcher
//! matches and whose trigger fires is applied. A `Times` fault is spent after
//! N applications; a `Share` fault draws from its own seeded generator for
//! each matching request, so the same traffic always meets the same faults.

use std::time::Duration;

use serde::Deserialize;

/// Which requests a fault applies to. `None` matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matcher {
    /// HTTP method, compared case-insensitively (`"POST"`).
    pub method: Option<String>,
    /// Prefix of the request path, without the query (`"/repos/o/r/check-runs"`).
    pub path_prefix: Option<String>,
}

impl Matcher {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// What a fault does to a request it applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status, body and headers instead of the normal
    /// answer (the vendor's usual headers, like rate limits, are added first
    /// and these headers override them: `retry-after`, `x-ratelimit-remaining`).
    Status {
        /// HTTP status code, 100..=599.
        code: u16,
        /// Response body; sent as JSON when it parses as JSON, else as text.
        body: String,
        /// Extra response headers (name, value).
        headers: Vec<(String, String)>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Close the client's connection without sending any response.
    DropConnection,
    /// Handle the request normally (its effects happen), then close the
    /// connection without sending the response: an answer lost on the way.
    LoseResponse,
    /// Handle the request normally, send the response's head (with the full
    /// `content-length`) and only the first this many bytes of its body,
    /// then close the connection: a download that breaks off.
    Truncate(usize),
}

/// How often a fault applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// To the next N matching requests, then the fault is spent.
    Times(u32),
    /// To each matching request with this probability (clamped to 0..=1),
    /// drawn from a generator seeded with `seed`: deterministic for the
    /// same sequence of requests.
    Share {
        /// Probability in 0..=1.
        share: f64,
        /// Seed of this fault's own generator.
        seed: u64,
    },
}

/// One fault to inject. Build with [`Fault::status`], [`Fault::delay`] or
/// [`Fault::drop_connection`], then narrow with [`Fault::method`],
/// [`Fault::path_prefix`] and set the trigger with [`Fault::times`] or
/// [`Fault::share`]. By default a fault matches every request, once.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Requests the fault applies to.
    pub matcher: Matcher,
    /// What it does.
    pub kind: FaultKind,
    /// How often.
    pub trigger: Trigger,
}

impl Fault {
    fn new(kind: FaultKind) -> Fault {
        Fault {
            matcher: Matcher::default(),
            kind,
            trigger: Trigger::Times(1),
        }
    }

    /// Answer `code` with `body` and extra `headers` (e.g. `("retry-after", "1")`).
    pub fn status(code: u16, body: &str, headers: &[(&str, &str)]) -> Fault {
        Fault::new(FaultKind::Status {
            code,
            body: body.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
        })
    }

    /// Wait `delay`, then answer normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault::new(FaultKind::Delay(delay))
    }

    /// Close the connection without a response.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultKind::DropConnection)
    }

    /// Handle the request, then close the connection without the response.
    pub fn lose_response() -> Fault {
        Fault::new(FaultKind::LoseResponse)
    }

    /// Handle the request, then send only the first `keep` bytes of the
    /// body and close the connection.
    pub fn truncate(keep: usize) -> Fault {
        Fault::new(FaultKind::Truncate(keep))
    }

    /// Only requests with this HTTP method.
    pub fn method(mut self, method: &str) -> Fault {
        self.matcher.method = Some(method.to_owned());
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Fault {
        self.matcher.path_prefix = Some(prefix.to_owned());
        self
    }

    /// Apply to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.trigger = Trigger::Times(n);
        self
    }

    /// Apply to each matching request with probability `share`, drawn from a
    /// generator seeded with `seed`.
    pub fn share(mut self, share: f64, seed: u64) -> Fault {
        self.trigger = Trigger::Share { share, seed };
        self
    }
}

/// A small deterministic generator (SplitMix64): reproducible shares with no
/// dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug)]
struct Armed {
    fault: Fault,
    rng: SplitMix64,
    spent: bool,
}

/// The armed faults, in arming order.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    armed: Vec<Armed>,
}

impl FaultBook {
    /// Arms `fault`; returns how many faults are armed now.
    pub fn arm(&mut self, fault: Fault) -> usize {
        let seed = match fault.trigger {
            Trigger::Share { seed, .. } => seed,
            Trigger::Times(_) => 0,
        };
        self.armed.push(Armed {
            fault,
            rng: SplitMix64(seed),
            spent: false,
        });
        self.armed.len()
    }

    /// Disarms every fault; returns how many there were.
    pub fn clear(&mut self) -> usize {
        std::mem::take(&mut self.armed).len()
    }

    /// The fault to apply to this request, if any fires (spending one use of
    /// a `Times` fault).
    pub fn fire(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let mut fired = None;
        for armed in &mut self.armed {
            if !armed.fault.matcher.matches(method, path) {
                continue;
            }
            match &mut armed.fault.trigger {
                Trigger::Times(n) => {
                    if *n == 0 {
                        armed.spent = true;
                        continue;
                    }
                    *n -= 1;
                    armed.spent = *n == 0;
                }
                Trigger::Share { share, .. } => {
                    let p = if share.is_nan() {
                        0.0
                    } else {
                        share.clamp(0.0, 1.0)
                    };
                    if armed.rng.next_f64() >= p {
                        continue;
                    }
                }
            }
            fired = Some(armed.fault.kind.clone());
            break;
        }
        self.armed.retain(|a| !a.spent);
        fired
    }
}

/// A fault as JSON, the body of `POST /_sim/faults`:
/// `{"kind": "status"|"delay"|"drop_connection"|"lose_response"|"truncate", "method"?,
///   "path_prefix"?, "status"?, "body"?, "headers"? {name: value}, "delay_ms"?, "keep_bytes"?,
///   "times"? (default 1) | "share"? + "seed"? (default 0)}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    kind: String,
    method: Option<String>,
    path_prefix: Option<String>,
    status: Option<u16>,
    body: Option<String>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
    delay_ms: Option<u64>,
    keep_bytes: Option<usize>,
    times: Option<u32>,
    share: Option<f64>,
    seed: Option<u64>,
}

impl FaultSpec {
    /// The fault this spec describes, or what is wrong with it.
    pub fn into_fault(self) -> Result<Fault, String> {
        let kind = match self.kind.as_str() {
            "status" => {
                let code = self
                    .status
                    .ok_or("a \"status\" fault needs \"status\" (the HTTP code)")?;
                if !(100..=599).contains(&code) {
                    return Err(format!("\"status\" must be 100..=599, got {code}"));
                }
                let mut headers = Vec::new();
                for (name, value) in self.headers {
                    let value = match value {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Number(n) => n.to_string(),
                        other => {
                            return Err(format!(
                                "header {name:?} must be a string or number, got {other}"
                            ));
                        }
                    };
                    headers.push((name.to_ascii_lowercase(), value));
                }
                FaultKind::Status {
                    code,
                    body: self.body.unwrap_or_default(),
                    headers,
                }
            }
            "delay" => FaultKind::Delay(Duration::from_millis(
                self.delay_ms
                    .ok_or("a \"delay\" fault needs \"delay_ms\"")?,
            )),
            "drop_connection" => FaultKind::DropConnection,
            "lose_response" => FaultKind::LoseResponse,
            "truncate" => FaultKind::Truncate(
                self.keep_bytes
                    .ok_or("a \"truncate\" fault needs \"keep_bytes\"")?,
            ),
            other => {
                return Err(format!(
                    "unknown fault kind {other:?}: use \"status\", \"delay\", \"drop_connection\", \
                     \"lose_response\" or \"truncate\""
                ));
            }
        };
        let trigger = match (self.times, self.share) {
            (Some(_), Some(_)) => return Err("give \"times\" or \"share\", not both".to_owned()),
            (None, Some(share)) if !(0.0..=1.0).contains(&share) => {
                return Err(format!("\"share\" must be within 0..=1, got {share}"));
            }
            (None, Some(share)) => Trigger::Share {
                share,
                seed: self.seed.unwrap_or(0),
            },
            (times, None) => Trigger::Times(times.unwrap_or(1)),
        };
        Ok(Fault {
            matcher: Matcher {
                method: self.method,
                path_prefix: self.path_prefix,
            },
            kind,
            trigger,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(kind: Option<FaultKind>) -> Option<u16> {
        match kind {
            Some(FaultKind::Status { code, .. }) => Some(code),
            _ => None,
        }
    }

    #[test]
    fn times_fault_is_spent_after_n_matches() {
        let mut book = FaultBook::default();
        book.arm(Fault::status(502, "", &[]).method("post").times(2));
        assert_eq!(code(book.fire("GET", "/x")), None);
        assert_eq!(code(book.fire("POST", "/x")), Some(502));
        assert_eq!(code(book.fire("POST", "/y")), Some(502));
        assert_eq!(code(book.fire("POST", "/z")), None);
        assert_eq!(book.clear(), 0);
    }

    #[test]
    fn first_armed_matching_fault_wins() {
        let mut book = FaultBook::default();
        book.arm(Fault::status(500, "", &[]).path_prefix("/a"));
        book.arm(Fault::status(503, "", &[]));
        assert_eq!(code(book.fire("GET", "/b")), Some(503));
        assert_eq!(code(book.fire("GET", "/a/1")), Some(500));
        assert_eq!(code(book.fire("GET", "/a/1")), None);
    }

    #[test]
    fn share_is_deterministic_for_a_seed() {
        let pattern = |seed| {
            let mut book = FaultBook::default();
            book.arm(Fault::drop_connection().share(0.5, seed));
            (0..64)
                .map(|_| book.fire("GET", "/").is_some())
                .collect::<Vec<_>>()
        };
        let a = pattern(7);
        assert_eq!(a, pattern(7));
        assert_ne!(a, pattern(8));
        let hits = a.iter().filter(|&&hit| hit).count();
        assert!((16..=48).contains(&hits), "{hits} of 64 for share 0.5");
    }

    #[test]
    fn share_extremes() {
        let mut book = FaultBook::default();
        book.arm(Fault::drop_connection().share(0.0, 1));
        assert!((0..100).all(|_| book.fire("GET", "/").is_none()));
        book.clear();
        book.arm(Fault::drop_connection().share(1.0, 1));
        assert!((0..100).all(|_| book.fire("GET", "/").is_some()));
    }

    #[test]
    fn spec_parses_and_validates() {
        let spec: FaultSpec = serde_json::from_str(
            r#"{"kind":"status","status":429,"headers":{"Retry-After":1},"times":3,"method":"POST"}"#,
        )
        .expect("valid spec");
        let fault = spec.into_fault().expect("valid fault");
        assert_eq!(fault.trigger, Trigger::Times(3));
        assert_eq!(
            fault.kind,
            FaultKind::Status {
                code: 429,
                body: String::new(),
                headers: vec![("retry-after".to_owned(), "1".to_owned())],
            }
        );
        let bad = |json: &str| {
            serde_json::from_str::<FaultSpec>(json)
                .map_err(|e| e.to_string())
                .and_then(FaultSpec::into_fault)
                .err()
                .unwrap_or_default()
        };
        assert!(bad(r#"{"kind":"status"}"#).contains("needs \"status\""));
        assert!(bad(r#"{"kind":"status","status":99}"#).contains("100..=599"));
        assert!(bad(r#"{"kind":"delay"}"#).contains("delay_ms"));
        assert!(bad(r#"{"kind":"explode"}"#).contains("unknown fault kind"));
        assert!(bad(r#"{"kind":"drop_connection","share":1.5}"#).contains("0..=1"));
        assert!(bad(r#"{"kind":"drop_connection","times":1,"share":0.5}"#).contains("not both"));
        assert!(bad(r#"{"kind":"drop_connection","colour":1}"#).contains("unknown field"));
    }
}
