//! The HTML report: escaping, self-containment, structure, counts and size.

use std::collections::BTreeMap;

use testrelay::report::html::write_html;
use testrelay::{Attempt, CaseStatus, RunStatus, SuiteInfo, TestCase, TestRun};

const XSS_NAME: &str = "<script>alert(1)</script>";
const XSS_MESSAGE: &str = "</pre><img src=x onerror=alert(1)>";

fn case(suite: &str, class: &str, name: &str, status: CaseStatus, secs: f64) -> TestCase {
    let mut c = TestCase::new(suite, class, name, status);
    c.duration_seconds = secs;
    c
}

/// Three suites, mixed results, failures with traces and output, a flaky
/// test with attempts, properties, and hostile strings.
fn realistic_run() -> TestRun {
    let mut cases = Vec::new();

    let mut login = case(
        "api",
        "tests.api.test_auth",
        "test_login_rejects_expired_token",
        CaseStatus::Failed,
        0.412,
    );
    login.file = Some("tests/api/test_auth.py".into());
    login.line = Some(87);
    login.message = Some("AssertionError: expected status 401, got 200".into());
    login.details = Some(
        "Traceback (most recent call last):\n  File \"tests/api/test_auth.py\", line 87, in \
         test_login_rejects_expired_token\n    assert resp.status == 401\n\
         AssertionError: expected status 401, got 200"
            .into(),
    );
    login.stdout = Some("POST /login -> 200\nsee https://example.invalid/docs\n".into());
    login.stderr = Some("WARNING: token clock skew 3600s\n".into());
    login.properties = BTreeMap::from([("owner".to_string(), "auth-team".to_string())]);
    cases.push(login);
    cases.push(case(
        "api",
        "tests.api.test_auth",
        "test_login_ok",
        CaseStatus::Passed,
        0.120,
    ));
    cases.push(case(
        "api",
        "tests.api.test_auth",
        "test_logout",
        CaseStatus::Passed,
        0.080,
    ));
    let mut skipped = case(
        "api",
        "tests.api.test_admin",
        "test_purge",
        CaseStatus::Skipped,
        0.0,
    );
    skipped.message = Some("requires admin credentials".into());
    cases.push(skipped);

    let mut xss = case("ui", "", XSS_NAME, CaseStatus::Error, 1.5);
    xss.message = Some(XSS_MESSAGE.into());
    xss.details = Some("at render (ui.js:10:3)\u{0}\u{7}\nat main (ui.js:1:1)".into());
    cases.push(xss);
    let mut flaky = case(
        "ui",
        "ui.widgets",
        "test_dropdown_opens",
        CaseStatus::Flaky,
        2.25,
    );
    flaky.attempts = vec![
        Attempt {
            status: CaseStatus::Failed,
            duration_seconds: 5.0,
            message: Some("TimeoutError: dropdown did not open within 5000ms".into()),
            ..Attempt::default()
        },
        Attempt {
            status: CaseStatus::Failed,
            duration_seconds: 5.0,
            message: Some("TimeoutError: dropdown did not open within 5000ms".into()),
            ..Attempt::default()
        },
    ];
    cases.push(flaky);
    for i in 0..6 {
        cases.push(case(
            "ui",
            "ui.widgets",
            &format!("test_button_{i}"),
            CaseStatus::Passed,
            0.05 * f64::from(i + 1),
        ));
    }

    for i in 0..8 {
        cases.push(case(
            "storage",
            "storage::tests",
            &format!("roundtrip_{i}"),
            CaseStatus::Passed,
            0.01 * f64::from(i + 1),
        ));
    }
    let mut corrupt = case(
        "storage",
        "storage::tests",
        "detects_corrupt_page",
        CaseStatus::Failed,
        3.75,
    );
    corrupt.file = Some("src/storage.rs".into());
    corrupt.line = Some(412);
    corrupt.message = Some("assertion `left == right` failed\n  left: 0\n right: 1".into());
    corrupt.details = Some(
        "thread 'storage::tests::detects_corrupt_page' panicked at src/storage.rs:412:9".into(),
    );
    cases.push(corrupt);

    TestRun {
        run_key: "gh-1234-1".into(),
        name: "CI \"nightly\" & <friends>".into(),
        status: RunStatus::Failed,
        started_at: Some("2026-11-21T23:18:24.123Z".into()),
        finished_at: Some("2026-11-21T23:20:01.500Z".into()),
        duration_seconds: 97.377,
        cases,
        suites: vec![SuiteInfo {
            name: "storage".into(),
            hostname: Some("runner-7".into()),
            timestamp: Some("2026-11-21T23:18:30".into()),
            properties: BTreeMap::from([("db".to_string(), "sqlite 'wal'".to_string())]),
            ..SuiteInfo::default()
        }],
        metrics: Vec::new(),
        properties: BTreeMap::from([
            ("branch".to_string(), "main".to_string()),
            ("commit".to_string(), "0123abcd".to_string()),
            ("link".to_string(), "http://ci.invalid/job/1".to_string()),
        ]),
    }
}

