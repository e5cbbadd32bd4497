//! Cutting text to a limit without splitting a character: a vendor's field
//! limit in characters, a report's budget in bytes.

/// The first `max` characters of `text` (all of it when shorter).
pub fn head_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
pub fn head_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The longest suffix of `text` of at most `max` bytes that starts on a
/// character boundary.
pub fn tail_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_splits_a_character() {
        let s = "aé€𝄞z"; // 1 + 2 + 3 + 4 + 1 bytes
        assert_eq!(head_chars(s, 3), "aé€");
        assert_eq!(head_chars(s, 9), s);
        assert_eq!(head_chars(s, 0), "");
        assert_eq!(head_bytes(s, 5), "aé");
        assert_eq!(head_bytes(s, 6), "aé€");
        assert_eq!(head_bytes(s, 99), s);
        assert_eq!(tail_bytes(s, 4), "z");
        assert_eq!(tail_bytes(s, 5), "𝄞z");
        assert_eq!(tail_bytes(s, 99), s);
    }
}
