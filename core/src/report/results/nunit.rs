//! NUnit result XML: version 3 (`<test-run>`, nunit3-console and the NUnit
//! engine) and version 2 (`<test-results>`, NUnit 2.x, Pester, and what
//! Jenkins' NUnit plugin reads).
//!
//! - Every `<test-case>`, however deeply its `<test-suite>`s nest
//!   (assembly, namespaces, fixtures, parameterized methods, theories), is a
//!   case. Its suite is the test assembly's file name (the `Assembly` suite,
//!   else the outermost one); its classname is the `classname` attribute
//!   (NUnit 3), else its full name up to the last `.` outside parentheses
//!   and angle brackets, which is also what is taken off the name in NUnit 2
//!   (whose case names are full names).
//! - NUnit 3 `result`/`label`: `Passed` is passed; `Failed` is an error with
//!   the label `Error` (an exception), `Invalid` (not runnable) or
//!   `Cancelled`, otherwise failed; `Skipped` (`Ignored`, `Explicit`, no
//!   label) and `Inconclusive` are skipped; `Warning` is passed, its
//!   message kept. NUnit 2 `result`: `Success` passed; `Failure` failed;
//!   `Error`, `NotRunnable` (NUnit counts it invalid) and `Cancelled` errors;
//!   `Ignored`, `Skipped`, `Inconclusive` skipped; without `result` (NUnit
//!   2.2) `executed`/`success` decide. An unknown result is an error whose
//!   message names it.
//! - The message is `failure/message`, else `reason/message` (why it was
//!   skipped), else the label (NUnit 3 writes a timeout that way); the
//!   details are `failure/stack-trace`, followed by each failed
//!   `assertion` when there are several (`Assert.Multiple`); `output` is
//!   the stdout; `properties` (and NUnit 2 `categories`, as `Category`) are
//!   properties, repeated names joined with `, `; `asserts` is kept as a
//!   property when not 0.
//! - Duration: `duration` (or the early NUnit 3 `time`), else `end-time` −
//!   `start-time`; NUnit 2 `time`. The run's start and duration come from
//!   `<test-run>` (NUnit 3) or the assemblies.
//! - A suite (or the run) whose `total`/`failed` exceed what its cases show
//!   warns, and one that failed while no case below it failed (a failing
//!   `OneTimeSetUp`/`TearDown`, an assembly that could not load) becomes a
//!   failed or errored case named for the suite, with its message: a run
//!   never reads green when NUnit says it failed.

use std::collections::VecDeque;

use quick_xml::events::BytesStart;

use crate::model::{CaseStatus, SuiteInfo, TestCase};
use crate::report::results::{
    Declared, Ordinals, ReadSummary, Tally, check_declared, file_name, last_member_dot,
};
use crate::report::xml::text::CappedText;
use crate::report::xml::{Attributes, Frames, Interpreter, Sink, parse_seconds};
use crate::time::{format_rfc3339, parse_timestamp};

const ROOTS: &[&str] = &["test-run", "test-results"];

/// What an open element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Suite,
    Case,
    Failure,
    Reason,
    Assertion,
    Property,
    Category,
    /// Text going somewhere.
    Text(Target),
    Other,
}

/// Where text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    CaseMessage,
    CaseStack,
    CaseReason,
    CaseOutput,
    AssertionMessage,
    AssertionStack,
    SuiteMessage,
    SuiteOutput,
    /// Text nobody keeps (a root-level `command-line`, ...).
    Nowhere,
}

#[derive(Debug)]
struct OpenSuite {
    name: String,
    /// `fullname` (NUnit 3), else `name`.
    full_name: String,
    result: Option<String>,
    label: Option<String>,
    site: Option<String>,
    /// NUnit 2.2: `executed` and `success` instead of `result`.
    success: Option<bool>,
    declared: Declared,
    tally: Tally,
    message: CappedText,
    output: CappedText,
    /// Index into the suites read, when this is an assembly.
    info: Option<usize>,
}

