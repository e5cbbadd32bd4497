//! JUnit XML writer.
//!
//! The output is always `testsuites > testsuite > testcase`, one
//! `testsuite` per distinct [`TestCase::suite`] in first-seen order (a case
//! with an empty suite goes into a suite named after the run). Every
//! `testcase` has `name`, `classname` (the suite when the case has none) and
//! `time` in seconds with a dot decimal; every `testsuite` has `timestamp`
//! and `time`.
//!
//! Outcomes:
//! - failed / errored case: `<failure>` / `<error>` with `message` and `type`
//!   attributes and the stack trace ([`TestCase::details`]) as the body; each
//!   earlier failing attempt adds a `<rerunFailure>` / `<rerunError>`.
//! - flaky (or passed) case with earlier failing attempts: a passing
//!   testcase with one `<flakyFailure>` / `<flakyError>` per failing attempt
//!   (Surefire's shape: `message`, `type`, then `stackTrace`, `system-out`,
//!   `system-err` children). Attempts that passed or were skipped have no
//!   JUnit form and are left out; attempt durations are not written.
//! - skipped case: `<skipped message="..">`.
//!
//! The model has no exception type, so `type` is the outcome word
//! (`failure` or `error`).
//!
//! Characters that XML 1.0 forbids (C0 controls other than tab, LF and CR,
//! U+FFFE, U+FFFF) are removed from every attribute and text. Text is written
//! escaped (not as CDATA), so `]]>` comes out as `]]&gt;`; carriage returns
//! are written as `&#13;`, and tabs and newlines in attributes as character
//! references, so they survive a parser's normalization.
//!
//! Times: `testcase@time` has up to 6 decimals; `testsuite@time` and
//! `testsuites@time` have at most 3, as the schema's `SUREFIRE_TIME` pattern
//! requires. Trailing zeros are trimmed; there is never an exponent.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

use crate::config::JunitProfile;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attempt, CaseStatus, Counts, SuiteInfo, TestCase, TestRun};

/// Writes `run` as JUnit XML ([`JunitProfile::Full`]) to `out`.
///
/// `out` is buffered internally and flushed before returning.
///
/// Errors: `Io` when writing to `out` fails.
pub fn write_junit<W: Write>(run: &TestRun, out: W) -> Result<()> {
    write_junit_with(run, JunitProfile::Full, out)
}

/// Writes `run` as JUnit XML in the given `profile` to `out`.
///
/// See the module docs for the shape. `out` is buffered internally and
/// flushed before returning.
///
/// Errors: `Io` when writing to `out` fails.
pub fn write_junit_with<W: Write>(run: &TestRun, profile: JunitProfile, out: W) -> Result<()> {
    let mut xml = Xml {
        out: BufWriter::new(out),
    };
    write_document(&mut xml, run, profile).map_err(io_failed)
}

/// One `testsuite`: its name and its cases in recorded order.
struct SuiteGroup<'a> {
    name: &'a str,
    cases: Vec<&'a TestCase>,
}

/// Groups the cases by effective suite name, in first-seen order.
fn group_by_suite(run: &TestRun) -> Vec<SuiteGroup<'_>> {
    let mut groups: Vec<SuiteGroup<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for case in &run.cases {
        let name = if case.suite.is_empty() {
            run.name.as_str()
        } else {
            case.suite.as_str()
        };
        let i = *index.entry(name).or_insert_with(|| {
            groups.push(SuiteGroup {
                name,
                cases: Vec::new(),
            });
            groups.len() - 1
        });
        groups[i].cases.push(case);
    }
    groups
}

fn write_document<W: Write>(
    xml: &mut Xml<W>,
    run: &TestRun,
    profile: JunitProfile,
) -> std::io::Result<()> {
    let groups = group_by_suite(run);
    let totals: Vec<SuiteTotals<'_>> = groups
        .iter()
        .map(|g| SuiteTotals {
            name: g.name,
            counts: Counts::of(g.cases.iter().copied()),
            case_time: g.cases.iter().map(|c| c.duration_seconds).sum(),
        })
        .collect();
    write_frame(xml, run, &run.counts(), &totals, |xml, i| {
        let group = &groups[i];
        for case in &group.cases {
            write_case(xml, case, group.name, profile)?;
        }
        Ok(())
    })
}

/// What a `testsuite` start tag says of its cases.
struct SuiteTotals<'a> {
    name: &'a str,
    counts: Counts,
    /// The sum of its cases' durations, in case order.
    case_time: f64,
}

