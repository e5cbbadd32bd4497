//! Markdown for PR comments and job summaries, commit-status descriptions,
//! and the shared duration format.
//!
//! [`render_markdown`] writes, in order: the optional hidden marker comment,
//! a `## {title}: {status}` heading, a totals table, the comparison with
//! the previous run when a diff is given (counts of new failures, fixed and
//! still failing tests, then the new failures' names), the performance
//! comparison when given (a "Performance" table: metric, test, baseline,
//! now, change, p-value and a sparkline of recent runs; regressions first,
//! as many rows as fit), the failures (full
//! name, `file:line`, message in a fenced code block), the flaky tests, the
//! slowest tests, and a link to the full report. The output never exceeds
//! the byte budget: when not every failure fits, the failures shown are
//! followed by `… and N more failures.` and nothing else but the link.
//!
//! Text from tests can contain anything, so:
//! - names and paths go into code spans (no HTML, emphasis, links, emoji
//!   shortcodes or @-mentions are rendered inside them) whose backtick fence
//!   is longer than any backtick run in the text; newlines become spaces and,
//!   in table cells, `|` becomes `\|`. GitHub's renderer (cmark-gfm) does
//!   not close a code span whose fence is longer than 80 backticks, so a
//!   run of [`SPAN_BACKTICKS_MAX`] or more backticks is written between
//!   spans, as `&#96;` entities (text, never a fence);
//! - messages go into fenced code blocks whose fence is longer than any
//!   backtick run in the message; cmark-gfm caps a fence at 255, so a
//!   message with a line of 255 or more backticks is fenced differently
//!   (see `block_fence`);
//! - the title, unless it is only letters, digits, spaces, `-` and `_`,
//!   is a code span too: escaping alone cannot stop GitHub's @-mentions and
//!   autolinked `www.`/`https://`/e-mail text;
//! - control characters are made visible ([`crate::text::visible`]: ESC as
//!   `␛`), so the files are as safe to `cat` as to render.

use std::borrow::Cow;

use crate::analysis::diff::RunDiff;
use crate::analysis::regressions::{MetricComparison, PerformanceReport, Verdict, sparkline};
use crate::model::{CaseStatus, RunStatus, TestCase, TestRun};
use crate::text::head_bytes;

/// Largest message shown per failure, in bytes; longer ones are cut (at a
/// character boundary) and end with a `…` line.
const MESSAGE_MAX_BYTES: usize = 4000;
/// Most message lines shown per failure.
const MESSAGE_MAX_LINES: usize = 40;
/// Longest title kept, in bytes (after escaping it may grow).
const TITLE_MAX_BYTES: usize = 200;
/// Most new failures named in the comparison with the previous run.
const DIFF_LISTED: usize = 20;
/// Backtick runs this long or longer are written outside code spans: a
/// span's fence must be longer than every run inside it, and cmark-gfm
/// leaves a fence of more than 80 backticks unclosed (text, not code).
pub const SPAN_BACKTICKS_MAX: usize = 32;
/// Longest code-block fence cmark-gfm tells apart (it stores the length in
/// a byte): any line of this many fence characters closes a block.
const FENCE_MAX: usize = 255;

/// Most rows of the performance table.
const PERFORMANCE_ROWS: usize = 30;

/// What [`render_markdown`] produces and how large it may get.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownOptions {
    /// Largest output in UTF-8 bytes (default 65,536, GitHub's comment
    /// limit; a check-run summary allows 65,535 characters).
    pub budget_bytes: usize,
    /// Link to the full report (an artifact or job page), shown at the end.
    pub report_url: Option<String>,
    /// How many of the slowest tests to list (default 5; 0 omits the section).
    pub slowest: usize,
    /// Heading text (default `Test results`).
    pub title: String,
    /// Hidden HTML comment put first, so a provider can find and update its
    /// own comment in place, e.g. `<!-- testrelay:run-key -->`. A value that
    /// is not a single-line HTML comment is wrapped into one (see
    /// [`marker_comment`]).
    pub marker: Option<String>,
    /// This run compared with the previous one (from the history); shown
    /// after the totals when set.
    pub diff: Option<RunDiff>,
    /// This run's metrics compared with their baseline (from the history);
    /// shown after the diff when set.
    pub performance: Option<PerformanceReport>,
    /// The run's artifacts, listed at the end (linked when they have a URL).
    pub artifacts: Vec<ArtifactLink>,
}