fn render(run: &TestRun) -> String {
    let mut out = Vec::new();
    write_html(run, &mut out).expect("writing to a Vec succeeds");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// One tag of the document: its name, whether it closes, and its raw text.
struct Tag<'a> {
    name: String,
    closing: bool,
    raw: &'a str,
}

/// Splits the document into tags, skipping the raw text of `<script>` and
/// `<style>`. Fails on a `<` that does not start a tag (text must be escaped)
/// and on a tag without `>`.
fn tags(html: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut offset = 0;
    while let Some(lt) = rest.find('<') {
        let at = offset + lt;
        let after = &html[at + 1..];
        let gt = after
            .find('>')
            .unwrap_or_else(|| panic!("unterminated tag at byte {at}"));
        let raw = &html[at..at + 1 + gt + 1];
        let first = after.chars().next().unwrap_or(' ');
        assert!(
            first.is_ascii_alphabetic() || first == '/' || first == '!',
            "unescaped '<' at byte {at}: {raw}"
        );
        let closing = first == '/';
        let name: String = after[usize::from(closing)..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        let mut next = at + 1 + gt + 1;
        if !closing && (name == "script" || name == "style") {
            let end = format!("</{name}>");
            let close = html[next..]
                .find(&end)
                .unwrap_or_else(|| panic!("<{name}> without {end}"));
            next += close;
        }
        out.push(Tag { name, closing, raw });
        offset = next;
        rest = &html[next..];
    }
    out
}

const VOID: &[&str] = &["!doctype", "meta", "input"];
const ALLOWED: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
    "h3", "p", "span", "small", "b", "time", "code", "div", "details", "summary", "dl", "dt", "dd",
    "input", "label", "section", "article", "pre", "table", "thead", "tbody", "tr", "th", "td",
    "svg", "g", "title", "text", "rect", "script", "nav", "a",
];

