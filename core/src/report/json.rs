//! JSON reports: CTRF (Common Test Report Format, spec version 0.0.0) in
//! both directions, and the run summary in the `TestRunResult` shape.
//!
//! # CTRF mapping
//!
//! Native CTRF fields carry everything they can, so any CTRF tool sees it:
//!
//! | model | CTRF test field |
//! |---|---|
//! | `id` | `testId` |
//! | `name` | `name` (`"(unnamed)"` when empty, with `extra.name = ""`) |
//! | `suite`, `classname` | `suite`: `[suite]`, `[suite, classname]` (omitted when both are empty) |
//! | `status` | `status` (`passed`/`failed`/`skipped`); `rawStatus` keeps our word when it differs (`error`, `flaky`); `flaky: true` for flaky |
//! | `duration_seconds` | `duration` in whole milliseconds; `extra.durationSeconds` when milliseconds lose precision |
//! | `message`, `details` | `message`, `trace` |
//! | `file`, `line` | `filePath`, `line` |
//! | `stdout`, `stderr` | `stdout`, `stderr`: the text split at `\n` |
//! | `attempts` | `retries` and `retryAttempts` (same fields; our word in `extra.rawStatus` when it differs) |
//! | `properties` | `labels` |
//!
//! Run fields with no CTRF home (status, timestamps, exact duration,
//! properties, suites, metrics) go into `results.extra.testrelay`; the run
//! key is `runId` and the run name `results.environment.reportName`.
//!
//! Reading accepts foreign CTRF too: without our extras the run fields come
//! from `summary` (`start`, `stop`, `duration`); `suite` may be a string or
//! an array (its first element is the suite, the rest joined with ` > ` the
//! classname); `stdout`/`stderr` may be a string or an array of lines;
//! durations may be fractional; `pending` counts as skipped and `other` as
//! an error. Labels that are not strings are kept as their JSON text.

use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attempt, CaseStatus, Counts, Metric, RunStatus, SuiteInfo, TestCase, TestRun};

/// The CTRF `specVersion` written (the version of the CTRF JSON Schema).
pub const CTRF_SPEC_VERSION: &str = "0.0.0";

/// Name written for a test whose name is empty (CTRF requires one).
const UNNAMED: &str = "(unnamed)";

/// Writes `run` as a CTRF JSON document (pretty-printed, newline at the end)
/// to `out`, which is buffered internally and flushed before returning.
///
/// `summary.start` is the parsed `started_at` (now when unknown) and
/// `summary.stop` the parsed `finished_at` (start plus the duration when
/// unknown), in milliseconds since the epoch.
///
/// Errors: `Io` when writing to `out` fails.
pub fn write_ctrf<W: Write>(run: &TestRun, out: W) -> Result<()> {
    write_json(
        &ctrf_document(run, &run.counts(), &run.cases),
        out,
        "CTRF report",
    )
}

/// A CTRF document written from cases handed over one at a time
/// ([`CtrfStream::push`]), the same bytes as [`write_ctrf`] writes for a
/// run with those cases in that order.
///
/// Each case is serialized when it is pushed, to `spill` (a scratch file
/// the stream owns, e.g. `tempfile::tempfile_in`); the stream keeps only
/// the counts. [`CtrfStream::finish`] writes the document around them.
pub struct CtrfStream<S: Read + Write + Seek> {
    spill: BufWriter<S>,
    /// One test's JSON, reused.
    buf: Vec<u8>,
    counts: Counts,
}

/// Where a test of `results.tests` starts its lines in the pretty output.
const TEST_INDENT: &[u8] = b"      ";
/// `results.tests` as the pretty output writes it when empty.
const EMPTY_TESTS: &[u8] = b"\"tests\": []";

impl<S: Read + Write + Seek> CtrfStream<S> {
    /// A stream writing its tests to `spill` (which it owns and reads back
    /// in `finish`).
    pub fn new(spill: S) -> CtrfStream<S> {
        CtrfStream {
            spill: BufWriter::with_capacity(64 << 10, spill),
            buf: Vec::with_capacity(4096),
            counts: Counts::default(),
        }
    }