/// An artifact as a report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArtifactLink {
    /// File name.
    pub name: String,
    /// Semantic type (`performance_report`, `image`, ...).
    pub semantic_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Where it can be opened, when known.
    pub url: Option<String>,
    /// The file on this machine, when known: the HTML report links it
    /// relative to the report when there is no `http(s)` URL.
    pub path: Option<String>,
}

impl ArtifactLink {
    /// The link for a stored artifact, without a URL.
    pub fn of(a: &crate::artifact::ArtifactMetadata) -> ArtifactLink {
        ArtifactLink {
            name: a.name.clone(),
            semantic_type: a.semantic_type.clone(),
            size: a.size,
            url: None,
            path: Some(a.path.clone()),
        }
    }
}

/// At most this many artifacts are listed.
const ARTIFACTS_LISTED: usize = 50;

/// The `### Artifacts` table (empty for none), within `room` bytes.
fn artifacts_section(artifacts: &[ArtifactLink], room: usize) -> String {
    let mut out = String::new();
    if artifacts.is_empty() {
        return out;
    }
    let head = format!(
        "\n### Artifacts ({})\n\n| Artifact | Type | Size |\n|---|---|---:|\n",
        artifacts.len()
    );
    let rows = artifacts.iter().take(ARTIFACTS_LISTED).map(|a| {
        let name = match &a.url {
            Some(url) => format!("[{}]({})", escape_inline(&a.name), url_escape(url)),
            None => code(&a.name, true),
        };
        format!(
            "| {name} | {} | {} B |\n",
            code(&a.semantic_type, true),
            a.size
        )
    });
    push_table(&mut out, &head, rows, room);
    out
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            budget_bytes: 65_536,
            report_url: None,
            slowest: 5,
            title: "Test results".to_string(),
            marker: None,
            diff: None,
            performance: None,
            artifacts: Vec::new(),
        }
    }
}

