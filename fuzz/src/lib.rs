//! What the fuzz targets share: a test run built from the fuzzer's bytes,
//! and the checks that our outputs hold no markup, command or control
//! character that the input put there.

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use testrelay::analysis::diff::{DiffEntry, RunDiff};
use testrelay::{Attempt, CaseStatus, RunStatus, TestCase, TestRun};

/// A string biased towards what breaks Markdown, HTML and terminals: the
/// fuzzer's own bytes, or pieces of hostile syntax glued together.
pub fn hostile(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    const PIECES: &[&str] = &[
        "`",
        "``",
        "```",
        "~~~",
        "<img src=x>",
        "<details open>",
        "</code>",
        "<!--",
        "-->",
        "@octocat",
        " @a",
        "www.evil.test",
        "https://evil.test/",
        "a@b.co",
        "*",
        "_",
        "~~",
        "|",
        "\\",
        "[x](https://e.test)",
        "![i](x)",
        "\n",
        "\r",
        "\n# h\n",
        "\n---\n",
        "\n> q\n",
        "\n- [ ] t\n",
        "&#96;",
        "&lt;",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "\t",
        "\x1b[2J",
        "\0",
        "\x07",
        "\u{9b}",
        "\u{202e}",
        "::error::",
        "##vso[",
        "##[",
        "##teamcity[",
        "é",
        "%",
        "%0A",
        "%25",
        "%AZP25",
        ";",
        "]",
        ",",
        "::",
        "|'",
        "\u{85}",
        "\u{2028}",
    ];
    if u.arbitrary::<bool>()? {
        return u.arbitrary();
    }
    let mut s = String::new();
    for _ in 0..u.int_in_range(0..=12)? {
        match u.int_in_range(0..=3)? {
            0 => s.push_str(&"`".repeat(u.int_in_range(1..=300)?)),
            1 => s.push_str(u.arbitrary::<&str>()?),
            _ => s.push_str(u.choose(PIECES)?),
        }
    }
    Ok(s)
}

fn status(u: &mut Unstructured<'_>) -> arbitrary::Result<CaseStatus> {
    Ok(*u.choose(&[
        CaseStatus::Passed,
        CaseStatus::Failed,
        CaseStatus::Error,
        CaseStatus::Skipped,
        CaseStatus::Flaky,
    ])?)
}

fn option(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<String>> {
    Ok(if u.arbitrary()? {
        Some(hostile(u)?)
    } else {
        None
    })
}

/// A run and what the renderers are given besides it.
#[derive(Debug)]
pub struct FuzzRun {
    pub run: TestRun,
    pub title: String,
    pub diff: Option<RunDiff>,
    pub budget: usize,
}

impl<'a> Arbitrary<'a> for FuzzRun {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut cases = Vec::new();
        for _ in 0..u.int_in_range(0..=8)? {
            let status = status(u)?;
            let mut c = TestCase::new(hostile(u)?, hostile(u)?, hostile(u)?, status);
            c.file = option(u)?;
            c.line = u.arbitrary()?;
            c.message = option(u)?;
            c.details = option(u)?;
            c.stdout = option(u)?;
            c.duration_seconds = u.arbitrary()?;
            if status == CaseStatus::Flaky || u.arbitrary()? {
                c.attempts = vec![Attempt {
                    status: CaseStatus::Failed,
                    message: option(u)?,
                    ..Attempt::default()
                }];
            }
            let mut properties = BTreeMap::new();
            if u.arbitrary()? {
                properties.insert(hostile(u)?, hostile(u)?);
            }
            c.properties = properties;
            cases.push(c);
        }
        let run = TestRun {
            run_key: hostile(u)?,
            name: hostile(u)?,
            status: *u.choose(&[RunStatus::Passed, RunStatus::Failed, RunStatus::Error])?,
            duration_seconds: u.arbitrary()?,
            started_at: option(u)?,
            cases,
            ..TestRun::default()
        };
        let diff = if u.arbitrary()? {
            let mut new_failures = Vec::new();
            for _ in 0..u.int_in_range(0..=3)? {
                new_failures.push(DiffEntry {
                    test_id: hostile(u)?,
                    full_name: hostile(u)?,
                    file: option(u)?,
                    message: option(u)?,
                    previous_status: None,
                    current_status: Some(CaseStatus::Failed),
                });
            }
            Some(RunDiff {
                previous_run: option(u)?,
                new_failures,
                ..RunDiff::default()
            })
        } else {
            None
        };
        Ok(FuzzRun {
            run,
            title: hostile(u)?,
            diff,
            budget: u.int_in_range(256..=70_000)?,
        })
    }
}

