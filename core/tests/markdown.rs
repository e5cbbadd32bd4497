//! Markdown rendering: exact output, byte budgets, hostile text rendered by
//! GitHub's Markdown implementation, markers, and status descriptions.
//!
//! The rendering test needs Python 3 with `cmarkgfm` (`pip install cmarkgfm`).

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use serde_json::{Value, json};
use testrelay::report::markdown::{
    MarkdownOptions, format_duration, marker_comment, render_markdown, status_description,
};
use testrelay::{Attempt, CaseStatus, RunStatus, TestCase, TestRun};

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn case(classname: &str, name: &str, status: CaseStatus, secs: f64) -> TestCase {
    let mut c = TestCase::new("unit", classname, name, status);
    c.duration_seconds = secs;
    c
}

fn small_run() -> TestRun {
    let mut bad = case("pkg.Mod", "test_bad", CaseStatus::Failed, 0.5);
    bad.file = Some("tests/test_mod.py".into());
    bad.line = Some(12);
    bad.message = Some("assert 1 == 2\n  where 1 = f()".into());
    bad.details = Some("long trace, not shown".into());
    let mut err = case("", "test_<b>|`x`", CaseStatus::Error, 3.25);
    err.details = Some("Traceback:\n```\ncode\n```".into());
    let mut flaky = case("pkg.Mod", "test_flaky", CaseStatus::Flaky, 1.0);
    flaky.attempts = vec![Attempt::default()];
    let ok = case("pkg.Mod", "test_ok", CaseStatus::Passed, 0.0);
    TestRun {
        name: "demo".into(),
        status: RunStatus::Failed,
        duration_seconds: 192.4,
        cases: vec![bad, err, flaky, ok],
        ..TestRun::default()
    }
}

fn small_opts() -> MarkdownOptions {
    MarkdownOptions {
        report_url: Some("https://ci.test/r/1".into()),
        slowest: 3,
        marker: Some("<!-- testrelay:k1 -->".into()),
        ..MarkdownOptions::default()
    }
}

const GOLDEN: &str = r#"<!-- testrelay:k1 -->
## Test results: failed

| Total | Passed | Failed | Errors | Skipped | Flaky | Duration |
|---:|---:|---:|---:|---:|---:|---:|
| 4 | 1 | 1 | 1 | 0 | 1 | 3m 12s |

### Failures (2)

**failed** `pkg.Mod.test_bad` at `tests/test_mod.py:12`

```
assert 1 == 2
  where 1 = f()
```

**error** `` test_<b>|`x` ``

````
Traceback:
```
code
```
````

### Flaky tests (1)

| Test | Attempts | Duration |
|---|---:|---:|
| `pkg.Mod.test_flaky` | 2 | 1.0s |

### Slowest tests

| Test | Duration |
|---|---:|
| `` test_<b>\|`x` `` | 3.3s |
| `pkg.Mod.test_flaky` | 1.0s |
| `pkg.Mod.test_bad` | 500ms |

