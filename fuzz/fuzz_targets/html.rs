//! The HTML report on arbitrary runs: every user string stays text (no
//! element, attribute, link or script of its own).
#![no_main]

use libfuzzer_sys::fuzz_target;
use testrelay_fuzz::{FuzzRun, html_problems};

fuzz_target!(|input: FuzzRun| {
    let mut out = Vec::new();
    testrelay::report::html::write_html_with(&input.run, input.diff.as_ref(), &mut out)
        .expect("writing to memory");
    let html = String::from_utf8(out).expect("UTF-8");
    let problems = html_problems(&html);
    assert!(problems.is_empty(), "{problems:?}");
});
