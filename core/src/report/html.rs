//! The HTML report: one self-contained HTML5 page per run.
//!
//! The page needs nothing but itself: styles and the small filter script are
//! inline, the duration chart is inline SVG, and there are no fonts, images
//! or links to other documents (only `#fragment` links within the page), so
//! it works opened from a CI artifact through `file://`. A
//! `Content-Security-Policy` meta tag allows only that one stylesheet and
//! that one script (by hash) and forbids every fetch, so even a string that
//! slipped past escaping could neither run nor load anything.
//!
//! Order of the page: header (name, status, timestamps, totals, run
//! properties), links to the sections, filter bar, the comparison with the
//! previous run (when given), failures (each expanded),
//! flaky tests with their attempts, a chart of the slowest tests, and one
//! collapsed `<details>` per suite (open when the suite has failures or
//! errors, within a row budget).
//!
//! Every string that comes from a test run goes through one escaping
//! function, which also drops characters that are not allowed in HTML text
//! (control characters other than tab and newline, C1 controls,
//! noncharacters). The filter script reads the page itself; no data is
//! embedded as JSON.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::analysis::diff::{DiffEntry, RunDiff};
use crate::analysis::regressions::{PerformanceReport, Verdict, sparkline};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{CaseStatus, Counts, RunStatus, SuiteInfo, TestCase, TestRun};
use crate::report::markdown;
use crate::time::{format_rfc3339, parse_timestamp};

/// Suites with more cases than this list only their failed, errored, flaky
/// and skipped cases plus the [`SLOWEST_PASSED_LISTED`] slowest passed ones.
const SUITE_LIST_ALL_LIMIT: usize = 500;
/// Passed cases listed for a suite over [`SUITE_LIST_ALL_LIMIT`].
const SLOWEST_PASSED_LISTED: usize = 50;
/// Suites with failures start open while the open suites together list at
/// most this many rows; laying out tens of thousands of rows takes a browser
/// tens of seconds.
const OPEN_ROWS_BUDGET: usize = 1000;
/// Failures (and, separately, flaky tests) shown in full; the rest are only
/// rows in their suite's table.
const DETAILED_CASES_LIMIT: usize = 200;
/// Bars in the slowest-tests chart.
const CHART_BARS: usize = 20;
/// Characters of a test name shown as a chart label (the full name is the
/// bar's tooltip).
const CHART_LABEL_CHARS: usize = 60;
/// Bytes shown of a failure message.
const MESSAGE_LIMIT: usize = 4 * 1024;
/// Bytes shown of a stack trace.
const TRACE_LIMIT: usize = 16 * 1024;
/// Bytes shown of a skip reason in a suite table.
const SKIP_REASON_LIMIT: usize = 200;
/// Bytes shown of captured stdout or stderr (the end is kept).
const OUTPUT_LIMIT: usize = 8 * 1024;

/// Writes `run` as one self-contained HTML5 page to `out`.
///
/// The page is written as it is produced, through a buffer owned by this
/// call (so `out` may be an unbuffered `File`); the only intermediate data
/// is a list of references to the cases grouped by suite.
///
/// To keep a 100 000-case page small and quick to open:
/// - a suite with more than 500 cases lists only its failed, errored, flaky
///   and skipped cases and its 50 slowest passed cases, then says how many
///   passed tests are not listed and that the JUnit XML or JSON report has
///   them all; smaller suites list every case;
/// - suites with failures or errors start open as long as the open suites
///   together list at most 1 000 rows; later ones start closed like the
///   passing suites (their failures are at the top of the page anyway);
/// - the failures section shows the first 200 failures in full (later ones
///   are rows in their suite's table), and the flaky section the first 200
///   flaky tests;
/// - a shown message keeps its first 4 KiB, a stack trace its first 16 KiB,
///   captured stdout/stderr its last 8 KiB, each saying how much was cut.
///
/// A listed case costs about 60 bytes plus its escaped full name. A
/// 100 000-case run with names of about 60 bytes, 75 000 cases listed and
/// 2 000 failures with 3 KB traces makes a page of about 10 MB; a test holds
/// it under 30 MB.
///
/// Errors: `Io` when writing to `out` fails; whatever was written before
/// is left in `out`.
pub fn write_html<W: Write>(run: &TestRun, out: W) -> Result<()> {
    write_html_with(run, None, out)
}

/// [`write_html`] with a "Compared with" section after the filter bar when
/// `diff` is given: the counts of every [`RunDiff`] list, then the new
/// failures and the fixed tests by name (at most 200 each).
///
/// Errors: as [`write_html`].
pub fn write_html_with<W: Write>(run: &TestRun, diff: Option<&RunDiff>, out: W) -> Result<()> {
    write_html_full(run, diff, None, &[], out)
}

/// [`write_html_with`] with a "Performance" section after the comparison
/// when `performance` is given: every metric against its baseline
/// (verdict, metric, test, baseline, now, change, p-value and test, a
/// sparkline of recent runs), regressions first, at most 200 rows.
///
/// Errors: as [`write_html`].
pub fn write_html_full<W: Write>(
    run: &TestRun,
    diff: Option<&RunDiff>,
    performance: Option<&PerformanceReport>,
    artifacts: &[crate::report::markdown::ArtifactLink],
    out: W,
) -> Result<()> {
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    render(run, diff, performance, artifacts, &mut w)
        .and_then(|()| w.flush())
        .map_err(|err| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "writing the HTML report failed: {err}; check that the output \
                 location is writable and has free space"
                ),
            )
            .with_source(err)
        })
}

fn render<W: Write>(
    run: &TestRun,
    diff: Option<&RunDiff>,
    performance: Option<&PerformanceReport>,
    artifacts: &[crate::report::markdown::ArtifactLink],
    w: &mut W,
) -> io::Result<()> {
    let counts = run.counts();
    let suites = group_suites(run);
    let slowest = chart_cases(run);
    write_head(w, run)?;
    write_header(w, run, &counts)?;
    write_nav(
        w,
        &counts,
        diff.is_some(),
        performance.is_some(),
        !slowest.is_empty(),
        suites.len(),
    )?;
    write_filter(w, &counts)?;
    if let Some(diff) = diff {
        write_diff(w, diff)?;
    }
    if let Some(perf) = performance {
        write_performance(w, perf)?;
    }
    write_failures(w, run, &counts)?;
    write_flaky(w, run, &counts)?;
    write_chart(w, &slowest)?;
    write_suites(w, &suites)?;
    write_artifacts(w, artifacts)?;
    w.write_all(b"</main>\n<script>")?;
    w.write_all(SCRIPT.as_bytes())?;
    w.write_all(b"</script>\n</body>\n</html>\n")
}

// ---------------------------------------------------------------- escaping

/// Writes `text` escaped for HTML text and quoted attribute values
/// (`& < > " '`), leaving out characters HTML does not allow.
pub(super) fn escape<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            c if is_illegal_in_html(c) => "",
            _ => continue,
        };
        w.write_all(&bytes[start..i])?;
        w.write_all(replacement.as_bytes())?;
        start = i + c.len_utf8();
    }
    w.write_all(&bytes[start..])
}