/// Renders `run` as Markdown within `opts.budget_bytes` bytes.
///
/// Never fails; an empty run renders its heading and a table of zeros. Only
/// a budget too small for the heading itself (under about 100 bytes, or a
/// very long marker or title) leaves something out; the output then ends
/// after the last whole line that fits, so no code span is left open.
pub fn render_markdown(run: &TestRun, opts: &MarkdownOptions) -> String {
    let budget = opts.budget_bytes;
    let mut top = String::new();
    if let Some(marker) = &opts.marker {
        top.push_str(&marker_comment(marker));
        top.push('\n');
    }
    top.push_str(&format!(
        "## {}: {}\n",
        title_text(head_bytes(&opts.title, TITLE_MAX_BYTES)),
        status_word(run.status)
    ));
    let table = totals_table(run);
    let link = opts
        .report_url
        .as_deref()
        .map(|url| format!("\n[Full report]({})\n", url_escape(url)))
        .unwrap_or_default();

    let failures: Vec<&TestCase> = run.failures().collect();
    let failures_heading = if failures.is_empty() {
        String::new()
    } else {
        format!("\n### Failures ({})\n", failures.len())
    };
    let worst_tail = if failures.is_empty() {
        String::new()
    } else {
        more_failures_line(failures.len())
    };
    let must_fit = failures_heading.len() + worst_tail.len() + link.len();

    let mut out = top;
    if out.len() + table.len() + must_fit <= budget {
        out.push_str(&table);
        if let Some(diff) = &opts.diff {
            let room = budget - out.len() - must_fit;
            out.push_str(&diff_section(diff, room));
        }
        if let Some(perf) = &opts.performance {
            let room = budget - out.len() - must_fit;
            out.push_str(&performance_section(perf, room));
        }
    } else if out.len() + must_fit > budget {
        out.push_str(&failures_heading);
        out.push_str(&worst_tail);
        out.push_str(&link);
        return whole_lines(&out, budget).to_string();
    }

    let mut truncated = false;
    if !failures.is_empty() {
        out.push_str(&failures_heading);
        let blocks: Vec<String> = failures.iter().map(|c| failure_block(c)).collect();
        let all: usize = blocks.iter().map(String::len).sum();
        let reserve = if out.len() + all + link.len() <= budget {
            link.len()
        } else {
            worst_tail.len() + link.len()
        };
        let mut shown = 0;
        for block in &blocks {
            if out.len() + block.len() + reserve > budget {
                break;
            }
            out.push_str(block);
            shown += 1;
        }
        if shown < blocks.len() {
            truncated = true;
            out.push_str(&more_failures_line(blocks.len() - shown));
        }
    }

    if !truncated {
        let flaky: Vec<&TestCase> = run
            .cases
            .iter()
            .filter(|c| c.status == CaseStatus::Flaky)
            .collect();
        if !flaky.is_empty() {
            let head = format!(
                "\n### Flaky tests ({})\n\n| Test | Attempts | Duration |\n|---|---:|---:|\n",
                flaky.len()
            );
            let rows = flaky.iter().map(|c| {
                format!(
                    "| {} | {} | {} |\n",
                    code(&c.full_name(), true),
                    c.attempts.len() + 1,
                    format_duration(c.duration_seconds)
                )
            });
            push_table(&mut out, &head, rows, budget - link.len());
        }
        let slowest = run.slowest(opts.slowest);
        if !slowest.is_empty() {
            let head = "\n### Slowest tests\n\n| Test | Duration |\n|---|---:|\n";
            let rows = slowest.iter().map(|c| {
                format!(
                    "| {} | {} |\n",
                    code(&c.full_name(), true),
                    format_duration(c.duration_seconds)
                )
            });
            push_table(&mut out, head, rows, budget - link.len());
        }
        let room = budget.saturating_sub(out.len() + link.len());
        out.push_str(&artifacts_section(&opts.artifacts, room));
    }
    out.push_str(&link);
    out
}

