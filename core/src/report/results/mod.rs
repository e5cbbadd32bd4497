//! What every results reader shares: the counting rule, the identities of
//! repeated cases, the check of declared counts, and the opt-in that reads
//! repeated cases as attempts of one test.
//!
//! # The counting rule
//!
//! Every test-case element of an input is one result, as junitparser and
//! most CI tools count them. Two elements with the same identity (suite,
//! classname, name, file) in one input stay two tests: the first keeps its
//! usual id, the `n`th gets [`TestCase::repeat_id`] of it, so the history
//! tracks each. Reruns are attempts of one test only where the format says
//! so (surefire's `flakyFailure`/`rerunFailure` elements, ...), or when the
//! caller opts in with [`SameNameCases::Attempts`].
//!
//! A suite whose declared counts (`tests`, `failures`, `errors`, `skipped`)
//! exceed what its cases show gets a warning naming the input and the
//! suite; when failures or errors are missing, a synthetic failed case named
//! for the suite stands for them, so a run never reads green while an input
//! declared a failure.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attempt, CaseStatus, SuiteInfo, TestCase, TestRun};
use crate::report::{json, junit, xml};

mod gotest;
mod nunit;
mod trx;
mod xunit;
use crate::time::{format_rfc3339, parse_timestamp};

/// A results format testrelay reads, recognized from the content (the root
/// element of XML, the first line of JSON), never from the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultFormat {
    /// JUnit XML (`<testsuites>` or `<testsuite>`).
    Junit,
    /// CTRF JSON (`{"results": ...}`).
    Ctrf,
    /// Visual Studio TRX (`<TestRun>`).
    Trx,
    /// NUnit 3 result XML (`<test-run>`).
    Nunit3,
    /// NUnit 2 result XML (`<test-results>`).
    Nunit2,
    /// xUnit.net v2 result XML (`<assemblies>`).
    Xunit2,
    /// `go test -json` output (test2json events, one per line).
    GoTest,
}

impl ResultFormat {
    /// The name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultFormat::Junit => "junit",
            ResultFormat::Ctrf => "ctrf",
            ResultFormat::Trx => "trx",
            ResultFormat::Nunit3 => "nunit3",
            ResultFormat::Nunit2 => "nunit2",
            ResultFormat::Xunit2 => "xunit2",
            ResultFormat::GoTest => "go_test",
        }
    }
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadOptions {
    /// How cases with the same identity in one input are read.
    pub same_name_cases: SameNameCases,
}

/// One input, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsFile {
    /// The format it was in.
    pub format: ResultFormat,
    /// Its cases and suites as a run named after the input, with its start
    /// and duration where the format gives them, and its status settled.
    pub run: TestRun,
    /// Problems that did not stop the reading, each naming the input.
    pub warnings: Vec<String>,
}

/// How much of an input is looked at to recognize its format.
const SNIFF_BYTES: u64 = 64 << 10;

/// Reads the results file at `path` in whichever format it is in.
///
/// Errors: `NotFound`/`Io` for the file; `Parse` naming the file (with line
/// and column where there is one) when it is malformed or in no format
/// testrelay reads.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<ResultsFile> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("report");
    read(
        BufReader::with_capacity(64 * 1024, file),
        &path.display().to_string(),
        name,
        options,
    )
}

