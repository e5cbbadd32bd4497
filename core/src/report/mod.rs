//! Reports: JUnit XML in and out, JSON (CTRF and TestRunResult), Markdown,
//! HTML, and the merging of shard reports.
//!
//! [`write_reports`] writes the configured formats under fixed names, each
//! to a temporary file that is then renamed over the old one (a reader
//! never sees half a report). A Reporter removes the previous run's
//! reports when it starts ([`remove_previous_reports`]), so after a crash
//! the directory never mixes one run's reports with another's state:
//!
//! | format | file |
//! |--------|------|
//! | `junit` | `junit.xml` |
//! | `json` | `results.json` (CTRF) and `run.json` (the TestRunResult) |
//! | `html` | `report.html` |
//! | `markdown` | `summary.md` |

pub mod aggregate;
pub mod dashboard;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod metrics;
pub mod results;
pub(crate) mod xml;

use std::path::{Path, PathBuf};

use crate::analysis::diff::RunDiff;
use crate::analysis::regressions::PerformanceReport;
use crate::config::{Config, ReportFormat};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
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

/// Every file [`write_reports`] may write.
pub const REPORT_FILES: [&str; 5] = [JUNIT_FILE, CTRF_FILE, RUN_FILE, HTML_FILE, MARKDOWN_FILE];

/// Largest `summary.md` written (GitHub's job-summary limit per step).
pub const SUMMARY_BUDGET_BYTES: usize = 1024 * 1024;

/// Writes `run` in each of `config.report_formats` into `dir` (created if
/// needed), each file replaced atomically. Returns the paths written, in
/// format order. The HTML and Markdown reports show `diff` (the run
/// compared with the previous one) and `performance` (its metrics compared
/// with their baseline) when given.
///
/// Errors: `Io` naming the file that could not be written.
pub fn write_reports(
    run: &TestRun,
    dir: &Path,
    config: &Config,
    diff: Option<&RunDiff>,
    performance: Option<&PerformanceReport>,
    artifacts: &[markdown::ArtifactLink],
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
                let linked = html::link_local_artifacts(artifacts, dir);
                write_atomic(&path, |w| {
                    html::write_html_full(run, diff, performance, &linked, w)
                })?;
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
                        performance: performance.cloned(),
                        artifacts: artifacts.to_vec(),
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

/// Removes the reports an earlier run left in `dir` ([`REPORT_FILES`]), so
/// that a run which dies before writing its own leaves no reports rather
/// than another run's beside its own state files. Returns the files
/// removed; a missing directory or file is not an error.
///
/// Errors: `Io` naming the first file that could not be removed.
pub fn remove_previous_reports(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for name in REPORT_FILES {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("removing the earlier run's report", &path, e)),
        }
    }
    Ok(removed)
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