/// A one-line summary for a commit status, e.g.
/// `12 failed, 3 skipped, 1024 passed in 3m 12s`, at most `max_chars`
/// characters (GitHub allows 140).
///
/// Zero counts are left out (`no tests` when the run has none); a run that
/// did not finish normally is prefixed (`timed out: `, `cancelled: `,
/// `harness error: `, `running: `, `pending: `). When too long, the duration
/// goes first, then the text is cut and ends with `…`.
pub fn status_description(run: &TestRun, max_chars: usize) -> String {
    let c = run.counts();
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if c.failed > 0 {
        parts.push(format!("{} failed", c.failed));
    }
    if c.errors > 0 {
        parts.push(plural(c.errors, "error", "errors"));
    }
    if c.flaky > 0 {
        parts.push(format!("{} flaky", c.flaky));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    if c.passed > 0 {
        parts.push(format!("{} passed", c.passed));
    }
    let prefix = match run.status {
        RunStatus::Passed | RunStatus::Failed => "",
        RunStatus::Error => "harness error: ",
        RunStatus::Cancelled => "cancelled: ",
        RunStatus::TimedOut => "timed out: ",
        RunStatus::Running => "running: ",
        RunStatus::Pending => "pending: ",
    };
    let counts = if parts.is_empty() {
        "no tests".to_string()
    } else {
        parts.join(", ")
    };
    let short = format!("{prefix}{counts}");
    let full = format!("{short} in {}", format_duration(run.duration_seconds));
    if full.chars().count() <= max_chars {
        return full;
    }
    if short.chars().count() <= max_chars {
        return short;
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut cut: String = short.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

/// Formats a duration in seconds for people: `850ms` under a second,
/// `12.3s` under a minute, `3m 12s` under an hour, `1h 2m 5s` above.
/// Negative and non-finite values count as 0. Shared by the Markdown and
/// HTML reports and status descriptions.
pub fn format_duration(secs: f64) -> String {
    let secs = if secs.is_finite() && secs > 0.0 {
        secs
    } else {
        0.0
    };
    let ms = (secs * 1000.0).round();
    if ms < 1000.0 {
        return format!("{}ms", ms as u64);
    }
    let tenths = (secs * 10.0).round();
    if tenths < 600.0 {
        return format!("{:.1}s", tenths / 10.0);
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    if h == 0 {
        format!("{m}m {s}s")
    } else {
        format!("{h}h {m}m {s}s")
    }
}

/// The marker as one HTML comment line: a value that already is a
/// single-line comment (`<!-- ... -->` with no `--` inside) is used as is;
/// anything else is wrapped as `<!-- value -->` with line breaks, `<`, `>`
/// and repeated `-` removed, so it can neither end the comment early nor
/// show up in the rendered text.
pub fn marker_comment(marker: &str) -> String {
    if let Some(inner) = marker
        .strip_prefix("<!--")
        .and_then(|m| m.strip_suffix("-->"))
        && !inner.contains("--")
        && !inner.contains(['\n', '\r', '>'])
        && !inner.starts_with('-')
        && !inner.ends_with('-')
    {
        return marker.to_string();
    }
    let mut inner = String::with_capacity(marker.len());
    for ch in marker.chars() {
        match ch {
            '<' | '>' | '\n' | '\r' => {}
            '-' if inner.ends_with('-') => {}
            _ => inner.push(ch),
        }
    }
    format!("<!-- {} -->", inner.trim_matches(|c| c == '-' || c == ' '))
}

fn status_word(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Pending => "pending",
        RunStatus::Running => "running",
        RunStatus::Passed => "passed",
        RunStatus::Failed => "failed",
        RunStatus::Error => "harness error",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed out",
    }
}

fn totals_table(run: &TestRun) -> String {
    let c = run.counts();
    format!(
        "\n| Total | Passed | Failed | Errors | Skipped | Flaky | Duration |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n\
         | {} | {} | {} | {} | {} | {} | {} |\n",
        c.total,
        c.passed,
        c.failed,
        c.errors,
        c.skipped,
        c.flaky,
        format_duration(run.duration_seconds)
    )
}

/// The comparison with the previous run in at most `room` bytes: a counts
/// table, then up to [`DIFF_LISTED`] new failures by name (as many as fit);
/// empty when the table does not fit.
fn diff_section(diff: &RunDiff, room: usize) -> String {
    let against = diff
        .previous_run
        .as_deref()
        .map_or_else(|| "the previous run".to_string(), |key| code(key, false));
    let mut s = format!(
        "\n### Compared with {against}\n\n\
         | New failures | Fixed | Still failing |\n|---:|---:|---:|\n| {} | {} | {} |\n",
        diff.new_failures.len(),
        diff.fixed.len(),
        diff.still_failing.len()
    );
    if s.len() > room {
        return String::new();
    }
    let names = &diff.new_failures;
    if names.is_empty() {
        return s;
    }
    let lines: Vec<String> = names
        .iter()
        .take(DIFF_LISTED)
        .map(|e| format!("- {}\n", code(&e.full_name, false)))
        .collect();
    let head = "\nNew failures:\n";
    let tail = |n: usize| format!("- … and {n} more\n");
    let all: usize = lines.iter().map(String::len).sum();
    let reserve = if names.len() > lines.len() || s.len() + head.len() + all > room {
        tail(names.len()).len()
    } else {
        0
    };
    if s.len() + head.len() + lines[0].len() + reserve > room {
        return s;
    }
    s.push_str(head);
    let mut shown = 0;
    for line in &lines {
        if s.len() + line.len() + reserve > room {
            break;
        }
        s.push_str(line);
        shown += 1;
    }
    if shown < names.len() {
        s.push_str(&tail(names.len() - shown));
    }
    s
}

/// The performance comparison in at most `room` bytes: a line of counts,
/// then a table of up to [`PERFORMANCE_ROWS`] metrics (regressions first),
/// as many as fit; empty when not even the heading fits.
fn performance_section(perf: &PerformanceReport, room: usize) -> String {
    let count = |v: Verdict| perf.comparisons.iter().filter(|c| c.verdict == v).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let against = match &perf.baseline_branch {
        Some(b) => format!("of {}", code(b, false)),
        None => "on any branch".to_string(),
    };
    let mut s = format!(
        "\n### Performance\n\n{}, {}, {} unchanged, {} new; against the last {} {against} \
         (a change counts at p < {} and {}% or more).\n",
        plural(count(Verdict::Regression), "regression", "regressions"),
        plural(count(Verdict::Improvement), "improvement", "improvements"),
        count(Verdict::Unchanged),
        count(Verdict::New),
        plural(perf.baseline_runs, "run", "runs"),
        number(perf.alpha),
        number(perf.min_change_pct),
    );
    if s.len() > room {
        return String::new();
    }
    let head = "\n| | Metric | Test | Baseline | Now | Change | p | Recent |\n\
                |---|---|---|---:|---:|---:|---:|---|\n";
    let rows = perf
        .comparisons
        .iter()
        .take(PERFORMANCE_ROWS)
        .map(performance_row);
    let start = s.len();
    push_table(&mut s, head, rows, room);
    let shown = s[start..].lines().count().saturating_sub(3);
    let hidden = perf.comparisons.len().saturating_sub(shown);
    let tail = format!("\n… and {hidden} more metrics (see the full report).\n");
    if hidden > 0 && shown > 0 && s.len() + tail.len() <= room {
        s.push_str(&tail);
    }
    s
}

/// One row of the performance table.
fn performance_row(c: &MetricComparison) -> String {
    let mark = match c.verdict {
        Verdict::Regression => "🔴 regression",
        Verdict::Improvement => "🟢 improvement",
        Verdict::Unchanged => "",
        Verdict::New => "new",
    };
    let test = match (&c.test_name, &c.test_id) {
        (Some(name), _) => code(name, true),
        (None, Some(id)) => code(id, true),
        (None, None) => "(run)".to_string(),
    };
    let unit = if c.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", unit_text(&c.unit))
    };
    let baseline = c
        .baseline
        .map_or_else(|| "—".to_string(), |b| format!("{}{unit}", number(b)));
    let change = c
        .change_pct
        .map_or_else(|| "—".to_string(), |p| format!("{p:+.1}%"));
    let p = match (c.p_value, c.test) {
        (Some(p), Some(t)) => format!("{} ({})", p_text(p), t.label()),
        _ => "—".to_string(),
    };
    format!(
        "| {mark} | {} | {test} | {baseline} | {}{unit} | {change} | {p} | {} |\n",
        code(&c.name, true),
        number(c.now),
        sparkline(&c.recent)
    )
}

/// A unit as shown after a number: plain when it is only letters, digits,
/// `/`, `%` and `µ`; otherwise a code span.
fn unit_text(unit: &str) -> String {
    if unit
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '/' | '%' | 'µ'))
    {
        unit.to_string()
    } else {
        code(unit, true)
    }
}

