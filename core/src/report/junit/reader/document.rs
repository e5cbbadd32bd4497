//! How the reader interprets elements: which element is open, where its
//! text goes, and the suites and test case being built from them.

use quick_xml::events::BytesStart;

use crate::model::{Attempt, CaseStatus, SuiteInfo, TestCase};

use super::MAX_DEPTH;
use super::text::{CappedText, decode_attribute};

/// What an open element is, for interpreting its text and its end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Suites,
    Suite,
    Case,
    Outcome,
    Retry,
    Property,
    /// `system-out`, `system-err`, `stackTrace`, `properties`, and anything
    /// unknown: nothing to do at its end.
    Plain,
}

/// Which text buffer character data inside an element goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    CaseDetails,
    CaseOut,
    CaseErr,
    SuiteOut,
    SuiteErr,
    RetryDetails,
    RetryOut,
    RetryErr,
    PropertyValue,
}

/// One open element.
#[derive(Debug)]
struct Frame {
    kind: Kind,
    capture: Option<Capture>,
    name: String,
    line: u64,
}

/// The outcome elements seen so far in a test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    None,
    Skipped,
    Failed,
    Error,
}

#[derive(Debug)]
struct OpenSuite {
    index: usize,
    name: String,
    stdout: CappedText,
    stderr: CappedText,
}

#[derive(Debug)]
struct CaseBuilder {
    case: TestCase,
    outcome: Outcome,
    details: CappedText,
    stdout: CappedText,
    stderr: CappedText,
    not_run: bool,
}

#[derive(Debug)]
struct RetryBuilder {
    attempt: Attempt,
    details: CappedText,
    stdout: CappedText,
    stderr: CappedText,
}

/// Where a `<property>` goes.
#[derive(Debug, Clone, Copy)]
enum PropertyOwner {
    Case,
    Suite(usize),
    Nobody,
}

#[derive(Debug)]
struct PropertyBuilder {
    owner: PropertyOwner,
    name: String,
    value: Option<String>,
    text: CappedText,
}

/// Where the scanner puts character data.
pub(super) enum Sink<'a> {
    /// Kept (capped) in this buffer.
    Keep(&'a mut CappedText),
    /// Inside the root but not in a text-bearing element: dropped.
    Discard,
    /// Outside the root element: only whitespace is allowed.
    OutsideRoot,
}

impl Sink<'_> {
    /// Adds decoded text; `literal` text is subject to line-end normalization.
    pub(super) fn push(self, s: &str, literal: bool) -> Result<(), &'static str> {
        match self {
            Sink::Keep(text) if literal => text.push_literal(s),
            Sink::Keep(text) => text.push_raw(s),
            Sink::Discard => {}
            Sink::OutsideRoot => {
                if s.bytes().any(|b| !is_xml_space(b)) {
                    return Err(OUTSIDE_ROOT);
                }
            }
        }
        Ok(())
    }

    /// Adds literal document text; on failure, the byte index of the
    /// offending character with the reason.
    pub(super) fn push_located(self, s: &str) -> Result<(), (usize, &'static str)> {
        if let Sink::OutsideRoot = self {
            if let Some(at) = s.bytes().position(|b| !is_xml_space(b)) {
                return Err((at, OUTSIDE_ROOT));
            }
            return Ok(());
        }
        self.push(s, true).map_err(|what| (0, what))
    }
}

pub(super) const OUTSIDE_ROOT: &str = "text outside the root element: this is not JUnit XML";

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The interpretation of elements: what is open, and the suites and the case
/// being built.
#[derive(Debug, Default)]
pub(super) struct Document {
    stack: Vec<Frame>,
    root_seen: bool,
    suites: Vec<SuiteInfo>,
    open_suites: Vec<OpenSuite>,
    case: Option<CaseBuilder>,
    retry: Option<RetryBuilder>,
    property: Option<PropertyBuilder>,
}

