//! A reader for Java `.properties` files, the format TeamCity writes its
//! build parameters in (`$TEAMCITY_BUILD_PROPERTIES_FILE` and the
//! configuration properties file it names).

use std::collections::BTreeMap;

/// Parses `.properties` text into key → value.
///
/// Follows `java.util.Properties.load`: `#` and `!` start comment lines; the
/// key ends at the first unescaped `=`, `:` or whitespace; a line ending in
/// an odd number of backslashes continues on the next line; `\t`, `\n`,
/// `\r`, `\f` and `\u` with four hex digits are unescaped and any other escaped character
/// stands for itself (so `C\:\\agent` is `C:\agent`). A later key wins.
/// Malformed `\u` escapes are kept literally rather than failing.
pub(super) fn parse(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let first = first.trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        let mut logical = String::new();
        let mut line = first;
        loop {
            if continues(line) {
                logical.push_str(&line[..line.len() - 1]);
                match lines.next() {
                    Some(next) => line = next.trim_start(),
                    None => break,
                }
            } else {
                logical.push_str(line);
                break;
            }
        }
        let (key, value) = split_key_value(&logical);
        out.insert(unescape(key), unescape(value));
    }
    out
}

/// True when the line ends in an odd number of backslashes.
fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// Splits a logical line at the first unescaped separator.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (&line[..i], line[i + 1..].trim_start()),
            c if c.is_whitespace() => {
                let rest = line[i..].trim_start();
                let rest = match rest.strip_prefix(['=', ':']) {
                    Some(r) => r.trim_start(),
                    None => rest,
                };
                return (&line[..i], rest);
            }
            _ => {}
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    _ => out.push_str("\\u"),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_teamcity_style_properties() {
        let text = "#TeamCity build properties without 'system.' prefix\n\
                    #Tue Jan 01 00:00:00 UTC 2030\n\
                    teamcity.build.id=4242\n\
                    teamcity.configuration.properties.file=C\\:\\\\BuildAgent\\\\temp\\\\config.properties\n\
                    ! another comment\n\
                    spaced.key   =   value with spaces\n\
                    colon.key: v\n\
                    ws.key v2\n\
                    multi=one \\\n    two\n\
                    unicode=caf\\u00e9\n\
                    empty=\n";
        let p = parse(text);
        assert_eq!(p["teamcity.build.id"], "4242");
        assert_eq!(
            p["teamcity.configuration.properties.file"],
            "C:\\BuildAgent\\temp\\config.properties"
        );
        assert_eq!(p["spaced.key"], "value with spaces");
        assert_eq!(p["colon.key"], "v");
        assert_eq!(p["ws.key"], "v2");
        assert_eq!(p["multi"], "one two");
        assert_eq!(p["unicode"], "café");
        assert_eq!(p["empty"], "");
        assert_eq!(p.len(), 8);
    }

    #[test]
    fn escaped_separator_belongs_to_the_key() {
        let p = parse("a\\=b=c\n");
        assert_eq!(p["a=b"], "c");
    }
}