/// A p-value for people: `<0.001`, else three decimals.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// A measured value for people: at most four significant decimals, no
/// trailing zeros (`12.5`, `1843200`, `0.0042`).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals = if v.abs() >= 1000.0 {
        0
    } else if v.abs() >= 1.0 {
        3 - (v.abs().log10().floor() as usize).min(3)
    } else {
        4
    };
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

fn more_failures_line(n: usize) -> String {
    let noun = if n == 1 { "failure" } else { "failures" };
    format!("\n… and {n} more {noun}.\n")
}

/// One failure: status, full name, location, and the message.
fn failure_block(case: &TestCase) -> String {
    let mut s = format!(
        "\n**{}** {}",
        case.status.as_str(),
        code(&case.full_name(), false)
    );
    if let Some(file) = &case.file {
        let location = match case.line {
            Some(line) => format!("{file}:{line}"),
            None => file.clone(),
        };
        s.push_str(" at ");
        s.push_str(&code(&location, false));
    }
    s.push('\n');
    let text = case
        .message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .or(case.details.as_deref());
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        s.push('\n');
        s.push_str(&fenced(text));
    }
    s
}

/// Appends `head` and as many `rows` as fit under `limit` bytes; nothing
/// when not even one row fits.
fn push_table(out: &mut String, head: &str, rows: impl Iterator<Item = String>, limit: usize) {
    let mut rows = rows.peekable();
    match rows.peek() {
        Some(first) if out.len() + head.len() + first.len() <= limit => {}
        _ => return,
    }
    out.push_str(head);
    for row in rows {
        if out.len() + row.len() > limit {
            break;
        }
        out.push_str(&row);
    }
}

