//! The comparison with the previous run in the Markdown and HTML reports,
//! and `write_reports` passing it to both.

use testrelay::analysis::diff::{DiffEntry, RunDiff};
use testrelay::report::html::{write_html, write_html_with};
use testrelay::report::markdown::{MarkdownOptions, render_markdown};
use testrelay::{CaseStatus, Config, ReportFormat, RunStatus, TestCase, TestRun};

fn run() -> TestRun {
    let mut bad = TestCase::new("unit", "pkg", "test_new_bad", CaseStatus::Failed);
    bad.duration_seconds = 0.5;
    let ok = TestCase::new("unit", "pkg", "test_fixed", CaseStatus::Passed);
    TestRun {
        name: "demo".into(),
        status: RunStatus::Failed,
        duration_seconds: 2.0,
        cases: vec![bad, ok],
        ..TestRun::default()
    }
}

fn entry(full_name: &str, before: Option<CaseStatus>, now: Option<CaseStatus>) -> DiffEntry {
    DiffEntry {
        test_id: format!("id-{full_name}"),
        full_name: full_name.into(),
        file: None,
        message: None,
        previous_status: before,
        current_status: now,
    }
}

fn diff(new_failures: usize) -> RunDiff {
    RunDiff {
        previous_run: Some("ci-41".into()),
        new_failures: (0..new_failures)
            .map(|i| {
                entry(
                    &format!("pkg.test_new_bad{i}"),
                    Some(CaseStatus::Passed),
                    Some(CaseStatus::Failed),
                )
            })
            .collect(),
        fixed: vec![entry(
            "pkg.test_fixed",
            Some(CaseStatus::Error),
            Some(CaseStatus::Passed),
        )],
        removed_tests: vec![entry("pkg.test_<gone>", Some(CaseStatus::Passed), None)],
        ..RunDiff::default()
    }
}

fn opts(diff: Option<RunDiff>, budget_bytes: usize) -> MarkdownOptions {
    MarkdownOptions {
        budget_bytes,
        slowest: 0,
        diff,
        ..MarkdownOptions::default()
    }
}

const HEAD: &str = "## Test results: failed

| Total | Passed | Failed | Errors | Skipped | Flaky | Duration |
|---:|---:|---:|---:|---:|---:|---:|
| 2 | 1 | 1 | 0 | 0 | 0 | 2.0s |
";

const FAILURES: &str = "
### Failures (1)

**failed** `pkg.test_new_bad`
";

#[test]
fn markdown_shows_the_comparison_after_the_totals() {
    let text = render_markdown(&run(), &opts(Some(diff(2)), 65_536));
    let expected = format!(
        "{HEAD}
### Compared with `ci-41`

| New failures | Fixed | Still failing |
|---:|---:|---:|
| 2 | 1 | 0 |

New failures:
- `pkg.test_new_bad0`
- `pkg.test_new_bad1`
{FAILURES}"
    );
    assert_eq!(text, expected);

    let without = render_markdown(&run(), &opts(None, 65_536));
    assert_eq!(without, format!("{HEAD}{FAILURES}"));
}

#[test]
fn markdown_comparison_lists_at_most_twenty_and_stays_in_the_budget() {
    let text = render_markdown(&run(), &opts(Some(diff(25)), 65_536));
    assert!(
        text.contains("- `pkg.test_new_bad19`\n- … and 5 more\n"),
        "{text}"
    );
    assert!(!text.contains("test_new_bad20`"));

    // Room for the counts and two names, then the tail line.
    let full = render_markdown(&run(), &opts(Some(diff(25)), 65_536));
    let cut_at = full.find("- `pkg.test_new_bad2`").unwrap();
    let budget = cut_at + "- … and 25 more\n".len() + FAILURES.len();
    let cut = render_markdown(&run(), &opts(Some(diff(25)), budget));
    assert!(cut.len() <= budget, "{} > {budget}", cut.len());
    assert!(
        cut.ends_with("- `pkg.test_new_bad1`\n- … and 23 more\n\n### Failures (1)\n\n**failed** `pkg.test_new_bad`\n"),
        "{cut}"
    );

    // No room for the comparison at all: the failures still come first.
    let tight = HEAD.len() + FAILURES.len();
    let text = render_markdown(&run(), &opts(Some(diff(3)), tight));
    assert_eq!(text, format!("{HEAD}{FAILURES}"));
}

fn html(diff: Option<&RunDiff>) -> String {
    let mut out = Vec::new();
    write_html_with(&run(), diff, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn html_shows_the_comparison_section_and_its_link() {
    let page = html(Some(&diff(1)));
    let start = page.find("<section id=\"diff\">").unwrap();
    let end = start + page[start..].find("</section>\n").unwrap() + "</section>\n".len();
    assert_eq!(
        &page[start..end],
        "<section id=\"diff\">\n<h2>Compared with <span class=\"nm\">ci-41</span></h2>\n\
         <p>1 new failures, 1 fixed, 0 still failing, 0 new tests, 1 removed tests, 0 newly skipped.</p>\n\
         <h3>New failures</h3>\n<ul>\n\
         <li><span class=\"badge f\">failed</span> <span class=\"nm\">pkg.test_new_bad0</span></li>\n\
         </ul>\n<h3>Fixed</h3>\n<ul>\n\
         <li><span class=\"badge p\">passed</span> <span class=\"nm\">pkg.test_fixed</span></li>\n\
         </ul>\n</section>\n"
    );
    assert!(page.contains(
        "<nav class=\"toc\"><a href=\"#diff\">Compared with previous run</a> \
         <a href=\"#failures\">"
    ));
    assert!(start < page.find("<section id=\"failures\">").unwrap());

    let mut plain = Vec::new();
    write_html(&run(), &mut plain).unwrap();
    let plain = String::from_utf8(plain).unwrap();
    assert_eq!(plain, html(None));
    assert!(!plain.contains("id=\"diff\"") && !plain.contains("#diff"));
}

#[test]
fn write_reports_passes_the_diff_to_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        report_formats: vec![ReportFormat::Markdown, ReportFormat::Html],
        ..Config::default()
    };
    let d = diff(1);
    let paths =
        testrelay::report::write_reports(&run(), dir.path(), &config, Some(&d), None, &[]).unwrap();
    assert_eq!(paths.len(), 2);
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.contains("### Compared with `ci-41`\n"), "{md}");
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("<section id=\"diff\">"));

    testrelay::report::write_reports(&run(), dir.path(), &config, None, None, &[]).unwrap();
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(!md.contains("Compared with"), "{md}");
}
