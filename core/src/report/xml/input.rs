//! The byte source under the XML readers: a buffered reader that knows the
//! line and column of every byte it still holds, guarantees small lookaheads,
//! and bounds how much one piece of markup may consume.
//!
//! The parser *pins* the position where the next construct starts. Bytes from
//! the pin onwards stay in the buffer, so an error anywhere in the construct
//! can be given an exact line and column; moving the pin forward counts the
//! lines of the bytes it passes. While a markup budget is set, consuming more
//! than [`MAX_MARKUP_BYTES`] past the pin fails instead of growing the buffer.

use std::io::{self, BufRead, Read};

/// The longest single piece of markup (a tag with its attributes, a DOCTYPE, a
/// processing instruction) the reader accepts, from its `<` to its `>`:
/// 16 MiB. Text and CDATA are streamed and have no such limit.
pub const MAX_MARKUP_BYTES: usize = 16 << 20;

/// How much is read from the underlying reader at a time.
const CHUNK: usize = 64 << 10;

/// Why the input stopped delivering bytes, kept for the parser to report.
#[derive(Debug)]
pub(crate) enum InputFailure {
    /// The underlying reader failed.
    Io(io::Error),
    /// A piece of markup grew past [`MAX_MARKUP_BYTES`].
    MarkupTooLong,
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    /// Line number, starting at 1.
    pub line: u64,
    /// Column in characters, starting at 1.
    pub column: u64,
}

impl Location {
    /// Advances over `bytes`: a `\n` starts a new line; every character (for
    /// bytes that are not UTF-8: every byte that could start one) is a column.
    fn advance(&mut self, bytes: &[u8]) {
        // One pass over bytes, no UTF-8 validation (the scanner validates
        // each byte once): for UTF-8 the bytes that are not continuation
        // bytes are exactly the characters.
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', &bytes[..=last]).count() as u64;
                self.column = 1 + count_char_starts(&bytes[last + 1..]);
            }
            None => self.column += count_char_starts(bytes),
        }
    }
}

/// The bytes of `bytes` that can start a character (not `10xxxxxx`).
fn count_char_starts(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64
}

/// Buffered input with pinned positions; see the module docs.
pub(crate) struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    /// Index of the pin in `buf`: bytes before it may be dropped.
    start: usize,
    /// Index of the next unconsumed byte.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// Absolute offset of `buf[start]`.
    start_offset: u64,
    /// Line and column of `buf[start]`.
    start_location: Location,
    budget: bool,
    eof: bool,
    failure: Option<InputFailure>,
}

impl<R: BufRead> Input<R> {
    /// Wraps `inner`; nothing is read yet.
    pub(crate) fn new(inner: R) -> Input<R> {
        Input {
            inner,
            buf: vec![0; CHUNK],
            start: 0,
            pos: 0,
            end: 0,
            start_offset: 0,
            start_location: Location { line: 1, column: 1 },
            budget: false,
            eof: false,
            failure: None,
        }
    }

    /// Moves the pin to the current position, counting the lines passed.
    pub(crate) fn pin(&mut self) {
        self.start_location.advance(&self.buf[self.start..self.pos]);
        self.start_offset += (self.pos - self.start) as u64;
        self.start = self.pos;
    }

    /// Turns the markup budget on or off (see [`MAX_MARKUP_BYTES`]).
    pub(crate) fn set_budget(&mut self, on: bool) {
        self.budget = on;
    }

    /// True when the input has failed (see [`Input::take_failure`]).
    pub(crate) fn has_failure(&self) -> bool {
        self.failure.is_some()
    }

    /// The bytes buffered from the current position (without reading).
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// The failure behind the last error this input returned, if any.
    pub(crate) fn take_failure(&mut self) -> Option<InputFailure> {
        self.failure.take()
    }

    /// Absolute offset of the next unconsumed byte.
    pub(crate) fn offset(&self) -> u64 {
        self.start_offset + (self.pos - self.start) as u64
    }

