//! xUnit.net v2 result XML (`<assemblies>`), as `xunit.console -xml`,
//! `dotnet xunit` and the v3 runners' `-xml` write it.
//!
//! - Every `<test>` is a case: its classname is `type`, its name `name` less
//!   the `type.` prefix xUnit.net puts on it (a display name of its own stays
//!   whole), its suite the assembly's file name, its file and line
//!   `source-file` and `source-line` when present.
//! - `result`: `Pass` passed, `Fail` failed (xUnit.net does not tell errors
//!   from assertion failures), `Skip` and `NotRun` (v3's explicit tests)
//!   skipped; an unknown result is an error whose message names it.
//! - `failure/message` is the message, `failure/stack-trace` the details,
//!   `reason` the skip message, `output` the stdout; each `trait` is a
//!   property (repeated names joined with `, `).
//! - Each `<errors>/<error>` (a fixture's or a collection's cleanup failing,
//!   a catastrophic failure of the runner) is an errored case named for what
//!   failed, with the `error` type as its `xunit.error` property: the
//!   xUnit.net runner fails the run on those too.
//! - A collection or assembly whose `total` or `failed` (+ `errors`) exceed
//!   what its tests show warns, and missing failures become a failed case.
//! - Time: `time` in seconds; each assembly starts at `run-date` +
//!   `run-time`; the run at `start-rtf` and ends at `finish-rtf` where the
//!   runner writes them (2.5 and later).

use std::collections::VecDeque;

use quick_xml::events::BytesStart;

use crate::model::{CaseStatus, SuiteInfo, TestCase};
use crate::report::results::{
    Declared, Ordinals, ReadSummary, Tally, check_declared, file_name, last_member_dot,
};
use crate::report::xml::text::CappedText;
use crate::report::xml::{Attributes, Frames, Interpreter, Sink};
use crate::time::{format_rfc3339, parse_timestamp};

const ROOTS: &[&str] = &["assemblies"];

/// What an open element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Assembly,
    Collection,
    Test,
    Failure,
    Error,
    Trait,
    Text(Target),
    Other,
}

/// Where text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Message,
    StackTrace,
    Reason,
    Output,
    Nowhere,
}

#[derive(Debug)]
struct Group {
    name: String,
    declared: Declared,
    tally: Tally,
}

#[derive(Debug, Default)]
struct Texts {
    message: CappedText,
    stack: CappedText,
    reason: CappedText,
    output: CappedText,
}

#[derive(Debug)]
struct TestBuilder {
    case: TestCase,
    result: Option<String>,
    texts: Texts,
}

#[derive(Debug)]
struct ErrorBuilder {
    kind: String,
    name: String,
    texts: Texts,
}

