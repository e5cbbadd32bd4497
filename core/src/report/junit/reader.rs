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
//! - Surefire reruns: each `flakyFailure`/`flakyError`/`rerunFailure`/
//!   `rerunError` becomes one [`Attempt`] (failed or error; message; details
//!   from `stackTrace`; its system-out and system-err), in
//!   document order. A case with retry elements and no failure, error or skip
//!   of its own is [`CaseStatus::Flaky`]; with `rerun*` after its own
//!   `<failure>`/`<error>` it stays failed/error, the reruns kept as attempts.
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
//! `<testsuite>` root fails with [`ErrorKind::Parse`], naming the source, line
//! and column: truncated files, text that is not XML, other encodings
//! (a UTF-16 byte order mark, a declaration naming another encoding, invalid
//! UTF-8). A DOCTYPE that declares entities is refused, so entity-expansion
//! attacks cannot work, and no entity is ever resolved: only the five
//! predefined entities and numeric character references are decoded. That
//! decoding is lenient: a reference to a character XML forbids (`&#x1B;`,
//! `&#0;`) becomes U+FFFD, and any other `&name;` or a lone `&` stays text.

mod input;
mod text;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Attempt, CaseStatus, Counts, SuiteInfo, TestCase};

use input::{Input, InputFailure, Location};
use text::{CappedText, MAX_REFERENCE_BYTES, decode_attribute, reference_at};

pub use input::MAX_MARKUP_BYTES;
pub use text::{TEXT_LIMIT_BYTES, truncation_marker};

/// The deepest element nesting accepted (real reports use fewer than 10).
pub const MAX_DEPTH: usize = 256;

/// Everything read from one JUnit XML input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JunitReport {
    /// Every `<testsuite>` element, in the order they start.
    pub suites: Vec<SuiteInfo>,
    /// Every `<testcase>`, in document order, each with its id filled.
    pub cases: Vec<TestCase>,
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
    let suites = for_each_case(reader, source, |case| {
        cases.push(case);
        Ok(())
    })?;
    Ok(JunitReport { suites, cases })
}

/// Streams JUnit XML from `reader`, calling `on_case` with each test case as
/// soon as it is complete, and returns the suites when the input ends.
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
) -> Result<Vec<SuiteInfo>> {
    let mut xml = quick_xml::Reader::from_reader(Input::new(reader));
    let config = xml.config_mut();
    config.check_end_names = true;
    config.allow_unmatched_ends = false;
    config.expand_empty_elements = false;
    config.trim_text(false);
    Parser {
        xml,
        buf: Vec::new(),
        source,
        on_case,
        doc: Document::default(),
        next_lt: NextByte::new(b'<'),
        next_amp: NextByte::new(b'&'),
    }
    .run()
}

/// Where the text scanner stopped.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// At a `<`.
    Markup,
    /// At the end of the input.
    Eof,
}

/// The reading loop: text and CDATA are streamed here, markup is read by
/// quick-xml, and elements are interpreted by [`Document`].
struct Parser<'s, R, F> {
    xml: quick_xml::Reader<Input<R>>,
    buf: Vec<u8>,
    source: &'s str,
    on_case: F,
    doc: Document,
    next_lt: NextByte,
    next_amp: NextByte,
}