[Full report](https://ci.test/r/1)
"#;

#[test]
fn golden_output_for_a_small_run() {
    assert_eq!(render_markdown(&small_run(), &small_opts()), GOLDEN);
}

#[test]
fn passing_run_without_options_is_short() {
    let run = TestRun {
        status: RunStatus::Passed,
        duration_seconds: 0.25,
        cases: vec![case("c", "t", CaseStatus::Passed, 0.25)],
        ..TestRun::default()
    };
    let opts = MarkdownOptions {
        slowest: 0,
        ..MarkdownOptions::default()
    };
    assert_eq!(
        render_markdown(&run, &opts),
        "## Test results: passed\n\n\
         | Total | Passed | Failed | Errors | Skipped | Flaky | Duration |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n\
         | 1 | 1 | 0 | 0 | 0 | 0 | 250ms |\n"
    );
}

#[test]
fn truncated_failures_end_with_a_count_and_the_link() {
    let mut run = small_run();
    for i in 0..100 {
        let mut c = case("many", &format!("test_{i:03}"), CaseStatus::Failed, 0.1);
        c.message = Some("x".repeat(1000));
        run.cases.push(c);
    }
    let opts = MarkdownOptions {
        budget_bytes: 4096,
        ..small_opts()
    };
    let md = render_markdown(&run, &opts);
    assert!(md.len() <= 4096, "{}", md.len());
    let shown = md.matches("\n**failed** ").count() + md.matches("\n**error** ").count();
    assert!(shown >= 2, "{md}");
    let tail = format!(
        "\n… and {} more failures.\n\n[Full report](https://ci.test/r/1)\n",
        102 - shown
    );
    assert!(md.ends_with(&tail), "{md}");
    assert!(!md.contains("### Slowest tests"));
}

#[test]
fn tiny_budgets_drop_the_table_before_the_failure_count() {
    let expected = "<!-- testrelay:k1 -->\n## Test results: failed\n\n### Failures (2)\n\n\
                    … and 2 more failures.\n\n[Full report](https://ci.test/r/1)\n";
    // The smallest budget that still holds the count and the link.
    let md = render_markdown(
        &small_run(),
        &MarkdownOptions {
            budget_bytes: expected.len(),
            ..small_opts()
        },
    );
    assert_eq!(md, expected);
    let md = render_markdown(
        &small_run(),
        &MarkdownOptions {
            budget_bytes: 30,
            ..small_opts()
        },
    );
    // Only whole lines: a cut inside the heading could leave a span open.
    assert_eq!(md, "<!-- testrelay:k1 -->\n");
}

/// Names, messages and a title that try to break out of their places.
fn hostile_run() -> (TestRun, MarkdownOptions) {
    let names = [
        "<script>alert(1)</script>",
        "pipe | in | name",
        "tick ` and ``` fence",
        "new\n## injected heading",
        "*bold* _em_ [link](https://evil.test) :ok: @org/team",
        "back\\|slash",
    ];
    let mut cases = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut c = case("", name, CaseStatus::Failed, 10.0 - i as f64);
        c.message = Some(format!("</code></pre><img src=x>\n```\n{name}\n````"));
        c.file = Some("<i>f</i>.rs".into());
        cases.push(c);
    }
    let mut flaky = case("", names[1], CaseStatus::Flaky, 0.5);
    flaky.attempts = vec![Attempt::default()];
    cases.push(flaky);
    let run = TestRun {
        status: RunStatus::Failed,
        cases,
        ..TestRun::default()
    };
    let opts = MarkdownOptions {
        title: "<img src=x> *t* | # h\n---".into(),
        slowest: 10,
        report_url: Some("https://ci.test/a b)<x>".into()),
        marker: Some("<!-- k -->".into()),
        ..MarkdownOptions::default()
    };
    (run, opts)
}

fn render_gfm(markdown: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("comment.md");
    std::fs::write(&file, markdown).unwrap();
    let script = repo_path("tests/tools/render_gfm.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); install Python 3 and `pip install cmarkgfm`")
        });
    assert!(
        out.status.success(),
        "render_gfm.py failed (needs `pip install cmarkgfm`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn hostile_text_renders_as_text_on_github() {
    let (run, opts) = hostile_run();
    let md = render_markdown(&run, &opts);
    let seen = render_gfm(&md);

    let tags: Vec<&str> = seen["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "a", "code", "h2", "h3", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
            "tr"
        ],
        "{md}"
    );
    assert_eq!(seen["comments"], json!([" k "]));
    assert_eq!(
        seen["headings"],
        json!([
            "<img src=x> *t* | # h ---: failed",
            "Failures (6)",
            "Flaky tests (1)",
            "Slowest tests"
        ])
    );
    assert_eq!(seen["links"], json!(["https://ci.test/a%20b%29%3Cx%3E"]));

    let shown: Vec<String> = run
        .cases
        .iter()
        .map(|c| c.name.replace('\n', " "))
        .collect();
    // The title (not plain words) is code; then each failure: its name,
    // then its location, as code.
    let code = seen["code"].as_array().unwrap();
    assert_eq!(code[0], json!("<img src=x> *t* | # h ---"));
    let code = &code[1..];
    for (i, name) in shown.iter().take(6).enumerate() {
        assert_eq!(code[2 * i], json!(name), "{md}");
        assert_eq!(code[2 * i + 1], json!("<i>f</i>.rs"));
    }
    // Each message is one code block holding the message exactly.
    let pre = seen["pre"].as_array().unwrap();
    assert_eq!(pre.len(), 6);
    for (c, block) in run.cases.iter().zip(pre) {
        assert_eq!(
            block,
            &json!(format!("{}\n", c.message.as_deref().unwrap()))
        );
    }
    // Tables keep their shape: 2 cells per slowest-test row, names intact.
    let rows = seen["rows"].as_array().unwrap();
    let flaky_row = &rows[3];
    assert_eq!(flaky_row, &json!([shown[6], "2", "500ms"]));
    let slow_rows = &rows[5..];
    assert_eq!(slow_rows.len(), 7);
    for (row, name) in slow_rows.iter().zip(&shown) {
        assert_eq!(row.as_array().unwrap().len(), 2, "{md}");
        assert_eq!(row[0], json!(name), "{md}");
    }
}