impl Document {
    /// The sink for character data at the current position.
    pub(super) fn sink(&mut self) -> Sink<'_> {
        let Some(frame) = self.stack.last() else {
            return Sink::OutsideRoot;
        };
        let text = match frame.capture {
            None => None,
            Some(Capture::CaseDetails) => self.case.as_mut().map(|c| &mut c.details),
            Some(Capture::CaseOut) => self.case.as_mut().map(|c| &mut c.stdout),
            Some(Capture::CaseErr) => self.case.as_mut().map(|c| &mut c.stderr),
            Some(Capture::SuiteOut) => self.open_suites.last_mut().map(|s| &mut s.stdout),
            Some(Capture::SuiteErr) => self.open_suites.last_mut().map(|s| &mut s.stderr),
            Some(Capture::RetryDetails) => self.retry.as_mut().map(|r| &mut r.details),
            Some(Capture::RetryOut) => self.retry.as_mut().map(|r| &mut r.stdout),
            Some(Capture::RetryErr) => self.retry.as_mut().map(|r| &mut r.stderr),
            Some(Capture::PropertyValue) => self.property.as_mut().map(|p| &mut p.text),
        };
        text.map_or(Sink::Discard, Sink::Keep)
    }

    /// True outside the root element (before it opens or after it closes).
    pub(super) fn at_top_level(&self) -> bool {
        self.stack.is_empty()
    }

    /// Opens an element that starts on `line`; for an empty one (`<x/>`)
    /// closes it at once. Returns a test case when one is complete.
    pub(super) fn open(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        line: u64,
    ) -> Result<Option<TestCase>, String> {
        let local = e.local_name();
        let name = local.as_ref();
        if self.stack.is_empty() {
            if self.root_seen {
                return Err(format!(
                    "a second root element <{}> after the first one ended",
                    String::from_utf8_lossy(name)
                ));
            }
            if name != b"testsuites" && name != b"testsuite" {
                return Err(format!(
                    "the root element is <{}>, not <testsuites> or <testsuite>: this is not JUnit XML",
                    String::from_utf8_lossy(name)
                ));
            }
            self.root_seen = true;
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("elements nest deeper than {MAX_DEPTH} levels"));
        }
        let attrs = Attributes::read(e)?;
        let (kind, capture) = self.interpret(name, &attrs);
        self.stack.push(Frame {
            kind,
            capture,
            name: String::from_utf8_lossy(name).into_owned(),
            line,
        });
        if empty { self.close() } else { Ok(None) }
    }

    /// Starts whatever `name` means here, returning its kind and capture.
    fn interpret(&mut self, name: &[u8], attrs: &Attributes) -> (Kind, Option<Capture>) {
        let in_case = self.case.is_some();
        let in_retry = self.retry.is_some();
        match name {
            b"testsuites" => (Kind::Suites, None),
            b"testsuite" if !in_case => {
                self.open_suite(attrs);
                (Kind::Suite, None)
            }
            b"testcase" if !in_case => {
                self.open_case(attrs);
                (Kind::Case, None)
            }
            b"failure" | b"error" | b"skipped" if in_case && !in_retry => {
                match self.open_outcome(name, attrs) {
                    Some(capture) => (Kind::Outcome, Some(capture)),
                    None => (Kind::Plain, None),
                }
            }
            b"flakyFailure" | b"flakyError" | b"rerunFailure" | b"rerunError"
                if in_case && !in_retry =>
            {
                let status = if name.ends_with(b"Error") {
                    CaseStatus::Error
                } else {
                    CaseStatus::Failed
                };
                self.retry = Some(RetryBuilder {
                    attempt: Attempt {
                        status,
                        duration_seconds: attrs.seconds().unwrap_or(0.0),
                        message: attrs.non_empty(b"message"),
                        ..Attempt::default()
                    },
                    details: CappedText::default(),
                    stdout: CappedText::default(),
                    stderr: CappedText::default(),
                });
                // Only `stackTrace` holds the details: the retry element's own
                // text is the whitespace between its children.
                (Kind::Retry, None)
            }
            b"stackTrace" if in_retry => (Kind::Plain, Some(Capture::RetryDetails)),
            b"system-out" | b"system-err" => {
                let out = name == b"system-out";
                let capture = if in_retry {
                    Some(if out {
                        Capture::RetryOut
                    } else {
                        Capture::RetryErr
                    })
                } else if in_case {
                    Some(if out {
                        Capture::CaseOut
                    } else {
                        Capture::CaseErr
                    })
                } else if !self.open_suites.is_empty() {
                    Some(if out {
                        Capture::SuiteOut
                    } else {
                        Capture::SuiteErr
                    })
                } else {
                    None
                };
                (Kind::Plain, capture)
            }
            b"property" if self.property.is_none() => {
                let owner = if in_case {
                    PropertyOwner::Case
                } else if let Some(suite) = self.open_suites.last() {
                    PropertyOwner::Suite(suite.index)
                } else {
                    PropertyOwner::Nobody
                };
                self.property = Some(PropertyBuilder {
                    owner,
                    name: attrs.get(b"name").unwrap_or_default().to_string(),
                    value: attrs.get(b"value").map(str::to_string),
                    text: CappedText::default(),
                });
                (Kind::Property, Some(Capture::PropertyValue))
            }
            _ => (Kind::Plain, None),
        }
    }

    fn open_suite(&mut self, attrs: &Attributes) {
        let name = attrs.get(b"name").unwrap_or_default().to_string();
        self.open_suites.push(OpenSuite {
            index: self.suites.len(),
            name: name.clone(),
            stdout: CappedText::default(),
            stderr: CappedText::default(),
        });
        self.suites.push(SuiteInfo {
            name,
            timestamp: attrs.non_empty(b"timestamp"),
            hostname: attrs.non_empty(b"hostname"),
            duration_seconds: attrs.seconds(),
            ..SuiteInfo::default()
        });
    }

    fn open_case(&mut self, attrs: &Attributes) {
        let suite = self
            .open_suites
            .last()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let classname = match attrs.get(b"classname") {
            Some(c) if !c.is_empty() => c.to_string(),
            _ => suite.clone(),
        };
        let not_run = attrs.get(b"status").is_some_and(|s| {
            ["notrun", "disabled", "skipped"]
                .iter()
                .any(|v| s.eq_ignore_ascii_case(v))
        }) || attrs.get(b"result").is_some_and(|r| {
            ["skipped", "suppressed"]
                .iter()
                .any(|v| r.eq_ignore_ascii_case(v))
        });
        self.case = Some(CaseBuilder {
            case: TestCase {
                name: attrs.get(b"name").unwrap_or_default().to_string(),
                classname,
                suite,
                file: attrs.non_empty(b"file"),
                line: attrs.get(b"line").and_then(|l| l.trim().parse().ok()),
                duration_seconds: attrs.seconds().unwrap_or(0.0),
                ..TestCase::default()
            },
            outcome: Outcome::None,
            details: CappedText::default(),
            stdout: CappedText::default(),
            stderr: CappedText::default(),
            not_run,
        });
    }

    /// Records a `<failure>`, `<error>` or `<skipped>`; returns where its body
    /// goes, or `None` when it changes nothing (a skip after a failure).
    fn open_outcome(&mut self, name: &[u8], attrs: &Attributes) -> Option<Capture> {
        let builder = self.case.as_mut()?;
        let new = match name {
            b"failure" => Outcome::Failed,
            b"error" => Outcome::Error,
            _ => Outcome::Skipped,
        };
        let message = attrs.non_empty(b"message");
        match (builder.outcome, new) {
            (Outcome::None, _) | (Outcome::Skipped, Outcome::Failed | Outcome::Error) => {
                builder.outcome = new;
                builder.case.message = message;
                builder.details = CappedText::default();
            }
            // A skip after a skip or a failure changes nothing.
            (_, Outcome::Skipped) => return None,
            _ => {
                // A further failure or error: keep the first's status and
                // message, and append this body to the details.
                if builder.case.message.is_none() {
                    builder.case.message = message;
                }
                if !builder.details.is_empty() {
                    builder.details.push_raw("\n\n");
                }
            }
        }
        Some(Capture::CaseDetails)
    }

    /// Closes the innermost element; returns a test case when one is complete.
    pub(super) fn close(&mut self) -> Result<Option<TestCase>, String> {
        let Some(frame) = self.stack.pop() else {
            return Ok(None);
        };
        match frame.kind {
            Kind::Suite => {
                if let Some(suite) = self.open_suites.pop() {
                    if let Some(info) = self.suites.get_mut(suite.index) {
                        info.stdout = suite.stdout.finish();
                        info.stderr = suite.stderr.finish();
                    }
                }
            }
            Kind::Case => return Ok(self.case.take().map(CaseBuilder::finish)),
            Kind::Retry => {
                if let (Some(retry), Some(case)) = (self.retry.take(), self.case.as_mut()) {
                    let mut attempt = retry.attempt;
                    attempt.details = retry.details.finish();
                    attempt.stdout = retry.stdout.finish();
                    attempt.stderr = retry.stderr.finish();
                    case.case.attempts.push(attempt);
                }
            }
            Kind::Property => {
                if let Some(property) = self.property.take() {
                    self.add_property(property);
                }
            }
            Kind::Suites | Kind::Outcome | Kind::Plain => {}
        }
        Ok(None)
    }

    /// The suites, once the input has ended; the reason when the document
    /// is incomplete.
    pub(super) fn finish(self) -> Result<Vec<SuiteInfo>, String> {
        if let Some(open) = self.stack.last() {
            return Err(format!(
                "the input ends inside <{}> (opened at line {}): the file is truncated",
                open.name, open.line
            ));
        }
        if !self.root_seen {
            return Err(
                "the input has no root element: expected <testsuites> or <testsuite>".to_string(),
            );
        }
        Ok(self.suites)
    }

    fn add_property(&mut self, property: PropertyBuilder) {
        let value = property
            .value
            .unwrap_or_else(|| property.text.finish().unwrap_or_default());
        let properties = match property.owner {
            PropertyOwner::Case => self.case.as_mut().map(|c| &mut c.case.properties),
            PropertyOwner::Suite(index) => self.suites.get_mut(index).map(|s| &mut s.properties),
            PropertyOwner::Nobody => None,
        };
        if let Some(properties) = properties {
            properties.insert(property.name, value);
        }
    }
}