#[derive(Debug)]
struct CaseBuilder {
    case: TestCase,
    /// NUnit 3's `fullname`.
    full_name: Option<String>,
    result: Option<String>,
    label: Option<String>,
    executed: Option<bool>,
    success: Option<bool>,
    message: CappedText,
    stack: CappedText,
    reason: CappedText,
    output: CappedText,
    /// Failed assertions: (message, stack trace).
    assertions: Vec<(String, String)>,
    assertion: Option<(CappedText, CappedText, bool)>,
}

/// The NUnit interpreter (both versions).
#[derive(Debug, Default)]
pub(crate) struct Nunit {
    source: String,
    frames: Frames<Kind>,
    version: u8,
    root: Option<OpenSuite>,
    suites_open: Vec<OpenSuite>,
    case: Option<CaseBuilder>,
    /// `(name, value)` of the `<property>` or `<category>` being read.
    property: Option<(String, String)>,
    suites: Vec<SuiteInfo>,
    hostname: Option<String>,
    ready: VecDeque<TestCase>,
    ordinals: Ordinals,
    nameless: u32,
    warnings: Vec<String>,
    started_at: Option<String>,
    duration: Option<f64>,
    /// NUnit 2's `date` + `time` on the root.
    root_time: Option<String>,
}

impl Nunit {
    /// An interpreter for the input `source` (named in warnings).
    pub(crate) fn new(source: &str) -> Nunit {
        Nunit {
            source: source.to_string(),
            ..Nunit::default()
        }
    }

    /// The suites, warnings and run timing, once the input has ended.
    pub(crate) fn into_summary(self) -> ReadSummary {
        ReadSummary {
            suites: self.suites,
            warnings: self.warnings,
            started_at: self.started_at,
            duration_seconds: self.duration,
        }
    }

