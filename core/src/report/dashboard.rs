//! The history dashboard: one self-contained HTML5 page over many runs.
//!
//! It is built like the run report ([`super::html`]) and with its parts:
//! the same page head (a `Content-Security-Policy` that allows only the
//! page's own stylesheet, by hash, no script at all, and forbids every
//! fetch), the same stylesheet plus a few chart rules, the same escaping
//! of every string that comes from the history. There are no scripts,
//! fonts, images or links to other documents; charts are inline SVG.
//!
//! Sections: tiles (runs, tests, latest pass rate, flaky tests, new
//! failures, regressions), runs over time (pass rate, duration, case
//! counts), new failures of the latest run against its base, the flakiest
//! tests with their latest outcomes, the slowest tests with how their
//! duration moved, each metric's trend with its regression verdict, and the
//! latest runs.
//!
//! Size: the data is aggregated before it gets here
//! ([`History::dashboard_data`](crate::history::History::dashboard_data)):
//! at most a few hundred points per chart and top-N lists. Each chart is a
//! handful of `<path>` elements plus one hover target per point, never one
//! element per case; names are cut to [`NAME_LIMIT`] bytes and messages to
//! [`MESSAGE_LIMIT`], and at most [`NEW_FAILURES_LISTED`] new failures are
//! listed. A page over 10 000 runs and a 100 000-test run with long names
//! stays under 2 MB (a test checks it).

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::sync::LazyLock;

use super::html::{
    Dur, Plural, STYLE, clip_head, escape, run_status_badge, status_class, write_page_head,
};
use crate::analysis::diff::DiffEntry;
use crate::analysis::trends::{Better, Direction};
use crate::error::{Error, ErrorKind, Result};
use crate::history::{Bucketing, DashboardData, FlakyRow, MetricTrend, RunPoint, SlowTest};
use crate::model::CaseStatus;
use crate::time::format_rfc3339;

/// Bytes shown of a test name (the rest is cut with an ellipsis).
pub const NAME_LIMIT: usize = 300;
/// Bytes shown of a failure message's first line.
pub const MESSAGE_LIMIT: usize = 300;
/// New failures listed by name.
pub const NEW_FAILURES_LISTED: usize = 200;

/// Writes `data` as one self-contained HTML5 page to `out`, stamped as
/// generated at `generated_at_ms` (Unix ms).
///
/// The page is written through a buffer owned by this call. Errors: `Io`
/// when writing to `out` fails; whatever was written before is left in
/// `out`.
pub fn write_dashboard<W: Write>(data: &DashboardData, generated_at_ms: i64, out: W) -> Result<()> {
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    render(data, generated_at_ms, &mut w)
        .and_then(|()| w.flush())
        .map_err(|err| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "writing the dashboard failed: {err}; check that the output \
                     location is writable and has free space"
                ),
            )
            .with_source(err)
        })
}

/// The run report's stylesheet and the dashboard's chart rules: one
/// `<style>` element, allowed by its hash.
static PAGE_STYLE: LazyLock<String> = LazyLock::new(|| format!("{STYLE}{DASHBOARD_STYLE}"));

fn render<W: Write>(data: &DashboardData, generated_at_ms: i64, w: &mut W) -> io::Result<()> {
    let title = match &data.query.branch {
        Some(branch) => format!("Test history \u{2014} {branch}"),
        None => "Test history".to_string(),
    };
    write_page_head(w, &title, &PAGE_STYLE, None)?;
    write_header(w, data, &title, generated_at_ms)?;
    if data.total_runs == 0 {
        w.write_all(
            b"<p class=\"note\">No finished runs match this selection. Every \
              <code>testrelay report</code> or <code>testrelay run</code> records one.</p>\n",
        )?;
    } else {
        write_runs(w, data)?;
        write_new_failures(w, data)?;
        write_flaky(w, data)?;
        write_slowest(w, data)?;
        write_metrics(w, data)?;
        write_recent(w, data)?;
    }
    w.write_all(b"</main>\n</body>\n</html>\n")
}

// ---------------------------------------------------------------- small formatting

/// `YYYY-MM-DD hh:mm UTC`.
fn utc_minutes(ms: i64) -> String {
    let s = format_rfc3339(ms);
    format!("{} {} UTC", &s[..10], &s[11..16])
}

/// A number with up to three significant decimals, without trailing zeros.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "\u{2013}".into();
    }
    let decimals = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        3
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0".into() } else { s.into() }
}

/// An axis value with one decimal more than the distance between ticks
/// (`step`) needs, so that neighbouring labels differ.
fn tick(v: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step.is_finite() {
        ((-step.log10()).ceil() + 1.0).clamp(0.0, 6.0) as usize
    } else {
        0
    };
    let s = format!("{v:.decimals$}");
    if s.starts_with("-0") && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

/// A range around `lo..=hi` that four round steps (1, 2, 2.5 or 5 times a
/// power of ten) divide.
fn nice_range(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi <= lo {
        let pad = lo.abs().max(1.0) * 0.1;
        return nice_range(lo - pad, hi + pad);
    }
    let mut step = nice_max((hi - lo) / 4.0);
    loop {
        let start = (lo / step).floor() * step;
        if start + 4.0 * step >= hi {
            return (start, start + 4.0 * step);
        }
        step = nice_max(step * 1.01);
    }
}

/// A fraction as a percentage with one decimal.
fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A relative change as `+12.3%`.
fn change(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "\u{2013}".into(), |r| format!("{:+.1}%", r * 100.0))
}

