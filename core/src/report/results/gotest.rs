//! `go test -json` output (the test2json event stream), one JSON event per
//! line, as Go 1.14 and later write it.
//!
//! - Every test that runs (`"Action":"run"`) is a case whose suite and
//!   classname are its package and whose name is its full name: a subtest
//!   is `TestParent/sub`, with the property `go.parent` naming the test it
//!   ran inside. A parent fails when one of its subtests fails, as `go test`
//!   reports it; both are counted, as gotestsum and go-junit-report count
//!   them. Examples (`ExampleX`) are tests too.
//! - `pass`, `fail` and `skip` decide; a failed test whose output shows a
//!   `panic:` is an error (it crashed), and so is a test that started and
//!   never finished (the binary died under it: a panic elsewhere, a
//!   `-timeout`, `os.Exit`).
//! - Output is collected per test, without the `=== RUN`/`--- PASS` lines
//!   `go test` frames it with: the stdout of a passing test, the details of
//!   a failing or skipped one, whose message is its first line (`x_test.go:12:
//!   want 4, got 5`) or, for a crash, its `panic:` line. Cases are handed
//!   out when their package ends, so output written after a test's last
//!   event still reaches it.
//! - A package that fails with no failed test (a build failure, a failing
//!   `TestMain`, a panic outside any test) is one errored case named after
//!   the package, with the build output or the package's output: a package
//!   that did not build is not "0 tests passed". Build failures are read
//!   from Go 1.24's `build-output`/`build-fail` events and `FailedBuild`,
//!   and from the plain `FAIL\tpkg [build failed]` line older Go versions
//!   write into the stream (with the compiler's `# pkg` block when stderr
//!   was captured too). A stream that ends inside a package ends its tests
//!   as errors.
//! - Each package is a suite: its first event's time, its `Elapsed`, its own
//!   output.
//!
//! Lines that are not events (stderr mixed in) are kept as build output
//! after a `# pkg` line and otherwise ignored, with a warning. A line that
//! starts like JSON but is not an event is an error naming the line and
//! column.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{CaseStatus, SuiteInfo, TestCase};
use crate::report::results::{Ordinals, ReadSummary};
use crate::report::xml::MAX_MARKUP_BYTES;
use crate::report::xml::text::CappedText;
use crate::time::{format_rfc3339, parse_timestamp};

/// The longest line read (a JSON event or a line of text).
const MAX_LINE_BYTES: usize = MAX_MARKUP_BYTES;

/// One test2json event (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "Time")]
    time: Option<String>,
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package")]
    package: Option<String>,
    #[serde(rename = "Test")]
    test: Option<String>,
    #[serde(rename = "Elapsed")]
    elapsed: Option<f64>,
    #[serde(rename = "Output")]
    output: Option<String>,
    #[serde(rename = "ImportPath")]
    import_path: Option<String>,
    #[serde(rename = "FailedBuild")]
    failed_build: Option<String>,
}

#[derive(Debug, Default)]
struct TestState {
    parent: Option<String>,
    output: CappedText,
    status: Option<CaseStatus>,
    elapsed: f64,
}

#[derive(Debug, Default)]
struct Package {
    /// Tests in the order they started (a name run again with `-count`
    /// appears again).
    tests: Vec<(String, TestState)>,
    /// Index into `tests` of the latest run of each name.
    latest: HashMap<String, usize>,
    output: CappedText,
    first_time: Option<String>,
}

/// Reads a `go test -json` stream, calling `on_case` with each case when
/// its package ends; returns the suites and warnings.
///
/// Errors: `Parse` naming `source`, the line and the column; `Io` when
/// `reader` fails; any error of `on_case`.
pub(crate) fn for_each_case<R: BufRead>(
    mut reader: R,
    source: &str,
    mut on_case: impl FnMut(TestCase) -> Result<()>,
) -> Result<ReadSummary> {
    let mut stream = Stream {
        source: source.to_string(),
        ..Stream::default()
    };
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let read = read_line(&mut reader, &mut line, source, number + 1)?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = std::str::from_utf8(&line).map_err(|e| {
            let column = 1 + String::from_utf8_lossy(&line[..e.valid_up_to()])
                .chars()
                .count();
            parse_error(source, number, column as u64, "invalid UTF-8")
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('{') {
            let offset = (text.len() - trimmed.len()) as u64;
            let event: Event = serde_json::from_str(trimmed)
                .map_err(|e| parse_error(source, number, offset + e.column() as u64, e))?;
            stream.event(event);
        } else {
            stream.text(text);
        }
        for case in stream.ready.drain(..) {
            on_case(case)?;
        }
    }
    stream.finish();
    for case in stream.ready.drain(..) {
        on_case(case)?;
    }
    Ok(stream.into_summary())
}

/// Reads one line (with its `\n`) into `out`; 0 at the end of the input.
fn read_line<R: BufRead>(
    reader: &mut R,
    out: &mut Vec<u8>,
    source: &str,
    number: u64,
) -> Result<usize> {
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(
                    Error::new(ErrorKind::Io, format!("reading {source}: {e}")).with_source(e)
                );
            }
        };
        if buf.is_empty() {
            return Ok(out.len());
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if out.len() + take > MAX_LINE_BYTES {
            return Err(parse_error(
                source,
                number,
                1,
                format!("a line is longer than {} MiB", MAX_LINE_BYTES >> 20),
            ));
        }
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if done {
            return Ok(out.len());
        }
    }
}

