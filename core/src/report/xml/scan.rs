//! Scanning helpers for the reader's text loop. They lean on `str`
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
    fn find_ascii_finds_whole_needles() {
        assert_eq!(find_ascii("a]]b]]>c", "]]>"), Some(4));
        assert_eq!(find_ascii("a]]b]>", "]]>"), None);
    }
}