/// The xUnit.net v2 interpreter.
#[derive(Debug, Default)]
pub(crate) struct Xunit {
    source: String,
    frames: Frames<Kind>,
    assembly: Option<Group>,
    collection: Option<Group>,
    test: Option<TestBuilder>,
    error: Option<ErrorBuilder>,
    suites: Vec<SuiteInfo>,
    ready: VecDeque<TestCase>,
    ordinals: Ordinals,
    nameless: u32,
    warnings: Vec<String>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl Xunit {
    /// An interpreter for the input `source` (named in warnings).
    pub(crate) fn new(source: &str) -> Xunit {
        Xunit {
            source: source.to_string(),
            ..Xunit::default()
        }
    }

    /// The suites, warnings and run timing, once the input has ended.
    pub(crate) fn into_summary(self) -> ReadSummary {
        let duration_seconds = match (self.started_at, self.finished_at) {
            (Some(s), Some(f)) if f >= s => Some((f - s) as f64 / 1000.0),
            _ => None,
        };
        ReadSummary {
            suites: self.suites,
            warnings: self.warnings,
            started_at: self.started_at.map(format_rfc3339),
            duration_seconds,
        }
    }

    fn assembly_name(&self) -> String {
        self.assembly
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_default()
    }

    fn texts(&mut self) -> Option<&mut Texts> {
        if let Some(test) = self.test.as_mut() {
            Some(&mut test.texts)
        } else {
            self.error.as_mut().map(|e| &mut e.texts)
        }
    }

    fn interpret(&mut self, name: &[u8], attrs: &Attributes) -> Kind {
        let parent = self.frames.top();
        match (parent, name) {
            (None, _) => {
                self.started_at = attrs.get(b"start-rtf").and_then(parse_timestamp);
                self.finished_at = attrs.get(b"finish-rtf").and_then(parse_timestamp);
                Kind::Root
            }
            (Some(Kind::Root), b"assembly") => {
                let name = file_name(attrs.get(b"name").unwrap_or_default());
                let failed = attrs.count(b"failed");
                let errors = attrs.count(b"errors");
                self.assembly = Some(Group {
                    name: name.clone(),
                    declared: Declared {
                        tests: attrs.count(b"total"),
                        bad: match (failed, errors) {
                            (None, None) => None,
                            (f, e) => Some(f.unwrap_or(0) + e.unwrap_or(0)),
                        },
                        skipped: attrs.count(b"skipped"),
                    },
                    tally: Tally::default(),
                });
                let date = attrs.get(b"run-date").unwrap_or_default();
                let time = attrs.get(b"run-time").unwrap_or_default();
                let mut info = SuiteInfo {
                    name,
                    timestamp: parse_timestamp(&format!("{date} {time}")).map(format_rfc3339),
                    duration_seconds: attrs.seconds(),
                    ..SuiteInfo::default()
                };
                for key in ["environment", "test-framework", "target-framework"] {
                    if let Some(value) = attrs.non_empty(key.as_bytes()) {
                        info.properties.insert(key.to_string(), value);
                    }
                }
                self.suites.push(info);
                Kind::Assembly
            }
            (Some(Kind::Assembly), b"collection") => {
                self.collection = Some(Group {
                    name: attrs.get(b"name").unwrap_or_default().to_string(),
                    declared: Declared {
                        tests: attrs.count(b"total"),
                        bad: attrs.count(b"failed"),
                        skipped: attrs.count(b"skipped"),
                    },
                    tally: Tally::default(),
                });
                Kind::Collection
            }
            (Some(Kind::Collection | Kind::Assembly), b"test") => {
                let mut case = TestCase {
                    name: attrs.get(b"name").unwrap_or_default().to_string(),
                    classname: attrs.get(b"type").unwrap_or_default().to_string(),
                    suite: self.assembly_name(),
                    file: attrs.non_empty(b"source-file"),
                    line: attrs
                        .get(b"source-line")
                        .and_then(|l| l.trim().parse().ok()),
                    duration_seconds: attrs.seconds().unwrap_or(0.0),
                    ..TestCase::default()
                };
                if case.classname.is_empty()
                    && let Some(dot) = last_member_dot(&case.name)
                {
                    case.classname = case.name[..dot].to_string();
                }
                self.test = Some(TestBuilder {
                    case,
                    result: attrs.non_empty(b"result"),
                    texts: Texts::default(),
                });
                Kind::Test
            }
            (Some(Kind::Assembly), b"errors") => Kind::Other,
            (Some(Kind::Other), b"error") if self.assembly.is_some() && self.test.is_none() => {
                self.error = Some(ErrorBuilder {
                    kind: attrs.get(b"type").unwrap_or("error").to_string(),
                    name: attrs.get(b"name").unwrap_or_default().to_string(),
                    texts: Texts::default(),
                });
                Kind::Error
            }
            (Some(Kind::Test | Kind::Error), b"failure") => Kind::Failure,
            (Some(Kind::Failure), b"message") => Kind::Text(Target::Message),
            (Some(Kind::Failure), b"stack-trace") => Kind::Text(Target::StackTrace),
            (Some(Kind::Test), b"reason") => Kind::Text(Target::Reason),
            (Some(Kind::Test), b"output") => Kind::Text(Target::Output),
            (Some(Kind::Other), b"trait") if self.test.is_some() => {
                if let Some(test) = self.test.as_mut() {
                    let name = attrs.get(b"name").unwrap_or_default().to_string();
                    let value = attrs.get(b"value").unwrap_or_default().to_string();
                    test.case
                        .properties
                        .entry(name)
                        .and_modify(|v| {
                            v.push_str(", ");
                            v.push_str(&value);
                        })
                        .or_insert(value);
                }
                Kind::Trait
            }
            (Some(Kind::Text(_)), _) => Kind::Text(Target::Nowhere),
            _ => Kind::Other,
        }
    }

    fn close_test(&mut self) {
        let Some(test) = self.test.take() else {
            return;
        };
        let mut case = test.case;
        let (status, unknown) = map_result(test.result.as_deref());
        case.status = status;
        case.message = trimmed(test.texts.message)
            .or_else(|| trimmed(test.texts.reason))
            .or(unknown);
        case.details = test.texts.stack.finish();
        case.stdout = test.texts.output.finish();
        if case.name.trim().is_empty() {
            self.nameless += 1;
            case.name = format!("(unnamed #{})", self.nameless);
        } else if !case.classname.is_empty()
            && let Some(rest) = case
                .name
                .strip_prefix(case.classname.as_str())
                .and_then(|r| r.strip_prefix('.'))
            && !rest.is_empty()
        {
            case.name = rest.to_string();
        }
        if let Some(group) = self.collection.as_mut().or(self.assembly.as_mut()) {
            group.tally.add(status);
        }
        self.emit(case);
    }

    fn close_error(&mut self) {
        let Some(error) = self.error.take() else {
            return;
        };
        let message = trimmed(error.texts.message);
        let mut case = TestCase {
            suite: self.assembly_name(),
            name: if error.name.trim().is_empty() {
                format!("({})", error.kind)
            } else {
                format!("{} ({})", error.name, error.kind)
            },
            status: CaseStatus::Error,
            message: Some(match message {
                Some(m) => format!("{} failed: {m}", error.kind),
                None => format!("{} failed", error.kind),
            }),
            details: error.texts.stack.finish(),
            ..TestCase::default()
        };
        case.properties
            .insert("xunit.error".to_string(), error.kind);
        if let Some(assembly) = self.assembly.as_mut() {
            assembly.tally.add(CaseStatus::Error);
        }
        self.emit(case);
    }

    /// Checks a collection's or assembly's declared counts.
    fn check(&mut self, group: Group, label: String) -> Tally {
        let assembly = self.assembly_name();
        let checked = check_declared(
            &self.source,
            &label,
            &group.name,
            group.declared,
            group.tally,
        );
        self.warnings.extend(checked.warning);
        if let Some(mut case) = checked.synthetic {
            case.suite = assembly;
            self.emit(case);
        }
        checked.effective
    }

    fn emit(&mut self, mut case: TestCase) {
        self.ordinals.assign(&mut case);
        self.ready.push_back(case);
    }
}

impl Interpreter for Xunit {
    const FORMAT: &'static str = "xUnit.net XML";