/// Reads results from `reader` in whichever format they are in; `source`
/// names the input in errors and warnings, `name` names the run.
///
/// Errors: as [`read_file`].
pub fn read<R: BufRead>(
    mut reader: R,
    source: &str,
    name: &str,
    options: &ReadOptions,
) -> Result<ResultsFile> {
    let mut head = Vec::new();
    reader
        .by_ref()
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| Error::new(ErrorKind::Io, format!("reading {source}: {e}")).with_source(e))?;
    let format = detect(&head, source)?;
    let input = BufReader::new(Cursor::new(head).chain(reader));
    let mut cases = Vec::new();
    let collect = |case| {
        cases.push(case);
        Ok(())
    };
    let summary = match format {
        ResultFormat::Ctrf => {
            let mut run = json::read_ctrf(input, source)?;
            let mut ordinals = Ordinals::default();
            for case in &mut run.cases {
                ordinals.assign(case);
            }
            return Ok(finish(format, run, Vec::new(), name, options));
        }
        ResultFormat::Junit => junit::for_each_case(input, source, collect)?,
        ResultFormat::Trx => {
            xml::read(input, source, trx::Trx::new(source), collect)?.into_summary()
        }
        ResultFormat::Nunit3 | ResultFormat::Nunit2 => {
            xml::read(input, source, nunit::Nunit::new(source), collect)?.into_summary()
        }
        ResultFormat::Xunit2 => {
            xml::read(input, source, xunit::Xunit::new(source), collect)?.into_summary()
        }
        ResultFormat::GoTest => gotest::for_each_case(input, source, collect)?,
    };
    let mut run = TestRun {
        cases,
        suites: summary.suites,
        ..TestRun::default()
    };
    timing_from_suites(&mut run);
    if let Some(start) = summary.started_at {
        run.started_at = Some(start);
    }
    if let Some(duration) = summary.duration_seconds {
        run.duration_seconds = duration;
    }
    let mut warnings = summary.warnings;
    let (metrics, metric_warnings) = super::metrics::from_properties(&run, source);
    run.metrics = metrics;
    warnings.extend(metric_warnings);
    Ok(finish(format, run, warnings, name, options))
}

/// The last steps for every format: attempts, the run's name and status.
fn finish(
    format: ResultFormat,
    mut run: TestRun,
    warnings: Vec<String>,
    name: &str,
    options: &ReadOptions,
) -> ResultsFile {
    if options.same_name_cases == SameNameCases::Attempts {
        run.cases = fold_attempts(std::mem::take(&mut run.cases));
    }
    if run.name.is_empty() {
        run.name = name.to_string();
    }
    run.settle_status();
    ResultsFile {
        format,
        run,
        warnings,
    }
}

/// Recognizes the format from the first bytes of an input.
fn detect(head: &[u8], source: &str) -> Result<ResultFormat> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| text[i]) {
        Some(b'{') if gotest::looks_like_go_test_json(text) => Ok(ResultFormat::GoTest),
        Some(b'{') => Ok(ResultFormat::Ctrf),
        Some(b'<') => match xml_root(text) {
            Some(root) => xml_format(&root, source),
            // Undecidable from the start (a long prolog, malformed markup):
            // the JUnit reader says what is wrong, with line and column.
            None => Ok(ResultFormat::Junit),
        },
        // A UTF-16 signature: the XML reader says so.
        Some(_) if looks_like_xml(text) => Ok(ResultFormat::Junit),
        // Text before the first event: stderr mixed into `go test -json`.
        Some(_) if gotest::looks_like_go_test_json(text) => Ok(ResultFormat::GoTest),
        _ => Err(Error::new(
            ErrorKind::Parse,
            format!("{source}: empty or not a report (expected {KNOWN_FORMATS})"),
        )),
    }
}

/// The formats testrelay reads, for messages.
const KNOWN_FORMATS: &str = "JUnit XML, TRX, NUnit 2 or 3 XML, xUnit.net v2 XML, \
                             `go test -json` output or CTRF JSON";

/// The root element of an XML document: its local name, line and column.
struct Root {
    name: String,
    line: u64,
    column: u64,
}

/// The XML format of a document with root element `root`.
fn xml_format(root: &Root, source: &str) -> Result<ResultFormat> {
    match root.name.as_str() {
        "testsuites" | "testsuite" => Ok(ResultFormat::Junit),
        "TestRun" => Ok(ResultFormat::Trx),
        "test-run" => Ok(ResultFormat::Nunit3),
        "test-results" => Ok(ResultFormat::Nunit2),
        "assemblies" => Ok(ResultFormat::Xunit2),
        other => Err(Error::new(
            ErrorKind::Parse,
            format!(
                "invalid results XML in {source} at line {}, column {}: the root element is \
                 <{other}>, which is none of the formats testrelay reads: JUnit (<testsuites> or \
                 <testsuite>), TRX (<TestRun>), NUnit 3 (<test-run>), NUnit 2 (<test-results>), \
                 xUnit.net v2 (<assemblies>)",
                root.line, root.column
            ),
        )),
    }
}

