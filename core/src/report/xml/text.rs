//! Text handling for the XML readers: size-capped text buffers, XML
//! line-end normalization, and decoding of character and entity references.
//!
//! Only the five predefined entities (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`)
//! and numeric character references are decoded. A reference to a code point
//! that XML 1.0 does not allow (`&#0;`, `&#x1B;`, a surrogate, out of range)
//! becomes U+FFFD. Any other `&name;`, and a `&` that starts no reference,
//! are kept as literal text: no entity is ever looked up or expanded.

/// The most bytes kept of one text (a message, details, stdout or stderr):
/// 1 MiB. Longer texts are cut at a character boundary and end with the marker
/// made by [`truncation_marker`].
pub const TEXT_LIMIT_BYTES: usize = 1 << 20;

/// The marker appended to a text cut at [`TEXT_LIMIT_BYTES`], saying how many
/// bytes of text (UTF-8, references decoded) were dropped.
pub fn truncation_marker(cut_bytes: u64) -> String {
    format!("\n[testrelay: truncated, {cut_bytes} more bytes not kept]")
}

/// The longest reference (`&...;`) looked for; longer ones are literal text.
pub(crate) const MAX_REFERENCE_BYTES: usize = 16;

/// A text being collected, keeping at most a limit of bytes and counting the
/// rest. Literal `\r\n` and `\r` become `\n` (XML line-end normalization).
#[derive(Debug)]
pub(crate) struct CappedText {
    kept: String,
    cut: u64,
    limit: usize,
    pending_cr: bool,
}

impl Default for CappedText {
    fn default() -> Self {
        CappedText::with_limit(TEXT_LIMIT_BYTES)
    }
}

impl CappedText {
    /// An empty text keeping at most `limit` bytes.
    pub(crate) fn with_limit(limit: usize) -> CappedText {
        CappedText {
            kept: String::new(),
            cut: 0,
            limit,
            pending_cr: false,
        }
    }

    /// Appends literal document text, normalizing line ends.
    pub(crate) fn push_literal(&mut self, s: &str) {
        if self.cut > 0 {
            // Nothing more is kept: only count (before normalization).
            self.cut += s.len() as u64;
            return;
        }
        let mut s = s;
        if self.pending_cr {
            self.pending_cr = false;
            s = s.strip_prefix('\n').unwrap_or(s);
        }
        if !s.contains('\r') {
            self.push_raw(s);
            return;
        }
        let mut parts = s.split('\r');
        if let Some(first) = parts.next() {
            self.push_raw(first);
        }
        for part in parts {
            self.push_raw("\n");
            self.push_raw(part.strip_prefix('\n').unwrap_or(part));
        }
        self.pending_cr = s.ends_with('\r');
    }

    /// Appends text that is not subject to line-end normalization (the
    /// result of a character reference).
    pub(crate) fn push_raw(&mut self, s: &str) {
        self.pending_cr = false;
        let room = self.limit.saturating_sub(self.kept.len());
        if s.len() <= room {
            self.kept.push_str(s);
            return;
        }
        let mut cut_at = room;
        while !s.is_char_boundary(cut_at) {
            cut_at -= 1;
        }
        self.kept.push_str(&s[..cut_at]);
        // Once cut, nothing more is kept, so the text never has a gap.
        self.limit = self.kept.len();
        self.cut += (s.len() - cut_at) as u64;
    }

    /// True when nothing was pushed.
    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.cut == 0
    }

    /// The collected text, ending with a truncation marker if it was cut.
    pub(crate) fn into_string(self) -> String {
        let mut text = self.kept;
        if self.cut > 0 {
            text.push_str(&truncation_marker(self.cut));
        }
        text
    }

    /// Like [`CappedText::into_string`], but `None` when the text is empty or
    /// only whitespace.
    pub(crate) fn finish(self) -> Option<String> {
        if self.cut == 0 && self.kept.trim().is_empty() {
            None
        } else {
            Some(self.into_string())
        }
    }
}

