//! Visual Studio TRX (`vstst.xsd`), as `dotnet test --logger trx` writes it
//! for MSTest, xUnit.net and NUnit, and as Microsoft.Testing.Platform does.
//!
//! - Every `UnitTestResult` (or other `*TestResult`/`TestResultAggregation`)
//!   under `<Results>` is a case. One with `<InnerResults>` (a data-driven
//!   test, whose rows are its inner results) is not a case itself: each row
//!   is.
//! - The name is `testName`, less the `className.` prefix xUnit.net puts
//!   on it (a result without one is named `(unnamed #n)` by its order, with
//!   a warning); the classname is the definition's `TestMethod@className` (less
//!   an assembly qualification after a comma); the suite is the file name of
//!   the test assembly (`codeBase`, else `storage`). TRX lists results before
//!   definitions, so results wait (texts capped) until `<TestDefinitions>`
//!   has been read; a result without a definition keeps an empty classname.
//! - `outcome`: `Passed`, `PassedButRunAborted`, `Completed` and `Warning`
//!   are passed; `Failed` is failed; `Error`, `Timeout`, `Aborted`,
//!   `Disconnected`, `NotRunnable`, `InProgress` and `Pending` (a test that
//!   never finished: the run ended under it) are errors; `NotExecuted` and
//!   `Inconclusive` are skipped. An unknown outcome is an error whose
//!   message names it; a missing one is passed.
//! - `ErrorInfo/Message` is the message, `ErrorInfo/StackTrace` the details,
//!   `StdOut` the stdout (with `DebugTrace` and each `TextMessages/Message`
//!   appended), `StdErr` the stderr.
//! - Duration: `duration` (`[d.]hh:mm:ss[.fffffff]`), else `endTime` −
//!   `startTime`. The run starts at `Times@start` and lasts until
//!   `Times@finish`.
//! - `ResultSummary/Counters`: a `total` or `failed` + `error` + `timeout` +
//!   `aborted` beyond what the results show warns, and missing failures
//!   become a failed case `(test run)`; so does a summary `outcome` of
//!   `Failed`, `Error`, `Aborted` or `Timeout` with no failing result.
//!   When no result failed, `RunInfo` texts with an outcome of `Error` or
//!   `Warning` (a crashed test host, no tests found) become warnings, and
//!   the details of that failed case (elsewhere they repeat the failures).

use std::collections::{HashMap, VecDeque};

use quick_xml::events::BytesStart;

use crate::model::{CaseStatus, SuiteInfo, TestCase};
use crate::report::results::{Declared, Ordinals, ReadSummary, Tally, check_declared, file_name};
use crate::report::xml::text::CappedText;
use crate::report::xml::{Attributes, Frames, Interpreter, Sink};
use crate::time::{format_rfc3339, parse_timestamp};

const ROOTS: &[&str] = &["TestRun"];

/// The most run messages (`RunInfo`) kept.
const MAX_RUN_MESSAGES: usize = 50;

/// What an open element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Results,
    /// A result element (index into the open results).
    Result,
    InnerResults,
    Output,
    ErrorInfo,
    /// Text that goes to the innermost result.
    Text(Field),
    TextMessages,
    Definitions,
    /// A test definition (`UnitTest`, ...).
    Definition,
    Summary,
    RunInfo,
    RunInfoText,
    SummaryStdOut,
    Other,
}

/// A text field of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Message,
    StackTrace,
    StdOut,
    StdErr,
    /// `DebugTrace`, or a `TextMessages/Message`: appended to stdout.
    Extra,
}

#[derive(Debug)]
struct ResultBuilder {
    test_id: String,
    name: String,
    outcome: Option<String>,
    duration: Option<f64>,
    data_row: Option<String>,
    has_inner: bool,
    message: CappedText,
    stack: CappedText,
    stdout: CappedText,
    stderr: CappedText,
    extra: CappedText,
}

#[derive(Debug, Default, Clone)]
struct Definition {
    class_name: String,
    assembly: String,
}

#[derive(Debug)]
struct RunInfo {
    outcome: String,
    text: CappedText,
}

