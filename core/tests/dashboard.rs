//! The history dashboard on real SQLite histories built here: what it
//! shows (runs, flakiest and slowest tests, metric regressions, new
//! failures), that every test string is escaped and nothing is loaded, the
//! command line, and the page's size bound at 10 000 runs.
//!
//! With `TESTRELAY_DASHBOARD_SAMPLES=DIR` set, the content and size tests
//! also write their pages into DIR (`scripts/test-dashboard.sh` loads them
//! in Chromium).

use std::path::Path;
use std::process::Command;

use testrelay::history::{Bucketing, DashboardData, DashboardQuery, History, RunRecord};
use testrelay::report::dashboard::write_dashboard;
use testrelay::{Attempt, CaseStatus, Metric, RunStatus, TestCase, TestRun};

const XSS_NAME: &str = "<script>alert(1)</script>";
const XSS_CLASS: &str = "\"><img src=x onerror=alert(2)>";
const XSS_MESSAGE: &str = "expected <b>ok</b></td><script>alert(3)</script>";
const XSS_METRIC: &str = "p99<svg onload=alert(4)>";
/// 2026-11-01T00:00:00Z.
const T0: i64 = 1_793_491_200_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn case(classname: &str, name: &str, status: CaseStatus, secs: f64) -> TestCase {
    let mut c = TestCase::new("suite", classname, name, status);
    c.duration_seconds = secs;
    c.ensure_id();
    c
}

fn meta(key: &str, branch: &str, at: i64, status: RunStatus, secs: f64) -> RunRecord {
    RunRecord {
        run_key: key.into(),
        name: "unit".into(),
        provider: "local".into(),
        branch: Some(branch.into()),
        commit_sha: Some(format!("sha-{key}")),
        status,
        started_at_ms: Some(at),
        finished_at_ms: Some(at + (secs * 1000.0) as i64),
        duration_seconds: secs,
        ..RunRecord::default()
    }
}

fn metric(name: &str, value: f64, unit: &str, test_id: Option<&str>, at: i64) -> Metric {
    Metric {
        name: name.into(),
        value,
        unit: unit.into(),
        test_id: test_id.map(str::to_string),
        recorded_at: testrelay::time::format_rfc3339(at),
    }
}

/// Twelve runs on `main` an hour apart, then one pull-request run on
/// `feature`:
/// - `pkg.Calc.test_add` always passes;
/// - `pkg.Net.test_fetch` alternates between passing and failing;
/// - the test named [`XSS_NAME`] passes only on a rerun every third run;
/// - `pkg.Slow.test_import` is the slowest, 5 s growing by 0.5 s a run;
/// - a test of classname [`XSS_CLASS`] fails for the first time in the
///   last `main` run, with [`XSS_MESSAGE`];
/// - `build_time` is about 10 s, then 14 s in the last `main` run (a
///   regression); [`XSS_METRIC`] is steady.
fn build_history(path: &Path) -> History {
    let mut h = History::open(path).unwrap();
    for i in 0..12 {
        let at = T0 + i * HOUR;
        let last = i == 11;
        let mut cases = vec![
            case("pkg.Calc", "test_add", CaseStatus::Passed, 0.1),
            case(
                "pkg.Net",
                "test_fetch",
                if i % 2 == 0 {
                    CaseStatus::Passed
                } else {
                    CaseStatus::Failed
                },
                0.4,
            ),
            case(
                "pkg.Slow",
                "test_import",
                CaseStatus::Passed,
                5.0 + 0.5 * i as f64,
            ),
            case(
                XSS_CLASS,
                "test_render",
                if last {
                    CaseStatus::Failed
                } else {
                    CaseStatus::Passed
                },
                0.2,
            ),
        ];
        if last {
            cases[3].message = Some(XSS_MESSAGE.into());
        }
        let mut xss = case("", XSS_NAME, CaseStatus::Passed, 0.3);
        if i % 3 == 0 {
            xss.status = CaseStatus::Flaky;
            xss.attempts = vec![Attempt {
                status: CaseStatus::Failed,
                duration_seconds: 0.3,
                message: Some(XSS_MESSAGE.into()),
                ..Attempt::default()
            }];
        }
        cases.push(xss);
        let failed = cases.iter().any(|c| c.status.is_failure());
        let key = format!("main-{i:02}");
        let build_time = if last {
            14.0
        } else {
            10.0 + [0.1, -0.2, 0.15, 0.0][i as usize % 4]
        };
        let slow_id = cases[2].id.clone();
        let run = TestRun {
            run_key: key.clone(),
            cases,
            metrics: vec![
                metric("build_time", build_time, "s", None, at),
                metric(XSS_METRIC, 120.0 + (i % 2) as f64, "ms", Some(&slow_id), at),
            ],
            ..TestRun::default()
        };
        let status = if failed {
            RunStatus::Failed
        } else {
            RunStatus::Passed
        };
        h.record_run(&meta(&key, "main", at, status, 6.0 + i as f64), &run)
            .unwrap();
    }
    // A pull request into main, started before the last main run.
    let mut pr = meta(
        "feature-1",
        "feature",
        T0 + 10 * HOUR + 60_000,
        RunStatus::Passed,
        5.0,
    );
    pr.pr_number = Some(7);
    pr.base_branch = Some("main".into());
    let run = TestRun {
        run_key: "feature-1".into(),
        cases: vec![case("pkg.Calc", "test_add", CaseStatus::Passed, 0.1)],
        ..TestRun::default()
    };
    h.record_run(&pr, &run).unwrap();
    h
}

