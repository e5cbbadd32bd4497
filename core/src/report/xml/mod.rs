//! The streaming XML machinery shared by every XML results reader (JUnit,
//! TRX, NUnit 2 and 3, xUnit.net v2).
//!
//! [`read`] drives one [`Interpreter`]: character data and CDATA are streamed
//! here into the interpreter's current [`Sink`] (capped, references
//! decoded), markup is read by quick-xml and handed to the interpreter, and
//! every case the interpreter completes goes to the caller's callback at once.
//! Memory is bounded by what the interpreter keeps (each text capped at
//! [`TEXT_LIMIT_BYTES`]), not by the size of the input.
//!
//! What every format gets from here: UTF-8 only (a UTF-16 byte order mark
//! or a declaration of another encoding is refused with a hint), a DOCTYPE
//! that declares entities is refused and no entity is ever expanded, one tag
//! is at most [`MAX_MARKUP_BYTES`], and every error names the source, line
//! and column.

pub(crate) mod input;
pub(crate) mod scan;
pub(crate) mod text;

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, ErrorKind, Result};
use crate::model::TestCase;

use input::{Input, InputFailure, Location};
use scan::{find_ascii, utf8_prefix};
use text::{CappedText, MAX_REFERENCE_BYTES, decode_attribute, reference_at};

pub use input::MAX_MARKUP_BYTES;
pub use text::{TEXT_LIMIT_BYTES, truncation_marker};

/// The deepest element nesting accepted (real reports use fewer than 10).
pub const MAX_DEPTH: usize = 256;

/// The message for text outside the root element.
pub(crate) const OUTSIDE_ROOT: &str = "text outside the root element: this is not XML";

/// How one XML format interprets its elements. The reading loop calls
/// `sink` for character data, `open`/`close` for elements, then drains
/// `next_case` after each; at the end of the input `end`, a last drain, and
/// the caller takes what else it needs from the interpreter.
pub(crate) trait Interpreter {
    /// The format's name in error messages ("JUnit XML", "TRX", ...).
    const FORMAT: &'static str;

    /// Where character data at the current position goes.
    fn sink(&mut self) -> Sink<'_>;

    /// True outside the root element (before it opens or after it closes).
    fn at_top_level(&self) -> bool;