/// Writes `text` escaped, cut to `max` bytes with an ellipsis.
fn escape_clipped<W: Write>(w: &mut W, text: &str, max: usize) -> io::Result<()> {
    let (shown, cut) = clip_head(text, max);
    escape(w, shown)?;
    if cut > 0 {
        w.write_all("\u{2026}".as_bytes())?;
    }
    Ok(())
}

/// A test name in a `<span class="nm">`, escaped and cut to [`NAME_LIMIT`].
fn write_name<W: Write>(w: &mut W, name: &str) -> io::Result<()> {
    w.write_all(b"<span class=\"nm\">")?;
    escape_clipped(w, name, NAME_LIMIT)?;
    w.write_all(b"</span>")
}

// ---------------------------------------------------------------- header

fn write_header<W: Write>(
    w: &mut W,
    data: &DashboardData,
    title: &str,
    generated_at_ms: i64,
) -> io::Result<()> {
    w.write_all(b"<header class=\"run\">\n<h1>")?;
    escape(w, title)?;
    w.write_all(b"</h1>\n<p class=\"meta\">")?;
    match (data.points.first(), data.points.last()) {
        (Some(first), Some(last)) => write!(
            w,
            "<span>Runs from <b>{}</b> to <b>{}</b></span>",
            utc_minutes(first.first_ms),
            utc_minutes(last.last_ms)
        )?,
        _ => w.write_all(b"<span>No runs</span>")?,
    }
    if let Some(branch) = &data.query.branch {
        w.write_all(b" <span>Branch <code>")?;
        escape(w, branch)?;
        w.write_all(b"</code></span>")?;
    }
    if let Some(since) = data.query.since_ms {
        write!(w, " <span>Since <b>{}</b></span>", utc_minutes(since))?;
    }
    writeln!(
        w,
        " <span>Generated <b>{}</b></span></p>",
        utc_minutes(generated_at_ms)
    )?;

    let latest = data.comparison.as_ref().map(|c| &c.run);
    let latest_rate = latest.and_then(|r| {
        let c = &r.counts;
        let ran = c.total.saturating_sub(c.skipped);
        (ran > 0).then(|| (c.passed + c.flaky) as f64 / ran as f64)
    });
    let new_failures = data
        .comparison
        .as_ref()
        .and_then(|c| c.diff.as_ref())
        .map(|d| d.new_failures.len());
    let regressions = data
        .metrics
        .iter()
        .filter(|m| regressed(m) || !m.regressed_tests.is_empty())
        .count();
    w.write_all(b"<div class=\"tiles\">\n")?;
    let tile = |w: &mut W, class: &str, value: &str, label: &str| {
        writeln!(
            w,
            "<div class=\"tile {class}\"><span class=\"n\">{value}</span>\
             <span class=\"l\">{label}</span></div>"
        )
    };
    tile(w, "t", &data.total_runs.to_string(), "runs")?;
    tile(w, "t", &data.distinct_tests.to_string(), "tests")?;
    let rate_class = match latest_rate {
        Some(r) if r >= 0.9999 => "p",
        Some(_) => "f",
        None => "t",
    };
    tile(
        w,
        rate_class,
        &latest_rate.map_or_else(|| "\u{2013}".into(), percent),
        "latest pass rate",
    )?;
    if let Some(run) = latest {
        tile(
            w,
            "t",
            &Dur(run.run.duration_seconds).to_string(),
            "latest duration",
        )?;
    }
    tile(
        w,
        if data.flaky.is_empty() { "p" } else { "k" },
        &data.flaky.len().to_string(),
        if data.flaky.len() >= data.query.top {
            "flaky tests (top)"
        } else {
            "flaky tests"
        },
    )?;
    if let Some(n) = new_failures {
        tile(
            w,
            if n == 0 { "p" } else { "f" },
            &n.to_string(),
            "new failures",
        )?;
    }
    if !data.metrics.is_empty() {
        tile(
            w,
            if regressions == 0 { "p" } else { "f" },
            &regressions.to_string(),
            "metrics regressed",
        )?;
    }
    w.write_all(b"</div>\n")?;
    if data.total_runs > 0 {
        w.write_all(
            b"<nav class=\"toc\"><a href=\"#runs\">Runs over time</a> \
              <a href=\"#new-failures\">New failures</a> \
              <a href=\"#flaky\">Flakiest tests</a> \
              <a href=\"#slowest\">Slowest tests</a> \
              <a href=\"#metrics\">Metrics</a> \
              <a href=\"#recent\">Latest runs</a></nav>\n",
        )?;
    }
    w.write_all(b"</header>\n")
}

// ---------------------------------------------------------------- charts

/// Geometry of a time chart: `n` evenly spaced points (runs or days) across
/// a 1000-unit-wide plot.
struct Frame {
    n: usize,
    height: f64,
}

const LEFT: f64 = 64.0;
const RIGHT: f64 = 990.0;
const TOP: f64 = 10.0;
const AXIS: f64 = 24.0;