/// The report URL and marker the Markdown target passes: the only link
/// and comment the output may hold.
pub const REPORT_URL: &str = "https://ci.test/run/1";
pub const MARKER: &str = "<!-- testrelay:k -->";

/// Elements (and their attributes) our Markdown renders to.
const MARKDOWN_ELEMENTS: &[(&str, &[&str])] = &[
    ("h2", &[]),
    ("h3", &[]),
    ("p", &[]),
    ("ul", &[]),
    ("li", &[]),
    ("table", &[]),
    ("thead", &[]),
    ("tbody", &[]),
    ("tr", &[]),
    ("th", &["align"]),
    ("td", &["align"]),
    ("code", &[]),
    ("pre", &[]),
    ("strong", &[]),
    ("a", &["href"]),
];

/// One tag of an HTML text: its name (lowercase, `/name` for an end tag,
/// `!--` for a comment), its attributes, and where it ends.
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    end: usize,
}

/// Reads the tag that starts at `html[start]` (a `<`).
fn tag_at(html: &str, start: usize) -> Option<Tag> {
    let rest = &html[start + 1..];
    if let Some(body) = rest.strip_prefix("!--") {
        let close = body.find("-->")?;
        return Some(Tag {
            name: "!--".into(),
            attrs: vec![("text".into(), body[..close].to_string())],
            end: start + 4 + close + 3,
        });
    }
    let close = rest.find('>')?;
    let inner = &rest[..close];
    let mut parts = inner.trim_end_matches('/').splitn(2, char::is_whitespace);
    let name = parts.next()?.to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut a = parts.next().unwrap_or("").trim();
    while !a.is_empty() {
        let name_end = a.find(['=', ' ']).unwrap_or(a.len());
        let attr = a[..name_end].to_ascii_lowercase();
        a = a[name_end..].trim_start();
        let mut value = String::new();
        if let Some(v) = a.strip_prefix('=') {
            let v = v.trim_start();
            let (val, after) = match v.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = v[1..].find(q).map_or(v.len(), |i| i + 1);
                    (&v[1..end], v.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = v.find(' ').unwrap_or(v.len());
                    (&v[..end], &v[end..])
                }
            };
            value = val.to_string();
            a = after.trim_start();
        }
        attrs.push((attr, value));
    }
    Some(Tag {
        name,
        attrs,
        end: start + 1 + close + 1,
    })
}

/// True when `text` holds an @-mention as GitHub finds them: `@` after
/// the start or a non-word character, then a letter or digit.
fn has_mention(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        *c == '@'
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric())
    })
}