/// Writes the document around the cases: the declaration, `testsuites`
/// with `counts` (of every case), and for each of `suites` its start tag,
/// then `cases(xml, index)` (its `testcase` elements), then its own output
/// and end tag. Flushes `xml` at the end.
fn write_frame<W: Write>(
    xml: &mut Xml<W>,
    run: &TestRun,
    counts: &Counts,
    suites: &[SuiteTotals<'_>],
    mut cases: impl FnMut(&mut Xml<W>, usize) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // The first `SuiteInfo` of each name (a file may have tens of thousands).
    let mut infos: HashMap<&str, &SuiteInfo> = HashMap::with_capacity(run.suites.len());
    for info in &run.suites {
        infos.entry(info.name.as_str()).or_insert(info);
    }
    let suite_info = |name: &str| infos.get(name).copied();
    let suite_times: Vec<f64> = suites
        .iter()
        .map(|g| {
            suite_info(g.name)
                .and_then(|s| s.duration_seconds)
                .unwrap_or(g.case_time)
        })
        .collect();
    let total_time = if run.duration_seconds > 0.0 {
        run.duration_seconds
    } else {
        suite_times.iter().sum()
    };

    xml.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    let root_attrs = [
        ("name", Cow::from(&run.name)),
        ("tests", counts.total.to_string().into()),
        ("failures", counts.failed.to_string().into()),
        ("errors", counts.errors.to_string().into()),
        ("time", seconds(total_time, 3).into()),
    ];
    if suites.is_empty() {
        xml.empty(0, "testsuites", &root_attrs)?;
        return xml.out.flush();
    }
    xml.open(0, "testsuites", &root_attrs)?;
    let started_fallback = run
        .started_at
        .clone()
        .unwrap_or_else(crate::time::now_rfc3339);
    for (i, (suite, time)) in suites.iter().zip(suite_times).enumerate() {
        let info = suite_info(suite.name);
        write_suite_head(
            xml,
            info,
            suite.name,
            &suite.counts,
            time,
            &started_fallback,
        )?;
        cases(xml, i)?;
        write_suite_tail(xml, info)?;
    }
    xml.close(0, "testsuites")?;
    xml.out.flush()
}

/// A JUnit document written from cases handed over one at a time
/// ([`JunitStream::push`]), the same bytes as [`write_junit_with`] writes
/// for a run with those cases in that order.
///
/// Each case is written when it is pushed, to `spill` (a scratch file the
/// stream owns, e.g. `tempfile::tempfile_in`); the stream keeps only the
/// totals of each suite and where its cases are in `spill`.
/// [`JunitStream::finish`] writes the document, copying the cases back
/// suite by suite.
pub struct JunitStream<S: Read + Write + Seek> {
    spill: BufWriter<S>,
    profile: JunitProfile,
    run_name: String,
    /// One case's XML, reused.
    buf: Vec<u8>,
    /// Bytes written to `spill` so far.
    at: u64,
    suites: Vec<StreamSuite>,
    index: HashMap<String, usize>,
    counts: Counts,
}

/// A suite of a [`JunitStream`]: its totals and the spans of `spill`
/// (offset, length) holding its cases, in order.
struct StreamSuite {
    name: String,
    counts: Counts,
    case_time: f64,
    spans: Vec<(u64, u64)>,
}

impl<S: Read + Write + Seek> JunitStream<S> {
    /// A stream writing its cases to `spill` (which it owns and reads back
    /// in `finish`). `run_name` is the name of the suite of cases without
    /// one and must be the `name` of the run given to `finish`.
    pub fn new(spill: S, run_name: &str, profile: JunitProfile) -> JunitStream<S> {
        JunitStream {
            spill: BufWriter::with_capacity(64 << 10, spill),
            profile,
            run_name: run_name.to_string(),
            buf: Vec::with_capacity(4096),
            at: 0,
            suites: Vec::new(),
            index: HashMap::new(),
            counts: Counts::default(),
        }
    }

    /// Writes one case.
    ///
    /// Errors: `Io` when writing to the spill file fails.
    pub fn push(&mut self, case: &TestCase) -> Result<()> {
        let name = if case.suite.is_empty() {
            self.run_name.as_str()
        } else {
            case.suite.as_str()
        };
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.suites.push(StreamSuite {
                    name: name.to_string(),
                    counts: Counts::default(),
                    case_time: 0.0,
                    spans: Vec::new(),
                });
                self.index.insert(name.to_string(), self.suites.len() - 1);
                self.suites.len() - 1
            }
        };
        self.buf.clear();
        write_case(&mut Xml { out: &mut self.buf }, case, name, self.profile)
            .and_then(|()| self.spill.write_all(&self.buf))
            .map_err(io_failed)?;
        let len = self.buf.len() as u64;
        let suite = &mut self.suites[i];
        suite.counts.add(case.status);
        suite.case_time += case.duration_seconds;
        match suite.spans.last_mut() {
            Some((offset, n)) if *offset + *n == self.at => *n += len,
            _ => suite.spans.push((self.at, len)),
        }
        self.at += len;
        self.counts.add(case.status);
        Ok(())
    }

    /// Writes the document to `out` (buffered internally, flushed before
    /// returning): `run` gives its name, timing and suites (its cases are
    /// not read; those pushed are written).
    ///
    /// Errors: `Io` when reading the spill file or writing `out` fails.
    pub fn finish<W: Write>(self, run: &TestRun, out: W) -> Result<()> {
        let mut spill = self
            .spill
            .into_inner()
            .map_err(|e| io_failed(e.into_error()))?;
        let totals: Vec<SuiteTotals<'_>> = self
            .suites
            .iter()
            .map(|s| SuiteTotals {
                name: &s.name,
                counts: s.counts,
                case_time: s.case_time,
            })
            .collect();
        let mut xml = Xml {
            out: BufWriter::new(out),
        };
        write_frame(&mut xml, run, &self.counts, &totals, |xml, i| {
            for &(offset, len) in &self.suites[i].spans {
                spill.seek(SeekFrom::Start(offset))?;
                let copied = std::io::copy(&mut (&mut spill).take(len), &mut xml.out)?;
                if copied != len {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the spill file of the JUnit report is shorter than written",
                    ));
                }
            }
            Ok(())
        })
        .map_err(io_failed)
    }
}