impl Frame {
    fn bottom(&self) -> f64 {
        self.height - AXIS
    }
    fn band(&self) -> f64 {
        (RIGHT - LEFT) / self.n.max(1) as f64
    }
    /// Centre of point `i`.
    fn x(&self, i: usize) -> f64 {
        LEFT + (i as f64 + 0.5) * self.band()
    }
    /// `v` between `lo` and `hi` on the vertical axis.
    fn y(&self, v: f64, lo: f64, hi: f64) -> f64 {
        let span = if hi > lo { hi - lo } else { 1.0 };
        self.bottom() - (v - lo) / span * (self.bottom() - TOP)
    }
}

/// Opens a chart's `<svg>` with its grid: `ticks` horizontal lines from
/// `lo` to `hi` labelled by `label`, and up to seven date labels under the
/// points (`times[i]` is point `i`'s time).
fn open_chart<W: Write>(
    w: &mut W,
    frame: &Frame,
    aria: &str,
    (lo, hi): (f64, f64),
    label: &dyn Fn(f64, f64) -> String,
    times: &[i64],
    with_time_of_day: bool,
) -> io::Result<()> {
    write!(
        w,
        "<svg class=\"dc\" viewBox=\"0 0 1000 {h}\" role=\"img\" aria-label=\"",
        h = frame.height
    )?;
    escape(w, aria)?;
    w.write_all(b"\">\n<g class=\"grid\">")?;
    const TICKS: usize = 4;
    for k in 0..=TICKS {
        let v = lo + (hi - lo) * k as f64 / TICKS as f64;
        let y = frame.y(v, lo, hi);
        write!(
            w,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{y:.1}\" y2=\"{y:.1}\"></line>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"yl\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            label(v, (hi - lo) / TICKS as f64)
        )?;
    }
    for i in label_indices(times.len(), 7) {
        let s = format_rfc3339(times[i]);
        let text = if with_time_of_day {
            format!("{} {}", &s[5..10], &s[11..16])
        } else {
            s[..10].to_string()
        };
        let x = frame.x(i);
        let anchor = if x < LEFT + 40.0 {
            "start"
        } else if x > RIGHT - 40.0 {
            "end"
        } else {
            "middle"
        };
        let x = match anchor {
            "start" => x.min(LEFT),
            "end" => x.max(RIGHT),
            _ => x,
        };
        write!(
            w,
            "<text x=\"{x:.1}\" y=\"{:.1}\" class=\"xl {anchor}\">{text}</text>",
            frame.height - 6.0
        )?;
    }
    w.write_all(b"</g>\n")
}

/// Up to `max` evenly spaced indices of `n` points for axis labels: the
/// first, every step after it, and the last when it is not too close to
/// the one before.
fn label_indices(n: usize, max: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    if n <= max {
        return (0..n).collect();
    }
    let step = (n - 1).div_ceil(max - 1);
    let mut out: Vec<usize> = (0..n).step_by(step).collect();
    let last = n - 1;
    if let Some(&prev) = out.last() {
        if prev != last {
            if last - prev <= step / 2 {
                out.pop();
            }
            out.push(last);
        }
    }
    out
}

/// A line through `values` (gaps where `None`) as one `<path>`, with round
/// dots on the points while there are few of them.
fn write_line<W: Write>(
    w: &mut W,
    frame: &Frame,
    class: &str,
    values: &[Option<f64>],
    (lo, hi): (f64, f64),
) -> io::Result<()> {
    let mut d = String::new();
    let mut dots = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => {
                let (x, y) = (frame.x(i), frame.y(*v, lo, hi));
                let _ = write!(d, "{}{x:.1} {y:.1}", if pen_down { "L" } else { "M" });
                let _ = write!(dots, "M{x:.1} {y:.1}h0");
                pen_down = true;
            }
            _ => pen_down = false,
        }
    }
    if d.is_empty() {
        return Ok(());
    }
    writeln!(w, "<path class=\"ln {class}\" d=\"{d}\"></path>")?;
    if values.len() <= 60 || !d.contains('L') {
        writeln!(w, "<path class=\"dot {class}\" d=\"{dots}\"></path>")?;
    }
    Ok(())
}

/// One invisible hover target per point, each with its `<title>`.
fn write_hover<W: Write>(
    w: &mut W,
    frame: &Frame,
    titles: impl Iterator<Item = String>,
) -> io::Result<()> {
    w.write_all(b"<g class=\"hov\">")?;
    let band = frame.band();
    for (i, title) in titles.enumerate() {
        write!(
            w,
            "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{band:.2}\" height=\"{:.1}\"><title>",
            frame.x(i) - band / 2.0,
            frame.bottom() - TOP
        )?;
        escape(w, &title)?;
        w.write_all(b"</title></rect>")?;
    }
    w.write_all(b"</g>\n")
}

/// Nice upper bound of an axis starting at 0 for values up to `max`.
fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if max <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// A legend entry: a swatch of `class` and `label`.
fn legend<W: Write>(w: &mut W, entries: &[(&str, &str)]) -> io::Result<()> {
    w.write_all(b"<p class=\"legend\">")?;
    for (class, label) in entries {
        write!(w, "<span><i class=\"sw {class}\"></i>{label}</span>")?;
    }
    w.write_all(b"</p>\n")
}

// ---------------------------------------------------------------- runs over time

