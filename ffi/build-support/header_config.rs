//! How `include/testrelay.h` is made, shared by the `gen_header` example
//! that writes it and the test that checks it: cbindgen, configured by
//! `ffi/cbindgen.toml` plus the version macros `TR_VERSION_MAJOR`,
//! `TR_VERSION_MINOR` and `TR_VERSION_PATCH` (taken from this crate's
//! version, the workspace's one version, so bumping it makes the committed
//! header stale until it is regenerated), then a section banner before each
//! group of declarations.
//!
//! cbindgen writes the constants, then the types, then the functions in
//! source order (the order of the modules in `ffi/src/lib.rs`, then within
//! each file). [`SECTIONS`] names the functions of each section in that
//! order; generating fails when a function is in no section or out of its
//! place, so a new C function is placed on purpose.

use std::path::Path;

/// The header's function sections, in order: a title and the functions
/// under it, in the order cbindgen writes them.
pub const SECTIONS: &[(&str, &[&str])] = &[
    (
        "Version and status: the library's version, the last error's text",
        &["tr_version", "tr_last_error_message"],
    ),
    (
        "Strings: what the functions below return (read, then free)",
        &["tr_string_ptr", "tr_string_len", "tr_string_free"],
    ),
    (
        "Reporter: one test run, from tr_reporter_new to tr_reporter_free",
        &[
            "tr_reporter_new",
            "tr_reporter_record_case",
            "tr_reporter_record_metric",
            "tr_reporter_attach_artifact",
            "tr_reporter_set_property",
            "tr_reporter_on_event",
            "tr_reporter_finish",
            "tr_reporter_free",
        ],
    ),
    (
        "History: the SQLite file of past runs, and the analyses over it",
        &[
            "tr_history_open",
            "tr_history_free",
            "tr_history_runs",
            "tr_history_cases",
            "tr_history_merge",
            "tr_history_trends",
            "tr_history_flaky",
            "tr_history_split",
            "tr_artifacts_find",
            "tr_artifact_get",
            "tr_artifacts_compare",
        ],
    ),
    (
        "Parsing: result files written by test runners",
        &["tr_parse_junit_file", "tr_parse_results_file"],
    ),
    (
        "Detection: which CI runs this process, and the build's identity",
        &["tr_detect_environment"],
    ),
];

/// A banner comment line block for `title`.
fn banner(title: &str) -> String {
    let rule = format!("// {}", "=".repeat(76));
    format!("{rule}\n// {title}\n{rule}\n\n")
}

/// Reads `cbindgen.toml` in `crate_dir` and adds the version macros after
/// the `#include` lines. Errors with cbindgen's message when the file is
/// unreadable or invalid.
pub fn header_config(crate_dir: &Path) -> Result<cbindgen::Config, String> {
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))?;
    let macros = format!(
        "\n{}\
         // The version of testrelay this header comes from (tr_version() returns\n\
         // the library's at run time).\n\
         #define TR_VERSION_MAJOR {}\n\
         #define TR_VERSION_MINOR {}\n\
         #define TR_VERSION_PATCH {}",
        banner("Versions: of this header, and of the C ABI"),
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    config.after_includes = Some(match config.after_includes.take() {
        Some(existing) => format!("{existing}\n{macros}"),
        None => macros,
    });
    Ok(config)
}

/// The name a line declares when it starts a function declaration
/// (`enum tr_status tr_history_open(` gives `tr_history_open`).
fn declared_function(line: &str) -> Option<&str> {
    if line.starts_with(char::is_whitespace) || line.starts_with("//") || line.starts_with('#') {
        return None;
    }
    if line.starts_with("typedef") {
        return None;
    }
    let open = line.find('(')?;
    let name = line[..open].rsplit([' ', '*']).next()?;
    name.starts_with("tr_").then_some(name)
}

/// Inserts `text` before line `at`, above the comment lines just before it
/// (the declaration's documentation).
fn insert_above_comments(lines: &mut Vec<String>, at: usize, text: &str) {
    let mut start = at;
    while start > 0 && lines[start - 1].starts_with("//") {
        start -= 1;
    }
    lines.insert(start, text.trim_end_matches('\n').to_string());
    lines.insert(start + 1, String::new());
}

/// Adds the banners to what cbindgen wrote: "Types" before the first
/// `typedef`, and each of [`SECTIONS`] before its first function. Errors
/// naming the function when the functions are not exactly those of
/// `SECTIONS`, in that order.
pub fn with_sections(header: &str) -> Result<String, String> {
    let mut lines: Vec<String> = header.lines().map(str::to_string).collect();
    let expected: Vec<&str> = SECTIONS
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    let declared: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| declared_function(l).map(|n| (i, n.to_string())))
        .collect();
    let names: Vec<&str> = declared.iter().map(|(_, n)| n.as_str()).collect();
    if names != expected {
        let stray = names.iter().find(|n| !expected.contains(n));
        return Err(match stray {
            Some(name) => format!(
                "{name} is in no section of the header: add it to SECTIONS in \
                 ffi/build-support/header_config.rs"
            ),
            None => format!(
                "the header's functions are not in the order of SECTIONS \
                 (ffi/build-support/header_config.rs): cbindgen wrote {names:?}; \
                 order the modules in ffi/src/lib.rs and the functions in each file to match"
            ),
        });
    }
    // Bottom up, so the line numbers found above stay right.
    let mut first = 0;
    let mut at = Vec::new();
    for (title, functions) in SECTIONS {
        at.push((declared[first].0, *title));
        first += functions.len();
    }
    for (line, title) in at.into_iter().rev() {
        insert_above_comments(&mut lines, line, &banner(title));
    }
    let types = lines
        .iter()
        .position(|l| l.starts_with("typedef"))
        .ok_or("cbindgen wrote no types")?;
    insert_above_comments(
        &mut lines,
        types,
        &banner("Types: status codes, handles, the test case, events"),
    );
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

/// The whole header, as `include/testrelay.h` must read.
pub fn generate_header(crate_dir: &Path) -> Result<String, String> {
    let config = header_config(crate_dir)?;
    let bindings = cbindgen::generate_with_config(crate_dir, config)
        .map_err(|e| format!("cbindgen failed: {e}"))?;
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).map_err(|_| "the header is not UTF-8")?;
    with_sections(&generated)
}