#[test]
fn marker_comes_first_and_is_always_a_comment() {
    let run = small_run();
    for (marker, first_line) in [
        ("<!-- testrelay:k1 -->", "<!-- testrelay:k1 -->"),
        ("testrelay:k1", "<!-- testrelay:k1 -->"),
        ("x --> <b>y</b>", "<!-- x - by/b -->"),
    ] {
        let md = render_markdown(
            &run,
            &MarkdownOptions {
                marker: Some(marker.into()),
                ..MarkdownOptions::default()
            },
        );
        assert_eq!(md.lines().next(), Some(first_line));
        assert_eq!(marker_comment(marker), first_line);
    }
    let md = render_markdown(&run, &MarkdownOptions::default());
    assert!(md.starts_with("## Test results: failed\n"));
}

#[test]
fn status_descriptions_fit_their_limit() {
    let run = small_run();
    assert_eq!(
        status_description(&run, 140),
        "1 failed, 1 error, 1 flaky, 1 passed in 3m 12s"
    );
    assert_eq!(
        status_description(&run, 40),
        "1 failed, 1 error, 1 flaky, 1 passed"
    );
    assert_eq!(status_description(&run, 10), "1 failed,…");
    assert_eq!(status_description(&run, 0), "");

    let mut big = TestRun {
        status: RunStatus::TimedOut,
        duration_seconds: 3725.0,
        ..TestRun::default()
    };
    for (status, n) in [
        (CaseStatus::Failed, 12),
        (CaseStatus::Skipped, 3),
        (CaseStatus::Passed, 1024),
    ] {
        for i in 0..n {
            big.cases.push(case("c", &format!("t{i}"), status, 0.0));
        }
    }
    assert_eq!(
        status_description(&big, 140),
        "timed out: 12 failed, 3 skipped, 1024 passed in 1h 2m 5s"
    );
    let empty = TestRun {
        status: RunStatus::Passed,
        ..TestRun::default()
    };
    assert_eq!(status_description(&empty, 140), "no tests in 0ms");
}

#[test]
fn durations_are_shared_and_documented() {
    assert_eq!(format_duration(192.4), "3m 12s");
    assert_eq!(format_duration(0.0015), "2ms");
}

