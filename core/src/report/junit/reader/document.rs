//! How the reader interprets elements: which element is open, where its
//! text goes, and the suites and test case being built from them.

use std::borrow::Cow;
use std::collections::VecDeque;

use quick_xml::events::BytesStart;

use crate::model::{Attempt, CaseStatus, SuiteInfo, TestCase};
use crate::report::results::{Declared, Ordinals, ReadSummary, Tally, check_declared};
use crate::report::xml::text::CappedText;
use crate::report::xml::{Attributes, Interpreter, MAX_DEPTH, Sink};

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
    /// The element's name, for the message about a truncated file (the
    /// usual names without an allocation).
    name: Cow<'static, str>,
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
    declared: Declared,
    /// The cases shown so far, with nested suites' effective tallies.
    tally: Tally,
    /// Cases without a name so far.
    nameless: u32,
}

/// The root `<testsuites>`: what it declares and what the document shows.
#[derive(Debug, Default)]
struct Root {
    name: String,
    declared: Declared,
    tally: Tally,
    /// Cases without a name outside any suite.
    nameless: u32,
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

/// The interpretation of elements: what is open, and the suites and the case
/// being built.
#[derive(Debug, Default)]
pub(super) struct Document {
    /// The input's name, for warnings.
    source: String,
    stack: Vec<Frame>,
    root_seen: bool,
    suites: Vec<SuiteInfo>,
    open_suites: Vec<OpenSuite>,
    case: Option<CaseBuilder>,
    retry: Option<RetryBuilder>,
    property: Option<PropertyBuilder>,
    ready: VecDeque<TestCase>,
    root: Root,
    ordinals: Ordinals,
    warnings: Vec<String>,
}

impl Interpreter for Document {
    const FORMAT: &'static str = "JUnit XML";

    fn sink(&mut self) -> Sink<'_> {
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

    fn at_top_level(&self) -> bool {
        self.stack.is_empty()
    }

    fn open(&mut self, e: &BytesStart<'_>, empty: bool, line: u64) -> Result<(), String> {
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
            name: element_name(name),
            line,
        });
        if empty { self.close() } else { Ok(()) }
    }

    fn close(&mut self) -> Result<(), String> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        match frame.kind {
            Kind::Suite => {
                if let Some(suite) = self.open_suites.pop() {
                    self.close_suite(suite);
                }
            }
            Kind::Suites => {
                if self.stack.is_empty() {
                    self.close_root();
                }
            }
            Kind::Case => {
                if let Some(case) = self.case.take() {
                    let case = case.finish();
                    self.tally().add(case.status);
                    self.emit(case);
                }
            }
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
            Kind::Outcome | Kind::Plain => {}
        }
        Ok(())
    }

    fn next_case(&mut self) -> Option<TestCase> {
        self.ready.pop_front()
    }

    fn end(&mut self) -> Result<(), String> {
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
        Ok(())
    }
}

impl Document {
    /// A document read from `source` (named in warnings).
    pub(super) fn new(source: &str) -> Document {
        Document {
            source: source.to_string(),
            ..Document::default()
        }
    }

    /// The suites and warnings, once the input has ended.
    pub(super) fn into_summary(self) -> ReadSummary {
        ReadSummary {
            suites: self.suites,
            warnings: self.warnings,
            ..ReadSummary::default()
        }
    }

    /// Gives `case` its own id in this input and hands it out.
    fn emit(&mut self, mut case: TestCase) {
        self.ordinals.assign(&mut case);
        self.ready.push_back(case);
    }

    /// The tally of the innermost suite (or of the root outside suites).
    fn tally(&mut self) -> &mut Tally {
        match self.open_suites.last_mut() {
            Some(suite) => &mut suite.tally,
            None => &mut self.root.tally,
        }
    }