    fn sink(&mut self) -> Sink<'_> {
        let Some(kind) = self.frames.top() else {
            return Sink::OutsideRoot;
        };
        let Kind::Text(target) = kind else {
            return Sink::Discard;
        };
        let text = self.texts().and_then(|texts| match target {
            Target::Message => Some(&mut texts.message),
            Target::StackTrace => Some(&mut texts.stack),
            Target::Reason => Some(&mut texts.reason),
            Target::Output => Some(&mut texts.output),
            Target::Nowhere => None,
        });
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
            Some(Kind::Test) => self.close_test(),
            Some(Kind::Error) => self.close_error(),
            Some(Kind::Collection) => {
                if let Some(collection) = self.collection.take() {
                    let label = format!("collection \"{}\"", collection.name);
                    let effective = self.check(collection, label);
                    if let Some(assembly) = self.assembly.as_mut() {
                        assembly.tally.absorb(effective);
                    }
                }
            }
            Some(Kind::Assembly) => {
                if let Some(assembly) = self.assembly.take() {
                    let label = format!("assembly \"{}\"", assembly.name);
                    // The synthetic case belongs to this assembly.
                    self.assembly = Some(Group {
                        name: assembly.name.clone(),
                        declared: Declared::default(),
                        tally: Tally::default(),
                    });
                    self.check(assembly, label);
                    self.assembly = None;
                }
            }
            Some(Kind::Root) if self.nameless > 0 => {
                self.warnings.push(format!(
                    "{}: {} tests have no name; named \"(unnamed #1)\" on by their order",
                    self.source, self.nameless
                ));
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

/// Our status for an xUnit.net result, and a message when it is unknown.
fn map_result(result: Option<&str>) -> (CaseStatus, Option<String>) {
    let Some(result) = result else {
        return (CaseStatus::Passed, None);
    };
    let is = |v: &str| result.eq_ignore_ascii_case(v);
    if is("Pass") {
        (CaseStatus::Passed, None)
    } else if is("Fail") {
        (CaseStatus::Failed, None)
    } else if is("Skip") || is("NotRun") {
        (CaseStatus::Skipped, None)
    } else {
        (
            CaseStatus::Error,
            Some(format!("unknown xUnit.net result {result:?}")),
        )
    }
}

/// A text without trailing whitespace, `None` when nothing is left.
fn trimmed(text: CappedText) -> Option<String> {
    text.finish().map(|t| t.trim_end().to_string())
}