    /// The format's name in messages.
    fn format(&self) -> &'static str {
        if self.version == 2 {
            "NUnit 2 XML"
        } else {
            "NUnit 3 XML"
        }
    }

    fn open_suite(&mut self, attrs: &Attributes, root: bool) -> OpenSuite {
        let name = attrs.get(b"name").unwrap_or_default().to_string();
        let kind = attrs.get(b"type").unwrap_or_default().to_string();
        let full_name = attrs.non_empty(b"fullname").unwrap_or_else(|| name.clone());
        let bad = match (
            attrs.count(b"failed"),
            attrs.count(b"errors"),
            attrs.count(b"failures"),
        ) {
            (Some(failed), _, _) => Some(failed),
            (None, None, None) => None,
            (None, e, f) => Some(e.unwrap_or(0) + f.unwrap_or(0)),
        };
        let declared = Declared {
            // NUnit 2's `total` leaves out what did not run; only NUnit 3's
            // counts every case.
            tests: if self.version == 3 {
                attrs.count(b"total")
            } else {
                None
            },
            bad,
            skipped: None,
        };
        let is_assembly = !root
            && (kind.eq_ignore_ascii_case("Assembly")
                || (kind.is_empty() && self.suites_open.is_empty() && self.version == 2));
        let info = is_assembly.then(|| {
            let timestamp = attrs
                .get(b"start-time")
                .and_then(parse_timestamp)
                .map(format_rfc3339)
                .or_else(|| self.root_time.clone());
            self.suites.push(SuiteInfo {
                name: file_name(&name),
                timestamp,
                hostname: self.hostname.clone(),
                duration_seconds: duration_of(attrs),
                ..SuiteInfo::default()
            });
            self.suites.len() - 1
        });
        OpenSuite {
            name,
            full_name,
            result: attrs.non_empty(b"result"),
            label: attrs.non_empty(b"label"),
            site: attrs.non_empty(b"site"),
            success: if attrs
                .get(b"executed")
                .is_some_and(|e| e.eq_ignore_ascii_case("true"))
            {
                attrs
                    .get(b"success")
                    .map(|s| s.eq_ignore_ascii_case("true"))
            } else {
                None
            },
            declared,
            tally: Tally::default(),
            message: CappedText::default(),
            output: CappedText::default(),
            info,
        }
    }

    fn open_case(&mut self, attrs: &Attributes) {
        let name = attrs.get(b"name").unwrap_or_default().to_string();
        let mut case = TestCase {
            name,
            classname: attrs.non_empty(b"classname").unwrap_or_default(),
            suite: self.assembly_name(),
            duration_seconds: duration_of(attrs).unwrap_or(0.0),
            ..TestCase::default()
        };
        if let Some(asserts) = attrs.get(b"asserts").filter(|a| a.trim() != "0") {
            case.properties
                .insert("asserts".to_string(), asserts.trim().to_string());
        }
        if let Some(description) = attrs.non_empty(b"description") {
            case.properties
                .insert("Description".to_string(), description);
        }
        let flag = |key: &[u8]| attrs.get(key).map(|v| v.eq_ignore_ascii_case("true"));
        self.case = Some(CaseBuilder {
            case,
            full_name: attrs.non_empty(b"fullname"),
            result: attrs.non_empty(b"result"),
            label: attrs.non_empty(b"label"),
            executed: flag(b"executed"),
            success: flag(b"success"),
            message: CappedText::default(),
            stack: CappedText::default(),
            reason: CappedText::default(),
            output: CappedText::default(),
            assertions: Vec::new(),
            assertion: None,
        });
    }

    /// The file name of the innermost assembly suite, else of the
    /// outermost suite, else of the root's `name`.
    fn assembly_name(&self) -> String {
        let assembly = self
            .suites_open
            .iter()
            .rev()
            .find(|s| s.info.is_some())
            .or_else(|| self.suites_open.first());
        match assembly {
            Some(suite) => file_name(&suite.name),
            None => self
                .root
                .as_ref()
                .map(|r| file_name(&r.name))
                .unwrap_or_default(),
        }
    }

    fn interpret(&mut self, name: &[u8], attrs: &Attributes) -> Kind {
        let parent = self.frames.top();
        let in_case = self.case.is_some();
        match (parent, name) {
            (None, root) => {
                self.version = if root == b"test-results" { 2 } else { 3 };
                if self.version == 2 {
                    let date = attrs.get(b"date").unwrap_or_default();
                    let time = attrs.get(b"time").unwrap_or_default();
                    self.root_time = parse_timestamp(&format!("{date} {time}"))
                        .or_else(|| parse_timestamp(date))
                        .map(format_rfc3339);
                } else {
                    let start = attrs.get(b"start-time").and_then(parse_timestamp);
                    self.started_at = start.map(format_rfc3339);
                    self.duration = duration_of(attrs);
                }
                let root = self.open_suite(attrs, true);
                self.root = Some(root);
                Kind::Root
            }
            (_, b"environment") => {
                self.hostname = attrs.non_empty(b"machine-name");
                if let Some(index) = self.suites_open.last().and_then(|s| s.info)
                    && let Some(info) = self.suites.get_mut(index)
                {
                    info.hostname = self.hostname.clone();
                }
                Kind::Other
            }
            (_, b"test-suite") if !in_case => {
                let suite = self.open_suite(attrs, false);
                self.suites_open.push(suite);
                Kind::Suite
            }
            (_, b"test-case") if !in_case => {
                self.open_case(attrs);
                Kind::Case
            }
            (Some(Kind::Case), b"failure") | (Some(Kind::Suite | Kind::Root), b"failure") => {
                Kind::Failure
            }
            (Some(Kind::Case), b"reason") | (Some(Kind::Suite | Kind::Root), b"reason") => {
                Kind::Reason
            }
            (Some(Kind::Failure), b"message") => Kind::Text(if in_case {
                Target::CaseMessage
            } else {
                Target::SuiteMessage
            }),
            (Some(Kind::Failure), b"stack-trace") => Kind::Text(if in_case {
                Target::CaseStack
            } else {
                Target::Nowhere
            }),
            (Some(Kind::Reason), b"message") => Kind::Text(if in_case {
                Target::CaseReason
            } else {
                Target::SuiteMessage
            }),
            (Some(Kind::Case), b"output") => Kind::Text(Target::CaseOutput),
            (Some(Kind::Suite), b"output") => Kind::Text(Target::SuiteOutput),
            (_, b"assertion") if in_case => {
                let failed = attrs.get(b"result").is_some_and(|r| {
                    r.eq_ignore_ascii_case("Failed") || r.eq_ignore_ascii_case("Error")
                });
                if let Some(case) = self.case.as_mut() {
                    case.assertion = Some((CappedText::default(), CappedText::default(), failed));
                }
                Kind::Assertion
            }
            (Some(Kind::Assertion), b"message") => Kind::Text(Target::AssertionMessage),
            (Some(Kind::Assertion), b"stack-trace") => Kind::Text(Target::AssertionStack),
            (_, b"property") => {
                self.property = Some((
                    attrs.get(b"name").unwrap_or_default().to_string(),
                    attrs.get(b"value").unwrap_or_default().to_string(),
                ));
                Kind::Property
            }
            (_, b"category") => {
                self.property = Some((
                    "Category".to_string(),
                    attrs.get(b"name").unwrap_or_default().to_string(),
                ));
                Kind::Category
            }
            _ => Kind::Other,
        }
    }

    fn add_property(&mut self) {
        let Some((name, value)) = self.property.take() else {
            return;
        };
        let properties = if let Some(case) = self.case.as_mut() {
            Some(&mut case.case.properties)
        } else {
            match self.suites_open.last().and_then(|s| s.info) {
                Some(index) => self.suites.get_mut(index).map(|s| &mut s.properties),
                None => None,
            }
        };
        if let Some(properties) = properties {
            properties
                .entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
    }

    fn close_case(&mut self) {
        let Some(builder) = self.case.take() else {
            return;
        };
        let version = self.version;
        let CaseBuilder {
            mut case,
            full_name,
            result,
            label,
            executed,
            success,
            message,
            stack,
            reason,
            output,
            assertions,
            ..
        } = builder;
        let (status, unknown) = if version == 2 {
            map_v2(result.as_deref(), executed, success)
        } else {
            map_v3(result.as_deref(), label.as_deref())
        };
        case.status = status;
        case.message = trimmed(message)
            .or_else(|| trimmed(reason))
            .or(unknown)
            .or_else(|| label.filter(|l| status != CaseStatus::Passed && !is_plain_label(l)));
        let mut details = stack.finish().unwrap_or_default();
        if assertions.len() > 1 {
            for (i, (message, trace)) in assertions.iter().enumerate() {
                if !details.is_empty() {
                    details.push_str("\n\n");
                }
                details.push_str(&format!("Assertion {}: {}", i + 1, message.trim_end()));
                if !trace.trim().is_empty() {
                    details.push('\n');
                    details.push_str(trace.trim_end());
                }
            }
        }
        case.details = (!details.trim().is_empty()).then_some(details);
        case.stdout = output.finish();
        if case.name.trim().is_empty() {
            self.nameless += 1;
            case.name = format!("(unnamed #{})", self.nameless);
        } else if case.classname.is_empty()
            && let Some(full) = full_name
        {
            // Early NUnit 3 writes no classname: the full name less `.name`.
            case.classname = match full
                .strip_suffix(case.name.as_str())
                .and_then(|prefix| prefix.strip_suffix('.'))
            {
                Some(prefix) => prefix.to_string(),
                None => last_member_dot(&full)
                    .map(|dot| full[..dot].to_string())
                    .unwrap_or_default(),
            };
        } else {
            split_full_name(&mut case, version == 2);
        }
        self.count(status);
        self.emit(case);
    }

    /// Counts a case in the innermost suite (or the root).
    fn count(&mut self, status: CaseStatus) {
        match self.suites_open.last_mut() {
            Some(suite) => suite.tally.add(status),
            None => {
                if let Some(root) = self.root.as_mut() {
                    root.tally.add(status);
                }
            }
        }
    }

    fn emit(&mut self, mut case: TestCase) {
        self.ordinals.assign(&mut case);
        self.ready.push_back(case);
    }

    /// Ends a suite (or the root): output, declared counts, failure without
    /// failed cases.
    fn close_suite(&mut self, mut suite: OpenSuite, root: bool) {
        if let Some(index) = suite.info
            && let Some(info) = self.suites.get_mut(index)
        {
            info.stdout = std::mem::take(&mut suite.output).finish();
        }
        let label = if root {
            format!("the {} run", self.format())
        } else {
            format!("test-suite \"{}\"", suite.full_name)
        };
        let assembly = self.assembly_name();
        let checked = check_declared(
            &self.source,
            &label,
            &suite.full_name,
            suite.declared,
            suite.tally,
        );
        self.warnings.extend(checked.warning);
        let mut effective = checked.effective;
        if let Some(mut case) = checked.synthetic {
            case.suite = assembly.clone();
            self.emit(case);
        } else if effective.bad == 0
            && let Some(status) = suite_failure(&suite, self.version)
        {
            let message = trimmed(std::mem::take(&mut suite.message));
            let site = suite
                .site
                .as_deref()
                .filter(|s| !s.eq_ignore_ascii_case("Child") && !s.eq_ignore_ascii_case("Test"))
                .map(|s| format!(" in {s}"))
                .unwrap_or_default();
            let name = if suite.full_name.is_empty() {
                "(test run)".to_string()
            } else {
                suite.full_name.clone()
            };
            self.warnings.push(format!(
                "{}: {label} failed{site} with no failed test case below it; counted as the {} test \"{name}\"",
                self.source,
                if status == CaseStatus::Error { "errored" } else { "failed" },
            ));
            let case = TestCase {
                suite: assembly,
                name,
                status,
                message: Some(match message {
                    Some(m) => format!("{label} failed{site}: {m}"),
                    None => format!("{label} failed{site}"),
                }),
                ..TestCase::default()
            };
            effective.add(status);
            self.emit(case);
        }
        if root {
            if self.nameless > 0 {
                self.warnings.push(format!(
                    "{}: {} test cases have no name; named \"(unnamed #1)\" on by their order",
                    self.source, self.nameless
                ));
            }
            return;
        }
        match self.suites_open.last_mut() {
            Some(parent) => parent.tally.absorb(effective),
            None => {
                if let Some(root) = self.root.as_mut() {
                    root.tally.absorb(effective);
                }
            }
        }
    }
}

