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
//! `<testsuite>` root fails with [`ErrorKind::Parse`], naming the source, line
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
mod input;
mod scan;
mod text;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::events::Event;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Counts, SuiteInfo, TestCase};

use document::{Document, OUTSIDE_ROOT};
use input::{Input, InputFailure, Location};
use scan::{NextByte, find_ascii, utf8_prefix};
use text::{MAX_REFERENCE_BYTES, reference_at};

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
        if keep && self.doc.at_top_level() {
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
        let line = self.xml.get_ref().location(start).line;
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
            Event::Start(e) => self.doc.open(&e, false, line),
            Event::Empty(e) => self.doc.open(&e, true, line),
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
        let location = self.xml.get_ref().location(end);
        let source = self.source;
        self.doc
            .finish()
            .map_err(|what| parse_error(source, location, what))
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
        parse_error(self.source, location, what)
    }
}

/// A `Parse` error about `source` at `location`.
fn parse_error(source: &str, location: Location, what: impl std::fmt::Display) -> Error {
    let Location { line, column } = location;
    Error::new(
        ErrorKind::Parse,
        format!("invalid JUnit XML in {source} at line {line}, column {column}: {what}"),
    )
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