    /// Line and column of the byte at absolute `offset`, when it is still
    /// held (from the pin to the end of the buffer); otherwise the pin's.
    pub(crate) fn location(&self, offset: u64) -> Location {
        let mut location = self.start_location;
        if let Some(delta) = offset.checked_sub(self.start_offset) {
            let upto = usize::try_from(delta)
                .ok()
                .and_then(|d| self.start.checked_add(d))
                .map_or(self.end, |i| i.min(self.end));
            location.advance(&self.buf[self.start..upto]);
        }
        location
    }

    /// Buffered bytes from the current position, reading until at least
    /// `want` are available or the input ends (then fewer are returned).
    pub(crate) fn fill_at_least(&mut self, want: usize) -> io::Result<&[u8]> {
        while self.end - self.pos < want && !self.eof {
            self.read_more()?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    /// Reads one more chunk into the buffer, making room first.
    fn read_more(&mut self) -> io::Result<()> {
        let held = self.end - self.start;
        if self.budget && held > MAX_MARKUP_BYTES {
            return Err(self.fail(InputFailure::MarkupTooLong));
        }
        if self.buf.len() - self.end < CHUNK / 4 {
            self.compact();
            if self.buf.len() - self.end < CHUNK / 4 {
                self.buf.resize(self.end + CHUNK, 0);
            }
        }
        let mut space = &mut self.buf[self.end..];
        if self.budget {
            // Never hold more than one byte past the limit, so any construct
            // longer than the limit fails, whatever the read sizes.
            let room = MAX_MARKUP_BYTES + 1 - held;
            let len = space.len().min(room);
            space = &mut space[..len];
        }
        let read = loop {
            match self.inner.read(space) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.fail(InputFailure::Io(e))),
            }
        };
        if read == 0 {
            self.eof = true;
        }
        self.end += read;
        Ok(())
    }

    /// Records `failure` and returns the stand-in error handed to quick-xml.
    fn fail(&mut self, failure: InputFailure) -> io::Error {
        let kind = match &failure {
            InputFailure::Io(e) => e.kind(),
            InputFailure::MarkupTooLong => io::ErrorKind::InvalidData,
        };
        self.failure = Some(failure);
        io::Error::new(kind, "the input failed")
    }

    /// Moves the held bytes (from the pin) to the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.pos -= self.start;
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Releases buffer memory grown for an unusually long piece of markup.
    pub(crate) fn shrink(&mut self) {
        if self.buf.len() > 2 * CHUNK && self.end - self.start <= CHUNK / 2 {
            self.compact();
            self.buf.truncate(CHUNK);
            self.buf.shrink_to_fit();
        }
    }
}

impl<R: BufRead> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill_at_least(1)
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let mut input = Input::new(&b"ab\n\xc3\xa9x\ny"[..]);
        assert_eq!(input.fill_at_least(100).unwrap().len(), 8);
        assert_eq!(input.location(0), Location { line: 1, column: 1 });
        assert_eq!(input.location(3), Location { line: 2, column: 1 });
        // After the two-byte é, x is the second character of line 2.
        assert_eq!(input.location(5), Location { line: 2, column: 2 });
        input.consume(6);
        input.pin();
        assert_eq!(input.offset(), 6);
        assert_eq!(input.location(7), Location { line: 3, column: 1 });
        // Offsets before the pin fall back to the pin's location.
        assert_eq!(input.location(1), Location { line: 2, column: 3 });
    }

    #[test]
    fn budget_stops_runaway_markup() {
        let data = vec![b'a'; MAX_MARKUP_BYTES + 3 * CHUNK];
        let mut input = Input::new(&data[..]);
        input.set_budget(true);
        let mut total = 0;
        let err = loop {
            match input.fill_buf() {
                Ok(b) => {
                    let n = b.len();
                    total += n;
                    input.consume(n);
                }
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(matches!(
            input.take_failure(),
            Some(InputFailure::MarkupTooLong)
        ));
        assert_eq!(total, MAX_MARKUP_BYTES + 1);
    }
}