/// Control characters other than tab and newline, C1 controls and Unicode
/// noncharacters: parse errors in HTML, and invisible or garbled if kept.
fn is_illegal_in_html(c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{fdd0}'..='\u{fdef}' => true,
        c => (c as u32) & 0xfffe == 0xfffe,
    }
}

/// The first `max` bytes of `text` (cut back to a character boundary) and
/// how many bytes were left out.
pub(super) fn clip_head(text: &str, max: usize) -> (&str, usize) {
    let shown = crate::text::head_bytes(text, max);
    (shown, text.len() - shown.len())
}

/// The last `max` bytes of `text` (cut forward to a character boundary) and
/// how many bytes were left out.
fn clip_tail(text: &str, max: usize) -> (&str, usize) {
    let shown = crate::text::tail_bytes(text, max);
    (shown, text.len() - shown.len())
}

/// Which end of a long text is shown.
#[derive(Clone, Copy)]
enum Keep {
    Head,
    Tail,
}

/// Writes `<pre class="{class}">` with `text` clipped to `max` bytes.
fn write_pre<W: Write>(
    w: &mut W,
    class: &str,
    text: &str,
    max: usize,
    keep: Keep,
) -> io::Result<()> {
    write!(w, "<pre class=\"{class}\">")?;
    match keep {
        Keep::Head => {
            let (shown, cut) = clip_head(text, max);
            escape(w, shown)?;
            if cut > 0 {
                write!(
                    w,
                    "<span class=\"clip\">\n… {cut} more bytes not shown</span>"
                )?;
            }
        }
        Keep::Tail => {
            let (shown, cut) = clip_tail(text, max);
            if cut > 0 {
                write!(
                    w,
                    "<span class=\"clip\">… {cut} earlier bytes not shown\n</span>"
                )?;
            }
            escape(w, shown)?;
        }
    }
    w.write_all(b"</pre>\n")
}

/// Writes a case's `classname.name` (or `name`) escaped, without allocating.
fn write_full_name<W: Write>(w: &mut W, case: &TestCase) -> io::Result<()> {
    if !case.classname.is_empty() {
        escape(w, &case.classname)?;
        w.write_all(b".")?;
    }
    escape(w, &case.name)
}

// ---------------------------------------------------------------- small formatting

/// A duration in seconds for people, as every report writes it
/// ([`super::markdown::format_duration`]: `850ms`, `2.3s`, `4m 5s`).
pub(super) struct Dur(pub(super) f64);

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::markdown::format_duration(self.0))
    }
}

/// The one-letter class the page uses for a case status (CSS and filter).
pub(super) fn status_class(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Passed => "p",
        CaseStatus::Failed => "f",
        CaseStatus::Error => "e",
        CaseStatus::Skipped => "s",
        CaseStatus::Flaky => "k",
    }
}

/// Class and label of a run status badge.
pub(super) fn run_status_badge(status: RunStatus) -> (&'static str, &'static str) {
    match status {
        RunStatus::Passed => ("p", "passed"),
        RunStatus::Failed => ("f", "failed"),
        RunStatus::Error => ("e", "error"),
        RunStatus::TimedOut => ("e", "timed out"),
        RunStatus::Cancelled => ("s", "cancelled"),
        RunStatus::Pending => ("s", "pending"),
        RunStatus::Running => ("s", "running"),
    }
}

/// `(count, class, label)` for every status, in the order the page shows them.
fn count_rows(counts: &Counts) -> [(u64, &'static str, &'static str); 5] {
    [
        (counts.passed, "p", "passed"),
        (counts.failed, "f", "failed"),
        (counts.errors, "e", "errors"),
        (counts.skipped, "s", "skipped"),
        (counts.flaky, "k", "flaky"),
    ]
}

/// `count noun` with an `s` unless the count is one.
pub(super) struct Plural(pub(super) u64, pub(super) &'static str);

impl fmt::Display for Plural {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0 == 1 { "" } else { "s" };
        write!(f, "{} {}{s}", self.0, self.1)
    }
}

// ---------------------------------------------------------------- head and header

fn write_head<W: Write>(w: &mut W, run: &TestRun) -> io::Result<()> {
    let (_, status) = run_status_badge(run.status);
    write_page_head(
        w,
        &format!("{} \u{2014} {status}", run_title(run)),
        STYLE,
        Some(SCRIPT),
    )
}

/// The start of a self-contained page up to and including `<main>`: the
/// `Content-Security-Policy` that allows only `style` (and `script`, when
/// given) by hash and forbids every fetch, the escaped `title`, and `style`
/// inline. The page's inline script, if any, must be exactly `script`.
pub(super) fn write_page_head<W: Write>(
    w: &mut W,
    title: &str,
    style: &str,
    script: Option<&str>,
) -> io::Result<()> {
    w.write_all(
        b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
          <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    )?;
    let script_src = match script {
        Some(script) => format!("'sha256-{}'", sha256_base64(script)),
        None => "'none'".to_string(),
    };
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'sha256-{}'; script-src {script_src}; base-uri 'none'; form-action 'none'\">",
        sha256_base64(style),
    )?;
    w.write_all(b"<meta name=\"generator\" content=\"testrelay\">\n<title>")?;
    escape(w, title)?;
    w.write_all(b"</title>\n<style>")?;
    w.write_all(style.as_bytes())?;
    w.write_all(b"</style>\n</head>\n<body>\n<main>\n")
}

fn run_title(run: &TestRun) -> &str {
    if run.name.is_empty() {
        "Test run"
    } else {
        &run.name
    }
}

fn write_header<W: Write>(w: &mut W, run: &TestRun, counts: &Counts) -> io::Result<()> {
    let (class, label) = run_status_badge(run.status);
    w.write_all(b"<header class=\"run\">\n<h1>")?;
    escape(w, run_title(run))?;
    write!(
        w,
        "</h1>\n<p class=\"meta\"><span class=\"badge {class}\">{label}</span>"
    )?;
    for (caption, value) in [("Started", &run.started_at), ("Finished", &run.finished_at)] {
        if let Some(value) = value {
            write!(w, " <span>{caption} ")?;
            write_time(w, value)?;
            w.write_all(b"</span>")?;
        }
    }
    if !run.run_key.is_empty() {
        w.write_all(b" <span>Run key <code>")?;
        escape(w, &run.run_key)?;
        w.write_all(b"</code></span>")?;
    }
    w.write_all(b"</p>\n<div class=\"tiles\">\n")?;
    writeln!(
        w,
        "<div class=\"tile t\"><span class=\"n\">{}</span><span class=\"l\">total</span></div>",
        counts.total
    )?;
    for (n, class, label) in count_rows(counts) {
        writeln!(
            w,
            "<div class=\"tile {class}\"><span class=\"n\">{n}</span><span class=\"l\">{label}</span></div>"
        )?;
    }
    write!(
        w,
        "<div class=\"tile t\"><span class=\"n\">{}</span><span class=\"l\">duration</span></div>\n</div>\n",
        Dur(run.duration_seconds)
    )?;
    if !run.properties.is_empty() {
        writeln!(
            w,
            "<details class=\"props\"><summary>Run properties ({})</summary>",
            run.properties.len()
        )?;
        write_properties(w, &run.properties)?;
        w.write_all(b"</details>\n")?;
    }
    w.write_all(b"</header>\n")
}