fn point_title(data: &DashboardData, p: &RunPoint) -> String {
    let when = match data.bucketing {
        Bucketing::PerRun => utc_minutes(p.first_ms),
        Bucketing::Days(1) => format_rfc3339(p.first_ms)[..10].to_string(),
        Bucketing::Days(_) => format!(
            "{} to {}",
            &format_rfc3339(p.first_ms)[..10],
            &format_rfc3339(p.last_ms)[..10]
        ),
    };
    let c = &p.counts;
    format!(
        "{when}: {}, {} failed; pass rate {}; mean duration {}; {} tests: {} passed, \
         {} failed, {} errors, {} skipped, {} flaky",
        Plural(p.runs, "run"),
        p.failed_runs,
        p.pass_rate().map_or_else(|| "\u{2013}".into(), percent),
        Dur(p.mean_duration),
        c.total,
        c.passed,
        c.failed,
        c.errors,
        c.skipped,
        c.flaky
    )
}

fn write_runs<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    let per = match data.bucketing {
        Bucketing::PerRun => "one point per run".to_string(),
        Bucketing::Days(1) => "one point per day".to_string(),
        Bucketing::Days(n) => format!("one point per {n} days"),
    };
    writeln!(
        w,
        "<section id=\"runs\">\n<h2>Runs over time <span class=\"muted\">({}, {per})</span></h2>",
        Plural(data.total_runs, "run")
    )?;
    let times: Vec<i64> = data.points.iter().map(|p| p.first_ms).collect();
    let per_run = data.bucketing == Bucketing::PerRun;
    let titles = || data.points.iter().map(|p| point_title(data, p));
    let n = data.points.len();

    // Pass rate.
    w.write_all(b"<h3>Pass rate <span class=\"muted\">(passed and flaky of the tests that ran)</span></h3>\n")?;
    let frame = Frame { n, height: 170.0 };
    let rates: Vec<Option<f64>> = data.points.iter().map(RunPoint::pass_rate).collect();
    let lo = rates
        .iter()
        .flatten()
        .fold(1.0f64, |a, b| a.min(*b))
        .min(0.9);
    let lo = (lo * 10.0).floor() / 10.0;
    open_chart(
        w,
        &frame,
        "Pass rate over time",
        (lo, 1.0),
        &|v, step| format!("{}%", tick(v * 100.0, step * 100.0)),
        &times,
        per_run,
    )?;
    write_line(w, &frame, "p", &rates, (lo, 1.0))?;
    write_hover(w, &frame, titles())?;
    w.write_all(b"</svg>\n")?;

    // Duration.
    w.write_all(b"<h3>Run duration</h3>\n")?;
    legend(w, &[("t", "mean"), ("s", "longest")])?;
    let max = nice_max(
        data.points
            .iter()
            .map(|p| p.max_duration)
            .fold(0.0, f64::max),
    );
    let frame = Frame { n, height: 170.0 };
    open_chart(
        w,
        &frame,
        "Run duration over time",
        (0.0, max),
        &|v, _| Dur(v).to_string(),
        &times,
        per_run,
    )?;
    let longest: Vec<Option<f64>> = data.points.iter().map(|p| Some(p.max_duration)).collect();
    let mean: Vec<Option<f64>> = data.points.iter().map(|p| Some(p.mean_duration)).collect();
    if !per_run {
        write_line(w, &frame, "s", &longest, (0.0, max))?;
    }
    write_line(w, &frame, "t", &mean, (0.0, max))?;
    write_hover(w, &frame, titles())?;
    w.write_all(b"</svg>\n")?;

    // Counts, as stacked bars: one path per status.
    w.write_all(
        b"<h3>Test outcomes <span class=\"muted\">(added up over each point's runs)</span></h3>\n",
    )?;
    legend(
        w,
        &[
            ("p", "passed"),
            ("k", "flaky"),
            ("s", "skipped"),
            ("f", "failed"),
            ("e", "errors"),
        ],
    )?;
    let max = nice_max(
        data.points
            .iter()
            .map(|p| p.counts.total as f64)
            .fold(0.0, f64::max),
    );
    let frame = Frame { n, height: 190.0 };
    open_chart(
        w,
        &frame,
        "Tests per run or day by status",
        (0.0, max),
        &|v, _| num(v.round()),
        &times,
        per_run,
    )?;
    let bar = (frame.band() * 0.8).max(0.5);
    let mut paths: [(&str, String); 5] = [
        ("p", String::new()),
        ("k", String::new()),
        ("s", String::new()),
        ("f", String::new()),
        ("e", String::new()),
    ];
    for (i, p) in data.points.iter().enumerate() {
        let c = &p.counts;
        let values = [c.passed, c.flaky, c.skipped, c.failed, c.errors];
        let mut below = 0u64;
        let x = frame.x(i) - bar / 2.0;
        for ((_, d), value) in paths.iter_mut().zip(values) {
            if value == 0 {
                continue;
            }
            let y0 = frame.y(below as f64, 0.0, max);
            below += value;
            let y1 = frame.y(below as f64, 0.0, max);
            // At least half a unit tall, so that one failure among
            // thousands of passes still shows.
            let height = (y0 - y1).max(0.8);
            let _ = write!(
                d,
                "M{x:.1} {:.1}h{bar:.2}v{height:.1}h{:.2}z",
                y0 - height,
                -bar
            );
        }
    }
    for (class, d) in &paths {
        if !d.is_empty() {
            writeln!(w, "<path class=\"bar {class}\" d=\"{d}\"></path>")?;
        }
    }
    write_hover(w, &frame, titles())?;
    w.write_all(b"</svg>\n</section>\n")
}