    /// Writes one case as a CTRF test.
    ///
    /// Errors: `Io` when writing to the spill file fails.
    pub fn push(&mut self, case: &TestCase) -> Result<()> {
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, &CtrfTestOut(case))
            .map_err(|e| serialize_failed("CTRF report", e))?;
        let io = |e| io_failed("CTRF report", e);
        if self.counts.total > 0 {
            self.spill.write_all(b",\n").map_err(io)?;
        }
        // The test's lines, indented as deep as `results.tests` is (a
        // newline in the output is always between two tokens: strings
        // escape theirs).
        for (i, line) in self.buf.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                self.spill.write_all(b"\n").map_err(io)?;
            }
            self.spill.write_all(TEST_INDENT).map_err(io)?;
            self.spill.write_all(line).map_err(io)?;
        }
        self.counts.add(case.status);
        Ok(())
    }

    /// Writes the document to `out` (buffered internally, flushed before
    /// returning): `run` gives every field but the tests (its cases are
    /// not read; those pushed are written).
    ///
    /// Errors: `Io` when reading the spill file or writing `out` fails.
    pub fn finish<W: Write>(self, run: &TestRun, out: W) -> Result<()> {
        let what = "CTRF report";
        let io = |e| io_failed(what, e);
        let frame = serde_json::to_vec_pretty(&ctrf_document(run, &self.counts, &[]))
            .map_err(|e| serialize_failed(what, e))?;
        // The first `"tests": []` is the field: one inside a string
        // (the run key) has its quotes escaped.
        let at = frame
            .windows(EMPTY_TESTS.len())
            .position(|w| w == EMPTY_TESTS)
            .ok_or_else(|| Error::new(ErrorKind::Internal, "the CTRF frame has no tests array"))?;
        let mut spill = self.spill.into_inner().map_err(|e| io(e.into_error()))?;
        let mut out = BufWriter::new(out);
        let open = at + EMPTY_TESTS.len() - 1;
        out.write_all(&frame[..open]).map_err(io)?;
        if self.counts.total > 0 {
            out.write_all(b"\n").map_err(io)?;
            spill.seek(SeekFrom::Start(0)).map_err(io)?;
            std::io::copy(&mut spill, &mut out).map_err(io)?;
            out.write_all(b"\n    ").map_err(io)?;
        }
        out.write_all(&frame[open..]).map_err(io)?;
        out.write_all(b"\n").map_err(io)?;
        out.flush().map_err(io)
    }
}

/// Reads a CTRF JSON document into a run. `source` names the input (a file
/// path or `"stdin"`) in error messages.
///
/// Reading what [`write_ctrf`] wrote gives back the same run, case for case.
/// Case ids missing from the input are computed ([`TestCase::ensure_id`]).
///
/// Errors: `Parse` when the input is not JSON, not a CTRF document, or a
/// field has the wrong type; `Io` when reading fails.
pub fn read_ctrf<R: Read>(input: R, source: &str) -> Result<TestRun> {
    let doc: CtrfDocument = serde_json::from_reader(BufReader::new(input)).map_err(|e| {
        let kind = if e.is_io() {
            ErrorKind::Io
        } else {
            ErrorKind::Parse
        };
        Error::new(
            kind,
            format!(
                "{source}: not a readable CTRF report (line {}, column {}): {e}; \
                 expected a CTRF JSON document with a \"results\" object",
                e.line(),
                e.column()
            ),
        )
        .with_source(e)
    })?;
    if let Some(format) = &doc.report_format
        && format != "CTRF"
    {
        return Err(Error::new(
            ErrorKind::Parse,
            format!(
                "{source}: reportFormat is {format:?}, not \"CTRF\"; this is not a CTRF report"
            ),
        ));
    }
    run_from_document(doc, source)
}