fn io_failed(e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("writing JUnit XML failed: {e}; check that the output is writable"),
    )
    .with_source(e)
}

/// A `testsuite` start tag and its properties.
fn write_suite_head<W: Write>(
    xml: &mut Xml<W>,
    info: Option<&SuiteInfo>,
    name: &str,
    counts: &Counts,
    time: f64,
    started_fallback: &str,
) -> std::io::Result<()> {
    let mut attrs = vec![
        ("name", Cow::from(name)),
        ("tests", counts.total.to_string().into()),
        ("failures", counts.failed.to_string().into()),
        ("errors", counts.errors.to_string().into()),
        ("skipped", counts.skipped.to_string().into()),
        ("time", seconds(time, 3).into()),
        (
            "timestamp",
            info.and_then(|s| s.timestamp.as_deref())
                .unwrap_or(started_fallback)
                .into(),
        ),
    ];
    if let Some(host) = info.and_then(|s| s.hostname.as_deref()) {
        attrs.push(("hostname", host.into()));
    }
    xml.open(1, "testsuite", &attrs)?;
    if let Some(info) = info {
        write_properties(xml, 2, &info.properties)?;
    }
    Ok(())
}

/// A `testsuite`'s own output and its end tag.
fn write_suite_tail<W: Write>(xml: &mut Xml<W>, info: Option<&SuiteInfo>) -> std::io::Result<()> {
    if let Some(info) = info {
        write_text_opt(xml, 2, "system-out", info.stdout.as_deref())?;
        write_text_opt(xml, 2, "system-err", info.stderr.as_deref())?;
    }
    xml.close(1, "testsuite")
}

fn write_properties<W: Write>(
    xml: &mut Xml<W>,
    depth: usize,
    properties: &std::collections::BTreeMap<String, String>,
) -> std::io::Result<()> {
    if properties.is_empty() {
        return Ok(());
    }
    xml.open(depth, "properties", &[])?;
    for (name, value) in properties {
        xml.empty(
            depth + 1,
            "property",
            &[("name", name.into()), ("value", value.into())],
        )?;
    }
    xml.close(depth, "properties")
}