/// Finds the root element in the first bytes of an XML document, past the
/// declaration, processing instructions, comments and a DOCTYPE; `None`
/// when those bytes do not show it.
fn xml_root(text: &[u8]) -> Option<Root> {
    let find = |from: usize, needle: &[u8]| {
        text.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p + needle.len())
    };
    let mut i = 0;
    loop {
        while text.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = text.get(i..)?;
        if !rest.starts_with(b"<") {
            return None;
        }
        if rest.starts_with(b"<?") {
            i = find(i + 2, b"?>")?;
        } else if rest.starts_with(b"<!--") {
            i = find(i + 4, b"-->")?;
        } else if rest.starts_with(b"<!") {
            let mut depth = 0usize;
            let mut j = i + 2;
            loop {
                match *text.get(j)? {
                    b'[' => depth += 1,
                    b']' => depth = depth.saturating_sub(1),
                    b'>' if depth == 0 => break,
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        } else {
            let name: Vec<u8> = rest[1..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>'))
                .copied()
                .collect();
            if name.is_empty() || 1 + name.len() >= rest.len() {
                return None;
            }
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(&name);
            let before = std::str::from_utf8(&text[..i]).ok()?;
            let line = 1 + before.matches('\n').count() as u64;
            let column = 1 + before.rsplit('\n').next().unwrap_or("").chars().count() as u64;
            return Some(Root {
                name: String::from_utf8_lossy(local).into_owned(),
                line,
                column,
            });
        }
    }
}

/// True for input the XML reader should judge: a UTF-16 signature, or
/// anything that is not plain text.
fn looks_like_xml(text: &[u8]) -> bool {
    [&b"\xFF\xFE"[..], b"\xFE\xFF", b"<\0", b"\0<"]
        .iter()
        .any(|signature| text.starts_with(signature))
}

/// The last component of a Windows or POSIX path.
pub(crate) fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

/// The index of the last `.` of `name` outside parentheses, brackets and
/// angle brackets (where arguments and type parameters are), if any.
pub(crate) fn last_member_dot(name: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut last = None;
    for (i, c) in name.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            '"' if depth == 0 => {}
            '.' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    last.filter(|&i| i > 0 && i + 1 < name.len())
}

/// Sets a run's start (earliest suite timestamp) and duration (the
/// suites' times added up, or the cases' when the suites give none). A
/// suite timestamp at or before the Unix epoch is a placeholder, not a
/// time: GoogleTest and Jest write `1970-01-01T00:00:00` for a suite that
/// did not run.
pub(crate) fn timing_from_suites(run: &mut TestRun) {
    let start = run
        .suites
        .iter()
        .filter_map(|s| s.timestamp.as_deref().and_then(parse_timestamp))
        .filter(|ms| *ms > 0)
        .min();
    run.started_at = start.map(format_rfc3339);
    let suite_total: f64 = run.suites.iter().filter_map(|s| s.duration_seconds).sum();
    run.duration_seconds = if suite_total > 0.0 {
        suite_total
    } else {
        run.cases.iter().map(|c| c.duration_seconds).sum()
    };
}

/// The property a synthetic case carries (the value says what it stands for).
pub const SYNTHETIC_PROPERTY: &str = "testrelay.synthetic";

/// What a reader found besides the cases it handed out.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReadSummary {
    /// Suite-level data, in the order the suites start.
    pub suites: Vec<SuiteInfo>,
    /// Problems with the input that did not stop the reading (each names
    /// the input), e.g. declared counts the cases do not show.
    pub warnings: Vec<String>,
    /// When the run started (RFC 3339), for formats that say so for the
    /// whole run (TRX, NUnit, xUnit.net); else from the suites.
    pub started_at: Option<String>,
    /// How long the whole run took, for formats that say so.
    pub duration_seconds: Option<f64>,
}

/// How cases with the same identity in one input are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SameNameCases {
    /// Each is its own test (the default; what junitparser counts).
    #[default]
    Tests,
    /// They are attempts of one test, oldest first, for runners that write
    /// a retried test as repeated elements: the last attempt decides, and a
    /// failure or error followed by a pass is flaky.
    Attempts,
}