/// A fenced code block holding `text` (line breaks normalized to `\n`,
/// cut to [`MESSAGE_MAX_BYTES`] / [`MESSAGE_MAX_LINES`]), fenced with more
/// backticks than any run inside.
fn fenced(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let normalized = crate::text::visible(&normalized);
    let trimmed = normalized.trim_end_matches('\n');
    let mut body = head_bytes(trimmed, MESSAGE_MAX_BYTES);
    if let Some((i, _)) = body.match_indices('\n').nth(MESSAGE_MAX_LINES - 1) {
        body = &body[..i];
    }
    let cut = body.len() < trimmed.len();
    let (fence, body) = block_fence(body);
    let mut s = String::with_capacity(body.len() + 2 * fence.len() + 8);
    s.push_str(&fence);
    s.push('\n');
    s.push_str(&body);
    if cut {
        s.push_str("\n…");
    }
    s.push('\n');
    s.push_str(&fence);
    s.push('\n');
    s
}

/// The fence for a code block holding `body`, and the body to put inside.
///
/// Usually backticks, one more than the longest backtick run in the body.
/// cmark-gfm keeps a fence's length in a byte (at most 255), so a line of
/// 255 or more backticks would close any backtick fence: then the fence is
/// longer than the longest line made of backticks alone (the only lines
/// that can close it), or made of tildes, or, when the body has lines of
/// 255 or more of both, those backtick lines are indented by four spaces
/// (a closing fence is indented by three at most).
fn block_fence(body: &str) -> (String, Cow<'_, str>) {
    let any_run = longest_backtick_run(body);
    if any_run < FENCE_MAX {
        return ("`".repeat(any_run.max(2) + 1), Cow::Borrowed(body));
    }
    let closing_run = |fence_char: char| {
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.chars().all(|c| c == fence_char))
            .map(str::len)
            .max()
            .unwrap_or(0)
    };
    for fence_char in ['`', '~'] {
        let run = closing_run(fence_char);
        if run < FENCE_MAX {
            return (
                fence_char.to_string().repeat(run.max(2) + 1),
                Cow::Borrowed(body),
            );
        }
    }
    let indented: Vec<String> = body
        .lines()
        .map(|l| {
            let t = l.trim();
            if t.len() >= FENCE_MAX && t.chars().all(|c| c == '`') {
                format!("    {l}")
            } else {
                l.to_string()
            }
        })
        .collect();
    ("`".repeat(FENCE_MAX), Cow::Owned(indented.join("\n")))
}

