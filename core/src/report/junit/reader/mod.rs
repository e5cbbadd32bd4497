//! A streaming, lenient reader of JUnit XML as real test runners write it.
//!
//! [`for_each_case`] is the core: it hands every `<testcase>` to a callback as
//! soon as its end tag is read and returns the suites at the end, so memory
//! is bounded by what the caller keeps, not by the size of the file. Each kept
//! text (message, details, stdout, stderr) is capped at [`TEXT_LIMIT_BYTES`]
//! and then ends with [`truncation_marker`]; text beyond it is only counted.
//! A single tag (with its attributes) may not exceed [`MAX_MARKUP_BYTES`] and
//! elements may nest at most [`MAX_DEPTH`] deep.
//!
//! # Dialects
//!
//! - Root `<testsuites>` or a bare `<testsuite>`; suites may nest, and a case
//!   belongs to its innermost suite ([`TestCase::suite`]). Every
//!   `<testsuite>` becomes a [`SuiteInfo`], in document order.
//! - Every `<testcase>` is one case, as junitparser counts them: cases with
//!   the same suite, classname, name and file each get their own id (the
//!   first its usual one, the `n`th [`TestCase::repeat_id`] of it), see
//!   [`crate::report::results`]. A case without a name (or with an empty
//!   one) is named `(unnamed #n)`, `n` counting such cases in its suite,
//!   and a warning says so.
//! - A suite (or the root `<testsuites>`) whose `tests`, `failures` +
//!   `errors` or `skipped` exceed what its cases (and nested suites) show
//!   gets a warning naming the input and the suite; missing failures and
//!   errors become one failed case named for the suite (property
//!   `testrelay.synthetic` = `declared-counts`), handed out when the suite
//!   ends, so a report that declares a failure never reads green.
//! - `classname` falls back to the suite name when missing or empty (as
//!   Jenkins does); `file` and `line` are read when present (pytest xunit1,
//!   GoogleTest, jest-junit).
//! - `time` is in seconds; missing or unreadable is 0; surefire's thousands
//!   separators (`1,234.5`) are understood, and a lone decimal comma (`0,5`).
//! - Status: the first `<failure>` or `<error>` decides between failed and
//!   error (it wins over `<skipped>`); later ones append their bodies to the
//!   details. Otherwise `<skipped>` (pytest's xfail, `type="pytest.xfail"`,
//!   included), and GoogleTest's and CTest's `status="notrun"`, `"disabled"`
//!   or `"skipped"` and `result="skipped"` or `"suppressed"`, make the case
//!   skipped.
//! - Surefire reruns: each `flakyFailure`, `flakyError`, `rerunFailure` and
//!   `rerunError` becomes one [`Attempt`](crate::model::Attempt), in document
//!   order: failed or error, its message, details from `stackTrace`, its
//!   system-out and system-err. A case with such elements and no failure,
//!   error or skip of its own is [`CaseStatus::Flaky`]; with `rerun*` after
//!   its own `<failure>`/`<error>` it stays failed/error, the reruns kept as
//!   attempts.
//! - `message` is the `message` attribute (`None` when empty); `details` is
//!   the element's body. Texts that are empty or only whitespace are `None`.
//! - `<properties>` on a suite or a case go to that suite or case; a
//!   `<property>` without `value` uses its text.
//! - `system-out`/`system-err` per case and per suite; repeated ones are
//!   concatenated. Runner extras (nextest's `timestamp` on `<testcase>`,
//!   GoogleTest's `value_param`, unknown elements) are accepted and ignored.
//!
//! # Malformed input
//!
//! Anything that is not well-formed UTF-8 XML with a `<testsuites>` or
//! `<testsuite>` root fails with [`ErrorKind::Parse`](crate::ErrorKind::Parse), naming the source, line
//! and column: truncated files, text that is not XML, other encodings
//! (a UTF-16 byte order mark, a declaration naming another encoding, invalid
//! UTF-8). A DOCTYPE that declares entities is refused, so entity-expansion
//! attacks cannot work, and no entity is ever resolved: only the five
//! predefined entities and numeric character references are decoded. That
//! decoding is lenient: a reference to a character XML forbids (`&#x1B;`,
//! `&#0;`) becomes U+FFFD, and any other `&name;` or a lone `&` stays text.
//!
//! [`CaseStatus::Flaky`]: crate::model::CaseStatus::Flaky

mod document;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Counts, SuiteInfo, TestCase};
use crate::report::results::ReadSummary;
use crate::report::xml;

use document::Document;

pub use crate::report::xml::{MAX_DEPTH, MAX_MARKUP_BYTES, TEXT_LIMIT_BYTES, truncation_marker};

/// Everything read from one JUnit XML input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JunitReport {
    /// Every `<testsuite>` element, in the order they start.
    pub suites: Vec<SuiteInfo>,
    /// Every `<testcase>`, in document order, each with its own id (see
    /// [`crate::report::results`]), and a failed case for each suite whose
    /// declared failures and errors its cases do not show.
    pub cases: Vec<TestCase>,
    /// Problems that did not stop the reading, each naming the input.
    pub warnings: Vec<String>,
}

impl JunitReport {
    /// Counts of the cases by outcome.
    pub fn counts(&self) -> Counts {
        Counts::of(&self.cases)
    }
}

/// Reads the JUnit XML file at `path` into memory (texts capped as described
/// in the module docs).
///
/// Errors: `NotFound`/`Io` when the file cannot be read, `Parse` (with the
/// path, line and column) when it is not JUnit XML.
pub fn parse_file(path: &Path) -> Result<JunitReport> {
    let file = File::open(path).map_err(|e| Error::io("opening JUnit report", path, e))?;
    parse_reader(BufReader::new(file), &path.display().to_string())
}

/// Reads JUnit XML from `reader`; `source` names the input in errors.
///
/// Errors: as [`for_each_case`].
pub fn parse_reader<R: BufRead>(reader: R, source: &str) -> Result<JunitReport> {
    let mut cases = Vec::new();
    let ReadSummary {
        suites, warnings, ..
    } = for_each_case(reader, source, |case| {
        cases.push(case);
        Ok(())
    })?;
    Ok(JunitReport {
        suites,
        cases,
        warnings,
    })
}

/// Streams JUnit XML from `reader`, calling `on_case` with each test case as
/// soon as it is complete, and returns the suites and warnings when the
/// input ends.
/// `source` names the input in error messages (a path, or e.g. `"stdin"`).
///
/// The input is never held whole: memory is bounded by the texts kept per
/// case (see the module docs) and by what `on_case` keeps.
///
/// Errors: `Parse` naming `source`, line and column when the input is not
/// JUnit XML; `Io` when `reader` fails; any error `on_case` returns, which
/// stops the reading.
pub fn for_each_case<R: BufRead>(
    reader: R,
    source: &str,
    on_case: impl FnMut(TestCase) -> Result<()>,
) -> Result<ReadSummary> {
    let doc = xml::read(reader, source, Document::new(source), on_case)?;
    Ok(doc.into_summary())
}