impl SameNameCases {
    /// The lower-case name used in the configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SameNameCases::Tests => "tests",
            SameNameCases::Attempts => "attempts",
        }
    }
}

/// Gives each case of one input its own id (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Ordinals {
    /// Ids of 16 hex digits (every computed one) seen once, by value.
    hex: HashSet<u64, BuildHasherDefault<IdHasher>>,
    /// How often such an id was seen, when more than once.
    hex_repeats: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    /// Any other id (given by the input).
    other: HashMap<String, u32>,
}

impl Ordinals {
    /// Fills the case's id, and makes it a repeat id when an earlier case
    /// of this input had the same one.
    pub(crate) fn assign(&mut self, case: &mut TestCase) {
        case.ensure_id();
        let seen = match u64::from_str_radix(&case.id, 16) {
            Ok(key) if case.id.len() == 16 => {
                if self.hex.insert(key) {
                    return;
                }
                self.hex_repeats.entry(key).or_insert(1)
            }
            _ => self.other.entry(case.id.clone()).or_insert(0),
        };
        *seen += 1;
        if *seen > 1 {
            case.id = TestCase::repeat_id(&case.id, *seen);
        }
    }
}

/// Hashes the 64-bit ids of [`Ordinals`] as they are: they are already
/// the start of a SHA-256, so SipHash would only cost time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Cases shown by a suite (with its nested suites), by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Every case.
    pub tests: u64,
    /// Failed or errored cases.
    pub bad: u64,
    /// Skipped cases.
    pub skipped: u64,
}

impl Tally {
    /// Counts one case of `status`.
    pub(crate) fn add(&mut self, status: CaseStatus) {
        self.tests += 1;
        if status.is_failure() {
            self.bad += 1;
        } else if status == CaseStatus::Skipped {
            self.skipped += 1;
        }
    }

    /// Adds a nested suite's tally.
    pub(crate) fn absorb(&mut self, other: Tally) {
        self.tests += other.tests;
        self.bad += other.bad;
        self.skipped += other.skipped;
    }
}

/// The counts a suite declares about itself (`None`: not declared).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Declared {
    /// Its tests.
    pub tests: Option<u64>,
    /// Its failed and errored tests (formats differ on which is which, so
    /// only their sum is compared).
    pub bad: Option<u64>,
    /// Its skipped tests.
    pub skipped: Option<u64>,
}

/// What checking a suite's declared counts gave.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The suite's tally as its parent should count it: the larger of what
    /// it declared and what it showed, per kind.
    pub effective: Tally,
    /// The warning, when the declared counts exceed what the cases show.
    pub warning: Option<String>,
    /// The failed case standing for missing failures and errors.
    pub synthetic: Option<TestCase>,
}

/// Compares the counts suite `name` of `source` declares with what its
/// cases show (`shown` includes nested suites' effective tallies).
/// `label` names the suite in messages (e.g. `suite "X"`), and the
/// synthetic case gets `suite`/`name` = `name`.
pub(crate) fn check_declared(
    source: &str,
    label: &str,
    name: &str,
    declared: Declared,
    mut shown: Tally,
) -> Checked {
    let short = |declared: Option<u64>, shown: u64| declared.unwrap_or(0).saturating_sub(shown);
    let missing_tests = short(declared.tests, shown.tests);
    let missing_bad = short(declared.bad, shown.bad);
    let missing_skipped = short(declared.skipped, shown.skipped);
    if missing_tests == 0 && missing_bad == 0 && missing_skipped == 0 {
        return Checked {
            effective: shown,
            warning: None,
            synthetic: None,
        };
    }
    let mut warning = format!(
        "{source}: {label} declares {} but its test cases show {}",
        describe(declared.tests, declared.bad, declared.skipped),
        describe(Some(shown.tests), Some(shown.bad), Some(shown.skipped)),
    );
    let synthetic = (missing_bad > 0).then(|| {
        let case_name = if name.is_empty() {
            "(unnamed suite)"
        } else {
            name
        };
        warning.push_str(&format!(
            "; the {missing_bad} missing {} counted as the failed test \"{case_name}\"",
            if missing_bad == 1 {
                "failure or error is"
            } else {
                "failures and errors are"
            }
        ));
        let mut case = TestCase {
            suite: name.to_string(),
            name: case_name.to_string(),
            status: CaseStatus::Failed,
            message: Some(format!(
                "{label} declares {missing_bad} more failed or errored {} than it has test cases for \
                 (the runner wrote counts without the cases)",
                if missing_bad == 1 { "test" } else { "tests" }
            )),
            ..TestCase::default()
        };
        case.properties
            .insert(SYNTHETIC_PROPERTY.to_string(), "declared-counts".to_string());
        shown.add(CaseStatus::Failed);
        case
    });
    let effective = Tally {
        tests: shown.tests.max(declared.tests.unwrap_or(0)),
        bad: shown.bad.max(declared.bad.unwrap_or(0)),
        skipped: shown.skipped.max(declared.skipped.unwrap_or(0)),
    };
    Checked {
        effective,
        warning: Some(warning),
        synthetic,
    }
}