/// Everything in `markdown`, rendered by comrak as GitHub would, that our
/// renderer did not write: unknown elements or attributes, links other
/// than [`REPORT_URL`], comments other than [`MARKER`], emphasis other
/// than a status, @-mentions outside code, raw control characters, and
/// code fences longer than cmark-gfm tells apart (255; comrak has no such
/// limit, so it is checked on the text).
pub fn markdown_problems(markdown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    // Code fences: cmark-gfm keeps a fence's length in a byte, so a fence
    // over 255 characters is closed by any line of 255.
    let mut open: Option<(char, usize)> = None;
    for line in markdown.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let t = line.trim();
        let run = |c: char| t.chars().take_while(|x| *x == c).count();
        match open {
            None if indent <= 3 => {
                for c in ['`', '~'] {
                    let n = run(c);
                    if n >= 3 && !(c == '`' && t[n..].contains('`')) {
                        if n > 255 {
                            problems.push(format!("a code fence of {n} characters"));
                        }
                        open = Some((c, n));
                    }
                }
            }
            Some((c, n)) if indent <= 3 && run(c) >= n && t.chars().all(|x| x == c) => {
                open = None;
            }
            _ => {}
        }
    }
    if let Some(c) = markdown
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        problems.push(format!("control character {c:?}"));
    }
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(markdown, &options);
    let mut stack: Vec<String> = Vec::new();
    let mut strong: Option<String> = None;
    let mut i = 0;
    while i < html.len() {
        let next = html[i..].find('<').map_or(html.len(), |p| i + p);
        let text = &html[i..next];
        if !text.is_empty() {
            let text = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            if let Some(s) = strong.as_mut() {
                s.push_str(&text);
            }
            let in_code = stack
                .iter()
                .any(|t| matches!(t.as_str(), "code" | "pre" | "a"));
            if !in_code && has_mention(&text) {
                problems.push(format!("mention in {text:?}"));
            }
        }
        if next >= html.len() {
            break;
        }
        let Some(tag) = tag_at(&html, next) else {
            problems.push(format!("unclosed tag at {next}"));
            break;
        };
        i = tag.end;
        if tag.name == "!--" {
            let text = format!("<!--{}-->", tag.attrs[0].1);
            if text != MARKER {
                problems.push(format!("comment {text:?}"));
            }
            continue;
        }
        if let Some(name) = tag.name.strip_prefix('/') {
            if name == "strong" {
                if let Some(s) = strong.take()
                    && s != "failed"
                    && s != "error"
                {
                    problems.push(format!("strong text {s:?}"));
                }
            }
            if let Some(at) = stack.iter().rposition(|t| t == name) {
                stack.truncate(at);
            }
            continue;
        }
        match MARKDOWN_ELEMENTS.iter().find(|(n, _)| *n == tag.name) {
            None => problems.push(format!("element <{}>", tag.name)),
            Some((_, allowed)) => {
                for (attr, value) in &tag.attrs {
                    if !allowed.contains(&attr.as_str()) {
                        problems.push(format!("attribute {attr}={value:?} on <{}>", tag.name));
                    }
                    if attr == "href" && value != REPORT_URL {
                        problems.push(format!("link to {value:?}"));
                    }
                }
            }
        }
        if tag.name == "strong" {
            strong = Some(String::new());
        }
        stack.push(tag.name);
    }
    problems
}

/// Elements of `report.html`'s own template.
const HTML_ELEMENTS: &[&str] = &[
    "!doctype", "a", "article", "b", "body", "code", "dd", "details", "div", "dl", "dt", "g", "h1",
    "h2", "h3", "head", "header", "html", "input", "label", "li", "main", "meta", "nav", "p",
    "pre", "rect", "script", "section", "small", "span", "style", "summary", "svg", "table",
    "tbody", "td", "text", "th", "thead", "time", "title", "tr", "ul",
];

/// Everything in `html` that the run's text could have put there: elements
/// outside the template, event-handler or source attributes, links that
/// leave the page, more than the one script and style, and characters
/// HTML does not allow.
pub fn html_problems(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(c) = html.chars().find(|c| {
        (c.is_control() && !matches!(c, '\n' | '\t')) || ('\u{fdd0}'..='\u{fdef}').contains(c)
    }) {
        problems.push(format!("character {c:?}"));
    }
    let mut scripts = 0;
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        let start = i + p;
        let Some(tag) = tag_at(html, start) else {
            problems.push(format!("unclosed tag at {start}"));
            break;
        };
        i = tag.end;
        let name = tag.name.trim_start_matches('/');
        if !HTML_ELEMENTS.contains(&name) {
            problems.push(format!("element <{}>", tag.name));
        }
        for (attr, value) in &tag.attrs {
            if attr.starts_with("on") || matches!(attr.as_str(), "src" | "srcdoc" | "formaction") {
                problems.push(format!("attribute {attr}={value:?}"));
            }
            if attr == "href" && !value.starts_with('#') {
                problems.push(format!("link to {value:?}"));
            }
        }
        if matches!(name, "script" | "style") && !tag.name.starts_with('/') {
            scripts += 1;
            // Skip the element's content: it is ours and not HTML.
            match html[i..].find(&format!("</{name}>")) {
                Some(end) => i += end,
                None => problems.push(format!("<{name}> not closed")),
            }
        }
    }
    if scripts != 2 {
        problems.push(format!("{scripts} script and style elements, not 2"));
    }
    problems
}