/// A finished result waiting for its definition.
#[derive(Debug)]
struct Waiting {
    test_id: String,
    case: TestCase,
}

/// The TRX interpreter.
#[derive(Debug, Default)]
pub(crate) struct Trx {
    source: String,
    frames: Frames<Kind>,
    open: Vec<ResultBuilder>,
    definitions: HashMap<String, Definition>,
    definitions_read: bool,
    /// The definition being read: its id and what is known of it.
    definition: Option<(String, Definition)>,
    waiting: Vec<Waiting>,
    ready: VecDeque<TestCase>,
    ordinals: Ordinals,
    tally: Tally,
    suites: Vec<SuiteInfo>,
    /// Results without a `testName` so far.
    nameless: u32,
    start: Option<i64>,
    finish: Option<i64>,
    summary_outcome: Option<String>,
    counters: Declared,
    run_info: Option<RunInfo>,
    /// `Error` and `Warning` run messages: (outcome, text).
    run_messages: Vec<(String, String)>,
    run_stdout: CappedText,
    warnings: Vec<String>,
}

impl Trx {
    /// An interpreter for the input `source` (named in warnings).
    pub(crate) fn new(source: &str) -> Trx {
        Trx {
            source: source.to_string(),
            ..Trx::default()
        }
    }

    /// The suites, warnings and run timing, once the input has ended.
    pub(crate) fn into_summary(mut self) -> ReadSummary {
        let started_at = self.start.map(format_rfc3339);
        let duration_seconds = match (self.start, self.finish) {
            (Some(s), Some(f)) if f >= s => Some((f - s) as f64 / 1000.0),
            _ => None,
        };
        if let Some(first) = self.suites.first_mut() {
            first.stdout = std::mem::take(&mut self.run_stdout).finish();
        }
        ReadSummary {
            suites: self.suites,
            warnings: self.warnings,
            started_at,
            duration_seconds,
        }
    }