// ---------------------------------------------------------------- new failures

fn write_new_failures<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    w.write_all(b"<section id=\"new-failures\">\n<h2>New failures</h2>\n")?;
    let Some(cmp) = &data.comparison else {
        return w.write_all(b"<p class=\"note\">No finished run to compare.</p>\n</section>\n");
    };
    w.write_all(b"<p class=\"where\">Latest run <code>")?;
    escape(w, &cmp.run.run.run_key)?;
    w.write_all(b"</code>")?;
    write_branch(w, cmp.run.run.branch.as_deref())?;
    let (Some(base), Some(diff)) = (&cmp.base, &cmp.diff) else {
        return w.write_all(
            b" has no earlier run of the same name and shard on its base or its branch \
              to compare with.</p>\n</section>\n",
        );
    };
    w.write_all(b" compared with <code>")?;
    escape(w, &base.run.run_key)?;
    w.write_all(b"</code>")?;
    write_branch(w, base.run.branch.as_deref())?;
    writeln!(
        w,
        ": {} new failures, {} fixed, {} still failing, {} new tests, {} removed.</p>",
        diff.new_failures.len(),
        diff.fixed.len(),
        diff.still_failing.len(),
        diff.new_tests.len(),
        diff.removed_tests.len()
    )?;
    if diff.new_failures.is_empty() {
        return w.write_all(b"<p class=\"none\">No new failures.</p>\n</section>\n");
    }
    w.write_all(
        b"<table class=\"list\"><thead><tr><th>Test</th><th>Status</th><th>Before</th>\
          </tr></thead><tbody>\n",
    )?;
    for entry in diff.new_failures.iter().take(NEW_FAILURES_LISTED) {
        write_failure_row(w, entry)?;
    }
    w.write_all(b"</tbody></table>\n")?;
    if diff.new_failures.len() > NEW_FAILURES_LISTED {
        writeln!(
            w,
            "<p class=\"note\">\u{2026} and {} more; the run's own report lists them all.</p>",
            diff.new_failures.len() - NEW_FAILURES_LISTED
        )?;
    }
    w.write_all(b"</section>\n")
}

/// ` on <code>branch</code>`, when the run has one.
fn write_branch<W: Write>(w: &mut W, branch: Option<&str>) -> io::Result<()> {
    if let Some(branch) = branch.filter(|b| !b.is_empty()) {
        w.write_all(b" on <code>")?;
        escape(w, branch)?;
        w.write_all(b"</code>")?;
    }
    Ok(())
}

fn write_failure_row<W: Write>(w: &mut W, entry: &DiffEntry) -> io::Result<()> {
    let now = entry.current_status.unwrap_or(CaseStatus::Failed);
    w.write_all(b"<tr><td>")?;
    write_name(w, &entry.full_name)?;
    if let Some(first) = entry
        .message
        .as_deref()
        .and_then(|m| m.lines().find(|l| !l.trim().is_empty()))
    {
        w.write_all(b"<small>")?;
        escape_clipped(w, first, MESSAGE_LIMIT)?;
        w.write_all(b"</small>")?;
    }
    writeln!(
        w,
        "</td><td class=\"st {}\">{}</td><td>{}</td></tr>",
        status_class(now),
        now.as_str(),
        entry.previous_status.map_or("new test", CaseStatus::as_str)
    )
}

// ---------------------------------------------------------------- flaky

fn write_flaky<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    writeln!(
        w,
        "<section id=\"flaky\">\n<h2>Flakiest tests <span class=\"muted\">(score over each \
         test's last {} runs)</span></h2>",
        data.query.flaky_window
    )?;
    if data.flaky.is_empty() {
        return w.write_all(
            b"<p class=\"none\">No test changed outcome or passed only on a rerun.</p>\n</section>\n",
        );
    }
    if data.flaky_capped {
        writeln!(
            w,
            "<p class=\"note\">Over {} tests failed or were retried; the {} with the most \
             failures were scored.</p>",
            crate::history::MAX_FLAKY_CANDIDATES,
            crate::history::MAX_FLAKY_CANDIDATES
        )?;
    }
    legend(
        w,
        &[
            ("p", "passed"),
            ("k", "passed on rerun"),
            ("f", "failed"),
            ("e", "error"),
        ],
    )?;
    w.write_all(
        b"<table class=\"list\"><thead><tr><th>Test</th><th class=\"r\">Score</th>\
          <th>Latest outcomes (oldest first)</th></tr></thead><tbody>\n",
    )?;
    for row in &data.flaky {
        write_flaky_row(w, row, data.query.flaky_window)?;
    }
    w.write_all(b"</tbody></table>\n</section>\n")
}