/// A timestamp as `<time>`: `2026-11-21 23:18:24 UTC` when it parses (see
/// [`crate::time::parse_timestamp`]), else the text as given.
pub(super) fn write_time<W: Write>(w: &mut W, value: &str) -> io::Result<()> {
    w.write_all(b"<time datetime=\"")?;
    escape(w, value)?;
    w.write_all(b"\">")?;
    match parse_timestamp(value) {
        Some(ms) => {
            let utc = format_rfc3339(ms);
            write!(w, "{} {} UTC", &utc[..10], &utc[11..19])?;
        }
        None => escape(w, value)?,
    }
    w.write_all(b"</time>")
}

fn write_properties<W: Write>(
    w: &mut W,
    properties: &std::collections::BTreeMap<String, String>,
) -> io::Result<()> {
    w.write_all(b"<dl class=\"kv\">")?;
    for (key, value) in properties {
        w.write_all(b"<dt>")?;
        escape(w, key)?;
        w.write_all(b"</dt><dd>")?;
        escape(w, value)?;
        w.write_all(b"</dd>")?;
    }
    w.write_all(b"</dl>\n")
}

/// In-page links to the sections the page has (fragment links only).
fn write_nav<W: Write>(
    w: &mut W,
    counts: &Counts,
    has_diff: bool,
    has_performance: bool,
    has_chart: bool,
    suites: usize,
) -> io::Result<()> {
    w.write_all(b"<nav class=\"toc\">")?;
    if has_diff {
        w.write_all(b"<a href=\"#diff\">Compared with previous run</a> ")?;
    }
    if has_performance {
        w.write_all(b"<a href=\"#performance\">Performance</a> ")?;
    }
    write!(
        w,
        "<a href=\"#failures\">Failures ({})</a>",
        counts.failed + counts.errors
    )?;
    if counts.flaky > 0 {
        write!(w, " <a href=\"#flaky\">Flaky tests ({})</a>", counts.flaky)?;
    }
    if has_chart {
        w.write_all(b" <a href=\"#slowest\">Slowest tests</a>")?;
    }
    if suites > 0 {
        write!(w, " <a href=\"#suites\">Suites ({suites})</a>")?;
    }
    w.write_all(b"</nav>\n")
}

fn write_filter<W: Write>(w: &mut W, counts: &Counts) -> io::Result<()> {
    // Hidden until the script runs, so a page without scripts shows no dead controls.
    w.write_all(
        b"<div id=\"filter\" class=\"filter\" hidden>\n\
          <input id=\"q\" type=\"search\" placeholder=\"Filter by test name\" \
          aria-label=\"Filter tests by name\">\n",
    )?;
    for (n, class, label) in count_rows(counts) {
        writeln!(
            w,
            "<label class=\"{class}\"><input type=\"checkbox\" value=\"{class}\" checked> \
             {label} ({n})</label>"
        )?;
    }
    w.write_all(b"<span id=\"shown\" class=\"muted\"></span>\n</div>\n")
}

// ---------------------------------------------------------------- comparison with the previous run

fn write_diff<W: Write>(w: &mut W, diff: &RunDiff) -> io::Result<()> {
    w.write_all(b"<section id=\"diff\">\n<h2>Compared with ")?;
    match diff.previous_run.as_deref() {
        Some(key) => {
            w.write_all(b"<span class=\"nm\">")?;
            escape(w, key)?;
            w.write_all(b"</span>")?;
        }
        None => w.write_all(b"the previous run")?,
    }
    writeln!(
        w,
        "</h2>\n<p>{} new failures, {} fixed, {} still failing, {} new tests, \
         {} removed tests, {} newly skipped.</p>",
        diff.new_failures.len(),
        diff.fixed.len(),
        diff.still_failing.len(),
        diff.new_tests.len(),
        diff.removed_tests.len(),
        diff.newly_skipped.len()
    )?;
    write_diff_list(w, "New failures", &diff.new_failures)?;
    write_diff_list(w, "Fixed", &diff.fixed)?;
    w.write_all(b"</section>\n")
}

/// A heading and up to [`DETAILED_CASES_LIMIT`] entries, each with its
/// status now (or before, for a removed test); nothing for an empty list.
fn write_diff_list<W: Write>(w: &mut W, title: &str, entries: &[DiffEntry]) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    writeln!(w, "<h3>{title}</h3>\n<ul>")?;
    for entry in entries.iter().take(DETAILED_CASES_LIMIT) {
        let status = entry
            .current_status
            .or(entry.previous_status)
            .unwrap_or(CaseStatus::Passed);
        let class = status_class(status);
        write!(
            w,
            "<li><span class=\"badge {class}\">{}</span> <span class=\"nm\">",
            status.as_str()
        )?;
        escape(w, &entry.full_name)?;
        w.write_all(b"</span></li>\n")?;
    }
    if entries.len() > DETAILED_CASES_LIMIT {
        writeln!(
            w,
            "<li class=\"muted\">… and {} more</li>",
            entries.len() - DETAILED_CASES_LIMIT
        )?;
    }
    w.write_all(b"</ul>\n")
}

// ---------------------------------------------------------------- performance