    fn interpret(&mut self, name: &[u8], attrs: &Attributes) -> Kind {
        let parent = self.frames.top();
        match (parent, name) {
            (None, _) => Kind::Root,
            (Some(Kind::Root), b"Times") => {
                self.start = attrs.get(b"start").and_then(parse_timestamp);
                self.finish = attrs.get(b"finish").and_then(parse_timestamp);
                Kind::Other
            }
            (Some(Kind::Root), b"Results") => Kind::Results,
            (Some(Kind::Results | Kind::InnerResults), _) if is_result(name) => {
                if let Some(outer) = self.open.last_mut() {
                    outer.has_inner = true;
                }
                self.open.push(ResultBuilder {
                    test_id: attrs.get(b"testId").unwrap_or_default().to_string(),
                    name: attrs.get(b"testName").unwrap_or_default().to_string(),
                    outcome: attrs.non_empty(b"outcome"),
                    duration: attrs.get(b"duration").and_then(parse_timespan).or_else(|| {
                        let start = attrs.get(b"startTime").and_then(parse_timestamp)?;
                        let end = attrs.get(b"endTime").and_then(parse_timestamp)?;
                        (end >= start).then(|| (end - start) as f64 / 1000.0)
                    }),
                    data_row: attrs.non_empty(b"dataRowInfo"),
                    has_inner: false,
                    message: CappedText::default(),
                    stack: CappedText::default(),
                    stdout: CappedText::default(),
                    stderr: CappedText::default(),
                    extra: CappedText::default(),
                });
                Kind::Result
            }
            (Some(Kind::Result), b"InnerResults") => Kind::InnerResults,
            (Some(Kind::Result), b"Output") => Kind::Output,
            (Some(Kind::Output), b"StdOut") => Kind::Text(Field::StdOut),
            (Some(Kind::Output), b"StdErr") => Kind::Text(Field::StdErr),
            (Some(Kind::Output), b"DebugTrace") => {
                self.separate_extra();
                Kind::Text(Field::Extra)
            }
            (Some(Kind::Output), b"ErrorInfo") => Kind::ErrorInfo,
            (Some(Kind::ErrorInfo), b"Message") => Kind::Text(Field::Message),
            (Some(Kind::ErrorInfo), b"StackTrace") => Kind::Text(Field::StackTrace),
            (Some(Kind::Output), b"TextMessages") => Kind::TextMessages,
            (Some(Kind::TextMessages), b"Message") => {
                self.separate_extra();
                Kind::Text(Field::Extra)
            }
            (Some(Kind::Root), b"TestDefinitions") => Kind::Definitions,
            (Some(Kind::Definitions), _) => {
                let id = attrs.get(b"id").unwrap_or_default().to_string();
                let storage = attrs.get(b"storage").map(file_name).unwrap_or_default();
                self.definition = Some((
                    id,
                    Definition {
                        class_name: String::new(),
                        assembly: storage,
                    },
                ));
                Kind::Definition
            }
            (Some(Kind::Definition), b"TestMethod") => {
                if let Some((_, def)) = self.definition.as_mut() {
                    if let Some(class) = attrs.get(b"className") {
                        // Older writers qualify it: "Ns.Class, Assembly, Version=...".
                        def.class_name = class.split(',').next().unwrap_or("").trim().to_string();
                    }
                    if let Some(code_base) = attrs.get(b"codeBase").filter(|c| !c.is_empty()) {
                        def.assembly = file_name(code_base);
                    }
                }
                Kind::Other
            }
            (Some(Kind::Root), b"ResultSummary") => {
                self.summary_outcome = attrs.non_empty(b"outcome");
                Kind::Summary
            }
            (Some(Kind::Summary), b"Counters") => {
                let sum = |keys: &[&[u8]]| -> Option<u64> {
                    let values: Vec<u64> = keys.iter().filter_map(|k| attrs.count(k)).collect();
                    (!values.is_empty()).then(|| values.iter().sum())
                };
                self.counters = Declared {
                    tests: attrs.count(b"total"),
                    bad: sum(&[b"failed", b"error", b"timeout", b"aborted"]),
                    // Writers leave notExecuted at 0 for skipped tests.
                    skipped: None,
                };
                Kind::Other
            }
            (Some(Kind::Summary), b"RunInfos") => Kind::Summary,
            (Some(Kind::Summary), b"RunInfo") => {
                self.run_info = Some(RunInfo {
                    outcome: attrs.get(b"outcome").unwrap_or_default().to_string(),
                    text: CappedText::default(),
                });
                Kind::RunInfo
            }
            (Some(Kind::RunInfo), b"Text") => Kind::RunInfoText,
            (Some(Kind::Summary), b"Output") => Kind::Summary,
            (Some(Kind::Summary), b"StdOut") if self.frames.depth() == 3 => Kind::SummaryStdOut,
            _ => Kind::Other,
        }
    }

    /// Starts a new line in the extra output when it holds some already.
    fn separate_extra(&mut self) {
        if let Some(result) = self.open.last_mut()
            && !result.extra.is_empty()
        {
            result.extra.push_raw("\n");
        }
    }

    fn close_result(&mut self) {
        let Some(result) = self.open.pop() else {
            return;
        };
        if result.has_inner {
            // A data-driven test: its rows are the results.
            return;
        }
        let (status, unknown) = map_outcome(result.outcome.as_deref());
        let mut stdout = result.stdout;
        if let Some(extra) = result.extra.finish() {
            if !stdout.is_empty() {
                stdout.push_raw("\n");
            }
            stdout.push_raw(&extra);
        }
        let mut case = TestCase {
            name: result.name,
            status,
            duration_seconds: result.duration.unwrap_or(0.0),
            message: result.message.finish().or(unknown),
            details: result.stack.finish(),
            stdout: stdout.finish(),
            stderr: result.stderr.finish(),
            ..TestCase::default()
        };
        if let Some(row) = result.data_row {
            case.properties.insert("dataRow".to_string(), row);
        }
        if let Some(def) = self.definitions.get(&result.test_id).cloned() {
            self.emit(case, &def);
        } else if self.definitions_read {
            self.emit(case, &Definition::default());
        } else {
            self.waiting.push(Waiting {
                test_id: result.test_id,
                case,
            });
        }
    }