impl<R: BufRead, F: FnMut(TestCase) -> Result<()>> Parser<'_, R, F> {
    fn run(mut self) -> Result<Vec<SuiteInfo>> {
        self.check_encoding_signature()?;
        loop {
            if self.scan_text()? == Stop::Eof {
                return self.finish();
            }
            self.fill(9)?;
            let ahead = self.xml.get_ref().buffered();
            if ahead.starts_with(b"<!--") {
                self.scan_delimited(4, "-->", "comment", false)?;
            } else if ahead.starts_with(b"<![CDATA[") {
                self.scan_delimited(9, "]]>", "CDATA section", true)?;
            } else {
                self.read_markup()?;
            }
        }
    }

    /// Skips a UTF-8 byte order mark; refuses UTF-16 input.
    fn check_encoding_signature(&mut self) -> Result<()> {
        self.fill(3)?;
        let head = self.xml.get_ref().buffered();
        if head.starts_with(b"\xEF\xBB\xBF") {
            self.consume(3);
        } else if [&b"\xFF\xFE"[..], b"\xFE\xFF", b"<\0", b"\0<"]
            .iter()
            .any(|signature| head.starts_with(signature))
        {
            return Err(self.error_at(
                0,
                "the input is UTF-16 encoded; testrelay reads UTF-8 JUnit XML only \
                 (convert it, e.g. with iconv -f UTF-16 -t UTF-8)",
            ));
        }
        Ok(())
    }

    /// Pins the current position and buffers at least `want` bytes (fewer at
    /// the end of the input); read them with `Input::buffered`.
    fn fill(&mut self, want: usize) -> Result<()> {
        let input = self.xml.get_mut();
        input.pin();
        if input.fill_at_least(want).is_err() {
            let offset = input.offset();
            return Err(self.input_error(offset));
        }
        Ok(())
    }

    /// Consumes `n` bytes through quick-xml's stream, keeping its offsets.
    fn consume(&mut self, n: usize) {
        self.xml.stream().consume(n);
    }

    /// Streams character data up to the next `<` or the end of the input
    /// into the current text sink, decoding references. Each buffered chunk
    /// is validated once and handled whole, however many references it holds.
    fn scan_text(&mut self) -> Result<Stop> {
        let mut need = 1;
        loop {
            self.fill(need)?;
            let offset = self.xml.get_ref().offset();
            let chunk = self.xml.get_ref().buffered();
            if chunk.is_empty() {
                return Ok(Stop::Eof);
            }
            let at_eof = chunk.len() < need;
            let (valid, complete) = utf8_prefix(chunk, !at_eof);
            let mut used = 0;
            let mut next_need = 1;
            let mut markup = false;
            while used < valid.len() {
                let rest = &valid[used..];
                let base = offset + used as u64;
                let lt = self.next_lt.find(rest, base);
                let amp = self.next_amp.find(rest, base);
                let stop = match (lt, amp) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let run = &rest[..stop.unwrap_or(rest.len())];
                if let Err((at, what)) = self.doc.sink().push_located(run) {
                    return Err(self.error_at(base + at as u64, what));
                }
                used += run.len();
                if stop.is_none() {
                    break;
                }
                if stop == lt {
                    markup = true;
                    break;
                }
                // A `&`: decode the reference when the buffer holds all of it.
                let tail = &chunk[used..];
                let (decoded, len) = match reference_at(tail) {
                    Some(found) => found,
                    None if tail.len() < MAX_REFERENCE_BYTES && !at_eof => {
                        next_need = MAX_REFERENCE_BYTES;
                        break;
                    }
                    None => ('&', 1),
                };
                let mut utf8 = [0; 4];
                let at = offset + used as u64;
                if let Err(what) = self.doc.sink().push(decoded.encode_utf8(&mut utf8), false) {
                    return Err(self.error_at(at, what));
                }
                used += len;
            }
            if !markup && used == valid.len() && !complete {
                return Err(self.invalid_utf8(offset + valid.len() as u64));
            }
            if used == 0 && !markup && next_need == 1 {
                // Only a character split by the end of the buffered bytes.
                if at_eof {
                    return Err(self.invalid_utf8(offset));
                }
                next_need = chunk.len() + 1;
            }
            self.consume(used);
            if markup {
                return Ok(Stop::Markup);
            }
            need = next_need;
        }
    }

    /// Streams a comment or a CDATA section: skips `open_len` bytes of
    /// opener, then reads up to `terminator` (ASCII), sending the body to the
    /// current sink when `keep` (CDATA) and dropping it otherwise (comments).
    fn scan_delimited(
        &mut self,
        open_len: usize,
        terminator: &str,
        what: &str,
        keep: bool,
    ) -> Result<()> {
        let start = self.xml.get_ref().offset();
        if keep && self.doc.stack.is_empty() {
            return Err(self.error_at(start, OUTSIDE_ROOT));
        }
        // Located now: the pin moves on while the body streams by.
        let opened = self.xml.get_ref().location(start);
        self.consume(open_len);
        let mut need = terminator.len();
        loop {
            self.fill(need)?;
            let offset = self.xml.get_ref().offset();
            let chunk = self.xml.get_ref().buffered();
            let (valid, complete) = utf8_prefix(chunk, true);
            let found = find_ascii(valid, terminator);
            if found.is_none() {
                if !complete {
                    return Err(self.invalid_utf8(offset + valid.len() as u64));
                }
                if chunk.len() < need {
                    return Err(self.error_located(
                        opened,
                        format!("this {what} is never closed: the file is truncated"),
                    ));
                }
            }
            // Without a terminator, hold back bytes that may begin one.
            let mut body_len =
                found.unwrap_or_else(|| valid.len().saturating_sub(terminator.len() - 1));
            while !valid.is_char_boundary(body_len) {
                body_len -= 1;
            }
            if keep {
                // CDATA is literal text: no references, no markup.
                self.doc
                    .sink()
                    .push(&valid[..body_len], true)
                    .map_err(|what| self.error_at(offset, what))?;
            }
            if found.is_some() {
                self.consume(body_len + terminator.len());
                return Ok(());
            }
            if body_len == 0 {
                need = chunk.len() + 1;
            } else {
                need = terminator.len();
                self.consume(body_len);
            }
        }
    }

    /// Reads one piece of markup with quick-xml and interprets it.
    fn read_markup(&mut self) -> Result<()> {
        let start = self.xml.get_ref().offset();
        self.doc.line = self.xml.get_ref().location(start).line;
        self.xml.get_mut().set_budget(true);
        let read = self.xml.read_event_into(&mut self.buf);
        self.xml.get_mut().set_budget(false);
        let event = match read {
            Ok(event) => event,
            Err(err) => {
                return Err(if self.xml.get_ref().has_failure() {
                    self.input_error(start)
                } else {
                    self.error_at(self.xml.error_position(), err)
                });
            }
        };
        if let Err(e) = std::str::from_utf8(&event) {
            // An event's bytes are its markup after the `<`.
            return Err(self.invalid_utf8(start + 1 + e.valid_up_to() as u64));
        }
        let finished = match event {
            Event::Start(e) => self.doc.open(&e, false),
            Event::Empty(e) => self.doc.open(&e, true),
            Event::End(_) => self.doc.close(),
            Event::Decl(decl) => check_declared_encoding(&decl).map(|()| None),
            Event::DocType(doctype) => check_doctype(&doctype).map(|()| None),
            Event::PI(_) | Event::Comment(_) => Ok(None),
            Event::CData(_) | Event::Text(_) | Event::GeneralRef(_) | Event::Eof => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!(
                        "reading {}: the XML tokenizer returned character data where markup starts",
                        self.source
                    ),
                ));
            }
        };
        self.buf.clear();
        if self.buf.capacity() > TEXT_LIMIT_BYTES {
            self.buf = Vec::new();
        }
        self.xml.get_mut().shrink();
        match finished {
            Ok(Some(case)) => (self.on_case)(case),
            Ok(None) => Ok(()),
            Err(what) => Err(self.error_at(start, what)),
        }
    }

    /// Checks that the document ended cleanly and returns the suites.
    fn finish(self) -> Result<Vec<SuiteInfo>> {
        let end = self.xml.get_ref().offset();
        if let Some(open) = self.doc.stack.last() {
            return Err(self.error_at(
                end,
                format!(
                    "the input ends inside <{}> (opened at line {}): the file is truncated",
                    open.name, open.line
                ),
            ));
        }
        if !self.doc.root_seen {
            return Err(self.error_at(
                end,
                "the input has no root element: expected <testsuites> or <testsuite>",
            ));
        }
        Ok(self.doc.suites)
    }

    /// The error for a failure of the input itself; `offset` is where the
    /// construct being read starts.
    fn input_error(&mut self, offset: u64) -> Error {
        match self.xml.get_mut().take_failure() {
            Some(InputFailure::Io(e)) => {
                Error::new(ErrorKind::Io, format!("reading {}: {e}", self.source)).with_source(e)
            }
            Some(InputFailure::MarkupTooLong) => self.error_at(
                offset,
                format!(
                    "a tag or declaration is longer than {} MiB",
                    MAX_MARKUP_BYTES >> 20
                ),
            ),
            None => Error::new(
                ErrorKind::Io,
                format!("reading {}: the input failed", self.source),
            ),
        }
    }

    fn invalid_utf8(&self, at: u64) -> Error {
        self.error_at(
            at,
            "invalid UTF-8: testrelay reads UTF-8 JUnit XML only \
             (was the file written in another encoding?)",
        )
    }

    /// A `Parse` error at absolute byte offset `at` (at or after the pin).
    fn error_at(&self, at: u64, what: impl std::fmt::Display) -> Error {
        self.error_located(self.xml.get_ref().location(at), what)
    }

    /// A `Parse` error at `location`.
    fn error_located(&self, location: Location, what: impl std::fmt::Display) -> Error {
        let Location { line, column } = location;
        Error::new(
            ErrorKind::Parse,
            format!(
                "invalid JUnit XML in {} at line {line}, column {column}: {what}",
                self.source
            ),
        )
    }
}