fn describe(tests: Option<u64>, bad: Option<u64>, skipped: Option<u64>) -> String {
    let mut parts = Vec::new();
    if let Some(n) = tests {
        parts.push(format!("{n} tests"));
    }
    if let Some(n) = bad {
        parts.push(format!("{n} failed or errored"));
    }
    if let Some(n) = skipped {
        parts.push(format!("{n} skipped"));
    }
    parts.join(", ")
}

/// Reads the cases of one input as attempts wherever several share an
/// identity (suite, classname, name, file): they become one case at the
/// place of the first, with the first one's id, the last one's outcome and
/// texts, and the earlier ones (with their own attempts) as its attempts,
/// oldest first. The last attempt decides; a pass after a failure or an
/// error is flaky.
pub fn fold_attempts(cases: Vec<TestCase>) -> Vec<TestCase> {
    let mut out: Vec<TestCase> = Vec::with_capacity(cases.len());
    let mut index: HashMap<(String, String, String, Option<String>), usize> = HashMap::new();
    for case in cases {
        let key = (
            case.suite.clone(),
            case.classname.clone(),
            case.name.clone(),
            case.file.clone(),
        );
        let Some(&at) = index.get(&key) else {
            index.insert(key, out.len());
            out.push(case);
            continue;
        };
        let earlier = std::mem::take(&mut out[at]);
        let id = earlier.id.clone();
        let mut attempts = earlier.attempts.clone();
        attempts.push(attempt_of(&earlier));
        let mut later = case;
        attempts.append(&mut later.attempts);
        later.attempts = attempts;
        later.id = id;
        if later.status == CaseStatus::Passed
            && later.attempts.iter().any(|a| a.status.is_failure())
        {
            later.status = CaseStatus::Flaky;
        }
        out[at] = later;
    }
    out
}