fn write_flaky_row<W: Write>(w: &mut W, row: &FlakyRow, window: usize) -> io::Result<()> {
    let t = &row.test;
    w.write_all(b"<tr><td>")?;
    write_name(w, &t.full_name)?;
    w.write_all(b"<small>")?;
    for (i, reason) in t.reasons.iter().enumerate() {
        if i > 0 {
            w.write_all(b"; ")?;
        }
        escape_clipped(w, reason, MESSAGE_LIMIT)?;
    }
    write!(w, "</small></td><td class=\"r\">{:.2}</td><td>", t.score)?;
    const CELL: usize = 10;
    let width = window.max(1) * CELL;
    write!(
        w,
        "<svg class=\"strip\" viewBox=\"0 0 {width} 18\" width=\"{width}\" height=\"18\" \
         role=\"img\" aria-label=\"{} of the latest outcomes\">",
        row.recent.len()
    )?;
    for (i, (status, rerun)) in row.recent.iter().enumerate() {
        let class = if *rerun { "k" } else { status_class(*status) };
        let label = if *rerun {
            "passed on rerun"
        } else {
            status.as_str()
        };
        write!(
            w,
            "<rect class=\"{class}\" x=\"{}\" y=\"1\" width=\"{}\" height=\"16\" rx=\"1.5\">\
             <title>{label}</title></rect>",
            i * CELL,
            CELL - 2
        )?;
    }
    w.write_all(b"</svg></td></tr>\n")
}

// ---------------------------------------------------------------- slowest

fn write_slowest<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    w.write_all(
        b"<section id=\"slowest\">\n<h2>Slowest tests <span class=\"muted\">(by mean \
          duration; the line is the duration over the same points as the charts above)\
          </span></h2>\n",
    )?;
    if data.slowest.is_empty() {
        return w.write_all(b"<p class=\"note\">No test ran.</p>\n</section>\n");
    }
    w.write_all(
        b"<table class=\"list\"><thead><tr><th>Test</th><th class=\"r\">Mean</th>\
          <th class=\"r\">Latest</th><th class=\"r\">Runs</th><th>Duration over time</th>\
          </tr></thead><tbody>\n",
    )?;
    for test in &data.slowest {
        write_slow_row(w, test)?;
    }
    w.write_all(b"</tbody></table>\n</section>\n")
}

fn write_slow_row<W: Write>(w: &mut W, test: &SlowTest) -> io::Result<()> {
    let latest = test.series.iter().rev().flatten().next().copied();
    w.write_all(b"<tr><td>")?;
    write_name(w, &test.full_name)?;
    write!(
        w,
        "</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td>",
        Dur(test.mean_seconds),
        latest.map_or_else(|| "\u{2013}".into(), |s| Dur(s).to_string()),
        test.runs
    )?;
    write_sparkline(w, &test.series, "t")?;
    w.write_all(b"</td></tr>\n")
}

/// A small line of `values` scaled to their own range.
fn write_sparkline<W: Write>(w: &mut W, values: &[Option<f64>], class: &str) -> io::Result<()> {
    const W: f64 = 240.0;
    const H: f64 = 28.0;
    let finite = values.iter().flatten().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    write!(
        w,
        "<svg class=\"spark\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" \
         aria-label=\"duration from {} to {}\">",
        if lo.is_finite() {
            Dur(lo).to_string()
        } else {
            "\u{2013}".into()
        },
        if hi.is_finite() {
            Dur(hi).to_string()
        } else {
            "\u{2013}".into()
        }
    )?;
    let n = values.len().max(1) as f64;
    let span = if hi > lo { hi - lo } else { 1.0 };
    // Points where the test did not run are left out and the line joins
    // its neighbours: the trend matters here, not the gaps.
    let mut d = String::new();
    let mut last = None;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            let x = 2.0 + (i as f64 + 0.5) / n * (W - 4.0);
            let y = if hi > lo {
                H - 3.0 - (v - lo) / span * (H - 6.0)
            } else {
                H / 2.0
            };
            let _ = write!(d, "{}{x:.1} {y:.1}", if last.is_some() { "L" } else { "M" });
            last = Some((x, y));
        }
    }
    if !d.is_empty() {
        write!(w, "<path class=\"ln {class}\" d=\"{d}\"></path>")?;
    }
    if let Some((x, y)) = last {
        write!(
            w,
            "<path class=\"dot {class}\" d=\"M{x:.1} {y:.1}h0\"></path>"
        )?;
    }
    w.write_all(b"</svg>")
}

// ---------------------------------------------------------------- metrics

/// `improving`, `degrading` or `stable`.
fn direction_label(direction: Direction) -> &'static str {
    match direction {
        Direction::Improving => "improving",
        Direction::Degrading => "degrading",
        Direction::Stable => "stable",
    }
}

/// True when the metric's latest run regressed against its baseline.
fn regressed(metric: &MetricTrend) -> bool {
    metric
        .report
        .overall
        .as_ref()
        .and_then(|o| o.regression.as_ref())
        .is_some_and(|r| r.significant)
}

fn write_metrics<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    writeln!(
        w,
        "<section id=\"metrics\">\n<h2>Metrics <span class=\"muted\">({})</span></h2>",
        data.metrics_total
    )?;
    if data.metrics.is_empty() {
        return w.write_all(
            b"<p class=\"note\">No performance metrics recorded in these runs.</p>\n</section>\n",
        );
    }
    w.write_all(
        b"<p class=\"where\">Each latest run is compared with the 10 runs before it \
          (Welch's t-test, or a single value against the baseline): a <b>regression</b> is \
          a significant change (p &lt; 0.05) beyond \xc2\xb15% in the worse direction. The \
          direction compares the later half of the values with the earlier half.</p>\n",
    )?;
    if data.metrics_total > data.metrics.len() {
        writeln!(
            w,
            "<p class=\"note\">The {} most recently recorded of {} metrics are shown.</p>",
            data.metrics.len(),
            data.metrics_total
        )?;
    }
    for metric in &data.metrics {
        write_metric(w, metric)?;
    }
    w.write_all(b"</section>\n")
}