/// Every element is known, closed, and properly nested.
fn assert_balanced(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    for tag in tags(html) {
        assert!(
            ALLOWED.contains(&tag.name.as_str()),
            "unexpected element: {}",
            tag.raw
        );
        if tag.closing {
            let open = stack.pop();
            assert_eq!(
                open.as_deref(),
                Some(tag.name.as_str()),
                "mismatched {}",
                tag.raw
            );
        } else if !VOID.contains(&tag.name.as_str()) {
            stack.push(tag.name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}

/// Every `&` starts one of the five entities the escaper writes.
fn assert_entities_valid(html: &str) {
    let html = &html[..html.find("<script>").unwrap_or(html.len())];
    for (i, _) in html.match_indices('&') {
        let rest = &html[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare '&' at byte {i}: {}",
            &rest[..rest.len().min(20)]
        );
    }
}

#[test]
fn hostile_strings_appear_only_escaped() {
    let html = render(&realistic_run());
    assert!(!html.contains(XSS_NAME));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains(XSS_MESSAGE));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("<h1>CI &quot;nightly&quot; &amp; &lt;friends&gt;</h1>"));
    assert!(html.contains("<dd>sqlite &#39;wal&#39;</dd>"));
    // Control characters are dropped, newlines kept.
    assert!(html.contains("at render (ui.js:10:3)\nat main (ui.js:1:1)"));
    assert_eq!(html.matches("<script").count(), 1);
    assert_entities_valid(&html);
}

#[test]
fn nothing_points_outside_the_document() {
    let html = render(&realistic_run());
    let mut links = 0;
    for tag in tags(&html) {
        let raw = tag.raw.to_ascii_lowercase();
        for attr in [" src=", " xlink:href=", " action=", " srcset=", " poster="] {
            assert!(!raw.contains(attr), "external reference in {}", tag.raw);
        }
        // Links only jump within the page.
        for (i, _) in raw.match_indices(" href=") {
            assert!(raw[i..].starts_with(" href=\"#"), "{}", tag.raw);
            links += 1;
        }
        assert!(
            !raw.contains("http://") && !raw.contains("https://"),
            "{}",
            tag.raw
        );
        assert!(!raw.contains("url("), "{}", tag.raw);
    }
    assert_eq!(links, 4);
    assert!(html.contains(
        "<nav class=\"toc\"><a href=\"#failures\">Failures (3)</a> \
         <a href=\"#flaky\">Flaky tests (1)</a> <a href=\"#slowest\">Slowest tests</a> \
         <a href=\"#suites\">Suites (3)</a></nav>"
    ));
    assert!(!html.contains("<link"));
    assert!(!html.contains("@import"));
    assert!(!html.contains("url("));
    // The URLs in the run are shown as text only.
    assert!(html.contains("<dd>http://ci.invalid/job/1</dd>"));
    assert!(html.contains("see https://example.invalid/docs"));
    // Fetching anything is forbidden by the page's own policy.
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"
    ));
}

#[test]
fn structure_is_balanced() {
    let html = render(&realistic_run());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    assert_balanced(&html);
    assert_eq!(html.matches("<details class=\"suite\"").count(), 3);
    // Suites with failures or errors are open, the others collapsed.
    assert_eq!(html.matches("<details class=\"suite\" open>").count(), 3);
    // Failures come before flaky tests, the chart and the suites.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("missing {s}"));
    assert!(at("id=\"failures\"") < at("id=\"flaky\""));
    assert!(at("id=\"flaky\"") < at("id=\"slowest\""));
    assert!(at("id=\"slowest\"") < at("id=\"suites\""));
}

#[test]
fn passing_suites_are_collapsed() {
    let mut run = realistic_run();
    run.cases
        .retain(|c| c.suite != "ui" || c.status == CaseStatus::Passed);
    let html = render(&run);
    assert_balanced(&html);
    assert_eq!(html.matches("<details class=\"suite\" open>").count(), 2);
    assert_eq!(html.matches("<details class=\"suite\">").count(), 1);
    assert!(html.contains(
        "<details class=\"suite\">\n<summary><span class=\"badge p\">pass</span> \
         <span class=\"sn\">ui</span> <span class=\"sc\">6 tests \u{b7} \
         <span class=\"c p\">6 passed</span>"
    ));
}