/// Writes the run summary ([`TestRun::result`], the `TestRunResult` shape)
/// as pretty-printed JSON with a newline at the end to `out` (buffered
/// internally, flushed before returning).
///
/// Errors: `Io` when writing to `out` fails.
pub fn write_run_json<W: Write>(run: &TestRun, out: W) -> Result<()> {
    write_json(&run.result(), out, "run summary JSON")
}

fn write_json<T: Serialize, W: Write>(value: &T, out: W, what: &str) -> Result<()> {
    let mut out = BufWriter::new(out);
    let io_error = |e: std::io::Error| io_failed(what, e);
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| serialize_failed(what, e))?;
    out.write_all(b"\n").map_err(io_error)?;
    out.flush().map_err(io_error)
}

fn io_failed(what: &str, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("writing the {what} failed: {e}; check that the output is writable"),
    )
    .with_source(e)
}

fn serialize_failed(what: &str, e: serde_json::Error) -> Error {
    let text = e.to_string();
    match e.io_error_kind() {
        Some(kind) => io_failed(what, std::io::Error::new(kind, text)),
        None => Error::new(
            ErrorKind::Internal,
            format!("serializing the {what} failed: {text}"),
        ),
    }
}

// ---------------------------------------------------------------------------
// The CTRF document, as far as testrelay writes and reads it.

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CtrfDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    report_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spec_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    generated_by: Option<String>,
    results: CtrfResults,
}

#[derive(Serialize, Deserialize)]
struct CtrfResults {
    #[serde(default)]
    tool: CtrfTool,
    #[serde(default)]
    summary: CtrfSummary,
    #[serde(default)]
    tests: Vec<CtrfTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<CtrfEnvironment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extra: Option<Map<String, Value>>,
}

#[derive(Serialize, Deserialize, Default)]
struct CtrfTool {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

/// Counts are written; on reading only the times are used, as numbers of
/// any kind.
#[derive(Serialize, Deserialize, Default)]
struct CtrfSummary {
    #[serde(default)]
    tests: Option<Number>,
    #[serde(default)]
    passed: Option<Number>,
    #[serde(default)]
    failed: Option<Number>,
    #[serde(default)]
    skipped: Option<Number>,
    #[serde(default)]
    pending: Option<Number>,
    #[serde(default)]
    other: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flaky: Option<Number>,
    #[serde(default)]
    start: Option<Number>,
    #[serde(default)]
    stop: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration: Option<Number>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CtrfEnvironment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    report_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CtrfTest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    raw_status: Option<String>,
    #[serde(default)]
    duration: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suite: Option<TextOrLines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flaky: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retries: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_attempts: Option<Vec<CtrfAttempt>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stdout: Option<TextOrLines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stderr: Option<TextOrLines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    labels: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extra: Option<Map<String, Value>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CtrfAttempt {
    #[serde(default)]
    attempt: Option<Number>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    duration: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stdout: Option<TextOrLines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stderr: Option<TextOrLines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extra: Option<Map<String, Value>>,
}

/// A text field that CTRF writes as an array of lines and older producers
/// as one string.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TextOrLines {
    Lines(Vec<String>),
    Text(String),
}

/// Run fields CTRF has no place for, in `results.extra.testrelay`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunExtra {
    status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    finished_at: Option<String>,
    #[serde(default)]
    duration_seconds: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    suites: Vec<SuiteInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics: Vec<Metric>,
}

/// Key of [`RunExtra`] in `results.extra`.
const RUN_EXTRA_KEY: &str = "testrelay";

// ---------------------------------------------------------------------------
// Writing.