fn arb_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 é😀`|<>&\\n_.:]{0,60}").unwrap()
}

fn arb_case() -> impl Strategy<Value = TestCase> {
    (
        arb_text(),
        arb_text(),
        prop_oneof![
            Just(CaseStatus::Passed),
            Just(CaseStatus::Failed),
            Just(CaseStatus::Error),
            Just(CaseStatus::Skipped),
            Just(CaseStatus::Flaky),
        ],
        0.0f64..5000.0,
        proptest::option::of((arb_text(), 0usize..1500)),
        proptest::option::of(arb_text()),
    )
        .prop_map(|(classname, name, status, secs, message, file)| {
            let mut c = case(&classname, &name, status, secs);
            c.message = message.map(|(text, n)| format!("{text}{}", "é`\n".repeat(n / 3)));
            c.file = file;
            c.line = Some(7);
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn output_never_exceeds_the_budget(
        cases in proptest::collection::vec(arb_case(), 0..100),
        budget in 256usize..40_000,
        url in proptest::option::of("https://ci\\.test/[a-z0-9/]{0,40}"),
        marker in proptest::option::of("<!-- testrelay:[a-z0-9]{1,20} -->"),
        slowest in 0usize..20,
    ) {
        let run = TestRun { status: RunStatus::Failed, cases, ..TestRun::default() };
        let opts = MarkdownOptions {
            budget_bytes: budget,
            report_url: url.clone(),
            slowest,
            marker,
            ..MarkdownOptions::default()
        };
        let md = render_markdown(&run, &opts);
        prop_assert!(md.len() <= budget, "{} > {}", md.len(), budget);
        let failures = run.failures().count();
        let shown = md.lines().filter(|l| l.starts_with("**failed** ") || l.starts_with("**error** ")).count();
        prop_assert!(shown <= failures);
        if shown < failures {
            let line = format!(
                "… and {} more failure{}.",
                failures - shown,
                if failures - shown == 1 { "" } else { "s" }
            );
            prop_assert!(md.lines().any(|l| l == line), "missing {line:?} in {md}");
        } else {
            prop_assert!(!md.contains(" more failure"));
        }
        if let Some(url) = url {
            let link = format!("\n[Full report]({url})\n");
            prop_assert!(md.ends_with(&link), "{}", md);
        }
    }
}

/// Pieces hostile text is made of: every Markdown and HTML construct that
/// could leave a code span or start markup, long backtick runs (GitHub's
/// renderer leaves a code span with a fence over 80 backticks unclosed),
/// mentions, autolinks and control characters.
fn hostile_piece() -> impl Strategy<Value = String> {
    let fixed = [
        "`",
        "``",
        "```",
        "~~~",
        "<img src=x onerror=alert(1)>",
        "<details open>",
        "</code>",
        "<!--",
        "-->",
        "@octocat",
        "@org/team",
        " @a",
        "www.evil.test",
        "https://evil.test/x",
        "a@b.co",
        "*",
        "**",
        "_",
        "~~",
        "|",
        "\\",
        "\\|",
        "[x](https://e.test)",
        "![i](x.png)",
        "\n",
        "\r",
        "\r\n",
        "\n\n",
        "\n# h1\n",
        "\n---\n",
        "\n> q\n",
        "\n- [ ] t\n",
        "\n1. x\n",
        "&amp;",
        "&#96;",
        "&lt;",
        "<",
        ">",
        "&",
        ":ok:",
        "#1",
        " ",
        "  ",
        "\t",
        "\x1b[2J",
        "\0",
        "\x07",
        "\u{9b}",
        "é",
        "😀",
        "[^1]",
        "[^1]: n",
        "<https://a.test>",
        "$x$",
        "=",
        "\u{202e}",
    ];
    prop_oneof![
        3 => proptest::sample::select(fixed.to_vec()).prop_map(str::to_string),
        2 => (1usize..200).prop_map(|n| "`".repeat(n)),
        2 => "[a-zA-Z0-9 .:/-]{1,8}",
    ]
}

fn hostile_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(hostile_piece(), 0..10).prop_map(|parts| parts.concat())
}

fn hostile_case() -> impl Strategy<Value = TestCase> {
    (
        hostile_string(),
        hostile_string(),
        prop_oneof![
            Just(CaseStatus::Failed),
            Just(CaseStatus::Error),
            Just(CaseStatus::Flaky),
            Just(CaseStatus::Passed),
        ],
        proptest::option::of(hostile_string()),
        proptest::option::of(hostile_string()),
        proptest::option::of(hostile_string()),
        0.0f64..100.0,
    )
        .prop_map(|(classname, name, status, message, details, file, secs)| {
            let mut c = case(&classname, &name, status, secs);
            c.message = message;
            c.details = details;
            c.file = file;
            if status == CaseStatus::Flaky {
                c.attempts = vec![Attempt::default()];
            }
            c
        })
}