    /// Completes a case from its definition and hands it out.
    fn emit(&mut self, mut case: TestCase, def: &Definition) {
        if case.name.trim().is_empty() {
            self.nameless += 1;
            case.name = format!("(unnamed #{})", self.nameless);
        }
        case.classname = def.class_name.clone();
        if !case.classname.is_empty()
            && let Some(short) = case
                .name
                .strip_prefix(case.classname.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
            && !short.is_empty()
        {
            case.name = short.to_string();
        }
        case.suite = def.assembly.clone();
        if !self.suites.iter().any(|s| s.name == case.suite) {
            self.suites.push(SuiteInfo {
                name: case.suite.clone(),
                timestamp: self.start.map(format_rfc3339),
                ..SuiteInfo::default()
            });
        }
        self.tally.add(case.status);
        self.ordinals.assign(&mut case);
        self.ready.push_back(case);
    }

    /// Hands out every result still waiting, with the definitions known.
    fn release_waiting(&mut self) {
        for waiting in std::mem::take(&mut self.waiting) {
            let def = self
                .definitions
                .get(&waiting.test_id)
                .cloned()
                .unwrap_or_default();
            self.emit(waiting.case, &def);
        }
    }

    /// The summary's checks (see the module docs).
    fn check_summary(&mut self) {
        if self.nameless > 0 {
            self.warnings.push(format!(
                "{}: {} TRX results have no testName; named \"(unnamed #1)\" on by their order",
                self.source, self.nameless
            ));
        }
        if self.tally.bad == 0 {
            // Where results failed, the run's messages repeat their
            // failures; otherwise they may be all there is to say.
            for (outcome, text) in &self.run_messages {
                self.warnings.push(format!(
                    "{}: the TRX run reports ({outcome}): {text}",
                    self.source
                ));
            }
        }
        let label = "the TRX run's ResultSummary";
        let checked = check_declared(&self.source, label, "(test run)", self.counters, self.tally);
        self.warnings.extend(checked.warning);
        if let Some(case) = checked.synthetic {
            self.emit(case, &Definition::default());
            return;
        }
        let outcome = self.summary_outcome.clone().unwrap_or_default();
        let bad_outcome = ["Failed", "Error", "Aborted", "Timeout"]
            .iter()
            .any(|o| outcome.eq_ignore_ascii_case(o));
        if bad_outcome && self.tally.bad == 0 {
            let messages: Vec<&str> = self.run_messages.iter().map(|(_, t)| t.as_str()).collect();
            let case = TestCase {
                name: "(test run)".to_string(),
                status: CaseStatus::Failed,
                message: Some(format!(
                    "the TRX run's outcome is {outcome}, but none of its results failed"
                )),
                details: (!messages.is_empty()).then(|| messages.join("\n")),
                ..TestCase::default()
            };
            self.warnings.push(format!(
                "{}: the TRX run's outcome is {outcome} with no failed result; \
                 counted as the failed test \"(test run)\"",
                self.source
            ));
            self.emit(case, &Definition::default());
        }
    }
}

impl Interpreter for Trx {
    const FORMAT: &'static str = "TRX";