impl Interpreter for Nunit {
    const FORMAT: &'static str = "NUnit XML";

    fn sink(&mut self) -> Sink<'_> {
        let Some(kind) = self.frames.top() else {
            return Sink::OutsideRoot;
        };
        let Kind::Text(target) = kind else {
            return Sink::Discard;
        };
        let text = match target {
            Target::CaseMessage => self.case.as_mut().map(|c| &mut c.message),
            Target::CaseStack => self.case.as_mut().map(|c| &mut c.stack),
            Target::CaseReason => self.case.as_mut().map(|c| &mut c.reason),
            Target::CaseOutput => self.case.as_mut().map(|c| &mut c.output),
            Target::AssertionMessage => self
                .case
                .as_mut()
                .and_then(|c| c.assertion.as_mut())
                .map(|a| &mut a.0),
            Target::AssertionStack => self
                .case
                .as_mut()
                .and_then(|c| c.assertion.as_mut())
                .map(|a| &mut a.1),
            Target::SuiteMessage => match self.suites_open.last_mut() {
                Some(suite) => Some(&mut suite.message),
                None => self.root.as_mut().map(|r| &mut r.message),
            },
            Target::SuiteOutput => self.suites_open.last_mut().map(|s| &mut s.output),
            Target::Nowhere => None,
        };
        text.map_or(Sink::Discard, Sink::Keep)
    }

    fn at_top_level(&self) -> bool {
        self.frames.is_empty()
    }

    fn open(&mut self, e: &BytesStart<'_>, empty: bool, line: u64) -> Result<(), String> {
        let local = e.local_name();
        let name = local.as_ref();
        self.frames.check(name, ROOTS, Self::FORMAT)?;
        let attrs = Attributes::read(e)?;
        let kind = self.interpret(name, &attrs);
        self.frames.push(kind, name, line);
        if empty { self.close() } else { Ok(()) }
    }

    fn close(&mut self) -> Result<(), String> {
        match self.frames.pop() {
            Some(Kind::Case) => self.close_case(),
            Some(Kind::Suite) => {
                if let Some(suite) = self.suites_open.pop() {
                    self.close_suite(suite, false);
                }
            }
            Some(Kind::Root) => {
                if let Some(root) = self.root.take() {
                    self.close_suite(root, true);
                }
            }
            Some(Kind::Property | Kind::Category) => self.add_property(),
            Some(Kind::Assertion) => {
                if let Some(case) = self.case.as_mut()
                    && let Some((message, trace, failed)) = case.assertion.take()
                    && failed
                {
                    case.assertions.push((
                        message.finish().unwrap_or_default(),
                        trace.finish().unwrap_or_default(),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn next_case(&mut self) -> Option<TestCase> {
        self.ready.pop_front()
    }

    fn end(&mut self) -> Result<(), String> {
        self.frames.end(ROOTS)
    }
}

/// Our status for an NUnit 3 result and label, and a message when the
/// result is unknown.
fn map_v3(result: Option<&str>, label: Option<&str>) -> (CaseStatus, Option<String>) {
    let is = |s: Option<&str>, v: &str| s.is_some_and(|s| s.eq_ignore_ascii_case(v));
    match result {
        None => (CaseStatus::Passed, None),
        Some(r) if is(Some(r), "Passed") || is(Some(r), "Warning") => (CaseStatus::Passed, None),
        Some(r) if is(Some(r), "Failed") => {
            if ["Error", "Invalid", "Cancelled"]
                .iter()
                .any(|l| is(label, l))
            {
                (CaseStatus::Error, None)
            } else {
                (CaseStatus::Failed, None)
            }
        }
        Some(r) if is(Some(r), "Skipped") || is(Some(r), "Inconclusive") => {
            (CaseStatus::Skipped, None)
        }
        Some(r) => (
            CaseStatus::Error,
            Some(format!("unknown NUnit result {r:?}")),
        ),
    }
}

/// Our status for an NUnit 2 result (or, without one, `executed` and
/// `success`), and a message when the result is unknown.
fn map_v2(
    result: Option<&str>,
    executed: Option<bool>,
    success: Option<bool>,
) -> (CaseStatus, Option<String>) {
    let Some(result) = result else {
        return match (executed, success) {
            (Some(false), _) => (CaseStatus::Skipped, None),
            (_, Some(false)) => (CaseStatus::Failed, None),
            _ => (CaseStatus::Passed, None),
        };
    };
    let is = |v: &str| result.eq_ignore_ascii_case(v);
    let status = if is("Success") {
        CaseStatus::Passed
    } else if is("Failure") {
        CaseStatus::Failed
    } else if is("Error") || is("NotRunnable") || is("Cancelled") {
        CaseStatus::Error
    } else if is("Ignored") || is("Skipped") || is("Inconclusive") {
        CaseStatus::Skipped
    } else {
        return (
            CaseStatus::Error,
            Some(format!("unknown NUnit result {result:?}")),
        );
    };
    (status, None)
}

/// True for labels that only repeat the result.
fn is_plain_label(label: &str) -> bool {
    [
        "Error",
        "Invalid",
        "Cancelled",
        "Ignored",
        "Explicit",
        "Failure",
    ]
    .iter()
    .any(|l| label.eq_ignore_ascii_case(l))
}

/// The status of a synthetic case when `suite` failed on its own, per its
/// result (see the module docs).
fn suite_failure(suite: &OpenSuite, version: u8) -> Option<CaseStatus> {
    let is = |s: &Option<String>, v: &str| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(v));
    if version == 3 {
        if !is(&suite.result, "Failed") {
            return None;
        }
        let error = ["Error", "Invalid", "Cancelled"]
            .iter()
            .any(|l| is(&suite.label, l));
        return Some(if error {
            CaseStatus::Error
        } else {
            CaseStatus::Failed
        });
    }
    match suite.result.as_deref() {
        Some(_) if is(&suite.result, "Failure") => Some(CaseStatus::Failed),
        Some(_)
            if is(&suite.result, "Error")
                || is(&suite.result, "NotRunnable")
                || is(&suite.result, "Cancelled") =>
        {
            Some(CaseStatus::Error)
        }
        Some(_) => None,
        None => (suite.success == Some(false)).then_some(CaseStatus::Failed),
    }
}

/// Sets the classname from the case's full name when it has none, and
/// (`strip`, NUnit 2) takes the classname off the name.
fn split_full_name(case: &mut TestCase, strip: bool) {
    if case.classname.is_empty() {
        if let Some(dot) = last_member_dot(&case.name) {
            case.classname = case.name[..dot].to_string();
            if strip {
                case.name = case.name[dot + 1..].to_string();
            }
        }
    } else if strip
        && let Some(rest) = case
            .name
            .strip_prefix(case.classname.as_str())
            .and_then(|r| r.strip_prefix('.'))
        && !rest.is_empty()
    {
        case.name = rest.to_string();
    }
}

/// Seconds from `duration` (or `time`), else from the start and end times.
fn duration_of(attrs: &Attributes) -> Option<f64> {
    attrs
        .get(b"duration")
        .and_then(parse_seconds)
        .or_else(|| attrs.get(b"time").and_then(parse_seconds))
        .or_else(|| {
            let start = attrs.get(b"start-time").and_then(parse_timestamp)?;
            let end = attrs.get(b"end-time").and_then(parse_timestamp)?;
            (end >= start).then(|| (end - start) as f64 / 1000.0)
        })
}

/// A text without trailing whitespace, `None` when nothing is left.
fn trimmed(text: CappedText) -> Option<String> {
    text.finish().map(|t| t.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_split_outside_arguments() {
        let split = |name: &str| {
            let mut case = TestCase {
                name: name.to_string(),
                ..TestCase::default()
            };
            split_full_name(&mut case, true);
            (case.classname, case.name)
        };
        assert_eq!(
            split("NUnit.Tests.FixtureWithTestCases.MethodWithParameters(9.5,\"a.b\")"),
            (
                "NUnit.Tests.FixtureWithTestCases".to_string(),
                "MethodWithParameters(9.5,\"a.b\")".to_string()
            )
        );
        assert_eq!(
            split("NUnit.Tests.GenericFixture<Double>(11.5d).Test1"),
            (
                "NUnit.Tests.GenericFixture<Double>(11.5d)".to_string(),
                "Test1".to_string()
            )
        );
        assert_eq!(split("Lonely"), (String::new(), "Lonely".to_string()));
    }

    #[test]
    fn results_map_to_statuses() {
        assert_eq!(map_v3(Some("Failed"), Some("Error")).0, CaseStatus::Error);
        assert_eq!(map_v3(Some("Failed"), Some("Invalid")).0, CaseStatus::Error);
        assert_eq!(map_v3(Some("Failed"), None).0, CaseStatus::Failed);
        assert_eq!(
            map_v3(Some("Skipped"), Some("Ignored")).0,
            CaseStatus::Skipped
        );
        assert_eq!(map_v3(Some("Inconclusive"), None).0, CaseStatus::Skipped);
        assert_eq!(map_v3(Some("Warning"), None).0, CaseStatus::Passed);
        assert_eq!(map_v3(Some("Odd"), None).0, CaseStatus::Error);
        assert_eq!(map_v2(Some("NotRunnable"), None, None).0, CaseStatus::Error);
        assert_eq!(map_v2(Some("Ignored"), None, None).0, CaseStatus::Skipped);
        assert_eq!(map_v2(None, Some(true), Some(false)).0, CaseStatus::Failed);
        assert_eq!(map_v2(None, Some(false), None).0, CaseStatus::Skipped);
        assert_eq!(map_v2(None, Some(true), Some(true)).0, CaseStatus::Passed);
    }
}