fn write_case<W: Write>(
    xml: &mut Xml<W>,
    case: &TestCase,
    suite_name: &str,
    profile: JunitProfile,
) -> std::io::Result<()> {
    let classname = if case.classname.is_empty() {
        suite_name
    } else {
        case.classname.as_str()
    };
    let mut attrs = vec![
        ("name", Cow::from(&case.name)),
        ("classname", classname.into()),
        ("time", seconds(case.duration_seconds, 6).into()),
    ];
    let full = profile == JunitProfile::Full;
    if full {
        if let Some(file) = &case.file {
            attrs.push(("file", file.into()));
        }
        if let Some(line) = case.line {
            attrs.push(("line", line.to_string().into()));
        }
    }
    let failing_attempts: Vec<&Attempt> = case
        .attempts
        .iter()
        .filter(|a| a.status.is_failure())
        .collect();
    let has_children = (full && !case.properties.is_empty())
        || case.status != CaseStatus::Passed
        || !failing_attempts.is_empty()
        || case.stdout.is_some()
        || case.stderr.is_some();
    if !has_children {
        return xml.empty(2, "testcase", &attrs);
    }
    xml.open(2, "testcase", &attrs)?;
    if full {
        write_properties(xml, 3, &case.properties)?;
    }
    match case.status {
        CaseStatus::Failed | CaseStatus::Error => {
            let tag = if case.status == CaseStatus::Failed {
                "failure"
            } else {
                "error"
            };
            xml.text_element(
                3,
                tag,
                &outcome_attrs(case.message.as_deref(), tag),
                case.details.as_deref().unwrap_or(""),
            )?;
            for attempt in &failing_attempts {
                write_attempt(xml, "rerun", attempt)?;
            }
        }
        CaseStatus::Skipped => {
            let attrs: Vec<Attr<'_>> = case.message.iter().map(|m| ("message", m.into())).collect();
            xml.text_element(3, "skipped", &attrs, case.details.as_deref().unwrap_or(""))?;
        }
        CaseStatus::Passed | CaseStatus::Flaky => {
            for attempt in &failing_attempts {
                write_attempt(xml, "flaky", attempt)?;
            }
        }
    }
    write_text_opt(xml, 3, "system-out", case.stdout.as_deref())?;
    write_text_opt(xml, 3, "system-err", case.stderr.as_deref())?;
    xml.close(2, "testcase")
}

/// `message` (when known) and `type` attributes of a failure-like element.
fn outcome_attrs<'a>(message: Option<&'a str>, kind: &'a str) -> Vec<Attr<'a>> {
    let mut attrs = Vec::with_capacity(2);
    if let Some(m) = message {
        attrs.push(("message", m.into()));
    }
    attrs.push(("type", kind.into()));
    attrs
}

/// Writes one earlier attempt as `<{prefix}Failure>` or `<{prefix}Error>`.
fn write_attempt<W: Write>(
    xml: &mut Xml<W>,
    prefix: &str,
    attempt: &Attempt,
) -> std::io::Result<()> {
    let (suffix, kind) = if attempt.status == CaseStatus::Error {
        ("Error", "error")
    } else {
        ("Failure", "failure")
    };
    let tag = format!("{prefix}{suffix}");
    let attrs = outcome_attrs(attempt.message.as_deref(), kind);
    let parts = [
        ("stackTrace", attempt.details.as_deref()),
        ("system-out", attempt.stdout.as_deref()),
        ("system-err", attempt.stderr.as_deref()),
    ];
    if parts.iter().all(|(_, v)| v.is_none()) {
        return xml.empty(3, &tag, &attrs);
    }
    xml.open(3, &tag, &attrs)?;
    for (child, value) in parts {
        write_text_opt(xml, 4, child, value)?;
    }
    xml.close(3, &tag)
}

fn write_text_opt<W: Write>(
    xml: &mut Xml<W>,
    depth: usize,
    tag: &str,
    text: Option<&str>,
) -> std::io::Result<()> {
    match text {
        Some(t) => xml.text_element(depth, tag, &[], t),
        None => Ok(()),
    }
}