/// Lines of `text` that a CI would run as a command, or control
/// characters a terminal would act on.
pub fn terminal_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for line in text.split('\n') {
        if line.trim_start().starts_with("::") {
            problems.push(format!("workflow command {line:?}"));
        }
        for marker in ["##vso[", "##teamcity[", "##["] {
            if line.contains(marker) {
                problems.push(format!("{marker} in {line:?}"));
            }
        }
        if let Some(c) = line
            .chars()
            .find(|c| (c.is_control() && *c != '\t') || ('\u{202a}'..='\u{202e}').contains(c))
        {
            problems.push(format!("control character {c:?} in {line:?}"));
        }
    }
    problems
}

/// GitHub's runner reading a workflow command line (its `ActionCommand`
/// parser): the command, its properties and its data, unescaped in the
/// runner's order. `None` when the line is not a command.
pub fn parse_workflow_command(line: &str) -> Option<(String, Vec<(String, String)>, String)> {
    let rest = line.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (command, props) = info.split_once(' ').unwrap_or((info, ""));
    let unescape = |v: &str, property: bool| {
        let mut v = v.replace("%0D", "\r").replace("%0A", "\n");
        if property {
            v = v.replace("%3A", ":").replace("%2C", ",");
        }
        v.replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), unescape(v, true))
        })
        .collect();
    Some((command.to_string(), props, unescape(data, false)))
}

/// The Azure Pipelines agent reading a logging command line: the command
/// (`area.event`), its properties unescaped as the agent does, and the
/// message (left escaped). `None` when the line holds no command.
pub fn parse_logging_command(line: &str) -> Option<(String, Vec<(String, String)>, String)> {
    let start = line.find("##vso[")?;
    let rest = &line[start + 6..];
    let end = rest.find(']')?;
    let (info, data) = (&rest[..end], &rest[end + 1..]);
    let (command, props) = info.split_once(' ').unwrap_or((info, ""));
    let props = props
        .split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let v = v
                .replace("%3B", ";")
                .replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%5D", "]")
                .replace("%AZP25", "%");
            (k.to_string(), v)
        })
        .collect();
    Some((command.to_string(), props, data.to_string()))
}

/// TeamCity reading one service message line: the message name and its
/// attributes unescaped, or what makes the line malformed (an unescaped
/// quote or bracket, an unknown escape, text after the closing `]`).
pub fn parse_service_message(line: &str) -> Result<(String, Vec<(String, String)>), String> {
    let rest = line
        .strip_prefix("##teamcity[")
        .ok_or_else(|| format!("not a service message: {line:?}"))?;
    let mut chars = rest.chars().peekable();
    let mut name = String::new();
    while let Some(&c) = chars.peek() {
        if c == ' ' || c == ']' {
            break;
        }
        name.push(c);
        chars.next();
    }
    let mut attributes = Vec::new();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        match chars.next() {
            Some(']') => {
                return match chars.next() {
                    None => Ok((name, attributes)),
                    Some(_) => Err(format!("text after the message in {line:?}")),
                };
            }
            None => return Err(format!("unterminated message {line:?}")),
            // The single-value form, `##teamcity[name 'value']`.
            Some('\'') if attributes.is_empty() => {
                let value = service_value(&mut chars, line)?;
                attributes.push((String::new(), value));
            }
            Some(c) => {
                let mut key = c.to_string();
                for c in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    key.push(c);
                }
                if chars.next() != Some('\'') {
                    return Err(format!("attribute {key:?} is not quoted in {line:?}"));
                }
                let value = service_value(&mut chars, line)?;
                attributes.push((key, value));
            }
        }
    }
}

/// A service-message value after its opening quote, unescaped, up to and
/// including its closing quote.
fn service_value(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &str,
) -> Result<String, String> {
    let mut value = String::new();
    loop {
        match chars.next() {
            None => return Err(format!("unterminated value in {line:?}")),
            Some('\'') => return Ok(value),
            Some('[') | Some(']') => return Err(format!("unescaped bracket in {line:?}")),
            Some('|') => match chars.next() {
                Some('|') => value.push('|'),
                Some('\'') => value.push('\''),
                Some('[') => value.push('['),
                Some(']') => value.push(']'),
                Some('n') => value.push('\n'),
                Some('r') => value.push('\r'),
                Some('0') if chars.next() == Some('x') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("bad |0x escape in {line:?}"))?;
                    value.push(code);
                }
                other => return Err(format!("unknown escape |{other:?} in {line:?}")),
            },
            Some(c) => value.push(c),
        }
    }
}