/// The document of `run` with `cases` as its tests, `counts` theirs.
fn ctrf_document<'a>(
    run: &'a TestRun,
    counts: &Counts,
    cases: &'a [TestCase],
) -> CtrfDocumentOut<'a> {
    let duration_ms = millis(run.duration_seconds);
    let start = run
        .started_at
        .as_deref()
        .and_then(crate::time::parse_timestamp)
        .unwrap_or_else(crate::time::now_unix_ms);
    let stop = run
        .finished_at
        .as_deref()
        .and_then(crate::time::parse_timestamp)
        .unwrap_or(start + duration_ms);
    let summary = CtrfSummary {
        tests: Some(counts.total.into()),
        passed: Some((counts.passed + counts.flaky).into()),
        failed: Some((counts.failed + counts.errors).into()),
        skipped: Some(counts.skipped.into()),
        pending: Some(0.into()),
        other: Some(0.into()),
        flaky: Some(counts.flaky.into()),
        start: Some(start.into()),
        stop: Some(stop.into()),
        duration: Some(duration_ms.into()),
    };
    CtrfDocumentOut {
        report_format: "CTRF",
        spec_version: CTRF_SPEC_VERSION,
        run_id: (!run.run_key.is_empty()).then_some(run.run_key.as_str()),
        generated_by: concat!("testrelay ", env!("CARGO_PKG_VERSION")),
        results: CtrfResultsOut {
            tool: CtrfTool {
                name: "testrelay".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            },
            summary,
            tests: CasesOut(cases),
            environment: (!run.name.is_empty()).then_some(CtrfEnvironmentOut {
                report_name: &run.name,
            }),
            extra: ExtraRunOut {
                testrelay: RunExtraOut {
                    status: run.status,
                    started_at: run.started_at.as_deref(),
                    finished_at: run.finished_at.as_deref(),
                    duration_seconds: run.duration_seconds,
                    properties: &run.properties,
                    suites: &run.suites,
                    metrics: &run.metrics,
                },
            },
        },
    }
}

/// The CTRF status for ours, and our word when CTRF's differs.
fn ctrf_status(status: CaseStatus) -> (&'static str, Option<&'static str>) {
    let ctrf = match status {
        CaseStatus::Passed | CaseStatus::Flaky => "passed",
        CaseStatus::Failed | CaseStatus::Error => "failed",
        CaseStatus::Skipped => "skipped",
    };
    let raw = (ctrf != status.as_str()).then(|| status.as_str());
    (ctrf, raw)
}

/// Whole milliseconds (negative and non-finite durations count as 0).
fn millis(secs: f64) -> i64 {
    if secs.is_finite() && secs > 0.0 {
        (secs * 1000.0).round() as i64
    } else {
        0
    }
}

/// `secs` as a JSON number when whole milliseconds do not give it back.
fn exact_seconds(secs: f64) -> Option<Value> {
    if millis(secs) as f64 / 1000.0 == secs {
        None
    } else {
        Number::from_f64(secs).map(Value::Number)
    }
}

// ---------------------------------------------------------------------------
// The written document: borrowed views of the run, serialized as they are
// walked (no owned copy of any case).

/// The CTRF document of a run, borrowing it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CtrfDocumentOut<'a> {
    report_format: &'static str,
    spec_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<&'a str>,
    generated_by: &'static str,
    results: CtrfResultsOut<'a>,
}

#[derive(Serialize)]
struct CtrfResultsOut<'a> {
    tool: CtrfTool,
    summary: CtrfSummary,
    tests: CasesOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<CtrfEnvironmentOut<'a>>,
    extra: ExtraRunOut<'a>,
}

/// `results.extra`: the run fields under [`RUN_EXTRA_KEY`].
#[derive(Serialize)]
struct ExtraRunOut<'a> {
    testrelay: RunExtraOut<'a>,
}

/// [`RunExtra`], borrowed from the run (same fields, same order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunExtraOut<'a> {
    status: RunStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<&'a str>,
    duration_seconds: f64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    suites: &'a [SuiteInfo],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    metrics: &'a [Metric],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CtrfEnvironmentOut<'a> {
    report_name: &'a str,
}

/// Every case of a run as CTRF tests.
struct CasesOut<'a>(&'a [TestCase]);

impl Serialize for CasesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(CtrfTestOut))
    }
}

/// One case as a CTRF test (the fields of [`CtrfTest`], in its order).
struct CtrfTestOut<'a>(&'a TestCase);