/// `text` as an inline code span; in a table cell `|` is escaped too.
/// Line breaks become spaces, other control characters are made visible.
/// Runs of [`SPAN_BACKTICKS_MAX`] or more backticks go between spans as
/// `&#96;` entities (see the module docs).
fn code(text: &str, in_table: bool) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut body = crate::text::visible(&flat).into_owned();
    if body.is_empty() {
        return "(empty)".to_string();
    }
    if in_table {
        body = body.replace('|', "\\|");
    }
    if longest_backtick_run(&body) < SPAN_BACKTICKS_MAX {
        return span(&body);
    }
    let mut out = String::with_capacity(body.len() * 2);
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (piece, run) = next_long_run(rest);
        if !piece.is_empty() {
            out.push_str(&span(piece));
        }
        for _ in 0..run {
            out.push_str("&#96;");
        }
        rest = &rest[piece.len() + run..];
    }
    out
}

/// Splits `text` before its first run of [`SPAN_BACKTICKS_MAX`] or more
/// backticks: the text before it, and the run's length (0 when none).
fn next_long_run(text: &str) -> (&str, usize) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
            if run >= SPAN_BACKTICKS_MAX {
                return (&text[..i], run);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    (text, 0)
}

/// One code span holding `body` (no backtick run in it as long as the
/// fence), padded with spaces when it starts or ends with a backtick or a
/// space.
fn span(body: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(body) + 1);
    let pad = if body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// The heading's title: plain (escaped) when it is only letters, digits,
/// spaces, `-` and `_`; otherwise a code span, where GitHub renders no
/// mention, autolink or markup.
fn title_text(title: &str) -> String {
    let plain = title
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
    if plain {
        escape_inline(title)
    } else {
        code(title, false)
    }
}

fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Escapes plain text for a Markdown line: `&`, `<`, `>` as entities,
/// Markdown punctuation with a backslash, line breaks as spaces.
fn escape_inline(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '\n' | '\r' => s.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' | '(' | ')' => {
                s.push('\\');
                s.push(c);
            }
            _ => s.push(c),
        }
    }
    s
}

/// Percent-encodes what could end or confuse a Markdown link destination.
fn url_escape(url: &str) -> String {
    let mut s = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_alphanumeric() || "-._~:/?#@!$&'*+,;=%".contains(c) {
            s.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                s.push_str(&format!("%{b:02X}"));
            }
        }
    }
    s
}

/// The longest prefix of `text` of at most `max` bytes that ends with a
/// line break (or all of `text` when it fits): a cut inside a line could
/// leave a code span open, and what follows its fence would be Markdown.
fn whole_lines(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    match head_bytes(text, max).rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    }
}

/// Most bytes of the changed-values table of an artifact comparison.
const COMPARISON_TABLE_BYTES: usize = 48 * 1024;

