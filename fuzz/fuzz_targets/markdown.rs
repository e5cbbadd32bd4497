//! The Markdown renderer on arbitrary runs: within its budget, and no
//! name, message, file, title or diff entry becomes markup, a link, a
//! comment or an @-mention when GitHub's renderer (comrak, a port of
//! cmark-gfm) reads the output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testrelay::report::markdown::{MarkdownOptions, render_markdown, status_description};
use testrelay_fuzz::{FuzzRun, MARKER, REPORT_URL, markdown_problems};

fuzz_target!(|input: FuzzRun| {
    let opts = MarkdownOptions {
        budget_bytes: input.budget,
        report_url: Some(REPORT_URL.into()),
        title: input.title,
        marker: Some(MARKER.into()),
        diff: input.diff,
        ..MarkdownOptions::default()
    };
    let md = render_markdown(&input.run, &opts);
    assert!(md.len() <= input.budget, "{} > {}", md.len(), input.budget);
    let problems = markdown_problems(&md);
    assert!(problems.is_empty(), "{problems:?}\n{md}");
    let line = status_description(&input.run, 140);
    assert!(line.chars().count() <= 140);
});