impl Serialize for CtrfTestOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let case = self.0;
        let mut m = s.serialize_map(None)?;
        if case.id.is_empty() {
            m.serialize_entry("testId", &case.id_or_computed())?;
        } else {
            m.serialize_entry("testId", &case.id)?;
        }
        let name = if case.name.is_empty() {
            UNNAMED
        } else {
            case.name.as_str()
        };
        m.serialize_entry("name", name)?;
        let (status, raw_status) = ctrf_status(case.status);
        m.serialize_entry("status", status)?;
        if let Some(raw) = raw_status {
            m.serialize_entry("rawStatus", raw)?;
        }
        m.serialize_entry("duration", &millis(case.duration_seconds))?;
        match (case.suite.is_empty(), case.classname.is_empty()) {
            (true, true) => {}
            (_, true) => m.serialize_entry("suite", &[&case.suite])?,
            (_, false) => m.serialize_entry("suite", &[&case.suite, &case.classname])?,
        }
        if let Some(file) = &case.file {
            m.serialize_entry("filePath", file)?;
        }
        if let Some(line) = case.line {
            m.serialize_entry("line", &line)?;
        }
        if let Some(message) = &case.message {
            m.serialize_entry("message", message)?;
        }
        if let Some(trace) = &case.details {
            m.serialize_entry("trace", trace)?;
        }
        if case.status == CaseStatus::Flaky {
            m.serialize_entry("flaky", &true)?;
        }
        if !case.attempts.is_empty() {
            m.serialize_entry("retries", &case.attempts.len())?;
            m.serialize_entry("retryAttempts", &AttemptsOut(&case.attempts))?;
        }
        if let Some(stdout) = &case.stdout {
            m.serialize_entry("stdout", &LinesOut(stdout))?;
        }
        if let Some(stderr) = &case.stderr {
            m.serialize_entry("stderr", &LinesOut(stderr))?;
        }
        if !case.properties.is_empty() {
            m.serialize_entry("labels", &case.properties)?;
        }
        let unnamed = case.name.is_empty();
        let exact = exact_seconds(case.duration_seconds);
        if unnamed || exact.is_some() {
            m.serialize_entry(
                "extra",
                &ExtraOut {
                    unnamed,
                    exact,
                    raw_status: None,
                },
            )?;
        }
        m.end()
    }
}

/// A case's earlier attempts as CTRF `retryAttempts`, numbered from 1.
struct AttemptsOut<'a>(&'a [Attempt]);

impl Serialize for AttemptsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().enumerate().map(|(i, a)| AttemptOut(i + 1, a)))
    }
}

/// One attempt (the fields of [`CtrfAttempt`], in its order).
struct AttemptOut<'a>(usize, &'a Attempt);

impl Serialize for AttemptOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let AttemptOut(number, attempt) = *self;
        let mut m = s.serialize_map(None)?;
        let (status, raw_status) = ctrf_status(attempt.status);
        m.serialize_entry("attempt", &number)?;
        m.serialize_entry("status", status)?;
        m.serialize_entry("duration", &millis(attempt.duration_seconds))?;
        if let Some(message) = &attempt.message {
            m.serialize_entry("message", message)?;
        }
        if let Some(trace) = &attempt.details {
            m.serialize_entry("trace", trace)?;
        }
        if let Some(stdout) = &attempt.stdout {
            m.serialize_entry("stdout", &LinesOut(stdout))?;
        }
        if let Some(stderr) = &attempt.stderr {
            m.serialize_entry("stderr", &LinesOut(stderr))?;
        }
        let exact = exact_seconds(attempt.duration_seconds);
        if raw_status.is_some() || exact.is_some() {
            m.serialize_entry(
                "extra",
                &ExtraOut {
                    unnamed: false,
                    exact,
                    raw_status,
                },
            )?;
        }
        m.end()
    }
}