#[test]
fn counts_match_the_run() {
    let run = realistic_run();
    let c = run.counts();
    assert_eq!(
        (c.total, c.passed, c.failed, c.errors, c.skipped, c.flaky),
        (21, 16, 2, 1, 1, 1)
    );
    let html = render(&run);
    for (n, label) in [
        (21, "total"),
        (16, "passed"),
        (2, "failed"),
        (1, "errors"),
        (1, "skipped"),
        (1, "flaky"),
    ] {
        let tile = format!("<span class=\"n\">{n}</span><span class=\"l\">{label}</span>");
        assert_eq!(html.matches(&tile).count(), 1, "{tile}");
    }
    assert!(html.contains("<span class=\"n\">1m 37s</span><span class=\"l\">duration</span>"));
    assert!(html.contains("<span class=\"badge f\">failed</span>"));
    assert!(html.contains(
        "<span>Started <time datetime=\"2026-11-21T23:18:24.123Z\">2026-11-21 23:18:24 UTC</time></span>"
    ));
    assert!(html.contains(
        "<p class=\"where\">Host <code>runner-7</code> \u{b7} Started \
         <time datetime=\"2026-11-21T23:18:30\">2026-11-21 23:18:30 UTC</time></p>"
    ));
    // Skip reasons are shown under the name.
    assert!(html.contains(
        "<tr class=\"s\"><td>tests.api.test_admin.test_purge<small>requires admin credentials</small></td>"
    ));
    assert!(html.contains("<h2>Failures <span class=\"muted\">(3)</span></h2>"));
    assert_eq!(html.matches("<article class=\"case f\">").count(), 2);
    assert_eq!(html.matches("<article class=\"case e\">").count(), 1);
    assert_eq!(html.matches("<article class=\"case k\">").count(), 1);
    // One row per case in the suite tables.
    assert_eq!(html.matches("<tr class=\"").count(), 21);
    assert_eq!(html.matches("<tr class=\"f\">").count(), 2);
    assert_eq!(html.matches("<tr class=\"k\">").count(), 1);
    assert!(html.contains(
        "<span class=\"sn\">api</span> <span class=\"sc\">4 tests \u{b7} \
         <span class=\"c p\">2 passed</span> \u{b7} <span class=\"c f\">1 failed</span> \u{b7} \
         <span class=\"c s\">1 skipped</span> \u{b7} 612ms</span>"
    ));
    // The failure card has its location, message and collapsible output.
    assert!(html.contains(
        "<span class=\"nm\">tests.api.test_auth.test_login_rejects_expired_token</span></h3>\n\
         <p class=\"where\">Suite <b>api</b> \u{b7} <code>tests/api/test_auth.py:87</code> \u{b7} 412ms</p>"
    ));
    assert!(html.contains("<details class=\"out\"><summary>stderr"));
    // Flaky test: two failed attempts, then the final pass.
    assert!(html.contains("<tr><td>2</td><td class=\"st f\">failed</td><td>5.0s</td>"));
    assert!(html.contains("<tr><td>3 (final)</td><td class=\"st p\">passed</td><td>2.3s</td>"));
    // Chart: one bar per case with a duration, up to 20.
    assert_eq!(html.matches("<rect ").count(), 20);
    assert!(html.contains("class=\"val\">3.8s \u{b7} failed</text>"));
}

#[test]
fn empty_run_renders() {
    let html = render(&TestRun::default());
    assert_balanced(&html);
    assert!(html.contains("<h1>Test run</h1>"));
    assert!(html.contains("No failed or errored tests."));
    assert!(!html.contains("id=\"slowest\""));
    assert!(!html.contains("id=\"suites\""));
    assert!(html.contains("<nav class=\"toc\"><a href=\"#failures\">Failures (0)</a></nav>"));
}

#[test]
fn unparsable_timestamps_are_shown_as_given() {
    let run = TestRun {
        started_at: Some("yesterday <noon>".into()),
        ..TestRun::default()
    };
    let html = render(&run);
    assert!(html.contains(
        "Started <time datetime=\"yesterday &lt;noon&gt;\">yesterday &lt;noon&gt;</time>"
    ));
}

/// A writer that always fails, like a full disk.
struct FullDisk;