fn parse_error(source: &str, line: u64, column: u64, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Parse,
        format!("invalid go test -json output in {source} at line {line}, column {column}: {what}"),
    )
}

#[derive(Debug, Default)]
struct Stream {
    source: String,
    packages: BTreeMap<String, Package>,
    /// Packages in the order they appeared.
    order: Vec<String>,
    /// Build output by import path (Go 1.24 events, or a `# pkg` block).
    build_output: HashMap<String, CappedText>,
    /// The `# pkg` block text lines go to.
    text_block: Option<String>,
    suites: Vec<SuiteInfo>,
    ready: Vec<TestCase>,
    ordinals: Ordinals,
    stray_lines: u64,
    warnings: Vec<String>,
}

impl Stream {
    fn package(&mut self, name: &str) -> &mut Package {
        if !self.packages.contains_key(name) {
            self.order.push(name.to_string());
        }
        self.packages.entry(name.to_string()).or_default()
    }

    fn event(&mut self, event: Event) {
        self.text_block = None;
        if let Some(path) = event.import_path.as_deref()
            && event.package.is_none()
        {
            // Go 1.24: building the package's test binary.
            if event.action == "build-output" {
                let output = self.build_output.entry(path.to_string()).or_default();
                output.push_raw(event.output.as_deref().unwrap_or(""));
            }
            return;
        }
        let Some(name) = event.package.clone() else {
            return;
        };
        let time = event.time.clone();
        let package = self.package(&name);
        if package.first_time.is_none() {
            package.first_time = time;
        }
        match (event.action.as_str(), event.test) {
            ("run", Some(test)) => {
                let parent = package
                    .tests
                    .iter()
                    .rev()
                    .filter(|(n, s)| s.status.is_none() && test.starts_with(&format!("{n}/")))
                    .map(|(n, _)| n.clone())
                    .max_by_key(String::len);
                package.latest.insert(test.clone(), package.tests.len());
                package.tests.push((
                    test,
                    TestState {
                        parent,
                        ..TestState::default()
                    },
                ));
            }
            ("output" | "bench", Some(test)) => {
                let state = state_of(package, &test);
                let output = event.output.unwrap_or_default();
                if !is_framing(&output) {
                    state.output.push_raw(&output);
                }
            }
            ("output", None) => {
                let output = event.output.unwrap_or_default();
                if !is_package_framing(&output) {
                    package.output.push_raw(&output);
                }
            }
            (action @ ("pass" | "fail" | "skip"), Some(test)) => {
                let state = state_of(package, &test);
                state.status = Some(match action {
                    "pass" => CaseStatus::Passed,
                    "fail" => CaseStatus::Failed,
                    _ => CaseStatus::Skipped,
                });
                state.elapsed = event.elapsed.unwrap_or(0.0);
            }
            (action @ ("pass" | "fail" | "skip"), None) => {
                let failed_build = event.failed_build.clone();
                self.end_package(&name, action == "fail", event.elapsed, failed_build, None);
            }
            _ => {}
        }
    }

    /// A line that is not an event: older Go's build-failure lines, or
    /// stderr mixed into the stream.
    fn text(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("# ") {
            let import_path = rest.trim().to_string();
            self.build_output.entry(import_path.clone()).or_default();
            self.text_block = Some(import_path);
            return;
        }
        if let Some(rest) = line.strip_prefix("FAIL\t")
            && let Some((package, reason)) = rest.split_once(" [")
            && let Some(reason) = reason.strip_suffix(']')
        {
            self.text_block = None;
            let package = package.trim().to_string();
            let ended = self
                .packages
                .get(&package)
                .is_some_and(|p| p.tests.is_empty())
                || !self.packages.contains_key(&package);
            if ended {
                self.package(&package);
                self.end_package(&package, true, None, None, Some(reason.to_string()));
            }
            return;
        }
        match &self.text_block {
            Some(block) => {
                let output = self.build_output.entry(block.clone()).or_default();
                output.push_raw(line);
                output.push_raw("\n");
            }
            None => self.stray_lines += 1,
        }
    }

