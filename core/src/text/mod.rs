//! Text safety for everything testrelay shows to people: the command
//! line's output (summaries, tables, errors, log lines) and the Markdown
//! reports.
//!
//! Test names, messages, file names and CI values (branch names, PR titles)
//! can contain anything. Printed as is they could drive the terminal (ESC
//! sequences that rewrite the screen, set the window title or make links;
//! BEL; NUL) or the CI that reads the job's output: GitHub Actions runs a
//! line that starts, after leading whitespace, with `::` (`::add-mask::`,
//! `::error::`, `::stop-commands::`) and, like Azure Pipelines, one that
//! contains `##[`; Azure runs `##vso[` and TeamCity `##teamcity[` wherever
//! they appear in a line. A carriage return starts a new line for those
//! parsers, so `\r::error::` counts as a line start.
//!
//! So, in every human output:
//! - control characters are made visible: C0 controls as the Unicode
//!   control pictures (`\x1b` → `␛`, `\r` → `␍`, `\0` → `␀`; `\n` → `␊`
//!   where the text must stay on one line), DEL as `␡`, C1 controls and
//!   the bidirectional overrides (`U+202A`–`U+202E`, `U+2066`–`U+2069`) as
//!   `\u{..}`; tabs are kept;
//! - CI commands are neutralised with a backslash: `::` at the start of a
//!   line becomes `\::`, and `##vso[`, `##teamcity[` and `##[` anywhere
//!   become `##vso\[`, `##teamcity\[` and `##\[`.
//!
//! JSON printed on a terminal keeps its meaning: [`json_for_terminal`]
//! writes the same characters as JSON escapes (`\u005b`, `\u001b`).
//!
//! The providers' own, deliberate commands (GitHub's `::error` lines for
//! failures) do not go through here; they escape their data themselves.

use std::borrow::Cow;

mod clip;

pub use clip::{head_bytes, head_chars, tail_bytes};

/// The command prefixes CIs look for anywhere in a line, each without its
/// final `[`.
const ANYWHERE: [&str; 3] = ["##vso", "##teamcity", "##"];