/// A performance comparison whose metric names, units, test names and
/// branch are hostile text; `None` without metrics.
fn hostile_performance(
    metrics: Vec<(String, String, String)>,
) -> Option<testrelay::analysis::regressions::PerformanceReport> {
    use testrelay::analysis::regressions::{
        ComparisonTest, MetricComparison, PerformanceReport, Verdict,
    };
    use testrelay::analysis::trends::Better;
    let branch = metrics.first().map(|m| m.2.clone());
    let comparisons: Vec<MetricComparison> = metrics
        .into_iter()
        .map(|(name, unit, test)| MetricComparison {
            name,
            test_id: Some("0123456789abcdef".into()),
            test_name: Some(test),
            unit,
            better: Better::Lower,
            baseline_runs: 3,
            baseline_count: 3,
            baseline: Some(10.0),
            count: 1,
            now: 12.5,
            change_pct: Some(25.0),
            test: Some(ComparisonTest::SingleValue),
            p_value: Some(0.0001),
            verdict: Verdict::Regression,
            recent: vec![10.0, 9.0, 11.0, 12.5],
        })
        .collect();
    (!comparisons.is_empty()).then_some(PerformanceReport {
        baseline_branch: branch,
        baseline_runs: 3,
        min_change_pct: 5.0,
        alpha: 0.05,
        comparisons,
    })
}

/// One rendering to check: the run, the options, and what the output may
/// link to and hide in comments.
fn hostile_rendering() -> impl Strategy<Value = (TestRun, MarkdownOptions)> {
    (
        proptest::collection::vec(hostile_case(), 0..6),
        hostile_string(),
        proptest::option::of(hostile_string()),
        proptest::collection::vec(hostile_string(), 0..4),
        prop_oneof![Just(65_536usize), 256usize..4000],
        proptest::collection::vec((hostile_string(), hostile_string(), hostile_string()), 0..4),
    )
        .prop_map(|(cases, title, previous, new_failures, budget, metrics)| {
            let run = TestRun {
                status: RunStatus::Failed,
                cases,
                ..TestRun::default()
            };
            let diff = previous.map(|key| testrelay::analysis::diff::RunDiff {
                previous_run: Some(key),
                new_failures: new_failures
                    .into_iter()
                    .map(|full_name| testrelay::analysis::diff::DiffEntry {
                        test_id: "id".into(),
                        full_name,
                        file: None,
                        message: None,
                        previous_status: None,
                        current_status: Some(CaseStatus::Failed),
                    })
                    .collect(),
                ..Default::default()
            });
            let opts = MarkdownOptions {
                budget_bytes: budget,
                report_url: Some("https://ci.test/run/1".into()),
                slowest: 5,
                // Artifact names are as hostile as test names.
                artifacts: vec![testrelay::report::markdown::ArtifactLink {
                    name: title.clone(),
                    semantic_type: "log".into(),
                    size: 1,
                    url: None,
                    path: None,
                }],
                title,
                marker: Some("<!-- testrelay:k -->".into()),
                diff,
                performance: hostile_performance(metrics),
            };
            (run, opts)
        })
}