    /// An element starting on `line` opens; an empty one (`<x/>`) is closed
    /// at once by the interpreter itself.
    fn open(&mut self, e: &BytesStart<'_>, empty: bool, line: u64) -> Result<(), String>;

    /// The innermost element closes.
    fn close(&mut self) -> Result<(), String>;

    /// The next completed test case, oldest first.
    fn next_case(&mut self) -> Option<TestCase>;

    /// The input ended: the reason when the document is incomplete;
    /// otherwise every case still held becomes ready.
    fn end(&mut self) -> Result<(), String>;
}

/// Where the scanner puts character data.
pub(crate) enum Sink<'a> {
    /// Kept (capped) in this buffer.
    Keep(&'a mut CappedText),
    /// Inside the root but not in a text-bearing element: dropped.
    Discard,
    /// Outside the root element: only whitespace is allowed.
    OutsideRoot,
}

impl Sink<'_> {
    /// Adds decoded text; `literal` text is subject to line-end normalization.
    pub(crate) fn push(self, s: &str, literal: bool) -> Result<(), &'static str> {
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
    pub(crate) fn push_located(self, s: &str) -> Result<(), (usize, &'static str)> {
        if let Sink::OutsideRoot = self {
            if let Some(at) = s.bytes().position(|b| !is_xml_space(b)) {
                return Err((at, OUTSIDE_ROOT));
            }
            return Ok(());
        }
        self.push(s, true).map_err(|what| (0, what))
    }
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Streams XML from `reader` through `doc`, calling `on_case` with each case
/// as soon as the interpreter completes it; returns the interpreter at the
/// end of the input for the caller to take its suites and warnings.
///
/// Errors: `Parse` naming `source`, line and column; `Io` when `reader`
/// fails; any error `on_case` returns, which stops the reading.
pub(crate) fn read<R: BufRead, D: Interpreter>(
    reader: R,
    source: &str,
    doc: D,
    on_case: impl FnMut(TestCase) -> Result<()>,
) -> Result<D> {
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
        doc,
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
/// quick-xml, and elements are interpreted by the [`Interpreter`].
struct Parser<'s, R, D, F> {
    xml: quick_xml::Reader<Input<R>>,
    buf: Vec<u8>,
    source: &'s str,
    on_case: F,
    doc: D,
}

impl<R: BufRead, D: Interpreter, F: FnMut(TestCase) -> Result<()>> Parser<'_, R, D, F> {
    fn run(mut self) -> Result<D> {
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
                format!(
                    "the input is UTF-16 encoded; testrelay reads UTF-8 {} only \
                     (convert it, e.g. with iconv -f UTF-16 -t UTF-8)",
                    D::FORMAT
                ),
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
    /// into the current text sink, decoding references. Each byte is
    /// searched and validated as UTF-8 once: a run of text ends at the next
    /// `<` or `&` (found with memchr on the bytes), and only that run is
    /// validated and consumed.
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
            let mut used = 0;
            let mut next_need = 1;
            let mut markup = false;
            while used < chunk.len() {
                let rest = &chunk[used..];
                let base = offset + used as u64;
                let stop = memchr::memchr2(b'<', b'&', rest);
                let run_bytes = &rest[..stop.unwrap_or(rest.len())];
                // Before a `<` or `&` a split character cannot be completed.
                let (run, complete) = utf8_prefix(run_bytes, stop.is_none() && !at_eof);
                if let Err((at, what)) = self.doc.sink().push_located(run) {
                    return Err(self.error_at(base + at as u64, what));
                }
                used += run.len();
                if run.len() < run_bytes.len() {
                    if !complete {
                        return Err(self.invalid_utf8(offset + used as u64));
                    }
                    // A character split by the end of the buffered bytes.
                    if used == 0 {
                        next_need = chunk.len() + 1;
                    }
                    break;
                }
                let Some(stop) = stop else { break };
                if rest[stop] == b'<' {
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
        let interpreted = match event {
            Event::Start(e) => self.doc.open(&e, false, line),
            Event::Empty(e) => self.doc.open(&e, true, line),
            Event::End(_) => self.doc.close(),
            Event::Decl(decl) => check_declared_encoding(&decl, D::FORMAT),
            Event::DocType(doctype) => check_doctype(&doctype),
            Event::PI(_) | Event::Comment(_) => Ok(()),
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
        if let Err(what) = interpreted {
            return Err(self.error_at(start, what));
        }
        self.deliver()
    }

    /// Hands every completed case to the callback.
    fn deliver(&mut self) -> Result<()> {
        while let Some(case) = self.doc.next_case() {
            (self.on_case)(case)?;
        }
        Ok(())
    }

    /// Checks that the document ended cleanly and delivers what is left.
    fn finish(mut self) -> Result<D> {
        let end = self.xml.get_ref().offset();
        let location = self.xml.get_ref().location(end);
        if let Err(what) = self.doc.end() {
            return Err(parse_error(D::FORMAT, self.source, location, what));
        }
        self.deliver()?;
        Ok(self.doc)
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
            format!(
                "invalid UTF-8: testrelay reads UTF-8 {} only \
                 (was the file written in another encoding?)",
                D::FORMAT
            ),
        )
    }

    /// A `Parse` error at absolute byte offset `at` (at or after the pin).
    fn error_at(&self, at: u64, what: impl std::fmt::Display) -> Error {
        self.error_located(self.xml.get_ref().location(at), what)
    }

    /// A `Parse` error at `location`.
    fn error_located(&self, location: Location, what: impl std::fmt::Display) -> Error {
        parse_error(D::FORMAT, self.source, location, what)
    }
}

/// A `Parse` error about `source` at `location`.
pub(crate) fn parse_error(
    format: &str,
    source: &str,
    location: Location,
    what: impl std::fmt::Display,
) -> Error {
    let Location { line, column } = location;
    Error::new(
        ErrorKind::Parse,
        format!("invalid {format} in {source} at line {line}, column {column}: {what}"),
    )
}

/// Refuses a declaration naming an encoding other than UTF-8 (or ASCII).
fn check_declared_encoding(
    decl: &quick_xml::events::BytesDecl<'_>,
    format: &str,
) -> Result<(), String> {
    let Some(Ok(encoding)) = decl.encoding() else {
        return Ok(());
    };
    let name = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
    if matches!(name.as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii") {
        Ok(())
    } else {
        Err(format!(
            "the file declares encoding {name:?}; testrelay reads UTF-8 {format} only \
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

/// The open elements of a document, for the formats that need no more than
/// a kind per element: the root, depth and truncation checks with the same
/// messages for every format.
#[derive(Debug)]
pub(crate) struct Frames<K> {
    stack: Vec<(K, String, u64)>,
    root_seen: bool,
}

impl<K> Default for Frames<K> {
    fn default() -> Self {
        Frames {
            stack: Vec::new(),
            root_seen: false,
        }
    }
}

impl<K: Copy> Frames<K> {
    /// Checks that element `name` may open here; `roots` are the root
    /// elements the format accepts (checked when nothing is open).
    pub(crate) fn check(
        &mut self,
        name: &[u8],
        roots: &[&str],
        format: &str,
    ) -> Result<(), String> {
        if self.stack.is_empty() {
            let local = String::from_utf8_lossy(name);
            if self.root_seen {
                return Err(format!(
                    "a second root element <{local}> after the first one ended"
                ));
            }
            if !roots.iter().any(|r| r.as_bytes() == name) {
                let expected: Vec<String> = roots.iter().map(|r| format!("<{r}>")).collect();
                return Err(format!(
                    "the root element is <{local}>, not {}: this is not {format}",
                    expected.join(" or ")
                ));
            }
            self.root_seen = true;
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("elements nest deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    /// Pushes an element checked with [`Frames::check`].
    pub(crate) fn push(&mut self, kind: K, name: &[u8], line: u64) {
        self.stack
            .push((kind, String::from_utf8_lossy(name).into_owned(), line));
    }

    /// Pops the innermost element's kind.
    pub(crate) fn pop(&mut self) -> Option<K> {
        self.stack.pop().map(|(kind, _, _)| kind)
    }

    /// The innermost element's kind.
    pub(crate) fn top(&self) -> Option<K> {
        self.stack.last().map(|(kind, _, _)| *kind)
    }

    /// How many elements are open.
    pub(crate) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// True when no element is open.
    pub(crate) fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// The reason the document is incomplete, if it is.
    pub(crate) fn end(&self, roots: &[&str]) -> Result<(), String> {
        if let Some((_, name, line)) = self.stack.last() {
            return Err(format!(
                "the input ends inside <{name}> (opened at line {line}): the file is truncated"
            ));
        }
        if !self.root_seen {
            let expected: Vec<String> = roots.iter().map(|r| format!("<{r}>")).collect();
            return Err(format!(
                "the input has no root element: expected {}",
                expected.join(" or ")
            ));
        }
        Ok(())
    }
}

/// The decoded attributes of one element. Values borrow the element's
/// bytes unless they hold a reference or literal whitespace to normalize
/// (or exceed [`TEXT_LIMIT_BYTES`]); only those are decoded into new strings.
pub(crate) struct Attributes<'a>(Vec<(&'a [u8], Cow<'a, str>)>);

impl<'a> Attributes<'a> {
    /// Decodes every attribute of `e` (each value capped like any text).
    pub(crate) fn read(e: &'a BytesStart<'_>) -> Result<Attributes<'a>, String> {
        let mut out = Vec::with_capacity(8);
        for attr in e.attributes() {
            let attr = attr.map_err(|err| format!("malformed attribute: {err}"))?;
            let invalid = || "invalid UTF-8 in an attribute value".to_string();
            let value: Cow<'a, str> = match attr.value {
                Cow::Borrowed(bytes) => {
                    Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| invalid())?)
                }
                Cow::Owned(bytes) => Cow::Owned(String::from_utf8(bytes).map_err(|_| invalid())?),
            };
            let plain = value.len() <= TEXT_LIMIT_BYTES
                && !value
                    .bytes()
                    .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'));
            let value = if plain {
                value
            } else {
                let mut decoded = CappedText::default();
                decode_attribute(&value, &mut decoded);
                Cow::Owned(decoded.into_string())
            };
            out.push((attr.key.local_name().into_inner(), value));
        }
        Ok(Attributes(out))
    }

    /// The value of `key` (a local name), if present.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// The value of `key` when present and not empty.
    pub(crate) fn non_empty(&self, key: &[u8]) -> Option<String> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
    }

    /// The value of `key` as seconds (see [`parse_seconds`]).
    pub(crate) fn seconds_of(&self, key: &[u8]) -> Option<f64> {
        self.get(key).and_then(parse_seconds)
    }

    /// The `time` attribute in seconds, when present and readable.
    pub(crate) fn seconds(&self) -> Option<f64> {
        self.seconds_of(b"time")
    }

    /// The value of `key` as a count, when present and a whole number.
    pub(crate) fn count(&self, key: &[u8]) -> Option<u64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }
}

/// Seconds from a `time` attribute: `None` when not a finite, non-negative
/// number. Commas before groups of exactly three digits are thousands
/// separators (surefire's pattern); a single other comma is a decimal comma.
pub(crate) fn parse_seconds(raw: &str) -> Option<f64> {
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
}