/// The `extra` object of a test or attempt: `name` (an unnamed test),
/// `rawStatus` (an attempt's word), `durationSeconds`, in that order.
struct ExtraOut {
    unnamed: bool,
    exact: Option<Value>,
    raw_status: Option<&'static str>,
}

impl Serialize for ExtraOut {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if self.unnamed {
            m.serialize_entry("name", "")?;
        }
        if let Some(raw) = self.raw_status {
            m.serialize_entry("rawStatus", raw)?;
        }
        if let Some(exact) = &self.exact {
            m.serialize_entry("durationSeconds", exact)?;
        }
        m.end()
    }
}

/// Text as CTRF writes it: an array of its lines (split at `\n`).
struct LinesOut<'a>(&'a str);

impl Serialize for LinesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.split('\n'))
    }
}

// ---------------------------------------------------------------------------
// Reading.

fn run_from_document(doc: CtrfDocument, source: &str) -> Result<TestRun> {
    let results = doc.results;
    let mut cases = Vec::with_capacity(results.tests.len());
    for (i, test) in results.tests.into_iter().enumerate() {
        cases.push(case_from_ctrf(test, i, source)?);
    }
    let run_extra = match results.extra.and_then(|mut e| e.remove(RUN_EXTRA_KEY)) {
        Some(value) => Some(serde_json::from_value::<RunExtra>(value).map_err(|e| {
            Error::new(
                ErrorKind::Parse,
                format!("{source}: results.extra.{RUN_EXTRA_KEY} is malformed: {e}"),
            )
        })?),
        None => None,
    };
    let mut run = TestRun {
        run_key: doc.run_id.unwrap_or_default(),
        name: results
            .environment
            .and_then(|e| e.report_name)
            .unwrap_or_default(),
        cases,
        ..TestRun::default()
    };
    match run_extra {
        Some(extra) => {
            run.status = extra.status;
            run.started_at = extra.started_at;
            run.finished_at = extra.finished_at;
            run.duration_seconds = extra.duration_seconds;
            run.properties = extra.properties;
            run.suites = extra.suites;
            run.metrics = extra.metrics;
        }
        None => {
            let start = results.summary.start.as_ref().and_then(number_i64);
            let stop = results.summary.stop.as_ref().and_then(number_i64);
            let stamp = |ms: Option<i64>| ms.filter(|ms| *ms > 0).map(crate::time::format_rfc3339);
            run.started_at = stamp(start);
            run.finished_at = stamp(stop);
            run.duration_seconds = match (results.summary.duration.as_ref(), start, stop) {
                (Some(d), _, _) => number_f64(d) / 1000.0,
                (None, Some(a), Some(b)) if b >= a => (b - a) as f64 / 1000.0,
                _ => 0.0,
            };
            run.settle_status();
        }
    }
    Ok(run)
}

fn case_from_ctrf(test: CtrfTest, index: usize, source: &str) -> Result<TestCase> {
    let extra = test.extra.unwrap_or_default();
    let status =
        case_status(&test.status, test.raw_status.as_deref(), test.flaky).ok_or_else(|| {
            Error::new(
                ErrorKind::Parse,
                format!(
                    "{source}: results.tests[{index}] ({:?}) has status {:?}; \
                     CTRF allows passed, failed, skipped, pending or other",
                    test.name, test.status
                ),
            )
        })?;
    let (suite, classname) = match test.suite {
        None => (String::new(), String::new()),
        Some(TextOrLines::Text(s)) => (s, String::new()),
        Some(TextOrLines::Lines(mut parts)) => {
            if parts.is_empty() {
                (String::new(), String::new())
            } else {
                let first = parts.remove(0);
                (first, parts.join(" > "))
            }
        }
    };
    let name = match extra.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => test.name,
    };
    let mut attempts = Vec::new();
    for (j, a) in test
        .retry_attempts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let a_extra = a.extra.unwrap_or_default();
        let raw = a_extra.get("rawStatus").and_then(Value::as_str);
        let status = case_status(&a.status, raw, None).ok_or_else(|| {
            Error::new(
                ErrorKind::Parse,
                format!(
                    "{source}: results.tests[{index}].retryAttempts[{j}] has status {:?}; \
                     CTRF allows passed, failed, skipped, pending or other",
                    a.status
                ),
            )
        })?;
        attempts.push(Attempt {
            status,
            duration_seconds: seconds_from(a.duration.as_ref(), &a_extra),
            message: a.message,
            details: a.trace,
            stdout: a.stdout.and_then(joined),
            stderr: a.stderr.and_then(joined),
        });
    }
    let mut case = TestCase {
        id: test.test_id.unwrap_or_default(),
        name,
        classname,
        suite,
        file: test.file_path,
        line: test
            .line
            .as_ref()
            .and_then(Number::as_u64)
            .and_then(|l| u32::try_from(l).ok()),
        status,
        duration_seconds: seconds_from(test.duration.as_ref(), &extra),
        message: test.message,
        details: test.trace,
        stdout: test.stdout.and_then(joined),
        stderr: test.stderr.and_then(joined),
        attempts,
        properties: test
            .labels
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
    };
    case.ensure_id();
    Ok(case)
}