impl std::io::Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("no space left on device"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_failures_are_io_errors() {
    let err = write_html(&realistic_run(), FullDisk).expect_err("the writer fails");
    assert_eq!(err.kind(), testrelay::ErrorKind::Io);
    assert_eq!(
        err.message(),
        "writing the HTML report failed: no space left on device; check that the output \
         location is writable and has free space"
    );
}

#[test]
fn long_output_is_clipped() {
    let mut run = realistic_run();
    run.cases[0].details = Some("x".repeat(100_000));
    run.cases[0].stdout = Some(format!("{}END", "y".repeat(50_000)));
    let html = render(&run);
    assert_balanced(&html);
    assert!(html.contains(&format!(
        "{}<span class=\"clip\">\n… 83616 more bytes not shown</span>",
        "x".repeat(100)
    )));
    assert!(html.contains("<span class=\"clip\">… 41811 earlier bytes not shown\n</span>"));
    assert!(html.contains("yyyEND</pre>"));
    assert!(!html.contains(&"x".repeat(16_385)));
}

/// 100 000 cases: 300 suites of 250 (every case listed) and one suite of
/// 25 000 (only non-passed and the 50 slowest passed listed). 2% fail with
/// a 3 KB trace and 1 KB of stdout, 1% are flaky, 3% skipped. Documented
/// bound: under 30 MB (it is about 10 MB).
#[test]
fn hundred_thousand_cases_stay_under_30_mb() {
    let trace = "  at com.example.service.Handler.process(Handler.java:123)\n".repeat(50);
    let stdout = "INFO request handled in 12ms\n".repeat(36);
    let mut cases = Vec::with_capacity(100_000);
    let mut big_suite_non_passed = 0;
    for i in 0..100_000u32 {
        let suite = if i < 75_000 {
            format!("module_{:03}", i / 250)
        } else {
            "integration".to_string()
        };
        let status = match i % 100 {
            0 | 50 => CaseStatus::Failed,
            25 => CaseStatus::Flaky,
            10 | 40 | 70 => CaseStatus::Skipped,
            _ => CaseStatus::Passed,
        };
        if i >= 75_000 && status != CaseStatus::Passed {
            big_suite_non_passed += 1;
        }
        let mut c = TestCase {
            suite,
            classname: format!("com.example.module{}.FeatureTest", i / 250),
            name: format!("test_case_{i}_handles_input"),
            status,
            duration_seconds: f64::from(i % 997) / 100.0,
            ..TestCase::default()
        };
        if status == CaseStatus::Failed {
            c.message = Some(format!("expected 200 but was 500 in case {i}"));
            c.details = Some(trace.clone());
            c.stdout = Some(stdout.clone());
        }
        if status == CaseStatus::Flaky {
            c.attempts = vec![Attempt {
                status: CaseStatus::Failed,
                duration_seconds: 1.0,
                message: Some("connection reset".into()),
                ..Attempt::default()
            }];
        }
        cases.push(c);
    }
    let run = TestRun {
        name: "big".into(),
        status: RunStatus::Failed,
        cases,
        ..TestRun::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.html");
    let file = std::fs::File::create(&path).expect("create report file");
    write_html(&run, file).expect("write report");
    let size = std::fs::metadata(&path).expect("report metadata").len();
    assert!(size < 30 * 1024 * 1024, "report is {size} bytes");
    let html = std::fs::read_to_string(&path).expect("read report");
    assert_eq!(big_suite_non_passed, 1500);
    assert_eq!(html.matches("<tr class=\"").count(), 75_000 + 1500 + 50);
    assert!(html.contains("<p class=\"note\">23450 more passed tests not listed"));
    assert!(html.contains(
        "<h2>Failures <span class=\"muted\">(2000)</span></h2>\n<p class=\"note\">The first \
         200 are shown in full; 1800 more are marked in their suite tables below.</p>"
    ));
    assert!(html.contains(
        "<h2>Flaky tests <span class=\"muted\">(1000)</span></h2>\n<p class=\"note\">The first \
         200 are shown in full; 800 more are marked in their suite tables below.</p>"
    ));
    assert_eq!(html.matches("<article class=\"case f\">").count(), 200);
    // Every suite fails, but only the first four (4 x 250 rows) start open.
    assert_eq!(html.matches("<details class=\"suite\" open>").count(), 4);
    assert_eq!(html.matches("<details class=\"suite\">").count(), 297);
    assert_balanced(&html);
}