fn write_performance<W: Write>(w: &mut W, perf: &PerformanceReport) -> io::Result<()> {
    let count = |v: Verdict| perf.comparisons.iter().filter(|c| c.verdict == v).count();
    w.write_all(b"<section id=\"performance\">\n<h2>Performance</h2>\n<p>")?;
    write!(
        w,
        "{} regressions, {} improvements, {} unchanged, {} new; against the last {} runs ",
        count(Verdict::Regression),
        count(Verdict::Improvement),
        count(Verdict::Unchanged),
        count(Verdict::New),
        perf.baseline_runs
    )?;
    match &perf.baseline_branch {
        Some(branch) => {
            w.write_all(b"of <span class=\"nm\">")?;
            escape(w, branch)?;
            w.write_all(b"</span>")?;
        }
        None => w.write_all(b"on any branch")?,
    }
    writeln!(
        w,
        " (a change counts at p &lt; {} and {}% or more).</p>",
        markdown::number(perf.alpha),
        markdown::number(perf.min_change_pct)
    )?;
    w.write_all(
        b"<table class=\"perf\"><thead><tr><th></th><th>Metric</th><th>Test</th>\
          <th>Baseline</th><th>Now</th><th>Change</th><th>p</th><th>Recent</th></tr></thead>\n<tbody>\n",
    )?;
    for c in perf.comparisons.iter().take(DETAILED_CASES_LIMIT) {
        let (class, label) = match c.verdict {
            Verdict::Regression => ("reg", "regression"),
            Verdict::Improvement => ("imp", "improvement"),
            Verdict::Unchanged => ("", ""),
            Verdict::New => ("", "new"),
        };
        write!(w, "<tr class=\"{class}\"><td>{label}</td><td class=\"nm\">")?;
        escape(w, &c.name)?;
        w.write_all(b"</td><td class=\"nm\">")?;
        match (&c.test_name, &c.test_id) {
            (Some(name), _) => escape(w, name)?,
            (None, Some(id)) => escape(w, id)?,
            (None, None) => w.write_all(b"(run)")?,
        }
        w.write_all(b"</td><td>")?;
        let unit = |w: &mut W| -> io::Result<()> {
            if !c.unit.is_empty() {
                w.write_all(b" ")?;
                escape(w, &c.unit)?;
            }
            Ok(())
        };
        match c.baseline {
            Some(b) => {
                w.write_all(markdown::number(b).as_bytes())?;
                unit(w)?;
            }
            None => w.write_all("\u{2014}".as_bytes())?,
        }
        w.write_all(b"</td><td>")?;
        w.write_all(markdown::number(c.now).as_bytes())?;
        unit(w)?;
        w.write_all(b"</td><td>")?;
        match c.change_pct {
            Some(p) => write!(w, "{p:+.1}%")?,
            None => w.write_all("\u{2014}".as_bytes())?,
        }
        w.write_all(b"</td><td>")?;
        match (c.p_value, c.test) {
            (Some(p), Some(t)) => escape(w, &format!("{} ({})", markdown::p_text(p), t.label()))?,
            _ => w.write_all("\u{2014}".as_bytes())?,
        }
        writeln!(
            w,
            "</td><td class=\"spark\">{}</td></tr>",
            sparkline(&c.recent)
        )?;
    }
    w.write_all(b"</tbody></table>\n")?;
    if perf.comparisons.len() > DETAILED_CASES_LIMIT {
        writeln!(
            w,
            "<p class=\"muted\">\u{2026} and {} more metrics</p>",
            perf.comparisons.len() - DETAILED_CASES_LIMIT
        )?;
    }
    w.write_all(b"</section>\n")
}

// ---------------------------------------------------------------- failures and flaky tests

/// The heading line of a case card: status badge and full name.
fn write_card_start<W: Write>(w: &mut W, case: &TestCase) -> io::Result<()> {
    let class = status_class(case.status);
    write!(
        w,
        "<article class=\"case {class}\">\n<h3><span class=\"badge {class}\">{}</span> \
         <span class=\"nm\">",
        case.status.as_str()
    )?;
    write_full_name(w, case)?;
    w.write_all(b"</span></h3>\n<p class=\"where\">Suite <b>")?;
    write_suite_name(w, &case.suite)?;
    w.write_all(b"</b>")?;
    if let Some(file) = &case.file {
        w.write_all(b" \xc2\xb7 <code>")?;
        escape(w, file)?;
        if let Some(line) = case.line {
            write!(w, ":{line}")?;
        }
        w.write_all(b"</code>")?;
    }
    writeln!(w, " \u{b7} {}</p>", Dur(case.duration_seconds))
}

fn write_suite_name<W: Write>(w: &mut W, name: &str) -> io::Result<()> {
    if name.is_empty() {
        w.write_all(b"(no suite)")
    } else {
        escape(w, name)
    }
}

/// Collapsible captured output, clipped to its end.
fn write_output<W: Write>(w: &mut W, label: &str, text: &Option<String>) -> io::Result<()> {
    match text {
        Some(text) if !text.is_empty() => {
            writeln!(
                w,
                "<details class=\"out\"><summary>{label} <span class=\"muted\">({})</span></summary>",
                Plural(text.len() as u64, "byte")
            )?;
            write_pre(w, "log", text, OUTPUT_LIMIT, Keep::Tail)?;
            w.write_all(b"</details>\n")
        }
        _ => Ok(()),
    }
}

fn write_failures<W: Write>(w: &mut W, run: &TestRun, counts: &Counts) -> io::Result<()> {
    let total = counts.failed + counts.errors;
    write!(
        w,
        "<section id=\"failures\">\n<h2>Failures <span class=\"muted\">({total})</span></h2>\n"
    )?;
    if total == 0 {
        w.write_all(b"<p class=\"none\">No failed or errored tests.</p>\n</section>\n")?;
        return Ok(());
    }
    if total > DETAILED_CASES_LIMIT as u64 {
        writeln!(
            w,
            "<p class=\"note\">The first {DETAILED_CASES_LIMIT} are shown in full; {} more \
             are marked in their suite tables below.</p>",
            total - DETAILED_CASES_LIMIT as u64
        )?;
    }
    for case in run.failures().take(DETAILED_CASES_LIMIT) {
        write_card_start(w, case)?;
        if let Some(message) = case.message.as_deref().filter(|m| !m.is_empty()) {
            write_pre(w, "msg", message, MESSAGE_LIMIT, Keep::Head)?;
        }
        if let Some(details) = case.details.as_deref().filter(|d| !d.is_empty()) {
            write_pre(w, "trace", details, TRACE_LIMIT, Keep::Head)?;
        }
        write_output(w, "stdout", &case.stdout)?;
        write_output(w, "stderr", &case.stderr)?;
        if !case.properties.is_empty() {
            write_properties(w, &case.properties)?;
        }
        w.write_all(b"</article>\n")?;
    }
    w.write_all(b"</section>\n")
}

/// `artifacts` with each one that has no `http(s)` URL but a local file
/// given a relative link to that file from `report_dir` (where the HTML
/// report is written), so the report opens its artifacts on this machine
/// and wherever the directories are kept together (a CI system's artifact
/// bundle). Artifacts on another root than the report (a Windows drive)
/// keep no link.
pub(crate) fn link_local_artifacts(
    artifacts: &[crate::report::markdown::ArtifactLink],
    report_dir: &Path,
) -> Vec<crate::report::markdown::ArtifactLink> {
    artifacts
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if !a.url.as_deref().is_some_and(is_web_url) {
                a.url = a
                    .path
                    .as_deref()
                    .and_then(|p| relative_href(report_dir, Path::new(p)));
            }
            a
        })
        .collect()
}

fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// A relative URL from the directory `from` to the file `to`: `./a/b` or
/// `../x/b`, every segment percent-encoded (so no segment is read as a
/// scheme, a query or a fragment). `None` when the two share no root.
fn relative_href(from: &Path, to: &Path) -> Option<String> {
    use std::path::Component;
    let from = std::path::absolute(from).ok()?;
    let to = std::path::absolute(to).ok()?;
    let named = |p: &Path| -> Option<Vec<String>> {
        let mut parts = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop()?;
                }
                Component::CurDir => {}
                Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
                // Two absolute paths share at least their root.
                Component::RootDir => parts.push(String::new()),
            }
        }
        Some(parts)
    };
    let (from, to) = (named(&from)?, named(&to)?);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 || to.len() == common {
        return None;
    }
    let mut href = if from.len() == common {
        String::from(".")
    } else {
        vec![".."; from.len() - common].join("/")
    };
    for segment in &to[common..] {
        href.push('/');
        href.push_str(&crate::http::url_encode(segment));
    }
    Some(href)
}

