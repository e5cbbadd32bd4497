//! Reports: JUnit XML in and out, JSON (CTRF and TestRunResult), Markdown,
//! HTML, and the merging of shard reports.
//!
//! [`write_reports`] writes the configured formats under fixed names:
//!
//! | format | file |
//! |--------|------|
//! | `junit` | `junit.xml` |
//! | `json` | `results.json` (CTRF) and `run.json` (the TestRunResult) |
//! | `html` | `report.html` |
//! | `markdown` | `summary.md` |

pub mod aggregate;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod results;
pub(crate) mod xml;

use std::path::{Path, PathBuf};

use crate::config::{Config, ReportFormat};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::history::analysis::diff::RunDiff;
use crate::model::TestRun;

/// JUnit XML report file name.
pub const JUNIT_FILE: &str = "junit.xml";
/// CTRF JSON report file name.
pub const CTRF_FILE: &str = "results.json";
/// TestRunResult JSON file name.
pub const RUN_FILE: &str = "run.json";
/// HTML report file name.
pub const HTML_FILE: &str = "report.html";
/// Markdown summary file name.
pub const MARKDOWN_FILE: &str = "summary.md";

/// Largest `summary.md` written (GitHub's job-summary limit per step).
pub const SUMMARY_BUDGET_BYTES: usize = 1024 * 1024;

/// Writes `run` in each of `config.report_formats` into `dir` (created if
/// needed), each file replaced atomically. Returns the paths written, in
/// format order. The HTML and Markdown reports show `diff` (the run
/// compared with the previous one) when given.
///
/// Errors: `Io` naming the file that could not be written.
pub fn write_reports(
    run: &TestRun,
    dir: &Path,
    config: &Config,
    diff: Option<&RunDiff>,
) -> Result<Vec<PathBuf>> {
    let formats = &config.report_formats;
    let mut written = Vec::new();
    for format in formats {
        match format {
            ReportFormat::Junit => {
                let path = dir.join(JUNIT_FILE);
                write_atomic(&path, |w| {
                    junit::write_junit_with(run, config.junit_profile, w)
                })?;
                written.push(path);
            }
            ReportFormat::Json => {
                let path = dir.join(CTRF_FILE);
                write_atomic(&path, |w| json::write_ctrf(run, w))?;
                written.push(path);
                let path = dir.join(RUN_FILE);
                write_atomic(&path, |w| json::write_run_json(run, w))?;
                written.push(path);
            }
            ReportFormat::Html => {
                let path = dir.join(HTML_FILE);
                write_atomic(&path, |w| html::write_html_with(run, diff, w))?;
                written.push(path);
            }
            ReportFormat::Markdown => {
                let path = dir.join(MARKDOWN_FILE);
                let text = markdown::render_markdown(
                    run,
                    &markdown::MarkdownOptions {
                        budget_bytes: SUMMARY_BUDGET_BYTES,
                        report_url: formats
                            .contains(&ReportFormat::Html)
                            .then(|| HTML_FILE.to_string()),
                        title: run.name.clone(),
                        diff: diff.cloned(),
                        ..markdown::MarkdownOptions::default()
                    },
                );
                write_atomic(&path, |w| {
                    w.write_all(text.as_bytes())
                        .map_err(|e| Error::io("writing", &path, e))
                })?;
                written.push(path);
            }
        }
    }
    Ok(written)
}

/// True for files that look like result files (`*.xml`, `*.trx`, `*.json`,
/// `*.jsonl`), except the state files testrelay writes beside its reports.
/// Which format a file is in is recognized from its content when read.
pub fn is_report_input(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "xml" | "trx" | "json" | "jsonl")
        && !matches!(name, RUN_FILE | "run-state.json" | "build-status.json")
}

/// Reads one results file in whichever format it is in (see
/// [`results::read_file`]) as a run named after the file, with the default
/// [`results::ReadOptions`]; warnings are dropped.
///
/// Errors: `NotFound`/`Io` for the file, `Parse` naming the file, line and
/// column for malformed content or an unknown format.
pub fn load_report(path: &Path) -> Result<TestRun> {
    Ok(results::read_file(path, &results::ReadOptions::default())?.run)
}