fn write_metric<W: Write>(w: &mut W, metric: &MetricTrend) -> io::Result<()> {
    let Some(overall) = &metric.report.overall else {
        return Ok(());
    };
    let regression = overall.regression.as_ref();
    let (badge_class, badge) = match regression {
        Some(r) if r.significant => ("f", "regression"),
        Some(r) if r.direction == Direction::Improving && r.p_value < 0.05 => ("p", "improved"),
        Some(_) => ("s", "no regression"),
        None => ("s", "too few runs"),
    };
    let class = if badge_class == "f" {
        "metric f"
    } else {
        "metric"
    };
    write!(
        w,
        "<article class=\"{class}\">\n<h3><span class=\"badge {badge_class}\">{badge}</span> "
    )?;
    write_name(w, &metric.name)?;
    if !metric.unit.is_empty() {
        w.write_all(b" <span class=\"muted\">(")?;
        escape_clipped(w, &metric.unit, 40)?;
        w.write_all(b")</span>")?;
    }
    let better = match metric.report.better {
        Better::Lower => "lower is better",
        Better::Higher => "higher is better",
    };
    writeln!(w, " <span class=\"muted\">{better}</span></h3>")?;
    let s = &overall.summary;
    write!(
        w,
        "<p class=\"where\">{} values in {}; mean {}, p50 {}, p95 {}; trend <b>{}</b> ({})",
        s.count,
        Plural(overall.runs as u64, "run"),
        num(s.mean),
        num(s.p50),
        num(s.p95),
        direction_label(overall.direction),
        change(overall.change_ratio)
    )?;
    if let Some(r) = regression {
        write!(
            w,
            "; latest run {} against a baseline of {} over {}: {}, p = {}",
            num(r.latest_mean),
            num(r.baseline_mean),
            Plural(r.baseline_runs as u64, "run"),
            change(r.change_ratio),
            num(r.p_value)
        )?;
    }
    w.write_all(b"</p>\n")?;

    if metric.buckets.len() > 1 {
        let lo = metric
            .buckets
            .iter()
            .map(|b| b.mean)
            .fold(f64::INFINITY, f64::min);
        let hi = metric
            .buckets
            .iter()
            .map(|b| b.mean)
            .fold(f64::NEG_INFINITY, f64::max);
        let range = nice_range(lo, hi);
        let frame = Frame {
            n: metric.buckets.len(),
            height: 150.0,
        };
        let times: Vec<i64> = metric.buckets.iter().map(|b| b.first_ms).collect();
        let per_run_scale = metric.buckets.len() <= crate::history::MAX_RUN_POINTS
            && metric
                .buckets
                .windows(2)
                .any(|b| b[1].first_ms - b[0].first_ms < 86_400_000);
        open_chart(
            w,
            &frame,
            &format!("{} over time", metric.name),
            range,
            &tick,
            &times,
            per_run_scale,
        )?;
        let means: Vec<Option<f64>> = metric.buckets.iter().map(|b| Some(b.mean)).collect();
        write_line(w, &frame, "t", &means, range)?;
        if let (Some(r), Some(last)) = (regression, metric.buckets.last()) {
            let x = frame.x(metric.buckets.len() - 1);
            let y = frame.y(last.mean, range.0, range.1);
            let class = if r.significant { "f" } else { "p" };
            if r.significant || badge == "improved" {
                writeln!(
                    w,
                    "<circle class=\"mark {class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\"><title>{badge}: \
                     latest run {}, baseline {}, {}</title></circle>",
                    num(r.latest_mean),
                    num(r.baseline_mean),
                    change(r.change_ratio)
                )?;
            }
        }
        write_hover(
            w,
            &frame,
            metric.buckets.iter().map(|b| {
                format!(
                    "{}: mean {} of {} (min {}, max {})",
                    utc_minutes(b.first_ms),
                    num(b.mean),
                    Plural(b.count as u64, "value"),
                    num(b.min),
                    num(b.max)
                )
            }),
        )?;
        w.write_all(b"</svg>\n")?;
    }
    if !metric.regressed_tests.is_empty() {
        w.write_all(
            b"<table class=\"list\"><thead><tr><th>Test regressed in its latest run</th>\
              <th class=\"r\">Baseline</th><th class=\"r\">Latest</th><th class=\"r\">Change</th>\
              <th class=\"r\">p</th></tr></thead><tbody>\n",
        )?;
        for t in &metric.regressed_tests {
            let r = &t.regression;
            w.write_all(b"<tr class=\"f\"><td>")?;
            write_name(w, &t.full_name)?;
            writeln!(
                w,
                "</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td>\
                 <td class=\"r\">{}</td></tr>",
                num(r.baseline_mean),
                num(r.latest_mean),
                change(r.change_ratio),
                num(r.p_value)
            )?;
        }
        w.write_all(b"</tbody></table>\n")?;
    }
    w.write_all(b"</article>\n")
}

// ---------------------------------------------------------------- recent runs