    /// Ends a suite: its output, its declared counts, its nameless cases.
    fn close_suite(&mut self, suite: OpenSuite) {
        if let Some(info) = self.suites.get_mut(suite.index) {
            info.stdout = suite.stdout.finish();
            info.stderr = suite.stderr.finish();
        }
        let label = format!("suite \"{}\"", suite.name);
        if suite.nameless > 0 {
            self.warn_nameless(&label, suite.nameless);
        }
        let checked = check_declared(
            &self.source,
            &label,
            &suite.name,
            suite.declared,
            suite.tally,
        );
        self.warnings.extend(checked.warning);
        if let Some(case) = checked.synthetic {
            self.emit(case);
        }
        self.tally().absorb(checked.effective);
    }

    /// Ends the root `<testsuites>`: the same checks as for a suite.
    fn close_root(&mut self) {
        let root = std::mem::take(&mut self.root);
        let label = if root.name.is_empty() {
            "<testsuites>".to_string()
        } else {
            format!("<testsuites name=\"{}\">", root.name)
        };
        if root.nameless > 0 {
            self.warn_nameless(&label, root.nameless);
        }
        let checked = check_declared(&self.source, &label, &root.name, root.declared, root.tally);
        self.warnings.extend(checked.warning);
        if let Some(case) = checked.synthetic {
            self.emit(case);
        }
    }

    fn warn_nameless(&mut self, label: &str, count: u32) {
        let names = if count == 1 {
            format!("\"{}\"", nameless_name(1))
        } else {
            format!("\"{}\" to \"{}\"", nameless_name(1), nameless_name(count))
        };
        self.warnings.push(format!(
            "{}: {label} has {count} test {} without a name, named {names} by their order",
            self.source,
            if count == 1 { "case" } else { "cases" }
        ));
    }

    /// Starts whatever `name` means here, returning its kind and capture.
    fn interpret(&mut self, name: &[u8], attrs: &Attributes) -> (Kind, Option<Capture>) {
        let in_case = self.case.is_some();
        let in_retry = self.retry.is_some();
        match name {
            b"testsuites" => {
                if self.stack.is_empty() {
                    self.root.name = attrs.get(b"name").unwrap_or_default().to_string();
                    self.root.declared = declared_counts(attrs);
                }
                (Kind::Suites, None)
            }
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
            declared: declared_counts(attrs),
            tally: Tally::default(),
            nameless: 0,
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
        let name = match attrs.get(b"name") {
            Some(name) if !name.trim().is_empty() => name.to_string(),
            _ => {
                let nameless = match self.open_suites.last_mut() {
                    Some(suite) => &mut suite.nameless,
                    None => &mut self.root.nameless,
                };
                *nameless += 1;
                nameless_name(*nameless)
            }
        };
        self.case = Some(CaseBuilder {
            case: TestCase {
                name,
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

/// `name` as an owned string, without allocating for the usual elements.
fn element_name(name: &[u8]) -> Cow<'static, str> {
    const KNOWN: &[&str] = &[
        "testsuites",
        "testsuite",
        "testcase",
        "failure",
        "error",
        "skipped",
        "system-out",
        "system-err",
        "properties",
        "property",
    ];
    match KNOWN.iter().find(|k| k.as_bytes() == name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(String::from_utf8_lossy(name).into_owned()),
    }
}

/// The name given to the `n`th case without a name in a suite.
fn nameless_name(n: u32) -> String {
    format!("(unnamed #{n})")
}

/// The counts a `<testsuite>` or `<testsuites>` declares.
fn declared_counts(attrs: &Attributes) -> Declared {
    let failures = attrs.count(b"failures");
    let errors = attrs.count(b"errors");
    Declared {
        tests: attrs.count(b"tests"),
        bad: match (failures, errors) {
            (None, None) => None,
            (f, e) => Some(f.unwrap_or(0) + e.unwrap_or(0)),
        },
        skipped: attrs.count(b"skipped").or_else(|| attrs.count(b"skip")),
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