fn render(data: &DashboardData) -> String {
    let mut out = Vec::new();
    write_dashboard(data, T0 + 30 * DAY, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Writes `html` as `name` into `TESTRELAY_DASHBOARD_SAMPLES` when set.
fn keep_sample(name: &str, html: &str) {
    if let Some(dir) = std::env::var_os("TESTRELAY_DASHBOARD_SAMPLES") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(name), html).unwrap();
    }
}

/// The elements the page may have: text, tables and inline SVG.
const ALLOWED_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "nav",
    "section", "article", "h1", "h2", "h3", "p", "div", "span", "b", "i", "small", "code", "time",
    "a", "table", "thead", "tbody", "tr", "th", "td", "svg", "g", "line", "text", "path", "rect",
    "circle",
];

/// The `name="value"` attributes of a tag after its name (the page
/// always quotes values, and escapes quotes inside them).
fn attributes(mut rest: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        let end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(end);
        match after.strip_prefix("=\"") {
            Some(quoted) => {
                let close = quoted.find('"').expect("attribute value is closed");
                out.push((name, &quoted[..close]));
                rest = &quoted[close + 1..];
            }
            None => {
                out.push((name, ""));
                rest = after;
            }
        }
    }
}

/// Nothing in `html` can run or load: every tag is one of
/// [`ALLOWED_TAGS`], no attribute is an event handler or a source, links
/// stay within the page, no URL or style import anywhere; the policy
/// forbids fetching and scripts and names the one stylesheet's hash.
fn assert_self_contained(html: &str) {
    for piece in html.split('<').skip(1) {
        let tag = &piece[..piece.find('>').expect("every tag is closed")];
        let tag = tag.strip_prefix('/').unwrap_or(tag).to_lowercase();
        let name = tag.split_whitespace().next().unwrap_or("");
        assert!(ALLOWED_TAGS.contains(&name), "element <{tag}>");
        for (attr, value) in attributes(&tag[name.len()..]) {
            assert!(!attr.starts_with("on"), "handler in <{tag}>");
            assert!(
                !matches!(attr, "src" | "srcset" | "style" | "xlink:href"),
                "<{tag}>"
            );
            if attr == "href" {
                assert!(value.starts_with('#'), "link out of the page: <{tag}>");
            }
        }
    }
    let lower = html.to_lowercase();
    for banned in ["http://", "https://", "url(", "@import", "javascript:"] {
        assert!(!lower.contains(banned), "the page contains {banned:?}");
    }
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'sha256-"
    ));
    assert!(html.contains("script-src 'none'; base-uri 'none'; form-action 'none'\">"));
    // Exactly one stylesheet, whose hash the policy names.
    assert_eq!(html.matches("<style>").count(), 1);
    let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    use sha2::Digest;
    let digest = sha2::Sha256::digest(style.as_bytes());
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest);
    assert!(html.contains(&format!("style-src 'sha256-{b64}'")));
}