/// The run's artifacts: name (a link when it has an `http(s)` URL or a
/// relative one from [`link_local_artifacts`]), type, size.
fn write_artifacts<W: Write>(
    w: &mut W,
    artifacts: &[crate::report::markdown::ArtifactLink],
) -> io::Result<()> {
    if artifacts.is_empty() {
        return Ok(());
    }
    write!(
        w,
        "<section id=\"artifacts\">\n<h2>Artifacts <span class=\"muted\">({})</span></h2>\n\
         <table><thead><tr><th>Artifact</th><th>Type</th><th>Size</th></tr></thead><tbody>\n",
        artifacts.len()
    )?;
    for a in artifacts {
        w.write_all(b"<tr><td>")?;
        match a.url.as_deref() {
            Some(url) if is_web_url(url) || url.starts_with("./") || url.starts_with("../") => {
                w.write_all(b"<a href=\"")?;
                escape(w, url)?;
                w.write_all(b"\">")?;
                escape(w, &a.name)?;
                w.write_all(b"</a>")?;
            }
            _ => escape(w, &a.name)?,
        }
        w.write_all(b"</td><td>")?;
        escape(w, &a.semantic_type)?;
        writeln!(w, "</td><td>{} B</td></tr>", a.size)?;
    }
    w.write_all(b"</tbody></table>\n</section>\n")
}

fn write_flaky<W: Write>(w: &mut W, run: &TestRun, counts: &Counts) -> io::Result<()> {
    if counts.flaky == 0 {
        return Ok(());
    }
    write!(
        w,
        "<section id=\"flaky\">\n<h2>Flaky tests <span class=\"muted\">({})</span></h2>\n",
        counts.flaky
    )?;
    if counts.flaky > DETAILED_CASES_LIMIT as u64 {
        writeln!(
            w,
            "<p class=\"note\">The first {DETAILED_CASES_LIMIT} are shown in full; {} more \
             are marked in their suite tables below.</p>",
            counts.flaky - DETAILED_CASES_LIMIT as u64
        )?;
    }
    let flaky = run.cases.iter().filter(|c| c.status == CaseStatus::Flaky);
    for case in flaky.take(DETAILED_CASES_LIMIT) {
        write_card_start(w, case)?;
        w.write_all(
            b"<table class=\"attempts\"><thead><tr><th>Attempt</th><th>Status</th>\
              <th>Duration</th><th>Message</th></tr></thead><tbody>\n",
        )?;
        for (i, attempt) in case.attempts.iter().enumerate() {
            let class = status_class(attempt.status);
            write!(
                w,
                "<tr><td>{}</td><td class=\"st {class}\">{}</td><td>{}</td><td>",
                i + 1,
                attempt.status.as_str(),
                Dur(attempt.duration_seconds)
            )?;
            if let Some(message) = &attempt.message {
                let (shown, cut) = clip_head(message, MESSAGE_LIMIT);
                escape(w, shown)?;
                if cut > 0 {
                    w.write_all(" \u{2026}".as_bytes())?;
                }
            }
            w.write_all(b"</td></tr>\n")?;
        }
        write!(
            w,
            "<tr><td>{} (final)</td><td class=\"st p\">passed</td><td>{}</td><td></td></tr>\n\
             </tbody></table>\n",
            case.attempts.len() + 1,
            Dur(case.duration_seconds)
        )?;
        w.write_all(b"</article>\n")?;
    }
    w.write_all(b"</section>\n")
}

// ---------------------------------------------------------------- chart

/// The cases the chart shows: the slowest, slowest first; none when no case
/// has a positive, finite duration.
fn chart_cases(run: &TestRun) -> Vec<&TestCase> {
    let slowest = run.slowest(CHART_BARS);
    let max = slowest.first().map_or(0.0, |c| c.duration_seconds);
    if max.is_finite() && max > 0.0 {
        slowest
    } else {
        Vec::new()
    }
}

/// Horizontal bars for `slowest` (from [`chart_cases`]), as inline SVG.
fn write_chart<W: Write>(w: &mut W, slowest: &[&TestCase]) -> io::Result<()> {
    let Some(max) = slowest.first().map(|c| c.duration_seconds) else {
        return Ok(());
    };
    const ROW: usize = 22;
    const BAR_X: f64 = 440.0;
    const BAR_MAX: f64 = 430.0;
    let height = slowest.len() * ROW + 4;
    write!(
        w,
        "<section id=\"slowest\">\n<h2>Slowest tests</h2>\n\
         <svg class=\"chart\" viewBox=\"0 0 1000 {height}\" role=\"img\" \
         aria-label=\"The {} slowest tests as horizontal bars\">\n",
        slowest.len()
    )?;
    for (i, case) in slowest.iter().enumerate() {
        let secs = if case.duration_seconds > 0.0 {
            case.duration_seconds
        } else {
            0.0
        };
        let width = (secs / max * BAR_MAX).max(1.0);
        let y = i * ROW;
        let class = status_class(case.status);
        write!(w, "<g class=\"{class}\"><title>")?;
        write_full_name(w, case)?;
        write!(
            w,
            " \u{2014} {} ({})</title><text x=\"{}\" y=\"{}\" class=\"lbl\">",
            Dur(secs),
            case.status.as_str(),
            BAR_X - 8.0,
            y + 15
        )?;
        write_chart_label(w, case)?;
        write!(
            w,
            "</text><rect x=\"{BAR_X}\" y=\"{}\" width=\"{width:.1}\" height=\"16\" rx=\"2\"></rect>\
             <text x=\"{:.1}\" y=\"{}\" class=\"val\">{}",
            y + 3,
            BAR_X + width + 6.0,
            y + 15,
            Dur(secs)
        )?;
        if case.status != CaseStatus::Passed {
            write!(w, " \u{b7} {}", case.status.as_str())?;
        }
        w.write_all(b"</text></g>\n")?;
    }
    w.write_all(b"</svg>\n</section>\n")
}

/// The end of a case's full name, at most [`CHART_LABEL_CHARS`] characters
/// (the end of a dotted name is the part that tells tests apart).
fn write_chart_label<W: Write>(w: &mut W, case: &TestCase) -> io::Result<()> {
    let full = case.full_name();
    let chars = full.chars().count();
    if chars <= CHART_LABEL_CHARS {
        return escape(w, &full);
    }
    let skip = chars - (CHART_LABEL_CHARS - 1);
    let start = full.char_indices().nth(skip).map_or(full.len(), |(i, _)| i);
    w.write_all("\u{2026}".as_bytes())?;
    escape(w, &full[start..])
}

// ---------------------------------------------------------------- suites

/// One suite's cases, in recorded order.
struct Suite<'a> {
    name: &'a str,
    cases: Vec<&'a TestCase>,
    counts: Counts,
    case_seconds: f64,
    info: Option<&'a SuiteInfo>,
}