    /// Hands out a package's cases: its tests, tests that never finished,
    /// and the package itself when it failed with no failed test.
    fn end_package(
        &mut self,
        name: &str,
        failed: bool,
        elapsed: Option<f64>,
        failed_build: Option<String>,
        text_reason: Option<String>,
    ) {
        let Some(package) = self.packages.remove(name) else {
            return;
        };
        self.order.retain(|p| p != name);
        let mut any_bad = false;
        let cases: Vec<TestCase> = package
            .tests
            .into_iter()
            .map(|(test, state)| test_case(name, test, state))
            .collect();
        // A parent that failed only through its subtests says which.
        let mut failing_children: HashMap<&str, Vec<&str>> = HashMap::new();
        for case in &cases {
            if case.status.is_failure()
                && let Some(parent) = case.properties.get("go.parent")
            {
                failing_children
                    .entry(parent.as_str())
                    .or_default()
                    .push(case.name.as_str());
            }
        }
        let messages: Vec<Option<String>> = cases
            .iter()
            .map(|case| {
                if case.message.is_some() || !case.status.is_failure() {
                    return None;
                }
                failing_children
                    .get(case.name.as_str())
                    .map(|children| format!("subtests failed: {}", children.join(", ")))
            })
            .collect();
        for (mut case, message) in cases.into_iter().zip(messages) {
            if message.is_some() {
                case.message = message;
            }
            any_bad |= case.status.is_failure();
            self.emit(case);
        }
        let package_output = package.output.finish();
        self.suites.push(SuiteInfo {
            name: name.to_string(),
            timestamp: package
                .first_time
                .as_deref()
                .and_then(parse_timestamp)
                .map(format_rfc3339),
            duration_seconds: elapsed,
            stdout: package_output.clone(),
            ..SuiteInfo::default()
        });
        if !failed || any_bad {
            return;
        }
        // The package failed on its own.
        let build = failed_build.clone().or_else(|| {
            text_reason
                .as_deref()
                .filter(|r| r.contains("build failed"))
                .map(|_| name.to_string())
        });
        let build_output = build.as_deref().and_then(|path| {
            self.build_output
                .iter()
                .find(|(k, _)| {
                    *k == path
                        || k.starts_with(&format!("{path} "))
                        || k.split(' ').next() == Some(path)
                })
                .map(|(k, _)| k.clone())
                .and_then(|k| self.build_output.remove(&k))
                .and_then(CappedText::finish)
        });
        let (message, details) = if build.is_some() {
            let first = build_output
                .as_deref()
                .and_then(|o| o.lines().find(|l| !l.trim().is_empty()))
                .map(|l| format!(": {}", l.trim()))
                .unwrap_or_default();
            (format!("the package failed to build{first}"), build_output)
        } else if let Some(reason) = text_reason {
            (format!("the package failed: {reason}"), package_output)
        } else {
            let panic = package_output
                .as_deref()
                .and_then(|o| o.lines().find(|l| l.starts_with("panic: ")));
            let message = match panic {
                Some(line) => format!("the test binary panicked outside any test: {line}"),
                None => "the package failed with no failed test (a failing TestMain, os.Exit, \
                         or a crash of the test binary)"
                    .to_string(),
            };
            (message, package_output)
        };
        let mut case = TestCase {
            suite: name.to_string(),
            classname: name.to_string(),
            name: "(package)".to_string(),
            status: CaseStatus::Error,
            message: Some(message),
            details,
            ..TestCase::default()
        };
        case.properties
            .insert("go.package".to_string(), "failed".to_string());
        self.emit(case);
    }

    fn emit(&mut self, mut case: TestCase) {
        self.ordinals.assign(&mut case);
        self.ready.push(case);
    }