impl CaseBuilder {
    /// The finished case: status from the outcome elements and attributes,
    /// texts finished, id filled.
    fn finish(self) -> TestCase {
        let mut case = self.case;
        case.status = match self.outcome {
            Outcome::Failed => CaseStatus::Failed,
            Outcome::Error => CaseStatus::Error,
            Outcome::Skipped => CaseStatus::Skipped,
            Outcome::None if self.not_run => CaseStatus::Skipped,
            Outcome::None if !case.attempts.is_empty() => CaseStatus::Flaky,
            Outcome::None => CaseStatus::Passed,
        };
        case.details = self.details.finish();
        case.stdout = self.stdout.finish();
        case.stderr = self.stderr.finish();
        case.ensure_id();
        case
    }
}

/// The decoded attributes of one element.
struct Attributes(Vec<(Vec<u8>, String)>);

impl Attributes {
    /// Decodes every attribute of `e` (each value capped like any text).
    fn read(e: &BytesStart<'_>) -> Result<Attributes, String> {
        let mut out = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| format!("malformed attribute: {err}"))?;
            let raw = std::str::from_utf8(&attr.value)
                .map_err(|_| "invalid UTF-8 in an attribute value".to_string())?;
            let mut value = CappedText::default();
            decode_attribute(raw, &mut value);
            out.push((attr.key.local_name().as_ref().to_vec(), value.into_string()));
        }
        Ok(Attributes(out))
    }

    fn get(&self, key: &[u8]) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.as_slice() == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` when present and not empty.
    fn non_empty(&self, key: &[u8]) -> Option<String> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
    }

    /// The `time` attribute in seconds, when present and readable.
    fn seconds(&self) -> Option<f64> {
        self.get(b"time").and_then(parse_seconds)
    }
}

/// Seconds from a `time` attribute: `None` when not a finite, non-negative
/// number. Commas before groups of exactly three digits are thousands
/// separators (surefire's pattern); a single other comma is a decimal comma.
fn parse_seconds(raw: &str) -> Option<f64> {
    let raw = raw.trim();
    let groups: Vec<&str> = raw.split(',').collect();
    let thousands = groups.len() > 1
        && groups[1..]
            .iter()
            .all(|g| g.split('.').next().is_some_and(|d| d.len() == 3));
    let cleaned = if thousands {
        raw.replace(',', "")
    } else if groups.len() == 2 && !raw.contains('.') {
        raw.replace(',', ".")
    } else {
        raw.to_string()
    };
    let value: f64 = cleaned.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_real_world_spellings() {
        assert_eq!(parse_seconds("0.25"), Some(0.25));
        assert_eq!(parse_seconds(" 3 "), Some(3.0));
        assert_eq!(parse_seconds("1,234.5"), Some(1234.5));
        assert_eq!(parse_seconds("1,234,567"), Some(1_234_567.0));
        assert_eq!(parse_seconds("0,5"), Some(0.5));
        assert_eq!(parse_seconds(""), None);
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("inf"), None);
        assert_eq!(parse_seconds("1,2,3"), None);
        assert_eq!(parse_seconds("fast"), None);
    }
}