impl<'a> Suite<'a> {
    fn new(name: &'a str) -> Suite<'a> {
        Suite {
            name,
            cases: Vec::new(),
            counts: Counts::default(),
            case_seconds: 0.0,
            info: None,
        }
    }
}

/// Groups the cases by suite in order of first appearance; suites known only
/// from `run.suites` (no cases) come last.
fn group_suites(run: &TestRun) -> Vec<Suite<'_>> {
    let mut suites: Vec<Suite<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for case in &run.cases {
        let i = *index.entry(case.suite.as_str()).or_insert_with(|| {
            suites.push(Suite::new(&case.suite));
            suites.len() - 1
        });
        let suite = &mut suites[i];
        suite.cases.push(case);
        suite.counts.add(case.status);
        if case.duration_seconds.is_finite() && case.duration_seconds > 0.0 {
            suite.case_seconds += case.duration_seconds;
        }
    }
    for info in &run.suites {
        let i = *index.entry(info.name.as_str()).or_insert_with(|| {
            suites.push(Suite::new(&info.name));
            suites.len() - 1
        });
        suites[i].info.get_or_insert(info);
    }
    suites
}

/// The cases of a suite that its table lists, in recorded order, and how
/// many passed cases it leaves out (see [`write_html`]).
fn listed_cases<'a>(cases: &[&'a TestCase]) -> (Vec<&'a TestCase>, usize) {
    if cases.len() <= SUITE_LIST_ALL_LIMIT {
        return (cases.to_vec(), 0);
    }
    let mut passed: Vec<usize> = (0..cases.len())
        .filter(|&i| cases[i].status == CaseStatus::Passed)
        .collect();
    if passed.len() > SLOWEST_PASSED_LISTED {
        // Slowest first; among equal durations the earlier case wins.
        passed.select_nth_unstable_by(SLOWEST_PASSED_LISTED - 1, |&a, &b| {
            cases[b]
                .duration_seconds
                .total_cmp(&cases[a].duration_seconds)
                .then(a.cmp(&b))
        });
        passed.truncate(SLOWEST_PASSED_LISTED);
    }
    let mut keep: Vec<bool> = cases
        .iter()
        .map(|c| c.status != CaseStatus::Passed)
        .collect();
    for i in passed {
        keep[i] = true;
    }
    let listed: Vec<&TestCase> = cases
        .iter()
        .zip(&keep)
        .filter(|(_, keep)| **keep)
        .map(|(case, _)| *case)
        .collect();
    let unlisted = cases.len() - listed.len();
    (listed, unlisted)
}