    /// The input ended: packages without a final event end as errors.
    fn finish(&mut self) {
        for name in self.order.clone() {
            self.warnings.push(format!(
                "{}: the stream ends before package {name} does; its unfinished tests count as errors",
                self.source
            ));
            self.end_package(
                &name,
                true,
                None,
                None,
                Some("the go test -json stream ended before the package did".to_string()),
            );
        }
        if self.stray_lines > 0 {
            self.warnings.push(format!(
                "{}: {} lines are not go test -json events (was stderr mixed in?); ignored",
                self.source, self.stray_lines
            ));
        }
    }

    fn into_summary(self) -> ReadSummary {
        ReadSummary {
            suites: self.suites,
            warnings: self.warnings,
            ..ReadSummary::default()
        }
    }
}

/// The state of the latest run of `test`, created when output arrives for
/// a test that never said `run`.
fn state_of<'a>(package: &'a mut Package, test: &str) -> &'a mut TestState {
    let index = match package.latest.get(test) {
        Some(&i) => i,
        None => {
            package.latest.insert(test.to_string(), package.tests.len());
            package.tests.push((test.to_string(), TestState::default()));
            package.tests.len() - 1
        }
    };
    &mut package.tests[index].1
}

/// The case for one test of `package`.
fn test_case(package: &str, name: String, state: TestState) -> TestCase {
    let output = state.output.finish();
    let panic_line = output
        .as_deref()
        .and_then(|o| o.lines().find(|l| l.starts_with("panic: ")))
        .map(str::to_string);
    let status = match state.status {
        Some(CaseStatus::Failed) if panic_line.is_some() => CaseStatus::Error,
        Some(status) => status,
        None => CaseStatus::Error,
    };
    let first_line = output.as_deref().and_then(summary_line);
    let message = match (state.status, status) {
        (None, _) => Some(match &panic_line {
            Some(line) => format!("the test never finished: {line}"),
            None => "the test never finished (the test binary ended while it ran)".to_string(),
        }),
        (_, CaseStatus::Error) => panic_line,
        (_, CaseStatus::Failed | CaseStatus::Skipped) => first_line,
        _ => None,
    };
    let passed = status == CaseStatus::Passed;
    let mut case = TestCase {
        suite: package.to_string(),
        classname: package.to_string(),
        name,
        status,
        duration_seconds: state.elapsed,
        message,
        ..TestCase::default()
    };
    if passed {
        case.stdout = output;
    } else {
        case.details = output;
    }
    if let Some(parent) = state.parent {
        case.properties.insert("go.parent".to_string(), parent);
    }
    case
}

/// The line of a test's output that says best why it failed or was
/// skipped: the first `file.go:N: ...` line `t.Error`/`t.Skip` wrote, else
/// the first line (with the next one when it is a heading like `got:`).
fn summary_line(output: &str) -> Option<String> {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let logged = lines.iter().find(|l| {
        l.split_once(": ").is_some_and(|(at, _)| {
            at.rsplit_once(':').is_some_and(|(file, line)| {
                file.ends_with(".go")
                    && !line.is_empty()
                    && line.bytes().all(|b| b.is_ascii_digit())
            })
        })
    });
    if let Some(line) = logged {
        return Some((*line).to_string());
    }
    let first = *lines.first()?;
    match lines.get(1) {
        Some(next) if first.ends_with(':') => Some(format!("{first} {next}")),
        _ => Some(first.to_string()),
    }
}

/// `=== RUN`, `--- PASS: ...` and the like: the framing `go test` adds to a
/// test's output.
fn is_framing(line: &str) -> bool {
    let trimmed = line.trim_start();
    ["=== RUN", "=== PAUSE", "=== CONT", "=== NAME"]
        .iter()
        .any(|p| trimmed.starts_with(p))
        || ["--- PASS: ", "--- FAIL: ", "--- SKIP: "]
            .iter()
            .any(|p| trimmed.starts_with(p))
}

/// `PASS`, `FAIL`, `ok  \tpkg\t0.1s` and the like: a package's summary lines.
fn is_package_framing(line: &str) -> bool {
    let line = line.trim_end();
    line == "PASS"
        || line == "FAIL"
        || line.starts_with("ok  \t")
        || line.starts_with("FAIL\t")
        || line.starts_with("?   \t")
}

/// True when the first line of `head` (blank lines skipped) is a
/// `go test -json` event, or, after text that is not JSON, some line is.
pub(crate) fn looks_like_go_test_json(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let is_event = |line: &str| {
        serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.contains_key("Action")))
            .unwrap_or(false)
    };
    match lines.next() {
        Some(first) if first.starts_with('{') => is_event(first),
        Some(_) => lines.take(1000).any(|l| l.starts_with('{') && is_event(l)),
        None => false,
    }
}