/// One execution of `case` as an attempt (a flaky case's own run passed).
fn attempt_of(case: &TestCase) -> Attempt {
    Attempt {
        status: match case.status {
            CaseStatus::Flaky => CaseStatus::Passed,
            other => other,
        },
        duration_seconds: case.duration_seconds,
        message: case.message.clone(),
        details: case.details.clone(),
        stdout: case.stdout.clone(),
        stderr: case.stderr.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, status: CaseStatus) -> TestCase {
        TestCase::new("s", "c", name, status)
    }

    #[test]
    fn ordinals_keep_the_first_id_and_number_the_rest() {
        let mut ordinals = Ordinals::default();
        let mut cases: Vec<TestCase> = ["a", "b", "a", "a"]
            .iter()
            .map(|n| case(n, CaseStatus::Passed))
            .collect();
        let base = cases[0].id.clone();
        for c in &mut cases {
            ordinals.assign(c);
        }
        assert_eq!(cases[0].id, base);
        assert_eq!(cases[1].id, TestCase::compute_id("s", "c", "b", None));
        assert_eq!(cases[2].id, TestCase::repeat_id(&base, 2));
        assert_eq!(cases[3].id, TestCase::repeat_id(&base, 3));
        // Ids given by an input that are not 16 hex digits work the same.
        let mut given = TestCase {
            id: "custom".into(),
            ..TestCase::default()
        };
        let mut again = given.clone();
        ordinals.assign(&mut given);
        ordinals.assign(&mut again);
        assert_eq!(given.id, "custom");
        assert_eq!(again.id, TestCase::repeat_id("custom", 2));
    }

    #[test]
    fn the_last_attempt_decides() {
        use CaseStatus::*;
        let fold = |statuses: &[CaseStatus]| {
            let cases = statuses.iter().map(|s| case("t", *s)).collect();
            let folded = fold_attempts(cases);
            assert_eq!(folded.len(), 1);
            let attempts: Vec<CaseStatus> = folded[0].attempts.iter().map(|a| a.status).collect();
            (folded[0].status, attempts)
        };
        assert_eq!(fold(&[Failed, Passed]), (Flaky, vec![Failed]));
        assert_eq!(fold(&[Passed, Failed]), (Failed, vec![Passed]));
        assert_eq!(fold(&[Skipped, Failed]), (Failed, vec![Skipped]));
        assert_eq!(fold(&[Error, Error, Passed]), (Flaky, vec![Error, Error]));
        assert_eq!(fold(&[Passed, Passed]), (Passed, vec![Passed]));
        assert_eq!(fold(&[Failed, Skipped]), (Skipped, vec![Failed]));
    }

    #[test]
    fn folding_keeps_other_cases_their_order_and_the_first_id() {
        use CaseStatus::*;
        let mut first = case("t", Failed);
        first.message = Some("first run".into());
        let mut surefire = case("t", Flaky);
        surefire.attempts.push(Attempt {
            status: Error,
            ..Attempt::default()
        });
        let cases = vec![
            first.clone(),
            case("u", Passed),
            surefire,
            case("v", Skipped),
        ];
        let folded = fold_attempts(cases);
        let names: Vec<&str> = folded.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t", "u", "v"]);
        let t = &folded[0];
        assert_eq!(t.id, first.id);
        assert_eq!(t.status, Flaky);
        let attempts: Vec<(CaseStatus, Option<&str>)> = t
            .attempts
            .iter()
            .map(|a| (a.status, a.message.as_deref()))
            .collect();
        assert_eq!(attempts, [(Failed, Some("first run")), (Error, None)]);
    }

    #[test]
    fn declared_counts_beyond_the_cases_warn_and_stand_in() {
        let declared = Declared {
            tests: Some(6),
            bad: Some(1),
            skipped: Some(2),
        };
        let checked = check_declared("r.xml", "suite \"S\"", "S", declared, Tally::default());
        let warning = checked.warning.unwrap();
        assert!(warning.starts_with("r.xml: suite \"S\" declares 6 tests, 1 failed or errored, 2 skipped but its test cases show 0 tests"), "{warning}");
        let synthetic = checked.synthetic.unwrap();
        assert_eq!(
            (synthetic.suite.as_str(), synthetic.name.as_str()),
            ("S", "S")
        );
        assert_eq!(synthetic.status, CaseStatus::Failed);
        assert_eq!(
            checked.effective,
            Tally {
                tests: 6,
                bad: 1,
                skipped: 2
            }
        );
        // Only missing tests: a warning, no stand-in.
        let checked = check_declared(
            "r.xml",
            "suite \"S\"",
            "S",
            Declared {
                tests: Some(3),
                ..Declared::default()
            },
            Tally {
                tests: 2,
                bad: 0,
                skipped: 0,
            },
        );
        assert!(checked.warning.is_some() && checked.synthetic.is_none());
        // Shown meets declared: nothing.
        let shown = Tally {
            tests: 2,
            bad: 1,
            skipped: 0,
        };
        let checked = check_declared("r.xml", "x", "S", declared_of(shown), shown);
        assert!(checked.warning.is_none() && checked.synthetic.is_none());
    }

    fn declared_of(t: Tally) -> Declared {
        Declared {
            tests: Some(t.tests),
            bad: Some(t.bad),
            skipped: Some(t.skipped),
        }
    }
}