/// Seconds as a plain decimal with at most `decimals` digits after the dot,
/// trailing zeros trimmed; negative or non-finite values become `0`.
fn seconds(secs: f64, decimals: usize) -> String {
    let secs = if secs.is_finite() && secs > 0.0 {
        secs
    } else {
        0.0
    };
    let mut s = format!("{secs:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    s
}

/// Appends `s` to `out`, escaped for XML 1.0 text (`attr == false`) or a
/// double-quoted attribute value (`attr == true`). Characters XML forbids
/// are dropped. This is the writer's only escaping function: runs of
/// characters that need nothing are copied whole.
fn escape_into(out: &mut String, s: &str, attr: bool) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // What replaces the character at `i`, and how many bytes it has.
        let (with, len) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' if attr => ("&quot;", 1),
            b'\t' if attr => ("&#9;", 1),
            b'\n' if attr => ("&#10;", 1),
            b'\r' => ("&#13;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            // Other C0 controls are not XML characters.
            0..=0x1F => ("", 1),
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not either.
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                ("", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(with);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// An attribute: its name and its value (unescaped).
type Attr<'a> = (&'static str, Cow<'a, str>);

/// A minimal indenting XML emitter over a writer (buffered by the caller).
struct Xml<W: Write> {
    out: W,
}

impl<W: Write> Xml<W> {
    fn raw(&mut self, s: &str) -> std::io::Result<()> {
        self.out.write_all(s.as_bytes())
    }

    /// `  <tag a="v"` (indented), without the closing `>`.
    fn start_tag(depth: usize, tag: &str, attrs: &[Attr<'_>]) -> String {
        let mut s = String::with_capacity(64);
        for _ in 0..depth {
            s.push_str("  ");
        }
        s.push('<');
        s.push_str(tag);
        for (name, value) in attrs {
            s.push(' ');
            s.push_str(name);
            s.push_str("=\"");
            escape_into(&mut s, value, true);
            s.push('"');
        }
        s
    }

    fn open(&mut self, depth: usize, tag: &str, attrs: &[Attr<'_>]) -> std::io::Result<()> {
        let mut s = Self::start_tag(depth, tag, attrs);
        s.push_str(">\n");
        self.raw(&s)
    }

    fn empty(&mut self, depth: usize, tag: &str, attrs: &[Attr<'_>]) -> std::io::Result<()> {
        let mut s = Self::start_tag(depth, tag, attrs);
        s.push_str("/>\n");
        self.raw(&s)
    }

    fn close(&mut self, depth: usize, tag: &str) -> std::io::Result<()> {
        let mut s = String::with_capacity(tag.len() + 2 * depth + 4);
        for _ in 0..depth {
            s.push_str("  ");
        }
        s.push_str("</");
        s.push_str(tag);
        s.push_str(">\n");
        self.raw(&s)
    }

    /// `<tag attrs>text</tag>`, or `<tag attrs/>` when `text` is empty.
    fn text_element(
        &mut self,
        depth: usize,
        tag: &str,
        attrs: &[Attr<'_>],
        text: &str,
    ) -> std::io::Result<()> {
        if text.is_empty() {
            return self.empty(depth, tag, attrs);
        }
        let mut s = Self::start_tag(depth, tag, attrs);
        s.push('>');
        escape_into(&mut s, text, false);
        s.push_str("</");
        s.push_str(tag);
        s.push_str(">\n");
        self.raw(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_plain_decimals() {
        assert_eq!(seconds(1.5, 6), "1.5");
        assert_eq!(seconds(2.0, 6), "2");
        assert_eq!(seconds(0.0000012, 6), "0.000001");
        assert_eq!(seconds(0.0000004, 6), "0");
        assert_eq!(seconds(1.23456, 3), "1.235");
        assert_eq!(seconds(1e20, 3), "100000000000000000000");
        assert_eq!(seconds(-3.0, 3), "0");
        assert_eq!(seconds(f64::NAN, 3), "0");
        assert_eq!(seconds(f64::INFINITY, 6), "0");
    }

    #[test]
    fn escaping_drops_illegal_characters() {
        let mut s = String::new();
        escape_into(
            &mut s,
            "a\u{1}b\u{FFFE}\u{FFFF}c\u{1B}[0m]]>&\"\t\n\r",
            false,
        );
        assert_eq!(s, "abc[0m]]&gt;&amp;\"\t\n&#13;");
        let mut a = String::new();
        escape_into(&mut a, "x\"<\t\n\r\u{0}", true);
        assert_eq!(a, "x&quot;&lt;&#9;&#10;&#13;");
        // Neighbours of U+FFFE/U+FFFF in UTF-8 stay; text after them too.
        let mut k = String::new();
        escape_into(&mut k, "\u{FFFD}\u{FEFF}\u{EFBF}é\u{FFFF}z", true);
        assert_eq!(k, "\u{FFFD}\u{FEFF}\u{EFBF}éz");
    }
}