    fn sink(&mut self) -> Sink<'_> {
        let Some(kind) = self.frames.top() else {
            return Sink::OutsideRoot;
        };
        let text = match kind {
            Kind::Text(field) => self.open.last_mut().map(|r| match field {
                Field::Message => &mut r.message,
                Field::StackTrace => &mut r.stack,
                Field::StdOut => &mut r.stdout,
                Field::StdErr => &mut r.stderr,
                Field::Extra => &mut r.extra,
            }),
            Kind::RunInfoText => self.run_info.as_mut().map(|r| &mut r.text),
            Kind::SummaryStdOut => Some(&mut self.run_stdout),
            _ => None,
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
            Some(Kind::Result) => self.close_result(),
            Some(Kind::Definition) => {
                if let Some((id, def)) = self.definition.take() {
                    self.definitions.insert(id, def);
                }
            }
            Some(Kind::Definitions) => {
                self.definitions_read = true;
                self.release_waiting();
            }
            Some(Kind::RunInfo) => {
                if let Some(info) = self.run_info.take()
                    && ["Error", "Warning"]
                        .iter()
                        .any(|o| info.outcome.eq_ignore_ascii_case(o))
                    && self.run_messages.len() < MAX_RUN_MESSAGES
                {
                    let text = info.text.finish().unwrap_or_default();
                    self.run_messages
                        .push((info.outcome, text.trim().to_string()));
                }
            }
            Some(Kind::Root) => {
                self.release_waiting();
                self.check_summary();
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

/// True for the result elements of `vstst.xsd`.
fn is_result(name: &[u8]) -> bool {
    matches!(
        name,
        b"UnitTestResult"
            | b"TestResultAggregation"
            | b"GenericTestResult"
            | b"ManualTestResult"
            | b"WebTestResult"
            | b"TestResult"
    )
}

/// Our status for a TRX outcome, and a message when the outcome is unknown.
fn map_outcome(outcome: Option<&str>) -> (CaseStatus, Option<String>) {
    let Some(outcome) = outcome else {
        return (CaseStatus::Passed, None);
    };
    let is = |o: &str| outcome.eq_ignore_ascii_case(o);
    let status = if ["Passed", "PassedButRunAborted", "Completed", "Warning"]
        .iter()
        .any(|o| is(o))
    {
        CaseStatus::Passed
    } else if is("Failed") {
        CaseStatus::Failed
    } else if ["NotExecuted", "Inconclusive"].iter().any(|o| is(o)) {
        CaseStatus::Skipped
    } else if [
        "Error",
        "Timeout",
        "Aborted",
        "Disconnected",
        "NotRunnable",
        "InProgress",
        "Pending",
    ]
    .iter()
    .any(|o| is(o))
    {
        CaseStatus::Error
    } else {
        return (
            CaseStatus::Error,
            Some(format!("unknown TRX outcome {outcome:?}")),
        );
    };
    (status, None)
}

/// Seconds from a .NET `TimeSpan` (`[-][d.]hh:mm:ss[.fffffff]`).
pub(crate) fn parse_timespan(raw: &str) -> Option<f64> {
    let raw = raw.trim();
    let mut parts = raw.split(':');
    let (first, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (days, hours) = match first.split_once('.') {
        Some((d, h)) => (d.parse::<u64>().ok()?, h.parse::<u64>().ok()?),
        None => (0, first.parse::<u64>().ok()?),
    };
    let minutes: u64 = minutes.parse().ok()?;
    let seconds: f64 = seconds.parse().ok()?;
    if minutes > 59 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    Some(((days * 24 + hours) * 60 + minutes) as f64 * 60.0 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_and_outcomes() {
        assert_eq!(parse_timespan("00:00:00.1084258"), Some(0.1084258));
        assert_eq!(parse_timespan("00:00:00"), Some(0.0));
        assert_eq!(parse_timespan("01:02:03.5"), Some(3723.5));
        assert_eq!(parse_timespan("1.00:00:01"), Some(86_401.0));
        assert_eq!(parse_timespan("00:61:00"), None);
        assert_eq!(parse_timespan("soon"), None);
        assert_eq!(map_outcome(Some("NotExecuted")).0, CaseStatus::Skipped);
        assert_eq!(map_outcome(Some("inconclusive")).0, CaseStatus::Skipped);
        assert_eq!(map_outcome(Some("Timeout")).0, CaseStatus::Error);
        assert_eq!(map_outcome(Some("Aborted")).0, CaseStatus::Error);
        assert_eq!(
            map_outcome(Some("PassedButRunAborted")).0,
            CaseStatus::Passed
        );
        assert_eq!(map_outcome(None).0, CaseStatus::Passed);
        let (status, message) = map_outcome(Some("Exploded"));
        assert_eq!(status, CaseStatus::Error);
        assert_eq!(message.as_deref(), Some("unknown TRX outcome \"Exploded\""));
        assert_eq!(file_name("c:\\a\\b\\tests.dll"), "tests.dll");
        assert_eq!(file_name("~/x/tests.dll"), "tests.dll");
    }
}
