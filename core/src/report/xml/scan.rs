//! Fast scanning helpers for the reader's text loop. They lean on `str`
//! searches (memchr underneath), which stay fast in unoptimized builds too.

/// The longest prefix of `bytes` that is valid UTF-8, and whether the rest is
/// acceptable: empty, or (when `more_follows`) an incomplete character that
/// the next bytes may complete.
pub(crate) fn utf8_prefix(bytes: &[u8], more_follows: bool) -> (&str, bool) {
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
pub(crate) fn find_ascii(haystack: &str, needle: &str) -> Option<usize> {
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
pub(crate) struct NextByte {
    byte: char,
    /// The next occurrence found and not yet passed.
    hit: Option<u64>,
    /// Bytes before this offset (and at or after the scanner) hold none.
    clean_until: u64,
}

impl NextByte {
    pub(crate) fn new(byte: u8) -> NextByte {
        NextByte {
            byte: char::from(byte),
            hit: None,
            clean_until: 0,
        }
    }

    /// Index in `text` (which starts at absolute `base`) of the first
    /// occurrence, if `text` holds one.
    pub(crate) fn find(&mut self, text: &str, base: u64) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_prefix_distinguishes_split_from_invalid() {
        assert_eq!(utf8_prefix(b"ab\xC3", true), ("ab", true));
        assert_eq!(utf8_prefix(b"ab\xC3", false), ("ab", false));
        assert_eq!(utf8_prefix(b"ab\xFFcd", true), ("ab", false));
        assert_eq!(utf8_prefix("é".as_bytes(), false), ("é", true));
    }

    #[test]
    fn next_byte_searches_each_byte_once_and_stays_right() {
        let mut lt = NextByte::new(b'<');
        assert_eq!(lt.find("ab<cd<", 100), Some(2));
        // Asked again from further on, the cached hit still answers.
        assert_eq!(lt.find("b<cd<", 101), Some(1));
        // Past the hit, the next one is found.
        assert_eq!(lt.find("cd<", 103), Some(2));
        assert_eq!(lt.find("xyz", 106), None);
        assert_eq!(lt.find("xyz<", 106), Some(3));
        assert_eq!(find_ascii("a]]b]]>c", "]]>"), Some(4));
        assert_eq!(find_ascii("a]]b]>", "]]>"), None);
    }
}