/// Our status from CTRF's `status`, `rawStatus` and `flaky`.
/// `rawStatus` wins when it is one of our words.
fn case_status(status: &str, raw: Option<&str>, flaky: Option<bool>) -> Option<CaseStatus> {
    if let Some(ours) = raw.and_then(CaseStatus::parse) {
        return Some(ours);
    }
    Some(match status {
        "passed" if flaky == Some(true) => CaseStatus::Flaky,
        "passed" => CaseStatus::Passed,
        "failed" => CaseStatus::Failed,
        "skipped" | "pending" => CaseStatus::Skipped,
        "other" => CaseStatus::Error,
        _ => return None,
    })
}

/// `extra.durationSeconds` when present, else `duration` milliseconds.
fn seconds_from(duration_ms: Option<&Number>, extra: &Map<String, Value>) -> f64 {
    match extra.get("durationSeconds").and_then(Value::as_f64) {
        Some(exact) => exact,
        None => duration_ms.map(number_f64).unwrap_or(0.0) / 1000.0,
    }
}

fn number_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

fn number_i64(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64))
}

/// The text of a string or of lines joined with `\n`; `None` for no lines.
fn joined(value: TextOrLines) -> Option<String> {
    match value {
        TextOrLines::Text(s) => Some(s),
        TextOrLines::Lines(v) if v.is_empty() => None,
        TextOrLines::Lines(v) => Some(v.join("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_both_ways() {
        for status in [
            CaseStatus::Passed,
            CaseStatus::Failed,
            CaseStatus::Error,
            CaseStatus::Skipped,
            CaseStatus::Flaky,
        ] {
            let (ctrf, raw) = ctrf_status(status);
            let flaky = (status == CaseStatus::Flaky).then_some(true);
            assert_eq!(case_status(ctrf, raw, flaky), Some(status));
        }
        assert_eq!(ctrf_status(CaseStatus::Error), ("failed", Some("error")));
        assert_eq!(ctrf_status(CaseStatus::Passed), ("passed", None));
        assert_eq!(
            case_status("pending", None, None),
            Some(CaseStatus::Skipped)
        );
        assert_eq!(case_status("other", None, None), Some(CaseStatus::Error));
        assert_eq!(
            case_status("failed", Some("timedOut"), None),
            Some(CaseStatus::Failed)
        );
        assert_eq!(case_status("broken", None, None), None);
    }

    #[test]
    fn durations_keep_exact_seconds_only_when_needed() {
        assert_eq!(millis(0.123), 123);
        assert_eq!(exact_seconds(0.123), None);
        assert_eq!(exact_seconds(2.0), None);
        assert_eq!(millis(0.0001234), 0);
        assert_eq!(exact_seconds(0.0001234), Some(serde_json::json!(0.0001234)));
        assert_eq!(millis(-1.0), 0);
        assert_eq!(millis(f64::NAN), 0);
    }
}