fn write_suites<W: Write>(w: &mut W, suites: &[Suite<'_>]) -> io::Result<()> {
    if suites.is_empty() {
        return Ok(());
    }
    write!(
        w,
        "<section id=\"suites\">\n<h2>Suites <span class=\"muted\">({})</span></h2>\n",
        suites.len()
    )?;
    let mut open_rows = 0;
    for suite in suites {
        let (listed, unlisted) = listed_cases(&suite.cases);
        let failing = suite.counts.failed + suite.counts.errors > 0;
        let open = failing && open_rows + listed.len() <= OPEN_ROWS_BUDGET;
        if open {
            open_rows += listed.len();
        }
        write_suite(w, suite, &listed, unlisted, open)?;
    }
    w.write_all(b"</section>\n")
}

/// One suite as `<details>`: a summary line, then its listed cases.
fn write_suite<W: Write>(
    w: &mut W,
    suite: &Suite<'_>,
    listed: &[&TestCase],
    unlisted: usize,
    open: bool,
) -> io::Result<()> {
    let c = &suite.counts;
    let failing = c.failed + c.errors > 0;
    let (mark_class, mark) = if failing {
        ("f", "fail")
    } else if c.total == 0 {
        ("s", "empty")
    } else {
        ("p", "pass")
    };
    write!(
        w,
        "<details class=\"suite\"{}>\n<summary><span class=\"badge {mark_class}\">{mark}</span> \
         <span class=\"sn\">",
        if open { " open" } else { "" }
    )?;
    write_suite_name(w, suite.name)?;
    write!(w, "</span> <span class=\"sc\">{}", Plural(c.total, "test"))?;
    for (n, class, label) in count_rows(c) {
        match (n, class) {
            (0, _) => {}
            (_, "e") => write!(
                w,
                " \u{b7} <span class=\"c e\">{}</span>",
                Plural(n, "error")
            )?,
            _ => write!(w, " \u{b7} <span class=\"c {class}\">{n} {label}</span>")?,
        }
    }
    let seconds = suite
        .info
        .and_then(|i| i.duration_seconds)
        .unwrap_or(suite.case_seconds);
    writeln!(w, " \u{b7} {}</span></summary>", Dur(seconds))?;
    if let Some(info) = suite.info {
        write_suite_info(w, info)?;
    }
    if !listed.is_empty() {
        w.write_all(
            b"<table class=\"cases\"><thead><tr><th>Test</th><th>Status</th>\
              <th>Duration</th></tr></thead><tbody>\n",
        )?;
        for case in listed {
            write!(w, "<tr class=\"{}\"><td>", status_class(case.status))?;
            write_full_name(w, case)?;
            if case.status == CaseStatus::Skipped {
                if let Some(reason) = case.message.as_deref().filter(|m| !m.is_empty()) {
                    let (shown, cut) = clip_head(reason, SKIP_REASON_LIMIT);
                    w.write_all(b"<small>")?;
                    escape(w, shown)?;
                    if cut > 0 {
                        w.write_all("\u{2026}".as_bytes())?;
                    }
                    w.write_all(b"</small>")?;
                }
            }
            writeln!(
                w,
                "</td><td>{}</td><td>{}</td></tr>",
                case.status.as_str(),
                Dur(case.duration_seconds)
            )?;
        }
        w.write_all(b"</tbody></table>\n")?;
        if unlisted > 0 {
            writeln!(
                w,
                "<p class=\"note\">{unlisted} more passed tests not listed: this suite has \
                 more than {SUITE_LIST_ALL_LIMIT} tests, so only its failed, errored, flaky \
                 and skipped tests and its {SLOWEST_PASSED_LISTED} slowest passed tests are \
                 listed. The JUnit XML and JSON reports list every test.</p>"
            )?;
        }
    }
    w.write_all(b"</details>\n")
}

/// Host, timestamp, properties and suite-level output, when the input had them.
fn write_suite_info<W: Write>(w: &mut W, info: &SuiteInfo) -> io::Result<()> {
    if info.hostname.is_some() || info.timestamp.is_some() {
        w.write_all(b"<p class=\"where\">")?;
        if let Some(host) = &info.hostname {
            w.write_all(b"Host <code>")?;
            escape(w, host)?;
            w.write_all(b"</code>")?;
        }
        if let Some(timestamp) = &info.timestamp {
            if info.hostname.is_some() {
                w.write_all(" \u{b7} ".as_bytes())?;
            }
            w.write_all(b"Started ")?;
            write_time(w, timestamp)?;
        }
        w.write_all(b"</p>\n")?;
    }
    if !info.properties.is_empty() {
        write_properties(w, &info.properties)?;
    }
    write_output(w, "suite stdout", &info.stdout)?;
    write_output(w, "suite stderr", &info.stderr)
}

// ---------------------------------------------------------------- CSP hashes

/// Base64 (standard alphabet, padded) of the SHA-256 of `text`, as a CSP
/// source hash wants it.
fn sha256_base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(44);
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------- style and script

pub(super) const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;
--p:#1a7f37;--f:#cf222e;--e:#a40e26;--s:#6e7781;--k:#9a6700}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:24px;margin:0 0 6px;overflow-wrap:anywhere}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:0 0 4px;overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.muted{color:var(--muted);font-weight:normal}
.meta{margin:0;color:var(--muted)}
.meta>span{margin-right:14px}
.meta b,.meta time,.meta code{color:var(--fg)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;
line-height:20px;color:#fff;text-transform:uppercase;letter-spacing:.03em;vertical-align:1px}
.badge.p{background:var(--p)}.badge.f{background:var(--f)}.badge.e{background:var(--e)}
.badge.s{background:var(--s)}.badge.k{background:var(--k)}
.tiles{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0 6px}
.tile{min-width:96px;padding:6px 12px;border:1px solid var(--line);border-top-width:3px;border-radius:6px;background:var(--soft)}
.tile .n{display:block;font-size:20px;font-weight:600}
.tile .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.tile.p{border-top-color:var(--p)}.tile.f{border-top-color:var(--f)}.tile.e{border-top-color:var(--e)}
.tile.s{border-top-color:var(--s)}.tile.k{border-top-color:var(--k)}
.tile.p .n{color:var(--p)}.tile.f .n{color:var(--f)}.tile.e .n{color:var(--e)}.tile.k .n{color:var(--k)}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:6px 0;font-size:13px}
.kv dt{color:var(--muted)}.kv dd{margin:0;overflow-wrap:anywhere}
details>summary{cursor:pointer}
.props{margin-top:6px;color:var(--muted)}
.toc{margin:8px 0 0}.toc a{margin-right:14px;color:#0969da;text-decoration:none}
.toc a:hover{text-decoration:underline}
section{scroll-margin-top:64px}
.filter{position:sticky;top:0;z-index:1;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px;
margin:16px 0 0;padding:8px 12px;background:#fff;border:1px solid var(--line);border-radius:6px}
.filter[hidden]{display:none}
.filter input[type=search]{flex:1 1 240px;padding:5px 8px;font:inherit;border:1px solid var(--line);border-radius:4px}
.filter label{white-space:nowrap}
.case{margin:10px 0;padding:10px 14px;border:1px solid var(--line);border-left:4px solid var(--s);border-radius:6px}
.case.f{border-left-color:var(--f)}.case.e{border-left-color:var(--e)}.case.k{border-left-color:var(--k)}
.where{margin:0 0 6px;color:var(--muted);overflow-wrap:anywhere}
.where b{color:var(--fg);font-weight:600}
pre{margin:6px 0;padding:8px 10px;max-height:420px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;
background:var(--soft);border:1px solid var(--line);border-radius:4px}
pre.msg{background:#fff5f5;border-color:#f5c2c7;font-weight:600}
pre.trace{max-height:260px}
.clip{color:var(--muted);font-style:italic;font-weight:normal}
.out{margin:4px 0}.out>summary{color:var(--muted)}
.none{color:var(--p)}
.note{color:var(--muted);font-style:italic}
table{width:100%;border-collapse:collapse;margin:6px 0}
th,td{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
td:first-child{overflow-wrap:anywhere}
td small{display:block;color:var(--muted);font-size:12px}
.cases{table-layout:fixed}
.cases th:nth-child(2),.cases th:nth-child(3){width:96px}
.cases td:nth-child(3){text-align:right;font-variant-numeric:tabular-nums}
tr.f td:nth-child(2),.st.f{color:var(--f);font-weight:600}
tr.e td:nth-child(2),.st.e{color:var(--e);font-weight:600}
tr.s td:nth-child(2),.st.s{color:var(--s)}
tr.k td:nth-child(2),.st.k{color:var(--k);font-weight:600}
tr.p td:nth-child(2),.st.p{color:var(--p)}
tr.f,tr.e{background:#fff5f5}
tr.k{background:#fff8e6}
tr[hidden]{display:none}
.attempts{font-size:13px}
.attempts td:nth-child(-n+3){white-space:nowrap;width:1%}
.suite{margin:6px 0;border:1px solid var(--line);border-radius:6px}
.suite>summary{padding:8px 12px;background:var(--soft);border-radius:6px}
.suite[open]>summary{border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
.suite>:not(summary){margin-left:12px;margin-right:12px}
.suite>table{width:calc(100% - 24px)}
.sn{font-weight:600;overflow-wrap:anywhere}
.sc{color:var(--muted);margin-left:6px}
.c.f{color:var(--f);font-weight:600}.c.e{color:var(--e);font-weight:600}
.c.k{color:var(--k);font-weight:600}.c.p{color:var(--p)}
.chart{display:block;width:100%;height:auto}
.chart text{font-size:12px;fill:var(--fg)}
.chart .lbl{text-anchor:end}
.chart .val{fill:var(--muted)}
.chart rect{fill:var(--p)}
.chart .f rect{fill:var(--f)}.chart .e rect{fill:var(--e)}
.chart .s rect{fill:var(--s)}.chart .k rect{fill:var(--k)}
.perf td:nth-child(n+4){text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.perf td.spark{text-align:left;letter-spacing:1px}
tr.reg{background:#fff5f5}tr.reg td:first-child{color:var(--f);font-weight:600}
tr.imp{background:#f0fff4}tr.imp td:first-child{color:var(--p);font-weight:600}
"#;

/// The filter: reads names and statuses from the page (no embedded data),
/// hides rows and cards that do not match, hides suites with no match and,
/// while a name is typed and at most 1 000 rows match, opens suites with
/// matches.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var box = document.getElementById("filter");
  if (!box) return;
  box.hidden = false;
  var query = document.getElementById("q");
  var checks = box.querySelectorAll("input[type=checkbox]");
  var shown = document.getElementById("shown");
  var OPEN_LIMIT = 1000;
  var items = null, suites = null, rows = 0, timer = 0;
  function init() {
    items = [];
    suites = new Map();
    document.querySelectorAll("details.suite").forEach(function (d) {
      suites.set(d, { el: d, visible: 0, forced: false });
    });
    document.querySelectorAll("table.cases tbody tr, article.case").forEach(function (el) {
      var row = el.tagName === "TR";
      var name = row ? el.cells[0].firstChild : el.querySelector(".nm");
      items.push({
        el: el,
        row: row,
        name: name && (!row || name.nodeType === 3) ? name.textContent.toLowerCase() : "",
        status: el.classList[el.classList.length - 1],
        suite: suites.get(el.closest("details.suite")) || null
      });
      if (row) rows++;
    });
  }
  function apply() {
    if (!items) init();
    var text = query.value.trim().toLowerCase();
    var on = {}, everything = text === "", count = 0;
    checks.forEach(function (c) {
      on[c.value] = c.checked;
      if (!c.checked) everything = false;
    });
    suites.forEach(function (s) { s.visible = 0; });
    items.forEach(function (it) {
      var show = on[it.status] === true && (text === "" || it.name.indexOf(text) !== -1);
      if (it.el.hidden === show) it.el.hidden = !show;
      if (show && it.row) {
        count++;
        if (it.suite) it.suite.visible++;
      }
    });
    suites.forEach(function (s) {
      s.el.hidden = !everything && s.visible === 0;
      if (text !== "" && count <= OPEN_LIMIT && s.visible > 0 && !s.el.open) {
        s.el.open = true;
        s.forced = true;
      } else if (text === "" && s.forced) {
        s.el.open = false;
        s.forced = false;
      }
    });
    shown.textContent = everything ? "" : count + " of " + rows + " listed tests shown" +
      (text !== "" && count > OPEN_LIMIT ? "; open a suite to see its matches" : "");
  }
  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
  checks.forEach(function (c) { c.addEventListener("change", apply); });
})();
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn relative_href_walks_up_and_down_and_encodes_each_segment() {
        let href = |from: &str, to: &str| super::relative_href(Path::new(from), Path::new(to));
        assert_eq!(
            href("/w/out", "/w/out/artifacts/a.txt").as_deref(),
            Some("./artifacts/a.txt")
        );
        assert_eq!(
            href("/w/out", "/w/build/trace.json").as_deref(),
            Some("../build/trace.json")
        );
        assert_eq!(
            href("/w/out/x", "/tmp/f").as_deref(),
            Some("../../../tmp/f")
        );
        // A name that looks like a scheme, a query or a fragment stays a path.
        assert_eq!(
            href("/w/out", "/w/out/javascript:alert(1)?#x y").as_deref(),
            Some("./javascript%3Aalert%281%29%3F%23x%20y")
        );
        assert_eq!(href("/w/out", "/w"), None);
    }

    #[test]
    fn local_artifacts_get_relative_links_and_web_urls_stay() {
        use crate::report::markdown::ArtifactLink;
        let link = |name: &str, url: Option<&str>, path: Option<&str>| ArtifactLink {
            name: name.into(),
            url: url.map(Into::into),
            path: path.map(Into::into),
            ..ArtifactLink::default()
        };
        let linked = super::link_local_artifacts(
            &[
                link("a.log", None, Some("/w/out/artifacts/a.log")),
                link("b.png", Some("https://ci.test/b.png"), Some("/w/b.png")),
                link("c.bin", Some("file:///w/c.bin"), None),
            ],
            Path::new("/w/out"),
        );
        let urls: Vec<_> = linked.iter().map(|a| a.url.as_deref()).collect();
        assert_eq!(
            urls,
            [
                Some("./artifacts/a.log"),
                Some("https://ci.test/b.png"),
                None
            ]
        );
        let mut html = Vec::new();
        super::write_artifacts(&mut html, &linked).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.contains("<a href=\"./artifacts/a.log\">a.log</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://ci.test/b.png\">b.png</a>"),
            "{html}"
        );
        assert!(html.contains("<td>c.bin</td>"), "{html}");
    }

    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape(&mut out, text).expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("escape keeps UTF-8")
    }

    #[test]
    fn escapes_the_five_characters_and_drops_illegal_ones() {
        assert_eq!(escaped(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(escaped("tab\there\nline\r\n"), "tab\there\nline\n");
        assert_eq!(
            escaped("nul\0bel\x07esc\x1bdel\x7fc1\u{85}nc\u{fdd0}\u{fffe}\u{1ffff}end"),
            "nulbelescdelc1ncend"
        );
        assert_eq!(escaped("ünïcödé ✓ 😀"), "ünïcödé ✓ 😀");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn clips_on_character_boundaries() {
        assert_eq!(clip_head("abc", 3), ("abc", 0));
        assert_eq!(clip_head("aé", 2), ("a", 2));
        assert_eq!(clip_tail("éa", 2), ("a", 2));
        assert_eq!(clip_tail("abcdef", 2), ("ef", 4));
    }

    #[test]
    fn formats_durations() {
        assert_eq!(Dur(0.0).to_string(), "0ms");
        assert_eq!(Dur(-3.0).to_string(), "0ms");
        assert_eq!(Dur(f64::NAN).to_string(), "0ms");
        assert_eq!(Dur(0.0123).to_string(), "12ms");
        assert_eq!(Dur(2.314).to_string(), "2.3s");
        assert_eq!(Dur(245.9).to_string(), "4m 6s");
        assert_eq!(Dur(3725.0).to_string(), "1h 2m 5s");
    }

    #[test]
    fn csp_hash_is_standard_base64_of_sha256() {
        // sha256("") = e3b0c442...b855, whose base64 is well known.
        assert_eq!(
            sha256_base64(""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            sha256_base64("abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn chart_labels_keep_the_end_of_long_names() {
        let label = |case: &TestCase| {
            let mut out = Vec::new();
            write_chart_label(&mut out, case).expect("writing to a Vec cannot fail");
            String::from_utf8(out).expect("labels are UTF-8")
        };
        let short = TestCase::new("s", "pkg.C", "t<1>", CaseStatus::Passed);
        assert_eq!(label(&short), "pkg.C.t&lt;1&gt;");
        let long = TestCase::new("s", "é".repeat(70), "test_x", CaseStatus::Passed);
        assert_eq!(label(&long), format!("\u{2026}{}.test_x", "é".repeat(52)));
    }

    #[test]
    fn big_suites_list_non_passed_and_the_slowest_passed() {
        let cases: Vec<TestCase> = (0..600)
            .map(|i| {
                let status = match i {
                    10 | 20 => CaseStatus::Failed,
                    30 => CaseStatus::Skipped,
                    _ => CaseStatus::Passed,
                };
                let mut c = TestCase::new("s", "", format!("t{i}"), status);
                c.duration_seconds = f64::from(i % 100);
                c
            })
            .collect();
        let refs: Vec<&TestCase> = cases.iter().collect();
        let (listed, unlisted) = listed_cases(&refs);
        assert_eq!(listed.len(), 53);
        assert_eq!(unlisted, 547);
        let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
        // 99 s occurs 6 times (t99, t199, ..., t599), 98 s six times, ...:
        // the 50 slowest passed are all of 99..=92 (48) plus the two earliest 91s.
        assert!(names.contains(&"t99") && names.contains(&"t599"));
        assert!(names.contains(&"t91") && names.contains(&"t191"));
        assert!(!names.contains(&"t291"));
        assert!(names.contains(&"t10") && names.contains(&"t20") && names.contains(&"t30"));
        // Recorded order is kept.
        assert_eq!(names[0], "t10");
        assert_eq!(names[names.len() - 1], "t599");
    }
}