#[test]
fn shows_runs_flaky_slowest_metrics_and_new_failures() {
    let dir = tempfile::tempdir().unwrap();
    let h = build_history(&dir.path().join("history.db"));
    let data = h.dashboard_data(&DashboardQuery::default()).unwrap();

    // Runs over time: thirteen runs, one point each.
    assert_eq!(data.total_runs, 13);
    assert_eq!(data.distinct_tests, 5);
    assert_eq!(data.bucketing, Bucketing::PerRun);
    assert_eq!(data.points.len(), 13);
    assert_eq!(data.points[0].counts.total, 5);
    assert_eq!(data.points[0].pass_rate(), Some(1.0));
    assert_eq!(data.points[1].pass_rate(), Some(0.8));
    assert_eq!(data.points.iter().map(|p| p.failed_runs).sum::<u64>(), 6);

    // Flakiest: the alternating test scores 1, the rerun test after it.
    let flaky: Vec<(&str, f64)> = data
        .flaky
        .iter()
        .map(|f| (f.test.full_name.as_str(), f.test.score))
        .collect();
    assert_eq!(flaky[0], ("pkg.Net.test_fetch", 1.0));
    assert_eq!(flaky[1].0, XSS_NAME);
    assert!(flaky[1].1 > 0.9);
    assert_eq!(flaky.len(), 3, "{flaky:?}");
    assert_eq!(data.flaky[0].recent.len(), 12);
    assert_eq!(data.flaky[0].recent[1], (CaseStatus::Failed, false));
    assert_eq!(data.flaky[1].recent[0], (CaseStatus::Flaky, true));

    // Slowest, with its duration per run.
    assert_eq!(data.slowest[0].full_name, "pkg.Slow.test_import");
    assert_eq!(data.slowest[0].runs, 12);
    assert_eq!(data.slowest[0].series.len(), 13);
    assert_eq!(data.slowest[0].series[0], Some(5.0));
    assert_eq!(data.slowest[0].series[11], None, "the feature run lacks it");
    assert_eq!(data.slowest[0].series[12], Some(10.5));

    // Metrics: build_time regressed in the last run, the other did not.
    assert_eq!(data.metrics_total, 2);
    let build = data
        .metrics
        .iter()
        .find(|m| m.name == "build_time")
        .unwrap();
    let regression = build.report.overall.as_ref().unwrap().regression.as_ref();
    assert!(regression.unwrap().significant);
    assert_eq!(regression.unwrap().latest_run_key, "main-11");
    assert_eq!(build.buckets.len(), 12);
    let steady = data.metrics.iter().find(|m| m.name == XSS_METRIC).unwrap();
    assert!(
        !steady
            .report
            .overall
            .as_ref()
            .unwrap()
            .regression
            .as_ref()
            .unwrap()
            .significant
    );
    assert!(steady.regressed_tests.is_empty());

    // New failures: the last main run against the one before it.
    let cmp = data.comparison.as_ref().unwrap();
    assert_eq!(cmp.run.run.run_key, "main-11");
    assert_eq!(cmp.base.as_ref().unwrap().run.run_key, "main-10");
    let new: Vec<&str> = cmp
        .diff
        .as_ref()
        .unwrap()
        .new_failures
        .iter()
        .map(|e| e.full_name.as_str())
        .collect();
    assert_eq!(
        new,
        [
            format!("{XSS_CLASS}.test_render").as_str(),
            "pkg.Net.test_fetch"
        ]
    );

    let html = render(&data);
    keep_sample("dashboard-small.html", &html);
    assert_self_contained(&html);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    for shown in [
        "<h2>Runs over time <span class=\"muted\">(13 runs, one point per run)</span></h2>",
        "<span class=\"nm\">pkg.Net.test_fetch</span>",
        "<span class=\"nm\">pkg.Slow.test_import</span></td><td class=\"r\">7.8s</td>\
         <td class=\"r\">10.5s</td><td class=\"r\">12</td>",
        "<span class=\"badge f\">regression</span> <span class=\"nm\">build_time</span>",
        "<circle class=\"mark f\"",
        "<code>main-11</code> on <code>main</code> compared with <code>main-10</code> on \
         <code>main</code>: 2 new failures",
        "<span class=\"n\">13</span><span class=\"l\">runs</span>",
        "passed only on a rerun in 4 runs",
    ] {
        assert!(html.contains(shown), "missing {shown}");
    }
    // Hostile strings appear only escaped.
    assert!(html.contains("<span class=\"nm\">&lt;script&gt;alert(1)&lt;/script&gt;</span>"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.test_render"));
    assert!(html.contains(
        "<small>expected &lt;b&gt;ok&lt;/b&gt;&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;</small>"
    ));
    assert!(html.contains("p99&lt;svg onload=alert(4)&gt;"));
    for raw in [XSS_NAME, XSS_CLASS, XSS_MESSAGE, XSS_METRIC, "<b>ok"] {
        assert!(!html.contains(raw), "{raw} unescaped");
    }
    // The charts have one path per series, not one element per case.
    assert_eq!(html.matches("<path class=\"bar ").count(), 3);
}

#[test]
fn branch_since_and_base_select_what_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let h = build_history(&dir.path().join("history.db"));

    // Only the feature branch: its pull request compares with main.
    let feature = h
        .dashboard_data(&DashboardQuery {
            branch: Some("refs/heads/feature".into()),
            ..DashboardQuery::default()
        })
        .unwrap();
    assert_eq!(feature.total_runs, 1);
    assert!(feature.flaky.is_empty());
    assert!(feature.metrics.is_empty());
    let cmp = feature.comparison.as_ref().unwrap();
    // main-10 started a minute before the pull request's run.
    assert_eq!(cmp.base.as_ref().unwrap().run.run_key, "main-10");
    let html = render(&feature);
    assert!(html.contains("<title>Test history \u{2014} refs/heads/feature</title>"));
    assert!(html.contains("No test changed outcome or passed only on a rerun."));
    assert!(html.contains("No performance metrics recorded in these runs."));

    // The last three hours of main, compared with an explicit base.
    let recent = h
        .dashboard_data(&DashboardQuery {
            branch: Some("main".into()),
            since_ms: Some(T0 + 9 * HOUR),
            base_branch: Some("main".into()),
            top: 1,
            ..DashboardQuery::default()
        })
        .unwrap();
    assert_eq!(recent.total_runs, 3);
    assert_eq!(recent.slowest.len(), 1);
    assert_eq!(recent.flaky.len(), 1);
    assert_eq!(recent.flaky[0].recent.len(), 3);
    assert_eq!(recent.metrics.len(), 1);
    assert_eq!(recent.metrics_total, 2);
    assert_eq!(
        recent
            .comparison
            .as_ref()
            .unwrap()
            .base
            .as_ref()
            .unwrap()
            .run
            .run_key,
        "main-10"
    );

    // Nothing selected: a page that says so.
    let none = h
        .dashboard_data(&DashboardQuery {
            since_ms: Some(T0 + 400 * DAY),
            ..DashboardQuery::default()
        })
        .unwrap();
    assert_eq!(none.total_runs, 0);
    assert!(none.points.is_empty() && none.comparison.is_none());
    let html = render(&none);
    assert_self_contained(&html);
    assert!(html.contains("No finished runs match this selection."));

    for bad in [
        DashboardQuery {
            top: 0,
            ..DashboardQuery::default()
        },
        DashboardQuery {
            flaky_window: 0,
            ..DashboardQuery::default()
        },
    ] {
        let err = h.dashboard_data(&bad).unwrap_err();
        assert_eq!(err.kind(), testrelay::ErrorKind::InvalidArgument);
    }
}

/// 10 000 runs over 400 days (25 a day) of 20 tests with 200-byte hostile
/// names, statuses that vary, a metric per run, then one run of 100 000
/// tests of which 5 000 fail for the first time.
fn build_big_history(path: &Path) -> History {
    let mut h = History::open(path).unwrap();
    let long = "x".repeat(180);
    let name = |j: usize| format!("{XSS_NAME}{long}_{j:02}");
    for i in 0..10_000usize {
        let at = T0 - 400 * DAY + (i as i64) * (DAY / 25);
        let cases: Vec<TestCase> = (0..20)
            .map(|j| {
                let status = match (i * 7 + j * 13) % 97 {
                    0 => CaseStatus::Failed,
                    1 => CaseStatus::Error,
                    2 => CaseStatus::Skipped,
                    3 => CaseStatus::Flaky,
                    _ => CaseStatus::Passed,
                };
                case(
                    XSS_CLASS,
                    &name(j),
                    status,
                    0.01 * (j + 1) as f64 + (i % 10) as f64 * 0.001,
                )
            })
            .collect();
        let key = format!("run-{i:05}");
        let run = TestRun {
            run_key: key.clone(),
            metrics: vec![metric(
                "suite_seconds",
                30.0 + (i % 5) as f64,
                "s",
                None,
                at,
            )],
            cases,
            ..TestRun::default()
        };
        h.record_run(&meta(&key, "main", at, RunStatus::Passed, 30.0), &run)
            .unwrap();
    }
    let cases: Vec<TestCase> = (0..100_000usize)
        .map(|j| {
            let status = if j % 20 == 0 {
                CaseStatus::Failed
            } else {
                CaseStatus::Passed
            };
            let mut c = case(XSS_CLASS, &format!("{long}_wide_{j}"), status, 0.001);
            if status == CaseStatus::Failed {
                c.message = Some(format!("{XSS_MESSAGE} {}", "m".repeat(2000)));
            }
            c
        })
        .collect();
    let run = TestRun {
        run_key: "wide".into(),
        cases,
        ..TestRun::default()
    };
    h.record_run(&meta("wide", "main", T0, RunStatus::Failed, 60.0), &run)
        .unwrap();
    h
}

/// The bound the module documents: under 2 MB, whatever the history holds.
const PAGE_LIMIT_BYTES: usize = 2 * 1024 * 1024;

#[test]
fn ten_thousand_runs_and_a_hundred_thousand_tests_stay_under_two_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let h = build_big_history(&dir.path().join("history.db"));
    let data = h.dashboard_data(&DashboardQuery::default()).unwrap();
    assert_eq!(data.total_runs, 10_001);
    assert_eq!(data.distinct_tests, 100_020);
    // 401 days in 366 points at most: two days a point.
    assert_eq!(data.bucketing, Bucketing::Days(2));
    assert!(data.points.len() <= 366, "{}", data.points.len());
    assert_eq!(data.points.iter().map(|p| p.runs).sum::<u64>(), 10_001);
    assert_eq!(data.slowest.len(), 20);
    assert!((1..=20).contains(&data.flaky.len()));
    let diff = data.comparison.as_ref().unwrap().diff.as_ref().unwrap();
    assert_eq!(diff.new_failures.len(), 5_000);

    let html = render(&data);
    keep_sample("dashboard-10k-runs.html", &html);
    assert!(
        html.len() < PAGE_LIMIT_BYTES,
        "the page is {} bytes",
        html.len()
    );
    assert_self_contained(&html);
    assert!(html.contains("(10001 runs, one point per 2 days)"));
    assert!(html.contains("\u{2026} and 4800 more; the run's own report lists them all."));
    // Elements per chart are bounded by points, not by runs or cases.
    assert!(html.matches("<rect").count() < 4 * 366 + 20 * 30 + 10);
    assert!(!html.contains(XSS_NAME));
}