fn write_recent<W: Write>(w: &mut W, data: &DashboardData) -> io::Result<()> {
    w.write_all(
        b"<section id=\"recent\">\n<h2>Latest runs</h2>\n<table class=\"list\"><thead><tr>\
          <th>Started (UTC)</th><th>Status</th><th class=\"r\">Tests</th>\
          <th class=\"r\">Failed</th><th class=\"r\">Duration</th><th>Branch</th><th>Run</th>\
          </tr></thead><tbody>\n",
    )?;
    for r in &data.recent_runs {
        let (class, label) = run_status_badge(r.run.status);
        let started = r.run.started_at_ms.map(utc_minutes).unwrap_or_default();
        write!(
            w,
            "<tr><td>{}</td><td><span class=\"badge {class}\">{label}</span></td>\
             <td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td>",
            started.trim_end_matches(" UTC"),
            r.counts.total,
            r.counts.failed + r.counts.errors,
            Dur(r.run.duration_seconds)
        )?;
        if let Some(branch) = &r.run.branch {
            w.write_all(b"<code>")?;
            escape_clipped(w, branch, 100)?;
            w.write_all(b"</code>")?;
        }
        w.write_all(b"</td><td><code>")?;
        escape_clipped(w, &r.run.run_key, 100)?;
        w.write_all(b"</code></td></tr>\n")?;
    }
    w.write_all(b"</tbody></table>\n</section>\n")
}

// ---------------------------------------------------------------- style

/// The dashboard's rules on top of the run report's stylesheet.
const DASHBOARD_STYLE: &str = r#"
h3{margin-top:14px}
.dc{display:block;width:100%;height:auto;margin:2px 0 6px}
.dc text{font-size:11px;fill:var(--muted)}
.dc .yl{text-anchor:end}
.dc .xl.middle{text-anchor:middle}.dc .xl.end{text-anchor:end}
.grid line{stroke:var(--line);stroke-width:1}
.ln{fill:none;stroke-width:2;stroke-linejoin:round}
.dot{fill:none;stroke-width:6;stroke-linecap:round}
.ln.p,.dot.p{stroke:var(--p)}.ln.t,.dot.t{stroke:#0969da}.ln.s,.dot.s{stroke:#afb8c1}
.bar.p{fill:var(--p)}.bar.k{fill:var(--k)}.bar.s{fill:#afb8c1}.bar.f{fill:var(--f)}.bar.e{fill:var(--e)}
.hov rect{fill:transparent}.hov rect:hover{fill:rgba(9,105,218,.08)}
.mark{fill:none;stroke-width:3}.mark.f{stroke:var(--f)}.mark.p{stroke:var(--p)}
.legend{margin:0;color:var(--muted);font-size:12px}
.legend span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px;vertical-align:-1px}
.sw.p{background:var(--p)}.sw.k{background:var(--k)}.sw.s{background:#afb8c1}.sw.f{background:var(--f)}
.sw.e{background:var(--e)}.sw.t{background:#0969da}
.list td,.list th{vertical-align:middle}
.list .r{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.list .nm{font-weight:600;overflow-wrap:anywhere}
.strip rect.p{fill:var(--p)}.strip rect.f{fill:var(--f)}.strip rect.e{fill:var(--e)}
.strip rect.k{fill:var(--k)}.strip rect.s{fill:#afb8c1}
.spark{display:block}
.metric{margin:12px 0;padding:8px 14px;border:1px solid var(--line);border-left:4px solid #0969da;border-radius:6px}
.metric.f{border-left-color:var(--f)}
.metric h3{margin:0 0 4px}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_axes() {
        assert_eq!(num(14.44), "14.4");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(1234.6), "1235");
        assert_eq!(num(0.12345), "0.123");
        assert_eq!(num(f64::NAN), "\u{2013}");
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.3), 10.0);
        assert_eq!(nice_max(1.2), 2.0);
        assert_eq!(nice_max(230.0), 250.0);
        assert_eq!(change(Some(0.123)), "+12.3%");
        assert_eq!(percent(0.5), "50.0%");
        assert_eq!(tick(120.25, 0.25), "120.25");
        assert_eq!(tick(97.5, 2.5), "97.5");
        assert_eq!(tick(1200.0, 300.0), "1200");
        assert_eq!(tick(30.0, 10.0), "30");
        assert_eq!(tick(-0.0001, 0.01), "0.000");
        assert_eq!(nice_range(9.8, 14.0), (8.0, 16.0));
        assert_eq!(nice_range(120.0, 121.0), (120.0, 121.0));
        assert_eq!(nice_range(32.0, 32.0), (28.0, 36.0));
        assert_eq!(nice_range(f64::NAN, 1.0), (0.0, 1.0));
        assert_eq!(label_indices(3, 7), [0, 1, 2]);
        assert_eq!(label_indices(12, 7), [0, 2, 4, 6, 8, 11]);
        assert_eq!(label_indices(366, 7), [0, 61, 122, 183, 244, 305, 365]);
        assert_eq!(label_indices(0, 7), Vec::<usize>::new());
    }

    #[test]
    fn frame_places_points_in_bands() {
        let f = Frame {
            n: 2,
            height: 100.0,
        };
        assert_eq!(f.x(0), LEFT + (RIGHT - LEFT) / 4.0);
        assert_eq!(f.y(0.0, 0.0, 1.0), 100.0 - AXIS);
        assert_eq!(f.y(1.0, 0.0, 1.0), TOP);
    }
}