/// Renders every Markdown text in one call of `gfm_injection.py` and
/// returns each one's violations.
fn injection_problems(markdowns: &[String]) -> Vec<Vec<String>> {
    use std::io::Write;
    let cases: Vec<Value> = markdowns
        .iter()
        .map(|md| {
            json!({
                "markdown": md,
                "links": ["https://ci.test/run/1"],
                "comments": [" testrelay:k "],
            })
        })
        .collect();
    let mut child = Command::new("python3")
        .arg(repo_path("tests/tools/gfm_injection.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed (scripts/install-test-deps.sh)");
    let input = serde_json::to_vec(&cases).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "gfm_injection.py failed (needs `pip install cmarkgfm`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The property of the issue's item 4: for random hostile names, messages,
/// files, titles and diff entries, GitHub's renderer finds in our Markdown
/// no element, attribute, link, comment or @-mention that we did not
/// write. The cases are generated with proptest and rendered in one batch
/// (one Python process for all of them keeps this about a second); a
/// failure prints the input and the Markdown.
#[test]
fn random_hostile_text_never_becomes_markup() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::default();
    let strategy = hostile_rendering();
    let renderings: Vec<(TestRun, MarkdownOptions)> = (0..300)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let markdowns: Vec<String> = renderings
        .iter()
        .map(|(run, opts)| render_markdown(run, opts))
        .collect();
    for (((run, opts), md), problems) in renderings
        .iter()
        .zip(&markdowns)
        .zip(injection_problems(&markdowns))
    {
        assert!(
            problems.is_empty(),
            "{problems:?}\n--- markdown ---\n{md}\n--- run ---\n{run:?}\n--- options ---\n{opts:?}"
        );
        assert!(md.len() <= opts.budget_bytes);
        assert!(
            !md.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "control character in {md:?}"
        );
    }
}

/// The issue's example: a name with 80 or more backticks left its code
/// span, so the `<img>`, `<details open>` and mention after it were live.
#[test]
fn long_backtick_runs_cannot_end_a_code_span() {
    let mut cases = Vec::new();
    for n in [79, 80, 81, 100, 300] {
        let name = format!("a{} <img src=x> <details open> @octocat", "`".repeat(n));
        let mut c = case(&name, &name, CaseStatus::Failed, 1.0);
        c.file = Some(name.clone());
        cases.push(c);
        let mut flaky = case("f", &name, CaseStatus::Flaky, 2.0);
        flaky.attempts = vec![Attempt::default()];
        cases.push(flaky);
    }
    let run = TestRun {
        status: RunStatus::Failed,
        cases,
        ..TestRun::default()
    };
    let opts = MarkdownOptions {
        title: format!("{} @octocat <img src=x>", "`".repeat(90)),
        report_url: Some("https://ci.test/run/1".into()),
        marker: Some("<!-- testrelay:k -->".into()),
        ..MarkdownOptions::default()
    };
    let md = render_markdown(&run, &opts);
    assert_eq!(
        injection_problems(std::slice::from_ref(&md)),
        [Vec::<String>::new()],
        "{md}"
    );
    // The names are still shown whole: the code and the entities between.
    let seen = render_gfm(&md);
    let rows = seen["rows"].as_array().unwrap();
    let flaky_names: Vec<String> = rows
        .iter()
        .filter(|r| r[1] == "2")
        .map(|r| r[0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(flaky_names.len(), 5);
    assert!(
        flaky_names[0].starts_with(&format!("f.a{}", "`".repeat(79))),
        "{flaky_names:?}"
    );
}

/// cmark-gfm keeps a code fence's length in a byte: a message line of 255
/// or more backticks closed any fence, and the lines after it were
/// Markdown. Found by the random test above.
#[test]
fn very_long_backtick_lines_cannot_close_a_message_block() {
    let mut cases = Vec::new();
    for message in [
        format!("{}\n# h1\n<img src=x>", "`".repeat(276)),
        format!("a{}b\n{}\n<img src=x>", "`".repeat(300), "`".repeat(256)),
        format!(
            "{}\n{}\n<img src=x> @octocat",
            "`".repeat(300),
            "~".repeat(300)
        ),
    ] {
        let mut c = case("c", "t", CaseStatus::Failed, 1.0);
        c.message = Some(message);
        cases.push(c);
    }
    let run = TestRun {
        status: RunStatus::Failed,
        cases,
        ..TestRun::default()
    };
    let opts = MarkdownOptions {
        report_url: Some("https://ci.test/run/1".into()),
        marker: Some("<!-- testrelay:k -->".into()),
        ..MarkdownOptions::default()
    };
    let md = render_markdown(&run, &opts);
    assert_eq!(
        injection_problems(std::slice::from_ref(&md)),
        [Vec::<String>::new()],
        "{md}"
    );
    let seen = render_gfm(&md);
    assert_eq!(seen["pre"].as_array().unwrap().len(), 3, "{md}");
}