/// A comparison of two artifacts as Markdown for a PR comment: a heading
/// naming both (as code spans), then what differs — changed JSON values in
/// a table with delta and percent, a text diff in a fenced block, image
/// dimensions, or size and hash. Every name and value goes through this
/// module's escapers.
pub fn render_artifact_comparison(c: &crate::artifact::compare::Comparison) -> String {
    use crate::artifact::compare::{ChangeKind, Details};
    let mut out = format!(
        "### Artifact comparison: {} → {}\n\n",
        code(&c.a.name, false),
        code(&c.b.name, false)
    );
    if c.identical {
        out.push_str(&format!(
            "Identical (SHA-256 {}).\n",
            code(&c.a.sha256, false)
        ));
        return out;
    }
    let value = |v: &Option<serde_json::Value>| match v {
        Some(v) => code(&v.to_string(), true),
        None => "—".to_string(),
    };
    match &c.details {
        Details::Identical => {}
        Details::Json { changes } => {
            let limit = out.len() + COMPARISON_TABLE_BYTES;
            push_table(
                &mut out,
                "| path | change | before | after | delta | % |\n|---|---|---|---|---:|---:|\n",
                changes.iter().map(|ch| {
                    format!(
                        "| {} | {} | {} | {} | {} | {} |\n",
                        code(&ch.path, true),
                        match ch.change {
                            ChangeKind::Added => "added",
                            ChangeKind::Removed => "removed",
                            ChangeKind::Changed => "changed",
                        },
                        value(&ch.before),
                        value(&ch.after),
                        ch.delta.map(number).unwrap_or_default(),
                        ch.percent
                            .map(|p| format!("{}{}%", if p > 0.0 { "+" } else { "" }, number(p)))
                            .unwrap_or_default()
                    )
                }),
                limit,
            );
        }
        Details::Text { diff, lines } => match diff {
            Some(diff) => {
                out.push_str(&format!("Lines: {} → {}\n\n", lines.0, lines.1));
                out.push_str(&fenced(diff));
            }
            None => out.push_str(&format!(
                "Text too different to diff here: {} → {} lines.\n",
                lines.0, lines.1
            )),
        },
        Details::Image { before, after } => out.push_str(&format!(
            "Image: {}×{} → {}×{} pixels.\n",
            before.width, before.height, after.width, after.height
        )),
        Details::Binary => {}
    }
    out.push_str(&format!(
        "\nSize: {} → {} bytes; SHA-256 {} → {}.\n",
        c.a.size,
        c.b.size,
        code(&c.a.sha256, false),
        code(&c.b.sha256, false)
    ));
    if c.truncated {
        out.push_str("\nMore changed than is shown.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(0.0), "0ms");
        assert_eq!(format_duration(0.8504), "850ms");
        assert_eq!(format_duration(0.9996), "1.0s");
        assert_eq!(format_duration(12.34), "12.3s");
        assert_eq!(format_duration(59.96), "1m 0s");
        assert_eq!(format_duration(192.4), "3m 12s");
        assert_eq!(format_duration(3725.0), "1h 2m 5s");
        assert_eq!(format_duration(-1.0), "0ms");
        assert_eq!(format_duration(f64::NAN), "0ms");
    }

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(code("a::b", false), "`a::b`");
        assert_eq!(code("x `y` z", false), "``x `y` z``");
        assert_eq!(code("`start", false), "`` `start ``");
        assert_eq!(code("a|b\nc", true), "`a\\|b c`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("", false), "(empty)");
    }

    #[test]
    fn fences_outlast_backticks_and_cut_long_text() {
        assert_eq!(fenced("x\r\ny\n"), "```\nx\ny\n```\n");
        assert_eq!(fenced("a ```` b"), "`````\na ```` b\n`````\n");
        let long = "line\n".repeat(100);
        let f = fenced(&long);
        assert_eq!(f.lines().count(), MESSAGE_MAX_LINES + 3);
        assert!(f.ends_with("line\n…\n```\n"));
    }

    #[test]
    fn inline_text_and_urls_are_escaped() {
        assert_eq!(
            escape_inline("<b>*x*</b> & [l](u) | `c`\nnext"),
            "&lt;b&gt;\\*x\\*&lt;/b&gt; &amp; \\[l\\]\\(u\\) \\| \\`c\\` next"
        );
        assert_eq!(
            url_escape("https://x.test/a b)(<é>?q=1&r=2"),
            "https://x.test/a%20b%29%28%3C%C3%A9%3E?q=1&r=2"
        );
    }

    #[test]
    fn markers_are_single_comments() {
        assert_eq!(
            marker_comment("<!-- testrelay:run-key -->"),
            "<!-- testrelay:run-key -->"
        );
        assert_eq!(marker_comment("testrelay:k"), "<!-- testrelay:k -->");
        assert_eq!(
            marker_comment("<!-- a --> <script>\n--"),
            "<!-- !- a - script -->"
        );
    }
}