/// What a reference (the bytes between `&` and `;`) stands for, or `None` when
/// it is not one the reader decodes (then it is kept as literal text).
pub(crate) fn decode_reference(name: &[u8]) -> Option<char> {
    match name {
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"amp" => Some('&'),
        b"apos" => Some('\''),
        b"quot" => Some('"'),
        [b'#', b'x', hex @ ..] => Some(char_from_code(parse_digits(hex, 16))),
        [b'#', dec @ ..] => Some(char_from_code(parse_digits(dec, 10))),
        _ => None,
    }
}

/// The number written in `digits`, or `None` if it is empty, not a number or
/// too large.
fn parse_digits(digits: &[u8], radix: u32) -> Option<u32> {
    let text = std::str::from_utf8(digits).ok()?;
    if text.is_empty() || !text.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(text, radix).ok()
}

/// The character for a code point if XML 1.0 allows it, else U+FFFD.
fn char_from_code(code: Option<u32>) -> char {
    let allowed = |c: u32| matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
    code.filter(|&c| allowed(c))
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Decodes an attribute value (already checked to be UTF-8) into `out`:
/// references are decoded as described in the module docs, and literal tabs
/// and line ends become spaces (XML attribute-value normalization).
pub(crate) fn decode_attribute(raw: &str, out: &mut CappedText) {
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
        out.push_raw(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("\r\n") {
            out.push_raw(" ");
            rest = after;
        } else if !tail.starts_with('&') {
            out.push_raw(" ");
            rest = &tail[1..];
        } else if let Some((c, len)) = reference_at(tail.as_bytes()) {
            let mut utf8 = [0; 4];
            out.push_raw(c.encode_utf8(&mut utf8));
            rest = &tail[len..];
        } else {
            out.push_raw("&");
            rest = &tail[1..];
        }
    }
    out.push_raw(rest);
}

/// If `bytes` (starting with `&`) begins with a reference the reader decodes,
/// its character and length including `&` and `;`.
pub(crate) fn reference_at(bytes: &[u8]) -> Option<(char, usize)> {
    let window = &bytes[..bytes.len().min(MAX_REFERENCE_BYTES)];
    let semi = window.iter().position(|&b| b == b';')?;
    decode_reference(&window[1..semi]).map(|c| (c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(raw: &str) -> Option<String> {
        let mut out = CappedText::default();
        decode_attribute(raw, &mut out);
        out.finish()
    }

    #[test]
    fn references_decode_leniently() {
        assert_eq!(
            attribute("a &lt;b&gt; &amp;&apos;&quot; &#65;&#x42;").as_deref(),
            Some("a <b> &'\" AB")
        );
        // Illegal code points become U+FFFD; unknown entities stay literal.
        assert_eq!(
            attribute("x&#0;&#x1B;&#xD800;&#x110000;&#99999999999;y").as_deref(),
            Some("x\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}y")
        );
        assert_eq!(
            attribute("&nbsp; & &#; &#xZZ; &").as_deref(),
            Some("&nbsp; & \u{FFFD} \u{FFFD} &")
        );
        // Literal whitespace is normalized, referenced whitespace kept.
        assert_eq!(
            attribute("a\tb\r\nc\nd&#10;e&#9;").as_deref(),
            Some("a b c d\ne\t")
        );
    }

    #[test]
    fn capped_text_cuts_at_char_boundary_with_marker() {
        let mut text = CappedText::with_limit(5);
        text.push_literal("abcd");
        text.push_literal("é!"); // é is 2 bytes: only "abcd" fits
        text.push_literal("more");
        assert_eq!(
            text.finish().as_deref(),
            Some("abcd\n[testrelay: truncated, 7 more bytes not kept]")
        );
        let mut exact = CappedText::with_limit(4);
        exact.push_literal("abcd");
        assert_eq!(exact.finish().as_deref(), Some("abcd"));
    }

    #[test]
    fn line_ends_are_normalized_across_pushes() {
        let mut text = CappedText::default();
        text.push_literal("a\r");
        text.push_literal("\nb\rc\r\r\nd");
        text.push_raw("\r");
        text.push_literal("\ne");
        assert_eq!(text.finish().as_deref(), Some("a\nb\nc\n\nd\r\ne"));
        assert_eq!(CappedText::default().finish(), None);
        let mut blank = CappedText::default();
        blank.push_literal(" \n\t");
        assert!(!blank.is_empty());
        assert_eq!(blank.finish(), None);
    }
}