/// Runs the CLI in `dir` with the machine's CI variables cleared.
fn testrelay(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .current_dir(dir)
        .args(args)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .unwrap()
}

#[test]
fn the_command_writes_the_page_into_the_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    drop(build_history(&dir.path().join("history.db")));
    let out = testrelay(
        dir.path(),
        &[
            "dashboard",
            "--history",
            "history.db",
            "--output",
            "site",
            "--branch",
            "main",
            "--since",
            "2026-11-01",
            "--top",
            "5",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Wrote site/dashboard.html (12 runs, 5 tests, 3 flaky, 2 metrics)."),
        "{stdout}"
    );
    let html = std::fs::read_to_string(dir.path().join("site/dashboard.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<title>Test history \u{2014} main</title>"));
    assert!(html.contains("Branch <code>main</code>"));

    // Errors are user errors (exit 2) that say what to do.
    let missing = testrelay(dir.path(), &["dashboard", "--history", "nope.db"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no history at nope.db"));
    let bad_since = testrelay(
        dir.path(),
        &["dashboard", "--history", "history.db", "--since", "lately"],
    );
    assert_eq!(bad_since.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_since.stderr).contains("--since \"lately\""));
    let zero = testrelay(
        dir.path(),
        &["dashboard", "--history", "history.db", "--top", "0"],
    );
    assert_eq!(zero.status.code(), Some(2));
    assert!(!dir.path().join("test_results").exists());
}