/// The longest prefix of `bytes` that is valid UTF-8, and whether the rest is
/// acceptable: empty, or (when `more_follows`) an incomplete character that
/// the next bytes may complete.
fn utf8_prefix(bytes: &[u8], more_follows: bool) -> (&str, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s, true),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            (prefix, more_follows && e.error_len().is_none())
        }
    }
}

/// The first occurrence of the ASCII `needle` in `haystack`. Searching for
/// its first byte keeps this fast even in unoptimized builds.
fn find_ascii(haystack: &str, needle: &str) -> Option<usize> {
    let first = needle.chars().next()?;
    let mut from = 0;
    while let Some(i) = haystack.get(from..)?.find(first) {
        let at = from + i;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Finds the next occurrence of one ASCII byte in the buffered text without
/// searching any byte twice, however often it is asked while the scanner
/// consumes the text in small steps. Positions are absolute offsets.
#[derive(Debug)]
struct NextByte {
    byte: char,
    /// The next occurrence found and not yet passed.
    hit: Option<u64>,
    /// Bytes before this offset (and at or after the scanner) hold none.
    clean_until: u64,
}

impl NextByte {
    fn new(byte: u8) -> NextByte {
        NextByte {
            byte: char::from(byte),
            hit: None,
            clean_until: 0,
        }
    }

    /// Index in `text` (which starts at absolute `base`) of the first
    /// occurrence, if `text` holds one.
    fn find(&mut self, text: &str, base: u64) -> Option<usize> {
        if let Some(hit) = self.hit {
            if hit >= base {
                let index = usize::try_from(hit - base).ok()?;
                return (index < text.len()).then_some(index);
            }
            self.hit = None;
            self.clean_until = self.clean_until.max(hit + 1);
        }
        let from = usize::try_from(self.clean_until.saturating_sub(base)).unwrap_or(usize::MAX);
        let rest = match text.get(from..) {
            Some(rest) => rest,
            None if from >= text.len() => return None,
            None => text,
        };
        let from = text.len() - rest.len();
        match rest.find(self.byte) {
            Some(i) => {
                self.hit = Some(base + (from + i) as u64);
                Some(from + i)
            }
            None => {
                self.clean_until = base + text.len() as u64;
                None
            }
        }
    }
}

/// Refuses a declaration naming an encoding other than UTF-8 (or ASCII).
fn check_declared_encoding(decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), String> {
    let Some(Ok(encoding)) = decl.encoding() else {
        return Ok(());
    };
    let name = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
    if matches!(name.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
        Ok(())
    } else {
        Err(format!(
            "the file declares encoding {name:?}; testrelay reads UTF-8 JUnit XML only \
             (convert it, e.g. with iconv -f {name} -t UTF-8)"
        ))
    }
}

/// Refuses a DOCTYPE that declares entities (entity expansion is never done).
fn check_doctype(doctype: &[u8]) -> Result<(), String> {
    let declares_entity = doctype
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"<!ENTITY"));
    if declares_entity {
        Err(
            "the DOCTYPE declares entities; testrelay never expands entities \
             (a defence against entity-expansion attacks), so it refuses such input"
                .to_string(),
        )
    } else {
        Ok(())
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
enum Sink<'a> {
    /// Kept (capped) in this buffer.
    Keep(&'a mut CappedText),
    /// Inside the root but not in a text-bearing element: dropped.
    Discard,
    /// Outside the root element: only whitespace is allowed.
    OutsideRoot,
}

impl Sink<'_> {
    /// Adds decoded text; `literal` text is subject to line-end normalization.
    fn push(self, s: &str, literal: bool) -> Result<(), &'static str> {
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
    fn push_located(self, s: &str) -> Result<(), (usize, &'static str)> {
        if let Sink::OutsideRoot = self {
            if let Some(at) = s.bytes().position(|b| !is_xml_space(b)) {
                return Err((at, OUTSIDE_ROOT));
            }
            return Ok(());
        }
        self.push(s, true).map_err(|what| (0, what))
    }
}

const OUTSIDE_ROOT: &str = "text outside the root element: this is not JUnit XML";

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The interpretation of elements: what is open, and the suites and the case
/// being built.
#[derive(Debug, Default)]
struct Document {
    stack: Vec<Frame>,
    root_seen: bool,
    suites: Vec<SuiteInfo>,
    open_suites: Vec<OpenSuite>,
    case: Option<CaseBuilder>,
    retry: Option<RetryBuilder>,
    property: Option<PropertyBuilder>,
    /// Line of the element being opened (for messages about unclosed ones).
    line: u64,
}

impl Document {
    /// The sink for character data at the current position.
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

    /// Opens an element; for an empty one (`<x/>`) closes it at once. Returns
    /// a test case when one is complete.
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<Option<TestCase>, String> {
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
            line: self.line,
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
    fn close(&mut self) -> Result<Option<TestCase>, String> {
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

    #[test]
    fn utf8_prefix_distinguishes_split_from_invalid() {
        assert_eq!(utf8_prefix(b"ab\xC3", true), ("ab", true));
        assert_eq!(utf8_prefix(b"ab\xC3", false), ("ab", false));
        assert_eq!(utf8_prefix(b"ab\xFFcd", true), ("ab", false));
        assert_eq!(utf8_prefix("é".as_bytes(), false), ("é", true));
    }
}