/// True when `c` is shown in another form by [`visible`].
fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\0'..='\x08' | '\x0a'..='\x1f' | '\x7f'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Appends the visible form of `c` (one of [`is_unsafe_char`]).
fn push_visible(out: &mut String, c: char) {
    match c {
        '\0'..='\x1f' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\x7f' => out.push('\u{2421}'),
        _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

fn make_visible(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe_char(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_here(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with its control characters made visible, line breaks kept (a
/// `\r` is shown as `␍`: alone it would move the cursor, and CIs take it as
/// a line break).
pub fn visible(text: &str) -> Cow<'_, str> {
    make_visible(text, true)
}

/// `text` on one line: like [`visible`], and `\n` shown as `␊`.
pub fn visible_line(text: &str) -> Cow<'_, str> {
    make_visible(text, false)
}

/// Breaks every CI command marker in one line (no `\n` inside): see the
/// module docs.
fn neutralise_line(line: &str, out: &mut String) {
    let start = line.len() - line.trim_start().len();
    let (lead, rest) = line.split_at(start);
    out.push_str(lead);
    if rest.starts_with("::") {
        out.push('\\');
    }
    let mut rest = rest;
    while let Some(i) = rest.find("##") {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let prefix = ANYWHERE
            .iter()
            .find(|p| from.starts_with(*p) && from[p.len()..].starts_with('['));
        match prefix {
            Some(p) => {
                out.push_str(p);
                out.push_str("\\[");
                rest = &from[p.len() + 1..];
            }
            None => {
                // One `#` only: the second may begin a marker (`###vso[`).
                out.push('#');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
}

/// True when some line of `text` holds a CI command marker.
fn has_command(text: &str) -> bool {
    text.split('\n').any(|line| {
        line.trim_start().starts_with("::")
            || line.char_indices().any(|(i, c)| {
                c == '#'
                    && ANYWHERE
                        .iter()
                        .any(|p| line[i..].starts_with(p) && line[i + p.len()..].starts_with('['))
            })
    })
}

/// `text` made safe to print on a terminal or into a CI log: control
/// characters visible (line breaks kept) and CI commands neutralised in
/// every line. Apply it to whole output, not to pieces: whether `::` starts
/// a line depends on what comes before it.
pub fn terminal(text: &str) -> Cow<'_, str> {
    let shown = visible(text);
    if !has_command(&shown) {
        return shown;
    }
    let mut out = String::with_capacity(shown.len() + 16);
    for (i, line) in shown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        neutralise_line(line, &mut out);
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) made safe for a terminal without
/// changing its value: DEL, C1 controls and bidirectional overrides are
/// written as `\uXXXX` escapes, and the `[` of a CI command marker as
/// `\u005b`. Those characters can only occur inside JSON strings, where
/// such escapes mean the same character. (serde_json already escapes the
/// C0 controls.)
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    let shown = terminal(json);
    if shown == json {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut rest = json;
    while let Some((i, c)) = rest.char_indices().find(|&(i, c)| {
        (is_unsafe_char(c) && c != '\n') || (c == '[' && ends_with_marker(&rest[..i]))
    }) {
        out.push_str(&rest[..i]);
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{unit:04x}"));
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn ends_with_marker(before: &str) -> bool {
    ANYWHERE.iter().any(|p| before.ends_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible("a\x1b[31mred\x07\0"), "a␛[31mred␇␀");
        assert_eq!(visible("tab\tline\nnext\r\n"), "tab\tline\nnext␍\n");
        assert_eq!(visible_line("one\ntwo"), "one␊two");
        assert_eq!(visible("del\x7f c1\u{9b}2J"), "del␡ c1\\u{9b}2J");
        assert_eq!(visible("bidi\u{202e}x\u{2066}"), "bidi\\u{202e}x\\u{2066}");
        assert!(matches!(visible("plain ünï 😀"), Cow::Borrowed(_)));
    }

    #[test]
    fn github_commands_at_line_start_are_broken() {
        for (input, shown) in [
            ("::add-mask::secret", "\\::add-mask::secret"),
            ("      ::error::x", "      \\::error::x"),
            ("\t ::stop-commands::t", "\t \\::stop-commands::t"),
            ("ok\n  ::warning file=a::b", "ok\n  \\::warning file=a::b"),
            ("\r::error::x", "␍::error::x"),
            ("a::b::c", "a::b::c"),
            ("ns::Class::test", "ns::Class::test"),
        ] {
            assert_eq!(terminal(input), shown, "{input:?}");
        }
    }

    #[test]
    fn azure_and_teamcity_commands_are_broken_anywhere() {
        for (input, shown) in [
            (
                "##vso[task.setvariable variable=x]y",
                "##vso\\[task.setvariable variable=x]y",
            ),
            (
                "msg: ##vso[task.complete result=Succeeded]",
                "msg: ##vso\\[task.complete result=Succeeded]",
            ),
            ("  ##[error]boom", "  ##\\[error]boom"),
            ("x ##[group]g", "x ##\\[group]g"),
            (
                "t ##teamcity[buildStatus text='ok']",
                "t ##teamcity\\[buildStatus text='ok']",
            ),
            ("###vso[a]", "###vso\\[a]"),
            ("####[a]", "####\\[a]"),
            ("## heading #[x] ##x[", "## heading #[x] ##x["),
        ] {
            assert_eq!(terminal(input), shown, "{input:?}");
            assert!(!has_command(&terminal(input)), "{input:?}");
        }
    }

    #[test]
    fn json_keeps_its_value() {
        let value = serde_json::json!({
            "message": "##vso[task.complete]\u{1b}[2J ##teamcity[x] ##[error] \u{9b} \u{7f} \u{202e}",
            "name": "::add-mask::x",
        });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_for_terminal(&text);
        assert!(!has_command(&safe), "{safe}");
        assert!(
            !safe.chars().any(|c| is_unsafe_char(c) && c != '\n'),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
        assert!(matches!(json_for_terminal("{\"a\": 1}"), Cow::Borrowed(_)));
    }
}
